/*
 * svc_factor search: words in Chinese or English with filters and paging.
 * The SQL and PostgreSQL's plan choice are in store/factor_sql.c.
 */
#include <stdlib.h>
#include <string.h>

#include "services/ctx.h"
#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "store/factor_sql.h"

void svc_factor_list_release(svc_factor_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        svc_factor_release(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static tj_status add_row(void *arg, store_stmt *st, int first, tj_error *err)
{
    svc_factor_list *out = arg;
    svc_factor *n = realloc(out->items, (out->count + 1) * sizeof *n);
    if (!n)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    out->items = n;
    fx_read_row(st, first, &out->items[out->count++]);
    return TJ_OK;
}

tj_status fx_search(store_db *db, const svc_factor_query *q, const char *visible_org, svc_factor_list *out,
                    tj_error *err)
{
    memset(out, 0, sizeof *out);
    int limit = q->limit > 0 ? q->limit : 20;
    if (limit > 1000)
        limit = 1000;
    if (q->offset < 0)
        return tj_error_set(err, TJ_ERR_USAGE, "offset", "offset must not be negative");
    tj_status rc = TJ_OK;
    const char *texts[][2] = {
        {"text", q->text}, {"category", q->category}, {"region", q->region}, {"status", q->status}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && rc == TJ_OK; i++)
        rc = fx_check_utf8(texts[i][0], texts[i][1], texts[i][1] ? strlen(texts[i][1]) : 0, err);
    if (rc != TJ_OK)
        return rc;
    char *code = NULL;
    if (!fx_empty(q->region) && !(code = svc_region_normalize(db, q->region, err)))
        return err ? err->code : TJ_ERR_INPUT;
    factor_sql_query sq = {q->text, fx_empty(q->category) ? NULL : q->category, code, q->year,
                           fx_empty(q->status) ? NULL : q->status, limit, q->offset, q->all_versions,
                           visible_org};
    rc = factor_sql_search(db, &sq, add_row, out, &out->total, &out->total_capped, err);
    free(code);
    if (rc != TJ_OK)
        svc_factor_list_release(out);
    return rc;
}

tj_status svc_factor_search(svc_ctx *ctx, const svc_factor_query *q, svc_factor_list *out, tj_error *err)
{
    /* matching costs grow with the query's length: a query is a few words */
    if (q && q->text && strlen(q->text) > SVC_FACTOR_QUERY_MAX)
        return tj_error_set(err, TJ_ERR_INPUT, "query", "the search words are longer than %u bytes; refused / 检索词过长",
                            SVC_FACTOR_QUERY_MAX);
    return fx_search(ctx->db, q, fx_visible_org(ctx), out, err);
}
