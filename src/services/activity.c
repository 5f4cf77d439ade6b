/* Enterprise activity data (CSV sheets or .xlsx workbooks) -> model JSON; see activity.h. */
#include "services/activity.h"
#include "tanji/buf.h"
#include "tanji/strmap.h"
#include "tanji/text.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/model.h"
#include "io/sheet.h"
#include "io/xlsx_read.h"
#include "services/factors.h"

/* ---- columns ----------------------------------------------------------------- */

enum col {
    C_PROCESS,
    C_STAGE,
    C_NAME,
    C_AMOUNT,
    C_UNIT,
    C_FACTOR,
    C_QUERY,
    C_MASS,
    C_MASS_UNIT,
    C_DISTANCE,
    C_DISTANCE_UNIT,
    C_FROM,
    C_TO,
    C_DIRECTION,
    C_TREATMENT,
    C_DATA_TYPE,
    C_NOTE,
    /* factor table */
    C_ID,
    C_NAME_ZH,
    C_NAME_EN,
    C_ALIASES,
    C_VALUE,
    C_SOURCE,
    C_EXAMPLE,
    C_TER,
    C_GER,
    C_TIR,
    C_P,
    C_COUNT
};

static const char *const col_names[C_COUNT][20] = {
    [C_PROCESS] = {"process", "工序", "过程", "车间", "生产线", NULL},
    [C_STAGE] = {"stage", "阶段", "生命周期阶段", NULL},
    [C_NAME] = {"name", "material", "item", "carrier", "energy", "mode", "waste", "名称", "物料", "物料名称",
                "材料", "能源", "能源品种", "运输方式", "废物", "废弃物", NULL},
    [C_AMOUNT] = {"amount", "quantity", "qty", "数量", "用量", "消耗量", "产生量", "耗量", NULL},
    [C_UNIT] = {"unit", "单位", "计量单位", NULL},
    [C_FACTOR] = {"factor", "factor_id", "因子", "因子编号", "因子id", NULL},
    [C_QUERY] = {"query", "factor_name", "因子名称", "查询", NULL},
    [C_MASS] = {"mass", "weight", "cargo", "货重", "重量", "运量", NULL},
    [C_MASS_UNIT] = {"mass_unit", "weight_unit", "重量单位", NULL},
    [C_DISTANCE] = {"distance", "距离", "运距", "里程", NULL},
    [C_DISTANCE_UNIT] = {"distance_unit", "距离单位", NULL},
    [C_FROM] = {"from", "origin", "起点", "出发地", NULL},
    [C_TO] = {"to", "destination", "终点", "目的地", NULL},
    [C_DIRECTION] = {"direction", "leg", "方向", "运输段", NULL},
    [C_TREATMENT] = {"treatment", "处理方式", "处置方式", NULL},
    [C_DATA_TYPE] = {"data_type", "数据类型", NULL},
    [C_NOTE] = {"note", "comment", "备注", "说明", NULL},
    [C_ID] = {"id", "编号", NULL},
    [C_NAME_ZH] = {"name_zh", "中文名称", NULL},
    [C_NAME_EN] = {"name_en", "英文名称", NULL},
    [C_ALIASES] = {"aliases", "别名", NULL},
    [C_VALUE] = {"value", "因子值", "排放因子", NULL},
    [C_SOURCE] = {"source", "来源", "数据来源", NULL},
    [C_EXAMPLE] = {"example", "示例", NULL},
    [C_TER] = {"TeR", "技术代表性", NULL},
    [C_GER] = {"GeR", "地理代表性", NULL},
    [C_TIR] = {"TiR", "时间代表性", NULL},
    [C_P] = {"P", "精确度", NULL},
};

/* Column of each field in a header row, -1 if absent.  A header that names
 * no field, or names one already named, is refused (a typo such as "amout"
 * would otherwise drop a whole column silently); a column without a header
 * is ignored only when all its cells are blank. */
static tj_status map_header(const io_sheet *t, int *map, tj_error *err)
{
    for (int c = 0; c < C_COUNT; c++)
        map[c] = -1;
    for (size_t j = 0; j < t->rows[0].n; j++) {
        const char *h = io_sheet_text(t, 0, (long)j);
        if (!*h) {
            for (size_t r = 1; r < t->n; r++)
                if (*io_sheet_text(t, r, (long)j))
                    return io_sheet_error(t, r, (long)j, err, TJ_ERR_INPUT,
                                          "this cell's column has no header / 该列没有表头");
            continue;
        }
        int field = -1;
        for (int c = 0; c < C_COUNT && field < 0; c++)
            for (int k = 0; col_names[c][k]; k++)
                if (!strcasecmp(h, col_names[c][k])) {
                    field = c;
                    break;
                }
        if (field < 0)
            return io_sheet_error(t, 0, (long)j, err, TJ_ERR_INPUT,
                                  "unknown column \"%s\" (see docs/activity-csv.md) / 未知列名", h);
        if (map[field] >= 0)
            return io_sheet_error(t, 0, (long)j, err, TJ_ERR_INPUT,
                                  "column \"%s\" repeats column %d (%s) / 列重复", h, map[field] + 1,
                                  io_sheet_text(t, 0, map[field]));
        map[field] = (int)j;
    }
    return TJ_OK;
}

