/* cli: small helpers shared by commands. */
#include "io/output.h"
#include "tanji/parse.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

tj_status cli_parse_double(const char *s, const char *opt, double *out, tj_error *err)
{
    double d;
    if (tj_parse_number(opt, s, &d, NULL))
        return tj_error_set(err, TJ_ERR_USAGE, opt, "\"%s\" is not a finite decimal number", s ? s : "");
    *out = d;
    return TJ_OK;
}

tj_status cli_parse_u64(const char *s, const char *opt, uint64_t max, uint64_t *out, tj_error *err)
{
    char *end = NULL;
    errno = 0;
    if (!s || !*s || *s == '-')
        return tj_error_set(err, TJ_ERR_USAGE, opt, "\"%s\" is not a non-negative integer", s ? s : "");
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v > max)
        return tj_error_set(err, TJ_ERR_USAGE, opt, "\"%s\" is not an integer from 0 to %llu", s,
                            (unsigned long long)max);
    *out = v;
    return TJ_OK;
}

/* The outputs a command has open (a command opens one or two). */
static io_out *open_outs[8];

FILE *cli_open_output(const char *path, tj_error *err)
{
    size_t i = 0;
    while (i < sizeof open_outs / sizeof open_outs[0] && open_outs[i])
        i++;
    if (i == sizeof open_outs / sizeof open_outs[0]) {
        tj_error_set(err, TJ_ERR_INTERNAL, NULL, "too many outputs open");
        return NULL;
    }
    if (io_out_open(path, &open_outs[i], err))
        return NULL;
    return io_out_file(open_outs[i]);
}

static io_out **slot_of(FILE *f)
{
    for (size_t i = 0; f && i < sizeof open_outs / sizeof open_outs[0]; i++)
        if (open_outs[i] && io_out_file(open_outs[i]) == f)
            return &open_outs[i];
    return NULL;
}

tj_status cli_commit_output(FILE *f, tj_error *err)
{
    io_out **s = slot_of(f);
    if (!s)
        return f == stdout ? io_out_check_stdout(err) : TJ_OK;
    io_out *o = *s;
    *s = NULL;
    return io_out_commit(o, err);
}

void cli_close_output(FILE *f)
{
    io_out **s = slot_of(f);
    if (s) {
        io_out_abort(*s);
        *s = NULL;
    }
}

const char *cli_db_url(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *env = getenv("TANJI_DB");
    return env && *env ? env : "tanji.db";
}

tj_status cli_open_ctx(const char *db_opt, const char *as_opt, store_db **db, svc_ctx *ctx, tj_error *err)
{
    tj_status rc = store_open(cli_db_url(db_opt), db, err);
    if (rc)
        return rc;
    const char *as = as_opt && *as_opt ? as_opt : getenv("TANJI_AS");
    if ((rc = svc_ctx_local(ctx, *db, as, err))) {
        store_close(*db);
        *db = NULL;
    }
    return rc;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

int cli_finish(int rc)
{
    tj_error err;
    tj_error_clear(&err);
    if (io_out_check_stdout(&err)) {
        cli_fail(&err);
        return rc ? rc : EXIT_INTERNAL;
    }
    return rc;
}
