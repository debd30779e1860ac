/* rtl_emit.c - Verilog emission: per-node wrapper modules with FINN's port
 * names, $readmemh init files, the stitched top level of a design (with
 * inserted FIFOs and DWCs), the chain golden model and beat packing.
 *
 * Every wrapper is `(* keep_hierarchy *)` so that Yosys keeps one module per
 * node and per-layer resource counts can be read from `stat -json`. */
#include "rtl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"

/* ---- packing ---- */
void bs_rtl_pack_hex(const int64_t *vals, int lanes, int bits, char *hex, size_t hexlen)
{
    int width = lanes * bits, digits = (width + 3) / 4;
    if (digits < 1) digits = 1;
    if ((size_t)digits + 1 > hexlen) { if (hexlen) hex[0] = 0; return; }
    for (int d = 0; d < digits; d++) {
        unsigned nib = 0;
        for (int b = 0; b < 4; b++) {
            int bit = d * 4 + b;
            if (bit >= width) break;
            int lane = bit / bits, off = bit % bits;
            nib |= (unsigned)(((uint64_t)vals[lane] >> off) & 1u) << b;
        }
        hex[digits - 1 - d] = "0123456789abcdef"[nib];
    }
    hex[digits] = 0;
}

static int write_words(const char *path, const int64_t *elems, int64_t nwords, int lanes, int bits,
                       int digits_width)
{
    FILE *f = fopen(path, "w");
    if (!f) return bs_error_set(BS_EIO, "%s: cannot create", path);
    size_t hl = (size_t)(digits_width + 3) / 4 + 2;
    if ((int)hl < (lanes * bits + 3) / 4 + 2) hl = (size_t)(lanes * bits + 3) / 4 + 2;
    char *hex = malloc(hl);
    if (!hex) { fclose(f); return bs_error_set(BS_ENOMEM, "%s", path); }
    for (int64_t w = 0; w < nwords; w++) {
        bs_rtl_pack_hex(elems + w * lanes, lanes, bits, hex, hl);
        /* pad to the full port width with leading zeros */
        int digits = (int)strlen(hex), want = (digits_width + 3) / 4;
        for (int i = digits; i < want; i++) fputc('0', f);
        fputs(hex, f);
        fputc('\n', f);
    }
    free(hex);
    if (fclose(f) != 0) return bs_error_set(BS_EIO, "%s: write failed", path);
    return 0;
}

int bs_rtl_write_beats(const char *path, const bs_rtl_stream *s, const int64_t *elems, int64_t nbeats)
{
    return write_words(path, elems, nbeats, s->lanes, s->dt.bits, s->width_padded);
}

/* ---- wrapper helpers ---- */
static void wrap_begin(bs_strbuf *v, const char *mod, const bs_rtl_stream *in, int n_in,
                       const bs_rtl_stream *out)
{
    bs_strbuf_printf(v, "\n(* keep_hierarchy = \"yes\" *)\nmodule %s (\n"
                     "  input  wire ap_clk,\n  input  wire ap_rst_n,\n", mod);
    for (int i = 0; i < n_in; i++)
        bs_strbuf_printf(v, "  input  wire [%d:0] %s_TDATA,\n  input  wire %s_TVALID,\n"
                         "  output wire %s_TREADY,\n", in[i].width_padded - 1, in[i].port,
                         in[i].port, in[i].port);
    bs_strbuf_printf(v, "  output wire [%d:0] out_V_TDATA,\n  output wire out_V_TVALID,\n"
                     "  input  wire out_V_TREADY\n);\n", out->width_padded - 1);
    bs_strbuf_printf(v, "  wire [%d:0] core_out;\n", out->width - 1);
    if (out->width_padded > out->width)
        bs_strbuf_printf(v, "  assign out_V_TDATA = {%d'd0, core_out};\n", out->width_padded - out->width);
    else
        bs_strbuf_puts(v, "  assign out_V_TDATA = core_out;\n");
}

