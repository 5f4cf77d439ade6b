/*
 * tanji: the launcher.  The full CLI (tanji-core) links some 75 shared
 * libraries (PostgreSQL, GnuTLS through libmicrohttpd, cairo and pango, ...);
 * loading and relocating them is most of a short command's run time.  This
 * small program links only jansson, libsodium and nettle: it runs `tanji label
 * verify FILE` (offline verification, docs/certification.md) itself and
 * hands every other command line, unchanged, to tanji-core by execv.
 *
 * tanji-core is looked up next to this program, then in
 * ../libexec/tanji/ (installed layout); $TANJI_CORE overrides both.
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
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || (size_t)n >= sizeof self - 1) {
        fprintf(stderr, "tanji: cannot find this program's directory (/proc/self/exe)\n");
        return EXIT_INTERNAL;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        slash[1] = '\0';
    static const char *const where[] = {"tanji-core", "../libexec/tanji/tanji-core"};
    char path[PATH_MAX + 64];
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        if (snprintf(path, sizeof path, "%s%s", self, where[i]) >= (int)sizeof path)
            continue;
        execv(path, argv);
        if (errno != ENOENT)
            break;
    }
    fprintf(stderr, "tanji: cannot run tanji-core (%s): %s\n", path, strerror(errno));
    return EXIT_INTERNAL;
}
