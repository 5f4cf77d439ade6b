/* cli: small helpers shared by commands (strict number parsing, output files). */
#ifndef CLI_UTIL_H
#define CLI_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "tanji/error.h"

/* Parse a whole string as a finite double / non-negative integer; on
 * failure fill err naming the option. */
tj_status cli_parse_double(const char *s, const char *opt, double *out, tj_error *err);
tj_status cli_parse_u64(const char *s, const char *opt, uint64_t max, uint64_t *out, tj_error *err);

/* Open the output: "-" or NULL is stdout. */
FILE *cli_open_output(const char *path, tj_error *err);
void cli_close_output(FILE *f);

#endif
