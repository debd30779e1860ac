/* test_json.c - located parse errors, typed getters, Python-compatible output. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/json.h"

static void test_py_float(void **s)
{
    (void)s;
    char b[40];
    static const struct { double v; const char *want; } cases[] = {
        {1.0, "1.0"}, {0.1, "0.1"}, {1e-5, "1e-05"}, {0.0001, "0.0001"}, {100000.0, "100000.0"},
        {1e16, "1e+16"}, {1.5e16, "1.5e+16"}, {123456789012345.6, "123456789012345.6"},
        {-2.5, "-2.5"}, {0.0, "0.0"}, {1.0 / 3, "0.3333333333333333"}, {2.220446049250313e-16, "2.220446049250313e-16"},
        {9999999999999998.0, "9999999999999998.0"}, {5e-324, "5e-324"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
        {666666.6666666666, "666666.6666666666"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(bs_fmt_py_float(cases[i].v, b, sizeof b), cases[i].want);
}

static void test_print_py(void **s)
{
    (void)s;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "cycles", 1600);
    cJSON_AddItemToObject(o, "fps", bs_json_py_float(62500.0));
    cJSON_AddItemToObject(o, "empty", cJSON_CreateArray());
    cJSON *arr = cJSON_AddArrayToObject(o, "list");
    cJSON_AddItemToArray(arr, cJSON_CreateString("a\"b\xc3\xa9"));
    cJSON_AddItemToArray(arr, cJSON_CreateNull());
    char *t = bs_json_print_py(o, 2);
    assert_string_equal(t, "{\n  \"cycles\": 1600,\n  \"fps\": 62500.0,\n  \"empty\": [],\n"
                           "  \"list\": [\n    \"a\\\"b\\u00e9\",\n    null\n  ]\n}");
    free(t);
    t = bs_json_print_py(o, -1);
    assert_string_equal(t, "{\"cycles\": 1600, \"fps\": 62500.0, \"empty\": [], \"list\": [\"a\\\"b\\u00e9\", null]}");
    free(t);
    /* A py float reads back as a number via the getter. */
    double d;
    assert_int_equal(bs_json_get_double(o, "fps", &d), 0);
    assert_true(d == 62500.0);
    cJSON_Delete(o);
}

static void test_parse_errors(void **s)
{
    (void)s;
    cJSON *j;
    const char *bad = "{\n  \"a\": 1,\n  \"b\": [1, 2,,]\n}";
    assert_int_equal(bs_json_parse(bad, strlen(bad), "cfg.json", &j), BS_EPARSE);
    assert_non_null(strstr(bs_error_msg(), "cfg.json:3:"));
    const char *trunc = "{\"a\": [1, 2";
    assert_int_equal(bs_json_parse(trunc, strlen(trunc), "t.json", &j), BS_EPARSE);
    assert_non_null(strstr(bs_error_msg(), "t.json:1:"));
    assert_int_equal(bs_json_parse("", 0, "e.json", &j), BS_EPARSE);
    assert_non_null(strstr(bs_error_msg(), "empty"));
    assert_int_equal(bs_json_load_file("/nonexistent.json", &j), BS_ENOTFOUND);
}

static void test_getters(void **s)
{
    (void)s;
    const char *txt = "{\"s\":\"x\",\"i\":7,\"f\":2.5,\"b\":true}";
    cJSON *j;
    assert_int_equal(bs_json_parse(txt, strlen(txt), "t", &j), 0);
    const char *sv;
    int64_t iv;
    double dv;
    bool bv;
    assert_int_equal(bs_json_get_str(j, "s", &sv), 0);
    assert_string_equal(sv, "x");
    assert_int_equal(bs_json_get_i64(j, "i", &iv), 0);
    assert_int_equal(iv, 7);
    assert_int_equal(bs_json_get_i64(j, "f", &iv), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "'f'"));
    assert_int_equal(bs_json_get_double(j, "f", &dv), 0);
    assert_int_equal(bs_json_get_bool(j, "b", &bv), 0);
    assert_true(bv);
    assert_int_equal(bs_json_get_str(j, "i", &sv), BS_EINVAL);
    assert_int_equal(bs_json_get_str(j, "zz", &sv), BS_ENOTFOUND);
    cJSON_Delete(j);
}

static void test_save_roundtrip(void **s)
{
    (void)s;
    char *dir = bs_test_mkdtemp("json");
    char *f = bs_path_join(dir, "r.json");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "x", bs_json_py_float(0.5));
    assert_int_equal(bs_json_save_file(f, o, true), 0);
    cJSON *back;
    assert_int_equal(bs_json_load_file(f, &back), 0);
    double d;
    assert_int_equal(bs_json_get_double(back, "x", &d), 0);
    assert_true(d == 0.5);
    cJSON_Delete(o);
    cJSON_Delete(back);
    free(f);
    bs_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_py_float), cmocka_unit_test(test_print_py),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_getters),
        cmocka_unit_test(test_save_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
