/* design.c - loading a design for exploration: a QONNX model converted by
 * the native flow up to step_specialize_layers, a HW model, or a build
 * directory's intermediate models, into kernel nodes with both attribute
 * views (before/after minimize_bit_width), every hls/rtl variant
 * pre-loaded with FINN's legality (and the rule a variant breaks), the
 * platform budget, and the node graph for the critical path.  Points are
 * evaluated in point.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"
#include "dse_int.h"

static const char *const res_names[BS_DSE_NRES] = {"LUT", "BRAM_18K", "URAM", "DSP"};

const char *bs_dse_res_name(int r) { return r >= 0 && r < BS_DSE_NRES ? res_names[r] : "?"; }

int bs_dse_res_parse(const char *s)
{
    if (!s) return -1;
    if (!strcasecmp(s, "BRAM") || !strcasecmp(s, "BRAM18")) return BS_DSE_BRAM;
    for (int r = 0; r < BS_DSE_NRES; r++)
        if (!strcasecmp(s, res_names[r])) return r;
    return -1;
}

void bs_dse_opts_init(bs_dse_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_util = 0.85;
}

double dse_cost_res(const bs_kcost *c, int r)
{
    switch (r) {
    case BS_DSE_LUT: return c->lut;
    case BS_DSE_BRAM: return c->bram18;
    case BS_DSE_URAM: return c->uram;
    default: return c->dsp;
    }
}

/* ---- IR node -> kernel attribute source, with an explicit kernel ---- */

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

static int load_as(const bs_ir_node *n, const bs_kernel *k, bs_knode *kn)
{
    bs_kattr_src src = {(void *)n, src_int, src_str, src_ints, src_strs, NULL, NULL};
    return bs_knode_load(kn, k, &src, n->name, BS_FINN_AUTO);
}

/* ---- which nodes are part of the design ---- */

static bool is_design_node(const bs_ir_node *n)
{
    if (!n->domain) return false;
    const bs_kernel *k = bs_kernel_find(n->op_type);
    if (!k) return false;
    if (!strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW_HLS) || !strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW_RTL)) return true;
    return !strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW) && k->legacy_of;
}

static bool needs_specialize(const bs_ir_graph *g)
{
    for (int i = 0; i < g->nnodes; i++) {
        const bs_ir_node *n = g->nodes[i];
        if (n->domain && !strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW) && strcmp(n->op_type, "StreamingDataflowPartition")) {
            const bs_kernel *k = bs_kernel_find(n->op_type);
            if (k && !k->legacy_of) return true;
        }
    }
    return false;
}

static int count_design(const bs_ir_graph *g)
{
    int c = 0;
    for (int i = 0; i < g->nnodes; i++) c += is_design_node(g->nodes[i]);
    return c;
}

