/* dse.h - design-space exploration over FINN's cost models (module lib/dse):
 * bottleneck detection, per-platform configuration generation, kernel
 * (hls/rtl, ram_style, resType, mem_mode) selection under a part's
 * resources, and empirical calibration of the estimates from measured
 * synthesis results.
 *
 * A *design* is a model in FINN's hardware form (after
 * step_specialize_layers) seen as an array of kernel nodes in graph order.
 * It is loaded from a QONNX/FINN-ONNX model (brainsmith's native flow runs
 * step_qonnx_to_finn .. step_specialize_layers first), from a HW model, or
 * from a FINN/brainsmith build directory (its intermediate models).  A
 * *point* is one configuration of it: per node PE/SIMD/parallel_window,
 * the hls/rtl variant and ram_style/resType/mem_mode, with FINN's cycles and
 * resource estimates once evaluated.
 *
 * Every number comes from lib/kernels (FINN dev 2025 cost models, reproduced
 * byte for byte) and SetFolding is FINN's (two passes, mvau_wwidth_max), so a
 * generated configuration built with FINN (or `brainsmith build`) reports
 * exactly the estimates predicted here.  Calibrated numbers are only used
 * when asked (opts.calibrated) and are always labelled.  See docs/dse.md. */
#ifndef BRAINSMITH_DSE_H
#define BRAINSMITH_DSE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "brainsmith/kernels.h"
#include "brainsmith/platforms.h"

/* Resources FINN estimates, in report order. */
enum { BS_DSE_LUT = 0, BS_DSE_BRAM, BS_DSE_URAM, BS_DSE_DSP, BS_DSE_NRES };
/* "LUT", "BRAM_18K", "URAM", "DSP" (FINN's report keys). */
const char *bs_dse_res_name(int r);
/* Parses a resource name (case-insensitive; "BRAM" = "BRAM_18K"); -1 if unknown. */
int bs_dse_res_parse(const char *s);

typedef struct bs_dse_opts {
    const char *platform;      /* board / alias / part (required) */
    double clk_ns;             /* 0: the build's clock, else the platform's default */
    int64_t mvau_wwidth_max;   /* 0: 36 (FINN's default) */
    double max_util;           /* fraction of each resource a design may use (0: 0.85) */
    bool one_pass;             /* folding_two_pass_relaxation = False */
    bool no_minimize;          /* minimize_bit_width = False */
    const char *work_dir;      /* where a QONNX model is converted (NULL: temp dir, removed) */
    sqlite3 *calib_db;         /* with calibrated: the workspace DB holding the fits */
    bool calibrated;           /* apply calibration fits to resource estimates */
} bs_dse_opts;
void bs_dse_opts_init(bs_dse_opts *o);

/* hls/rtl variants a node may take (index into bs_dse_node.var). */
#define BS_DSE_MAXVAR 2

typedef struct bs_dse_node {
    char name[64];               /* name in the loaded model, e.g. "MVAU_hls_0" */
    char abstract_name[64];      /* name before SpecializeLayers, "MVAU_0" */
    const char *base;            /* kernel family, "MVAU" */
    int nvar;                    /* variants loaded (1 or 2) */
    int cur_var;                 /* the variant the model has */
    const bs_kernel *var[BS_DSE_MAXVAR];
    bool var_legal[BS_DSE_MAXVAR];       /* FINN SpecializeLayers would honour it */
    char var_why[BS_DSE_MAXVAR][160];    /* why a variant is not legal */
    bs_knode fold[BS_DSE_MAXVAR];  /* attributes as SetFolding sees them (before minimize_bit_width) */
    bs_knode est[BS_DSE_MAXVAR];   /* attributes as the estimates see them (after it) */
    int npred;
    int pred[4];                 /* design indices of the producers (critical path) */
    int producer;                /* producer of input 0 (SWG of a VVAU/Pool), -1 */
    double weights_min;          /* smallest weight (NAN: none / dynamic) */
    struct bs_dse_choice_s {     /* the configuration the model carries */
        int var;
        int64_t pe, simd, pw;
        char ram_style[16], res_type[8], mem_mode[24];
    } cur;
    /* calibration per variant and resource (used when the design is calibrated) */
    bool cal[BS_DSE_MAXVAR][BS_DSE_NRES];
    double cal_a[BS_DSE_MAXVAR][BS_DSE_NRES], cal_b[BS_DSE_MAXVAR][BS_DSE_NRES];
    double cal_rmse[BS_DSE_MAXVAR][BS_DSE_NRES];
    int cal_n[BS_DSE_MAXVAR][BS_DSE_NRES];
} bs_dse_node;

