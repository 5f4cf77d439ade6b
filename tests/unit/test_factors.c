/* services/factors: workflow, resolution, search, import/export and
 * cross-checks; the same tests on SQLite and (with TJ_PG_URL) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>
#include <iconv.h>
#include <jansson.h>
#include <math.h>

#include "services/factors.h"
#include "services/factors_internal.h"
#include "store/store.h"
#include "tj_testdb.h"

#include "services/ctx.h"
#include "store/factor_sql.h"
#include "ledger/ledger.h"
/* Test principals: all roles, the operator organisation, named as given
 * (the name is what the history records). */
static svc_ctx tjt_ctx_s[4];
static int tjt_ctx_i;
static svc_ctx *TCA(store_db *db, const char *name)
{
    svc_ctx *c = &tjt_ctx_s[tjt_ctx_i++ % 4];
    svc_ctx_release(c);
    svc_ctx_init(c, db, name, name, SVC_OPERATOR_ORG, SVC_ROLE_ALL, NULL);
    return c;
}
static svc_ctx *TC(store_db *db)
{
    return TCA(db, "operator");
}



static void set(svc_factor *f, const char *field, const char *v)
{
    tj_error err;
    const svc_field *fd = svc_factor_field_find(field);
    assert_non_null(fd);
    assert_int_equal(svc_factor_set_field(f, fd, v, &err), TJ_OK);
}

static void import_ok(store_db *db, const char *name, const char *text, const char *status)
{
    tj_error err;
    svc_import_result r;
    tj_status rc = svc_factor_import_mem(TCA(db, "tester"), name, text, strlen(text), NULL, status, &r, &err);
    if (rc != TJ_OK) {
        char buf[2048];
        fprintf(stderr, "import: %s\n", tj_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rc, TJ_OK);
}

static void test_workflow(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    svc_factor f;
    svc_factor_init(&f);
    set(&f, "id", "al-ingot");
    set(&f, "name_zh", "电解铝");
    set(&f, "name_en", "Primary aluminium ingot");
    set(&f, "category", "metals");
    set(&f, "unit", "t");
    set(&f, "value", "16500");
    set(&f, "region", "云南");
    set(&f, "ref_year", "2022");
    set(&f, "gases", "{\"CO2\": 15000, \"PFC\": 1500}");
    set(&f, "evidence",
        "aa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=report.pdf");
    set(&f, "quality", "example");
    assert_int_equal(svc_factor_add(TCA(fx->db, "alice"), &f, &err), TJ_OK);
    assert_int_equal(f.version, 1);
    assert_string_equal(f.region, "530000");
    assert_string_equal(f.status, "draft");
    svc_factor_release(&f);
    /* a draft is never used by a calculation */
    assert_int_equal(svc_factor_get_for_use(TC(fx->db), "al-ingot", 0, &f, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_factor_get_for_use(TC(fx->db), "al-ingot", 1, &f, &err), TJ_ERR_CONFLICT);

    /* publishing a draft is not allowed; the workflow goes step by step */
    assert_int_equal(svc_factor_transition(TCA(fx->db, "reg"), "al-ingot", 0, "publish", NULL, NULL, &err),
                     TJ_ERR_CONFLICT);
    /* no source document: the traceability check refuses submission */
    assert_int_equal(svc_factor_transition(TCA(fx->db, "alice"), "al-ingot", 0, "submit", NULL, NULL, &err),
                     TJ_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "source"));
    assert_int_equal(store_exec(fx->db,
                                "UPDATE factor_version SET source_doc = 'Report 2023' WHERE id = 'al-ingot'",
                                &err),
                     TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "alice"), "al-ingot", 0, "submit", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert"), "al-ingot", 0, "review", "start", NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert"), "al-ingot", 0, "approve", "checked", NULL, &err),
                     TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "reg"), "al-ingot", 1, "publish", NULL, NULL, &err), TJ_OK);

    /* published is immutable, even to direct SQL */
    assert_int_not_equal(
        store_exec(fx->db, "UPDATE factor_version SET value = 1 WHERE id = 'al-ingot'", &err), TJ_OK);
    assert_non_null(strstr(err.message, "immutable"));
    assert_int_not_equal(store_exec(fx->db, "DELETE FROM factor_version WHERE id = 'al-ingot'", &err), TJ_OK);

    /* a new version supersedes the old one when published */
    svc_factor g;
    svc_factor_init(&g);
    set(&g, "id", "al-ingot");
    set(&g, "name_zh", "电解铝");
    set(&g, "category", "metals");
    set(&g, "unit", "t");
    set(&g, "value", "16000");
    set(&g, "region", "530000");
    set(&g, "ref_year", "2023");
    set(&g, "source_doc", "Report 2024");
    assert_int_equal(svc_factor_add(TCA(fx->db, "alice"), &g, &err), TJ_OK);
    assert_int_equal(g.version, 2);
    svc_factor_release(&g);
    /* a third while the second is in the workflow is refused */
    svc_factor_init(&g);
    set(&g, "id", "al-ingot");
    set(&g, "name_zh", "x");
    set(&g, "category", "metals");
    set(&g, "unit", "t");
    set(&g, "value", "1");
    set(&g, "region", "CN");
    assert_int_equal(svc_factor_add(TCA(fx->db, "alice"), &g, &err), TJ_ERR_CONFLICT);
    svc_factor_release(&g);

    /* the current version is still v1 */
    assert_int_equal(svc_factor_get(TC(fx->db), "al-ingot", 0, &g, &err), TJ_OK);
    assert_int_equal(g.version, 1);
    assert_true(g.value == 16500);
    assert_string_equal(g.gases, "{\"CO2\":15000,\"PFC\":1500}");
    assert_non_null(strstr(g.evidence, "=report.pdf"));
    svc_factor_release(&g);

    assert_int_equal(svc_factor_transition(TCA(fx->db, "alice"), "al-ingot", 2, "submit", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert"), "al-ingot", 2, "review", NULL, NULL, &err), TJ_OK);
    /* a second reviewer comments; a comment needs text */
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert2"), "al-ingot", 2, "review", NULL, NULL, &err),
                     TJ_ERR_USAGE);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert2"), "al-ingot", 2, "review", "PFC data ok", NULL, &err),
                     TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert"), "al-ingot", 2, "reject", NULL, NULL, &err),
                     TJ_ERR_USAGE);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "expert"), "al-ingot", 2, "approve", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "reg"), "al-ingot", 2, "publish", "annual update", NULL, &err),
                     TJ_OK);
    assert_int_equal(svc_factor_get(TC(fx->db), "al-ingot", 0, &g, &err), TJ_OK);
    assert_int_equal(g.version, 2);
    assert_string_equal(g.status, "published");
    svc_factor_release(&g);
    assert_int_equal(svc_factor_get(TC(fx->db), "al-ingot", 1, &g, &err), TJ_OK);
    assert_string_equal(g.status, "superseded");
    assert_int_equal(g.superseded_by, 2);
    assert_true(g.value == 16500); /* unchanged */
    svc_factor_release(&g);
    assert_int_equal(svc_factor_get(TC(fx->db), "al-ingot", 9, &g, &err), TJ_ERR_NOTFOUND);
    /* for a calculation: published (or an explicitly pinned superseded) versions only */
    assert_int_equal(svc_factor_get_for_use(TC(fx->db), "al-ingot", 0, &g, &err), TJ_OK);
    assert_int_equal(g.version, 2);
    svc_factor_release(&g);
    assert_int_equal(svc_factor_get_for_use(TC(fx->db), "al-ingot", 1, &g, &err), TJ_OK);
    assert_string_equal(g.status, "superseded");
    svc_factor_release(&g);

    assert_int_equal(svc_factor_transition(TCA(fx->db, "reg"), "al-ingot", 2, "withdraw", NULL, NULL, &err),
                     TJ_ERR_USAGE);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "reg"), "al-ingot", 2, "withdraw", "error found", NULL, &err),
                     TJ_OK);
    assert_int_equal(svc_factor_get_for_use(TC(fx->db), "al-ingot", 2, &g, &err), TJ_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "withdrawn"));
    assert_int_equal(svc_factor_get_for_use(TC(fx->db), "al-ingot", 0, &g, &err), TJ_ERR_NOTFOUND);

    svc_factor_events ev;
    assert_int_equal(svc_factor_history(TC(fx->db), "al-ingot", 0, &ev, &err), TJ_OK);
    /* v1: add submit review approve publish supersede; v2: add submit review review approve publish withdraw
     */
    assert_int_equal(ev.count, 13);
    assert_string_equal(ev.items[0].action, "add");
    assert_string_equal(ev.items[0].actor, "alice");
    assert_string_equal(ev.items[3].action, "approve");
    assert_string_equal(ev.items[3].reason, "checked");
    assert_string_equal(ev.items[12].action, "withdraw");
    assert_string_equal(ev.items[12].reason, "error found");
    assert_string_equal(ev.items[12].from_status, "published");
    int comments = 0;
    for (size_t i = 0; i < ev.count; i++)
        if (!strcmp(ev.items[i].actor, "expert2")) {
            comments++;
            assert_string_equal(ev.items[i].from_status, "under_review");
            assert_string_equal(ev.items[i].to_status, "under_review");
            assert_string_equal(ev.items[i].reason, "PFC data ok");
        }
    assert_int_equal(comments, 1);
    int seen_supersede = 0;
    for (size_t i = 0; i < ev.count; i++)
        if (!strcmp(ev.items[i].action, "supersede")) {
            seen_supersede = 1;
            assert_int_equal(ev.items[i].version, 1);
        }
    assert_true(seen_supersede);
    assert_true(ev.items[0].at[4] == '-' && ev.items[0].at[strlen(ev.items[0].at) - 1] == 'Z');
    svc_factor_events_release(&ev);
    assert_int_equal(svc_factor_history(TC(fx->db), "nope", 0, &ev, &err), TJ_ERR_NOTFOUND);

    char *id;
    int v;
    assert_int_equal(svc_factor_parse_ref("al-ingot@2", &id, &v, &err), TJ_OK);
    assert_string_equal(id, "al-ingot");
    assert_int_equal(v, 2);
    free(id);
    assert_int_equal(svc_factor_parse_ref("al-ingot@x", &id, &v, &err), TJ_ERR_INPUT);
}

