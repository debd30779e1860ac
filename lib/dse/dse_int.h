/* dse_int.h - private helpers shared by the files of lib/dse. */
#ifndef BS_DSE_INT_H
#define BS_DSE_INT_H

#include "brainsmith/dse.h"

/* Applies choice c to a copy of a node's knode of variant c->var
 * (PE/SIMD/parallel_window and the memory strings the kernel has). */
int dse_apply_choice(const bs_dse_node *nd, const bs_dse_choice *c, bool est, bs_knode *out);
/* Reads a choice back from a knode. */
void dse_read_choice(const bs_knode *k, int var, bs_dse_choice *c);
/* Estimates one node under choice c (FINN numbers) and the resources used
 * for totals (calibrated when the design is). */
int dse_node_cost(const bs_dse_design *d, int i, const bs_dse_choice *c, int64_t *cycles, bs_kcost *cost,
                  double res[BS_DSE_NRES]);
/* Recomputes totals, fit and worst from p->res. */
void dse_totals(const bs_dse_design *d, bs_dse_point *p);
/* Moves the folding of node i to beat `target` with SetFolding's node rule,
 * writing PE/SIMD/parallel_window into p (and the producer SWG's SIMD for
 * depthwise layers).  *improved: the node's cycles are now < target. */
int dse_fold_node(bs_dse_design *d, bs_dse_point *p, int i, int64_t target, bool *improved);
/* Appends "LUT 51631 > 45220 (85% of 53200), ..." for what p exceeds (and
 * a layer larger than one SLR); arr (may be NULL) gets one object each. */
struct bs_strbuf;
void dse_exceeded(const bs_dse_design *d, const bs_dse_point *p, struct bs_strbuf *sb, cJSON *arr);
/* The calibration fits a design uses: [{kernel, resource, a, b, n, rmse}]. */
cJSON *dse_calib_json(const bs_dse_design *d);
cJSON *dse_choice_json(const bs_dse_choice *c);
double dse_cost_res(const bs_kcost *c, int r);

#endif
