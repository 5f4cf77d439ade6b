/*
 * svc_disclosure: disclosure (信息披露) and the public registry.
 *
 * An enterprise publishes one of its footprints as public, for named
 * partner organisations, or private (its own record of what it would
 * publish), and can withdraw it: the withdrawal is public and the record
 * stays in the ledger.  What leaves tanji is the summary (product, value,
 * unit, declared unit, boundary, rule and check result, GWP set, reference
 * period, geography, labels) plus only the business-secret fields the
 * enterprise chose one by one: "stages" (result by life-cycle stage),
 * "processes" (process names and stages), "suppliers" (process supplier
 * fields), "activity_data" (exchange amounts), "factors" (factors used).
 *
 * The registry (public): labels searched by product, category, region,
 * company, grade and status with paging; a category's labels side by side;
 * the ESG disclosure section of an enterprise (JSON, CSV, HTML; zh, en).
 *
 * Ownership: JSON returned is a new reference; text malloc'ed.
 */
#ifndef SERVICES_DISCLOSURE_H
#define SERVICES_DISCLOSURE_H

#include <jansson.h>

#include "services/ctx.h"

/* scope: public, partners (partners: array of organisation ids or names),
 * private.  fields: array of the secret field names above (may be NULL). */
tj_status svc_disclosure_publish(svc_ctx *ctx, const char *footprint_id, const char *scope,
                                 const json_t *partners, const json_t *fields, char **id_out, tj_error *err);
/* The footprint summary of public disclosure id in force (the public
 * footprint record of publication.h): the footprint part of the view below
 * with {disclosure: {id, scope, published_at, owner, fields}, owner_org}. */
tj_status svc_disclosure_footprint_view(store_db *db, const char *id, json_t **out, tj_error *err);
/* Disclosure ids that migration 15 gave the older publications
 * ("fp-pub-" + footprint id). */
#define SVC_DISCLOSURE_MIGRATED_PREFIX "fp-pub-"
tj_status svc_disclosure_withdraw(svc_ctx *ctx, const char *id, const char *reason, tj_error *err);
/* A disclosure as its reader may see it: public ones for anyone, partner
 * ones for the named partners and the owner, private ones for the owner;
 * to anyone else it does not exist.  A withdrawn one shows the withdrawal
 * and no content. */
tj_status svc_disclosure_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err);
/* The owner's disclosures (mine 1), or the public ones (mine 0). */
tj_status svc_disclosure_list(svc_ctx *ctx, int mine, int limit, int offset, json_t **out, tj_error *err);

/* Registry search (public); filter keys as store_label_search, and "after":
 * the page after that label number (keyset paging: the answer's "next" is
 * the cursor of the following page; deep pages cost what the first does). */
tj_status svc_registry_search(svc_ctx *ctx, const json_t *filter, int limit, int offset, json_t **out,
                              tj_error *err);
/* A category's valid labels side by side, lowest value first: {category,
 * name, unit, labels: [{number, product, holder, value, unit, declared_unit,
 * grade, valid_until}]}. */
tj_status svc_registry_compare(svc_ctx *ctx, const char *category, int limit, json_t **out, tj_error *err);
/* The ESG disclosure section of organisation org (NULL: the principal's):
 * its labels and public disclosures.  format json|csv|html, lang zh|en. */
tj_status svc_esg_section(svc_ctx *ctx, const char *org, const char *format, const char *lang, char **out,
                          tj_error *err);

tj_status svc_disclosure_each_state(store_db *db,
                                    tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                    void *arg, tj_error *err);

#endif
