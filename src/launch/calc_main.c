/*
 * tanji-calc: `tanji calc --db DB --process/--all ...` (cli_calc_db) in a
 * program that links only what that command needs on SQLite (SQLite,
 * jansson, KLU, libsodium, nettle, libzip, libxlsxwriter: about 20 shared
 * libraries with theirs, against tanji-core's 84), so the command starts in a
 * few milliseconds instead of some 30 (docs/solvers.md, issue 16).  The
 * launcher (main.c) runs it for those command lines; the output is
 * byte-for-byte tanji-core's (tests/cli/calc_lean.sh).
 *
 * Everything else goes to tanji-core by execv with the same argv: other
 * command lines (should this program be run directly), and PostgreSQL
 * databases: this program has no libpq, and its store_pg_open below hands the
 * command over before anything is written.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/commands.h"
#include "launch/exec_near.h"
#include "store/store_internal.h"

static char **g_argv;

/* execv tanji-core ($TANJI_CORE, else next to this program); returns only on
 * failure, with the reason in err. */
static tj_status run_core(tj_error *err)
{
    const char *env = getenv("TANJI_CORE");
    if (env && *env) {
        execv(env, g_argv);
        return tj_error_set(err, TJ_ERR_IO, "TANJI_CORE", "cannot run TANJI_CORE=%s: %s", env,
                            strerror(errno));
    }
    char path[PATH_MAX + 64];
    launch_exec_near("tanji-core", g_argv, path, sizeof path);
    return tj_error_set(err, TJ_ERR_IO, "tanji-core", "cannot run tanji-core (%s): %s",
                        path[0] ? path : "this program's directory is unknown", strerror(errno));
}

/* The store's PostgreSQL backend, in this program: tanji-core runs the same
 * command line.  cli_calc_db opens the database before it writes anything
 * (only option errors come earlier, and those are tanji-core's too), so
 * nothing is lost or said twice. */
tj_status store_pg_open(const char *url, store_db **out, tj_error *err)
{
    (void)url;
    *out = NULL;
    return run_core(err);
}

/* The command builds up some 10-20 MB on the heap (the database in memory,
 * the system) and frees it at exit.  On the machine measured, first touching a
 * fresh 4 KB page costs more than anything else in the command (a third of its
 * CPU time went to page faults: docs/solvers.md, issue 16), so:
 * - every block comes from the heap (glibc's default serves blocks from 128 KB
 *   up by mmap: fresh pages on every growth, munmap and a TLB flush on free),
 *   and freed memory stays for reuse;
 * - the heap grows in one 64 MB step (address space only: pages are made on
 *   first touch), marked for transparent huge pages, so that it is touched
 *   in 2 MB pages (about 3,000 page faults become about 1,000).  Where
 *   transparent huge pages are off ("never"), madvise changes nothing.
 * Failures here change only the speed, never the result. */
static void heap_setup(void)
{
    const size_t huge = (size_t)2 << 20, pad = (size_t)64 << 20;
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, (int)pad);
    void *p = malloc(huge); /* past what is free now: the heap grows by pad */
    if (!p)
        return;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
    uintptr_t hi = (uintptr_t)sbrk(0) & ~(uintptr_t)(huge - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    free(p);
}

int main(int argc, char **argv)
{
    g_argv = argv;
    int has_db;
    if (argc < 2 || strcmp(argv[1], "calc") || !cli_calc_wants_db(argc - 1, argv + 1, &has_db) || !has_db) {
        tj_error err;
        tj_error_clear(&err);
        run_core(&err);
        return cli_fail(&err);
    }
    heap_setup();
    /* as tanji-core's main (src/cli/main.c) */
    signal(SIGXFSZ, SIG_IGN);
    return cli_finish(cli_calc_db(argc - 1, argv + 1));
}
