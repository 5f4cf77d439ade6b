/* Schema: the registry comparison's index (migration 26); see migrations_compare.c. */
#ifndef STORE_MIGRATIONS_COMPARE_H
#define STORE_MIGRATIONS_COMPARE_H

extern const char compare_sqlite[];
extern const char compare_postgres[];

#endif
