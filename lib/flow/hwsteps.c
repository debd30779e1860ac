/* hwsteps.c - FINN's backend steps on open tools: the hardware nodes of the
 * dataflow model (after step_generate_estimate_reports / minimize_bit_width)
 * become a lib/rtl design, node by node through the kernel registry
 * (bs_xform_knode -> bs_rtl_node_from_knode) with weights and thresholds
 * taken from the node initializers in FINN's layouts (MVAU weights MW x MH
 * in MatMul orientation, thresholds channels x numSteps, a single row
 * broadcast to every channel), and lib/backends runs the tools:
 *
 *   step_hw_codegen                 Verilog + .memh per node -> <out>/hw_codegen
 *   step_set_fifo_depths            DWC/FIFO insertion + native FIFO sizing on
 *                                   the cycle model -> final_hw_config.json,
 *                                   report/fifo_sizing.json
 *   step_create_stitched_ip         stitched Verilog top -> <out>/stitched_ip
 *   step_measure_rtlsim_performance Verilator, checked bit-exact against the
 *                                   reference executor -> report/rtlsim_performance.json
 *   step_out_of_context_synthesis   Yosys synth_xilinx / synth_ice40 by part
 *                                   -> report/post_synth_resources.json
 *   step_ice40_bitstream            nextpnr-ice40 + icepack + icetime
 *                                   -> <out>/bitfile/<top>.bin, report/ice40_pnr.json
 *
 * Leading nodes that take a floating-point input (FINN's input quantiser,
 * a Thresholding on FLOAT32 pixels) have no integer datapath; they run on
 * the host through the reference executor and the design starts at the
 * first node with an integer input (logged and written into the reports).
 * Any other node without a generator fails the step naming the node. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/backends.h"
#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/kernels.h"
#include "brainsmith/npy.h"
#include "brainsmith/rtl.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"
#include "flow_int.h"
#include "hwsteps.h"

#define HW_TOP "finn_design"

typedef struct hw_net {
    bs_rtl_node *chain;
    size_t n;
    int64_t **bufs;           /* weights / thresholds owned here */
    size_t nbufs;
    int host_prefix;          /* graph nodes run on the host */
    const bs_ir_tensor *hw_in, *hw_out;
    const bs_ir_node **gnodes;/* graph node of each chain entry */
    int64_t est_max_cycles;   /* FINN estimate over every HW node (incl. host prefix) */
    char est_node[64];
} hw_net;

static void net_free(hw_net *h)
{
    for (size_t i = 0; i < h->nbufs; i++) free(h->bufs[i]);
    free(h->bufs);
    free(h->chain);
    free(h->gnodes);
    memset(h, 0, sizeof *h);
}

static int64_t *net_buf(hw_net *h, int64_t n)
{
    int64_t **nb = realloc(h->bufs, sizeof *nb * (h->nbufs + 1));
    if (!nb) return NULL;
    h->bufs = nb;
    int64_t *b = calloc((size_t)(n > 0 ? n : 1), sizeof *b);
    if (b) h->bufs[h->nbufs++] = b;
    return b;
}

/* Integer values of an initializer; thresholds are rounded up (acc >= t
 * equals acc >= ceil(t) for an integer accumulator). */
static int init_ints(bs_ir_graph *g, const bs_ir_node *n, int idx, bool ceil_ok, hw_net *h, int64_t **out,
                     int64_t *cnt)
{
    const bs_ir_tensor *t = idx < n->ninputs ? n->inputs[idx] : NULL;
    if (!t || !t->init)
        return bs_error_set(BS_EINVAL, "%s (%s): input %d is not an initializer (runtime weights are not supported)",
                            n->name, n->op_type, idx);
    double *v = NULL;
    int64_t m = 0;
    int rc = bs_ir_tensor_values(g, t, &v, &m);
    if (rc < 0) return rc;
    int64_t *b = net_buf(h, m);
    if (!b) return bs_error_set(BS_ENOMEM, "%s", t->name);
    for (int64_t i = 0; i < m; i++) {
        double x = ceil_ok ? ceil(v[i]) : v[i];
        if (x != floor(x) || fabs(x) > 2147483647.0)
            return bs_error_set(BS_EINVAL, "%s (%s): initializer %s[%lld] = %g is not an integer", n->name,
                                n->op_type, t->name, (long long)i, v[i]);
        b[i] = (int64_t)x;
    }
    *out = b;   /* v lives in the graph's arena */
    *cnt = m;
    return 0;
}

/* Thresholds of n (input idx) as channels x steps, broadcasting one row. */
static int thresholds(bs_ir_graph *g, const bs_ir_node *n, int idx, int64_t ch, hw_net *h, bs_rtl_node *r)
{
    const bs_ir_tensor *t = n->inputs[idx];
    int64_t *v, m;
    int rc = init_ints(g, n, idx, true, h, &v, &m);
    if (rc < 0) return rc;
    int64_t steps = t->rank == 2 ? t->dims[1] : m / (ch > 0 ? ch : 1);
    int64_t rows = steps > 0 ? m / steps : 0;
    if (steps <= 0 || (rows != 1 && rows != ch))
        return bs_error_set(BS_EINVAL, "%s (%s): threshold tensor %s has %lld values, expected %lld channels x steps "
                            "or one row", n->name, n->op_type, t->name, (long long)m, (long long)ch);
    if (rows == 1 && ch > 1) {
        int64_t *b = net_buf(h, ch * steps);
        if (!b) return bs_error_set(BS_ENOMEM, "%s", t->name);
        for (int64_t c = 0; c < ch; c++) memcpy(b + c * steps, v, sizeof *b * (size_t)steps);
        v = b;
    }
    r->numSteps = steps;
    r->thresholds = v;
    return 0;
}