static void test_validation(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    svc_factor f;
    svc_factor_init(&f);
    set(&f, "name_en", "x");
    set(&f, "category", "c");
    set(&f, "unit", "kg");
    set(&f, "value", "1");
    set(&f, "region", "990000");
    assert_int_equal(svc_factor_add(TCA(fx->db, "a"), &f, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "region");
    /* bytes that are not UTF-8: refused by field, before any database sees them */
    assert_int_equal(svc_factor_set_field(&f, svc_factor_field_find("name_zh"), "\xe7\x94", &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "name_zh");
    assert_null(f.name_zh);
    char *rid = NULL;
    int rver = 0;
    assert_int_equal(svc_factor_parse_ref("x\xff@2", &rid, &rver, &err), TJ_ERR_INPUT);
    assert_null(rid);
    set(&f, "region", "530100"); /* Kunming: a city */
    assert_int_equal(svc_factor_add(TCA(fx->db, "a"), &f, &err), TJ_OK);
    assert_string_equal(f.region_level, "city");
    assert_int_equal(strlen(f.id), 36); /* generated UUID */
    svc_factor_release(&f);
    const svc_field *fd = svc_factor_field_find("value");
    assert_int_equal(svc_factor_set_field(&f, fd, "abc", &err), TJ_ERR_INPUT);
    fd = svc_factor_field_find("gases");
    assert_int_equal(svc_factor_set_field(&f, fd, "[1]", &err), TJ_ERR_INPUT);
    assert_int_equal(svc_factor_set_field(&f, fd, "{\"CO2\":\"x\"}", &err), TJ_ERR_INPUT);
    svc_factor_release(&f);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version"), 1);
}

static const char grid_csv[] =
    "id,name_zh,name_en,aliases,category,unit,value,region,ref_year,source_doc,source_date,gwp_set\n"
    "g-cn-2021,电网平均排放因子,grid average,电力|electricity grid,electricity,kWh,0.5568,CN,2021,MEE "
    "2024-12,2024-04-12,CO2 only\n"
    "g-cn-2022,电网平均排放因子,grid average,,electricity,kWh,0.5366,CN,2022,MEE,2024-12-20,CO2 only\n"
    "g-cn-2023,电网平均排放因子,grid average,,electricity,kWh,0.5306,CN,2023,MEE,2026-01,CO2 only\n"
    "g-nf-2022,电网平均排放因子,grid average,,electricity,kWh,0.3869,GRID-NF,2022,MEE,2024-12-20,CO2 only\n"
    "g-nf-2023,电网平均排放因子,grid average,,electricity,kWh,0.4042,GRID-NF,2023,MEE,2026-01,CO2 only\n"
    "g-yn-2021,电网平均排放因子,grid average,,electricity,kWh,0.1235,530000,2021,MEE,2024-12-20,CO2 only\n"
    "g-yn-2022,电网平均排放因子,grid average,,electricity,kWh,0.1073,530000,2022,MEE,2024-12-20,CO2 only\n"
    "g-hb-2022,电网平均排放因子,grid average,,electricity,kWh,0.7252,130000,2022,MEE,2024-12-20,CO2 only\n";

static void test_resolve(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    import_ok(fx->db, "grid.csv", grid_csv, "published");
    svc_factor_resolution r;
    /* province, newest year not after 2023 */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "电网平均排放因子", "530000", 2023, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-yn-2022");
    assert_true(r.factor.value == 0.1073);
    assert_string_equal(r.chain, "530000 > GRID-NF > CN > GLOBAL");
    assert_non_null(strstr(r.explanation, "2022"));
    svc_factor_resolution_release(&r);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "Grid  Average", "云南省", 2021, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-yn-2021");
    svc_factor_resolution_release(&r);
    /* a city walks to its province */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "530100", 2022, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-yn-2022");
    svc_factor_resolution_release(&r);
    /* Guangdong: no provincial factor -> 南方 grid */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "440000", 2023, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-nf-2023");
    assert_non_null(strstr(r.explanation, "None for 440000"));
    svc_factor_resolution_release(&r);
    /* grid has nothing up to 2021 -> national */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "440000", 2021, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-cn-2021");
    svc_factor_resolution_release(&r);
    /* no year: newest; no region: national; alias */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "electricity grid", NULL, 0, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-cn-2021"); /* only that version has the alias */
    svc_factor_resolution_release(&r);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "CN", 0, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-cn-2023");
    svc_factor_resolution_release(&r);
    /* Hebei 2023 -> 2022 provincial */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "河北", 2023, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "g-hb-2022");
    svc_factor_resolution_release(&r);
    /* before any year */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "530000", 2020, &r, &err), TJ_ERR_NOTFOUND);
    assert_non_null(strstr(err.message, "2021"));
    assert_int_equal(svc_factor_resolve(TC(fx->db), "no such thing", "530000", 2020, &r, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "grid average", "Atlantis", 2020, &r, &err), TJ_ERR_INPUT);

    /* an international default is the last resort */
    import_ok(fx->db, "ipcc.csv",
              "id,name_en,category,unit,value,region,source_doc\n"
              "ipcc-ng,natural gas combustion,fuel,TJ,56100,GLOBAL,IPCC 2006\n",
              "published");
    assert_int_equal(svc_factor_resolve(TC(fx->db), "natural gas combustion", "530000", 2023, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "ipcc-ng");
    assert_string_equal(r.factor.region_level, "global");
    svc_factor_resolution_release(&r);
    /* ties on region and year: newer source date wins, then the smaller id */
    import_ok(fx->db, "tie.csv",
              "id,name_en,category,unit,value,region,ref_year,source_doc,source_date\n"
              "tie-b,tie test,x,kg,2,CN,2022,doc,2024-01-01\n"
              "tie-a,tie test,x,kg,1,CN,2022,doc,2024-01-01\n"
              "tie-c,tie test,x,kg,3,CN,2022,doc,2023-01-01\n",
              "published");
    assert_int_equal(svc_factor_resolve(TC(fx->db), "tie test", NULL, 2022, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "tie-a");
    assert_int_equal(r.candidates, 3);
    assert_non_null(strstr(r.explanation, "tied"));
    svc_factor_resolution_release(&r);
    /* drafts are never resolved */
    import_ok(fx->db, "draft.csv",
              "id,name_en,category,unit,value,region,ref_year\n"
              "d-1,draft only,x,kg,2,CN,2022\n",
              "draft");
    assert_int_equal(svc_factor_resolve(TC(fx->db), "draft only", NULL, 0, &r, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id = 'd-1'"), 0);

    /* a new published version (import) takes over; the old one's names go */
    import_ok(fx->db, "tie2.csv",
              "id,name_en,category,unit,value,region,ref_year,source_doc,source_date\n"
              "tie-a,tie test,x,kg,1.5,CN,2022,doc,2024-01-01\n",
              "published");
    assert_int_equal(svc_factor_resolve(TC(fx->db), "tie test", NULL, 2022, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "tie-a");
    assert_int_equal(r.factor.version, 2);
    assert_true(r.factor.value == 1.5);
    assert_int_equal(r.candidates, 3);
    svc_factor_resolution_release(&r);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id = 'tie-a' AND version = 1"), 0);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id = 'tie-a' AND version = 2"), 2);
    /* withdrawing leaves the others; publishing through the workflow adds names */
    assert_int_equal(svc_factor_transition(TCA(fx->db, "t"), "tie-a", 2, "withdraw", "wrong", NULL, &err), TJ_OK);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id = 'tie-a'"), 0);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "tie test", NULL, 2022, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "tie-b");
    assert_int_equal(r.candidates, 2);
    svc_factor_resolution_release(&r);
    assert_int_equal(svc_factor_transition(TCA(fx->db, "t"), "d-1", 0, "submit", NULL, NULL, &err), TJ_ERR_CONFLICT); /* no source */
    svc_factor f;
    svc_factor_init(&f);
    set(&f, "id", "n-1");
    set(&f, "name_en", "workflow name");
    set(&f, "category", "x");
    set(&f, "unit", "kg");
    set(&f, "value", "4");
    set(&f, "region", "CN");
    set(&f, "source_doc", "doc");
    assert_int_equal(svc_factor_add(TCA(fx->db, "t"), &f, &err), TJ_OK);
    svc_factor_release(&f);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "workflow name", NULL, 0, &r, &err), TJ_ERR_NOTFOUND);
    const char *steps[] = {"submit", "review", "approve", "publish"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(svc_factor_transition(TCA(fx->db, "t"), "n-1", 1, steps[i], NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "workflow name", NULL, 0, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "n-1");
    svc_factor_resolution_release(&r);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id = 'n-1' AND version = 1"), 2);
}

static void search_cases(tjt_fixture *fx)
{
    tj_error err;
    import_ok(fx->db, "grid.csv", grid_csv, "published");
    import_ok(fx->db, "m.csv",
              "id,name_zh,name_en,category,unit,value,region,ref_year,quality\n"
              "al-1,原铝（电解铝）,Primary aluminium,metals,t,16.5,530000,2022,example\n"
              "al-2,电解铝液,Aluminium liquid,metals,t,15.1,CN,2022,example\n"
              "cu-1,电解铜,Electrolytic copper,metals,t,3.1,CN,2023,example\n"
              "tea-1,普洱茶,Pu'er tea,agriculture,kg,2.2,530000,2023,example\n"
              "pv-1,光伏组件,PV module,electronics,m2,250,CN,2023,example\n",
              "draft");
    svc_factor_list l;
    svc_factor_query q = {0};
    q.text = "电解铝";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    assert_string_equal(l.items[0].id, "al-1");
    assert_string_equal(l.items[1].id, "al-2");
    svc_factor_list_release(&l);
    q.text = "铝"; /* one character: below the trigram length */
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    svc_factor_list_release(&l);
    q.text = "electricity Yunnan";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2); /* g-yn-2021, g-yn-2022 */
    assert_string_equal(l.items[0].id, "g-yn-2021");
    svc_factor_list_release(&l);
    q.text = "光伏"; /* 伏 is E4 BC 8F: 0xBC is also a byte of the full-width comma */
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 1);
    svc_factor_list_release(&l);
    q.text = "电解，Yunnan"; /* full-width comma separates words */
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 1);
    assert_string_equal(l.items[0].id, "al-1");
    svc_factor_list_release(&l);
    q.text = "ALUMINIUM";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    svc_factor_list_release(&l);
    q.text = "100%_\\\"'"; /* special characters are literal */
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 0);
    svc_factor_list_release(&l);
    /* filters */
    q = (svc_factor_query){0};
    q.category = "metals";
    q.year = 2022;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    svc_factor_list_release(&l);
    q = (svc_factor_query){0};
    q.region = "Yunnan";
    q.status = "published";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    svc_factor_list_release(&l);
    /* paging */
    q = (svc_factor_query){0};
    q.limit = 3;
    q.offset = 3;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 13);
    assert_int_equal(l.count, 3);
    assert_false(l.total_capped);
    assert_string_equal(l.items[0].id, "g-nf-2022"); /* in the order added */
    svc_factor_list_release(&l);
    q.offset = 12;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].id, "pv-1");
    svc_factor_list_release(&l);
    /* substrings anywhere in a word, long words, quotes and separators */
    import_ok(fx->db, "k.csv",
              "id,name_zh,name_en,aliases,category,unit,value,region,ref_year,quality\n"
              "k-1,聚对苯二甲酸乙二醇酯瓶片,Polyethyleneterephthalatebottlechips,O'Brien\\x;a|b,plastics,t,2.5,CN,2023,"
              "example\n",
              "draft");
    const struct {
        const char *text;
        int hits;
    } cases[] = {
        {"luminiu", 2},        {"uminium liquid", 1},  {"ethyleneterephthalatebottle", 1},
        {"terephthalatebottlechips", 1}, {"ethyleneterephthalatebottlechipz", 0}, {"苯二甲酸乙二醇酯瓶", 1},
        {"醇酯瓶片", 1},       {"o'brien\\x", 1},      {"'brien", 1},
        {"a|b", 1},            {"k-1", 1},             {"2022 yunnan", 1},
        {"铝（电解", 1},       {"530000 普洱", 1},      {"plastics k-", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        q = (svc_factor_query){0};
        q.text = cases[i].text;
        assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
        if (l.total != cases[i].hits)
            fail_msg("search \"%s\": %lld matches, expected %d", cases[i].text, (long long)l.total,
                     cases[i].hits);
        svc_factor_list_release(&l);
    }
    /* the private-use characters of SQLite's filter tokens are no search
     * text: a query of a token is a query of nothing */
    {
        char tok[STORE_FTS_TOKEN_SIZE];
        store_fts_token('r', "530000", tok);
        assert_int_equal(strlen(tok), 9);
        q = (svc_factor_query){0};
        svc_factor_list all;
        assert_int_equal(svc_factor_search(TC(fx->db), &q, &all, &err), TJ_OK);
        q.text = tok;
        assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
        assert_int_equal(l.total, all.total);
        svc_factor_list_release(&l);
        svc_factor_list_release(&all);
    }
    /* text that is not UTF-8 is refused on both backends, naming what */
    q = (svc_factor_query){0};
    q.text = "\xff\xfe";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "text");
    q.text = NULL;
    q.category = "metals\xc0\xaf";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "category");
    {
        svc_factor_resolution r;
        assert_int_equal(svc_factor_resolve(TC(fx->db), "grid\xed\xa0\x80", "CN", 0, &r, &err), TJ_ERR_INPUT);
        assert_string_equal(err.path, "query");
    }
    /* words with filters */
    const struct {
        const char *text, *region, *category;
        int year, hits;
    } fcases[] = {
        {"电解", "Yunnan", NULL, 0, 1},          {"alumin", NULL, "metals", 2022, 2},
        {"tea", "530000", NULL, 2022, 0},        {"tea", "CN-YN", NULL, 2023, 1},
        {"alumin", NULL, "metal", 0, 0},         {"electricity", NULL, NULL, 2022, 4},
    };
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        q = (svc_factor_query){0};
        q.text = fcases[i].text;
        q.region = fcases[i].region;
        q.category = fcases[i].category;
        q.year = fcases[i].year;
        assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
        if (l.total != fcases[i].hits)
            fail_msg("search \"%s\" (filters %zu): %lld matches, expected %d", fcases[i].text, i,
                     (long long)l.total, fcases[i].hits);
        svc_factor_list_release(&l);
    }
}

