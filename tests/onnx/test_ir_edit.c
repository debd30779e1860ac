/* test_ir_edit.c - the IR editing API the transformations use (build,
 * insert, remove, replace, bypass, rename, unique names, toposort), typed
 * attributes, op registration (inference + executor, as the kernels module
 * does), and that an edited graph saved to ONNX loads back and computes the
 * same thing. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/onnx.h"

/* x[1,4] -> MatMul(W[4,3]) -> Mul(s) -> Relu -> y */
static bs_ir_graph *small(void)
{
    bs_ir_graph *g = bs_ir_new("small");
    assert_non_null(g);
    bs_ir_tensor *x = bs_ir_tensor_get(g, "x"), *w = bs_ir_tensor_get(g, "W"), *s = bs_ir_tensor_get(g, "s");
    int64_t xd[2] = {1, 4}, wd[2] = {4, 3}, sd[1] = {1};
    assert_int_equal(bs_ir_tensor_set_shape(g, x, 2, xd), 0);
    assert_int_equal(bs_ir_add_input(g, x), 0);
    float W[12] = {1, 0, -1, 2, 1, 0, 0, -1, 1, 1, 1, 1}, S[1] = {0.5f};
    assert_int_equal(bs_ir_tensor_set_init_f32(g, w, 2, wd, W), 0);
    assert_int_equal(bs_ir_tensor_set_init_f32(g, s, 1, sd, S), 0);
    bs_ir_tensor_set_dtype(w, bs_dt_int(2));
    bs_ir_tensor *a = bs_ir_tensor_new(g, "mm_out"), *b = bs_ir_tensor_new(g, "mul_out"), *y = bs_ir_tensor_get(g, "y");
    bs_ir_tensor *i1[2] = {x, w}, *i2[2] = {a, s};
    assert_non_null(bs_ir_node_add(g, "MatMul", "", "mm", i1, 2, &a, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "Mul", "", NULL, i2, 2, &b, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "Relu", "", NULL, &b, 1, &y, 1, NULL));
    assert_int_equal(bs_ir_add_output(g, y), 0);
    assert_int_equal(bs_ir_validate(g), 0);
    return g;
}

static void run1(const bs_ir_graph *g, const float *in, float *out, int nout)
{
    bs_value x = {0}, y[2];
    int64_t d[2] = {1, 4};
    assert_int_equal(bs_value_alloc(&x, BS_ELEM_FLOAT, 2, d), 0);
    memcpy(x.data, in, 4 * sizeof(float));
    if (bs_exec_graph_once(g, &x, 1, y)) fail_msg("%s", bs_error_msg());
    assert_int_equal(y[0].numel, nout);
    memcpy(out, y[0].data, sizeof(float) * (size_t)nout);
    bs_value_free(&x);
    for (int i = 0; i < g->noutputs; i++) bs_value_free(&y[i]);
}

static void test_build_and_lookup(void **st)
{
    (void)st;
    bs_ir_graph *g = small();
    assert_int_equal(bs_ir_infer(g), 0);
    bs_ir_tensor *y = bs_ir_tensor_find(g, "y");
    assert_int_equal(y->rank, 2);
    assert_int_equal(y->dims[1], 3);
    bs_ir_node *mm = bs_ir_node_find(g, "mm");
    assert_non_null(mm);
    assert_string_equal(g->nodes[1]->name, "Mul");        /* generated names */
    assert_string_equal(g->nodes[2]->name, "Relu");
    assert_ptr_equal(bs_ir_node_succ(mm, 0), g->nodes[1]);
    assert_ptr_equal(bs_ir_node_pred(g->nodes[1], 0), mm);
    assert_null(bs_ir_node_pred(mm, 0));                  /* graph input */
    assert_true(bs_ir_is_const(mm->inputs[1]));
    assert_int_equal(bs_ir_node_index(g, g->nodes[2]), 2);
    /* MatMul of FLOAT32 x INT2 -> FLOAT32 (datatype rules) */
    assert_string_equal(bs_dt_str(mm->outputs[0]->dtype), "FLOAT32");
    float in[4] = {1, 2, 3, 4}, out[3];
    run1(g, in, out, 3);
    /* [1,2,3,4] @ W = [1*1+2*2+0+4, 0+2-3+4, -1+0+3+4] = [9, 3, 6] * 0.5 */
    assert_true(out[0] == 4.5f && out[1] == 1.5f && out[2] == 3.0f);
    bs_ir_free(g);
}

