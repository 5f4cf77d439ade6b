/* tanji calc: placeholder until the engine lands (replaced in this series). */
#include <stdio.h>
#include "cli/commands.h"
int cmd_calc(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "tanji calc: not built yet\n");
    return EXIT_INTERNAL;
}
