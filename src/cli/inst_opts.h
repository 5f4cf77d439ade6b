/* cli: a small option table shared by the institution commands (cert,
 * label, grade, disclose, registry): --name VALUE options and positionals. */
#ifndef CLI_INST_OPTS_H
#define CLI_INST_OPTS_H

#include <jansson.h>

#define INST_MAX_OPTS 24
#define INST_MAX_POS 8

typedef struct inst_opts {
    const char *name[INST_MAX_OPTS], *value[INST_MAX_OPTS];
    int n;
    const char *pos[INST_MAX_POS];
    int npos;
    int help;
} inst_opts;

/* Parse argv[1..]: every option takes a value except those in flags
 * (NULL-terminated, value "1").  Prints and returns 1 on a usage error. */
int inst_opts_parse(inst_opts *o, int argc, char **argv, const char *const *flags, const char *cmd);
const char *inst_opt(const inst_opts *o, const char *name);
/* "a,b,c" as a JSON array of strings (NULL when s is NULL). */
json_t *inst_list(const char *s);
/* Print JSON to stdout (indent 2). */
void inst_print_json(const json_t *j);

#endif