static void test_unique_names_and_rename(void **st)
{
    (void)st;
    bs_ir_graph *g = small();
    assert_string_equal(bs_ir_unique_name(g, "fresh"), "fresh");
    assert_string_equal(bs_ir_unique_name(g, "mm"), "mm_0");      /* node name taken */
    assert_string_equal(bs_ir_unique_name(g, "x"), "x_0");        /* tensor name taken */
    bs_ir_tensor *x = bs_ir_tensor_find(g, "x");
    assert_int_equal(bs_ir_tensor_rename(g, x, "W"), BS_EEXISTS);
    assert_int_equal(bs_ir_tensor_rename(g, x, "global_in"), 0);
    assert_null(bs_ir_tensor_find(g, "x"));
    assert_ptr_equal(bs_ir_tensor_find(g, "global_in"), x);
    assert_int_equal(bs_ir_node_rename(g, g->nodes[1], "mm"), BS_EEXISTS);
    assert_int_equal(bs_ir_give_unique_node_names(g, NULL), 0);
    assert_string_equal(g->nodes[0]->name, "MatMul_0");
    assert_string_equal(g->nodes[1]->name, "Mul_0");
    assert_string_equal(g->nodes[2]->name, "Relu_0");
    assert_ptr_equal(bs_ir_node_find(g, "Mul_0"), g->nodes[1]);
    assert_null(bs_ir_node_find(g, "mm"));
    assert_int_equal(bs_ir_validate(g), 0);
    bs_ir_free(g);
}

static void test_insert_remove_replace(void **st)
{
    (void)st;
    bs_ir_graph *g = small();
    bs_ir_node *mul = g->nodes[1];
    float in[4] = {1, 2, 3, 4}, before[3], after[3];
    run1(g, in, before, 3);
    /* insert Add(+1) after MatMul, i.e. before Mul (a typical rewrite) */
    float one = 1;
    bs_ir_tensor *a = mul->inputs[0], *c = bs_ir_const_f32(g, "add_c", 0, NULL, &one), *o = bs_ir_tensor_new(g, "add_out");
    assert_non_null(c);
    assert_true(bs_ir_is_const(c));
    bs_ir_tensor *ins[2] = {a, c};
    bs_ir_node *add = bs_ir_node_add(g, "Add", "", NULL, ins, 2, &o, 1, mul);
    assert_non_null(add);
    assert_int_equal(bs_ir_node_set_input(g, mul, 0, o), 0);
    assert_int_equal(bs_ir_validate(g), 0);
    assert_int_equal(bs_ir_node_index(g, add), 1);
    run1(g, in, after, 3);
    for (int i = 0; i < 3; i++) assert_true(after[i] == before[i] + 0.5f);
    /* bypass it again: back to the original function */
    assert_int_equal(bs_ir_node_bypass(g, add), 0);
    assert_int_equal(bs_ir_validate(g), 0);
    assert_int_equal(g->nnodes, 3);
    run1(g, in, after, 3);
    for (int i = 0; i < 3; i++) assert_true(after[i] == before[i]);
    /* replace Relu by Clip(0, inf) and bypass the output node's role */
    bs_ir_node *relu = g->nodes[2];
    bs_ir_tensor *y = relu->outputs[0], *ty = bs_ir_tensor_new(g, "tmp");
    bs_ir_node *clip = bs_ir_node_add(g, "Clip", "", NULL, relu->inputs, 1, &ty, 1, NULL);
    assert_non_null(clip);
    assert_int_equal(bs_ir_attr_set_float(g, clip, "min", 0.0), 0);
    assert_int_equal(bs_ir_node_replace(g, relu, clip), 0);
    assert_int_equal(bs_ir_node_set_output(g, clip, 0, y), 0);
    assert_int_equal(bs_ir_validate(g), 0);
    assert_ptr_equal(g->nodes[2], clip);
    assert_true(relu->removed);
    run1(g, in, after, 3);
    for (int i = 0; i < 3; i++) assert_true(after[i] == before[i]);
    assert_true(bs_ir_remove_unused_tensors(g) >= 2);   /* tmp and the bypassed add's output/const */
    /* bypassing the last node keeps the graph output's name */
    assert_int_equal(bs_ir_node_bypass(g, clip), 0);
    assert_string_equal(g->outputs[0]->name, "y");
    assert_int_equal(bs_ir_validate(g), 0);
    /* removing the producer of a used tensor makes the graph invalid */
    assert_int_equal(bs_ir_node_remove(g, g->nodes[0]), 0);
    assert_int_equal(bs_ir_validate(g), BS_ECORRUPT);
    bs_ir_free(g);
}

