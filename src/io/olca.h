/*
 * io/olca: openLCA JSON-LD (olca-schema v1 and v2) reader, in-memory
 * inventory database, and the product-system builder.
 *
 * olca_read() reads a JSON-LD zip or folder into an olca_db: unit groups,
 * flow properties, flows, processes (with exchanges already converted to the
 * reference unit of each flow's reference flow property), allocation
 * factors, locations, sources and actors.  Everything it could not use is
 * counted and described in an olca_report.
 *
 * olca_build_system() turns an olca_db into a calc_system (linking,
 * allocation, GWP characterisation); see docs/olca-import.md.
 *
 * Ownership: an olca_db owns every string and array in it (olca_db_free).
 * An olca_report owns its messages (olca_report_release).  A calc_system
 * returned by olca_build_system belongs to the caller (calc_system_free).
 * This module never touches the database: store/olca_sql.c persists an
 * olca_db and loads it back.
 */
#ifndef IO_OLCA_H
#define IO_OLCA_H

#include <stddef.h>

#include "calc/system.h"
#include "tanji/error.h"
#include "tanji/gwp.h"

typedef enum olca_flow_type {
    OLCA_FLOW_ELEMENTARY = 0,
    OLCA_FLOW_PRODUCT = 1,
    OLCA_FLOW_WASTE = 2,
} olca_flow_type;

typedef enum olca_alloc_method {
    OLCA_ALLOC_NONE = 0,
    OLCA_ALLOC_PHYSICAL = 1,
    OLCA_ALLOC_ECONOMIC = 2,
    OLCA_ALLOC_CAUSAL = 3,
    OLCA_ALLOC_DEFAULT = 4, /* build option only: each process's default method */
} olca_alloc_method;

const char *olca_flow_type_key(olca_flow_type t); /* "ELEMENTARY_FLOW", ... */
int olca_flow_type_parse(const char *s);          /* -1 if unknown */
const char *olca_alloc_key(olca_alloc_method m);  /* "none", "physical", ... */
/* Accepts "none", "physical", "economic", "causal", "default" and the
 * olca-schema names "PHYSICAL_ALLOCATION", ...; -1 if unknown. */
int olca_alloc_parse(const char *s);

typedef struct olca_unit {
    char *id, *name;
    double factor; /* conversionFactor to the group's reference unit basis */
} olca_unit;

typedef struct olca_unit_group {
    char *id, *name;
    int ref; /* index of the reference unit in units, -1 if none */
    int nunits;
    olca_unit *units;
} olca_unit_group;

typedef struct olca_flow_property {
    char *id, *name;
    char *unit_group; /* unit group UUID */
} olca_flow_property;

typedef struct olca_flow_prop_factor {
    char *property; /* flow property UUID */
    double factor;  /* amount of this property per unit of the reference property */
    int is_ref;
} olca_flow_prop_factor;

typedef struct olca_flow {
    char *id, *name; /* name trimmed of surrounding white space */
    olca_flow_type type;
    char *category;     /* category path "air/unspecified"; may be NULL */
    char *cas;          /* may be NULL */
    char *formula;      /* may be NULL */
    char *location;     /* location UUID, may be NULL */
    char *ref_property; /* reference flow property UUID, may be NULL */
    char *ref_unit;     /* name of the reference unit of that property; NULL if unknown */
    int nprops;
    olca_flow_prop_factor *props;
} olca_flow;

typedef struct olca_exchange {
    int flow;        /* index into db->flows */
    int input;       /* 1 input, 0 output */
    int avoided;     /* avoided product / waste */
    int qref;        /* the process's quantitative reference */
    double amount;   /* in the flow's reference unit */
    char *provider;  /* defaultProvider process UUID, may be NULL */
    int internal_id; /* v2 internalId, 0 if absent */
    calc_dist dist;  /* uncertainty in reference units; lognormal a = amount (median) */
} olca_exchange;

typedef struct olca_alloc_factor {
    olca_alloc_method method;
    int product;       /* flow index of the product, -1 if not given */
    int exchange_flow; /* causal: flow index of the exchange, -1 otherwise */
    double value;
} olca_alloc_factor;

typedef struct olca_process {
    char *id, *name;
    char *category; /* may be NULL */
    char *location; /* location UUID, may be NULL */
    olca_alloc_method default_alloc;
    int nex;
    olca_exchange *ex;
    int nalloc;
    olca_alloc_factor *alloc;
} olca_process;