static const char *cell(const io_sheet *t, size_t r, const int *map, int c)
{
    return io_sheet_text(t, r, map[c]);
}

/* Parse a non-negative decimal amount (digits, an optional point and
 * exponent; commas as thousands separators in the integer part).  No hex,
 * no inf/nan, nothing after the number. */
static int parse_amount(const char *s, double *out)
{
    char buf[64];
    size_t n = 0;
    const char *p = s;
    if (*p == '+')
        p++;
    int digits = 0, int_digits = 0;
    int group = -1; /* digits since the last thousands separator, -1 before the first */
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && int_digits && p[1] >= '0' && p[1] <= '9'); p++) {
        if (*p == ',') {
            /* "1,234" is a thousands separator; "1,5" (a decimal comma) is
             * not read as 15: separators must group three digits */
            if ((group == -1 && int_digits > 3) || (group != -1 && group != 3))
                return 0;
            group = 0;
            continue;
        }
        if (group >= 0)
            group++;
        if (n + 1 >= sizeof buf)
            return 0;
        buf[n++] = *p;
        digits++, int_digits++;
    }
    if (group != -1 && group != 3)
        return 0;
    if (*p == '.') {
        if (n + 1 >= sizeof buf)
            return 0;
        buf[n++] = *p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (n + 1 >= sizeof buf)
                return 0;
            buf[n++] = *p;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        if (n + 1 >= sizeof buf)
            return 0;
        buf[n++] = *p++;
        if ((*p == '+' || *p == '-') && n + 1 < sizeof buf)
            buf[n++] = *p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (n + 1 >= sizeof buf)
                return 0;
            buf[n++] = *p;
        }
    }
    if (*p)
        return 0;
    buf[n] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v) || v < 0)
        return 0;
    *out = v;
    return 1;
}

static const char *stage_from_text(const char *s)
{
    static const char *const map[][2] = {
        {"raw_materials", "raw_materials"},
        {"原材料获取", "raw_materials"},
        {"原材料", "raw_materials"},
        {"production", "production"},
        {"生产", "production"},
        {"distribution", "distribution"},
        {"分销", "distribution"},
        {"运输", "distribution"},
        {"use", "use"},
        {"使用", "use"},
        {"end_of_life", "end_of_life"},
        {"寿命终止", "end_of_life"},
        {"废弃", "end_of_life"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcasecmp(s, map[i][0]))
            return map[i][1];
    return NULL;
}

/* ---- factors ------------------------------------------------------------------ */

typedef struct inline_factor {
    const char *id, *name_zh, *name_en, *aliases, *unit, *source;
    double value;
    int example;
    int used;
} inline_factor;

typedef struct ctx {
    const svc_activity_options *opt;
    svc_activity_result *res;
    tj_error *err;
    io_xlsx *book; /* opt->workbook, open while the sheets are read */
    io_sheet ftab;
    inline_factor *f;
    size_t nf;
    tj_strmap by_id, by_name; /* the factor table's ids, and names and aliases (index + 1) */
    char *fold;               /* a text in lower case (fold_key) */
    size_t fold_cap;
    size_t cap_unmatched;
    json_t *processes; /* array */
    json_t *factors;   /* array */
    svc_ctx *fctx; /* the factor database and who reads it, or NULL */
} ctx;

/* Sheet names of a workbook that hold each kind of sheet (any case). */
static const char *const kind_sheet_names[SVC_SHEET_COUNT + 1][6] = {
    [SVC_SHEET_BOM] = {"bom", "物料清单", "物料", "原材料", NULL},
    [SVC_SHEET_ENERGY] = {"energy", "能源消耗", "能源", NULL},
    [SVC_SHEET_TRANSPORT] = {"transport", "运输", NULL},
    [SVC_SHEET_WASTE] = {"waste", "废弃物", "废物", NULL},
    [SVC_SHEET_COUNT] = {"factors", "因子", "排放因子", "因子表", NULL}, /* the factor table */
};

/* Index of the sheet of kind k (SVC_SHEET_COUNT: the factor table) in a
 * workbook, or -1. */
static long book_sheet_of_kind(const svc_activity_options *opt, io_xlsx *x, int k)
{
    if (k < SVC_SHEET_COUNT && opt->sheet_names[k])
        return io_xlsx_find_sheet(x, opt->sheet_names[k]);
    for (int i = 0; kind_sheet_names[k][i]; i++) {
        long j = io_xlsx_find_sheet(x, kind_sheet_names[k][i]);
        if (j >= 0)
            return j;
    }
    return -1;
}

/* Load the sheet of kind k (SVC_SHEET_COUNT: the factor table) from path, a
 * CSV file or a workbook (its sheet of that kind, or its only sheet); path
 * NULL: from the workbook opt->workbook.  *found is 0 when the workbook has
 * no such sheet (not an error). */
static tj_status load_sheet(ctx *c, int k, const char *path, io_sheet *out, int *found)
{
    *found = 1;
    memset(out, 0, sizeof *out);
    if (path && !io_file_is_zip(path))
        return io_sheet_read_csv(path, c->opt->encoding, NULL, out, c->err);
    io_xlsx *x = c->book;
    tj_status st = TJ_OK;
    if (path && (st = io_xlsx_open(path, NULL, &x, c->err)))
        return st;
    long i = book_sheet_of_kind(c->opt, x, k);
    if (i < 0 && path && io_xlsx_sheet_count(x) == 1)
        i = 0;
    if (i < 0) {
        *found = 0;
        if (path || (k < SVC_SHEET_COUNT && c->opt->sheet_names[k]))
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, path ? path : c->opt->workbook, 0, 0,
                                 "the workbook has no sheet named \"%s\" (its sheets: see tanji model "
                                 "from-sheets --help)",
                                 k < SVC_SHEET_COUNT && c->opt->sheet_names[k] ? c->opt->sheet_names[k]
                                                                               : kind_sheet_names[k][0]);
    } else {
        st = io_xlsx_read_sheet(x, (size_t)i, out, c->err);
        if (!st && out->n == 0) {
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, out->source, 0, 0, "sheet %s has no header row",
                                 out->name);
            io_sheet_release(out);
        }
    }
    if (path)
        io_xlsx_close(x);
    return st;
}

