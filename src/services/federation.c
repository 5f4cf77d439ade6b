/* svc_fed: federation between instances; see federation.h and docs/federation.md. */
#include "services/federation.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/merkle.h"
#include "services/factors.h"
#include "services/footprint.h"
#include "services/inst_util.h"
#include "services/label.h"
#include "services/ledger_svc.h"
#include "services/rules.h"
#include "store/federation_sql.h"
#include "store/inst_sql.h"
#include "store/ledger_sql.h"

#define PACKAGE_TYPE "tanji-federation-package/v1"
#define PACKAGE_END_TYPE "tanji-federation-package-end/v1"
#define PACKAGE_SIG_TYPE "tanji-federation-package-signature/v1"
#define IDENTITY_TYPE "tanji-federation-identity/v1"
#define RECOGNITION_TYPE "tanji-recognition/v1"
/* The longest line of a package we read (a label document is a few KB). */
#define LINE_MAX_BYTES (16u * 1024u * 1024u)

/* ---- object types and scopes ---------------------------------------------- */

static const char *const published_types[] = {"factor_version", "rule_version",     "label",
                                              "cert_key",       "dishonest_entity", NULL};

static unsigned type_scope(const char *type)
{
    if (!strcmp(type, "factor_version"))
        return SVC_FED_FACTORS;
    if (!strcmp(type, "rule_version"))
        return SVC_FED_RULES;
    if (!strcmp(type, "label") || !strcmp(type, "cert_key"))
        return SVC_FED_LABELS;
    if (!strcmp(type, "dishonest_entity"))
        return SVC_FED_DISHONEST;
    return 0;
}

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {{"factors", SVC_FED_FACTORS},
                   {"rules", SVC_FED_RULES},
                   {"labels", SVC_FED_LABELS},
                   {"dishonest", SVC_FED_DISHONEST}};

tj_status svc_fed_scopes_parse(const char *text, unsigned *out, tj_error *err)
{
    *out = 0;
    if (!text || !*text)
        return tj_error_set(err, TJ_ERR_INPUT, "for",
                            "name what the peer is trusted for: factors,rules,labels,dishonest");
    if (!strcmp(text, "all")) {
        *out = SVC_FED_FACTORS | SVC_FED_RULES | SVC_FED_LABELS | SVC_FED_DISHONEST;
        return TJ_OK;
    }
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
            if (strlen(scope_names[i].name) == n && !strncmp(scope_names[i].name, p, n))
                bit = scope_names[i].bit;
        if (!bit)
            return tj_error_set(err, TJ_ERR_INPUT, "for",
                                "unknown scope \"%.*s\" (factors, rules, labels, dishonest) / 未知的信任范围",
                                (int)(n > 64 ? 64 : n), p);
        *out |= bit;
        p += n;
        if (*p == ',')
            p++;
    }
    return TJ_OK;
}

static char *scopes_format(unsigned bits)
{
    char buf[64] = "";
    for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
        if (bits & scope_names[i].bit) {
            if (*buf)
                strcat(buf, ",");
            strcat(buf, scope_names[i].name);
        }
    return strdup(buf);
}

static unsigned scopes_of(const json_t *peer)
{
    unsigned bits = 0;
    tj_error e;
    svc_fed_scopes_parse(inst_str(peer, "scopes"), &bits, &e);
    return bits;
}

int svc_fed_jurisdiction_valid(const char *j)
{
    if (!j)
        return 0;
    if (!strcmp(j, "CN"))
        return 1;
    size_t n = strlen(j);
    if (n == 2 && isupper((unsigned char)j[0]) && isupper((unsigned char)j[1]))
        return 1; /* ISO 3166-1 alpha-2 */
    return n == 6 && svc_region_valid(j);
}

/* ---- ledger states (services/ledger_sources.c) ---------------------------- */

/* A null member and an absent one are the same state (json_pack "O?" sets
 * null): drop nulls, as the service's states never hold them. */
static json_t *drop_nulls(json_t *o)
{
    if (!o)
        return NULL;
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(o, tmp, k, v) if (json_is_null(v)) json_object_del(o, k);
    return o;
}

/* The recorded state of this instance's identity, from its fed_self row. */
static json_t *self_state(const json_t *row)
{
    return row ? drop_nulls(json_pack("{s:O,s:O,s:O?}", "name", json_object_get(row, "name"), "jurisdiction",
                                      json_object_get(row, "jurisdiction"), "url",
                                      json_object_get(row, "url")))
               : NULL;
}

/* The recorded state of a trust-list entry, from its fed_peer row (what a
 * pull advances, the head seen, is not part of it). */
static json_t *peer_state(const json_t *row)
{
    return row ? drop_nulls(json_pack("{s:O,s:O,s:O,s:O,s:O?}", "name", json_object_get(row, "name"),
                                      "jurisdiction", json_object_get(row, "jurisdiction"), "public_key",
                                      json_object_get(row, "public_key"), "scopes",
                                      json_object_get(row, "scopes"), "url", json_object_get(row, "url")))
               : NULL;
}

tj_status svc_fed_each_identity_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    json_t *row = NULL;
    tj_status rc = store_fed_self_get(db, &row, err);
    if (rc || !row)
        return rc;
    json_t *s = self_state(row);
    rc = s ? emit(arg, "self", s, err) : tj_error_nomem(err);
    json_decref(s);
    json_decref(row);
    return rc;
}

tj_status svc_fed_each_peer_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_fed_peer_list(db, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *s = rc ? NULL : peer_state(r);
        if (!rc)
            rc = s ? emit(arg, inst_str(r, "name"), s, err) : tj_error_nomem(err);
        json_decref(s);
    }
    json_decref(rows);
    return rc;
}

tj_status svc_fed_each_recognition_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_fed_recognition_list(db, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        /* the record as added: its canonical JSON is stored */
        json_t *s = rc ? NULL : json_loads(inst_str(r, "document") ?: "", 0, NULL);
        if (!rc)
            rc = s ? emit(arg, inst_str(r, "id"), s, err)
                   : tj_error_set(err, TJ_ERR_DB, "fed_recognition",
                                  "recognition %s: its document is not JSON", inst_str(r, "id") ?: "?");
        json_decref(s);
    }
    json_decref(rows);
    return rc;
}

/* ---- identity ----------------------------------------------------------- */

tj_status svc_fed_identity_set(svc_ctx *ctx, const char *name, const char *jurisdiction, const char *url,
                               tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "set the instance identity", err);
    if (!rc)
        rc = inst_check_text(name, 200, "name", 1, err);
    if (!rc && !svc_fed_jurisdiction_valid(jurisdiction))
        rc = tj_error_set(err, TJ_ERR_INPUT, "jurisdiction",
                          "jurisdiction is a GB/T 2260 code (e.g. 530000), CN, or an ISO 3166-1 country code "
                          "(e.g. LA) / 辖区须为行政区划代码、CN 或国家代码");
    if (!rc && url)
        rc = inst_check_text(url, 1000, "url", 0, err);
    if (rc)
        return rc;
    char now[INST_TIME_SIZE];
    inst_now(now);
    if ((rc = svc_begin(ctx, err)))
        return rc;
    rc = store_fed_self_put(ctx->db, name, jurisdiction, url, now, err);
    /* the state as stored (ledger verify rebuilds it with the same function) */
    json_t *row = NULL, *state = NULL;
    if (!rc)
        rc = store_fed_self_get(ctx->db, &row, err);
    if (!rc && !(state = self_state(row)))
        rc = tj_error_nomem(err);
    if (!rc)
        rc = svc_record(ctx, "federation.identity", "federation_identity", "self", state, state, err);
    json_decref(row);
    json_decref(state);
    if (!rc)
        return svc_commit(ctx, err);
    svc_rollback(ctx);
    return rc;
}

/* Sign the canonical JSON of doc (without "signature") with key into
 * doc.signature. */
static tj_status sign_doc(json_t *doc, const ledger_key *key, tj_error *err)
{
    json_object_del(doc, "signature");
    char *msg = NULL;
    size_t len = 0;
    tj_status rc = ledger_jcs(doc, &msg, &len, err);
    if (rc)
        return rc;
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, len, key->sk);
    free(msg);
    char hex[2 * crypto_sign_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, sig, sizeof sig);
    return json_object_set_new(doc, "signature", json_string(hex)) ? tj_error_nomem(err) : TJ_OK;
}

/* 1 when doc.signature is pk's signature of doc without it. */
static int doc_signature_ok(const json_t *doc, const unsigned char pk[LEDGER_PK_SIZE])
{
    const char *hex = inst_str(doc, "signature");
    unsigned char sig[crypto_sign_BYTES];
    size_t n = 0;
    if (!hex || strlen(hex) != 2 * crypto_sign_BYTES ||
        sodium_hex2bin(sig, sizeof sig, hex, strlen(hex), NULL, &n, NULL) || n != sizeof sig)
        return 0;
    json_t *copy = json_deep_copy(doc);
    json_object_del(copy, "signature");
    char *msg = copy ? ledger_canonical_json(copy) : NULL;
    json_decref(copy);
    int ok = msg && !crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), pk);
    free(msg);
    return ok;
}