/* Superseded versions: left out unless all_versions or status superseded. */
static void search_history(tjt_fixture *fx)
{
    tj_error err;
    svc_factor_list l;
    svc_factor_query q = {0};
    if (tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version WHERE id = 'hist-1'") == 0)
        import_ok(fx->db, "hist.csv",
                  "id,name_zh,name_en,category,unit,value,region,ref_year,source_doc,quality\n"
                  "hist-1,普洱熟茶,Ripe pu'er tea,agriculture,kg,2.0,530000,2023,doc,example\n"
                  "hist-1,普洱熟茶,Ripe pu'er tea,agriculture,kg,1.9,530000,2023,doc,example\n",
                  "published");
    q.text = "普洱熟茶";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 1);
    assert_int_equal(l.items[0].version, 2);
    assert_string_equal(l.items[0].status, "published");
    svc_factor_list_release(&l);
    q.all_versions = 1;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    assert_int_equal(l.items[0].version, 1);
    assert_string_equal(l.items[0].status, "superseded");
    svc_factor_list_release(&l);
    q.all_versions = 0;
    q.status = "superseded";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 1);
    assert_int_equal(l.items[0].version, 1);
    svc_factor_list_release(&l);
    q = (svc_factor_query){0};
    q.text = "ripe tea";
    q.year = 2023;
    q.region = "Yunnan";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 1);
    svc_factor_list_release(&l);
    q.all_versions = 1;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, 2);
    svc_factor_list_release(&l);
}

