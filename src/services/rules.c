/* Accounting rules: parsing, validation, precedence.  See rules.h. */
#include "tanji/parse.h"
#include "services/rules.h"

#include "io/model.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const stage_names[SVC_STAGE_COUNT] = {"raw_materials", "production", "distribution", "use",
                                                         "end_of_life"};
static const char *const stage_zh[SVC_STAGE_COUNT] = {"原材料获取", "生产", "分销", "使用", "寿命终止"};
static const char *const stage_en[SVC_STAGE_COUNT] = {"raw material acquisition", "production",
                                                      "distribution", "use", "end of life"};
static const char *const alloc_names[SVC_ALLOC_COUNT] = {"subdivision", "system_expansion", "physical",
                                                         "economic"};

const char *svc_stage_name(int stage)
{
    return stage >= 0 && stage < SVC_STAGE_COUNT ? stage_names[stage] : "?";
}

const char *svc_stage_label(int stage, int zh)
{
    if (stage < 0 || stage >= SVC_STAGE_COUNT)
        return "?";
    return zh ? stage_zh[stage] : stage_en[stage];
}

int svc_stage_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < SVC_STAGE_COUNT; i++)
        if (!strcmp(s, stage_names[i]))
            return i;
    return -1;
}

const char *svc_alloc_name(int a)
{
    return a >= 0 && a < SVC_ALLOC_COUNT ? alloc_names[a] : "?";
}

int svc_alloc_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < SVC_ALLOC_COUNT; i++)
        if (!strcmp(s, alloc_names[i]))
            return i;
    return -1;
}

static const char *const level_names[] = {"national", "industry", "local", "group"};
static const char *const status_names[] = {"draft", "in_force", "withdrawn"};

const char *svc_level_name(svc_rule_level l)
{
    return (unsigned)l < 4 ? level_names[l] : "?";
}

const char *svc_status_name(svc_rule_status s)
{
    return (unsigned)s < 3 ? status_names[s] : "?";
}

/* ---- validation helpers ------------------------------------------------ */

typedef struct pctx {
    const char *file;
    tj_error *err;
} pctx;

static tj_status perr(pctx *c, const char *path, const char *fmt, const char *a, const char *b)
{
    tj_error_set(c->err, TJ_ERR_INPUT, path, fmt, a ? a : "", b ? b : "");
    if (c->err && c->file)
        snprintf(c->err->file, sizeof c->err->file, "%s", c->file);
    return TJ_ERR_INPUT;
}

/* Optional or required string member; *out NULL when absent. */
static tj_status get_str(pctx *c, json_t *obj, const char *key, const char *path, int required,
                         const char **out)
{
    char p[256];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return perr(c, p, "required field \"%s\" is missing%s", key, "");
        return TJ_OK;
    }
    if (!json_is_string(v))
        return perr(c, p, "\"%s\" must be a string%s", key, "");
    if (required && json_string_length(v) == 0)
        return perr(c, p, "\"%s\" must not be empty%s", key, "");
    *out = json_string_value(v);
    return TJ_OK;
}

/* Longest member name quoted in an error; longer names are refused by length. */
#define KEY_NAME_MAX 64

/* Refuse any member of obj whose name is not in allowed (NULL-terminated);
 * the error names the member's JSON path and the allowed names. */
static tj_status check_keys(pctx *c, json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, key);
        if (ok)
            continue;
        char *list = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&list, &len);
        if (!f)
            return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
        fputs(" (allowed: ", f);
        for (const char *const *a = allowed; *a; a++)
            fprintf(f, "%s%s", a == allowed ? "" : ", ", *a);
        fputc(')', f);
        if (fclose(f)) {
            free(list);
            return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
        tj_status st;
        size_t kl = strlen(key);
        if (kl > KEY_NAME_MAX || strlen(path) + kl + 2 > sizeof c->err->path) {
            char n[32];
            snprintf(n, sizeof n, "%zu", kl);
            st = perr(c, path, "unknown field with a %s-byte name%s", n, list);
        } else {
            char p[sizeof c->err->path];
            snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
            st = perr(c, p, "unknown field \"%s\"%s", key, list);
        }
        free(list);
        return st;
    }
    return TJ_OK;
}

static const char *const i18n_keys[] = {"zh", "en", NULL};

static tj_status get_i18n(pctx *c, json_t *obj, const char *key, const char *path, int required,
                          const char **zh, const char **en)
{
    char p[256];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    json_t *v = json_object_get(obj, key);
    *zh = *en = NULL;
    if (!v) {
        if (required)
            return perr(c, p, "required field \"%s\" is missing%s", key, "");
        return TJ_OK;
    }
    if (json_is_string(v)) {
        *zh = *en = json_string_value(v);
        return TJ_OK;
    }
    if (!json_is_object(v))
        return perr(c, p, "\"%s\" must be an object {\"zh\": ..., \"en\": ...}%s", key, "");
    tj_status st;
    if ((st = check_keys(c, v, p, i18n_keys)) || (st = get_str(c, v, "zh", p, 0, zh)) || (st = get_str(c, v, "en", p, 0, en)))
        return st;
    if (!*zh && !*en)
        return perr(c, p, "\"%s\" needs at least one of \"zh\" and \"en\"%s", key, "");
    if (!*zh)
        *zh = *en;
    if (!*en)
        *en = *zh;
    return TJ_OK;
}

static tj_status get_num(pctx *c, json_t *obj, const char *key, const char *path, double lo, double hi,
                         double dflt, double *out)
{
    char p[256];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = dflt;
        return TJ_OK;
    }
    if (!json_is_number(v))
        return perr(c, p, "\"%s\" must be a number%s", key, "");
    double d = json_number_value(v);
    if (!(d >= lo && d <= hi)) {
        char range[96];
        snprintf(range, sizeof range, " (allowed %g to %g)", lo, hi);
        return perr(c, p, "\"%s\" is out of range%s", key, range);
    }
    *out = d;
    return TJ_OK;
}

static int valid_date(const char *s)
{
    tj_date d;
    return tj_parse_date("date", s, TJ_DATE_DAY, &d, NULL) == TJ_OK;
}

