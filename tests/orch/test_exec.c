/* test_exec.c - the local executor with real processes: an oom kill of a
 * child that really allocates, a timeout, cancellation of a running task
 * whose grandchildren ignore SIGTERM, usage recording, environment/cwd/
 * logs, and the crash paths of the supervisor: a detached scheduler's
 * task re-adopted by the next one (exit status still recorded), and a
 * task whose supervisor was killed ending `lost` and running again. */
#include "orch_test.h"

#include "brainsmith/proc.h"

#include <signal.h>
#include <sys/wait.h>

static bs_attempt_info *last_attempt(otest *t, int64_t id, bs_attempt_info **arr, int *n)
{
    assert_int_equal(bs_orch_attempts(t->ws, id, arr, n), 0);
    assert_true(*n > 0);
    return &(*arr)[*n - 1];
}

static void test_oom_kill(void **state)
{
    otest *t = *state;
    const char *argv[] = {MEMHOG, "600", "8", "20", "30", NULL};
    bs_task_spec s;
    otest_spec(&s, "hog", "true");
    s.argv = argv;
    s.mem_mb = 64;                       /* + default margin 64 MB -> killed above 128 MB */
    int64_t id;
    assert_int_equal(bs_orch_submit(t->ws, &s, &id, NULL), 0);
    int64_t t0 = bs_now_mono_ms();
    otest_run_idle(t, 1);
    int64_t el = bs_now_mono_ms() - t0;
    bs_attempt_info *arr;
    int n;
    bs_attempt_info *a = last_attempt(t, id, &arr, &n);
    fprintf(stderr, "oom: class %s, peak %lld MB, %s, after %lld ms\n", bs_fail_class_name(a->fail_class),
            (long long)a->peak_rss_kb / 1024, a->reason ? a->reason : "", (long long)el);
    assert_int_equal(a->fail_class, BS_FAIL_OOM);
    assert_true(a->peak_rss_kb > 128 * 1024);
    assert_true(a->peak_rss_kb < 600 * 1024);     /* stopped before it took all */
    assert_int_equal(a->signal, SIGKILL);
    assert_non_null(strstr(a->reason, "exceeded"));
    assert_true(el < 15000);
    bs_attempt_info_free_array(arr, n);
    assert_int_equal(otest_state(t, id), BS_TASK_FAILED);
}

static void test_timeout(void **state)
{
    otest *t = *state;
    bs_task_spec s;
    otest_spec(&s, "slow", "sleep 30");
    s.timeout_ms = 400;
    int64_t id;
    assert_int_equal(bs_orch_submit(t->ws, &s, &id, NULL), 0);
    int64_t t0 = bs_now_mono_ms();
    otest_run_idle(t, 1);
    int64_t el = bs_now_mono_ms() - t0;
    bs_attempt_info *arr;
    int n;
    bs_attempt_info *a = last_attempt(t, id, &arr, &n);
    assert_int_equal(a->fail_class, BS_FAIL_TIMEOUT);
    assert_int_equal(a->signal, SIGTERM);
    int64_t dur = a->finished_ms - a->started_ms;
    fprintf(stderr, "timeout: attempt lasted %lld ms (timeout 400)\n", (long long)dur);
    assert_true(dur >= 390 && dur < 5000);
    assert_true(el < 10000);
    bs_attempt_info_free_array(arr, n);
}

/* Pids listed in a file, one per line. */
static int read_pids(const char *path, pid_t *pids, int max)
{
    char *text;
    size_t len;
    if (bs_read_file(path, &text, &len))
        return 0;
    int n = 0;
    for (char *p = text; *p && n < max;) {
        pids[n++] = (pid_t)strtol(p, &p, 10);
        while (*p == '\n')
            p++;
    }
    free(text);
    return n;
}