static bool is_hw(const bs_ir_node *n)
{
    return bs_ir_domain_is_fpgadataflow(n->domain) && strcmp(n->op_type, "StreamingDataflowPartition");
}

/* The chain of HW nodes of the current model as lib/rtl nodes. */
static int net_build(bs_flow_ctx *ctx, hw_net *h)
{
    memset(h, 0, sizeof *h);
    bs_ir_graph *g = ctx->g;
    h->chain = calloc((size_t)g->nnodes + 1, sizeof *h->chain);
    h->gnodes = calloc((size_t)g->nnodes + 1, sizeof *h->gnodes);
    if (!h->chain || !h->gnodes) return bs_error_set(BS_ENOMEM, "%s", ctx->step);
    const bs_ir_tensor *prev = NULL;
    int rc = 0;
    for (int k = 0; k < g->nnodes; k++) {
        const bs_ir_node *n = g->nodes[k];
        if (!is_hw(n))
            return bs_error_set(BS_EUNSUPPORTED, "node %s (%s) is not a hardware node; run it on the "
                                "dataflow partition (step_create_dataflow_partition)", n->name, n->op_type);
        if (!bs_rtl_gen_find(n->op_type))
            return bs_error_set(BS_EUNSUPPORTED, "node %s (%s): no RTL generator for this kernel (see `brainsmith "
                                "rtl kernels`)", n->name, n->op_type);
        bs_knode kn;
        if ((rc = bs_xform_knode(n, &kn)) < 0) return rc;
        int64_t cyc = 0;
        if (bs_knode_cycles(&kn, &cyc) == 0 && cyc > h->est_max_cycles) {
            h->est_max_cycles = cyc;
            snprintf(h->est_node, sizeof h->est_node, "%s", n->name);
        }
        const bs_ir_tensor *in0 = n->ninputs ? n->inputs[0] : NULL;
        if (h->n == 0 && in0 && !bs_dt_is_integer(in0->dtype)) {
            if (h->host_prefix != k)
                return bs_error_set(BS_EUNSUPPORTED, "node %s (%s) has a non-integer input", n->name,
                                    n->op_type);
            h->host_prefix++;
            prev = n->noutputs ? n->outputs[0] : NULL;
            bs_flow_logf(ctx, "%s: %s (%s) takes a floating-point input: it runs on the host, the hardware design "
                              "starts after it", ctx->step, n->name, n->op_type);
            continue;
        }
        if (prev && in0 != prev)
            return bs_error_set(BS_EUNSUPPORTED, "node %s (%s) does not consume the previous node's output; only "
                                "linear chains are supported", n->name, n->op_type);
        bs_rtl_node *r = &h->chain[h->n];
        if ((rc = bs_rtl_node_from_knode(&kn, r)) < 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", bs_error_msg());
            return bs_error_set(BS_EUNSUPPORTED, "node %s (%s): %s", n->name, n->op_type, why);
        }
        /* FINN's HW ops take inputDataType from the input tensor (infer_node_datatype);
         * MinimizeAccumulatorWidth can narrow a producer after the attribute was set */
        if (in0 && in0->has_dtype && r->inputDataType[0] && bs_dt_is_integer(in0->dtype)) {
            char dn[BS_DT_NAME_MAX];
            bs_dt_name(in0->dtype, dn);
            if (strcmp(dn, r->inputDataType)) {
                bs_flow_logf(ctx, "%s: %s: inputDataType %s -> %s (the input tensor's datatype, as FINN's "
                                  "infer_node_datatype does)", ctx->step, n->name, r->inputDataType, dn);
                snprintf(r->inputDataType, sizeof r->inputDataType, "%s", dn);
            }
        }
        const char *op = r->op;
        if (!strncmp(op, "MVAU", 4) || !strncmp(op, "MatrixVectorActivation", 22) ||
            !strncmp(op, "StreamingFCLayer", 16)) {
            int64_t *w, m;
            if ((rc = init_ints(g, n, 1, false, h, &w, &m)) < 0) return rc;
            if (m != r->MW * r->MH)
                return bs_error_set(BS_EINVAL, "%s (%s): weight tensor has %lld values, MW*MH = %lld", n->name,
                                    n->op_type, (long long)m, (long long)(r->MW * r->MH));
            r->weights = w;
            if (!r->noActivation && n->ninputs > 2 && n->inputs[2] && (rc = thresholds(g, n, 2, r->MH, h, r)) < 0)
                return rc;
        } else if (!strncmp(op, "Thresholding", 12)) {
            if ((rc = thresholds(g, n, 1, r->NumChannels, h, r)) < 0) return rc;
        } else if (!strncmp(op, "ChannelwiseOp", 13)) {
            int64_t *p, m;
            if ((rc = init_ints(g, n, 1, false, h, &p, &m)) < 0) return rc;
            r->params = p;
        }
        if (!h->n) h->hw_in = in0;
        h->gnodes[h->n++] = n;
        prev = n->noutputs ? n->outputs[0] : NULL;
        h->hw_out = prev;
    }
    if (!h->n) return bs_error_set(BS_EUNSUPPORTED, "the model has no hardware node with an integer input");
    return 0;
}

