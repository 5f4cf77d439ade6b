/*
 * svc_grade: grading (分级).  No official grading method is published
 * (FACTS §6, research 2026-12 §1), so grading is configured per catalogue
 * category by a regulator, as versioned benchmarks:
 *  - method "thresholds": the regulator's upper bounds of grades 1..n-1
 *    (ascending, in the label's unit, kg CO2e per declared unit);
 *  - method "percentile": bands at the k/n quantiles of the values of the
 *    category's valid labels when the benchmark is made; below min_sample
 *    labels the benchmark has no bands and no grade is given (the reason
 *    says why).
 * grades: 2..10 (default 5); grade 1 is the lowest footprint.  A label is
 * graded at issue by the latest benchmark and regraded (history kept, each
 * a ledger entry) whenever a new benchmark version is made.
 *
 * Ownership: JSON returned is a new reference.
 */
#ifndef SERVICES_GRADING_H
#define SERVICES_GRADING_H

#include <jansson.h>

#include "services/ctx.h"

#define SVC_GRADE_DEFAULT_GRADES 5

/* The grade of value under the latest benchmark of category: {grade
 * (integer or null), benchmark_version (integer or null), method, grades,
 * reason (when no grade)}. */
tj_status svc_grade_assign(store_db *db, const char *category, double value, json_t **out, tj_error *err);
/* A new benchmark version (regulator); every valid label of the category
 * is regraded by it.  thresholds: array of grades-1 ascending numbers for
 * method thresholds, NULL for percentile.  grades 0: default. *out (may be
 * NULL) gets the benchmark. */
tj_status svc_grade_benchmark_set(svc_ctx *ctx, const char *category, const char *method, int grades,
                                  int min_sample, const json_t *thresholds, const char *note, json_t **out,
                                  tj_error *err);
/* A new version with the latest one's configuration (percentile bands from
 * the labels now), and regrade. */
tj_status svc_grade_benchmark_recompute(svc_ctx *ctx, const char *category, json_t **out, tj_error *err);
tj_status svc_grade_benchmark_list(svc_ctx *ctx, const char *category, json_t **out, tj_error *err);
/* Distribution of valid labels' values and grades, grouped by category,
 * region and year (filter keys category, region, year optional):
 * [{category, region, year, n, min, p25, median, p75, max, mean, grades:
 * {"1": n, ...}}]. */
tj_status svc_grade_stats(svc_ctx *ctx, const json_t *filter, json_t **out, tj_error *err);

tj_status svc_grade_each_benchmark_state(store_db *db,
                                         tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                         void *arg, tj_error *err);

#endif
