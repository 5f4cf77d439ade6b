/* svc_rules_json: rules as JSON; see rules_json.h. */
#include "services/rules_json.h"

#include <stdlib.h>

json_t *svc_rule_summary_json(const svc_rule *r)
{
    return json_pack("{s:s, s:s, s:b, s:{s:s, s:s}, s:s, s:s, s:s, s:s?}", "id", r->id, "version", r->version,
                     "template", r->is_template, "title", "zh", r->title_zh, "en", r->title_en, "category", r->category,
                     "level", svc_level_name(r->level), "status", svc_status_name(r->status), "region", r->region);
}

json_t *svc_ruleset_json(const svc_ruleset *set)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < set->n; i++)
        json_array_append_new(a, svc_rule_summary_json(&set->rules[i]));
    return a;
}

tj_status svc_rule_show_json(const svc_ruleset *set, const char *ref, json_t **out, tj_error *err)
{
    *out = NULL;
    const svc_rule *r = ref ? svc_ruleset_get(set, ref) : NULL;
    if (!r)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no rule \"%.80s\" / 核算规则不存在", ref ? ref : "");
    char *zh = svc_rule_follow_text(r, 1), *en = svc_rule_follow_text(r, 0);
    *out = zh && en ? json_pack("{s:O, s:{s:s, s:s}}", "rule", r->doc, "follow", "zh", zh, "en", en) : NULL;
    free(zh);
    free(en);
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

tj_status svc_rules_find_json(const svc_ruleset *set, const char *product, const char *region, const char *date,
                              int include_drafts, int zh, json_t **out, tj_error *err)
{
    *out = NULL;
    svc_rule_verdict *v = NULL;
    size_t n = 0;
    tj_status rc = svc_rules_find(set, product, region, date, include_drafts, &v, &n, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    char buf[1024];
    for (size_t i = 0; i < n; i++) {
        json_t *o = svc_rule_summary_json(v[i].rule);
        json_object_set_new(o, "applies", json_boolean(v[i].reason == SVC_APPLIES));
        json_object_set_new(o, "reason", json_string(svc_verdict_explain(&v[i], region, zh, buf, sizeof buf)));
        if (v[i].because)
            json_object_set_new(o, "displaced_by", json_string(v[i].because->id));
        json_array_append_new(arr, o);
    }
    free(v);
    *out = json_pack("{s:s, s:s?, s:o}", "product", product, "region", region, "rules", arr);
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

tj_status svc_rule_validate_json(json_t *doc, json_t **out, tj_error *err)
{
    *out = NULL;
    svc_rule r;
    tj_status rc = svc_rule_parse(doc, "rule", &r, err);
    if (rc)
        return rc;
    *out = json_pack("{s:b, s:s, s:s}", "valid", 1, "id", r.id, "version", r.version);
    svc_rule_release(&r);
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}
