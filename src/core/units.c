/* Physical units: a static table of symbols and aliases; see include/tanji/units.h. */
#include "tanji/units.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Canonical symbols first, then aliases (an alias maps to the canonical name
 * shown in results).  to_base converts into the dimension's base unit. */
typedef struct unit_row {
    const char *symbol;
    tj_unit unit; /* unit.name is the canonical symbol */
} unit_row;

static const unit_row rows[] = {
    /* mass, base kg */
    {"kg", {"kg", TJ_DIM_MASS, 1.0}},
    {"g", {"g", TJ_DIM_MASS, 1e-3}},
    {"mg", {"mg", TJ_DIM_MASS, 1e-6}},
    {"t", {"t", TJ_DIM_MASS, 1e3}},
    {"kt", {"kt", TJ_DIM_MASS, 1e6}},
    {"Mt", {"Mt", TJ_DIM_MASS, 1e9}},
    {"lb", {"lb", TJ_DIM_MASS, 0.45359237}},
    {"tonne", {"t", TJ_DIM_MASS, 1e3}},
    {"ton", {"t", TJ_DIM_MASS, 1e3}},
    {"kilogram", {"kg", TJ_DIM_MASS, 1.0}},
    {"gram", {"g", TJ_DIM_MASS, 1e-3}},
    {"吨", {"t", TJ_DIM_MASS, 1e3}},
    {"千克", {"kg", TJ_DIM_MASS, 1.0}},
    {"公斤", {"kg", TJ_DIM_MASS, 1.0}},
    {"克", {"g", TJ_DIM_MASS, 1e-3}},
    /* energy, base MJ */
    {"MJ", {"MJ", TJ_DIM_ENERGY, 1.0}},
    {"kJ", {"kJ", TJ_DIM_ENERGY, 1e-3}},
    {"J", {"J", TJ_DIM_ENERGY, 1e-6}},
    {"GJ", {"GJ", TJ_DIM_ENERGY, 1e3}},
    {"TJ", {"TJ", TJ_DIM_ENERGY, 1e6}},
    {"Wh", {"Wh", TJ_DIM_ENERGY, 3.6e-3}},
    {"kWh", {"kWh", TJ_DIM_ENERGY, 3.6}},
    {"MWh", {"MWh", TJ_DIM_ENERGY, 3.6e3}},
    {"GWh", {"GWh", TJ_DIM_ENERGY, 3.6e6}},
    {"kcal", {"kcal", TJ_DIM_ENERGY, 4.184e-3}},
    {"Btu", {"Btu", TJ_DIM_ENERGY, 1.055056e-3}},
    {"MMBtu", {"MMBtu", TJ_DIM_ENERGY, 1055.056}},
    {"kilowatt hour", {"kWh", TJ_DIM_ENERGY, 3.6}},
    {"megajoule", {"MJ", TJ_DIM_ENERGY, 1.0}},
    {"度", {"kWh", TJ_DIM_ENERGY, 3.6}},
    {"千瓦时", {"kWh", TJ_DIM_ENERGY, 3.6}},
    /* volume, base m3 */
    {"m3", {"m3", TJ_DIM_VOLUME, 1.0}},
    {"L", {"L", TJ_DIM_VOLUME, 1e-3}},
    {"l", {"L", TJ_DIM_VOLUME, 1e-3}},
    {"mL", {"mL", TJ_DIM_VOLUME, 1e-6}},
    {"dm3", {"L", TJ_DIM_VOLUME, 1e-3}},
    {"cm3", {"cm3", TJ_DIM_VOLUME, 1e-6}},
    {"Nm3", {"Nm3", TJ_DIM_VOLUME, 1.0}},
    {"gal", {"gal", TJ_DIM_VOLUME, 3.785411784e-3}},
    {"liter", {"L", TJ_DIM_VOLUME, 1e-3}},
    {"litre", {"L", TJ_DIM_VOLUME, 1e-3}},
    {"cubic meter", {"m3", TJ_DIM_VOLUME, 1.0}},
    {"立方米", {"m3", TJ_DIM_VOLUME, 1.0}},
    {"升", {"L", TJ_DIM_VOLUME, 1e-3}},
    /* area, base m2 */
    {"m2", {"m2", TJ_DIM_AREA, 1.0}},
    {"km2", {"km2", TJ_DIM_AREA, 1e6}},
    {"ha", {"ha", TJ_DIM_AREA, 1e4}},
    {"cm2", {"cm2", TJ_DIM_AREA, 1e-4}},
    {"square meter", {"m2", TJ_DIM_AREA, 1.0}},
    {"平方米", {"m2", TJ_DIM_AREA, 1.0}},
    {"亩", {"亩", TJ_DIM_AREA, 10000.0 / 15.0}},
    /* length, base m */
    {"m", {"m", TJ_DIM_LENGTH, 1.0}},
    {"km", {"km", TJ_DIM_LENGTH, 1e3}},
    {"cm", {"cm", TJ_DIM_LENGTH, 1e-2}},
    {"mm", {"mm", TJ_DIM_LENGTH, 1e-3}},
    {"mi", {"mi", TJ_DIM_LENGTH, 1609.344}},
    {"公里", {"km", TJ_DIM_LENGTH, 1e3}},
    /* time, base h */
    {"h", {"h", TJ_DIM_TIME, 1.0}},
    {"s", {"s", TJ_DIM_TIME, 1.0 / 3600.0}},
    {"min", {"min", TJ_DIM_TIME, 1.0 / 60.0}},
    {"d", {"d", TJ_DIM_TIME, 24.0}},
    {"a", {"a", TJ_DIM_TIME, 8760.0}},
    {"yr", {"a", TJ_DIM_TIME, 8760.0}},
    {"hour", {"h", TJ_DIM_TIME, 1.0}},
    /* transport (goods), base t*km */
    {"t*km", {"t*km", TJ_DIM_TRANSPORT, 1.0}},
    {"tkm", {"t*km", TJ_DIM_TRANSPORT, 1.0}},
    {"t km", {"t*km", TJ_DIM_TRANSPORT, 1.0}},
    {"t·km", {"t*km", TJ_DIM_TRANSPORT, 1.0}},
    {"kg*km", {"kg*km", TJ_DIM_TRANSPORT, 1e-3}},
    {"ton kilometer", {"t*km", TJ_DIM_TRANSPORT, 1.0}},
    {"吨公里", {"t*km", TJ_DIM_TRANSPORT, 1.0}},
    {"t*mi", {"t*mi", TJ_DIM_TRANSPORT, 1.609344}},
    /* passenger transport, base p*km */
    {"p*km", {"p*km", TJ_DIM_PERSON_TRANSPORT, 1.0}},
    {"pkm", {"p*km", TJ_DIM_PERSON_TRANSPORT, 1.0}},
    /* items, base piece */
    {"piece", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"pcs", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"item", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"items", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"unit", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"p", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"个", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"件", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"台", {"piece", TJ_DIM_ITEMS, 1.0}},
    {"dozen", {"dozen", TJ_DIM_ITEMS, 12.0}},
    /* land occupation, base m2*a */
    {"m2*a", {"m2*a", TJ_DIM_AREA_TIME, 1.0}},
    {"m2a", {"m2*a", TJ_DIM_AREA_TIME, 1.0}},
    {"ha*a", {"ha*a", TJ_DIM_AREA_TIME, 1e4}},
    /* money */
    {"CNY", {"CNY", TJ_DIM_MONEY_CNY, 1.0}},
    {"元", {"CNY", TJ_DIM_MONEY_CNY, 1.0}},
    {"USD", {"USD", TJ_DIM_MONEY_USD, 1.0}},
    {"$", {"USD", TJ_DIM_MONEY_USD, 1.0}},
    /* radioactivity, base kBq */
    {"kBq", {"kBq", TJ_DIM_RADIOACTIVITY, 1.0}},
    {"Bq", {"Bq", TJ_DIM_RADIOACTIVITY, 1e-3}},
    /* data transfer */
    {"Mbit*s", {"Mbit*s", TJ_DIM_DATA, 1.0}},
};

