/* calc_histogram_of: the Monte Carlo draws of a total in CALC_MC_BINS bins
 * of equal width (see lca.h). */
#include <string.h>

#include "calc/lca.h"

void calc_histogram_of(const double *v, int k, calc_histogram *h)
{
    memset(h, 0, sizeof *h);
    if (k < 1)
        return;
    double lo = v[0], hi = v[0];
    for (int i = 1; i < k; i++) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    h->lo = lo;
    h->hi = hi;
    double w = (hi - lo) / CALC_MC_BINS;
    for (int i = 0; i < k; i++) {
        int b = 0;
        if (w > 0) {
            double f = (v[i] - lo) / w;
            b = f >= CALC_MC_BINS ? CALC_MC_BINS - 1 : (int)f;
            if (b < 0)
                b = 0;
        }
        h->count[b]++;
    }
}