static void test_cancel_running_with_grandchildren(void **state)
{
    otest *t = *state;
    char *pidfile = bs_path_join(t->dir, "kids");
    char line[600];
    /* The shell and both grandchildren ignore SIGTERM: only the SIGKILL
     * after the grace period stops them, and it must reach all of them. */
    snprintf(line, sizeof line,
             "trap '' TERM; sleep 60 & echo $! >> '%s'; sleep 60 & echo $! >> '%s'; wait", pidfile, pidfile);
    int64_t id = otest_submit(t, "stubborn", line, BS_PRIO_NORMAL);
    bs_sched_opts o;
    otest_opts(&o, 1);
    bs_sched *s;
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    pid_t kids[4];
    int nk = 0;
    for (int i = 0; i < 500 && nk < 2; i++) {
        bool idle;
        assert_int_equal(bs_sched_step(s, 20, &idle), 0);
        nk = read_pids(pidfile, kids, 4);
    }
    assert_int_equal(nk, 2);
    assert_true(bs_proc_alive(kids[0]) && bs_proc_alive(kids[1]));
    bs_task_state st;
    int64_t t0 = bs_now_mono_ms();
    assert_int_equal(bs_orch_cancel(t->ws, id, &st), 0);
    assert_int_equal(st, BS_TASK_RUNNING);             /* requested; the scheduler acts */
    assert_int_equal(bs_sched_run(s, &id, 1, false), 0);
    int64_t el = bs_now_mono_ms() - t0;
    bs_sched_close(s, false);
    fprintf(stderr, "cancel took %lld ms (grace 300)\n", (long long)el);
    assert_true(el >= 250 && el < 10000);
    assert_int_equal(otest_state(t, id), BS_TASK_CANCELLED);
    for (int i = 0; i < 50 && (bs_proc_alive(kids[0]) || bs_proc_alive(kids[1])); i++)
        bs_sleep_ms(20);
    assert_false(bs_proc_alive(kids[0]));
    assert_false(bs_proc_alive(kids[1]));
    bs_attempt_info *arr;
    int n;
    bs_attempt_info *a = last_attempt(t, id, &arr, &n);
    assert_int_equal(a->fail_class, BS_FAIL_CANCELLED);
    assert_int_equal(a->signal, SIGKILL);
    bs_attempt_info_free_array(arr, n);
    free(pidfile);
}

/* A descendant that moved to a session (process group) of its own is
 * still counted and still stopped by a cancel. */
static void test_cancel_reaches_escaped_child(void **state)
{
    otest *t = *state;
    char *pidfile = bs_path_join(t->dir, "escaped");
    char line[600];
    snprintf(line, sizeof line, "setsid sleep 60 & echo $! > '%s'; sleep 60", pidfile);
    int64_t id = otest_submit(t, "escaper", line, BS_PRIO_NORMAL);
    bs_sched_opts o;
    otest_opts(&o, 1);
    bs_sched *s;
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    pid_t kid[1] = {0};
    for (int i = 0; i < 500 && read_pids(pidfile, kid, 1) < 1; i++) {
        bool idle;
        assert_int_equal(bs_sched_step(s, 20, &idle), 0);
    }
    assert_true(kid[0] > 0);
    /* Let a few samples see it in its own group. */
    int64_t until = bs_now_mono_ms() + 300;
    while (bs_now_mono_ms() < until) {
        bool idle;
        assert_int_equal(bs_sched_step(s, 20, &idle), 0);
    }
    char path[64], *stat;
    size_t len;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)kid[0]);
    assert_int_equal(bs_read_file(path, &stat, &len), 0);
    int pgrp = 0;
    sscanf(strrchr(stat, ')') + 2, "%*c %*d %d", &pgrp);
    free(stat);
    assert_int_equal(pgrp, kid[0]);                  /* really outside the task's group */
    assert_int_equal(bs_orch_cancel(t->ws, id, NULL), 0);
    assert_int_equal(bs_sched_run(s, &id, 1, false), 0);
    bs_sched_close(s, false);
    assert_int_equal(otest_state(t, id), BS_TASK_CANCELLED);
    for (int i = 0; i < 100 && bs_proc_alive(kid[0]); i++)
        bs_sleep_ms(20);
    assert_false(bs_proc_alive(kid[0]));
    free(pidfile);
}

static void test_usage_env_cwd_logs(void **state)
{
    otest *t = *state;
    /* ~0.6 s of CPU in the shell itself, plus env and cwd checks. */
    const char *line = "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; "
                       "echo \"id=$BRAINSMITH_TASK_ID att=$BRAINSMITH_ATTEMPT x=$X\"; pwd; echo oops >&2";
    bs_task_spec s;
    otest_spec(&s, "busy", line);
    const char *env[] = {"X=42", NULL};
    s.env = env;
    s.cwd = "/tmp";
    int64_t id;
    assert_int_equal(bs_orch_submit(t->ws, &s, &id, NULL), 0);
    otest_run_idle(t, 1);
    assert_int_equal(otest_state(t, id), BS_TASK_SUCCEEDED);
    bs_attempt_info *arr;
    int n;
    bs_attempt_info *a = last_attempt(t, id, &arr, &n);
    fprintf(stderr, "usage: cpu %.2f s, wall %lld ms, peak %lld kB\n", a->cpu_s,
            (long long)(a->finished_ms - a->started_ms), (long long)a->peak_rss_kb);
    assert_true(a->cpu_s > 0.05);
    assert_true(a->cpu_s <= (double)(a->finished_ms - a->started_ms) / 1000.0 + 0.1);
    assert_true(a->peak_rss_kb > 100);
    char *out, *err, expect[128];
    size_t len;
    assert_int_equal(bs_read_file(a->log_out, &out, &len), 0);
    assert_int_equal(bs_read_file(a->log_err, &err, &len), 0);
    snprintf(expect, sizeof expect, "id=%lld att=1 x=42\n/tmp\n", (long long)id);
    assert_string_equal(out, expect);
    assert_string_equal(err, "oops\n");
    free(out);
    free(err);
    char *p;
    assert_int_equal(bs_orch_log_path(t->ws, id, 0, true, &p), 0);
    assert_string_equal(p, a->log_err);
    free(p);
    bs_attempt_info_free_array(arr, n);
}