/* search_keys (PostgreSQL): n-grams and filter lexemes, sorted and
 * deduplicated in PostgreSQL's lexeme order, quotes escaped. */
static void test_search_keys(void **state)
{
    tjt_fixture *fx = *state;
    svc_factor f;
    svc_factor_init(&f);
    set(&f, "region", "530000");
    set(&f, "category", "metals");
    set(&f, "ref_year", "2023");
    char *k = factor_sql_search_keys("alumi 电解铝 o'bri alumi", f.ref_year, f.region, f.category);
    assert_non_null(k);
    assert_string_equal(k, "'\\'bri' 'alum' 'c metals' 'lumi' 'o\\'br' 'r 530000' 'y 2023' '电解' '解铝'");
    if (store_backend(fx->db) == STORE_POSTGRES) {
        store_stmt *st;
        tj_error err;
        assert_int_equal(store_prepare(fx->db, "SELECT array_length(tsvector_to_array(?::tsvector), 1), "
                                               "?::tsvector @@ $$'''bri' & '解铝' & 'y 2023'$$::tsquery",
                                       &st, &err),
                         TJ_OK);
        store_bind_text(st, 1, k);
        store_bind_text(st, 2, k);
        assert_int_equal(store_step(st, &err), 1);
        assert_int_equal(store_col_int64(st, 0), 9);
        assert_int_equal(store_col_int64(st, 1), 1);
        store_finalize(st);
    }
    free(k);
    svc_factor_release(&f);
}

static void search_paging(tjt_fixture *fx)
{
    tj_error err;
    svc_factor_list all, l;
    svc_factor_query q = {0};
    q.text = "electricity";
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &all, &err), TJ_OK);
    assert_true(all.total >= 4);
    assert_int_equal((long long)all.count, (long long)all.total);
    q.limit = 2;
    q.offset = 1;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, all.total);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.items[0].id, all.items[1].id);
    assert_string_equal(l.items[1].id, all.items[2].id);
    svc_factor_list_release(&l);
    q.offset = (int)all.total; /* past the end: no rows, the total still */
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, all.total);
    assert_int_equal(l.count, 0);
    svc_factor_list_release(&l);
    svc_factor_list_release(&all);
}


/* The factor files shipped in data/factors, published. */
static void import_shipped(tjt_fixture *fx)
{
    const char *src = getenv("TJ_SOURCE_DIR");
    assert_non_null(src); /* data/factors is shipped in the repository */
    const char *files[] = {"cn_grid_co2_2021_2023.csv", "cn_electricity_lifecycle_2023.csv",
                           "ipcc2006_fuel_combustion_co2.csv", "transport_defra2012_hgv.csv"};
    for (size_t i = 0; i < 4; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data/factors/%s", src, files[i]);
        svc_import_result r;
        tj_error err;
        assert_int_equal(svc_factor_import(TC(fx->db), path, NULL, "published", &r, &err), TJ_OK);
    }
}

/* Everyday words (issue 9): "电力" is no factor's name; resolution finds the
 * shipped electricity families and lists them instead of "no factor"; words
 * that match one family resolve it; permissions and visibility. */
