/* test_datatype.c - QONNX datatypes against finn-reference §4: names as
 * QONNX spells them, ranges, allowed(), get_smallest_possible quirks. */
#include "test_util.h"

#include "brainsmith/datatype.h"
#include "brainsmith/error.h"

#include <math.h>

static bs_dt P(const char *s)
{
    bs_dt d;
    assert_int_equal(bs_dt_parse(s, &d), 0);
    return d;
}

static void test_names(void **st)
{
    (void)st;
    const char *canon[] = {"BINARY", "BIPOLAR", "TERNARY", "UINT2", "UINT8", "UINT64", "INT1", "INT4",
                           "INT32", "FIXED<8,3>", "SCALEDINT<8>", "FLOAT32", "FLOAT16", "FLOAT<5,10,15>"};
    char buf[BS_DT_NAME_MAX];
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++)
        assert_string_equal(bs_dt_name(P(canon[i]), buf), canon[i]);
    assert_string_equal(bs_dt_name(P("UINT1"), buf), "BINARY");        /* UINT1 is BINARY */
    assert_string_equal(bs_dt_name(P("FIXED< 8 , 3 >"), buf), "FIXED<8,3>");
    assert_string_equal(bs_dt_name(P("FLOAT<4,3>"), buf), "FLOAT<4,3,7>"); /* default bias */
    assert_true(bs_dt_eq(P("UINT1"), BS_DT_BINARY_V));
    const char *bad[] = {"", "UINT", "INT0", "INT65", "uint8", "FIXED<8,8>", "FIXED<8>", "FLOAT64", "INT8x", "SCALEDINT8",
                         "INT4294967304", "UINT99999999999999999999", "FIXED<4294967304,3>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bs_dt d;
        assert_int_equal(bs_dt_parse(bad[i], &d), BS_EPARSE);
        assert_non_null(strstr(bs_error_msg(), "datatype"));
    }
    assert_string_equal(bs_dt_hls_type(P("UINT4"), buf), "ap_uint<4>");
    assert_string_equal(bs_dt_hls_type(P("BIPOLAR"), buf), "ap_int<1>");
    assert_string_equal(bs_dt_hls_type(P("FIXED<8,3>"), buf), "ap_fixed<8, 3>");
    assert_null(bs_dt_hls_type(P("SCALEDINT<4>"), buf));
}

static void test_ranges(void **st)
{
    (void)st;
    struct { const char *n; double lo, hi; int bits; bool sgn, integer; } t[] = {
        {"BINARY", 0, 1, 1, false, true},     {"BIPOLAR", -1, 1, 1, true, true},
        {"TERNARY", -1, 1, 2, true, true},    {"UINT8", 0, 255, 8, false, true},
        {"INT1", -1, 0, 1, true, true},       {"INT4", -8, 7, 4, true, true},
        {"FIXED<8,3>", -4, 3.96875, 8, true, false},
        {"FLOAT16", -65504, 65504, 16, true, false},
        {"FLOAT<5,10,15>", -131008, 131008, 16, true, false},  /* no NaN/Inf codes */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        bs_dt d = P(t[i].n);
        assert_true(bs_dt_min(d) == t[i].lo);
        assert_true(bs_dt_max(d) == t[i].hi);
        assert_int_equal(bs_dt_bitwidth(d), t[i].bits);
        assert_int_equal(bs_dt_signed(d), t[i].sgn);
        assert_int_equal(bs_dt_is_integer(d), t[i].integer);
    }
    assert_true(bs_dt_is_fixed_point(P("FIXED<8,3>")));
    assert_true(isnan(bs_dt_min(P("SCALEDINT<8>"))));
    assert_true(bs_dt_max(P("INT64")) > 9.2e18);
    assert_true(bs_dt_num_values(P("INT4")) == 16);
    assert_true(bs_dt_num_values(P("TERNARY")) == 3);
}

static void test_allowed(void **st)
{
    (void)st;
    assert_true(bs_dt_allowed(P("BIPOLAR"), -1) && bs_dt_allowed(P("BIPOLAR"), 1));
    assert_false(bs_dt_allowed(P("BIPOLAR"), 0));
    assert_true(bs_dt_allowed(P("TERNARY"), 0));
    assert_false(bs_dt_allowed(P("UINT2"), 4));
    assert_false(bs_dt_allowed(P("INT4"), 1.5));
    assert_true(bs_dt_allowed(P("FIXED<8,3>"), 1.125));
    assert_false(bs_dt_allowed(P("FIXED<8,3>"), 1.0 / 64));   /* below the quantum 2^-5 */
    assert_false(bs_dt_allowed(P("FIXED<8,3>"), 4.0));
    assert_true(bs_dt_allowed(P("FLOAT32"), 0.1));
    assert_true(bs_dt_allowed(P("FLOAT<4,3,7>"), 1.875));
    assert_false(bs_dt_allowed(P("FLOAT<4,3,7>"), 1.9375));   /* needs 4 mantissa bits */
}

static void test_smallest(void **st)
{
    (void)st;
    /* the verified table of finn-reference §4.3 */
    struct { double v; const char *n; } t[] = {
        {0, "BINARY"}, {1, "BINARY"}, {2, "UINT2"}, {3, "UINT2"}, {-1, "BIPOLAR"}, {-2, "INT2"},
        {-3, "INT3"}, {255, "UINT8"}, {256, "UINT9"}, {-128, "INT8"}, {-129, "INT9"}, {0.5, "FLOAT32"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_string_equal(bs_dt_str(bs_dt_smallest(t[i].v)), t[i].n);
    /* weights in {-1,0,1} -> INT2 (MinimizeWeightBitWidth example) */
    assert_string_equal(bs_dt_str(bs_dt_smallest_range(-1, 1)), "INT2");
    assert_string_equal(bs_dt_str(bs_dt_smallest_range(0, 200)), "UINT8");
    assert_string_equal(bs_dt_str(bs_dt_smallest_range(-100, 127)), "INT8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names), cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_allowed), cmocka_unit_test(test_smallest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
