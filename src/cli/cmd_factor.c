/* tanji factor: the factor database (碳足迹因子数据库) from the command line. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/table_write.h"
#include "services/factors.h"
#include "store/store.h"

static const char *const subcommands[][3] = {
    {"add", "add a factor version as a draft", "新增因子版本（草稿）"},
    {"submit", "submit a draft for review", "提交审核"},
    {"review", "start the expert review of a submitted version", "开始专家评审"},
    {"approve", "approve a version under review", "评审通过"},
    {"reject", "reject a version (needs --reason)", "驳回（需说明原因）"},
    {"publish", "publish an approved version (supersedes the old one)", "发布（替代旧版本）"},
    {"withdraw", "withdraw a published version (needs --reason)", "撤回已发布版本（需说明原因）"},
    {"show", "show a version (default: the published one)", "查看因子"},
    {"history", "every workflow step of a factor: who, when, why", "查看流转历史"},
    {"search", "search in Chinese or English, with filters and paging", "中英文检索，可筛选分页"},
    {"resolve", "choose the factor for a region and year, and explain", "按地区和年份选取因子并说明理由"},
    {"import", "import CSV (UTF-8/GB18030) or JSON, all or nothing", "导入CSV/JSON（全部成功或全部不导入）"},
    {"export", "export CSV or JSON", "导出CSV/JSON"},
    {"crosscheck", "compare factors with reference figures (相互校验)", "与参考数据相互校验"},
};
#define NSUB (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *out)
{
    fputs("usage: tanji factor SUBCOMMAND [OPTIONS] [ARGS]   (tanji factor SUBCOMMAND --help)\n\n"
          "The factor database (碳足迹因子数据库): records, review workflow, resolution, search,\n"
          "import/export and cross-checks.\n\n",
          out);
    for (size_t i = 0; i < NSUB; i++)
        fprintf(out, "  %-11s %s / %s\n", subcommands[i][0], subcommands[i][1], subcommands[i][2]);
    fputs("\ncommon options:\n"
          "  --db URL        database: a SQLite file or postgresql://... (default $TANJI_DB or ./tanji.db)\n"
          "  --format F      text (default) or json\n"
          "  --as NAME       act as this user (default $TANJI_AS, else the local operator, who holds\n"
          "                  every role); --actor is a deprecated alias / 以指定用户身份操作（默认本机运维者）\n"
          "roles: submitter/enterprise add and submit; reviewer reviews, approves, rejects;\n"
          "regulator publishes and withdraws; operator may do all.  Drafts and versions in review\n"
          "are visible to their organisation, reviewers, regulators and the operator only.\n"
          "exit codes: 0 ok, 1 usage, 2 bad input / not found / wrong workflow state, 3 I/O or database "
          "error\n",
          out);
}

static void sub_usage(const char *sub, FILE *out)
{
    const char *zh = "", *en = "";
    for (size_t i = 0; i < NSUB; i++)
        if (!strcmp(subcommands[i][0], sub)) {
            en = subcommands[i][1];
            zh = subcommands[i][2];
        }
    fprintf(out, "tanji factor %s: %s / %s\n\n", sub, en, zh);
    if (!strcmp(sub, "add")) {
        fputs(
            "usage: tanji factor add --category C --unit U --value V --region R (--name-zh N | --name-en N)\n"
            "                        [--id ID] [--FIELD VALUE ...] [--db URL] [--as USER] [--format json]\n\n"
            "Fields (--name-zh or --name_zh): id, name_zh, name_en, aliases (a|b), category, cpc, hs,\n"
            "unit, value (kg CO2e per unit), gases and stages (JSON objects), boundary, region (CN,\n"
            "a grid code GRID-HB GRID-DB GRID-HD GRID-HZ GRID-XB GRID-NF GRID-XN, a GB/T 2260 code such\n"
            "as 530000, or an ISO 3166-2 code such as CN-YN), ref_year (or --year), valid_from, valid_to, "
            "source_doc (or --source),\n"
            "source_publisher, source_date, source_url, method, gwp_set, uncertainty (%), dqr (JSON),\n"
            "quality (verified|unverified|example), submitter_org, traceable (yes|no), evidence\n"
            "(SHA-256 digests, optionally =name, separated by ;).  An existing id gets a new version.\n"
            "  --evidence-file FILE   record FILE's SHA-256 digest and name as evidence (repeatable)\n",
            out);
    } else if (!strcmp(sub, "search")) {
        fputs(
            "usage: tanji factor search [WORDS...] [--category C] [--region R] [--year Y]\n"
            "                           [--status S] [--all-versions] [--limit N] [--offset N] [--db URL]\n"
            "                           [--format json]\n\n"
            "All words must match (names zh/en, aliases, category, region names, codes, id).\n"
            "Current versions only (superseded ones left out) unless --all-versions or\n"
            "--status superseded.  检索默认只含现行版本；--all-versions 含已被取代的历史版本。\n",
            out);
    } else if (!strcmp(sub, "resolve")) {
        fputs("usage: tanji factor resolve QUERY [--region CODE] [--year Y] [--db URL] [--format json]\n\n"
              "QUERY is a factor id or exactly one of its names or aliases (case-insensitive).  Among\n"
              "published versions: the region itself, then (for a city) its province, its grid, then\n"
              "national; within a region the newest reference year not after Y (no --year: newest);\n"
              "ties go to the newer source date, then the smaller id.  The choice is explained.\n"
              "Everyday words (电力, diesel) that are no factor's name match the published factors whose\n"
              "names, aliases or category contain every word, grouped into families by name: one family\n"
              "is resolved as above; several are listed (nearest region first) with their names, to\n"
              "resolve by one of them or by an id.  日常用语匹配多个因子族时列出供选择。\n",
              out);
    } else if (!strcmp(sub, "import")) {
        fputs("usage: tanji factor import FILE... [--status draft|published] [--input-format csv|json]\n"
              "                           [--db URL] [--as USER] [--format json]\n\n"
              "CSV with a header row of field names (UTF-8 with or without BOM, or GB18030), or JSON (an\n"
              "array of factor objects, or {\"factors\": [...]}).  Every error names file, line and\n"
              "column; one bad row imports nothing (all files are one transaction each).  --status\n"
              "published (for official publications) needs source_doc on every row and supersedes\n"
              "the versions published so far.  Default status: draft.\n",
              out);
    } else if (!strcmp(sub, "export")) {
        fputs("usage: tanji factor export [--format csv|xlsx|json] [--output FILE] [--category C] [--region R]\n"
              "                           [--year Y] [--status S] [--all-versions] [WORDS...] [--db URL]\n\n"
              "Current versions unless --all-versions (history too) or --status superseded.\n"
              "xlsx (an Excel workbook, needs --output FILE.xlsx) has typed cells; in CSV, text that a\n"
              "spreadsheet would run as a formula (starting with = + - @) gets a leading '.\n"
              "导出为 CSV、Excel (xlsx) 或 JSON；CSV 中以 = + - @ 开头的文本前加单引号，防止被当作公式执行。\n",
              out);
    } else if (!strcmp(sub, "crosscheck")) {
        fputs("usage: tanji factor crosscheck REFERENCE.csv [--tolerance 0.1] [--db URL] [--format json]\n\n"
              "REFERENCE.csv columns: factor (id or id@version) or query+region+year; reference_value,\n"
              "or emissions_kg and output (reference = emissions / output); optional tolerance\n"
              "(relative, overrides --tolerance) and label.  Rows whose factor deviates by more than\n"
              "the tolerance are flagged.  Exit 0 with a report; flagged rows do not change data.\n",
              out);
    } else if (!strcmp(sub, "show") || !strcmp(sub, "history")) {
        fprintf(out, "usage: tanji factor %s ID[@VERSION] [--db URL] [--format json]\n", sub);
    } else {
        fprintf(
            out,
            "usage: tanji factor %s ID[@VERSION] [--reason TEXT] [--as USER] [--db URL] [--format json]\n\n"
            "Workflow: draft -submit-> submitted -review-> under_review -approve-> approved -publish->\n"
            "published -> superseded (by a newer published version) or -withdraw-> withdrawn;\n"
            "reject from submitted or under_review.  review on a version already under review\n"
            "records a further reviewer's comment (--reason).  Without @VERSION: the newest version.\n",
            sub);
    }
    fputs("\n  --db URL      database (default $TANJI_DB or ./tanji.db)\n"
          "  --as USER     act as USER (default $TANJI_AS, else the local operator) / 操作身份\n",
          out);
}

/* ---- options --------------------------------------------------------- */

