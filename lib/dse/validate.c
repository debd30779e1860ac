/* validate.c - confirming a kernel selection with a build through the
 * workspace orchestrator: the chosen configuration is written as a FINN
 * config directory and built by brainsmith's flow as orchestrated tasks
 * (`brainsmith flow-exec`), the layers' estimate reports are compared with
 * the prediction, and, when a synthesis backend is available
 * (step_out_of_context_synthesis runs natively), the post-synthesis
 * per-layer resources are stored as calibration points.  Without a backend
 * the report says exactly which command would add synthesis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/hash.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"
#include "brainsmith/workspace.h"
#include "dse_int.h"

static const char *const synth_steps[] = {"step_hw_codegen", "step_hw_ipgen", "step_out_of_context_synthesis", NULL};

static bool backend_available(const char **step, const char **why)
{
    *why = *step = NULL;
    for (int i = 0; synth_steps[i]; i++) {
        const bs_step_def *s = bs_step_find(synth_steps[i]);
        if (!s || !s->fn) {
            *step = synth_steps[i];
            *why = s && s->backend ? s->backend : "a backend";
            return false;
        }
    }
    return true;
}

static bool changed(const bs_dse_design *d, const bs_dse_point *p, int i)
{
    const bs_dse_choice *c = &p->c[i], *m = (const bs_dse_choice *)&d->nodes[i].cur;
    return c->var != m->var || strcmp(c->ram_style, m->ram_style) || strcmp(c->res_type, m->res_type) ||
           strcmp(c->mem_mode, m->mem_mode);
}

static void set_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddStringToObject(o, k, v);
}

int bs_dse_validate(bs_workspace *ws, const bs_dse_design *d, const bs_dse_point *p, const char *dir, const char *exe,
                    cJSON **out)
{
    *out = NULL;
    if (!strcmp(d->source, "build-dir"))
        return bs_error_set(BS_EINVAL, "validate: %s is a build directory; give the model file so it can be rebuilt", d->model);
    int rc = bs_dse_write_config(d, p, NULL, dir);
    if (rc < 0) return rc;
    char *absdir = realpath(dir, NULL);
    if (!absdir) return bs_error_set(BS_EIO, "validate: cannot resolve %s", dir);
    const char *why, *missing;
    bool backend = backend_available(&missing, &why);
    char *cfgp = bs_path_join(absdir, "dataflow_build_config.json"), *outd = bs_path_join(absdir, "validate_build");
    char *model = bs_path_join(absdir, "model.onnx"), *vcfg = bs_path_join(absdir, "validate_config.json");
    cJSON *j = NULL, *o = cJSON_CreateObject();
    int64_t *ids = NULL;
    int n = 0;
    bs_flow_config cfg;
    bool cfg_ok = false;
    char bid[48] = "";
    if ((rc = bs_json_load_file(cfgp, &j)) < 0) goto out;
    set_str(j, "output_dir", outd);
    const char *fk[] = {"folding_config_file", "specialize_layers_config_file", NULL};
    for (int k = 0; fk[k]; k++) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(j, fk[k]));
        if (!v) continue;
        char *a = bs_path_join(absdir, v);
        set_str(j, fk[k], a);
        free(a);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(j, "generate_outputs");
    cJSON *go = cJSON_AddArrayToObject(j, "generate_outputs");
    cJSON_AddItemToArray(go, cJSON_CreateString("estimate_reports"));
    if (backend) cJSON_AddItemToArray(go, cJSON_CreateString("out_of_context_synth"));
    cJSON *st = cJSON_AddArrayToObject(j, "steps");
    for (const char *const *s = bs_flow_estimate_steps(); *s; s++) cJSON_AddItemToArray(st, cJSON_CreateString(*s));
    if (backend)
        for (int k = 0; synth_steps[k]; k++) cJSON_AddItemToArray(st, cJSON_CreateString(synth_steps[k]));
    char *txt = bs_json_print_py(j, 2);
    rc = txt ? bs_write_file_atomic(vcfg, txt, strlen(txt)) : bs_error_set(BS_ENOMEM, "validate: out of memory");
    if (rc < 0) { free(txt); goto out; }
    if ((rc = bs_flow_config_load(vcfg, &cfg)) < 0) { free(txt); goto out; }
    cfg_ok = true;
    char digest[BS_SHA256_HEX_LEN + 1] = "";
    if (bs_sha256_file_hex(model, digest) < 0) { bs_error_clear(); digest[0] = 0; }
    rc = bs_build_create(ws, "dse-validate", model, digest[0] ? digest : NULL, d->plat->name, txt, outd, bid);
    free(txt);
    if (rc < 0) goto out;
    bs_flow_submit_opts so = {.exe = exe, .home = ws->home, .config_path = vcfg, .model = model, .out_dir = outd,
                              .cwd = absdir, .build_id = bid, .max_attempts = 1};
    if ((rc = bs_mkdir_p(outd)) < 0) goto out;
    if ((rc = bs_flow_submit(ws, &cfg, &so, &ids, &n)) < 0) goto out;
    bool ok = false;
    if ((rc = bs_flow_run_orchestrated(ws, ids, n, &ok, NULL, NULL)) < 0) goto out;
    bs_build_set_state(ws, bid, ok ? "succeeded" : "failed");
    cJSON_AddStringToObject(o, "build_id", bid);
    cJSON_AddStringToObject(o, "output_dir", outd);
    cJSON *ta = cJSON_AddArrayToObject(o, "tasks");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(ta, cJSON_CreateNumber((double)ids[i]));
    cJSON_AddBoolToObject(o, "build_ok", ok);
    if (!ok) {
        cJSON_AddStringToObject(o, "status", "the validation build failed (see `brainsmith logs` of its tasks)");
        goto out;
    }
    /* the flow's estimates of every layer against the prediction */
    cJSON *res = NULL;
    char *rp = bs_path_join(outd, "report/estimate_layer_resources.json");
    rc = bs_json_load_file(rp, &res);
    free(rp);
    if (rc < 0) goto out;
    cJSON *lay = cJSON_AddArrayToObject(o, "layers");
    int mism = 0;
    char nm[80];
    for (int i = 0; i < d->n; i++) {
        bs_dse_node_name(d, p, i, nm, sizeof nm);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(res, nm);
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "node", nm);
        cJSON_AddBoolToObject(l, "changed", changed(d, p, i));
        bool match = e != NULL;
        for (int r = 0; r < BS_DSE_NRES && e; r++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, bs_dse_res_name(r));
            double want = dse_cost_res(&p->cost[i], r);
            if (!cJSON_IsNumber(v) || fabs(v->valuedouble - want) > 1e-6) match = false;
        }
        cJSON_AddBoolToObject(l, "estimate_matches", match);
        if (!e) cJSON_AddStringToObject(l, "problem", "layer not in the build (name or variant differs)");
        if (!match) mism++;
        cJSON_AddItemToArray(lay, l);
    }
    cJSON_Delete(res);
    cJSON_AddBoolToObject(o, "estimates_match", mism == 0);
    char *ps = bs_path_join(outd, "report/post_synth_resources.json");
    bool synth = access(ps, F_OK) == 0;
    free(ps);
    if (synth) {
        int added = 0;
        if ((rc = bs_dse_calib_add_dir(ws->db, outd, d->plat->name, "validate", &added)) < 0) goto out;
        cJSON_AddNumberToObject(o, "calibration_points_added", added);
        cJSON_AddStringToObject(o, "status", mism ? "synthesised; estimates differ for some layers" : "synthesised");
    } else {
        bs_strbuf sb = BS_STRBUF_INIT;
        bs_strbuf_printf(&sb, "%s; synthesis not run: %s needs %s, which this brainsmith cannot drive (the open-tool "
                         "backend is being written on branch rtl)",
                         mism ? "the native flow's estimates DIFFER from the selection for some layers"
                              : "the native flow reproduces the selection's estimates for every layer",
                         backend ? "post_synth_resources.json" : missing, why ? why : "?");
        cJSON_AddStringToObject(o, "status", sb.buf);
        bs_strbuf_free(&sb);
    }
    rc = 0;
out:
    if (rc < 0) {
        cJSON_Delete(o);
        o = NULL;
    }
    *out = o;
    if (cfg_ok) bs_flow_config_free(&cfg);
    cJSON_Delete(j);
    free(ids);
    free(absdir);
    free(cfgp);
    free(outd);
    free(model);
    free(vcfg);
    return rc;
}