tj_status svc_fed_identity_export(svc_ctx *ctx, const ledger_key *key, int sign_head, json_t **out,
                                  tj_error *err)
{
    *out = NULL;
    json_t *self = NULL;
    tj_status rc =
        sign_head ? svc_require(ctx, SVC_ROLE_OPERATOR, "export the instance identity", err) : TJ_OK;
    if (!rc)
        rc = store_fed_self_get(ctx->db, &self, err);
    if (!rc && !self)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "identity",
                          "this instance has no identity yet: tanji federation identity set --name N "
                          "--jurisdiction J / 请先设置实例身份");
    ledger_head head;
    int signed_new = 0, found = 0;
    int64_t size;
    merkle_hash root;
    if (!rc && sign_head)
        rc = svc_ledger_sign_head(ctx, key, &head, &signed_new, err);
    else if (!rc && !(rc = svc_ledger_head(ctx, &head, &found, &size, &root, err)) && !found)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "head",
                          "the ledger has no signed head yet (tanji ledger head)");
    if (rc) {
        json_decref(self);
        return rc;
    }
    char pk[2 * LEDGER_PK_SIZE + 1], now[INST_TIME_SIZE];
    ledger_pk_hex(key->pk, pk);
    inst_now(now);
    json_t *doc = json_pack("{s:s,s:O,s:O,s:O,s:s,s:o,s:s}", "type", IDENTITY_TYPE, "name",
                            json_object_get(self, "name"), "jurisdiction",
                            json_object_get(self, "jurisdiction"), "url", json_object_get(self, "url"),
                            "public_key", pk, "head", ledger_head_json(&head), "exported_at", now);
    json_decref(self);
    if (!doc)
        return tj_error_nomem(err);
    if ((rc = sign_doc(doc, key, err))) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return TJ_OK;
}

tj_status svc_fed_identity_check(const json_t *doc, tj_error *err)
{
    if (!json_is_object(doc) || !inst_str(doc, "type") || strcmp(inst_str(doc, "type"), IDENTITY_TYPE))
        return tj_error_set(err, TJ_ERR_INPUT, "type",
                            "not a tanji instance identity file (%s) / 不是实例身份文件", IDENTITY_TYPE);
    tj_status rc = inst_check_text(inst_str(doc, "name"), 200, "name", 1, err);
    if (rc)
        return rc;
    if (!svc_fed_jurisdiction_valid(inst_str(doc, "jurisdiction")))
        return tj_error_set(err, TJ_ERR_INPUT, "jurisdiction", "the identity's jurisdiction is not valid");
    unsigned char pk[LEDGER_PK_SIZE];
    if (!inst_str(doc, "public_key") || ledger_pk_from_hex(inst_str(doc, "public_key"), pk))
        return tj_error_set(err, TJ_ERR_INPUT, "public_key", "public_key is 64 hex digits");
    if (!doc_signature_ok(doc, pk))
        return tj_error_set(err, TJ_ERR_INPUT, "signature",
                            "the identity file's signature does not match its key / 身份文件签名无效");
    ledger_head h;
    if (json_object_get(doc, "head")) {
        if ((rc = ledger_head_from_json(json_object_get(doc, "head"), &h, err)))
            return rc;
        if (!ledger_head_signature_ok(&h, pk))
            return tj_error_set(err, TJ_ERR_INPUT, "head",
                                "the identity's tree head is not signed by its key");
    }
    return TJ_OK;
}

/* ---- trust list ------------------------------------------------------------ */

tj_status svc_fed_trust_add(svc_ctx *ctx, const json_t *identity, unsigned scopes, const char *url,
                            char **name_out, tj_error *err)
{
    if (name_out)
        *name_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "change the federation trust list", err);
    if (!rc)
        rc = svc_fed_identity_check(identity, err);
    if (rc)
        return rc;
    if (!scopes)
        return tj_error_set(err, TJ_ERR_INPUT, "for",
                            "trust a peer for at least one of factors, rules, labels, dishonest");
    const char *name = inst_str(identity, "name"), *pk = inst_str(identity, "public_key");
    if (!url)
        url = inst_str(identity, "url");
    if (url && (rc = inst_check_text(url, 1000, "url", 0, err)))
        return rc;
    char pk_lower[2 * LEDGER_PK_SIZE + 1];
    unsigned char pkb[LEDGER_PK_SIZE];
    ledger_pk_from_hex(pk, pkb);
    ledger_pk_hex(pkb, pk_lower);
    char *sc = scopes_format(scopes);
    char now[INST_TIME_SIZE];
    inst_now(now);
    json_t *by_name = NULL, *by_key = NULL, *self = NULL;
    if (!sc)
        return tj_error_nomem(err);
    if ((rc = svc_begin(ctx, err))) {
        free(sc);
        return rc;
    }
    rc = store_fed_self_get(ctx->db, &self, err);
    if (!rc)
        rc = store_fed_peer_get(ctx->db, name, NULL, &by_name, err);
    if (!rc)
        rc = store_fed_peer_get(ctx->db, NULL, pk_lower, &by_key, err);
    if (!rc && by_key && strcmp(inst_str(by_key, "name"), name))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "public_key",
                          "that key is already trusted as instance \"%s\" / 该密钥已登记为另一实例",
                          inst_str(by_key, "name"));
    else if (!rc && by_name && strcmp(inst_str(by_name, "public_key"), pk_lower))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "name",
                          "instance \"%s\" is trusted with another key; a key change needs the old entry "
                          "removed first / 该实例已以另一密钥登记",
                          name);
    else if (!rc && by_name)
        rc = store_fed_peer_update(ctx->db, name, sc, url, err);
    else if (!rc)
        rc = store_fed_peer_insert(ctx->db, name, inst_str(identity, "jurisdiction"), pk_lower, sc, url, now,
                                   ctx->who.id, err);
    /* the state as stored (an update keeps the url and jurisdiction it had) */
    json_t *row = NULL, *state = NULL;
    if (!rc)
        rc = store_fed_peer_get(ctx->db, name, NULL, &row, err);
    if (!rc && !(state = peer_state(row)))
        rc = tj_error_nomem(err);
    json_decref(row);
    if (!rc)
        rc = state ? svc_record(ctx, by_name ? "federation.trust.update" : "federation.trust.add",
                                "federation_peer", name, state, state, err)
                   : tj_error_nomem(err);
    json_decref(state);
    json_decref(by_name);
    json_decref(by_key);
    json_decref(self);
    free(sc);
    if (rc) {
        svc_rollback(ctx);
        return rc;
    }
    if ((rc = svc_commit(ctx, err)))
        return rc;
    if (name_out && !(*name_out = strdup(name)))
        return tj_error_nomem(err);
    return TJ_OK;
}

tj_status svc_fed_trust_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    return store_fed_peer_list(ctx->db, out, err);
}

/* ---- rules into the ledger -------------------------------------------------- */

tj_status svc_fed_rules_record(svc_ctx *ctx, const char *rules_dir, int *added, tj_error *err)
{
    *added = 0;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR, "publish rule versions", err);
    if (rc)
        return rc;
    svc_ruleset set = {0};
    if ((rc = svc_ruleset_load_dir(&set, rules_dir, err)))
        return rc;
    if ((rc = svc_begin(ctx, err))) {
        svc_ruleset_release(&set);
        return rc;
    }
    for (size_t i = 0; !rc && i < set.n; i++) {
        const svc_rule *r = &set.rules[i];
        if (r->is_template)
            continue;
        char *oid = NULL;
        if (asprintf(&oid, "%s@%s", r->id, r->version) < 0) {
            rc = tj_error_nomem(err);
            break;
        }
        int has = 0;
        rc = store_ledger_has_entry(ctx->db, "rule_version", oid, &has, err);
        if (!rc && !has) {
            rc = svc_record(ctx, "rule.publish", "rule_version", oid, r->doc, r->doc, err);
            if (!rc)
                ++*added;
        }
        free(oid);
    }
    svc_ruleset_release(&set);
    return svc_finish(ctx, rc, err);
}

/* ---- publish ------------------------------------------------------------ */

/* A set of int64 (open addressing). */
typedef struct idx_set {
    int64_t *v;
    size_t cap, n;
} idx_set;