static bool any_fpgadataflow(const bs_ir_graph *g)
{
    for (int i = 0; i < g->nnodes; i++)
        if (bs_ir_domain_is_fpgadataflow(g->nodes[i]->domain)) return true;
    return false;
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void quiet_warn(void *ud, const char *msg)
{
    (void)ud;
    bs_log(BS_LOG_DEBUG, "dse: %s", msg);
}

static int xform(bs_ir_graph *g, const char *part, const char *const *list)
{
    bs_xform_ctx x;
    memset(&x, 0, sizeof x);
    x.warn = quiet_warn;
    x.g = g;
    x.fpga_part = part;
    x.max_multithreshold_bit_width = 8;
    x.mvau_wwidth_max = 36;
    x.two_pass_relaxation = true;
    return bs_xform_apply_list(&x, list);
}

/* Converts a QONNX / FINN-ONNX model with brainsmith's flow up to
 * step_specialize_layers in dir; *out = that checkpoint. */
static int convert_model(const char *model, const char *dir, const char *part, double clk, int64_t wwidth,
                         bs_ir_graph **out)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "output_dir", dir);
    cJSON_AddNumberToObject(j, "synth_clk_period_ns", clk);
    cJSON *go = cJSON_AddArrayToObject(j, "generate_outputs");
    cJSON_AddItemToArray(go, cJSON_CreateString("estimate_reports"));
    cJSON_AddStringToObject(j, "fpga_part", part);
    cJSON_AddNumberToObject(j, "mvau_wwidth_max", (double)wwidth);
    cJSON *st = cJSON_AddArrayToObject(j, "steps");
    for (const char *const *s = bs_flow_estimate_steps(); *s; s++) cJSON_AddItemToArray(st, cJSON_CreateString(*s));
    cJSON_AddStringToObject(j, "stop_step", "step_specialize_layers");
    bs_flow_config cfg;
    int rc = bs_flow_config_from_json(j, "dse", NULL, &cfg);
    cJSON_Delete(j);
    if (rc < 0) { bs_flow_config_free(&cfg); return rc; }
    bs_flow_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.model_path = model;
    rc = bs_flow_build(&cfg, &fo);
    bs_flow_config_free(&cfg);
    if (rc < 0) return bs_error_wrap(rc, "%s: converting to FINN hardware layers (steps up to step_specialize_layers)", model);
    char *p = bs_path_join(dir, "intermediate_models/step_specialize_layers.onnx");
    rc = bs_ir_load(p, out);
    free(p);
    return rc;
}

/* Build directory: the checkpoint of step_specialize_layers (folding view)
 * and the newest one (current folding; estimates view if at or after
 * step_minimize_bit_width). */
static const char *const later_steps[] = {"step_generate_estimate_reports", "step_minimize_bit_width",
                                          "step_apply_folding_config", "step_target_fps_parallelization",
                                          "step_specialize_layers", NULL};

static int load_build_dir(const char *dir, bs_ir_graph **spec, bs_ir_graph **cur, bool *cur_minimized)
{
    char p[4096];
    *spec = *cur = NULL;
    *cur_minimized = false;
    int rc;
    for (int i = 0; later_steps[i]; i++) {
        snprintf(p, sizeof p, "%s/intermediate_models/%s.onnx", dir, later_steps[i]);
        if (!file_exists(p)) continue;
        if ((rc = bs_ir_load(p, cur)) < 0) return rc;
        *cur_minimized = i < 2;
        break;
    }
    if (!*cur)
        return bs_error_set(BS_ENOTFOUND, "%s: no intermediate_models/step_specialize_layers.onnx or later checkpoint "
                            "(a FINN/brainsmith build directory with save_intermediate_models)", dir);
    snprintf(p, sizeof p, "%s/intermediate_models/step_specialize_layers.onnx", dir);
    if (file_exists(p)) return bs_ir_load(p, spec);
    return bs_ir_clone(*cur, spec);
}

/* Clock of a build directory: estimated_latency_ns / critical_path_cycles. */
static double build_dir_clk(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/report/estimate_network_performance.json", dir);
    cJSON *j = NULL;
    if (!file_exists(p) || bs_json_load_file(p, &j) < 0) { bs_error_clear(); return 0; }
    double lat = 0, cp = 0;
    bs_json_get_double(j, "estimated_latency_ns", &lat);
    bs_json_get_double(j, "critical_path_cycles", &cp);
    bs_error_clear();
    cJSON_Delete(j);
    return cp > 0 && lat > 0 ? lat / cp : 0;
}

static const bs_ir_node *nth_design(const bs_ir_graph *g, int k)
{
    for (int i = 0; i < g->nnodes; i++)
        if (is_design_node(g->nodes[i]) && k-- == 0) return g->nodes[i];
    return NULL;
}

static int design_index(const bs_ir_graph *g, const bs_ir_node *n)
{
    int k = 0;
    for (int i = 0; i < g->nnodes; i++) {
        if (!is_design_node(g->nodes[i])) continue;
        if (g->nodes[i] == n) return k;
        k++;
    }
    return -1;
}

