/* test_queue.c - queue semantics with real child processes and a real
 * SQLite workspace: priority order under contention (with aging and the
 * big-task reservation), dependencies and dependency-failed propagation,
 * cycle refusal, idempotency keys, cancel/retry of queued tasks, retries
 * with measured backoff spacing, the one-scheduler lock, and corrupt or
 * missing databases. */
#include "orch_test.h"

#include "brainsmith/db.h"
#include "orch_int.h"           /* white-box: finishing attempts directly */

#include <fcntl.h>

/* Order in which tasks went to running, from the events table. */
typedef struct order { int64_t ids[256]; int n; } order;

static int order_cb(const bs_event *ev, void *ud)
{
    order *o = ud;
    if (!strcmp(ev->kind, "task.state") && ev->payload && strstr(ev->payload, "\"state\":\"running\"") &&
        o->n < 256)
        o->ids[o->n++] = ev->task_id;
    return 0;
}

static void running_order(otest *t, order *o)
{
    o->n = 0;
    assert_int_equal(bs_orch_events_read(t->ws, 0, 0, order_cb, o), 0);
}

static void test_priority_order(void **state)
{
    otest *t = *state;
    /* Submitted low to urgent; one cpu, so they contend. */
    int64_t low = otest_submit(t, "low", "true", BS_PRIO_LOW);
    int64_t n1 = otest_submit(t, "normal1", "true", BS_PRIO_NORMAL);
    int64_t hi = otest_submit(t, "high", "true", BS_PRIO_HIGH);
    int64_t n2 = otest_submit(t, "normal2", "true", BS_PRIO_NORMAL);
    int64_t urg = otest_submit(t, "urgent", "true", BS_PRIO_URGENT);
    int64_t i50 = otest_submit(t, "int150", "true", 150);
    /* A low task that has waited 2 hours has aged past a fresh urgent one
     * (one point per BS_ORCH_AGING_MS_PER_POINT). */
    bs_task_spec s;
    otest_spec(&s, "old-low", "true");
    s.priority = BS_PRIO_LOW;
    s.created_ms = bs_now_ms() - 2 * 3600 * 1000;
    int64_t old;
    assert_int_equal(bs_orch_submit(t->ws, &s, &old, NULL), 0);

    otest_run_idle(t, 1);
    order o;
    running_order(t, &o);
    assert_int_equal(o.n, 7);
    int64_t want[] = {old, urg, hi, i50, n1, n2, low};
    for (int i = 0; i < 7; i++)
        assert_int_equal(o.ids[i], want[i]);
}

/* A big task at the head of the queue reserves the cpus it needs, so
 * small tasks behind it cannot starve it. */
