/* bench_metrics.c - benchmarks of lib/metrics (not a test; run by
 * bench/metrics/run.sh, which prints the numbers):
 *
 *   bench_metrics throughput PARSER FILE...   MB/s of one parser over files
 *   bench_metrics import DIR [N]              in-process import of a build dir
 *   bench_metrics monitor INTERVAL_MS -- CMD  monitoring overhead on a real run
 *
 * The monitor benchmark runs CMD once with the /proc sampler attached and
 * reports the sampler's own CPU time relative to the build's wall time (the
 * share of one core the collection costs), plus the sample count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

static int throughput(const char *parser, int nf, char **files)
{
    char **text = calloc((size_t)nf, sizeof *text);
    size_t *len = calloc((size_t)nf, sizeof *len), total = 0;
    for (int i = 0; i < nf; i++) {
        if (bs_read_file(files[i], &text[i], &len[i])) {
            fprintf(stderr, "%s: %s\n", files[i], bs_error_msg());
            return 1;
        }
        total += len[i];
    }
    /* warm up, check they parse */
    for (int i = 0; i < nf; i++) {
        bs_metric_set s;
        bs_metrics_init(&s);
        if (bs_metrics_parse_text(&s, parser, files[i], text[i], len[i])) {
            fprintf(stderr, "%s: %s\n", files[i], bs_error_msg());
            return 1;
        }
        bs_metrics_free(&s);
    }
    int64_t t0 = bs_now_mono_ns(), t;
    long iters = 0;
    do {
        for (int i = 0; i < nf; i++) {
            bs_metric_set s;
            bs_metrics_init(&s);
            bs_metrics_parse_text(&s, parser, files[i], text[i], len[i]);
            bs_metrics_free(&s);
        }
        iters++;
        t = bs_now_mono_ns();
    } while (t - t0 < 500000000LL);
    double sec = (t - t0) / 1e9;
    printf("%-24s %3d file(s) %9zu bytes  %8.1f MB/s  (%.1f us per file)\n", parser, nf, total,
           total * (double)iters / sec / 1e6, sec / (iters * nf) * 1e6);
    for (int i = 0; i < nf; i++)
        free(text[i]);
    free(text);
    free(len);
    return 0;
}

static int import(const char *dir, int n)
{
    double best = 1e9, sum = 0;
    for (int i = 0; i < n; i++) {
        char tmpl[] = "/tmp/bs-bench-import-XXXXXX";
        char *home = mkdtemp(tmpl);
        bs_workspace *ws;
        if (!home || bs_workspace_open(home, true, &ws))
            return 1;
        bs_import_result r;
        int64_t t0 = bs_now_mono_ns();
        int rc = bs_metrics_import(ws, dir, NULL, NULL, &r, NULL);
        double ms = (bs_now_mono_ns() - t0) / 1e6;
        bs_workspace_close(ws);
        bs_rm_rf(home);
        if (rc) {
            fprintf(stderr, "import: %s\n", bs_error_msg());
            return 1;
        }
        best = ms < best ? ms : best;
        sum += ms;
        if (i == 0)
            printf("import %s: %d files, %d values\n", dir, r.nfiles, r.nvalues);
    }
    printf("  in-process import: best %.2f ms, mean %.2f ms over %d runs\n", best, sum / n, n);
    return 0;
}

static int monitor(int interval_ms, char **argv)
{
    bs_spawn_opts o = {0};
    o.argv = (const char *const *)argv;
    o.new_pgroup = true;
    o.stdout_path = "/dev/null";
    o.stderr_path = "/dev/null";
    pid_t pid;
    int64_t t0 = bs_now_mono_ns();
    if (bs_spawn(&o, &pid)) {
        fprintf(stderr, "%s\n", bs_error_msg());
        return 1;
    }
    bs_usage_monitor *m = NULL;
    if (interval_ms > 0)
        bs_usage_monitor_start(pid, interval_ms, &m);
    int st;
    waitpid(pid, &st, 0);
    double wall = (bs_now_mono_ns() - t0) / 1e9;
    bs_usage_sample u = {0};
    double self = 0;
    if (m)
        bs_usage_monitor_stop(m, &u, &self);
    printf("  interval %4d ms: build wall %.3f s, tool cpu %.3f s, peak rss %.1f MB, sampler cpu %.6f s "
           "= %.4f%% of the build's wall time\n",
           interval_ms, wall, u.cpu_s, u.peak_rss_kb / 1024.0, self, 100.0 * self / wall);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "throughput"))
        return throughput(argv[2], argc - 3, argv + 3);
    if (argc >= 3 && !strcmp(argv[1], "import"))
        return import(argv[2], argc > 3 ? atoi(argv[3]) : 20);
    if (argc >= 5 && !strcmp(argv[1], "monitor") && !strcmp(argv[3], "--"))
        return monitor(atoi(argv[2]), argv + 4);
    fprintf(stderr, "usage: bench_metrics throughput PARSER FILE... | import DIR [N] | "
                    "monitor INTERVAL_MS -- CMD...\n");
    return 2;
}
