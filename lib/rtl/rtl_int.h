/* rtl_int.h - private helpers shared by the rtl module's files. */
#ifndef BS_RTL_INT_H
#define BS_RTL_INT_H

#include <stdio.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/rtl.h"
#include "brainsmith/util.h"

/* Op name without the _hls/_rtl suffix into buf. */
void bs_rtl__base_op(const char *op, char *buf, size_t n);

/* Derived MVAU/Thresholding hardware parameters. */
typedef struct bs_rtl__mvau_hw_s {
    bs_rtl_dt idt, wdt, odt;
    int abits;          /* signed accumulator width */
    int tbits;          /* signed threshold width */
    int64_t sf, nf;
    bool external;
} bs_rtl__mvau_hw_t;
int bs_rtl__mvau_hw(const bs_rtl_node *n, bs_rtl__mvau_hw_t *hw);
/* Signed width that holds every threshold (>= 2). */
int bs_rtl__thr_bits(const int64_t *t, int64_t count);
int64_t bs_rtl__ceil_pow2(int64_t v);
int64_t bs_rtl__swg_bufd(const bs_rtl_node *n);
int64_t bs_rtl__gcd(int64_t a, int64_t b);

/* Emitters (rtl_emit.c). */
int bs_rtl__emit_mvau(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_thresh(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_fifo(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_dwc(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_labelselect(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_addstreams(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_swg(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_fmpad(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_chanop(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__emit_gap(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);
int bs_rtl__chanop_func(const bs_rtl_node *n);
int bs_rtl__emit_maxpool(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);

/* ---- helpers shared by the kernel files ---- */
#define NEED(cond, ...) do { if (!(cond)) return bs_error_set(BS_EINVAL, __VA_ARGS__); } while (0)

static inline int bits_signed(int64_t v)
{
    int b = 1;
    while (v < -(1ll << (b - 1)) || v > (1ll << (b - 1)) - 1) b++;
    return b;
}

static inline bool value_fits(const bs_rtl_dt *dt, int64_t v)
{
    if (dt->is_signed) return v >= -(1ll << (dt->bits - 1)) && v <= (1ll << (dt->bits - 1)) - 1;
    return v >= 0 && v <= (int64_t)((1ull << dt->bits) - 1);
}


static inline int parse_dt(const bs_rtl_node *n, const char *attr, const char *v, bs_rtl_dt *dt)
{
    if (bs_rtl_dt_parse(v, dt) < 0)
        return bs_error_wrap(BS_EINVAL, "%s: %s: attribute %s: ", n->name, n->op, attr);
    return 0;
}

static inline void stream(bs_rtl_stream *s, const char *port, int lanes, const bs_rtl_dt *dt, int64_t beats)
{
    memset(s, 0, sizeof *s);
    snprintf(s->port, sizeof s->port, "%s", port);
    s->lanes = lanes;
    s->dt = *dt;
    s->width = lanes * dt->bits;
    s->width_padded = (s->width + 7) / 8 * 8;
    s->beats = beats;
}

/* Generators of rtl_kwindow.c (spatial and per-channel kernels). */
int bs_rtl__swg_check(const bs_rtl_node *n);
int bs_rtl__swg_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl__swg_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl__swg_cycles(const bs_rtl_node *n);
int bs_rtl__mp_check(const bs_rtl_node *n);
int bs_rtl__mp_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl__mp_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl__mp_cycles(const bs_rtl_node *n);
int bs_rtl__pad_check(const bs_rtl_node *n);
int bs_rtl__pad_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl__pad_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl__pad_cycles(const bs_rtl_node *n);
int bs_rtl__cw_check(const bs_rtl_node *n);
int bs_rtl__cw_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl__cw_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl__cw_cycles(const bs_rtl_node *n);
int bs_rtl__gap_check(const bs_rtl_node *n);
int bs_rtl__gap_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl__gap_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl__gap_cycles(const bs_rtl_node *n);
int bs_rtl__pool_check(const bs_rtl_node *n);
int bs_rtl__pool_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl__pool_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl__pool_cycles(const bs_rtl_node *n);
int bs_rtl__emit_pool(const bs_rtl_node *n, const char *mod, const char *dir, bs_strbuf *v);

/* The embedded Verilog library (generated from the hdl directory at build time). */
extern const char bs_rtl_hdl_text[];

#endif
