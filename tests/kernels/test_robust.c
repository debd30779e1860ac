/* test_robust.c - every registry entry against generated attribute sets
 * (zeros, negatives, ones, odd sizes, wrong list lengths, big values): load,
 * check, shapes, widths, cycles, estimates, alternatives, counts and
 * SetFolding must either succeed or fail with BS_EINVAL and a message that
 * names the node - never crash or hit undefined behaviour (run under
 * ASan/UBSan in the sanitizer build). */
#include "test_util.h"
#include "brainsmith/error.h"
#include "brainsmith/kernels.h"

static const int64_t ivals[] = {0, -1, 1, 2, 3, 7, 64, 1000};
static const char *const dts[] = {"INT4", "BIPOLAR", "UINT1", "FIXED<8,4>", "FLOAT32", "INT64"};

static cJSON *gen(const bs_kernel *k, int variant) {
    cJSON *o = cJSON_CreateObject();
    int na = k->n_attrs + k->n_extra;
    for (int i = 0; i < na; i++) {
        const bs_kattr_def *d = i < k->n_attrs ? &k->attrs[i] : &k->extra[i - k->n_attrs];
        if (cJSON_GetObjectItem(o, d->name)) continue;
        int64_t v = ivals[(variant + i) % 8];
        switch (d->type) {
        case BS_KA_INT:
            if (d->allowed) v = (variant + i) % 2;
            cJSON_AddNumberToObject(o, d->name, (double)v);
            break;
        case BS_KA_STR:
            if (d->allowed) {    /* pick the n-th allowed value */
                const char *p = d->allowed + 1;
                for (int s = (variant + i) % 4; s > 0 && strchr(p, '|')[1]; s--) p = strchr(p, '|') + 1;
                char b[40];
                snprintf(b, sizeof b, "%.*s", (int)(strchr(p, '|') - p), p);
                cJSON_AddStringToObject(o, d->name, b);
            }
            break;
        case BS_KA_DTYPE:
            cJSON_AddStringToObject(o, d->name, dts[(variant + i) % 6]);
            break;
        case BS_KA_INTS: {
            int len = 1 + (variant + i) % 5;
            cJSON *a = cJSON_AddArrayToObject(o, d->name);
            for (int j = 0; j < len; j++)
                cJSON_AddItemToArray(a, cJSON_CreateNumber((double)ivals[(variant + i + j) % 8]));
            break;
        }
        case BS_KA_STRS: {
            cJSON *a = cJSON_AddArrayToObject(o, d->name);
            cJSON_AddItemToArray(a, cJSON_CreateString(dts[variant % 6]));
            cJSON_AddItemToArray(a, cJSON_CreateString(dts[(variant + 1) % 6]));
            break;
        }
        }
    }
    return o;
}

static void exercise(bs_knode *n) {
    int64_t d[BS_KINTS_MAX + 4], w, c;
    size_t nd;
    bs_kcost kc, alt[3];
    const char *lab[3];
    int na;
    bs_kcount cnt[4];
    bs_kdt odt;
    for (int out = 0; out < 2; out++)
        for (int idx = 0; idx < 3; idx++) {
            bs_knode_normal_shape(n, out, idx, d, &nd);
            bs_knode_folded_shape(n, out, idx, d, &nd);
            bs_knode_stream_width_padded(n, out, idx, &w);
        }
    bs_knode_output_dtype(n, 0, &odt);
    int rc = bs_knode_estimate(n, "xczu7ev-ffvc1156-2-e", &kc);
    assert_true(rc == 0 || rc == BS_EINVAL);
    if (rc) assert_non_null(strstr(bs_error_msg(), n->name));
    bs_knode_cycles(n, &c);
    bs_knode_alternatives(n, "xcvc1902", alt, lab, &na);
    bs_knode_op_param_counts(n, cnt, &na);
    bs_fold_result r;
    bs_fold_node(n, 100, 36, &r);
    bs_knode_estimate(n, NULL, &kc);
}

static void test_all_kernels(void **st) {
    int loaded = 0, estimated = 0;
    for (size_t i = 0; i < bs_kernel_count(); i++) {
        const bs_kernel *k = bs_kernel_at(i);
        for (int v = 0; v < 24; v++) {
            cJSON *j = gen(k, v);
            bs_kattr_src src;
            bs_kattr_json js;
            bs_kattr_src_json(&src, &js, j);
            for (int ver = BS_FINN_AUTO; ver <= BS_FINN_V05; ver++) {
                bs_knode n;
                int rc = bs_knode_load(&n, k, &src, "robust_node", (bs_finn_version)ver);
                if (rc) {
                    assert_int_equal(rc, BS_EINVAL);
                    assert_non_null(strstr(bs_error_msg(), "robust_node"));
                    continue;
                }
                loaded++;
                bs_kcost kc;
                if (bs_knode_estimate(&n, NULL, &kc) == 0) estimated++;
                exercise(&n);
            }
            cJSON_Delete(j);
        }
        /* no attributes at all: required ones are reported */
        cJSON *e = cJSON_CreateObject();
        bs_kattr_src src;
        bs_kattr_json js;
        bs_kattr_src_json(&src, &js, e);
        bs_knode n;
        int rc = bs_knode_load(&n, k, &src, "empty", BS_FINN_AUTO);
        if (rc) assert_non_null(strstr(bs_error_msg(), "required attribute"));
        cJSON_Delete(e);
    }
    fprintf(stderr, "robust: %d loads, %d legal estimates\n", loaded, estimated);
    assert_true(loaded > 100 && estimated > 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_all_kernels)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