static int idx_set_add(idx_set *s, int64_t x)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        int64_t *v = malloc(cap * sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < cap; i++)
            v[i] = -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i] >= 0) {
                size_t h = (size_t)((uint64_t)s->v[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
                while (v[h] >= 0)
                    h = (h + 1) & (cap - 1);
                v[h] = s->v[i];
            }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t h = (size_t)((uint64_t)x * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
    while (s->v[h] >= 0) {
        if (s->v[h] == x)
            return 0;
        h = (h + 1) & (s->cap - 1);
    }
    s->v[h] = x;
    s->n++;
    return 0;
}

static int idx_set_has(const idx_set *s, int64_t x)
{
    if (!s->cap)
        return 0;
    size_t h = (size_t)((uint64_t)x * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
    while (s->v[h] >= 0) {
        if (s->v[h] == x)
            return 1;
        h = (h + 1) & (s->cap - 1);
    }
    return 0;
}

static int latest_cb(void *arg, int64_t idx)
{
    return idx_set_add(arg, idx) ? 1 : 0;
}

/* Writes to the package while hashing every byte. */
typedef struct pkg_writer {
    FILE *out;
    crypto_hash_sha256_state sha;
    int64_t items, states;
    int failed;
} pkg_writer;

static void pkg_line(pkg_writer *w, const char *s)
{
    size_t n = strlen(s);
    crypto_hash_sha256_update(&w->sha, (const unsigned char *)s, n);
    crypto_hash_sha256_update(&w->sha, (const unsigned char *)"\n", 1);
    if (fwrite(s, 1, n, w->out) != n || fputc('\n', w->out) == EOF)
        w->failed = 1;
}

typedef struct publish_scan {
    svc_ctx *ctx;
    pkg_writer *w;
    const idx_set *latest;
    const ledger_head *head;
    tj_status rc;
    tj_error *err;
    /* factor versions that are not public are left out: cache the last decision */
    char *fv_id;
    json_t *fv_state;
    int fv_public;
} publish_scan;

/* The current state of an object, as its service records it, plus what
 * travels with it (a label's signed document, a listed organisation's
 * name); NULL when the object is gone. */
static tj_status object_state(svc_ctx *ctx, const char *type, const char *id, json_t **state, json_t **extra,
                              tj_error *err)
{
    *state = NULL;
    *extra = NULL;
    json_t *row = NULL;
    tj_status rc = TJ_OK;
    if (!strcmp(type, "factor_version")) {
        rc = svc_factor_state_json(ctx, id, state, err);
    } else if (!strcmp(type, "label")) {
        rc = store_label_get(ctx->db, id, 1, &row, err);
        if (!rc && !(*state = svc_label_state(row)))
            rc = tj_error_nomem(err);
        if (!rc && inst_str(row, "document"))
            *extra = json_pack("{s:s}", "document", inst_str(row, "document"));
    } else if (!strcmp(type, "dishonest_entity")) {
        rc = store_dishonest_get(ctx->db, id, &row, err);
        if (!rc) {
            *extra = json_pack("{s:O}", "org_name", json_object_get(row, "org_name"));
            json_object_del(row, "org_name");
            *state = json_incref(row);
        }
    } else if (!strcmp(type, "cert_key")) {
        rc = store_cert_key_get(ctx->db, id, state, err);
    }
    json_decref(row);
    if (rc == TJ_ERR_NOTFOUND)
        rc = TJ_OK, tj_error_clear(err);
    return rc;
}

static int publish_cb(void *arg, int64_t idx, const char *type, const char *id, const char *kind,
                      const char *state_digest, const char *body)
{
    publish_scan *p = arg;
    (void)kind;
    tj_error *err = p->err;
    json_t *state = NULL, *extra = NULL, *entry = NULL;
    /* factor versions: only those published at some point (published,
     * superseded, withdrawn); drafts and refused ones stay at home */
    if (!strcmp(type, "factor_version")) {
        if (!p->fv_id || strcmp(p->fv_id, id)) {
            free(p->fv_id);
            json_decref(p->fv_state);
            p->fv_state = NULL;
            p->fv_id = strdup(id);
            p->fv_public = 0;
            if (svc_factor_state_json(p->ctx, id, &p->fv_state, err) == TJ_OK) {
                const char *st = inst_str(p->fv_state, "status");
                p->fv_public =
                    st && (!strcmp(st, "published") || !strcmp(st, "superseded") || !strcmp(st, "withdrawn"));
            } else {
                tj_error_clear(err);
            }
        }
        if (!p->fv_public)
            return 0;
    }
    if (idx_set_has(p->latest, idx) && state_digest) {
        if (!strcmp(type, "factor_version")) {
            state = json_incref(p->fv_state);
        } else if (!strcmp(type, "rule_version")) {
            entry = json_loads(body, 0, NULL);
            state = json_incref(json_object_get(entry, "change"));
        } else if ((p->rc = object_state(p->ctx, type, id, &state, &extra, err))) {
            return 1;
        }
        char hex[65];
        if (state && (ledger_digest_json(state, hex, err) || strcmp(hex, state_digest))) {
            /* changed after this entry (not yet in a signed head): the next package carries it */
            json_decref(state);
            json_decref(extra);
            state = extra = NULL;
            tj_error_clear(err);
        }
    }
    merkle_hash proof[MERKLE_MAX_PROOF];
    size_t n = 0;
    if ((p->rc = ledger_inclusion_proof(p->ctx->db, idx, p->head->tree_size, proof, &n, err))) {
        json_decref(state);
        json_decref(extra);
        json_decref(entry);
        return 1;
    }
    json_t *pa = json_array();
    for (size_t i = 0; pa && i < n; i++) {
        char hex[65];
        merkle_to_hex(&proof[i], hex);
        json_array_append_new(pa, json_string(hex));
    }
    json_t *item = json_pack("{s:I,s:s,s:o}", "index", (json_int_t)idx, "entry", body, "proof", pa);
    if (item && state) {
        json_object_set(item, "state", state);
        p->w->states++;
    }
    if (item && extra)
        json_object_update(item, extra);
    char *line = item ? json_dumps(item, JSON_COMPACT) : NULL;
    if (line) {
        pkg_line(p->w, line);
        p->w->items++;
    } else {
        p->rc = tj_error_nomem(err);
    }
    free(line);
    json_decref(item);
    json_decref(state);
    json_decref(extra);
    json_decref(entry);
    if (!p->rc && p->w->failed)
        p->rc = tj_error_set(err, TJ_ERR_IO, NULL, "could not write the package");
    return p->rc ? 1 : 0;
}

static json_t *hashes_json(const merkle_hash *h, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char hex[65];
        merkle_to_hex(&h[i], hex);
        if (json_array_append_new(a, json_string(hex))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

tj_status svc_fed_publish(svc_ctx *ctx, const ledger_key *key, int64_t since, int sign_head, FILE *out,
                          json_t **summary, tj_error *err)
{
    if (summary)
        *summary = NULL;
    if (since < 0)
        return tj_error_set(err, TJ_ERR_INPUT, "since", "since is a ledger index (0 or more)");
    json_t *self = NULL;
    tj_status rc = store_fed_self_get(ctx->db, &self, err);
    if (!rc && !self)
        rc = tj_error_set(
            err, TJ_ERR_NOTFOUND, "identity",
            "this instance has no identity yet: tanji federation identity set / 请先设置实例身份");
    ledger_head head;
    int found = 0, signed_new = 0;
    int64_t size = 0;
    merkle_hash root;
    if (!rc && sign_head)
        rc = svc_ledger_sign_head(ctx, key, &head, &signed_new, err);
    else if (!rc) {
        rc = svc_ledger_head(ctx, &head, &found, &size, &root, err);
        if (!rc && !found)
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "head", "the ledger has no signed head yet");
    }
    if (!rc && memcmp(head.public_key, key->pk, LEDGER_PK_SIZE))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "key",
                          "the latest tree head was signed by another key than this one");
    if (!rc && since > head.tree_size)
        rc = tj_error_set(err, TJ_ERR_INPUT, "since", "since (%lld) is beyond the signed head (%lld entries)",
                          (long long)since, (long long)head.tree_size);
    if (rc) {
        json_decref(self);
        return rc;
    }
    /* One read snapshot for the whole package: the log and the states agree. */
    int snap = !store_in_transaction(ctx->db) && !store_ledger_snapshot_begin(ctx->db, err);
    merkle_hash cproof[MERKLE_MAX_PROOF];
    size_t cn = 0;
    if (since > 0 && since < head.tree_size)
        rc = ledger_consistency_proof(ctx->db, since, head.tree_size, cproof, &cn, err);
    char pk[2 * LEDGER_PK_SIZE + 1], now[INST_TIME_SIZE];
    ledger_pk_hex(key->pk, pk);
    inst_now(now);
    pkg_writer w = {.out = out};
    crypto_hash_sha256_init(&w.sha);
    json_t *hdr =
        rc ? NULL
           : json_pack("{s:s,s:{s:O,s:O,s:s},s:I,s:o,s:o,s:s}", "type", PACKAGE_TYPE, "instance", "name",
                       json_object_get(self, "name"), "jurisdiction", json_object_get(self, "jurisdiction"),
                       "public_key", pk, "since", (json_int_t)since, "head", ledger_head_json(&head),
                       "consistency", hashes_json(cproof, cn), "created_at", now);
    char *line = hdr ? json_dumps(hdr, JSON_COMPACT) : NULL;
    json_decref(hdr);
    json_decref(self);
    if (!rc && !line)
        rc = tj_error_nomem(err);
    if (!rc)
        pkg_line(&w, line);
    free(line);
    idx_set latest = {0};
    if (!rc)
        rc =
            store_fed_ledger_latest(ctx->db, since, head.tree_size, published_types, latest_cb, &latest, err);
    publish_scan ps = {.ctx = ctx, .w = &w, .latest = &latest, .head = &head, .err = err};
    if (!rc) {
        rc = store_fed_ledger_scan(ctx->db, since, head.tree_size, published_types, publish_cb, &ps, err);
        if (!rc)
            rc = ps.rc;
    }
    free(ps.fv_id);
    json_decref(ps.fv_state);
    free(latest.v);
    if (snap)
        store_ledger_snapshot_end(ctx->db);
    if (rc)
        return rc;
    /* the end: count, digest of everything before, signature */
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&w.sha, digest);
    char dhex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(dhex, sizeof dhex, digest, sizeof digest);
    json_t *end =
        json_pack("{s:s,s:I,s:s}", "type", PACKAGE_END_TYPE, "items", (json_int_t)w.items, "sha256", dhex);
    json_t *signed_part =
        json_pack("{s:s,s:I,s:s}", "type", PACKAGE_SIG_TYPE, "items", (json_int_t)w.items, "sha256", dhex);
    char *msg = signed_part ? ledger_canonical_json(signed_part) : NULL;
    json_decref(signed_part);
    if (!end || !msg) {
        json_decref(end);
        free(msg);
        return tj_error_nomem(err);
    }
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), key->sk);
    free(msg);
    char shex[2 * crypto_sign_BYTES + 1];
    sodium_bin2hex(shex, sizeof shex, sig, sizeof sig);
    json_object_set_new(end, "signature", json_string(shex));
    line = json_dumps(end, JSON_COMPACT);
    json_decref(end);
    if (!line)
        return tj_error_nomem(err);
    size_t ln = strlen(line);
    if (fwrite(line, 1, ln, out) != ln || fputc('\n', out) == EOF || fflush(out))
        w.failed = 1;
    free(line);
    if (w.failed)
        return tj_error_set(err, TJ_ERR_IO, NULL, "could not write the package");
    if (summary)
        *summary = json_pack("{s:I,s:I,s:I,s:I,s:b}", "since", (json_int_t)since, "tree_size",
                             (json_int_t)head.tree_size, "items", (json_int_t)w.items, "states",
                             (json_int_t)w.states, "signed_new_head", signed_new);
    return TJ_OK;
}

