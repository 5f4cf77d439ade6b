/*
 * svc_cbam: EU CBAM (Reg. (EU) 2023/956, definitive period from 2026-01-01)
 * specific embedded emissions (SEE) of an installation's goods and the
 * exporter's communication to its EU importer (docs/cbam.md).
 *
 * Simple good:  SEE = AttrEm / AL.  Complex good: SEE = (AttrEm + sum_i M_i
 * SEE_i) / AL, precursors included recursively (a precursor is another good
 * of the same installation, or bought in with its SEE from the supplier or a
 * default value).  Direct (attributed emissions) and indirect (electricity
 * consumed x emission factor) are computed apart; the emissions counted for
 * CBAM are the direct ones only for iron and steel, aluminium and hydrogen
 * (Reg. 2023/956 Annex II), direct + indirect for cement and fertilisers.
 * Default values are never built in (the values of Impl. Reg. (EU)
 * 2025/2621 are not in tanji's sources): they are input, flagged, and the
 * share of the counted SEE that comes from them is reported.
 *
 * The input is validated strictly before anything is computed; errors name
 * the JSON path.  Nothing is stored.
 *
 * Ownership: JSON values returned are new references; inputs borrowed.
 */
#ifndef SERVICES_CBAM_H
#define SERVICES_CBAM_H

#include <jansson.h>

#include "services/ctx.h"

/* Validate and compute: *out is the communication (docs/cbam.md, "output").
 * ctx may be NULL (no permission check); with a principal, roles
 * enterprise or operator are needed. */
tj_status svc_cbam_communication(svc_ctx *ctx, const json_t *input, json_t **out, tj_error *err);

/* A CN code ("7208 51 20", "72085120") normalised to "7208 51 20"
 * (out: 11 bytes).  TJ_ERR_INPUT naming path when it is not 8 digits. */
tj_status svc_cbam_cn_code(const char *s, const char *path, char out[11], tj_error *err);

#endif
