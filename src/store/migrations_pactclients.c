/* Migration 24: PACT API clients an enterprise made for its partners.
 *
 * pact_client: one row per such client.  The client is a principal (kind
 *   'client', no roles) of the partner organisation partner_org; it may
 *   use the PACT listener only, and there it reads only sponsor_org's
 *   footprints its organisation may read (services/partner_clients.c,
 *   docs/pact.md).  revoked_at is set when the sponsor (or the operator)
 *   revokes it; the principal is then disabled and its tokens revoked. */
#include "store/migrations_pactclients.h"

#define PACTCLIENT_TABLES(STRICT) \
    "CREATE TABLE pact_client (\n" \
    "  client_id TEXT PRIMARY KEY REFERENCES principal (id),\n" \
    "  name TEXT NOT NULL,\n" \
    "  sponsor_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  partner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  revoked_at TEXT)" STRICT ";\n" \
    "CREATE INDEX pact_client_sponsor ON pact_client (sponsor_org, created_at);\n"

const char pactclients_sqlite[] = PACTCLIENT_TABLES(" STRICT");
const char pactclients_postgres[] = PACTCLIENT_TABLES("");
