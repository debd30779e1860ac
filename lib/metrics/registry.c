/* registry.c - the static table of every metric brainsmith knows.
 *
 * One line per metric: dotted id, unit, better-direction, group, one-line
 * description.  Parsers and analyses may only produce ids listed here
 * (bs_metrics_put checks), the history engine takes the direction from
 * here, and docs/metrics.md is generated from this table
 * (`brainsmith metrics list --markdown`).  Scoped values (per layer, clock,
 * rail, SLR, step) use the same ids with a non-empty scope. */
#include <string.h>
#include "brainsmith/metrics.h"

#define L BS_BETTER_LOWER
#define H BS_BETTER_HIGHER
#define N BS_BETTER_NONE

static const bs_metric_def metric_table[] = {
    /* ---- resources: measured (synthesis / implementation) ---- */
    {"resources.lut", "count", L, "resources", "LUTs used (Slice/CLB LUTs, iCE40 logic cells' LUT4s)"},
    {"resources.lut_logic", "count", L, "resources", "LUTs used as logic"},
    {"resources.lutram", "count", L, "resources", "LUTs used as distributed RAM"},
    {"resources.srl", "count", L, "resources", "LUTs used as shift registers"},
    {"resources.ff", "count", L, "resources", "flip-flops (slice/CLB registers)"},
    {"resources.bram18", "count", L, "resources", "block RAM in 18 Kb units (2 x RAMB36 + RAMB18; iCE40: 4 Kb EBRs)"},
    {"resources.bram_tiles", "count", L, "resources", "block RAM tiles (36 Kb) as Vivado counts them"},
    {"resources.uram", "count", L, "resources", "UltraRAM blocks"},
    {"resources.dsp", "count", L, "resources", "DSP slices (DSP48E1/E2, iCE40 SB_MAC16)"},
    {"resources.carry", "count", L, "resources", "carry chain cells (CARRY4/CARRY8/SB_CARRY)"},
    {"resources.f7f8_mux", "count", L, "resources", "F7/F8/F9 wide multiplexers"},
    {"resources.slices", "count", L, "resources", "slices (7-series) / CLBs (UltraScale) / iCE40 logic cells occupied"},
    {"resources.io", "count", L, "resources", "bonded I/O pins used"},
    {"resources.bufg", "count", L, "resources", "global clock buffers used"},
    {"resources.cells", "count", L, "resources", "total cells of the synthesized netlist (Yosys)"},
    {"resources.wires", "count", N, "resources", "wires of the synthesized netlist (Yosys)"},
    {"resources.slr_crossings", "count", L, "resources", "super long lines used between SLRs"},
    {"resources.control_sets", "count", L, "resources", "unique control sets"},
    /* ---- utilisation ---- */
    {"util.lut_pct", "%", L, "utilization", "LUT utilisation of the device"},
    {"util.ff_pct", "%", L, "utilization", "flip-flop utilisation of the device"},
    {"util.bram_pct", "%", L, "utilization", "block RAM utilisation of the device"},
    {"util.uram_pct", "%", L, "utilization", "UltraRAM utilisation of the device"},
    {"util.dsp_pct", "%", L, "utilization", "DSP utilisation of the device"},
    {"util.io_pct", "%", L, "utilization", "bonded I/O utilisation"},
    {"util.max_pct", "%", L, "utilization", "utilisation of the bottleneck resource (the highest of LUT/FF/BRAM/URAM/DSP)"},
    {"util.bottleneck", "text", N, "utilization", "the resource type with the highest utilisation"},
    {"util.bottleneck_layer", "text", N, "utilization", "the layer using most of the bottleneck resource (measured, else HLS, else FINN estimate)"},
    /* ---- FINN / HLS estimates ---- */
    {"est.lut", "count", L, "estimate", "FINN analytic LUT estimate (per layer and total)"},
    {"est.bram18", "count", L, "estimate", "FINN analytic BRAM_18K estimate"},
    {"est.uram", "count", L, "estimate", "FINN analytic URAM estimate"},
    {"est.dsp", "count", L, "estimate", "FINN analytic DSP estimate"},
    {"est.bram_efficiency", "ratio", H, "estimate", "FINN: fraction of the allocated BRAM bits that hold weights"},
    {"est.uram_efficiency", "ratio", H, "estimate", "FINN: fraction of the allocated URAM bits that hold weights"},
    {"est.lut_error_pct", "%", N, "estimate", "FINN LUT estimate vs synthesized (or HLS) LUTs: (est - real) / real, per layer and total"},
    {"est.bram_error_pct", "%", N, "estimate", "FINN BRAM_18K estimate vs synthesized (or HLS) BRAM: (est - real) / real"},
    {"est.alternatives", "count", N, "estimate", "resource alternatives FINN considered for a layer (resType)"},
    {"hls.lut", "count", L, "hls", "LUTs estimated by Vivado/Vitis HLS synthesis"},
    {"hls.ff", "count", L, "hls", "flip-flops estimated by HLS synthesis"},
    {"hls.bram18", "count", L, "hls", "BRAM_18K estimated by HLS synthesis"},
    {"hls.dsp", "count", L, "hls", "DSPs estimated by HLS synthesis"},
    {"hls.uram", "count", L, "hls", "URAMs estimated by HLS synthesis"},
    {"hls.clock_ns", "ns", L, "hls", "clock period HLS estimates it reaches"},
    {"hls.target_clock_ns", "ns", N, "hls", "clock period HLS was asked for"},
    {"hls.uncertainty_ns", "ns", N, "hls", "clock uncertainty HLS reserved"},
    {"hls.latency_cycles", "cycles", L, "hls", "HLS worst-case latency"},
    {"hls.interval_cycles", "cycles", L, "hls", "HLS worst-case initiation interval"},
    /* ---- timing ---- */
    {"timing.wns_ns", "ns", H, "timing", "worst negative (setup) slack"},
    {"timing.tns_ns", "ns", H, "timing", "total negative setup slack (0 when met)"},
    {"timing.whs_ns", "ns", H, "timing", "worst hold slack"},
    {"timing.ths_ns", "ns", H, "timing", "total negative hold slack"},
    {"timing.wpws_ns", "ns", H, "timing", "worst pulse-width slack"},
    {"timing.failing_endpoints", "count", L, "timing", "setup failing endpoints"},
    {"timing.hold_failing_endpoints", "count", L, "timing", "hold failing endpoints"},
    {"timing.total_endpoints", "count", N, "timing", "setup endpoints analysed"},
    {"timing.clocks", "count", N, "timing", "clocks defined in the design"},
    {"timing.period_ns", "ns", N, "timing", "target clock period (per clock in scope)"},
    {"timing.target_mhz", "MHz", N, "timing", "target clock frequency"},
    {"timing.met", "bool", H, "timing", "1 when every setup and hold constraint is met"},
    {"timing.fmax_mhz", "MHz", H, "timing", "achievable clock frequency (period - WNS, or the tool's fmax)"},
    {"timing.crit_delay_ns", "ns", L, "timing", "data path delay of the critical path"},
    {"timing.crit_levels", "count", L, "timing", "logic levels on the critical path"},
    {"timing.crit_start", "text", N, "timing", "start point of the critical path"},
    {"timing.crit_end", "text", N, "timing", "end point of the critical path"},
    /* ---- performance ---- */
    {"perf.clock_mhz", "MHz", N, "performance", "clock the performance figures assume"},
    {"perf.throughput_fps_est", "fps", H, "performance", "estimated throughput (FINN estimate_network_performance)"},
    {"perf.throughput_fps", "fps", H, "performance", "measured throughput (rtlsim)"},
    {"perf.throughput_fps_fmax", "fps", H, "performance", "throughput at the synthesized fmax (FINN OOC synthesis)"},
    {"perf.latency_ns_est", "ns", L, "performance", "estimated latency (critical path cycles x clock)"},
    {"perf.latency_ns", "ns", L, "performance", "measured latency (rtlsim latency cycles / clock)"},
    {"perf.latency_cycles", "cycles", L, "performance", "measured latency in cycles"},
    {"perf.critical_path_cycles", "cycles", L, "performance", "estimated cycles through the dataflow critical path"},
    {"perf.max_cycles", "cycles", L, "performance", "cycles of the slowest layer (the initiation interval)"},
    {"perf.cycles", "cycles", L, "performance", "cycles per inference (per layer: FINN estimate; build: rtlsim total)"},
    {"perf.interval_cycles", "cycles", L, "performance", "measured initiation interval"},
    {"perf.bottleneck_layer", "text", N, "performance", "the layer with the most cycles"},
    {"perf.est_vs_measured", "ratio", N, "performance", "estimated / measured throughput (1.0 = estimate exact)"},
    {"perf.sim_runtime_ms", "ms", N, "performance", "simulated runtime of the rtlsim batch"},
    {"perf.sim_batch", "count", N, "performance", "inferences in the rtlsim batch"},
    {"perf.sim_incomplete", "count", L, "performance", "unfinished inputs/outputs or timeouts in rtlsim"},
    {"perf.stall_cycles", "cycles", L, "performance", "stall cycles counted in simulation"},
    /* ---- power ---- */
    {"power.total_w", "W", L, "power", "total on-chip power"},
    {"power.dynamic_w", "W", L, "power", "dynamic power (per hierarchy instance in scope)"},
    {"power.static_w", "W", L, "power", "device static power"},
    {"power.junction_c", "C", L, "power", "junction temperature"},
    {"power.clocks_w", "W", L, "power", "power of clocks"},
    {"power.logic_w", "W", L, "power", "power of slice/CLB logic"},
    {"power.signals_w", "W", L, "power", "power of signals"},
    {"power.bram_w", "W", L, "power", "power of block RAM"},
    {"power.dsp_w", "W", L, "power", "power of DSPs"},
    {"power.ps_w", "W", L, "power", "power of the processing system (PS7/PS8)"},
    {"power.rail_a", "A", L, "power", "current per supply rail (rail in scope)"},
    {"power.confidence", "text", N, "power", "the tool's confidence in the power figure"},
    {"power.energy_uj", "uJ", L, "power", "energy per inference (power / throughput)"},
    /* ---- memory ---- */
    {"mem.weight_bits", "bits", L, "memory", "weight bits (per layer and total)"},
    {"mem.threshold_bits", "bits", L, "memory", "threshold bits (per layer and total)"},
    {"mem.weight_bw_gbps", "Gb/s", N, "memory", "weight bandwidth at the achieved rate (each weight read once per inference)"},
    {"mem.act_in_mbps", "Mb/s", N, "memory", "input activation bandwidth (DRAM in, rtlsim)"},
    {"mem.act_out_mbps", "Mb/s", N, "memory", "output activation bandwidth (DRAM out, rtlsim)"},
    {"mem.total_bw_gbps", "Gb/s", N, "memory", "weights + activations bandwidth at the achieved rate"},
    /* ---- operations ---- */
    {"ops.macs", "count", N, "ops", "multiply-accumulates per inference (per layer and total)"},
    {"ops.params", "count", N, "ops", "parameters (weights + thresholds)"},
    {"ops.gops", "GOP/s", H, "ops", "operations per second at the achieved rate (2 per MAC)"},
    /* ---- efficiency ---- */
    {"eff.lut_per_kfps", "LUT/kfps", L, "efficiency", "LUTs per thousand inferences per second"},
    {"eff.dsp_per_kfps", "DSP/kfps", L, "efficiency", "DSPs per thousand inferences per second"},
    {"eff.fps_per_w", "fps/W", H, "efficiency", "inferences per second per watt"},
    {"eff.gops_per_w", "GOP/s/W", H, "efficiency", "operations per second per watt"},
    {"eff.gops_per_klut", "GOP/s/kLUT", H, "efficiency", "operations per second per thousand LUTs"},
    {"eff.balance", "ratio", H, "efficiency", "pipeline balance: mean layer cycles / max layer cycles"},
    {"eff.overallocated_layers", "count", L, "efficiency", "layers faster than half the bottleneck (parallelism that buys nothing)"},
    {"eff.idle_resources", "count", N, "efficiency", "resource types under 5% utilisation"},
    {"eff.layer_slack", "ratio", N, "efficiency", "per layer: its cycles / bottleneck cycles (1 = the bottleneck)"},
    /* ---- folding ---- */
    {"fold.pe", "count", N, "folding", "PE of a layer"},
    {"fold.simd", "count", N, "folding", "SIMD of a layer"},
    {"fold.parallelism", "count", N, "folding", "sum over layers of PE x SIMD"},
    {"fold.layers", "count", N, "folding", "layers in the folding configuration"},
    {"fold.fifo_depth", "count", L, "folding", "FIFO depth (per FIFO and total)"},
    /* ---- quality ---- */
    {"quality.top1_agreement", "ratio", H, "quality", "top-1 agreement of hardware vs QONNX reference outputs"},
    {"quality.max_abs_err", "abs", L, "quality", "max absolute difference of hardware vs reference outputs"},
    {"quality.mean_abs_err", "abs", L, "quality", "mean absolute difference of hardware vs reference outputs"},
    {"quality.accuracy", "ratio", H, "quality", "accuracy on the labelled data given"},
    {"quality.samples", "count", N, "quality", "inputs compared"},
    /* ---- build process ---- */
    {"build.wall_s", "s", L, "build", "wall time (per step/task in scope)"},
    {"build.cpu_s", "s", L, "build", "CPU time of the tool processes"},
    {"build.peak_rss_mb", "MB", L, "build", "peak resident memory of the tool processes"},
    {"build.steps", "count", N, "build", "steps run"},
    {"build.attempts", "count", L, "build", "task attempts (retries included)"},
    {"build.parse_errors", "count", L, "build", "report files that failed to parse"},
};

#undef L
#undef H
#undef N

const bs_metric_def *bs_metric_table(size_t *n)
{
    if (n)
        *n = sizeof metric_table / sizeof metric_table[0];
    return metric_table;
}

const bs_metric_def *bs_metric_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sizeof metric_table / sizeof metric_table[0]; i++)
        if (strcmp(metric_table[i].id, id) == 0)
            return &metric_table[i];
    return NULL;
}

const char *bs_better_name(bs_better b)
{
    switch (b) {
    case BS_BETTER_LOWER: return "lower";
    case BS_BETTER_HIGHER: return "higher";
    default: return "none";
    }
}
