/* test_models.c - every ONNX model in the shared data (models/ and the FINN
 * oracle's per-step models): lossless protobuf round trip, IR round trip,
 * shape/datatype inference agreeing with the shapes the files declare, and
 * the intrinsic check that a QONNX model and FINN's streamlined form of it
 * from the same build compute the same outputs. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/npy.h"
#include "brainsmith/onnx.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

static const char *data;
static char *paths[256];
static int npaths;

static void collect(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && npaths < 256) {
        if (e->d_name[0] == '.') continue;
        char *p = bs_path_join(dir, e->d_name);
        size_t l = strlen(p);
        if (bs_is_dir(p)) { collect(p); free(p); }
        else if (l > 5 && !strcmp(p + l - 5, ".onnx")) paths[npaths++] = p;
        else free(p);
    }
    closedir(d);
}

static int setup(void **st)
{
    (void)st;
    data = bs_test_shared_data();
    if (!data) return 0;
    char *m = bs_path_join(data, "models"), *o = bs_path_join(data, "finn_oracle");
    collect(m);
    collect(o);
    free(m);
    free(o);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    for (int i = 0; i < npaths; i++) free(paths[i]);
    return 0;
}

#define NEED_DATA() do { if (!data) { print_message("no shared data: skipped\n"); skip(); } } while (0)

static void test_proto_roundtrip(void **st)
{
    (void)st;
    NEED_DATA();
    assert_true(npaths >= 40);
    int identical = 0;
    for (int i = 0; i < npaths; i++) {
        char *raw;
        size_t rawlen;
        assert_int_equal(bs_read_file(paths[i], &raw, &rawlen), 0);
        Onnx__ModelProto *m, *m2;
        assert_int_equal(bs_onnx_load_mem(raw, rawlen, paths[i], &m), 0);
        uint8_t *buf;
        size_t len;
        assert_int_equal(bs_onnx_pack(m, &buf, &len), 0);
        identical += len == rawlen && !memcmp(buf, raw, len);
        assert_int_equal(bs_onnx_load_mem(buf, len, "repacked", &m2), 0);
        if (!bs_onnx_equal(m, m2)) fail_msg("%s: reloaded model differs", paths[i]);
        free(buf);
        free(raw);
        bs_onnx_free(m);
        bs_onnx_free(m2);
    }
    print_message("%d models, %d re-serialize byte-identical to the file\n", npaths, identical);
}

/* Structural equality of two IR graphs: nodes, attributes, initializers,
 * shapes and annotations. */
static void assert_graph_equal(const char *what, const bs_ir_graph *a, const bs_ir_graph *b)
{
    if (a->nnodes != b->nnodes) fail_msg("%s: %d vs %d nodes", what, a->nnodes, b->nnodes);
    for (int i = 0; i < a->nnodes; i++) {
        const bs_ir_node *x = a->nodes[i], *y = b->nodes[i];
        if (strcmp(x->op_type, y->op_type) || strcmp(x->domain, y->domain) || strcmp(x->name, y->name) ||
            x->ninputs != y->ninputs || x->noutputs != y->noutputs || x->nattrs != y->nattrs)
            fail_msg("%s: node %d differs (%s vs %s)", what, i, bs_ir_node_desc(x), bs_ir_node_desc(y));
        for (int k = 0; k < x->ninputs; k++)
            if (!!x->inputs[k] != !!y->inputs[k] || (x->inputs[k] && strcmp(x->inputs[k]->name, y->inputs[k]->name)))
                fail_msg("%s: node %d input %d differs", what, i, k);
        for (int k = 0; k < x->nattrs; k++) {
            const bs_ir_attr *p = &x->attrs[k], *q = &y->attrs[k];
            if (strcmp(p->name, q->name) || p->type != q->type || p->i != q->i || p->n != q->n ||
                (p->type == BS_ATTR_FLOAT && p->f != q->f) || (p->type == BS_ATTR_STRING && strcmp(p->s, q->s)) ||
                (p->type == BS_ATTR_INTS && p->n && memcmp(p->ints, q->ints, sizeof(int64_t) * (size_t)p->n)) ||
                (p->type == BS_ATTR_FLOATS && p->n && memcmp(p->floats, q->floats, sizeof(float) * (size_t)p->n)))
                fail_msg("%s: node %d attribute '%s' differs", what, i, p->name);
        }
    }
    for (int i = 0; i < a->ntensors; i++) {
        const bs_ir_tensor *t = a->tensors[i];
        if (t->removed || (!t->producer && !t->nconsumers && !t->is_input && !t->is_output)) continue;
        const bs_ir_tensor *u = bs_ir_tensor_find(b, t->name);
        if (!u) fail_msg("%s: tensor '%s' lost", what, t->name);
        if (t->rank != u->rank || (t->rank > 0 && memcmp(t->dims, u->dims, sizeof(int64_t) * (size_t)t->rank)))
            fail_msg("%s: shape of '%s' differs", what, t->name);
        if (!bs_dt_eq(t->dtype, u->dtype) || t->has_dtype != u->has_dtype)
            fail_msg("%s: datatype of '%s' differs (%s vs %s)", what, t->name, bs_dt_str(t->dtype), bs_dt_str(u->dtype));
        if (!!t->layout != !!u->layout || (t->layout && strcmp(t->layout, u->layout)))
            fail_msg("%s: layout of '%s' differs", what, t->name);
        if (!!t->init != !!u->init) fail_msg("%s: initializer '%s' lost", what, t->name);
        if (t->init && (t->init->nbytes != u->init->nbytes || t->init->elem_type != u->init->elem_type ||
                        memcmp(t->init->data, u->init->data, t->init->nbytes)))
            fail_msg("%s: initializer '%s' data differs", what, t->name);
    }
    if (a->ninputs != b->ninputs || a->noutputs != b->noutputs) fail_msg("%s: graph I/O differs", what);
}

