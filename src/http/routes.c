/* http routes: the API's one table (the OpenAPI document must list exactly
 * these; tests/api/openapi.test.mjs compares them).  Order matters: fixed
 * paths before parameters ("/factors/resolve" before "/factors/{id}"). */
#include "http/handlers.h"
#include "http/server.h"

const http_route http_routes[] = {
    {"GET", "/healthz", http_h_healthz, HTTP_PUBLIC, "health"},
    {"GET", "/metrics", http_h_metrics, HTTP_PUBLIC, "Prometheus metrics"},
    {"GET", "/api/v1/openapi.json", h_openapi, HTTP_PUBLIC, "this API as OpenAPI 3.1"},

    {"POST", "/api/v1/auth/login", h_login, HTTP_PUBLIC, "log in with name and password"},
    {"POST", "/api/v1/auth/token", h_token, HTTP_PUBLIC, "OAuth2 client credentials"},
    {"POST", "/api/v1/auth/logout", h_logout, HTTP_AUTH, "revoke the token used"},
    {"GET", "/api/v1/auth/me", h_me, HTTP_AUTH, "the principal of the token"},
    {"POST", "/api/v1/auth/revoke", h_revoke, HTTP_AUTH, "revoke every token of a principal"},
    {"PUT", "/api/v1/auth/password", h_password, HTTP_AUTH, "set a password"},

    {"GET", "/api/v1/organisations", h_org_list, HTTP_AUTH, "organisations"},
    {"POST", "/api/v1/organisations", h_org_create, HTTP_AUTH, "create an organisation"},
    {"GET", "/api/v1/users", h_user_list, HTTP_AUTH, "users"},
    {"POST", "/api/v1/users", h_user_create, HTTP_AUTH, "create a user"},
    {"POST", "/api/v1/users/{name}/disable", h_user_disable, HTTP_AUTH, "disable a user or client"},
    {"POST", "/api/v1/users/{name}/enable", h_user_enable, HTTP_AUTH, "enable a user or client"},
    {"POST", "/api/v1/clients", h_client_create, HTTP_AUTH, "create an API client"},

    {"GET", "/api/v1/factors", h_factor_search, HTTP_PUBLIC, "search factors"},
    {"POST", "/api/v1/factors", h_factor_add, HTTP_AUTH, "add a factor version (draft)"},
    {"GET", "/api/v1/factors/resolve", h_factor_resolve, HTTP_PUBLIC, "resolve a factor for a region and year"},
    {"GET", "/api/v1/factors/export", h_factor_export, HTTP_PUBLIC, "export factors (CSV or JSON)"},
    {"POST", "/api/v1/factors/import", h_factor_import, HTTP_AUTH | HTTP_UPLOAD, "import factors (CSV or JSON)"},
    {"GET", "/api/v1/factors/{id}", h_factor_get, HTTP_PUBLIC, "a factor version"},
    {"GET", "/api/v1/factors/{id}/history", h_factor_history, HTTP_PUBLIC, "a factor's workflow history"},
    {"POST", "/api/v1/factors/{id}/transitions", h_factor_transition, HTTP_AUTH, "a workflow step"},

    {"GET", "/api/v1/rules", h_rule_list, HTTP_PUBLIC, "accounting rules"},
    {"GET", "/api/v1/rules/find", h_rule_find, HTTP_PUBLIC, "rules for a product"},
    {"POST", "/api/v1/rules/validate", h_rule_validate, HTTP_PUBLIC, "validate a rule document"},
    {"GET", "/api/v1/rules/{id}", h_rule_get, HTTP_PUBLIC, "a rule"},

    {"GET", "/api/v1/models", h_model_list, HTTP_AUTH, "models"},
    {"POST", "/api/v1/models", h_model_create, HTTP_AUTH, "create a model from JSON"},
    {"POST", "/api/v1/models/from-sheets", h_model_from_sheets, HTTP_AUTH | HTTP_UPLOAD,
     "create a model from an activity workbook (.xlsx)"},
    {"GET", "/api/v1/models/{id}", h_model_get, HTTP_AUTH, "a model"},
    {"PUT", "/api/v1/models/{id}", h_model_update, HTTP_AUTH, "update a model"},
    {"DELETE", "/api/v1/models/{id}", h_model_delete, HTTP_AUTH, "delete a model"},
    {"POST", "/api/v1/checks", h_check, HTTP_AUTH, "check a model against its rule"},

    {"POST", "/api/v1/calculations", h_calc_submit, HTTP_AUTH, "submit a calculation job"},
    {"GET", "/api/v1/calculations", h_calc_list, HTTP_AUTH, "calculation jobs"},
    {"GET", "/api/v1/calculations/{id}", h_calc_get, HTTP_AUTH, "a job: status, progress, result"},
    {"POST", "/api/v1/calculations/{id}/cancel", h_calc_cancel, HTTP_AUTH, "cancel a job"},

    {"GET", "/api/v1/footprints", h_fp_list, HTTP_AUTH, "saved footprints"},
    {"GET", "/api/v1/footprints/{id}", h_fp_get, HTTP_AUTH, "a footprint record"},
    {"GET", "/api/v1/footprints/{id}/export", h_fp_export, HTTP_AUTH, "a footprint record as a download"},
    {"POST", "/api/v1/footprints/{id}/publish", h_fp_publish, HTTP_AUTH, "make a footprint public"},
    {"GET", "/api/v1/footprints/{id}/report", h_fp_report, HTTP_AUTH, "a footprint report (HTML, PDF, JSON)"},
    {"GET", "/api/v1/public/footprints/{id}", h_fp_public, HTTP_PUBLIC, "a public footprint"},

    {"GET", "/api/v1/ledger/head", h_ledger_head, HTTP_PUBLIC, "the signed tree head and its public key"},
    {"GET", "/api/v1/ledger/proof", h_ledger_proof, HTTP_PUBLIC, "inclusion or consistency proof"},
    {"GET", "/api/v1/ledger/entries", h_ledger_entries, HTTP_AUTH, "the ledger entries of an object"},

    /* federation */
    {"GET", "/api/v1/federation/identity", h_fed_identity, HTTP_PUBLIC, "this instance's signed identity"},
    {"GET", "/api/v1/federation/package", h_fed_package, HTTP_PUBLIC, "a signed data package from ledger index since"},
    {"GET", "/api/v1/federation/peers", h_fed_peers, HTTP_PUBLIC, "the trust list and what was last seen from each peer"},
    {"GET", "/api/v1/federation/objects", h_fed_objects, HTTP_PUBLIC, "objects imported from peers"},
    {"GET", "/api/v1/federation/labels/{number}/verify", h_fed_label_verify, HTTP_PUBLIC,
     "verify a label issued by another instance"},
    {"GET", "/api/v1/federation/recognitions", h_fed_recognitions, HTTP_PUBLIC, "mutual recognition records"},
    {"GET", "/api/v1/federation/footprints/{id}/recognitions", h_fed_footprint_recognitions, HTTP_AUTH,
     "the recognitions under which a footprint may be accepted"},
};
const size_t http_route_count = sizeof http_routes / sizeof http_routes[0];
