/* bench_history.c - benchmarks of the history engine's change-point
 * detector: throughput in points per second on long series, and F1 on the
 * synthetic suite (tests/history/synth.h) at a given noise level.
 *
 *   bench_history [--points N] [--noise F] [--series K] [--len L]
 *
 * Prints one "name: value" line per number. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include "brainsmith/history.h"
#include "brainsmith/util.h"
#include "synth.h"

static void f1_suite(double noise, size_t nseries, size_t len, size_t per_series)
{
    double *x = malloc(len * sizeof(double));
    size_t *truth = malloc(per_series * sizeof(size_t)), *det = malloc(len * sizeof(size_t));
    size_t tp = 0, nt = 0, nd = 0;
    bs_cpd_opts o;
    bs_cpd_opts_default(&o);
    int64_t t0 = bs_now_mono_ns();
    for (size_t s = 0; s < nseries; s++) {
        size_t k = synth_series(1000 + s, len, 1 + s % per_series, 25, noise, x, truth);
        bs_change_point *cp = NULL;
        size_t ncp = 0;
        if (bs_cpd_detect(x, len, &o, &cp, &ncp) < 0) { fprintf(stderr, "detect failed\n"); exit(1); }
        for (size_t i = 0; i < ncp; i++) det[i] = cp[i].index;
        tp += synth_match(truth, k, det, ncp, 2);
        nt += k;
        nd += ncp;
        free(cp);
    }
    double secs = (double)(bs_now_mono_ns() - t0) / 1e9;
    double p = nd ? (double)tp / (double)nd : 1, r = nt ? (double)tp / (double)nt : 1;
    printf("suite noise=%.0f%% series=%zu len=%zu: true=%zu detected=%zu tp=%zu precision=%.4f recall=%.4f F1=%.4f (%.2f s)\n",
           noise * 100, nseries, len, nt, nd, tp, p, r, p + r > 0 ? 2 * p * r / (p + r) : 0, secs);
    free(x); free(truth); free(det);
}

/* CPU time of this process: on a shared, loaded machine wall time
 * overstates the cost, so both are printed. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void throughput(size_t n, size_t gap, double noise)
{
    double *x = malloc(n * sizeof(double));
    size_t nc = gap ? n / gap : 0;
    size_t *truth = malloc((nc + 1) * sizeof(size_t));
    size_t k = synth_series(7, n, nc, gap ? gap / 2 : n, noise, x, truth);
    bs_cpd_opts o;
    bs_cpd_opts_default(&o);
    bs_change_point *cp = NULL;
    size_t ncp = 0;
    int64_t t0 = bs_now_mono_ns();
    double c0 = cpu_s();
    if (bs_cpd_detect(x, n, &o, &cp, &ncp) < 0) { fprintf(stderr, "detect failed\n"); exit(1); }
    double secs = (double)(bs_now_mono_ns() - t0) / 1e9, cpu = cpu_s() - c0;
    printf("throughput n=%zu true_changes=%zu found=%zu noise=%.0f%%: wall %.3f s = %.0f points/s, "
           "cpu %.3f s = %.0f points/s\n", n, k, ncp, noise * 100, secs, (double)n / secs, cpu, (double)n / cpu);
    free(cp); free(x); free(truth);
}

int main(int argc, char **argv)
{
    size_t points = 1000000, series = 200, len = 300;
    double noise = 0.05;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--points")) points = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--noise")) noise = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--series")) series = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--len")) len = strtoull(argv[i + 1], NULL, 10);
    }
    f1_suite(noise, series, len, 6);
    throughput(points, 0, noise);      /* stationary: no change */
    throughput(points, 1000, noise);   /* a change every ~1000 builds */
    throughput(points, 200, noise);    /* a change every ~200 builds */
    return 0;
}