static void test_ir_roundtrip_and_infer(void **st)
{
    (void)st;
    NEED_DATA();
    char *dir = bs_test_mkdtemp("onnx-models");
    for (int i = 0; i < npaths; i++) {
        bs_ir_graph *g, *g2;
        if (bs_ir_load(paths[i], &g)) fail_msg("%s", bs_error_msg());
        assert_int_equal(bs_ir_validate(g), 0);
        /* remember declared output shapes, then infer */
        int64_t declared[8][BS_IR_MAX_RANK];
        int drank[8];
        for (int k = 0; k < g->noutputs && k < 8; k++) {
            drank[k] = g->outputs[k]->rank;
            if (drank[k] > 0) memcpy(declared[k], g->outputs[k]->dims, sizeof(int64_t) * (size_t)drank[k]);
        }
        if (bs_ir_infer(g)) fail_msg("%s: %s", paths[i], bs_error_msg());
        for (int k = 0; k < g->noutputs && k < 8; k++) {
            if (drank[k] < 0) continue;
            const bs_ir_tensor *t = g->outputs[k];
            if (t->rank != drank[k] || (t->rank && memcmp(t->dims, declared[k], sizeof(int64_t) * (size_t)t->rank)))
                fail_msg("%s: inferred shape of output '%s' differs from the declared one", paths[i], t->name);
        }
        for (int k = 0; k < g->ntensors; k++) {
            const bs_ir_tensor *t = g->tensors[k];
            if ((t->producer || t->nconsumers) && t->rank < 0)
                fail_msg("%s: tensor '%s' has no shape after inference", paths[i], t->name);
        }
        char *out = bs_path_join(dir, "rt.onnx");
        assert_int_equal(bs_ir_save(g, out), 0);
        if (bs_ir_load(out, &g2)) fail_msg("%s: reload: %s", paths[i], bs_error_msg());
        assert_graph_equal(paths[i], g, g2);
        /* inference is idempotent on the saved model */
        assert_int_equal(bs_ir_infer(g2), 0);
        assert_graph_equal(paths[i], g, g2);
        free(out);
        bs_ir_free(g);
        bs_ir_free(g2);
    }
    bs_test_rmdir(dir);
}

