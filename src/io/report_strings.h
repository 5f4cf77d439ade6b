/*
 * io/report_strings: every user-facing string of the footprint reports (HTML, PDF,
 * JSON), one table per language, and the labels of the enumerated values a
 * footprint or check result carries (stages, boundaries, DQR ratings, allocation
 * methods, conformance checks).  Format strings take the same conversions in both
 * languages (English may use positional %n$ conversions to reorder them).
 * tests/unit/test_report.c checks that every key has both texts and that a Chinese
 * report contains no English word of the English table.
 */
#ifndef IO_REPORT_STRINGS_H
#define IO_REPORT_STRINGS_H

typedef enum io_rs {
    IO_RS_YES,
    IO_RS_NO,
    IO_RS_GOAL_AND_SCOPE,
    IO_RS_SCOPE_TEXT,
    IO_RS_CARBON_FOOTPRINT_CFP,
    IO_RS_PARTIAL_CARBON_FOOTPRINT_PCFP,
    IO_RS_PRODUCT,
    IO_RS_PRODUCT_CATEGORY,
    IO_RS_STUDY_TYPE,
    IO_RS_FULL_CARBON_FOOTPRINT_CFP,
    IO_RS_SYSTEM_BOUNDARY,
    IO_RS_REFERENCE_PERIOD,
    IO_RS_GEOGRAPHY,
    IO_RS_GWP_SET,
    IO_RS_RESULT_UNIT,
    IO_RS_STANDARDS,
    IO_RS_CALCULATION,
    IO_RS_MATRIX_METHOD,
    IO_RS_SOLVER,
    IO_RS_RESIDUAL,
    IO_RS_DECLARED_UNIT,
    IO_RS_FUNCTIONAL_UNIT,
    IO_RS_DESCRIPTION,
    IO_RS_CARBON_FOOTPRINT_PER_UNIT,
    IO_RS_BOUNDARY_CAPTION,
    IO_RS_BOUNDARY_GRAVE_TEXT,
    IO_RS_BOUNDARY_GATE_TEXT,
    IO_RS_DATA_SOURCES_AND_QUALITY,
    IO_RS_DQR_TEXT,
    IO_RS_NO_DQR,
    IO_RS_CRITERION,
    IO_RS_DQR_SCORE,
    IO_RS_TECHNOLOGICAL_REPRESENTATIVENESS_TER,
    IO_RS_GEOGRAPHICAL_REPRESENTATIVENESS_GER,
    IO_RS_TIME_REPRESENTATIVENESS_TIR,
    IO_RS_PRECISION_P,
    IO_RS_DATA_QUALITY_RATING_DQR,
    IO_RS_DQR_RATING_LABEL,
    IO_RS_SHARE_OF_RESULT_WITH_A,
    IO_RS_MODEL_COUNTS,
    IO_RS_ALLOCATION,
    IO_RS_ALLOCATION_TEXT,
    IO_RS_PROCESS,
    IO_RS_METHOD,
    IO_RS_DETAILS,
    IO_RS_NO_ALLOCATION,
    IO_RS_CUT_OFF_CRITERIA,
    IO_RS_CUTOFF_TEXT,
    IO_RS_ESTIMATED_SHARE_OF_EXCLUDED_FLOWS,
    IO_RS_FLOW,
    IO_RS_AMOUNT,
    IO_RS_ESTIMATED_SHARE,
    IO_RS_NO_FLOW_WAS_CUT_OFF,
    IO_RS_RESULTS,
    IO_RS_CARBON_FOOTPRINT,
    IO_RS_LIFE_CYCLE_STAGE,
    IO_RS_SHARE,
    IO_RS_RESULTS_BY_LIFE_CYCLE_STAGE,
    IO_RS_TOTAL,
    IO_RS_GREENHOUSE_GAS,
    IO_RS_MASS_KG,
    IO_RS_FACTORS_NOT_SPLIT_BY_GAS,
    IO_RS_FOSSIL_GHG,
    IO_RS_BIOGENIC_EMISSIONS,
    IO_RS_BIOGENIC_REMOVALS,
    IO_RS_DIRECT_LAND_USE_CHANGE_DLUC,
    IO_RS_AIRCRAFT_EMISSIONS,
    IO_RS_REPORTED_SEPARATELY_GB_T_24067,
    IO_RS_HOTSPOTS,
    IO_RS_NO_PROCESSES,
    IO_RS_HOTSPOTS_TEXT,
    IO_RS_PROCESS_CONTRIBUTIONS_PARETO,
    IO_RS_N_OTHERS,
    IO_RS_STAGE,
    IO_RS_CUMULATIVE,
    IO_RS_PATHS_TEXT,
    IO_RS_PATH_NODE,
    IO_RS_DIRECT,
    IO_RS_UPSTREAM_TOTAL,
    IO_RS_UNCERTAINTY,
    IO_RS_NO_UNCERTAINTY,
    IO_RS_MONTE_CARLO_TEXT,
    IO_RS_STATISTIC,
    IO_RS_MEAN,
    IO_RS_STANDARD_DEVIATION,
    IO_RS_MEDIAN_P50,
    IO_RS_INTERVAL_95_RELATIVE,
    IO_RS_RULE_CONFORMANCE,
    IO_RS_NO_CHECK,
    IO_RS_RULE,
    IO_RS_TITLE,
    IO_RS_NOTE,
    IO_RS_RULE_IS_TEMPLATE,
    IO_RS_RESULT,
    IO_RS_CONFORMS,
    IO_RS_DOES_NOT_CONFORM,
    IO_RS_VIOLATIONS,
    IO_RS_CHECK,
    IO_RS_WHERE_IN_THE_MODEL,
    IO_RS_FINDING,
    IO_RS_FACTOR_VERSIONS,
    IO_RS_NO_FACTORS,
    IO_RS_FACTOR,
    IO_RS_VERSION,
    IO_RS_VALUE,
    IO_RS_SOURCE,
    IO_RS_INLINE_MODEL,
    IO_RS_DIGEST,
    IO_RS_DIGEST_TEXT,
    IO_RS_SHA256_INPUTS,
    IO_RS_NOT_RECORDED,
    IO_RS_SHA256_FILE,
    IO_RS_REPORT_GENERATED_UTC,
    IO_RS_THE_PRODUCT,
    IO_RS_BANNER_EXAMPLE_DATA,
    IO_RS_BANNER_EXAMPLE_VALUES,
    IO_RS_PRODUCT_CARBON_FOOTPRINT_REPORT,
    IO_RS_CONTENTS,
    IO_RS_GENERATED_BY,
    IO_RS_GENERATED_BY_AT,
    IO_RS_PARETO_CUMULATIVE,
    IO_RS_PAGE_N_OF_M,
    IO_RS_PAGE_N,
    IO_RS_STAGE_RAW_MATERIALS,
    IO_RS_STAGE_PRODUCTION,
    IO_RS_STAGE_DISTRIBUTION,
    IO_RS_STAGE_USE,
    IO_RS_STAGE_END_OF_LIFE,
    IO_RS_BOUNDARY_CRADLE_TO_GATE,
    IO_RS_BOUNDARY_CRADLE_TO_GRAVE,
    IO_RS_BOUNDARY_GATE_TO_GATE,
    IO_RS_DQR_EXCELLENT,
    IO_RS_DQR_VERY_GOOD,
    IO_RS_DQR_GOOD,
    IO_RS_DQR_FAIR,
    IO_RS_DQR_POOR,
    IO_RS_DQR_UNRATED,
    IO_RS_ALLOC_PHYSICAL,
    IO_RS_ALLOC_ECONOMIC,
    IO_RS_ALLOC_SUBDIVISION,
    IO_RS_ALLOC_SYSTEM_EXPANSION,
    IO_RS_CHECK_DECLARED_UNIT_MISMATCH,
    IO_RS_CHECK_BOUNDARY_MISMATCH,
    IO_RS_CHECK_MISSING_STAGE,
    IO_RS_CHECK_MISSING_INPUT,
    IO_RS_CHECK_REQUIRED_INPUT_CUT_OFF,
    IO_RS_CHECK_CUTOFF_EXCEEDED,
    IO_RS_CHECK_ALLOCATION_NOT_ALLOWED,
    IO_RS_CHECK_DQR_EXCEEDED,
    IO_RS_CHECK_QUALITY_MISSING,
    IO_RS_CHECK_PRIMARY_DATA_REQUIRED,
    IO_RS_COUNT,
} io_rs;

extern const char *const io_rs_en[IO_RS_COUNT];
extern const char *const io_rs_zh[IO_RS_COUNT];

/* The text of key in Chinese (zh = 1) or English; "?" for a key out of range. */
const char *io_rs_text(io_rs key, int zh);

/* Kinds of enumerated values in footprint and check results. */
typedef enum io_rv_kind {
    IO_RV_STAGE,      /* by_stage keys: raw_materials, production, ... */
    IO_RV_BOUNDARY,   /* cradle-to-gate, cradle-to-grave, gate-to-gate */
    IO_RV_DQR,        /* dqr.rating: excellent, very good, good, fair, poor, unrated */
    IO_RV_ALLOCATION, /* allocation[].method */
    IO_RV_CHECK,      /* violations[].code */
} io_rv_kind;

/* The key of an enumerated value, or -1 if the value is not known. */
int io_rv_key(io_rv_kind kind, const char *value);

/* Every (kind, value) pair io_rv_key knows, for tests: *n receives the count. */
typedef struct io_rv_entry {
    io_rv_kind kind;
    const char *value;
    io_rs key;
} io_rv_entry;
const io_rv_entry *io_rv_entries(unsigned *n);

#endif
