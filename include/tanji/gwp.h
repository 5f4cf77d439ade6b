/*
 * tanji: GWP100 characterisation factors (IPCC AR6 and AR5).
 *
 * The table is data/gwp/gwp100.csv, compiled into the library; each row
 * carries its source.  Lookups return pointers into static data.
 */
#ifndef TANJI_GWP_H
#define TANJI_GWP_H

#include "tanji/error.h"

typedef enum tj_gwp_set { TJ_GWP_AR6 = 0, TJ_GWP_AR5 = 1 } tj_gwp_set;

typedef struct tj_gas {
    const char *id;       /* canonical name, e.g. "CH4", "HFC-134a" */
    const char *cas;      /* CAS number, e.g. "74-82-8" */
    const char *formula;  /* chemical formula */
    double gwp[2];        /* indexed by tj_gwp_set; fossil variant where it differs */
    double gwp_biogenic[2]; /* non-fossil variant (CH4); equals gwp[] otherwise */
    const char *source;   /* citation */
} tj_gas;

/* Parse "AR6"/"AR5" (case-insensitive). */
tj_status tj_gwp_set_parse(const char *s, tj_gwp_set *out, tj_error *err);
const char *tj_gwp_set_name(tj_gwp_set set);

/* Find a gas by canonical name, common alias/formula (case-insensitive,
 * surrounding white space ignored) or CAS number.  NULL if unknown. */
const tj_gas *tj_gas_find(const char *name_or_cas);

/* Number of gases in the table and access by index. */
int tj_gas_count(void);
const tj_gas *tj_gas_at(int i);

/* GWP100 of gas in set; biogenic selects the non-fossil variant. */
double tj_gas_gwp(const tj_gas *gas, tj_gwp_set set, int biogenic);

#endif