/* ---- pull ----------------------------------------------------------------- */

/* Read one line (without its newline) into *line (grown as needed); 0 at
 * the end, -1 for a line longer than LINE_MAX_BYTES. */
static ssize_t read_line(FILE *in, char **line, size_t *cap)
{
    ssize_t n = getline(line, cap, in);
    if (n <= 0)
        return 0;
    if ((size_t)n > LINE_MAX_BYTES)
        return -1;
    if ((*line)[n - 1] == '\n')
        (*line)[--n] = '\0';
    return n;
}

static int hashes_from_json(const json_t *a, merkle_hash *out, size_t *n)
{
    if (!json_is_array(a) || json_array_size(a) > MERKLE_MAX_PROOF)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(a, i,
                       v) if (!json_is_string(v) || merkle_from_hex(json_string_value(v), &out[i])) return -1;
    *n = json_array_size(a);
    return 0;
}

/* Cut an incomplete UTF-8 sequence at the end of s (a message cut to its buffer). */
static void utf8_trim(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0 && (unsigned char)s[i - 1] >= 0xC0) {
        unsigned char c = (unsigned char)s[i - 1];
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (n - (i - 1) < need)
            s[i - 1] = '\0';
    }
}

typedef struct pull_stats {
    int64_t items, imported, skipped, states;
} pull_stats;

/* A refusal: TJ_ERR_INPUT with the reason (both languages). */
#define REFUSE(...) tj_error_set(err, TJ_ERR_INPUT, "package", __VA_ARGS__)

static const char *state_text(const json_t *state, const char *key)
{
    const json_t *v = json_object_get(state, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Import one verified item. */
static tj_status import_item(svc_ctx *ctx, const char *peer, int64_t idx, const json_t *entry,
                             const char *body, const json_t *item, const char *canon, const char *now,
                             pull_stats *st, tj_error *err)
{
    const char *type = inst_str(entry, "object_type"), *id = inst_str(entry, "object_id"),
               *kind = inst_str(entry, "kind"), *at = inst_str(entry, "at");
    tj_status rc = store_fed_entry_put(ctx->db, peer, idx, type, id, kind, at, body, err);
    const json_t *state = json_object_get(item, "state");
    if (rc || !json_is_object(state))
        return rc;
    const char *text = canon;
    json_t *extra = json_object();
    const char *keys[] = {"document", "org_name", NULL};
    for (int i = 0; extra && keys[i]; i++)
        if (json_object_get(item, keys[i]))
            json_object_set(extra, keys[i], json_object_get(item, keys[i]));
    char *extra_text = extra && json_object_size(extra) ? json_dumps(extra, JSON_COMPACT) : NULL;
    json_decref(extra);
    const char *status = state_text(state, "status");
    const char *category = state_text(state, "category");
    const char *region = state_text(state, "region");
    char status_buf[16];
    if (!strcmp(type, "dishonest_entity")) {
        strcpy(status_buf, json_is_string(json_object_get(state, "removed_at")) ? "removed" : "listed");
        status = status_buf;
    }
    if (!strcmp(type, "rule_version"))
        status = state_text(state, "status");
    if (!text)
        rc = tj_error_nomem(err);
    else
        rc = store_fed_object_put(ctx->db, peer, type, id, idx, status, category, region, text, extra_text,
                                  now, err);
    free(extra_text);
    st->states++;
    return rc;
}

static tj_status pull_verified(svc_ctx *ctx, const json_t *peer, FILE *in, const json_t *hdr,
                               const char *hdr_line, ssize_t hdr_len, const ledger_head *head, int64_t since,
                               pull_stats *st, const char *now, tj_error *err)
{
    const char *pname = inst_str(peer, "name");
    unsigned scopes = scopes_of(peer);
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    crypto_hash_sha256_update(&sha, (const unsigned char *)hdr_line, (size_t)hdr_len);
    crypto_hash_sha256_update(&sha, (const unsigned char *)"\n", 1);
    (void)hdr;
    char *line = NULL;
    size_t cap = 0;
    tj_status rc = TJ_OK;
    json_t *end = NULL;
    int64_t last_idx = -1;
    for (;;) {
        ssize_t n = read_line(in, &line, &cap);
        if (n < 0) {
            rc = REFUSE("a line of the package is longer than %u bytes / 数据包行过长", LINE_MAX_BYTES);
            break;
        }
        if (n == 0) {
            rc = REFUSE(
                "the package ends without its signature line (truncated) / 数据包不完整（缺少签名行）");
            break;
        }
        json_error_t je;
        json_t *item = json_loadb(line, (size_t)n, 0, &je);
        if (!json_is_object(item)) {
            json_decref(item);
            rc = REFUSE("package line %lld is not JSON: %s / 数据包格式错误", (long long)st->items + 2,
                        je.text);
            break;
        }
        if (inst_str(item, "type") && !strcmp(inst_str(item, "type"), PACKAGE_END_TYPE)) {
            end = item;
            break;
        }
        crypto_hash_sha256_update(&sha, (const unsigned char *)line, (size_t)n);
        crypto_hash_sha256_update(&sha, (const unsigned char *)"\n", 1);
        st->items++;
        json_t *jidx = json_object_get(item, "index");
        const char *body = inst_str(item, "entry");
        merkle_hash proof[MERKLE_MAX_PROOF];
        size_t pn = 0;
        if (!json_is_integer(jidx) || !body || hashes_from_json(json_object_get(item, "proof"), proof, &pn)) {
            json_decref(item);
            rc = REFUSE("item %lld lacks index, entry or proof / 数据项缺少字段", (long long)st->items);
            break;
        }
        int64_t idx = (int64_t)json_integer_value(jidx);
        if (idx < since || idx >= head->tree_size || idx <= last_idx) {
            json_decref(item);
            rc = REFUSE("item index %lld is outside the package's range [%lld, %lld) or out of order / "
                        "数据项序号越界",
                        (long long)idx, (long long)since, (long long)head->tree_size);
            break;
        }
        last_idx = idx;
        merkle_hash leaf;
        merkle_leaf_hash(body, strlen(body), &leaf);
        if (!merkle_verify_inclusion(idx, head->tree_size, &leaf, proof, pn, &head->root)) {
            json_decref(item);
            rc = REFUSE(
                "tampered package: entry %lld is not in the peer's signed log (inclusion proof fails) / "
                "数据被篡改：条目不在对方签名日志中",
                (long long)idx);
            break;
        }
        json_t *entry = json_loads(body, 0, NULL);
        const char *type = inst_str(entry, "object_type");
        if (!type || !inst_str(entry, "object_id") || !inst_str(entry, "kind") || !inst_str(entry, "at") ||
            !type_scope(type)) {
            json_decref(entry);
            json_decref(item);
            rc = REFUSE("entry %lld is not of a type packages carry / 条目类型不符", (long long)idx);
            break;
        }
        const json_t *state = json_object_get(item, "state");
        char *canon = NULL; /* the state's canonical JSON: hashed, then stored */
        if (state) {
            char hex[65];
            size_t clen = 0;
            const char *want = inst_str(entry, "state_digest");
            if (json_is_object(state) && !ledger_jcs(state, &canon, &clen, err))
                inst_sha256_hex(canon, clen, hex);
            else
                hex[0] = '\0';
            if (!canon || !want || strcmp(hex, want)) {
                free(canon);
                tj_error_clear(err);
                rc = REFUSE(
                    "tampered package: the state of %s %s (entry %lld) does not match its ledger entry / "
                    "数据被篡改：对象状态与台账不符",
                    type, inst_str(entry, "object_id"), (long long)idx);
                json_decref(entry);
                json_decref(item);
                break;
            }
            /* a label's document: its digest is in the state */
            const char *doc = inst_str(item, "document");
            if (doc) {
                inst_sha256_hex(doc, strlen(doc), hex);
                if (!inst_str(state, "document_digest") || strcmp(hex, inst_str(state, "document_digest"))) {
                    free(canon);
                    rc = REFUSE("tampered package: the document of label %s does not match its state / "
                                "数据被篡改：标识文件与状态不符",
                                inst_str(entry, "object_id"));
                    json_decref(entry);
                    json_decref(item);
                    break;
                }
            }
        }
        if (!(scopes & type_scope(type)))
            st->skipped++;
        else if (!(rc = import_item(ctx, pname, idx, entry, body, item, canon, now, st, err)))
            st->imported++;
        free(canon);
        json_decref(entry);
        json_decref(item);
        if (rc)
            break;
    }
    free(line);
    if (rc) {
        json_decref(end);
        return rc;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&sha, digest);
    char dhex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(dhex, sizeof dhex, digest, sizeof digest);
    json_t *ji = json_object_get(end, "items");
    if (!json_is_integer(ji) || json_integer_value(ji) != st->items || !inst_str(end, "sha256") ||
        strcmp(inst_str(end, "sha256"), dhex))
        rc = REFUSE("tampered package: its content does not match its signed digest (items added, removed or "
                    "changed) / 数据被篡改：内容与签名摘要不符");
    unsigned char pk[LEDGER_PK_SIZE];
    ledger_pk_from_hex(inst_str(peer, "public_key"), pk);
    if (!rc) {
        json_t *sp = json_pack("{s:s,s:I,s:s}", "type", PACKAGE_SIG_TYPE, "items", (json_int_t)st->items,
                               "sha256", dhex);
        char *msg = sp ? ledger_canonical_json(sp) : NULL;
        json_decref(sp);
        unsigned char sig[crypto_sign_BYTES];
        size_t sn = 0;
        const char *shex = inst_str(end, "signature");
        if (!msg)
            rc = tj_error_nomem(err);
        else if (!shex || strlen(shex) != 2 * crypto_sign_BYTES ||
                 sodium_hex2bin(sig, sizeof sig, shex, strlen(shex), NULL, &sn, NULL) || sn != sizeof sig ||
                 crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), pk))
            rc = REFUSE("tampered package: the package signature is not the peer's / 数据包签名无效");
        free(msg);
    }
    json_decref(end);
    return rc;
}

