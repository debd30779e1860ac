/* test_broken.c - hand-broken models as regression tests: each is a valid
 * model with one field broken through the protobuf structs, and must fail
 * with one clear error naming the broken field (never crash), or - for
 * unsupported ops - list every unsupported node. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/onnx.h"
#include "onnx.pb-c.h"

#include <math.h>

/* x[1,4] -> MatMul(W) -> t -> Relu -> y, annotated, serialized. */
static void base_bytes(uint8_t **buf, size_t *len)
{
    bs_ir_graph *g = bs_ir_new("base");
    bs_ir_tensor *x = bs_ir_tensor_get(g, "x"), *w = bs_ir_tensor_get(g, "W");
    bs_ir_tensor *t = bs_ir_tensor_get(g, "t"), *y = bs_ir_tensor_get(g, "y");
    int64_t xd[2] = {1, 4}, wd[2] = {4, 2};
    float W[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(bs_ir_tensor_set_shape(g, x, 2, xd), 0);
    assert_int_equal(bs_ir_add_input(g, x), 0);
    assert_int_equal(bs_ir_tensor_set_init_f32(g, w, 2, wd, W), 0);
    bs_ir_tensor_set_dtype(w, bs_dt_int(4));
    bs_ir_tensor *mi[2] = {x, w};
    assert_non_null(bs_ir_node_add(g, "MatMul", "", "mm", mi, 2, &t, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "Relu", "", "relu", &t, 1, &y, 1, NULL));
    assert_int_equal(bs_ir_add_output(g, y), 0);
    assert_int_equal(bs_ir_pack(g, buf, len), 0);
    bs_ir_free(g);
}

typedef void (*breaker)(Onnx__ModelProto *m);

/* Breaks a fresh copy of the base model and loads it. */
static int load_broken(breaker b, bs_ir_graph **out)
{
    uint8_t *buf, *buf2;
    size_t len, len2;
    base_bytes(&buf, &len);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    assert_non_null(m);
    b(m);
    assert_int_equal(bs_onnx_pack(m, &buf2, &len2), 0);
    onnx__model_proto__free_unpacked(m, NULL);
    int rc = bs_ir_load_mem(buf2, len2, "broken.onnx", out);
    free(buf);
    free(buf2);
    return rc;
}

static void expect(int rc, int want, const char *needle)
{
    if (rc != want) fail_msg("rc %d (%s), wanted %d: %s", rc, bs_errname(rc), want, bs_error_msg());
    if (!strstr(bs_error_msg(), needle)) fail_msg("message '%s' does not mention '%s'", bs_error_msg(), needle);
}

/* Replaces a string owned by the unpacked message (freed with it later). */
static void set(char **slot, const char *v)
{
    if (*slot && *slot != protobuf_c_empty_string) free(*slot);
    *slot = strdup(v);
}

static void b_missing_input(Onnx__ModelProto *m) { set(&m->graph->node[1]->input[0], "nowhere"); }
static void b_dup_output(Onnx__ModelProto *m) { set(&m->graph->node[1]->output[0], "t"); }
static void b_no_optype(Onnx__ModelProto *m) { set(&m->graph->node[0]->op_type, ""); }
static void b_raw_size(Onnx__ModelProto *m) { m->graph->initializer[0]->raw_data.len -= 4; }
static void b_neg_dim(Onnx__ModelProto *m) { m->graph->initializer[0]->dims[0] = -4; }
static void b_bad_dtype(Onnx__ModelProto *m)
{
    set(&m->graph->quantization_annotation[0]->quant_parameter_tensor_names[0]->value, "INT99");
}
static void b_no_graph(Onnx__ModelProto *m)
{
    onnx__graph_proto__free_unpacked(m->graph, NULL);
    m->graph = NULL;
}
static void b_output_unproduced(Onnx__ModelProto *m) { set(&m->graph->output[0]->name, "ghost"); }
static void b_cycle(Onnx__ModelProto *m)
{
    /* mm reads relu's output: t -> y -> t */
    set(&m->graph->node[0]->input[0], "y");
}
static void b_init_is_output(Onnx__ModelProto *m) { set(&m->graph->node[0]->output[0], "W"); }
static void b_attr_noname(Onnx__ModelProto *m)
{
    Onnx__AttributeProto *a = malloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    Onnx__AttributeProto **list = malloc(sizeof *list);
    list[0] = a;
    m->graph->node[0]->n_attribute = 1;
    m->graph->node[0]->attribute = list;
}
static void b_unknown_ops(Onnx__ModelProto *m)
{
    set(&m->graph->node[0]->op_type, "FancyOp");
    set(&m->graph->node[1]->op_type, "Frobnicate");
    set(&m->graph->node[1]->domain, "com.example");
}
static void b_dup_name(Onnx__ModelProto *m) { set(&m->graph->node[1]->name, "mm"); }

static void b_bad_shape(Onnx__ModelProto *m)
{
    m->graph->initializer[0]->dims[0] = 2;   /* W [2,4] with x [1,4]: inner dims differ */
    m->graph->initializer[0]->dims[1] = 4;
}

static void test_load_errors(void **st)
{
    (void)st;
    bs_ir_graph *g = NULL;
    expect(load_broken(b_missing_input, &g), BS_ECORRUPT, "'nowhere'");
    expect(load_broken(b_missing_input, &g), BS_ECORRUPT, "graph.node[1]");
    expect(load_broken(b_dup_output, &g), BS_ECORRUPT, "already produced");
    expect(load_broken(b_no_optype, &g), BS_ECORRUPT, "op_type");
    expect(load_broken(b_raw_size, &g), BS_ECORRUPT, "initializer 'W'");
    expect(load_broken(b_neg_dim, &g), BS_ECORRUPT, "dims[0]");
    expect(load_broken(b_bad_dtype, &g), BS_ECORRUPT, "INT99");
    expect(load_broken(b_no_graph, &g), BS_ECORRUPT, "no graph");
    expect(load_broken(b_output_unproduced, &g), BS_ECORRUPT, "'ghost'");
    expect(load_broken(b_cycle, &g), BS_ECYCLE, "cycle");
    expect(load_broken(b_init_is_output, &g), BS_ECORRUPT, "also an initializer");
    expect(load_broken(b_attr_noname, &g), BS_ECORRUPT, "attribute[0] has no name");
    assert_null(g);
}

static void test_bytes_errors(void **st)
{
    (void)st;
    uint8_t *buf;
    size_t len;
    bs_ir_graph *g = NULL;
    base_bytes(&buf, &len);
    expect(bs_ir_load_mem(buf, len / 2, "half.onnx", &g), BS_EPARSE, "half.onnx");
    expect(bs_ir_load_mem("not a model at all", 18, "text.onnx", &g), BS_EPARSE, "not a valid ONNX");
    expect(bs_ir_load_mem("", 0, "empty.onnx", &g), BS_ECORRUPT, "no graph");
    expect(bs_ir_load("/nonexistent/x.onnx", &g), BS_ENOTFOUND, "/nonexistent/x.onnx");
    assert_null(g);
    free(buf);
}

static void test_unsupported_and_inference_errors(void **st)
{
    (void)st;
    bs_ir_graph *g;
    assert_int_equal(load_broken(b_unknown_ops, &g), 0);   /* loading is fine */
    expect(bs_ir_infer(g), BS_EUNSUPPORTED, "2 nodes");
    assert_non_null(strstr(bs_error_msg(), "'mm' (FancyOp)"));
    assert_non_null(strstr(bs_error_msg(), "'relu' (Frobnicate, com.example)"));
    expect(bs_exec_check(g), BS_EUNSUPPORTED, "Frobnicate");
    assert_non_null(strstr(bs_error_msg(), "FancyOp"));
    bs_exec_session *s;
    expect(bs_exec_new(g, &s), BS_EUNSUPPORTED, "2 nodes");
    bs_ir_free(g);
    assert_int_equal(load_broken(b_bad_shape, &g), 0);
    expect(bs_ir_infer(g), BS_EINVAL, "'mm' (MatMul)");
    bs_ir_free(g);
}

/* Regression (libFuzzer, UBSan): a node without outputs is skipped by
 * inference and refused by the executor, not dereferenced. */
static void test_node_without_outputs(void **st)
{
    (void)st;
    uint8_t *buf;
    size_t len;
    bs_ir_graph *g;
    base_bytes(&buf, &len);
    assert_int_equal(bs_ir_load_mem(buf, len, "ok", &g), 0);
    free(buf);
    const char *ops[] = {"QuantizeLinear", "Sign", "Add", "DequantizeLinear", "TopK"};
    for (int i = 0; i < 5; i++) {
        bs_ir_tensor *in2[2] = {g->tensors[0], g->tensors[0]};
        assert_non_null(bs_ir_node_add(g, ops[i], "", NULL, in2, 2, NULL, 0, NULL));
    }
    assert_int_equal(bs_ir_infer(g), 0);
    bs_value x = {0}, out[1];
    int64_t d[2] = {1, 4};
    assert_int_equal(bs_value_alloc(&x, BS_ELEM_FLOAT, 2, d), 0);
    assert_true(bs_exec_graph_once(g, &x, 1, out) < 0);
    assert_non_null(strstr(bs_error_msg(), "has no output 0"));
    bs_value_free(&x);
    bs_ir_free(g);
}

/* Regression (libFuzzer, UBSan): nodes without inputs, or with the first
 * input omitted (""), fail with an error naming the node. */
static void test_node_missing_inputs(void **st)
{
    (void)st;
    bs_ir_graph *g = bs_ir_new("noin");
    bs_ir_tensor *y = bs_ir_tensor_get(g, "y");
    assert_non_null(bs_ir_node_add(g, "Sub", "", "sub", NULL, 0, &y, 1, NULL));
    assert_int_equal(bs_ir_add_output(g, y), 0);
    expect(bs_ir_infer(g), BS_EINVAL, "'sub' (Sub)");
    bs_ir_free(g);
    g = bs_ir_new("omitted");
    bs_ir_tensor *x = bs_ir_tensor_get(g, "x");
    y = bs_ir_tensor_get(g, "y");
    int64_t d[1] = {3};
    assert_int_equal(bs_ir_tensor_set_shape(g, x, 1, d), 0);
    assert_int_equal(bs_ir_add_input(g, x), 0);
    bs_ir_tensor *ins[3] = {NULL, x, x};
    assert_non_null(bs_ir_node_add(g, "Where", "", "w", ins, 3, &y, 1, NULL));
    assert_int_equal(bs_ir_add_output(g, y), 0);
    bs_value v = {0}, out[1];
    assert_int_equal(bs_value_alloc(&v, BS_ELEM_FLOAT, 1, d), 0);
    expect(bs_exec_graph_once(g, &v, 1, out), BS_EINVAL, "input 0 is missing");
    bs_value_free(&v);
    bs_ir_free(g);
}

/* ONNX allows repeated node names: both nodes load, the first is found by
 * name, and removing the second does not drop the first from the index. */
static void test_duplicate_node_names(void **st)
{
    (void)st;
    bs_ir_graph *g;
    assert_int_equal(load_broken(b_dup_name, &g), 0);
    assert_string_equal(g->nodes[1]->name, "mm");
    assert_ptr_equal(bs_ir_node_find(g, "mm"), g->nodes[0]);
    bs_ir_node *first = g->nodes[0];
    assert_int_equal(bs_ir_node_remove(g, g->nodes[1]), 0);
    assert_ptr_equal(bs_ir_node_find(g, "mm"), first);
    assert_int_equal(bs_ir_give_unique_node_names(g, NULL), 0);
    assert_ptr_equal(bs_ir_node_find(g, "MatMul_0"), first);
    bs_ir_free(g);
}

static void test_exec_input_errors(void **st)
{
    (void)st;
    uint8_t *buf;
    size_t len;
    bs_ir_graph *g;
    base_bytes(&buf, &len);
    assert_int_equal(bs_ir_load_mem(buf, len, "ok", &g), 0);
    free(buf);
    assert_int_equal(bs_ir_infer(g), 0);
    bs_exec_session *s;
    assert_int_equal(bs_exec_new(g, &s), 0);
    bs_value x = {0};
    int64_t d[2] = {1, 5};
    assert_int_equal(bs_value_alloc(&x, BS_ELEM_FLOAT, 2, d), 0);
    expect(bs_exec_run(s, &x, 1), BS_EINVAL, "input 'x'");
    expect(bs_exec_run(s, &x, 0), BS_EINVAL, "1 input");
    /* a flat input with the right element count is accepted (FINN does) */
    int64_t d4[1] = {4};
    assert_int_equal(bs_value_alloc(&x, BS_ELEM_FLOAT, 1, d4), 0);
    for (int i = 0; i < 4; i++) ((float *)x.data)[i] = (float)(i - 1);
    assert_int_equal(bs_exec_run(s, &x, 1), 0);
    const bs_value *y = bs_exec_output(s, 0);
    /* [-1,0,1,2] @ [[1,2],[3,4],[5,6],[7,8]] = [18, 20] */
    assert_true(bs_value_get(y, 0) == 18 && bs_value_get(y, 1) == 20);
    bs_value_free(&x);
    bs_exec_free(s);
    bs_ir_free(g);
}

/* Regression (libFuzzer, UBSan): NaN/Inf weights and inputs must flow
 * through the exactness checks of MatMul/Conv without undefined casts. */
static void test_nan_weights(void **st)
{
    (void)st;
    for (int conv = 0; conv < 4; conv++) {
        bool huge = conv >= 2;   /* |w| * 2^s beyond int64: no undefined cast either */
        bs_ir_graph *g = bs_ir_new("nan");
        bs_ir_tensor *x = bs_ir_tensor_get(g, "x"), *y = bs_ir_tensor_get(g, "y");
        int64_t xd[4] = {1, 1, 1, 3}, wmm[2] = {3, 1}, wcv[4] = {1, 1, 1, 3};
        float w[3] = {NAN, INFINITY, 1};
        if (huge) { w[0] = -1.3835e19f; w[1] = 0.5f; w[2] = 1; }
        bool cv = conv & 1;
        assert_int_equal(bs_ir_tensor_set_shape(g, x, cv ? 4 : 2, cv ? xd : xd + 2), 0);
        assert_int_equal(bs_ir_add_input(g, x), 0);
        bs_ir_tensor *ins[2] = {x, bs_ir_const_f32(g, "w", cv ? 4 : 2, cv ? wcv : wmm, w)};
        assert_non_null(bs_ir_node_add(g, cv ? "Conv" : "MatMul", "", NULL, ins, 2, &y, 1, NULL));
        assert_int_equal(bs_ir_add_output(g, y), 0);
        assert_int_equal(bs_ir_infer(g), 0);
        bs_value in = {0}, out[1];
        assert_int_equal(bs_value_alloc(&in, BS_ELEM_FLOAT, x->rank, x->dims), 0);
        for (int i = 0; i < 3; i++) ((float *)in.data)[i] = huge ? 1.0f : NAN;
        assert_int_equal(bs_exec_graph_once(g, &in, 1, out), 0);
        if (huge) assert_true(bs_value_get(&out[0], 0) == (float)(-1.3835e19 + 1.5));
        else assert_true(isnan(bs_value_get(&out[0], 0)));
        bs_value_free(&out[0]);
        bs_value_free(&in);
        bs_ir_free(g);
    }
}

/* Regression (libFuzzer, UBSan): resizing an empty axis must fail cleanly. */
static void test_resize_empty_axis(void **st)
{
    (void)st;
    bs_ir_graph *g = bs_ir_new("resize");
    bs_ir_tensor *x = bs_ir_tensor_get(g, "x"), *y = bs_ir_tensor_get(g, "y");
    int64_t xd[2] = {1, 0}, one = 2;
    int64_t sizes[2] = {1, 4};
    assert_int_equal(bs_ir_tensor_set_shape(g, x, 2, xd), 0);
    assert_int_equal(bs_ir_add_input(g, x), 0);
    bs_ir_tensor *ins[4] = {x, NULL, NULL, bs_ir_const_new(g, "sizes", BS_ELEM_INT64, 1, &one, sizes)};
    assert_non_null(bs_ir_node_add(g, "Resize", "", NULL, ins, 4, &y, 1, NULL));
    assert_int_equal(bs_ir_add_output(g, y), 0);
    assert_int_equal(bs_ir_infer(g), 0);
    bs_value in = {0}, out[1];
    assert_int_equal(bs_value_alloc(&in, BS_ELEM_FLOAT, 2, xd), 0);
    expect(bs_exec_graph_once(g, &in, 1, out), BS_EINVAL, "empty axis");
    bs_value_free(&in);
    bs_ir_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors), cmocka_unit_test(test_bytes_errors),
        cmocka_unit_test(test_unsupported_and_inference_errors), cmocka_unit_test(test_exec_input_errors),
        cmocka_unit_test(test_nan_weights), cmocka_unit_test(test_resize_empty_axis),
        cmocka_unit_test(test_duplicate_node_names), cmocka_unit_test(test_node_without_outputs),
        cmocka_unit_test(test_node_missing_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