static void test_resolve_words(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    import_shipped(fx);
    svc_factor_resolution r;
    assert_int_equal(svc_factor_resolve(TC(fx->db), "电力", "530000", 0, &r, &err), TJ_ERR_CONFLICT);
    assert_int_equal(r.families, 4);
    assert_non_null(strstr(err.message, "电力平均二氧化碳排放因子"));
    assert_non_null(strstr(err.message, "全国电力平均碳足迹因子（全生命周期）"));
    assert_non_null(strstr(err.message, "Resolve by one of these names"));
    /* the nearest region's family first */
    assert_true(strstr(err.message, "cn-grid-avg-530000") < strstr(err.message, "全国电力平均碳足迹因子"));
    svc_factor_resolution_release(&r);
    /* English words, several families too */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "electricity", "530000", 0, &r, &err), TJ_ERR_CONFLICT);
    svc_factor_resolution_release(&r);
    /* one family by its words: resolved, and the explanation says how */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "life cycle wind", NULL, 0, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "cn-elec-lca-wind-CN-2023");
    assert_non_null(strstr(r.explanation, "is not a factor name"));
    svc_factor_resolution_release(&r);
    /* the listed name then resolves with the usual region chain */
    assert_int_equal(svc_factor_resolve(TC(fx->db), "电力平均二氧化碳排放因子", "530000", 2023, &r, &err), TJ_OK);
    assert_string_equal(r.factor.id, "cn-grid-avg-530000-2022");
    svc_factor_resolution_release(&r);
    assert_int_equal(svc_factor_resolve(TC(fx->db), "钢铁", NULL, 0, &r, &err), TJ_ERR_NOTFOUND);

    /* roles and visibility */
    svc_ctx sub, other, rev;
    assert_int_equal(svc_ctx_init(&sub, fx->db, "u:sub", "sub", "org-a", SVC_ROLE_SUBMITTER, &err), TJ_OK);
    assert_int_equal(svc_ctx_init(&other, fx->db, "u:other", "other", "org-b", SVC_ROLE_ENTERPRISE, &err), TJ_OK);
    assert_int_equal(svc_ctx_init(&rev, fx->db, "u:rev", "rev", "org-c", SVC_ROLE_REVIEWER, &err), TJ_OK);
    assert_int_equal(store_exec(fx->db, "INSERT INTO organisation (id, name, kind, created_at) VALUES "
                                        "('org-a', 'A', 'enterprise', '2026-01-01T00:00:00Z')", &err), TJ_OK);
    svc_factor f;
    svc_factor_init(&f);
    set(&f, "id", "mine");
    set(&f, "name_zh", "我的因子");
    set(&f, "category", "c");
    set(&f, "unit", "kg");
    set(&f, "value", "1");
    set(&f, "region", "CN");
    set(&f, "source_doc", "report");
    assert_int_equal(svc_factor_add(&rev, &f, &err), TJ_ERR_PERM); /* reviewers do not add */
    assert_int_equal(svc_factor_add(&sub, &f, &err), TJ_OK);
    assert_string_equal(f.owner_org, "org-a");
    svc_factor_release(&f);
    assert_int_equal(svc_factor_get(&other, "mine", 0, &f, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_factor_transition(&other, "mine", 0, "submit", NULL, NULL, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_factor_transition(&sub, "mine", 0, "submit", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(&sub, "mine", 0, "review", NULL, NULL, &err), TJ_ERR_PERM);
    assert_int_equal(svc_factor_transition(&rev, "mine", 0, "review", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(&rev, "mine", 0, "approve", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_factor_transition(&rev, "mine", 0, "publish", NULL, NULL, &err), TJ_ERR_PERM);
    assert_int_equal(svc_factor_transition(TC(fx->db), "mine", 0, "publish", NULL, &f, &err), TJ_OK);
    assert_string_equal(f.status, "published");
    svc_factor_release(&f);
    assert_int_equal(svc_factor_get(&other, "mine", 0, &f, &err), TJ_OK); /* published: public */
    svc_factor_release(&f);
    /* the ledger: add, submit, review, approve, publish of mine@1, and its
     * state digest is the current state's */
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM ledger_entry WHERE object_id = 'mine@1'"), 5);
    json_t *st_json;
    assert_int_equal(svc_factor_state_json(TC(fx->db), "mine@1", &st_json, &err), TJ_OK);
    char hex[65];
    assert_int_equal(ledger_digest_json(st_json, hex, &err), TJ_OK);
    json_decref(st_json);
    char q[256];
    snprintf(q, sizeof q,
             "SELECT COUNT(*) FROM ledger_entry WHERE object_id = 'mine@1' AND kind = 'factor.publish' AND "
             "state_digest = '%s'",
             hex);
    assert_int_equal(tjt_count(fx->db, q), 1);
    /* one ledger entry per imported version */
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'factor.import'"),
                     tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version WHERE id <> 'mine'"));
    assert_true(fx_columns_agree());
    svc_ctx_release(&sub);
    svc_ctx_release(&other);
    svc_ctx_release(&rev);
}

static void test_search(void **state)
{
    search_cases(*state);
    search_paging(*state);
    search_history(*state);
}

/* The same cases with PostgreSQL's index plan (search_keys), which the
 * benchmark-sized databases take for rare matches. */
static void test_search_index_plan(void **state)
{
    factor_sql_force_index = 1;
    search_cases(*state);
    search_paging(*state);
    search_history(*state);
    factor_sql_force_index = 0;
}

static void expect_import_error(store_db *db, const char *name, const char *text, long line, long col,
                                const char *needle)
{
    tj_error err;
    svc_import_result r;
    int64_t before = tjt_count(db, "SELECT COUNT(*) FROM factor_version");
    int64_t names = tjt_count(db, "SELECT COUNT(*) FROM factor_name");
    tj_status rc = svc_factor_import_mem(TCA(db, "t"), name, text, strlen(text), NULL, "published", &r, &err);
    char buf[2048];
    if (rc == TJ_OK || err.line != line || err.column != col || !strstr(err.message, needle))
        fprintf(stderr, "got: %s (line %ld col %ld)\n", tj_error_format(&err, buf, sizeof buf), err.line,
                err.column);
    assert_int_not_equal(rc, TJ_OK);
    assert_string_equal(err.file, name);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, col);
    assert_non_null(strstr(err.message, needle));
    /* all or nothing */
    assert_int_equal(tjt_count(db, "SELECT COUNT(*) FROM factor_version"), before);
    assert_int_equal(tjt_count(db, "SELECT COUNT(*) FROM factor_name"), names);
}

static void test_import_errors(void **state)
{
    tjt_fixture *fx = *state;
    const char *hdr = "id,name_en,category,unit,value,region,ref_year,source_doc\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%sa,A,c,kg,1,CN,2022,d\nb,B,c,kg,1.2x,CN,2022,d\n", hdr);
    expect_import_error(fx->db, "bad.csv", buf, 3, 5, "value");
    snprintf(buf, sizeof buf, "%sa,A,c,kg,1,CN,2022,d\nb,B,c,kg,1,Mars,2022,d\n", hdr);
    expect_import_error(fx->db, "bad.csv", buf, 3, 6, "unknown region");
    snprintf(buf, sizeof buf, "%sa,A,c,kg,1,CN,2022,\n", hdr);
    expect_import_error(fx->db, "nosrc.csv", buf, 2, 8, "source");
    expect_import_error(fx->db, "hdr.csv", "id,name_en,colour\n", 1, 3, "unknown column");
    snprintf(buf, sizeof buf, "%sa,A,c,kg,1,CN\n", hdr);
    expect_import_error(fx->db, "short.csv", buf, 2, 6, "fields");
    snprintf(buf, sizeof buf, "%sa,\"A,c,kg,1,CN,2022,d\n", hdr);
    expect_import_error(fx->db, "quote.csv", buf, 2, 0, "CSV");
    /* JSON: syntax and field errors with line and column */
    expect_import_error(fx->db, "bad.json", "[\n {\"id\": \"a\",\n  \"value\": }\n]", 3, 12, "JSON");
    expect_import_error(
        fx->db, "bad.json",
        "{\"factors\": [\n"
        "  {\"id\": \"a\", \"name_en\": \"A\", \"category\": \"c\", \"unit\": \"kg\", \"value\": 1, "
        "\"region\": \"CN\", \"source_doc\": \"d\"},\n"
        "  {\"id\": \"b\", \"name_en\": \"B\", \"category\": \"c\", \"unit\": \"kg\",\n"
        "   \"value\": \"lots\", \"region\": \"CN\", \"source_doc\": \"d\"}\n"
        "]}\n",
        4, 13, "value");
    expect_import_error(fx->db, "bad.json", "[{\"id\": \"a\", \"colour\": 1}]", 1, 24, "unknown field");
    /* a validation error (unknown region) points at that field's value */
    expect_import_error(fx->db, "region.json",
                        "[{\"id\": \"a\", \"name_en\": \"A\", \"category\": \"c\", \"unit\": \"kg\",\n"
                        "  \"value\": 1, \"source_doc\": \"d\",\n  \"region\": \"Atlantis\"}]",
                        3, 13, "unknown region");
    /* not UTF-8 and not GB18030 */
    expect_import_error(fx->db, "bin.csv", "id\n\xff\xff\xff\n", 2, 1, "GB18030");
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_event"), 0);
}

static void test_import_encodings(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    const char *utf8 = "id,name_zh,category,unit,value,region,source_doc\n"
                       "yn-tea,云南普洱茶,agriculture,kg,1.5,530000,示例 example\n";
    /* BOM */
    char bom[512];
    snprintf(bom, sizeof bom, "\xEF\xBB\xBF%s", utf8);
    import_ok(fx->db, "bom.csv", bom, "published");
    /* GB18030 */
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char gb[512];
    char *in = (char *)utf8, *o = gb;
    size_t inleft = strlen(utf8), oleft = sizeof gb - 1;
    assert_true(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
    *o = 0;
    iconv_close(cd);
    char *p = strstr(gb, "yn-tea");
    assert_non_null(p);
    memcpy(p, "yn-te2", 6);
    svc_import_result r;
    assert_int_equal(
        svc_factor_import_mem(TCA(fx->db, "t"), "gb.csv", gb, strlen(gb), "csv", "published", &r, &err), TJ_OK);
    assert_int_equal(r.rows, 1);
    svc_factor f;
    assert_int_equal(svc_factor_get(TC(fx->db), "yn-te2", 0, &f, &err), TJ_OK);
    assert_string_equal(f.name_zh, "云南普洱茶");
    svc_factor_release(&f);
    /* the same from files (svc_factor_import keeps a UTF-8 file's buffer as
     * the text; a byte order mark, GB18030, a stray byte or a NUL go
     * through tj_text_to_utf8) */
    char dir[] = "/tmp/tjenc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char stray[] = "id,name_zh,category,unit,value,region,source_doc\n"
                                "yn-x1,云南普洱茶,agriculture,kg,1.5,530000,doc\n"
                                "yn-x2,bad \xff byte,agriculture,kg,1.5,530000,doc\n";
    const struct {
        const char *name, *text;
        size_t len;
        tj_status want;
        const char *id;
    } files[] = {
        {"u.csv", "id,name_zh,category,unit,value,region,source_doc\nyn-f1,云南普洱茶,agriculture,kg,1.5,530000,d\n",
         0, TJ_OK, "yn-f1"},
        {"b.csv", "\xEF\xBB\xBFid,name_zh,category,unit,value,region,source_doc\nyn-f2,云南普洱茶,agriculture,kg,1,"
                  "530000,d\n",
         0, TJ_OK, "yn-f2"},
        {"g.csv", gb, 0, TJ_OK, "yn-te2"},
        {"s.csv", stray, 0, TJ_ERR_INPUT, NULL},
        {"n.csv", "id,name_zh,category,unit,value,region,source_doc\nyn-f3,a\0b,agriculture,kg,1,530000,d\n", 85,
         TJ_ERR_INPUT, NULL},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        size_t n = files[i].len ? files[i].len : strlen(files[i].text);
        assert_int_equal(fwrite(files[i].text, 1, n, fp), n);
        fclose(fp);
        tj_status rc = svc_factor_import(TCA(fx->db, "t"), path, "csv", "published", &r, &err);
        unlink(path);
        assert_int_equal(rc, files[i].want);
        if (i == 3) { /* refused at the byte, never re-read as GB18030 */
            assert_int_equal(err.line, 3);
            assert_non_null(strstr(err.message, "0xFF"));
        }
        if (files[i].id) {
            assert_int_equal(svc_factor_get(TC(fx->db), files[i].id, 0, &f, &err), TJ_OK);
            assert_string_equal(f.name_zh, "云南普洱茶");
            svc_factor_release(&f);
        }
    }
    rmdir(dir);
    /* re-import of a published id creates version 2 and supersedes version 1 */
    import_ok(fx->db, "bom.csv", bom, "published");
    assert_int_equal(svc_factor_get(TC(fx->db), "yn-tea", 0, &f, &err), TJ_OK);
    assert_int_equal(f.version, 2);
    svc_factor_release(&f);
    assert_int_equal(svc_factor_get(TC(fx->db), "yn-tea", 1, &f, &err), TJ_OK);
    assert_string_equal(f.status, "superseded");
    svc_factor_release(&f);
    /* the same id twice in one file over a published version: v3 superseded, v4 published */
    char twice[1024];
    snprintf(twice, sizeof twice, "%s%s", bom, "yn-tea,云南普洱茶,agriculture,kg,1.7,530000,示例 example\n");
    import_ok(fx->db, "twice.csv", twice, "published");
    assert_int_equal(svc_factor_get(TC(fx->db), "yn-tea", 0, &f, &err), TJ_OK);
    assert_int_equal(f.version, 4);
    assert_true(f.value == 1.7);
    svc_factor_release(&f);
    assert_int_equal(svc_factor_get(TC(fx->db), "yn-tea", 2, &f, &err), TJ_OK);
    assert_string_equal(f.status, "superseded");
    assert_int_equal(f.superseded_by, 3);
    svc_factor_release(&f);
    assert_int_equal(svc_factor_get(TC(fx->db), "yn-tea", 3, &f, &err), TJ_OK);
    assert_string_equal(f.status, "superseded");
    assert_int_equal(f.superseded_by, 4);
    svc_factor_release(&f);
    svc_factor_events ev;
    assert_int_equal(svc_factor_history(TC(fx->db), "yn-tea", 0, &ev, &err), TJ_OK);
    int sup[8] = {0}, imported_superseded = 0;
    for (size_t i = 0; i < ev.count; i++) {
        if (!strcmp(ev.items[i].action, "supersede")) {
            assert_true(ev.items[i].version >= 1 && ev.items[i].version <= 2);
            sup[ev.items[i].version]++;
        }
        /* v3 was superseded by v4 of the same file: stored as superseded, one event */
        if (ev.items[i].version == 3) {
            assert_string_equal(ev.items[i].action, "import");
            assert_string_equal(ev.items[i].to_status, "superseded");
            assert_non_null(strstr(ev.items[i].reason, "twice.csv; superseded by version 4 in the same import"));
            imported_superseded++;
        }
    }
    assert_int_equal(sup[1], 1);
    assert_int_equal(sup[2], 1);
    assert_int_equal(imported_superseded, 1);
    if (store_backend(fx->db) == STORE_POSTGRES) {
        /* no index keys for a version stored as superseded; the current one has them */
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version WHERE id = 'yn-tea' AND version = 3 "
                                           "AND search_keys = ''::tsvector"),
                         1);
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version WHERE id = 'yn-tea' AND version = 4 "
                                           "AND search_keys @@ $$'y 2023' | '普洱'$$::tsquery"),
                         1);
    }
    svc_factor_events_release(&ev);
    assert_int_equal(
        tjt_count(fx->db,
                   "SELECT COUNT(*) FROM factor_version WHERE id = 'yn-tea' AND status = 'published'"),
        1);
    /* JSON */
    import_ok(
        fx->db, "f.json",
        "[{\"id\": \"j1\", \"name_en\": \"JSON factor\", \"aliases\": [\"jf\", \"json one\"], \"category\": "
        "\"x\","
        " \"unit\": \"kg\", \"value\": 0.25, \"region\": \"GRID-HB\", \"ref_year\": 2023, \"traceable\": "
        "true,"
        " \"gases\": {\"CO2\": 0.2, \"CH4\": 0.05}, \"source_doc\": \"d\"}]",
        "published");
    svc_factor_resolution res;
    assert_int_equal(svc_factor_resolve(TC(fx->db), "json one", "110000", 2024, &res, &err), TJ_OK);
    assert_string_equal(res.factor.id, "j1");
    assert_int_equal(res.factor.traceable, 1);
    svc_factor_resolution_release(&res);
}