typedef struct bs_dse_design {
    char model[1024];            /* what was loaded */
    char source[64];             /* "qonnx", "hw-model", "build-dir" */
    const bs_platform *plat;
    char part[64];
    double clk_ns;
    int64_t wwidth;
    bool two_pass;
    double max_util;
    double avail[BS_DSE_NRES];   /* usable resources: FINN guide_resources summed over SLRs */
    double budget[BS_DSE_NRES];  /* max_util * avail */
    double slr_budget[BS_DSE_NRES];  /* max_util * the largest SLR (multi-SLR parts: a
                                        layer must fit one SLR, as FINN floorplans) */
    bool calibrated;
    int n;
    bs_dse_node *nodes;
    bs_knode *scratch;           /* n nodes, SetFolding's working copy */
} bs_dse_design;

/* Loads a design (see above).  Errors name the file and what is wrong:
 * a part not in the platform registry, a model without HW layers, a build
 * directory without intermediate models, ... */
int bs_dse_load(const char *path, const bs_dse_opts *o, bs_dse_design **out);
void bs_dse_free(bs_dse_design *d);

/* ---- points ---- */
/* One node's configuration: var indexes node.var; pe/simd/pw are -1 when
 * the kernel has no such attribute; strings are "" when it has none. */
typedef struct bs_dse_choice_s bs_dse_choice;

typedef struct bs_dse_point {
    int n;
    bs_dse_choice *c;
    int64_t *cycles;
    bs_kcost *cost;              /* FINN estimates per node */
    double (*res)[BS_DSE_NRES];  /* per node as used for totals (calibrated if asked) */
    int64_t max_cycles, critical_path;
    int max_node;                /* first node with max_cycles */
    double fps, latency_ns;
    double total[BS_DSE_NRES];   /* sums (calibrated if the design is) */
    double util[BS_DSE_NRES];    /* total / avail */
    bool fits;                   /* every total <= budget (and every layer fits one SLR) */
    int slr_node, slr_res;       /* a layer too big for any SLR and the resource (-1: none) */
    int worst;                   /* resource with the highest total/budget */
    int64_t target_cycles;       /* SetFolding target that made it (0 = not SetFolding) */
} bs_dse_point;

bs_dse_point *bs_dse_point_new(const bs_dse_design *d);
void bs_dse_point_free(bs_dse_point *p);
void bs_dse_point_copy(bs_dse_point *dst, const bs_dse_point *src);
/* The configuration the loaded model carries. */
int bs_dse_point_current(const bs_dse_design *d, bs_dse_point *p);
/* FINN SetFolding(target_cycles, mvau_wwidth_max, two_pass) over the
 * design; variants and memory choices of p are kept, PE/SIMD/
 * parallel_window are set.  Evaluates p. */
int bs_dse_setfolding(bs_dse_design *d, int64_t target_cycles, bs_dse_point *p);
/* FINN's cycles and resource estimates of every node, totals, critical
 * path, fps and fit against the budget.  Refuses illegal folding. */
int bs_dse_evaluate(const bs_dse_design *d, bs_dse_point *p);
/* The point as JSON: per layer cycles/resources/choices and totals with
 * utilisation; labels calibrated values. */
cJSON *bs_dse_point_json(const bs_dse_design *d, const bs_dse_point *p);

/* ---- bottleneck ---- */
/* Which layer bounds throughput at p, and which resource of the platform
 * stops further unfolding: walks FINN-style unfolding steps (the bottleneck
 * layers are re-folded with SetFolding's rule to beat the current
 * max_cycles, the others keep their folding) until a step exceeds the
 * budget or no layer can go faster (fully parallel, mvau_wwidth_max).
 * *out: {"platform", "fps", "bottleneck": {...}, "layers": [...],
 * "next_step": {...}, "limit": {"kind": "resource"|"structural", ...}}. */
int bs_dse_bottleneck(bs_dse_design *d, const bs_dse_point *p, cJSON **out);
/* Human-readable form of a bottleneck report (malloc'd). */
char *bs_dse_bottleneck_text(const cJSON *r);

/* ---- kernel selection ---- */
/* Chooses per layer the hls/rtl variant (only where FINN's SpecializeLayers
 * honours it), ram_style, resType and mem_mode so that the highest
 * utilisation over LUT/BRAM/URAM/DSP is smallest (greedy, from the model's
 * choices), keeping cycles.  *reasons (may be NULL): per layer the options
 * considered with their costs and why the choice was made. */
int bs_dse_select(const bs_dse_design *d, bs_dse_point *p, cJSON **reasons);

