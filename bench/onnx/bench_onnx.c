/* bench_onnx.c - numbers for issue 4 (not a test):
 *   bench_onnx load MODEL [REPS]          load + infer shapes/datatypes, ms
 *   bench_onnx exec MODEL IN.npy SECONDS  single-core inferences per second
 * run.sh drives it over the shared models and a generated CNV. */
#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/npy.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "load")) {
        int reps = argc > 3 ? atoi(argv[3]) : 50;
        double *t = calloc((size_t)reps, sizeof(double));
        for (int i = 0; i < reps; i++) {
            int64_t t0 = bs_now_mono_ns();
            bs_ir_graph *g;
            if (bs_ir_load(argv[2], &g) || bs_ir_infer(g)) { fprintf(stderr, "%s\n", bs_error_msg()); return 1; }
            t[i] = (double)(bs_now_mono_ns() - t0) / 1e6;
            bs_ir_free(g);
        }
        qsort(t, (size_t)reps, sizeof(double), cmp_d);
        printf("load+infer %s: median %.3f ms, min %.3f ms, max %.3f ms (%d reps)\n", argv[2], t[reps / 2], t[0],
               t[reps - 1], reps);
        free(t);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "exec")) {
        bs_ir_graph *g;
        bs_value x = {0};
        bs_exec_session *s;
        if (bs_ir_load(argv[2], &g) || bs_ir_infer(g) || bs_npy_read(argv[3], &x) || bs_exec_new(g, &s)) {
            fprintf(stderr, "%s\n", bs_error_msg());
            return 1;
        }
        double secs = atof(argv[4]);
        if (bs_exec_run(s, &x, 1)) { fprintf(stderr, "%s\n", bs_error_msg()); return 1; }
        long n = 0;
        int64_t t0 = bs_now_mono_ns(), t1;
        do {
            if (bs_exec_run(s, &x, 1)) { fprintf(stderr, "%s\n", bs_error_msg()); return 1; }
            n++;
            t1 = bs_now_mono_ns();
        } while ((double)(t1 - t0) / 1e9 < secs);
        printf("%.2f\n", (double)n / ((double)(t1 - t0) / 1e9));
        bs_exec_free(s);
        bs_value_free(&x);
        bs_ir_free(g);
        return 0;
    }
    fprintf(stderr, "usage: bench_onnx load MODEL [REPS] | exec MODEL IN.npy SECONDS\n");
    return 2;
}
