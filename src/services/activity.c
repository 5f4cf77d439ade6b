/* Enterprise activity data (CSV) -> model JSON; see activity.h. */
#include "services/activity.h"
#include "tanji/buf.h"
#include "tanji/text.h"

#include <csv.h>
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/model.h"
#include "services/factors.h"

/* ---- text ----------------------------------------------------------------- */

/* Length of the valid UTF-8 prefix of s. */
/* ---- CSV tables ------------------------------------------------------------ */

typedef struct table {
    char ***rows; /* rows[i][j], NUL-terminated strings */
    size_t *ncells;
    long *lines; /* line where the row ends */
    size_t n, cap;
    /* parser state */
    char **cur;
    size_t ncur, capcur;
    long line;
    int oom;
} table;

static void cb_field(void *s, size_t len, void *data)
{
    table *t = data;
    if (t->oom)
        return;
    if (t->ncur == t->capcur) {
        size_t cap = t->capcur ? t->capcur * 2 : 16;
        char **nc = realloc(t->cur, cap * sizeof *nc);
        if (!nc) {
            t->oom = 1;
            return;
        }
        t->cur = nc;
        t->capcur = cap;
    }
    char *f = malloc(len + 1);
    if (!f) {
        t->oom = 1;
        return;
    }
    memcpy(f, s, len);
    f[len] = 0;
    /* trim white space (including the ideographic space U+3000) */
    char *b = f, *e = f + len;
    for (;;) {
        if (b < e && (*b == ' ' || *b == '\t' || *b == '\r'))
            b++;
        else if (e - b >= 3 && !memcmp(b, "\xE3\x80\x80", 3))
            b += 3;
        else
            break;
    }
    for (;;) {
        if (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        else if (e - b >= 3 && !memcmp(e - 3, "\xE3\x80\x80", 3))
            e -= 3;
        else
            break;
    }
    memmove(f, b, (size_t)(e - b));
    f[e - b] = 0;
    t->cur[t->ncur++] = f;
}

static void cb_row(int c, void *data)
{
    (void)c;
    table *t = data;
    if (t->oom)
        return;
    /* skip empty rows */
    int empty = 1;
    for (size_t i = 0; i < t->ncur; i++)
        if (t->cur[i][0])
            empty = 0;
    if (empty) {
        for (size_t i = 0; i < t->ncur; i++)
            free(t->cur[i]);
        t->ncur = 0;
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        char ***nr = realloc(t->rows, cap * sizeof *nr);
        size_t *nn = nr ? realloc(t->ncells, cap * sizeof *nn) : NULL;
        long *nl = nn ? realloc(t->lines, cap * sizeof *nl) : NULL;
        if (nr)
            t->rows = nr;
        if (nn)
            t->ncells = nn;
        if (nl)
            t->lines = nl;
        if (!nr || !nn || !nl) {
            t->oom = 1;
            return;
        }
        t->cap = cap;
    }
    t->rows[t->n] = t->cur;
    t->ncells[t->n] = t->ncur;
    t->lines[t->n] = t->line;
    t->n++;
    t->cur = NULL;
    t->ncur = t->capcur = 0;
}

static void table_release(table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->ncells[i]; j++)
            free(t->rows[i][j]);
        free(t->rows[i]);
    }
    for (size_t i = 0; i < t->ncur; i++)
        free(t->cur[i]);
    free(t->cur);
    free(t->rows);
    free(t->ncells);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

static tj_status table_load(const char *path, const char *encoding, table *t, tj_error *err)
{
    memset(t, 0, sizeof *t);
    char *raw = NULL, *text = NULL;
    size_t rawlen = 0, len = 0;
    tj_status st = io_read_file(path, (size_t)64 << 20, &raw, &rawlen, err);
    if (st)
        return st;
    st = tj_text_to_utf8(path, raw, rawlen, encoding, &text, &len, err);
    free(raw);
    if (st)
        return st;
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        free(text);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    /* feed line by line so each row knows its line */
    size_t pos = 0;
    t->line = 0;
    while (pos < len && !t->oom) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        t->line++;
        if (csv_parse(&p, text + pos, n, cb_field, cb_row, t) != n) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, path, t->line, 0, "CSV: %s", csv_strerror(csv_error(&p)));
            break;
        }
        pos += n;
    }
    if (!st && csv_fini(&p, cb_field, cb_row, t) != 0)
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, t->line, 0, "CSV: %s", csv_strerror(csv_error(&p)));
    csv_free(&p);
    free(text);
    if (!st && t->oom)
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!st && t->n == 0)
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, 1, 0, "the file has no header row");
    if (st)
        table_release(t);
    return st;
}

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

