/*
 * store migrations: the ordered list of schema changes.  Each entry is applied
 * once, in its own transaction, and recorded in schema_migrations.  To change
 * the schema, append ONE entry to store_migrations[] in migrations.c with the
 * next version number and one SQL text per backend; never edit an entry that
 * has been released.
 *
 * Ownership: static data, nothing to free.
 */
#ifndef STORE_MIGRATIONS_H
#define STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct store_migration {
    int version;            /* strictly increasing, from 1 */
    const char *name;       /* short description */
    const char *sqlite_sql; /* may hold several statements */
    const char *postgres_sql;
} store_migration;

extern const store_migration store_migrations[];
extern const size_t store_migration_count;

#endif