/* Locations, sources and actors: kept for reference and provenance. */
typedef struct olca_entity {
    char *id, *name;
    char *code; /* location code, source URL, actor e-mail; may be NULL */
} olca_entity;

typedef struct olca_index olca_index; /* string -> int hash, private */

typedef struct olca_db {
    int nunit_groups, nprops, nflows, nprocs, nlocations, nsources, nactors;
    olca_unit_group *unit_groups;
    olca_flow_property *props;
    olca_flow *flows;
    olca_process *procs;
    olca_entity *locations, *sources, *actors;
    int cap_ug, cap_props, cap_flows, cap_procs, cap_loc, cap_src, cap_act;
    /* private lookup indexes, rebuilt on demand */
    olca_index *ix_flow, *ix_proc, *ix_ug, *ix_prop;
    /* category UUID -> (name, parent UUID) while reading v1 data */
    int ncats, cap_cats;
    struct olca_category {
        char *id, *name, *parent;
    } * cats;
    olca_index *ix_cat;
} olca_db;

/* A bounded list of "what could not be used and why". */
typedef struct olca_report {
    int files;         /* entity files read */
    int skipped_files; /* unreadable, malformed or unknown entity files */
    int invalid_files; /* of those: unreadable or malformed (not JSON, no "@id", too large) */
    char *first_invalid; /* what was wrong with the first of them, or NULL */
    int skipped_exchanges;
    int skipped_alloc;
    int distributions;         /* exchanges with a usable uncertainty distribution */
    int skipped_distributions; /* unknown type or invalid parameters (amount kept) */
    int nmsg, cap_msg;
    char **msg; /* at most OLCA_REPORT_MAX_MSG; further ones only counted */
    int dropped_msg;
} olca_report;

#define OLCA_REPORT_MAX_MSG 200

