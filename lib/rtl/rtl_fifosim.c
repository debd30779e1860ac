/* rtl_fifosim.c - a cycle-level, data-free model of the generated RTL and
 * FIFO sizing on top of it.
 *
 * Each kernel is reduced to the registers that decide its TVALID/TREADY,
 * updated with the same rules as its Verilog (lib/rtl/hdl), so the model's
 * cycle counts equal Verilator's (checked by tests/rtl).  A cycle: valid
 * forward through the chain (a pass-through DWC forwards its input's valid),
 * ready backward from the always-ready sink, then every register updates.
 * One frame costs O(nodes x cycles) integer work, no data. */
#include "rtl_int.h"

#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/json.h"

enum { K_FIFO, K_MVAU, K_THR, K_DWC_UP, K_DWC_DN, K_DWC_EQ, K_LS, K_ADD, K_SWG, K_MP, K_PAD, K_GAP, K_POOL };

typedef struct ns {
    int kind;
    int node;                 /* index in the design */
    /* parameters */
    int64_t depth, SF, NF, N, NB, K;
    int64_t IH, IW, CF, KH, KW, SH, SW, DH, DW, OH, OW, BUFD, TOT, PKH, PKW;
    int64_t PT, PL, NPIX;
    /* state */
    int64_t count, sf, nf, cnt, ko, wr, oy, ox, ky, kx, cf, y, x, py, px;
    bool v1, l1, v2, l2, v3, ov, emit, rd_done, dws;
    int64_t maxocc;
    /* wires of the current cycle */
    bool in_valid, out_valid, in_ready, out_ready;
} ns;

static int64_t dwc_lcm(const bs_rtl_node *n) { return n->inWidth / bs_rtl__gcd(n->inWidth, n->outWidth) * n->outWidth; }

static void add_dwc(ns *s, int *k, int node, int64_t iw, int64_t ow)
{
    ns *q = &s[(*k)++];
    memset(q, 0, sizeof *q);
    q->node = node;
    if (iw == ow) q->kind = K_DWC_EQ;
    else if (ow > iw) { q->kind = K_DWC_UP; q->N = ow / iw; }
    else { q->kind = K_DWC_DN; q->N = iw / ow; }
}

static int build(const bs_rtl_design *d, ns **out, int *count)
{
    ns *s = calloc(d->n_nodes * 2 + 1, sizeof *s);
    if (!s) return bs_error_set(BS_ENOMEM, "fifosim");
    int k = 0;
    for (size_t i = 0; i < d->n_nodes; i++) {
        const bs_rtl_node *n = &d->nodes[i];
        const bs_rtl_gen *g = bs_rtl_gen_find(n->op);
        if (!g) { free(s); return bs_error_set(BS_EUNSUPPORTED, "%s: no generator", n->name); }
        const char *op = g->op;
        if (!strcmp(op, "StreamingDataWidthConverter")) {
            int64_t lw = dwc_lcm(n);
            if (lw == n->inWidth || lw == n->outWidth) add_dwc(s, &k, (int)i, n->inWidth, n->outWidth);
            else { add_dwc(s, &k, (int)i, n->inWidth, lw); add_dwc(s, &k, (int)i, lw, n->outWidth); }
            continue;
        }
        ns *q = &s[k++];
        memset(q, 0, sizeof *q);
        q->node = (int)i;
        if (!strcmp(op, "StreamingFIFO")) { q->kind = K_FIFO; q->depth = n->depth; }
        else if (!strcmp(op, "MVAU")) { q->kind = K_MVAU; q->SF = n->MW / n->SIMD; q->NF = n->MH / n->PE; }
        else if (!strcmp(op, "Thresholding") || !strcmp(op, "ChannelwiseOp")) q->kind = K_THR;
        else if (!strcmp(op, "FMPadding")) {
            q->kind = K_PAD;
            q->IH = n->ImgDim[0]; q->IW = n->ImgDim[1]; q->PT = n->Padding[0]; q->PL = n->Padding[1];
            q->OH = q->IH + n->Padding[0] + n->Padding[2]; q->OW = q->IW + n->Padding[1] + n->Padding[3];
            q->CF = n->NumChannels / n->SIMD;
        } else if (!strcmp(op, "GlobalAccPool")) {
            q->kind = K_GAP;
            q->NPIX = n->ImgDim[0] * n->ImgDim[1]; q->CF = n->NumChannels / n->PE;
        }
        else if (!strcmp(op, "LabelSelect")) { q->kind = K_LS; q->NB = n->Labels / n->PE; q->K = n->K; }
        else if (!strcmp(op, "AddStreams")) q->kind = K_ADD;
        else if (!strcmp(op, "ConvolutionInputGenerator")) {
            q->kind = K_SWG;
            q->IH = n->IFMDim[0]; q->IW = n->IFMDim[1]; q->CF = n->IFMChannels / n->SIMD;
            q->KH = n->ConvKernelDim[0]; q->KW = n->ConvKernelDim[1]; q->SH = n->Stride[0]; q->SW = n->Stride[1];
            q->DH = n->Dilation[0]; q->DW = n->Dilation[1]; q->OH = n->OFMDim[0]; q->OW = n->OFMDim[1];
            q->BUFD = bs_rtl__swg_bufd(n);
            q->dws = n->depthwise != 0;
            q->TOT = q->IH * q->IW * q->CF;
        } else if (!strcmp(op, "Pool")) {
            q->kind = K_POOL;
            q->K = n->PoolDim[0] * n->PoolDim[1];
        } else if (!strcmp(op, "StreamingMaxPool")) {
            q->kind = K_MP;
            q->IH = n->ImgDim[0]; q->IW = n->ImgDim[1]; q->CF = n->NumChannels / n->PE;
            q->PKH = n->PoolDim[0]; q->PKW = n->PoolDim[1];
            q->OH = q->IH / q->PKH; q->OW = q->IW / q->PKW;
        } else { free(s); return bs_error_set(BS_EUNSUPPORTED, "%s: %s not modelled", n->name, op); }
    }
    *out = s;
    *count = k;
    return 0;
}

