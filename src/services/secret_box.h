/*
 * secret_box: secrets tanji must use again later (a supplier's PACT client
 * secret for scheduled pulls) kept encrypted at rest.
 *
 * libsodium crypto_secretbox (XSalsa20-Poly1305) under a 32-byte key kept in
 * a file outside the database: $TANJI_SECRETS_KEY, else (SQLite) the
 * database file's path + ".secrets-key".  With PostgreSQL the file must be
 * named by $TANJI_SECRETS_KEY.  The file is created (mode 0600) the first
 * time a secret is sealed; a file others may read is refused.  Whoever has
 * the database but not the key file cannot read the secrets; a lost key file
 * means the secrets have to be entered again.
 *
 * Sealed text: "sb1:" + hex(24-byte nonce) + hex(MAC + ciphertext).  The
 * object id is bound in as the first bytes of the plaintext and checked on
 * opening, so a sealed secret copied onto another row does not open there.
 */
#ifndef SERVICES_SECRET_BOX_H
#define SERVICES_SECRET_BOX_H

#include "store/store.h"
#include "tanji/error.h"

/* The key file's path for db (malloc'ed). */
tj_status svc_secret_key_path(store_db *db, char **path, tj_error *err);
/* Seal plain for object bind_id; *sealed malloc'ed. */
tj_status svc_secret_seal(store_db *db, const char *bind_id, const char *plain, char **sealed, tj_error *err);
/* Open a sealed secret of object bind_id; *plain malloc'ed (wipe and free it
 * with svc_secret_plain_free). */
tj_status svc_secret_open(store_db *db, const char *bind_id, const char *sealed, char **plain, tj_error *err);
void svc_secret_plain_free(char *plain);

#endif