static void test_big_task_not_starved(void **state)
{
    otest *t = *state;
    bs_sched_opts opt;
    otest_opts(&opt, 2);
    int64_t a = otest_submit(t, "first-small", "sleep 0.5", BS_PRIO_NORMAL);
    bs_sched *s;
    assert_int_equal(bs_sched_open(t->ws, &opt, &s), 0);
    bool idle;
    assert_int_equal(bs_sched_step(s, 0, &idle), 0);
    assert_int_equal(otest_state(t, a), BS_TASK_RUNNING);
    bs_task_spec big;
    otest_spec(&big, "big", "true");
    big.cpus = 2;
    big.priority = BS_PRIO_HIGH;
    int64_t bid, smalls[4];
    assert_int_equal(bs_orch_submit(t->ws, &big, &bid, NULL), 0);
    for (int i = 0; i < 4; i++)
        smalls[i] = otest_submit(t, "small", "sleep 0.1", BS_PRIO_NORMAL);
    /* While `a` runs, one cpu is free: the decision must hold it for big. */
    int64_t ids[8];
    int n;
    assert_int_equal(bs_sched_decide(s, ids, 8, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(bs_sched_run(s, NULL, 0, true), 0);
    bs_sched_close(s, false);
    int64_t tb = otest_started(t, bid, 1);
    for (int i = 0; i < 4; i++)
        assert_true(otest_started(t, smalls[i], 1) >= tb);
    assert_int_equal(otest_state(t, bid), BS_TASK_SUCCEEDED);
}

/* A request larger than the scheduler's capacity is skipped (not a
 * blocker): the rest of the queue still runs. */
static void test_unschedulable_skipped(void **state)
{
    otest *t = *state;
    bs_task_spec s;
    otest_spec(&s, "huge", "true");
    s.cpus = 64;
    s.priority = BS_PRIO_URGENT;
    int64_t huge;
    assert_int_equal(bs_orch_submit(t->ws, &s, &huge, NULL), 0);
    otest_spec(&s, "needs-license", "true");
    assert_int_equal(bs_license_parse("vivado=1", s.licenses, &s.nlicenses), 0);
    int64_t lic;
    assert_int_equal(bs_orch_submit(t->ws, &s, &lic, NULL), 0);
    int64_t ok = otest_submit(t, "ok", "true", BS_PRIO_LOW);
    otest_run_idle(t, 2);
    assert_int_equal(otest_state(t, ok), BS_TASK_SUCCEEDED);
    assert_int_equal(otest_state(t, huge), BS_TASK_READY);
    assert_int_equal(otest_state(t, lic), BS_TASK_READY);
    /* With the license managed it runs. */
    bs_sched_opts o;
    otest_opts(&o, 2);
    assert_int_equal(bs_license_parse("vivado=1", o.licenses, &o.nlicenses), 0);
    bs_sched *sc;
    assert_int_equal(bs_sched_open(t->ws, &o, &sc), 0);
    assert_int_equal(bs_sched_run(sc, &lic, 1, false), 0);
    bs_sched_close(sc, false);
    assert_int_equal(otest_state(t, lic), BS_TASK_SUCCEEDED);
}


/* Licenses and memory are counted like cpus: with one vivado license and
 * 1000 MB, tasks needing vivado=1 (or 600 MB) never overlap although
 * cpus are free. */
static void test_license_and_memory_limits(void **state)
{
    otest *t = *state;
    int64_t lic[3], mem[3];
    for (int i = 0; i < 3; i++) {
        bs_task_spec s;
        otest_spec(&s, "synth", "sleep 0.2");
        assert_int_equal(bs_license_parse("vivado=1", s.licenses, &s.nlicenses), 0);
        assert_int_equal(bs_orch_submit(t->ws, &s, &lic[i], NULL), 0);
        otest_spec(&s, "big-mem", "sleep 0.2");
        s.mem_mb = 600;
        assert_int_equal(bs_orch_submit(t->ws, &s, &mem[i], NULL), 0);
    }
    bs_sched_opts o;
    otest_opts(&o, 4);
    o.mem_mb = 1000;
    assert_int_equal(bs_license_parse("vivado=1", o.licenses, &o.nlicenses), 0);
    bs_sched *s;
    assert_int_equal(bs_sched_open(t->ws, &o, &s), 0);
    assert_int_equal(bs_sched_run(s, NULL, 0, true), 0);
    bs_sched_close(s, false);
    for (int set = 0; set < 2; set++) {
        int64_t *ids = set ? mem : lic;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                if (i == j)
                    continue;
                bs_attempt_info *a, *b;
                int na, nb;
                assert_int_equal(bs_orch_attempts(t->ws, ids[i], &a, &na), 0);
                assert_int_equal(bs_orch_attempts(t->ws, ids[j], &b, &nb), 0);
                assert_int_equal(na, 1);
                /* no overlap: one finished before the other started */
                assert_true(a[0].finished_ms <= b[0].started_ms || b[0].finished_ms <= a[0].started_ms);
                bs_attempt_info_free_array(a, na);
                bs_attempt_info_free_array(b, nb);
            }
    }
}

/* Every state change is in the events table and on the bus with the same
 * seq; events of other modules (seq 0) are stored once attached. */
typedef struct bus_log { int64_t seqs[64]; int n; } bus_log;

static void on_bus(const bs_event *ev, void *ud)
{
    bus_log *l = ud;
    if (l->n < 64)
        l->seqs[l->n++] = ev->seq;
}

static int count_cb(const bs_event *ev, void *ud)
{
    bus_log *l = ud;
    if (l->n < 64)
        l->seqs[l->n++] = ev->seq;
    return 0;
}

static void test_events_bus_and_table(void **state)
{
    otest *t = *state;
    bus_log seen = {0}, stored = {0};
    int sub = bs_bus_subscribe(t->ws->bus, "task.", on_bus, &seen);
    assert_true(sub > 0);
    int64_t a = otest_submit(t, "a", "true", BS_PRIO_NORMAL);
    otest_run_idle(t, 1);
    bs_bus_unsubscribe(t->ws->bus, sub);
    assert_int_equal(otest_state(t, a), BS_TASK_SUCCEEDED);
    assert_int_equal(seen.n, 3);                 /* new->ready, ->running, ->succeeded */
    assert_int_equal(bs_orch_events_read(t->ws, 0, 0, count_cb, &stored), 0);
    int k = 0;
    for (int i = 0; i < stored.n; i++)
        if (k < seen.n && stored.seqs[i] == seen.seqs[k])
            k++;
    assert_int_equal(k, seen.n);                 /* same seqs, same order */
    int att = bs_orch_events_attach(t->ws);
    assert_true(att > 0);
    int64_t before, after;
    assert_int_equal(bs_orch_events_last(t->ws, &before), 0);
    bs_bus_emit(t->ws->bus, "step.progress", NULL, a, "{\"pct\":50}");
    assert_int_equal(bs_orch_events_last(t->ws, &after), 0);
    bs_bus_unsubscribe(t->ws->bus, att);
    assert_int_equal(after, before + 1);
}

/* Lost attempts are not charged, but a task cannot be lost forever. */
static void test_lost_attempts_bounded(void **state)
{
    otest *t = *state;
    bs_task_spec s;
    otest_spec(&s, "unlucky", "true");
    s.retry.max_attempts = 1;
    int64_t id;
    assert_int_equal(bs_orch_submit(t->ws, &s, &id, NULL), 0);
    for (int n = 1; n <= ORCH_MAX_LOST; n++) {
        orch_tx tx;
        assert_int_equal(orch_begin(t->ws, &tx), 0);
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE tasks SET state='running', attempts=%d WHERE id=%lld;"
                 "INSERT INTO attempts(task_id,n,state,started_ms) VALUES(%lld,%d,'running',0)",
                 n, (long long)id, (long long)id, n);
        assert_int_equal(bs_db_exec(t->ws->db, sql), 0);
        orch_result r = {.cls = BS_FAIL_LOST, .exit_code = -1, .reason = "supervisor gone"};
        assert_int_equal(orch_attempt_finish(&tx, id, n, &r), 0);
        assert_int_equal(orch_commit(&tx), 0);
        bs_task_info ti;
        assert_int_equal(bs_orch_task_get(t->ws, id, &ti), 0);
        assert_int_equal(ti.tries, 0);                   /* never charged */
        assert_int_equal(ti.state, n < ORCH_MAX_LOST ? BS_TASK_READY : BS_TASK_FAILED);
        bs_task_info_free(&ti);
    }
}