static void test_toposort(void **st)
{
    (void)st;
    bs_ir_graph *g = small();
    /* move Relu first: the order is broken until toposort */
    assert_int_equal(bs_ir_node_move(g, g->nodes[2], g->nodes[0]), 0);
    assert_string_equal(g->nodes[0]->op_type, "Relu");
    assert_int_equal(bs_ir_validate(g), BS_ECORRUPT);
    assert_int_equal(bs_ir_toposort(g), 0);
    assert_string_equal(g->nodes[0]->op_type, "MatMul");
    assert_string_equal(g->nodes[2]->op_type, "Relu");
    assert_int_equal(bs_ir_validate(g), 0);
    /* a cycle: Relu feeds MatMul's weight input */
    assert_int_equal(bs_ir_node_set_input(g, g->nodes[0], 1, g->nodes[2]->outputs[0]), 0);
    assert_int_equal(bs_ir_toposort(g), BS_ECYCLE);
    assert_non_null(strstr(bs_error_msg(), "cycle"));
    bs_ir_free(g);
}

static void test_attributes(void **st)
{
    (void)st;
    bs_ir_graph *g = small();
    bs_ir_node *n = g->nodes[0];
    int64_t ints[3] = {1, 30, 30};
    float fl[2] = {0.5f, -1};
    const char *strs[2] = {"a", "bc"};
    assert_int_equal(bs_ir_attr_set_int(g, n, "PE", 16), 0);
    assert_int_equal(bs_ir_attr_set_float(g, n, "out_scale", 2.0), 0);
    assert_int_equal(bs_ir_attr_set_str(g, n, "mem_mode", "internal_decoupled"), 0);
    assert_int_equal(bs_ir_attr_set_ints(g, n, "numInputVectors", ints, 3), 0);
    assert_int_equal(bs_ir_attr_set_floats(g, n, "fl", fl, 2), 0);
    assert_int_equal(bs_ir_attr_set_strings(g, n, "ss", strs, 2), 0);
    assert_int_equal(bs_ir_attr_set_dt(g, n, "inputDataType", bs_dt_uint(4)), 0);
    int64_t d2[2] = {2, 2};
    bs_ir_data *t = bs_ir_data_new(g, BS_ELEM_INT64, 2, d2);
    for (int i = 0; i < 4; i++) ((int64_t *)t->data)[i] = i * 7;
    assert_int_equal(bs_ir_attr_set_tensor(g, n, "tens", t), 0);
    int64_t iv;
    double fv;
    const char *sv;
    const int64_t *iv2;
    const float *fv2;
    const char *const *sv2;
    const bs_ir_data *tv;
    bs_dt dt;
    int cnt;
    assert_int_equal(bs_ir_attr_get_int(n, "PE", &iv), 0);
    assert_int_equal(iv, 16);
    assert_int_equal(bs_ir_attr_get_float(n, "out_scale", &fv), 0);
    assert_true(fv == 2.0);
    assert_int_equal(bs_ir_attr_get_float(n, "PE", &fv), 0);   /* int accepted as float */
    assert_int_equal(bs_ir_attr_get_str(n, "mem_mode", &sv), 0);
    assert_string_equal(sv, "internal_decoupled");
    assert_int_equal(bs_ir_attr_get_ints(n, "numInputVectors", &iv2, &cnt), 0);
    assert_int_equal(cnt, 3);
    assert_int_equal(iv2[2], 30);
    assert_int_equal(bs_ir_attr_get_floats(n, "fl", &fv2, &cnt), 0);
    assert_true(cnt == 2 && fv2[1] == -1);
    assert_int_equal(bs_ir_attr_get_strings(n, "ss", &sv2, &cnt), 0);
    assert_string_equal(sv2[1], "bc");
    assert_int_equal(bs_ir_attr_get_tensor(n, "tens", &tv), 0);
    assert_int_equal(((int64_t *)tv->data)[3], 21);
    assert_int_equal(bs_ir_attr_get_dt(n, "inputDataType", &dt), 0);
    assert_true(bs_dt_eq(dt, bs_dt_uint(4)));
    /* errors name the node and attribute */
    assert_int_equal(bs_ir_attr_get_int(n, "SIMD", &iv), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "SIMD"));
    assert_int_equal(bs_ir_attr_get_int(n, "mem_mode", &iv), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "string"));
    assert_int_equal(bs_ir_attr_get_dt(n, "mem_mode", &dt), BS_EPARSE);
    /* defaults */
    assert_int_equal(bs_ir_attr_int(n, "SIMD", 1), 1);
    assert_int_equal(bs_ir_attr_int(n, "PE", 1), 16);
    assert_string_equal(bs_ir_attr_str(n, "ram_style", "auto"), "auto");
    /* replace keeps position, remove */
    int pos = (int)(bs_ir_attr_find(n, "PE") - n->attrs);
    assert_int_equal(bs_ir_attr_set_int(g, n, "PE", 32), 0);
    assert_int_equal((int)(bs_ir_attr_find(n, "PE") - n->attrs), pos);
    assert_int_equal(bs_ir_attr_int(n, "PE", 0), 32);
    assert_int_equal(bs_ir_attr_remove(n, "fl"), 0);
    assert_null(bs_ir_attr_find(n, "fl"));
    assert_int_equal(bs_ir_attr_remove(n, "fl"), BS_ENOTFOUND);
    /* attributes survive save/load */
    uint8_t *buf;
    size_t len;
    assert_int_equal(bs_ir_pack(g, &buf, &len), 0);
    bs_ir_graph *g2;
    assert_int_equal(bs_ir_load_mem(buf, len, "mem", &g2), 0);
    free(buf);
    bs_ir_node *m = bs_ir_node_find(g2, "mm");
    assert_int_equal(bs_ir_attr_int(m, "PE", 0), 32);
    assert_true(bs_ir_attr_float(m, "out_scale", 0) == 2.0);
    assert_int_equal(bs_ir_attr_get_tensor(m, "tens", &tv), 0);
    assert_int_equal(((int64_t *)tv->data)[3], 21);
    assert_int_equal(bs_ir_attr_get_strings(m, "ss", &sv2, &cnt), 0);
    assert_string_equal(sv2[0], "a");
    assert_string_equal(bs_dt_str(bs_ir_tensor_find(g2, "W")->dtype), "INT2");  /* annotation */
    /* SpecializeLayers style: copy all attributes */
    bs_ir_tensor *o = bs_ir_tensor_new(g2, "o");
    bs_ir_node *c = bs_ir_node_add(g2, "MVAU_hls", BS_DOMAIN_FPGADATAFLOW_HLS, NULL, m->inputs, 2, &o, 1, NULL);
    assert_int_equal(bs_ir_attr_copy_all(g2, c, m), 0);
    assert_int_equal(bs_ir_attr_int(c, "PE", 0), 32);
    bs_ir_free(g2);
    bs_ir_free(g);
}

