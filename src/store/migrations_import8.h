/* Migration 28 (ledger nodes of levels 1-4 computed, not stored): migrations_import8.c. */
#ifndef STORE_MIGRATIONS_IMPORT8_H
#define STORE_MIGRATIONS_IMPORT8_H
extern const char import8_sqlite[];
extern const char import8_postgres[];
#endif
