/* tanji calc: placeholder until the engine lands (replaced in this series). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

int cmd_calc(int argc, char **argv)
{
    /* Hook: a calculation from an imported inventory database (cmd_calc_db.c). */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db"))
            return cli_calc_db(argc, argv);
    fprintf(stderr, "tanji calc: not built yet\n");
    return EXIT_INTERNAL;
}
