/* xf_fold.c - folding and bit widths over the graph: the adapter from IR
 * nodes to the kernels' attribute interface, SetFolding (finn-reference §8,
 * one or two passes), AnnotateCycles, ApplyConfig (FINN folding / specialize
 * JSON incl. "Defaults"), MinimizeWeightBitWidth, MinimizeAccumulatorWidth
 * (MVAU incl. FINN dev-2025 threshold clipping, Thresholding) and FINN's
 * extract_model_config_to_json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/json.h"
#include "brainsmith/kernels.h"
#include "xf_int.h"

/* ---- IR node -> kernel attribute source ---------------------------------- */

static int src_int(void *ud, const char *name, int64_t *out)
{
    const bs_ir_attr *a = bs_ir_attr_find(ud, name);
    if (!a) return BS_ENOTFOUND;
    if (a->type != BS_ATTR_INT) return bs_error_set(BS_EINVAL, "attribute %s is not an int", name);
    *out = a->i;
    return 0;
}
static int src_str(void *ud, const char *name, const char **out)
{
    const bs_ir_attr *a = bs_ir_attr_find(ud, name);
    if (!a) return BS_ENOTFOUND;
    if (a->type != BS_ATTR_STRING) return bs_error_set(BS_EINVAL, "attribute %s is not a string", name);
    *out = a->s;
    return 0;
}
static int src_ints(void *ud, const char *name, const int64_t **v, size_t *n)
{
    const bs_ir_attr *a = bs_ir_attr_find(ud, name);
    if (!a) return BS_ENOTFOUND;
    if (a->type != BS_ATTR_INTS) return bs_error_set(BS_EINVAL, "attribute %s is not a list of ints", name);
    *v = a->ints;
    *n = (size_t)a->n;
    return 0;
}
static int src_strs(void *ud, const char *name, const char *const **v, size_t *n)
{
    const bs_ir_attr *a = bs_ir_attr_find(ud, name);
    if (!a) return BS_ENOTFOUND;
    if (a->type != BS_ATTR_STRINGS) return bs_error_set(BS_EINVAL, "attribute %s is not a list of strings", name);
    *v = a->strings;
    *n = (size_t)a->n;
    return 0;
}

/* Loads n as a kernel node; BS_ENOTFOUND when the op has no kernel. */
int bs_xform_knode(const struct bs_ir_node *n, struct bs_knode *kn)
{
    const bs_kernel *k = bs_kernel_find(n->op_type);
    if (!k) return bs_error_set(BS_ENOTFOUND, "%s: no kernel for op type %s", bs_ir_node_desc(n), n->op_type);
    bs_kattr_src src = {(void *)n, src_int, src_str, src_ints, src_strs, NULL, NULL};
    return bs_knode_load(kn, k, &src, n->name, BS_FINN_AUTO);
}

static bool is_spec_hw(const bs_ir_node *n)
{
    return n->domain && (!strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW_HLS) || !strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW_RTL));
}

int xf_AnnotateCycles(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain) || !strcmp(n->op_type, "StreamingDataflowPartition")) continue;
        bs_knode kn;
        int64_t cyc = 0;
        int rc = bs_xform_knode(n, &kn);
        if (rc == BS_ENOTFOUND) continue;
        if (rc < 0 || (rc = bs_knode_cycles(&kn, &cyc)) < 0) return bs_error_wrap(rc, "AnnotateCycles");
        bs_ir_attr_set_int(g, n, "cycles_estimate", cyc);
    }
    return 0;
}

/* max cycles (first node on ties) over specialised HW nodes */
static int max_cycles(bs_ir_graph *g, int64_t *mc, const char **who)
{
    *mc = 0;
    *who = "";
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_spec_hw(n)) continue;
        int64_t c = bs_ir_attr_int(n, "cycles_estimate", 0);
        if (c > *mc) { *mc = c; *who = n->name; }
    }
    return 0;
}