/* Applies StreamingFIFO depths from <out>/final_hw_config.json (by name). */
static int apply_hw_config(bs_flow_ctx *ctx, bs_rtl_design *d)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/final_hw_config.json", ctx->out_dir);
    if (!bs_path_exists(path)) return 0;
    char *txt = NULL;
    size_t len = 0;
    int rc = bs_read_file(path, &txt, &len);
    if (rc < 0) return rc;
    cJSON *j = cJSON_ParseWithLength(txt, len);
    free(txt);
    if (!j) return bs_error_set(BS_EINVAL, "%s: not valid JSON", path);
    for (size_t i = 0; i < d->n_nodes; i++) {
        if (strncmp(d->nodes[i].op, "StreamingFIFO", 13)) continue;
        cJSON *e = cJSON_GetObjectItemCaseSensitive(j, d->nodes[i].name);
        cJSON *dep = e ? cJSON_GetObjectItemCaseSensitive(e, "depth") : NULL;
        if (cJSON_IsNumber(dep) && dep->valuedouble >= 1) d->nodes[i].depth = (int64_t)dep->valuedouble;
    }
    cJSON_Delete(j);
    return 0;
}

/* fifo_depth: 0 = no FIFOs (per-node codegen); > 0 = FIFOs, sized from final_hw_config.json when present. */
static int design_build(bs_flow_ctx *ctx, hw_net *h, int64_t fifo_depth, bool apply_cfg, bs_rtl_design **d)
{
    int rc = net_build(ctx, h);
    if (rc < 0) return rc;
    bs_rtl_design_opts o = {fifo_depth, true};
    if ((rc = bs_rtl_design_new(HW_TOP, h->chain, h->n, &o, d)) < 0)
        return rc;
    if (apply_cfg && (rc = apply_hw_config(ctx, *d)) < 0) {
        bs_rtl_design_free(*d);
        *d = NULL;
    }
    return rc;
}

static int out_path(bs_flow_ctx *ctx, char *buf, size_t n, const char *sub)
{
    snprintf(buf, n, "%s/%s", ctx->out_dir, sub);
    return bs_mkdir_p(buf);
}

static cJSON *host_json(const hw_net *h, const bs_ir_graph *g)
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; k < h->host_prefix; k++) cJSON_AddItemToArray(a, cJSON_CreateString(g->nodes[k]->name));
    return a;
}

/* ---- step_hw_codegen ---- */
int bs_hwstep_hw_codegen(bs_flow_ctx *ctx)
{
    hw_net h;
    bs_rtl_design *d = NULL;
    int rc = design_build(ctx, &h, 0, false, &d);
    char dir[1024];
    if (rc == 0 && (rc = out_path(ctx, dir, sizeof dir, "hw_codegen")) == 0) rc = bs_rtl_emit(d, dir);
    if (rc == 0)
        bs_flow_logf(ctx, "%s: %zu nodes -> %s (Verilog + memory-init files)", ctx->step, d->n_nodes, dir);
    bs_rtl_design_free(d);
    net_free(&h);
    return rc;
}

/* ---- step_set_fifo_depths ---- */
int bs_hwstep_set_fifo_depths(bs_flow_ctx *ctx)
{
    const bs_flow_config *c = ctx->cfg;
    if (!c->auto_fifo_depths) return bs_step_set_fifo_depths(ctx);   /* FINN's fixed-depth FIFOs on the graph */
    hw_net h;
    bs_rtl_design *d = NULL;
    int rc = design_build(ctx, &h, 2, false, &d);
    if (rc < 0) { net_free(&h); return rc; }
    bs_rtl_fifo_sizing fz = {0};
    int64_t nf = c->fifosim_n_inferences > 2 ? c->fifosim_n_inferences : 2;
    {
        if ((rc = bs_rtl_size_fifos(d, nf, &fz)) < 0) goto out;
        bs_flow_logf(ctx, "%s: native FIFO sizing on the cycle model: %lld cycles for %lld frames, FIFO bits %lld "
                          "(max occupancy) -> %lld, %lld model runs, %.3f s", ctx->step, (long long)fz.final_cycles,
                     (long long)nf, (long long)fz.bits_maxocc, (long long)fz.bits_final, (long long)fz.sims, fz.seconds);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/final_hw_config.json", ctx->out_dir);
    if ((rc = bs_rtl_write_hw_config(d, path)) < 0) goto out;
    if ((rc = out_path(ctx, path, sizeof path, "report")) < 0) goto out;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "auto_fifo_depths", c->auto_fifo_depths);
    cJSON_AddNumberToObject(j, "frames", (double)nf);
    cJSON_AddNumberToObject(j, "base_cycles", (double)fz.base_cycles);
    cJSON_AddNumberToObject(j, "final_cycles", (double)fz.final_cycles);
    cJSON_AddNumberToObject(j, "model_runs", (double)fz.sims);
    cJSON_AddNumberToObject(j, "fifo_bits_max_occupancy", (double)fz.bits_maxocc);
    cJSON_AddNumberToObject(j, "fifo_bits_final", (double)fz.bits_final);
    cJSON_AddItemToObject(j, "seconds", bs_json_py_float(fz.seconds));
    cJSON *dep = cJSON_AddObjectToObject(j, "depths");
    for (size_t i = 0; i < d->n_nodes; i++)
        if (!strncmp(d->nodes[i].op, "StreamingFIFO", 13))
            cJSON_AddNumberToObject(dep, d->nodes[i].name, (double)d->nodes[i].depth);
    cJSON_AddItemToObject(j, "host_nodes", host_json(&h, ctx->g));
    rc = bs_flow_write_json(ctx->out_dir, "report/fifo_sizing.json", j);
    cJSON_Delete(j);
out:
    bs_rtl_design_free(d);
    net_free(&h);
    return rc;
}

