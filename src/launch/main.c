/*
 * tanji: the launcher.  The full CLI (tanji-core) links some 84 shared
 * libraries (PostgreSQL, GnuTLS through libmicrohttpd, cairo and pango, ...);
 * loading and relocating them is most of a short command's run time.  This
 * small program links only jansson, libsodium and nettle: it runs `tanji label
 * verify FILE` (offline verification, docs/certification.md) itself, hands
 * `tanji calc --db ...` over inventory databases (--process/--all) to
 * tanji-calc (the engine with SQLite only, src/launch/calc_main.c; it passes
 * PostgreSQL databases on to tanji-core) and every other command line,
 * unchanged, to tanji-core by execv.
 *
 * tanji-calc and tanji-core are looked up next to this program, then in
 * ../libexec/tanji/ (installed layout); without tanji-calc, tanji-core runs
 * every command.  $TANJI_CORE names the program for every command (the
 * launcher then runs no tanji-calc).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/inst_opts.h"
#include "cli/label_verify_file.h"
#include "launch/exec_near.h"

static int offline_verify(int argc, char **argv, int *rc)
{
    if (argc < 3 || strcmp(argv[1], "label") || strcmp(argv[2], "verify"))
        return 0;
    inst_opts o;
    if (inst_opts_parse(&o, argc - 1, argv + 1, NULL, "label")) {
        *rc = EXIT_USAGE; /* the message is printed; tanji-core would say the same */
        return 1;
    }
    if (o.help || o.npos != 2 || !cli_is_file(o.pos[1]))
        return 0;
    *rc = cli_label_verify_file(&o);
    /* whatever was printed must have arrived */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tanji: cannot write the report: %s\n", strerror(errno));
        if (!*rc)
            *rc = EXIT_INTERNAL;
    }
    return 1;
}

/* The heap of a command (not of the server): glibc's malloc settings for the
 * programs this one starts, by its documented environment variable (read
 * once, at their start).  Batch commands build up 10-300 MB (a model of
 * 100,000 lines, an openLCA database, a factor import) and free it at exit.
 * On the machines measured first touching a fresh 4 KB page costs about
 * 20 us (a third of `model from-csv`'s wall time went to 49,000 page
 * faults), so:
 * - hugetlb=1: the heap is marked for transparent huge pages (2 MB pages:
 *   49,000 page faults become about 2,000); where they are off ("never") it
 *   changes nothing;
 * - the heap grows 64 MB at a time and is not given back before exit
 *   (top_pad, trim_threshold), blocks below 32 MB come from it (mmap_threshold).
 * The server keeps glibc's defaults (long-running; docs/server.md).  A user
 * who sets glibc.malloc tunables of their own keeps theirs.  Settings change
 * the speed only, never a result. */
static void heap_settings(int argc, char **argv)
{
    static const char want[] = "glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864:"
                               "glibc.malloc.trim_threshold=536870912:glibc.malloc.mmap_threshold=33554432";
    if (argc > 1 && !strcmp(argv[1], "serve"))
        return;
    const char *old = getenv("GLIBC_TUNABLES");
    if (!old || !*old) {
        setenv("GLIBC_TUNABLES", want, 1);
        return;
    }
    if (strstr(old, "glibc.malloc."))
        return;
    size_t n = strlen(old) + sizeof want + 1;
    char *both = malloc(n);
    if (!both)
        return; /* the speed only */
    snprintf(both, n, "%s:%s", old, want);
    setenv("GLIBC_TUNABLES", both, 1);
    free(both);
}

int main(int argc, char **argv)
{
    int rc;
    if (offline_verify(argc, argv, &rc))
        return rc;
    heap_settings(argc, argv);
    const char *env = getenv("TANJI_CORE");
    if (env && *env) {
        execv(env, argv);
        fprintf(stderr, "tanji: cannot run TANJI_CORE=%s: %s\n", env, strerror(errno));
        return EXIT_INTERNAL;
    }
    char path[PATH_MAX + 64];
    int has_db;
    if (argc > 1 && !strcmp(argv[1], "calc") && cli_calc_wants_db(argc - 1, argv + 1, &has_db) && has_db &&
        launch_exec_near("tanji-calc", argv, path, sizeof path) < 0 && errno != ENOENT) {
        fprintf(stderr, "tanji: cannot run tanji-calc (%s): %s\n", path, strerror(errno));
        return EXIT_INTERNAL;
    }
    launch_exec_near("tanji-core", argv, path, sizeof path);
    if (!path[0])
        fprintf(stderr, "tanji: cannot find this program's directory (/proc/self/exe)\n");
    else
        fprintf(stderr, "tanji: cannot run tanji-core (%s): %s\n", path, strerror(errno));
    return EXIT_INTERNAL;
}
