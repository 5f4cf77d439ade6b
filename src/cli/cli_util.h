/* cli: small helpers shared by commands (strict number parsing, output files). */
#ifndef CLI_UTIL_H
#define CLI_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "services/ctx.h"
#include "store/store.h"
#include "tanji/error.h"

/* Parse a whole string as a finite double / non-negative integer; on
 * failure fill err naming the option. */
tj_status cli_parse_double(const char *s, const char *opt, double *out, tj_error *err);
tj_status cli_parse_u64(const char *s, const char *opt, uint64_t max, uint64_t *out, tj_error *err);

/* Open the output: "-" or NULL is stdout; a file is written under a
 * temporary name (io/output.h).  cli_commit_output finishes it (flush,
 * close, rename; TJ_ERR_IO naming the file on failure); cli_close_output
 * discards an output that was not committed (no partial file is left). */
FILE *cli_open_output(const char *path, tj_error *err);
tj_status cli_commit_output(FILE *f, tj_error *err);
void cli_close_output(FILE *f);

/* The database a command uses: opt if given, else $TANJI_DB, else ./tanji.db. */
const char *cli_db_url(const char *opt);
/* Open the database (it must be migrated: `tanji migrate`) and the principal
 * the command acts as: as_opt if given, else $TANJI_AS, else the local
 * operator.  On success the caller releases ctx and closes *db. */
tj_status cli_open_ctx(const char *db_opt, const char *as_opt, store_db **db, svc_ctx *ctx, tj_error *err);

/* An option of the form --name VALUE or --name=VALUE at argv[*i]: its value
 * (advancing *i past a separate value), or NULL when argv[*i] is not it. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name);

#endif