/* ---- step_create_stitched_ip ---- */
int bs_hwstep_create_stitched_ip(bs_flow_ctx *ctx)
{
    if (!(ctx->cfg->generate_outputs & BS_OUT_STITCHED_IP)) {
        bs_flow_logf(ctx, "%s: nothing to do (stitched_ip is not in generate_outputs)", ctx->step);
        return 0;
    }
    hw_net h;
    bs_rtl_design *d = NULL;
    int rc = design_build(ctx, &h, 2, true, &d);
    char dir[1024];
    if (rc == 0 && (rc = out_path(ctx, dir, sizeof dir, "stitched_ip")) == 0) rc = bs_rtl_emit(d, dir);
    if (rc == 0)
        bs_flow_logf(ctx, "%s: top %s, %zu nodes (incl. FIFOs/DWCs) -> %s/%s.v", ctx->step, d->name, d->n_nodes, dir,
                     d->name);
    bs_rtl_design_free(d);
    net_free(&h);
    return rc;
}

/* ---- step_measure_rtlsim_performance ---- */

/* Frames of the model input: verify_input_npy when it exists, else random. */
static int sim_inputs(bs_flow_ctx *ctx, const bs_ir_tensor *gin, bs_value **frames, int64_t *nf, bool *from_file)
{
    const bs_flow_config *c = ctx->cfg;
    int64_t per = 1;
    for (int i = 0; i < gin->rank; i++) per *= gin->dims[i] > 0 ? gin->dims[i] : 1;
    char *p = c->verify_input_npy ? bs_flow_config_path(c, c->verify_input_npy) : NULL;
    *from_file = false;
    int rc = 0;
    if (p && bs_path_exists(p)) {
        bs_value v = {0};
        if ((rc = bs_npy_read(p, &v)) < 0) { free(p); return rc; }
        int64_t k = v.numel / per;
        if (k < 1 || k * per != v.numel) {
            bs_value_free(&v);
            rc = bs_error_set(BS_EINVAL, "%s: %lld values are not a multiple of the model input's %lld", p,
                              (long long)v.numel, (long long)per);
            free(p);
            return rc;
        }
        int64_t n = k < 2 ? 2 : k;   /* >= 2 frames for a steady-state interval */
        *frames = calloc((size_t)n, sizeof **frames);
        for (int64_t f = 0; *frames && f < n && rc == 0; f++) {
            rc = bs_value_alloc(&(*frames)[f], BS_ELEM_FLOAT, gin->rank, gin->dims);
            for (int64_t i = 0; rc == 0 && i < per; i++)
                bs_value_set(&(*frames)[f], i, bs_value_get(&v, (f % k) * per + i));
        }
        bs_value_free(&v);
        *nf = n;
        *from_file = true;
    } else {
        int64_t n = c->rtlsim_batch_size > 3 ? c->rtlsim_batch_size : 3;   /* FINN: rtlsim_batch_size frames */
        *frames = calloc((size_t)n, sizeof **frames);
        for (int64_t f = 0; *frames && f < n && rc == 0; f++) rc = bs_exec_random_input(gin, 1000 + (uint64_t)f, &(*frames)[f]);
        *nf = n;
    }
    free(p);
    if (!*frames) return bs_error_set(BS_ENOMEM, "rtlsim inputs");
    return rc;
}

static const char *vl_cache(char *buf, size_t n, bs_flow_ctx *ctx)
{
    const char *e = getenv("BS_VL_CACHE");
    if (e && *e) return e;
    snprintf(buf, n, "%s/rtlsim/vl-cache", ctx->out_dir);
    return buf;
}

static int read_json_file(const char *path, cJSON **out)
{
    char *txt = NULL;
    size_t len = 0;
    *out = NULL;
    if (!bs_path_exists(path)) return 0;
    int rc = bs_read_file(path, &txt, &len);
    if (rc < 0) return rc;
    *out = cJSON_ParseWithLength(txt, len);
    free(txt);
    return 0;
}

