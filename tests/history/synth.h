/* synth.h - the synthetic change-point suite shared by the history tests
 * and benchmarks: piecewise-constant series with known change points and
 * Gaussian noise, plus precision/recall scoring with a position tolerance.
 * Deterministic: every series is generated from its own seed. */
#ifndef BS_HISTORY_SYNTH_H
#define BS_HISTORY_SYNTH_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct synth_rng { uint64_t s; } synth_rng;

static inline uint64_t synth_next(synth_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline double synth_unif(synth_rng *r) { return (double)(synth_next(r) >> 11) * 0x1.0p-53; }

static inline double synth_normal(synth_rng *r)
{
    double u1 = synth_unif(r), u2 = synth_unif(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* A series of n points with nc change points spaced at least min_gap apart
 * (and min_gap from both ends); each change moves the level by 10..30%
 * (random sign); noise is Gaussian with sd = noise * level.  x and
 * cps (nc entries, sorted) are caller-allocated. */
static inline size_t synth_series(uint64_t seed, size_t n, size_t nc, size_t min_gap, double noise,
                                  double *x, size_t *cps)
{
    synth_rng r = {seed};
    size_t k = 0;
    /* place change points by rejection */
    for (int tries = 0; k < nc && tries < 10000; tries++) {
        size_t c = min_gap + (size_t)(synth_unif(&r) * (double)(n - 2 * min_gap));
        int ok = 1;
        for (size_t j = 0; j < k; j++)
            if ((c > cps[j] ? c - cps[j] : cps[j] - c) < min_gap) ok = 0;
        if (ok) cps[k++] = c;
    }
    for (size_t i = 1; i < k; i++)          /* insertion sort */
        for (size_t j = i; j > 0 && cps[j - 1] > cps[j]; j--) {
            size_t t = cps[j]; cps[j] = cps[j - 1]; cps[j - 1] = t;
        }
    double level = 1000.0;
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (next < k && cps[next] == i) {
            double mag = 0.10 + 0.20 * synth_unif(&r);
            level *= synth_unif(&r) < 0.5 ? 1.0 - mag : 1.0 + mag;
            next++;
        }
        x[i] = level * (1.0 + noise * synth_normal(&r));
    }
    return k;
}

/* Counts true positives: detections within tol of a true change point,
 * each matched at most once (greedy in order). */
static inline size_t synth_match(const size_t *truth, size_t nt, const size_t *det, size_t nd, size_t tol)
{
    size_t tp = 0;
    char used[4096] = {0};
    for (size_t i = 0; i < nd; i++)
        for (size_t j = 0; j < nt && j < sizeof used; j++) {
            size_t d = det[i] > truth[j] ? det[i] - truth[j] : truth[j] - det[i];
            if (!used[j] && d <= tol) { used[j] = 1; tp++; break; }
        }
    return tp;
}

#endif
