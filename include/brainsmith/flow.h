/* flow.h - the FINN build flow (module lib/flow): FINN's
 * dataflow_build_config.json, the step registry with FINN dev-2025 step
 * names and order, and the build driver that produces FINN's output
 * directory (intermediate_models/<step>.onnx, report/<name>.json,
 * time_per_step.json, build_dataflow.log, auto_folding_config.json, ...).
 *
 * The config is FINN's own file, unchanged (finn-reference §2): every field
 * of FINN main and dev is accepted, an unknown field is warned about, and a
 * value of the wrong type or outside an enum is refused naming the field.
 * brainsmith adds one optional key, "brainsmith_user_steps", mapping a step
 * name to an external command (argv vector; "{in}" and "{out}" stand for the
 * input and output model paths, "{output_dir}" for the output directory) or
 * to {"transforms": [names from `brainsmith transforms`]} (the counterpart
 * of a FINN custom step function), so a custom "steps" list can mix FINN
 * steps, transformation sequences and user tools.
 *
 * The driver follows build_dataflow_cfg (§1.3-1.5): the step list is the
 * config's "steps" or the default list, sliced by start_step/stop_step
 * (both inclusive); with start_step the model is the checkpoint of the
 * preceding step.  A step brainsmith cannot run natively (HLS/Vivado
 * backends) fails with an error naming the backend it needs. */
#ifndef BRAINSMITH_FLOW_H
#define BRAINSMITH_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

typedef struct bs_ir_graph bs_ir_graph;
typedef struct bs_bus bs_bus;

/* ---- DataflowBuildConfig ------------------------------------------------ */

/* DataflowOutputType bits (generate_outputs). */
enum {
    BS_OUT_STITCHED_IP = 1u << 0, BS_OUT_ESTIMATE_REPORTS = 1u << 1,
    BS_OUT_OOC_SYNTH = 1u << 2, BS_OUT_RTLSIM_PERFORMANCE = 1u << 3,
    BS_OUT_BITFILE = 1u << 4, BS_OUT_PYNQ_DRIVER = 1u << 5,
    BS_OUT_DEPLOYMENT_PACKAGE = 1u << 6, BS_OUT_CPP_DRIVER = 1u << 7,
};
/* VerificationStepType bits (verify_steps). */
enum {
    BS_VERIFY_FINN_ONNX_PYTHON = 1u << 0, BS_VERIFY_INITIAL_PYTHON = 1u << 1,
    BS_VERIFY_STREAMLINED_PYTHON = 1u << 2, BS_VERIFY_FOLDED_HLS_CPPSIM = 1u << 3,
    BS_VERIFY_NODE_BY_NODE_RTLSIM = 1u << 4, BS_VERIFY_STITCHED_IP_RTLSIM = 1u << 5,
};

typedef struct bs_user_step {
    char *name;
    char **argv;          /* NULL-terminated (external command), or NULL */
    int argc;
    char **transforms;    /* NULL-terminated transformation names, or NULL */
    int ntransforms;
} bs_user_step;

typedef struct bs_flow_config {
    /* required */
    char *output_dir;
    double synth_clk_period_ns;
    unsigned generate_outputs;            /* BS_OUT_* */
    /* optional (has_* false = None) */
    char *specialize_layers_config_file;
    char *folding_config_file;
    bool has_target_fps; double target_fps;
    bool folding_two_pass_relaxation;     /* True */
    unsigned verify_steps;                /* BS_VERIFY_* */
    char *verify_input_npy;               /* "input.npy" */
    char *verify_expected_output_npy;     /* "expected_output.npy" */
    bool verify_save_full_context, verify_save_rtlsim_waveforms;
    bool has_verification_atol;           /* set in the file (dev 2026 field) */
    double verification_atol;             /* 0.1; unset: dev 2025's np.isclose(atol=1e-3) */
    bool stitched_ip_gen_dcp;
    int64_t mvau_wwidth_max;              /* 36 */
    bool standalone_thresholds;
    bool minimize_bit_width;              /* True */
    bool infer_shuffle_skip_first;        /* True */
    char *board;
    char *shell_flow_type;                /* "vivado_zynq" / "vitis_alveo" / NULL */
    char *fpga_part;
    bool auto_fifo_depths;                /* True */
    bool split_large_fifos;
    char *auto_fifo_strategy;             /* "largefifo_rtlsim" */
    bool force_python_rtlsim;
    char *large_fifo_mem_style;           /* "auto" */
    bool fifosim_input_throttle;          /* True */
    int64_t fifosim_n_inferences;         /* 2 */
    bool fifosim_save_waveform;
    bool has_hls_clk; double hls_clk_period_ns;
    bool default_swg_exception;
    char *vitis_platform, *vitis_floorplan_file;
    char *vitis_opt_strategy;             /* "default" */
    bool save_intermediate_models;        /* True */
    bool enable_hw_debug;
    bool enable_build_pdb_debug;          /* True (no effect: no pdb) */
    bool verbose;
    char **steps; int nsteps;             /* NULL = default list */
    char *start_step, *stop_step;
    int64_t max_multithreshold_bit_width; /* 8 */
    int64_t rtlsim_batch_size;            /* 1 */
    bool rtlsim_use_vivado_comps;         /* True */
    bool mlo;
    char *cpp_driver_version;             /* "latest" */
    int64_t *signature; int nsignature;
    bs_user_step *user_steps; int nuser_steps;
    /* derived */
    char *base_dir;       /* directory relative paths resolve against */
    cJSON *raw;           /* the parsed file (kept for fields stored as is) */
    int nwarnings;        /* unknown fields warned about */
} bs_flow_config;