void dse_read_choice(const bs_knode *k, int var, bs_dse_choice *c)
{
    memset(c, 0, sizeof *c);
    c->var = var;
    if (bs_knode_get_int(k, "PE", &c->pe) < 0) c->pe = -1;
    if (bs_knode_get_int(k, "SIMD", &c->simd) < 0) c->simd = -1;
    if (bs_knode_get_int(k, "parallel_window", &c->pw) < 0) c->pw = -1;
    bs_error_clear();
    const char *s;
    if ((s = bs_knode_get_str(k, "ram_style"))) snprintf(c->ram_style, sizeof c->ram_style, "%s", s);
    if ((s = bs_knode_get_str(k, "resType"))) snprintf(c->res_type, sizeof c->res_type, "%s", s);
    if ((s = bs_knode_get_str(k, "mem_mode"))) snprintf(c->mem_mode, sizeof c->mem_mode, "%s", s);
}

/* Which of FINN's rtl rules (finn-reference §6.6) an MVAU/VVAU breaks; the
 * decision itself is bs_kernel_specialize's, this only names the rule. */
static void explain_rtl(const bs_knode *a, const char *part, double wmin, char *buf, size_t n)
{
    int64_t noact = 0, xnor = 0;
    bs_knode_get_int(a, "noActivation", &noact);
    bs_knode_get_int(a, "binaryXnorMode", &xnor);
    bs_error_clear();
    bs_kdt w, in;
    const char *ws = bs_knode_get_str(a, "weightDataType"), *is = bs_knode_get_str(a, "inputDataType");
    bool mv = !strcmp(a->k->base, "MVAU");
    if (!ws || !is || bs_kdt_parse(ws, &w) < 0 || bs_kdt_parse(is, &in) < 0) {
        bs_error_clear();
        snprintf(buf, n, "datatypes unknown");
        return;
    }
    if (!noact) snprintf(buf, n, "thresholds are fused into the layer (noActivation=0); rtl needs standalone thresholds");
    else if (xnor) snprintf(buf, n, "binaryXnorMode=1 (bipolar xnor-popcount) has no rtl implementation");
    else if (!mv && !bs_part_is_versal(part)) snprintf(buf, n, "VVAU_rtl needs a Versal part (DSP58)");
    else if (!w.is_signed) snprintf(buf, n, "weights %s are unsigned; rtl needs signed weights", w.name);
    else if (w.bits > 8 || w.bits < 2) snprintf(buf, n, "weights %s: rtl takes 2..8-bit weights", w.name);
    else if (in.bits > 9 || (in.bits == 9 && !in.is_signed) || in.bits < 2)
        snprintf(buf, n, "input %s: rtl takes 2..8-bit (or signed 9-bit) inputs", in.name);
    else if (mv && !strcmp(bs_kernel_dsp_block(part), "DSP48E1") && (wmin != wmin || wmin == w.min))
        snprintf(buf, n, "on DSP48E1 (7-series) rtl needs narrow weights (min weight %g equals %s min)", wmin == wmin ? wmin : w.min, w.name);
    else snprintf(buf, n, "FINN SpecializeLayers would not honour rtl");
}