static int fold_pass(bs_xform_ctx *x, int64_t target)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_spec_hw(n)) continue;
        bs_knode kn;
        int rc = bs_xform_knode(n, &kn);
        if (rc == BS_ENOTFOUND || (rc >= 0 && kn.k->fold == BS_KFOLD_NONE)) {
            bs_xform_warn(x, "SetFolding doesn't know how to handle op_type %s", n->op_type);
            continue;
        }
        if (rc < 0) return rc;
        bs_fold_result r;
        rc = bs_fold_node(&kn, target, x->mvau_wwidth_max, &r);
        if (rc == BS_EUNSUPPORTED) {
            bs_xform_warn(x, "SetFolding doesn't know how to handle op_type %s", n->op_type);
            continue;
        }
        if (rc < 0) return bs_error_wrap(rc, "SetFolding: %s", bs_ir_node_desc(n));
        if (r.skipped) continue;
        for (int i = 0; i < r.n_attrs; i++) bs_ir_attr_set_int(g, n, r.attr[i], r.val[i]);
        if (r.set_producer_simd > 0) {
            bs_ir_node *p = n->inputs[0]->producer;
            if (p && !strncmp(p->op_type, "ConvolutionInputGenerator", 25)) {
                bs_ir_attr_set_int(g, p, "SIMD", r.set_producer_simd);
                if (r.producer_parallel_window >= 0 && !strcmp(p->op_type, "ConvolutionInputGenerator_rtl"))
                    bs_ir_attr_set_int(g, p, "parallel_window", r.producer_parallel_window);
            } else if (!r.producer_optional) {
                return bs_error_set(BS_EINVAL, "SetFolding: %s: Expected SWU on DW op input, found %s",
                                    bs_ir_node_desc(n), p ? p->op_type : "graph input");
            }
        }
    }
    int rc = bs_ir_give_unique_node_names(g, "");
    if (rc < 0) return rc;
    bool ch;
    return xf_AnnotateCycles(x, &ch);
}

int xf_SetFolding(bs_xform_ctx *x, bool *changed)
{
    if (x->target_cycles <= 0) return bs_error_set(BS_EINVAL, "SetFolding: target cycles per frame must be > 0");
    int rc = fold_pass(x, x->target_cycles);
    if (rc < 0) return rc;
    if (x->two_pass_relaxation) {
        int64_t mc;
        const char *who;
        max_cycles(x->g, &mc, &who);
        if (mc > x->target_cycles) {
            bs_xform_warn(x, "Node %s is bottleneck with %lld cycles, running second pass", who, (long long)mc);
            rc = fold_pass(x, mc);
        }
    }
    *changed = true;
    return rc;
}

/* ---- ApplyConfig ------------------------------------------------------------ */

static int set_from_json(bs_xform_ctx *x, bs_ir_node *n, const char *attr, const cJSON *v)
{
    bs_ir_graph *g = x->g;
    const bs_kernel *k = bs_kernel_find(n->op_type);
    const bs_kattr_def *d = k ? bs_kernel_attr(k, attr) : NULL;
    /* HWCustomOp base attributes every HW op has */
    static const char *const base_attrs[] = {
        "backend", "preferred_impl_style", "code_gen_dir_ipgen", "ipgen_path", "ip_path", "ip_vlnv", "exec_mode",
        "cycles_rtlsim", "cycles_estimate", "rtlsim_trace", "res_estimate", "res_synth", "rtlsim_so", "slr",
        "mem_port", "partition_id", "device_id", "inFIFODepths", "outFIFODepths", "output_hook", "io_chrc_period",
        "mlo_max_iter", "code_gen_dir_cppsim", "executable_path", "res_hls", "gen_top_module", NULL};
    bool base = false;
    for (int i = 0; base_attrs[i]; i++) base |= !strcmp(base_attrs[i], attr);
    if (!strcmp(attr, "preferred_impl_style") && (!cJSON_IsString(v) ||
        (strcmp(v->valuestring, "") && strcmp(v->valuestring, "hls") && strcmp(v->valuestring, "rtl"))))
        return bs_error_set(BS_EINVAL, "ApplyConfig: %s: preferred_impl_style must be \"\", \"hls\" or \"rtl\"", n->name);
    if (k && !d && !base) {
        bs_xform_warn(x, "ApplyConfig: %s has no attribute '%s'; ignored", bs_ir_node_desc(n), attr);
        return 0;
    }
    if (cJSON_IsBool(v)) return bs_ir_attr_set_int(g, n, attr, cJSON_IsTrue(v));
    if (cJSON_IsNumber(v)) {
        if (d && (d->type == BS_KA_STR || d->type == BS_KA_DTYPE))
            return bs_error_set(BS_EINVAL, "ApplyConfig: %s: attribute '%s' expects a string", n->name, attr);
        if (v->valuedouble != (double)(int64_t)v->valuedouble)
            return bs_ir_attr_set_float(g, n, attr, v->valuedouble);
        return bs_ir_attr_set_int(g, n, attr, (int64_t)v->valuedouble);
    }
    if (cJSON_IsString(v)) {
        if (d && d->type == BS_KA_INT)
            return bs_error_set(BS_EINVAL, "ApplyConfig: %s: attribute '%s' expects an integer, got \"%s\"", n->name,
                                attr, v->valuestring);
        return bs_ir_attr_set_str(g, n, attr, v->valuestring);
    }
    if (cJSON_IsArray(v)) {
        int cnt = cJSON_GetArraySize(v);
        int64_t iv[64];
        if (cnt > 64) return bs_error_set(BS_EINVAL, "ApplyConfig: %s: attribute '%s': list too long", n->name, attr);
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsNumber(e))
                return bs_error_set(BS_EINVAL, "ApplyConfig: %s: attribute '%s': expected a list of integers", n->name, attr);
            iv[i++] = (int64_t)e->valuedouble;
        }
        return bs_ir_attr_set_ints(g, n, attr, iv, cnt);
    }
    return bs_error_set(BS_EINVAL, "ApplyConfig: %s: attribute '%s': unsupported JSON value", n->name, attr);
}