static void test_export_roundtrip(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    import_ok(fx->db, "grid.csv", grid_csv, "published");
    import_ok(fx->db, "q.csv",
              "id,name_zh,name_en,category,unit,value,region,source_doc,boundary,stages\n"
              "q1,\"引号\"\"逗号,\",\"quote \"\"and\"\", comma\",x,kg,0.1,CN,d,\"line1\nline2\","
              "\"{\"\"A1-A3\"\": 0.1}\"\n",
              "draft");
    for (int json = 0; json < 2; json++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        svc_factor_query q = {0};
        int64_t rows = 0;
        assert_int_equal(svc_factor_export(TC(fx->db), &q, json ? "json" : "csv", mem, &rows, &err), TJ_OK);
        fclose(mem);
        assert_int_equal(rows, 9);
        tjt_db *t2 = tjt_db_create(tjt_use_pg);
        store_db *db2;
        assert_int_equal(store_open_ex(t2->url, STORE_OPEN_MIGRATE, &db2, &err), TJ_OK);
        svc_import_result r;
        tj_status rc =
            svc_factor_import_mem(TCA(db2, "t"), json ? "x.json" : "x.csv", buf, len, NULL, "draft", &r, &err);
        if (rc != TJ_OK)
            fprintf(stderr, "%s\n", err.message);
        assert_int_equal(rc, TJ_OK);
        assert_int_equal(r.rows, 9);
        svc_factor a, b;
        assert_int_equal(svc_factor_get(TC(fx->db), "q1", 0, &a, &err), TJ_OK);
        assert_int_equal(svc_factor_get(TC(db2), "q1", 0, &b, &err), TJ_OK);
        assert_string_equal(a.name_zh, b.name_zh);
        assert_string_equal(b.name_en, "quote \"and\", comma");
        assert_string_equal(a.boundary, b.boundary);
        assert_string_equal(a.stages, b.stages);
        svc_factor_release(&a);
        svc_factor_release(&b);
        assert_int_equal(svc_factor_get(TC(db2), "g-yn-2022", 0, &b, &err), TJ_OK);
        assert_true(b.value == 0.1073);
        assert_int_equal(b.ref_year, 2022);
        assert_string_equal(b.source_date, "2024-12-20");
        svc_factor_release(&b);
        store_close(db2);
        tjt_db_destroy(t2);
        free(buf);
    }
}

/* SQLite: the FTS index follows a version's text while it is current and
 * lets go of it once, however an update gets it out (superseded, new text,
 * or both at once). */
