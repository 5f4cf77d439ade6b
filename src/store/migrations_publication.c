/* ---- 15: publishing a footprint is a public disclosure ----------------------
 * The server's footprint_publication (13) and the institutions' disclosure
 * (14) were two records of one act.  Each publication becomes a disclosure
 * with scope public and no secret field, id "fp-pub-" + the footprint id
 * (SVC_DISCLOSURE_MIGRATED_PREFIX; its ledger history stays under object
 * footprint_publication), and the older table goes. */
#include "store/migrations_publication.h"

#define PUBLICATION_DISCLOSURE \
    "INSERT INTO disclosure (id, footprint_id, owner_org, scope, partners, fields, status, published_at)\n" \
    "SELECT 'fp-pub-' || p.footprint_id, p.footprint_id, f.owner_org, 'public', '[]', '[]', 'published',\n" \
    "       p.published_at\n" \
    "FROM footprint_publication p JOIN footprint f ON f.id = p.footprint_id;\n" \
    "DROP TABLE footprint_publication;\n" \
    "CREATE INDEX disclosure_footprint ON disclosure (footprint_id, scope, status);\n"

const char publication_disclosure_sqlite[] = PUBLICATION_DISCLOSURE;
const char publication_disclosure_postgres[] = PUBLICATION_DISCLOSURE;