static void test_domains_normalised(void **st)
{
    (void)st;
    NEED_DATA();
    for (int i = 0; i < npaths; i++) {
        bs_ir_graph *g;
        assert_int_equal(bs_ir_load(paths[i], &g), 0);
        for (int k = 0; k < g->nnodes; k++) {
            const char *d = g->nodes[k]->domain;
            assert_true(!*d || !strcmp(d, BS_DOMAIN_QONNX) || bs_ir_domain_is_fpgadataflow(d));
        }
        bs_ir_free(g);
    }
    assert_string_equal(bs_ir_domain_normalise("onnx.brevitas", NULL), BS_DOMAIN_QONNX);
    assert_string_equal(bs_ir_domain_normalise("finn", "fpgadataflow"), BS_DOMAIN_FPGADATAFLOW);
    assert_string_equal(bs_ir_domain_normalise("finn", NULL), BS_DOMAIN_QONNX);
    assert_string_equal(bs_ir_domain_normalise("ai.onnx", NULL), "");
    assert_string_equal(bs_ir_domain_normalise(BS_DOMAIN_FPGADATAFLOW_RTL, NULL), BS_DOMAIN_FPGADATAFLOW_RTL);
}

/* Runs model at `rel` on input x; returns output 0 (owned by caller). */
static void run(const char *rel, const bs_value *x, bs_value *out)
{
    char *p = bs_path_join(data, rel);
    bs_ir_graph *g;
    if (bs_ir_load(p, &g) || bs_ir_infer(g)) fail_msg("%s: %s", rel, bs_error_msg());
    bs_value outs[4];
    if (bs_exec_graph_once(g, x, 1, outs)) fail_msg("%s: %s", rel, bs_error_msg());
    *out = outs[0];
    for (int i = 1; i < g->noutputs; i++) bs_value_free(&outs[i]);
    bs_ir_free(g);
    free(p);
}

static void assert_close(const char *what, const bs_value *a, const bs_value *b, double tol)
{
    assert_int_equal(a->numel, b->numel);
    for (int64_t i = 0; i < a->numel; i++) {
        double x = bs_value_get(a, i), y = bs_value_get(b, i);
        if (fabs(x - y) > tol * (1 + fabs(y))) fail_msg("%s: element %lld: %.9g vs %.9g", what, (long long)i, x, y);
    }
}

static void test_qonnx_vs_streamlined(void **st)
{
    (void)st;
    NEED_DATA();
    /* TFC w2a2: QONNX export vs FINN's own qonnx_to_finn / tidy_up / streamline */
    bs_value x = {0}, ref, y;
    char *inp = bs_path_join(data, "finn_build/finn_examples_bnn_pynq/mnist_input.npy");
    assert_int_equal(bs_npy_read(inp, &x), 0);
    free(inp);
    run("models/tfc_w2a2_qonnx.onnx", &x, &ref);
    const char *steps[] = {"step_qonnx_to_finn", "step_tidy_up", "step_streamline"};
    const char *builds[] = {"tfc_w2a2_fps", "tfc_w2a2_fold"};
    for (int b = 0; b < 2; b++)
        for (int s = 0; s < 3; s++) {
            char rel[256];
            snprintf(rel, sizeof rel, "finn_oracle/%s/intermediate_models/%s.onnx", builds[b], steps[s]);
            run(rel, &x, &y);
            assert_close(rel, &y, &ref, 1e-5);
            bs_value_free(&y);
        }
    bs_value_free(&ref);
    bs_value_free(&x);
    /* cybsec MLP (BIPOLAR input) and FACILE (quantized input): 16 inputs each */
    uint64_t seed = 12345;
    for (int t = 0; t < 16; t++) {
        int64_t d[2] = {1, 600};
        assert_int_equal(bs_value_alloc(&x, BS_ELEM_FLOAT, 2, d), 0);
        for (int64_t i = 0; i < x.numel; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            ((float *)x.data)[i] = (seed >> 63) ? 1.0f : -1.0f;
        }
        run("models/cybsec_mlp_w2a2_ready.onnx", &x, &ref);
        run("finn_oracle/cybsec/intermediate_models/step_streamline.onnx", &x, &y);
        assert_close("cybsec streamlined", &y, &ref, 0);
        bs_value_free(&y);
        bs_value_free(&ref);
        d[1] = 14;
        assert_int_equal(bs_value_alloc(&x, BS_ELEM_FLOAT, 2, d), 0);
        for (int64_t i = 0; i < x.numel; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            ((float *)x.data)[i] = (float)((seed >> 40) % 64);
        }
        run("models/facile_v3_6b.onnx", &x, &ref);
        run("models/facile_v3_6b_after_step_streamline.onnx", &x, &y);
        assert_close("facile streamlined", &y, &ref, 1e-5);
        bs_value_free(&y);
        bs_value_free(&ref);
        bs_value_free(&x);
    }
}

