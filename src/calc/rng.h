/*
 * calc/rng: xoshiro256** (Blackman and Vigna), seeded through splitmix64.
 * Small, fast and reproducible for a seed on every platform: Monte Carlo and
 * the system generator draw from it.  Header-only; a calc_rng is plain data.
 */
#ifndef CALC_RNG_H
#define CALC_RNG_H

#include <stdint.h>

typedef struct calc_rng {
    uint64_t s[4];
} calc_rng;

static inline uint64_t calc_rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline void calc_rng_seed(calc_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = calc_rng_splitmix64(&seed);
}

static inline uint64_t calc_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t calc_rng_next(calc_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = calc_rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = calc_rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double calc_rng_uniform(calc_rng *r)
{
    return (double)(calc_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1), for logarithms. */
static inline double calc_rng_uniform_pos(calc_rng *r)
{
    return ((double)(calc_rng_next(r) >> 12) + 0.5) * 0x1.0p-52;
}

#endif
