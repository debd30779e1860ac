/* plan.c - `brainsmith pipeline plan`: derives the step list FINN would run
 * for a model and a config, and for every step whether it runs, is skipped
 * (and why: nothing to convert, no target_fps, output not requested, ...)
 * or cannot run natively (the backend it needs). */
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/ir.h"
#include "flow_int.h"

static int count_ops(const bs_ir_graph *g, const char *op)
{
    int c = 0;
    for (int k = 0; k < g->nnodes; k++) c += !strcmp(g->nodes[k]->op_type, op);
    return c;
}

int bs_flow_plan(const bs_flow_config *cfg, const char *model_path, cJSON **out)
{
    bs_ir_graph *g = NULL;
    int rc = bs_ir_load(model_path, &g);
    if (rc < 0) return rc;
    const char **names = NULL;
    int n = 0, first = 0;
    if ((rc = bs_flow_resolve_steps(cfg, &names, &n, NULL, NULL, &first)) < 0) { bs_ir_free(g); return rc; }
    int nq = count_ops(g, "Quant") + count_ops(g, "BipolarQuant") + count_ops(g, "Trunc");
    int nconv = count_ops(g, "Conv"), nhw = 0;
    for (int k = 0; k < g->nnodes; k++) nhw += bs_ir_domain_is_fpgadataflow(g->nodes[k]->domain);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        const char *s = names[i];
        const bs_step_def *d = bs_step_find(s);
        const char *action = "run", *why = d ? d->help : "user step (external command)";
        char buf[256];
        if (d && !bs_flow_step_native(cfg, s)) { action = "unsupported"; snprintf(buf, sizeof buf, "needs backend: %s", d->backend); why = buf; }
        else if (!strcmp(s, "step_qonnx_to_finn") && nq == 0) { action = "skip"; why = "no Quant/BipolarQuant/Trunc nodes: the model is already FINN-ONNX"; }
        else if (!strcmp(s, "step_streamline") && nconv) { action = "unsupported"; why = "Conv present: convolution lowering is not implemented natively yet"; }
        else if (nhw && (!strcmp(s, "step_qonnx_to_finn") || !strcmp(s, "step_streamline") || !strcmp(s, "step_convert_to_hw"))) {
            action = "skip"; why = "the model already holds HW (fpgadataflow) nodes";
        }
        else if (!strcmp(s, "step_target_fps_parallelization") && !cfg->has_target_fps) { action = "skip"; why = "no target_fps in the config"; }
        else if (!strcmp(s, "step_apply_folding_config") && !cfg->folding_config_file) { action = "skip"; why = "no folding_config_file (only renames nodes)"; }
        else if (!strcmp(s, "step_minimize_bit_width") && !cfg->minimize_bit_width) { action = "skip"; why = "minimize_bit_width is false"; }
        else if (!strcmp(s, "step_transpose_decomposition") && !count_ops(g, "Shuffle")) { action = "skip"; why = "no Shuffle nodes"; }
        else if (!strcmp(s, "step_generate_estimate_reports") && !(cfg->generate_outputs & BS_OUT_ESTIMATE_REPORTS)) { action = "skip"; why = "estimate_reports not in generate_outputs"; }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", first + i + 1);
        cJSON_AddStringToObject(o, "step", s);
        cJSON_AddStringToObject(o, "action", action);
        cJSON_AddStringToObject(o, "reason", why);
        cJSON_AddItemToArray(arr, o);
    }
    free(names);
    bs_ir_free(g);
    *out = arr;
    return 0;
}