const char *svc_rule_region_code(const char *code)
{
    static const char *const map[][2] = {
        {"BJ", "110000"}, {"TJ", "120000"}, {"HE", "130000"}, {"SX", "140000"}, {"NM", "150000"},
        {"LN", "210000"}, {"JL", "220000"}, {"HL", "230000"}, {"SH", "310000"}, {"JS", "320000"},
        {"ZJ", "330000"}, {"AH", "340000"}, {"FJ", "350000"}, {"JX", "360000"}, {"SD", "370000"},
        {"HA", "410000"}, {"HB", "420000"}, {"HN", "430000"}, {"GD", "440000"}, {"GX", "450000"},
        {"HI", "460000"}, {"CQ", "500000"}, {"SC", "510000"}, {"GZ", "520000"}, {"YN", "530000"},
        {"XZ", "540000"}, {"SN", "610000"}, {"GS", "620000"}, {"QH", "630000"}, {"NX", "640000"},
        {"XJ", "650000"}, {"TW", "710000"}, {"HK", "810000"}, {"MO", "820000"},
    };
    if (!code)
        return NULL;
    if (svc_region_valid(code))
        return code;
    if (strncasecmp(code, "CN-", 3))
        return NULL;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcasecmp(code + 3, map[i][0]))
            return map[i][1];
    return NULL;
}

int svc_region_valid(const char *code)
{
    if (!code || strlen(code) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    /* province part 11..82 (GB/T 2260), not 00 */
    return !(code[0] == '0' && code[1] == '0');
}

int svc_region_covers(const char *rr, const char *q)
{
    if (!svc_region_valid(rr) || !svc_region_valid(q))
        return 0;
    size_t n = 6;
    if (!strcmp(rr + 2, "0000"))
        n = 2;
    else if (!strcmp(rr + 4, "00"))
        n = 4;
    return !strncmp(rr, q, n);
}

/* Parse an array of names (stages or allocation methods) into a bit mask. */
static tj_status get_mask(pctx *c, json_t *obj, const char *key, const char *path, int required,
                          int (*parse)(const char *), const char *what, unsigned *mask)
{
    char p[256];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    json_t *v = json_object_get(obj, key);
    *mask = 0;
    if (!v) {
        if (required)
            return perr(c, p, "required field \"%s\" is missing%s", key, "");
        return TJ_OK;
    }
    if (!json_is_array(v))
        return perr(c, p, "\"%s\" must be an array%s", key, "");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        char pe[300];
        snprintf(pe, sizeof pe, "%s[%zu]", p, i);
        int k = json_is_string(e) ? parse(json_string_value(e)) : -1;
        if (k < 0)
            return perr(c, pe, "unknown %s \"%s\"", what,
                        json_is_string(e) ? json_string_value(e) : "(not a string)");
        *mask |= 1u << k;
    }
    if (required && !*mask)
        return perr(c, p, "\"%s\" must not be empty%s", key, "");
    return TJ_OK;
}

static int id_char_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

void svc_rule_release(svc_rule *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_inputs; i++)
        free(r->inputs[i].match);
    free(r->inputs);
    for (size_t i = 0; i < r->n_standards; i++)
        free(r->standards[i].sources);
    free(r->standards);
    free(r->file);
    json_decref(r->doc);
    memset(r, 0, sizeof *r);
}

static tj_status parse_inputs(pctx *c, json_t *doc, svc_rule *r)
{
    json_t *arr = json_object_get(doc, "required_inputs");
    if (!arr)
        return TJ_OK;
    if (!json_is_array(arr))
        return perr(c, "required_inputs", "\"required_inputs\" must be an array%s%s", "", "");
    size_t n = json_array_size(arr);
    if (n == 0)
        return TJ_OK;
    r->inputs = calloc(n, sizeof *r->inputs);
    if (!r->inputs)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        svc_rule_input *in = &r->inputs[i];
        r->n_inputs = i + 1;
        char p[64];
        snprintf(p, sizeof p, "required_inputs[%zu]", i);
        if (!json_is_object(e))
            return perr(c, p, "each required input must be an object%s%s", "", "");
        tj_status st;
        const char *stage = NULL;
        static const char *const input_keys[] = {"id", "name", "stage", "unit", "match", "cutoff", NULL};
        if ((st = check_keys(c, e, p, input_keys)))
            return st;
        if ((st = get_str(c, e, "id", p, 1, &in->id)) ||
            (st = get_i18n(c, e, "name", p, 1, &in->name_zh, &in->name_en)) ||
            (st = get_str(c, e, "unit", p, 0, &in->unit)) || (st = get_str(c, e, "stage", p, 0, &stage)) ||
            (st = get_num(c, e, "cutoff", p, 0, 1, -1, &in->cutoff)))
            return st;
        in->stage = -1;
        if (stage && (in->stage = svc_stage_parse(stage)) < 0) {
            char ps[96];
            snprintf(ps, sizeof ps, "%s.stage", p);
            return perr(c, ps, "unknown stage \"%s\"%s", stage, "");
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(r->inputs[j].id, in->id))
                return perr(c, p, "duplicate required input id \"%s\"%s", in->id, "");
        json_t *m = json_object_get(e, "match");
        size_t nm = json_is_array(m) ? json_array_size(m) : 0;
        if (m && !json_is_array(m)) {
            char pm[96];
            snprintf(pm, sizeof pm, "%s.match", p);
            return perr(c, pm, "\"match\" must be an array of strings%s%s", "", "");
        }
        /* default keywords: the names */
        in->match = calloc(nm ? nm : 2, sizeof *in->match);
        if (!in->match)
            return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (nm == 0) {
            in->match[0] = in->name_en;
            in->match[1] = in->name_zh;
            in->n_match = 2;
        }
        for (size_t j = 0; j < nm; j++) {
            json_t *k = json_array_get(m, j);
            if (!json_is_string(k) || json_string_length(k) == 0) {
                char pm[96];
                snprintf(pm, sizeof pm, "%s.match[%zu]", p, j);
                return perr(c, pm, "match keywords must be non-empty strings%s%s", "", "");
            }
            in->match[in->n_match++] = json_string_value(k);
        }
    }
    return TJ_OK;
}

/* ---- the real standard behind a rule ("standard") ----------------------- */

static const char *const std_status_names[SVC_STD_STATUS_COUNT] = {"in_force", "issued",    "listed",
                                                                   "planned",  "withdrawn", "none_known"};

