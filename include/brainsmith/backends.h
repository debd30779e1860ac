/* backends.h - open-source hardware tool drivers for generated designs.
 *
 * Verilator (build a cycle-accurate model of one or more stitched designs
 * with a generated C++ test bench, run it with random back-pressure and
 * compare every output beat), Yosys (synth_xilinx for xc7/xcup,
 * synth_ice40, `stat -json` per layer), nextpnr-ice40 + icepack + icetime
 * (a real .bin with fmax), tool discovery with version strings for cache
 * keys, and FINN-format reports (report/rtlsim_performance.json,
 * report/post_synth_resources.json).  Tools run as subprocesses through
 * bs_spawn with argument vectors, never a shell; each step writes its
 * tool log next to its outputs.  See docs/rtl.md. */
#ifndef BRAINSMITH_BACKENDS_H
#define BRAINSMITH_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brainsmith/rtl.h"

/* ---- tools ---- */
typedef struct bs_tool_info {
    char name[32];
    char path[256];
    char version[160];       /* first line of the version output */
    const char *deb;         /* Debian package that provides it */
    bool found;
} bs_tool_info;
/* Looks the tool up in PATH and asks its version.  Tools known: verilator,
 * yosys, nextpnr-ice40, icepack, icetime, iverilog, make, g++.
 * BS_ENOTFOUND ("yosys: not found in PATH; install the Debian package
 * 'yosys'") when missing; info->found tells the same. */
int bs_tool_probe(const char *name, bs_tool_info *info);
/* Probes every known tool; returns the number missing. */
int bs_tool_probe_all(bs_tool_info *infos, size_t cap, size_t *n);

/* ---- Verilator ---- */
typedef struct bs_vl_model {
    char dir[512];           /* object dir of the build (in the cache) */
    char bin[600];           /* the test-bench executable */
    char srcdir[512];        /* where the Verilog and .memh files are (run cwd) */
    char key[65];            /* cache key: sha256 of sources, flags and tool version */
    size_t n_designs;
    bool cached;             /* reused an earlier build */
    double build_s;          /* wall time of emit + build (0 when cached) */
} bs_vl_model;

/* Emits the designs into <workdir>/src, generates a top level holding all
 * of them side by side (ports d<k>_<port>) and a C++ test bench, and builds
 * it with `verilator --cc --exe --build` into <cache_dir>/<key> (cache_dir
 * NULL = <workdir>/vl-cache) unless that build exists.  Init files are read
 * at run time, so changing weights does not rebuild.  1..64 designs. */
int bs_vl_build(bs_rtl_design *const *designs, size_t n, const char *workdir, const char *cache_dir,
                bs_vl_model *m);

/* Stimulus for one design: nframes frames of its inputs (d->in[i] elements
 * per frame each) and the expected outputs; written by bs_vl_write_data. */
int bs_vl_write_data(const bs_vl_model *m, size_t k, const bs_rtl_design *d, const int64_t *const *in,
                     const int64_t *expected, int64_t nframes);

typedef struct bs_vl_run_opts {
    int in_gap_pct;          /* % of cycles an idle input keeps TVALID low */
    int out_stall_pct;       /* % of cycles TREADY is low */
    uint32_t seed;
    int64_t max_cycles;      /* 0 = 10M */
    int64_t drain_cycles;    /* cycles run after the last expected beat (extra-beat check) */
} bs_vl_run_opts;

typedef struct bs_vl_result {
    int64_t cycles;          /* cycle at which the last expected output beat arrived */
    int64_t latency_cycles;  /* cycle at which frame 0's last output beat arrived */
    int64_t in_beats, out_beats, expected_beats;
    int64_t mismatches;      /* beats whose data differs from the golden model */
    int64_t extra_beats;     /* beats beyond the expected ones (duplicates) */
    int64_t first_mismatch;  /* index of the first bad beat, -1 if none */
    int64_t nframes;
    bool timeout;            /* max_cycles reached before all outputs arrived */
} bs_vl_result;

/* Simulation speed of one run (the cycles/s benchmark). */
typedef struct bs_vl_timing {
    int64_t cycles;          /* clock cycles simulated (all designs at once) */
    double wall_s;           /* wall time of the simulation loop */
    double cpu_s;            /* CPU time of the simulation loop (shared machines) */
} bs_vl_timing;

/* Runs the model (cwd = m->srcdir): every design is simulated at once with
 * its own random TVALID gaps / TREADY stalls.  res has m->n_designs
 * entries; t (may be NULL) receives the speed. */
int bs_vl_run(const bs_vl_model *m, const bs_vl_run_opts *o, bs_vl_result *res, bs_vl_timing *t);

/* ---- Yosys ---- */
typedef enum { BS_SYNTH_XC7, BS_SYNTH_XCUP, BS_SYNTH_ICE40_UP5K, BS_SYNTH_ICE40_HX8K } bs_synth_target;
const char *bs_synth_target_name(bs_synth_target t);
int bs_synth_target_parse(const char *s, bs_synth_target *t);