#define NROWS (sizeof rows / sizeof rows[0])

const tj_unit *tj_unit_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NROWS; i++)
        if (!strcmp(rows[i].symbol, name))
            return &rows[i].unit;
    return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

const char *tj_unit_suggest(const char *name)
{
    if (!name || !*name)
        return NULL;
    for (size_t i = 0; i < NROWS; i++)
        if (!strcasecmp(rows[i].symbol, name))
            return rows[i].unit.name;
    size_t best = (size_t)-1;
    const char *pick = NULL;
    for (size_t i = 0; i < NROWS; i++) {
        size_t d = edit_distance(name, rows[i].symbol);
        if (d < best) {
            best = d;
            pick = rows[i].unit.name;
        }
    }
    /* Only suggest something reasonably close. */
    size_t len = strlen(name);
    return best <= (len < 4 ? 1 : 2) ? pick : NULL;
}

tj_status tj_unit_lookup(const char *name, const char *path, const tj_unit **out, tj_error *err)
{
    const tj_unit *u = tj_unit_find(name);
    if (u) {
        *out = u;
        return TJ_OK;
    }
    const char *s = tj_unit_suggest(name);
    if (s)
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"%s\" is not a known unit; did you mean \"%s\"?",
                            name ? name : "", s);
    return tj_error_set(err, TJ_ERR_INPUT, path,
                        "\"%s\" is not a known unit (known: kg, g, t, kWh, MJ, L, m3, m2, km, t*km, "
                        "piece, h, ...)",
                        name ? name : "");
}

tj_status tj_unit_factor(const tj_unit *from, const tj_unit *to, double *f, const char *path,
                         tj_error *err)
{
    if (from->dim != to->dim)
        return tj_error_set(err, TJ_ERR_INPUT, path,
                            "unit \"%s\" (%s) cannot be converted to \"%s\" (%s)", from->name,
                            tj_dimension_name(from->dim), to->name, tj_dimension_name(to->dim));
    *f = from->to_base / to->to_base;
    return TJ_OK;
}

const char *tj_dimension_name(tj_dimension dim)
{
    static const char *names[TJ_DIM_COUNT] = {
        "mass", "energy", "volume", "area", "length", "time", "goods transport",
        "passenger transport", "items", "land occupation", "money (CNY)", "money (USD)",
        "radioactivity", "data transfer",
    };
    return (unsigned)dim < TJ_DIM_COUNT ? names[dim] : "unknown";
}
