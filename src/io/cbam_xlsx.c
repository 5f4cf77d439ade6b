/* The CBAM communication as an .xlsx workbook laid out after the
 * Commission's communication template (sheet Summary_Communication); see
 * io/declare_out.h and docs/cbam.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "io/declare_out.h"

typedef struct xw {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *head, *num;
    lxw_row_t row;
    lxw_col_t col;
    lxw_error e;
} xw;

static void cell_s(xw *x, const char *s, lxw_format *f)
{
    if (!x->e && s && *s)
        x->e = worksheet_write_string(x->ws, x->row, x->col, s, f);
    x->col++;
}

static void cell_n(xw *x, const json_t *v)
{
    if (!x->e && json_is_number(v))
        x->e = worksheet_write_number(x->ws, x->row, x->col, json_number_value(v), x->num);
    else if (!x->e && json_is_string(v))
        x->e = worksheet_write_string(x->ws, x->row, x->col, json_string_value(v), NULL);
    else if (!x->e && json_is_boolean(v))
        x->e = worksheet_write_string(x->ws, x->row, x->col, json_is_true(v) ? "yes" : "no", NULL);
    x->col++;
}

static void nl(xw *x)
{
    x->row++;
    x->col = 0;
}

static void title(xw *x, const char *s)
{
    if (x->row)
        nl(x);
    cell_s(x, s, x->bold);
    nl(x);
}

static void header(xw *x, const char *const *h)
{
    for (; *h; h++)
        cell_s(x, *h, x->head);
    nl(x);
}

static void kv(xw *x, const char *label, const json_t *v)
{
    cell_s(x, label, NULL);
    cell_n(x, v);
    nl(x);
}

static const json_t *g(const json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static void sheet(xw *x, const char *name)
{
    x->ws = workbook_add_worksheet(x->wb, name);
    if (!x->ws && !x->e)
        x->e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    x->row = 0;
    x->col = 0;
    if (x->ws)
        worksheet_set_column(x->ws, 0, 20, 22, NULL);
}

static void summary(xw *x, const json_t *c)
{
    const json_t *inst = g(c, "installation"), *per = g(c, "reporting_period");
    sheet(x, "Summary_Communication");
    if (!x->ws)
        return;
    cell_s(x, "Communication with reporting declarants (CBAM) / 向欧盟申报人的通报", x->bold);
    nl(x);
    cell_s(
        x,
        "Layout after the Commission's communication template for installations, sheet Summary_Communication "
        "(field list of version en_20241213, secondary copy). Written by tanji.",
        NULL);
    nl(x);
    if (json_is_true(g(c, "example"))) {
        cell_s(x, "EXAMPLE data, not a real communication / 示例数据", x->bold);
        nl(x);
    }
    title(x, "1. Installation / 设施");
    kv(x, "Installation name", g(inst, "name"));
    kv(x, "Installation name (English)", g(inst, "name_en"));
    kv(x, "Installation id", g(inst, "id"));
    kv(x, "Operator", g(inst, "operator"));
    kv(x, "Street, number", g(inst, "street"));
    kv(x, "City", g(inst, "city"));
    kv(x, "Post code", g(inst, "postcode"));
    kv(x, "Country", g(inst, "country"));
    kv(x, "UN/LOCODE", g(inst, "unlocode"));
    kv(x, "Latitude of main emission source", g(inst, "latitude"));
    kv(x, "Longitude of main emission source", g(inst, "longitude"));
    kv(x, "Economic activity", g(inst, "economic_activity"));
    kv(x, "Contact", g(inst, "contact"));
    kv(x, "Reporting period start", g(per, "start"));
    kv(x, "Reporting period end", g(per, "end"));

    title(x, "2. Production processes and routes / 生产工序与路线");
    static const char *const h2[] = {"Good (id)", "Production route", "Production process", NULL};
    header(x, h2);
    size_t i;
    const json_t *v;
    json_array_foreach(g(c, "production_processes"), i, v)
    {
        cell_n(x, g(v, "good"));
        cell_n(x, g(v, "production_route"));
        cell_n(x, g(v, "production_process"));
        nl(x);
    }

    title(x, "3. Emissions of the installation / 设施排放 (tCO2e)");
    const json_t *em = g(c, "emissions");
    kv(x, "Total direct emissions", g(em, "direct_tco2e"));
    kv(x, "Total indirect emissions", g(em, "indirect_tco2e"));
    kv(x, "Total emissions", g(em, "total_tco2e"));

    title(x, "4. Products: specific embedded emissions (SEE) / 产品隐含排放强度");
    static const char *const h4[] = {"Production process",
                                     "Aggregated good or precursor",
                                     "CN code",
                                     "Aggregated goods category",
                                     "Product name",
                                     "Sector",
                                     "SEE direct",
                                     "SEE indirect",
                                     "SEE total",
                                     "SEE counted for CBAM",
                                     "Unit",
                                     "Share of counted SEE from default values",
                                     "Default values used for the good",
                                     "Electricity EF source",
                                     "Embedded electricity (MWh/t)",
                                     "Electricity EF (tCO2/MWh)",
                                     "Sector parameters",
                                     "Counted basis",
                                     NULL};
    header(x, h4);
    json_array_foreach(g(c, "goods"), i, v)
    {
        cell_n(x, g(v, "production_process"));
        cell_s(x, !strcmp(json_string_value(g(v, "role")), "precursor") ? "precursor" : "aggregated good",
               NULL);
        cell_n(x, g(v, "cn_code"));
        cell_n(x, g(v, "aggregated_category"));
        cell_n(x, g(v, "name"));
        cell_n(x, g(v, "sector"));
        cell_n(x, g(v, "see_direct"));
        cell_n(x, g(v, "see_indirect"));
        cell_n(x, g(v, "see_total"));
        cell_n(x, g(v, "see_counted"));
        cell_n(x, g(v, "unit"));
        cell_n(x, g(v, "default_share"));
        cell_n(x, g(v, "uses_default_values"));
        const json_t *ef = g(v, "electricity_factor");
        cell_n(x, json_is_object(ef) ? g(ef, "source") : NULL);
        cell_n(x, g(v, "embedded_electricity_mwh_per_t"));
        cell_n(x, json_is_object(ef) ? g(ef, "tco2_per_mwh") : NULL);
        char *sp =
            json_dumps(g(v, "sector_parameters"), JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
        cell_s(x, sp && strcmp(sp, "{}") ? sp : NULL, NULL);
        free(sp);
        cell_n(x, g(v, "counted_basis"));
        nl(x);
    }

    title(x, "5. Carbon price due in the country of origin / 原产国已付碳价");
    static const char *const h5[] = {"Product (id)",
                                     "CN code",
                                     "Type of instrument",
                                     "Share of embedded emissions covered",
                                     "Embedded emissions covered (tCO2e/t)",
                                     "Currency",
                                     "Carbon price due (per tCO2e)",
                                     "Rebate type",
                                     "Rebate share",
                                     "Effective carbon price due (per tCO2e)",
                                     "Carbon price paid per t of good",
                                     NULL};
    header(x, h5);
    json_array_foreach(g(c, "goods"), i, v)
    {
        const json_t *p = g(v, "carbon_price");
        if (!json_is_object(p))
            continue;
        cell_n(x, g(v, "id"));
        cell_n(x, g(v, "cn_code"));
        cell_n(x, g(p, "instrument"));
        cell_n(x, g(p, "covered_share"));
        cell_n(x, g(p, "covered_tco2e_per_t"));
        cell_n(x, g(p, "currency"));
        cell_n(x, g(p, "price_per_tco2e"));
        cell_n(x, g(p, "rebate_type"));
        cell_n(x, g(p, "rebate_share"));
        cell_n(x, g(p, "effective_price_per_tco2e"));
        cell_n(x, g(p, "price_paid_per_t_good"));
        nl(x);
    }
    title(x, "6. Electricity emission factors / 电力排放因子");
    static const char *const h6[] = {"Id", "tCO2/MWh", "Unit given", "Source", NULL};
    header(x, h6);
    json_array_foreach(g(c, "electricity_factors"), i, v)
    {
        cell_n(x, g(v, "id"));
        cell_n(x, g(v, "tco2_per_mwh"));
        cell_n(x, g(v, "unit_given"));
        cell_n(x, g(v, "source"));
        nl(x);
    }
}

static void precursors(xw *x, const json_t *c)
{
    sheet(x, "Precursors");
    if (!x->ws)
        return;
    static const char *const h[] = {"Good (id)",        "Precursor",     "From",         "CN code",
                                    "Amount (t)",       "SEE direct",    "SEE indirect", "Direct (tCO2e)",
                                    "Indirect (tCO2e)", "Default value", "Source",       NULL};
    header(x, h);
    size_t i, j;
    const json_t *v, *p;
    json_array_foreach(g(c, "goods"), i, v) json_array_foreach(g(v, "precursors"), j, p)
    {
        cell_n(x, g(v, "id"));
        cell_n(x, json_is_string(g(p, "good")) ? g(p, "good") : g(p, "name"));
        cell_n(x, g(p, "source_kind"));
        cell_n(x, g(p, "cn_code"));
        cell_n(x, g(p, "amount_t"));
        cell_n(x, g(p, "see_direct"));
        cell_n(x, g(p, "see_indirect"));
        cell_n(x, g(p, "direct_tco2e"));
        cell_n(x, g(p, "indirect_tco2e"));
        cell_n(x, g(p, "default_value"));
        cell_n(x, g(p, "source"));
        nl(x);
    }
}

static void importer(xw *x, const json_t *c)
{
    sheet(x, "Importer_Declaration");
    if (!x->ws)
        return;
    const json_t *d = g(c, "importer_declaration");
    cell_s(x, json_string_value(g(d, "basis")), x->bold);
    nl(x);
    static const char *const h[] = {"Good (id)",
                                    "CN code",
                                    "Importer",
                                    "Country of origin",
                                    "Quantity (t)",
                                    "SEE counted (tCO2e/t)",
                                    "Embedded emissions (tCO2e)",
                                    "of which from default values (tCO2e)",
                                    "Actual data",
                                    "Carbon price paid",
                                    "Currency",
                                    NULL};
    header(x, h);
    size_t i;
    const json_t *v;
    json_array_foreach(g(d, "lines"), i, v)
    {
        cell_n(x, g(v, "good"));
        cell_n(x, g(v, "cn_code"));
        cell_n(x, g(v, "importer"));
        cell_n(x, g(v, "country_of_origin"));
        cell_n(x, g(v, "quantity_t"));
        cell_n(x, g(v, "see_counted"));
        cell_n(x, g(v, "embedded_emissions_tco2e"));
        cell_n(x, g(v, "embedded_emissions_from_defaults_tco2e"));
        cell_n(x, g(v, "actual_data"));
        cell_n(x, g(v, "carbon_price_paid"));
        cell_n(x, g(v, "carbon_price_currency"));
        nl(x);
    }
}

static void notes(xw *x, const json_t *c)
{
    sheet(x, "Notes");
    if (!x->ws)
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(g(c, "notes"), i, v)
    {
        cell_n(x, v);
        nl(x);
    }
}

tj_status io_cbam_xlsx(const json_t *c, const char *path, tj_error *err)
{
    if (!json_is_object(g(c, "installation")) || !json_is_array(g(c, "goods")))
        return tj_error_set(err, TJ_ERR_INPUT, NULL,
                            "not a tanji CBAM communication (installation, goods expected)");
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        tj_status st = tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        free(tmp);
        return st;
    }
    close(fd);
    xw x = {0};
    lxw_workbook_options o = {.constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
    x.wb = workbook_new_opt(tmp, &o);
    if (!x.wb) {
        unlink(tmp);
        free(tmp);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    x.bold = workbook_add_format(x.wb);
    format_set_bold(x.bold);
    x.head = workbook_add_format(x.wb);
    format_set_bold(x.head);
    format_set_text_wrap(x.head);
    format_set_bg_color(x.head, 0xDDEBF7);
    x.num = workbook_add_format(x.wb);
    format_set_num_format(x.num, "0.######");
    summary(&x, c);
    precursors(&x, c);
    importer(&x, c);
    notes(&x, c);
    lxw_error e = workbook_close(x.wb);
    if (!x.e)
        x.e = e;
    if (x.e || rename(tmp, path) != 0) {
        tj_status st = tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot write the workbook: %s",
                                       x.e ? lxw_strerror(x.e) : strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return TJ_OK;
}