typedef struct opts {
    const char *db, *format, *as, *reason;
    const char *category, *region, *status, *output, *input_format;
    int year, limit, offset;
    int all_versions; /* search/export: superseded versions too */
    double tolerance;
    int help;
    const char *pos[256];
    int npos;
    /* add: field=value pairs */
    const char *fname[64], *fval[64];
    int nfields;
    const char *files[16]; /* add: --evidence-file */
    int nfiles;
} opts;

static int parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 1000000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_opts(const char *sub, int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->tolerance = 0.1;
    int is_add = !strcmp(sub, "add");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) || !a[2]) {
            if (o->npos >= 256) {
                fprintf(stderr, "tanji factor %s: too many arguments\n", sub);
                return -1;
            }
            o->pos[o->npos++] = a;
            continue;
        }
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a + 2, '=');
        size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nlen >= sizeof name) {
            fprintf(stderr, "tanji factor %s: unknown option %s\n", sub, a);
            return -1;
        }
        memcpy(name, a + 2, nlen);
        name[nlen] = 0;
        for (char *p = name; *p; p++)
            if (*p == '-')
                *p = '_';
        if (!strcmp(name, "all_versions")) { /* a flag, for search and export */
            if (strcmp(sub, "search") && strcmp(sub, "export")) {
                fprintf(stderr, "tanji factor %s: unknown option %s (see tanji factor %s --help)\n", sub, a, sub);
                return -1;
            }
            if (eq) {
                fprintf(stderr, "tanji factor %s: --all-versions takes no value\n", sub);
                return -1;
            }
            o->all_versions = 1;
            continue;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            fprintf(stderr, "tanji factor %s: option --%s needs a value\n", sub, a + 2);
            return -1;
        }
        if (!strcmp(name, "db"))
            o->db = val;
        else if (!strcmp(name, "format"))
            o->format = val;
        else if (!strcmp(name, "as") || !strcmp(name, "actor")) /* --actor: deprecated alias */
            o->as = val;
        else if (!strcmp(name, "reason"))
            o->reason = val;
        else if (is_add && !strcmp(name, "evidence_file")) {
            if (o->nfiles >= 16) {
                fprintf(stderr, "tanji factor add: at most 16 --evidence-file\n");
                return -1;
            }
            o->files[o->nfiles++] = val;
        } else if (is_add) {
            const char *f = !strcmp(name, "year")     ? "ref_year"
                            : !strcmp(name, "source") ? "source_doc"
                                                      : name;
            if (!svc_factor_field_find(f) || o->nfields >= 64) {
                fprintf(stderr, "tanji factor add: unknown field --%s (see tanji factor add --help)\n",
                        a + 2);
                return -1;
            }
            o->fname[o->nfields] = svc_factor_field_find(f)->name;
            o->fval[o->nfields++] = val;
        } else if (!strcmp(name, "category"))
            o->category = val;
        else if (!strcmp(name, "region"))
            o->region = val;
        else if (!strcmp(name, "status"))
            o->status = val;
        else if (!strcmp(name, "output"))
            o->output = val;
        else if (!strcmp(name, "input_format"))
            o->input_format = val;
        else if (!strcmp(name, "year") || !strcmp(name, "limit") || !strcmp(name, "offset")) {
            int *dst = name[0] == 'y' ? &o->year : name[0] == 'l' ? &o->limit : &o->offset;
            if (parse_int(val, dst)) {
                fprintf(stderr, "tanji factor %s: --%s needs a whole number, not \"%s\"\n", sub, name, val);
                return -1;
            }
        } else if (!strcmp(name, "tolerance")) {
            char *end;
            o->tolerance = strtod(val, &end);
            if (*end || !(o->tolerance >= 0)) {
                fprintf(stderr, "tanji factor %s: --tolerance needs a number >= 0\n", sub);
                return -1;
            }
        } else {
            fprintf(stderr, "tanji factor %s: unknown option %s (see tanji factor %s --help)\n", sub, a, sub);
            return -1;
        }
    }
    if (o->format && strcmp(o->format, "text") && strcmp(o->format, "json") &&
        !(!strcmp(sub, "export") && (!strcmp(o->format, "csv") || !strcmp(o->format, "xlsx")))) {
        fprintf(stderr, "tanji factor %s: --format must be text or json%s\n", sub,
                !strcmp(sub, "export") ? " (or csv, xlsx)" : "");
        return -1;
    }
    return 0;
}

