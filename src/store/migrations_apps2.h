/* Schema: PACT footprints in procurement offers (migration 21); see migrations_apps2.c. */
#ifndef STORE_MIGRATIONS_APPS2_H
#define STORE_MIGRATIONS_APPS2_H

extern const char apps2_sqlite[];
extern const char apps2_postgres[];

#endif
