/* steps_impl.c - the native FINN build steps (finn-reference §1.6, FINN dev
 * 2025 as of commit 54ede869): each runs the transformation sequence FINN's
 * step function runs, writes the files FINN writes, and runs the
 * configured verification point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"
#include "flow_int.h"

static void warn_to_log(void *ud, const char *msg)
{
    bs_flow_ctx *ctx = ud;
    bs_flow_logf(ctx, "UserWarning: %s", msg);
    BS_DEBUG("%s: %s", ctx->step ? ctx->step : "flow", msg);
}

static void xctx(bs_flow_ctx *ctx, bs_xform_ctx *x)
{
    memset(x, 0, sizeof *x);
    x->g = ctx->g;
    x->fpga_part = ctx->part;
    x->max_multithreshold_bit_width = ctx->cfg->max_multithreshold_bit_width;
    x->mvau_wwidth_max = ctx->cfg->mvau_wwidth_max;
    x->two_pass_relaxation = ctx->cfg->folding_two_pass_relaxation;
    x->bus = ctx->bus;
    x->build_id = ctx->build_id;
    x->warn = warn_to_log;
    x->warn_ud = ctx;
}

static int run(bs_flow_ctx *ctx, const char *const *list)
{
    bs_xform_ctx x;
    xctx(ctx, &x);
    return bs_xform_apply_list(&x, list);
}

static int count_ops(const bs_ir_graph *g, const char *op)
{
    int c = 0;
    for (int k = 0; k < g->nnodes; k++) c += !strcmp(g->nodes[k]->op_type, op);
    return c;
}

int bs_step_qonnx_to_finn(bs_flow_ctx *ctx)
{
    /* FINN looks for "BinaryQuant" (a bug): brainsmith also converts
     * models quantized only with BipolarQuant. */
    int q = count_ops(ctx->g, "Quant") + count_ops(ctx->g, "BipolarQuant") + count_ops(ctx->g, "Trunc") +
            count_ops(ctx->g, "BinaryQuant");
    if (q == 0) return 0;
    static const char *const cleanup[] = {
        "ConvertQuantDomains", "InferShapes", "GiveUniqueParameterTensors", "FoldConstants",
        "FoldTransposeIntoQuantInit", "RemoveUnusedTensors", "RemoveStaticGraphInputs",
        "GiveUniqueNodeNames", "GiveReadableTensorNames", NULL};
    static const char *const convert[] = {
        "ExtractBiasFromConv", "GemmToMatMul", "FoldTransposeIntoQuantInit", "InferDataTypes",
        "FoldQuantWeights", "ConvertQuantActToMultiThreshold", "InferDataTypes",
        "AvgPoolAndTruncToQuantAvgPool", "RemoveIdentityOps", NULL};
    int rc = run(ctx, cleanup);
    if (rc < 0 || (rc = run(ctx, convert)) < 0) return rc;
    return bs_flow_verify(ctx, BS_VERIFY_FINN_ONNX_PYTHON, "finn_onnx_python");
}

int bs_step_tidy_up(bs_flow_ctx *ctx)
{
    static const char *const list[] = {"InferShapes", "FoldConstants", "GiveUniqueNodeNames",
                                       "GiveReadableTensorNames", "InferDataTypes",
                                       "RemoveStaticGraphInputs", NULL};
    int rc = run(ctx, list);
    return rc < 0 ? rc : bs_flow_verify(ctx, BS_VERIFY_INITIAL_PYTHON, "initial_python");
}

int bs_step_streamline(bs_flow_ctx *ctx)
{
    static const char *const a[] = {"AbsorbSignBiasIntoMultiThreshold", "Streamline", NULL};
    static const char *const b[] = {"ConvertBipolarMatMulToXnorPopcount", "Streamline",
                                    "AbsorbScalarMulAddIntoTopK", "InferDataLayouts", "RemoveUnusedTensors",
                                    NULL};
    int rc = run(ctx, a);
    if (rc < 0) return rc;
    if (count_ops(ctx->g, "Conv")) {
        static const char *const lower[] = {"LowerConvsToMatMul", "MakeMaxPoolNHWC", "AbsorbTransposeIntoMultiThreshold",
                                            "MakeMaxPoolNHWC", "AbsorbConsecutiveTransposes", NULL};
        if ((rc = run(ctx, lower)) < 0) return rc;
    }
    if ((rc = run(ctx, b)) < 0) return rc;
    return bs_flow_verify(ctx, BS_VERIFY_STREAMLINED_PYTHON, "streamlined_python");
}