tj_status svc_fed_pull(svc_ctx *ctx, const char *peer_name, FILE *in, const char *source, json_t **summary,
                       tj_error *err)
{
    *summary = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "pull from a federation peer", err);
    if (rc)
        return rc;
    char now[INST_TIME_SIZE];
    inst_now(now);
    char *line = NULL;
    size_t cap = 0;
    json_t *hdr = NULL, *peer = NULL;
    ledger_head head;
    int64_t since = -1;
    pull_stats st = {0};
    int up_to_date = 0;
    ssize_t n = read_line(in, &line, &cap);
    if (n <= 0)
        rc = REFUSE("the package is empty or its first line too long / 数据包为空");
    if (!rc) {
        hdr = json_loadb(line, (size_t)n, 0, NULL);
        if (!json_is_object(hdr) || !inst_str(hdr, "type") || strcmp(inst_str(hdr, "type"), PACKAGE_TYPE))
            rc = REFUSE("not a tanji federation package (%s) / 不是联邦数据包", PACKAGE_TYPE);
    }
    const json_t *inst = json_object_get(hdr, "instance");
    const char *pk_text = inst_str(inst, "public_key");
    unsigned char pk[LEDGER_PK_SIZE];
    if (!rc && (!pk_text || ledger_pk_from_hex(pk_text, pk)))
        rc = REFUSE("the package names no valid instance key / 数据包缺少实例公钥");
    char pk_hex[2 * LEDGER_PK_SIZE + 1] = "";
    if (!rc) {
        ledger_pk_hex(pk, pk_hex);
        rc = store_fed_peer_get(ctx->db, NULL, pk_hex, &peer, err);
    }
    if (!rc && !peer)
        rc = tj_error_set(
            err, TJ_ERR_PERM, "package",
            "untrusted key: the package is signed by key %s (calling itself \"%.80s\"), which is not on "
            "the trust list / 不受信任的密钥：签名密钥未登记",
            pk_hex, inst_str(inst, "name") ? inst_str(inst, "name") : "?");
    if (!rc && peer_name && strcmp(peer_name, inst_str(peer, "name")))
        rc = tj_error_set(err, TJ_ERR_PERM, "package",
                          "untrusted key: the package is signed by the key of \"%s\", not of \"%s\" / "
                          "密钥与所拉取的实例不符",
                          inst_str(peer, "name"), peer_name);
    if (!rc && ledger_head_from_json(json_object_get(hdr, "head"), &head, err)) {
        tj_error_clear(err);
        rc = REFUSE("the package's tree head is malformed / 树头格式错误");
    }
    if (!rc && (memcmp(head.public_key, pk, LEDGER_PK_SIZE) || !ledger_head_signature_ok(&head, pk)))
        rc = REFUSE("tampered package: its tree head is not signed by the peer's key / 树头签名无效");
    /* the package's creation time (covered by its signature): never older
     * than the last package accepted from the peer */
    char created[INST_TIME_SIZE] = "";
    if (!rc && !inst_time_parse(inst_str(hdr, "created_at") ? inst_str(hdr, "created_at") : "", created))
        rc = REFUSE("the package has no valid created_at / 数据包缺少生成时间");
    const char *last_pkg = peer ? inst_str(peer, "package_at") : NULL;
    if (!rc && last_pkg && strcmp(created, last_pkg) < 0)
        rc =
            REFUSE("replayed old package: it was made at %s, before the last package accepted from %s (%s) / "
                   "重放的旧数据包",
                   created, inst_str(peer, "name"), last_pkg);
    json_t *js = json_object_get(hdr, "since");
    if (!rc &&
        (!json_is_integer(js) || (since = (int64_t)json_integer_value(js)) < 0 || since > head.tree_size))
        rc = REFUSE("the package's since is not an index within its head / since 无效");
    /* against what was seen from this peer before */
    int64_t seen = peer ? (int64_t)json_integer_value(json_object_get(peer, "head_size")) : 0;
    merkle_hash seen_root;
    if (!rc && seen > 0 && merkle_from_hex(inst_str(peer, "head_root") ?: "", &seen_root))
        rc = tj_error_set(err, TJ_ERR_DB, "head_root", "the stored head of peer %s is damaged",
                          inst_str(peer, "name"));
    if (!rc && seen > 0) {
        const char *seen_at = inst_str(peer, "head_signed_at") ?: "?";
        if (head.tree_size == seen && !memcmp(head.root.b, seen_root.b, MERKLE_HASH_SIZE) && since == seen)
            up_to_date = 1;
        else if (head.tree_size == seen && memcmp(head.root.b, seen_root.b, MERKLE_HASH_SIZE))
            rc = REFUSE("rewritten log: the peer signed two different roots for size %lld (seen on %s) / "
                        "对方日志被改写：同一规模出现两个不同的根",
                        (long long)seen, seen_at);
        else if (head.tree_size <= seen)
            rc = REFUSE("replayed old package: its head (size %lld, signed %s) is not newer than the head "
                        "already seen from %s (size %lld, signed %s) / 重放的旧数据包",
                        (long long)head.tree_size, head.signed_at, inst_str(peer, "name"), (long long)seen,
                        seen_at);
        else if (since != seen)
            rc =
                REFUSE("the package starts at entry %lld but %lld entries of %s were already seen: pull with "
                       "--since %lld / 数据包起点与已见日志不符",
                       (long long)since, (long long)seen, inst_str(peer, "name"), (long long)seen);
        else {
            merkle_hash cp[MERKLE_MAX_PROOF];
            size_t cn = 0;
            if (hashes_from_json(json_object_get(hdr, "consistency"), cp, &cn) ||
                !merkle_verify_consistency(seen, head.tree_size, &seen_root, &head.root, cp, cn))
                rc = REFUSE(
                    "rewritten log: the peer's head of size %lld does not extend the head of size %lld "
                    "it signed on %s (consistency proof fails) / 对方日志被改写：与先前树头不一致",
                    (long long)head.tree_size, (long long)seen, seen_at);
        }
    } else if (!rc && since != 0) {
        rc = REFUSE(
            "first pull from %s: the package must start at entry 0 (it starts at %lld) / 首次拉取须从 0 开始",
            inst_str(peer, "name"), (long long)since);
    }
    if (!rc && (rc = svc_begin(ctx, err)) == TJ_OK) {
        /* an empty package too: its signature, so that a replayed one cannot
         * make old knowledge look fresh */
        rc = pull_verified(ctx, peer, in, hdr, line, n, &head, since, &st, now, err);
        char root_hex[65];
        merkle_to_hex(&head.root, root_hex);
        if (!rc && !up_to_date)
            rc = store_fed_peer_advance(ctx->db, inst_str(peer, "name"), head.tree_size, root_hex,
                                        head.signed_at, now, created, st.imported, err);
        else if (!rc)
            rc = store_fed_peer_touch(ctx->db, inst_str(peer, "name"), now, created, err);
        if (!rc)
            rc = store_fed_pull_log(ctx->db, inst_str(peer, "name"), now, 1, up_to_date ? "up to date" : NULL,
                                    since, head.tree_size, st.imported, source, err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    free(line);
    if (rc) {
        /* nothing was imported; the refusal is reported and logged */
        tj_error saved = *err;
        utf8_trim(saved.message);
        tj_error e2;
        if (!svc_begin(ctx, &e2)) {
            if (store_fed_pull_log(ctx->db, peer ? inst_str(peer, "name") : NULL, now, 0, saved.message,
                                   since,
                                   hdr ? (int64_t)json_integer_value(
                                             json_object_get(json_object_get(hdr, "head"), "tree_size"))
                                       : -1,
                                   0, source, &e2) ||
                svc_commit(ctx, &e2))
                svc_rollback(ctx);
        }
        *err = saved;
        json_decref(hdr);
        json_decref(peer);
        return rc;
    }
    *summary = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "peer", inst_str(peer, "name"), "since",
                         (json_int_t)since, "tree_size", (json_int_t)head.tree_size, "items",
                         (json_int_t)st.items, "imported", (json_int_t)st.imported, "skipped",
                         (json_int_t)st.skipped, "states", (json_int_t)st.states, "up_to_date", up_to_date);
    json_decref(hdr);
    json_decref(peer);
    return *summary ? TJ_OK : tj_error_nomem(err);
}

tj_status svc_fed_pull_log(svc_ctx *ctx, const char *peer, int limit, json_t **out, tj_error *err)
{
    svc_page(&limit, &(int){0});
    return store_fed_pull_list(ctx->db, peer, limit, out, err);
}

/* ---- labels of other instances ------------------------------------------------ */

static double age_seconds(const char *at, const char *now)
{
    struct tm a = {0}, b = {0};
    if (!at || !strptime(at, "%Y-%m-%dT%H:%M:%SZ", &a) || !strptime(now, "%Y-%m-%dT%H:%M:%SZ", &b))
        return -1;
    return difftime(timegm(&b), timegm(&a));
}

/* How fresh what this instance knows of a peer is: the last successful pull
 * and the creation time of the package it brought (signed by the peer: a
 * replayed old package cannot make stale knowledge look fresh).  The age is
 * counted from the package's creation (or the pull when there is none), and
 * said in a sentence for reports: "knowledge as of T, N minutes old". */
