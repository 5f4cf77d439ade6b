/* cli: small helpers shared by commands. */
#include "tanji/parse.h"
#include "cli/cli_util.h"

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

FILE *cli_open_output(const char *path, tj_error *err)
{
    if (!path || !strcmp(path, "-"))
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    return f;
}

void cli_close_output(FILE *f)
{
    if (f && f != stdout)
        fclose(f);
    else if (f)
        fflush(f);
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