int bs_hwstep_measure_rtlsim_performance(bs_flow_ctx *ctx)
{
    const bs_flow_config *c = ctx->cfg;
    if (!(c->generate_outputs & BS_OUT_RTLSIM_PERFORMANCE)) {
        bs_flow_logf(ctx, "%s: nothing to do (rtlsim_performance is not in generate_outputs)", ctx->step);
        return 0;
    }
    hw_net h;
    bs_rtl_design *d = NULL;
    bs_value *frames = NULL;
    int64_t nf = 0, nalloc = 0, *in = NULL, *exp = NULL, *gold = NULL;
    bs_exec_session *s = NULL;
    bool from_file = false;
    /* node_by_node_rtlsim: every node also alone, as designs 1..n of the same model */
    bool nbn = (c->verify_steps & BS_VERIFY_NODE_BY_NODE_RTLSIM) != 0;
    bs_rtl_design *dd[65] = {0};
    int64_t *kin[65] = {0}, *kexp[65] = {0};
    bs_vl_result bpk[65], rk[65];
    size_t nd = 1;
    int rc = design_build(ctx, &h, 2, true, &d);
    if (rc < 0) goto out;
    dd[0] = d;
    if (nbn && h.n > 64) {
        rc = bs_error_set(BS_EUNSUPPORTED, "node_by_node_rtlsim: %zu nodes, at most 64", h.n);
        goto out;
    }
    for (size_t i = 0; nbn && i < h.n; i++, nd++) {
        bs_rtl_design_opts one = {0, false};
        char nm[64];
        snprintf(nm, sizeof nm, "node%zu", i);
        if ((rc = bs_rtl_design_new(nm, &h.chain[i], 1, &one, &dd[nd])) < 0) goto out;
        int64_t ki = bs_rtl_stream_elems(&dd[nd]->in[0].s), ko = bs_rtl_stream_elems(&dd[nd]->out.s);
        kin[nd] = malloc(sizeof(int64_t) * (size_t)(ki * 64));
        kexp[nd] = malloc(sizeof(int64_t) * (size_t)(ko * 64));
        if (!kin[nd] || !kexp[nd]) { nd++; rc = bs_error_set(BS_ENOMEM, "node_by_node_rtlsim"); goto out; }
    }
    bs_ir_graph *g = ctx->g;
    const bs_ir_tensor *gin = NULL;
    for (int i = 0; i < g->ninputs; i++)
        if (!g->inputs[i]->init) { gin = g->inputs[i]; break; }
    if (!gin || d->n_in != 1) {
        rc = bs_error_set(BS_EUNSUPPORTED, "the design needs exactly one streamed input");
        goto out;
    }
    if ((rc = sim_inputs(ctx, gin, &frames, &nf, &from_file)) < 0) goto out;
    nalloc = nf;
    if (nbn && nf > 64) nf = 64;   /* per-node buffers hold 64 frames */
    bs_flow_register_hw_exec();
    if ((rc = bs_exec_new(g, &s)) < 0) goto out;
    int64_t ein = bs_rtl_stream_elems(&d->in[0].s), eout = bs_rtl_stream_elems(&d->out.s);
    in = malloc(sizeof *in * (size_t)(nf * ein));
    exp = malloc(sizeof *exp * (size_t)(nf * eout));
    gold = malloc(sizeof *gold * (size_t)(nf * eout));
    if (!in || !exp || !gold) { rc = bs_error_set(BS_ENOMEM, "rtlsim buffers"); goto out; }
    for (int64_t f = 0; f < nf; f++) {
        if ((rc = bs_exec_run(s, &frames[f], 1)) < 0) goto out;
        const bs_value *vi = bs_exec_value(s, h.hw_in), *vo = bs_exec_value(s, h.hw_out);
        if (!vi || !vo || vi->numel != ein || vo->numel != eout) {
            rc = bs_error_set(BS_EINVAL, "the executor's %s/%s have %lld/%lld elements, the design streams "
                              "%lld/%lld per frame", h.hw_in->name, h.hw_out->name,
                              (long long)(vi ? vi->numel : -1), (long long)(vo ? vo->numel : -1), (long long)ein,
                              (long long)eout);
            goto out;
        }
        for (int64_t i = 0; i < ein; i++) in[f * ein + i] = (int64_t)bs_value_get(vi, i);
        for (int64_t i = 0; i < eout; i++) exp[f * eout + i] = (int64_t)bs_value_get(vo, i);
        for (size_t k = 1; k < nd; k++) {
            const bs_ir_node *gn = h.gnodes[k - 1];
            const bs_value *a = bs_exec_value(s, gn->inputs[0]), *b = bs_exec_value(s, gn->outputs[0]);
            int64_t ki = bs_rtl_stream_elems(&dd[k]->in[0].s), ko = bs_rtl_stream_elems(&dd[k]->out.s);
            if (!a || !b || a->numel != ki || b->numel != ko) {
                rc = bs_error_set(BS_EINVAL, "node_by_node_rtlsim: %s: executor values do not match the node's streams",
                                  gn->name);
                goto out;
            }
            for (int64_t i = 0; i < ki; i++) kin[k][f * ki + i] = (int64_t)bs_value_get(a, i);
            for (int64_t i = 0; i < ko; i++) kexp[k][f * ko + i] = (int64_t)bs_value_get(b, i);
        }
    }
    /* the C golden model must agree with the executor before Verilator runs */
    const int64_t *ins[1] = {in};
    if ((rc = bs_rtl_design_golden(d, ins, nf, gold)) < 0) goto out;
    for (int64_t i = 0; i < nf * eout; i++)
        if (gold[i] != exp[i]) {
            rc = bs_error_set(BS_EVERIFY, "RTL golden model differs from the reference executor at frame %lld "
                              "element %lld: %lld vs %lld", (long long)(i / eout), (long long)(i % eout),
                              (long long)gold[i], (long long)exp[i]);
            goto out;
        }
    char work[1024], cbuf[1024];
    if ((rc = out_path(ctx, work, sizeof work, "rtlsim")) < 0) goto out;
    bs_vl_model m;
    if ((rc = bs_vl_build(dd, nd, work, vl_cache(cbuf, sizeof cbuf, ctx), &m)) < 0) goto out;
    if ((rc = bs_vl_write_data(&m, 0, d, ins, exp, nf)) < 0) goto out;
    for (size_t k = 1; k < nd; k++) {
        const int64_t *kins[1] = {kin[k]};
        if ((rc = bs_vl_write_data(&m, k, dd[k], kins, kexp[k], nf)) < 0) goto out;
    }
    int64_t maxc = nf * (bs_rtl_design_max_cycles(d, NULL) + 64) * 20 + 100000;
    bs_vl_run_opts bpo = {25, 40, 7, maxc, 100}, fullo = {0, 0, 1, maxc, 32};
    bs_vl_timing tm = {0};
    int64_t t0 = bs_now_mono_ms();
    if ((rc = bs_vl_run(&m, &bpo, bpk, NULL)) < 0) goto out;
    if ((rc = bs_vl_run(&m, &fullo, rk, &tm)) < 0) goto out;
    double sim_s = (double)(bs_now_mono_ms() - t0) / 1000.0;
    static const char *const what[2] = {"with random back-pressure", "at full rate"};
    for (size_t k = nd; k-- > 0;)   /* single nodes first: they name the culprit */
        for (int i = 0; i < 2; i++) {
            const bs_vl_result *x = i ? &rk[k] : &bpk[k];
            if (x->mismatches || x->extra_beats || x->timeout || x->out_beats != x->expected_beats) {
                rc = bs_error_set(BS_EVERIFY, "rtlsim of %s%s %s differs from the reference executor: %lld/%lld beats, "
                                  "%lld mismatches (first at beat %lld), %lld extra%s",
                                  k ? "node " : "the stitched design", k ? h.chain[k - 1].name : "", what[i],
                                  (long long)x->out_beats, (long long)x->expected_beats, (long long)x->mismatches,
                                  (long long)x->first_mismatch, (long long)x->extra_beats, x->timeout ? ", timeout" : "");
                goto out;
            }
        }
    const bs_vl_result r = rk[0], bp = bpk[0];
    /* FINN's stitched_ip_rtlsim verification: the rtlsim outputs equal the
     * executor's on exactly these verify_input_npy frames (checked above), so
     * the partition verified inside its parent gives FINN's result */
    if (from_file && (c->verify_steps & BS_VERIFY_STITCHED_IP_RTLSIM)) {
        bs_flow_logf(ctx, "%s: stitched_ip_rtlsim: rtlsim == executor on verify_input_npy; verifying in the parent",
                     ctx->step);
        if ((rc = bs_flow_verify(ctx, BS_VERIFY_STITCHED_IP_RTLSIM, "stitched_ip_rtlsim")) < 0) goto out;
    }
    if (nd > 1) {
        cJSON *pl = cJSON_CreateObject();
        for (size_t k = 1; k < nd; k++) {
            const bs_rtl_node *nn = &h.chain[k - 1];
            double iv = (double)(rk[k].cycles - rk[k].latency_cycles) / (double)(nf - 1);
            int64_t ec = bs_rtl_node_cycles(nn);
            cJSON *e = cJSON_AddObjectToObject(pl, nn->name);
            cJSON_AddItemToObject(e, "measured_cycles_per_inference", bs_json_py_float(iv));
            cJSON_AddNumberToObject(e, "estimated_cycles", (double)ec);
            cJSON_AddItemToObject(e, "gap_percent", bs_json_py_float(ec > 0 ? 100.0 * (iv - (double)ec) / (double)ec : 0));
            cJSON_AddNumberToObject(e, "latency_cycles", (double)rk[k].latency_cycles);
            cJSON_AddBoolToObject(e, "bit_exact", true);
        }
        rc = bs_flow_write_json(ctx->out_dir, "report/rtlsim_node_by_node.json", pl);
        cJSON_Delete(pl);
        if (rc < 0) goto out;
        bs_flow_logf(ctx, "%s: node_by_node_rtlsim: %zu nodes alone bit-exact vs the reference executor", ctx->step,
                     nd - 1);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/report/rtlsim_performance.json", ctx->out_dir);
    if ((rc = out_path(ctx, work, sizeof work, "report")) < 0) goto out;
    if ((rc = bs_report_rtlsim_performance(path, &r, c->synth_clk_period_ns)) < 0) goto out;
    double interval = (double)(r.cycles - r.latency_cycles) / (double)(nf - 1);
    int64_t est = h.est_max_cycles;
    double gap = est > 0 ? 100.0 * (interval - (double)est) / (double)est : 0;
    bs_flow_logf(ctx, "%s: %lld frames bit-exact vs the reference executor (full rate and back-pressure); %.1f cycles "
                      "per inference, estimate %lld (%s): gap %+.2f %%; latency %lld cycles; %.2f M cycles/s",
                 ctx->step, (long long)nf, interval, (long long)est, h.est_node, gap, (long long)r.latency_cycles,
                 tm.wall_s > 0 ? (double)tm.cycles / tm.wall_s / 1e6 : 0.0);
    /* per-layer stalls from the cycle model, trusted only when it matches Verilator */
    bs_rtl_fifosim fs;
    bool agrees = false;
    if ((rc = bs_rtl_fifosim_run(d, nf, &fs)) < 0) goto out;
    agrees = fs.cycles == r.cycles && fs.latency == r.latency_cycles;
    if (agrees) {
        cJSON *st = cJSON_CreateObject();
        for (size_t i = 0; i < d->n_nodes; i++) {
            cJSON *e = cJSON_AddObjectToObject(st, d->nodes[i].name);
            cJSON_AddNumberToObject(e, "backpressure_cycles", (double)fs.stall_out[i]);
            cJSON_AddNumberToObject(e, "input_starved_cycles", (double)fs.starve_in[i]);
            if (fs.max_occ[i] >= 0) cJSON_AddNumberToObject(e, "maxcount", (double)fs.max_occ[i]);
        }
        rc = bs_flow_write_json(ctx->out_dir, "report/rtlsim_layer_stalls.json", st);
        cJSON_Delete(st);
    } else {
        bs_flow_logf(ctx, "%s: cycle model (%lld cycles) differs from Verilator (%lld): no per-layer stall report",
                     ctx->step, (long long)fs.cycles, (long long)r.cycles);
    }
    bs_rtl_fifosim_free(&fs);
    if (rc < 0) goto out;
    int hw_max_node = -1;
    int64_t hw_est = bs_rtl_design_max_cycles(d, &hw_max_node);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "frames", (double)nf);
    cJSON_AddStringToObject(j, "inputs", from_file ? "verify_input_npy" : "random");
    cJSON_AddStringToObject(j, "reference", "reference executor (bit-exact, full rate and random back-pressure)");
    cJSON_AddItemToObject(j, "measured_cycles_per_inference", bs_json_py_float(interval));
    cJSON_AddNumberToObject(j, "estimated_cycles_per_inference", (double)est);
    cJSON_AddStringToObject(j, "estimate_bottleneck", h.est_node);
    cJSON_AddItemToObject(j, "gap_percent", bs_json_py_float(gap));
    cJSON_AddNumberToObject(j, "estimated_cycles_hw_nodes", (double)hw_est);
    cJSON_AddStringToObject(j, "estimate_bottleneck_hw_nodes", hw_max_node >= 0 ? d->nodes[hw_max_node].name : "");
    cJSON_AddBoolToObject(j, "cycle_model_matches_verilator", agrees);
    cJSON_AddNumberToObject(j, "latency_cycles", (double)r.latency_cycles);
    cJSON_AddNumberToObject(j, "backpressure_run_cycles", (double)bp.cycles);
    cJSON_AddItemToObject(j, "sim_cycles_per_s", bs_json_py_float(tm.wall_s > 0 ? (double)tm.cycles / tm.wall_s : 0));
    cJSON_AddItemToObject(j, "verilator_build_s", bs_json_py_float(m.build_s));
    cJSON_AddBoolToObject(j, "verilator_cached", m.cached);
    cJSON_AddItemToObject(j, "sim_s", bs_json_py_float(sim_s));
    cJSON_AddItemToObject(j, "host_nodes", host_json(&h, g));
    rc = bs_flow_write_json(ctx->out_dir, "report/rtlsim_vs_estimate.json", j);
    cJSON_Delete(j);
out:
    for (size_t k = 1; k < nd; k++) {
        bs_rtl_design_free(dd[k]);
        free(kin[k]);
        free(kexp[k]);
    }
    if (frames)
        for (int64_t f = 0; f < nalloc; f++) bs_value_free(&frames[f]);
    free(frames);
    free(in);
    free(exp);
    free(gold);
    bs_exec_free(s);
    bs_rtl_design_free(d);
    net_free(&h);
    return rc;
}