int bs_step_convert_to_hw(bs_flow_ctx *ctx)
{
    int rc;
    if (ctx->cfg->standalone_thresholds) {
        static const char *const t[] = {"InferThresholdingLayer", NULL};
        if ((rc = run(ctx, t)) < 0) return rc;
    }
    static const char *const list[] = {"InferBinaryMatrixVectorActivation", "InferQuantizedMatrixVectorActivation",
                                       "InferLabelSelectLayer", "InferThresholdingLayer", NULL};
    if ((rc = run(ctx, list)) < 0) return rc;
    if (count_ops(ctx->g, "Im2Col")) {
        static const char *const conv[] = {"InferPool", "InferConvInpGen", "RemoveCNVtoFCFlatten", NULL};
        if ((rc = run(ctx, conv)) < 0) return rc;
    }
    static const char *const tail[] = {"AbsorbConsecutiveTransposes", "GiveUniqueNodeNames", "InferDataLayouts", NULL};
    return run(ctx, tail);
}

int bs_step_create_dataflow_partition(bs_flow_ctx *ctx)
{
    bs_xform_ctx x;
    xctx(ctx, &x);
    /* name every node that FINN would leave unconverted, for the error */
    bs_ir_graph *child = NULL;
    char *dir = NULL, *path = NULL, *given = NULL;
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_printf(&sb, "%s/intermediate_models/supported_op_partitions", ctx->out_dir);
    dir = bs_strbuf_detach(&sb);
    path = bs_path_join(dir, "partition_0.onnx");
    /* the SDP "model" attribute names the file as FINN does: relative to
     * the output_dir spelling of the config */
    /* relative only when it resolves from the current directory */
    const char *od = ctx->out_dir;
    if (ctx->out_dir_given && ctx->out_dir_given[0] != '/') {
        char *r = realpath(ctx->out_dir_given, NULL);
        if (r && !strcmp(r, ctx->out_dir)) od = ctx->out_dir_given;
        free(r);
    }
    bs_strbuf_printf(&sb, "%s/intermediate_models/supported_op_partitions/partition_0.onnx", od);
    given = bs_strbuf_detach(&sb);
    x.config_file = given;
    int rc = bs_xform_create_partition(&x, &child);
    if (rc < 0) goto out;
    ctx->g = x.g;
    if ((rc = bs_mkdir_p(dir)) < 0) goto out;
    if ((rc = bs_flow_save_model(child, path)) < 0) goto out;
    if (ctx->cfg->save_intermediate_models) {
        char *pp = bs_path_join(ctx->out_dir, "intermediate_models/dataflow_parent.onnx");
        rc = bs_flow_save_model(ctx->g, pp);
        free(pp);
        if (rc < 0) goto out;
    }
    if (ctx->parent) bs_ir_free(ctx->parent);
    ctx->parent = ctx->g;   /* kept for verification in context */
    ctx->g = child;
    child = NULL;
    {
        static const char *const attrs[] = {"preferred_impl_style", NULL};
        cJSON *j = NULL;
        if ((rc = bs_xform_extract_config(ctx->g, attrs, &j)) < 0) goto out;
        rc = bs_flow_write_json(ctx->out_dir, "template_specialize_layers_config.json", j);
        cJSON_Delete(j);
    }
out:
    if (child) bs_ir_free(child);
    free(dir);
    free(path);
    free(given);
    return rc;
}

int bs_step_specialize_layers(bs_flow_ctx *ctx)
{
    bs_xform_ctx x;
    xctx(ctx, &x);
    int rc;
    char *file = NULL;
    if (ctx->cfg->specialize_layers_config_file) {
        file = bs_flow_config_path(ctx->cfg, ctx->cfg->specialize_layers_config_file);
        x.config_file = file;
        static const char *const l[] = {"GiveUniqueNodeNames", "ApplyConfig", NULL};
        rc = bs_xform_apply_list(&x, l);
        free(file);
        if (rc < 0) return rc;
        x.config_file = NULL;
    }
    static const char *const l2[] = {"SpecializeLayers", "InferShapes", "InferDataTypes", NULL};
    return bs_xform_apply_list(&x, l2);
}

