/* orchestrate.c - a build as orchestrator tasks: the resolved step list is
 * cut into groups (consecutive natively-run steps form one task, every
 * backend step is a task of its own), each task runs the hidden
 * `brainsmith flow-exec` on the checkpoint of the previous group, tasks are
 * chained with dependencies, so steps show up in status/watch, are retried
 * like any task and carry a cache key (model digest + config + steps).
 * Step events of the tasks reach the workspace event table because
 * flow-exec publishes them on the workspace bus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brainsmith/error.h"
#include "brainsmith/events.h"
#include "brainsmith/hash.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/orch.h"
#include "brainsmith/util.h"
#include "flow_int.h"
#include "hwsteps.h"

static bool native(const bs_flow_config *cfg, const char *name)
{
    return bs_flow_step_native(cfg, name) && !bs_hwstep_task(name, NULL, NULL, NULL, 0);   /* tool steps: own task */
}

int bs_flow_submit(bs_workspace *ws, const bs_flow_config *cfg, const bs_flow_submit_opts *o, int64_t **ids_out,
                   int *n_out)
{
    const char **names = NULL, **full = NULL;
    int n = 0, nfull = 0, first = 0, rc;
    if ((rc = bs_flow_resolve_steps(cfg, &names, &n, &full, &nfull, &first)) < 0) return rc;
    /* groups */
    int *gstart = calloc((size_t)n + 1, sizeof *gstart), *gend = calloc((size_t)n + 1, sizeof *gend), ng = 0;
    for (int i = 0; i < n; i++) {
        bool nat = native(cfg, names[i]);
        if (ng > 0 && !o->task_per_step && nat && native(cfg, names[gend[ng - 1]])) { gend[ng - 1] = i; continue; }
        gstart[ng] = gend[ng] = i;
        ng++;
    }
    bs_task_spec *specs = calloc((size_t)ng, sizeof *specs);
    char ***argvs = calloc((size_t)ng, sizeof *argvs);
    char **labels = calloc((size_t)ng, sizeof *labels), **keys = calloc((size_t)ng, sizeof *keys);
    int *after = calloc((size_t)ng, sizeof *after);
    int64_t *ids = calloc((size_t)ng + 1, sizeof *ids);
    char digest[65] = "";
    if (!specs || !argvs || !labels || !keys || !after || !ids || !gstart || !gend) {
        rc = bs_error_set(BS_ENOMEM, "submit");
        goto out;
    }
    if (o->model && bs_sha256_file_hex(o->model, digest) < 0) digest[0] = 0;
    for (int k = 0; k < ng; k++) {
        const char *s0 = names[gstart[k]], *s1 = names[gend[k]];
        char idx[32], tot[32];
        snprintf(idx, sizeof idx, "%d", first + gstart[k] + 1);
        snprintf(tot, sizeof tot, "%d", first + n);
        const char *av[24];
        int a = 0;
        av[a++] = o->exe;
        if (o->home) { av[a++] = "--home"; av[a++] = o->home; }
        av[a++] = "flow-exec";
        av[a++] = "--config"; av[a++] = o->config_path;
        av[a++] = "--output"; av[a++] = o->out_dir;
        if (k == 0 && first == 0) { av[a++] = "--model"; av[a++] = o->model; }
        av[a++] = "--start"; av[a++] = s0;
        av[a++] = "--stop"; av[a++] = s1;
        av[a++] = "--index"; av[a++] = idx;
        av[a++] = "--total"; av[a++] = tot;
        if (o->build_id) { av[a++] = "--build-id"; av[a++] = o->build_id; }
        av[a] = NULL;
        argvs[k] = calloc((size_t)a + 1, sizeof(char *));
        for (int i = 0; i < a; i++) argvs[k][i] = strdup(av[i]);
        bs_strbuf sb = BS_STRBUF_INIT;
        if (gstart[k] == gend[k]) bs_strbuf_printf(&sb, "%s", s0);
        else bs_strbuf_printf(&sb, "%s..%s", s0, s1);
        labels[k] = bs_strbuf_detach(&sb);
        /* cache key: model digest + effective config + step range */
        /* output_dir is left out so a rebuild into a new directory can hit;
         * everything else the steps read is in. */
        cJSON *kcfg = cfg->raw ? cJSON_Duplicate(cfg->raw, 1) : NULL;
        if (kcfg) cJSON_DeleteItemFromObjectCaseSensitive(kcfg, "output_dir");
        char *cfgtxt = kcfg ? cJSON_PrintUnformatted(kcfg) : strdup("");
        cJSON_Delete(kcfg);
        bs_strbuf kb = BS_STRBUF_INIT;
        bs_strbuf_printf(&kb, "flow|%s|%s|%s", digest, cfgtxt ? cfgtxt : "", labels[k]);
        char salt[1024] = "";
        int tcpus = 1;
        int64_t tmem = 0;
        bool tool_task = gstart[k] == gend[k] && bs_hwstep_task(s0, &tcpus, &tmem, salt, sizeof salt);
        bs_strbuf_printf(&kb, "|%s", salt);   /* tool versions */
        free(cfgtxt);
        char hex[65];
        bs_sha256_hex(kb.buf, kb.len, hex);
        bs_strbuf_free(&kb);
        keys[k] = strdup(hex);
        bs_task_spec *t = &specs[k];
        bs_task_spec_init(t);
        t->name = labels[k];
        t->argv = (const char *const *)argvs[k];
        t->cwd = o->cwd;
        t->build_id = o->build_id;
        t->cache_key = keys[k];
        t->outputs = o->out_dir;   /* each step group's new files are cached */
        t->no_cache = o->no_cache;
        t->retry.max_attempts = o->max_attempts > 0 ? o->max_attempts : 1;
        if (tool_task) { t->cpus = tcpus; t->mem_mb = tmem; }
        if (k > 0) {
            after[k] = k - 1;
            t->after_local = &after[k];
            t->nafter_local = 1;
        }
    }
    if ((rc = bs_orch_submit_batch(ws, specs, ng, ids)) < 0) goto out;
    *ids_out = ids;
    *n_out = ng;
    ids = NULL;
out:
    for (int k = 0; k < ng; k++) {
        if (argvs && argvs[k]) {
            for (int i = 0; argvs[k][i]; i++) free(argvs[k][i]);
            free(argvs[k]);
        }
        if (labels) free(labels[k]);
        if (keys) free(keys[k]);
    }
    free(argvs);
    free(labels);
    free(keys);
    free(after);
    free(specs);
    free(ids);
    free(gstart);
    free(gend);
    free(names);
    free(full);
    return rc;
}