const char *svc_std_status_name(svc_std_status s)
{
    return (unsigned)s < SVC_STD_STATUS_COUNT ? std_status_names[s] : "?";
}

static const char *const standard_keys[] = {"number", "title",  "issuer", "level",  "list_batch", "status",
                                            "verified", "issued", "effective", "source", "note", NULL};

static tj_status parse_one_standard(pctx *c, json_t *o, const char *p, svc_rule_standard *sd)
{
    char q[96];
    tj_status st;
    const char *s;
    if (!json_is_object(o))
        return perr(c, p, "a standard must be an object {number, title, issuer, status, verified, source, ...}%s%s",
                    "", "");
    if ((st = check_keys(c, o, p, standard_keys)))
        return st;
    if ((st = get_str(c, o, "status", p, 1, &s)))
        return st;
    int k = -1;
    for (int i = 0; i < SVC_STD_STATUS_COUNT; i++)
        if (!strcmp(s, std_status_names[i]))
            k = i;
    snprintf(q, sizeof q, "%s.status", p);
    if (k < 0)
        return perr(c, q, "unknown standard status \"%s\" (in_force, issued, listed, planned, withdrawn, none_known)%s",
                    s, "");
    sd->status = (svc_std_status)k;
    if ((st = get_str(c, o, "number", p, 0, &sd->number)) ||
        (st = get_i18n(c, o, "title", p, 0, &sd->title_zh, &sd->title_en)) ||
        (st = get_i18n(c, o, "issuer", p, 0, &sd->issuer_zh, &sd->issuer_en)) ||
        (st = get_i18n(c, o, "note", p, 0, &sd->note_zh, &sd->note_en)) ||
        (st = get_str(c, o, "issued", p, 0, &sd->issued)) || (st = get_str(c, o, "effective", p, 0, &sd->effective)))
        return st;
    snprintf(q, sizeof q, "%s.number", p);
    if (sd->number && !*sd->number)
        return perr(c, q, "\"number\" must not be empty (leave it out when the number is not known)%s%s", "", "");
    if (sd->status == SVC_STD_NONE_KNOWN) {
        if (sd->number || sd->title_zh)
            return perr(c, sd->number ? q : p,
                        "a standard with status \"none_known\" has no number or title (never invent one)%s%s", "", "");
        if (!sd->note_zh) {
            snprintf(q, sizeof q, "%s.note", p);
            return perr(c, q, "status \"none_known\" needs a \"note\" saying what was searched%s%s", "", "");
        }
    } else if (!sd->number && sd->status != SVC_STD_LISTED && sd->status != SVC_STD_ISSUED)
        return perr(c, q, "required field \"number\" is missing (only \"listed\", \"issued\" and \"none_known\" entries may lack one)%s%s",
                    "", "");
    if (sd->issued && !valid_date(sd->issued)) {
        snprintf(q, sizeof q, "%s.issued", p);
        return perr(c, q, "\"%s\" is not a date YYYY-MM-DD%s", sd->issued, "");
    }
    if (sd->effective && !valid_date(sd->effective)) {
        snprintf(q, sizeof q, "%s.effective", p);
        return perr(c, q, "\"%s\" is not a date YYYY-MM-DD%s", sd->effective, "");
    }
    sd->level = -1;
    if ((st = get_str(c, o, "level", p, 0, &s)))
        return st;
    if (s) {
        for (int i = 0; i < 4; i++)
            if (!strcmp(s, level_names[i]))
                sd->level = i;
        if (sd->level < 0) {
            snprintf(q, sizeof q, "%s.level", p);
            return perr(c, q, "unknown level \"%s\" (national, industry, local, group)%s", s, "");
        }
    }
    json_t *b = json_object_get(o, "list_batch");
    if (b) {
        snprintf(q, sizeof q, "%s.list_batch", p);
        if (!json_is_integer(b) || json_integer_value(b) < 1 || json_integer_value(b) > 99)
            return perr(c, q, "\"list_batch\" must be the number of a MIIT recommended list (1, 2, 3, ...)%s%s", "", "");
        sd->list_batch = (int)json_integer_value(b);
        if (sd->status == SVC_STD_NONE_KNOWN)
            return perr(c, q, "a standard with status \"none_known\" is on no list%s%s", "", "");
    } else if (sd->status == SVC_STD_LISTED) {
        snprintf(q, sizeof q, "%s.list_batch", p);
        return perr(c, q, "status \"listed\" needs \"list_batch\"%s%s", "", "");
    }
    json_t *v = json_object_get(o, "verified");
    snprintf(q, sizeof q, "%s.verified", p);
    if (!v)
        return perr(c, q, "required field \"verified\" is missing (false where only secondary sources were seen)%s%s",
                    "", "");
    if (!json_is_boolean(v))
        return perr(c, q, "\"verified\" must be true or false%s%s", "", "");
    sd->verified = json_is_true(v);
    json_t *src = json_object_get(o, "source");
    snprintf(q, sizeof q, "%s.source", p);
    if (!src)
        return perr(c, q, "required field \"source\" is missing (where the standard was seen)%s%s", "", "");
    size_t n = json_is_array(src) ? json_array_size(src) : 1;
    if (!(json_is_string(src) || json_is_array(src)) || n == 0)
        return perr(c, q, "\"source\" must be a string or a non-empty array of strings%s%s", "", "");
    sd->sources = calloc(n, sizeof *sd->sources);
    if (!sd->sources)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(src) ? json_array_get(src, i) : src;
        if (!json_is_string(e) || json_string_length(e) == 0) {
            if (json_is_array(src))
                snprintf(q, sizeof q, "%s.source[%zu]", p, i);
            return perr(c, q, "sources must be non-empty strings%s%s", "", "");
        }
        sd->sources[sd->n_sources++] = json_string_value(e);
    }
    return TJ_OK;
}