/* ---- step_out_of_context_synthesis ---- */

/* Yosys target for an FPGA part: xc7* -> xc7; other Xilinx (UltraScale(+),
 * Versal, Alveo) -> xcup; ice40up5k / ice40hx8k (or up5k / hx8k) -> iCE40. */
int bs_hwstep_synth_target(const char *part, bs_synth_target *t)
{
    if (!part) return bs_error_set(BS_EINVAL, "no fpga_part");
    if (strstr(part, "up5k")) { *t = BS_SYNTH_ICE40_UP5K; return 0; }
    if (strstr(part, "hx8k")) { *t = BS_SYNTH_ICE40_HX8K; return 0; }
    if (!strncmp(part, "xc7", 3)) { *t = BS_SYNTH_XC7; return 0; }
    if (!strncmp(part, "xc", 2)) { *t = BS_SYNTH_XCUP; return 0; }
    return bs_error_set(BS_EUNSUPPORTED, "fpga_part %s: no Yosys flow for this family (xc7*, Xilinx UltraScale(+)/"
                        "Versal, ice40up5k, ice40hx8k)", part);
}

/* report/post_synth_vs_estimate.json: per layer Yosys counts next to
 * report/estimate_layer_resources.json. */
static int write_vs_estimate(bs_flow_ctx *ctx, const bs_synth_result *r, bs_synth_target t)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/report/estimate_layer_resources.json", ctx->out_dir);
    cJSON *est = NULL;
    int rc = read_json_file(path, &est);
    if (rc < 0) return rc;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "target", bs_synth_target_name(t));
    for (size_t i = 0; i <= r->n_layers; i++) {
        const bs_synth_counts *sc = i < r->n_layers ? &r->layers[i] : &r->total;
        const char *name = i < r->n_layers ? sc->module : "total";
        cJSON *e = cJSON_CreateObject();
        cJSON *y = cJSON_AddObjectToObject(e, "yosys");
        cJSON_AddNumberToObject(y, "LUT", (double)sc->lut);
        cJSON_AddNumberToObject(y, "FF", (double)sc->ff);
        cJSON_AddNumberToObject(y, "BRAM_18K", (double)(sc->bram18 + 2 * sc->bram36));
        cJSON_AddNumberToObject(y, "URAM", (double)sc->uram);
        cJSON_AddNumberToObject(y, "DSP", (double)sc->dsp);
        cJSON_AddNumberToObject(y, "CARRY", (double)sc->carry);
        cJSON *ee = est ? cJSON_GetObjectItemCaseSensitive(est, name) : NULL;
        if (ee) cJSON_AddItemToObject(e, "estimate", cJSON_Duplicate(ee, 1));
        cJSON_AddItemToObject(j, name, e);
    }
    cJSON_Delete(est);
    rc = bs_flow_write_json(ctx->out_dir, "report/post_synth_vs_estimate.json", j);
    cJSON_Delete(j);
    return rc;
}