/* Confirms a selection with a build through the workspace orchestrator:
 * writes p as a config directory in dir, builds it with brainsmith's flow as
 * orchestrated tasks (exe = the brainsmith binary the tasks run), compares
 * every layer's estimate report with p (FINN numbers) and, when the
 * synthesis steps run natively, stores the per-layer post-synthesis
 * resources as calibration points.  *out: {build_id, tasks, build_ok,
 * layers: [{node, changed, estimate_matches}], estimates_match, status}.
 * A build directory design is refused (the model is needed). */
typedef struct bs_workspace bs_workspace;
int bs_dse_validate(bs_workspace *ws, const bs_dse_design *d, const bs_dse_point *p, const char *dir, const char *exe,
                    cJSON **out);

/* ---- configuration generation ---- */
typedef struct bs_dse_explore_opts {
    double target_fps;           /* 0: the highest fps that fits */
    bool select;                 /* run kernel selection where defaults do not fit */
    int patience;                /* consecutive non-fitting candidates before stopping (0: 8) */
} bs_dse_explore_opts;
/* Searches the SetFolding targets (every cycle count a layer can reach)
 * for the configuration to write: with a target fps, FINN's folding for it
 * if it fits (else the reachable one); without, the highest fps that fits.
 * *best is evaluated; *summary tells what was asked, what was reached, the
 * limiting resource and how many candidates were evaluated.  Returns 0, 1
 * when no folding fits the budget at all (*best = the smallest design), or
 * a negative BS_E*. */
int bs_dse_explore(bs_dse_design *d, const bs_dse_explore_opts *o, bs_dse_point *best, cJSON **summary);
/* Writes dir/dataflow_build_config.json, dir/folding_config.json,
 * dir/specialize_layers_config.json (when a layer's variant is chosen),
 * dir/dse_summary.json and, for an ONNX input, dir/model.onnx (a copy), as a
 * directory FINN's build_dataflow can run. */
int bs_dse_write_config(const bs_dse_design *d, const bs_dse_point *p, const cJSON *summary, const char *dir);
/* FINN folding JSON ({"Defaults": {}, node: {PE, SIMD, ...}}) of p, node
 * names as FINN gives them after SpecializeLayers with p's variants. */
cJSON *bs_dse_folding_json(const bs_dse_design *d, const bs_dse_point *p);
/* The node name node i gets with variant var ("MVAU_rtl_0"). */
void bs_dse_node_name(const bs_dse_design *d, const bs_dse_point *p, int i, char *buf, size_t n);

/* ---- calibration (workspace SQLite, module "calibration") ---- */
int bs_dse_calib_migrate(sqlite3 *db);
/* Stores one (estimate, measured) pair of a kernel op type ("MVAU_hls") on
 * a platform (canonical board name) for a resource. */
int bs_dse_calib_add(sqlite3 *db, const char *kernel, const char *platform, int res, double estimate,
                     double measured, const char *layer, const char *source);
/* Reads a build directory: estimates from report/estimate_layer_resources.json,
 * measured per layer from report/post_synth_resources.json (Vivado or the
 * Yosys backend; BRAM_36K counts 2) or, with source "hls",
 * report/estimate_layer_resources_hls.json.  *added = pairs stored. */
int bs_dse_calib_add_dir(sqlite3 *db, const char *dir, const char *platform, const char *source, int *added);
/* The same from two explicit files: FINN's estimate_layer_resources.json and
 * a measured per-layer file (post_synth_resources.json or
 * estimate_layer_resources_hls.json, detected by content). */
int bs_dse_calib_add_files(sqlite3 *db, const char *estimates, const char *measured, const char *platform,
                           const char *source, int *added);
/* Least-squares fit measured = a*estimate + b per (kernel, platform,
 * resource) with >= 2 points (a ratio fit through 0 when the estimates do
 * not vary), its RMSE, the raw estimate's RMSE and MAPE, leave-one-out RMSE
 * (n >= 3); stored in calibration_fits.  NULL filters = all. */
int bs_dse_calib_fit(sqlite3 *db, const char *kernel, const char *platform, cJSON **out);
/* Points per group and the stored fits. */
int bs_dse_calib_show(sqlite3 *db, cJSON **out);
/* Loads the fits for d's platform into d (and sets d->calibrated). */
int bs_dse_calib_apply(bs_dse_design *d, sqlite3 *db);

/* ---- example ---- */
/* A CNV-topology design in FINN dev 2025 HW form (after
 * step_specialize_layers): Thresholding_rtl, 8 ConvolutionInputGenerator_rtl
 * (6 conv, 2 depthwise pooling windows), 9 MVAU_hls, 2 Pool_hls,
 * LabelSelect_hls, with seeded random weights of wbits (1 = bipolar) and
 * abits activations, PE = SIMD = 1. */
struct bs_ir_graph;
int bs_dse_example_cnv(int wbits, int abits, uint64_t seed, struct bs_ir_graph **out);

#endif
