/*
 * calc/gen: deterministic generator of synthetic, ecoinvent-like LCA systems
 * for tests and benchmarks.  Not data: the numbers are random and stand for
 * no real process.
 *
 * CALC_GEN_LCA: n processes in a topological order.  The first `core`
 * processes form an interlinked core (energy, transport, basic materials):
 * their inputs come from anywhere in the core, skewed towards a few hubs,
 * so loops gather there.  The next `basic - core` processes are basic
 * materials fed by the core; every later process takes its inputs upstream
 * (lower index), partly from the core hubs.  Input coefficients of each
 * column sum to less than its output, so the system is well posed.
 * CALC_GEN_RANDOM: the same counts but links spread evenly over all
 * processes (one giant loop), the hard case for a direct solver.
 * B holds three GHG flows (0 CO2, 1 CH4, 2 N2O) on most processes.
 *
 * Ownership: a calc_gen_system owns its arrays; calc_gen_release frees
 * them.  Triplets are (row, col, value); A's diagonal entries come first
 * (k = 0..n-1 is A[k][k]).
 */
#ifndef CALC_GEN_H
#define CALC_GEN_H

#include <stdint.h>

#include "calc/rng.h"
#include "tanji/error.h"

typedef enum calc_gen_kind {
    CALC_GEN_LCA = 0,
    CALC_GEN_RANDOM = 1,
} calc_gen_kind;

typedef struct calc_gen_params {
    calc_gen_kind kind;
    int n;      /* processes; default 20000 */
    int inputs; /* mean product inputs per process; default 13 */
    int core;   /* interlinked core size; default 3000 */
    int basic;  /* core + basic-material processes; default 5000 */
    double core_colsum; /* input shares of a core column sum to 0.2 .. this; default 0.8 */
    int unit_cycles;    /* pairs of core processes feeding each other with loop gain
                           0.999 (each takes 0.9995 of its output from the other); default 0 */
    uint64_t seed;
} calc_gen_params;

typedef struct calc_gen_system {
    int n, m; /* processes, elementary flows (3) */
    int ntech, nelem;
    double max_core_colsum; /* largest input share sum of a core column */
    int *tri, *tci;
    double *tv;
    int *eri, *eci;
    double *ev;
} calc_gen_system;

void calc_gen_params_default(calc_gen_params *p);
tj_status calc_gen_generate(const calc_gen_params *p, calc_gen_system *out, tj_error *err);
void calc_gen_release(calc_gen_system *g);
const char *calc_gen_flow_name(int k); /* "CO2", "CH4", "N2O" */

/* A calc_system for a generated system (synthetic, not data): stages cycle
 * through the five, flows are CO2, CH4 and N2O with AR6 factors, and every
 * off-diagonal technology entry and every elementary entry gets a lognormal
 * distribution with the given geometric standard deviations (<= 1: none).
 * NULL with err set on failure; the caller frees it. */
struct calc_system *calc_gen_to_system(const calc_gen_system *g, double tech_gsd, double elem_gsd,
                                       tj_error *err);

/* A small seeded PRNG (xoshiro256**) for reproducible draws. */
typedef struct calc_gen_rng {
    calc_rng r;
    double spare;
    int has_spare;
} calc_gen_rng;

void calc_gen_rng_seed(calc_gen_rng *r, uint64_t seed);
uint64_t calc_gen_rng_next(calc_gen_rng *r);
double calc_gen_rng_uniform(calc_gen_rng *r); /* [0, 1) */
double calc_gen_rng_normal(calc_gen_rng *r);  /* standard normal */

#endif