static void test_fts_follows_updates(void **state)
{
    tjt_fixture *fx = *state;
    if (store_backend(fx->db) != STORE_SQLITE)
        skip();
    tj_error err;
    import_ok(fx->db, "ft.csv", "id,name_en,category,unit,value,region\nft-1,fts probe,c,kg,1,CN\n", "draft");
    const char *count = "SELECT COUNT(*) FROM factor_fts WHERE factor_fts MATCH ?";
    store_stmt *st;
    /* the index keeps no positions (migration 27): a word is its trigrams */
    const char *words[] = {"\"fts\" AND \"pro\" AND \"obe\"", "\"zzq\" AND \"zqq\" AND \"qqx\"",
                           "\"yyp\" AND \"ypp\" AND \"ppw\""};
    int64_t want[3][3] = {{1, 0, 0}, {1, 1, 0}, {0, 0, 0}};
    const char *updates[] = {NULL, "UPDATE factor_version SET search_text = search_text || ' zzqqx' WHERE id = 'ft-1'",
                             "UPDATE factor_version SET status = 'superseded', search_text = search_text || ' yyppw' "
                             "WHERE id = 'ft-1'"};
    for (int u = 0; u < 3; u++) {
        if (updates[u])
            assert_int_equal(store_exec(fx->db, updates[u], &err), TJ_OK);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(store_prepare(fx->db, count, &st, &err), TJ_OK);
            store_bind_text(st, 1, words[k]);
            assert_int_equal(store_step(st, &err), 1);
            assert_int_equal(store_col_int64(st, 0), want[u][k]);
            store_finalize(st);
        }
    }
    assert_int_equal(store_exec(fx->db, "INSERT INTO factor_fts (factor_fts) VALUES ('optimize')", &err), TJ_OK);
}

/* A search word longer than a trigram matches where its trigrams are
 * consecutive (the phrase queries of the index with positions; since
 * migration 27 the index finds candidates holding every trigram and
 * tj_fts_phrase decides), case-folded as the index folds (non-ASCII
 * letters too), across the same separators. */
static void test_fts_phrase_exact(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    import_ok(fx->db, "ph.csv",
              "id,name_zh,name_en,category,unit,value,region\n"
              "ph-1,,abcx bcdy,c,kg,1,CN\n"      /* abc and bcd, not abcd */
              "ph-2,,zabcdz,c,kg,1,CN\n"         /* abcd */
              "ph-3,,Äpfelsaft Ωmega,c,kg,1,CN\n" /* folded by the index */
              "ph-4,甲乙丙丁戊,,c,kg,1,CN\n"
              "ph-5,甲乙丙 丁戊,,c,kg,1,CN\n",
              "draft");
    struct {
        const char *text;
        const char *ids;
        int sqlite_only; /* PostgreSQL folds ASCII only */
    } cases[] = {
        {"abcd", "ph-2", 0},      {"abc", "ph-1 ph-2", 0},  {"bcdy", "ph-1", 0},   {"äpfelsaft", "ph-3", 1},
        {"ÄPFEL", "ph-3", 1},     {"ωMEGA", "ph-3", 1},     {"乙丙丁", "ph-4", 0}, {"甲乙丙", "ph-4 ph-5", 0},
        {"丙丁戊x", "", 0},       {"abcx bcdy", "ph-1", 0}, {"cdyz", "", 0},       {"Äpfelsaft", "ph-3", 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (cases[k].sqlite_only && store_backend(fx->db) != STORE_SQLITE)
            continue;
        svc_factor_list l;
        svc_factor_query q = {0};
        q.text = cases[k].text;
        q.limit = 100;
        assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
        char got[256] = "";
        for (size_t i = 0; i < l.count; i++)
            if (!strncmp(l.items[i].id, "ph-", 3))
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", *got ? " " : "", l.items[i].id);
        if (strcmp(got, cases[k].ids))
            fprintf(stderr, "search \"%s\": got \"%s\", want \"%s\"\n", cases[k].text, got, cases[k].ids);
        assert_string_equal(got, cases[k].ids);
        svc_factor_list_release(&l);
    }
}

/* An update import: 1,200 published factors get new versions (set-based
 * supersession; on SQLite the FTS index is merged afterwards). */
static void test_update_import(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    enum { N = 1200 };
    size_t cap = N * 120 + 128;
    char *csv = malloc(cap);
    assert_non_null(csv);
    for (int pass = 1; pass <= 2; pass++) {
        size_t o = (size_t)snprintf(csv, cap, "id,name_en,category,unit,value,region,ref_year,source_doc\n");
        for (int k = 0; k < N; k++)
            o += (size_t)snprintf(csv + o, cap - o, "up-%d,bulkx item %d,c,kg,%d.5,CN,2023,doc\n", k, k, pass);
        svc_import_result r;
        assert_int_equal(svc_factor_import_mem(TCA(fx->db, "t"), "up.csv", csv, o, NULL, "published", &r, &err), TJ_OK);
        assert_int_equal(r.rows, N);
        assert_int_equal(r.superseded, pass == 1 ? 0 : N);
    }
    free(csv);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version WHERE id LIKE 'up-%' AND status = "
                                       "'superseded' AND superseded_by = 2"),
                     N);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id LIKE 'up-%'"), 2 * N);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_name WHERE id LIKE 'up-%' AND version = 2"),
                     2 * N);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_event WHERE id LIKE 'up-%' AND action = "
                                       "'supersede' AND version = 1"),
                     N);
    if (store_backend(fx->db) == STORE_SQLITE)
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_fts WHERE factor_fts MATCH "
                                           "'\"bul\" AND \"ulk\" AND \"lkx\"'"), N);
    /* an id twice in one published import: the first row is stored
     * superseded and not indexed (the index is written with the rows) */
    static const char twice[] = "id,name_en,category,unit,value,region,ref_year,source_doc\n"
                                "tw-1,twicez first,c,kg,1.5,CN,2023,doc\n"
                                "tw-2,twicez other,c,kg,2.5,CN,2023,doc\n"
                                "tw-1,twicez second,c,kg,3.5,CN,2023,doc\n";
    svc_import_result r2;
    assert_int_equal(
        svc_factor_import_mem(TCA(fx->db, "t"), "tw.csv", twice, strlen(twice), NULL, "published", &r2, &err),
        TJ_OK);
    assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_version WHERE id = 'tw-1' AND status = "
                                       "'superseded' AND version = 1"),
                     1);
    if (store_backend(fx->db) == STORE_SQLITE) {
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_fts WHERE factor_fts MATCH "
                                           "'\"wic\" AND \"cez\"'"), 2);
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_fts WHERE factor_fts MATCH 'fir'"), 0);
        /* the index's rowids are the rows' rids */
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_fts f JOIN factor_version v ON v.rid = "
                                           "f.rowid WHERE factor_fts MATCH '\"wic\" AND \"cez\"' AND v.status = "
                                           "'published' AND v.search_text LIKE '%twicez%'"),
                     2);
        assert_int_equal(tjt_count(fx->db, "SELECT COUNT(*) FROM factor_fts f JOIN factor_version v ON v.rid = "
                                           "f.rowid WHERE factor_fts MATCH '\"lkx\"' AND v.status = 'published' AND "
                                           "v.search_text LIKE '%bulkx item%'"),
                     N);
    }
    svc_factor_list l;
    svc_factor_query q = {0};
    q.text = "bulkx item 7";
    q.limit = 1000;
    assert_int_equal(svc_factor_search(TC(fx->db), &q, &l, &err), TJ_OK);
    assert_true(l.total > 0);
    for (size_t i = 0; i < l.count; i++) {
        assert_int_equal(l.items[i].version, 2);
        assert_true(l.items[i].value == 2.5);
    }
    svc_factor_list_release(&l);
    svc_factor_resolution res;
    assert_int_equal(svc_factor_resolve(TC(fx->db), "bulkx item 1199", "530000", 2024, &res, &err), TJ_OK);
    assert_string_equal(res.factor.id, "up-1199");
    assert_int_equal(res.factor.version, 2);
    svc_factor_resolution_release(&res);
}

