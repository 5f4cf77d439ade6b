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

int main(int argc, char **argv)
{
    int rc;
    if (offline_verify(argc, argv, &rc))
        return rc;
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
