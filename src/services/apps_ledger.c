/* Ledger states of the application scenarios' records; see apps.h.
 *
 * One function builds the state of every recorded object from its row
 * (apps_state): the services pass its result to svc_record, and the ledger
 * state sources (ledger_sources.c) call it on every row the store reads
 * back, so `tanji ledger verify` compares like with like.  The spec names
 * each state field with its JSON type: t string, i integer, d real, j JSON
 * kept as text in the row (parsed). */
#include <stdlib.h>
#include <string.h>

#include "services/apps.h"
#include "store/apps_sql.h"

typedef struct state_type {
    const char *type, *spec;
} state_type;

static const state_type state_types[] = {
    {"app_org_role", "torg_id trole tgranted_at tgranted_by"},
    {"proc_requirement", "tid tbuyer_org ttitle tcategory tdeclared_unit dmax_value imax_grade ilabel_required "
                         "trule_id dprimary_weight tdeadline tstatus tawarded_offer tdecision_reason tcreated_at "
                         "tcreated_by"},
    {"proc_offer", "tid trequirement_id tsupplier_org tproduct tlabel_number tdisclosure_id tpact_id "
                   "tsubmitted_at tsubmitted_by"},
    {"fin_consent", "tid tbank_org tborrower_org tgranted_at tgranted_by tvalid_until trevoked_at"},
    {"fin_position", "tbank_org tborrower_org tlabel_number tas_of iamount trecorded_at"},
    {"fin_rule", "tbank_org iversion jrule tcreated_at"},
    {"inc_methodology", "tid tname tcategory tdeclared_unit tscope tapplicability tbaseline_kind ibaseline_g "
                        "tbaseline_source tstatus tcreated_at tcreated_by"},
    {"inc_purchase", "tplatform_org tpurchase_id taccount_id tmethodology_id tlabel_number tregion dquantity "
                     "ireduction_g tpurchased_at treported_at"},
    {"inc_retirement", "tid taccount_id iamount_g tpurpose tretired_at"},
    {"inc_issuance", "tid tmethodology_id tregion iamount_g ipurchases tissued_at tissued_by"},
    {"park_member", "tpark_org tmember_org tstatus tinvited_at tjoined_at"},
};

static json_t *typed(char t, const json_t *v)
{
    if (!v || json_is_null(v))
        return json_null();
    switch (t) {
    case 't':
        return json_is_string(v) ? json_incref((json_t *)v) : json_null();
    case 'i':
        return json_is_number(v) ? json_integer(json_is_integer(v) ? json_integer_value(v)
                                                                   : (json_int_t)json_number_value(v))
               : json_is_boolean(v) ? json_integer(json_is_true(v))
                                    : json_null();
    case 'd':
        return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
    case 'j':
        if (json_is_string(v)) {
            json_t *p = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
            return p ? p : json_null();
        }
        return json_deep_copy(v);
    default:
        return json_null();
    }
}

json_t *apps_state(const char *type, const json_t *row)
{
    const char *spec = NULL;
    for (size_t i = 0; i < sizeof state_types / sizeof state_types[0]; i++)
        if (!strcmp(state_types[i].type, type))
            spec = state_types[i].spec;
    if (!spec || !row)
        return NULL;
    json_t *o = json_object();
    for (const char *p = spec; o && *p;) {
        char t = *p++;
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[64];
        if (n == 0 || n >= sizeof name) {
            json_decref(o);
            return NULL;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        json_t *v = typed(t, json_object_get(row, name));
        if (!v || json_object_set_new(o, name, v)) {
            json_decref(o);
            return NULL;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    return o;
}

tj_status apps_state_read(store_db *db, const char *type, const char *key, json_t **out, tj_error *err)
{
    json_t *row = NULL;
    *out = NULL;
    tj_status rc = store_apps_state_get(db, type, key, &row, err);
    if (!rc && !(*out = apps_state(type, row)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_decref(row);
    return rc;
}

typedef struct each_arg {
    const char *type;
    apps_state_emit_fn emit;
    void *arg;
} each_arg;

static tj_status each_row(void *arg, const char *key, const json_t *row, tj_error *err)
{
    each_arg *a = arg;
    json_t *s = apps_state(a->type, row);
    tj_status rc = s ? a->emit(a->arg, key, s, err) : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_decref(s);
    return rc;
}

static tj_status each(store_db *db, const char *type, apps_state_emit_fn emit, void *arg, tj_error *err)
{
    each_arg a = {type, emit, arg};
    return store_apps_state_each(db, type, NULL, each_row, &a, err);
}

#define APPS_EACH(fn, type)                                                                                  \
    tj_status fn(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err)                          \
    {                                                                                                        \
        return each(db, type, emit, arg, err);                                                               \
    }
APPS_EACH(apps_each_role_state, "app_org_role")
APPS_EACH(apps_each_requirement_state, "proc_requirement")
APPS_EACH(apps_each_offer_state, "proc_offer")
APPS_EACH(apps_each_consent_state, "fin_consent")
APPS_EACH(apps_each_position_state, "fin_position")
APPS_EACH(apps_each_rule_state, "fin_rule")
APPS_EACH(apps_each_methodology_state, "inc_methodology")
APPS_EACH(apps_each_purchase_state, "inc_purchase")
APPS_EACH(apps_each_retirement_state, "inc_retirement")
APPS_EACH(apps_each_issuance_state, "inc_issuance")
APPS_EACH(apps_each_member_state, "park_member")
