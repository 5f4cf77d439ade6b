/*
 * calc/lca: the matrix method (A s = f; g = B s; h = c^T g) and its analysis.
 *
 * A calc_context holds the assembled matrices and a factorised solver for
 * one calc_system; it can compute many footprints (one per demand) and run
 * Monte Carlo.  The context keeps a pointer to the system: keep it alive.
 * A calc_result owns all its memory; free it with calc_result_free.
 */
#ifndef CALC_LCA_H
#define CALC_LCA_H

#include <stdint.h>

#include "calc/solver.h"
#include "calc/system.h"

typedef struct calc_options {
    calc_solver_kind solver; /* default AUTO */
    double tol;              /* relative residual; default 1e-9 */
    double path_cutoff;      /* drop upstream paths below this share of |total|; default 0.01 */
    int path_max_depth;      /* default 8 */
    int path_max_nodes;      /* default 200 */
    int mc_threads;          /* Monte Carlo: 0 = auto (a sampler thread for large systems),
                                1 = one thread, 2 = a second thread (the second chain's, or with
                                one chain a sampler thread); same results either way */
    int mc_chains;           /* Monte Carlo: 0 = auto (two chains from 20,000 uncertain entries on),
                                1 or 2; the draws for a seed depend on the number of chains */
} calc_options;

void calc_options_init(calc_options *o);

/* A context is not thread-safe (it keeps work vectors); use one per thread. */
typedef struct calc_context calc_context;

/* Assemble A and B, factorise.  A singular system fails with TJ_ERR_NUMERIC
 * and a message naming the processes involved. */
tj_status calc_context_new(const calc_system *sys, const calc_options *opt, calc_context **out,
                           tj_error *err);
void calc_context_free(calc_context *ctx);
const calc_solver *calc_context_solver(const calc_context *ctx);
double calc_context_setup_seconds(const calc_context *ctx);

/* A greenhouse gas's part of the footprint: its own emissions and removals
 * (elementary flows of the gas) plus its parts of background factors that
 * give a per-gas breakdown (calc_flow.parts). */
typedef struct calc_gas_item {
    const char *gas;     /* canonical gas id (tj_gas.id) */
    double amount;       /* kg of gas from elementary flows (net); NaN when the gas only comes
                            from factor breakdowns (they give CO2e, not kg of gas) */
    double co2e;         /* kg CO2e, everything */
    double co2e_factors; /* of co2e: from background factors' per-gas breakdowns */
} calc_gas_item;

/* A flow whose CO2e is not split by gas: a background factor without a
 * per-gas breakdown (or what its breakdown leaves), or a characterised flow
 * that is not a greenhouse gas. */
typedef struct calc_unsplit_item {
    int flow;    /* index into sys->flow */
    double co2e; /* kg CO2e not split by gas */
} calc_unsplit_item;

typedef struct calc_process_item {
    int col;
    double activity;  /* scaling s_j */
    double direct;    /* kg CO2e emitted directly by this process */
    double share;     /* direct / total (total != 0), else 0 */
} calc_process_item;

/* A node of the upstream contribution tree.  Node 0 is the demanded process. */
typedef struct calc_path_node {
    int parent;       /* -1 for the root */
    int col;
    int depth;
    double amount;    /* amount of col's product flowing into the parent (root: demand) */
    double direct;    /* CO2e emitted directly by col for this amount */
    double upstream;  /* CO2e of col's product for this amount, incl. its supply chain */
    double share;     /* upstream / total */
} calc_path_node;

typedef struct calc_inventory_item {
    int flow;
    double amount;    /* in the flow's unit */
    double co2e;
} calc_inventory_item;

typedef struct calc_dqr {
    double ter, ger, tir, p; /* contribution-weighted averages over rated parts */
    double dqr;              /* (ter + ger + tir + p) / 4; 0 if nothing rated */
    double coverage;         /* share of |contributions| that carried ratings */
    const char *rating;      /* "excellent", "very good", "good", "fair", "poor", "unrated" */
} calc_dqr;

typedef struct calc_stats {
    double mean, sd, p2_5, p50, p97_5;
} calc_stats;

/* A histogram of Monte Carlo draws: CALC_MC_BINS bins of equal width
 * between the smallest and the largest draw (bin i covers
 * [lo + i w, lo + (i + 1) w), the last one includes hi; w = (hi - lo) /
 * CALC_MC_BINS).  All draws equal: every draw in bin 0 and hi = lo. */
#define CALC_MC_BINS 40
typedef struct calc_histogram {
    double lo, hi;
    int count[CALC_MC_BINS]; /* sums to the number of draws */
} calc_histogram;

/* The histogram of k finite draws v (any order; k >= 1). */
void calc_histogram_of(const double *v, int k, calc_histogram *h);

