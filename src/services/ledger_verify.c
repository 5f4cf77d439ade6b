/* ledger verification; see ledger_verify.h. */
#include "services/ledger_verify.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sql.h"

#define MAX_LEVEL 41

const char *ledger_problem_name(ledger_problem_kind k)
{
    static const char *const names[] = {"changed", "deleted", "inserted", "reordered",
                                        "node",    "head",    "state"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void ledger_report_release(ledger_report *r)
{
    for (size_t i = 0; i < r->nproblems; i++) {
        free(r->problems[i].object_type);
        free(r->problems[i].object_id);
        free(r->problems[i].detail);
    }
    free(r->problems);
    memset(r, 0, sizeof *r);
}

static int add_problem(ledger_report *r, ledger_problem_kind k, int64_t index, int64_t other,
                       const char *otype, const char *oid, const char *fmt, ...)
{
    if (r->nproblems == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        ledger_problem *p = realloc(r->problems, cap * sizeof *p);
        if (!p)
            return -1;
        r->problems = p;
        r->cap = cap;
    }
    ledger_problem *p = &r->problems[r->nproblems];
    memset(p, 0, sizeof *p);
    p->kind = k;
    p->index = index;
    p->other = other;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&p->detail, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    p->object_type = otype ? strdup(otype) : NULL;
    p->object_id = oid ? strdup(oid) : NULL;
    r->nproblems++;
    return 0;
}

json_t *ledger_report_json(const ledger_report *r)
{
    json_t *ps = json_array();
    for (size_t i = 0; i < r->nproblems; i++) {
        const ledger_problem *p = &r->problems[i];
        json_t *o = json_pack("{s:s,s:s}", "kind", ledger_problem_name(p->kind), "detail", p->detail);
        const char *key = p->kind == LEDGER_P_HEAD ? "head" : p->kind == LEDGER_P_NODE ? "node" : "index";
        if (p->index >= 0)
            json_object_set_new(o, key, json_integer(p->index));
        if (p->kind == LEDGER_P_REORDERED && p->other >= 0)
            json_object_set_new(o, "appended_at", json_integer(p->other));
        if (p->object_type)
            json_object_set_new(o, "object_type", json_string(p->object_type));
        if (p->object_id)
            json_object_set_new(o, "object_id", json_string(p->object_id));
        json_array_append_new(ps, o);
    }
    return json_pack("{s:b,s:I,s:I,s:I,s:I,s:b,s:o}", "ok", r->nproblems == 0, "entries",
                     (json_int_t)r->entries, "tree_size", (json_int_t)r->tree_size, "heads",
                     (json_int_t)r->heads, "objects_checked", (json_int_t)r->objects_checked, "key_trusted",
                     r->key_trusted, "problems", ps);
}

/* ---- growable arrays ------------------------------------------------------ */

typedef struct level {
    merkle_hash *h;
    unsigned char *present;
    int64_t n, cap;
} level;

static int level_put(level *l, int64_t i, const merkle_hash *h)
{
    if (i >= l->cap) {
        int64_t cap = l->cap ? l->cap : 1024;
        while (cap <= i)
            cap *= 2;
        merkle_hash *nh = realloc(l->h, (size_t)cap * sizeof *nh);
        if (nh)
            l->h = nh;
        unsigned char *np = nh ? realloc(l->present, (size_t)cap) : NULL;
        if (!nh || !np)
            return -1;
        memset(np + l->cap, 0, (size_t)(cap - l->cap));
        l->present = np;
        l->cap = cap;
    }
    l->h[i] = *h;
    l->present[i] = 1;
    if (i + 1 > l->n)
        l->n = i + 1;
    return 0;
}

static int level_has(const level *l, int64_t i)
{
    return i >= 0 && i < l->n && l->present[i];
}

static void levels_free(level *ls)
{
    for (int i = 0; i < MAX_LEVEL; i++) {
        free(ls[i].h);
        free(ls[i].present);
    }
}

/* ---- objects and their latest entries ------------------------------------ */

typedef struct obj {
    char *key; /* object_type \x1f object_id */
    int64_t idx;
    char digest[65]; /* "" when the latest entry deleted it */
    int seen;
} obj;

typedef struct objmap {
    obj *slots;
    size_t cap, n;
} objmap;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static obj *map_find(objmap *m, const char *key, int create)
{
    if (create && (m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        obj *s = calloc(cap, sizeof *s);
        if (!s)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key) {
                size_t j = fnv(m->slots[i].key) & (cap - 1);
                while (s[j].key)
                    j = (j + 1) & (cap - 1);
                s[j] = m->slots[i];
            }
        free(m->slots);
        m->slots = s;
        m->cap = cap;
    }
    if (!m->cap)
        return NULL;
    size_t j = fnv(key) & (m->cap - 1);
    while (m->slots[j].key) {
        if (!strcmp(m->slots[j].key, key))
            return &m->slots[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!create)
        return NULL;
    m->slots[j].key = strdup(key);
    if (!m->slots[j].key)
        return NULL;
    m->n++;
    return &m->slots[j];
}

static void map_free(objmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
}

static char *obj_key(const char *type, const char *id)
{
    char *k = NULL;
    return asprintf(&k, "%s\x1f%s", type, id) < 0 ? NULL : k;
}

/* ---- the run --------------------------------------------------------------- */

typedef struct run {
    ledger_report *rep;
    const ledger_state_source *sources;
    level stored[MAX_LEVEL]; /* the node table */
    level leaves;            /* leaf hashes recomputed from entry bodies */
    int64_t *mismatch;       /* entries whose leaf differs from the tree's */
    size_t nmis, capmis;
    objmap objs;
    int oom;
    const char *source_type; /* while a source runs */
} run;

static int on_node(void *arg, int64_t id, const char *hex)
{
    run *r = arg;
    merkle_hash h;
    int level = merkle_node_level(id);
    int64_t i = merkle_node_index(id);
    if (level >= MAX_LEVEL || merkle_from_hex(hex, &h)) {
        if (add_problem(r->rep, LEDGER_P_NODE, id, -1, NULL, NULL,
                        "tree node %lld is not a node of the tree or holds no hash / 树节点无效",
                        (long long)id))
            r->oom = 1;
        return r->oom;
    }
    if (level > 0 && level < LEDGER_NODE_FROM) { /* computed from the leaves, never stored */
        if (add_problem(r->rep, LEDGER_P_NODE, id, i << level, NULL, NULL,
                        "tree node level %d index %lld is not one the tree stores (levels 1-%d are computed) / "
                        "多余的树节点",
                        level, (long long)i, LEDGER_NODE_FROM - 1))
            r->oom = 1;
        return r->oom;
    }
    if (level_put(&r->stored[level], i, &h))
        r->oom = 1;
    return r->oom;
}

static int has_source(const run *r, const char *type)
{
    for (const ledger_state_source *s = r->sources; type && s->object_type; s++)
        if (!strcmp(s->object_type, type))
            return 1;
    return 0;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int on_entry(void *arg, const store_ledger_row *row)
{
    run *r = arg;
    ledger_report *rep = r->rep;
    rep->entries++;
    merkle_hash leaf;
    const char *body = row->body ? row->body : "";
    merkle_leaf_hash(body, strlen(body), &leaf);
    if (row->idx < 0 || row->idx >= MERKLE_MAX_LEAVES) {
        r->oom |= add_problem(rep, LEDGER_P_INSERTED, row->idx, -1, NULL, NULL,
                              "entry index %lld is out of range / 条目序号越界", (long long)row->idx);
        return r->oom;
    }
    if (level_put(&r->leaves, row->idx, &leaf))
        return r->oom = 1;
    const level *l0 = &r->stored[0];
    int leaf_bad = 1;
    if (!level_has(l0, row->idx)) {
        r->oom |= add_problem(
            rep, LEDGER_P_INSERTED, row->idx, -1, NULL, NULL,
            "entry %lld is not in the tree: a row added behind tanji's back / 条目不在树中（被插入）",
            (long long)row->idx);
    } else if (memcmp(leaf.b, l0->h[row->idx].b, MERKLE_HASH_SIZE)) {
        if (r->nmis == r->capmis) {
            size_t cap = r->capmis ? r->capmis * 2 : 64;
            int64_t *m = realloc(r->mismatch, cap * sizeof *m);
            if (!m)
                return r->oom = 1;
            r->mismatch = m;
            r->capmis = cap;
        }
        r->mismatch[r->nmis++] = row->idx;
    } else {
        leaf_bad = 0;
    }
    /* the columns beside the body repeat it */
    json_error_t je;
    json_t *b = json_loads(body, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    const char *otype = row->object_type, *oid = row->object_id, *digest = row->state_digest;
    if (!json_is_object(b)) {
        r->oom |= add_problem(rep, LEDGER_P_CHANGED, row->idx, -1, NULL, NULL,
                              "entry %lld: its body is not a JSON object / 条目内容不是JSON对象",
                              (long long)row->idx);
    } else {
        static const char *const cols[] = {"at",    "kind", "object_type", "object_id",
                                           "actor", "org",  "state_digest"};
        const char *vals[] = {row->at,    row->kind, row->object_type, row->object_id,
                              row->actor, row->org,  row->state_digest};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            const char *v = json_string_value(json_object_get(b, cols[i]));
            if (!leaf_bad && !same(v, vals[i])) {
                r->oom |=
                    add_problem(rep, LEDGER_P_CHANGED, row->idx, -1, NULL, NULL,
                                "entry %lld: column %s differs from the entry's body / 条目字段与内容不符",
                                (long long)row->idx, cols[i]);
                break;
            }
        }
        otype = json_string_value(json_object_get(b, "object_type"));
        oid = json_string_value(json_object_get(b, "object_id"));
        digest = json_string_value(json_object_get(b, "state_digest"));
    }
    if (otype && oid && has_source(r, otype)) {
        char *k = obj_key(otype, oid);
        obj *o = k ? map_find(&r->objs, k, 1) : NULL;
        if (!o) {
            r->oom = 1;
        } else {
            o->idx = row->idx;
            snprintf(o->digest, sizeof o->digest, "%s", digest && strlen(digest) == 64 ? digest : "");
        }
        free(k);
    }
    json_decref(b);
    return r->oom;
}

typedef struct leafpos {
    merkle_hash h;
    int64_t idx;
} leafpos;

static int leafpos_cmp(const void *a, const void *b)
{
    const leafpos *x = a, *y = b;
    int c = memcmp(x->h.b, y->h.b, MERKLE_HASH_SIZE);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Entries whose leaf differs from the tree's: reordered when the tree has
 * their leaf at another index, else changed. */
static int classify_mismatches(run *r)
{
    if (!r->nmis)
        return 0;
    const level *l0 = &r->stored[0];
    leafpos *all = malloc((size_t)(l0->n ? l0->n : 1) * sizeof *all);
    if (!all)
        return -1;
    size_t n = 0;
    for (int64_t i = 0; i < l0->n; i++)
        if (l0->present[i])
            all[n++] = (leafpos){l0->h[i], i};
    qsort(all, n, sizeof *all, leafpos_cmp);
    for (size_t k = 0; k < r->nmis; k++) {
        int64_t i = r->mismatch[k];
        leafpos key = {r->leaves.h[i], -1};
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (leafpos_cmp(&all[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        int64_t j = lo < n && !memcmp(all[lo].h.b, key.h.b, MERKLE_HASH_SIZE) ? all[lo].idx : -1;
        int bad =
            j >= 0
                ? add_problem(
                      r->rep, LEDGER_P_REORDERED, i, j, NULL, NULL,
                      "entry %lld is the entry appended at index %lld: rows reordered / 条目顺序被改动",
                      (long long)i, (long long)j)
                : add_problem(r->rep, LEDGER_P_CHANGED, i, -1, NULL, NULL,
                              "entry %lld was changed after it was appended: its hash is not the tree's leaf "
                              "/ 条目在写入后被修改",
                              (long long)i);
        if (bad) {
            free(all);
            return -1;
        }
    }
    free(all);
    return 0;
}

/* The levels not stored (1 .. LEDGER_NODE_FROM - 1), folded from the stored
 * leaves: a node whose children are missing is missing, one above a
 * changed node is marked changed (2) too, so problems are reported once, at
 * the stored levels. */
static int derive_levels(run *r)
{
    int64_t size = r->stored[0].n;
    for (int L = 1; L < LEDGER_NODE_FROM && L < MAX_LEVEL; L++) {
        level *lv = &r->stored[L];
        const level *ch = &r->stored[L - 1];
        for (int64_t i = 0; i < (size >> L); i++) {
            if (!level_has(ch, 2 * i) || !level_has(ch, 2 * i + 1))
                continue;
            merkle_hash h;
            merkle_node_hash(&ch->h[2 * i], &ch->h[2 * i + 1], &h);
            if (level_put(lv, i, &h))
                return -1;
            if (ch->present[2 * i] == 2 || ch->present[2 * i + 1] == 2)
                lv->present[i] = 2;
        }
    }
    return 0;
}

/* Every stored node must be the hash of its two children, and every
 * complete subtree of the levels the tree stores must be stored. */
static int check_nodes(run *r)
{
    int64_t size = r->stored[0].n;
    if (derive_levels(r))
        return -1;
    for (int L = LEDGER_NODE_FROM; L < MAX_LEVEL; L++) {
        const level *lv = &r->stored[L], *ch = &r->stored[L - 1];
        int64_t want = size >> L;
        int64_t top = lv->n > want ? lv->n : want;
        for (int64_t i = 0; i < top; i++) {
            int64_t id = merkle_node_id(L, i), first = i << L;
            int has = level_has(lv, i);
            if (i >= want) {
                if (has && add_problem(r->rep, LEDGER_P_NODE, id, first, NULL, NULL,
                                       "tree node level %d index %lld lies beyond the tree / 多余的树节点", L,
                                       (long long)i))
                    return -1;
                continue;
            }
            if (!has) {
                if (add_problem(r->rep, LEDGER_P_NODE, id, first, NULL, NULL,
                                "tree node level %d index %lld (entries %lld..%lld) is missing / 缺少树节点",
                                L, (long long)i, (long long)first,
                                (long long)(first + ((int64_t)1 << L) - 1)))
                    return -1;
                continue;
            }
            /* a missing or wrong child is reported at the level below */
            if (!level_has(ch, 2 * i) || !level_has(ch, 2 * i + 1) || ch->present[2 * i] == 2 ||
                ch->present[2 * i + 1] == 2)
                continue;
            merkle_hash h;
            merkle_node_hash(&ch->h[2 * i], &ch->h[2 * i + 1], &h);
            if (memcmp(h.b, lv->h[i].b, MERKLE_HASH_SIZE) && (r->stored[L].present[i] = 2) &&
                add_problem(
                    r->rep, LEDGER_P_NODE, id, first, NULL, NULL,
                    "tree node level %d index %lld (entries %lld..%lld) is not the hash of its children / "
                    "树节点被修改",
                    L, (long long)i, (long long)first, (long long)(first + ((int64_t)1 << L) - 1)))
                return -1;
        }
    }
    return 0;
}

/* Entries missing behind leaves the tree has. */
static int check_deleted(run *r)
{
    const level *l0 = &r->stored[0], *e = &r->leaves;
    int64_t top = l0->n > e->n ? l0->n : e->n;
    for (int64_t i = 0; i < top; i++) {
        if (level_has(e, i))
            continue;
        if (add_problem(r->rep, LEDGER_P_DELETED, i, -1, NULL, NULL,
                        level_has(l0, i)
                            ? "entry %lld was deleted: the tree has its leaf, the log no row / 条目被删除"
                            : "entry %lld is missing, with its leaf / 条目及其叶节点缺失",
                        (long long)i))
            return -1;
    }
    return 0;
}

/* Complete subtrees of the log as its entries are now, to compute the root
 * of any prefix (a missing entry hashes as zeros: no head covering it can
 * match). */
static int build_entry_tree(run *r, level *t)
{
    int64_t n = r->leaves.n;
    for (int64_t i = 0; i < n; i++) {
        merkle_hash z;
        memset(&z, 0, sizeof z);
        if (level_put(&t[0], i, r->leaves.present[i] ? &r->leaves.h[i] : &z))
            return -1;
    }
    for (int L = 1; L < MAX_LEVEL && (n >> L); L++)
        for (int64_t i = 0; i < (n >> L); i++) {
            merkle_hash h;
            merkle_node_hash(&t[L - 1].h[2 * i], &t[L - 1].h[2 * i + 1], &h);
            if (level_put(&t[L], i, &h))
                return -1;
        }
    return 0;
}

static void root_of(const level *t, int64_t size, merkle_hash *out)
{
    if (size == 0) {
        merkle_empty_root(out);
        return;
    }
    /* peaks left to right, folded from the right */
    merkle_hash peaks[MAX_LEVEL];
    int np = 0;
    int64_t a = 0;
    for (int L = MAX_LEVEL - 1; L >= 0; L--)
        if (size & ((int64_t)1 << L)) {
            peaks[np++] = t[L].h[a >> L];
            a += (int64_t)1 << L;
        }
    merkle_hash h = peaks[np - 1];
    for (int i = np - 2; i >= 0; i--)
        merkle_node_hash(&peaks[i], &h, &h);
    *out = h;
}

static int check_heads(run *r, store_db *db, const unsigned char *trusted_pk, tj_error *err, tj_status *rc)
{
    store_ledger_head *hs = NULL;
    size_t n = 0;
    if ((*rc = store_ledger_heads(db, &hs, &n, err)))
        return -1;
    level t[MAX_LEVEL];
    memset(t, 0, sizeof t);
    int bad = n && build_entry_tree(r, t);
    unsigned char first_pk[LEDGER_PK_SIZE];
    int have_first = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        store_ledger_head *sh = &hs[i];
        r->rep->heads++;
        ledger_head h;
        memset(&h, 0, sizeof h);
        h.tree_size = sh->tree_size;
        int form = merkle_from_hex(sh->root_hash, &h.root) == 0 &&
                   ledger_pk_from_hex(sh->public_key, h.public_key) == 0 && sh->signature &&
                   strlen(sh->signature) == 128 && sh->signed_at &&
                   strlen(sh->signed_at) < sizeof h.signed_at;
        if (form) {
            size_t got = 0;
            strcpy(h.signed_at, sh->signed_at);
            form = sodium_hex2bin(h.signature, 64, sh->signature, 128, NULL, &got, NULL) == 0 && got == 64;
        }
        const unsigned char *pk = trusted_pk;
        if (!pk && form) {
            if (!have_first) {
                memcpy(first_pk, h.public_key, sizeof first_pk);
                have_first = 1;
            }
            pk = first_pk;
        }
        const char *why = NULL;
        if (!form)
            why = "is malformed / 格式错误";
        else if (sodium_memcmp(h.public_key, pk, LEDGER_PK_SIZE))
            why = trusted_pk ? "is signed by another key than the trusted one / 签名密钥不是受信任的密钥"
                             : "is signed by another key than the first head / 签名密钥与第一个树头不同";
        else if (!ledger_head_signature_ok(&h, pk))
            why = "has a signature that does not verify / 签名无效";
        else if (h.tree_size > r->leaves.n)
            why = "covers more entries than the log has: the log was truncated / 日志被截断";
        else {
            merkle_hash root;
            root_of(t, h.tree_size, &root);
            if (memcmp(root.b, h.root.b, MERKLE_HASH_SIZE))
                why =
                    "is not extended by the log: its root differs from the root of the log's first tree_size "
                    "entries / 日志未延续该树头";
        }
        if (why && add_problem(r->rep, LEDGER_P_HEAD, sh->seq, -1, NULL, NULL,
                               "signed head %lld (tree size %lld) %s", (long long)sh->seq,
                               (long long)sh->tree_size, why))
            bad = 1;
    }
    levels_free(t);
    for (size_t i = 0; i < n; i++)
        store_ledger_head_release(&hs[i]);
    free(hs);
    if (bad)
        *rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return bad ? -1 : 0;
}

static tj_status on_state(void *arg, const char *object_id, const json_t *state, tj_error *err)
{
    run *r = arg;
    r->rep->objects_checked++;
    char digest[65];
    tj_status rc = ledger_digest_json(state, digest, err);
    if (rc)
        return rc;
    char *k = obj_key(r->source_type, object_id);
    if (!k)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    obj *o = map_find(&r->objs, k, 0);
    free(k);
    int bad = 0;
    if (!o)
        bad = add_problem(
            r->rep, LEDGER_P_STATE, -1, -1, r->source_type, object_id,
            "%s %s has no ledger entry: it was created behind tanji's back / 记录没有任何台账条目",
            r->source_type, object_id);
    else {
        o->seen = 1;
        if (!o->digest[0])
            bad = add_problem(r->rep, LEDGER_P_STATE, o->idx, -1, r->source_type, object_id,
                              "%s %s exists although its latest entry %lld deleted it / 记录已被删除却仍存在",
                              r->source_type, object_id, (long long)o->idx);
        else if (strcmp(o->digest, digest))
            bad = add_problem(
                r->rep, LEDGER_P_STATE, o->idx, -1, r->source_type, object_id,
                "%s %s: its current state is not the state its latest entry %lld recorded: changed "
                "behind tanji's back / 记录的当前状态与台账不符",
                r->source_type, object_id, (long long)o->idx);
    }
    return bad ? tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory") : TJ_OK;
}

static tj_status check_states(run *r, store_db *db, tj_error *err)
{
    for (const ledger_state_source *s = r->sources; s->object_type; s++) {
        r->source_type = s->object_type;
        tj_status rc = s->each(db, on_state, r, err);
        if (rc) {
            tj_error_prefix(err, "ledger state source %s", s->object_type);
            return rc;
        }
    }
    for (size_t i = 0; i < r->objs.cap; i++) {
        obj *o = &r->objs.slots[i];
        if (!o->key || o->seen || !o->digest[0])
            continue;
        char *sep = strchr(o->key, '\x1f');
        *sep = '\0';
        int bad = add_problem(
            r->rep, LEDGER_P_STATE, o->idx, -1, o->key, sep + 1,
            "%s %s is gone but no entry deleted it (latest entry %lld) / 记录被删除但台账没有记载", o->key,
            sep + 1, (long long)o->idx);
        *sep = '\x1f';
        if (bad)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    return TJ_OK;
}

static int problem_cmp(const void *a, const void *b)
{
    const ledger_problem *x = a, *y = b;
    /* entries first by index, then nodes, heads, states */
    int gx = x->kind == LEDGER_P_NODE ? 1 : x->kind == LEDGER_P_HEAD ? 2 : x->kind == LEDGER_P_STATE ? 3 : 0;
    int gy = y->kind == LEDGER_P_NODE ? 1 : y->kind == LEDGER_P_HEAD ? 2 : y->kind == LEDGER_P_STATE ? 3 : 0;
    if (gx != gy)
        return gx - gy;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

tj_status svc_ledger_verify(svc_ctx *ctx, const unsigned char *trusted_pk, const ledger_state_source *sources,
                            ledger_report *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR | SVC_ROLE_VERIFIER,
                               "verify the ledger", err);
    if (rc)
        return rc;
    run *r = calloc(1, sizeof *r);
    if (!r)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    r->rep = out;
    r->sources = sources ? sources : ledger_state_sources;
    out->key_trusted = trusted_pk != NULL;
    if ((rc = store_ledger_snapshot_begin(ctx->db, err)))
        goto done;
    if (!(rc = store_ledger_scan_nodes(ctx->db, on_node, r, err)) && !r->oom)
        rc = store_ledger_scan_entries(ctx->db, on_entry, r, err);
    out->tree_size = r->stored[0].n;
    if (!rc && !r->oom && (classify_mismatches(r) || check_deleted(r) || check_nodes(r)))
        r->oom = 1;
    if (!rc && !r->oom)
        check_heads(r, ctx->db, trusted_pk, err, &rc);
    if (!rc && !r->oom)
        rc = check_states(r, ctx->db, err);
    store_ledger_snapshot_end(ctx->db);
    if (!rc && r->oom)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!rc && out->nproblems)
        qsort(out->problems, out->nproblems, sizeof *out->problems, problem_cmp);
done:
    levels_free(r->stored);
    free(r->leaves.h);
    free(r->leaves.present);
    free(r->mismatch);
    map_free(&r->objs);
    free(r);
    if (rc)
        ledger_report_release(out);
    return rc;
}
