/* test_basics.c - errors, arena, strings, paths, parsers, hashing, events. */
#include "test_util.h"

#include "brainsmith/arena.h"
#include "brainsmith/error.h"
#include "brainsmith/events.h"
#include "brainsmith/hash.h"

#include <sys/stat.h>

static void test_errors(void **s)
{
    (void)s;
    assert_string_equal(bs_strerror(BS_ENOMEM), "out of memory");
    assert_string_equal(bs_errname(BS_ECYCLE), "BS_ECYCLE");
    assert_string_equal(bs_strerror(12345), "unknown error");
    assert_int_equal(bs_error_set(BS_EINVAL, "field %s bad", "x"), BS_EINVAL);
    assert_string_equal(bs_error_msg(), "field x bad");
    assert_int_equal(bs_error_wrap(BS_EPARSE, "loading %s", "m.onnx"), BS_EPARSE);
    assert_string_equal(bs_error_msg(), "loading m.onnx: field x bad");
    assert_int_equal(bs_error_code(), BS_EPARSE);
    bs_error_clear();
    assert_string_equal(bs_error_msg(), "success");
    /* every code is negative and distinct */
    assert_true(BS_ENOMEM < 0 && BS_EINTERNAL < 0 && BS_ENOMEM != BS_EINVAL);
}

static void test_arena(void **s)
{
    (void)s;
    bs_arena a;
    bs_arena_init(&a, 128);
    char *p = NULL;
    for (int i = 0; i < 1000; i++) {
        p = bs_arena_sprintf(&a, "node_%d", i);
        assert_non_null(p);
        assert_int_equal(((uintptr_t)p) % 16, 0);
    }
    assert_string_equal(p, "node_999");
    void *big = bs_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    int *z = bs_arena_calloc(&a, 100, sizeof(int));
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    assert_null(bs_arena_calloc(&a, SIZE_MAX / 2, 4));
    assert_int_equal(bs_error_code(), BS_ENOMEM);
    assert_null(bs_arena_strdup(&a, NULL));
    assert_string_equal(bs_arena_strndup(&a, "abcdef", 3), "abc");
    bs_arena_free(&a);
    assert_null(a.head);
}

static void test_strbuf(void **s)
{
    (void)s;
    bs_strbuf sb = BS_STRBUF_INIT;
    for (int i = 0; i < 100; i++)
        assert_int_equal(bs_strbuf_printf(&sb, "%d,", i), 0);
    assert_int_equal(strncmp(sb.buf, "0,1,2,", 6), 0);
    char *d = bs_strbuf_detach(&sb);
    assert_null(sb.buf);
    assert_int_equal(strlen(d), 290);
    free(d);
    bs_strbuf e = BS_STRBUF_INIT;
    d = bs_strbuf_detach(&e);
    assert_string_equal(d, "");
    free(d);
}