static json_t *knowledge_json(const json_t *peer, const char *now)
{
    const char *last = inst_str(peer, "last_pull_at"), *pkg_at = inst_str(peer, "package_at");
    const char *as_of = pkg_at ? pkg_at : last, *name = inst_str(peer, "name") ?: "?";
    double age = age_seconds(as_of, now), pull_age = age_seconds(last, now);
    char *en = NULL, *zh = NULL; /* the peer's name is outside input: no fixed buffer */
    int n1, n2;
    if (as_of && age >= 0) {
        long min = (long)(age / 60);
        n1 = asprintf(&en, "knowledge as of %s, %ld minute%s old (last pull from %s at %s)", as_of, min,
                      min == 1 ? "" : "s", name, last ? last : "never");
        n2 = asprintf(&zh, "数据截至 %s，已过 %ld 分钟（上次从 %s 拉取：%s）", as_of, min, name,
                      last ? last : "从未");
    } else {
        n1 = asprintf(&en, "no successful pull from %s yet: nothing is known of its current state", name);
        n2 = asprintf(&zh, "尚未成功从 %s 拉取数据", name);
    }
    json_t *k = n1 >= 0 && n2 >= 0
                    ? json_pack("{s:s?,s:s?,s:s?,s:O,s:O,s:f,s:f,s:s,s:s}", "as_of", as_of, "last_pull_at", last,
                                "package_created_at", pkg_at, "head_size", json_object_get(peer, "head_size"),
                                "head_signed_at", json_object_get(peer, "head_signed_at"), "age_seconds", age,
                                "last_pull_age_seconds", pull_age, "summary_en", en, "summary_zh", zh)
                    : NULL;
    if (n1 >= 0)
        free(en);
    if (n2 >= 0)
        free(zh);
    return k;
}

/* The keyring of a peer's certification bodies, from imported cert_key objects. */
static tj_status peer_keyring(svc_ctx *ctx, const char *peer, json_t **out, tj_error *err)
{
    json_t *rows = NULL, *keys = json_array();
    tj_status rc =
        keys ? store_fed_object_list(ctx->db, peer, "cert_key", NULL, 1000, 0, &rows, err) : tj_error_nomem(err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *k = json_loads(inst_str(r, "state") ?: "null", 0, NULL);
        if (json_is_object(k))
            json_array_append(keys, k);
        json_decref(k);
    }
    json_decref(rows);
    if (rc) {
        json_decref(keys);
        return rc;
    }
    *out = json_pack("{s:s,s:o}", "type", "tanji-keyring/v1", "keys", keys);
    return *out ? TJ_OK : tj_error_nomem(err);
}

/* A label document as imported from peer (extra: the fed_object's extra,
 * holding the signed document), with the issue entry from the peer's
 * verified log, as svc_label_document gives this instance's labels. */
static tj_status imported_label_doc(svc_ctx *ctx, const char *peer, const char *number, const json_t *extra,
                                    json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *built = json_loads(inst_str(extra, "document") ?: "null", 0, NULL);
    if (!json_is_object(built)) {
        json_decref(built);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "label", "label %s was imported without its document",
                            number);
    }
    json_t *hist = NULL;
    tj_status rc = store_fed_entry_history(ctx->db, peer, "label", number, &hist, err);
    size_t i;
    json_t *h;
    json_array_foreach(hist, i,
                       h) if (!strcmp(inst_str(h, "kind") ?: "", "label.issue") && inst_str(h, "body"))
    {
        const char *body = inst_str(h, "body");
        merkle_hash leaf;
        char hex[65];
        merkle_leaf_hash(body, strlen(body), &leaf);
        merkle_to_hex(&leaf, hex);
        json_object_set_new(
            built, "ledger",
            json_pack("{s:O,s:s,s:s}", "index", json_object_get(h, "idx"), "entry", body, "leaf_hash", hex));
    }
    json_decref(hist);
    if (rc) {
        json_decref(built);
        return rc;
    }
    *out = built;
    return TJ_OK;
}

tj_status svc_fed_label_verify(svc_ctx *ctx, const char *number, const json_t *doc, json_t **report,
                               tj_error *err)
{
    *report = NULL;
    if (doc)
        number = inst_str(json_object_get(doc, "label"), "number");
    if (!number)
        return tj_error_set(err, TJ_ERR_INPUT, "label",
                            "give a label number or a label document / 缺少标识编号");
    json_t *objs = NULL;
    tj_status rc = store_fed_object_get(ctx->db, "label", number, &objs, err);
    if (rc)
        return rc;
    /* the peer: the one whose imported copy this is; with a document whose
     * ledger proof names a key, that key's peer */
    json_t *obj = NULL, *peer = NULL;
    const char *proof_pk = inst_str(
        json_object_get(json_object_get(json_object_get(doc, "ledger"), "proof"), "head"), "public_key");
    if (proof_pk) {
        rc = store_fed_peer_get(ctx->db, NULL, proof_pk, &peer, err);
        size_t i;
        json_t *o;
        json_array_foreach(objs, i, o) if (peer && !strcmp(inst_str(o, "peer"), inst_str(peer, "name"))) obj =
            o;
    } else if (json_array_size(objs)) {
        obj = json_array_get(objs, 0);
        rc = store_fed_peer_get(ctx->db, inst_str(obj, "peer"), NULL, &peer, err);
    }
    if (!rc && !peer && !doc) {
        /* not from a peer: perhaps this instance's own label */
        json_decref(objs);
        rc = svc_label_verify_number(ctx, number, report, err);
        if (rc == TJ_ERR_NOTFOUND)
            return tj_error_set(
                err, TJ_ERR_NOTFOUND, "label",
                "label %s is neither this instance's nor in the data pulled from a trusted instance / "
                "本实例及受信任实例均无该标识",
                number);
        if (!rc) {
            json_t *self = NULL;
            store_fed_self_get(ctx->db, &self, err);
            json_object_set_new(*report, "origin",
                                json_pack("{s:b,s:O?,s:O?}", "local", 1, "instance",
                                          json_object_get(self, "name"), "jurisdiction",
                                          json_object_get(self, "jurisdiction")));
            json_decref(self);
        }
        return rc;
    }
    if (!rc && !peer) {
        json_decref(objs);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "label",
                            "label %s was not issued by a trusted instance whose data was pulled / "
                            "未在受信任实例的数据中找到该标识",
                            number);
    }
    json_t *keyring = NULL, *state = NULL, *extra = NULL, *built = NULL;
    if (!rc)
        rc = peer_keyring(ctx, inst_str(peer, "name"), &keyring, err);
    if (!rc && obj) {
        state = json_loads(inst_str(obj, "state") ?: "null", 0, NULL);
        extra = json_loads(inst_str(obj, "extra") ?: "null", 0, NULL);
    }
    const json_t *use = doc;
    if (!rc && !doc) {
        rc = imported_label_doc(ctx, inst_str(peer, "name"), number, extra, &built, err);
        use = built;
    }
    json_t *rep = NULL;
    unsigned char pk[LEDGER_PK_SIZE];
    if (!rc)
        ledger_pk_from_hex(inst_str(peer, "public_key"), pk);
    /* the status: what the latest pull brought, not the document's snapshot */
    json_t *use_copy = rc ? NULL : json_deep_copy(use);
    if (use_copy && state)
        json_object_set_new(use_copy, "status",
                            json_pack("{s:O,s:O}", "status", json_object_get(state, "status"), "reason",
                                      json_object_get(state, "status_reason")));
    if (!rc)
        rc = use_copy ? svc_label_verify_document(use_copy, keyring, pk, NULL, &rep, err) : tj_error_nomem(err);
    json_decref(use_copy);
    if (!rc) {
        char now[INST_TIME_SIZE];
        inst_now(now);
        unsigned trusted = scopes_of(peer) & SVC_FED_LABELS;
        json_t *checks = json_object_get(rep, "checks");
        json_object_set_new(checks, "trusted", json_boolean(trusted));
        json_object_set_new(checks, "mode", json_string(doc ? "offline" : "federated"));
        if (!trusted) {
            json_object_set_new(rep, "ok", json_false());
            json_array_append_new(
                json_object_get(rep, "problems"),
                json_pack("{s:s,s:s}", "check", "trusted", "problem",
                          "the issuing instance is not trusted for labels / 发证实例不受信任（标识）"));
        }
        if (!obj) {
            json_object_set_new(rep, "ok", json_false());
            json_array_append_new(
                json_object_get(rep, "problems"),
                json_pack("{s:s,s:s}", "check", "imported", "problem",
                          "the label is not in the data pulled from its instance / 标识未在拉取的数据中"));
        }
        json_object_set_new(rep, "origin",
                            json_pack("{s:O,s:O,s:O}", "peer", json_object_get(peer, "name"), "jurisdiction",
                                      json_object_get(peer, "jurisdiction"), "public_key",
                                      json_object_get(peer, "public_key")));
        json_object_set_new(rep, "knowledge", knowledge_json(peer, now));
        *report = rep;
    }
    json_decref(objs);
    json_decref(peer);
    json_decref(keyring);
    json_decref(state);
    json_decref(extra);
    json_decref(built);
    return rc;
}

tj_status svc_fed_label_verify_number(svc_ctx *ctx, const char *number, json_t **report, tj_error *err)
{
    tj_status rc = svc_label_verify_number(ctx, number, report, err);
    if (rc != TJ_ERR_NOTFOUND)
        return rc;
    tj_error_clear(err);
    json_t *objs = NULL;
    if ((rc = store_fed_object_get(ctx->db, "label", number, &objs, err)))
        return rc;
    size_t n = json_array_size(objs);
    json_decref(objs);
    if (!n)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "label",
                            "no label %s here nor in the data pulled from a trusted instance / "
                            "本实例及受信任实例均无该标识",
                            number);
    return svc_fed_label_verify(ctx, number, NULL, report, err);
}