/* Registered (or pass-through) output valid. */
static bool out_valid_of(const ns *q)
{
    switch (q->kind) {
    case K_FIFO: return q->count != 0;
    case K_DWC_UP: return q->ov;
    case K_DWC_DN: return q->ov;
    case K_DWC_EQ: return q->in_valid;
    case K_LS: return q->emit;
    default: return q->ov;
    }
}

static int64_t swg_idx(const ns *q)
{
    return ((q->oy * q->SH + q->ky * q->DH) * q->IW + q->ox * q->SW + q->kx * q->DW) * q->CF + q->cf;
}

static bool in_ready_of(const ns *q)
{
    bool stall = q->ov && !q->out_ready;
    switch (q->kind) {
    case K_FIFO: return q->count < q->depth;
    case K_MVAU: return !stall && q->nf == 0;
    case K_THR: return !stall;
    case K_DWC_UP: return !q->ov || q->out_ready;
    case K_DWC_DN: return !q->ov || (q->out_ready && q->cnt == q->N - 1);
    case K_DWC_EQ: return q->out_ready;
    case K_LS: return !q->emit;
    case K_ADD: return !q->ov || q->out_ready;
    case K_SWG: {
        bool wr_done = q->wr == q->TOT;
        int64_t base = (q->oy * q->SH * q->IW + q->ox * q->SW) * q->CF;
        int64_t min_need = q->rd_done ? q->TOT : base;
        return !wr_done && q->wr < min_need + q->BUFD;
    }
    case K_MP: return !q->ov || q->out_ready;
    case K_GAP: return !q->ov || q->out_ready;
    case K_POOL: return !q->ov || q->out_ready;
    case K_PAD: {
        bool pad = q->oy < q->PT || q->oy >= q->PT + q->IH || q->ox < q->PL || q->ox >= q->PL + q->IW;
        return (!q->ov || q->out_ready) && !pad;
    }
    }
    return false;
}

