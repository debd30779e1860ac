/* verify.c - verification helpers on top of the executor: batched runs
 * (FINN's verify_input_npy holds several samples), random inputs allowed by
 * a tensor's QONNX datatype, and graph equivalence checking used to verify
 * transformations. */
#include "brainsmith/exec.h"
#include "brainsmith/error.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int bs_exec_run_batch(bs_exec_session *s, const bs_value *inputs, int ninputs, bs_value *outs)
{
    const bs_ir_graph *g = bs_exec_graph_of(s);
    int n = bs_exec_num_inputs(s);
    if (ninputs != n)
        return bs_error_set(BS_EINVAL, "exec: the model has %d input%s, %d given", n, n == 1 ? "" : "s", ninputs);
    int64_t k = 1;
    bool dynamic = false;   /* symbolic dims: the inputs go in as they are */
    for (int i = 0; i < n; i++) dynamic |= bs_ir_tensor_numel(bs_exec_input_tensor(s, i)) < 0;
    if (dynamic) {
        int rc = bs_exec_run(s, inputs, ninputs);
        for (int o = 0; o < g->noutputs; o++) memset(&outs[o], 0, sizeof outs[o]);
        for (int o = 0; o < g->noutputs && !rc; o++) rc = bs_value_copy(&outs[o], bs_exec_output(s, o));
        if (rc)
            for (int o = 0; o < g->noutputs; o++) bs_value_free(&outs[o]);
        return rc;
    }
    for (int i = 0; i < n; i++) {
        int64_t per = bs_ir_tensor_numel(bs_exec_input_tensor(s, i));
        if (per <= 0 || inputs[i].numel % per)
            return bs_error_set(BS_EINVAL, "input '%s': %lld elements is not a multiple of the model's %lld",
                                bs_exec_input_tensor(s, i)->name, (long long)inputs[i].numel, (long long)per);
        int64_t ki = inputs[i].numel / per;
        if (i && ki != k) return bs_error_set(BS_EINVAL, "inputs hold different numbers of samples");
        k = ki;
    }
    bs_value *one = calloc((size_t)(n ? n : 1), sizeof(bs_value));
    if (!one) return BS_ENOMEM;
    for (int o = 0; o < g->noutputs; o++) memset(&outs[o], 0, sizeof outs[o]);
    int rc = 0;
    for (int64_t b = 0; b < k && !rc; b++) {
        for (int i = 0; i < n; i++) {
            const bs_ir_tensor *t = bs_exec_input_tensor(s, i);
            int64_t per = bs_ir_tensor_numel(t);
            size_t es = bs_onnx_elem_size(inputs[i].elem);
            one[i] = (bs_value){.elem = inputs[i].elem, .rank = t->rank, .numel = per,
                                .data = (char *)inputs[i].data + (size_t)(b * per) * es, .cap = 0};
            memcpy(one[i].dims, t->dims, sizeof(int64_t) * (size_t)t->rank);
        }
        if ((rc = bs_exec_run(s, one, n))) break;
        for (int o = 0; o < g->noutputs && !rc; o++) {
            const bs_value *v = bs_exec_output(s, o);
            if (b == 0) {
                int64_t d[BS_IR_MAX_RANK];
                int r = v->rank ? v->rank : 1;
                for (int j = 0; j < r; j++) d[j] = v->rank ? v->dims[j] : 1;
                d[0] *= k;
                rc = bs_value_alloc(&outs[o], v->elem, r, d);
            }
            if (!rc) {
                if (v->numel * k != outs[o].numel || v->elem != outs[o].elem) {
                    rc = bs_error_set(BS_EINVAL, "output %d changes shape between samples", o);
                    break;
                }
                size_t es = bs_onnx_elem_size(v->elem);
                memcpy((char *)outs[o].data + (size_t)(b * v->numel) * es, v->data, (size_t)v->numel * es);
            }
        }
    }
    free(one);
    if (rc)
        for (int o = 0; o < g->noutputs; o++) bs_value_free(&outs[o]);
    return rc;
}