static void setup_variants(bs_dse_design *d, bs_dse_node *nd, const bs_ir_node *nf, const bs_kernel *k)
{
    nd->nvar = 0;
    nd->cur_var = 0;
    nd->base = k->base;
    if (k->legacy_of || !k->backend || !k->backend[0]) {
        nd->var[0] = k;
        nd->var_legal[0] = true;
        nd->nvar = 1;
        return;
    }
    static const char *const be[] = {"hls", "rtl"};
    for (int b = 0; b < 2; b++) {
        char op[64];
        snprintf(op, sizeof op, "%s_%s", k->base, be[b]);
        const bs_kernel *kv = bs_kernel_find(op);
        if (!kv) continue;
        if (kv == k) nd->cur_var = nd->nvar;
        nd->var[nd->nvar] = kv;
        nd->var_legal[nd->nvar] = kv == k;
        nd->nvar++;
    }
    /* legality of the other variant: FINN SpecializeLayers with that preference */
    const bs_kernel *kabs = bs_kernel_find(k->base);
    bs_knode abs;
    if (!kabs || load_as(nf, kabs, &abs) < 0) {
        bs_error_clear();
        for (int v = 0; v < nd->nvar; v++)
            if (!nd->var_legal[v]) snprintf(nd->var_why[v], sizeof nd->var_why[v], "attributes do not load as %s", k->base);
        return;
    }
    for (int v = 0; v < nd->nvar; v++) {
        if (nd->var_legal[v]) continue;
        const bs_kernel *got = NULL;
        bool fb = false;
        if (bs_kernel_specialize(&abs, nd->var[v]->backend, d->part, nd->weights_min, &got, &fb) < 0) {
            snprintf(nd->var_why[v], sizeof nd->var_why[v], "%s", bs_error_msg());
            bs_error_clear();
        } else if (got != nd->var[v] || fb) {
            if (!strcmp(nd->var[v]->backend, "rtl") && (!strcmp(k->base, "MVAU") || !strcmp(k->base, "VVAU")))
                explain_rtl(&abs, d->part, nd->weights_min, nd->var_why[v], sizeof nd->var_why[v]);
            else
                snprintf(nd->var_why[v], sizeof nd->var_why[v], "FINN SpecializeLayers would not honour %s (gives %s)",
                         nd->var[v]->backend, got ? got->op_type : "?");
        } else {
            nd->var_legal[v] = true;
        }
    }
}

static double weights_min(bs_ir_graph *g, const bs_ir_node *n)
{
    if (strncmp(n->op_type, "MVAU", 4) && strncmp(n->op_type, "VVAU", 4) && strncmp(n->op_type, "StreamingFCLayer", 16))
        return NAN;
    if (n->ninputs < 2 || !n->inputs[1] || !n->inputs[1]->init) return NAN;
    double *v;
    int64_t cnt;
    if (bs_ir_tensor_values(g, n->inputs[1], &v, &cnt) < 0 || cnt <= 0) { bs_error_clear(); return NAN; }
    double m = v[0];
    for (int64_t i = 1; i < cnt; i++) if (v[i] < m) m = v[i];
    return m;
}

