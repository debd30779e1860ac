/* rtl_cases.h - node builders with random parameters for the RTL tests and
 * benchmarks: a small arena of weight/threshold arrays, random values in a
 * datatype's range and sorted random thresholds. */
#ifndef BS_RTL_CASES_H
#define BS_RTL_CASES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/rtl.h"

typedef struct rc_pool { void *p[256]; int n; } rc_pool;

static inline int64_t *rc_alloc(rc_pool *pl, size_t n)
{
    int64_t *a = calloc(n ? n : 1, sizeof *a);
    if (a && pl->n < 256) pl->p[pl->n++] = a;
    return a;
}
static inline void rc_free(rc_pool *pl)
{
    for (int i = 0; i < pl->n; i++) free(pl->p[i]);
    pl->n = 0;
}

static uint64_t rc_rs = 0x2545F4914F6CDD1Dull;
static inline uint64_t rc_rand(void)
{
    rc_rs ^= rc_rs << 13; rc_rs ^= rc_rs >> 7; rc_rs ^= rc_rs << 17;
    return rc_rs;
}
static inline int64_t rc_range(int64_t lo, int64_t hi) { return lo + (int64_t)(rc_rand() % (uint64_t)(hi - lo + 1)); }
static inline void rc_dt_range(const char *dt, int64_t *lo, int64_t *hi)
{
    bs_rtl_dt d;
    bs_rtl_dt_parse(dt, &d);
    if (d.is_signed) { *lo = -(1ll << (d.bits - 1)); *hi = (1ll << (d.bits - 1)) - 1; }
    else { *lo = 0; *hi = (1ll << d.bits) - 1; }
}
static inline void rc_fill(int64_t *a, int64_t n, const char *dt)
{
    int64_t lo, hi;
    rc_dt_range(dt, &lo, &hi);
    for (int64_t i = 0; i < n; i++) a[i] = rc_range(lo, hi);
}
static int rc_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
/* channels x steps thresholds, each row sorted, drawn from [lo, hi]. */
static inline int64_t *rc_thresholds(rc_pool *pl, int64_t ch, int64_t steps, int64_t lo, int64_t hi)
{
    int64_t *t = rc_alloc(pl, (size_t)(ch * steps));
    for (int64_t c = 0; c < ch; c++) {
        for (int64_t k = 0; k < steps; k++) t[c * steps + k] = rc_range(lo, hi);
        qsort(t + c * steps, (size_t)steps, sizeof *t, rc_cmp);
    }
    return t;
}

/* An MVAU with random weights; steps = 0 means noActivation. */
static inline bs_rtl_node rc_mvau(rc_pool *pl, const char *name, int64_t mw, int64_t mh, int64_t pe,
                                  int64_t simd, const char *idt, const char *wdt, const char *odt,
                                  int64_t steps, int64_t vecs)
{
    bs_rtl_node n;
    bs_rtl_node_init(&n, "MVAU_hls", name);
    n.MW = mw; n.MH = mh; n.PE = pe; n.SIMD = simd; n.numInputVectors = vecs;
    snprintf(n.inputDataType, sizeof n.inputDataType, "%s", idt);
    snprintf(n.weightDataType, sizeof n.weightDataType, "%s", wdt);
    snprintf(n.outputDataType, sizeof n.outputDataType, "%s", odt);
    int64_t *w = rc_alloc(pl, (size_t)(mw * mh));
    rc_fill(w, mw * mh, wdt);
    n.weights = w;
    int64_t ilo, ihi, wlo, whi;
    rc_dt_range(idt, &ilo, &ihi);
    rc_dt_range(wdt, &wlo, &whi);
    int64_t mx = (ihi > -ilo ? ihi : -ilo) * (whi > -wlo ? whi : -wlo);
    int64_t r = mx * mw / 6 + 1;
    if (steps > 0) {
        /* a tight accumulator, as FINN's MinimizeAccumulatorWidth leaves it */
        int ab = 2;
        while ((1ll << (ab - 1)) <= mx * mw + 1) ab++;
        snprintf(n.accDataType, sizeof n.accDataType, "INT%d", ab);
        n.numSteps = steps;
        if (!strcmp(wdt, "BINARY") && !strcmp(idt, "BINARY")) n.binaryXnorMode = 1;
        n.thresholds = n.binaryXnorMode ? rc_thresholds(pl, mh, steps, mw / 4, 3 * mw / 4)
                                        : rc_thresholds(pl, mh, steps, -r, r);
    } else {
        n.noActivation = 1;
        snprintf(n.accDataType, sizeof n.accDataType, "%s", odt);
    }
    return n;
}

static inline bs_rtl_node rc_thresh(rc_pool *pl, const char *name, int64_t ch, int64_t pe, const char *idt,
                                    const char *odt, int64_t steps, int64_t actval, int64_t vecs)
{
    bs_rtl_node n;
    bs_rtl_node_init(&n, "Thresholding_rtl", name);
    n.NumChannels = ch; n.PE = pe; n.numSteps = steps; n.ActVal = actval; n.numInputVectors = vecs;
    snprintf(n.inputDataType, sizeof n.inputDataType, "%s", idt);
    snprintf(n.outputDataType, sizeof n.outputDataType, "%s", odt);
    int64_t lo, hi;
    rc_dt_range(idt, &lo, &hi);
    n.thresholds = rc_thresholds(pl, ch, steps, lo, hi + 1);
    return n;
}

/* Random input elements for every top-level input of a design. */
static inline int64_t **rc_inputs(rc_pool *pl, const bs_rtl_design *d, int64_t frames)
{
    int64_t **in = (int64_t **)rc_alloc(pl, 8);
    for (int i = 0; i < d->n_in; i++) {
        int64_t n = frames * bs_rtl_stream_elems(&d->in[i].s);
        in[i] = rc_alloc(pl, (size_t)n);
        const bs_rtl_dt *dt = &d->in[i].s.dt;
        rc_fill(in[i], n, dt->bipolar ? "BINARY" : dt->name);
    }
    return in;
}

#endif
