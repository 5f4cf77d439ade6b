/*
 * svc_rules_json: accounting rules as JSON for callers other than the
 * command line (the API): summaries, a rule with which standard to follow,
 * the rules found for a product with why each applies or not, and the
 * validation of a rule document.  Server file paths are not shown.
 */
#ifndef SERVICES_RULES_JSON_H
#define SERVICES_RULES_JSON_H

#include <jansson.h>

#include "services/rules.h"

json_t *svc_rule_summary_json(const svc_rule *r);
/* Every rule as summaries. */
json_t *svc_ruleset_json(const svc_ruleset *set);
/* {"rule": doc, "follow": {"zh", "en"}}; TJ_ERR_NOTFOUND for an unknown ref. */
tj_status svc_rule_show_json(const svc_ruleset *set, const char *ref, json_t **out, tj_error *err);
/* {"product", "region", "rules": [summary + applies, reason, displaced_by?]}. */
tj_status svc_rules_find_json(const svc_ruleset *set, const char *product, const char *region, const char *date,
                              int include_drafts, int zh, json_t **out, tj_error *err);
/* Validate a rule document: {"valid": true, "id", "version"} or the error. */
tj_status svc_rule_validate_json(json_t *doc, json_t **out, tj_error *err);

#endif