/* Defaults for every optional field; required ones unset. */
void bs_flow_config_init(bs_flow_config *c);
void bs_flow_config_free(bs_flow_config *c);
/* Parses a config object.  `what` names the source in messages; base_dir is
 * where relative paths resolve (NULL = cwd).  Unknown keys: one bs_log WARN
 * each ("<what>: unknown field 'x' ignored").  Wrong type / enum value /
 * missing required field: BS_EINVAL "<what>: field 'x': ...". */
int bs_flow_config_from_json(const cJSON *j, const char *what, const char *base_dir,
                             bs_flow_config *c);
int bs_flow_config_load(const char *path, bs_flow_config *c);
/* Resolves the FPGA part: fpga_part, else board via FINN dev's part_map.
 * BS_EINVAL "Couldn't resolve fpga_part for <board>" as FINN raises. */
int bs_flow_config_part(const bs_flow_config *c, const char **part);
/* Board -> part (FINN dev part_map); NULL when unknown. */
const char *bs_flow_board_part(const char *board);
/* hls_clk_period_ns, or synth_clk_period_ns when unset. */
double bs_flow_config_hls_clk(const bs_flow_config *c);
/* A relative path from the config resolved against base_dir (malloc'd). */
char *bs_flow_config_path(const bs_flow_config *c, const char *p);
/* Describes every accepted field as JSON [{name, type, default, help}]. */
cJSON *bs_flow_config_fields_json(void);

/* ---- steps -------------------------------------------------------------- */

typedef struct bs_flow_ctx bs_flow_ctx;
typedef int (*bs_step_fn)(bs_flow_ctx *ctx);

typedef struct bs_step_def {
    const char *name;
    bs_step_fn fn;            /* NULL: needs `backend` */
    const char *backend;      /* NULL when native; else the external tool */
    const char *help;
    unsigned product;         /* BS_OUT_* the step produces: FINN does nothing
                                 (and brainsmith neither) when none is requested */
} bs_step_def;

const bs_step_def *bs_step_find(const char *name);
/* True when brainsmith runs the step natively under this config (user
 * steps included; step_set_fifo_depths only with auto_fifo_depths=false). */
bool bs_flow_step_native(const bs_flow_config *cfg, const char *name);
int bs_step_count(void);
const bs_step_def *bs_step_at(int i);
/* FINN dev-2025 default_build_dataflow_steps (19) and
 * estimate_only_dataflow_steps (10). NULL-terminated static lists. */
const char *const *bs_flow_default_steps(void);
const char *const *bs_flow_estimate_steps(void);

/* ---- the build ---------------------------------------------------------- */

struct bs_flow_ctx {
    const bs_flow_config *cfg;
    const char *part;         /* resolved FPGA part */
    const char *out_dir;      /* absolute output directory */
    const char *out_dir_given;/* output_dir as spelled in the config/CLI */
    bs_ir_graph *g;           /* the current model (steps may replace it) */
    bs_ir_graph *parent;      /* dataflow_parent after partitioning (owned), for
                                 verification of the partition in context */
    FILE *log;                /* build_dataflow.log (append) */
    bs_bus *bus;              /* events (NULL = none) */
    const char *build_id;     /* for events (may be NULL) */
    const char *step;         /* the running step */
    int step_index, nsteps;
};

/* Appends "[YYYY-MM-DD HH:MM:SS,mmm] <msg>" to the build log (and to stdout
 * when verbose); used by steps for FINN's log lines. */