static void test_dependencies(void **state)
{
    otest *t = *state;
    char *mark = bs_path_join(t->dir, "order.txt");
    char l1[512], l2[512], l3[512];
    snprintf(l1, sizeof l1, "sleep 0.2; echo a >> '%s'", mark);
    snprintf(l2, sizeof l2, "echo b >> '%s'", mark);
    snprintf(l3, sizeof l3, "echo c >> '%s'", mark);
    /* Diamond a -> (b, fail) -> c, plus d after fail, e after d. */
    bs_task_spec sp[6];
    otest_spec(&sp[0], "a", l1);
    otest_spec(&sp[1], "b", l2);
    otest_spec(&sp[2], "c", l3);
    otest_spec(&sp[3], "fail", "exit 7");
    otest_spec(&sp[4], "d", "echo never-runs");
    otest_spec(&sp[5], "e", "echo never-runs");
    int a0[] = {0}, c0[] = {1}, f0[] = {0}, d0[] = {3}, e0[] = {4};
    sp[1].after_local = a0; sp[1].nafter_local = 1;
    sp[2].after_local = c0; sp[2].nafter_local = 1;
    sp[3].after_local = f0; sp[3].nafter_local = 1;
    sp[4].after_local = d0; sp[4].nafter_local = 1;
    sp[5].after_local = e0; sp[5].nafter_local = 1;
    int64_t ids[6];
    assert_int_equal(bs_orch_submit_batch(t->ws, sp, 6, ids), 0);
    assert_int_equal(otest_state(t, ids[0]), BS_TASK_READY);
    assert_int_equal(otest_state(t, ids[2]), BS_TASK_WAITING);
    otest_run_idle(t, 2);
    char *text;
    size_t len;
    assert_int_equal(bs_read_file(mark, &text, &len), 0);
    assert_string_equal(text, "a\nb\nc\n");
    free(text);
    free(mark);
    assert_int_equal(otest_state(t, ids[2]), BS_TASK_SUCCEEDED);
    assert_int_equal(otest_state(t, ids[3]), BS_TASK_FAILED);
    for (int i = 4; i < 6; i++) {
        bs_task_info ti;
        assert_int_equal(bs_orch_task_get(t->ws, ids[i], &ti), 0);
        assert_int_equal(ti.state, BS_TASK_DEP_FAILED);
        assert_int_equal(ti.fail_class, BS_FAIL_DEP);
        assert_int_equal(ti.attempts, 0);          /* never ran */
        bs_task_info_free(&ti);
    }
    /* A new task after a failed one is dependency-failed at once. */
    bs_task_spec late;
    otest_spec(&late, "late", "true");
    late.after = &ids[3];
    late.nafter = 1;
    int64_t lid;
    assert_int_equal(bs_orch_submit(t->ws, &late, &lid, NULL), 0);
    assert_int_equal(otest_state(t, lid), BS_TASK_DEP_FAILED);
    /* Unknown dependency: refused. */
    int64_t bogus = 999999;
    late.after = &bogus;
    assert_int_equal(bs_orch_submit(t->ws, &late, &lid, NULL), BS_ENOTFOUND);
}

