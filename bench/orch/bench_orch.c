/* bench_orch.c - orchestrator benchmarks (numbers, not pass/fail):
 *   bench_orch throughput N      N `true` tasks submitted, then run on 2 cpus
 *   bench_orch decide N          decision time with N queued tasks
 *   bench_orch parallel          8 CPU-bound ~2 s tasks on 2 cpus: makespan/ideal
 *   bench_orch overhead          CPU-bound task under the executor vs bare
 * Each mode makes its own workspace under $TMPDIR and removes it. */
#include "brainsmith/error.h"
#include "brainsmith/orch.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"
#include "brainsmith/workspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char *g_dir;

static bs_workspace *fresh_ws(void)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "%s/bs-bench-orch-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    g_dir = strdup(mkdtemp(tmpl));
    bs_workspace *ws;
    if (bs_workspace_open(g_dir, true, &ws) || bs_orch_init(ws)) {
        fprintf(stderr, "workspace: %s\n", bs_error_msg());
        exit(1);
    }
    return ws;
}

static void drop_ws(bs_workspace *ws)
{
    bs_workspace_close(ws);
    bs_rm_rf(g_dir);
    free(g_dir);
}

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, bs_error_msg());
    exit(1);
}

/* Submits n copies of argv in batches; returns seconds taken. */
static double submit_many(bs_workspace *ws, const char *const *argv, int n, bool random_prio, int64_t mem)
{
    enum { B = 20000 };
    bs_task_spec *sp = calloc(B, sizeof *sp);
    int64_t *ids = calloc(B, sizeof *ids);
    int64_t t0 = bs_now_mono_ns();
    srand(42);
    for (int done = 0; done < n;) {
        int k = n - done < B ? n - done : B;
        for (int i = 0; i < k; i++) {
            bs_task_spec_init(&sp[i]);
            sp[i].argv = argv;
            sp[i].mem_mb = mem;
            if (random_prio)
                sp[i].priority = (rand() % 4) * 100 + rand() % 50;
        }
        if (bs_orch_submit_batch(ws, sp, k, ids))
            die("submit");
        done += k;
    }
    free(sp);
    free(ids);
    return (double)(bs_now_mono_ns() - t0) / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench_throughput(int n)
{
    bs_workspace *ws = fresh_ws();
    const char *argv[] = {"true", NULL};
    double ts = submit_many(ws, argv, n, false, 0);
    printf("throughput: submitted %d tasks in %.2f s (%.0f tasks/s, batches of 20000)\n", n, ts, n / ts);
    bs_sched_opts o = {.cpus = 2};
    bs_sched *s;
    if (bs_sched_open(ws, &o, &s))
        die("scheduler");
    int64_t t0 = bs_now_mono_ns();
    if (bs_sched_run(s, NULL, 0, true))
        die("run");
    double tr = (double)(bs_now_mono_ns() - t0) / 1e9;
    bs_sched_close(s, false);
    int64_t c[BS_TASK_NSTATES];
    bs_orch_counts(ws, NULL, c);
    printf("throughput: ran %lld/%d `true` tasks on 2 cpus in %.2f s = %.0f tasks/s (goal >= 200)\n",
           (long long)c[BS_TASK_SUCCEEDED], n, tr, n / tr);
    drop_ws(ws);
}

static void time_decisions(bs_sched *s, const char *label)
{
    enum { R = 2000 };
    static double t[R];
    int64_t ids[4];
    int n = 0;
    for (int i = 0; i < R; i++) {
        int64_t a = bs_now_mono_ns();
        if (bs_sched_decide(s, ids, 2, &n))
            die("decide");
        t[i] = (double)(bs_now_mono_ns() - a) / 1e3;
    }
    qsort(t, R, sizeof t[0], cmp_d);
    double sum = 0;
    for (int i = 0; i < R; i++)
        sum += t[i];
    printf("decide (%s): %d decisions picking %d: mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us "
           "(goal < 1000 us)\n", label, R, n, sum / R, t[R / 2], t[R * 99 / 100], t[R - 1]);
}

static void bench_decide(int n)
{
    bs_workspace *ws = fresh_ws();
    const char *argv[] = {"true", NULL};
    /* One task that will run and hold 600 of 1000 MB, then the queue. */
    bs_task_spec hold;
    bs_task_spec_init(&hold);
    const char *sl[] = {"sleep", "60", NULL};
    hold.argv = sl;
    hold.priority = BS_PRIO_MAX;
    hold.mem_mb = 600;
    int64_t hid;
    if (bs_orch_submit(ws, &hold, &hid, NULL))
        die("submit");
    double ts = submit_many(ws, argv, n, true, 100);
    printf("decide: queued %d tasks (random priorities) in %.1f s\n", n, ts);
    bs_sched_opts o = {.cpus = 8, .mem_mb = 1000};
    bs_sched *s;
    if (bs_sched_open(ws, &o, &s))
        die("scheduler");
    time_decisions(s, "idle scheduler, the head fits");
    bool idle;
    if (bs_sched_step(s, 0, &idle))      /* starts the holder and 4 of the queue: memory full */
        die("step");
    /* Now 3 cpus but no memory are free, and the head needs 800 MB: it
     * blocks, and every other candidate (100 MB each) is examined and
     * rejected: the decision walks the whole lookahead. */
    bs_task_spec big;
    bs_task_spec_init(&big);
    big.argv = argv;
    big.priority = BS_PRIO_MAX;
    big.mem_mb = 800;
    int64_t bid;
    if (bs_orch_submit(ws, &big, &bid, NULL))
        die("submit");
    printf("decide: %d attempts running after one round\n", bs_sched_running(s));
    time_decisions(s, "head blocked on memory, full lookahead scan");
    bs_orch_cancel(ws, hid, NULL);
    bs_sched_close(s, true);
    drop_ws(ws);
}

static long calibrate(double secs)
{
    char arg[32];
    snprintf(arg, sizeof arg, "%.2f", secs);
    const char *argv[] = {SPIN, "--calibrate", arg, NULL};
    char *out;
    size_t len;
    bs_exit ex;
    if (bs_run_capture(argv, NULL, false, 0, &out, &len, &ex))
        die("calibrate");
    long it = atol(out);
    free(out);
    return it;
}

static double bare_run(const char *iters, double *cpu_ms)
{
    const char *argv[] = {SPIN, iters, NULL};
    char *out;
    size_t len;
    bs_exit ex;
    int64_t t0 = bs_now_mono_ns();
    if (bs_run_capture(argv, NULL, false, 0, &out, &len, &ex))
        die("spin");
    double wall = (double)(bs_now_mono_ns() - t0) / 1e6;
    double loop_ms = 0;
    sscanf(out, "%lf %lf", &loop_ms, cpu_ms);
    free(out);
    (void)wall;
    return loop_ms;
}

static void bench_parallel(void)
{
    bs_workspace *ws = fresh_ws();
    long it = calibrate(2.0);
    char iters[32];
    snprintf(iters, sizeof iters, "%ld", it);
    double cpu;
    double bare = bare_run(iters, &cpu);
    const char *argv[] = {SPIN, iters, NULL};
    bs_task_spec sp[8];
    int64_t ids[8];
    for (int i = 0; i < 8; i++) {
        bs_task_spec_init(&sp[i]);
        sp[i].argv = argv;
    }
    if (bs_orch_submit_batch(ws, sp, 8, ids))
        die("submit");
    bs_sched_opts o = {.cpus = 2};
    bs_sched *s;
    if (bs_sched_open(ws, &o, &s) || bs_sched_run(s, ids, 8, false))
        die("run");
    bs_sched_close(s, false);
    int64_t first = INT64_MAX, last = 0, sum = 0;
    for (int i = 0; i < 8; i++) {
        bs_attempt_info *a;
        int n;
        bs_orch_attempts(ws, ids[i], &a, &n);
        if (a[0].started_ms < first)
            first = a[0].started_ms;
        if (a[0].finished_ms > last)
            last = a[0].finished_ms;
        sum += a[0].finished_ms - a[0].started_ms;
        bs_attempt_info_free_array(a, n);
    }
    double makespan = (double)(last - first);
    printf("parallel: 8 tasks of %.0f ms (bare) on 2 cpus: makespan %.0f ms, ideal 4 x bare = %.0f ms, "
           "ratio %.3f (goal <= 1.05); against the tasks' own durations (sum/2 = %.0f ms): %.3f\n",
           bare, makespan, 4 * bare, makespan / (4 * bare), (double)sum / 2, makespan / ((double)sum / 2));
    drop_ws(ws);
}

static void bench_overhead(void)
{
    bs_workspace *ws = fresh_ws();
    long it = calibrate(3.0);
    char iters[32];
    snprintf(iters, sizeof iters, "%ld", it);
    const char *argv[] = {SPIN, iters, NULL};
    double best_bare = 1e30, best_exec = 1e30, cpu;
    double sched_cpu = 0, task_cpu = 0;
    for (int round = 0; round < 3; round++) {
        double b = bare_run(iters, &cpu);
        if (b < best_bare)
            best_bare = b;
        bs_task_spec sp;
        bs_task_spec_init(&sp);
        sp.argv = argv;
        int64_t id;
        if (bs_orch_submit(ws, &sp, &id, NULL))
            die("submit");
        bs_sched_opts o = {.cpus = 1, .sample_ms = 500};
        bs_sched *s;
        struct rusage r0, r1;
        getrusage(RUSAGE_SELF, &r0);
        if (bs_sched_open(ws, &o, &s) || bs_sched_run(s, &id, 1, false))
            die("run");
        getrusage(RUSAGE_SELF, &r1);
        bs_sched_close(s, false);
        sched_cpu += (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e3 +
                     (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e3;
        char *path, *out;
        size_t len;
        if (bs_orch_log_path(ws, id, 0, false, &path) || bs_read_file(path, &out, &len))
            die("log");
        double e = 0, c = 0;
        sscanf(out, "%lf %lf", &e, &c);
        task_cpu += c;
        if (e < best_exec)
            best_exec = e;
        free(out);
        free(path);
    }
    printf("overhead: CPU-bound loop best of 3: bare %.1f ms, under the executor (sampling every 500 ms) "
           "%.1f ms: %+.2f%% (goal < 0.5%%); scheduler CPU while supervising: %.1f ms per %.0f ms of task "
           "CPU = %.3f%%\n", best_bare, best_exec, (best_exec / best_bare - 1) * 100, sched_cpu / 3,
           task_cpu / 3, sched_cpu / task_cpu * 100);
    drop_ws(ws);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "throughput"))
        bench_throughput(argc > 2 ? atoi(argv[2]) : 10000);
    else if (argc >= 2 && !strcmp(argv[1], "decide"))
        bench_decide(argc > 2 ? atoi(argv[2]) : 1000000);
    else if (argc >= 2 && !strcmp(argv[1], "parallel"))
        bench_parallel();
    else if (argc >= 2 && !strcmp(argv[1], "overhead"))
        bench_overhead();
    else {
        fprintf(stderr, "usage: bench_orch throughput [N] | decide [N] | parallel | overhead\n");
        return 2;
    }
    return 0;
}
