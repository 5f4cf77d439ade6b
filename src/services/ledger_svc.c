/* ledger services: init, signed heads, proofs; see ledger_svc.h. */
#include "services/ledger_svc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/account.h"
#include "store/accounts.h"
#include "store/ledger_sql.h"

static tj_status head_from_store(const store_ledger_head *s, ledger_head *h, tj_error *err)
{
    memset(h, 0, sizeof *h);
    h->tree_size = s->tree_size;
    size_t got = 0;
    if (merkle_from_hex(s->root_hash, &h->root) || ledger_pk_from_hex(s->public_key, h->public_key) ||
        !s->signature || strlen(s->signature) != 128 ||
        sodium_hex2bin(h->signature, 64, s->signature, 128, NULL, &got, NULL) || got != 64 || !s->signed_at ||
        strlen(s->signed_at) >= sizeof h->signed_at)
        return tj_error_set(err, TJ_ERR_DB, NULL, "signed head %lld is malformed: run tanji ledger verify",
                            (long long)s->seq);
    strcpy(h->signed_at, s->signed_at);
    return TJ_OK;
}

tj_status svc_ledger_sign_head(svc_ctx *ctx, const ledger_key *key, ledger_head *head, int *signed_new,
                               tj_error *err)
{
    *signed_new = 0;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "sign ledger tree heads", err);
    if (rc || (rc = svc_begin(ctx, err)))
        return rc;
    int64_t size = 0;
    int found = 0;
    store_ledger_head last;
    memset(&last, 0, sizeof last);
    if ((rc = store_ledger_lock(ctx->db, err)) || (rc = ledger_size(ctx->db, &size, err)) ||
        (rc = store_ledger_head_latest(ctx->db, &last, &found, err)))
        goto fail;
    char key_hex[65];
    ledger_pk_hex(key->pk, key_hex);
    if (found && last.tree_size == size && last.public_key && !strcmp(last.public_key, key_hex)) {
        {
            rc = head_from_store(&last, head, err);
            store_ledger_head_release(&last);
            if (rc)
                goto fail;
            return svc_commit(ctx, err);
        }
    }
    store_ledger_head_release(&last);
    memset(head, 0, sizeof *head);
    head->tree_size = size;
    if ((rc = ledger_root(ctx->db, size, &head->root, err)))
        goto fail;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(head->signed_at, sizeof head->signed_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((rc = ledger_head_sign(head, key, err)))
        goto fail;
    char root[65], pk[65], sig[129];
    merkle_to_hex(&head->root, root);
    ledger_pk_hex(head->public_key, pk);
    sodium_bin2hex(sig, sizeof sig, head->signature, 64);
    store_ledger_head sh = {.tree_size = size,
                            .root_hash = root,
                            .signed_at = head->signed_at,
                            .public_key = pk,
                            .signature = sig};
    if ((rc = store_ledger_head_insert(ctx->db, &sh, err)))
        goto fail;
    *signed_new = 1;
    return svc_commit(ctx, err);
fail:
    svc_rollback(ctx);
    return rc;
}

tj_status svc_ledger_init(svc_ctx *ctx, const char *key_path, ledger_key *key, int *created,
                          ledger_head *head, tj_error *err)
{
    *created = 0;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "initialise the ledger", err);
    if (rc)
        return rc;
    rc = ledger_key_load(key_path, key, err);
    if (rc == TJ_ERR_NOTFOUND) {
        if ((rc = ledger_key_create(key_path, key, err)))
            return rc;
        *created = 1;
    } else if (rc) {
        return rc;
    }
    if ((rc = svc_ledger_seed(ctx, err)))
        goto fail_key;
    int signed_new = 0;
    if ((rc = svc_ledger_sign_head(ctx, key, head, &signed_new, err)))
        goto fail_key;
    return TJ_OK;
fail_key:
    ledger_key_wipe(key);
    return rc;
}

tj_status svc_ledger_seed(svc_ctx *ctx, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "seed the ledger", err);
    if (rc || (rc = svc_begin(ctx, err)))
        return rc;
    /* the operator organisation comes from migration 11, not a service:
     * record it once so that its state is explained by an entry */
    int seeded = 0;
    store_org op;
    memset(&op, 0, sizeof op);
    if ((rc = store_ledger_lock(ctx->db, err)) ||
        (rc = store_ledger_has_entry(ctx->db, "organisation", SVC_OPERATOR_ORG, &seeded, err)))
        goto fail;
    if (!seeded) {
        if ((rc = store_org_get(ctx->db, SVC_OPERATOR_ORG, &op, err)))
            goto fail;
        json_t *state = svc_org_state(&op);
        rc = state ? svc_record(ctx, "organisation.seed", "organisation", op.id, state, state, err)
                   : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        json_decref(state);
        store_org_release(&op);
        if (rc)
            goto fail;
    }
    return svc_commit(ctx, err);
