/* ---- 16: failed-login counters shared by the nodes -------------------------
 * One row per limited key (a 16-byte hash, hex, of "n:" NAME or "a:"
 * ADDRESS; services/auth.c): failures since the last success, the time of
 * the last failure and the end of the lock (Unix seconds).  On PostgreSQL
 * every node of one database reads and counts here, so N nodes lock a name
 * after the same number of failures as one. */
#include "store/migrations_login.h"

#define LOGIN_LIMIT(INT_T)                                   \
    "CREATE TABLE login_limit (\n"                           \
    "  key TEXT PRIMARY KEY,\n"                              \
    "  failures " INT_T " NOT NULL,\n"                       \
    "  last " INT_T " NOT NULL,\n"                           \
    "  locked_until " INT_T " NOT NULL DEFAULT 0);\n"        \
    "CREATE INDEX login_limit_last ON login_limit (last);\n"

const char login_limit_sqlite[] = LOGIN_LIMIT("INTEGER");
const char login_limit_postgres[] = LOGIN_LIMIT("BIGINT");
