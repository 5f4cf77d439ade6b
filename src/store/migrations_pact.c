/* Migration 17: PACT exchange (docs/pact.md).
 *
 * pact_footprint: the PACT view of a footprint an enterprise disclosed to a
 *   partner or the public: one PACT id per footprint (immutable: a
 *   recalculation gets a new id, the old one turns Deprecated), the
 *   ProductFootprint document as sent (doc, without status, which is the
 *   column), and the columns the list filters need (lower-case geography,
 *   validity window in UTC "YYYY-MM-DDTHH:MM:SSZ", which sorts as text).
 * pact_key: productIds (p), companyIds (c) and classifications (k), lower
 *   case, for the case-insensitive filters.
 * pact_access: who may read a PACT footprint: reader organisation id or '*'
 *   (public), one row per disclosure that grants it.
 * pact_attr: the PACT product data an enterprise gives a footprint that
 *   tanji does not calculate (product URNs, classifications, carbon content,
 *   mass per declared unit).
 * pact_sync: the ledger index up to which disclosures were projected.
 * pact_partner: a partner organisation's events endpoint and the client
 *   credentials tanji uses at its /auth/token to answer its requests.
 * pact_outbox: events tanji sends (RequestFulfilled/Rejected): retried with
 *   exponential backoff until sent or 72 h have passed.
 * pact_supplier: suppliers' footprints pulled in (tanji pact pull), owned
 *   by the enterprise that pulled them, usable in its models as
 *   {"supplier": "PF-ID"}. */
#include "store/migrations_pact.h"

#define PACT_TABLES(STRICT, INT_T, REAL_T) \
    "CREATE TABLE pact_footprint (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  footprint_id TEXT NOT NULL UNIQUE REFERENCES footprint (id),\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  status TEXT NOT NULL CHECK (status IN ('Active', 'Deprecated')),\n" \
    "  created TEXT NOT NULL,\n" \
    "  valid_from TEXT NOT NULL,\n" \
    "  valid_to TEXT NOT NULL,\n" \
    "  geography TEXT NOT NULL,\n" \
    "  doc TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX pact_footprint_geo ON pact_footprint (geography, id);\n" \
    "CREATE INDEX pact_footprint_status ON pact_footprint (status, id);\n" \
    "CREATE TABLE pact_key (\n" \
    "  pf_id TEXT NOT NULL REFERENCES pact_footprint (id),\n" \
    "  kind TEXT NOT NULL CHECK (kind IN ('p', 'c', 'k')),\n" \
    "  value TEXT NOT NULL,\n" \
    "  PRIMARY KEY (kind, value, pf_id))" STRICT ";\n" \
    "CREATE TABLE pact_access (\n" \
    "  pf_id TEXT NOT NULL REFERENCES pact_footprint (id),\n" \
    "  reader TEXT NOT NULL,\n" \
    "  disclosure_id TEXT NOT NULL,\n" \
    "  PRIMARY KEY (pf_id, reader, disclosure_id))" STRICT ";\n" \
    "CREATE INDEX pact_access_reader ON pact_access (reader, pf_id);\n" \
    "CREATE INDEX pact_access_disclosure ON pact_access (disclosure_id);\n" \
    "CREATE TABLE pact_attr (\n" \
    "  footprint_id TEXT PRIMARY KEY REFERENCES footprint (id),\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  attrs TEXT NOT NULL,\n" \
    "  set_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE pact_sync (\n" \
    "  id " INT_T " PRIMARY KEY CHECK (id = 1),\n" \
    "  ledger_idx " INT_T " NOT NULL)" STRICT ";\n" \
    "INSERT INTO pact_sync (id, ledger_idx) VALUES (1, -1);\n" \
    "CREATE TABLE pact_partner (\n" \
    "  org_id TEXT PRIMARY KEY REFERENCES organisation (id),\n" \
    "  events_url TEXT NOT NULL,\n" \
    "  client_id TEXT NOT NULL,\n" \
    "  client_secret TEXT NOT NULL,\n" \
    "  set_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE pact_outbox (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  request_id TEXT NOT NULL,\n" \
    "  org_id TEXT NOT NULL,\n" \
    "  url TEXT NOT NULL,\n" \
    "  token_url TEXT NOT NULL,\n" \
    "  body TEXT NOT NULL,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'given_up')),\n" \
    "  attempts " INT_T " NOT NULL,\n" \
    "  first_at " INT_T " NOT NULL,\n" \
    "  next_at " INT_T " NOT NULL,\n" \
    "  last_error TEXT,\n" \
    "  UNIQUE (org_id, request_id))" STRICT ";\n" \
    "CREATE INDEX pact_outbox_due ON pact_outbox (status, next_at);\n" \
    "CREATE TABLE pact_supplier (\n" \
    "  pf_id TEXT NOT NULL,\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  source TEXT NOT NULL,\n" \
    "  company_name TEXT NOT NULL,\n" \
    "  product_name TEXT NOT NULL,\n" \
    "  product_ids TEXT NOT NULL,\n" \
    "  unit TEXT NOT NULL,\n" \
    "  value " REAL_T " NOT NULL,\n" \
    "  primary_share " REAL_T ",\n" \
    "  dqi TEXT,\n" \
    "  status TEXT NOT NULL,\n" \
    "  valid_from TEXT,\n" \
    "  valid_to TEXT,\n" \
    "  preceding TEXT NOT NULL,\n" \
    "  pulled_at TEXT NOT NULL,\n" \
    "  doc TEXT NOT NULL,\n" \
    "  PRIMARY KEY (owner_org, pf_id))" STRICT ";\n"

const char pact_sqlite[] = PACT_TABLES(" STRICT", "INTEGER", "REAL");
const char pact_postgres[] = PACT_TABLES("", "BIGINT", "DOUBLE PRECISION");