/* Open opt->workbook, note the sheets that no kind reads, and refuse a
 * workbook with no sheet of any kind. */
static tj_status open_workbook(ctx *c)
{
    const svc_activity_options *opt = c->opt;
    tj_status st = io_xlsx_open(opt->workbook, NULL, &c->book, c->err);
    if (st)
        return st;
    size_t n = io_xlsx_sheet_count(c->book);
    int kinds = 0;
    for (int k = 0; k < SVC_SHEET_COUNT; k++)
        if (!opt->sheets[k] && book_sheet_of_kind(opt, c->book, k) >= 0)
            kinds++;
        else if (!opt->sheets[k] && opt->sheet_names[k])
            return tj_error_set_at(c->err, TJ_ERR_INPUT, opt->workbook, 0, 0,
                                   "the workbook has no sheet named \"%s\"", opt->sheet_names[k]);
    int given = 0; /* activity sheets given as files */
    for (int k = 0; k < SVC_SHEET_COUNT; k++)
        given |= opt->sheets[k] != NULL;
    if (!kinds && !given)
        return tj_error_set_at(
            c->err, TJ_ERR_INPUT, opt->workbook, 0, 0,
            "the workbook has no sheet named bom, energy, transport or waste (物料清单, "
            "能源消耗, 运输, 废弃物); name the sheets so, or map them with --sheet KIND=NAME");
    c->res->sheets_ignored = calloc(n ? n : 1, sizeof *c->res->sheets_ignored);
    if (!c->res->sheets_ignored)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int used = 0;
        for (int k = 0; k <= SVC_SHEET_COUNT && !used; k++)
            used = (k == SVC_SHEET_COUNT ? !opt->factors_csv : !opt->sheets[k]) &&
                   book_sheet_of_kind(opt, c->book, k) == (long)i;
        if (used)
            continue;
        char *nm = strdup(io_xlsx_sheet_name(c->book, i));
        if (!nm)
            return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
        c->res->sheets_ignored[c->res->n_sheets_ignored++] = nm;
    }
    return TJ_OK;
}

