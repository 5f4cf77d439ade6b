/*
 * services/rules: product carbon footprint accounting rules (核算规则).
 *
 * A rule is a JSON document (docs/rule-format.md), one file per rule under
 * data/rules/.  svc_rule_parse() validates one document; svc_ruleset_load_dir()
 * reads a directory.  A svc_rule holds a reference to its JSON document and
 * every const char * in it points into that document: the strings live as long
 * as the rule.  A svc_ruleset owns its rules; svc_ruleset_release() frees them.
 * svc_rules_find() returns an array owned by the caller (free() it); its
 * pointers borrow from the ruleset.
 */
#ifndef SVC_RULES_H
#define SVC_RULES_H

#include <jansson.h>
#include <stddef.h>

#include "tanji/error.h"

typedef enum svc_rule_level {
    SVC_LEVEL_NATIONAL = 0, /* 国家标准: highest precedence */
    SVC_LEVEL_INDUSTRY = 1, /* 行业标准 */
    SVC_LEVEL_LOCAL = 2,    /* 地方标准: needs a region */
    SVC_LEVEL_GROUP = 3,    /* 团体标准 */
} svc_rule_level;

typedef enum svc_rule_status {
    SVC_STATUS_DRAFT = 0,
    SVC_STATUS_IN_FORCE = 1,
    SVC_STATUS_WITHDRAWN = 2,
} svc_rule_status;

/* Life-cycle stages (GB/T 24067), also used as bit positions in masks. */
typedef enum svc_stage {
    SVC_STAGE_RAW = 0,
    SVC_STAGE_PRODUCTION = 1,
    SVC_STAGE_DISTRIBUTION = 2,
    SVC_STAGE_USE = 3,
    SVC_STAGE_EOL = 4,
    SVC_STAGE_COUNT = 5,
} svc_stage;

/* Allocation methods, bit positions in svc_rule.allocation_mask. */
typedef enum svc_alloc {
    SVC_ALLOC_SUBDIVISION = 0,
    SVC_ALLOC_SYSTEM_EXPANSION = 1,
    SVC_ALLOC_PHYSICAL = 2,
    SVC_ALLOC_ECONOMIC = 3,
    SVC_ALLOC_COUNT = 4,
} svc_alloc;

typedef struct svc_rule_input {
    const char *id;
    const char *name_zh, *name_en;
    const char *unit;   /* suggested unit, may be NULL */
    int stage;          /* svc_stage or -1 if any */
    const char **match; /* keywords matched against model flow names; owned array */
    size_t n_match;
    double cutoff; /* per-input cut-off override, < 0 if none */
} svc_rule_input;

/* What a rule's "standard" entry says about the real standard behind it. */
typedef enum svc_std_status {
    SVC_STD_IN_FORCE = 0,   /* issued and in force */
    SVC_STD_ISSUED = 1,     /* issued (published); in force from "effective" or not known */
    SVC_STD_LISTED = 2,     /* on a MIIT recommended list; number or dates may not be known */
    SVC_STD_PLANNED = 3,    /* a standard project or plan, not issued */
    SVC_STD_WITHDRAWN = 4,  /* withdrawn */
    SVC_STD_NONE_KNOWN = 5, /* no standard for the product was found in the sources seen */
    SVC_STD_STATUS_COUNT = 6,
} svc_std_status;

/* One entry of "standard" (docs/rule-format.md).  Strings point into the
 * rule's document; sources is an owned array of borrowed strings. */
typedef struct svc_rule_standard {
    const char *number;              /* "T/CPCIF 0391-2024", NULL if not known */
    const char *title_zh, *title_en; /* official title where seen, else NULL */
    const char *issuer_zh, *issuer_en;
    int level;      /* svc_rule_level, or -1 if not given */
    int list_batch; /* MIIT recommended list batch (1, 2, 3, ...), 0 if none */
    svc_std_status status;
    int verified; /* 1: read from the issuer's own text; 0: secondary sources only */
    const char *issued, *effective; /* "YYYY-MM-DD" or NULL */
    const char **sources;           /* URLs or references, at least one */
    size_t n_sources;
    const char *note_zh, *note_en; /* NULL if none */
} svc_rule_standard;