typedef struct bs_synth_counts {
    char module[160];        /* Yosys module (wrapper) name; node name for layers */
    int64_t lut, ff, srl, lutram, carry, bram18, bram36, uram, dsp, cells;
    int64_t ebr, spram;       /* iCE40: SB_RAM40_4K, SB_SPRAM256KA */
} bs_synth_counts;

typedef struct bs_synth_result {
    bs_synth_counts total;
    bs_synth_counts layers[64];  /* per node of the design, in design order */
    size_t n_layers;
    double seconds;
    char stat_json[600];     /* the `stat -json` output */
    char netlist[600];       /* ice40: the JSON netlist for nextpnr, else "" */
    char log[600];
} bs_synth_result;

/* Synthesises design d (already emitted into srcdir by bs_rtl_emit) for t
 * into outdir.  ice40 targets synthesise a pin-light wrapper (LFSR stimulus,
 * 4 LED outputs) around the design so that it fits the package. */
int bs_yosys_synth(const bs_rtl_design *d, const char *srcdir, bs_synth_target t, const char *outdir,
                   bs_synth_result *r);

/* ---- nextpnr-ice40 + icepack + icetime ---- */
typedef struct bs_pnr_result {
    double fmax_mhz;         /* nextpnr's achieved fmax for the clock */
    double icetime_mhz;      /* icetime's estimate */
    double target_mhz;
    bool timing_met;
    int64_t lc_used, lc_avail, ram_used, ram_avail, dsp_used, dsp_avail, io_used;
    char bin[600];           /* the bitstream */
    int64_t bin_bytes;
    double pnr_s, pack_s, time_s;
} bs_pnr_result;
int bs_ice40_pnr(const bs_synth_result *s, bs_synth_target t, double freq_mhz, const char *outdir,
                 bs_pnr_result *r);

/* ---- FINN-format reports ---- */
/* report/rtlsim_performance.json from a run of design k. */
int bs_report_rtlsim_performance(const char *path, const bs_vl_result *r, double clk_ns);
/* report/post_synth_resources.json: {"(top)": {...}, "<node>": {...}} with
 * FINN's keys LUT, SRL, FF, BRAM_36K, BRAM_18K, URAM, DSP plus CARRY. */
int bs_report_post_synth(const char *path, const bs_synth_result *r);

/* ---- the whole backend flow on one design ---- */
typedef struct bs_hw_flow_opts {
    int64_t nframes;         /* frames simulated (>= 2 for an interval) */
    double clk_ns;           /* for the rtlsim report (FINN synth_clk_period_ns) */
    bool backpressure;       /* also run a random back-pressure pass */
    bool synth_xc7, synth_xcup;
    bool pnr_ice40;          /* synth_ice40 + nextpnr + icepack + icetime */
    bs_synth_target ice40;   /* BS_SYNTH_ICE40_UP5K or _HX8K */
    double ice40_mhz;        /* nextpnr --freq */
    const char *cache_dir;   /* Verilator model cache (NULL: <outdir>/vl-cache) */
    bool size_fifos;         /* size the FIFOs of d with the cycle model first */
} bs_hw_flow_opts;

typedef struct bs_hw_flow_result {
    bs_vl_result sim;        /* the full-rate run */
    int64_t bp_mismatches;   /* from the back-pressure run (-1 = not run) */
    int64_t est_cycles;      /* FINN: max over nodes of the expected cycles */
    double interval;         /* measured cycles per frame in steady state */
    bs_synth_result xc7, xcup, ice40;
    bs_pnr_result pnr;
    double t_build, t_sim, t_xc7, t_xcup, t_ice40_synth;  /* seconds per step */
    bs_rtl_fifo_sizing fifo;  /* when opts.size_fifos */
    bool model_agrees;       /* cycle model == Verilator (cycles and latency) */
} bs_hw_flow_result;

/* Emits d into <outdir>/src, builds and runs the Verilator model on the
 * inputs (d->in order, nframes frames), checks it bit-exact against the
 * chain golden model (BS_EVERIFY naming the first bad beat otherwise), and
 * runs the enabled synthesis / P&R steps.  Writes <outdir>/report/
 * rtlsim_performance.json, rtlsim_layer_stalls.json (per node, from the
 * cycle model once it agrees with Verilator), post_synth_resources.json
 * (xc7, else xcup), ice40_pnr.json (fmax, utilisation, bitstream path) and
 * <outdir>/final_hw_config.json (folding and FIFO depths). */
int bs_hw_flow_run(bs_rtl_design *d, const int64_t *const *in, const char *outdir,
                   const bs_hw_flow_opts *o, bs_hw_flow_result *r);

/* The demo network: a hand-made 3-layer MLP (32 -> 16 -> 16 -> 10, 2-bit
 * weights and activations, FIFOs, LabelSelect) with deterministic weights
 * that fits an iCE40 UP5K.  *d must be freed with bs_rtl_design_free; the
 * weights live in static storage. */
int bs_hw_demo_mlp(bs_rtl_design **d);

#endif
