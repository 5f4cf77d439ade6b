/*
 * tanji: physical units.
 *
 * A unit has a dimension and a factor to the dimension's base unit
 * (mass: kg, energy: MJ, volume: m3, area: m2, length: m, time: h,
 * transport: t*km, items: piece, ...).  Units are static data: nothing here
 * allocates, and returned pointers stay valid for the life of the process.
 */
#ifndef TANJI_UNITS_H
#define TANJI_UNITS_H

#include "tanji/error.h"

typedef enum tj_dimension {
    TJ_DIM_MASS,
    TJ_DIM_ENERGY,
    TJ_DIM_VOLUME,
    TJ_DIM_AREA,
    TJ_DIM_LENGTH,
    TJ_DIM_TIME,
    TJ_DIM_TRANSPORT,  /* mass x distance */
    TJ_DIM_PERSON_TRANSPORT, /* person x distance */
    TJ_DIM_ITEMS,
    TJ_DIM_AREA_TIME,  /* land occupation */
    TJ_DIM_MONEY_CNY,
    TJ_DIM_MONEY_USD,
    TJ_DIM_RADIOACTIVITY,
    TJ_DIM_DATA,       /* megabit second and similar */
    TJ_DIM_COUNT
} tj_dimension;

typedef struct tj_unit {
    const char *name;     /* canonical symbol, e.g. "kWh" */
    tj_dimension dim;
    double to_base;       /* amount in base unit = amount * to_base */
} tj_unit;

/* Exact (case-sensitive) lookup of a unit symbol or alias; NULL if unknown. */
const tj_unit *tj_unit_find(const char *name);

/* Lookup that fails with TJ_ERR_INPUT and a message naming the nearest known
 * unit ("\"kwh\" is not a known unit; did you mean \"kWh\"?"). path names the
 * field in the error. */
tj_status tj_unit_lookup(const char *name, const char *path, const tj_unit **out, tj_error *err);

/* Nearest known unit symbol to name (case-insensitive, then edit distance). */
const char *tj_unit_suggest(const char *name);

/* Factor f such that amount_in_to = amount_in_from * f.  Fails with
 * TJ_ERR_INPUT if the dimensions differ. */
tj_status tj_unit_factor(const tj_unit *from, const tj_unit *to, double *f, const char *path,
                         tj_error *err);

const char *tj_dimension_name(tj_dimension dim);

#endif
