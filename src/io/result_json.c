/* Footprint results as JSON and text; see io/result_json.h. */
#include "io/result_json.h"

#include "tanji/text.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const channel_json_keys[CALC_CH_COUNT] = {
    [CALC_CH_FOSSIL] = "fossil",
    [CALC_CH_BIOGENIC] = "biogenic_emissions",
    [CALC_CH_BIOGENIC_REMOVAL] = "biogenic_removals",
    [CALC_CH_DLUC] = "dluc",
    [CALC_CH_AIRCRAFT] = "aircraft",
};

const char *io_result_channel_key(calc_channel c)
{
    return (unsigned)c < CALC_CH_COUNT ? channel_json_keys[c] : "unknown";
}

static json_t *jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Set key to a new value; a NULL value (out of memory) marks *ok false. */
static void put(json_t *obj, const char *key, json_t *v, int *ok)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        *ok = 0;
}

static void append(json_t *arr, json_t *v, int *ok)
{
    if (!v || json_array_append_new(arr, v) != 0)
        *ok = 0;
}

static json_t *stats_json(const calc_stats *s)
{
    json_t *o = json_object();
    int ok = o != NULL;
    if (!o)
        return NULL;
    put(o, "mean", jreal(s->mean), &ok);
    put(o, "sd", jreal(s->sd), &ok);
    put(o, "p2_5", jreal(s->p2_5), &ok);
    put(o, "p50", jreal(s->p50), &ok);
    put(o, "p97_5", jreal(s->p97_5), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int col_ok(const calc_system *sys, int col)
{
    return col >= 0 && col < sys->n;
}

json_t *io_result_to_json(const calc_system *sys, const calc_result *res, tj_gwp_set gwp)
{
    json_t *root = json_object();
    if (!root)
        return NULL;
    int ok = 1;

    put(root, "total", jreal(res->total), &ok);
    put(root, "unit", json_string("kg CO2e"), &ok);
    for (int c = 0; c < CALC_CH_COUNT; c++)
        put(root, io_result_channel_key((calc_channel)c), jreal(res->channel[c]), &ok);

    json_t *st = json_object();
    put(root, "by_stage", st, &ok);
    if (st)
        for (int s = 0; s < CALC_STAGE_COUNT; s++)
            put(st, calc_stage_key((calc_stage)s), jreal(res->stage[s]), &ok);

    json_t *gases = json_array();
    put(root, "by_gas", gases, &ok);
    for (int i = 0; gases && i < res->ngas; i++) {
        json_t *g = json_object();
        append(gases, g, &ok);
        if (!g)
            break;
        put(g, "gas", jstr(res->gas[i].gas), &ok);
        put(g, "amount_kg", jreal(res->gas[i].amount), &ok);
        put(g, "co2e", jreal(res->gas[i].co2e), &ok);
        put(g, "co2e_from_factors", jreal(res->gas[i].co2e_factors), &ok);
    }

    json_t *unsplit = json_array();
    put(root, "unsplit_factors", unsplit, &ok);
    for (int i = 0; unsplit && i < res->nunsplit; i++) {
        const calc_unsplit_item *it = &res->unsplit[i];
        if (it->flow < 0 || it->flow >= sys->m)
            continue;
        const calc_flow *fl = &sys->flow[it->flow];
        json_t *o = json_object();
        append(unsplit, o, &ok);
        if (!o)
            break;
        put(o, "flow", jstr(fl->id), &ok);
        put(o, "name", jstr(fl->name), &ok);
        put(o, "co2e", jreal(it->co2e), &ok);
    }

    json_t *procs = json_array();
    put(root, "by_process", procs, &ok);
    for (int i = 0; procs && i < res->nproc; i++) {
        const calc_process_item *it = &res->proc[i];
        if (!col_ok(sys, it->col))
            continue;
        const calc_process *p = &sys->proc[it->col];
        json_t *o = json_object();
        append(procs, o, &ok);
        if (!o)
            break;
        put(o, "id", jstr(p->id), &ok);
        put(o, "name", jstr(p->name), &ok);
        put(o, "stage", json_string(calc_stage_key(p->stage)), &ok);
        put(o, "activity", jreal(it->activity), &ok);
        put(o, "direct", jreal(it->direct), &ok);
        put(o, "share", jreal(it->share), &ok);
    }

    json_t *paths = json_array();
    put(root, "paths", paths, &ok);
    for (int i = 0; paths && i < res->npath; i++) {
        const calc_path_node *nd = &res->path[i];
        if (!col_ok(sys, nd->col))
            continue;
        const calc_process *p = &sys->proc[nd->col];
        json_t *o = json_object();
        append(paths, o, &ok);
        if (!o)
            break;
        put(o, "depth", json_integer(nd->depth), &ok);
        put(o, "parent", json_integer(nd->parent), &ok);
        put(o, "id", jstr(p->id), &ok);
        put(o, "name", jstr(p->name), &ok);
        put(o, "amount", jreal(nd->amount), &ok);
        put(o, "unit", jstr(p->unit), &ok);
        put(o, "direct", jreal(nd->direct), &ok);
        put(o, "upstream", jreal(nd->upstream), &ok);
        put(o, "share", jreal(nd->share), &ok);
    }

    json_t *inv = json_array();
    put(root, "inventory", inv, &ok);
    for (int i = 0; inv && i < res->ninv; i++) {
        const calc_inventory_item *it = &res->inv[i];
        if (it->flow < 0 || it->flow >= sys->m)
            continue;
        const calc_flow *f = &sys->flow[it->flow];
        json_t *o = json_object();
        append(inv, o, &ok);
        if (!o)
            break;
        put(o, "id", jstr(f->id), &ok);
        put(o, "name", jstr(f->name), &ok);
        put(o, "compartment", jstr(f->compartment), &ok);
        put(o, "unit", jstr(f->unit), &ok);
        put(o, "amount", jreal(it->amount), &ok);
        put(o, "co2e", jreal(it->co2e), &ok);
        put(o, "channel", json_string(calc_channel_key(f->channel)), &ok);
    }

    json_t *dq = json_object();
    put(root, "dqr", dq, &ok);
    if (dq) {
        int rated = res->dqr.dqr > 0;
        put(dq, "TeR", rated ? jreal(res->dqr.ter) : json_null(), &ok);
        put(dq, "GeR", rated ? jreal(res->dqr.ger) : json_null(), &ok);
        put(dq, "TiR", rated ? jreal(res->dqr.tir) : json_null(), &ok);
        put(dq, "P", rated ? jreal(res->dqr.p) : json_null(), &ok);
        put(dq, "dqr", rated ? jreal(res->dqr.dqr) : json_null(), &ok);
        put(dq, "rating", json_string(res->dqr.rating ? res->dqr.rating : "unrated"), &ok);
        put(dq, "coverage", jreal(res->dqr.coverage), &ok);
    }

    put(root, "cutoff_share", jreal(res->cutoff_share), &ok);
    json_t *cuts = json_array();
    put(root, "cutoffs", cuts, &ok);
    for (int i = 0; cuts && i < res->ncut; i++) {
        int c = res->cut[i];
        if (c < 0 || c >= sys->ncut || !col_ok(sys, sys->cut[c].col))
            continue;
        const calc_cutoff *cu = &sys->cut[c];
        json_t *o = json_object();
        append(cuts, o, &ok);
        if (!o)
            break;
        put(o, "process", jstr(sys->proc[cu->col].id), &ok);
        put(o, "what", jstr(cu->what), &ok);
        put(o, "amount", jreal(res->cut_amount ? res->cut_amount[i] : cu->amount), &ok);
        put(o, "unit", jstr(cu->unit), &ok);
    }

    if (res->uncertainty) {
        const calc_uncertainty *u = res->uncertainty;
        json_t *uo = json_object();
        put(root, "uncertainty", uo, &ok);
        if (uo) {
            put(uo, "iterations", json_integer(u->iterations), &ok);
            if (u->solver)
                put(uo, "solver", json_string(u->solver), &ok);
            if (u->seed <= (UINT64_C(1) << 53)) {
                put(uo, "seed", json_integer((json_int_t)u->seed), &ok);
            } else {
                char buf[32];
                snprintf(buf, sizeof buf, "%" PRIu64, u->seed);
                put(uo, "seed", json_string(buf), &ok);
            }
            put(uo, "total", stats_json(&u->total), &ok);
            /* the total's draws in CALC_MC_BINS equal bins from lo to hi */
            json_t *ho = json_object(), *hc = json_array();
            put(uo, "histogram", ho, &ok);
            if (ho) {
                put(ho, "lo", jreal(u->total_hist.lo), &ok);
                put(ho, "hi", jreal(u->total_hist.hi), &ok);
                put(ho, "counts", hc, &ok);
                for (int b = 0; hc && b < CALC_MC_BINS; b++)
                    append(hc, json_integer(u->total_hist.count[b]), &ok);
            } else
                json_decref(hc);
            json_t *bs = json_object();
            put(uo, "by_stage", bs, &ok);
            for (int s = 0; bs && s < CALC_STAGE_COUNT; s++)
                put(bs, calc_stage_key((calc_stage)s), stats_json(&u->stage[s]), &ok);
        }
    }

    json_t *dem = json_object();
    put(root, "demand", dem, &ok);
    if (dem && col_ok(sys, res->demand_col)) {
        const calc_process *p = &sys->proc[res->demand_col];
        put(dem, "id", jstr(p->id), &ok);
        put(dem, "name", jstr(p->name), &ok);
        put(dem, "product", jstr(p->product), &ok);
        put(dem, "amount", jreal(res->demand_amount), &ok);
        put(dem, "unit", jstr(p->unit), &ok);
    }
    put(root, "gwp", json_string(gwp == TJ_GWP_AR5 ? "AR5" : "AR6"), &ok);

    json_t *so = json_object();
    put(root, "solver", so, &ok);
    if (so) {
        put(so, "name", jstr(res->solver), &ok);
        put(so, "reason", jstr(res->solver_reason), &ok);
        put(so, "residual", jreal(res->residual), &ok);
        put(so, "iterations", json_integer(res->iterations), &ok);
        put(so, "seconds", jreal(res->seconds), &ok);
    }

    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- text ---- */

static double pct(double part, double total)
{
    return total != 0 ? 100.0 * part / total : 0;
}

static const char *const channel_label[CALC_CH_COUNT] = {
    "fossil", "biogenic emissions", "biogenic removals", "direct land-use change (dLUC)", "aircraft",
};

static const char *const stage_label[CALC_STAGE_COUNT] = {
    "raw material acquisition", "production", "distribution", "use", "end of life",
};

void io_result_print_text(FILE *out, const calc_system *sys, const calc_result *res, tj_gwp_set gwp)
{
    const char *gname = gwp == TJ_GWP_AR5 ? "AR5" : "AR6";
    if (col_ok(sys, res->demand_col)) {
        const calc_process *p = &sys->proc[res->demand_col];
        fprintf(out, "Carbon footprint of %g %s %s (process %s, %s)\n", res->demand_amount, p->unit,
                p->product, p->id, p->name);
    }
    fprintf(out, "Total: %.6g kg CO2e (GWP100, IPCC %s)\n\n", res->total, gname);

    fprintf(out, "By channel (kg CO2e):\n");
    for (int c = 0; c < CALC_CH_COUNT; c++)
        fprintf(out, "  %-32s %14.6g\n", channel_label[c], res->channel[c]);

    fprintf(out, "\nBy life-cycle stage (kg CO2e):\n");
    for (int s = 0; s < CALC_STAGE_COUNT; s++)
        fprintf(out, "  %-32s %14.6g  %6.1f%%\n", stage_label[s], res->stage[s],
                pct(res->stage[s], res->total));

    if (res->ngas > 0) {
        fprintf(out, "\nBy gas (top %d):\n", res->ngas < 10 ? res->ngas : 10);
        fprintf(out, "  %-32s %14s %14s %7s\n", "gas", "kg", "kg CO2e", "share");
        for (int i = 0; i < res->ngas && i < 10; i++) {
            fputs("  ", out);
            tj_fput_cell(out, res->gas[i].gas, 32);
            if (isnan(res->gas[i].amount))
                fprintf(out, " %14s", "-");
            else
                fprintf(out, " %14.6g", res->gas[i].amount);
            fprintf(out, " %14.6g %6.1f%%\n", res->gas[i].co2e, pct(res->gas[i].co2e, res->total));
        }
    }
    if (res->nunsplit > 0) {
        double sum = 0;
        for (int i = 0; i < res->nunsplit; i++)
            sum += res->unsplit[i].co2e;
        int k = res->nunsplit < 10 ? res->nunsplit : 10;
        fprintf(out, "\nFactors not split by gas (%.6g kg CO2e, %.1f%%; top %d of %d):\n", sum, pct(sum, res->total), k,
                res->nunsplit);
        for (int i = 0; i < k; i++) {
            const calc_unsplit_item *it = &res->unsplit[i];
            fputs("  ", out);
            tj_fput_cell(out, it->flow >= 0 && it->flow < sys->m ? sys->flow[it->flow].name : "?", 32);
            fprintf(out, " %14s %14.6g %6.1f%%\n", "", it->co2e, pct(it->co2e, res->total));
        }
    }

    if (res->nproc > 0) {
        int k = res->nproc < 10 ? res->nproc : 10;
        fprintf(out, "\nTop %d processes by direct emissions (of %d contributing):\n", k, res->nproc);
        for (int i = 0; i < k; i++) {
            const calc_process_item *it = &res->proc[i];
            if (!col_ok(sys, it->col))
                continue;
            fprintf(out, "  %14.6g kg CO2e %6.1f%%  %s [%s] (activity %.4g)\n", it->direct, 100 * it->share,
                    sys->proc[it->col].name, calc_stage_key(sys->proc[it->col].stage), it->activity);
        }
    }

    if (res->npath > 0) {
        int k = res->npath < 30 ? res->npath : 30;
        fprintf(out, "\nContribution tree (upstream kg CO2e, share; first %d of %d nodes):\n", k, res->npath);
        for (int i = 0; i < k; i++) {
            const calc_path_node *nd = &res->path[i];
            if (!col_ok(sys, nd->col))
                continue;
            const calc_process *p = &sys->proc[nd->col];
            fprintf(out, "  %*s%.6g (%.1f%%)  %s  [%.4g %s; direct %.4g]\n", 2 * nd->depth, "", nd->upstream,
                    100 * nd->share, p->name, nd->amount, p->unit, nd->direct);
        }
    }

    fprintf(out, "\nData quality: ");
    if (res->dqr.dqr > 0)
        fprintf(out,
                "DQR %.2f (%s; TeR %.2f, GeR %.2f, TiR %.2f, P %.2f), rated share %.1f%% of "
                "|emissions|\n",
                res->dqr.dqr, res->dqr.rating, res->dqr.ter, res->dqr.ger, res->dqr.tir, res->dqr.p,
                100 * res->dqr.coverage);
    else
        fprintf(out, "unrated\n");

    fprintf(out, "Cut-off share (by mass): %.2f%%", 100 * res->cutoff_share);
    if (res->ncut > 0)
        fprintf(out, " (%d input%s cut off)", res->ncut, res->ncut == 1 ? "" : "s");
    fprintf(out, "\n");

    if (res->uncertainty) {
        const calc_uncertainty *u = res->uncertainty;
        fprintf(out,
                "\nUncertainty (Monte Carlo, %d iterations, seed %" PRIu64 ", %.2f s):\n"
                "  total: mean %.6g, sd %.4g, median %.6g, 95%% interval [%.6g, %.6g]\n",
                u->iterations, u->seed, u->seconds, u->total.mean, u->total.sd, u->total.p50, u->total.p2_5,
                u->total.p97_5);
        for (int s = 0; s < CALC_STAGE_COUNT; s++)
            if (u->stage[s].sd != 0 || u->stage[s].mean != 0)
                fprintf(out, "  %-26s mean %.6g, sd %.4g, 95%% interval [%.6g, %.6g]\n", stage_label[s],
                        u->stage[s].mean, u->stage[s].sd, u->stage[s].p2_5, u->stage[s].p97_5);
    }

    fprintf(out, "\nSolver: %s (%s); residual %.2g, %d iteration%s, %.3f s\n",
            res->solver ? res->solver : "?", res->solver_reason ? res->solver_reason : "", res->residual,
            res->iterations, res->iterations == 1 ? "" : "s", res->seconds);
}
