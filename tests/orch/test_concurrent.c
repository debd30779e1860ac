/* test_concurrent.c - many writers on one workspace: 4 submitter
 * processes x 500 tasks (each submit its own transaction on its own
 * connection), all racing for 50 shared idempotency keys as well, while a
 * scheduler process runs the tasks as they arrive.  Nothing may be lost
 * or duplicated: 2050 tasks, each succeeded with exactly one attempt and
 * exactly one "running" event. */
#include "orch_test.h"

#include <signal.h>
#include <sys/wait.h>

#define SUBMITTERS 4
#define PER_SUBMITTER 500
#define SHARED_KEYS 50

static int submitter(const char *dir, int who)
{
    bs_workspace *ws;
    if (bs_workspace_open(dir, false, &ws))
        return 10;
    const char *argv[] = {"true", NULL};
    for (int j = 0; j < PER_SUBMITTER + SHARED_KEYS; j++) {
        char key[64];
        if (j < PER_SUBMITTER)
            snprintf(key, sizeof key, "s%d-%d", who, j);
        else
            snprintf(key, sizeof key, "shared-%d", j - PER_SUBMITTER);
        bs_task_spec s;
        bs_task_spec_init(&s);
        s.argv = argv;
        s.key = key;
        s.priority = j % 3 == 0 ? BS_PRIO_HIGH : BS_PRIO_NORMAL;
        int64_t id;
        if (bs_orch_submit(ws, &s, &id, NULL)) {
            fprintf(stderr, "submitter %d: %s\n", who, bs_error_msg());
            bs_workspace_close(ws);
            return 11;
        }
    }
    bs_workspace_close(ws);
    return 0;
}

static int scheduler(const char *dir, const char *done_flag)
{
    bs_workspace *ws;
    if (bs_workspace_open(dir, false, &ws))
        return 20;
    bs_sched_opts o;
    otest_opts(&o, 2);
    bs_sched *s;
    if (bs_sched_open(ws, &o, &s)) {
        fprintf(stderr, "scheduler: %s\n", bs_error_msg());
        return 21;
    }
    int rc = 0;
    for (;;) {
        bool idle;
        if (bs_sched_step(s, 100, &idle)) {
            fprintf(stderr, "scheduler: %s\n", bs_error_msg());
            rc = 22;
            break;
        }
        if (idle && bs_path_exists(done_flag))
            break;
    }
    bs_sched_close(s, false);
    bs_workspace_close(ws);
    return rc;
}

typedef struct tally { int running[4096]; } tally;

static int tally_cb(const bs_event *ev, void *ud)
{
    tally *t = ud;
    if (!strcmp(ev->kind, "task.state") && ev->payload && strstr(ev->payload, "\"state\":\"running\"") &&
        ev->task_id > 0 && ev->task_id < 4096)
        t->running[ev->task_id]++;
    return 0;
}

static void test_concurrent_submitters(void **state)
{
    otest *t = *state;
    char *flag = bs_path_join(t->dir, "submitters-done");
    int64_t t0 = bs_now_mono_ms();
    pid_t sched = fork();
    if (sched == 0)
        _exit(scheduler(t->dir, flag));
    pid_t subs[SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++) {
        subs[i] = fork();
        if (subs[i] == 0)
            _exit(submitter(t->dir, i));
    }
    for (int i = 0; i < SUBMITTERS; i++) {
        int st;
        assert_int_equal(waitpid(subs[i], &st, 0), subs[i]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    int64_t t_sub = bs_now_mono_ms() - t0;
    assert_int_equal(bs_write_file_atomic(flag, "1", 1), 0);
    int st;
    assert_int_equal(waitpid(sched, &st, 0), sched);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    int64_t t_all = bs_now_mono_ms() - t0;

    int64_t counts[BS_TASK_NSTATES];
    assert_int_equal(bs_orch_counts(t->ws, NULL, counts), 0);
    int64_t want = SUBMITTERS * PER_SUBMITTER + SHARED_KEYS;
    fprintf(stderr, "%lld tasks submitted by %d processes in %lld ms, all run after %lld ms\n",
            (long long)counts[BS_TASK_SUCCEEDED], SUBMITTERS, (long long)t_sub, (long long)t_all);
    assert_int_equal(counts[BS_TASK_SUCCEEDED], want);
    for (int i = 0; i < BS_TASK_NSTATES; i++)
        if (i != BS_TASK_SUCCEEDED)
            assert_int_equal(counts[i], 0);
    bs_task_info *ts;
    int n;
    assert_int_equal(bs_orch_task_list(t->ws, NULL, -1, 0, &ts, &n), 0);
    assert_int_equal(n, want);
    tally *ty = calloc(1, sizeof *ty);
    assert_int_equal(bs_orch_events_read(t->ws, 0, 0, tally_cb, ty), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(ts[i].attempts, 1);
        assert_non_null(ts[i].key);
        assert_int_equal(ty->running[ts[i].id], 1);
    }
    free(ty);
    bs_task_info_free_array(ts, n);
    free(flag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_submitters, otest_setup, otest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