/* "standard": one object or an array of them (the first is the one to follow). */
static tj_status parse_standards(pctx *c, json_t *doc, svc_rule *r)
{
    json_t *v = json_object_get(doc, "standard");
    if (!v)
        return TJ_OK;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (json_is_array(v) && n == 0)
        return perr(c, "standard", "\"standard\" must not be an empty array (leave it out)%s%s", "", "");
    r->standards = calloc(n, sizeof *r->standards);
    if (!r->standards)
        return tj_error_set(c->err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[48];
        if (json_is_array(v))
            snprintf(p, sizeof p, "standard[%zu]", i);
        else
            snprintf(p, sizeof p, "standard");
        r->n_standards = i + 1;
        tj_status st = parse_one_standard(c, json_is_array(v) ? json_array_get(v, i) : v, p, &r->standards[i]);
        if (st)
            return st;
        if (r->standards[i].status == SVC_STD_NONE_KNOWN && n > 1)
            return perr(c, p, "\"none_known\" cannot be listed with other standards%s%s", "", "");
    }
    return TJ_OK;
}

static const char *const level_zh[] = {"国家标准", "行业标准", "地方标准", "团体标准"};
static const char *const level_en[] = {"national standard", "industry standard", "local standard",
                                       "group standard"};

const char *svc_level_label(int level, int zh)
{
    if (level < 0 || level > 3)
        return zh ? "标准" : "standard";
    return zh ? level_zh[level] : level_en[level];
}

static const char *const std_status_zh[SVC_STD_STATUS_COUNT] = {"现行有效", "已发布", "已列入推荐清单",
                                                                "计划制定中", "已废止", "未找到"};
static const char *const std_status_en[SVC_STD_STATUS_COUNT] = {"in force", "issued", "on a recommended list",
                                                                "planned", "withdrawn", "none found"};

static void put_standard(FILE *f, const svc_rule_standard *sd, int zh)
{
    const char *title = zh ? sd->title_zh : sd->title_en;
    const char *issuer = zh ? sd->issuer_zh : sd->issuer_en;
    const char *level = svc_level_label(sd->level, zh);
    /* the status, unless the list batch or a date already says it */
    int show_status = !(sd->status == SVC_STD_LISTED && sd->list_batch) &&
                      !(sd->status == SVC_STD_ISSUED && sd->issued) &&
                      !(sd->status == SVC_STD_IN_FORCE && sd->effective);
    if (zh) {
        if (sd->number)
            fprintf(f, "%s%s%s%s（%s", sd->number, title ? "《" : "", title ? title : "", title ? "》" : "", level);
        else if (title)
            fprintf(f, "《%s》（%s，编号未见", title, level);
        else
            fprintf(f, "该产品的%s（编号未见", level);
        if (issuer)
            fprintf(f, "，%s发布", issuer);
        if (sd->list_batch)
            fprintf(f, "，已列入工业产品碳足迹核算规则团体标准推荐清单第%d批", sd->list_batch);
        if (show_status)
            fprintf(f, "，%s", std_status_zh[sd->status]);
        if (sd->issued)
            fprintf(f, "，%s 发布", sd->issued);
        if (sd->effective)
            fprintf(f, "，%s 实施", sd->effective);
        fputs("）", f);
    } else {
        if (sd->number)
            fprintf(f, "%s%s%s%s (%s", sd->number, title ? " \"" : "", title ? title : "", title ? "\"" : "", level);
        else if (title)
            fprintf(f, "\"%s\" (%s, number not seen", title, level);
        else
            fprintf(f, "the %s for this product (number not seen", level);
        if (issuer)
            fprintf(f, ", issued by %s", issuer);
        if (sd->list_batch)
            fprintf(f, ", on MIIT's recommended list of group standards for product carbon footprint accounting, "
                       "batch %d",
                    sd->list_batch);
        if (show_status)
            fprintf(f, ", %s", std_status_en[sd->status]);
        if (sd->issued)
            fprintf(f, ", issued %s", sd->issued);
        if (sd->effective)
            fprintf(f, ", in force from %s", sd->effective);
        fputs(")", f);
    }
}

char *svc_rule_follow_text(const svc_rule *r, int zh)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    const svc_rule_standard *sd = r->n_standards ? &r->standards[0] : NULL;
    if (!sd)
        fputs(zh ? "本规则未注明所依据的产品标准。" : "This rule does not name the product standard it implements.", f);
    else if (sd->status == SVC_STD_NONE_KNOWN)
        fputs(zh ? "未找到该产品的碳足迹核算标准；在标准发布前，按 GB/T 24067-2024 核算，并以本规则为结构参考。"
                 : "No carbon footprint standard for this product was found; until one is issued, quantify "
                   "according to GB/T 24067-2024, with this rule as a structural guide.",
              f);
    else {
        fputs(zh ? (sd->status == SVC_STD_PLANNED ? "该产品的标准尚在计划中：" : "应遵循：")
                 : (sd->status == SVC_STD_PLANNED ? "A standard for this product is only planned: "
                                                  : "Follow "),
              f);
        put_standard(f, sd, zh);
        fputs(zh ? "。" : ".", f);
        for (size_t i = 1; i < r->n_standards; i++) {
            fputs(zh ? (i == 1 ? "另见：" : "；") : (i == 1 ? " See also " : "; "), f);
            put_standard(f, &r->standards[i], zh);
            if (i + 1 == r->n_standards)
                fputs(zh ? "。" : ".", f);
        }
    }
    if (sd) {
        int unverified = 0;
        for (size_t i = 0; i < r->n_standards; i++)
            unverified |= !r->standards[i].verified && r->standards[i].status != SVC_STD_NONE_KNOWN;
        if (unverified)
            fputs(zh ? "【未核实】以上信息仅见于二手资料（转载、标准信息网站），使用前请以发布机构的正式文本为准。"
                     : " UNVERIFIED: seen only in secondary sources (reprints, standards-shop pages); check "
                       "the issuer's official text before relying on it.",
                  f);
        for (size_t i = 0; i < r->n_standards; i++) {
            const char *note = zh ? r->standards[i].note_zh : r->standards[i].note_en;
            if (note)
                fprintf(f, zh ? "%s" : " %s", note);
        }
    }
    if (r->is_template)
        fputs(zh ? "本文件为结构模板，不是上述标准本身。" : " This file is a structural template, not the standard itself.",
              f);
    if (fclose(f)) {
        free(out);
        return NULL;
    }
    return out;
}

