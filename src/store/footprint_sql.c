/* store footprint: saved footprints; see footprint_sql.h. */
#include "store/footprint_sql.h"

#include <stdlib.h>
#include <string.h>

static char *dup_col(store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s ? strdup(s) : NULL;
}

void store_footprint_release(store_footprint *f)
{
    char **s[] = {&f->id,    &f->owner_org,     &f->created_by, &f->created_at,   &f->product,
                  &f->unit,  &f->gwp,           &f->inputs_digest, &f->rule_id,   &f->check_status,
                  &f->factors, &f->replaces,    &f->replaced_by, &f->result,      &f->model,
                  &f->digest};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        free(*s[i]);
    memset(f, 0, sizeof *f);
}

tj_status store_footprint_insert(store_db *db, const store_footprint *f, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 "INSERT INTO footprint (id, owner_org, created_by, created_at, product, amount, "
                                 "unit, total, gwp, inputs_digest, rule_id, check_status, factors, replaces, "
                                 "result, model, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, f->id);
    store_bind_text(st, 2, f->owner_org);
    store_bind_text(st, 3, f->created_by);
    store_bind_text(st, 4, f->created_at);
    store_bind_text(st, 5, f->product);
    store_bind_double(st, 6, f->amount);
    store_bind_text(st, 7, f->unit);
    store_bind_double(st, 8, f->total);
    store_bind_text(st, 9, f->gwp);
    store_bind_text(st, 10, f->inputs_digest);
    store_bind_text(st, 11, f->rule_id);
    store_bind_text(st, 12, f->check_status);
    store_bind_text(st, 13, f->factors);
    store_bind_text(st, 14, f->replaces);
    store_bind_text(st, 15, f->result);
    store_bind_text(st, 16, f->model);
    store_bind_text(st, 17, f->digest);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* replaced_by is derived: the footprint whose replaces names this one. */
#define FP_COLS                                                                                                  \
    "f.id, f.owner_org, f.created_by, f.created_at, f.product, f.amount, f.unit, f.total, f.gwp, "              \
    "f.inputs_digest, f.rule_id, f.check_status, f.factors, f.replaces, "                                        \
    "(SELECT r.id FROM footprint r WHERE r.replaces = f.id), f.digest"

static void read_row(store_stmt *st, store_footprint *f)
{
    f->id = dup_col(st, 0);
    f->owner_org = dup_col(st, 1);
    f->created_by = dup_col(st, 2);
    f->created_at = dup_col(st, 3);
    f->product = dup_col(st, 4);
    f->amount = store_col_double(st, 5);
    f->unit = dup_col(st, 6);
    f->total = store_col_double(st, 7);
    f->gwp = dup_col(st, 8);
    f->inputs_digest = dup_col(st, 9);
    f->rule_id = dup_col(st, 10);
    f->check_status = dup_col(st, 11);
    f->factors = dup_col(st, 12);
    f->replaces = dup_col(st, 13);
    f->replaced_by = dup_col(st, 14);
    f->digest = dup_col(st, 15);
}

static tj_status collect_row(store_stmt *st, void *elem, tj_error *err)
{
    (void)err;
    read_row(st, elem);
    return TJ_OK;
}

static void release_row(void *elem)
{
    store_footprint_release(elem);
}

tj_status store_footprint_get(store_db *db, const char *id, int whole, store_footprint *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db, whole ? "SELECT " FP_COLS ", f.result, f.model FROM footprint f WHERE f.id = ?"
                  : "SELECT " FP_COLS " FROM footprint f WHERE f.id = ?",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id);
    int r = store_step(st, err);
    if (r == 1) {
        read_row(st, out);
        if (whole) {
            out->result = dup_col(st, 16);
            out->model = dup_col(st, 17);
        }
    }
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    if (r == 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no footprint \"%s\" / 碳足迹记录不存在", id);
    return TJ_OK;
}

tj_status store_footprint_list(store_db *db, const char *owner_org, int limit, int offset, store_footprint **out,
                               size_t *count, tj_error *err)
{
    *out = NULL;
    *count = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 "SELECT " FP_COLS " FROM footprint f WHERE CAST(? AS TEXT) IS NULL OR "
                                 "f.owner_org = ? ORDER BY f.created_at DESC, f.id LIMIT ? OFFSET ?",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, owner_org);
    store_bind_text(st, 2, owner_org);
    store_bind_int64(st, 3, limit);
    store_bind_int64(st, 4, offset);
    rc = store_collect(st, sizeof **out, collect_row, release_row, (void **)out, count, err);
    store_finalize(st);
    return rc;
}
