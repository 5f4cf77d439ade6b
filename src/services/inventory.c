/* svc_inventory: calculations over an imported inventory database; see inventory.h. */
#include "services/inventory.h"

#include <stdlib.h>
#include <string.h>

#include "io/result_json.h"
#include "store/olca_sql.h"

tj_status svc_inventory_open(svc_ctx *ctx, const olca_build_options *bo, const calc_options *co, svc_inventory *out,
                             tj_error *err)
{
    memset(out, 0, sizeof *out);
    out->opt = *bo;
    tj_status st = store_olca_load(ctx->db, &out->db, err);
    if (st == TJ_OK && out->db->nprocs == 0)
        st = tj_error_set(err, TJ_ERR_NOTFOUND, "db",
                          "the database holds no openLCA processes; import some with `tanji import olca` / "
                          "数据库中没有 openLCA 过程");
    if (st == TJ_OK)
        st = olca_build_system(out->db, &out->opt, &out->sys, &out->info, err);
    if (st == TJ_OK)
        st = calc_context_new(out->sys, co, &out->cc, err);
    if (st != TJ_OK)
        svc_inventory_release(out);
    return st;
}

void svc_inventory_release(svc_inventory *inv)
{
    calc_context_free(inv->cc);
    calc_system_free(inv->sys);
    olca_build_info_release(&inv->info);
    olca_db_free(inv->db);
    memset(inv, 0, sizeof *inv);
}

json_t *svc_inventory_info_json(const svc_inventory *inv)
{
    const olca_build_info *info = &inv->info;
    json_t *un = json_array(), *notes = json_array();
    for (int i = 0; i < info->ghg_unmapped; i++)
        json_array_append_new(un, json_string(info->unmapped[i]));
    for (int i = 0; i < info->notes.nmsg; i++)
        json_array_append_new(notes, json_string(info->notes.msg[i]));
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:i}", "allocation",
                     olca_alloc_key(inv->opt.allocation), "gwp", tj_gwp_set_name(inv->opt.gwp), "columns",
                     info->columns, "processes_split", info->processes_split, "linked", info->linked,
                     "linked_default_provider", info->linked_default, "linked_among_several", info->ambiguous,
                     "cutoff_exchanges", info->cutoffs, "coproducts_ignored", info->ignored_coproducts,
                     "allocation_factors_missing", info->alloc_missing, "ghg_flows_mapped", info->ghg_mapped,
                     "processes_left_out", info->bad_qref, "ghg_like_unmapped", un, "notes", notes,
                     "notes_not_shown", info->notes.dropped_msg);
}

void svc_inventory_info_text(FILE *out, const svc_inventory *inv)
{
    const olca_build_info *info = &inv->info;
    fprintf(out,
            "database: %d products, %d links (%d among several providers), %d cut-off exchanges, %d "
            "co-products ignored, %d processes split by allocation, %d GHG-like flows without a "
            "factor\n",
            info->columns, info->linked, info->ambiguous, info->cutoffs, info->ignored_coproducts,
            info->processes_split, info->ghg_unmapped);
    for (int i = 0; i < info->ghg_unmapped && i < 10; i++)
        fprintf(out, "  no factor: %s\n", info->unmapped[i]);
    if (info->ghg_unmapped > 10)
        fprintf(out, "  ... %d more (see --format json)\n", info->ghg_unmapped - 10);
}

tj_status svc_inventory_product(svc_inventory *inv, const char *process, double amount, int mc, uint64_t seed,
                                calc_result **out, tj_error *err)
{
    *out = NULL;
    int col = calc_system_find_process(inv->sys, process);
    if (col < 0) {
        int pi = olca_db_find_process(inv->db, process);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "process",
                            pi >= 0 ? "process %s (%s) has no usable quantitative reference and was "
                                      "left out (see docs/olca-import.md)"
                                    : "no process %s%s in the database / 数据库中没有该过程",
                            process, pi >= 0 ? inv->db->procs[pi].name : "");
    }
    tj_status st = calc_context_footprint(inv->cc, col, amount, CALC_DETAIL_ALL, out, err);
    if (st == TJ_OK && mc > 0)
        st = calc_context_monte_carlo(inv->cc, *out, mc, seed, err);
    if (st != TJ_OK) {
        calc_result_free(*out);
        *out = NULL;
    }
    return st;
}

json_t *svc_inventory_product_json(const svc_inventory *inv, const calc_result *res)
{
    json_t *j = io_result_to_json(inv->sys, res, inv->opt.gwp);
    if (j)
        json_object_set_new(j, "database", svc_inventory_info_json(inv));
    return j;
}

