/* Migration 22: scheduled PACT pulls (docs/pact.md, "Scheduled pulls").
 *
 * pact_subscription: an enterprise's standing pull from a supplier's PACT
 *   host: base URL, client id, the client secret sealed with the secrets
 *   key (services/secret_box.h; never in clear here), the interval, the
 *   principal the pulls run as, when the next run is due (unix seconds;
 *   a runner leases a due row by moving next_run forward first), and the
 *   last run's time, outcome, report or error and the count of failures in
 *   a row (the retry backoff grows with it). */
#include "store/migrations_pact_sub.h"

#define PACT_SUB_TABLES(STRICT, INT_T) \
    "CREATE TABLE pact_subscription (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  owner_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  url TEXT NOT NULL,\n" \
    "  client_id TEXT NOT NULL,\n" \
    "  secret_box TEXT NOT NULL,\n" \
    "  interval_s " INT_T " NOT NULL CHECK (interval_s >= 1),\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  next_run " INT_T " NOT NULL,\n" \
    "  last_run TEXT,\n" \
    "  last_status TEXT CHECK (last_status IN ('ok', 'error')),\n" \
    "  last_error TEXT,\n" \
    "  last_report TEXT,\n" \
    "  failures " INT_T " NOT NULL DEFAULT 0,\n" \
    "  runs " INT_T " NOT NULL DEFAULT 0)" STRICT ";\n" \
    "CREATE INDEX pact_subscription_due ON pact_subscription (next_run);\n" \
    "CREATE INDEX pact_subscription_org ON pact_subscription (owner_org, created_at);\n"

const char pact_sub_sqlite[] = PACT_SUB_TABLES(" STRICT", "INTEGER");
const char pact_sub_postgres[] = PACT_SUB_TABLES("", "BIGINT");