int bs_hwstep_out_of_context_synthesis(bs_flow_ctx *ctx)
{
    if (!(ctx->cfg->generate_outputs & BS_OUT_OOC_SYNTH)) {
        bs_flow_logf(ctx, "%s: nothing to do (out_of_context_synth is not in generate_outputs)", ctx->step);
        return 0;
    }
    bs_synth_target t;
    int rc = bs_hwstep_synth_target(ctx->part, &t);
    if (rc < 0) return bs_error_wrap(rc, "%s", ctx->step);
    hw_net h;
    bs_rtl_design *d = NULL;
    bs_synth_result *r = calloc(1, sizeof *r);
    if (!r) return bs_error_set(BS_ENOMEM, "%s", ctx->step);
    char src[1024], sd[1024], path[1200];
    if ((rc = design_build(ctx, &h, 2, true, &d)) < 0) goto out;
    if ((rc = out_path(ctx, src, sizeof src, "synth/src")) < 0 || (rc = bs_rtl_emit(d, src)) < 0) goto out;
    if ((rc = out_path(ctx, sd, sizeof sd, "synth")) < 0) goto out;
    if ((rc = bs_yosys_synth(d, src, t, sd, r)) < 0) goto out;
    if ((rc = out_path(ctx, path, sizeof path, "report")) < 0) goto out;
    snprintf(path, sizeof path, "%s/report/post_synth_resources.json", ctx->out_dir);
    if ((rc = bs_report_post_synth(path, r)) < 0) goto out;
    if ((rc = write_vs_estimate(ctx, r, t)) < 0) goto out;
    bs_flow_logf(ctx, "%s: yosys %s on %s: LUT %lld FF %lld BRAM18 %lld BRAM36 %lld DSP %lld CARRY %lld (%.1f s)",
                 ctx->step, bs_synth_target_name(t), ctx->part, (long long)r->total.lut, (long long)r->total.ff,
                 (long long)r->total.bram18, (long long)r->total.bram36, (long long)r->total.dsp,
                 (long long)r->total.carry, r->seconds);
out:
    free(r);
    bs_rtl_design_free(d);
    net_free(&h);
    return rc;
}

