/* http handlers: one per route (routes.c).  Each decodes, calls one service
 * function and encodes; see http.h. */
#ifndef HTTP_HANDLERS_H
#define HTTP_HANDLERS_H

#include "http/http.h"

#define H(name) void name(http_req *rq, http_resp *rs)
/* ops */
H(h_openapi);
/* auth */
H(h_login);
H(h_logout);
H(h_me);
H(h_token);
H(h_revoke);
H(h_password);
/* accounts */
H(h_org_list);
H(h_org_create);
H(h_user_list);
H(h_user_create);
H(h_user_disable);
H(h_user_enable);
H(h_client_create);
/* factors */
H(h_factor_search);
H(h_factor_add);
H(h_factor_resolve);
H(h_factor_export);
H(h_factor_import);
H(h_factor_get);
H(h_factor_history);
H(h_factor_transition);
/* rules */
H(h_rule_list);
H(h_rule_find);
H(h_rule_validate);
H(h_rule_get);
/* models and checks */
H(h_model_list);
H(h_model_create);
H(h_model_from_sheets);
H(h_model_get);
H(h_model_update);
H(h_model_delete);
H(h_check);
/* calculations */
H(h_calc_submit);
H(h_calc_list);
H(h_calc_get);
H(h_calc_cancel);
/* footprints */
H(h_fp_list);
H(h_fp_get);
H(h_fp_export);
H(h_fp_publish);
H(h_fp_report);
H(h_fp_public);
/* ledger */
H(h_ledger_head);
H(h_ledger_proof);
H(h_ledger_entries);
/* institutions: certification, labels, grading, disclosure, registry */
H(h_pub_label);
H(h_pub_label_history);
H(h_pub_label_verify);
H(h_pub_label_svg);
H(h_pub_label_png);
H(h_pub_registry);
H(h_pub_compare);
H(h_pub_dishonest);
H(h_pub_keyring);
H(h_pub_grade_stats);
H(h_pub_disclosures);
H(h_pub_esg);
H(h_esg_own);
H(h_cert_body_list);
H(h_cert_body_register);
H(h_cert_body_scope);
H(h_cert_key_add);
H(h_cert_key_revoke);
H(h_cert_catalogue_list);
H(h_cert_catalogue_get);
H(h_cert_catalogue_put);
H(h_dishonest_add);
H(h_dishonest_remove);
H(h_cert_apply);
H(h_cert_app_list);
H(h_cert_app_get);
H(h_cert_step);
H(h_cert_doc_add);
H(h_cert_doc_get);
H(h_label_list);
H(h_label_act);
H(h_label_surveil);
H(h_label_surveil_result);
H(h_label_expire);
H(h_grade_list);
H(h_grade_set);
H(h_grade_recompute);
H(h_disc_publish);
H(h_disc_list);
H(h_disc_get);
H(h_disc_withdraw);
/* declare */
H(h_declare_battery);
H(h_declare_cbam);
H(h_declaration_list);
H(h_declaration_get);
/* federation */
H(h_fed_identity);
H(h_fed_package);
H(h_fed_peers);
H(h_fed_objects);
H(h_fed_label_verify);
H(h_fed_recognitions);
H(h_fed_footprint_recognitions);
/* pact (h_pact.c) */
H(h_pact_token);
H(h_pact_openid);
H(h_pact3_list);
H(h_pact3_get);
H(h_pact3_events);
H(h_pact2_list);
H(h_pact2_get);
H(h_pact2_events);
H(h_pact_attr);
H(h_pact_inputs);
H(h_pact_partner);
H(h_pact_pull);
H(h_pact_suppliers);
/* pact subscriptions (h_pact_sub.c) */
H(h_pact_sub_list);
H(h_pact_sub_add);
H(h_pact_sub_remove);
H(h_pact_sub_run);
/* pact clients (h_pactclients.c) */
H(h_pact_clients_list);
H(h_pact_clients_create);
H(h_pact_clients_revoke);
#undef H

#endif