static void test_parsers(void **s)
{
    (void)s;
    int64_t v;
    double d;
    assert_int_equal(bs_parse_i64("42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(bs_parse_i64("42x", &v), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "42x"));
    assert_int_equal(bs_parse_i64("", &v), BS_EINVAL);
    assert_int_equal(bs_parse_mem_mb("2G", &v), 0);
    assert_int_equal(v, 2048);
    assert_int_equal(bs_parse_mem_mb("512", &v), 0);
    assert_int_equal(v, 512);
    assert_int_equal(bs_parse_mem_mb("100MB", &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(bs_parse_mem_mb("-1", &v), BS_EINVAL);
    assert_int_equal(bs_parse_mem_mb("3X", &v), BS_EINVAL);
    assert_int_equal(bs_parse_duration_s("5m", &d), 0);
    assert_true(d == 300);
    assert_int_equal(bs_parse_duration_s("1.5", &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(bs_parse_duration_s("2 h", &d), BS_EINVAL);
    assert_int_equal(bs_parse_double("1e-3", &d), 0);
    assert_int_equal(bs_parse_double("nan", &d), BS_EINVAL);
}

static void test_files_and_paths(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("files");
    char *sub = bs_path_join(dir, "a/b/c");
    assert_int_equal(bs_mkdir_p(sub), 0);
    assert_true(bs_is_dir(sub));
    char *f = bs_path_join(sub, "x.txt");
    assert_int_equal(bs_write_file_atomic(f, "hello", 5), 0);
    char *txt;
    size_t n;
    assert_int_equal(bs_read_file(f, &txt, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(txt, "hello");
    free(txt);
    assert_int_equal(bs_read_file("/nonexistent/zz", &txt, &n), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "/nonexistent/zz"));
    /* confinement */
    char *out;
    assert_int_equal(bs_path_confine(dir, "a/b/../b/c/x.txt", &out), 0);
    assert_non_null(strstr(out, "/a/b/c/x.txt"));
    free(out);
    assert_int_equal(bs_path_confine(dir, "../etc/passwd", &out), BS_EINVAL);
    assert_int_equal(bs_path_confine(dir, "/etc/passwd", &out), BS_EINVAL);
    assert_int_equal(bs_path_confine(dir, "a/../../x", &out), BS_EINVAL);
    char *link = bs_path_join(dir, "evil");
    assert_int_equal(symlink("/etc", link), 0);
    assert_int_equal(bs_path_confine(dir, "evil/passwd", &out), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "symbolic link"));
    assert_int_equal(bs_path_confine(dir, "new/file", &out), 0);
    free(out);
    /* copy keeps bytes */
    char *g = bs_path_join(dir, "copy.txt");
    assert_int_equal(bs_copy_file(f, g), 0);
    assert_int_equal(bs_read_file(g, &txt, &n), 0);
    assert_string_equal(txt, "hello");
    free(txt);
    assert_int_equal(bs_rm_rf(dir), 0);
    assert_false(bs_path_exists(dir));
    free(g);
    free(link);
    free(f);
    free(sub);
    free(dir);
}

static void test_sha256(void **s)
{
    (void)s;
    char hex[65];
    assert_int_equal(bs_sha256_hex("abc", 3, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(bs_sha256_hex("", 0, hex), 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    bs_sha256_ctx *c = bs_sha256_new();
    bs_sha256_update(c, "a", 1);
    bs_sha256_update(c, "bc", 2);
    uint8_t d[32];
    assert_int_equal(bs_sha256_final(c, d), 0);
    bs_hex_encode(d, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char *dir = bs_test_mkdtemp("sha");
    char *f = bs_path_join(dir, "f");
    bs_write_file_atomic(f, "abc", 3);
    assert_int_equal(bs_sha256_file_hex(f, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    free(f);
    bs_test_rmdir(dir);
}

struct seen { int n; char kinds[8][32]; };
static void on_event(const bs_event *ev, void *ud)
{
    struct seen *s = ud;
    if (s->n < 8)
        snprintf(s->kinds[s->n], 32, "%s", ev->kind);
    s->n++;
}

static void test_events(void **st)
{
    (void)st;
    bs_bus *b = bs_bus_new();
    struct seen all = {0}, tasks = {0};
    int id1 = bs_bus_subscribe(b, NULL, on_event, &all);
    int id2 = bs_bus_subscribe(b, "task.", on_event, &tasks);
    assert_true(id1 > 0 && id2 > 0 && id1 != id2);
    bs_bus_emit(b, "task.state", "b1", 3, "{\"state\":\"running\"}");
    bs_bus_emit(b, "step.start", "b1", 0, NULL);
    bs_bus_emit(b, "task.progress", NULL, 4, NULL);
    assert_int_equal(all.n, 3);
    assert_int_equal(tasks.n, 2);
    assert_string_equal(all.kinds[1], "step.start");
    assert_string_equal(tasks.kinds[1], "task.progress");
    bs_bus_unsubscribe(b, id2);
    bs_bus_emit(b, "task.state", NULL, 1, NULL);
    assert_int_equal(tasks.n, 2);
    assert_int_equal(all.n, 4);
    bs_bus_free(b);
    assert_non_null(bs_bus_default());
    assert_ptr_equal(bs_bus_default(), bs_bus_default());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),  cmocka_unit_test(test_arena),
        cmocka_unit_test(test_strbuf),  cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_files_and_paths), cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