void bs_flow_logf(bs_flow_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct bs_flow_opts {
    const char *model_path;   /* model.onnx */
    const char *out_dir;      /* overrides cfg->output_dir (NULL = keep) */
    bs_bus *bus;
    const char *build_id;
    FILE *console;            /* FINN's console lines (NULL = none) */
    int index_base;           /* > 0: the first run step is number index_base */
    int total;                /* > 0: N of "[i/N]" (a group of a larger build) */
    bool merge_times;         /* add to an existing time_per_step.json */
} bs_flow_opts;

/* Resolves the list of steps to run (config steps or default, sliced by
 * start/stop).  *names is malloc'd (strings borrowed from cfg/static);
 * *first is the index of the first run step in the full list. */
int bs_flow_resolve_steps(const bs_flow_config *cfg, const char ***names, int *n,
                          const char ***full, int *nfull, int *first);

/* Runs the build.  Returns 0 ("Completed successfully") or a negative
 * BS_E* ("Build failed"), with checkpoints of earlier steps left on disk
 * and time_per_step.json written only on success, as FINN does. */
int bs_flow_build(const bs_flow_config *cfg, const bs_flow_opts *opts);

/* ---- through the orchestrator ------------------------------------------ */

typedef struct bs_workspace bs_workspace;
typedef struct bs_flow_submit_opts {
    const char *exe;          /* the brainsmith binary tasks run */
    const char *home;         /* workspace home passed to tasks (may be NULL) */
    const char *config_path;  /* effective config JSON (written by the caller) */
    const char *model;        /* model path (absolute) */
    const char *out_dir;      /* absolute output directory */
    const char *cwd;          /* task working directory */
    const char *build_id;     /* builds.id (may be NULL) */
    int max_attempts;         /* retry policy (1 = none) */
    bool task_per_step;       /* one task per step instead of native groups */
    bool no_cache;            /* run every task even on a step-cache hit */
} bs_flow_submit_opts;

/* Submits the build as chained tasks (native step groups and one task per
 * backend step), each running `brainsmith flow-exec`.  *ids (malloc'd)
 * gets the task ids in order. */
int bs_flow_submit(bs_workspace *ws, const bs_flow_config *cfg, const bs_flow_submit_opts *o, int64_t **ids,
                   int *n);
/* Writes the effective config (file + overrides, paths made absolute,
 * output_dir = out_abs) to <out_abs>/brainsmith_build_config.json for the
 * tasks; *path is malloc'd. */
int bs_flow_write_effective_config(const bs_flow_config *cfg, const char *out_abs, char **path);
/* Runs the workspace scheduler in-process until the tasks are final (or
 * waits for the scheduler that already runs); *all_ok tells whether every
 * task succeeded.  on_event (may be NULL) gets the stored step.* and
 * task.state events as they arrive (live progress). */
typedef struct bs_event bs_event;
typedef void (*bs_flow_event_fn)(const bs_event *ev, void *ud);
int bs_flow_run_orchestrated(bs_workspace *ws, const int64_t *ids, int n, bool *all_ok, bs_flow_event_fn on_event,
                             void *ud);

/* ---- bundled example models ------------------------------------------- */

/* A Brevitas-style QONNX MLP written by brainsmith itself: layer sizes
 * layers[0..n) (input first), weight/activation bits 1..8 (1 = BipolarQuant),
 * BatchNorm after hidden layers, TopK(1) output; seeded random weights. */
int bs_flow_example_mlp(const int *layers, int nlayers, int wbits, int abits, uint64_t seed, bs_ir_graph **out);

/* A QONNX model with the BNN-PYNQ CNV topology (input 1x3x32x32 pixels
 * 0..255, 6 conv 3x3 + 2 max pools, FC 256-512-512-10, BatchNorm, Quant /
 * BipolarQuant at wbits/abits, TopK), seeded random weights. */
int bs_flow_example_cnv(int wbits, int abits, uint64_t seed, bs_ir_graph **out);
/* The same with every channel count divided by |chdiv| (a divisor of 64): a
 * small CNV for tests; chdiv < 0 also gives BatchNorm gammas of both signs
 * (sign factoring, Absorb1BitMulIntoConv). */
int bs_flow_example_cnv_ex(int wbits, int abits, uint64_t seed, int chdiv, bs_ir_graph **out);

/* Derives a step plan for a model: the step list with, per step, whether it
 * runs or is skipped and why.  Returns a JSON array (caller frees). */
int bs_flow_plan(const bs_flow_config *cfg, const char *model_path, cJSON **out);

#endif
