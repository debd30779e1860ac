/* kernels_int.h - private glue between the kernel registry (registry.c), the
 * attribute loader (knode.c) and the per-kernel cost models (k_*.c).
 *
 * Each kernel family defines its attribute table with an enum of indices,
 * so cost functions read n->a[IDX] without string lookups, and a bs_kops
 * vtable.  Helpers here reproduce the bits of Python arithmetic FINN's
 * formulas depend on (math.ceil on true division, int() truncation). */
#ifndef BS_KERNELS_INT_H
#define BS_KERNELS_INT_H

#include <math.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/kernels.h"

enum { KS_NORMAL = 0, KS_FOLDED = 1 };

struct bs_kops {
    /* Folding/structural legality; 0 or BS_EINVAL via bs_error_set. */
    int (*check)(const bs_knode *n);
    /* shape kind KS_NORMAL/KS_FOLDED of input/output idx */
    int (*shape)(const bs_knode *n, int kind, int is_output, int idx, int64_t *d, size_t *nd);
    int (*width)(const bs_knode *n, int is_output, int idx, int64_t *bits);
    /* int(get_exp_cycles()); called only after check passed */
    int64_t (*cycles)(const bs_knode *n);
    /* resources into c (cycles already set); called only after check passed */
    void (*res)(const bs_knode *n, const char *part, bs_kcost *c);
    /* output datatype (NULL = the attribute "outputDataType"/"dataType") */
    int (*odt)(const bs_knode *n, int idx, bs_kdt *out);
    /* get_op_and_param_counts (NULL = {}) */
    int (*counts)(const bs_knode *n, bs_kcount *out);
};

/* Shorthands for loaded values */
#define AI(n_, x_) ((n_)->a[(x_)].i)
#define AS(n_, x_) ((n_)->a[(x_)].s)
#define AV(n_, x_) ((n_)->a[(x_)].v)
#define AN(n_, x_) ((n_)->a[(x_)].n)
#define ADT(n_, x_) (&(n_)->a[(x_)].dt)
#define SEQ(a, b) (strcmp((a), (b)) == 0)

/* double -> int64 as Python's int() does for representable values; saturates
 * (and NaN -> 0) instead of invoking undefined behaviour on absurd inputs. */
static inline int64_t p2i(double x) {
    if (x != x) return 0;
    if (x >= 9.2e18) return INT64_MAX;
    if (x <= -9.2e18) return INT64_MIN;
    return (int64_t)x;
}
/* Python math.ceil(a / b) for ints (true division, then ceil). */
static inline int64_t pceil(int64_t a, int64_t b) { return p2i(ceil((double)a / (double)b)); }
static inline int64_t prod_i(const int64_t *v, int n) {
    int64_t p = 1;
    for (int i = 0; i < n; i++) p *= v[i];
    return p;
}
/* FINN's get_memutil-free BRAM ladder for (width, depth) in RAMB18 units,
 * with the width divisors of MVAU (9, 18, 36) or VVAU (8, 16, 32). */
int64_t bs_k_bram_ladder(int64_t width, double depth, int d9, int d18, int d36);

/* Sets an INT-typed error naming the node and returns BS_EINVAL. */
int bs_k_fail(const bs_knode *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every value of an INTS attribute (index i) must be >= lo. */
int bs_k_need_min(const bs_knode *n, int i, int64_t lo);
/* "total % p == 0" rule with nearest legal values in the message. */
int bs_k_need_div(const bs_knode *n, const char *pname, int64_t p, const char *tname,
                  int64_t total);

/* Kernel families (defined in k_*.c) */
extern const bs_kattr_def bs_k_mvau_attrs[], bs_k_mvau_hls_x[], bs_k_mvau_rtl_x[];
extern const int bs_k_mvau_nattrs, bs_k_mvau_hls_nx, bs_k_mvau_rtl_nx;
extern const bs_kops bs_k_mvau_ops, bs_k_mvau_hls_ops, bs_k_mvau_rtl_ops;
extern const bs_kattr_def bs_k_vvau_attrs[];
extern const int bs_k_vvau_nattrs;
extern const bs_kops bs_k_vvau_ops, bs_k_vvau_hls_ops, bs_k_vvau_rtl_ops;
extern const bs_kattr_def bs_k_thr_attrs[], bs_k_thr_hls_x[], bs_k_thr_rtl_x[];
extern const int bs_k_thr_nattrs, bs_k_thr_hls_nx, bs_k_thr_rtl_nx;
extern const bs_kops bs_k_thr_ops, bs_k_thr_hls_ops, bs_k_thr_rtl_ops;
extern const bs_kattr_def bs_k_cwo_attrs[];
extern const int bs_k_cwo_nattrs;
extern const bs_kops bs_k_cwo_ops, bs_k_cwo_hls_ops;
extern const bs_kattr_def bs_k_swg_attrs[], bs_k_swg_rtl_x[];
extern const int bs_k_swg_nattrs, bs_k_swg_rtl_nx;
extern const bs_kops bs_k_swg_ops, bs_k_swg_hls_ops, bs_k_swg_rtl_ops;
extern const bs_kattr_def bs_k_smp_attrs[], bs_k_pool_attrs[], bs_k_fifo_attrs[],
    bs_k_fifo_rtl_x[], bs_k_dwc_attrs[], bs_k_lsel_attrs[], bs_k_add_attrs[],
    bs_k_add_d_attrs[], bs_k_gap_attrs[], bs_k_dup_attrs[], bs_k_fmp_attrs[],
    bs_k_fmp_rtl_x[], bs_k_elt_attrs[];
extern const int bs_k_smp_nattrs, bs_k_pool_nattrs, bs_k_fifo_nattrs, bs_k_fifo_rtl_nx,
    bs_k_dwc_nattrs, bs_k_lsel_nattrs, bs_k_add_nattrs, bs_k_add_d_nattrs, bs_k_gap_nattrs,
    bs_k_dup_nattrs, bs_k_fmp_nattrs, bs_k_fmp_rtl_nx, bs_k_elt_nattrs;
extern const bs_kops bs_k_smp_ops, bs_k_pool_ops, bs_k_fifo_ops, bs_k_fifo_rtl_ops,
    bs_k_dwc_ops, bs_k_lsel_ops, bs_k_add_ops, bs_k_add_d_ops, bs_k_gap_ops, bs_k_dup_ops,
    bs_k_fmp_ops, bs_k_elt_ops;

/* Base attribute counts (static-asserted against each file's enum). */
#define BS_K_MVAU_N 19
#define BS_K_VVAU_N 16
#define BS_K_THR_N 9
#define BS_K_CWO_N 8
#define BS_K_SWG_N 14
#define BS_K_SMP_N 6
#define BS_K_POOL_N 10
#define BS_K_FIFO_N 8
#define BS_K_DWC_N 4
#define BS_K_LSEL_N 6
#define BS_K_ADD_N 6
#define BS_K_GAP_N 4
#define BS_K_DUP_N 5
#define BS_K_FMP_N 6
#define BS_K_ELT_N 7

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
