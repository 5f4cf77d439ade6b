/*
 * bench_inclusion: 碳普惠 purchases credited at scale.  Makes a fresh
 * database with the certification path to real labels (services only), a
 * methodology and a platform, then reports N purchases (default 1,000,000)
 * through svc_inc_report in batches (one transaction each), every credit a
 * ledger entry.  Checks afterwards that the balances are exact (the sum of
 * the balances equals the sum of the credits computed here independently,
 * per participant as well), that the ledger grew by exactly one entry a
 * credited purchase, and that a batch reported again credits nothing.
 *
 * Then, in the same run, the ledger alone: M entries (default 20000) of the
 * same shape appended with svc_record in transactions of B, CPU time (what
 * the credits cost beyond their ledger entries);
 * with --verify, `tanji ledger verify` over the whole log afterwards.
 *
 * usage: bench_inclusion [--purchases N] [--batch B] [--participants P] [--ledger M] [--verify]
 *                        [--db URL] [--keep]
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "ledger/ledger.h"
#include "services/account.h"
#include "services/apps.h"
#include "services/cert.h"
#include "services/footprint.h"
#include "services/grading.h"
#include "services/label.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "store/apps_sql.h"
#include "store/ledger_sql.h"
#include "store/store.h"

static void die(const char *what, const tj_error *err)
{
    fprintf(stderr, "bench_inclusion: %s: %s\n", what, err ? err->message : "");
    exit(1);
}
#define OK(x, what)                                                                                          \
    do {                                                                                                     \
        if ((x) != TJ_OK)                                                                                    \
            die(what, &err);                                                                                 \
    } while (0)

static char *certify(svc_ctx *ent, svc_ctx *body, const char *fp, const ledger_key *key)
{
    tj_error err;
    char *app = NULL;
    OK(svc_cert_apply(ent, fp, "认证中心", &app, &err), "apply");
    const char *acts[] = {"accept", "plan", "review_documents", "inspect", "verify", "evaluate", "decide"};
    for (size_t i = 0; i < 7; i++) {
        if (i && i < 6)
            OK(svc_cert_document_add(body, app, "r.txt", "text/plain", acts[i], strlen(acts[i]), NULL, &err),
               "doc");
        svc_cert_step_in in = {.action = acts[i], .comment = "ok", .key = i == 6 ? key : NULL};
        OK(svc_cert_step(body, app, &in, NULL, &err), acts[i]);
    }
    json_t *a = NULL;
    OK(svc_cert_application_get(ent, app, &a, &err), "application");
    char *n = strdup(json_string_value(json_object_get(a, "label_number")));
    json_decref(a);
    free(app);
    return n;
}

int main(int argc, char **argv)
{
    long long n = 1000000, batch = 1000, parts = 100000;
    const char *url = NULL, *src = getenv("TJ_SOURCE_DIR");
    int keep = 0, verify = 0;
    long long lm = 20000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--purchases") && i + 1 < argc)
            n = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--participants") && i + 1 < argc)
            parts = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            url = argv[++i];
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else if (!strcmp(argv[i], "--verify"))
            verify = 1;
        else if (!strcmp(argv[i], "--ledger") && i + 1 < argc)
            lm = atoll(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: bench_inclusion [--purchases N] [--batch B] [--participants P] [--db URL] "
                    "[--keep]\n");
            return 2;
        }
    }
    if (n < 1 || batch < 1 || parts < 1 || sodium_init() < 0)
        return 2;
    char path[512], dir[256] = "";
    if (!url) {
        snprintf(dir, sizeof dir, "/tmp/tj-bench-inclusion-XXXXXX");
        if (!mkdtemp(dir))
            return 1;
        snprintf(path, sizeof path, "%s/bench.db", dir);
        url = path;
    }
    tj_error err;
    store_db *db = NULL;
    OK(store_open_ex(url, STORE_OPEN_MIGRATE, &db, &err), "open");
    svc_ctx op, reg, ent, body, shop;
    OK(svc_ctx_local(&op, db, NULL, &err), "ctx");
    OK(svc_ledger_seed(&op, &err), "seed");
    struct {
        const char *org, *kind, *user, *roles;
        svc_ctx *ctx;
    } ps[] = {{"监管局", "regulator", "reg", "regulator", &reg},
              {"铝业A", "enterprise", "alice", "enterprise", &ent},
              {"认证中心", "certification_body", "auditor", "verifier", &body},
              {"低碳商城", "enterprise", "shop", "enterprise", &shop}};
    for (size_t i = 0; i < 4; i++) {
        OK(svc_org_create(&op, ps[i].org, ps[i].kind, "530100", NULL, &err), "org");
        OK(svc_user_create(&op, ps[i].user, ps[i].org, ps[i].roles, NULL, &err), "user");
        OK(svc_ctx_local(ps[i].ctx, db, ps[i].user, &err), "ctx");
    }
    char p[1200];
    snprintf(p, sizeof p, "%s/data/certification/catalogue-cn-2025.json", src ? src : ".");
    int nc = 0;
    OK(svc_cert_catalogue_import(&reg, p, &nc, &err), "catalogue (set TJ_SOURCE_DIR)");
    json_t *scope = json_pack("[s]", "electrolytic_aluminium");
    OK(svc_cert_body_register(&reg, "认证中心", NULL, scope, &err), "body");
    json_decref(scope);
    ledger_key key;
    crypto_sign_keypair(key.pk, key.sk);
    OK(svc_cert_key_add(&reg, "认证中心", key.pk, NULL, &err), "key");
    OK(svc_app_role_grant(&op, "低碳商城", "platform", &err), "role");
    /* a few labels of the same product */
    enum { NL = 4 };
    char *labels[NL];
    char rules[1200];
    snprintf(p, sizeof p, "%s/tests/data/certifiable-aluminium.json", src ? src : ".");
    snprintf(rules, sizeof rules, "%s/data/rules", src ? src : ".");
    for (int i = 0; i < NL; i++) {
        svc_calc_request rq;
        svc_calc_request_init(&rq);
        rq.model_path = p;
        svc_calculation c;
        OK(svc_calculate(&ent, &rq, &c, &err), "calculate");
        svc_footprint_save_opts so = {.rule = "tpl.cn.electrolytic_aluminium", .rules_dir = rules};
        char *fp = NULL;
        OK(svc_footprint_save(&ent, &c, &so, &fp, &err), "save");
        svc_calculation_release(&c);
        labels[i] = certify(&ent, &body, fp, &key);
        free(fp);
    }
    json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:f,s:s}}", "id", "alu-bench", "name", "bench",
                          "category", "electrolytic_aluminium", "declared_unit", "kg", "scope", "bench",
                          "applicability", "bench", "baseline", "kind", "benchmark", "value", 15.0, "source",
                          "benchmark figure for the benchmark run only (not an official figure)");
    json_t *mo = NULL;
    OK(svc_inc_method_create(&reg, m, &mo, &err), "methodology");
    long long baseline = json_integer_value(json_object_get(mo, "baseline_g"));
    json_decref(mo);
    json_decref(m);
    long long per[NL];
    for (int i = 0; i < NL; i++) {
        json_t *v = NULL;
        OK(svc_label_get(&op, labels[i], &v, &err), "label");
        per[i] = baseline - llround(json_number_value(json_object_get(json_object_get(v, "label"), "value")));
        json_decref(v);
    }
    long long *expect = calloc((size_t)parts, sizeof *expect);
    if (!expect)
        return 1;
    int64_t ledger0 = 0, ledger1 = 0;
    OK(store_ledger_entry_count(db, &ledger0, &err), "ledger count");
    printf("bench_inclusion: %lld purchases, batches of %lld, %lld participants, %d labels, %s\n", n, batch,
           parts, NL, store_backend_name(db));
    double t0 = now(), c0 = cpu_now(), tjson = 0;
    long long credited = 0, total = 0;
    char pid[32], who[32];
    for (long long start = 0; start < n; start += batch) {
        double tj = now();
        json_t *arr = json_array();
        long long end = start + batch < n ? start + batch : n;
        for (long long i = start; i < end; i++) {
            int l = (int)(i % NL);
            long long u = (i * 7919) % parts;
            double q = 0.5 + (double)(i % 7) * 0.25;
            snprintf(pid, sizeof pid, "o-%lld", i);
            snprintf(who, sizeof who, "user-%lld", u);
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "purchase_id", pid,
                                                 "participant", who, "region", "530100", "methodology",
                                                 "alu-bench", "label", labels[l], "quantity", q));
            long long g = llround((double)per[l] * q);
            expect[u] += g > 0 ? g : 0;
            total += g > 0 ? g : 0;
        }
        tjson += now() - tj;
        json_t *res = NULL;
        int k = 0;
        OK(svc_inc_report(&shop, arr, &res, &k, &err), "report");
        credited += k;
        json_decref(res);
        json_decref(arr);
    }
    double wall = now() - t0, cpu = cpu_now() - c0;
    printf("credited %lld of %lld in %.2f s wall (%.2f s CPU; building the request JSON %.2f s): %.0f "
           "purchases/s "
           "wall, %.0f/s CPU\n",
           credited, n, wall, cpu, tjson, (double)n / wall, (double)n / cpu);
    /* exact balances */
    int64_t balances = 0, credits = 0, retired = 0;
    OK(store_inc_totals(db, &balances, &credits, &retired, &err), "totals");
    OK(store_ledger_entry_count(db, &ledger1, &err), "ledger count");
    long long bad = 0;
    json_t *rows = NULL;
    OK(apps_rows(db, "SELECT participant, balance FROM inc_account", "tp ib", json_array(), &rows, &err),
       "accounts");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        long long u = atoll(json_string_value(json_object_get(r, "p")) + 5);
        bad += json_integer_value(json_object_get(r, "b")) != expect[u];
    }
    json_decref(rows);
    printf("balances: sum %lld g, credits %lld g, expected %lld g, accounts differing %lld -> %s\n",
           (long long)balances, (long long)credits, total, bad,
           balances == total && credits == total && !bad ? "EXACT" : "WRONG");
    printf("ledger entries added: %lld (credited purchases %lld) -> %s\n", (long long)(ledger1 - ledger0),
           credited, ledger1 - ledger0 == credited ? "one per credit" : "MISMATCH");
    /* one batch again: nothing credited */
    json_t *arr = json_array(), *res = NULL;
    for (long long j = 0; j < (batch < n ? batch : n); j++) {
        snprintf(pid, sizeof pid, "o-%lld", j);
        snprintf(who, sizeof who, "user-%lld", (j * 7919) % parts);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "purchase_id", pid, "participant",
                                             who, "region", "530100", "methodology", "alu-bench", "label",
                                             labels[j % NL], "quantity", 1.0));
    }
    int again = -1;
    OK(svc_inc_report(&shop, arr, &res, &again, &err), "report again");
    printf("the first batch reported again: %d credited (must be 0)\n", again);
    json_decref(arr);
    json_decref(res);
    /* the ledger alone, same entries */
    double cpu_one = 0;
    if (lm > 0) {
        double c1 = cpu_now();
        for (long long start = 0; start < lm; start += batch) {
            OK(svc_begin(&shop, &err), "begin");
            for (long long k = start; k < start + batch && k < lm; k++) {
                char key[64];
                snprintf(key, sizeof key, "bench/%lld", k);
                json_t *ch = json_pack("{s:s,s:I}", "action", "credit", "reduction_g", (json_int_t)k);
                json_t *st = json_pack("{s:s,s:s,s:I,s:f}", "purchase_id", key, "label", labels[0],
                                       "reduction_g", (json_int_t)k, "quantity", 1.5);
                OK(svc_record(&shop, "bench.entry", "bench", key, ch, st, &err), "append");
                json_decref(ch);
                json_decref(st);
            }
            OK(svc_commit(&shop, &err), "commit");
        }
        cpu_one = cpu_now() - c1;
        printf("ledger alone, %lld entries in transactions of %lld: svc_record %.2f s CPU (%.0f/s)\n", lm, batch,
               cpu_one, (double)lm / cpu_one);
    }
    int vfail = 0;
    if (verify) {
        ledger_report vr;
        double v0 = now();
        OK(svc_ledger_verify(&op, NULL, NULL, &vr, &err), "verify");
        printf("ledger verify: %lld entries checked in %.1f s, %zu problems\n", (long long)vr.entries,
               now() - v0, vr.nproblems);
        vfail = vr.nproblems != 0;
        ledger_report_release(&vr);
    }
    int fail = vfail || !(balances == total && credits == total && !bad && ledger1 - ledger0 == credited &&
                          again == 0);
    svc_ctx *cs[] = {&op, &reg, &ent, &body, &shop};
    for (size_t j = 0; j < 5; j++)
        svc_ctx_release(cs[j]);
    for (int j = 0; j < NL; j++)
        free(labels[j]);
    free(expect);
    store_close(db);
    if (*dir && !keep) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return fail;
}
