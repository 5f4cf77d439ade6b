/* tanji import: read outside data into a tanji database (openLCA JSON-LD). */
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "io/olca.h"
#include "store/olca_sql.h"
#include "store/store.h"

static void import_usage(FILE *out)
{
    fputs("usage: tanji import olca PATH --db FILE [--skip-invalid] [--format text|json] [--quiet]\n\n"
          "Import an openLCA JSON-LD database (a .zip or an unpacked folder; olca-schema v1 or\n"
          "v2) into a tanji database: unit groups, flow properties, flows, processes, exchanges\n"
          "(converted to each flow's reference unit), allocation factors, locations, sources,\n"
          "actors.  Importing the same data again replaces rows (keyed by UUID); an import\n"
          "either completes or changes nothing.\n"
          "导入 openLCA JSON-LD 生命周期清单数据库（zip 或目录）到 tanji 数据库；按 UUID 更新，\n"
          "重复导入不会产生重复数据；导入要么完整完成，要么不做任何更改。\n\n"
          "  --db FILE      database: a SQLite file or postgresql://... URL\n"
          "  --skip-invalid import the rest when entity files are unreadable or malformed\n"
          "                 (without it such a file stops the import and nothing is written)\n"
          "                 有无法读取或格式错误的文件时仍导入其余数据（否则不导入任何数据）\n"
          "  --format F     summary as text (default) or json\n"
          "  --quiet        no progress on stderr\n\n"
          "Then: tanji calc --db FILE --process UUID | --all   (see docs/olca-import.md)\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input (an unreadable or malformed file: nothing\n"
          "imported), 3 I/O or database error, 5 imported with --skip-invalid but files were\n"
          "skipped (the summary counts and names them).\n"
          "退出码：0 成功；1 用法错误；2 输入有误（有无法读取或格式错误的文件时不导入任何数据）；\n"
          "3 I/O 或数据库错误；5 使用 --skip-invalid 导入完成但跳过了文件。\n",
          out);
}

typedef struct progress_state {
    int enabled;
    char phase[32];
} progress_state;