/* A kernel registered from outside (what lib/kernels does for MVAU). */
static int k_scale2(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    (void)nin;
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, in[0]);
    if (!o) return bs_error_code();
    double f = bs_ir_attr_float(n, "factor", 2.0);
    for (int64_t i = 0; i < o->numel; i++) ((float *)o->data)[i] = (float)(f * ((float *)in[0]->data)[i]);
    return 0;
}
static int dt_scale2(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bs_ir_tensor_set_dtype(n->outputs[0], bs_dt_int(8));
    return 0;
}

static void test_registration(void **st)
{
    (void)st;
    static const bs_exec_op ex[] = {{BS_DOMAIN_FPGADATAFLOW, "Scale2", k_scale2, "test kernel"}, {NULL, NULL, NULL, NULL}};
    static const bs_ir_opdef inf[] = {{BS_DOMAIN_FPGADATAFLOW, "Scale2", bs_ir_infer_same_shape, dt_scale2, "test"}, {NULL, NULL, NULL, NULL, NULL}};
    bs_ir_graph *g = small();
    bs_ir_node *relu = g->nodes[2];
    bs_ir_tensor *y = relu->outputs[0], *t = bs_ir_tensor_new(g, "pre");
    assert_int_equal(bs_ir_node_set_output(g, relu, 0, t), 0);
    bs_ir_node *k = bs_ir_node_add(g, "Scale2_rtl", BS_DOMAIN_FPGADATAFLOW_RTL, NULL, &t, 1, &y, 1, NULL);
    assert_non_null(k);
    assert_int_equal(bs_exec_check(g), BS_EUNSUPPORTED);
    assert_non_null(strstr(bs_error_msg(), "Scale2_rtl"));
    assert_int_equal(bs_ir_infer(g), BS_EUNSUPPORTED);
    assert_int_equal(bs_exec_register_table(ex), 0);
    assert_int_equal(bs_ir_register_ops(inf), 0);
    /* Scale2_rtl in the .rtl domain falls back to the abstract Scale2 */
    assert_ptr_equal(bs_exec_lookup(BS_DOMAIN_FPGADATAFLOW_RTL, "Scale2_rtl"), &ex[0]);
    assert_int_equal(bs_ir_infer(g), 0);
    assert_string_equal(bs_dt_str(y->dtype), "INT8");
    assert_int_equal(y->dims[1], 3);
    float in[4] = {1, 2, 3, 4}, out[3];
    run1(g, in, out, 3);
    assert_true(out[0] == 9.0f && out[1] == 3.0f && out[2] == 6.0f);
    bs_ir_free(g);
}

