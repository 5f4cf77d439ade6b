/* Migration 15 (migrations_publication.c): publication becomes disclosure. */
#ifndef STORE_MIGRATIONS_PUBLICATION_H
#define STORE_MIGRATIONS_PUBLICATION_H

extern const char publication_disclosure_sqlite[];
extern const char publication_disclosure_postgres[];

#endif