fail:
    svc_rollback(ctx);
    return rc;
}

tj_status svc_ledger_head(svc_ctx *ctx, ledger_head *head, int *found, int64_t *size, merkle_hash *root,
                          tj_error *err)
{
    *found = 0;
    store_ledger_head last;
    tj_status rc = ledger_size(ctx->db, size, err);
    if (!rc)
        rc = ledger_root(ctx->db, *size, root, err);
    if (!rc)
        rc = store_ledger_head_latest(ctx->db, &last, found, err);
    if (!rc && *found) {
        rc = head_from_store(&last, head, err);
        store_ledger_head_release(&last);
    }
    return rc;
}

static json_t *path_json(const merkle_hash *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        merkle_to_hex(&p[i], hex);
        json_array_append_new(a, json_string(hex));
    }
    return a;
}

/* The signed head of exactly `size` leaves (size < 0: the latest one). */
static tj_status signed_head(svc_ctx *ctx, int64_t size, ledger_head *h, tj_error *err)
{
    store_ledger_head s;
    int found = 0;
    tj_status rc = size < 0 ? store_ledger_head_latest(ctx->db, &s, &found, err)
                            : store_ledger_head_of_size(ctx->db, size, &s, &found, err);
    if (rc)
        return rc;
    if (!found)
        return size < 0
                   ? tj_error_set(
                         err, TJ_ERR_NOTFOUND, "size",
                         "no signed tree head yet: run tanji ledger head (with the key) / 尚无签名树头")
                   : tj_error_set(err, TJ_ERR_NOTFOUND, "size",
                                  "no signed tree head of size %lld: proofs are given against signed heads "
                                  "(tanji ledger head lists them) / 没有该大小的签名树头",
                                  (long long)size);
    rc = head_from_store(&s, h, err);
    store_ledger_head_release(&s);
    return rc;
}

tj_status svc_ledger_inclusion(svc_ctx *ctx, int64_t index, int64_t size, json_t **out, tj_error *err)
{
    *out = NULL;
    ledger_head h;
    char *body = NULL, *org = NULL;
    tj_status rc = signed_head(ctx, size, &h, err);
    if (rc)
        return rc;
    if (index < 0 || index >= h.tree_size)
        return tj_error_set(
            err, TJ_ERR_INPUT, "index",
            "entry %lld is not in the signed head of %lld entries (sign a newer head with tanji "
            "ledger head) / 条目不在该签名树头中",
            (long long)index, (long long)h.tree_size);
    if ((rc = store_ledger_entry_body(ctx->db, index, &body, &org, err)))
        return rc;
    if (!svc_owns(ctx, org) && !(ctx->who.roles & (SVC_ROLE_REGULATOR | SVC_ROLE_VERIFIER))) {
        free(body);
        free(org);
        return tj_error_set(err, TJ_ERR_PERM, "index",
                            "%s may not see entry %lld of another organisation / 无权查看其他组织的条目",
                            ctx->who.name, (long long)index);
    }
    free(org);
    merkle_hash proof[MERKLE_MAX_PROOF], leaf;
    size_t n = 0;
    if ((rc = ledger_inclusion_proof(ctx->db, index, h.tree_size, proof, &n, err))) {
        free(body);
        return rc;
    }
    merkle_leaf_hash(body, strlen(body), &leaf);
    char leaf_hex[65];
    merkle_to_hex(&leaf, leaf_hex);
    *out = json_pack("{s:s,s:I,s:s,s:s,s:o,s:o}", "type", "tanji-ledger-inclusion-proof/v1", "index",
                     (json_int_t)index, "entry", body, "leaf_hash", leaf_hex, "proof", path_json(proof, n),
                     "head", ledger_head_json(&h));
    free(body);
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

tj_status svc_ledger_consistency(svc_ctx *ctx, int64_t from, int64_t to, json_t **out, tj_error *err)
{
    *out = NULL;
    ledger_head a, b;
    tj_status rc;
    if (from <= 0 || from > to)
        return tj_error_set(err, TJ_ERR_INPUT, "from",
                            "a consistency proof needs 0 < from <= to, not %lld and %lld / 树大小无效",
                            (long long)from, (long long)to);
    if ((rc = signed_head(ctx, from, &a, err)) || (rc = signed_head(ctx, to, &b, err)))
        return rc;
    merkle_hash proof[MERKLE_MAX_PROOF];
    size_t n = 0;
    if ((rc = ledger_consistency_proof(ctx->db, from, to, proof, &n, err)))
        return rc;
    *out = json_pack("{s:s,s:o,s:o,s:o}", "type", "tanji-ledger-consistency-proof/v1", "from",
                     ledger_head_json(&a), "to", ledger_head_json(&b), "proof", path_json(proof, n));
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}
