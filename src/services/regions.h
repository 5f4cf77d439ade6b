/*
 * Regions (地区): CN, the seven grid regions (GRID-HB ...), provinces and
 * cities by GB/T 2260 code, with their Chinese and English names; ISO
 * 3166-2:CN subdivision codes (CN-YN) are accepted for provinces.  The table
 * changes only with migrations: it is read once per connection and cached.
 *
 * Ownership: svc_regions owns its strings (svc_regions_release); functions
 * returning char * return malloc'ed strings the caller frees.
 */
#ifndef SERVICES_REGIONS_H
#define SERVICES_REGIONS_H

#include <stddef.h>

#include "store/store.h"
#include "tanji/error.h"

typedef struct svc_region {
    char *code, *level, *parent, *name_zh, *name_en;
} svc_region;
typedef struct svc_regions {
    svc_region *items;
    size_t count;
} svc_regions;

tj_status svc_regions_load(store_db *db, svc_regions *r, tj_error *err);
void svc_regions_release(svc_regions *r);
const svc_region *svc_region_find(const svc_regions *r, const char *code);

/* Is s six decimal digits (a GB/T 2260 code)? */
int svc_region_is_gb_code(const char *s);
/* Province of a GB/T 2260 city/county code, into buf[7]. */
void svc_region_province_of(const char *code, char *buf);
/* A region code or name (CN, GRID-HB, 530000, 530100, 云南, 云南省, Yunnan,
 * CN-YN, 华北) to its code; *level gets its level.  A city code not in the
 * table but of a known province is copied to citybuf[8].  NULL if unknown. */
const char *svc_region_lookup(const svc_regions *r, const char *in, const char **level, char *citybuf);

/* Region code for a code or name; malloc'ed, or NULL with err set. */
char *svc_region_normalize(store_db *db, const char *region, tj_error *err);

/* GB/T 2260 code of an ISO 3166-2:CN code ("CN-YN" -> "530000"; "CN" ->
 * "CN"), or NULL. */
const char *svc_region_from_iso(const char *iso);

#endif
