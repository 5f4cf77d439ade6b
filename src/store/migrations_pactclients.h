/* Migration 24 (PACT API clients of partners): schema texts, see migrations_pactclients.c. */
#ifndef STORE_MIGRATIONS_PACTCLIENTS_H
#define STORE_MIGRATIONS_PACTCLIENTS_H

extern const char pactclients_sqlite[];
extern const char pactclients_postgres[];

#endif
