/* store migration 18: saved declarations (battery, CBAM); see
 * migrations_declare.c.  Static data. */
#ifndef STORE_MIGRATIONS_DECLARE_H
#define STORE_MIGRATIONS_DECLARE_H

extern const char declare_sqlite[];
extern const char declare_postgres[];

#endif
