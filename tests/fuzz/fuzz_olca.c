/*
 * libFuzzer driver for the openLCA JSON-LD entity parser and the
 * product-system builder.  The first input byte picks the entity kind; the
 * rest is the entity's JSON text.  Each run starts from a small database
 * (one unit group, flow property, product and elementary flow) so that
 * process entities reach unit conversion, linking and allocation.
 *
 * Build: cmake -S . -B build-fuzz -G Ninja -DTJ_FUZZ=ON -DCMAKE_C_COMPILER=clang
 * Run:   build-fuzz/tests/fuzz_olca tests/fuzz/corpus_olca
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "io/olca.h"

static const char *const kinds[] = {"unit_groups", "flow_properties", "flows",  "processes",
                                    "locations",   "sources",         "actors", "categories"};

static const char seed_ug[] = "{\"@id\":\"ug\",\"name\":\"Mass\",\"units\":[{\"@id\":\"kg\",\"name\":\"kg\","
                              "\"conversionFactor\":1,\"referenceUnit\":true},{\"@id\":\"g\",\"name\":\"g\","
                              "\"conversionFactor\":0.001}]}";
static const char seed_fp[] = "{\"@id\":\"fp\",\"name\":\"Mass\",\"unitGroup\":{\"@id\":\"ug\"}}";
static const char seed_p[] =
    "{\"@id\":\"p\",\"name\":\"P\",\"flowType\":\"PRODUCT_FLOW\",\"flowProperties\":[{"
    "\"flowProperty\":{\"@id\":\"fp\"},\"conversionFactor\":1,\"referenceFlowProperty\":true}]}";
static const char seed_e[] =
    "{\"@id\":\"e\",\"name\":\"Methane, fossil\",\"category\":\"air/unspecified\",\"flowType\":"
    "\"ELEMENTARY_FLOW\",\"flowProperties\":[{\"flowProperty\":{\"@id\":\"fp\"},"
    "\"conversionFactor\":1,\"referenceFlowProperty\":true}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    olca_db *db = olca_db_new();
    if (!db)
        return 0;
    olca_report rep;
    olca_report_init(&rep);
    tj_error err;
    olca_parse_entity(db, "unit_groups", seed_ug, sizeof seed_ug - 1, "seed", &rep, &err);
    olca_parse_entity(db, "flow_properties", seed_fp, sizeof seed_fp - 1, "seed", &rep, &err);
    olca_parse_entity(db, "flows", seed_p, sizeof seed_p - 1, "seed", &rep, &err);
    olca_parse_entity(db, "flows", seed_e, sizeof seed_e - 1, "seed", &rep, &err);
    olca_resolve_categories(db);
    const char *kind = kinds[data[0] % (sizeof kinds / sizeof kinds[0])];
    olca_parse_entity(db, kind, (const char *)data + 1, size - 1, "input", &rep, &err);
    olca_resolve_categories(db);
    for (int m = OLCA_ALLOC_NONE; m <= OLCA_ALLOC_DEFAULT; m++) {
        olca_build_options o;
        olca_build_options_init(&o);
        o.allocation = (olca_alloc_method)m;
        calc_system *sys = NULL;
        olca_build_info info;
        if (olca_build_system(db, &o, &sys, &info, &err) == TJ_OK) {
            calc_system_free(sys);
            olca_build_info_release(&info);
        }
    }
    olca_report_release(&rep);
    olca_db_free(db);
    return 0;
}
