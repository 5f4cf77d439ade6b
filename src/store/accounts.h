/*
 * store accounts: the SQL of organisations and principals (users, API
 * clients, named local principals).  Services check permissions; this file
 * only reads and writes rows.
 *
 * Ownership: the strings of store_org and store_principal are malloc'ed and
 * owned by the struct (store_org_release, store_principal_release).
 */
#ifndef STORE_ACCOUNTS_H
#define STORE_ACCOUNTS_H

#include "store/store.h"

typedef struct store_org {
    char *id, *name, *kind, *region, *created_at;
} store_org;

typedef struct store_principal {
    char *id, *kind, *name, *org_id, *roles, *secret_hash, *created_at;
    int disabled;
} store_principal;

void store_org_release(store_org *o);
void store_principal_release(store_principal *p);

tj_status store_org_insert(store_db *db, const store_org *o, tj_error *err);
/* TJ_ERR_NOTFOUND when no organisation has this id or name. */
tj_status store_org_get(store_db *db, const char *id_or_name, store_org *out, tj_error *err);
/* Every organisation, by name; *out is a malloc'ed array the caller releases. */
tj_status store_org_list(store_db *db, store_org **out, size_t *count, tj_error *err);

tj_status store_principal_insert(store_db *db, const store_principal *p, tj_error *err);
/* By id or name; TJ_ERR_NOTFOUND when none. */
tj_status store_principal_get(store_db *db, const char *id_or_name, store_principal *out, tj_error *err);
tj_status store_principal_list(store_db *db, const char *org_id, store_principal **out, size_t *count,
                               tj_error *err);

#endif
