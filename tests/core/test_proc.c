/* test_proc.c - spawning real processes: redirection, env, cwd, process
 * groups, exec failures, capture with timeout, /proc usage. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/proc.h"

#include <signal.h>
#include <sys/wait.h>

static int wait_exit(pid_t pid, bs_exit *e)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    bs_exit_decode(st, e);
    return 0;
}

static void test_redirect_env_cwd(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("proc");
    char *out = bs_path_join(dir, "out.log");
    const char *argv[] = {"sh", "-c", "echo \"$BS_X $(pwd)\"; echo err >&2; exit 3", NULL};
    const char *add[] = {"BS_X=hello", NULL};
    bs_spawn_opts o = {.argv = argv, .env_add = add, .cwd = dir, .stdout_path = out, .stderr_path = out};
    pid_t pid;
    assert_int_equal(bs_spawn(&o, &pid), 0);
    bs_exit e;
    assert_int_equal(wait_exit(pid, &e), 0);
    assert_true(e.exited);
    assert_int_equal(e.code, 3);
    char *txt;
    assert_int_equal(bs_read_file(out, &txt, NULL), 0);
    assert_non_null(strstr(txt, "hello /"));
    assert_non_null(strstr(txt, "err"));
    free(txt);
    free(out);
    bs_test_rmdir(dir);
}

static void test_spawn_errors(void **s)
{
    (void)s;
    const char *argv[] = {"/nonexistent/prog-xyz", NULL};
    bs_spawn_opts o = {.argv = argv};
    pid_t pid;
    assert_int_equal(bs_spawn(&o, &pid), BS_ESPAWN);
    assert_non_null(strstr(bs_error_msg(), "prog-xyz"));
    const char *argv2[] = {"true", NULL};
    bs_spawn_opts o2 = {.argv = argv2, .cwd = "/nonexistent-dir"};
    assert_int_equal(bs_spawn(&o2, &pid), BS_ESPAWN);
    assert_non_null(strstr(bs_error_msg(), "chdir"));
    const char *argv3[] = {"no-such-command-anywhere", NULL};
    bs_spawn_opts o3 = {.argv = argv3};
    assert_int_equal(bs_spawn(&o3, &pid), BS_ESPAWN);
    assert_non_null(strstr(bs_error_msg(), "not found"));
}

static void test_capture_and_timeout(void **s)
{
    (void)s;
    char *out;
    size_t n;
    bs_exit e;
    const char *argv[] = {"printf", "a%sb", "--", NULL};
    assert_int_equal(bs_run_capture(argv, NULL, false, 5000, &out, &n, &e), 0);
    assert_string_equal(out, "a--b");
    assert_int_equal(e.code, 0);
    free(out);
    const char *slow[] = {"sleep", "10", NULL};
    int64_t t0 = bs_now_mono_ms();
    assert_int_equal(bs_run_capture(slow, NULL, false, 200, &out, &n, &e), BS_ETIMEOUT);
    assert_true(bs_now_mono_ms() - t0 < 5000);
    assert_false(e.exited);
    assert_int_equal(e.signal, SIGKILL);
    free(out);
}

static void test_group_usage_and_kill(void **s)
{
    (void)s;
    /* A shell with a child in its own group: usage sees both, a group kill ends both. */
    const char *argv[] = {"sh", "-c", "sleep 30 & sleep 30; wait", NULL};
    bs_spawn_opts o = {.argv = argv, .new_pgroup = true};
    pid_t pid;
    assert_int_equal(bs_spawn(&o, &pid), 0);
    bs_usage u = {0};
    for (int i = 0; i < 100 && u.nprocs < 3; i++) {
        bs_sleep_ms(20);
        assert_int_equal(bs_proc_group_usage(pid, &u), 0);
    }
    assert_int_equal(u.nprocs, 3);
    assert_true(u.rss_kb > 0);
    assert_true(bs_proc_alive(pid));
    assert_true(bs_proc_start_ticks(pid) > 0);
    kill(-pid, SIGKILL);
    bs_exit e;
    assert_int_equal(wait_exit(pid, &e), 0);
    assert_int_equal(e.signal, SIGKILL);
    for (int i = 0; i < 100; i++) {
        bs_proc_group_usage(pid, &u);
        if (u.nprocs == 0)
            break;
        bs_sleep_ms(20);
    }
    assert_int_equal(u.nprocs, 0);
    assert_false(bs_proc_alive(pid));
    assert_int_equal(bs_proc_start_ticks(pid), -1);
}

static void test_which(void **s)
{
    (void)s;
    char *p = bs_which("sh");
    assert_non_null(p);
    assert_true(p[0] == '/');
    free(p);
    assert_null(bs_which("definitely-not-a-program-xyz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redirect_env_cwd), cmocka_unit_test(test_spawn_errors),
        cmocka_unit_test(test_capture_and_timeout), cmocka_unit_test(test_group_usage_and_kill),
        cmocka_unit_test(test_which),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
