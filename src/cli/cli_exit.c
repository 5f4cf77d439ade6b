/* Exit codes and the error line of the CLI (commands.h); shared by the full
 * CLI and the small launcher (src/launch/main.c). */
#include <stdio.h>

#include "cli/commands.h"

int cli_exit_code(tj_status st)
{
    switch (st) {
    case TJ_OK: return 0;
    case TJ_ERR_USAGE: return EXIT_USAGE;
    case TJ_ERR_INPUT:
    case TJ_ERR_NOTFOUND:
    case TJ_ERR_CONFLICT:
    case TJ_ERR_NUMERIC:
    case TJ_ERR_PERM: return EXIT_INPUT;
    default: return EXIT_INTERNAL;
    }
}

int cli_fail(const tj_error *err)
{
    char buf[2048];
    fprintf(stderr, "tanji: %s\n", tj_error_format(err, buf, sizeof buf));
    return cli_exit_code(err->code);
}