static int build_nodes(bs_dse_design *d, bs_ir_graph *gf, bs_ir_graph *ge, bs_ir_graph *gc)
{
    int n = count_design(gf);
    if (n == 0) return bs_error_set(BS_EINVAL, "%s: no FINN hardware layers (fpgadataflow .hls/.rtl nodes) in the model", d->model);
    if (count_design(ge) != n || count_design(gc) != n)
        return bs_error_set(BS_EINVAL, "%s: checkpoints disagree on the number of hardware layers", d->model);
    d->n = n;
    d->nodes = calloc((size_t)n, sizeof *d->nodes);
    d->scratch = calloc((size_t)n, sizeof *d->scratch);
    if (!d->nodes || !d->scratch) return bs_error_set(BS_ENOMEM, "dse: out of memory");
    for (int i = 0; i < n; i++) {
        const bs_ir_node *nf = nth_design(gf, i), *ne = nth_design(ge, i), *nc = nth_design(gc, i);
        bs_dse_node *nd = &d->nodes[i];
        if (strcmp(nf->op_type, ne->op_type) || strcmp(nf->op_type, nc->op_type))
            return bs_error_set(BS_EINVAL, "%s: layer %d is %s in one checkpoint and %s in another", d->model, i,
                                nf->op_type, nc->op_type);
        const bs_kernel *k = bs_kernel_find(nc->op_type);
        if (nc->name && nc->name[0]) {
            snprintf(nd->name, sizeof nd->name, "%s", nc->name);
        } else {
            /* FINN's SpecializeLayers drops names; GiveUniqueNodeNames (run by
             * the next step) gives <op_type>_<k> per op type in graph order */
            int same = 0;
            for (int j = 0; j < i; j++) same += !strcmp(d->nodes[j].var[d->nodes[j].cur_var]->op_type, nc->op_type);
            snprintf(nd->name, sizeof nd->name, "%s_%d", nc->op_type, same);
        }
        nd->weights_min = weights_min(gf, nf);
        setup_variants(d, nd, nf, k);
        /* abstract name: base + per-base counter in graph order */
        int same = 0;
        for (int j = 0; j < i; j++) same += !strcmp(d->nodes[j].base, nd->base);
        snprintf(nd->abstract_name, sizeof nd->abstract_name, "%s_%d", nd->base, same);
        for (int v = 0; v < nd->nvar; v++) {
            int rc = load_as(nf, nd->var[v], &nd->fold[v]);
            if (rc >= 0) rc = load_as(ne, nd->var[v], &nd->est[v]);
            if (rc < 0) {
                if (v == nd->cur_var) return bs_error_wrap(rc, "%s", d->model);
                nd->var_legal[v] = false;
                snprintf(nd->var_why[v], sizeof nd->var_why[v], "%s", bs_error_msg());
                bs_error_clear();
            }
        }
        bs_knode kc;
        int rc = load_as(nc, k, &kc);
        if (rc < 0) return bs_error_wrap(rc, "%s", d->model);
        dse_read_choice(&kc, nd->cur_var, (bs_dse_choice *)&nd->cur);
        /* predecessors */
        nd->producer = -1;
        for (int t = 0; t < nf->ninputs && nd->npred < 4; t++) {
            const bs_ir_tensor *in = nf->inputs[t];
            if (!in || !in->producer) continue;
            int pi = design_index(gf, in->producer);
            if (pi < 0) continue;
            if (t == 0) nd->producer = pi;
            bool dup = false;
            for (int q = 0; q < nd->npred; q++) dup |= nd->pred[q] == pi;
            if (!dup) nd->pred[nd->npred++] = pi;
        }
    }
    return 0;
}

static const char *const minimize_list[] = {"MinimizeWeightBitWidth", "MinimizeAccumulatorWidth",
                                            "RoundAndClipThresholds", "InferDataTypes", NULL};

