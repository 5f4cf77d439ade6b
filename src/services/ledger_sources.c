/*
 * ledger state sources: for each object type, the current state of every
 * object of that type as its service records it (see ledger_verify.h).
 *
 * To add a type: write a function that reads every object of the type
 * from the database (through store/) and calls emit(arg, id, state) with
 * the same state JSON the service passes to svc_record (build it with the
 * same function, as svc_org_state here), then add a line to the table.
 * Factor versions and footprints come from their services
 * (svc_factor_each_state, svc_footprint_each_state), which build the state
 * with the functions that record it.
 */
#include <stdlib.h>

#include "services/account.h"
#include "services/apps.h"
#include "services/cert.h"
#include "services/declaration.h"
#include "services/disclosure.h"
#include "services/grading.h"
#include "services/label.h"
#include "services/factors.h"
#include "services/federation.h"
#include "services/footprint.h"
#include "services/ledger_verify.h"
#include "services/model.h"
#include "services/pact_ledger.h"
#include "services/pact_sub.h"
#include "services/partner_clients.h"
#include "store/accounts.h"
#include "store/model_sql.h"

static tj_status organisations(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    store_org *orgs = NULL;
    size_t n = 0;
    tj_status rc = store_org_list(db, &orgs, &n, err);
    for (size_t i = 0; i < n; i++) {
        json_t *s = rc ? NULL : svc_org_state(&orgs[i]);
        if (!rc && !s)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (!rc)
            rc = emit(arg, orgs[i].id, s, err);
        json_decref(s);
        store_org_release(&orgs[i]);
    }
    free(orgs);
    return rc;
}

static tj_status principals(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    store_principal *ps = NULL;
    size_t n = 0;
    tj_status rc = store_principal_list(db, NULL, &ps, &n, err);
    for (size_t i = 0; i < n; i++) {
        json_t *s = rc ? NULL : svc_principal_state(&ps[i]);
        if (!rc && !s)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (!rc)
            rc = emit(arg, ps[i].id, s, err);
        json_decref(s);
        store_principal_release(&ps[i]);
    }
    free(ps);
    return rc;
}

static tj_status models(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    tj_status rc = TJ_OK;
    for (int offset = 0; !rc; offset += 1000) {
        store_model *ms = NULL;
        size_t n = 0;
        if ((rc = store_model_list(db, NULL, 1000, offset, &ms, &n, err)))
            break;
        for (size_t i = 0; i < n; i++) {
            json_t *s = rc ? NULL : svc_model_state(&ms[i]);
            if (!rc && !s)
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            if (!rc)
                rc = emit(arg, ms[i].id, s, err);
            json_decref(s);
            store_model_release(&ms[i]);
        }
        free(ms);
        if (n < 1000)
            break;
    }
    return rc;
}

const ledger_state_source ledger_state_sources[] = {
    {"model", models},
    {"organisation", organisations},
    {"principal", principals},
    {"factor_version", svc_factor_each_state},
    {"footprint", svc_footprint_each_state},
    {"cert_body", svc_cert_each_body_state},
    {"cert_key", svc_cert_each_key_state},
    {"cert_catalogue", svc_cert_each_catalogue_state},
    {"dishonest_entity", svc_cert_each_dishonest_state},
    {"cert_application", svc_cert_each_application_state},
    {"label", svc_label_each_state},
    {"grade_benchmark", svc_grade_each_benchmark_state},
    {"disclosure", svc_disclosure_each_state},
    {"declaration", svc_declaration_each_state},
    {"app_org_role", apps_each_role_state},
    {"proc_requirement", apps_each_requirement_state},
    {"proc_offer", apps_each_offer_state},
    {"fin_consent", apps_each_consent_state},
    {"fin_position", apps_each_position_state},
    {"fin_rule", apps_each_rule_state},
    {"inc_methodology", apps_each_methodology_state},
    {"inc_purchase", apps_each_purchase_state},
    {"inc_retirement", apps_each_retirement_state},
    {"inc_issuance", apps_each_issuance_state},
    {"park_member", apps_each_member_state},
    {"pact_footprint", svc_pact_fp_each_state},
    {"pact_attr", svc_pact_attr_each_state},
    {"pact_partner", svc_pact_partner_each_state},
    {"pact_supplier", svc_pact_supplier_each_state},
    {"pact_event", svc_pact_event_each_state},
    {"pact_answer", svc_pact_answer_each_state},
    {"pact_subscription", svc_pact_sub_each_state},
    {"federation_identity", svc_fed_each_identity_state},
    {"federation_peer", svc_fed_each_peer_state},
    {"recognition", svc_fed_each_recognition_state},
    {"pact_client", svc_partner_client_each_state},
    {NULL, NULL},
};