static void wrap_ports(bs_strbuf *v, const bs_rtl_stream *in0, bool out_reg_names)
{
    bs_strbuf_printf(v, "    .clk(ap_clk), .rst_n(ap_rst_n),\n"
                     "    .in_data(in0_V_TDATA[%d:0]), .in_valid(in0_V_TVALID), .in_ready(in0_V_TREADY),\n"
                     "    .out_data(core_out), .out_valid(out_V_TVALID), .out_ready(out_V_TREADY)",
                     in0->width - 1);
    (void)out_reg_names;
}

static char *memh_path(const char *dir, const char *mod, const char *suffix)
{
    char name[256];
    snprintf(name, sizeof name, "%s_%s.memh", mod, suffix);
    return bs_path_join(dir, name);
}

/* ---- MVAU ---- */
int bs_rtl__emit_mvau(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl__mvau_hw_t hw;
    int rc = bs_rtl__mvau_hw(n, &hw);
    if (rc < 0) return rc;
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    int64_t nsteps = n->noActivation ? 0 : n->numSteps;
    if (!hw.external) {
        int64_t lanes = n->PE * n->SIMD, words = hw.sf * hw.nf;
        int64_t *e = malloc(sizeof *e * (size_t)(lanes * words));
        if (!e) return bs_error_set(BS_ENOMEM, "%s: weights", n->name);
        for (int64_t nf = 0; nf < hw.nf; nf++)
            for (int64_t sf = 0; sf < hw.sf; sf++)
                for (int64_t p = 0; p < n->PE; p++)
                    for (int64_t s = 0; s < n->SIMD; s++)
                        e[(nf * hw.sf + sf) * lanes + p * n->SIMD + s] =
                            n->weights[(sf * n->SIMD + s) * n->MH + nf * n->PE + p];
        char *p = memh_path(dir, mod, "w");
        rc = write_words(p, e, words, (int)lanes, hw.wdt.bits, 0);
        free(p);
        free(e);
        if (rc < 0) return rc;
    }
    if (nsteps > 0) {
        int64_t lanes = n->PE * nsteps;
        int64_t *e = malloc(sizeof *e * (size_t)(lanes * hw.nf));
        if (!e) return bs_error_set(BS_ENOMEM, "%s: thresholds", n->name);
        for (int64_t nf = 0; nf < hw.nf; nf++)
            for (int64_t p = 0; p < n->PE; p++)
                for (int64_t k = 0; k < nsteps; k++)
                    e[nf * lanes + p * nsteps + k] = n->thresholds[(nf * n->PE + p) * nsteps + k];
        char *p = memh_path(dir, mod, "t");
        rc = write_words(p, e, hw.nf, (int)lanes, hw.tbits, 0);
        free(p);
        free(e);
        if (rc < 0) return rc;
    }
    int wblock = !strcmp(n->ram_style, "block") ||
                 ((!n->ram_style[0] || !strcmp(n->ram_style, "auto")) && hw.sf * hw.nf > 128);
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_mvau #(.WBLOCK(%d), ", wblock);
    bs_strbuf_printf(v, ".MW(%lld), .MH(%lld), .PE(%lld), .SIMD(%lld),\n"
                     "    .IBITS(%d), .ISIGNED(%d), .WBITS(%d), .WSIGNED(%d), .ABITS(%d), .OBITS(%d),\n"
                     "    .NSTEPS(%lld), .TBITS(%d), .ACTVAL(%lld), .BINXNOR(%d), .EXTW(%d),\n"
                     "    .WFILE(\"%s_w.memh\"), .TFILE(\"%s_t.memh\")) core (\n",
                     (long long)n->MW, (long long)n->MH, (long long)n->PE, (long long)n->SIMD,
                     hw.idt.bits, hw.idt.is_signed, hw.wdt.bits, hw.wdt.is_signed, hw.abits,
                     hw.odt.bits, (long long)nsteps, hw.tbits, (long long)n->ActVal,
                     n->binaryXnorMode != 0, hw.external, mod, mod);
    wrap_ports(v, &in[0], false);
    if (hw.external)
        bs_strbuf_printf(v, ",\n    .w_data(weights_V_TDATA[%d:0]), .w_valid(weights_V_TVALID), "
                         ".w_ready(weights_V_TREADY));\n", in[1].width - 1);
    else
        bs_strbuf_printf(v, ",\n    .w_data(%d'd0), .w_valid(1'b0), .w_ready());\n", in[0].width * 0 +
                         (int)(n->PE * n->SIMD) * hw.wdt.bits);
    bs_strbuf_puts(v, "endmodule\n");
    return 0;
}