/* Register update at the clock edge; in_fire/out_fire are this cycle's. */
static void step(ns *q, bool in_fire, bool out_fire)
{
    bool stall = q->ov && !q->out_ready;
    switch (q->kind) {
    case K_FIFO:
        q->count += (int64_t)in_fire - (int64_t)out_fire;
        if (q->count > q->maxocc) q->maxocc = q->count;
        break;
    case K_MVAU: {
        bool need_in = q->nf == 0;
        bool fire0 = !stall && (need_in ? q->in_valid : true);
        if (!stall) {
            q->ov = q->v3;
            q->v3 = q->v2 && q->l2;
            q->v2 = q->v1; q->l2 = q->l1;
            q->v1 = fire0; q->l1 = q->sf == q->SF - 1;
        }
        if (fire0) {
            if (q->sf == q->SF - 1) { q->sf = 0; q->nf = q->nf == q->NF - 1 ? 0 : q->nf + 1; }
            else q->sf++;
        }
        break;
    }
    case K_THR:
        if (!stall) { q->ov = q->v1; q->v1 = in_fire; }
        break;
    case K_DWC_UP:
        if (q->ov && q->out_ready) q->ov = false;
        if (in_fire) {
            if (q->cnt == q->N - 1) { q->ov = true; q->cnt = 0; }
            else q->cnt++;
        }
        break;
    case K_DWC_DN: {
        bool last = q->cnt == q->N - 1;
        if (q->ov && q->out_ready) { q->cnt = last ? 0 : q->cnt + 1; if (last) q->ov = false; }
        if (in_fire) q->ov = true;
        break;
    }
    case K_DWC_EQ: break;
    case K_LS:
        if (in_fire) {
            if (q->cnt == q->NB - 1) { q->cnt = 0; q->emit = true; q->ko = 0; }
            else q->cnt++;
        }
        if (q->emit && q->out_ready && !in_fire) {
            if (q->ko == q->K - 1) { q->emit = false; q->ko = 0; }
            else q->ko++;
        }
        break;
    case K_ADD:
        if (!q->ov || q->out_ready) q->ov = in_fire;
        break;
    case K_SWG: {
        bool fire_r = !q->rd_done && swg_idx(q) < q->wr && !stall;
        bool wr_done = q->wr == q->TOT;
        if (!stall) q->ov = fire_r;
        if (wr_done && q->rd_done) { q->wr = 0; q->rd_done = false; }
        else if (in_fire) q->wr++;
        if (fire_r && q->dws) {
            if (q->kx != q->KW - 1) q->kx++;
            else { q->kx = 0;
                if (q->ky != q->KH - 1) q->ky++;
                else { q->ky = 0;
                    if (q->cf != q->CF - 1) q->cf++;
                    else { q->cf = 0;
                        if (q->ox != q->OW - 1) q->ox++;
                        else { q->ox = 0;
                            if (q->oy != q->OH - 1) q->oy++;
                            else { q->oy = 0; q->rd_done = true; } } } } }
        } else if (fire_r) {
            if (q->cf != q->CF - 1) q->cf++;
            else { q->cf = 0;
                if (q->kx != q->KW - 1) q->kx++;
                else { q->kx = 0;
                    if (q->ky != q->KH - 1) q->ky++;
                    else { q->ky = 0;
                        if (q->ox != q->OW - 1) q->ox++;
                        else { q->ox = 0;
                            if (q->oy != q->OH - 1) q->oy++;
                            else { q->oy = 0; q->rd_done = true; } } } } }
        }
        break;
    }
    case K_PAD: {
        bool take = !q->ov || q->out_ready;
        bool pad = q->oy < q->PT || q->oy >= q->PT + q->IH || q->ox < q->PL || q->ox >= q->PL + q->IW;
        bool fire = take && (pad ? (q->emit || q->in_valid) : q->in_valid);
        bool last = q->oy == q->OH - 1 && q->ox == q->OW - 1 && q->cf == q->CF - 1;
        if (take) {
            q->ov = fire;
            if (fire) {
                q->emit = !last;   /* 'active': the frame has started */
                if (q->cf != q->CF - 1) q->cf++;
                else { q->cf = 0;
                    if (q->ox != q->OW - 1) q->ox++;
                    else { q->ox = 0; q->oy = q->oy != q->OH - 1 ? q->oy + 1 : 0; } }
            }
        }
        break;
    }
    case K_GAP:
        if (q->ov && q->out_ready) q->ov = false;
        if (in_fire) {
            if (q->y == q->NPIX - 1) q->ov = true;
            if (q->cf != q->CF - 1) q->cf++;
            else { q->cf = 0; q->y = q->y != q->NPIX - 1 ? q->y + 1 : 0; }
        }
        break;
    case K_POOL:
        if (q->ov && q->out_ready) q->ov = false;
        if (in_fire) {
            if (q->cnt == q->K - 1) { q->cnt = 0; q->ov = true; }
            else q->cnt++;
        }
        break;
    case K_MP: {
        bool in_win = q->ox < q->OW && q->y < q->OH * q->PKH;
        if (q->ov && q->out_ready) q->ov = false;
        if (in_fire) {
            if (in_win && q->py == q->PKH - 1 && q->px == q->PKW - 1) q->ov = true;
            if (q->cf != q->CF - 1) q->cf++;
            else { q->cf = 0;
                if (q->x != q->IW - 1) {
                    q->x++;
                    if (q->px != q->PKW - 1) q->px++;
                    else { q->px = 0; q->ox++; }
                } else {
                    q->x = 0; q->px = 0; q->ox = 0;
                    if (q->y != q->IH - 1) { q->y++; q->py = q->py != q->PKH - 1 ? q->py + 1 : 0; }
                    else { q->y = 0; q->py = 0; }
                }
            }
        }
        break;
    }
    }
}

