/* Unit tests for services/activity: encodings, matching, and that every
 * example under examples/activity/ becomes a model the model parser accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/model.h"
#include "services/activity.h"
#include "tanji/text.h"

static const char *src(void)
{
    const char *s = getenv("TJ_SOURCE_DIR");
    return s ? s : ".";
}

static void test_encodings(void **state)
{
    (void)state;
    tj_error err;
    char *out;
    size_t n;
    /* UTF-8 with BOM */
    assert_int_equal(tj_text_to_utf8("x", "\xEF\xBB\xBF\xE7\x94\xB5,1", 8, NULL, &out, &n, &err), TJ_OK);
    assert_string_equal(out, "\xE7\x94\xB5,1"); /* 电,1 */
    free(out);
    /* GB18030 "电力" = B5 E7 C1 A6, detected because it is not UTF-8 */
    assert_int_equal(tj_text_to_utf8("x", "\xB5\xE7\xC1\xA6", 4, NULL, &out, &n, &err), TJ_OK);
    assert_string_equal(out, "电力");
    free(out);
    assert_int_equal(tj_text_to_utf8("x", "\xB5\xE7\xC1\xA6", 4, "gb18030", &out, &n, &err), TJ_OK);
    free(out);
    /* declared UTF-8 but not */
    assert_int_equal(tj_text_to_utf8("x", "a\n\xB5\xE7", 4, "utf-8", &out, &n, &err), TJ_ERR_INPUT);
    assert_int_equal(err.line, 2);
    assert_int_equal(tj_text_to_utf8("x", "a", 1, "latin1", &out, &n, &err), TJ_ERR_USAGE);
}

static const char *const products[] = {"electricity",
                                       "coal",
                                       "natural_gas",
                                       "fuel_oil",
                                       "steel",
                                       "electrolytic_aluminium",
                                       "cement",
                                       "fertiliser",
                                       "hydrogen",
                                       "lime",
                                       "glass",
                                       "ethylene",
                                       "synthetic_ammonia",
                                       "calcium_carbide",
                                       "methanol",
                                       "lithium_battery",
                                       "new_energy_vehicle",
                                       "photovoltaic",
                                       "electronics"};

static void test_examples_build_valid_models(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof products / sizeof *products; i++) {
        char p[5][512];
        const char *names[5] = {"bom.csv", "energy.csv", "transport.csv", "waste.csv", "factors-example.csv"};
        for (int k = 0; k < 5; k++)
            snprintf(p[k], sizeof p[k], "%s/examples/activity/%s/%s", src(), products[i], names[k]);
        svc_activity_options o;
        memset(&o, 0, sizeof o);
        o.product_en = products[i];
        o.unit = "t";
        o.amount = 1;
        for (int k = 0; k < 4; k++)
            o.sheets[k] = p[k];
        o.factors_csv = p[4];
        svc_activity_result res;
        tj_error err;
        tj_status st = svc_activity_to_model(NULL, &o, &res, &err);
        if (st)
            fail_msg("%s: %s:%ld: %s", products[i], err.file, err.line, err.message);
        assert_int_equal(res.n_unmatched, 0);
        assert_true(res.lines >= 5);
        assert_int_equal(res.by_id + res.by_query, res.lines);
        assert_true(json_is_true(json_object_get(res.model, "example")));
        char *text = json_dumps(res.model, 0);
        io_model_options mo;
        io_model_options_init(&mo);
        io_model *m = NULL;
        st = io_model_parse(text, strlen(text), "generated.json", &mo, &m, &err);
        if (st)
            fail_msg("%s: generated model rejected: %s: %s", products[i], err.path, err.message);
        if (m->nproc < 3)
            fail_msg("%s: %d processes", products[i], m->nproc);
        io_model_free(m);
        free(text);
        svc_activity_result_release(&res);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A temporary directory for a BOM sheet and a factor table. */
typedef struct widget_files {
    char dir[32], bom[64], fac[64];
} widget_files;

static void widget_files_make(widget_files *w)
{
    snprintf(w->dir, sizeof w->dir, "/tmp/tj_act_XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->bom, sizeof w->bom, "%s/bom.csv", w->dir);
    snprintf(w->fac, sizeof w->fac, "%s/f.csv", w->dir);
}

static void widget_files_remove(widget_files *w)
{
    remove(w->bom);
    remove(w->fac);
    rmdir(w->dir);
}

/* Options for a widget made from the BOM sheet bom, with the factor table fac. */
static void widget_options(svc_activity_options *o, const char *bom, const char *fac)
{
    memset(o, 0, sizeof *o);
    o->product_en = "widget";
    o->unit = "piece";
    o->sheets[SVC_SHEET_BOM] = bom;
    o->factors_csv = fac;
}

static void test_matching_and_errors(void **state)
{
    (void)state;
    widget_files w;
    widget_files_make(&w);
    const char *bom = w.bom, *fac = w.fac;
    write_file(fac, "id,name_en,aliases,value,unit,source,example\n"
                    "ex-steel,steel,钢材|steel sheet,2,kg,EXAMPLE not real,true\n");
    write_file(bom, "material,amount,unit,factor\n"
                    "Steel Sheet,\"1,000\",kg,\n"
                    "steel,5,kg,ex-steel\n"
                    "unobtainium,1,kg,\n"
                    "copper,1,kg,no-such-factor\n");
    svc_activity_options o;
    widget_options(&o, bom, fac);
    svc_activity_result res;
    tj_error err;
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_OK);
    assert_int_equal(res.lines, 4);
    assert_int_equal(res.by_query, 1); /* alias, case-insensitive */
    assert_int_equal(res.by_id, 1);
    assert_int_equal(res.n_unmatched, 2);
    assert_int_equal(res.unmatched[0].line, 4);
    assert_string_equal(res.unmatched[0].name, "unobtainium");
    assert_int_equal(res.unmatched[1].line, 5);
    json_t *ex = json_object_get(json_array_get(json_object_get(res.model, "processes"), 0), "exchanges");
    assert_true(json_number_value(json_object_get(json_array_get(ex, 1), "amount")) == 1000);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(ex, 3), "factor"), "query")),
        "unobtainium");
    svc_activity_result_release(&res);
    /* a bad amount names the file and line */
    write_file(bom, "物料,数量,单位\n钢材,12,kg\n钢材,-3,kg\n");
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_ERR_INPUT);
    assert_string_equal(err.file, bom);
    assert_int_equal(err.line, 3);
    /* missing columns */
    write_file(bom, "物料,单位\n钢材,kg\n");
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "amount"));
    /* factor without a source is refused */
    write_file(bom, "物料,数量,单位\n钢材,12,kg\n");
    write_file(fac, "id,value,unit,source\nx,1,kg,\n");
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "source"));
    widget_files_remove(&w);
}

