/* test_npy.c - .npy read/write: every supported dtype round-trips, numpy's
 * header layout (64-byte alignment, "(n,)" tuples), big-endian and
 * Fortran-order files, version 2 headers, and clear errors for bad files. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/npy.h"
#include "brainsmith/onnx.h"

static void test_roundtrip_all_types(void **st)
{
    (void)st;
    int32_t types[] = {BS_ELEM_FLOAT, BS_ELEM_DOUBLE, BS_ELEM_INT8, BS_ELEM_INT16, BS_ELEM_INT32, BS_ELEM_INT64,
                       BS_ELEM_UINT8, BS_ELEM_UINT16, BS_ELEM_UINT32, BS_ELEM_UINT64, BS_ELEM_BOOL};
    int64_t dims[3] = {2, 3, 4};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (int rank = 0; rank <= 3; rank++) {
            bs_value v = {0}, r = {0};
            assert_int_equal(bs_value_alloc(&v, types[t], rank, dims), 0);
            for (int64_t i = 0; i < v.numel; i++) bs_value_set(&v, i, types[t] == BS_ELEM_BOOL ? i % 2 : (double)(i * 3 % 17));
            char *buf;
            size_t len;
            assert_int_equal(bs_npy_pack(&v, &buf, &len), 0);
            size_t hl = (size_t)(unsigned char)buf[8] | ((size_t)(unsigned char)buf[9] << 8);
            assert_int_equal((10 + hl) % 64, 0);          /* numpy aligns the data */
            assert_int_equal(buf[10 + hl - 1], '\n');
            if (rank == 1) assert_non_null(memmem(buf + 10, hl, "'shape': (2,)", 13));
            if (rank == 0) assert_non_null(memmem(buf + 10, hl, "'shape': ()", 11));
            if (rank == 3) assert_non_null(memmem(buf + 10, hl, "'shape': (2, 3, 4)", 18));
            assert_int_equal(bs_npy_parse(buf, len, "rt", &r), 0);
            assert_int_equal(r.elem, types[t]);
            assert_int_equal(r.rank, rank);
            assert_int_equal(r.numel, v.numel);
            assert_memory_equal(r.data, v.data, (size_t)v.numel * bs_onnx_elem_size(types[t]));
            free(buf);
            bs_value_free(&v);
            bs_value_free(&r);
        }
    }
}

/* Builds an .npy file from a header dict and raw data (version 1 or 2). */
static size_t make(char *out, int version, const char *dict, const void *data, size_t n)
{
    size_t hoff = version == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = hoff + dl + 1, pad = (64 - total % 64) % 64, hl = dl + pad + 1;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (char)version;
    out[7] = 0;
    out[8] = (char)(hl & 0xff);
    out[9] = (char)(hl >> 8);
    if (version == 2) out[10] = out[11] = 0;
    memcpy(out + hoff, dict, dl);
    memset(out + hoff + dl, ' ', pad);
    out[hoff + dl + pad] = '\n';
    memcpy(out + hoff + hl, data, n);
    return hoff + hl + n;
}

static void test_foreign_layouts(void **st)
{
    (void)st;
    char buf[512];
    bs_value v = {0};
    /* big-endian int32 [1, 258] */
    unsigned char be[8] = {0, 0, 0, 1, 0, 0, 1, 2};
    size_t n = make(buf, 1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be, 8);
    assert_int_equal(bs_npy_parse(buf, n, "be", &v), 0);
    assert_true(bs_value_get(&v, 0) == 1 && bs_value_get(&v, 1) == 258);
    /* Fortran order 2x3: memory holds columns */
    float f[6] = {1, 4, 2, 5, 3, 6};
    n = make(buf, 2, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f, sizeof f);
    assert_int_equal(bs_npy_parse(buf, n, "fortran", &v), 0);
    for (int i = 0; i < 6; i++) assert_true(bs_value_get(&v, i) == i + 1);
    /* numpy's bool */
    uint8_t b[3] = {1, 0, 7};
    n = make(buf, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b, 3);
    assert_int_equal(bs_npy_parse(buf, n, "bool", &v), 0);
    assert_int_equal(v.elem, BS_ELEM_BOOL);
    assert_true(bs_value_get(&v, 2) == 1);
    bs_value_free(&v);
}

static void test_errors(void **st)
{
    (void)st;
    char buf[512];
    bs_value v = {0};
    float d[4] = {0};
    size_t n;
    assert_int_equal(bs_npy_parse("hello world", 11, "x.npy", &v), BS_EPARSE);
    assert_non_null(strstr(bs_error_msg(), "x.npy"));
    n = make(buf, 1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", d, 16);
    assert_int_equal(bs_npy_parse(buf, n, "c.npy", &v), BS_EUNSUPPORTED);
    assert_non_null(strstr(bs_error_msg(), "c8"));
    n = make(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (8,), }", d, 16);
    assert_int_equal(bs_npy_parse(buf, n, "short.npy", &v), BS_EPARSE);   /* data too short */
    assert_non_null(strstr(bs_error_msg(), "data bytes"));
    n = make(buf, 1, "{'descr': '<f4', 'fortran_order': False, }", d, 16);
    assert_int_equal(bs_npy_parse(buf, n, "noshape.npy", &v), BS_EPARSE);
    assert_non_null(strstr(bs_error_msg(), "shape"));
    n = make(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", d, 16);
    assert_int_equal(bs_npy_parse(buf, n, "neg.npy", &v), BS_EPARSE);
    n = make(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", d, 8);
    assert_int_equal(bs_npy_parse(buf, 12, "trunc.npy", &v), BS_EPARSE);  /* header cut */
    assert_int_equal(bs_npy_read("/nonexistent.npy", &v), BS_ENOTFOUND);
    bs_value_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_roundtrip_all_types), cmocka_unit_test(test_foreign_layouts),
                                       cmocka_unit_test(test_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