typedef struct calc_uncertainty {
    int iterations;
    uint64_t seed;
    calc_stats total;
    calc_histogram total_hist; /* of the total's draws */
    calc_stats stage[CALC_STAGE_COUNT];
    double seconds;
    const char *solver; /* solver used for the iterations (static string) */
} calc_uncertainty;

typedef struct calc_result {
    int demand_col;
    double demand_amount;
    double total;                    /* kg CO2e */
    double channel[CALC_CH_COUNT];   /* kg CO2e per channel */
    double stage[CALC_STAGE_COUNT];  /* kg CO2e per life-cycle stage */
    int ngas;
    calc_gas_item *gas;              /* gases only, sorted by |co2e| descending */
    int nunsplit;
    calc_unsplit_item *unsplit;      /* not split by gas, sorted by |co2e| descending;
                                        sum of gas[].co2e + unsplit[].co2e = total */
    int nproc;
    calc_process_item *proc;         /* non-zero direct contributions, sorted by |direct| desc */
    int npath;
    calc_path_node *path;            /* pre-order */
    int ninv;
    calc_inventory_item *inv;        /* non-zero flows, in flow order */
    calc_dqr dqr;
    double cutoff_share;             /* mass share of inputs cut off or unlinked */
    int ncut;
    int *cut;                        /* indices into sys->cut reached by the demand (activity != 0) */
    double *cut_amount;              /* per item of cut: its amount for this demand
                                        (sys->cut[].amount x activity of the consumer) */
    const char *solver;              /* solver name */
    const char *solver_reason;
    double residual;
    int iterations;
    double seconds;
    calc_uncertainty *uncertainty;   /* NULL unless Monte Carlo ran */
} calc_result;

/* Detail flags for calc_context_footprint. */
enum {
    CALC_DETAIL_TOTALS = 0,      /* total, channels, stages, gases */
    CALC_DETAIL_PROCESSES = 1,
    CALC_DETAIL_PATHS = 2,
    CALC_DETAIL_INVENTORY = 4,
    CALC_DETAIL_ALL = 7,
};

/* Footprint of `amount` units of process col's reference product. */
tj_status calc_context_footprint(calc_context *ctx, int col, double amount, int detail,
                                 calc_result **out, tj_error *err);

/* Monte Carlo over every entry with a distribution; reproducible for a seed.
 * Adds res->uncertainty.  The symbolic factorisation is reused; afterwards the
 * context holds its deterministic values again. */
tj_status calc_context_monte_carlo(calc_context *ctx, calc_result *res, int iterations,
                                   uint64_t seed, tj_error *err);

void calc_result_free(calc_result *res);

/* Totals for one unit of every product at once, by transposed solves
 * (u = A^-T q, and one per channel): total[j] and, if channel is not NULL,
 * channel[c * n + j] are kg CO2e per unit of process j's reference product.
 * Equal to calc_context_footprint(ctx, j, 1, ...) for every j, at the cost of
 * 1 + CALC_CH_COUNT solves instead of n.  Arrays are the caller's (n and
 * CALC_CH_COUNT * n doubles). */
tj_status calc_context_unit_totals(calc_context *ctx, double *total, double *channel,
                                   tj_error *err);

/* The rows of `tanji calc --all`: for one unit of every product j, the
 * total and channels (kg CO2e), the cut-off mass share and the number of
 * cut-off items reached, as calc_context_footprint(ctx, j, 1, ...) gives them,
 * from 1 + CALC_CH_COUNT + 2 transposed solves (A^T y = w, y_j = w.s for the
 * demand of one unit of j) and the reachability of each product's supply
 * chain, instead of n forward solves.
 *
 * The cut-off share sums |s|; transposed solves give w.s, equal when every
 * activity is >= 0.  That is guaranteed (and exact[j] = 1) when each process
 * in j's supply chain has a positive diagonal and only inputs (off-diagonals
 * < 0, no explicit zeros), and its loops are Z-matrix loops whose gain the
 * block solver checked below 1 (AUTO and the BLOCK kinds; with the
 * whole-matrix solvers no loop qualifies).  Otherwise, or if a figure is not
 * finite, exact[j] = 0 and the caller computes product j with
 * calc_context_footprint.  The reach of each supply chain costs about
 * nnz(A) x n / 64 word operations. */
typedef struct calc_unit_rows {
    int n;
    double *total;        /* n */
    double *channel;      /* CALC_CH_COUNT x n, channel-major */
    double *cutoff_share; /* n */
    int *ncut;            /* n */
    unsigned char *exact; /* n */
} calc_unit_rows;

tj_status calc_context_unit_rows(calc_context *ctx, calc_unit_rows *out, tj_error *err);
void calc_unit_rows_free(calc_unit_rows *r);

#endif