static void test_retry_revives_dependents(void **state)
{
    otest *t = *state;
    char *flag = bs_path_join(t->dir, "flag");
    char line[512];
    /* Fails until the flag file exists. */
    snprintf(line, sizeof line, "test -e '%s'", flag);
    int64_t f = otest_submit(t, "flaky", line, BS_PRIO_NORMAL);
    bs_task_spec d;
    otest_spec(&d, "dependent", "true");
    d.after = &f;
    d.nafter = 1;
    int64_t did;
    assert_int_equal(bs_orch_submit(t->ws, &d, &did, NULL), 0);
    otest_run_idle(t, 1);
    assert_int_equal(otest_state(t, f), BS_TASK_FAILED);
    assert_int_equal(otest_state(t, did), BS_TASK_DEP_FAILED);
    assert_int_equal(bs_orch_retry(t->ws, did), BS_ESTATE);    /* its dependency failed */
    assert_int_equal(bs_orch_retry(t->ws, f), 0);
    assert_int_equal(otest_state(t, f), BS_TASK_READY);
    assert_int_equal(otest_state(t, did), BS_TASK_WAITING);
    assert_int_equal(bs_write_file_atomic(flag, "x", 1), 0);
    otest_run_idle(t, 1);
    assert_int_equal(otest_state(t, f), BS_TASK_SUCCEEDED);
    assert_int_equal(otest_state(t, did), BS_TASK_SUCCEEDED);
    bs_task_info ti;
    assert_int_equal(bs_orch_task_get(t->ws, f, &ti), 0);
    assert_int_equal(ti.attempts, 2);
    bs_task_info_free(&ti);
    free(flag);
}

static void test_cycles_refused(void **state)
{
    otest *t = *state;
    bs_task_spec sp[3];
    otest_spec(&sp[0], "x", "true");
    otest_spec(&sp[1], "y", "true");
    otest_spec(&sp[2], "z", "true");
    int dx[] = {2}, dy[] = {0}, dz[] = {1};
    sp[0].after_local = dx; sp[0].nafter_local = 1;
    sp[1].after_local = dy; sp[1].nafter_local = 1;
    sp[2].after_local = dz; sp[2].nafter_local = 1;
    int64_t ids[3];
    assert_int_equal(bs_orch_submit_batch(t->ws, sp, 3, ids), BS_ECYCLE);
    assert_non_null(strstr(bs_error_msg(), "cycle"));
    int self[] = {0};
    sp[0].after_local = self;
    assert_int_equal(bs_orch_submit_batch(t->ws, sp, 1, ids), BS_ECYCLE);
    int64_t counts[BS_TASK_NSTATES], total = 0;
    assert_int_equal(bs_orch_counts(t->ws, NULL, counts), 0);
    for (int i = 0; i < BS_TASK_NSTATES; i++)
        total += counts[i];
    assert_int_equal(total, 0);          /* nothing stored */
}