static int json_out(const opts *o)
{
    return o->format && !strcmp(o->format, "json");
}

static int print_json(json_t *j)
{
    if (!j) {
        fprintf(stderr, "tanji factor: out of memory\n");
        return EXIT_INTERNAL;
    }
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
    return 0;
}

static void print_factor_text(const svc_factor *f)
{
    printf("%s@%d  [%s]%s\n", f->id, f->version, f->status,
           f->quality && strcmp(f->quality, "verified")
               ? (!strcmp(f->quality, "example") ? "  EXAMPLE / 示例" : "  UNVERIFIED / 未核实")
               : "");
    for (size_t i = 0; i < svc_factor_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        if (!strcmp(fd->name, "id") || !strcmp(fd->name, "version") || !strcmp(fd->name, "status"))
            continue;
        char *v = svc_factor_get_field(f, fd);
        if (v && *v)
            printf("  %-17s %s\n", fd->name, v);
        free(v);
    }
}

/* "CO2" for CO2-only factors (grid emission factors), else "CO2e". */
static const char *co2_label(const svc_factor *f)
{
    return f->gwp_set && !strcmp(f->gwp_set, "CO2 only") ? "CO2" : "CO2e";
}

/* ---- subcommands ----------------------------------------------------- */

static int do_add(svc_ctx *ctx, const opts *o)
{
    svc_factor f;
    svc_factor_init(&f);
    tj_error err;
    tj_error_clear(&err);
    int rc = 0;
    for (int i = 0; i < o->nfields; i++) {
        if (svc_factor_set_field(&f, svc_factor_field_find(o->fname[i]), o->fval[i], &err) != TJ_OK) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    for (int i = 0; i < o->nfiles; i++) {
        if (svc_factor_add_evidence_file(&f, o->files[i], &err) != TJ_OK) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    if (svc_factor_add(ctx, &f, &err) != TJ_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (json_out(o))
        rc = print_json(svc_factor_to_json(&f));
    else
        printf("%s@%d draft\n", f.id, f.version);
out:
    svc_factor_release(&f);
    return rc;
}

static int do_transition(svc_ctx *ctx, const char *sub, const opts *o)
{
    if (o->npos != 1) {
        fprintf(stderr, "tanji factor %s: give one ID[@VERSION]\n", sub);
        return EXIT_USAGE;
    }
    tj_error err;
    char *id;
    int version;
    if (svc_factor_parse_ref(o->pos[0], &id, &version, &err) != TJ_OK)
        return cli_fail(&err);
    int rc = 0;
    svc_factor f;
    if (svc_factor_transition(ctx, id, version, sub, o->reason, &f, &err) != TJ_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (json_out(o))
        rc = print_json(svc_factor_transition_json(&f, sub));
    else
        printf("%s@%d %s\n", f.id, f.version, f.status);
    svc_factor_release(&f);
out:
    free(id);
    return rc;
}

static int do_show(svc_ctx *ctx, const opts *o)
{
    if (o->npos != 1) {
        fprintf(stderr, "tanji factor show: give one ID[@VERSION]\n");
        return EXIT_USAGE;
    }
    tj_error err;
    char *id;
    int version;
    if (svc_factor_parse_ref(o->pos[0], &id, &version, &err) != TJ_OK)
        return cli_fail(&err);
    svc_factor f;
    tj_status st = svc_factor_get(ctx, id, version, &f, &err);
    free(id);
    if (st != TJ_OK)
        return cli_fail(&err);
    int rc = 0;
    if (json_out(o))
        rc = print_json(svc_factor_to_json(&f));
    else
        print_factor_text(&f);
    svc_factor_release(&f);
    return rc;
}

static int do_history(svc_ctx *ctx, const opts *o)
{
    if (o->npos != 1) {
        fprintf(stderr, "tanji factor history: give one ID\n");
        return EXIT_USAGE;
    }
    tj_error err;
    char *id;
    int version;
    if (svc_factor_parse_ref(o->pos[0], &id, &version, &err) != TJ_OK)
        return cli_fail(&err);
    svc_factor_events ev;
    tj_status st = svc_factor_history(ctx, id, version, &ev, &err);
    if (st != TJ_OK) {
        free(id);
        return cli_fail(&err);
    }
    int rc = 0;
    if (json_out(o)) {
        rc = print_json(svc_factor_events_json(id, &ev));
    } else {
        for (size_t i = 0; i < ev.count; i++) {
            const svc_factor_event *e = &ev.items[i];
            printf("%s  %s@%d  %-9s %s -> %s  by %s%s%s\n", e->at, id, e->version, e->action,
                   e->from_status ? e->from_status : "-", e->to_status, e->actor, e->reason ? ": " : "",
                   e->reason ? e->reason : "");
        }
    }
    svc_factor_events_release(&ev);
    free(id);
    return rc;
}

static char *join_words(const opts *o)
{
    size_t len = 1;
    for (int i = 0; i < o->npos; i++)
        len += strlen(o->pos[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    for (int i = 0; i < o->npos; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, o->pos[i]);
    }
    return s;
}

static int do_search(svc_ctx *ctx, const opts *o)
{
    char *words = join_words(o);
    svc_factor_query q = {words,    o->category, o->region,      o->year, o->status, o->limit ? o->limit : 20,
                          o->offset, o->all_versions};
    svc_factor_list l;
    tj_error err;
    tj_status st = svc_factor_search(ctx, &q, &l, &err);
    free(words);
    if (st != TJ_OK)
        return cli_fail(&err);
    int rc = 0;
    if (json_out(o)) {
        json_t *a = json_array();
        for (size_t i = 0; i < l.count; i++)
            json_array_append_new(a, svc_factor_to_json(&l.items[i]));
        rc = print_json(json_pack("{s:I, s:b, s:i, s:i, s:o}", "total", (json_int_t)l.total,
                                  "total_is_lower_bound", l.total_capped, "offset", q.offset, "limit",
                                  q.limit, "factors", a));
    } else {
        for (size_t i = 0; i < l.count; i++) {
            const svc_factor *f = &l.items[i];
            char year[16] = "-";
            if (f->ref_year)
                snprintf(year, sizeof year, "%d", f->ref_year);
            printf("%s@%d  %-10s %-7s %-4s %.10g kg %s/%s  %s%s%s\n", f->id, f->version, f->status,
                   f->region ? f->region : "", year, f->value, co2_label(f), f->unit,
                   f->name_zh ? f->name_zh : "", f->name_zh && f->name_en ? " / " : "",
                   f->name_en ? f->name_en : "");
        }
        printf("-- %zu of %lld%s (offset %d)\n", l.count, (long long)l.total, l.total_capped ? "+" : "",
               q.offset);
    }
    svc_factor_list_release(&l);
    return rc;
}

static int do_resolve(svc_ctx *ctx, const opts *o)
{
    if (o->npos < 1) {
        fprintf(stderr, "tanji factor resolve: give a QUERY (factor id, name or alias)\n");
        return EXIT_USAGE;
    }
    char *q = join_words(o);
    svc_factor_resolution r;
    tj_error err;
    tj_status st = svc_factor_resolve(ctx, q, o->region, o->year, &r, &err);
    free(q);
    if (st != TJ_OK)
        return cli_fail(&err);
    int rc = 0;
    const svc_factor *f = &r.factor;
    if (json_out(o)) {
        rc = print_json(svc_factor_resolution_json(&r));
    } else {
        char year[16] = "";
        if (f->ref_year)
            snprintf(year, sizeof year, " %d", f->ref_year);
        printf("%s@%d  %.10g kg %s/%s  (%s, %s%s)\n", f->id, f->version, f->value, co2_label(f), f->unit,
               f->region, f->region_level, year);
        if (f->source_doc)
            printf("source: %s%s%s\n", f->source_doc, f->source_date ? ", " : "",
                   f->source_date ? f->source_date : "");
        if (f->quality && strcmp(f->quality, "verified"))
            printf("quality: %s\n", f->quality);
        printf("why: %s\n", r.explanation);
    }
    svc_factor_resolution_release(&r);
    return rc;
}

static int do_import(svc_ctx *ctx, const opts *o)
{
    if (o->npos < 1) {
        fprintf(stderr, "tanji factor import: give at least one FILE\n");
        return EXIT_USAGE;
    }
    json_t *a = json_out(o) ? json_array() : NULL;
    svc_import_set_direct(1); /* this process holds the database for the import alone */
    for (int i = 0; i < o->npos; i++) {
        tj_error err;
        svc_import_result r;
        if (svc_factor_import(ctx, o->pos[i], o->input_format, o->status ? o->status : "draft", &r, &err) != TJ_OK) {
            json_decref(a);
            if (i > 0)
                fprintf(stderr, "tanji: (the %d file(s) before %s were imported)\n", i, o->pos[i]);
            return cli_fail(&err);
        }
        if (r.why_wal[0] && !r.direct)
            fprintf(stderr,
                    "tanji: note: %s was written through the WAL, not directly into the database file (slower for "
                    "large imports): %s / 提示：大批量导入经由 WAL 写入（较慢），原因：%s\n",
                    o->pos[i], r.why_wal, r.why_wal);
        if (a)
            json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "file", o->pos[i], "rows",
                                               (json_int_t)r.rows, "superseded", (json_int_t)r.superseded));
        else
            printf("%s: %lld factor version(s) imported as %s%s\n", o->pos[i], (long long)r.rows,
                   o->status ? o->status : "draft",
                   r.superseded ? " (older published versions superseded)" : "");
    }
    return a ? print_json(json_pack("{s:o}", "imports", a)) : 0;
}

static int do_export(svc_ctx *ctx, const opts *o)
{
    char *words = join_words(o);
    svc_factor_query q = {words, o->category, o->region, o->year, o->status, 0, 0, o->all_versions};
    int xlsx = o->format && !strcmp(o->format, "xlsx");
    if (xlsx || (o->output && !(o->format && !strcmp(o->format, "json")))) {
        /* a table written to a file: checked, and no partial file on failure */
        tj_error err;
        int64_t rows = 0;
        io_table *t = NULL;
        tj_status st = io_table_open(o->output, xlsx ? IO_TABLE_XLSX : IO_TABLE_CSV, "factors", &t, &err);
        if (st == TJ_OK && (st = svc_factor_export_table(ctx, &q, t, &rows, &err)) != TJ_OK)
            io_table_abort(t);
        else if (st == TJ_OK)
            st = io_table_close(t, &err);
        free(words);
        if (st != TJ_OK)
            return cli_fail(&err);
        fprintf(stderr, "%lld factor version(s) written to %s\n", (long long)rows, o->output);
        return 0;
    }
    tj_error err;
    tj_error_clear(&err);
    FILE *out = cli_open_output(o->output, &err);
    if (!out) {
        free(words);
        return cli_fail(&err);
    }
    int64_t rows = 0;
    tj_status st =
        svc_factor_export(ctx, &q, o->format && !strcmp(o->format, "json") ? "json" : "csv", out, &rows, &err);
    free(words);
    if (st == TJ_OK)
        st = cli_commit_output(out, &err);
    else
        cli_close_output(out);
    if (st != TJ_OK)
        return cli_fail(&err);
    if (o->output)
        fprintf(stderr, "%lld factor version(s) written to %s\n", (long long)rows, o->output);
    return 0;
}

static int do_crosscheck(svc_ctx *ctx, const opts *o)
{
    if (o->npos != 1) {
        fprintf(stderr, "tanji factor crosscheck: give one REFERENCE.csv\n");
        return EXIT_USAGE;
    }
    svc_crosscheck_report r;
    tj_error err;
    if (svc_factor_crosscheck(ctx, o->pos[0], o->tolerance, &r, &err) != TJ_OK)
        return cli_fail(&err);
    int rc = 0;
    if (json_out(o)) {
        rc = print_json(svc_crosscheck_report_json(&r));
    } else {
        for (size_t i = 0; i < r.count; i++) {
            const svc_crosscheck_row *x = &r.rows[i];
            if (x->note)
                printf("line %ld  %-16s UNCHECKED  %s\n", x->line, x->label ? x->label : "", x->note);
            else
                printf("line %ld  %-16s %-8s %s = %.6g vs reference %.6g: %+.1f%% (tolerance %.1f%%)\n",
                       x->line, x->label ? x->label : "", x->flagged ? "FLAGGED" : "ok", x->factor_ref,
                       x->factor_value, x->reference_value, 100 * x->deviation, 100 * x->tolerance);
        }
        printf("-- %zu row(s): %zu flagged, %zu unchecked (相互校验: %zu 项超出容差)\n", r.count, r.flagged,
               r.unchecked, r.flagged);
    }
    svc_crosscheck_report_release(&r);
    return rc;
}

int cmd_factor(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    int known = 0;
    for (size_t i = 0; i < NSUB; i++)
        known |= !strcmp(subcommands[i][0], sub);
    if (!known) {
        fprintf(stderr, "tanji factor: unknown subcommand \"%s\" (see tanji factor --help)\n", sub);
        return EXIT_USAGE;
    }
    opts o;
    if (parse_opts(sub, argc - 1, argv + 1, &o))
        return EXIT_USAGE;
    if (o.help) {
        sub_usage(sub, stdout);
        return 0;
    }
    store_db *db;
    svc_ctx ctx;
    tj_error err;
    if (cli_open_ctx(o.db, o.as, &db, &ctx, &err) != TJ_OK)
        return cli_fail(&err);
    int rc;
    if (!strcmp(sub, "add"))
        rc = do_add(&ctx, &o);
    else if (!strcmp(sub, "show"))
        rc = do_show(&ctx, &o);
    else if (!strcmp(sub, "history"))
        rc = do_history(&ctx, &o);
    else if (!strcmp(sub, "search"))
        rc = do_search(&ctx, &o);
    else if (!strcmp(sub, "resolve"))
        rc = do_resolve(&ctx, &o);
    else if (!strcmp(sub, "import"))
        rc = do_import(&ctx, &o);
    else if (!strcmp(sub, "export"))
        rc = do_export(&ctx, &o);
    else if (!strcmp(sub, "crosscheck"))
        rc = do_crosscheck(&ctx, &o);
    else
        rc = do_transition(&ctx, sub, &o);
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}