tj_status svc_inventory_all(svc_inventory *inv, svc_product_fn fn, void *ud, int *failed, tj_error *err)
{
    (void)err;
    *failed = 0;
    /* Every product's row from a few transposed solves (calc_context_unit_rows);
     * a product it cannot vouch for, or all of them if it fails, by its own
     * forward solve. */
    calc_unit_rows ur;
    tj_error e1;
    tj_error_clear(&e1);
    int have_rows = calc_context_unit_rows(inv->cc, &ur, &e1) == TJ_OK;
    for (int j = 0; j < inv->sys->n; j++) {
        if (have_rows && ur.exact[j]) {
            calc_result row;
            memset(&row, 0, sizeof row);
            row.demand_col = j;
            row.demand_amount = 1.0;
            row.total = ur.total[j];
            for (int c = 0; c < CALC_CH_COUNT; c++)
                row.channel[c] = ur.channel[(size_t)c * (size_t)ur.n + (size_t)j];
            row.cutoff_share = ur.cutoff_share[j];
            row.ncut = ur.ncut[j];
            if (fn(ud, inv, j, &row, NULL))
                break;
            continue;
        }
        tj_error e2;
        tj_error_clear(&e2);
        calc_result *r = NULL;
        tj_status fs = calc_context_footprint(inv->cc, j, 1.0, CALC_DETAIL_TOTALS, &r, &e2);
        if (fs != TJ_OK)
            ++*failed;
        int stop = fn(ud, inv, j, fs == TJ_OK ? r : NULL, fs == TJ_OK ? NULL : e2.message);
        calc_result_free(r);
        if (stop)
            break;
    }
    if (have_rows)
        calc_unit_rows_free(&ur);
    return TJ_OK;
}

json_t *svc_product_row_json(const svc_inventory *inv, int j, const calc_result *r, const char *error)
{
    const calc_process *p = &inv->sys->proc[j];
    json_t *row = json_pack("{s:s, s:s, s:s, s:f, s:s}", "id", p->id, "name", p->name, "product", p->product,
                            "amount", 1.0, "unit", p->unit);
    if (!row)
        return NULL;
    if (r) {
        json_object_set_new(row, "total", json_real(r->total));
        for (int c = 0; c < CALC_CH_COUNT; c++)
            json_object_set_new(row, io_result_channel_key((calc_channel)c), json_real(r->channel[c]));
        json_object_set_new(row, "cutoff_share", json_real(r->cutoff_share));
        json_object_set_new(row, "cutoffs", json_integer(r->ncut));
    } else {
        json_object_set_new(row, "error", json_string(error ? error : "failed"));
    }
    return row;
}

tj_status svc_product_table_header(io_table *t)
{
    static const char *const head[] = {"process_id", "process_name", "product", "amount", "unit", "total_kg_co2e"};
    tj_status st = TJ_OK;
    for (size_t h = 0; h < sizeof head / sizeof *head; h++)
        st = st ? st : io_table_text(t, head[h]);
    for (int c = 0; c < CALC_CH_COUNT; c++) {
        char col[64];
        snprintf(col, sizeof col, "%s_kg_co2e", io_result_channel_key((calc_channel)c));
        st = st ? st : io_table_text(t, col);
    }
    static const char *const tail[] = {"cutoff_share", "cutoffs", "gwp", "allocation", "status"};
    for (size_t h = 0; h < sizeof tail / sizeof *tail; h++)
        st = st ? st : io_table_text(t, tail[h]);
    return st ? st : io_table_end_row(t);
}

/* Numbers are written with the significant digits of the JSON output
 * (JSON_REAL_PRECISION(10) there), so both tables agree. */
tj_status svc_product_table_row(io_table *t, const svc_inventory *inv, int j, const calc_result *r,
                                const char *error)
{
    const calc_process *p = &inv->sys->proc[j];
    tj_status st = io_table_text(t, p->id);
    st = st ? st : io_table_text(t, p->name);
    st = st ? st : io_table_text(t, p->product);
    st = st ? st : io_table_number(t, 1, 10);
    st = st ? st : io_table_text(t, p->unit);
    if (r) {
        st = st ? st : io_table_number(t, r->total, 10);
        for (int c = 0; c < CALC_CH_COUNT; c++)
            st = st ? st : io_table_number(t, r->channel[c], 10);
        st = st ? st : io_table_number(t, r->cutoff_share, 10);
        st = st ? st : io_table_number(t, r->ncut, 10);
    } else {
        for (int c = 0; c < CALC_CH_COUNT + 3; c++)
            st = st ? st : io_table_empty(t);
    }
    st = st ? st : io_table_text(t, tj_gwp_set_name(inv->opt.gwp));
    st = st ? st : io_table_text(t, olca_alloc_key(inv->opt.allocation));
    st = st ? st : io_table_text(t, r ? "ok" : error);
    return st ? st : io_table_end_row(t);
}
