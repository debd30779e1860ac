/* test_db.c - workspace database: creation, migrations, corrupt and missing
 * files, builds. Real SQLite files in a temp dir. */
#include "test_util.h"

#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/workspace.h"

static const bs_migration m_v2[] = {
    {1, "CREATE TABLE t(a INTEGER)"},
    {2, "ALTER TABLE t ADD COLUMN b TEXT"},
};

static void test_migrations(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("db");
    char *p = bs_path_join(dir, "x.db");
    sqlite3 *db;
    assert_int_equal(bs_db_open(p, false, &db), BS_ENOTFOUND);
    assert_int_equal(bs_db_open(p, true, &db), 0);
    assert_int_equal(bs_db_migrate(db, "m", m_v2, 1), 0);
    assert_int_equal(bs_db_migrate(db, "m", m_v2, 2), 0);
    assert_int_equal(bs_db_migrate(db, "m", m_v2, 2), 0); /* idempotent */
    assert_int_equal(bs_db_exec(db, "INSERT INTO t(a,b) VALUES(1,'x')"), 0);
    /* an older program seeing a newer schema refuses */
    assert_int_equal(bs_db_migrate(db, "m", m_v2, 1), BS_ESTATE);
    assert_non_null(strstr(bs_error_msg(), "newer"));
    /* a failing migration rolls back and names itself */
    static const bs_migration bad[] = {{1, "CREATE TABLE u(a)"}, {2, "CREATE TABLE u(a)"}};
    assert_int_equal(bs_db_migrate(db, "bad", bad, 2), BS_EDB);
    assert_non_null(strstr(bs_error_msg(), "'bad' to version 2"));
    bs_db_close(db);
    free(p);
    bs_test_rmdir(dir);
}

static void test_corrupt_never_reset(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("corrupt");
    char *p = bs_path_join(dir, "brainsmith.db");
    const char junk[] = "this is definitely not a sqlite database, it is junk text of some length....";
    char big[8192];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = junk[i % (sizeof junk - 1)];
    assert_int_equal(bs_write_file_atomic(p, big, sizeof big), 0);
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(dir, true, &ws), BS_ECORRUPT);
    assert_non_null(strstr(bs_error_msg(), "brainsmith.db"));
    assert_non_null(strstr(bs_error_msg(), "untouched"));
    char *after;
    size_t n;
    assert_int_equal(bs_read_file(p, &after, &n), 0);
    assert_int_equal(n, sizeof big);
    assert_memory_equal(after, big, sizeof big);
    free(after);
    free(p);
    bs_test_rmdir(dir);
}

static void test_missing_workspace(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("missing");
    char *home = bs_path_join(dir, "nope");
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(home, false, &ws), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "nope"));
    assert_false(bs_path_exists(home));
    assert_int_equal(bs_workspace_open(dir, false, &ws), BS_ENOTFOUND); /* dir but no db */
    assert_non_null(strstr(bs_error_msg(), "brainsmith.db"));
    free(home);
    bs_test_rmdir(dir);
}

static void test_builds(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("builds");
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(dir, true, &ws), 0);
    char id1[40], id2[40];
    assert_int_equal(bs_build_create(ws, "tfc", "tfc.onnx", NULL, "Pynq-Z1", "{}", NULL, id1), 0);
    assert_int_equal(bs_build_create(ws, "tfc", "tfc.onnx", NULL, "ZCU104", NULL, NULL, id2), 0);
    assert_string_not_equal(id1, id2);
    bs_build_info b;
    assert_int_equal(bs_build_get(ws, id1, &b), 0);
    assert_string_equal(b.platform, "Pynq-Z1");
    assert_string_equal(b.state, "queued");
    bs_build_info_free(&b);
    assert_int_equal(bs_build_get(ws, "tfc", &b), 0); /* newest by name */
    assert_string_equal(b.id, id2);
    bs_build_info_free(&b);
    assert_int_equal(bs_build_set_state(ws, id1, "succeeded"), 0);
    assert_int_equal(bs_build_get(ws, id1, &b), 0);
    assert_string_equal(b.state, "succeeded");
    assert_true(b.finished_ms > 0);
    bs_build_info_free(&b);
    assert_int_equal(bs_build_get(ws, "zzz", &b), BS_ENOTFOUND);
    assert_int_equal(bs_build_get(ws, "b-", &b), BS_EINVAL); /* ambiguous prefix */
    assert_int_equal(bs_build_set_state(ws, "nope", "failed"), BS_ENOTFOUND);
    bs_workspace_close(ws);
    /* reopening keeps everything */
    assert_int_equal(bs_workspace_open(dir, false, &ws), 0);
    assert_int_equal(bs_build_get(ws, id2, &b), 0);
    bs_build_info_free(&b);
    bs_workspace_close(ws);
    bs_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations), cmocka_unit_test(test_corrupt_never_reset),
        cmocka_unit_test(test_missing_workspace), cmocka_unit_test(test_builds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