/* ---- step_ice40_bitstream (brainsmith) ---- */
int bs_hwstep_ice40_bitstream(bs_flow_ctx *ctx)
{
    bs_synth_target t = BS_SYNTH_ICE40_UP5K;
    if (ctx->part && strstr(ctx->part, "hx8k")) t = BS_SYNTH_ICE40_HX8K;
    else if (ctx->part && !strstr(ctx->part, "up5k"))
        bs_flow_logf(ctx, "%s: fpga_part %s is not an iCE40; building for an iCE40 UP5K", ctx->step, ctx->part);
    hw_net h;
    bs_rtl_design *d = NULL;
    bs_synth_result *r = calloc(1, sizeof *r);
    if (!r) return bs_error_set(BS_ENOMEM, "%s", ctx->step);
    char src[1024], sd[1024];
    bs_pnr_result p;
    double mhz = ctx->cfg->synth_clk_period_ns > 0 ? 1000.0 / ctx->cfg->synth_clk_period_ns : 12.0;
    int rc = design_build(ctx, &h, 2, true, &d);
    if (rc < 0) goto out;
    if ((rc = out_path(ctx, src, sizeof src, "bitfile/src")) < 0 || (rc = bs_rtl_emit(d, src)) < 0) goto out;
    if ((rc = out_path(ctx, sd, sizeof sd, "bitfile")) < 0) goto out;
    if ((rc = bs_yosys_synth(d, src, t, sd, r)) < 0) goto out;
    if ((rc = bs_ice40_pnr(r, t, mhz, sd, &p)) < 0) goto out;
    if ((rc = out_path(ctx, src, sizeof src, "report")) < 0) goto out;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "device", bs_synth_target_name(t));
    cJSON_AddItemToObject(j, "fmax_mhz", bs_json_py_float(p.fmax_mhz));
    cJSON_AddItemToObject(j, "icetime_mhz", bs_json_py_float(p.icetime_mhz));
    cJSON_AddItemToObject(j, "target_mhz", bs_json_py_float(p.target_mhz));
    cJSON_AddBoolToObject(j, "timing_met", p.timing_met);
    cJSON_AddNumberToObject(j, "LC_used", (double)p.lc_used);
    cJSON_AddNumberToObject(j, "LC_available", (double)p.lc_avail);
    cJSON_AddNumberToObject(j, "RAM_used", (double)p.ram_used);
    cJSON_AddNumberToObject(j, "RAM_available", (double)p.ram_avail);
    cJSON_AddNumberToObject(j, "DSP_used", (double)p.dsp_used);
    cJSON_AddNumberToObject(j, "DSP_available", (double)p.dsp_avail);
    cJSON_AddStringToObject(j, "bitstream", p.bin);
    cJSON_AddNumberToObject(j, "bitstream_bytes", (double)p.bin_bytes);
    rc = bs_flow_write_json(ctx->out_dir, "report/ice40_pnr.json", j);
    cJSON_Delete(j);
    bs_flow_logf(ctx, "%s: %s fmax %.1f MHz (target %.1f, %s), LC %lld/%lld, RAM %lld/%lld -> %s", ctx->step,
                 bs_synth_target_name(t), p.fmax_mhz, p.target_mhz, p.timing_met ? "met" : "NOT met",
                 (long long)p.lc_used, (long long)p.lc_avail, (long long)p.ram_used, (long long)p.ram_avail, p.bin);
out:
    free(r);
    bs_rtl_design_free(d);
    net_free(&h);
    return rc;
}

/* ---- orchestrator: the tool steps are tasks of their own ---- */
static const struct {
    const char *step;
    const char *tools[5];
    int cpus;
    int64_t mem_mb;
} tool_steps[] = {
    {"step_measure_rtlsim_performance", {"verilator", "g++", NULL}, 2, 2048},   /* verilator -j 2 */
    {"step_out_of_context_synthesis", {"yosys", NULL}, 1, 4096},
    {"step_ice40_bitstream", {"yosys", "nextpnr-ice40", "icepack", "icetime", NULL}, 1, 2048},
};

bool bs_hwstep_task(const char *step, int *cpus, int64_t *mem_mb, char *salt, size_t n)
{
    for (size_t i = 0; i < sizeof tool_steps / sizeof tool_steps[0]; i++) {
        if (strcmp(tool_steps[i].step, step)) continue;
        if (cpus) *cpus = tool_steps[i].cpus;
        if (mem_mb) *mem_mb = tool_steps[i].mem_mb;
        if (salt && n) {
            size_t len = 0;
            salt[0] = 0;
            for (int k = 0; tool_steps[i].tools[k]; k++) {
                bs_tool_info ti;
                memset(&ti, 0, sizeof ti);
                bs_tool_probe(tool_steps[i].tools[k], &ti);   /* missing: the step reports it */
                int w = snprintf(salt + len, n - len, "%s=%s;", tool_steps[i].tools[k], ti.found ? ti.version : "missing");
                if (w < 0 || (size_t)w >= n - len) break;
                len += (size_t)w;
            }
        }
        return true;
    }
    return false;
}
