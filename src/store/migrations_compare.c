/* ---- 26: the registry's comparison of a category (docs/certification.md) --
 * label_compare: the valid labels of a category in value order, so that
 *   /public/registry/compare reads its page from the index (it sorted every
 *   valid label of the category in memory: minutes with 1,000,000 labels). */
#include "store/migrations_compare.h"

const char compare_sqlite[] = "CREATE INDEX label_compare ON label (category, status, value, number);\n";
const char compare_postgres[] = "CREATE INDEX label_compare ON label (category, status, value, number);\n";
