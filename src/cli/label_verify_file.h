/* Offline label verification for the CLI; see label_verify_file.c. */
#ifndef CLI_LABEL_VERIFY_FILE_H
#define CLI_LABEL_VERIFY_FILE_H

#include <jansson.h>

#include "cli/inst_opts.h"
#include "tanji/error.h"

/* A JSON file; NULL with err set. */
json_t *cli_load_json(const char *path, tj_error *err);
/* A public key: 64 hex digits, or a file holding them. */
tj_status cli_read_pk(const char *s, unsigned char pk[32], tj_error *err);
/* Is s a regular file? */
int cli_is_file(const char *s);
/* Print a verification report (stdout) and a verdict line (stderr):
 * exit code 0 valid, EXIT_TAMPERED not.  Consumes r. */
int cli_print_report(json_t *r);
/* tanji label verify FILE --keyring K [--ledger-key P] [--at D] */
int cli_label_verify_file(inst_opts *o);

#endif