int bs_rtl_fifosim_run(const bs_rtl_design *d, int64_t nframes, bs_rtl_fifosim *r)
{
    memset(r, 0, sizeof *r);
    ns *s = NULL;
    int k = 0;
    int rc = build(d, &s, &k);
    if (rc < 0) return rc;
    r->max_occ = malloc(sizeof *r->max_occ * d->n_nodes);
    r->stall_out = calloc(d->n_nodes, sizeof *r->stall_out);
    r->starve_in = calloc(d->n_nodes, sizeof *r->starve_in);
    if (!r->max_occ || !r->stall_out || !r->starve_in) {
        free(s);
        bs_rtl_fifosim_free(r);
        return bs_error_set(BS_ENOMEM, "fifosim");
    }
    int64_t in_total = nframes * d->in[0].s.beats, out_total = nframes * d->out.s.beats;
    int64_t per_frame = d->out.s.beats, sent = 0, idle = 0;
    int64_t est = bs_rtl_design_max_cycles(d, NULL);
    int64_t idle_limit = 4 * (est + 1000);
    for (int64_t cyc = 0; r->out_beats < out_total; cyc++) {
        for (int i = 0; i < k; i++) {
            s[i].in_valid = i == 0 ? sent < in_total : s[i - 1].out_valid;
            s[i].out_valid = out_valid_of(&s[i]);
        }
        for (int i = k - 1; i >= 0; i--) {
            s[i].out_ready = i == k - 1 ? true : s[i + 1].in_ready;
            s[i].in_ready = in_ready_of(&s[i]);
        }
        bool moved = false;
        for (int i = 0; i < k; i++) {
            bool in_fire = s[i].in_valid && s[i].in_ready;
            bool out_fire = s[i].out_valid && s[i].out_ready;
            moved |= in_fire || out_fire;
            if (s[i].out_valid && !s[i].out_ready) r->stall_out[s[i].node]++;
            if (s[i].in_ready && !s[i].in_valid) r->starve_in[s[i].node]++;
            if (i == 0 && in_fire) sent++;
            if (i == k - 1 && out_fire) {
                r->out_beats++;
                if (r->out_beats == per_frame) r->latency = cyc + 1;
                if (r->out_beats == out_total) r->cycles = cyc + 1;
            }
            step(&s[i], in_fire, out_fire);
        }
        idle = moved ? 0 : idle + 1;
        if (idle > idle_limit) { r->deadlock = true; r->cycles = cyc + 1; break; }
    }
    for (size_t i = 0; i < d->n_nodes; i++) r->max_occ[i] = -1;
    for (int i = 0; i < k; i++)
        if (s[i].kind == K_FIFO) r->max_occ[s[i].node] = s[i].maxocc;
    free(s);
    return 0;
}

void bs_rtl_fifosim_free(bs_rtl_fifosim *r)
{
    free(r->max_occ);
    free(r->stall_out);
    free(r->starve_in);
    r->max_occ = r->stall_out = r->starve_in = NULL;
}

static int64_t fifo_bits(const bs_rtl_design *d)
{
    int64_t b = 0;
    for (size_t i = 0; i < d->n_nodes; i++) {
        const bs_rtl_gen *g = bs_rtl_gen_find(d->nodes[i].op);
        if (!g || strcmp(g->op, "StreamingFIFO")) continue;
        bs_rtl_stream in[BS_RTL_MAX_IN], o;
        int n_in;
        if (bs_rtl_node_streams(&d->nodes[i], in, &n_in, &o) == 0) b += d->nodes[i].depth * in[0].width;
    }
    return b;
}

/* cycles of nframes, or INT64_MAX on deadlock */
static int64_t sim_cycles(const bs_rtl_design *d, int64_t nframes, int64_t *sims)
{
    bs_rtl_fifosim r;
    if (bs_rtl_fifosim_run(d, nframes, &r) < 0) return -1;
    (*sims)++;
    int64_t c = r.deadlock ? INT64_MAX : r.cycles;
    bs_rtl_fifosim_free(&r);
    return c;
}

