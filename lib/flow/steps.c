/* steps.c - the step registry: every step name FINN dev 2025 knows
 * (build_dataflow_step_lookup), in FINN's order, with help text and either
 * a native implementation or the external backend the step needs.  Also
 * FINN's default and estimate-only step lists. */
#include <string.h>

#include "flow_int.h"

static const bs_step_def steps[] = {
    {"step_qonnx_to_finn", bs_step_qonnx_to_finn, NULL,
     "QONNX -> FINN-ONNX: cleanup, Quant/BipolarQuant/Trunc to MultiThreshold, folded weights"},
    {"step_tidy_up", bs_step_tidy_up, NULL,
     "InferShapes, FoldConstants, GiveUniqueNodeNames, GiveReadableTensorNames, InferDataTypes"},
    {"step_streamline", bs_step_streamline, NULL,
     "move/absorb scales and biases into MultiThresholds (FINN Streamline set)"},
    {"step_convert_to_hw", bs_step_convert_to_hw, NULL,
     "MatMul+MultiThreshold -> MVAU, MultiThreshold -> Thresholding, TopK -> LabelSelect, ..."},
    {"step_create_dataflow_partition", bs_step_create_dataflow_partition, NULL,
     "split HW nodes into a StreamingDataflowPartition; continue on the child model"},
    {"step_specialize_layers", bs_step_specialize_layers, NULL,
     "choose hls/rtl variants (SpecializeLayers), optional specialize_layers_config_file"},
    {"step_target_fps_parallelization", bs_step_target_fps_parallelization, NULL,
     "SetFolding for target_fps; writes auto_folding_config.json"},
    {"step_apply_folding_config", bs_step_apply_folding_config, NULL,
     "GiveUniqueNodeNames, ApplyConfig(folding_config_file)"},
    {"step_minimize_bit_width", bs_step_minimize_bit_width, NULL,
     "MinimizeWeightBitWidth, MinimizeAccumulatorWidth, RoundAndClipThresholds"},
    {"step_transpose_decomposition", bs_step_transpose_decomposition, NULL,
     "Shuffle decomposition (no-op without Shuffle nodes)"},
    {"step_generate_estimate_reports", bs_step_generate_estimate_reports, NULL,
     "report/estimate_layer_*.json, estimate_network_performance.json, op_and_param_counts.json"},
    {"step_hw_codegen", NULL, "vitis_hls (PrepareIP: HLS C++ / RTL templates)",
     "generate per-node HLS/RTL sources"},
    {"step_hw_ipgen", NULL, "vitis_hls (HLSSynthIP)", "synthesise per-node IP"},
    {"step_set_fifo_depths", bs_step_set_fifo_depths, "vivado+xsim (FIFO simulation, auto_fifo_depths=true)",
     "InsertDWC + InsertFIFO, final_hw_config.json (native with auto_fifo_depths=false)"},
    {"step_create_stitched_ip", NULL, "vivado (IP integrator)", "stitch the IP"},
    {"step_measure_rtlsim_performance", NULL, "vivado xsim / verilator", "rtlsim throughput"},
    {"step_out_of_context_synthesis", NULL, "vivado (synthesis)", "out-of-context synthesis"},
    {"step_synthesize_bitfile", NULL, "vivado / vitis v++", "bitfile"},
    {"step_make_driver", NULL, "finn driver generator (PYNQ / C++)", "host driver"},
    {"step_make_pynq_driver", NULL, "finn driver generator (PYNQ)", "[main] PYNQ driver"},
    {"step_deployment_package", NULL, "bitfile + driver (run their steps first)", "deploy/ package"},
    {"step_loop_rolling", NULL, "finn MLO loop rolling (not implemented)", "[dev] multi-layer offload"},
};
#define NSTEPS ((int)(sizeof steps / sizeof steps[0]))

static const char *const default_steps[] = {
    "step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw",
    "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
    "step_apply_folding_config", "step_minimize_bit_width", "step_transpose_decomposition",
    "step_generate_estimate_reports", "step_hw_codegen", "step_hw_ipgen", "step_set_fifo_depths",
    "step_create_stitched_ip", "step_measure_rtlsim_performance", "step_out_of_context_synthesis",
    "step_synthesize_bitfile", "step_make_driver", "step_deployment_package", NULL};

static const char *const estimate_steps[] = {
    "step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw",
    "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
    "step_apply_folding_config", "step_minimize_bit_width", "step_generate_estimate_reports", NULL};

bool bs_flow_step_native(const bs_flow_config *cfg, const char *name)
{
    const bs_step_def *d = bs_step_find(name);
    if (!d) return true;                       /* user steps */
    if (!d->fn) return false;
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
