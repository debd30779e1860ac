/* memhog.c - test helper: really allocates memory, so the executor's
 * /proc sampling sees the RSS grow.
 *   memhog TOTAL_MB [STEP_MB] [STEP_MS] [HOLD_S]
 * Touches every page of each step (anonymous mmap, not malloc, so the
 * sanitizer build measures the same thing), then holds it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: memhog TOTAL_MB [STEP_MB] [STEP_MS] [HOLD_S]\n");
        return 2;
    }
    long total = atol(argv[1]), step = argc > 2 ? atol(argv[2]) : 16;
    long step_ms = argc > 3 ? atol(argv[3]) : 20, hold = argc > 4 ? atol(argv[4]) : 30;
    struct timespec ts = {step_ms / 1000, (step_ms % 1000) * 1000000L};
    for (long have = 0; have < total; have += step) {
        char *p = mmap(NULL, (size_t)step << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        memset(p, 1, (size_t)step << 20);
        printf("%ld MB\n", have + step);
        fflush(stdout);
        nanosleep(&ts, NULL);
    }
    struct timespec h = {hold, 0};
    nanosleep(&h, NULL);
    return 0;
}