/* The scheduler goes away (as after kill -9: no cleanup of its tasks);
 * the next one adopts the still-running task and records its real exit. */
static void test_readopt_after_detach(void **state)
{
    otest *t = *state;
    int64_t id = otest_submit(t, "survivor", "sleep 0.8; exit 5", BS_PRIO_NORMAL);
    bs_sched_opts o;
    otest_opts(&o, 1);
    bs_sched *s;
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    bool idle;
    assert_int_equal(bs_sched_step(s, 0, &idle), 0);
    assert_int_equal(otest_state(t, id), BS_TASK_RUNNING);
    bs_sched_close(s, false);                  /* detach: the task keeps running */
    bs_sleep_ms(100);
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    assert_int_equal(bs_sched_running(s), 1);   /* adopted */
    assert_int_equal(bs_sched_run(s, &id, 1, false), 0);
    bs_sched_close(s, false);
    bs_task_info ti;
    assert_int_equal(bs_orch_task_get(t->ws, id, &ti), 0);
    assert_int_equal(ti.state, BS_TASK_FAILED);
    {
        bs_attempt_info *arr;
        int n;
        assert_int_equal(bs_orch_attempts(t->ws, id, &arr, &n), 0);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "attempt %d: %s %s %s\n", arr[i].n, arr[i].state,
                    bs_fail_class_name(arr[i].fail_class), arr[i].reason ? arr[i].reason : "");
        bs_attempt_info_free_array(arr, n);
    }
    assert_int_equal(ti.exit_code, 5);          /* the real status, via the supervisor */
    assert_int_equal(ti.attempts, 1);           /* not started twice */
    bs_task_info_free(&ti);
    while (waitpid(-1, NULL, WNOHANG) > 0)      /* the supervisor was our child */
        ;
}

/* Supervisor killed while the scheduler was away: the task is stopped (it
 * must not run twice), the attempt ends `lost` (not charged) and a new
 * attempt runs. */
static void test_lost_supervisor(void **state)
{
    otest *t = *state;
    int64_t id = otest_submit(t, "orphan", "if [ \"$BRAINSMITH_ATTEMPT\" = 1 ]; then sleep 60; fi",
                              BS_PRIO_NORMAL);
    bs_sched_opts o;
    otest_opts(&o, 1);
    bs_sched *s;
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    bool idle;
    assert_int_equal(bs_sched_step(s, 0, &idle), 0);
    bs_attempt_info *arr;
    int n;
    pid_t task_pid = 0;
    for (int i = 0; i < 500 && !task_pid; i++) {
        assert_int_equal(bs_sched_step(s, 20, &idle), 0);
        last_attempt(t, id, &arr, &n);
        task_pid = arr[n - 1].pid;
        bs_attempt_info_free_array(arr, n);
    }
    assert_true(task_pid > 0);
    bs_sched_close(s, false);
    /* Find and kill the supervisor (the task's parent). */
    char path[64], *stat;
    size_t len;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)task_pid);
    assert_int_equal(bs_read_file(path, &stat, &len), 0);
    int ppid = 0;
    sscanf(strrchr(stat, ')') + 2, "%*c %d", &ppid);
    free(stat);
    assert_true(ppid > 1);
    kill(ppid, SIGKILL);
    waitpid(ppid, NULL, 0);
    assert_true(bs_proc_alive(task_pid));
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    assert_false(bs_proc_alive(task_pid));     /* recovery stopped the orphan */
    assert_int_equal(bs_sched_run(s, &id, 1, false), 0);
    bs_sched_close(s, false);
    bs_task_info ti;
    assert_int_equal(bs_orch_task_get(t->ws, id, &ti), 0);
    assert_int_equal(ti.state, BS_TASK_SUCCEEDED);
    assert_int_equal(ti.attempts, 2);
    assert_int_equal(ti.tries, 1);              /* the lost attempt is not charged */
    bs_task_info_free(&ti);
    last_attempt(t, id, &arr, &n);
    assert_int_equal(arr[0].fail_class, BS_FAIL_LOST);
    bs_attempt_info_free_array(arr, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oom_kill, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_timeout, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_running_with_grandchildren, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_reaches_escaped_child, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_usage_env_cwd_logs, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_readopt_after_detach, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_lost_supervisor, otest_setup, otest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
