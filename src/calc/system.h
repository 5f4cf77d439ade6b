/*
 * calc/system: a product system ready for the matrix method.
 *
 * Format-independent: the model-file parser (io/model.c) and the openLCA
 * importer (io/olca.c) both build a calc_system, and the engine (calc/lca.c)
 * only reads it.
 *
 * Shape: n processes (columns).  Process j produces exactly one reference
 * product, row j of the square technology matrix A (multi-output processes
 * are split by allocation before they get here).  Technology entries:
 * A[j][j] = output of j's product per unit of activity (positive); A[i][j] =
 * minus the amount of product i that process j consumes.  Elementary entries:
 * B[k][j] = amount of elementary flow k (in that flow's unit) emitted (+) or
 * taken up (-) per unit activity of j.  Each flow k has a characterisation
 * factor cf (kg CO2e per flow unit) and a result channel.
 *
 * Ownership: the system owns every string and array in it (copies are made
 * on add); calc_system_free releases everything.
 */
#ifndef CALC_SYSTEM_H
#define CALC_SYSTEM_H

#include "tanji/error.h"
#include "tanji/gwp.h"

typedef enum calc_stage {
    CALC_STAGE_RAW_MATERIALS = 0,
    CALC_STAGE_PRODUCTION,
    CALC_STAGE_DISTRIBUTION,
    CALC_STAGE_USE,
    CALC_STAGE_END_OF_LIFE,
    CALC_STAGE_COUNT
} calc_stage;

typedef enum calc_channel {
    CALC_CH_FOSSIL = 0,
    CALC_CH_BIOGENIC,         /* biogenic emissions */
    CALC_CH_BIOGENIC_REMOVAL, /* biogenic removals (uptake), negative CO2e */
    CALC_CH_DLUC,             /* direct land-use change */
    CALC_CH_AIRCRAFT,
    CALC_CH_COUNT
} calc_channel;

/* Keys used in files and results: "raw_materials", "fossil", ... */
const char *calc_stage_key(calc_stage s);
const char *calc_channel_key(calc_channel c);
int calc_stage_parse(const char *s);   /* -1 if unknown */
int calc_channel_parse(const char *s); /* -1 if unknown */

typedef enum calc_dist_kind {
    CALC_DIST_NONE = 0,
    CALC_DIST_LOGNORMAL,  /* a = median (the deterministic value), b = geometric std dev (> 1) */
    CALC_DIST_NORMAL,     /* a = mean, b = standard deviation */
    CALC_DIST_TRIANGULAR, /* a = min, b = mode, c = max */
    CALC_DIST_UNIFORM,    /* a = min, b = max */
} calc_dist_kind;

typedef struct calc_dist {
    calc_dist_kind kind;
    double a, b, c;
} calc_dist;

/* Pedigree-style data quality indicators, each 1 (best) .. 5; 0 = not rated. */
typedef struct calc_dqi {
    double ter, ger, tir, p;
} calc_dqi;

typedef struct calc_process {
    char *id;
    char *name;
    char *product;  /* name of the reference product */
    char *unit;     /* unit of the reference product */
    calc_stage stage;
    calc_dqi dq;
} calc_process;

/* One gas's part of a background factor: kg CO2e per unit of the flow. */
typedef struct calc_gas_part {
    const tj_gas *gas;
    double cf;
} calc_gas_part;

typedef struct calc_flow {
    char *id;          /* stable key (model: "gas/channel"; olca: flow UUID) */
    char *name;
    char *compartment; /* may be NULL */
    char *unit;
    const tj_gas *gas; /* NULL for non-GHG flows and background factors */
    calc_channel channel;
    double cf;         /* kg CO2e per unit of the flow */
    int background;    /* 1: a background factor (cf = its value), not a gas */
    char *source;      /* source of the factor, may be NULL */
    int nparts;        /* background factors: how much of cf each gas makes up (copied by */
    calc_gas_part *parts; /* calc_system_add_flow); cf minus their sum is not split by gas */
} calc_flow;

typedef struct calc_entry {
    int row, col;
    double amount;
    calc_dist dist;
    calc_dqi dq; /* exchange-level quality; 0s = use the process's */
} calc_entry;

/* An input deliberately or necessarily left out of the system. */
typedef struct calc_cutoff {
    int col;           /* consuming process */
    char *what;        /* description: product name or flow */
    double amount;     /* per unit activity of col, in unit */
    char *unit;
    double mass_kg;    /* amount as kg if convertible, else NaN */
} calc_cutoff;

typedef struct calc_system {
    char *name;
    int n;             /* processes */
    calc_process *proc;
    int m;             /* elementary flows */
    calc_flow *flow;
    int ntech, nelem, ncut;
    calc_entry *tech;  /* entries of A (duplicates are summed) */
    calc_entry *elem;  /* entries of B */
    calc_cutoff *cut;
    int cap_proc, cap_flow, cap_tech, cap_elem, cap_cut;
    /* Product inputs (in kg where convertible, per unit activity) per column,
     * used for the cut-off share; NULL until calc_system_add_input_mass. */
    double *input_mass_kg;
    /* Private to system.c: hash indexes by id (open addressing, FNV-1a),
     * maintained on add; slots hold index + 1, 0 = empty. */
    int *proc_slot, *flow_slot;
    int proc_slot_cap, flow_slot_cap;
    /* The last error recorded by an add function (they return only a status). */
    tj_error err;
} calc_system;

calc_system *calc_system_new(const char *name);
void calc_system_free(calc_system *sys);

/* Add a process; returns its column index (>= 0) or a negative tj_status. */
int calc_system_add_process(calc_system *sys, const char *id, const char *name,
                            const char *product, const char *unit, calc_stage stage,
                            const calc_dqi *dq);
/* Add an elementary flow; returns its row index in B or a negative status. */
int calc_system_add_flow(calc_system *sys, const calc_flow *f);
/* Find a flow by id; -1 if absent.  (Linear the first time, then hashed.) */
int calc_system_find_flow(const calc_system *sys, const char *id);
int calc_system_find_process(const calc_system *sys, const char *id);

tj_status calc_system_add_tech(calc_system *sys, int row, int col, double amount,
                               const calc_dist *dist, const calc_dqi *dq);
tj_status calc_system_add_elem(calc_system *sys, int flow, int col, double amount,
                               const calc_dist *dist, const calc_dqi *dq);
tj_status calc_system_add_cutoff(calc_system *sys, int col, const char *what, double amount,
                                 const char *unit, double mass_kg);
/* Record kg of linked product inputs per unit activity of col (for the
 * cut-off share: cut-off mass / (cut-off mass + linked input mass)). */
tj_status calc_system_add_input_mass(calc_system *sys, int col, double kg);

/* The error recorded by the last failing calc_system_add_* call (message
 * names the offending process, flow or entry). */
const tj_error *calc_system_error(const calc_system *sys);

/* Check a distribution's parameters (finite; lognormal b >= 1; normal b >= 0;
 * triangular a <= b <= c; uniform a <= b).  Dist values use the same sign
 * convention as the entry amount. */
tj_status calc_dist_check(const calc_dist *d, tj_error *err);

#endif