tj_status svc_rule_parse(json_t *doc, const char *file, svc_rule *out, tj_error *err)
{
    pctx c = {file, err};
    svc_rule r;
    memset(&r, 0, sizeof r);
    tj_status st = TJ_OK;
    const char *s;
    if (!json_is_object(doc))
        return perr(&c, "", "a rule must be a JSON object%s%s", "", "");
    static const char *const top_keys[] = {
        "format",   "id",       "version",         "template",        "note",   "title",      "product",
        "issuer",   "level",    "region",          "status",          "effective", "supersedes", "basis",
        "unit",     "boundary", "required_stages", "required_inputs", "cutoff", "allocation", "gwp",
        "primary_data", "dqr_max", "reporting",     "lists",           "standard", NULL};
    if ((st = check_keys(&c, doc, "", top_keys)))
        return st;
    if ((st = get_str(&c, doc, "format", "", 0, &s)))
        return st;
    if (s && strcmp(s, "tanji-rule/1"))
        return perr(&c, "format", "unsupported rule format \"%s\" (expected \"tanji-rule/1\")%s", s, "");
    r.file = strdup(file ? file : "");
    if (!r.file)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_t *t;
    if ((st = get_str(&c, doc, "id", "", 1, &r.id)) ||
        (st = get_str(&c, doc, "version", "", 1, &r.version)) ||
        (st = get_i18n(&c, doc, "title", "", 1, &r.title_zh, &r.title_en)))
        goto out;
    if (!id_char_ok(r.id)) {
        st = perr(&c, "id", "rule id \"%s\" may only contain letters, digits, '.', '_' and '-'%s", r.id, "");
        goto out;
    }
    if (!id_char_ok(r.version)) {
        st = perr(&c, "version",
                  "version \"%s\" may only contain letters, digits, '.', '_' and "
                  "'-'%s",
                  r.version, "");
        goto out;
    }
    t = json_object_get(doc, "template");
    if (t && !json_is_boolean(t)) {
        st = perr(&c, "template", "\"template\" must be true or false%s%s", "", "");
        goto out;
    }
    r.is_template = json_is_true(t);
    json_t *prod = json_object_get(doc, "product");
    if (!json_is_object(prod)) {
        st = perr(&c, "product", "required object \"product\" is missing%s%s", "", "");
        goto out;
    }
    static const char *const product_keys[] = {"category", "name", "aliases", "codes", NULL};
    static const char *const code_keys[] = {"scheme", "code", "note", NULL};
    if ((st = check_keys(&c, prod, "product", product_keys)))
        goto out;
    {
        json_t *codes = json_object_get(prod, "codes");
        if (codes && !json_is_array(codes)) {
            st = perr(&c, "product.codes", "\"codes\" must be an array of {scheme, code, note}%s%s", "", "");
            goto out;
        }
        size_t i;
        json_t *e;
        json_array_foreach(codes, i, e)
        {
            char p[64];
            const char *x;
            snprintf(p, sizeof p, "product.codes[%zu]", i);
            if (!json_is_object(e)) {
                st = perr(&c, p, "each code must be an object {scheme, code, note}%s%s", "", "");
                goto out;
            }
            if ((st = check_keys(&c, e, p, code_keys)) || (st = get_str(&c, e, "scheme", p, 1, &x)) ||
                (st = get_str(&c, e, "code", p, 1, &x)) || (st = get_str(&c, e, "note", p, 0, &x)))
                goto out;
        }
    }
    if ((st = get_str(&c, prod, "category", "product", 1, &r.category)) ||
        (st = get_i18n(&c, prod, "name", "product", 1, &r.product_zh, &r.product_en)))
        goto out;
    if (!id_char_ok(r.category)) {
        st = perr(&c, "product.category",
                  "category \"%s\" may only contain letters, digits, '.', "
                  "'_' and '-'%s",
                  r.category, "");
        goto out;
    }
    json_t *al = json_object_get(prod, "aliases");
    if (al && !json_is_array(al)) {
        st = perr(&c, "product.aliases", "\"aliases\" must be an array of strings%s%s", "", "");
        goto out;
    }
    {
        size_t i;
        json_t *e;
        json_array_foreach(al, i, e) if (!json_is_string(e))
        {
            char p[64];
            snprintf(p, sizeof p, "product.aliases[%zu]", i);
            st = perr(&c, p, "aliases must be strings%s%s", "", "");
            goto out;
        }
    }
    {
        const char *izh, *ien;
        if ((st = get_i18n(&c, doc, "issuer", "", 1, &izh, &ien)))
            goto out;
        r.issuer = izh;
    }
    if ((st = get_str(&c, doc, "level", "", 1, &s)))
        goto out;
    {
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(s, level_names[i]))
                k = i;
        if (k < 0) {
            st = perr(&c, "level", "unknown level \"%s\" (national, industry, local, group)%s", s, "");
            goto out;
        }
        r.level = (svc_rule_level)k;
    }
    if ((st = get_str(&c, doc, "status", "", 1, &s)))
        goto out;
    {
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(s, status_names[i]))
                k = i;
        if (k < 0) {
            st = perr(&c, "status", "unknown status \"%s\" (draft, in_force, withdrawn)%s", s, "");
            goto out;
        }
        r.status = (svc_rule_status)k;
    }
    if ((st = get_str(&c, doc, "region", "", 0, &r.region)))
        goto out;
    if (r.level == SVC_LEVEL_LOCAL && !r.region) {
        st = perr(&c, "region", "a local rule needs \"region\" (GB/T 2260 code, e.g. 530000)%s%s", "", "");
        goto out;
    }
    if (r.region && !svc_region_valid(r.region)) {
        st =
            perr(&c, "region", "\"%s\" is not a 6-digit GB/T 2260 region code (e.g. 530000)%s", r.region, "");
        goto out;
    }
    if ((st = get_str(&c, doc, "effective", "", 0, &r.effective)))
        goto out;
    if (r.effective && !valid_date(r.effective)) {
        st = perr(&c, "effective", "\"%s\" is not a date YYYY-MM-DD%s", r.effective, "");
        goto out;
    }
    json_t *sup = json_object_get(doc, "supersedes");
    if (sup && !json_is_array(sup)) {
        st = perr(&c, "supersedes", "\"supersedes\" must be an array of rule ids%s%s", "", "");
        goto out;
    }
    {
        size_t i;
        json_t *e;
        json_array_foreach(sup, i, e) if (!json_is_string(e))
        {
            char p[64];
            snprintf(p, sizeof p, "supersedes[%zu]", i);
            st = perr(&c, p, "must be a rule id (\"ID\" or \"ID@VERSION\")%s%s", "", "");
            goto out;
        }
    }
    json_t *unit = json_object_get(doc, "unit");
    if (!json_is_object(unit)) {
        st =
            perr(&c, "unit", "required object \"unit\" (declared or functional unit) is missing%s%s", "", "");
        goto out;
    }
    static const char *const unit_keys[] = {"kind", "amount", "unit", "description", NULL};
    {
        const char *dzh, *den;
        if ((st = check_keys(&c, unit, "unit", unit_keys)) ||
            (st = get_i18n(&c, unit, "description", "unit", 0, &dzh, &den)))
            goto out;
    }
    if ((st = get_str(&c, unit, "kind", "unit", 1, &r.unit_kind)) ||
        (st = get_num(&c, unit, "amount", "unit", 1e-300, 1e300, 1, &r.unit_amount)) ||
        (st = get_str(&c, unit, "unit", "unit", 1, &r.unit)))
        goto out;
    if (strcmp(r.unit_kind, "declared") && strcmp(r.unit_kind, "functional")) {
        st = perr(&c, "unit.kind", "\"%s\" must be \"declared\" or \"functional\"%s", r.unit_kind, "");
        goto out;
    }
    if ((st = get_str(&c, doc, "boundary", "", 1, &r.boundary)))
        goto out;
    if (strcmp(r.boundary, "cradle-to-gate") && strcmp(r.boundary, "cradle-to-grave") &&
        strcmp(r.boundary, "gate-to-gate")) {
        st = perr(&c, "boundary", "unknown boundary \"%s\" (cradle-to-gate, cradle-to-grave, gate-to-gate)%s",
                  r.boundary, "");
        goto out;
    }
    if ((st = get_mask(&c, doc, "required_stages", "", 1, svc_stage_parse, "stage", &r.stage_mask)))
        goto out;
    if ((st = parse_inputs(&c, doc, &r)))
        goto out;
    json_t *cut = json_object_get(doc, "cutoff");
    if (cut && !json_is_object(cut)) {
        st = perr(&c, "cutoff", "\"cutoff\" must be an object {per_input, total}%s%s", "", "");
        goto out;
    }
    static const char *const cutoff_keys[] = {"per_input", "total", NULL};
    if (cut && (st = check_keys(&c, cut, "cutoff", cutoff_keys)))
        goto out;
    if ((st = get_num(&c, cut, "per_input", "cutoff", 0, 1, 0.01, &r.cutoff_input)) ||
        (st = get_num(&c, cut, "total", "cutoff", 0, 1, 0.05, &r.cutoff_total)))
        goto out;
    json_t *alloc = json_object_get(doc, "allocation");
    if (!json_is_object(alloc)) {
        st = perr(&c, "allocation", "required object \"allocation\" {allowed: [...]} is missing%s%s", "", "");
        goto out;
    }
    static const char *const alloc_keys[] = {"allowed", NULL};
    if ((st = check_keys(&c, alloc, "allocation", alloc_keys)))
        goto out;
    if ((st = get_mask(&c, alloc, "allowed", "allocation", 1, svc_alloc_parse, "allocation method",
                       &r.allocation_mask)))
        goto out;
    if ((st = get_str(&c, doc, "gwp", "", 0, &r.gwp)))
        goto out;
    if (!r.gwp)
        r.gwp = "AR6";
    if (strcmp(r.gwp, "AR6") && strcmp(r.gwp, "AR5")) {
        st = perr(&c, "gwp", "unknown GWP set \"%s\" (AR6 or AR5)%s", r.gwp, "");
        goto out;
    }
    json_t *prim = json_object_get(doc, "primary_data");
    if (prim && !json_is_object(prim)) {
        st = perr(&c, "primary_data", "\"primary_data\" must be an object {stages, processes}%s%s", "", "");
        goto out;
    }
    static const char *const primary_keys[] = {"stages", "processes", NULL};
    if (prim && (st = check_keys(&c, prim, "primary_data", primary_keys)))
        goto out;
    if ((st = get_mask(&c, prim, "stages", "primary_data", 0, svc_stage_parse, "stage",
                       &r.primary_stage_mask)))
        goto out;
    if ((st = get_num(&c, doc, "dqr_max", "", 1, 5, 5, &r.dqr_max)))
        goto out;
    json_t *rep = json_object_get(doc, "reporting");
    if (rep && !json_is_array(rep)) {
        st = perr(&c, "reporting", "\"reporting\" must be an array of item names%s%s", "", "");
        goto out;
    }
    {
        const char *nzh, *nen;
        if ((st = get_i18n(&c, doc, "note", "", 0, &nzh, &nen)))
            goto out;
    }
    static const char *const arrays[] = {"basis", "reporting", "lists"};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++) {
        json_t *a = json_object_get(doc, arrays[k]);
        if (a && !json_is_array(a)) {
            st = perr(&c, arrays[k], "\"%s\" must be an array of strings%s", arrays[k], "");
            goto out;
        }
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e) if (!json_is_string(e))
        {
            char p[48];
            snprintf(p, sizeof p, "%s[%zu]", arrays[k], i);
            st = perr(&c, p, "must be a string%s%s", "", "");
            goto out;
        }
    }
    if ((st = parse_standards(&c, doc, &r)))
        goto out;
    r.doc = json_incref(doc);
    *out = r;
    return TJ_OK;
