/* cli: option table of the institution commands; see inst_opts.h. */
#include "cli/inst_opts.h"

#include <stdio.h>
#include <string.h>

int inst_opts_parse(inst_opts *o, int argc, char **argv, const char *const *flags, const char *cmd)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->help = 1;
            continue;
        }
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            int flag = 0;
            for (const char *const *f = flags; f && *f; f++)
                flag |= !strcmp(*f, a + 2);
            if (o->n == INST_MAX_OPTS) {
                fprintf(stderr, "tanji %s: too many options\n", cmd);
                return 1;
            }
            if (!flag && i + 1 >= argc) {
                fprintf(stderr, "tanji %s: %s needs a value\n", cmd, a);
                return 1;
            }
            o->name[o->n] = a + 2;
            o->value[o->n++] = flag ? "1" : argv[++i];
        } else if (!strcmp(a, "-o")) {
            if (i + 1 >= argc || o->n == INST_MAX_OPTS) {
                fprintf(stderr, "tanji %s: -o needs a value\n", cmd);
                return 1;
            }
            o->name[o->n] = "output";
            o->value[o->n++] = argv[++i];
        } else {
            if (o->npos == INST_MAX_POS) {
                fprintf(stderr, "tanji %s: unexpected argument %s\n", cmd, a);
                return 1;
            }
            o->pos[o->npos++] = a;
        }
    }
    return 0;
}

const char *inst_opt(const inst_opts *o, const char *name)
{
    for (int i = o->n - 1; i >= 0; i--)
        if (!strcmp(o->name[i], name))
            return o->value[i];
    return NULL;
}

json_t *inst_list(const char *s)
{
    if (!s)
        return NULL;
    json_t *a = json_array();
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s += n;
        if (*s == ',')
            s++;
    }
    return a;
}

void inst_print_json(const json_t *j)
{
    if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12) | JSON_ENCODE_ANY) == 0)
        fputc('\n', stdout);
}