int bs_dse_load(const char *path, const bs_dse_opts *o, bs_dse_design **out)
{
    *out = NULL;
    if (!o || !o->platform) return bs_error_set(BS_EINVAL, "dse: no platform given");
    const bs_platform *plat;
    int rc = bs_platform_lookup(o->platform, &plat);
    if (rc < 0) return rc;
    if (o->max_util <= 0 || o->max_util > 1)
        return bs_error_set(BS_EINVAL, "max-util %g: must be in (0, 1]", o->max_util);
    bs_dse_design *d = calloc(1, sizeof *d);
    if (!d) return bs_error_set(BS_ENOMEM, "dse: out of memory");
    snprintf(d->model, sizeof d->model, "%s", path);
    d->plat = plat;
    snprintf(d->part, sizeof d->part, "%s", plat->part);
    d->wwidth = o->mvau_wwidth_max > 0 ? o->mvau_wwidth_max : 36;
    d->two_pass = !o->one_pass;
    d->max_util = o->max_util;
    bs_res guide[BS_PLATFORM_MAX_SLR];
    bs_platform_guide(plat, guide);
    for (int s = 0; s < plat->nslr; s++) {
        d->avail[BS_DSE_LUT] += (double)guide[s].lut;
        d->avail[BS_DSE_BRAM] += (double)guide[s].bram18;
        d->avail[BS_DSE_URAM] += (double)guide[s].uram;
        d->avail[BS_DSE_DSP] += (double)guide[s].dsp;
    }
    for (int r = 0; r < BS_DSE_NRES; r++) d->budget[r] = d->max_util * d->avail[r];
    for (int sl = 0; sl < plat->nslr; sl++) {
        double v[BS_DSE_NRES] = {(double)guide[sl].lut, (double)guide[sl].bram18, (double)guide[sl].uram,
                                 (double)guide[sl].dsp};
        for (int r = 0; r < BS_DSE_NRES; r++)
            if (d->max_util * v[r] > d->slr_budget[r]) d->slr_budget[r] = d->max_util * v[r];
    }

    bs_ir_graph *gf = NULL, *ge = NULL, *gc = NULL;
    char *tmpdir = NULL;
    bool minimized = false;
    struct stat st;
    if (stat(path, &st) < 0) { rc = bs_error_set(BS_ENOTFOUND, "%s: no such file or directory", path); goto fail; }
    d->clk_ns = o->clk_ns;
    if (S_ISDIR(st.st_mode)) {
        snprintf(d->source, sizeof d->source, "build-dir");
        if ((rc = load_build_dir(path, &gf, &gc, &minimized)) < 0) goto fail;
        if (d->clk_ns <= 0) d->clk_ns = build_dir_clk(path);
    } else {
        bs_ir_graph *g;
        if ((rc = bs_ir_load(path, &g)) < 0) goto fail;
        if (d->clk_ns <= 0) d->clk_ns = plat->clk_ns;
        if (!any_fpgadataflow(g)) {
            bs_ir_free(g);
            snprintf(d->source, sizeof d->source, "qonnx");
            const char *dir = o->work_dir;
            if (!dir) {
                char tmpl[] = "/tmp/bs-dse-XXXXXX";
                if (!mkdtemp(tmpl)) { rc = bs_error_set(BS_EIO, "dse: cannot create a temporary directory"); goto fail; }
                tmpdir = strdup(tmpl);
                dir = tmpdir;
            }
            if ((rc = convert_model(path, dir, d->part, d->clk_ns, d->wwidth, &gf)) < 0) goto fail;
        } else {
            snprintf(d->source, sizeof d->source, "hw-model");
            if (needs_specialize(g)) {
                static const char *const l[] = {"SpecializeLayers", "InferShapes", "InferDataTypes", NULL};
                if ((rc = xform(g, d->part, l)) < 0) { bs_ir_free(g); goto fail; }
            }
            gf = g;
        }
        if ((rc = bs_ir_clone(gf, &gc)) < 0) goto fail;
    }
    if (d->clk_ns <= 0) d->clk_ns = plat->clk_ns;
    if (minimized || o->no_minimize) {
        if ((rc = bs_ir_clone(gc, &ge)) < 0) goto fail;
    } else {
        if ((rc = bs_ir_clone(gf, &ge)) < 0) goto fail;
        if ((rc = xform(ge, d->part, minimize_list)) < 0) { rc = bs_error_wrap(rc, "%s: minimize_bit_width", path); goto fail; }
    }
    if ((rc = build_nodes(d, gf, ge, gc)) < 0) goto fail;
    bs_ir_free(gf);
    bs_ir_free(ge);
    bs_ir_free(gc);
    if (tmpdir) { bs_rm_rf(tmpdir); free(tmpdir); }
    if (o->calibrated) {
        if (!o->calib_db) { bs_dse_free(d); return bs_error_set(BS_EINVAL, "--calibrated: no workspace database"); }
        if ((rc = bs_dse_calib_apply(d, o->calib_db)) < 0) { bs_dse_free(d); return rc; }
    }
    *out = d;
    return 0;
fail:
    if (gf) bs_ir_free(gf);
    if (ge) bs_ir_free(ge);
    if (gc) bs_ir_free(gc);
    if (tmpdir) { bs_rm_rf(tmpdir); free(tmpdir); }
    bs_dse_free(d);
    return rc;
}

void bs_dse_free(bs_dse_design *d)
{
    if (!d) return;
    free(d->nodes);
    free(d->scratch);
    free(d);
}
