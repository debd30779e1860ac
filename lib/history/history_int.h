/* history_int.h - private helpers shared by the files of lib/history.
 *
 * A tiny deterministic RNG for permutation tests (splitmix64 seeding a
 * xoshiro256** stream) and a few numeric helpers.  Not part of the public
 * contract. */
#ifndef BS_HISTORY_INT_H
#define BS_HISTORY_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "brainsmith/history.h"

typedef struct bs_rng { uint64_t s[4]; } bs_rng;

static inline uint64_t bs_rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void bs_rng_seed(bs_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = bs_rng_splitmix(&seed);
}

static inline uint64_t bs_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t bs_rng_next(bs_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = bs_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = bs_rng_rotl(s[3], 45);
    return res;
}

/* Uniform integer in [0, n) (Lemire's multiply-shift; bias < 2^-40 for our n). */
static inline size_t bs_rng_below(bs_rng *r, size_t n)
{
    return (size_t)(((unsigned __int128)bs_rng_next(r) * n) >> 64);
}

/* In-place Fisher-Yates shuffle. */
static inline void bs_rng_shuffle(bs_rng *r, double *x, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = bs_rng_below(r, i);
        double t = x[i - 1]; x[i - 1] = x[j]; x[j] = t;
    }
}

/* Mean and population standard deviation of x[0..n). */
void bs_hist_mean_std(const double *x, size_t n, double *mean, double *std);

/* Relative change b/a - 1, NaN when a == 0. */
static inline double bs_hist_rel(double a, double b)
{
    return a == 0 ? NAN : b / a - 1.0;
}

#endif
