/* steps.c - the step registry: every step name FINN dev 2025 (54ede869)
 * knows (build_dataflow_step_lookup), in FINN's order, plus the names of
 * FINN main (step_make_pynq_driver) and later dev (step_transpose_decomposition,
 * step_loop_rolling), with help text and either a native implementation or
 * the external backend the step needs.  Also FINN dev 2025's default (19)
 * and estimate-only (10) step lists. */
#include <string.h>

#include "brainsmith/error.h"
#include "flow_int.h"
#include "hwsteps.h"

static const bs_step_def steps[] = {
    {"step_qonnx_to_finn", bs_step_qonnx_to_finn, NULL,
     "QONNX -> FINN-ONNX: cleanup, Quant/BipolarQuant/Trunc to MultiThreshold, folded weights", 0},
    {"step_tidy_up", bs_step_tidy_up, NULL,
     "InferShapes, FoldConstants, GiveUniqueNodeNames, GiveReadableTensorNames, InferDataTypes", 0},
    {"step_streamline", bs_step_streamline, NULL,
     "move/absorb scales and biases into MultiThresholds (FINN Streamline set)", 0},
    {"step_convert_to_hw", bs_step_convert_to_hw, NULL,
     "MatMul+MultiThreshold -> MVAU, MultiThreshold -> Thresholding, TopK -> LabelSelect, ...", 0},
    {"step_create_dataflow_partition", bs_step_create_dataflow_partition, NULL,
     "split HW nodes into a StreamingDataflowPartition; continue on the child model", 0},
    {"step_specialize_layers", bs_step_specialize_layers, NULL,
     "choose hls/rtl variants (SpecializeLayers), optional specialize_layers_config_file", 0},
    {"step_target_fps_parallelization", bs_step_target_fps_parallelization, NULL,
     "SetFolding for target_fps; writes auto_folding_config.json", 0},
    {"step_apply_folding_config", bs_step_apply_folding_config, NULL,
     "GiveUniqueNodeNames, ApplyConfig(folding_config_file)", 0},
    {"step_minimize_bit_width", bs_step_minimize_bit_width, NULL,
     "MinimizeWeightBitWidth, MinimizeAccumulatorWidth, RoundAndClipThresholds", 0},
    {"step_generate_estimate_reports", bs_step_generate_estimate_reports, NULL,
     "report/estimate_layer_*.json, estimate_network_performance.json, op_and_param_counts.json", 0},
    {"step_hw_codegen", bs_hwstep_hw_codegen, NULL,
     "per-node Verilog + memory-init files (lib/rtl) -> hw_codegen/", 0},
    {"step_hw_ipgen", NULL, "vitis_hls (HLSSynthIP)", "synthesise per-node IP", 0},
    {"step_set_fifo_depths", bs_hwstep_set_fifo_depths, NULL,
     "DWC + FIFO insertion, native FIFO sizing on the cycle model (auto_fifo_depths), final_hw_config.json", 0},
    {"step_create_stitched_ip", bs_hwstep_create_stitched_ip, NULL, "stitched Verilog top (stitched_ip) -> stitched_ip/",
     BS_OUT_STITCHED_IP},
    {"step_measure_rtlsim_performance", bs_hwstep_measure_rtlsim_performance, NULL,
     "Verilator rtlsim, bit-exact vs the executor (rtlsim_performance)", BS_OUT_RTLSIM_PERFORMANCE},
    {"step_out_of_context_synthesis", bs_hwstep_out_of_context_synthesis, NULL,
     "Yosys synth_xilinx / synth_ice40 by part (out_of_context_synth)", BS_OUT_OOC_SYNTH},
    {"step_synthesize_bitfile", bs_step_gated, "vivado / vitis v++", "bitfile (bitfile)", BS_OUT_BITFILE},
    {"step_make_driver", bs_step_gated, "finn driver generator (PYNQ / C++)", "host driver (pynq_driver, cpp_driver)",
     BS_OUT_PYNQ_DRIVER | BS_OUT_CPP_DRIVER},
    {"step_make_pynq_driver", bs_step_gated, "finn driver generator (PYNQ)", "[main] PYNQ driver (pynq_driver)",
     BS_OUT_PYNQ_DRIVER},
    {"step_deployment_package", bs_step_gated, "bitfile + driver (run their steps first)",
     "deploy/ package (deployment_package)", BS_OUT_DEPLOYMENT_PACKAGE},
    {"step_loop_rolling", NULL, "finn MLO loop rolling (not implemented)", "[dev 2026] multi-layer offload", 0},
    {"step_ice40_bitstream", bs_hwstep_ice40_bitstream, NULL,
     "[brainsmith] iCE40 synth + nextpnr + icepack + icetime: bitfile/<top>.bin, report/ice40_pnr.json", 0},
    {"step_transpose_decomposition", bs_step_transpose_decomposition, NULL,
     "[dev 2026] Shuffle decomposition (no-op without Shuffle nodes)", 0},
};
#define NSTEPS ((int)(sizeof steps / sizeof steps[0]))

static const char *const default_steps[] = {
    "step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw",
    "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
    "step_apply_folding_config", "step_minimize_bit_width", "step_generate_estimate_reports", "step_hw_codegen", "step_hw_ipgen", "step_set_fifo_depths",
    "step_create_stitched_ip", "step_measure_rtlsim_performance", "step_out_of_context_synthesis",
    "step_synthesize_bitfile", "step_make_driver", "step_deployment_package", NULL};

static const char *const estimate_steps[] = {
    "step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw",
    "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
    "step_apply_folding_config", "step_minimize_bit_width", "step_generate_estimate_reports", NULL};

/* A backend step gated by a product: a no-op when the product is not
 * requested (FINN's behaviour), else it needs its backend. */
int bs_step_gated(bs_flow_ctx *ctx)
{
    const bs_step_def *d = bs_step_find(ctx->step);
    if (!(ctx->cfg->generate_outputs & d->product)) {
        bs_flow_logf(ctx, "%s: nothing to do (its output is not in generate_outputs)", d->name);
        return 0;
    }
    return bs_error_set(BS_EUNSUPPORTED, "%s needs the %s backend, which brainsmith cannot run natively; stop before "
                        "it (stop_step) or leave its output out of generate_outputs", d->name, d->backend);
}

bool bs_flow_step_native(const bs_flow_config *cfg, const char *name)
{
    const bs_step_def *d = bs_step_find(name);
    if (!d) return true;                       /* user steps */
    if (!d->fn) return false;
    if (!d->backend) return true;             /* native (incl. the open-tool backend steps) */
    if (d->product) return !(cfg->generate_outputs & d->product);
    if (!strcmp(name, "step_set_fifo_depths")) return !cfg->auto_fifo_depths;
    return true;
}

const bs_step_def *bs_step_find(const char *name)
{
    for (int i = 0; i < NSTEPS; i++)
        if (!strcmp(steps[i].name, name)) return &steps[i];
    return NULL;
}

int bs_step_count(void) { return NSTEPS; }
const bs_step_def *bs_step_at(int i) { return i >= 0 && i < NSTEPS ? &steps[i] : NULL; }
const char *const *bs_flow_default_steps(void) { return default_steps; }
const char *const *bs_flow_estimate_steps(void) { return estimate_steps; }
