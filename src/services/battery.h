/*
 * svc_battery: traction-battery carbon footprint declarations from ONE
 * calculation of a tanji model (docs/battery.md):
 *
 *  - China, MIIT 工信厅通装函〔2025〕551号: emissions of four stages (materials,
 *    cell and pack manufacture, distribution, recycling) divided by the total
 *    energy the pack delivers over its life;
 *  - EU Battery Regulation (EU) 2023/1542 Art. 7: kg CO2e per kWh of total
 *    energy over the expected service life, split by the regulation's
 *    life-cycle stages, with manufacturer, model, plant and a link to the
 *    public study.  The methodology delegated act is not final: the output
 *    says so (eu.delegated_act) and applies no rule of the draft as law.
 *
 * The model's product must be counted in items (e.g. 1 "piece" = one pack);
 * model stages map to each scheme's stages as in docs/battery.md (use stage:
 * in neither scheme, reported as excluded).
 *
 * Ownership: JSON values returned are new references; inputs are borrowed.
 */
#ifndef SERVICES_BATTERY_H
#define SERVICES_BATTERY_H

#include <jansson.h>

#include "services/ctx.h"
#include "services/footprint.h"

/* Validate battery declaration data (docs/battery.md); errors name the JSON
 * path.  Used before any calculation, so bad data changes nothing. */
tj_status svc_battery_check(const json_t *battery, tj_error *err);

/* Calculate the model of rq once and build both declarations.  ctx may be
 * NULL (no database: inline factors only, no permission check); with a
 * principal, roles enterprise or operator are needed. */
tj_status svc_battery_declare(svc_ctx *ctx, const svc_calc_request *rq, const json_t *battery, json_t **out,
                              tj_error *err);

/* The same from a finished calculation (tests, callers that calculated). */
tj_status svc_battery_from_calculation(const svc_calculation *c, const json_t *battery, json_t **out,
                                       tj_error *err);

#endif
