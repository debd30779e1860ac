/* config.c - writing a chosen point as a directory FINN's build_dataflow
 * (and `brainsmith build --config`) runs: dataflow_build_config.json for
 * the platform, the folding JSON in FINN's auto_folding_config format, the
 * specialize_layers config when a layer's hls/rtl variant was chosen, the
 * model and a dse_summary.json saying what was asked and reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"
#include "dse_int.h"

/* FINN's extract_model_config_to_json attribute list of step_target_fps_parallelization. */
static const char *const fold_attrs[] = {"PE", "SIMD", "parallel_window", "ram_style", "resType", "mem_mode",
                                         "runtime_writeable_weights", "depth_trigger_uram", "depth_trigger_bram",
                                         NULL};

cJSON *bs_dse_folding_json(const bs_dse_design *d, const bs_dse_point *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Defaults", cJSON_CreateObject());
    char nm[80];
    for (int i = 0; i < d->n; i++) {
        bs_knode k;
        if (dse_apply_choice(&d->nodes[i], &p->c[i], true, &k) < 0) { bs_error_clear(); continue; }
        cJSON *e = cJSON_CreateObject();
        for (int a = 0; fold_attrs[a]; a++) {
            const bs_kattr_def *def = bs_kernel_attr(k.k, fold_attrs[a]);
            if (!def) continue;
            if (def->type == BS_KA_INT) {
                int64_t v;
                if (bs_knode_get_int(&k, fold_attrs[a], &v) == 0) cJSON_AddNumberToObject(e, fold_attrs[a], (double)v);
            } else if (def->type == BS_KA_STR) {
                const char *s = bs_knode_get_str(&k, fold_attrs[a]);
                if (s) cJSON_AddStringToObject(e, fold_attrs[a], s);
            }
        }
        bs_error_clear();
        if (!cJSON_GetArraySize(e)) { cJSON_Delete(e); continue; }
        bs_dse_node_name(d, p, i, nm, sizeof nm);
        cJSON_AddItemToObject(o, nm, e);
    }
    return o;
}

static int save(const char *dir, const char *name, const cJSON *j)
{
    char *p = bs_path_join(dir, name);
    char *txt = bs_json_print_py(j, 2);
    int rc = txt ? bs_write_file_atomic(p, txt, strlen(txt)) : bs_error_set(BS_ENOMEM, "dse: out of memory");
    free(txt);
    free(p);
    return rc;
}

int bs_dse_write_config(const bs_dse_design *d, const bs_dse_point *p, const cJSON *summary, const char *dir)
{
    int rc = bs_mkdir_p(dir);
    if (rc < 0) return rc;
    const bs_platform *pl = d->plat;
    bool variant_changed = false;
    for (int i = 0; i < d->n; i++) variant_changed |= p->c[i].var != d->nodes[i].cur_var;

    cJSON *c = cJSON_CreateObject();
    char out[256];
    const char *base = strrchr(d->model, '/');
    base = base ? base + 1 : d->model;
    snprintf(out, sizeof out, "output_%.*s_%s", (int)(strcspn(base, ".")), base, pl->name);
    cJSON_AddStringToObject(c, "output_dir", out);
    cJSON_AddItemToObject(c, "synth_clk_period_ns", bs_json_py_float(d->clk_ns));
    if (bs_flow_board_part(pl->name)) cJSON_AddStringToObject(c, "board", pl->name);
    cJSON_AddStringToObject(c, "fpga_part", pl->part);
    if (pl->shell && pl->shell[0]) cJSON_AddStringToObject(c, "shell_flow_type", pl->shell);
    if (pl->vitis_platform && pl->vitis_platform[0]) cJSON_AddStringToObject(c, "vitis_platform", pl->vitis_platform);
    cJSON_AddNumberToObject(c, "mvau_wwidth_max", (double)d->wwidth);
    if (!d->two_pass) cJSON_AddFalseToObject(c, "folding_two_pass_relaxation");
    cJSON_AddStringToObject(c, "folding_config_file", "folding_config.json");
    if (variant_changed) cJSON_AddStringToObject(c, "specialize_layers_config_file", "specialize_layers_config.json");
    cJSON *go = cJSON_AddArrayToObject(c, "generate_outputs");
    cJSON_AddItemToArray(go, cJSON_CreateString("estimate_reports"));
    if (!strcmp(pl->toolchain, "vivado")) {
        cJSON_AddItemToArray(go, cJSON_CreateString("stitched_ip"));
        cJSON_AddItemToArray(go, cJSON_CreateString("out_of_context_synth"));
        if (pl->shell && pl->shell[0]) {
            cJSON_AddItemToArray(go, cJSON_CreateString("bitfile"));
            if (!strcmp(pl->shell, "vivado_zynq")) cJSON_AddItemToArray(go, cJSON_CreateString("pynq_driver"));
            cJSON_AddItemToArray(go, cJSON_CreateString("deployment_package"));
        }
    }
    cJSON_AddTrueToObject(c, "save_intermediate_models");
    if (!strcmp(d->source, "hw-model")) {
        /* the model is already in HW form (after step_specialize_layers):
         * FINN's default steps from folding on */
        cJSON *st = cJSON_AddArrayToObject(c, "steps");
        bool on = false;
        for (const char *const *sp = bs_flow_default_steps(); *sp; sp++) {
            on |= !strcmp(*sp, "step_target_fps_parallelization");
            if (on) cJSON_AddItemToArray(st, cJSON_CreateString(*sp));
        }
    }
    rc = save(dir, "dataflow_build_config.json", c);
    cJSON_Delete(c);
    if (rc < 0) return rc;

    cJSON *f = bs_dse_folding_json(d, p);
    rc = save(dir, "folding_config.json", f);
    cJSON_Delete(f);
    if (rc < 0) return rc;

    if (variant_changed) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddItemToObject(s, "Defaults", cJSON_CreateObject());
        for (int i = 0; i < d->n; i++) {
            if (d->nodes[i].nvar < 2) continue;
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "preferred_impl_style", d->nodes[i].var[p->c[i].var]->backend);
            cJSON_AddItemToObject(s, d->nodes[i].abstract_name, e);
        }
        rc = save(dir, "specialize_layers_config.json", s);
        cJSON_Delete(s);
        if (rc < 0) return rc;
    }
    cJSON *sm = cJSON_CreateObject();
    if (summary) cJSON_AddItemToObject(sm, "search", cJSON_Duplicate(summary, 1));
    cJSON_AddItemToObject(sm, "design", bs_dse_point_json(d, p));
    rc = save(dir, "dse_summary.json", sm);
    cJSON_Delete(sm);
    if (rc < 0) return rc;
    if (strcmp(d->source, "build-dir")) {
        char *mp = bs_path_join(dir, "model.onnx");
        rc = bs_copy_file(d->model, mp);
        free(mp);
    }
    return rc;
}