out:
    svc_rule_release(&r);
    return st;
}

/* ---- sets -------------------------------------------------------------- */

static tj_status set_add(svc_ruleset *set, svc_rule *r, tj_error *err)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->rules[i].id, r->id) && !strcmp(set->rules[i].version, r->version)) {
            tj_error_set(err, TJ_ERR_CONFLICT, "id", "rule %s@%s is defined twice (also in %s)", r->id,
                         r->version, set->rules[i].file);
            if (err)
                snprintf(err->file, sizeof err->file, "%s", r->file);
            return TJ_ERR_CONFLICT;
        }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        svc_rule *nr = realloc(set->rules, cap * sizeof *nr);
        if (!nr)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        set->rules = nr;
        set->cap = cap;
    }
    set->rules[set->n++] = *r;
    return TJ_OK;
}

/* A rule is a small document; anything larger is not one. */
#define RULE_FILE_MAX ((size_t)4 << 20)

tj_status svc_ruleset_load_file(svc_ruleset *set, const char *path, tj_error *err)
{
    json_t *doc;
    tj_status st = io_load_json_file(path, RULE_FILE_MAX, &doc, NULL, err);
    if (st)
        return st;
    svc_rule r;
    st = svc_rule_parse(doc, path, &r, err);
    json_decref(doc);
    if (st)
        return st;
    if ((st = set_add(set, &r, err)))
        svc_rule_release(&r);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

tj_status svc_ruleset_load_dir(svc_ruleset *set, const char *dir, tj_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot open rules directory %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    tj_status st = TJ_OK;
    size_t n0 = set->n;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".json"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                goto out;
            }
            names = nn;
        }
        if (!(names[n] = malloc(strlen(dir) + len + 2))) {
            st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !st; i++)
        st = svc_ruleset_load_file(set, names[i], err);
