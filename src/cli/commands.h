/*
 * cli: the `tanji` subcommands.  Each command is int cmd_X(int argc, char **argv)
 * with argv[0] the command name; it returns one of the exit codes below and
 * prints its own errors to stderr.  Commands are registered in main.c.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include <stdio.h>

#include "tanji/error.h"

enum {
    EXIT_OK_ = 0,
    EXIT_USAGE = 1,    /* wrong command line */
    EXIT_INPUT = 2,    /* bad input data (file syntax, schema, semantics) */
    EXIT_INTERNAL = 3, /* internal, I/O or database error */
    EXIT_NONCONFORM = 4, /* tanji check: the model does not conform to its rule */
    EXIT_SKIPPED = 5,    /* done as asked, but some input was skipped (import --skip-invalid) */
    EXIT_TAMPERED = 6,   /* tanji ledger verify / verify-proof: problems found, proof does not hold */
};

/* Print "tanji: <formatted error>" to stderr and return the exit code that
 * fits err->code. */
int cli_fail(const tj_error *err);
/* A command's exit code once whatever it printed has arrived: a full device
 * or a failed write of standard output is an error, never exit 0. */
int cli_finish(int rc);
/* Exit code for a status. */
int cli_exit_code(tj_status st);

int cmd_calc(int argc, char **argv);
int cmd_rule(int argc, char **argv);
int cmd_factor(int argc, char **argv);
int cmd_import(int argc, char **argv);
/* tanji calc --db: calculation from an imported inventory database (cmd_calc_db.c). */
int cli_calc_db(int argc, char **argv);
/* Is this `calc` command line (argv[0] "calc") one for cli_calc_db (--process,
 * --all, --amount or --allocation before any "--")?  *has_db: --db is given
 * (calc_mode.c; the launcher and tanji-calc use it too). */
int cli_calc_wants_db(int argc, char **argv, int *has_db);
int cmd_report(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_footprint(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_label(int argc, char **argv);
int cmd_grade(int argc, char **argv);
int cmd_disclose(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_declare(int argc, char **argv);
int cmd_federation(int argc, char **argv);
/* The application scenarios (cmd_apps.c). */
int cmd_procure(int argc, char **argv);
int cmd_finance(int argc, char **argv);
int cmd_inclusion(int argc, char **argv);
int cmd_park(int argc, char **argv);
/* The ledger key file: opt, else $TANJI_LEDGER_KEY, else next to a SQLite
 * database (PATH.ledger-key); malloc'ed, NULL with err set (PostgreSQL
 * without either). */
char *cli_ledger_key_path(const char *opt, const char *db_url, tj_error *err);
int cmd_serve(int argc, char **argv);
int cmd_pact(int argc, char **argv);
/* tanji admin sub-commands of the server (cmd_admin_server.c): *handled = 1
 * when argv was one of them, then the exit code is returned. */
int cli_admin_server(int argc, char **argv, int *handled);
void cli_admin_server_usage(FILE *out);

/* Rules directory: opt if given, else $TJ_RULES_DIR, else the built-in data dir. */
const char *cli_rules_dir(const char *opt);

#endif
