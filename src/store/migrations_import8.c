/* ---- 28: ledger nodes of levels 1 to 4 are computed, not stored ----------
 * ledger_node keeps the leaf hashes (level 0) and the complete subtrees of
 * 16 or more leaves (levels from LEDGER_NODE_FROM = 5, ledger.h); a subtree
 * of 2 to 16 leaves is folded from its stored leaf hashes when a root, a
 * proof or the append frontier needs it.  Roots, proofs, tree heads and the
 * per-entry checks of `tanji ledger verify` (which compare entries with the
 * stored leaves) are unchanged; the table shrinks from about two rows an
 * entry to 1 + 1/16 (a 1,000,000-version import wrote 2,000,000 node rows,
 * 155 MB, now 1,062,500).  Node ids: level * 2^40 + index. */
#include "store/migrations_import8.h"

#define IMPORT8_SQL "DELETE FROM ledger_node WHERE node >= 1099511627776 AND node < 5497558138880;\n"

const char import8_sqlite[] = IMPORT8_SQL;
const char import8_postgres[] = IMPORT8_SQL;
