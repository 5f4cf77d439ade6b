/*
 * svc_ledger_objects: the ledger entries of one object, for those allowed
 * to see the object (GET /api/v1/ledger/entries).  Visibility is the
 * object's own service's: a model or footprint its organisation's (and the
 * operator's), a factor version as the factor workflow shows it, a
 * publication everyone's; organisations and principals their own and the
 * operator's; anything else the operator's, regulators' and verifiers'.
 * Objects the principal may not see answer TJ_ERR_NOTFOUND, as missing ones.
 */
#ifndef SERVICES_LEDGER_OBJECTS_H
#define SERVICES_LEDGER_OBJECTS_H

#include <jansson.h>

#include "services/ctx.h"

/* {"object_type", "object_id", "entries": [{index, at, kind, actor, org,
 * state_digest, entry (the leaf data as JSON)}]}: at most limit (<= 1000)
 * entries after index `after` (-1: from the first). */
tj_status svc_ledger_entries(svc_ctx *ctx, const char *object_type, const char *object_id, int64_t after, int limit,
                             json_t **out, tj_error *err);

#endif