/* ---- Thresholding ---- */
int bs_rtl__emit_thresh(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    int tbits = bs_rtl__thr_bits(n->thresholds, n->NumChannels * n->numSteps);
    int64_t cf = n->NumChannels / n->PE, lanes = n->PE * n->numSteps;
    int64_t *e = malloc(sizeof *e * (size_t)(lanes * cf));
    if (!e) return bs_error_set(BS_ENOMEM, "%s: thresholds", n->name);
    for (int64_t c = 0; c < cf; c++)
        for (int64_t p = 0; p < n->PE; p++)
            for (int64_t k = 0; k < n->numSteps; k++)
                e[c * lanes + p * n->numSteps + k] = n->thresholds[(c * n->PE + p) * n->numSteps + k];
    char *p = memh_path(dir, mod, "t");
    rc = write_words(p, e, cf, (int)lanes, tbits, 0);
    free(p);
    free(e);
    if (rc < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_thresh #(.NC(%lld), .PE(%lld), .IBITS(%d), .ISIGNED(%d), .OBITS(%d),\n"
                     "    .NSTEPS(%lld), .TBITS(%d), .ACTVAL(%lld), .TFILE(\"%s_t.memh\")) core (\n",
                     (long long)n->NumChannels, (long long)n->PE, in[0].dt.bits, in[0].dt.is_signed,
                     out.dt.bits, (long long)n->numSteps, tbits, (long long)n->ActVal, mod);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

/* ---- FIFO, DWC, LabelSelect, AddStreams, SWG, MaxPool ---- */
int bs_rtl__emit_fifo(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_fifo #(.WIDTH(%d), .DEPTH(%lld)) core (\n", in[0].width, (long long)n->depth);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ",\n    .count_o());\nendmodule\n");
    return 0;
}

int bs_rtl__emit_dwc(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    int64_t lcm = n->inWidth / bs_rtl__gcd(n->inWidth, n->outWidth) * n->outWidth;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_dwc #(.IW(%lld), .OW(%lld), .LW(%lld)) core (\n", (long long)n->inWidth,
                     (long long)n->outWidth, (long long)lcm);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_labelselect(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_labelselect #(.LABELS(%lld), .PE(%lld), .K(%lld), .IBITS(%d), "
                     ".ISIGNED(%d), .OBITS(%d)) core (\n", (long long)n->Labels, (long long)n->PE,
                     (long long)n->K, in[0].dt.bits, in[0].dt.is_signed, out.dt.bits);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_addstreams(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_addstreams #(.PE(%lld), .IBITS(%d), .ISIGNED(%d), .OBITS(%d)) core (\n"
                     "    .clk(ap_clk), .rst_n(ap_rst_n),\n"
                     "    .a_data(in0_V_TDATA[%d:0]), .a_valid(in0_V_TVALID), .a_ready(in0_V_TREADY),\n"
                     "    .b_data(in1_V_TDATA[%d:0]), .b_valid(in1_V_TVALID), .b_ready(in1_V_TREADY),\n"
                     "    .out_data(core_out), .out_valid(out_V_TVALID), .out_ready(out_V_TREADY));\n"
                     "endmodule\n", (long long)n->PE, in[0].dt.bits, in[0].dt.is_signed, out.dt.bits,
                     in[0].width - 1, in[1].width - 1);
    return 0;
}