int bs_rtl_size_fifos(bs_rtl_design *d, int64_t nframes, bs_rtl_fifo_sizing *rep)
{
    memset(rep, 0, sizeof *rep);
    int64_t t0 = bs_now_mono_ns();
    if (nframes < 1) nframes = 1;
    /* 1: unbounded FIFOs (a FIFO can never hold more than every beat) */
    for (size_t i = 0; i < d->n_nodes; i++) {
        const bs_rtl_gen *g = bs_rtl_gen_find(d->nodes[i].op);
        if (g && !strcmp(g->op, "StreamingFIFO"))
            d->nodes[i].depth = nframes * (d->nodes[i].elems / d->nodes[i].NumChannels) + 2;
    }
    bs_rtl_fifosim r;
    int rc = bs_rtl_fifosim_run(d, nframes, &r);
    if (rc < 0) return rc;
    rep->sims++;
    if (r.deadlock) {
        bs_rtl_fifosim_free(&r);
        return bs_error_set(BS_ESTATE, "%s: deadlock even with unbounded FIFOs", d->name);
    }
    rep->base_cycles = r.cycles;
    /* depth = max occupancy + 1 never blocks where the unbounded FIFO did not
     * (a full FIFO cannot take a beat in the cycle it gives one) */
    for (size_t i = 0; i < d->n_nodes; i++)
        if (r.max_occ[i] >= 0) d->nodes[i].depth = r.max_occ[i] + 1;
    bs_rtl_fifosim_free(&r);
    rep->bits_maxocc = fifo_bits(d);
    /* 2: shrink each FIFO while the total cycles stay the same */
    for (size_t i = 0; i < d->n_nodes; i++) {
        const bs_rtl_gen *g = bs_rtl_gen_find(d->nodes[i].op);
        if (!g || strcmp(g->op, "StreamingFIFO")) continue;
        int64_t lo = 1, hi = d->nodes[i].depth;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            d->nodes[i].depth = mid;
            int64_t c = sim_cycles(d, nframes, &rep->sims);
            if (c < 0) return BS_EINTERNAL;
            if (c <= rep->base_cycles) hi = mid;
            else lo = mid + 1;
        }
        d->nodes[i].depth = hi;
    }
    rep->final_cycles = sim_cycles(d, nframes, &rep->sims);
    rep->bits_final = fifo_bits(d);
    rep->seconds = (double)(bs_now_mono_ns() - t0) / 1e9;
    return 0;
}

/* ---- final_hw_config.json ---- */
static bool is_op(const bs_rtl_node *n, const char *base)
{
    const bs_rtl_gen *g = bs_rtl_gen_find(n->op);
    return g && !strcmp(g->op, base);
}

int bs_rtl_write_hw_config(const bs_rtl_design *d, const char *path)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "Defaults", cJSON_CreateObject());
    for (size_t i = 0; i < d->n_nodes; i++) {
        const bs_rtl_node *n = &d->nodes[i];
        cJSON *o = cJSON_CreateObject();
        if (is_op(n, "StreamingFIFO")) {
            cJSON_AddStringToObject(o, "ram_style", "auto");
            cJSON_AddNumberToObject(o, "depth", (double)n->depth);
            cJSON_AddStringToObject(o, "impl_style", "rtl");
            cJSON_AddItemToObject(o, "inFIFODepths", cJSON_CreateIntArray((const int[]){0}, 1));
            cJSON_AddItemToObject(o, "outFIFODepths", cJSON_CreateIntArray((const int[]){0}, 1));
        } else {
            if (is_op(n, "MVAU") || is_op(n, "Thresholding") || is_op(n, "LabelSelect") ||
                is_op(n, "AddStreams") || is_op(n, "StreamingMaxPool") || is_op(n, "Pool"))
                cJSON_AddNumberToObject(o, "PE", (double)n->PE);
            if (is_op(n, "MVAU") || is_op(n, "ConvolutionInputGenerator"))
                cJSON_AddNumberToObject(o, "SIMD", (double)n->SIMD);
            if (is_op(n, "MVAU")) {
                cJSON_AddStringToObject(o, "ram_style", n->ram_style[0] ? n->ram_style : "auto");
                cJSON_AddStringToObject(o, "mem_mode", n->mem_mode);
            }
            int in_d = i > 0 && is_op(&d->nodes[i - 1], "StreamingFIFO") ? (int)d->nodes[i - 1].depth : 0;
            int out_d = i + 1 < d->n_nodes && is_op(&d->nodes[i + 1], "StreamingFIFO") ? (int)d->nodes[i + 1].depth : 0;
            cJSON_AddItemToObject(o, "inFIFODepths", cJSON_CreateIntArray(&in_d, 1));
            cJSON_AddItemToObject(o, "outFIFODepths", cJSON_CreateIntArray(&out_d, 1));
        }
        cJSON_AddItemToObject(j, n->name, o);
    }
    char *txt = bs_json_print_py(j, 2);
    cJSON_Delete(j);
    if (!txt) return bs_error_set(BS_ENOMEM, "%s", path);
    int rc = bs_write_file_atomic(path, txt, strlen(txt));
    free(txt);
    return rc;
}
