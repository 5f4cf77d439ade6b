/* ---- 19: application scenarios (docs/applications.md) ----------------------
 * app_org_role: what an organisation does in the applications besides its
 *   kind (buyer, bank, park, platform = a seller or platform reporting
 *   碳普惠 purchases); granted by the operator.
 * proc_requirement / proc_offer: green procurement tenders and offers; the
 *   evaluation is computed, the decision kept on the requirement.
 * fin_consent / fin_position / fin_rule: green finance: a borrower's consent
 *   to a bank, the bank's financed positions (amount in yuan, dated) and its
 *   eligibility rules (versioned).
 * inc_methodology / inc_account / inc_purchase / inc_retirement /
 *   inc_issuance: 碳普惠.  Amounts are integers of grams CO2e, so balances
 *   are exact sums.  A purchase is unique per (platform, purchase id).
 * park_member: enterprises grouped by a park or a supply-chain lead firm
 *   (invited, then accepted by the member). */
#include "store/migrations_apps.h"

#define APPS_TABLES(STRICT, REAL_T, INT_T) \
    "CREATE TABLE app_org_role (\n" \
    "  org_id TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  role TEXT NOT NULL CHECK (role IN ('buyer', 'bank', 'park', 'platform')),\n" \
    "  granted_at TEXT NOT NULL,\n" \
    "  granted_by TEXT NOT NULL,\n" \
    "  PRIMARY KEY (org_id, role))" STRICT ";\n" \
    "CREATE TABLE proc_requirement (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  buyer_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  title TEXT NOT NULL,\n" \
    "  category TEXT NOT NULL,\n" \
    "  declared_unit TEXT NOT NULL,\n" \
    "  max_value " REAL_T ",\n" \
    "  max_grade " INT_T ",\n" \
    "  label_required " INT_T " NOT NULL,\n" \
    "  rule_id TEXT,\n" \
    "  primary_weight " REAL_T " NOT NULL,\n" \
    "  deadline TEXT NOT NULL,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('open', 'awarded', 'cancelled')),\n" \
    "  awarded_offer TEXT,\n" \
    "  decision_reason TEXT,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  created_by TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX proc_requirement_buyer ON proc_requirement (buyer_org, created_at);\n" \
    "CREATE TABLE proc_offer (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  requirement_id TEXT NOT NULL REFERENCES proc_requirement (id),\n" \
    "  supplier_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  product TEXT NOT NULL,\n" \
    "  label_number TEXT,\n" \
    "  disclosure_id TEXT,\n" \
    "  submitted_at TEXT NOT NULL,\n" \
    "  submitted_by TEXT NOT NULL,\n" \
    "  UNIQUE (requirement_id, supplier_org, product))" STRICT ";\n" \
    "CREATE TABLE fin_consent (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  bank_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  borrower_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  granted_at TEXT NOT NULL,\n" \
    "  granted_by TEXT NOT NULL,\n" \
    "  valid_until TEXT,\n" \
    "  revoked_at TEXT)" STRICT ";\n" \
    "CREATE INDEX fin_consent_pair ON fin_consent (bank_org, borrower_org);\n" \
    "CREATE TABLE fin_position (\n" \
    "  bank_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  borrower_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  label_number TEXT NOT NULL,\n" \
    "  as_of TEXT NOT NULL,\n" \
    "  amount " INT_T " NOT NULL CHECK (amount >= 0),\n" \
    "  recorded_at TEXT NOT NULL,\n" \
    "  PRIMARY KEY (bank_org, label_number, as_of))" STRICT ";\n" \
    "CREATE TABLE fin_rule (\n" \
    "  bank_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  version " INT_T " NOT NULL,\n" \
    "  rule TEXT NOT NULL,\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  PRIMARY KEY (bank_org, version))" STRICT ";\n" \
    "CREATE TABLE inc_methodology (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  name TEXT NOT NULL,\n" \
    "  category TEXT NOT NULL,\n" \
    "  declared_unit TEXT NOT NULL,\n" \
    "  scope TEXT NOT NULL,\n" \
    "  applicability TEXT NOT NULL,\n" \
    "  baseline_kind TEXT NOT NULL CHECK (baseline_kind IN ('benchmark', 'average')),\n" \
    "  baseline_g " INT_T " NOT NULL,\n" \
    "  baseline_source TEXT NOT NULL,\n" \
    "  status TEXT NOT NULL CHECK (status IN ('active', 'closed')),\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  created_by TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE inc_account (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  platform_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  participant TEXT NOT NULL,\n" \
    "  region TEXT NOT NULL,\n" \
    "  credited " INT_T " NOT NULL DEFAULT 0,\n" \
    "  retired " INT_T " NOT NULL DEFAULT 0,\n" \
    "  balance " INT_T " NOT NULL DEFAULT 0 CHECK (balance >= 0),\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  UNIQUE (platform_org, participant))" STRICT ";\n" \
    "CREATE TABLE inc_purchase (\n" \
    "  platform_org TEXT NOT NULL,\n" \
    "  purchase_id TEXT NOT NULL,\n" \
    "  account_id TEXT NOT NULL REFERENCES inc_account (id),\n" \
    "  methodology_id TEXT NOT NULL REFERENCES inc_methodology (id),\n" \
    "  label_number TEXT NOT NULL,\n" \
    "  region TEXT NOT NULL,\n" \
    "  quantity " REAL_T " NOT NULL,\n" \
    "  reduction_g " INT_T " NOT NULL,\n" \
    "  purchased_at TEXT NOT NULL,\n" \
    "  reported_at TEXT NOT NULL,\n" \
    "  issuance_id TEXT,\n" \
    "  PRIMARY KEY (platform_org, purchase_id))" STRICT ";\n" \
    "CREATE INDEX inc_purchase_account ON inc_purchase (account_id, reported_at);\n" \
    "CREATE INDEX inc_purchase_registry ON inc_purchase (methodology_id, region);\n" \
    "CREATE TABLE inc_retirement (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  account_id TEXT NOT NULL REFERENCES inc_account (id),\n" \
    "  amount_g " INT_T " NOT NULL CHECK (amount_g > 0),\n" \
    "  purpose TEXT NOT NULL,\n" \
    "  retired_at TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX inc_retirement_account ON inc_retirement (account_id, retired_at);\n" \
    "CREATE TABLE inc_issuance (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  methodology_id TEXT NOT NULL REFERENCES inc_methodology (id),\n" \
    "  region TEXT NOT NULL,\n" \
    "  amount_g " INT_T " NOT NULL,\n" \
    "  purchases " INT_T " NOT NULL,\n" \
    "  issued_at TEXT NOT NULL,\n" \
    "  issued_by TEXT NOT NULL)" STRICT ";\n" \
    "CREATE TABLE park_member (\n" \
    "  park_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  member_org TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'left')),\n" \
    "  invited_at TEXT NOT NULL,\n" \
    "  joined_at TEXT,\n" \
    "  PRIMARY KEY (park_org, member_org))" STRICT ";\n"

const char apps_sqlite[] = APPS_TABLES(" STRICT", "REAL", "INTEGER");
const char apps_postgres[] = APPS_TABLES("", "DOUBLE PRECISION", "BIGINT");
