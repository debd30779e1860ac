/* spin.c - benchmark helper: a CPU-bound loop of fixed work.
 *   spin ITERATIONS      runs the loop, prints "wall_ms cpu_ms"
 *   spin --calibrate S   prints the iterations that take about S seconds */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t work(uint64_t iters)
{
    volatile uint64_t x = 88172645463325252ull;
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t v = x;
        v ^= v << 13;
        v ^= v >> 7;
        v ^= v << 17;
        x = v;
    }
    return x;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--calibrate")) {
        double target = atof(argv[2]) * 1000.0;
        uint64_t it = 1000000;
        double best = 1e30;
        for (int round = 0; round < 3; round++) {
            double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
            work(it);
            double ms = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
            if (ms < best)
                best = ms;
        }
        printf("%llu\n", (unsigned long long)((double)it * target / best));
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: spin ITERATIONS | spin --calibrate SECONDS\n");
        return 2;
    }
    uint64_t it = strtoull(argv[1], NULL, 10);
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    work(it);
    printf("%.3f %.3f\n", now(CLOCK_MONOTONIC) - w0, now(CLOCK_PROCESS_CPUTIME_ID) - c0);
    return 0;
}