static tj_status load_factor_table(ctx *c)
{
    int found;
    tj_status st = load_sheet(c, SVC_SHEET_COUNT, c->opt->factors_csv, &c->ftab, &found);
    if (st || !found)
        return st;
    const io_sheet *t = &c->ftab;
    int map[C_COUNT];
    if ((st = map_header(t, map, c->err)) != TJ_OK)
        return st;
    if (map[C_ID] < 0 || map[C_VALUE] < 0 || map[C_UNIT] < 0 || map[C_SOURCE] < 0)
        return io_sheet_error(t, 0, -1, c->err, TJ_ERR_INPUT,
                              "a factor table needs the columns id, value, unit and source");
    c->f = calloc(t->n, sizeof *c->f);
    if (!c->f)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t r = 1; r < t->n; r++) {
        inline_factor *f = &c->f[c->nf];
        f->id = cell(t, r, map, C_ID);
        f->name_zh = cell(t, r, map, C_NAME_ZH);
        f->name_en = cell(t, r, map, C_NAME_EN);
        if (!*f->name_zh && !*f->name_en)
            f->name_en = cell(t, r, map, C_NAME);
        f->aliases = cell(t, r, map, C_ALIASES);
        f->unit = cell(t, r, map, C_UNIT);
        f->source = cell(t, r, map, C_SOURCE);
        const char *ex = cell(t, r, map, C_EXAMPLE);
        f->example =
            !strcasecmp(ex, "true") || !strcmp(ex, "1") || !strcasecmp(ex, "yes") || !strcmp(ex, "是");
        if (!*f->id || !*f->unit)
            return io_sheet_error(t, r, map[!*f->id ? C_ID : C_UNIT], c->err, TJ_ERR_INPUT,
                                  "factor rows need an id and a unit");
        if (!*f->source)
            return io_sheet_error(t, r, map[C_SOURCE], c->err, TJ_ERR_INPUT,
                                  "factor %s has no source: tanji never uses a number without "
                                  "its source",
                                  f->id);
        if (!parse_amount(cell(t, r, map, C_VALUE), &f->value))
            return io_sheet_error(t, r, map[C_VALUE], c->err, TJ_ERR_INPUT,
                                  "value \"%s\" of factor %s is not a non-negative number",
                                  cell(t, r, map, C_VALUE), f->id);
        c->nf++;
    }
    return TJ_OK;
}

/* Matching a line to the factor table: the first factor in table order
 * whose id is the text (exactly), or, when a name may match, whose name_zh,
 * name_en or one of whose |-separated aliases is the text ignoring ASCII
 * case.  Two maps from text to the first such factor (index + 1), built
 * once, so that a sheet of n lines against a table of m factors costs
 * n + m lookups, not n * m comparisons. */
/* s[0..n) with ASCII letters in lower case, in c->fold (NULL: out of memory) */
static const char *fold_key(ctx *c, const char *s, size_t n)
{
    if (n + 1 > c->fold_cap) {
        size_t cap = c->fold_cap ? c->fold_cap : 256;
        while (cap < n + 1)
            cap *= 2;
        char *f = realloc(c->fold, cap);
        if (!f)
            return NULL;
        c->fold = f;
        c->fold_cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        c->fold[i] = (char)tolower((unsigned char)s[i]);
    c->fold[n] = '\0';
    return c->fold;
}

/* key -> i + 1 unless an earlier factor has it */
static int index_put(tj_strmap *m, const char *key, size_t len, size_t i)
{
    int found;
    void **v = tj_strmap_slot(m, key, len, &found);
    if (!v)
        return -1;
    if (!found)
        *v = (void *)(uintptr_t)(i + 1);
    return 0;
}

static tj_status index_factors(ctx *c)
{
    int bad = 0;
    for (size_t i = 0; i < c->nf && !bad; i++) {
        const inline_factor *f = &c->f[i];
        bad = index_put(&c->by_id, f->id, strlen(f->id), i);
        const char *names[2] = {f->name_zh, f->name_en};
        for (int k = 0; k < 2 && !bad; k++) {
            size_t n = strlen(names[k]);
            const char *key = n ? fold_key(c, names[k], n) : "";
            bad = !key || (n && index_put(&c->by_name, key, n, i));
        }
        /* as the aliases were always split: every segment up to the last
         * non-empty one (an empty segment in between is a key too) */
        for (const char *p = f->aliases; p && *p && !bad;) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            const char *key = fold_key(c, p, n);
            bad = !key || index_put(&c->by_name, key, n, i);
            p = bar ? bar + 1 : NULL;
        }
    }
    return bad ? tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory") : TJ_OK;
}

/* The factor a line names (see above), or NULL; *nomem set when out of memory. */
static inline_factor *inline_find(ctx *c, const char *q, int by_id, int *nomem)
{
    size_t n = strlen(q), i = (size_t)(uintptr_t)tj_strmap_get(&c->by_id, q, n);
    if (!by_id) {
        const char *key = fold_key(c, q, n);
        if (!key) {
            *nomem = 1;
            return NULL;
        }
        size_t j = (size_t)(uintptr_t)tj_strmap_get(&c->by_name, key, n);
        if (j && (!i || j < i))
            i = j;
    }
    return i ? &c->f[i - 1] : NULL;
}