int bs_flow_write_effective_config(const bs_flow_config *cfg, const char *out_abs, char **path)
{
    cJSON *j = cJSON_Duplicate(cfg->raw, 1);
    if (!j) return bs_error_set(BS_ENOMEM, "config");
    static const char *const pathkeys[] = {"folding_config_file", "specialize_layers_config_file", "verify_input_npy",
                                           "verify_expected_output_npy", "vitis_floorplan_file", NULL};
    for (int i = 0; pathkeys[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, pathkeys[i]);
        if (!cJSON_IsString(v)) continue;
        char *abs = bs_flow_config_path(cfg, v->valuestring);
        cJSON_ReplaceItemInObjectCaseSensitive(j, pathkeys[i], cJSON_CreateString(abs));
        free(abs);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(j, "output_dir");
    cJSON_AddStringToObject(j, "output_dir", out_abs);
    if (!cfg->save_intermediate_models) {
        /* tasks hand the model over through the step checkpoints */
        BS_WARN("save_intermediate_models=false: enabled for the orchestrated build (tasks resume from checkpoints; "
                "use --local to build without them)");
        cJSON_ReplaceItemInObjectCaseSensitive(j, "save_intermediate_models", cJSON_CreateBool(1));
    }
    *path = bs_path_join(out_abs, "brainsmith_build_config.json");
    char *txt = bs_json_print_py(j, 2);
    int rc = *path && txt ? bs_flow_write_file(*path, txt, strlen(txt)) : bs_error_set(BS_ENOMEM, "config");
    free(txt);
    cJSON_Delete(j);
    return rc;
}

typedef struct ev_fwd {
    bs_flow_event_fn fn;
    void *ud;
    int64_t seq;
} ev_fwd;

static int forward(const bs_event *ev, void *ud)
{
    ev_fwd *f = ud;
    if (ev->seq > f->seq) f->seq = ev->seq;
    if (!strncmp(ev->kind, "step.", 5) || !strcmp(ev->kind, "task.state")) f->fn(ev, f->ud);
    return 0;
}

static bool all_final(bs_workspace *ws, const int64_t *ids, int n)
{
    for (int i = 0; i < n; i++) {
        bs_task_info t;
        if (bs_orch_task_get(ws, ids[i], &t) < 0) return true;
        bool fin = bs_task_state_final(t.state);
        bs_task_info_free(&t);
        if (!fin) return false;
    }
    return true;
}

int bs_flow_run_orchestrated(bs_workspace *ws, const int64_t *ids, int n, bool *all_ok, bs_flow_event_fn on_event,
                             void *ud)
{
    bs_sched *s = NULL;
    ev_fwd fwd = {on_event, ud, 0};
    if (on_event) bs_orch_events_last(ws, &fwd.seq);
    int rc = bs_sched_open(ws, NULL, &s);
    if (rc == BS_EBUSY) {
        /* another scheduler serves this workspace: wait for it */
        bs_error_clear();
        if (!on_event) rc = bs_orch_wait(ws, ids, n, 0);
        else {
            rc = 0;
            while (!all_final(ws, ids, n)) {
                bs_orch_events_read(ws, fwd.seq, 0, forward, &fwd);
                bs_sleep_ms(50);
            }
            bs_orch_events_read(ws, fwd.seq, 0, forward, &fwd);
        }
    } else if (rc == 0) {
        if (!on_event) {
            rc = bs_sched_run(s, ids, n, false);
            if (rc == BS_ESTATE) rc = 0;   /* idle: a task could not start; reported below */
        } else {
            /* rounds by hand so the step events of the tasks are shown live */
            bool idle = false;
            while (rc == 0 && !all_final(ws, ids, n)) {
                rc = bs_sched_step(s, 50, &idle);
                bs_orch_events_read(ws, fwd.seq, 0, forward, &fwd);
                if (idle && !all_final(ws, ids, n) && bs_sched_running(s) == 0) {
                    /* nothing runs and nothing can start (e.g. a resource no
                     * one has): give up waiting, report the states */
                    bool again = false;
                    rc = bs_sched_step(s, 200, &again);
                    if (again && bs_sched_running(s) == 0) break;
                }
            }
            bs_orch_events_read(ws, fwd.seq, 0, forward, &fwd);
        }
        bs_sched_close(s, false);
    }
    if (rc < 0) return rc;
    *all_ok = true;
    for (int i = 0; i < n; i++) {
        bs_task_info t;
        if (bs_orch_task_get(ws, ids[i], &t) < 0) { *all_ok = false; continue; }
        if (!bs_task_state_ok(t.state)) *all_ok = false;
        bs_task_info_free(&t);
    }
    return 0;
}