int xf_ApplyConfig(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    cJSON *owned = NULL;
    const cJSON *cfg = x->config_json;
    int rc = 0;
    if (!cfg) {
        if (!x->config_file) return bs_error_set(BS_EINVAL, "ApplyConfig: no config file given");
        if ((rc = bs_json_load_file(x->config_file, &owned)) < 0) return rc;
        cfg = owned;
    }
    if (!cJSON_IsObject(cfg)) { cJSON_Delete(owned); return bs_error_set(BS_EINVAL, "ApplyConfig: expected a JSON object"); }
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(cfg, "Defaults");
    /* Defaults: {attr: [value, ["op_type", ...] | "all"]} */
    if (defs && cJSON_IsObject(defs)) {
        const cJSON *d;
        cJSON_ArrayForEach(d, defs) {
            if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) != 2) {
                rc = bs_error_set(BS_EINVAL, "ApplyConfig: Defaults.%s: expected [value, [op types] or \"all\"]", d->string);
                goto out;
            }
            const cJSON *val = cJSON_GetArrayItem(d, 0), *ops = cJSON_GetArrayItem(d, 1);
            for (int k = 0; k < g->nnodes; k++) {
                bs_ir_node *n = g->nodes[k];
                bool match = cJSON_IsString(ops) && !strcmp(ops->valuestring, "all");
                const cJSON *o;
                if (cJSON_IsArray(ops))
                    cJSON_ArrayForEach(o, ops) if (cJSON_IsString(o) && !strcmp(o->valuestring, n->op_type)) match = true;
                if (match && bs_ir_domain_is_fpgadataflow(n->domain) && (rc = set_from_json(x, n, d->string, val)) < 0)
                    goto out;
            }
        }
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, cfg) {
        if (!strcmp(e->string, "Defaults")) continue;
        bs_ir_node *n = bs_ir_node_find(g, e->string);
        if (!n) {
            bs_xform_warn(x, "ApplyConfig: no node named '%s' in the model; entry ignored", e->string);
            continue;
        }
        if (!cJSON_IsObject(e)) { rc = bs_error_set(BS_EINVAL, "ApplyConfig: '%s': expected an object", e->string); goto out; }
        const cJSON *a;
        cJSON_ArrayForEach(a, e) if ((rc = set_from_json(x, n, a->string, a)) < 0) goto out;
        *changed = true;
    }
out:
    cJSON_Delete(owned);
    return rc;
}

/* ---- bit widths --------------------------------------------------------------- */

int xf_MinimizeWeightBitWidth(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain)) continue;
        if (strncmp(n->op_type, "MVAU", 4) && strncmp(n->op_type, "VVAU", 4)) continue;
        if (bs_ir_attr_int(n, "runtime_writeable_weights", 0) || bs_ir_attr_int(n, "dynamic_input", 0)) continue;
        xf_arr wa;
        int rc;
        if (n->ninputs < 2 || !n->inputs[1]->init) continue;
        if ((rc = xf_arr_get(g, n->inputs[1], &wa)) < 0) return rc;
        double *w = wa.v;
        int64_t cnt = wa.n;
        double mn = w[0], mx = w[0];
        for (int64_t i = 1; i < cnt; i++) { if (w[i] < mn) mn = w[i]; if (w[i] > mx) mx = w[i]; }
        bs_dt wdt = bs_dt_smallest_range(mn, mx);
        bs_ir_attr_set_dt(g, n, "weightDataType", wdt);
    }
    return 0;
}