out:
    if (st) /* leave the set as it was */
        while (set->n > n0)
            svc_rule_release(&set->rules[--set->n]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return st;
}

void svc_ruleset_release(svc_ruleset *set)
{
    for (size_t i = 0; i < set->n; i++)
        svc_rule_release(&set->rules[i]);
    free(set->rules);
    memset(set, 0, sizeof *set);
}

/* Compare dotted versions numerically where possible ("0.10.0" > "0.9.1"). */
static int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        if ((*a >= '0' && *a <= '9') && (*b >= '0' && *b <= '9')) {
            char *ea, *eb;
            unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return 0;
}

const svc_rule *svc_ruleset_get(const svc_ruleset *set, const char *ref)
{
    const char *at = strchr(ref, '@');
    size_t idlen = at ? (size_t)(at - ref) : strlen(ref);
    const svc_rule *best = NULL;
    for (size_t i = 0; i < set->n; i++) {
        const svc_rule *r = &set->rules[i];
        if (strlen(r->id) != idlen || strncmp(r->id, ref, idlen))
            continue;
        if (at) {
            if (!strcmp(r->version, at + 1))
                return r;
        } else if (!best || version_cmp(r->version, best->version) > 0)
            best = r;
    }
    return best;
}

/* ---- precedence -------------------------------------------------------- */

static int product_matches(const svc_rule *r, const char *q)
{
    size_t ql = strlen(q);
    if (!strcasecmp(r->category, q) || (!strncasecmp(r->category, q, ql) && r->category[ql] == '.'))
        return 1;
    if (!strcasecmp(r->product_zh, q) || !strcasecmp(r->product_en, q))
        return 1;
    json_t *al = json_object_get(json_object_get(r->doc, "product"), "aliases");
    size_t i;
    json_t *e;
    json_array_foreach(al, i, e) if (!strcasecmp(json_string_value(e), q)) return 1;
    return 0;
}

static int region_specificity(const char *rr)
{
    if (!rr)
        return 0;
    if (!strcmp(rr + 2, "0000"))
        return 1;
    if (!strcmp(rr + 4, "00"))
        return 2;
    return 3;
}

static int supersedes(const svc_rule *a, const svc_rule *b)
{
    if (!strcmp(a->id, b->id))
        return version_cmp(a->version, b->version) > 0;
    json_t *sup = json_object_get(a->doc, "supersedes");
    size_t i;
    json_t *e;
    json_array_foreach(sup, i, e)
    {
        const char *s = json_string_value(e);
        const char *at = strchr(s, '@');
        size_t idlen = at ? (size_t)(at - s) : strlen(s);
        if (strlen(b->id) == idlen && !strncmp(b->id, s, idlen) && (!at || !strcmp(at + 1, b->version)))
            return 1;
    }
    return 0;
}

/* <0 if a takes precedence over b. */
static int precedence_cmp(const svc_rule *a, const svc_rule *b)
{
    int sa = a->status == SVC_STATUS_IN_FORCE ? 0 : 1, sb = b->status == SVC_STATUS_IN_FORCE ? 0 : 1;
    if (sa != sb)
        return sa - sb;
    if (a->level != b->level)
        return (int)a->level - (int)b->level;
    int ra = region_specificity(a->region), rb = region_specificity(b->region);
    if (ra != rb)
        return rb - ra;
    const char *ea = a->effective ? a->effective : "", *eb = b->effective ? b->effective : "";
    int c = strcmp(eb, ea);
    if (c)
        return c;
    return strcmp(a->id, b->id);
}

static int cmp_category(const void *x, const void *y)
{
    const svc_rule_verdict *a = x, *b = y;
    int c = strcmp(a->rule->category, b->rule->category);
    if (c)
        return c;
    if ((a->reason == SVC_APPLIES) != (b->reason == SVC_APPLIES))
        return a->reason == SVC_APPLIES ? -1 : 1;
    return precedence_cmp(a->rule, b->rule);
}

