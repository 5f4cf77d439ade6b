/* Migration 27 (factor search index without positions): migrations_import7.c. */
#ifndef STORE_MIGRATIONS_IMPORT7_H
#define STORE_MIGRATIONS_IMPORT7_H
extern const char import7_sqlite[];
extern const char import7_postgres[];
#endif