static int mvau_acc(bs_xform_ctx *x, bs_ir_node *n)
{
    bs_ir_graph *g = x->g;
    int rc;
    bs_dt idt;
    if ((rc = bs_ir_attr_get_dt(n, "inputDataType", &idt)) < 0) return rc;
    int64_t mw = bs_ir_attr_int(n, "MW", 0), mh = bs_ir_attr_int(n, "MH", 0);
    double acc_min = 0, acc_max = 0;
    bool bin = bs_ir_attr_int(n, "binaryXnorMode", 0);
    bool rww = bs_ir_attr_int(n, "runtime_writeable_weights", 0) || bs_ir_attr_int(n, "dynamic_input", 0);
    double imin = bs_dt_min(idt), imax = bs_dt_max(idt);
    if (!rww) {
        xf_arr wa;
        if ((rc = xf_arr_get(g, n->inputs[1], &wa)) < 0) return rc;
        double *w = wa.v;
        int64_t cnt = wa.n;
        if (cnt != mw * mh) return bs_error_set(BS_EINVAL, "%s: weights have %lld values, MW*MH = %lld",
                                                bs_ir_node_desc(n), (long long)cnt, (long long)(mw * mh));
        bool first = true;
        for (int64_t j = 0; j < mh; j++) {
            double hi = 0, lo = 0;
            for (int64_t i = 0; i < mw; i++) {
                double v = w[i * mh + j];
                if (bin) v = 2 * v - 1;
                hi += v * (v > 0 ? imax : imin);
                lo += v * (v > 0 ? imin : imax);
            }
            if (first || hi > acc_max) acc_max = hi;
            if (first || lo < acc_min) acc_min = lo;
            first = false;
        }
    } else {
        bs_dt wdt;
        if ((rc = bs_ir_attr_get_dt(n, "weightDataType", &wdt)) < 0) return rc;
        double cand[2] = {bs_dt_min(wdt), bs_dt_max(wdt)};
        bool first = true;
        for (int c = 0; c < 2; c++) {
            double v = cand[c];
            double hi = mw * v * (v > 0 ? imax : imin), lo = mw * v * (v > 0 ? imin : imax);
            double a = lo < hi ? lo : hi, b = lo < hi ? hi : lo;
            if (first || a < acc_min) acc_min = a;
            if (first || b > acc_max) acc_max = b;
            first = false;
        }
    }
    bool has_t = n->ninputs > 2 && n->inputs[2] && n->inputs[2]->init;
    if (has_t) {
        xf_arr T;
        if ((rc = xf_arr_get(g, n->inputs[2], &T)) < 0) return rc;
        double tmin = T.v[0], tmax = T.v[0];
        for (int64_t i = 1; i < T.n; i++) { if (T.v[i] < tmin) tmin = T.v[i]; if (T.v[i] > tmax) tmax = T.v[i]; }
        if (tmax > acc_max || tmin < acc_min) {
            bs_xform_warn(x, "Clipping some thresholds in %s", n->name);
            for (int64_t i = 0; i < T.n; i++) {
                if (T.v[i] < acc_min) T.v[i] = acc_min;
                if (T.v[i] > acc_max) T.v[i] = acc_max;
            }
            bs_dt tdt = n->inputs[2]->dtype;
            bool had = n->inputs[2]->has_dtype;
            if ((rc = xf_arr_set(g, n->inputs[2], &T)) < 0) return rc;
            if (had) bs_ir_tensor_set_dtype(n->inputs[2], tdt);
            tmin = T.v[0]; tmax = T.v[0];
            for (int64_t i = 1; i < T.n; i++) { if (T.v[i] < tmin) tmin = T.v[i]; if (T.v[i] > tmax) tmax = T.v[i]; }
        }
        if (tmin < acc_min) acc_min = tmin;
        if (tmax > acc_max) acc_max = tmax;
    }
    bs_dt adt;
    if (acc_min >= 0) adt = bs_dt_uint((int)ceil(log2(acc_max + 1)));
    else {
        double m = -acc_min > 1 + acc_max ? -acc_min : 1 + acc_max;
        adt = bs_dt_int((int)ceil(log2(m) + 1));
    }
    if (!bs_dt_valid(adt)) return bs_error_set(BS_ERANGE, "%s: accumulator range [%g, %g] needs more than 64 bits",
                                              bs_ir_node_desc(n), acc_min, acc_max);
    if (bs_ir_attr_int(n, "noActivation", 0)) {
        bool last = n->outputs[0]->nconsumers == 0;
        if (last) {
            int bw = (bs_dt_bitwidth(adt) + 7) / 8 * 8;
            adt = bs_dt_signed(adt) ? bs_dt_int(bw) : bs_dt_uint(bw);
        }
        bs_ir_attr_set_dt(g, n, "outputDataType", adt);
    }
    return bs_ir_attr_set_dt(g, n, "accDataType", adt);
}