static void progress_cb(void *user, const char *phase, long done, long total)
{
    progress_state *ps = user;
    if (!ps->enabled)
        return;
    if (strcmp(ps->phase, phase)) {
        snprintf(ps->phase, sizeof ps->phase, "%s", phase);
    }
    fprintf(stderr, "\r  %-16s %7ld / %-7ld", phase, done, total);
    if (done == total)
        fputc('\n', stderr);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int import_olca(int argc, char **argv)
{
    const char *path = NULL, *dburl = NULL, *format = "text";
    int quiet = 0, skip_invalid = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            import_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            dburl = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i];
        else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (!strcmp(argv[i], "--skip-invalid"))
            skip_invalid = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "tanji import olca: unknown or incomplete option %s\n", argv[i]);
            return EXIT_USAGE;
        } else if (!path)
            path = argv[i];
        else {
            fprintf(stderr, "tanji import olca: unexpected argument %s\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!path || !dburl) {
        import_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(format, "text") && strcmp(format, "json")) {
        fprintf(stderr, "tanji import olca: --format must be text or json\n");
        return EXIT_USAGE;
    }
    progress_state ps = {.enabled = !quiet && isatty(2)};
    tj_error err;
    tj_error_clear(&err);
    olca_report rep;
    olca_report_init(&rep);
    olca_db *o = NULL;
    store_db *db = NULL;
    int rc = 0;
    double t0 = now_s();
    if (!quiet)
        fprintf(stderr, "reading %s\n", path);
    /* Read on a second thread while this one writes what was read (one
     * transaction: all or nothing); the database is opened once the
     * reference data is read, so an unreadable archive fails before that. */
    /* libzip converts every entry's DOS time with mktime(), and glibc's
     * tzset() stats /etc/localtime on each call while TZ is unset (two
     * system calls per entry); naming the same file in TZ reads it once.
     * Set before the reader thread starts (setenv is not thread-safe). */
    if (!getenv("TZ"))
        setenv("TZ", ":/etc/localtime", 0);
    /* the reader thread allocates in a malloc arena of its own, which glibc
     * grows a few pages at a time with mprotect(): with the writer running
     * on the other core each call costs a TLB shootdown (about 1,300 calls
     * and 20% more CPU time on USLCI); grow it 16 MiB at a time instead */
    mallopt(M_TOP_PAD, 16 << 20);
    olca_async *reader = NULL;
    tj_status st = olca_read_start(path, &reader, &err);
    if (st != TJ_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    const olca_db *ref = NULL;
    int invalid = 0, read_failed = 0;
    if (!olca_read_wait_reference(reader, &ref, &invalid) || (invalid > 0 && !skip_invalid)) {
        read_failed = 1; /* reported below from the finished reader */
    } else if ((st = store_open(dburl, &db, &err)) != TJ_OK) {
        olca_read_cancel(reader);
        olca_read_finish(reader, &o, NULL, NULL);
        rc = cli_fail(&err);
        goto out;
    } else {
        if (!quiet)
            fprintf(stderr, "writing to %s (%s)\n", dburl, store_backend_name(db));
        st = store_olca_save_async(db, reader, !skip_invalid, &read_failed, progress_cb, &ps, &err);
    }
    double t1 = now_s();
    if (st != TJ_OK) { /* a database error: reading was cancelled */
        olca_read_finish(reader, &o, NULL, NULL);
        tj_error_prefix(&err, "import into %s failed, nothing was changed", dburl);
        rc = cli_fail(&err);
        goto out;
    }
    tj_error rerr;
    tj_error_clear(&rerr);
    if ((st = olca_read_finish(reader, &o, &rep, &rerr)) != TJ_OK) {
        rc = cli_fail(&rerr);
        goto out;
    }
    /* all or nothing: an unreadable or malformed entity file stops the import
     * (nothing was written or it was rolled back), unless the user asked to
     * skip such files */
    if (rep.invalid_files > 0 && !skip_invalid) {
        fprintf(stderr,
                "tanji import olca: %d entity file(s) of %s are unreadable or malformed (first: %s); "
                "nothing was imported. --skip-invalid imports the rest.\n"
                "tanji import olca: %s 中有 %d 个文件无法读取或格式错误（第一个：%s），未导入任何数据；"
                "使用 --skip-invalid 可导入其余数据。\n",
                rep.invalid_files, path, rep.first_invalid ? rep.first_invalid : "?", path, rep.invalid_files,
                rep.first_invalid ? rep.first_invalid : "?");
        rc = EXIT_INPUT;
        goto out;
    }
    if (read_failed) { /* cannot happen: a failed read has a status */
        tj_error_set(&err, TJ_ERR_INTERNAL, NULL, "reading %s failed", path);
        rc = cli_fail(&err);
        goto out;
    }
    double t2 = now_s();
    store_olca_counts c;
    if ((st = store_olca_counts_get(db, &c, &err)) != TJ_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    long nex = 0, nalloc = 0, nunits = 0;
    for (int i = 0; i < o->nprocs; i++) {
        nex += o->procs[i].nex;
        nalloc += o->procs[i].nalloc;
    }
    for (int i = 0; i < o->nunit_groups; i++)
        nunits += o->unit_groups[i].nunits;
    if (!strcmp(format, "json")) {
        json_t *skipped = json_array();
        for (int i = 0; i < rep.nmsg; i++)
            json_array_append_new(skipped, json_string(rep.msg[i]));
        json_t *j = json_pack(
            "{s:s, s:{s:i, s:I, s:i, s:i, s:i, s:I, s:I, s:i, s:i, s:i}, "
            "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
            "s:{s:i, s:i, s:i, s:i, s:i, s:o, s:i}, s:{s:f, s:f}}",
            "source", path, "imported", "unit_groups", o->nunit_groups, "units", (json_int_t)nunits,
            "flow_properties", o->nprops, "flows", o->nflows, "processes", o->nprocs, "exchanges",
            (json_int_t)nex, "allocation_factors", (json_int_t)nalloc, "locations", o->nlocations, "sources",
            o->nsources, "actors", o->nactors, "database", "unit_groups", (json_int_t)c.unit_groups, "units",
            (json_int_t)c.units, "flow_properties", (json_int_t)c.flow_properties, "flows",
            (json_int_t)c.flows, "processes", (json_int_t)c.processes, "exchanges", (json_int_t)c.exchanges,
            "allocation_factors", (json_int_t)c.alloc_factors, "locations", (json_int_t)c.locations,
            "sources", (json_int_t)c.sources, "actors", (json_int_t)c.actors, "not_used", "files",
            rep.skipped_files, "invalid_files", rep.invalid_files, "exchanges", rep.skipped_exchanges, "allocation_factors", rep.skipped_alloc,
            "messages_not_shown", rep.dropped_msg, "messages", skipped, "entity_files", rep.files, "seconds",
            "read", t1 - t0, "write", t2 - t1); /* read: reading and writing (overlapped); write: the counts */
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(j);
    } else {
        printf("imported %s into %s (%.2f s, read and written at once)\n", path, dburl, t2 - t0);
        printf("  %-20s %8s %10s\n", "", "read", "in db");
        printf("  %-20s %8d %10ld\n", "unit groups", o->nunit_groups, c.unit_groups);
        printf("  %-20s %8ld %10ld\n", "units", nunits, c.units);
        printf("  %-20s %8d %10ld\n", "flow properties", o->nprops, c.flow_properties);
        printf("  %-20s %8d %10ld\n", "flows", o->nflows, c.flows);
        printf("  %-20s %8d %10ld\n", "processes", o->nprocs, c.processes);
        printf("  %-20s %8ld %10ld\n", "exchanges", nex, c.exchanges);
        printf("  %-20s %8ld %10ld\n", "allocation factors", nalloc, c.alloc_factors);
        printf("  %-20s %8d %10ld\n", "locations", o->nlocations, c.locations);
        printf("  %-20s %8d %10ld\n", "sources", o->nsources, c.sources);
        printf("  %-20s %8d %10ld\n", "actors", o->nactors, c.actors);
        printf("not used: %d file(s), %d exchange(s), %d allocation factor(s)\n", rep.skipped_files,
               rep.skipped_exchanges, rep.skipped_alloc);
        for (int i = 0; i < rep.nmsg; i++)
            printf("  - %s\n", rep.msg[i]);
        if (rep.dropped_msg)
            printf("  ... and %d more\n", rep.dropped_msg);
    }
    if (rep.invalid_files > 0) {
        fprintf(stderr,
                "tanji import olca: imported without %d unreadable or malformed file(s) (--skip-invalid)\n"
                "tanji import olca: 已导入，但跳过了 %d 个无法读取或格式错误的文件（--skip-invalid）\n",
                rep.invalid_files, rep.invalid_files);
        rc = EXIT_SKIPPED;
    }
out:
    store_close(db);
    olca_db_free(o);
    olca_report_release(&rep);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        import_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "olca"))
        return import_olca(argc - 1, argv + 1);
    fprintf(stderr, "tanji import: unknown format \"%s\" (known: olca)\n", argv[1]);
    return EXIT_USAGE;
}