static void test_tfc_finn_testdata(void **st)
{
    (void)st;
    NEED_DATA();
    /* FINN's own verification data: batch of 4 MNIST digits -> labels */
    bs_value x = {0}, exp = {0};
    char *pi = bs_path_join(data, "finn_build/tfc_w1a1_finn_testdata/input.npy");
    char *pe = bs_path_join(data, "finn_build/tfc_w1a1_finn_testdata/expected_output.npy");
    assert_int_equal(bs_npy_read(pi, &x), 0);
    assert_int_equal(bs_npy_read(pe, &exp), 0);
    assert_int_equal(x.dims[0], 4);
    for (int b = 0; b < 4; b++) {
        bs_value one = {0}, y;
        int64_t d[4] = {1, 1, 28, 28};
        assert_int_equal(bs_value_alloc(&one, BS_ELEM_FLOAT, 4, d), 0);
        memcpy(one.data, (float *)x.data + b * 784, 784 * sizeof(float));
        run("models/tfc_w1a1_finn_build_dataflow.onnx", &one, &y);
        assert_int_equal((int64_t)bs_value_get(&y, 0), (int64_t)bs_value_get(&exp, b));
        bs_value_free(&y);
        bs_value_free(&one);
    }
    free(pi);
    free(pe);
    bs_value_free(&x);
    bs_value_free(&exp);
}

static bs_ir_graph *load_rel(const char *rel)
{
    char *p = bs_path_join(data, rel);
    bs_ir_graph *g;
    if (bs_ir_load(p, &g) || bs_ir_infer(g)) fail_msg("%s: %s", rel, bs_error_msg());
    free(p);
    return g;
}

static void test_batch_and_equivalence(void **st)
{
    (void)st;
    NEED_DATA();
    /* FINN's verify_input_npy holds 4 samples: run_batch splits them */
    bs_ir_graph *g = load_rel("models/tfc_w1a1_finn_build_dataflow.onnx");
    bs_exec_session *s;
    assert_int_equal(bs_exec_new(g, &s), 0);
    bs_value x = {0}, out[1];
    char *pi = bs_path_join(data, "finn_build/tfc_w1a1_finn_testdata/input.npy");
    assert_int_equal(bs_npy_read(pi, &x), 0);
    free(pi);
    assert_int_equal(bs_exec_run_batch(s, &x, 1, out), 0);
    assert_int_equal(out[0].numel, 4);
    assert_int_equal(out[0].dims[0], 4);
    int64_t want[4] = {7, 2, 1, 0};
    for (int i = 0; i < 4; i++) assert_int_equal((int64_t)bs_value_get(&out[0], i), want[i]);
    bs_value_free(&out[0]);
    bs_value_free(&x);
    bs_exec_free(s);
    bs_ir_free(g);
    /* random inputs follow the input datatype */
    bs_ir_graph *cy = load_rel("models/cybsec_mlp_w2a2_ready.onnx");
    const bs_ir_tensor *in = cy->inputs[0];
    assert_string_equal(bs_dt_str(in->dtype), "BIPOLAR");
    bs_value r = {0};
    assert_int_equal(bs_exec_random_input(in, 1, &r), 0);
    int npos = 0;
    for (int64_t i = 0; i < r.numel; i++) {
        double v = bs_value_get(&r, i);
        assert_true(v == 1 || v == -1);
        npos += v == 1;
    }
    assert_true(npos > 200 && npos < 400);
    bs_value_free(&r);
    bs_ir_graph *cys = load_rel("finn_oracle/cybsec/intermediate_models/step_streamline.onnx");
    assert_int_equal(bs_exec_equivalent(cy, cys, 16, 3, 0, 0), 0);   /* bit-exact */
    bs_ir_free(cys);
    bs_ir_free(cy);
    bs_ir_graph *st_g = load_rel("finn_oracle/tfc_w2a2_fps/intermediate_models/step_streamline.onnx");
    /* FINN's streamlining preserved the function (from UINT8 inputs) */
    bs_ir_graph *q = load_rel("models/tfc_w2a2_qonnx.onnx");
    if (bs_exec_equivalent(st_g, q, 8, 42, 1e-4, 1e-4)) fail_msg("%s", bs_error_msg());
    bs_ir_graph *tidy = load_rel("finn_oracle/tfc_w2a2_fps/intermediate_models/step_tidy_up.onnx");
    if (bs_exec_equivalent(st_g, tidy, 4, 7, 1e-4, 1e-4)) fail_msg("%s", bs_error_msg());
    /* ... and a one-weight change is caught, naming output and values */
    bs_ir_tensor *w = NULL;
    for (int i = 0; i < tidy->nnodes; i++)   /* the last MatMul: feeds the logits */
        if (!strcmp(tidy->nodes[i]->op_type, "MatMul")) w = tidy->nodes[i]->inputs[1];
    assert_non_null(w);
    assert_non_null(w->init);
    for (int i = 0; i < 10; i++) ((float *)w->init->data)[i] += 3;
    assert_int_equal(bs_exec_equivalent(st_g, tidy, 4, 7, 1e-4, 1e-4), BS_EVERIFY);
    assert_non_null(strstr(bs_error_msg(), "before vs"));
    bs_ir_free(tidy);
    bs_ir_free(q);
    bs_ir_free(st_g);
}

