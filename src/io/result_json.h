/*
 * io/result_json: a footprint result as JSON (the stable contract) and as a
 * plain-text summary for people.
 *
 * JSON top-level keys (always present unless noted):
 *   total, unit ("kg CO2e"), fossil, biogenic_emissions, biogenic_removals,
 *   dluc, aircraft (kg CO2e; removals negative),
 *   by_stage {raw_materials, production, distribution, use, end_of_life},
 *   by_gas [{gas, amount_kg, co2e, co2e_from_factors}] (greenhouse gases only,
 *     |co2e| descending; amount_kg is the net kg of the gas's own emissions,
 *     uptake negative, null when the gas only comes from background factors'
 *     per-gas breakdowns; co2e_from_factors is that breakdown part of co2e),
 *   unsplit_factors [{flow, name, co2e}] (background factors, or what their
 *     breakdown leaves, and other characterised non-gas flows: the CO2e not
 *     split by gas; |co2e| desc; by_gas co2e + unsplit_factors co2e = total),
 *   by_process [{id, name, stage, activity, direct, share}] (|direct| desc),
 *   paths [{depth, parent, id, name, amount, unit, direct, upstream, share}]
 *     (pre-order; parent is an index into paths, -1 for the root),
 *   inventory [{id, name, compartment, unit, amount, co2e, channel}],
 *   dqr {TeR, GeR, TiR, P, dqr, rating, coverage} (numbers null if unrated),
 *   cutoff_share, cutoffs [{process, what, amount, unit}] (amount for this demand),
 *   uncertainty (only after Monte Carlo) {iterations, seed, total: {mean, sd,
 *     p2_5, p50, p97_5}, by_stage: {<stage>: {...}}},
 *   demand {id, name, product, amount, unit}, gwp ("AR6"/"AR5"),
 *   solver {name, reason, residual, iterations, seconds}.
 * Non-finite numbers are written as null.  A seed above 2^53 is written as a
 * decimal string (JSON numbers lose precision there).
 *
 * Ownership: io_result_to_json returns a new reference (NULL only when out of
 * memory); the caller json_decref's it.
 */
#ifndef IO_RESULT_JSON_H
#define IO_RESULT_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "calc/lca.h"

json_t *io_result_to_json(const calc_system *sys, const calc_result *res, tj_gwp_set gwp);

/* The JSON key of a result channel: fossil, biogenic_emissions,
 * biogenic_removals, dluc, aircraft (every table of results uses these). */
const char *io_result_channel_key(calc_channel c);

/* Human-readable summary: total, channels, stages, top gases, top 10
 * processes, the top of the path tree, DQR, cut-off share, uncertainty and
 * the solver used. */
void io_result_print_text(FILE *out, const calc_system *sys, const calc_result *res, tj_gwp_set gwp);

#endif