static tj_status unmatched(ctx *c, const io_sheet *t, size_t row, long col, const char *name,
                           const char *reason)
{
    svc_activity_result *r = c->res;
    if (r->n_unmatched == c->cap_unmatched) {
        size_t cap = c->cap_unmatched ? c->cap_unmatched * 2 : 16;
        svc_unmatched *nu = realloc(r->unmatched, cap * sizeof *nu);
        if (!nu)
            return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
        r->unmatched = nu;
        c->cap_unmatched = cap;
    }
    svc_unmatched *u = &r->unmatched[r->n_unmatched];
    memset(u, 0, sizeof *u);
    u->file = strdup(t->source);
    u->line = row < t->n ? t->rows[row].line : 0;
    u->name = strdup(name);
    u->reason = strdup(reason);
    int bad = !u->file || !u->name || !u->reason;
    if (!bad && t->name) {
        char ref[300];
        io_sheet_ref(t, row, col, ref, sizeof ref);
        bad = !(u->cell = strdup(ref));
    }
    if (bad) {
        free(u->file);
        free(u->name);
        free(u->reason);
        free(u->cell);
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    r->n_unmatched++;
    return TJ_OK;
}

/* "ID@VERSION" as a new JSON string, NULL when out of memory. */
static json_t *factor_ref(const char *id, int version)
{
    char *s = NULL;
    if (asprintf(&s, "%s@%d", id, version) < 0)
        return NULL;
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Factor reference for a line: sets *ref (new JSON value). */
static tj_status match_factor(ctx *c, const io_sheet *t, size_t row, long id_col, long query_col,
                              const char *factor_id, const char *query, json_t **ref)
{
    *ref = NULL;
    char reason[600];
    if (*factor_id) {
        int nomem = 0;
        inline_factor *f = inline_find(c, factor_id, 1, &nomem);
        if (f) {
            f->used = 1;
            c->res->by_id++;
            *ref = json_string(f->id);
            return TJ_OK;
        }
        if (c->fctx) {
            char *id = NULL;
            int version = 0;
            tj_error e2;
            svc_factor fac;
            svc_factor_init(&fac);
            if (!svc_factor_parse_ref(factor_id, &id, &version, &e2) &&
                !svc_factor_get(c->fctx, id, version, &fac, &e2)) {
                *ref = factor_ref(fac.id, fac.version);
                c->res->by_id++;
                svc_factor_release(&fac);
                free(id);
                return *ref ? TJ_OK : tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
            }
            svc_factor_release(&fac);
            free(id);
            snprintf(reason, sizeof reason, "factor %s: %s", factor_id, e2.message);
        } else
            snprintf(reason, sizeof reason,
                     "factor %s is not in the factor table (and no factor database was given)", factor_id);
        *ref = json_string(factor_id);
        return unmatched(c, t, row, id_col, factor_id, reason);
    }
    int nomem = 0;
    inline_factor *f = inline_find(c, query, 0, &nomem);
    if (nomem)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (f) {
        f->used = 1;
        c->res->by_query++;
        *ref = json_string(f->id);
        return TJ_OK;
    }
    if (c->fctx) {
        svc_factor_resolution res;
        memset(&res, 0, sizeof res);
        tj_error e2;
        if (!svc_factor_resolve(c->fctx, query, c->opt->region, c->opt->year, &res, &e2)) {
            *ref = factor_ref(res.factor.id, res.factor.version);
            svc_factor_resolution_release(&res);
            c->res->by_query++;
            return *ref ? TJ_OK : tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
        svc_factor_resolution_release(&res);
        snprintf(reason, sizeof reason, "no factor resolves \"%s\": %s", query, e2.message);
    } else
        snprintf(reason, sizeof reason,
                 "no factor named \"%s\" in the factor table (and no factor database was given)", query);
    *ref = c->opt->region ? json_pack("{s:s, s:s}", "query", query, "region", c->opt->region)
                          : json_pack("{s:s}", "query", query);
    return unmatched(c, t, row, query_col, query, reason);
}

/* ---- processes ------------------------------------------------------------------ */

/* Find or create the process (stage, name); returns its exchanges array. */
static json_t *process_for(ctx *c, const char *stage, const char *name, const char *data_type)
{
    size_t i;
    json_t *p;
    json_array_foreach(c->processes, i, p)
    {
        if (!strcmp(json_string_value(json_object_get(p, "stage")), stage) &&
            !strcmp(json_string_value(json_object_get(p, "name")), name))
            return json_object_get(p, "exchanges");
    }
    char id[32];
    snprintf(id, sizeof id, "P%zu", json_array_size(c->processes) + 1);
    json_t *ex = json_array();
    p = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "name", name, "stage", stage, "exchanges", ex);
    if (!p)
        return NULL;
    if (data_type && *data_type)
        json_object_set_new(p, "data_type", json_string(data_type));
    json_array_append_new(c->processes, p);
    return ex;
}

static const char *data_type_norm(const char *s)
{
    if (!strcasecmp(s, "primary") || !strcmp(s, "初级") || !strcmp(s, "一手") || !strcmp(s, "实测"))
        return "primary";
    if (!strcasecmp(s, "secondary") || !strcmp(s, "次级") || !strcmp(s, "二手"))
        return "secondary";
    return NULL;
}

static const char *const sheet_names[SVC_SHEET_COUNT] = {"BOM", "energy", "transport", "waste"};

static tj_status read_sheet(ctx *c, svc_sheet_kind kind)
{
    io_sheet t;
    int found;
    tj_status st = load_sheet(c, kind, c->opt->sheets[kind], &t, &found);
    if (st || !found)
        return st;
    char *flowbuf = NULL;
    int map[C_COUNT];
    if ((st = map_header(&t, map, c->err)) != TJ_OK)
        goto out;
    if (kind == SVC_SHEET_TRANSPORT) {
        if (map[C_NAME] < 0 || ((map[C_MASS] < 0 || map[C_DISTANCE] < 0) && map[C_AMOUNT] < 0)) {
            st = io_sheet_error(&t, 0, -1, c->err, TJ_ERR_INPUT,
                                "a transport sheet needs the columns mode (运输方式) and either "
                                "mass and distance (货重, 距离) or amount and unit (t*km)");
            goto out;
        }
    } else if (map[C_NAME] < 0 || map[C_AMOUNT] < 0 || map[C_UNIT] < 0) {
        st = io_sheet_error(&t, 0, -1, c->err, TJ_ERR_INPUT,
                            "a %s sheet needs the columns name, amount and unit (名称, 数量, 单位)",
                            sheet_names[kind]);
        goto out;
    }
    for (size_t r = 1; r < t.n; r++) {
        c->res->lines++;
        const char *name = cell(&t, r, map, C_NAME);
        if (!*name) {
            st = io_sheet_error(&t, r, map[C_NAME], c->err, TJ_ERR_INPUT, "the name is empty");
            goto out;
        }
        double amount = 0;
        const char *unit = cell(&t, r, map, C_UNIT);
        const char *flow = name;
        if (kind == SVC_SHEET_TRANSPORT && map[C_MASS] >= 0 && map[C_DISTANCE] >= 0 &&
            *cell(&t, r, map, C_MASS)) {
            double mass, dist;
            int mass_bad = !parse_amount(cell(&t, r, map, C_MASS), &mass);
            if (mass_bad || !parse_amount(cell(&t, r, map, C_DISTANCE), &dist)) {
                st = io_sheet_error(&t, r, mass_bad ? map[C_MASS] : map[C_DISTANCE], c->err, TJ_ERR_INPUT,
                                    "mass and distance must be non-negative numbers");
                goto out;
            }
            const char *mu = cell(&t, r, map, C_MASS_UNIT), *du = cell(&t, r, map, C_DISTANCE_UNIT);
            double mf = 1, df = 1;
            if (*mu && strcmp(mu, "t")) {
                if (!strcmp(mu, "kg"))
                    mf = 0.001;
                else {
                    st = io_sheet_error(&t, r, map[C_MASS_UNIT], c->err, TJ_ERR_INPUT,
                                        "mass unit \"%s\" must be t or kg", mu);
                    goto out;
                }
            }
            if (*du && strcmp(du, "km")) {
                if (!strcmp(du, "m"))
                    df = 0.001;
                else {
                    st = io_sheet_error(&t, r, map[C_DISTANCE_UNIT], c->err, TJ_ERR_INPUT,
                                        "distance unit \"%s\" must be km or m", du);
                    goto out;
                }
            }
            amount = mass * mf * dist * df;
            unit = "t*km";
        } else if (!parse_amount(cell(&t, r, map, C_AMOUNT), &amount)) {
            st = io_sheet_error(&t, r, map[C_AMOUNT], c->err, TJ_ERR_INPUT,
                                "amount \"%s\" is not a non-negative number", cell(&t, r, map, C_AMOUNT));
            goto out;
        }
        if (!*unit) {
            st = io_sheet_error(&t, r, map[C_UNIT], c->err, TJ_ERR_INPUT, "the unit is empty");
            goto out;
        }
        if (kind == SVC_SHEET_TRANSPORT) {
            const char *from = cell(&t, r, map, C_FROM), *to = cell(&t, r, map, C_TO);
            if (*from || *to) {
                size_t fl = strlen(name) + strlen(from) + strlen(to) + 16;
                free(flowbuf);
                if (!(flowbuf = malloc(fl))) {
                    st = tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
                    goto out;
                }
                snprintf(flowbuf, fl, "%s (%s → %s)", name, from, to);
                flow = flowbuf;
            }
        }
        /* stage and process */
        const char *stage_txt = cell(&t, r, map, C_STAGE);
        const char *stage = *stage_txt ? stage_from_text(stage_txt) : NULL;
        if (*stage_txt && !stage) {
            st = io_sheet_error(&t, r, map[C_STAGE], c->err, TJ_ERR_INPUT,
                                "unknown stage \"%s\" (raw_materials, production, distribution, "
                                "use, end_of_life or 原材料获取, 生产, 分销, 使用, 寿命终止)",
                                stage_txt);
            goto out;
        }
        const char *pname = cell(&t, r, map, C_PROCESS);
        if (kind == SVC_SHEET_TRANSPORT) {
            const char *dir = cell(&t, r, map, C_DIRECTION);
            int outbound = !strcasecmp(dir, "outbound") || !strcmp(dir, "出厂") || !strcmp(dir, "销售") ||
                           !strcmp(dir, "分销");
            if (!stage)
                stage = outbound ? "distribution" : "raw_materials";
            if (!*pname)
                pname = outbound ? "产品运输 distribution transport" : "原料运输 inbound transport";
        } else if (kind == SVC_SHEET_BOM) {
            if (!stage)
                stage = "raw_materials";
            if (!*pname)
                pname = "原材料获取 raw material acquisition";
        } else {
            if (!stage)
                stage = "production";
            if (!*pname)
                pname = "生产 production";
        }
        const char *dt = data_type_norm(cell(&t, r, map, C_DATA_TYPE));
        json_t *exs = process_for(c, stage, pname, dt);
        if (!exs) {
            st = tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        if (map[C_TER] >= 0 && *cell(&t, r, map, C_TER)) {
            /* data quality scores for the process (the first row that has them) */
            json_t *proc = NULL;
            size_t pi;
            json_t *pp;
            json_array_foreach(c->processes, pi, pp) if (json_object_get(pp, "exchanges") == exs) proc = pp;
            if (proc && !json_object_get(proc, "quality")) {
                json_t *q = json_object();
                static const int qc[4] = {C_TER, C_GER, C_TIR, C_P};
                static const char *const qk[4] = {"TeR", "GeR", "TiR", "P"};
                for (int k = 0; k < 4; k++) {
                    double v;
                    if (!parse_amount(cell(&t, r, map, qc[k]), &v) || v < 1 || v > 5 || v != floor(v)) {
                        json_decref(q);
                        st = io_sheet_error(&t, r, map[qc[k]], c->err, TJ_ERR_INPUT,
                                            "%s must be an integer from 1 to 5", qk[k]);
                        goto out;
                    }
                    json_object_set_new(q, qk[k], json_integer((json_int_t)v));
                }
                json_object_set_new(proc, "quality", q);
            }
        }
        const char *query = cell(&t, r, map, C_QUERY);
        if (!*query)
            query = kind == SVC_SHEET_WASTE && *cell(&t, r, map, C_TREATMENT) ? cell(&t, r, map, C_TREATMENT)
                                                                              : name;
        json_t *ref;
        if ((st = match_factor(c, &t, r, map[C_FACTOR],
                               map[C_QUERY] >= 0 && *cell(&t, r, map, C_QUERY) ? map[C_QUERY] : map[C_NAME],
                               cell(&t, r, map, C_FACTOR), query, &ref)))
            goto out;
        json_t *ex =
            json_pack("{s:s, s:s, s:s, s:f, s:s, s:o}", "type", kind == SVC_SHEET_WASTE ? "waste" : "product",
                      "direction", kind == SVC_SHEET_WASTE ? "output" : "input", "flow", flow, "amount",
                      amount, "unit", unit, "factor", ref);
        if (!ex) {
            st = tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        json_array_append_new(exs, ex);
    }
out:
    free(flowbuf);
    io_sheet_release(&t);
    return st;
}

void svc_activity_result_release(svc_activity_result *r)
{
    json_decref(r->model);
    for (size_t i = 0; i < r->n_unmatched; i++) {
        free(r->unmatched[i].file);
        free(r->unmatched[i].name);
        free(r->unmatched[i].reason);
        free(r->unmatched[i].cell);
    }
    free(r->unmatched);
    for (size_t i = 0; i < r->n_sheets_ignored; i++)
        free(r->sheets_ignored[i]);
    free(r->sheets_ignored);
    memset(r, 0, sizeof *r);
}

tj_status svc_activity_to_model(svc_ctx *sctx, const svc_activity_options *opt, svc_activity_result *res,
                                tj_error *err)
{
    memset(res, 0, sizeof *res);
    if (!opt->product_zh && !opt->product_en)
        return tj_error_set(err, TJ_ERR_USAGE, "product", "a product name is required");
    if (!opt->unit || !*opt->unit)
        return tj_error_set(err, TJ_ERR_USAGE, "unit", "a declared unit is required");
    int any = opt->workbook != NULL;
    for (int k = 0; k < SVC_SHEET_COUNT; k++)
        any |= opt->sheets[k] != NULL;
    if (!any)
        return tj_error_set(err, TJ_ERR_USAGE, NULL,
                            "no activity data: give a workbook or at least one of the BOM, energy, "
                            "transport and waste sheets");
    ctx c = {.opt = opt, .res = res, .err = err};
    char *flow = NULL;
    tj_status st = TJ_OK;
    if (sctx && sctx->db)
        c.fctx = sctx;
    c.processes = json_array();
    c.factors = json_array();
    if (!c.processes || !c.factors) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (opt->workbook && (st = open_workbook(&c)))
        goto out;
    if ((opt->factors_csv || c.book) && ((st = load_factor_table(&c)) || (st = index_factors(&c))))
        goto out;
    for (int k = 0; k < SVC_SHEET_COUNT && !st; k++)
        if (opt->sheets[k] || c.book)
            st = read_sheet(&c, (svc_sheet_kind)k);
    if (st)
        goto out;
    /* the product: a production process makes it; the others feed it */
    const char *pname = opt->product_zh ? opt->product_zh : opt->product_en;
    json_t *main_ex = process_for(&c, "production", "生产 production", NULL);
    if (!main_ex) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    json_t *main_proc = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(c.processes, i, p) if (json_object_get(p, "exchanges") == main_ex) main_proc = p;
    double amount = opt->amount > 0 ? opt->amount : 1;
    json_array_insert_new(main_ex, 0,
                          json_pack("{s:s, s:s, s:s, s:f, s:s}", "type", "product", "direction", "output",
                                    "flow", pname, "amount", amount, "unit", opt->unit));
    const char *main_id = json_string_value(json_object_get(main_proc, "id"));
    json_array_foreach(c.processes, i, p)
    {
        if (p == main_proc)
            continue;
        /* each other process supplies its share for the declared amount of product */
        const char *procname = json_string_value(json_object_get(p, "name"));
        size_t fl = strlen(procname) + strlen(pname) + 3;
        free(flow);
        if (!(flow = malloc(fl))) {
            st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        snprintf(flow, fl, "%s: %s", procname, pname);
        json_array_insert_new(json_object_get(p, "exchanges"), 0,
                              json_pack("{s:s, s:s, s:s, s:i, s:s}", "type", "product", "direction", "output",
                                        "flow", flow, "amount", 1, "unit", "piece"));
        json_array_append_new(main_ex,
                              json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "type", "product", "direction",
                                        "input", "flow", flow, "amount", 1, "unit", "piece", "provider",
                                        json_string_value(json_object_get(p, "id"))));
    }
    for (size_t k = 0; k < c.nf; k++) {
        inline_factor *f = &c.f[k];
        if (!f->used)
            continue;
        json_t *o = json_pack("{s:s, s:f, s:s, s:s}", "id", f->id, "value", f->value, "unit", f->unit,
                              "source", f->source);
        const char *nm = *f->name_zh ? f->name_zh : f->name_en;
        if (o && *nm)
            json_object_set_new(o, "name", json_string(nm));
        if (o && f->example)
            json_object_set_new(o, "example", json_true());
        json_array_append_new(c.factors, o);
    }
    json_t *name = opt->product_zh && opt->product_en
                       ? json_pack("{s:s, s:s}", "zh", opt->product_zh, "en", opt->product_en)
                       : json_string(pname);
    json_t *prod =
        json_pack("{s:o, s:s, s:f, s:s, s:s}", "name", name, "unit", opt->unit, "amount", amount, "boundary",
                  opt->boundary ? opt->boundary : "cradle-to-gate", "process", main_id);
    if (prod && opt->geography)
        json_object_set_new(prod, "geography", json_string(opt->geography));
    if (prod && opt->category)
        json_object_set_new(prod, "category", json_string(opt->category));
    if (prod && opt->year > 0) {
        char s[16], e[16];
        snprintf(s, sizeof s, "%04d-01-01", opt->year);
        snprintf(e, sizeof e, "%04d-12-31", opt->year);
        json_object_set_new(prod, "reference_period", json_pack("{s:s, s:s}", "start", s, "end", e));
    }
    res->model = json_pack("{s:i, s:o, s:O, s:O}", "tanji_model", 1, "product", prod, "factors", c.factors,
                           "processes", c.processes);
    if (!res->model) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (json_array_size(c.factors) == 0)
        json_object_del(res->model, "factors");
    int example = 0;
    for (size_t k = 0; k < c.nf; k++)
        example |= c.f[k].used && c.f[k].example;
    if (example) {
        json_object_set_new(res->model, "example", json_true());
        json_object_set_new(res->model, "note",
                            json_string("Built by tanji model from-sheets; uses factors marked as "
                                        "EXAMPLE values, not real data."));
    }
out:
    json_decref(c.processes);
    json_decref(c.factors);
    free(c.f);
    tj_strmap_release(&c.by_id);
    tj_strmap_release(&c.by_name);
    free(c.fold);
    free(flow);
    io_sheet_release(&c.ftab);
    io_xlsx_close(c.book);
    if (st)
        svc_activity_result_release(res);
    return st;
}