void olca_report_init(olca_report *r);
void olca_report_release(olca_report *r);
void olca_report_add(olca_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

olca_db *olca_db_new(void);
void olca_db_free(olca_db *db);

int olca_db_find_flow(olca_db *db, const char *id);    /* -1 if absent */
int olca_db_find_process(olca_db *db, const char *id); /* -1 if absent */

/* Progress callback: done/total entity files of the current phase. */
typedef void (*olca_progress_fn)(void *user, const char *phase, long done, long total);

/* Read a JSON-LD zip file or an unpacked folder.  Entities that cannot be
 * used are reported in rep and skipped; a missing/unreadable archive fails. */
tj_status olca_read(const char *path, olca_db **out, olca_report *rep, olca_progress_fn progress, void *user,
                    tj_error *err);

/* Reading on a thread of its own, so that a consumer (store_olca_save_async)
 * writes what is read while the rest is read.  The reader fills one olca_db
 * in the same order as olca_read; the consumer may read, and only read:
 *   - after olca_read_wait_reference returned 1: the unit groups, flow
 *     properties, flows, locations, sources and actors (complete; the
 *     reader does not change them any more);
 *   - the processes db->procs[0..n) for the n olca_read_wait_processes
 *     returned (complete; they do not move).
 * It must not read db->nprocs nor call olca_db_find_* while reading goes on.
 * olca_read_finish joins the thread and hands over the database (or the
 * error) and the report; it is called exactly once, also after a cancel.
 * No progress callback: the consumer reports progress from the counts. */
typedef struct olca_async olca_async;
tj_status olca_read_start(const char *path, olca_async **out, tj_error *err);
/* 1 when the reference data is complete (*db set; *invalid_files counts the
 * malformed files among it), 0 when reading failed or ended before. */
int olca_read_wait_reference(olca_async *a, const olca_db **db, int *invalid_files);
/* Block until more than `have` processes are complete or reading ended;
 * returns how many are complete; *ended: reading ended (see
 * olca_read_finish for how); *done, *total: process files read, to read. */
int olca_read_wait_processes(olca_async *a, int have, int *ended, long *done, long *total);
/* Wait until reading ended; its status and the number of malformed files. */
tj_status olca_read_ended(olca_async *a, int *invalid_files);
void olca_read_cancel(olca_async *a); /* ask the reader to stop soon */
tj_status olca_read_finish(olca_async *a, olca_db **out, olca_report *rep, tj_error *err);

/* Parse one entity (the JSON text of one file) of the given folder kind
 * ("unit_groups", "flow_properties", "flows", "processes", "locations",
 * "sources", "actors", "categories") into db.  Processes need their flows,
 * flow properties and unit groups to be present already.  Entities that
 * cannot be used are reported and skipped (returns TJ_OK); only allocation
 * failure fails.  Used by olca_read and by the fuzz driver. */
tj_status olca_parse_entity(olca_db *db, const char *kind, const char *text, size_t len, const char *name,
                            olca_report *rep, tj_error *err);

/* Resolve v1 category references into paths (called by olca_read after the
 * first pass). */
void olca_resolve_categories(olca_db *db);

/* Append entities directly (used by the store loader).  Strings are copied;
 * the returned pointer stays valid until the next append of the same kind. */
olca_flow *olca_db_add_flow(olca_db *db, const char *id, const char *name, olca_flow_type type);
olca_process *olca_db_add_process(olca_db *db, const char *id, const char *name);
tj_status olca_process_add_exchange(olca_process *p, const olca_exchange *ex);
/* Room for all n exchanges of a process that has none yet, in one allocation
 * (what olca_process_add_exchange would have grown to): p->nex becomes n and
 * *ex points at p->ex, whose n entries the caller fills (each provider
 * malloc'ed or NULL, then owned by p). */
tj_status olca_process_set_exchanges(olca_process *p, int n, olca_exchange **ex);
tj_status olca_process_add_alloc(olca_process *p, const olca_alloc_factor *af);
olca_entity *olca_db_add_entity(olca_db *db, int kind /* 0 loc, 1 src, 2 actor */, const char *id,
                                const char *name, const char *code);
olca_unit_group *olca_db_add_unit_group(olca_db *db, const char *id, const char *name);
tj_status olca_unit_group_add_unit(olca_unit_group *g, const char *id, const char *name, double factor,
                                   int is_ref);
olca_flow_property *olca_db_add_property(olca_db *db, const char *id, const char *name,
                                         const char *unit_group);
char *olca_strdup(const char *s); /* NULL-safe strdup */

/* ---- Building a calc_system ------------------------------------------ */

typedef struct olca_build_options {
    olca_alloc_method allocation; /* NONE (default), PHYSICAL, ECONOMIC, CAUSAL, DEFAULT */
    tj_gwp_set gwp;               /* default AR6 */
} olca_build_options;

void olca_build_options_init(olca_build_options *o);

typedef struct olca_build_info {
    int columns;            /* columns of the system */
    int processes_split;    /* multi-output processes split by allocation */
    int linked;             /* product/waste exchanges linked to a provider */
    int linked_default;     /* ... of which through defaultProvider */
    int ambiguous;          /* links chosen among several candidates */
    int cutoffs;            /* inputs (and waste outputs) left unlinked */
    int ignored_coproducts; /* co-product outputs ignored (no allocation) */
    int alloc_missing;      /* missing allocation factors (treated as documented) */
    int ghg_mapped;         /* elementary flows characterised */
    int ghg_unmapped;       /* flows that look like GHGs but are not characterised */
    int bad_qref;           /* processes without a usable quantitative reference */
    char **unmapped;        /* names of the unmapped GHG-like flows (ghg_unmapped) */
    olca_report notes;      /* ambiguous links, fallbacks, ... */
} olca_build_info;

void olca_build_info_release(olca_build_info *info);

/* Build the product system.  Column ids: the process UUID for the column of
 * its quantitative reference; "PROCESS_UUID/FLOW_UUID" for the further
 * columns of a process split by allocation.  Elementary flow ids are flow
 * UUIDs.  info may be NULL. */
tj_status olca_build_system(olca_db *db, const olca_build_options *opt, calc_system **out,
                            olca_build_info *info, tj_error *err);

/* Characterisation of one elementary flow (exposed for tests): returns the
 * gas or NULL; sets *channel and *kg_per_unit (mass factor of the flow's
 * unit); *ghg_like is set when the name looks like a GHG. */
const tj_gas *olca_characterise(const olca_flow *f, int as_input, calc_channel *channel, int *biogenic,
                                double *kg_per_unit, int *ghg_like);

#endif