static int thr_acc(bs_xform_ctx *x, bs_ir_node *n)
{
    bs_ir_graph *g = x->g;
    bs_dt idt;
    int rc;
    if ((rc = bs_ir_attr_get_dt(n, "inputDataType", &idt)) < 0) return rc;
    bs_dt tdt;
    if (bs_dt_is_integer(idt)) {
        xf_arr T;
        if ((rc = xf_arr_get(g, n->inputs[1], &T)) < 0) return rc;
        double tmin = T.v[0], tmax = T.v[0];
        for (int64_t i = 1; i < T.n; i++) { if (T.v[i] < tmin) tmin = T.v[i]; if (T.v[i] > tmax) tmax = T.v[i]; }
        double lo = bs_dt_min(idt) < tmin ? bs_dt_min(idt) : tmin;
        double hi = bs_dt_max(idt) > tmax ? bs_dt_max(idt) : tmax;
        tdt = bs_dt_smallest_range(lo, hi);
    } else if ((rc = bs_ir_attr_get_dt(n, "weightDataType", &tdt)) < 0) {
        return rc;
    }
    bs_ir_attr_set_dt(g, n, "weightDataType", tdt);
    bs_ir_tensor_set_dtype(n->inputs[1], tdt);
    return 0;
}

int xf_MinimizeAccumulatorWidth(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain)) continue;
        int rc = 0;
        if (!strncmp(n->op_type, "MVAU", 4)) rc = mvau_acc(x, n);
        else if (!strncmp(n->op_type, "Thresholding", 12)) rc = thr_acc(x, n);
        else continue;
        if (rc < 0) return rc;
        if ((rc = bs_ir_infer_datatypes(g)) < 0) return rc;
    }
    return 0;
}

/* ---- extract_model_config_to_json ---------------------------------------------- */

int bs_xform_extract_config(bs_ir_graph *g, const char *const *attrs, cJSON **out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "Defaults", cJSON_CreateObject());
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain)) continue;
        const bs_kernel *kd = bs_kernel_find(n->op_type);
        bs_knode kn;
        bool loaded = kd && bs_xform_knode(n, &kn) == 0;
        cJSON *o = cJSON_CreateObject();
        for (int i = 0; attrs[i]; i++) {
            const bs_ir_attr *a = bs_ir_attr_find(n, attrs[i]);
            const bs_kattr_def *d = kd ? bs_kernel_attr(kd, attrs[i]) : NULL;
            if (a) {
                if (a->type == BS_ATTR_INT) cJSON_AddNumberToObject(o, attrs[i], (double)a->i);
                else if (a->type == BS_ATTR_STRING) cJSON_AddStringToObject(o, attrs[i], a->s);
                else if (a->type == BS_ATTR_INTS) {
                    cJSON *arr = cJSON_CreateArray();
                    for (int j = 0; j < a->n; j++) cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)a->ints[j]));
                    cJSON_AddItemToObject(o, attrs[i], arr);
                } else if (a->type == BS_ATTR_FLOAT) cJSON_AddItemToObject(o, attrs[i], bs_json_py_float(a->f));
            } else if (!strcmp(attrs[i], "preferred_impl_style") && (!d || !loaded)) {
                /* HWCustomOp base attribute, default "" */
                cJSON_AddStringToObject(o, attrs[i], "");
            } else if (d && loaded) {
                if (d->type == BS_KA_INT) {
                    int64_t v;
                    if (bs_knode_get_int(&kn, attrs[i], &v) == 0) cJSON_AddNumberToObject(o, attrs[i], (double)v);
                } else if (d->type == BS_KA_STR || d->type == BS_KA_DTYPE) {
                    const char *s = bs_knode_get_str(&kn, attrs[i]);
                    cJSON_AddStringToObject(o, attrs[i], s ? s : "");
                }
            }
        }
        cJSON_AddItemToObject(root, n->name, o);
    }
    *out = root;
    return 0;
}
