/* Migration 17 (PACT exchange): schema texts, see migrations_pact.c. */
#ifndef STORE_MIGRATIONS_PACT_H
#define STORE_MIGRATIONS_PACT_H

extern const char pact_sqlite[];
extern const char pact_postgres[];

#endif