/* The float32 fast paths must never change a result: sums beyond 2^24
 * quanta fall back to double accumulation (2^24 + 4 survives; a float32
 * accumulator would return 2^24). */
static void test_exactness_guard(void **st)
{
    (void)st;
    for (int conv = 0; conv < 2; conv++) {
        bs_ir_graph *g = bs_ir_new("guard");
        bs_ir_tensor *x = bs_ir_tensor_get(g, "x"), *y = bs_ir_tensor_get(g, "y");
        int64_t xd[4] = {1, 1, 1, 5}, wd_mm[2] = {5, 1}, wd_cv[4] = {1, 1, 1, 5};
        float ones[5] = {1, 1, 1, 1, 1};
        assert_int_equal(bs_ir_tensor_set_shape(g, x, conv ? 4 : 2, conv ? xd : xd + 2), 0);
        assert_int_equal(bs_ir_add_input(g, x), 0);
        bs_ir_tensor *w = bs_ir_const_f32(g, "w", conv ? 4 : 2, conv ? wd_cv : wd_mm, ones);
        bs_ir_tensor *ins[2] = {x, w};
        assert_non_null(bs_ir_node_add(g, conv ? "Conv" : "MatMul", "", NULL, ins, 2, &y, 1, NULL));
        assert_int_equal(bs_ir_add_output(g, y), 0);
        assert_int_equal(bs_ir_infer(g), 0);
        bs_value in = {0}, out[1];
        assert_int_equal(bs_value_alloc(&in, BS_ELEM_FLOAT, x->rank, x->dims), 0);
        float v[5] = {16777216.0f, 1, 1, 1, 1};
        memcpy(in.data, v, sizeof v);
        assert_int_equal(bs_exec_graph_once(g, &in, 1, out), 0);
        assert_true(bs_value_get(&out[0], 0) == 16777220.0);
        /* small values take the fast path and stay exact */
        float s[5] = {3, -2, 0.5f, 0.25f, 7};
        memcpy(in.data, s, sizeof s);
        bs_value_free(&out[0]);
        assert_int_equal(bs_exec_graph_once(g, &in, 1, out), 0);
        assert_true(bs_value_get(&out[0], 0) == 8.75);
        bs_value_free(&out[0]);
        bs_value_free(&in);
        bs_ir_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_lookup), cmocka_unit_test(test_unique_names_and_rename),
        cmocka_unit_test(test_insert_remove_replace), cmocka_unit_test(test_toposort),
        cmocka_unit_test(test_attributes), cmocka_unit_test(test_registration),
        cmocka_unit_test(test_exactness_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
