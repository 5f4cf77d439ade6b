/*
 * io/model: the tanji model file (docs/model-format.md) -> calc_system.
 *
 * io_model_load_file / io_model_parse validate the whole file and build a
 * calc_system with multi-output processes split by allocation, product and
 * waste links resolved, units converted, gases characterised for the chosen
 * GWP set and background factors turned into characterised flows.  Errors
 * name the file position (syntax) or the JSON path (meaning).
 *
 * Ownership: an io_model owns everything in it, including model->sys;
 * io_model_free releases it all.
 */
#ifndef IO_MODEL_H
#define IO_MODEL_H

#include <jansson.h>
#include <stddef.h>

#include "calc/system.h"
#include "tanji/error.h"
#include "tanji/gwp.h"

/* A background factor as used by the model: inline, or resolved from the
 * factor database. */
typedef struct io_factor {
    char *ref;      /* as written in the model ("grid-yn-2022", "id@3", ...) */
    char *id;       /* resolved id */
    char *version;  /* resolved version, NULL for inline factors */
    char *name;
    double value;   /* kg CO2e per unit */
    char *unit;
    char *source;
    calc_channel channel;
    char *note;     /* how a database reference was resolved, or NULL */
    int inline_def; /* 1: defined in the model's "factors" array */
    int used;       /* referenced by at least one exchange */
    int nparts;     /* per-gas breakdown of value (kg CO2e per unit each), may be 0 */
    calc_gas_part *parts;
} io_factor;

/* Set x's per-gas breakdown from a JSON object {gas: kg CO2e per unit, ...}
 * (gas by name, formula or CAS; NULL or JSON null = none).  Each part has the
 * sign of x->value (or is 0) and together they do not exceed it; what they
 * leave is reported as not split by gas.  Errors name path. */
tj_status io_factor_set_gases(io_factor *x, const json_t *gases, const char *path, tj_error *err);

/* Resolve a factor reference that is not defined inline (e.g. "id@version"
 * or a query object serialised as text).  Fill out (strings malloc'ed, owned
 * by the model afterwards) or return an error.  ref_json is the JSON value of
 * the exchange's "factor" key, serialised compactly. */
typedef tj_status (*io_factor_resolver)(void *ctx, const char *ref_json, const char *region,
                                        int year, io_factor *out, tj_error *err);

typedef struct io_model_options {
    tj_gwp_set gwp;
    size_t max_bytes;            /* default 64 MiB */
    io_factor_resolver resolver; /* NULL: only inline factors */
    void *resolver_ctx;
} io_model_options;

void io_model_options_init(io_model_options *o);

typedef struct io_model_process {
    char *id;
    char *name;
    calc_stage stage;
    char *data_type;   /* "primary", "secondary" or NULL */
    char *allocation;  /* "physical", "economic" or NULL */
    int first_col;     /* its columns in sys: first_col .. first_col + ncols - 1 */
    int ncols;
    int first_exchange, nexchanges; /* into model->ex */
} io_model_process;

typedef struct io_model_exchange {
    int process;        /* index into model->proc */
    char *type;         /* "product", "waste", "elementary" */
    char *direction;    /* "input", "output" */
    char *flow;         /* flow or gas name */
    double amount;
    char *unit;
    char *provider;     /* process id, or NULL */
    int factor;         /* index into model->factor, or -1 */
    int cutoff;
    int reference;      /* the process's reference flow */
    double mass_kg;     /* amount in kg when convertible, else NaN */
} io_model_exchange;

typedef struct io_model {
    char *name_zh, *name_en;
    char *unit;           /* declared/functional unit */
    double amount;
    char *boundary;       /* "cradle-to-gate" or "cradle-to-grave" */
    char *period_start, *period_end;
    char *geography;      /* ISO 3166-2, e.g. CN-YN */
    char *functional_unit_text; /* optional free text */
    int demand_col;
    double demand_amount; /* in the demand column's product unit */
    calc_system *sys;
    int nproc;
    io_model_process *proc;
    int nex;
    io_model_exchange *ex;
    int nfactor;
    io_factor *factor;
    tj_gwp_set gwp;
    char inputs_digest[65]; /* SHA-256 (hex) of the canonical JSON of the model */
} io_model;

tj_status io_model_load_file(const char *path, const io_model_options *opt, io_model **out,
                             tj_error *err);
/* Parse from memory; filename is used in error messages. */
tj_status io_model_parse(const char *text, size_t len, const char *filename,
                         const io_model_options *opt, io_model **out, tj_error *err);
void io_model_free(io_model *m);

/* Read a whole file, refusing files larger than max_bytes.  *out is
 * NUL-terminated and malloc'ed. */
tj_status io_read_file(const char *path, size_t max_bytes, char **out, size_t *len, tj_error *err);

/* Read and parse a JSON file of at most max_bytes (duplicate keys are
 * errors; syntax errors carry file:line:column).  If sha256_hex is not NULL
 * (65 bytes) it receives the SHA-256 of the file's bytes.  *out is a new
 * reference. */
tj_status io_load_json_file(const char *path, size_t max_bytes, json_t **out, char *sha256_hex, tj_error *err);

#endif
