/* bench_cache.c - the step cache: cached rebuild vs cold build of a
 * multi-step DAG of real processes (issue 8's goal: <= 1% of cold time).
 *
 *   bench_cache [STEP_SECONDS] [OUTPUT_MB]
 *
 * A FINN-shaped DAG of 7 tasks sharing one build directory:
 *   tidy -> streamline -> {hw_mvau, hw_thresh} -> fold -> {rtl, estimate}
 * every task burns ~STEP_SECONDS of CPU (bench/orch/spin) and then writes
 * OUTPUT_MB of incompressible data plus a small report into the build dir.
 * Keys chain (a task's key has its dependencies' keys as inputs), as the
 * workflow engine's do.  Measured, each from submit until all tasks are
 * final, scheduler open/close included, 2 cpus:
 *   cold       empty cache: everything runs and is stored
 *   cached     the build dir removed, the same DAG again: all restored
 *   partial    `fold` config changed: fold, rtl, estimate run, 4 restored
 * Best and median of 5 cached rebuilds are printed. */
#include "brainsmith/artifacts.h"
#include "brainsmith/error.h"
#include "brainsmith/orch.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"
#include "brainsmith/workspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, bs_error_msg());
    exit(1);
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

enum { NT = 7 };
static const char *const names[NT] = {"tidy", "streamline", "hw_mvau", "hw_thresh", "fold", "rtl", "estimate"};
/* Dependencies (indices), -1 terminated. */
static const int deps[NT][3] = {{-1}, {0, -1}, {1, -1}, {1, -1}, {2, 3, -1}, {4, -1}, {4, -1}};

typedef struct dag {
    char lines[NT][1024];
    const char *argv[NT][4];
    char keys[NT][65];
    int after[NT][2];
    bs_task_spec sp[NT];
} dag;

static void make_dag(dag *d, const char *out, long iters, int mb, const char *fold_cfg)
{
    for (int i = 0; i < NT; i++) {
        /* key: step, dependencies' keys, config, tool versions */
        const char *inputs[2];
        int ni = 0;
        for (int k = 0; deps[i][k] >= 0; k++)
            inputs[ni++] = d->keys[deps[i][k]];
        const char *tools[] = {"finn=0.10.1", "vivado=2022.2"};
        bs_cache_key_in in = {.step = names[i], .inputs = inputs, .ninputs = ni,
                              .config_json = i == 4 ? fold_cfg : "{\"clk_ns\":5}", .tools = tools,
                              .ntools = 2};
        if (bs_cache_key(&in, d->keys[i]))
            die("cache key");
        snprintf(d->lines[i], sizeof d->lines[i],
                 "%s %ld >/dev/null && mkdir -p '%s/report' '%s/intermediate_models' &&"
                 " head -c %dM /dev/urandom > '%s/intermediate_models/%s.onnx' &&"
                 " echo '{\"step\":\"%s\",\"cfg\":%s}' > '%s/report/%s.json'",
                 SPIN, iters, out, out, mb, out, names[i], names[i], i == 4 ? fold_cfg : "{}", out, names[i]);
        d->argv[i][0] = "/bin/sh";
        d->argv[i][1] = "-c";
        d->argv[i][2] = d->lines[i];
        d->argv[i][3] = NULL;
        bs_task_spec *s = &d->sp[i];
        bs_task_spec_init(s);
        s->name = names[i];
        s->argv = d->argv[i];
        s->cache_key = d->keys[i];
        s->outputs = out;
        int na = 0;
        for (int k = 0; deps[i][k] >= 0; k++)
            d->after[i][na++] = deps[i][k];
        s->after_local = d->after[i];
        s->nafter_local = na;
    }
}

/* Submits the DAG and runs it to the end; returns wall seconds and counts
 * the tasks that ran / were cached. */
static double build(bs_workspace *ws, dag *d, int *ran, int *cached)
{
    int64_t ids[NT];
    int64_t t0 = bs_now_mono_ns();
    if (bs_orch_submit_batch(ws, d->sp, NT, ids))
        die("submit");
    bs_sched_opts o;
    memset(&o, 0, sizeof o);
    o.cpus = 2;
    bs_sched *s;
    if (bs_sched_open(ws, &o, &s))
        die("scheduler");
    if (bs_sched_run(s, ids, NT, false))
        die("run");
    bs_sched_close(s, false);
    double secs = (double)(bs_now_mono_ns() - t0) / 1e9;
    *ran = *cached = 0;
    for (int i = 0; i < NT; i++) {
        bs_task_info t;
        if (bs_orch_task_get(ws, ids[i], &t))
            die("status");
        if (t.state == BS_TASK_SUCCEEDED)
            (*ran)++;
        else if (t.state == BS_TASK_CACHED)
            (*cached)++;
        else
            fprintf(stderr, "task %s ended %s\n", names[i], bs_task_state_name(t.state));
        bs_task_info_free(&t);
    }
    return secs;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    double step_s = argc > 1 ? atof(argv[1]) : 1.0;
    int mb = argc > 2 ? atoi(argv[2]) : 4;
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "%s/bs-bench-cache-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    char *dir = mkdtemp(tmpl);
    if (!dir)
        die("mkdtemp");
    char *home = bs_path_join(dir, "home"), *out = bs_path_join(dir, "build");
    bs_workspace *ws;
    if (bs_workspace_open(home, true, &ws))
        die("workspace");
    long iters = calibrate(step_s);
    static dag d;
    int ran, cached;
    make_dag(&d, out, iters, mb, "{\"target_fps\":1000}");
    double cold = build(ws, &d, &ran, &cached);
    printf("cache: DAG of %d tasks (~%.1f s CPU and %d MB of output each), 2 cpus\n", NT, step_s, mb);
    printf("cache: cold build      %8.3f s   (%d ran, %d cached)\n", cold, ran, cached);
    double warm[5];
    for (int r = 0; r < 5; r++) {
        bs_rm_rf(out);
        warm[r] = build(ws, &d, &ran, &cached);
        if (ran != 0 || cached != NT)
            fprintf(stderr, "cached rebuild %d: %d ran, %d cached\n", r, ran, cached);
    }
    qsort(warm, 5, sizeof warm[0], cmp_d);
    printf("cache: cached rebuild  %8.3f s best, %.3f s median   (%d ran, %d cached)\n", warm[0], warm[2], ran,
           cached);
    printf("cache: cached / cold   %8.2f %% best, %.2f %% median   (goal <= 1%%)\n", 100.0 * warm[0] / cold,
           100.0 * warm[2] / cold);
    /* The folding of one step changes: only it and what follows run. */
    bs_rm_rf(out);
    make_dag(&d, out, iters, mb, "{\"target_fps\":2000}");
    double part = build(ws, &d, &ran, &cached);
    printf("cache: fold changed    %8.3f s   (%d ran, %d cached; %.0f %% of cold)\n", part, ran, cached,
           100.0 * part / cold);
    bs_workspace_close(ws);
    bs_rm_rf(dir);
    free(home);
    free(out);
    return 0;
}