/* Matching follows the factor table's order: the first factor whose id is
 * the text, or whose name or alias is it ignoring ASCII case (maps since
 * session 8; they must choose as the scan did). */
static void test_match_order(void **state)
{
    (void)state;
    widget_files w;
    widget_files_make(&w);
    const char *bom = w.bom, *fac = w.fac;
    write_file(fac, "id,name_zh,name_en,aliases,value,unit,source,example\n"
                    "first,,Copper,cu|,1,kg,EXAMPLE not real,true\n"
                    "copper,铜,x,,2,kg,EXAMPLE not real,true\n"
                    "third,,COPPER,Cu Wire,3,kg,EXAMPLE not real,true\n"
                    "fourth,,First,,4,kg,EXAMPLE not real,true\n");
    write_file(bom, "material,amount,unit,factor\n"
                    "copper,1,kg,\n"   /* name of the first, id of the second: the first */
                    "COPPER,1,kg,\n"   /* names ignore case: the first */
                    "铜,1,kg,\n"       /* the second's name_zh */
                    "X,1,kg,\n"        /* the second's name_en */
                    "cu wire,1,kg,\n"  /* the third's alias */
                    "CU,1,kg,\n"       /* the first's alias */
                    "first,1,kg,\n"    /* the first's id before the fourth's name */
                    "Copper,1,kg,copper\n" /* by id: exactly the second */
                    "x,1,kg,COPPER\n"); /* ids are exact: no match */
    svc_activity_options o;
    widget_options(&o, bom, fac);
    svc_activity_result res;
    tj_error err;
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_OK);
    assert_int_equal(res.by_query, 7);
    assert_int_equal(res.by_id, 1);
    assert_int_equal(res.n_unmatched, 1);
    assert_int_equal(res.unmatched[0].line, 10);
    static const char *const want[] = {"first", "first", "copper", "copper", "third", "first", "first", "copper"};
    json_t *ex = json_object_get(json_array_get(json_object_get(res.model, "processes"), 0), "exchanges");
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(ex) && k < 8; i++) {
        const char *f = json_string_value(json_object_get(json_array_get(ex, i), "factor"));
        if (f)
            assert_string_equal(f, want[k++]);
    }
    assert_int_equal(k, 8);
    svc_activity_result_release(&res);
    widget_files_remove(&w);
}

/* A transport line's flow name ("mode (from → to)") is kept whole, however
 * long the places are (a 512-byte buffer once cut it). */
static void test_long_transport_names(void **state)
{
    (void)state;
    char dir[] = "/tmp/tj_act_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char tr[256];
    snprintf(tr, sizeof tr, "%s/transport.csv", dir);
    char from[701];
    memset(from, 'a', 700);
    from[700] = '\0';
    char csv[2048];
    snprintf(csv, sizeof csv, "运输方式,起点,终点,货重,距离\ntruck,%s,plant end,1,100\n", from);
    write_file(tr, csv);
    svc_activity_options o;
    memset(&o, 0, sizeof o);
    o.product_en = "widget";
    o.unit = "piece";
    o.sheets[SVC_SHEET_TRANSPORT] = tr;
    svc_activity_result res;
    tj_error err;
    assert_int_equal(svc_activity_to_model(NULL, &o, &res, &err), TJ_OK);
    char *text = json_dumps(res.model, JSON_COMPACT);
    assert_non_null(text);
    char want[1024];
    snprintf(want, sizeof want, "truck (%s → plant end)", from);
    assert_non_null(strstr(text, want));
    free(text);
    svc_activity_result_release(&res);
    unlink(tr);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_examples_build_valid_models),
        cmocka_unit_test(test_matching_and_errors),
        cmocka_unit_test(test_match_order),
        cmocka_unit_test(test_long_transport_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