/* Column of each field in a header row, -1 if absent. */
static void map_header(char **cells, size_t n, int *map)
{
    for (int c = 0; c < C_COUNT; c++)
        map[c] = -1;
    for (size_t j = 0; j < n; j++)
        for (int c = 0; c < C_COUNT; c++)
            for (int k = 0; col_names[c][k]; k++)
                if (map[c] < 0 && !strcasecmp(cells[j], col_names[c][k]))
                    map[c] = (int)j;
}

static const char *cell(const table *t, size_t r, const int *map, int c)
{
    if (map[c] < 0 || (size_t)map[c] >= t->ncells[r])
        return "";
    return t->rows[r][map[c]];
}

/* Parse a non-negative amount; commas as thousands separators are allowed. */
static int parse_amount(const char *s, double *out)
{
    char buf[64];
    size_t n = 0;
    for (; *s && n + 1 < sizeof buf; s++)
        if (*s != ',')
            buf[n++] = *s;
    if (*s || n == 0)
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
    table ftab;
    inline_factor *f;
    size_t nf;
    json_t *processes; /* array */
    json_t *factors;   /* array */
    svc_ctx fctx_s;    /* the factor database is read as the local operator (opt->db) */
    svc_ctx *fctx;
} ctx;

static tj_status load_factor_table(ctx *c)
{
    const char *path = c->opt->factors_csv;
    tj_status st = table_load(path, c->opt->encoding, &c->ftab, c->err);
    if (st)
        return st;
    int map[C_COUNT];
    map_header(c->ftab.rows[0], c->ftab.ncells[0], map);
    if (map[C_ID] < 0 || map[C_VALUE] < 0 || map[C_UNIT] < 0 || map[C_SOURCE] < 0)
        return tj_error_set_at(c->err, TJ_ERR_INPUT, path, c->ftab.lines[0], 0,
                               "a factor table needs the columns id, value, unit and source");
    c->f = calloc(c->ftab.n, sizeof *c->f);
    if (!c->f)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t r = 1; r < c->ftab.n; r++) {
        inline_factor *f = &c->f[c->nf];
        f->id = cell(&c->ftab, r, map, C_ID);
        f->name_zh = cell(&c->ftab, r, map, C_NAME_ZH);
        f->name_en = cell(&c->ftab, r, map, C_NAME_EN);
        if (!*f->name_zh && !*f->name_en)
            f->name_en = cell(&c->ftab, r, map, C_NAME);
        f->aliases = cell(&c->ftab, r, map, C_ALIASES);
        f->unit = cell(&c->ftab, r, map, C_UNIT);
        f->source = cell(&c->ftab, r, map, C_SOURCE);
        const char *ex = cell(&c->ftab, r, map, C_EXAMPLE);
        f->example =
            !strcasecmp(ex, "true") || !strcmp(ex, "1") || !strcasecmp(ex, "yes") || !strcmp(ex, "是");
        if (!*f->id || !*f->unit)
            return tj_error_set_at(c->err, TJ_ERR_INPUT, path, c->ftab.lines[r], 0,
                                   "factor rows need an id and a unit");
        if (!*f->source)
            return tj_error_set_at(c->err, TJ_ERR_INPUT, path, c->ftab.lines[r], 0,
                                   "factor %s has no source: tanji never uses a number without "
                                   "its source",
                                   f->id);
        if (!parse_amount(cell(&c->ftab, r, map, C_VALUE), &f->value))
            return tj_error_set_at(c->err, TJ_ERR_INPUT, path, c->ftab.lines[r], 0,
                                   "value \"%s\" of factor %s is not a non-negative number",
                                   cell(&c->ftab, r, map, C_VALUE), f->id);
        c->nf++;
    }
    return TJ_OK;
}