static void test_crosscheck(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    import_ok(fx->db, "grid.csv", grid_csv, "published");
    char path[] = "/tmp/tjt-ref-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *ref = "label,factor,query,region,year,reference_value,emissions_kg,output,tolerance\n"
                      "close,g-yn-2022,,,,0.11,,,\n"
                      "far,,grid average,530000,2022,,200,1000,\n"
                      "tight,g-cn-2022@1,,,,0.54,,,0.001\n"
                      "missing,nope,,,,1,,,\n";
    assert_int_equal(write(fd, ref, strlen(ref)), (ssize_t)strlen(ref));
    close(fd);
    svc_crosscheck_report rep;
    assert_int_equal(svc_factor_crosscheck(TC(fx->db), path, 0.1, &rep, &err), TJ_OK);
    assert_int_equal(rep.count, 4);
    assert_false(rep.rows[0].flagged); /* 0.1073 vs 0.11: -2.5% */
    assert_true(fabs(rep.rows[0].deviation - (0.1073 / 0.11 - 1)) < 1e-12);
    assert_true(rep.rows[1].flagged); /* 0.1073 vs 0.2 */
    assert_string_equal(rep.rows[1].factor_ref, "g-yn-2022@1");
    assert_true(rep.rows[2].flagged); /* 0.5366 vs 0.54 beyond 0.1% */
    assert_non_null(rep.rows[3].note);
    assert_int_equal(rep.flagged, 2);
    assert_int_equal(rep.unchecked, 1);
    svc_crosscheck_report_release(&rep);
    /* a bad number names line and column */
    FILE *fp = fopen(path, "w");
    fputs("factor,reference_value\ng-yn-2022,abc\n", fp);
    fclose(fp);
    assert_int_equal(svc_factor_crosscheck(TC(fx->db), path, 0.1, &rep, &err), TJ_ERR_INPUT);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 2);
    unlink(path);
}

/* fx_vals_borrow (bulk import) gives the values fx_vals (row by row) does,
 * for every column, with numbers, NaN, zero, empty and set fields. */
static void vals_agree(const svc_factor *f)
{
    char *owned[64];
    const char *borrowed[64];
    char scratch[FX_VALS_SCRATCH];
    tj_error err;
    assert_int_equal(fx_vals(f, owned, &err), TJ_OK);
    fx_vals_borrow(f, borrowed, scratch);
    for (size_t k = 0; k < fx_db_field_count; k++) {
        if (!owned[k]) {
            assert_null(borrowed[k]);
            continue;
        }
        assert_non_null(borrowed[k]);
        assert_string_equal(owned[k], borrowed[k]);
    }
    fx_vals_release(owned);
}

static void test_vals_borrow(void **state)
{
    (void)state;
    svc_factor f;
    svc_factor_init(&f);
    vals_agree(&f);
    static const double values[] = {0.1, 1.0 / 3, 123456789.123456789, 1e-300, 2.5e21, -0.0, 7, 0.30000000000000004};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        f.value = values[i];
        f.traceable = (int)(i % 2);
        f.ref_year = i % 3 ? 2020 + (int)i : 0;
        vals_agree(&f);
    }
    f.value = NAN;
    vals_agree(&f);
    free(f.name_en);
    f.name_en = strdup("");
    free(f.name_zh);
    f.name_zh = strdup("钢材 \"x\"");
    vals_agree(&f);
    svc_factor_release(&f);
}

/* The ledger state written directly (fx_factor_state_jcs) is the bytes of
 * the canonical JSON of fx_factor_json: for every factor shipped in
 * data/factors and for crafted ones (separators, escapes, numbers, JSON
 * fields, unset fields); what it leaves (an infinity) goes the generic way. */
static void state_agrees(const svc_factor *f)
{
    json_t *j = fx_factor_json(f);
    assert_non_null(j);
    char *want = NULL;
    size_t wlen = 0;
    tj_error err;
    assert_int_equal(ledger_jcs(j, &want, &wlen, &err), TJ_OK);
    json_decref(j);
    ledger_jbuf b = {0};
    assert_int_equal(fx_factor_state_jcs(f, &b), 0);
    assert_int_equal(b.n, wlen);
    assert_string_equal(b.p, want);
    free(b.p);
    free(want);
}

static void test_state_jcs(void **state)
{
    tjt_fixture *fx = *state;
    tj_error err;
    import_shipped(fx);
    /* and 300 generated rows (as bench/bench_import.sh makes them) */
    size_t cap = 300 * 400 + 512, o = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    o += (size_t)snprintf(csv + o, cap - o, "id,name_zh,name_en,aliases,category,unit,value,gases,boundary,region,"
                                            "ref_year,source_doc,source_publisher,source_date,method,gwp_set,quality\n");
    unsigned seed = 1;
    for (int i = 0; i < 300; i++) {
        seed = seed * 1103515245u + 12345u;
        double v = (seed % 100000000u) / 99991.0 + 0.01;
        o += (size_t)snprintf(csv + o, cap - o,
                              "gen-%04d,测试材料%d,Gen material %d,material %d|item %d,materials.metal,kg,%.6g,"
                              "\"{\"\"CO2\"\": %.6g}\",cradle-to-gate,CN,2023,Generated (not real),tanji test,"
                              "2024-01-01,generated,AR6,example\n",
                              i, i, i, i % 97, i % 13, v, v);
    }
    import_ok(fx->db, "gen.csv", csv, "draft");
    free(csv);
    store_stmt *st;
    assert_int_equal(store_prepare(fx->db, "SELECT id, version FROM factor_version", &st, &err), TJ_OK);
    int rows = 0;
    while (store_step(st, &err) == 1) {
        svc_factor f;
        assert_int_equal(fx_get(fx->db, store_col_text(st, 0), (int)store_col_int64(st, 1), &f, &err), TJ_OK);
        state_agrees(&f);
        svc_factor_release(&f);
        rows++;
    }
    store_finalize(st);
    assert_true(rows > 340);

    svc_factor f;
    svc_factor_init(&f);
    state_agrees(&f); /* only traceable */
    static const struct {
        const char *field, *text;
    } cells[] = {
        {"id", "x-1"},
        {"name_zh", "钢材 \"热轧\" \\ \x7f \xe2\x80\xa8 tab\there"},
        {"name_en", "line\nbreak\r\x01\x1f/slash"},
        {"aliases", "|a||b c|钢|"},
        {"evidence", ";;0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef=x.pdf;"},
        {"value", "0.30000000000000004"},
        {"uncertainty", "1e-7"},
        {"gases", "{\"CO2\": 1.5, \"CH4\": 2e21, \"N2O\": 0.000001, \"a\": [1, -0.0, null, true]}"},
        {"stages", "{\"b\": {\"z\": 1, \"\\u00e9\": 2, \"a\": \"\\u20ac\"}}"},
        {"dqr", "[5, 4.5, 3]"},
        {"ref_year", "2023"},
        {"traceable", "1"},
        {"superseded_by", "3"},
        {"source_url", "https://example.org/a?b=1&c=\"2\""},
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const svc_field *fd = svc_factor_field_find(cells[i].field);
        assert_non_null(fd);
        void *p = (char *)&f + fd->offset;
        if (fd->type == SVC_FT_TEXT || fd->type == SVC_FT_JSON) {
            free(*(char **)p);
            *(char **)p = strdup(cells[i].text);
        } else if (fd->type == SVC_FT_INT) {
            *(int *)p = atoi(cells[i].text);
        } else {
            *(double *)p = strtod(cells[i].text, NULL);
        }
        state_agrees(&f);
    }
    f.value = -0.0;
    f.version = 7;
    state_agrees(&f);
    f.value = 123456789012345680000.0;
    state_agrees(&f);
    free(f.gases);
    f.gases = strdup("{\"CO2\": "); /* not JSON: left out by both */
    state_agrees(&f);
    free(f.aliases);
    f.aliases = strdup("|||"); /* an empty list */
    state_agrees(&f);
    f.value = INFINITY; /* json_real refuses it: the generic path */
    ledger_jbuf b = {0};
    assert_int_equal(fx_factor_state_jcs(&f, &b), -1);
    free(b.p);
    svc_factor_release(&f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_workflow, tjt_setup, tjt_teardown),
        cmocka_unit_test(test_vals_borrow),
        cmocka_unit_test_setup_teardown(test_state_jcs, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_validation, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_resolve, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_resolve_words, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_search, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_search_keys, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_search_index_plan, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_fts_phrase_exact, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_import_errors, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_import_encodings, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_export_roundtrip, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_update_import, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_fts_follows_updates, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_crosscheck, tjt_setup, tjt_teardown),
    };
    tjt_use_pg = tjt_want_pg(argc, argv);
    if (tjt_use_pg && tjt_pg_missing("factors"))
        return TJT_SKIP_EXIT;
    int fails = tjt_use_pg ? cmocka_run_group_tests_name("factors/postgresql", tests, NULL, NULL)
                           : cmocka_run_group_tests_name("factors/sqlite", tests, NULL, NULL);
    return tjt_exit_code(fails);
}
