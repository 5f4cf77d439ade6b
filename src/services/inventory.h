/*
 * svc_inventory: calculations over an imported openLCA inventory database
 * (tanji import olca): one product, or every reference product with one
 * factorisation (the way a factor table is generated).
 *
 * svc_inventory_open loads the database's processes, builds the product
 * system and factorises it once; products are then calculated from it.
 * The JSON and table encoders beside the calls give the CLI and a server the
 * same output.
 *
 * Ownership: svc_inventory owns everything it loads (svc_inventory_release);
 * results returned are the caller's (calc_result_free); JSON values are new
 * references.
 */
#ifndef SERVICES_INVENTORY_H
#define SERVICES_INVENTORY_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "calc/lca.h"
#include "io/olca.h"
#include "io/table_write.h"
#include "services/ctx.h"

typedef struct svc_inventory {
    olca_db *db;
    calc_system *sys;
    calc_context *cc;
    olca_build_info info;
    olca_build_options opt;
} svc_inventory;

tj_status svc_inventory_open(svc_ctx *ctx, const olca_build_options *bo, const calc_options *co, svc_inventory *out,
                             tj_error *err);
void svc_inventory_release(svc_inventory *inv);

/* How the system was built (links, cut-offs, unmapped flows, notes). */
json_t *svc_inventory_info_json(const svc_inventory *inv);
void svc_inventory_info_text(FILE *out, const svc_inventory *inv);

/* One product: amount of the reference product of process (a UUID, or
 * UUID/flow for one output of a split process); mc > 0 adds Monte Carlo. */
tj_status svc_inventory_product(svc_inventory *inv, const char *process, double amount, int mc, uint64_t seed,
                                calc_result **out, tj_error *err);
/* The result JSON of one product, with "database": the build info. */
json_t *svc_inventory_product_json(const svc_inventory *inv, const calc_result *res);

/* Every product, one row each.  For each column j, fn gets the result (NULL
 * when it failed, with the message in error): total, channels, cutoff_share
 * and ncut are set (what the rows show; most products come from
 * calc_context_unit_rows, which computes nothing else).  fn returning
 * non-zero stops. */
typedef int (*svc_product_fn)(void *ud, const svc_inventory *inv, int j, const calc_result *res, const char *error);
tj_status svc_inventory_all(svc_inventory *inv, svc_product_fn fn, void *ud, int *failed, tj_error *err);
/* A product row as JSON ({id, name, product, amount, unit, total, <channel keys>, cutoff_share, cutoffs} or
 * {..., error}), and as a table row with a header row first (svc_product_table_header). */
json_t *svc_product_row_json(const svc_inventory *inv, int j, const calc_result *res, const char *error);
tj_status svc_product_table_header(io_table *t);
tj_status svc_product_table_row(io_table *t, const svc_inventory *inv, int j, const calc_result *res,
                                const char *error);

#endif