static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int bs_exec_random_input(const bs_ir_tensor *t, uint64_t seed, bs_value *out)
{
    if (bs_ir_tensor_numel(t) < 0)
        return bs_error_set(BS_EINVAL, "input '%s' has no static shape", t->name);
    int32_t et = t->elem_type ? t->elem_type : BS_ELEM_FLOAT;
    int rc = bs_value_alloc(out, et, t->rank, t->dims);
    if (rc) return rc;
    bs_dt dt = t->dtype;
    bool integer = bs_dt_is_integer(dt);
    double lo = integer ? bs_dt_min(dt) : -1, hi = integer ? bs_dt_max(dt) : 1;
    if (integer && hi - lo > 1e6) { lo = -1e6; hi = 1e6; }   /* INT32 etc.: keep values moderate */
    for (int64_t i = 0; i < out->numel; i++) {
        uint64_t r = mix(&seed);
        double v;
        if (dt.kind == BS_DT_BIPOLAR) v = (r & 1) ? 1 : -1;
        else if (integer) v = lo + (double)(r % (uint64_t)(hi - lo + 1));
        else v = lo + (hi - lo) * (double)(r >> 11) / 9007199254740992.0;
        if (dt.kind == BS_DT_FIXED) v = floor(v * 16) / 16;
        bs_value_set(out, i, v);
    }
    return 0;
}

int bs_exec_equivalent(const bs_ir_graph *a, const bs_ir_graph *b, int trials, uint64_t seed,
                       double rtol, double atol)
{
    bs_exec_session *sa = NULL, *sb = NULL;
    int rc = bs_exec_new(a, &sa);
    if (!rc) rc = bs_exec_new(b, &sb);
    if (!rc && bs_exec_num_inputs(sa) != bs_exec_num_inputs(sb))
        rc = bs_error_set(BS_EVERIFY, "graphs have %d and %d inputs", bs_exec_num_inputs(sa), bs_exec_num_inputs(sb));
    if (!rc && a->noutputs != b->noutputs)
        rc = bs_error_set(BS_EVERIFY, "graphs have %d and %d outputs", a->noutputs, b->noutputs);
    int n = rc ? 0 : bs_exec_num_inputs(sa);
    bs_value *in = calloc((size_t)(n ? n : 1), sizeof(bs_value));
    if (!in && !rc) rc = BS_ENOMEM;
    for (int t = 0; t < trials && !rc; t++) {
        for (int i = 0; i < n && !rc; i++) rc = bs_exec_random_input(bs_exec_input_tensor(sa, i), seed + (uint64_t)(t * 131 + i), &in[i]);
        if (!rc) rc = bs_exec_run(sa, in, n);
        if (!rc) rc = bs_exec_run(sb, in, n);
        for (int o = 0; o < a->noutputs && !rc; o++) {
            const bs_value *x = bs_exec_output(sa, o), *y = bs_exec_output(sb, o);
            if (x->numel != y->numel) {
                rc = bs_error_set(BS_EVERIFY, "output %d ('%s'): %s vs %s", o, a->outputs[o]->name,
                                  bs_value_shape_str(x), bs_value_shape_str(y));
                break;
            }
            for (int64_t e = 0; e < x->numel; e++) {
                double p = bs_value_get(x, e), q = bs_value_get(y, e);
                if (!(fabs(p - q) <= atol + rtol * fabs(p)) && !(isnan(p) && isnan(q))) {
                    rc = bs_error_set(BS_EVERIFY, "output %d ('%s'), trial %d, element %lld: %.9g before vs %.9g after",
                                      o, a->outputs[o]->name, t, (long long)e, p, q);
                    break;
                }
            }
        }
    }
    for (int i = 0; i < n; i++) bs_value_free(&in[i]);
    free(in);
    bs_exec_free(sa);
    bs_exec_free(sb);
    return rc;
}
