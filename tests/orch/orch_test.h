/* orch_test.h - helpers shared by the orchestrator tests: a fresh
 * workspace per test, task specs from a shell line, running the scheduler
 * in-process until idle, and reading attempt rows. */
#ifndef BS_ORCH_TEST_H
#define BS_ORCH_TEST_H

#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/orch.h"
#include "brainsmith/workspace.h"

typedef struct otest {
    char *dir;
    bs_workspace *ws;
} otest;

static inline int otest_setup(void **state)
{
    otest *t = calloc(1, sizeof *t);
    t->dir = bs_test_mkdtemp("orch");
    assert_int_equal(bs_workspace_open(t->dir, true, &t->ws), 0);
    assert_int_equal(bs_orch_init(t->ws), 0);
    *state = t;
    return 0;
}

static inline int otest_teardown(void **state)
{
    otest *t = *state;
    bs_workspace_close(t->ws);
    bs_test_rmdir(t->dir);
    free(t);
    return 0;
}

/* A spec running `sh -c LINE`. */
static inline void otest_spec(bs_task_spec *s, const char *name, const char *line)
{
    static const char *argvs[64][4];
    static int next;
    const char **a = argvs[next++ % 64];
    a[0] = "/bin/sh";
    a[1] = "-c";
    a[2] = line;
    a[3] = NULL;
    bs_task_spec_init(s);
    s->name = name;
    s->argv = a;
}

static inline int64_t otest_submit(otest *t, const char *name, const char *line, int prio)
{
    bs_task_spec s;
    otest_spec(&s, name, line);
    s.priority = prio;
    int64_t id = 0;
    int rc = bs_orch_submit(t->ws, &s, &id, NULL);
    if (rc)
        fprintf(stderr, "submit: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    return id;
}

static inline void otest_opts(bs_sched_opts *o, int cpus)
{
    memset(o, 0, sizeof *o);
    o->cpus = cpus;
    o->mem_mb = 16384;
    o->sample_ms = 50;
    o->kill_grace_ms = 300;
}

static inline void otest_run_idle(otest *t, int cpus)
{
    bs_sched_opts o;
    otest_opts(&o, cpus);
    bs_sched *s;
    int rc = bs_sched_open(t->ws, &o, &s);
    if (rc)
        fprintf(stderr, "sched: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    rc = bs_sched_run(s, NULL, 0, true);
    if (rc)
        fprintf(stderr, "run: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    bs_sched_close(s, false);
}

static inline bs_task_state otest_state(otest *t, int64_t id)
{
    bs_task_info ti;
    assert_int_equal(bs_orch_task_get(t->ws, id, &ti), 0);
    bs_task_state st = ti.state;
    bs_task_info_free(&ti);
    return st;
}

/* Start time of attempt n (1-based) of a task, 0 if none. */
static inline int64_t otest_started(otest *t, int64_t id, int n)
{
    bs_attempt_info *a;
    int na;
    assert_int_equal(bs_orch_attempts(t->ws, id, &a, &na), 0);
    int64_t v = na >= n ? a[n - 1].started_ms : 0;
    bs_attempt_info_free_array(a, na);
    return v;
}

#endif
