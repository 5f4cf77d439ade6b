/* Which `tanji calc` command lines are calculations over an imported
 * inventory database (cli_calc_db); shared by cmd_calc.c, the launcher and
 * tanji-calc (src/launch/), which must agree on it. */
#include <string.h>

#include "cli/commands.h"

int cli_calc_wants_db(int argc, char **argv, int *has_db)
{
    static const char *const db_opts[] = {"--process", "--all", "--amount", "--allocation", NULL};
    int want = 0;
    *has_db = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strncmp(argv[i], "--db", 4) && (argv[i][4] == '\0' || argv[i][4] == '='))
            *has_db = 1;
        for (const char *const *o = db_opts; *o; o++) {
            size_t n = strlen(*o);
            if (!strncmp(argv[i], *o, n) && (argv[i][n] == '\0' || argv[i][n] == '='))
                want = 1;
        }
    }
    return want;
}
