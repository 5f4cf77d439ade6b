/* http handlers of the application scenarios (h_apps.c; routes in the
 * "apps" block of routes.c). */
#ifndef HTTP_H_APPS_H
#define HTTP_H_APPS_H

#include "http/http.h"

#define H(name) void name(http_req *rq, http_resp *rs)
H(h_app_role_list);
H(h_app_role_grant);
H(h_proc_list);
H(h_proc_require);
H(h_proc_get);
H(h_proc_offer);
H(h_proc_evaluation);
H(h_proc_decide);
H(h_fin_consent_list);
H(h_fin_consent);
H(h_fin_consent_revoke);
H(h_fin_borrower);
H(h_fin_rule);
H(h_fin_eligibility);
H(h_fin_position);
H(h_fin_portfolio);
H(h_inc_method_list);
H(h_inc_method_create);
H(h_inc_report);
H(h_inc_account);
H(h_inc_statement);
H(h_inc_retire);
H(h_inc_issue);
H(h_inc_registry);
H(h_park_members);
H(h_park_invite);
H(h_park_join);
H(h_park_leave);
H(h_park_stats);
H(h_supply_chain);
H(h_statistics);
#undef H

#endif