tj_status svc_fed_label_public(svc_ctx *ctx, const char *number, int with_proof, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_label_public(ctx, number, with_proof, out, err);
    if (rc != TJ_ERR_NOTFOUND)
        return rc;
    tj_error_clear(err);
    json_t *objs = NULL, *peer = NULL, *extra = NULL, *state = NULL, *doc = NULL;
    if ((rc = store_fed_object_get(ctx->db, "label", number, &objs, err)))
        return rc;
    const json_t *obj = json_array_get(objs, 0);
    if (!obj)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "label",
                          "no label %s here nor in the data pulled from a trusted instance / "
                          "本实例及受信任实例均无该标识",
                          number);
    if (!rc)
        rc = store_fed_peer_get(ctx->db, inst_str(obj, "peer"), NULL, &peer, err);
    if (!rc && !peer)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "label", "label %s came from an instance no longer trusted",
                          number);
    if (!rc) {
        extra = json_loads(inst_str(obj, "extra") ?: "null", 0, NULL);
        state = json_loads(inst_str(obj, "state") ?: "null", 0, NULL);
        rc = imported_label_doc(ctx, inst_str(peer, "name"), number, extra, &doc, err);
    }
    if (!rc) {
        char now[INST_TIME_SIZE];
        inst_now(now);
        /* the status as of the last pull; no inclusion proof (this
         * instance keeps the peer's entries, not its tree) */
        json_object_set_new(
            doc, "status",
            json_pack("{s:O?,s:O?,s:O?,s:O?,s:s?}", "status", json_object_get(state, "status"), "reason",
                      json_object_get(state, "status_reason"), "grade", json_object_get(state, "grade"),
                      "grade_version", json_object_get(state, "grade_version"), "as_of",
                      inst_str(peer, "package_at") ?: inst_str(peer, "last_pull_at")));
        json_t *lg = json_object_get(doc, "ledger");
        if (lg)
            json_object_set_new(lg, "proof_status", json_string("at the issuing instance"));
        json_object_set_new(doc, "origin",
                            json_pack("{s:O,s:O,s:O}", "peer", json_object_get(peer, "name"), "jurisdiction",
                                      json_object_get(peer, "jurisdiction"), "public_key",
                                      json_object_get(peer, "public_key")));
        json_object_set_new(doc, "knowledge", knowledge_json(peer, now));
        *out = doc;
        doc = NULL;
    }
    json_decref(objs);
    json_decref(peer);
    json_decref(extra);
    json_decref(state);
    json_decref(doc);
    return rc;
}

tj_status svc_fed_keyring(svc_ctx *ctx, const char *peer_name, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *peer = NULL;
    tj_status rc = store_fed_peer_get(ctx->db, peer_name, NULL, &peer, err);
    if (!rc && !peer)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "peer",
                          "no instance \"%s\" on the trust list / 信任列表中无此实例", peer_name);
    if (!rc && !(scopes_of(peer) & SVC_FED_LABELS))
        rc = tj_error_set(err, TJ_ERR_INPUT, "peer",
                          "instance %s is not trusted for labels: its body keys are not imported / "
                          "该实例未被信任（标识）",
                          peer_name);
    json_t *kr = NULL;
    if (!rc)
        rc = peer_keyring(ctx, peer_name, &kr, err);
    if (!rc) {
        char now[INST_TIME_SIZE];
        inst_now(now);
        json_object_set(kr, "ledger_public_key", json_object_get(peer, "public_key"));
        json_object_set_new(kr, "instance",
                            json_pack("{s:O,s:O,s:O}", "name", json_object_get(peer, "name"), "jurisdiction",
                                      json_object_get(peer, "jurisdiction"), "public_key",
                                      json_object_get(peer, "public_key")));
        json_object_set_new(kr, "exported_at", json_string(now));
        json_object_set_new(kr, "knowledge", knowledge_json(peer, now));
        *out = kr;
    }
    json_decref(peer);
    return rc;
}

/* The rule versions imported from peers trusted for rules, appended to set;
 * origins (an array, one name per rule of set, "local" for those already
 * there) grows with them.  A rule id@version already in set is not added. */
static tj_status add_peer_rules(svc_ctx *ctx, svc_ruleset *set, json_t *origins, tj_error *err);

tj_status svc_fed_rules_add(svc_ctx *ctx, svc_ruleset *set, json_t **origins, tj_error *err)
{
    *origins = json_array();
    for (size_t i = 0; *origins && i < set->n; i++)
        json_array_append_new(*origins, json_string("local"));
    if (!*origins)
        return tj_error_nomem(err);
    tj_status rc = add_peer_rules(ctx, set, *origins, err);
    if (rc) {
        json_decref(*origins);
        *origins = NULL;
    }
    return rc;
}

tj_status svc_fed_objects(svc_ctx *ctx, const char *peer, const char *object_type, const char *category,
                          int limit, int offset, json_t **out, tj_error *err)
{
    if (!object_type || !type_scope(object_type))
        return tj_error_set(err, TJ_ERR_INPUT, "type",
                            "type is one of factor_version, rule_version, label, cert_key, dishonest_entity");
    svc_page(&limit, &offset);
    json_t *rows = NULL;
    tj_status rc = store_fed_object_list(ctx->db, peer, object_type, category, limit, offset, &rows, err);
    if (rc)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *s = json_loads(inst_str(r, "state") ?: "null", 0, NULL);
        json_object_set_new(r, "state", s ? s : json_null());
        json_object_del(r, "extra");
    }
    *out = rows;
    return TJ_OK;
}

/* ---- rules across instances ------------------------------------------------------ */

static tj_status add_peer_rules(svc_ctx *ctx, svc_ruleset *set, json_t *origins, tj_error *err)
{
    json_t *peers = NULL;
    tj_status rc = store_fed_peer_list(ctx->db, &peers, err);
    size_t pi;
    json_t *p;
    json_array_foreach(peers, pi, p)
    {
        if (rc || !(scopes_of(p) & SVC_FED_RULES))
            continue;
        for (int off = 0; !rc; off += 1000) {
            json_t *rows = NULL;
            if ((rc = store_fed_object_list(ctx->db, inst_str(p, "name"), "rule_version", NULL, 1000, off,
                                            &rows, err)))
                break;
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r)
            {
                json_t *doc = json_loads(inst_str(r, "state") ?: "null", 0, NULL);
                if (!json_is_object(doc))
                    continue;
                if (set->n == set->cap) {
                    size_t cap = set->cap ? set->cap * 2 : 16;
                    svc_rule *nr = realloc(set->rules, cap * sizeof *nr);
                    if (!nr) {
                        json_decref(doc);
                        rc = tj_error_nomem(err);
                        break;
                    }
                    set->rules = nr;
                    set->cap = cap;
                }
                /* a rule id@version present locally and at a peer: the local copy is used */
                const char *rid = inst_str(doc, "id"), *rver = inst_str(doc, "version");
                int dup = 0;
                for (size_t k = 0; rid && rver && k < set->n; k++)
                    dup |= set->rules[k].id && set->rules[k].version && !strcmp(set->rules[k].id, rid) &&
                           !strcmp(set->rules[k].version, rver);
                tj_error perr;
                if (!dup && !svc_rule_parse(doc, inst_str(r, "object_id"), &set->rules[set->n], &perr)) {
                    set->n++;
                    json_array_append_new(origins, json_string(inst_str(p, "name")));
                }
                json_decref(doc);
            }
            size_t got = json_array_size(rows);
            json_decref(rows);
            if (got < 1000)
                break;
        }
    }
    json_decref(peers);
    return rc;
}

tj_status svc_fed_rules_find(svc_ctx *ctx, const char *rules_dir, const char *product, const char *region,
                             const char *date, json_t **out, tj_error *err)
{
    *out = NULL;
    svc_ruleset set = {0};
    tj_status rc = rules_dir ? svc_ruleset_load_dir(&set, rules_dir, err) : TJ_OK;
    size_t n_local = set.n;
    /* origin of each rule, by position */
    json_t *origins = json_array();
    for (size_t i = 0; origins && i < n_local; i++)
        json_array_append_new(origins, json_string("local"));
    if (!rc)
        rc = add_peer_rules(ctx, &set, origins, err);
    svc_rule_verdict *v = NULL;
    size_t nv = 0;
    if (!rc)
        rc = svc_rules_find(&set, product, region, date, 0, &v, &nv, err);
    json_t *list = rc ? NULL : json_array();
    for (size_t i = 0; list && i < nv; i++) {
        size_t pos = (size_t)(v[i].rule - set.rules);
        char zh[1024], en[1024];
        svc_verdict_explain(&v[i], region, 1, zh, sizeof zh);
        svc_verdict_explain(&v[i], region, 0, en, sizeof en);
        json_t *o = json_pack("{s:s,s:s,s:O,s:s,s:s?,s:b,s:s?,s:s,s:s}", "id", v[i].rule->id, "version",
                              v[i].rule->version, "origin", json_array_get(origins, pos), "level",
                              svc_level_name(v[i].rule->level), "region", v[i].rule->region, "applies",
                              v[i].reason == SVC_APPLIES, "because", v[i].because ? v[i].because->id : NULL,
                              "explain_zh", zh, "explain_en", en);
        if (v[i].because) {
            size_t bpos = (size_t)(v[i].because - set.rules);
            json_object_set(o, "because_origin", json_array_get(origins, bpos));
        }
        json_array_append_new(list, o);
    }
    free(v);
    if (list)
        *out = json_pack("{s:s,s:s?,s:o}", "product", product, "region", region, "rules", list);
    json_decref(origins);
    svc_ruleset_release(&set);
    if (!rc && !*out)
        rc = tj_error_nomem(err);
    return rc;
}

/* ---- factors across instances ----------------------------------------------------- */

/* The highest published version (or the given one) of factor id at a
 * peer trusted for factors: *best (the fed_object row) and *best_peer
 * (the peer row), both new references, NULL when none. */
