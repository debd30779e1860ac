/* bench_dse.c - the CNV SetFolding + estimates benchmark of issue 6.
 *
 * A CNV-topology model in FINN dev 2025 HW form (bs_dse_example_cnv: 21
 * layers) is loaded once; then for 20 target-fps values (geometric, 50 ..
 * ~375k fps at 5 ns) FINN's two-pass SetFolding runs over the design and
 * every layer is estimated (cycles, LUT, BRAM, URAM, DSP, totals, critical
 * path) and, in the "+reports" variant, rendered as the folding JSON and the
 * per-layer report JSON.  Repeated `reps` times; min and median of the
 * 20-value total are printed.  Also: the load time, and the full
 * `config generate` search (every candidate target) on three platforms.
 * Usage: bench_dse [reps] [wbits abits] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brainsmith/dse.h"
#include "brainsmith/error.h"
#include "brainsmith/ir.h"
#include "brainsmith/util.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double ms(int64_t t0) { return (double)(bs_now_mono_ns() - t0) / 1e6; }

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 50;
    int wb = argc > 3 ? atoi(argv[2]) : 1, ab = argc > 3 ? atoi(argv[3]) : 1;
    if (reps < 1) reps = 1;
    char path[] = "/tmp/bench-dse-XXXXXX";
    if (!mkdtemp(path)) return 1;
    char model[256];
    snprintf(model, sizeof model, "%s/cnv.onnx", path);
    bs_ir_graph *g;
    if (bs_dse_example_cnv(wb, ab, 7, &g) < 0 || bs_ir_save(g, model) < 0) { fprintf(stderr, "%s\n", bs_error_msg()); return 1; }
    bs_ir_free(g);
    bs_dse_opts o;
    bs_dse_opts_init(&o);
    o.platform = "Pynq-Z1";
    o.clk_ns = 5.0;
    bs_dse_design *d;
    int64_t t0 = bs_now_mono_ns();
    if (bs_dse_load(model, &o, &d) < 0) { fprintf(stderr, "%s\n", bs_error_msg()); return 1; }
    double load_ms = ms(t0);
    bs_dse_point *p = bs_dse_point_new(d);
    double *a = calloc((size_t)reps, sizeof *a), *b = calloc((size_t)reps, sizeof *b);
    int64_t last_cycles = 0;
    for (int r = 0; r < reps; r++) {
        for (int pass = 0; pass < 2; pass++) {
            t0 = bs_now_mono_ns();
            for (int k = 0; k < 20; k++) {
                double fps = 50.0 * pow(1.6, k);
                bs_dse_point_current(d, p);
                if (bs_dse_setfolding(d, bs_fold_target_cycles(5.0, fps), p) < 0) { fprintf(stderr, "%s\n", bs_error_msg()); return 1; }
                last_cycles += p->max_cycles;
                if (pass == 1) {
                    cJSON *f = bs_dse_folding_json(d, p), *j = bs_dse_point_json(d, p);
                    char *s1 = cJSON_PrintUnformatted(f), *s2 = cJSON_PrintUnformatted(j);
                    free(s1);
                    free(s2);
                    cJSON_Delete(f);
                    cJSON_Delete(j);
                }
            }
            (pass ? b : a)[r] = ms(t0);
        }
    }
    qsort(a, (size_t)reps, sizeof *a, cmp);
    qsort(b, (size_t)reps, sizeof *b, cmp);
    printf("CNV w%da%d (%d HW layers): load (model -> design incl. minimize_bit_width) %.1f ms\n", wb, ab, d->n, load_ms);
    printf("20 target fps: SetFolding (two-pass) + estimates           min %.2f ms  median %.2f ms (%d reps)\n", a[0],
           a[reps / 2], reps);
    printf("20 target fps: SetFolding + estimates + folding/report JSON min %.2f ms  median %.2f ms\n", b[0], b[reps / 2]);
    const char *plats[] = {"pynq-z2", "zcu104", "u250"};
    for (int i = 0; i < 3; i++) {
        bs_dse_design *d2;
        o.platform = plats[i];
        if (bs_dse_load(model, &o, &d2) < 0) return 1;
        bs_dse_point *best = bs_dse_point_new(d2);
        cJSON *sum = NULL;
        bs_dse_explore_opts eo = {.select = true};
        t0 = bs_now_mono_ns();
        int rc = bs_dse_explore(d2, &eo, best, &sum);
        double t = ms(t0);
        printf("config generate search on %-8s %.1f ms: %d candidate targets, %d SetFolding runs, best %.1f fps (rc %d)\n",
               plats[i], t, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "candidate_targets")),
               (int)cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "setfolding_runs")), best->fps, rc);
        cJSON_Delete(sum);
        bs_dse_point_free(best);
        bs_dse_free(d2);
    }
    if (last_cycles == 42) printf("\n");
    free(a);
    free(b);
    bs_dse_point_free(p);
    bs_dse_free(d);
    bs_rm_rf(path);
    return 0;
}