int bs_step_target_fps_parallelization(bs_flow_ctx *ctx)
{
    const bs_flow_config *c = ctx->cfg;
    if (!c->has_target_fps) return 0;
    bs_xform_ctx x;
    xctx(ctx, &x);
    x.target_cycles = (int64_t)((1e9 / c->synth_clk_period_ns) / c->target_fps);
    int rc = bs_xform_apply(&x, "SetFolding", NULL);
    if (rc < 0) return rc;
    static const char *const attrs[] = {"PE", "SIMD", "parallel_window", "ram_style", "resType", "mem_mode",
                                        "runtime_writeable_weights", "depth_trigger_uram", "depth_trigger_bram",
                                        NULL};
    cJSON *j = NULL;
    if ((rc = bs_xform_extract_config(ctx->g, attrs, &j)) < 0) return rc;
    rc = bs_flow_write_json(ctx->out_dir, "auto_folding_config.json", j);
    cJSON_Delete(j);
    return rc;
}

int bs_step_apply_folding_config(bs_flow_ctx *ctx)
{
    int rc = 0;
    if (ctx->cfg->folding_config_file) {
        bs_xform_ctx x;
        xctx(ctx, &x);
        char *file = bs_flow_config_path(ctx->cfg, ctx->cfg->folding_config_file);
        x.config_file = file;
        static const char *const l[] = {"GiveUniqueNodeNames", "ApplyConfig", NULL};
        rc = bs_xform_apply_list(&x, l);
        free(file);
        if (rc < 0) return rc;
    }
    return bs_flow_verify(ctx, BS_VERIFY_FOLDED_HLS_CPPSIM, "folded_hls_cppsim");
}

int bs_step_minimize_bit_width(bs_flow_ctx *ctx)
{
    if (!ctx->cfg->minimize_bit_width) return 0;
    static const char *const l[] = {"MinimizeWeightBitWidth", "MinimizeAccumulatorWidth", "RoundAndClipThresholds",
                                    "InferDataTypes", NULL};
    return run(ctx, l);
}

int bs_step_transpose_decomposition(bs_flow_ctx *ctx)
{
    if (count_ops(ctx->g, "Shuffle"))
        return bs_error_set(BS_EUNSUPPORTED, "Shuffle decomposition is not implemented in brainsmith yet");
    return 0;
}

int bs_step_generate_estimate_reports(bs_flow_ctx *ctx)
{
    if (!(ctx->cfg->generate_outputs & BS_OUT_ESTIMATE_REPORTS)) return 0;
    return bs_flow_write_estimate_reports(ctx);
}

int bs_step_set_fifo_depths(bs_flow_ctx *ctx)
{
    const bs_flow_config *c = ctx->cfg;
    if (c->auto_fifo_depths)
        return bs_error_set(BS_EUNSUPPORTED, "step_set_fifo_depths with auto_fifo_depths=true needs the vivado+xsim "
                            "FIFO simulation backend (auto_fifo_strategy %s); set auto_fifo_depths=false for "
                            "FINN's fixed-depth FIFOs (natively supported)", c->auto_fifo_strategy);
    bs_xform_ctx x;
    xctx(ctx, &x);
    x.create_shallow_fifos = true;
    static const char *const l[] = {"InsertDWC", "InsertFIFO", "SpecializeLayers", "GiveUniqueNodeNames",
                                    "GiveReadableTensorNames", NULL};
    int rc = bs_xform_apply_list(&x, l);
    if (rc < 0) return rc;
    char *file = NULL;
    if (c->folding_config_file) {
        file = bs_flow_config_path(c, c->folding_config_file);
        x.config_file = file;
        rc = bs_xform_apply(&x, "ApplyConfig", NULL);
        free(file);
        x.config_file = NULL;
        if (rc < 0) return rc;
    }
    static const char *const attrs[] = {"PE", "SIMD", "parallel_window", "ram_style", "depth", "impl_style", "resType",
                                        "mem_mode", "runtime_writeable_weights", "inFIFODepths", "outFIFODepths",
                                        "depth_trigger_uram", "depth_trigger_bram", NULL};
    cJSON *j = NULL;
    if ((rc = bs_xform_extract_config(ctx->g, attrs, &j)) < 0) return rc;
    rc = bs_flow_write_json(ctx->out_dir, "final_hw_config.json", j);
    cJSON_Delete(j);
    if (rc < 0) return rc;
    if (c->split_large_fifos)
        bs_flow_logf(ctx, "UserWarning: SplitLargeFIFOs: every FIFO has depth 2 here, nothing to split");
    if ((rc = bs_xform_apply(&x, "RemoveShallowFIFOs", NULL)) < 0) return rc;
    bs_flow_logf(ctx, "PrepareIP/HLSSynthIP for the new FIFO/DWC nodes skipped: they need vitis_hls "
                      "(step_hw_codegen/step_hw_ipgen)");
    return 0;
}
