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

/* Advance r by 2^128 steps (Blackman and Vigna's jump polynomial for
 * xoshiro256): streams jumped 0, 1, 2, ... times from one seed do not
 * overlap for 2^128 draws each, so parallel draws stay independent and
 * reproducible for the seed. */
static inline void calc_rng_jump(calc_rng *r)
{
    static const uint64_t jump[4] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL, 0xa9582618e03fc9aaULL,
                                     0x39abdc4529b1661cULL};
    uint64_t t[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (jump[i] & ((uint64_t)1 << b))
                for (int k = 0; k < 4; k++)
                    t[k] ^= r->s[k];
            (void)calc_rng_next(r);
        }
    for (int k = 0; k < 4; k++)
        r->s[k] = t[k];
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