typedef struct svc_rule {
    json_t *doc; /* owned reference */
    char *file;  /* owned; "" if not from a file */
    const char *id, *version;
    int is_template;
    const char *title_zh, *title_en;
    const char *category, *product_zh, *product_en;
    const char *issuer; /* zh or en name of the issuing body */
    svc_rule_level level;
    svc_rule_status status;
    const char *region;    /* GB/T 2260 code, NULL for national/industry/group rules */
    const char *effective; /* "YYYY-MM-DD" or NULL */
    const char *unit_kind; /* "declared" or "functional" */
    double unit_amount;
    const char *unit;
    const char *boundary;
    unsigned stage_mask;    /* required stages */
    svc_rule_input *inputs; /* owned array */
    size_t n_inputs;
    double cutoff_input, cutoff_total; /* fractions, defaults 0.01 and 0.05 */
    unsigned allocation_mask;
    const char *gwp;
    unsigned primary_stage_mask;
    double dqr_max;
    svc_rule_standard *standards; /* owned array; the first is the one to follow */
    size_t n_standards;
} svc_rule;

typedef struct svc_ruleset {
    svc_rule *rules;
    size_t n, cap;
} svc_ruleset;

const char *svc_stage_name(int stage);          /* "raw_materials", ... */
int svc_stage_parse(const char *s);             /* -1 if unknown */
const char *svc_stage_label(int stage, int zh); /* human label */
const char *svc_alloc_name(int alloc);
int svc_alloc_parse(const char *s);
const char *svc_level_name(svc_rule_level l);
const char *svc_status_name(svc_rule_status s);
const char *svc_std_status_name(svc_std_status s); /* "in_force", ..., "none_known" */
const char *svc_level_label(int level, int zh);     /* "group standard" / "团体标准" */

/* Validate a rule document.  On success *out holds a new reference to doc.
 * file (may be NULL) is used in error reports; errors name the JSON path. */
tj_status svc_rule_parse(json_t *doc, const char *file, svc_rule *out, tj_error *err);
void svc_rule_release(svc_rule *r);

/* Load one file or every *.json in dir.  A duplicate id@version is an error.
 * On error the set is left as it was before the call. */
tj_status svc_ruleset_load_file(svc_ruleset *set, const char *path, tj_error *err);
tj_status svc_ruleset_load_dir(svc_ruleset *set, const char *dir, tj_error *err);
void svc_ruleset_release(svc_ruleset *set);

/* "ID" (the highest version) or "ID@VERSION".  NULL if none. */
const svc_rule *svc_ruleset_get(const svc_ruleset *set, const char *ref);

/* GB/T 2260 province code for an ISO 3166-2 code ("CN-YN" -> "530000"; a
 * GB/T 2260 code is returned as is); NULL if unknown. */
const char *svc_rule_region_code(const char *code);

/* Is region (6-digit GB/T 2260 code) valid? */
int svc_region_valid(const char *code);
/* Does a rule for rule_region cover the place query_region? (province XX0000
 * covers XXyyzz, city XXYY00 covers XXYYzz, county only itself). */
int svc_region_covers(const char *rule_region, const char *query_region);

typedef enum svc_verdict_reason {
    SVC_APPLIES = 0,
    SVC_NOT_WITHDRAWN,  /* withdrawn */
    SVC_NOT_DRAFT,      /* draft, not in force */
    SVC_NOT_FUTURE,     /* effective date later than the query date */
    SVC_NOT_REGION,     /* local rule of another region */
    SVC_NOT_SUPERSEDED, /* superseded by an applicable rule */
    SVC_NOT_NATIONAL,   /* a national rule is in force: local rules no longer apply */
    SVC_NOT_PRECEDENCE, /* another rule has higher precedence */
} svc_verdict_reason;

typedef struct svc_rule_verdict {
    const svc_rule *rule;
    svc_verdict_reason reason;
    const svc_rule *because; /* the rule that displaces this one, or NULL */
} svc_rule_verdict;

/* Rules for a product, with why each applies or not.  product matches a rule's
 * category (exactly, or as a parent: "steel" matches "steel.eaf"), its zh/en
 * name or an alias (case-insensitive).  region: 6-digit code or NULL (then
 * local rules do not apply).  date "YYYY-MM-DD" or NULL (today).  With
 * include_drafts, draft rules may apply when no in-force rule does.  The result
 * is ordered: per category, the applicable rule first.  *out is malloc'ed. */
tj_status svc_rules_find(const svc_ruleset *set, const char *product, const char *region, const char *date,
                         int include_drafts, svc_rule_verdict **out, size_t *n_out, tj_error *err);

/* Which standard a user of the rule should follow, as one paragraph in
 * Chinese (zh = 1) or English: the standard's number, title, issuer, list
 * batch and status, UNVERIFIED where only secondary sources were seen, or that
 * no standard is known.  Returns a malloc'ed string (NULL on OOM). */
char *svc_rule_follow_text(const svc_rule *r, int zh);

/* One-line explanation of a verdict, in English (zh = 0) or Chinese. */
char *svc_verdict_explain(const svc_rule_verdict *v, const char *region, int zh, char *buf, size_t size);

#endif
