/*
 * services/declare_json: strict reading of the declaration input files
 * (battery declaration data, docs/battery.md; CBAM installation data,
 * docs/cbam.md).  Every error is TJ_ERR_INPUT with err->path set to the
 * JSON path of the offending value ("goods[2].precursors[0].amount").
 *
 * Unknown keys are errors (typos), strings are bounded (DJ_TEXT_MAX bytes,
 * longer is refused, never cut), numbers are finite, quantities are
 * {"amount": x, "unit": "t"} objects converted with tanji's unit table.
 *
 * Ownership: strings returned point into the JSON value (borrowed).
 */
#ifndef SERVICES_DECLARE_JSON_H
#define SERVICES_DECLARE_JSON_H

#include <jansson.h>

#include "tanji/error.h"
#include "tanji/units.h"

#define DJ_TEXT_MAX 4096u
#define DJ_PATH_MAX 200u

/* path + "." + key or path + "[i]" into out (size DJ_PATH_MAX + 64). */
void dj_path_key(char *out, const char *path, const char *key);
void dj_path_index(char *out, const char *path, size_t i);

/* obj must be an object whose keys are all in the NULL-terminated list. */
tj_status dj_object(const json_t *obj, const char *const *allowed, const char *path, tj_error *err);
/* A string member (required: present and non-empty); *out NULL when absent. */
tj_status dj_str(const json_t *obj, const char *key, int required, const char *path, const char **out,
                 tj_error *err);
/* A number member, finite and >= min (min_strict: > min); *out unchanged
 * when absent and not required. *present set when given (may be NULL). */
tj_status dj_num(const json_t *obj, const char *key, int required, double min, int min_strict,
                 const char *path, double *out, int *present, tj_error *err);
/* A share in [0, 1]. */
tj_status dj_share(const json_t *obj, const char *key, int required, const char *path, double *out,
                   int *present, tj_error *err);
/* A quantity {"amount": x >= 0 (or > 0 when positive), "unit": U} whose unit
 * has dimension dim, converted to the unit `to` (e.g. "t", "kWh"). */
tj_status dj_qty(const json_t *obj, const char *key, int required, int positive, const char *to,
                 const char *path, double *out, int *present, tj_error *err);
/* A boolean member (default dflt). */
tj_status dj_bool(const json_t *obj, const char *key, int dflt, const char *path, int *out, tj_error *err);

#endif