/* FoldConstants written with the public API: what issue 5 builds on. */
static int fold_constants(bs_ir_graph *g)
{
    int folded = 0;
    for (int i = 0; i < g->nnodes; i++) {
        bs_ir_node *n = g->nodes[i];
        const bs_value *ins[16];
        bs_value views[16], outs[4];
        bool all = n->ninputs <= 16 && n->noutputs <= 4;
        for (int k = 0; all && k < n->ninputs; k++) {
            all = n->inputs[k] && n->inputs[k]->init && !bs_exec_const_view(n->inputs[k], &views[k]);
            ins[k] = &views[k];
        }
        if (!all || !n->ninputs) continue;
        if (bs_exec_node(g, n, ins, n->ninputs, outs)) fail_msg("%s", bs_error_msg());
        for (int k = 0; k < n->noutputs; k++) {
            assert_int_equal(bs_ir_tensor_set_init(g, n->outputs[k], outs[k].elem, outs[k].rank, outs[k].dims, outs[k].data), 0);
            bs_value_free(&outs[k]);
        }
        assert_int_equal(bs_ir_node_remove(g, n), 0);
        i--;
        folded++;
    }
    bs_ir_remove_unused_tensors(g);
    return folded;
}

static void test_fold_constants_with_public_api(void **st)
{
    (void)st;
    NEED_DATA();
    bs_ir_graph *g = load_rel("models/tfc_w2a2_qonnx.onnx"), *orig;
    assert_int_equal(bs_ir_clone(g, &orig), 0);
    assert_int_equal(bs_ir_infer(orig), 0);
    int n0 = g->nnodes, folded = fold_constants(g);
    /* weight Quant + Transpose chains and the Shape->Gather->...->Reshape
     * shape computation fold (Shape reads a graph input: not folded) */
    assert_true(folded >= 8);
    assert_int_equal(g->nnodes, n0 - folded);
    assert_int_equal(bs_ir_validate(g), 0);
    assert_int_equal(bs_ir_infer(g), 0);
    if (bs_exec_equivalent(orig, g, 4, 5, 0, 0)) fail_msg("%s", bs_error_msg());   /* bit-exact */
    /* and it survives a save/load */
    uint8_t *buf;
    size_t len;
    bs_ir_graph *g2;
    assert_int_equal(bs_ir_pack(g, &buf, &len), 0);
    assert_int_equal(bs_ir_load_mem(buf, len, "folded", &g2), 0);
    free(buf);
    assert_int_equal(bs_ir_infer(g2), 0);
    assert_int_equal(bs_exec_equivalent(orig, g2, 2, 6, 0, 0), 0);
    print_message("folded %d of %d nodes\n", folded, n0);
    bs_ir_free(g2);
    bs_ir_free(orig);
    bs_ir_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_roundtrip),
        cmocka_unit_test(test_ir_roundtrip_and_infer),
        cmocka_unit_test(test_domains_normalised),
        cmocka_unit_test(test_qonnx_vs_streamlined),
        cmocka_unit_test(test_tfc_finn_testdata),
        cmocka_unit_test(test_batch_and_equivalence),
        cmocka_unit_test(test_fold_constants_with_public_api),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
