/*
 * GWP100 table: parsed once from data/gwp/gwp100.csv, which the build embeds
 * as tj_gwp100_csv.  The parsed table lives for the life of the process.
 */
#include "tanji/gwp.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern const char tj_gwp100_csv[];

#define MAX_GASES 64
#define MAX_ALIASES 16

typedef struct gas_entry {
    tj_gas gas;
    char *aliases[MAX_ALIASES];
    int naliases;
    /* lengths of id, formula, cas and the aliases, for tj_gas_find */
    size_t idlen, formlen, caslen, aliaslen[MAX_ALIASES];
} gas_entry;

static gas_entry table[MAX_GASES];
static int ngases;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Split one CSV line (with "quoted, fields") into at most max fields, in
 * place.  Returns the number of fields. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            p++;
            fields[n++] = p;
            char *w = p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            *w = '\0';
            if (*p == ',')
                p++;
            else
                break;
            /* w may trail p; the quote and comma are consumed above */
        } else {
            fields[n++] = p;
            char *c = strchr(p, ',');
            if (!c)
                break;
            *c = '\0';
            p = c + 1;
        }
    }
    return n;
}

static void load_table(void)
{
    char *text = strdup(tj_gwp100_csv);
    if (!text)
        abort(); /* static data at start-up: nothing sensible to do */
    int header_seen = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!header_seen) {
            header_seen = 1;
            continue;
        }
        char *f[9];
        if (split_csv(line, f, 9) != 9 || ngases >= MAX_GASES)
            abort(); /* the embedded table is checked by tests */
        gas_entry *e = &table[ngases++];
        e->gas.id = f[0];
        e->gas.cas = f[1];
        e->gas.formula = f[2];
        e->gas.gwp[TJ_GWP_AR6] = strtod(f[4], NULL);
        e->gas.gwp_biogenic[TJ_GWP_AR6] = strtod(f[5], NULL);
        e->gas.gwp[TJ_GWP_AR5] = strtod(f[6], NULL);
        e->gas.gwp_biogenic[TJ_GWP_AR5] = strtod(f[7], NULL);
        e->gas.source = f[8];
        for (char *s2 = NULL, *a = strtok_r(f[3], "|", &s2); a && e->naliases < MAX_ALIASES;
             a = strtok_r(NULL, "|", &s2))
            e->aliases[e->naliases++] = a;
        e->idlen = strlen(e->gas.id);
        e->formlen = strlen(e->gas.formula);
        e->caslen = strlen(e->gas.cas);
        for (int k = 0; k < e->naliases; k++)
            e->aliaslen[k] = strlen(e->aliases[k]);
    }
    /* text is intentionally kept: the table points into it */
}

static void ensure_loaded(void) { pthread_once(&once, load_table); }

tj_status tj_gwp_set_parse(const char *s, tj_gwp_set *out, tj_error *err)
{
    if (s && !strcasecmp(s, "AR6")) {
        *out = TJ_GWP_AR6;
        return TJ_OK;
    }
    if (s && !strcasecmp(s, "AR5")) {
        *out = TJ_GWP_AR5;
        return TJ_OK;
    }
    return tj_error_set(err, TJ_ERR_INPUT, "gwp", "\"%s\" is not a known GWP set (use AR6 or AR5)",
                        s ? s : "");
}

const char *tj_gwp_set_name(tj_gwp_set set) { return set == TJ_GWP_AR5 ? "AR5" : "AR6"; }

/* A key matches when it equals the query ignoring case and the query's
 * surrounding white space; CAS numbers also match without their leading
 * zeros ("000124-38-9").  Keys in table order, the first match wins.  The
 * query is trimmed once and the keys' lengths compared first (the openLCA
 * import asks for every elementary flow's name, a few times each). */
const tj_gas *tj_gas_find(const char *name_or_cas)
{
    if (!name_or_cas)
        return NULL;
    ensure_loaded();
    const char *p = name_or_cas;
    while (isspace((unsigned char)*p))
        p++;
    size_t len = strlen(p);
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;
    const char *c = p; /* CAS numbers without their leading zeros */
    while (*c == '0' && isdigit((unsigned char)c[1]))
        c++;
    size_t clen = len - (size_t)(c - p);
    for (int i = 0; i < ngases; i++) {
        gas_entry *e = &table[i];
        if ((e->idlen == len && !strncasecmp(p, e->gas.id, len)) ||
            (e->formlen == len && !strncasecmp(p, e->gas.formula, len)) ||
            (e->caslen == clen && !strncasecmp(c, e->gas.cas, clen)))
            return &e->gas;
        for (int k = 0; k < e->naliases; k++)
            if (e->aliaslen[k] == len && !strncasecmp(p, e->aliases[k], len))
                return &e->gas;
    }
    return NULL;
}

int tj_gas_count(void)
{
    ensure_loaded();
    return ngases;
}

const tj_gas *tj_gas_at(int i)
{
    ensure_loaded();
    return i >= 0 && i < ngases ? &table[i].gas : NULL;
}

double tj_gas_gwp(const tj_gas *gas, tj_gwp_set set, int biogenic)
{
    return biogenic ? gas->gwp_biogenic[set] : gas->gwp[set];
}
