/* Migration 22 (scheduled PACT pulls): schema texts, see migrations_pact_sub.c. */
#ifndef STORE_MIGRATIONS_PACT_SUB_H
#define STORE_MIGRATIONS_PACT_SUB_H

extern const char pact_sub_sqlite[];
extern const char pact_sub_postgres[];

#endif
