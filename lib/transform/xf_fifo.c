/* xf_fifo.c - stream plumbing between HW nodes (finn-reference §6.7, §9.1):
 * InsertDWC (a StreamingDataWidthConverter where the producer's folded
 * output and the consumer's folded input differ in the last dimension),
 * InsertFIFO (StreamingFIFO of depth max(outFIFODepths, inFIFODepths), on
 * every edge with create_shallow_fifos, plus graph input/output FIFOs) and
 * RemoveShallowFIFOs (threshold 0).  Shapes and widths come from the kernels
 * module through the IR adapter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/kernels.h"
#include "xf_int.h"

static bool is_dwc(const bs_ir_node *n) { return !strncmp(n->op_type, "StreamingDataWidthConverter", 27); }
static bool is_fifo(const bs_ir_node *n) { return !strncmp(n->op_type, "StreamingFIFO", 13); }

static int load(const bs_ir_node *n, bs_knode *kn)
{
    int rc = bs_xform_knode(n, kn);
    if (rc < 0) bs_error_wrap(rc, "%s", bs_ir_node_desc(n));
    return rc;
}

static int in_index(const bs_ir_node *c, const bs_ir_tensor *t)
{
    for (int i = 0; i < c->ninputs; i++)
        if (c->inputs[i] == t) return i;
    return -1;
}

int xf_InsertDWC(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain) || is_dwc(n) || !strncmp(n->op_type, "IODMA", 5)) continue;
        for (int o = 0; o < n->noutputs; o++) {
            bs_ir_tensor *t = n->outputs[o];
            if (t->nconsumers == 0) continue;
            if (t->nconsumers > 1)
                return bs_error_set(BS_EINVAL, "%s: HW node with fan-out higher than 1 cannot be stitched",
                                    bs_ir_node_desc(n));
            bs_ir_node *c = t->consumers[0];
            if (!bs_ir_domain_is_fpgadataflow(c->domain) || is_dwc(c) || !strncmp(c->op_type, "IODMA", 5)) continue;
            bs_knode a, b;
            int rc;
            if ((rc = load(n, &a)) < 0 || (rc = load(c, &b)) < 0) return rc;
            int ii = in_index(c, t);
            int64_t fo[BS_KINTS_MAX + 2], fi[BS_KINTS_MAX + 2], ns[BS_KINTS_MAX + 2];
            size_t nfo, nfi, nns;
            if ((rc = bs_knode_folded_shape(&a, 1, o, fo, &nfo)) < 0 ||
                (rc = bs_knode_folded_shape(&b, 0, ii, fi, &nfi)) < 0)
                return bs_error_wrap(rc, "InsertDWC");
            if (fo[nfo - 1] == fi[nfi - 1]) continue;
            int64_t win, wout;
            bs_kdt dt;
            if ((rc = bs_knode_stream_width(&a, 1, o, &win)) < 0 || (rc = bs_knode_stream_width(&b, 0, ii, &wout)) < 0 ||
                (rc = bs_knode_normal_shape(&a, 1, o, ns, &nns)) < 0 || (rc = bs_knode_output_dtype(&a, o, &dt)) < 0)
                return bs_error_wrap(rc, "InsertDWC");
            bs_ir_tensor *dout = xf_tensor_like(g, "dwc_out", t);
            int idx = bs_ir_node_index(g, n);
            bs_ir_node *before = idx + 1 < g->nnodes ? g->nodes[idx + 1] : NULL;
            bs_ir_node *d = bs_ir_node_add(g, "StreamingDataWidthConverter", BS_DOMAIN_FPGADATAFLOW, "", &t, 1, &dout, 1,
                                           before);
            if (!d) return bs_error_wrap(BS_EINVAL, "InsertDWC");
            bs_ir_attr_set_str(g, d, "backend", "fpgadataflow");
            bs_ir_attr_set_str(g, d, "dataType", dt.name);
            bs_ir_attr_set_int(g, d, "inWidth", win);
            bs_ir_attr_set_int(g, d, "outWidth", wout);
            bs_ir_attr_set_ints(g, d, "shape", ns, (int)nns);
            bs_dt tdt;
            if (bs_dt_parse(dt.name, &tdt) == 0) bs_ir_tensor_set_dtype(dout, tdt);
            if ((rc = bs_ir_node_set_input(g, c, ii, dout)) < 0) return rc;
            *changed = true;
        }
    }
    return 0;
}

static int64_t depth_attr(const bs_ir_node *n, const char *name, int idx)
{
    const int64_t *v;
    int cnt;
    if (bs_ir_attr_get_ints(n, name, &v, &cnt) == 0 && idx < cnt) return v[idx];
    return 2;
}

static bs_ir_node *add_fifo(bs_xform_ctx *x, bs_ir_tensor *in, bs_ir_tensor *out, int64_t depth, const int64_t *fs,
                            size_t nfs, const int64_t *ns, size_t nns, const char *dt, bs_ir_node *before)
{
    bs_ir_graph *g = x->g;
    bs_ir_node *f = bs_ir_node_add(g, "StreamingFIFO", BS_DOMAIN_FPGADATAFLOW, "", &in, 1, &out, 1, before);
    if (!f) return NULL;
    bs_ir_attr_set_str(g, f, "backend", "fpgadataflow");
    bs_ir_attr_set_str(g, f, "dataType", dt);
    bs_ir_attr_set_int(g, f, "depth", depth);
    bs_ir_attr_set_ints(g, f, "folded_shape", fs, (int)nfs);
    bs_ir_attr_set_str(g, f, "impl_style", "rtl");
    bs_ir_attr_set_ints(g, f, "normal_shape", ns, (int)nns);
    bs_ir_attr_set_str(g, f, "ram_style", "auto");
    return f;
}

int xf_InsertFIFO(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    bool modified = false;
    int rc;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain) || is_fifo(n)) continue;
        for (int o = 0; o < n->noutputs; o++) {
            bs_ir_tensor *t = n->outputs[o];
            if (t->nconsumers == 0) continue;
            if (t->nconsumers > 1)
                return bs_error_set(BS_EINVAL, "%s: HLS node with fan-out higher than 1 cannot be stitched",
                                    bs_ir_node_desc(n));
            bs_ir_node *c = t->consumers[0];
            if (!bs_ir_domain_is_fpgadataflow(c->domain) || is_fifo(c)) continue;
            bs_knode a, b;
            if ((rc = load(n, &a)) < 0 || (rc = load(c, &b)) < 0) return rc;
            int ii = in_index(c, t);
            int64_t fo[BS_KINTS_MAX + 2], fi[BS_KINTS_MAX + 2], ns[BS_KINTS_MAX + 2];
            size_t nfo, nfi, nns;
            bs_kdt dt;
            if ((rc = bs_knode_folded_shape(&a, 1, o, fo, &nfo)) < 0 || (rc = bs_knode_folded_shape(&b, 0, ii, fi, &nfi)) < 0 ||
                (rc = bs_knode_normal_shape(&a, 1, o, ns, &nns)) < 0 || (rc = bs_knode_output_dtype(&a, o, &dt)) < 0)
                return bs_error_wrap(rc, "InsertFIFO");
            int64_t pa = 1, pb = 1;
            for (size_t i = 0; i < nfo; i++) pa *= fo[i];
            for (size_t i = 0; i < nfi; i++) pb *= fi[i];
            if (fo[nfo - 1] != fi[nfi - 1] || pa != pb)
                return bs_error_set(BS_EINVAL, "InsertFIFO: %s -> %s: folded shapes differ; a streaming FIFO can't be "
                                    "implemented between these nodes (run InsertDWC first)", n->name, c->name);
            int64_t depth = depth_attr(n, "outFIFODepths", o), d2 = depth_attr(c, "inFIFODepths", ii);
            if (d2 > depth) depth = d2;
            if (depth <= 2 && !x->create_shallow_fifos) continue;
            bs_ir_tensor *fout = xf_tensor_like(g, "fifo_out", t);
            int idx = bs_ir_node_index(g, n);
            if (!add_fifo(x, t, fout, depth, fo, nfo, ns, nns, dt.name, idx + 1 < g->nnodes ? g->nodes[idx + 1] : NULL))
                return bs_error_wrap(BS_EINVAL, "InsertFIFO");
            bs_dt tdt;
            if (bs_dt_parse(dt.name, &tdt) == 0) bs_ir_tensor_set_dtype(fout, tdt);
            if ((rc = bs_ir_node_set_input(g, c, ii, fout)) < 0) return rc;
            modified = true;
        }
    }
    if (modified) { *changed = true; return 0; }
    /* graph input and output FIFOs, once the internal edges are done */
    for (int i = 0; i < g->ninputs; i++) {
        bs_ir_tensor *t = g->inputs[i];
        if (t->nconsumers != 1) continue;
        bs_ir_node *c = t->consumers[0];
        if (!bs_ir_domain_is_fpgadataflow(c->domain) || is_fifo(c) || !strncmp(c->op_type, "IODMA", 5)) continue;
        bs_knode b;
        if ((rc = load(c, &b)) < 0) return rc;
        int ii = in_index(c, t);
        int64_t depth = depth_attr(c, "inFIFODepths", ii);
        if (depth <= 2 && !x->create_shallow_fifos) continue;
        if (depth < 2) depth = 2;
        int64_t fi[BS_KINTS_MAX + 2], ns[BS_KINTS_MAX + 2];
        size_t nfi, nns;
        if ((rc = bs_knode_folded_shape(&b, 0, ii, fi, &nfi)) < 0 || (rc = bs_knode_normal_shape(&b, 0, ii, ns, &nns)) < 0)
            return bs_error_wrap(rc, "InsertFIFO");
        const char *dt = bs_knode_get_str(&b, "inputDataType");
        if (!dt) dt = bs_dt_str(t->dtype);
        bs_ir_tensor *fout = xf_tensor_like(g, "fifo_in_out", t);
        bs_ir_tensor_set_dtype(fout, t->dtype);
        if (!add_fifo(x, t, fout, depth, fi, nfi, ns, nns, dt, g->nodes[0])) return bs_error_wrap(BS_EINVAL, "InsertFIFO");
        if ((rc = bs_ir_node_set_input(g, c, ii, fout)) < 0) return rc;
    }
    for (int i = 0; i < g->noutputs; i++) {
        bs_ir_tensor *t = g->outputs[i];
        bs_ir_node *p = t->producer;
        if (!p || !bs_ir_domain_is_fpgadataflow(p->domain) || is_fifo(p) || !strncmp(p->op_type, "IODMA", 5)) continue;
        bs_knode a;
        if ((rc = load(p, &a)) < 0) return rc;
        int oi = 0;
        for (int j = 0; j < p->noutputs; j++) if (p->outputs[j] == t) oi = j;
        int64_t depth = depth_attr(p, "outFIFODepths", oi);
        if (depth <= 2 && !x->create_shallow_fifos) continue;
        if (depth < 2) depth = 2;
        int64_t fo[BS_KINTS_MAX + 2], ns[BS_KINTS_MAX + 2];
        size_t nfo, nns;
        bs_kdt dt;
        if ((rc = bs_knode_folded_shape(&a, 1, oi, fo, &nfo)) < 0 || (rc = bs_knode_normal_shape(&a, 1, oi, ns, &nns)) < 0 ||
            (rc = bs_knode_output_dtype(&a, oi, &dt)) < 0)
            return bs_error_wrap(rc, "InsertFIFO");
        bs_ir_tensor *fin = xf_tensor_like(g, "fifo_out_in", t);
        bs_ir_tensor_set_dtype(fin, t->dtype);
        if ((rc = bs_ir_node_set_output(g, p, oi, fin)) < 0) return rc;
        if (!add_fifo(x, fin, t, depth, fo, nfo, ns, nns, dt.name, NULL)) return bs_error_wrap(BS_EINVAL, "InsertFIFO");
    }
    return 0;
}

int xf_RemoveShallowFIFOs(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_fifo(n) || !n->ninputs || !n->inputs[0]->producer) continue;
        if (bs_ir_attr_int(n, "depth", 2) > 0) continue;   /* threshold 0 (FINN dev) */
        int rc = bs_ir_node_bypass(g, n);
        if (rc < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}