static tj_status peer_factor(svc_ctx *ctx, const char *id, int version, json_t **best, json_t **best_peer,
                             tj_error *err)
{
    *best = *best_peer = NULL;
    json_t *peers = NULL;
    int best_version = 0;
    tj_status rc = store_fed_peer_list(ctx->db, &peers, err);
    size_t pi;
    json_t *p;
    json_array_foreach(peers, pi, p)
    {
        if (rc || !(scopes_of(p) & SVC_FED_FACTORS))
            continue;
        for (int vv = version ? version : 1; !rc && vv <= (version ? version : 100000); vv++) {
            char *oid = NULL;
            if (asprintf(&oid, "%s@%d", id, vv) < 0) {
                rc = tj_error_nomem(err);
                break;
            }
            json_t *rows = NULL;
            rc = store_fed_object_get(ctx->db, "factor_version", oid, &rows, err);
            free(oid);
            if (rc)
                break;
            size_t i;
            json_t *r;
            int any = 0;
            json_array_foreach(rows, i, r) if (!strcmp(inst_str(r, "peer"), inst_str(p, "name")))
            {
                any = 1;
                const char *st = inst_str(r, "status");
                int usable = st && (!strcmp(st, "published") || (version && !strcmp(st, "superseded")));
                if (usable && vv > best_version) {
                    json_decref(*best);
                    json_decref(*best_peer);
                    *best = json_incref(r);
                    *best_peer = json_incref(p);
                    best_version = vv;
                }
            }
            json_decref(rows);
            if (!any)
                break;
        }
    }
    json_decref(peers);
    if (rc) {
        json_decref(*best);
        json_decref(*best_peer);
        *best = *best_peer = NULL;
    }
    return rc;
}

static json_t *peer_factor_json(const json_t *best, const json_t *best_peer)
{
    json_t *fj = json_loads(inst_str(best, "state"), 0, NULL);
    return json_pack("{s:O,s:O,s:O,s:o}", "origin", json_object_get(best_peer, "name"), "peer_jurisdiction",
                     json_object_get(best_peer, "jurisdiction"), "ledger_index", json_object_get(best, "idx"),
                     "factor", fj ? fj : json_null());
}

tj_status svc_fed_factor_resolve(svc_ctx *ctx, const char *ref, json_t **out, tj_error *err)
{
    *out = NULL;
    char *id = NULL;
    int version = 0;
    tj_status rc = svc_factor_parse_ref(ref, &id, &version, err);
    if (rc)
        return rc;
    svc_factor f;
    if (svc_factor_get_for_use(ctx, id, version, &f, err) == TJ_OK) {
        json_t *fj = svc_factor_to_json(&f);
        svc_factor_release(&f);
        free(id);
        *out = fj ? json_pack("{s:s,s:o}", "origin", "local", "factor", fj) : NULL;
        return *out ? TJ_OK : tj_error_nomem(err);
    }
    tj_error_clear(err);
    json_t *best = NULL, *best_peer = NULL;
    rc = peer_factor(ctx, id, version, &best, &best_peer, err);
    if (!rc && !best)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor",
                          "no published factor %s here or at an instance trusted for factors / "
                          "本实例及受信任实例均无此因子",
                          ref);
    if (!rc && !(*out = peer_factor_json(best, best_peer)))
        rc = tj_error_nomem(err);
    json_decref(best);
    json_decref(best_peer);
    free(id);
    return rc;
}

tj_status svc_fed_factor_for_model(svc_ctx *ctx, const char *id, int version, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *best = NULL, *best_peer = NULL;
    tj_status rc = ctx->db ? peer_factor(ctx, id, version, &best, &best_peer, err) : TJ_OK;
    if (!rc && best && !(*out = peer_factor_json(best, best_peer)))
        rc = tj_error_nomem(err);
    json_decref(best);
    json_decref(best_peer);
    return rc;
}

/* ---- mutual recognition ------------------------------------------------------------ */

tj_status svc_fed_recognition_add(svc_ctx *ctx, const json_t *doc, char **id_out, tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    tj_status rc =
        svc_require(ctx, SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR, "record a mutual recognition", err);
    if (rc)
        return rc;
    if (!json_is_object(doc))
        return tj_error_set(err, TJ_ERR_INPUT, NULL, "a recognition record is a JSON object");
    if ((rc = inst_check_text(inst_str(doc, "scheme"), 300, "scheme", 1, err)) ||
        (rc = inst_check_text(inst_str(doc, "partner"), 300, "partner", 0, err)))
        return rc;
    const json_t *cw = json_object_get(doc, "crosswalk");
    if (cw && !json_is_array(cw))
        return tj_error_set(err, TJ_ERR_INPUT, "crosswalk",
                            "crosswalk is an array of {tanji_rule, foreign_rule, differences}");
    size_t i;
    json_t *c;
    json_array_foreach(cw, i, c)
    {
        char path[64];
        snprintf(path, sizeof path, "crosswalk[%zu]", i);
        if (!inst_str(c, "tanji_rule") || !inst_str(c, "foreign_rule"))
            return tj_error_set(err, TJ_ERR_INPUT, path,
                                "each crosswalk entry names tanji_rule and foreign_rule");
        const json_t *d = json_object_get(c, "differences");
        if (d && !json_is_array(d) && !json_is_string(d))
            return tj_error_set(err, TJ_ERR_INPUT, path, "differences is a text or an array of texts");
    }
    const char *lists[] = {"labels", "bodies", NULL};
    for (int k = 0; lists[k]; k++)
        if (json_object_get(doc, lists[k]) && !json_is_array(json_object_get(doc, lists[k])))
            return tj_error_set(err, TJ_ERR_INPUT, lists[k], "%s is an array", lists[k]);
    const char *j = inst_str(doc, "jurisdiction");
    if (j && !svc_fed_jurisdiction_valid(j))
        return tj_error_set(err, TJ_ERR_INPUT, "jurisdiction",
                            "jurisdiction is a GB/T 2260 code, CN or an ISO country code");
    char *id = svc_new_uuid();
    json_t *copy = json_deep_copy(doc);
    if (!id || !copy) {
        free(id);
        json_decref(copy);
        return tj_error_nomem(err);
    }
    json_object_set_new(copy, "type", json_string(RECOGNITION_TYPE));
    json_object_set_new(copy, "id", json_string(id));
    char *text = ledger_canonical_json(copy);
    char now[INST_TIME_SIZE];
    inst_now(now);
    if (!text)
        rc = tj_error_set(err, TJ_ERR_INPUT, NULL,
                          "the record holds a value canonical JSON refuses (NaN, huge integer)");
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_fed_recognition_insert(ctx->db, id, inst_str(doc, "scheme"), inst_str(doc, "partner"),
                                          text, now, ctx->who.id, err);
        if (!rc)
            rc = svc_record(ctx, "recognition.add", "recognition", id, copy, copy, err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    free(text);
    json_decref(copy);
    if (!rc && id_out)
        *id_out = id;
    else
        free(id);
    return rc;
}

tj_status svc_fed_recognition_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_fed_recognition_list(ctx->db, &rows, err);
    if (rc)
        return rc;
    json_t *list = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *d = json_loads(inst_str(r, "document"), 0, NULL);
        if (d) {
            json_object_set(d, "created_at", json_object_get(r, "created_at"));
            json_array_append_new(list, d);
        }
    }
    json_decref(rows);
    *out = list;
    return list ? TJ_OK : tj_error_nomem(err);
}

tj_status svc_fed_recognitions_for_rule(svc_ctx *ctx, const char *rule_id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *all = NULL;
    tj_status rc = svc_fed_recognition_list(ctx, &all, err);
    if (rc)
        return rc;
    json_t *res = json_array();
    char now[INST_TIME_SIZE];
    inst_now(now);
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        const char *until = inst_str(r, "valid_until"), *from = inst_str(r, "valid_from");
        if ((until && strcmp(until, now) < 0) || (from && strcmp(from, now) > 0))
            continue;
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(r, "crosswalk"), k, c)
        {
            const char *tr = inst_str(c, "tanji_rule");
            if (!rule_id || !tr)
                continue;
            /* "ID" matches any version; "ID@VER" that version */
            size_t n = strlen(tr);
            const char *at = strchr(rule_id, '@');
            size_t idn = at ? (size_t)(at - rule_id) : strlen(rule_id);
            if (!strcmp(tr, rule_id) || (n == idn && !strncmp(tr, rule_id, idn)))
                json_array_append_new(res, json_pack("{s:O,s:O,s:O?,s:O?,s:O,s:O?}", "recognition",
                                                     json_object_get(r, "id"), "scheme",
                                                     json_object_get(r, "scheme"), "partner",
                                                     json_object_get(r, "partner"), "jurisdiction",
                                                     json_object_get(r, "jurisdiction"), "foreign_rule",
                                                     json_object_get(c, "foreign_rule"), "differences",
                                                     json_object_get(c, "differences")));
        }
    }
    json_decref(all);
    *out = res;
    return res ? TJ_OK : tj_error_nomem(err);
}

tj_status svc_fed_footprint_recognitions(svc_ctx *ctx, const char *footprint_id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *fp = NULL, *list = NULL;
    tj_status rc = svc_footprint_get(ctx, footprint_id, 0, &fp, err);
    const char *rule = rc ? NULL : inst_str(fp, "rule_id");
    if (!rc && rule)
        rc = svc_fed_recognitions_for_rule(ctx, rule, &list, err);
    else if (!rc)
        list = json_array();
    if (!rc && !(*out = json_pack("{s:s,s:s?,s:o}", "footprint", footprint_id, "rule_id", rule,
                                  "accepted_under", list)))
        rc = tj_error_nomem(err);
    json_decref(fp);
    return rc;
}
