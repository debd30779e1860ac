/* rtl_int.h - private helpers shared by the rtl module's files. */
#ifndef BS_RTL_INT_H
#define BS_RTL_INT_H

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

/* The embedded Verilog library (generated from the hdl directory at build time). */
extern const char bs_rtl_hdl_text[];

#endif