int bs_rtl__emit_swg(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_swg #(.IH(%lld), .IW(%lld), .CH(%lld), .SIMD(%lld), .KH(%lld), .KW(%lld),\n"
                     "    .SH(%lld), .SW(%lld), .DH(%lld), .DW(%lld), .OH(%lld), .OW(%lld), .BITS(%d),"
                     " .BUFD(%lld), .DEPTHWISE(%d)) core (\n",
                     (long long)n->IFMDim[0], (long long)n->IFMDim[1], (long long)n->IFMChannels,
                     (long long)n->SIMD, (long long)n->ConvKernelDim[0], (long long)n->ConvKernelDim[1],
                     (long long)n->Stride[0], (long long)n->Stride[1], (long long)n->Dilation[0],
                     (long long)n->Dilation[1], (long long)n->OFMDim[0], (long long)n->OFMDim[1],
                     in[0].dt.bits, (long long)bs_rtl__swg_bufd(n), n->depthwise ? 1 : 0);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_maxpool(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_maxpool #(.IH(%lld), .IW(%lld), .CH(%lld), .PE(%lld), .PKH(%lld), .PKW(%lld),"
                     " .BITS(%d), .SIGNED(%d)) core (\n",
                     (long long)n->ImgDim[0], (long long)n->ImgDim[1], (long long)n->NumChannels,
                     (long long)n->PE, (long long)n->PoolDim[0], (long long)n->PoolDim[1],
                     in[0].dt.bits, in[0].dt.is_signed);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_pool(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    (void)dir;
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_pool #(.PE(%lld), .K(%lld), .BITS(%d), .SIGNED(%d)) core (\n", (long long)n->PE,
                     (long long)(n->PoolDim[0] * n->PoolDim[1]), in[0].dt.bits, in[0].dt.is_signed);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_fmpad(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_fmpad #(.IH(%lld), .IW(%lld), .PT(%lld), .PL(%lld), .PB(%lld), .PR(%lld), .CF(%lld), "
                     ".W(%d)) core (\n", (long long)n->ImgDim[0], (long long)n->ImgDim[1],
                     (long long)n->Padding[0], (long long)n->Padding[1], (long long)n->Padding[2],
                     (long long)n->Padding[3], (long long)(n->NumChannels / n->SIMD), in[0].width);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_chanop(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    bs_rtl_dt pdt;
    bs_rtl_dt_parse(n->paramDataType, &pdt);
    int pbits = pdt.bits + (pdt.is_signed ? 0 : 1);
    char *p = memh_path(dir, mod, "p");
    rc = write_words(p, n->params, n->NumChannels / n->PE, (int)n->PE, pbits, 0);
    free(p);
    if (rc < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_chanop #(.NC(%lld), .PE(%lld), .IBITS(%d), .ISIGNED(%d), .PBITS(%d), .OBITS(%d), "
                     ".FUNC(%d), .PFILE(\"%s_p.memh\")) core (\n", (long long)n->NumChannels, (long long)n->PE,
                     in[0].dt.bits, in[0].dt.is_signed, pbits, out.dt.bits, bs_rtl__chanop_func(n), mod);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

int bs_rtl__emit_gap(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v)
{
    bs_rtl_stream in[BS_RTL_MAX_IN], out;
    int n_in, rc;
    if ((rc = bs_rtl_node_streams(n, in, &n_in, &out)) < 0) return rc;
    wrap_begin(v, mod, in, n_in, &out);
    bs_strbuf_printf(v, "  bs_gap #(.NPIX(%lld), .CF(%lld), .PE(%lld), .IBITS(%d), .ISIGNED(%d), .OBITS(%d)) core (\n",
                     (long long)(n->ImgDim[0] * n->ImgDim[1]), (long long)(n->NumChannels / n->PE),
                     (long long)n->PE, in[0].dt.bits, in[0].dt.is_signed, out.dt.bits);
    wrap_ports(v, &in[0], false);
    bs_strbuf_puts(v, ");\nendmodule\n");
    return 0;
}

/* ---- designs ---- */
static bool valid_ident(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9')) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static int push_node(bs_rtl_design *d, size_t *cap, const bs_rtl_node *n)
{
    if (d->n_nodes == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        bs_rtl_node *nn = realloc(d->nodes, nc * sizeof *nn);
        if (!nn) return bs_error_set(BS_ENOMEM, "design nodes");
        d->nodes = nn;
        *cap = nc;
    }
    d->nodes[d->n_nodes++] = *n;
    return 0;
}

int bs_rtl_design_new(const char *name, const bs_rtl_node *chain, size_t n,
                      const bs_rtl_design_opts *opts, bs_rtl_design **out)
{
    *out = NULL;
    if (!name || !valid_ident(name) || strlen(name) >= 64)
        return bs_error_set(BS_EINVAL, "design name '%s': must be a Verilog identifier", name ? name : "");
    if (n == 0) return bs_error_set(BS_EINVAL, "design %s: no nodes", name);
    bs_rtl_design_opts def = {0, true};
    if (!opts) opts = &def;
    bs_rtl_design *d = calloc(1, sizeof *d);
    if (!d) return bs_error_set(BS_ENOMEM, "design");
    snprintf(d->name, sizeof d->name, "%s", name);
    size_t cap = 0;
    int rc = 0, nfifo = 0, ndwc = 0;
    bs_rtl_stream prev_out;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const bs_rtl_node *c = &chain[i];
        if (!valid_ident(c->name)) {
            rc = bs_error_set(BS_EINVAL, "design %s: node %zu: name '%s' is not a Verilog identifier",
                              name, i, c->name);
            break;
        }
        bs_rtl_stream in[BS_RTL_MAX_IN], o;
        int n_in;
        if ((rc = bs_rtl_node_streams(c, in, &n_in, &o)) < 0) break;
        if (i > 0) {
            if (prev_out.dt.bits != in[0].dt.bits || prev_out.dt.is_signed != in[0].dt.is_signed ||
                bs_rtl_stream_elems(&prev_out) != bs_rtl_stream_elems(&in[0])) {
                rc = bs_error_set(BS_EINVAL, "design %s: %s -> %s: stream mismatch (%s x %lld elements "
                                  "-> %s x %lld elements)", name, d->nodes[d->n_nodes - 1].name, c->name,
                                  prev_out.dt.name, (long long)bs_rtl_stream_elems(&prev_out),
                                  in[0].dt.name, (long long)bs_rtl_stream_elems(&in[0]));
                break;
            }
            if (prev_out.width != in[0].width) {
                if (!opts->insert_dwc) {
                    rc = bs_error_set(BS_EINVAL, "design %s: %s -> %s: width %d != %d and DWC insertion is off",
                                      name, d->nodes[d->n_nodes - 1].name, c->name, prev_out.width, in[0].width);
                    break;
                }
                bs_rtl_node w;
                char nm[64];
                snprintf(nm, sizeof nm, "StreamingDataWidthConverter_rtl_%d", ndwc++);
                bs_rtl_node_init(&w, "StreamingDataWidthConverter_rtl", nm);
                snprintf(w.dataType, sizeof w.dataType, "%s", prev_out.dt.name);
                w.inWidth = prev_out.width;
                w.outWidth = in[0].width;
                w.elems = bs_rtl_stream_elems(&prev_out);
                if ((rc = bs_rtl_node_check(&w)) < 0 || (rc = push_node(d, &cap, &w)) < 0) break;
            }
            if (opts->fifo_depth > 0) {
                bs_rtl_node f;
                char nm[64];
                snprintf(nm, sizeof nm, "StreamingFIFO_rtl_%d", nfifo++);
                bs_rtl_node_init(&f, "StreamingFIFO_rtl", nm);
                snprintf(f.dataType, sizeof f.dataType, "%s", in[0].dt.name);
                f.NumChannels = in[0].lanes;
                f.elems = bs_rtl_stream_elems(&in[0]);
                f.depth = opts->fifo_depth;
                if ((rc = push_node(d, &cap, &f)) < 0) break;
            }
        }
        if ((rc = push_node(d, &cap, c)) < 0) break;
        prev_out = o;
    }
    if (rc == 0) {
        /* top-level ports */
        for (size_t i = 0; i < d->n_nodes && rc == 0; i++) {
            bs_rtl_stream in[BS_RTL_MAX_IN], o;
            int n_in;
            if ((rc = bs_rtl_node_streams(&d->nodes[i], in, &n_in, &o)) < 0) break;
            for (int k = 0; k < n_in; k++) {
                if (i > 0 && k == 0) continue;
                if (d->n_in == (int)(sizeof d->in / sizeof d->in[0])) {
                    rc = bs_error_set(BS_EINVAL, "design %s: too many top-level inputs", name);
                    break;
                }
                bs_rtl_port *p = &d->in[d->n_in++];
                if (i == 0 && k == 0) snprintf(p->name, sizeof p->name, "in0_V");
                else snprintf(p->name, sizeof p->name, "%s_%s", d->nodes[i].name, in[k].port);
                p->node = (int)i;
                p->s = in[k];
            }
            if (i + 1 == d->n_nodes) {
                snprintf(d->out.name, sizeof d->out.name, "out_V");
                d->out.node = (int)i;
                d->out.s = o;
            }
        }
        for (size_t i = 0; i < d->n_nodes && rc == 0; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcmp(d->nodes[i].name, d->nodes[j].name)) {
                    rc = bs_error_set(BS_EINVAL, "design %s: duplicate node name '%s'", name, d->nodes[i].name);
                    break;
                }
    }
    if (rc < 0) {
        bs_rtl_design_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void bs_rtl_design_free(bs_rtl_design *d)
{
    if (!d) return;
    free(d->nodes);
    free(d);
}

int bs_rtl_emit_library(const char *dir)
{
    int rc = bs_mkdir_p(dir);
    if (rc < 0) return rc;
    char *p = bs_path_join(dir, "bs_rtl_lib.v");
    if (!p) return bs_error_set(BS_ENOMEM, "path");
    rc = bs_write_file_atomic(p, bs_rtl_hdl_text, strlen(bs_rtl_hdl_text));
    free(p);
    return rc;
}

int bs_rtl_emit(const bs_rtl_design *d, const char *dir)
{
    int rc = bs_rtl_emit_library(dir);
    if (rc < 0) return rc;
    bs_strbuf v = BS_STRBUF_INIT;
    bs_strbuf_printf(&v, "// %s.v - stitched dataflow design generated by brainsmith (lib/rtl).\n"
                     "// %zu nodes; kernel modules in bs_rtl_lib.v; init files %s__<node>_{w,t}.memh.\n",
                     d->name, d->n_nodes, d->name);
    for (size_t i = 0; i < d->n_nodes && rc == 0; i++) {
        const bs_rtl_gen *g = bs_rtl_gen_find(d->nodes[i].op);
        char mod[160];
        snprintf(mod, sizeof mod, "%s__%s", d->name, d->nodes[i].name);
        rc = g ? g->emit(&d->nodes[i], mod, dir, &v)
               : bs_error_set(BS_EUNSUPPORTED, "%s: no generator", d->nodes[i].name);
    }
    if (rc < 0) { bs_strbuf_free(&v); return rc; }
    /* top level */
    bs_strbuf_printf(&v, "\nmodule %s (\n  input  wire ap_clk,\n  input  wire ap_rst_n,\n", d->name);
    for (int k = 0; k < d->n_in; k++)
        bs_strbuf_printf(&v, "  input  wire [%d:0] %s_TDATA,\n  input  wire %s_TVALID,\n  output wire %s_TREADY,\n",
                         d->in[k].s.width_padded - 1, d->in[k].name, d->in[k].name, d->in[k].name);
    bs_strbuf_printf(&v, "  output wire [%d:0] out_V_TDATA,\n  output wire out_V_TVALID,\n"
                     "  input  wire out_V_TREADY\n);\n", d->out.s.width_padded - 1);
    for (size_t i = 0; i + 1 < d->n_nodes; i++) {
        bs_rtl_stream in[BS_RTL_MAX_IN], o;
        int n_in;
        bs_rtl_node_streams(&d->nodes[i], in, &n_in, &o);
        bs_strbuf_printf(&v, "  wire [%d:0] s%zu_TDATA;\n  wire s%zu_TVALID, s%zu_TREADY;\n",
                         o.width_padded - 1, i, i, i);
    }
    for (size_t i = 0; i < d->n_nodes; i++) {
        bs_rtl_stream in[BS_RTL_MAX_IN], o;
        int n_in;
        bs_rtl_node_streams(&d->nodes[i], in, &n_in, &o);
        bs_strbuf_printf(&v, "  %s__%s %s (.ap_clk(ap_clk), .ap_rst_n(ap_rst_n)", d->name,
                         d->nodes[i].name, d->nodes[i].name);
        for (int k = 0; k < n_in; k++) {
            char src[128];
            if (i > 0 && k == 0) snprintf(src, sizeof src, "s%zu", i - 1);
            else if (i == 0 && k == 0) snprintf(src, sizeof src, "in0_V");
            else snprintf(src, sizeof src, "%s_%s", d->nodes[i].name, in[k].port);
            bs_strbuf_printf(&v, ",\n    .%s_TDATA(%s_TDATA), .%s_TVALID(%s_TVALID), .%s_TREADY(%s_TREADY)",
                             in[k].port, src, in[k].port, src, in[k].port, src);
        }
        char dst[32];
        if (i + 1 == d->n_nodes) snprintf(dst, sizeof dst, "out_V");
        else snprintf(dst, sizeof dst, "s%zu", i);
        bs_strbuf_printf(&v, ",\n    .out_V_TDATA(%s_TDATA), .out_V_TVALID(%s_TVALID), .out_V_TREADY(%s_TREADY));\n",
                         dst, dst, dst);
    }
    bs_strbuf_puts(&v, "endmodule\n");
    char fn[96];
    snprintf(fn, sizeof fn, "%s.v", d->name);
    char *p = bs_path_join(dir, fn);
    rc = p ? bs_write_file_atomic(p, v.buf, v.len) : bs_error_set(BS_ENOMEM, "path");
    free(p);
    bs_strbuf_free(&v);
    return rc;
}

int bs_rtl_design_golden(const bs_rtl_design *d, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t *cur = NULL;
    int rc = 0, extra = 1;
    for (size_t i = 0; i < d->n_nodes && rc == 0; i++) {
        bs_rtl_stream si[BS_RTL_MAX_IN], so;
        int n_in;
        if ((rc = bs_rtl_node_streams(&d->nodes[i], si, &n_in, &so)) < 0) break;
        const int64_t *ins[BS_RTL_MAX_IN];
        ins[0] = i == 0 ? in[0] : cur;
        for (int k = 1; k < n_in; k++) ins[k] = in[extra++];
        int64_t cnt = nframes * bs_rtl_stream_elems(&so);
        int64_t *nxt = (i + 1 == d->n_nodes) ? out : malloc(sizeof *nxt * (size_t)(cnt ? cnt : 1));
        if (!nxt) { rc = bs_error_set(BS_ENOMEM, "golden"); break; }
        rc = bs_rtl_node_golden(&d->nodes[i], ins, nframes, nxt);
        if (cur) free(cur);
        cur = (i + 1 == d->n_nodes) ? NULL : nxt;
    }
    free(cur);
    return rc;
}

int64_t bs_rtl_design_max_cycles(const bs_rtl_design *d, int *max_node)
{
    int64_t m = 0;
    int mi = -1;
    for (size_t i = 0; i < d->n_nodes; i++) {
        int64_t c = bs_rtl_node_cycles(&d->nodes[i]);
        if (c > m) { m = c; mi = (int)i; }
    }
    if (max_node) *max_node = mi;
    return m;
}