tj_status svc_rules_find(const svc_ruleset *set, const char *product, const char *region, const char *date,
                         int include_drafts, svc_rule_verdict **out, size_t *n_out, tj_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!product || !*product)
        return tj_error_set(err, TJ_ERR_USAGE, "product", "a product is required");
    if (region && !svc_region_valid(region))
        return tj_error_set(err, TJ_ERR_INPUT, "region",
                            "\"%s\" is not a 6-digit GB/T 2260 region code (e.g. 530000)", region);
    char today[16];
    if (!date) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        date = today;
    } else if (!valid_date(date))
        return tj_error_set(err, TJ_ERR_INPUT, "date", "\"%s\" is not a date YYYY-MM-DD", date);
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        n += product_matches(&set->rules[i], product);
    if (n == 0)
        return TJ_OK;
    svc_rule_verdict *v = calloc(n, sizeof *v);
    if (!v)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    n = 0;
    for (size_t i = 0; i < set->n; i++) {
        const svc_rule *r = &set->rules[i];
        if (!product_matches(r, product))
            continue;
        svc_rule_verdict *x = &v[n++];
        x->rule = r;
        x->reason = SVC_APPLIES;
        if (r->status == SVC_STATUS_WITHDRAWN)
            x->reason = SVC_NOT_WITHDRAWN;
        else if (r->status == SVC_STATUS_DRAFT && !include_drafts)
            x->reason = SVC_NOT_DRAFT;
        else if (r->effective && strcmp(r->effective, date) > 0)
            x->reason = SVC_NOT_FUTURE;
        else if (r->region && (!region || !svc_region_covers(r->region, region)))
            x->reason = SVC_NOT_REGION;
    }
    /* supersession among eligible rules of the same category */
    for (size_t i = 0; i < n; i++) {
        if (v[i].reason != SVC_APPLIES)
            continue;
        for (size_t j = 0; j < n; j++)
            if (j != i && v[j].reason == SVC_APPLIES && !strcmp(v[i].rule->category, v[j].rule->category) &&
                supersedes(v[j].rule, v[i].rule)) {
                v[i].reason = SVC_NOT_SUPERSEDED;
                v[i].because = v[j].rule;
                break;
            }
    }
    /* per category, the best eligible rule applies */
    for (size_t i = 0; i < n; i++) {
        if (v[i].reason != SVC_APPLIES)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (j == i || strcmp(v[i].rule->category, v[j].rule->category))
                continue;
            int elig = v[j].reason == SVC_APPLIES ||
                       (v[j].reason == SVC_NOT_PRECEDENCE || v[j].reason == SVC_NOT_NATIONAL);
            if (elig && precedence_cmp(v[j].rule, v[i].rule) < 0) {
                const svc_rule *b = v[j].rule;
                int national = b->level == SVC_LEVEL_NATIONAL && b->status == SVC_STATUS_IN_FORCE &&
                               v[i].rule->level == SVC_LEVEL_LOCAL;
                v[i].reason = national ? SVC_NOT_NATIONAL : SVC_NOT_PRECEDENCE;
                v[i].because = b;
                break;
            }
        }
    }
    /* "because" should name the rule that applies where there is one */
    for (size_t i = 0; i < n; i++) {
        if (v[i].reason != SVC_NOT_NATIONAL && v[i].reason != SVC_NOT_PRECEDENCE)
            continue;
        for (size_t j = 0; j < n; j++)
            if (v[j].reason == SVC_APPLIES && !strcmp(v[j].rule->category, v[i].rule->category)) {
                v[i].because = v[j].rule;
                int national = v[j].rule->level == SVC_LEVEL_NATIONAL &&
                               v[j].rule->status == SVC_STATUS_IN_FORCE &&
                               v[i].rule->level == SVC_LEVEL_LOCAL;
                v[i].reason = national ? SVC_NOT_NATIONAL : SVC_NOT_PRECEDENCE;
            }
    }
    qsort(v, n, sizeof *v, cmp_category);
    *out = v;
    *n_out = n;
    return TJ_OK;
}

char *svc_verdict_explain(const svc_rule_verdict *v, const char *region, int zh, char *buf, size_t size)
{
    const svc_rule *r = v->rule, *b = v->because;
    const char *bid = b ? b->id : "?", *bver = b ? b->version : "?";
    switch (v->reason) {
    case SVC_APPLIES:
        if (zh)
            snprintf(buf, size, "适用：%s规则%s%s",
                     (const char *[]){"国家", "行业", "地方", "团体"}[r->level & 3],
                     r->status == SVC_STATUS_IN_FORCE ? "（现行有效）" : "（草案，无现行规则时参考）",
                     r->is_template ? "；结构模板，非官方标准" : "");
        else
            snprintf(buf, size, "applies: %s rule%s%s", svc_level_name(r->level),
                     r->status == SVC_STATUS_IN_FORCE ? ", in force"
                                                      : ", draft (used as no rule is in force)",
                     r->is_template ? "; structural template, not an official standard" : "");
        break;
    case SVC_NOT_WITHDRAWN: snprintf(buf, size, zh ? "不适用：已废止" : "does not apply: withdrawn"); break;
    case SVC_NOT_DRAFT:
        snprintf(buf, size,
                 zh ? "不适用：草案，尚未生效（--drafts 可纳入草案）"
                    : "does not apply: draft, not in force (use --drafts to consider drafts)");
        break;
    case SVC_NOT_FUTURE:
        snprintf(buf, size, zh ? "不适用：%s 起实施" : "does not apply: in force only from %s", r->effective);
        break;
    case SVC_NOT_REGION:
        if (!region)
            snprintf(buf, size,
                     zh ? "不适用：地方规则（地区 %s），未指定 --region"
                        : "does not apply: local rule for region %s and no --region given",
                     r->region);
        else
            snprintf(buf, size,
                     zh ? "不适用：地方规则仅适用于地区 %s，不覆盖 %s"
                        : "does not apply: local rule for region %s, which does not cover %s",
                     r->region, region);
        break;
    case SVC_NOT_SUPERSEDED:
        snprintf(buf, size, zh ? "不适用：已被 %s@%s 替代" : "does not apply: superseded by %s@%s", bid,
                 bver);
        break;
    case SVC_NOT_NATIONAL:
        snprintf(buf, size,
                 zh ? "不适用：该产品已有现行国家规则 %s@%s，地方规则不再适用"
                    : "does not apply: national rule %s@%s is in force for this product, so local "
                      "rules no longer apply",
                 bid, bver);
        break;
    case SVC_NOT_PRECEDENCE: {
        const char *why_en = "it sorts first", *why_zh = "排序在前";
        if (b && b->status != r->status)
            why_en = "it is in force and this one is a draft", why_zh = "其现行有效，本规则为草案";
        else if (b && b->level != r->level)
            why_en = "its level is higher (national > industry > local > group)",
            why_zh = "其级别更高（国家>行业>地方>团体）";
        else if (b && region_specificity(b->region) != region_specificity(r->region))
            why_en = "its region is more specific", why_zh = "其适用地区更具体";
        else if (b)
            why_en = "it took effect later", why_zh = "其实施日期更晚";
        snprintf(buf, size,
                 zh ? "不适用：%s@%s 优先，因为%s" : "does not apply: %s@%s takes precedence because %s", bid,
                 bver, zh ? why_zh : why_en);
        break;
    }
    }
    return buf;
}