static void test_idempotency_and_validation(void **state)
{
    otest *t = *state;
    bs_task_spec s;
    otest_spec(&s, "keyed", "true");
    s.key = "build-42/step-3";
    int64_t a, b;
    bool existed = true;
    assert_int_equal(bs_orch_submit(t->ws, &s, &a, &existed), 0);
    assert_false(existed);
    assert_int_equal(bs_orch_submit(t->ws, &s, &b, &existed), 0);
    assert_true(existed);
    assert_int_equal(a, b);
    s.cpus = 0;
    assert_int_equal(bs_orch_submit(t->ws, &s, &b, NULL), BS_EINVAL);
    otest_spec(&s, "bad", "true");
    s.build_id = "b-nope";
    assert_int_equal(bs_orch_submit(t->ws, &s, &b, NULL), BS_ENOTFOUND);
    int p;
    assert_int_equal(bs_priority_parse("urgent", &p), 0);
    assert_int_equal(p, BS_PRIO_URGENT);
    assert_int_equal(bs_priority_parse("-5", &p), 0);
    assert_int_equal(p, -5);
    assert_int_equal(bs_priority_parse("soon", &p), BS_EINVAL);
    bs_license_req l[BS_ORCH_MAX_LICENSES];
    int nl = 0;
    assert_int_equal(bs_license_parse("vivado=1,modelsim=2,vivado", l, &nl), 0);
    assert_int_equal(nl, 2);
    assert_int_equal(l[0].count, 2);
    assert_int_equal(bs_license_parse("vivado=0", l, &nl), BS_EINVAL);
}

static void test_cancel_queued(void **state)
{
    otest *t = *state;
    int64_t a = otest_submit(t, "a", "true", BS_PRIO_NORMAL);
    bs_task_spec s;
    otest_spec(&s, "after-a", "true");
    s.after = &a;
    s.nafter = 1;
    int64_t b;
    assert_int_equal(bs_orch_submit(t->ws, &s, &b, NULL), 0);
    bs_task_state st;
    assert_int_equal(bs_orch_cancel(t->ws, a, &st), 0);
    assert_int_equal(st, BS_TASK_CANCELLED);
    assert_int_equal(otest_state(t, b), BS_TASK_DEP_FAILED);
    assert_int_equal(bs_orch_cancel(t->ws, a, &st), BS_ESTATE);
    otest_run_idle(t, 1);
    bs_task_info ti;
    assert_int_equal(bs_orch_task_get(t->ws, a, &ti), 0);
    assert_int_equal(ti.attempts, 0);
    assert_int_equal(ti.fail_class, BS_FAIL_CANCELLED);
    bs_task_info_free(&ti);
}

static void test_retry_backoff_spacing(void **state)
{
    otest *t = *state;
    bs_task_spec s;
    otest_spec(&s, "flaky", "exit 3");
    s.retry.max_attempts = 4;
    s.retry.backoff_base_ms = 300;
    s.retry.backoff_factor = 2.0;
    s.retry.backoff_cap_ms = 1000;
    s.retry.jitter = 0;
    int64_t id;
    assert_int_equal(bs_orch_submit(t->ws, &s, &id, NULL), 0);
    /* Jittered variant: every delay within [d*(1-j), d]. */
    otest_spec(&s, "jittered", "exit 3");
    s.retry.max_attempts = 3;
    s.retry.backoff_base_ms = 400;
    s.retry.jitter = 0.5;
    int64_t jid;
    assert_int_equal(bs_orch_submit(t->ws, &s, &jid, NULL), 0);
    /* Not retried: class spawn is not in the default retry set. */
    const char *missing[] = {"/nonexistent/tool", NULL};
    otest_spec(&s, "missing", "true");
    s.argv = missing;
    s.retry.max_attempts = 3;
    int64_t mid;
    assert_int_equal(bs_orch_submit(t->ws, &s, &mid, NULL), 0);
    otest_run_idle(t, 2);

    bs_attempt_info *a;
    int na;
    assert_int_equal(bs_orch_attempts(t->ws, id, &a, &na), 0);
    assert_int_equal(na, 4);
    int64_t want[] = {300, 600, 1000};   /* base, base*2, capped */
    for (int i = 1; i < na; i++) {
        int64_t gap = a[i].started_ms - a[i - 1].finished_ms;
        fprintf(stderr, "backoff %d: %lld ms (want %lld)\n", i, (long long)gap, (long long)want[i - 1]);
        assert_true(gap >= want[i - 1] - 5);
        assert_true(gap <= want[i - 1] + 600);     /* loaded machine margin */
        assert_int_equal(a[i - 1].fail_class, BS_FAIL_EXIT);
        assert_int_equal(a[i - 1].exit_code, 3);
    }
    bs_attempt_info_free_array(a, na);
    assert_int_equal(otest_state(t, id), BS_TASK_FAILED);

    assert_int_equal(bs_orch_attempts(t->ws, jid, &a, &na), 0);
    assert_int_equal(na, 3);
    int64_t jwant[] = {400, 800};
    for (int i = 1; i < na; i++) {
        int64_t gap = a[i].started_ms - a[i - 1].finished_ms;
        fprintf(stderr, "jittered backoff %d: %lld ms (range [%lld, %lld])\n", i, (long long)gap,
                (long long)jwant[i - 1] / 2, (long long)jwant[i - 1]);
        assert_true(gap >= jwant[i - 1] / 2 - 5);
        assert_true(gap <= jwant[i - 1] + 600);
    }
    bs_attempt_info_free_array(a, na);

    bs_task_info ti;
    assert_int_equal(bs_orch_task_get(t->ws, mid, &ti), 0);
    assert_int_equal(ti.state, BS_TASK_FAILED);
    assert_int_equal(ti.fail_class, BS_FAIL_SPAWN);
    assert_int_equal(ti.attempts, 1);
    assert_non_null(strstr(ti.reason, "/nonexistent/tool"));
    bs_task_info_free(&ti);
}

