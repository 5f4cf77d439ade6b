/* ---- 21: PACT footprints in green procurement (docs/applications.md) ------
 * proc_offer.pact_id: an offer may name a PACT footprint (its id, lower
 *   case) instead of a label or a disclosure: one the buyer pulled from the
 *   supplier's PACT host (pact_supplier) or one the supplier published in
 *   tanji as PACT and the buyer may read (pact_footprint, pact_access). */
#include "store/migrations_apps2.h"

const char apps2_sqlite[] = "ALTER TABLE proc_offer ADD COLUMN pact_id TEXT;\n";
const char apps2_postgres[] = "ALTER TABLE proc_offer ADD COLUMN pact_id TEXT;\n";