static int alias_match(const char *aliases, const char *q)
{
    size_t ql = strlen(q);
    const char *p = aliases;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == ql && !strncasecmp(p, q, n))
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static inline_factor *inline_find(ctx *c, const char *q, int by_id)
{
    for (size_t i = 0; i < c->nf; i++) {
        inline_factor *f = &c->f[i];
        if (!strcmp(f->id, q))
            return f;
        if (!by_id && ((*f->name_zh && !strcasecmp(f->name_zh, q)) ||
                       (*f->name_en && !strcasecmp(f->name_en, q)) || alias_match(f->aliases, q)))
            return f;
    }
    return NULL;
}

static tj_status unmatched(ctx *c, const char *file, long line, const char *name, const char *reason)
{
    svc_activity_result *r = c->res;
    svc_unmatched *nu = realloc(r->unmatched, (r->n_unmatched + 1) * sizeof *nu);
    if (!nu)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    r->unmatched = nu;
    svc_unmatched *u = &nu[r->n_unmatched];
    u->file = strdup(file);
    u->line = line;
    u->name = strdup(name);
    u->reason = strdup(reason);
    if (!u->file || !u->name || !u->reason) {
        free(u->file);
        free(u->name);
        free(u->reason);
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
static tj_status match_factor(ctx *c, const char *file, long line, const char *factor_id, const char *query,
                              json_t **ref)
{
    *ref = NULL;
    char reason[600];
    if (*factor_id) {
        inline_factor *f = inline_find(c, factor_id, 1);
        if (f) {
            f->used = 1;
            c->res->by_id++;
            *ref = json_string(f->id);
            return TJ_OK;
        }
        if (c->opt->db) {
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
        return unmatched(c, file, line, factor_id, reason);
    }
    inline_factor *f = inline_find(c, query, 0);
    if (f) {
        f->used = 1;
        c->res->by_query++;
        *ref = json_string(f->id);
        return TJ_OK;
    }
    if (c->opt->db) {
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
    return unmatched(c, file, line, query, reason);
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
    const char *path = c->opt->sheets[kind];
    table t;
    tj_status st = table_load(path, c->opt->encoding, &t, c->err);
    if (st)
        return st;
    int map[C_COUNT];
    tj_buf flowbuf;
    tj_buf_init(&flowbuf, TJ_BUF_KEY_MAX);
    map_header(t.rows[0], t.ncells[0], map);
    if (kind == SVC_SHEET_TRANSPORT) {
        if (map[C_NAME] < 0 || ((map[C_MASS] < 0 || map[C_DISTANCE] < 0) && map[C_AMOUNT] < 0)) {
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, t.lines[0], 0,
                                 "a transport sheet needs the columns mode (运输方式) and either "
                                 "mass and distance (货重, 距离) or amount and unit (t*km)");
            goto out;
        }
    } else if (map[C_NAME] < 0 || map[C_AMOUNT] < 0 || map[C_UNIT] < 0) {
        st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, t.lines[0], 0,
                             "a %s sheet needs the columns name, amount and unit (名称, 数量, 单位)",
                             sheet_names[kind]);
        goto out;
    }
    for (size_t r = 1; r < t.n; r++) {
        long line = t.lines[r];
        c->res->lines++;
        const char *name = cell(&t, r, map, C_NAME);
        if (!*name) {
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0, "the name is empty");
            goto out;
        }
        double amount = 0;
        const char *unit = cell(&t, r, map, C_UNIT);
        const char *flow = name;
        if (kind == SVC_SHEET_TRANSPORT && map[C_MASS] >= 0 && map[C_DISTANCE] >= 0 &&
            *cell(&t, r, map, C_MASS)) {
            double mass, dist;
            if (!parse_amount(cell(&t, r, map, C_MASS), &mass) ||
                !parse_amount(cell(&t, r, map, C_DISTANCE), &dist)) {
                st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
                                     "mass and distance must be non-negative numbers");
                goto out;
            }
            const char *mu = cell(&t, r, map, C_MASS_UNIT), *du = cell(&t, r, map, C_DISTANCE_UNIT);
            double mf = 1, df = 1;
            if (*mu && strcmp(mu, "t")) {
                if (!strcmp(mu, "kg"))
                    mf = 0.001;
                else {
                    st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
                                         "mass unit \"%s\" must be t or kg", mu);
                    goto out;
                }
            }
            if (*du && strcmp(du, "km")) {
                if (!strcmp(du, "m"))
                    df = 0.001;
                else {
                    st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
                                         "distance unit \"%s\" must be km or m", du);
                    goto out;
                }
            }
            amount = mass * mf * dist * df;
            unit = "t*km";
        } else if (!parse_amount(cell(&t, r, map, C_AMOUNT), &amount)) {
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
                                 "amount \"%s\" is not a non-negative number", cell(&t, r, map, C_AMOUNT));
            goto out;
        }
        if (!*unit) {
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0, "the unit is empty");
            goto out;
        }
        if (kind == SVC_SHEET_TRANSPORT) {
            const char *from = cell(&t, r, map, C_FROM), *to = cell(&t, r, map, C_TO);
            if (*from || *to) {
                tj_buf_reset(&flowbuf);
                if ((st = tj_buf_appendf(&flowbuf, "%s (%s → %s)", name, from, to))) {
                    st = st == TJ_ERR_NOMEM ? tj_error_set(c->err, st, NULL, "out of memory")
                                            : tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
                                                              "name, from and to are longer than %u bytes together",
                                                              TJ_BUF_KEY_MAX);
                    goto out;
                }
                flow = tj_buf_str(&flowbuf);
            }
        }
        /* stage and process */
        const char *stage_txt = cell(&t, r, map, C_STAGE);
        const char *stage = *stage_txt ? stage_from_text(stage_txt) : NULL;
        if (*stage_txt && !stage) {
            st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
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
                        st = tj_error_set_at(c->err, TJ_ERR_INPUT, path, line, 0,
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
        if ((st = match_factor(c, path, line, cell(&t, r, map, C_FACTOR), query, &ref)))
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
    tj_buf_release(&flowbuf);
    table_release(&t);
    return st;
}

void svc_activity_result_release(svc_activity_result *r)
{
    json_decref(r->model);
    for (size_t i = 0; i < r->n_unmatched; i++) {
        free(r->unmatched[i].file);
        free(r->unmatched[i].name);
        free(r->unmatched[i].reason);
    }
    free(r->unmatched);
    memset(r, 0, sizeof *r);
}

tj_status svc_activity_to_model(const svc_activity_options *opt, svc_activity_result *res, tj_error *err)
{
    memset(res, 0, sizeof *res);
    if (!opt->product_zh && !opt->product_en)
        return tj_error_set(err, TJ_ERR_USAGE, "product", "a product name is required");
    if (!opt->unit || !*opt->unit)
        return tj_error_set(err, TJ_ERR_USAGE, "unit", "a declared unit is required");
    int any = 0;
    for (int k = 0; k < SVC_SHEET_COUNT; k++)
        any |= opt->sheets[k] != NULL;
    if (!any)
        return tj_error_set(err, TJ_ERR_USAGE, NULL,
                            "no activity data: give at least one of the BOM, energy, transport "
                            "and waste sheets");
    ctx c = {.opt = opt, .res = res, .err = err};
    tj_status st = TJ_OK;
    if (opt->db) {
        if ((st = svc_ctx_local(&c.fctx_s, opt->db, NULL, err)))
            return st;
        c.fctx = &c.fctx_s;
    }
    c.processes = json_array();
    c.factors = json_array();
    if (!c.processes || !c.factors) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (opt->factors_csv && (st = load_factor_table(&c)))
        goto out;
    for (int k = 0; k < SVC_SHEET_COUNT && !st; k++)
        if (opt->sheets[k])
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
        char *flow = NULL;
        if (asprintf(&flow, "%s: %s", json_string_value(json_object_get(p, "name")), pname) < 0) {
            st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        json_array_insert_new(json_object_get(p, "exchanges"), 0,
                              json_pack("{s:s, s:s, s:s, s:i, s:s}", "type", "product", "direction", "output",
                                        "flow", flow, "amount", 1, "unit", "piece"));
        json_array_append_new(main_ex,
                              json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "type", "product", "direction",
                                        "input", "flow", flow, "amount", 1, "unit", "piece", "provider",
                                        json_string_value(json_object_get(p, "id"))));
        free(flow);
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
                            json_string("Built by tanji model from-csv; uses factors marked as "
                                        "EXAMPLE values, not real data."));
    }
out:
    json_decref(c.processes);
    json_decref(c.factors);
    free(c.f);
    table_release(&c.ftab);
    if (c.fctx)
        svc_ctx_release(c.fctx);
    if (st)
        svc_activity_result_release(res);
    return st;
}