static void test_one_scheduler(void **state)
{
    otest *t = *state;
    bs_sched_opts o;
    otest_opts(&o, 1);
    bs_sched *a, *b;
    assert_int_equal(bs_sched_open(t->ws, &o, &a), 0);
    bs_workspace *ws2;
    assert_int_equal(bs_workspace_open(t->dir, false, &ws2), 0);
    assert_int_equal(bs_sched_open(ws2, &o, &b), BS_EBUSY);
    assert_non_null(strstr(bs_error_msg(), "another scheduler"));
    bs_sched_close(a, false);
    assert_int_equal(bs_sched_open(ws2, &o, &b), 0);
    bs_sched_close(b, false);
    bs_workspace_close(ws2);
}

static void test_corrupt_and_missing_db(void **state)
{
    otest *t = *state;
    char *dir = bs_path_join(t->dir, "ws2");
    bs_workspace *ws;
    /* Missing: a clear error, nothing created. */
    assert_int_equal(bs_workspace_open(dir, false, &ws), BS_ENOTFOUND);
    assert_false(bs_path_exists(dir));
    assert_int_equal(bs_mkdir_p(dir), 0);
    char *db = bs_path_join(dir, "brainsmith.db");
    assert_int_equal(bs_workspace_open(dir, false, &ws), BS_ENOTFOUND);
    assert_false(bs_path_exists(db));
    /* Corrupt: error naming the file; the bytes stay as they were. */
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 3);
    assert_int_equal(bs_write_file_atomic(db, junk, sizeof junk), 0);
    assert_int_equal(bs_workspace_open(dir, true, &ws), BS_ECORRUPT);
    assert_non_null(strstr(bs_error_msg(), "brainsmith.db"));
    char *back;
    size_t len;
    assert_int_equal(bs_read_file(db, &back, &len), 0);
    assert_int_equal(len, sizeof junk);
    assert_memory_equal(back, junk, sizeof junk);
    free(back);
    /* A real database whose page got damaged after tasks were stored. */
    bs_rm_rf(dir);
    assert_int_equal(bs_workspace_open(dir, true, &ws), 0);
    assert_int_equal(bs_orch_init(ws), 0);
    assert_int_equal(bs_db_exec(ws->db, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    bs_workspace_close(ws);
    int fd = open(db, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, junk, 100, 0), 100);   /* clobber the header */
    close(fd);
    assert_int_not_equal(bs_workspace_open(dir, true, &ws), 0);
    assert_int_equal(bs_error_code() == BS_ECORRUPT || bs_error_code() == BS_EDB, 1);
    free(db);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_priority_order, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_big_task_not_starved, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_unschedulable_skipped, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_license_and_memory_limits, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_events_bus_and_table, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_lost_attempts_bounded, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_dependencies, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_retry_revives_dependents, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_cycles_refused, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_and_validation, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_queued, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_retry_backoff_spacing, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_one_scheduler, otest_setup, otest_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_and_missing_db, otest_setup, otest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
