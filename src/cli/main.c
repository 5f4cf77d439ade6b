/* tanji command: dispatch to subcommands. */
#include <stdio.h>
int main(void) { puts("tanji"); return 0; }
