/* cmd_flow.c - `brainsmith build`, `brainsmith steps`, `brainsmith
 * transforms` and `brainsmith pipeline plan`: the FINN build flow from the
 * command line.  Options are folded into a dataflow_build_config.json
 * object (the config file, if given, then the command-line overrides) and
 * handed to lib/flow. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/events.h"
#include "brainsmith/flow.h"
#include "brainsmith/hash.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/npy.h"
#include <math.h>
#include "brainsmith/json.h"
#include "brainsmith/orch.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct build_args {
    const char *model, *config, *board, *part, *folding, *steps, *output, *start, *stop;
    double fps, clk;
    bool has_fps, has_clk, json, local, text, per_step, no_cache;
    int retries;
} build_args;

static const char build_usage[] =
    "usage: brainsmith build MODEL.onnx [--config dataflow_build_config.json]\n"
    "         [--board B | --part P] [--clk NS] [--target-fps F | --folding F.json]\n"
    "         [--steps estimate|all|step_a,step_b,...] [--start STEP] [--stop STEP]\n"
    "         [--output DIR] [--local] [--task-per-step] [--no-cache] [--retries N] [--json]\n\n"
    "MODEL may be a directory holding model.onnx and dataflow_build_config.json\n"
    "(FINN's `python -m finn.builder.build_dataflow DIR`).\n\n"
    "Runs FINN's build flow natively and writes FINN's output directory:\n"
    "intermediate_models/<step>.onnx, report/*.json, time_per_step.json,\n"
    "build_dataflow.log, auto_folding_config.json, template_specialize_layers_config.json.\n"
    "Without --config: output_dir build_<model>, 10 ns clock, board Pynq-Z1,\n"
    "estimate_reports, estimate-only steps.  Steps needing Vitis HLS / Vivado fail\n"
    "with an error naming the backend.\n\n"
    "The build runs through the workspace orchestrator: consecutive native steps\n"
    "form one task, each backend step is a task of its own (see `brainsmith status`,\n"
    "`watch`, `logs`; --task-per-step: one task per step); --local runs the steps\n"
    "in this process instead.  Each task has a step-cache key (model digest, config,\n"
    "steps, tool versions): an unchanged step is restored from the artifact store\n"
    "instead of run (state `cached`); --no-cache runs everything.\nPrints a summary table of the estimate reports.\n";

static const char plan_usage[] =
    "usage: brainsmith pipeline plan MODEL.onnx [--config C] [--target-fps F]\n"
    "         [--folding F.json] [--steps estimate|all|LIST] [--text]\n\n"
    "Prints the step list brainsmith would run for MODEL as JSON: per step whether\n"
    "it runs, is skipped (and why) or needs an external backend.\n";

static int parse_args(bs_cli *cli, int argc, char **argv, build_args *a, const char *usage)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
#define VAL() (i + 1 < argc ? argv[++i] : NULL)
        if (!strcmp(o, "--json")) { a->json = true; continue; }
        if (!strcmp(o, "--local")) { a->local = true; continue; }
        if (!strcmp(o, "--text")) { a->text = true; continue; }
        if (!strcmp(o, "--task-per-step")) { a->per_step = true; continue; }
        if (!strcmp(o, "--no-cache")) { a->no_cache = true; continue; }
        if (o[0] != '-') {
            if (a->model) return bs_cli_usage(cli, "unexpected argument '%s'", o);
            a->model = o;
            continue;
        }
        const char *v = VAL();
        if (!v) return bs_cli_usage(cli, "option %s needs a value", o);
        if (!strcmp(o, "--config")) a->config = v;
        else if (!strcmp(o, "--board")) a->board = v;
        else if (!strcmp(o, "--part")) a->part = v;
        else if (!strcmp(o, "--folding")) a->folding = v;
        else if (!strcmp(o, "--steps")) a->steps = v;
        else if (!strcmp(o, "--output")) a->output = v;
        else if (!strcmp(o, "--start")) a->start = v;
        else if (!strcmp(o, "--stop")) a->stop = v;
        else if (!strcmp(o, "--retries")) {
            int64_t r;
            if (bs_parse_i64(v, &r) < 0 || r < 0 || r > 20) return bs_cli_usage(cli, "--retries: bad count '%s'", v);
            a->retries = (int)r;
        }
        else if (!strcmp(o, "--target-fps")) {
            if (bs_parse_double(v, &a->fps) < 0 || a->fps <= 0) return bs_cli_usage(cli, "--target-fps: bad number '%s'", v);
            a->has_fps = true;
        } else if (!strcmp(o, "--clk")) {
            if (bs_parse_double(v, &a->clk) < 0 || a->clk <= 0) return bs_cli_usage(cli, "--clk: bad number '%s'", v);
            a->has_clk = true;
        } else {
            return bs_cli_usage(cli, "unknown option '%s'", o);
        }
#undef VAL
    }
    (void)usage;
    if (!a->model) return bs_cli_usage(cli, "missing MODEL");
    if (bs_is_dir(a->model)) {
        /* FINN's build_dataflow_directory: DIR/model.onnx + DIR/dataflow_build_config.json */
        static char mpath[4096], cpath[4096];
        snprintf(mpath, sizeof mpath, "%s/model.onnx", a->model);
        snprintf(cpath, sizeof cpath, "%s/dataflow_build_config.json", a->model);
        if (!bs_path_exists(mpath) || (!a->config && !bs_path_exists(cpath)))
            return bs_cli_usage(cli, "%s: a build directory needs model.onnx and dataflow_build_config.json", a->model);
        a->model = mpath;
        if (!a->config) a->config = cpath;
    }
    if (a->board && a->part) return bs_cli_usage(cli, "--board and --part are exclusive");
    if (a->has_fps && a->folding) return bs_cli_usage(cli, "--target-fps and --folding are exclusive");
    return -1;
}

static void set_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddStringToObject(o, k, v);
}

/* Builds the effective config (file + overrides). */
static int make_config(bs_cli *cli, const build_args *a, bs_flow_config *cfg)
{
    cJSON *j = NULL;
    int rc;
    char *base = NULL;
    if (a->config) {
        if ((rc = bs_json_load_file(a->config, &j)) < 0) return bs_cli_fail(cli, rc);
        char *tmp = strdup(a->config);
        base = realpath(dirname(tmp), NULL);
        free(tmp);
    } else {
        j = cJSON_CreateObject();
        char *tmp = strdup(a->model), *bn = basename(tmp), *dot = strrchr(bn, '.');
        if (dot) *dot = 0;
        bs_strbuf sb = BS_STRBUF_INIT;
        bs_strbuf_printf(&sb, "build_%s", bn);
        cJSON_AddStringToObject(j, "output_dir", sb.buf);
        bs_strbuf_free(&sb);
        free(tmp);
        cJSON_AddNumberToObject(j, "synth_clk_period_ns", 10.0);
        cJSON *go = cJSON_AddArrayToObject(j, "generate_outputs");
        cJSON_AddItemToArray(go, cJSON_CreateString("estimate_reports"));
        cJSON_AddStringToObject(j, "board", "Pynq-Z1");
        base = getcwd(NULL, 0);
        if (!a->steps) {
            cJSON *st = cJSON_AddArrayToObject(j, "steps");
            for (const char *const *s = bs_flow_estimate_steps(); *s; s++) cJSON_AddItemToArray(st, cJSON_CreateString(*s));
        }
    }
    if (a->board) { set_str(j, "board", a->board); cJSON_DeleteItemFromObjectCaseSensitive(j, "fpga_part"); }
    if (a->part) set_str(j, "fpga_part", a->part);
    if (a->has_clk) { cJSON_DeleteItemFromObjectCaseSensitive(j, "synth_clk_period_ns"); cJSON_AddNumberToObject(j, "synth_clk_period_ns", a->clk); }
    if (a->has_fps) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, "target_fps");
        cJSON_AddNumberToObject(j, "target_fps", a->fps);
        cJSON_DeleteItemFromObjectCaseSensitive(j, "folding_config_file");
    }
    if (a->folding) {
        char *abs = realpath(a->folding, NULL);
        if (!abs) { cJSON_Delete(j); free(base); return bs_cli_usage(cli, "--folding: cannot open '%s'", a->folding); }
        set_str(j, "folding_config_file", abs);
        free(abs);
        cJSON_DeleteItemFromObjectCaseSensitive(j, "target_fps");
    }
    if (a->start) set_str(j, "start_step", a->start);
    if (a->stop) set_str(j, "stop_step", a->stop);
    if (a->steps) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, "steps");
        if (!strcmp(a->steps, "all")) {
            /* the default list: no "steps" key */
        } else {
            cJSON *st = cJSON_AddArrayToObject(j, "steps");
            if (!strcmp(a->steps, "estimate")) {
                for (const char *const *s = bs_flow_estimate_steps(); *s; s++) cJSON_AddItemToArray(st, cJSON_CreateString(*s));
            } else {
                char *tmp = strdup(a->steps), *save = NULL;
                for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
                    cJSON_AddItemToArray(st, cJSON_CreateString(t));
                free(tmp);
            }
        }
    }
    rc = bs_flow_config_from_json(j, a->config ? a->config : "command line", base, cfg);
    cJSON_Delete(j);
    free(base);
    if (rc < 0) return bs_cli_fail(cli, rc);
    return 0;
}

/* Prints the estimate summary table of an output directory (if reports exist). */
static void print_summary(const char *out_dir)
{
    char p[4096];
    cJSON *cyc = NULL, *res = NULL, *perf = NULL;
    snprintf(p, sizeof p, "%s/report/estimate_layer_cycles.json", out_dir);
    if (bs_json_load_file(p, &cyc) < 0) { bs_error_clear(); return; }
    snprintf(p, sizeof p, "%s/report/estimate_layer_resources.json", out_dir);
    if (bs_json_load_file(p, &res) < 0) { bs_error_clear(); res = NULL; }
    snprintf(p, sizeof p, "%s/report/estimate_network_performance.json", out_dir);
    if (bs_json_load_file(p, &perf) < 0) { bs_error_clear(); perf = NULL; }
    printf("\n%-24s %10s %10s %8s %6s %6s\n", "layer", "cycles", "LUT", "BRAM18", "URAM", "DSP");
    const cJSON *e;
    cJSON_ArrayForEach(e, cyc) {
        const cJSON *r = res ? cJSON_GetObjectItemCaseSensitive(res, e->string) : NULL;
#define NUM(o, k) (cJSON_GetObjectItemCaseSensitive(o, k) ? cJSON_GetObjectItemCaseSensitive(o, k)->valuedouble : 0)
        printf("%-24s %10.0f %10.0f %8.0f %6.0f %6.0f\n", e->string, e->valuedouble, r ? NUM(r, "LUT") : 0,
               r ? NUM(r, "BRAM_18K") : 0, r ? NUM(r, "URAM") : 0, r ? NUM(r, "DSP") : 0);
    }
    const cJSON *t = res ? cJSON_GetObjectItemCaseSensitive(res, "total") : NULL;
    if (t) printf("%-24s %10s %10.0f %8.0f %6.0f %6.0f\n", "total", "", NUM(t, "LUT"), NUM(t, "BRAM_18K"), NUM(t, "URAM"),
                  NUM(t, "DSP"));
    if (perf)
        printf("throughput %.1f fps, latency %.1f ns, critical path %.0f cycles, bottleneck %s\n",
               NUM(perf, "estimated_throughput_fps"), NUM(perf, "estimated_latency_ns"),
               NUM(perf, "critical_path_cycles"),
               cJSON_GetObjectItemCaseSensitive(perf, "max_cycles_node_name")
                   ? cJSON_GetObjectItemCaseSensitive(perf, "max_cycles_node_name")->valuestring : "?");
#undef NUM
    cJSON_Delete(cyc);
    cJSON_Delete(res);
    cJSON_Delete(perf);
}

/* What the hardware backend steps measured, when they ran: rtlsim against
 * the estimate, synthesis totals, and the iCE40 place-and-route result. */
static void print_hw_summary(const char *out_dir)
{
    char p[4096];
    cJSON *v = NULL, *syn = NULL, *pnr = NULL;
#define HNUM(o, k) (cJSON_GetObjectItemCaseSensitive(o, k) ? cJSON_GetObjectItemCaseSensitive(o, k)->valuedouble : 0)
#define HSTR(o, k) (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, k)) ? cJSON_GetObjectItemCaseSensitive(o, k)->valuestring : "?")
    snprintf(p, sizeof p, "%s/report/rtlsim_vs_estimate.json", out_dir);
    if (bs_path_exists(p) && bs_json_load_file(p, &v) == 0)
        printf("rtlsim (Verilator): %.1f cycles/inference measured vs %.0f estimated (gap %+.2f %%), "
               "latency %.0f cycles, outputs bit-exact\n",
               HNUM(v, "measured_cycles_per_inference"), HNUM(v, "estimated_cycles_per_inference"),
               HNUM(v, "gap_percent"), HNUM(v, "latency_cycles"));
    snprintf(p, sizeof p, "%s/report/post_synth_resources.json", out_dir);
    if (bs_path_exists(p) && bs_json_load_file(p, &syn) == 0) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(syn, "(top)");
        if (t) {
            printf("synthesis (Yosys):");
            const cJSON *e;
            cJSON_ArrayForEach(e, t) if (cJSON_IsNumber(e)) printf(" %s %.0f", e->string, e->valuedouble);
            printf("\n");
        }
    }
    snprintf(p, sizeof p, "%s/report/ice40_pnr.json", out_dir);
    if (bs_path_exists(p) && bs_json_load_file(p, &pnr) == 0) {
        double lc = HNUM(pnr, "LC_used"), lca = HNUM(pnr, "LC_available");
        double ram = HNUM(pnr, "RAM_used"), rama = HNUM(pnr, "RAM_available");
        printf("iCE40 %s: fmax %.1f MHz (target %.1f MHz, timing %s), logic cells %.0f/%.0f (%.1f %%), "
               "RAM %.0f/%.0f\nbitstream: %s (%.0f bytes)\n",
               HSTR(pnr, "device"), HNUM(pnr, "fmax_mhz"), HNUM(pnr, "target_mhz"),
               HNUM(pnr, "fmax_mhz") >= HNUM(pnr, "target_mhz") ? "met" : "NOT met", lc, lca,
               lca > 0 ? 100.0 * lc / lca : 0.0, ram, rama, HSTR(pnr, "bitstream"), HNUM(pnr, "bitstream_bytes"));
    }
#undef HNUM
#undef HSTR
    bs_error_clear();
    cJSON_Delete(v);
    cJSON_Delete(syn);
    cJSON_Delete(pnr);
}

/* The estimate summary of an output directory as JSON (NULL when absent). */
static cJSON *summary_json(const char *out_dir)
{
    char p[4096];
    cJSON *perf = NULL, *res = NULL, *o = cJSON_CreateObject();
    snprintf(p, sizeof p, "%s/report/estimate_network_performance.json", out_dir);
    if (bs_json_load_file(p, &perf) == 0) cJSON_AddItemToObject(o, "performance", perf);
    else bs_error_clear();
    snprintf(p, sizeof p, "%s/report/estimate_layer_resources.json", out_dir);
    if (bs_json_load_file(p, &res) == 0) {
        cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(res, "total");
        if (t) cJSON_AddItemToObject(o, "resources_total", t);
        cJSON_Delete(res);
    } else {
        bs_error_clear();
    }
    if (!cJSON_GetArraySize(o)) { cJSON_Delete(o); return NULL; }
    return o;
}

static int build_local(bs_cli *cli, const build_args *a, bs_flow_config *cfg)
{
    bs_flow_opts o = {0};
    o.model_path = a->model;
    o.out_dir = a->output;
    o.console = a->json ? NULL : stdout;
    o.bus = bs_bus_default();
    int64_t t0 = bs_now_mono_ns();
    int rc = bs_flow_build(cfg, &o);
    double secs = (double)(bs_now_mono_ns() - t0) / 1e9;
    if (a->json) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddBoolToObject(r, "ok", rc == 0);
        cJSON_AddNumberToObject(r, "seconds", secs);
        if (rc) cJSON_AddStringToObject(r, "error", bs_error_msg());
        else {
            char *od = a->output ? strdup(a->output) : bs_flow_config_path(cfg, cfg->output_dir);
            cJSON *sm = od ? summary_json(od) : NULL;
            if (sm) cJSON_AddItemToObject(r, "estimates", sm);
            free(od);
        }
        char *txt = bs_json_print_py(r, 2);
        puts(txt);
        free(txt);
        cJSON_Delete(r);
    } else if (rc == 0) {
        char *od = a->output ? strdup(a->output) : bs_flow_config_path(cfg, cfg->output_dir);
        print_summary(od);
        print_hw_summary(od);
        free(od);
    }
    if (rc < 0) return a->json ? BS_EXIT_FAIL : bs_cli_fail(cli, rc);
    return 0;
}

/* Live progress of an orchestrated build: FINN's "Running step" lines. */
static void on_event(const bs_event *ev, void *ud)
{
    (void)ud;
    if (strcmp(ev->kind, "step.start") || !ev->payload) return;
    cJSON *p = cJSON_Parse(ev->payload);
    const cJSON *st = p ? cJSON_GetObjectItemCaseSensitive(p, "step") : NULL;
    const cJSON *i = p ? cJSON_GetObjectItemCaseSensitive(p, "index") : NULL;
    const cJSON *t = p ? cJSON_GetObjectItemCaseSensitive(p, "total") : NULL;
    if (cJSON_IsString(st) && cJSON_IsNumber(i) && cJSON_IsNumber(t)) {
        printf("Running step: %s [%d/%d]\n", st->valuestring, (int)i->valuedouble, (int)t->valuedouble);
        fflush(stdout);
    }
    cJSON_Delete(p);
}

static int build_orch(bs_cli *cli, const build_args *a, bs_flow_config *cfg)
{
    bs_workspace *ws = bs_cli_open_ws(cli, true);
    if (!ws) return BS_EXIT_FAIL;
    int rc = 0, exit_code = 0;
    char *od = a->output ? strdup(a->output) : bs_flow_config_path(cfg, cfg->output_dir);
    char *out_abs = NULL, *model_abs = NULL, *cfg_path = NULL, *exe = NULL, *cwd = getcwd(NULL, 0);
    int64_t *ids = NULL;
    int n = 0;
    if ((rc = bs_mkdir_p(od)) < 0) goto fail;
    out_abs = realpath(od, NULL);
    model_abs = realpath(a->model, NULL);
    exe = realpath("/proc/self/exe", NULL);
    if (!out_abs || !exe) { rc = bs_error_set(BS_EIO, "cannot resolve output directory %s", od); goto fail; }
    if (!model_abs) { rc = bs_error_set(BS_ENOTFOUND, "model %s: no such file", a->model); goto fail; }
    if ((rc = bs_flow_write_effective_config(cfg, out_abs, &cfg_path)) < 0) goto fail;
    char *cfgtxt = cJSON_PrintUnformatted(cfg->raw);
    const char *part = NULL;
    bs_flow_config_part(cfg, &part);
    char digest[65] = "", bid[48] = "";
    bs_sha256_file_hex(model_abs, digest);
    rc = bs_build_create(ws, NULL, model_abs, digest, part ? part : cfg->board, cfgtxt, out_abs, bid);
    free(cfgtxt);
    if (rc < 0) goto fail;
    bs_flow_submit_opts so = {exe, ws->home, cfg_path, model_abs, out_abs, cwd, bid, a->retries + 1, a->per_step,
                              a->no_cache};
    if ((rc = bs_flow_submit(ws, cfg, &so, &ids, &n)) < 0) goto fail;
    bs_build_set_state(ws, bid, "running");
    if (!a->json) printf("build %s: %d task(s), output %s\n", bid, n, out_abs);
    int64_t t0 = bs_now_mono_ns();
    bool ok = false;
    if ((rc = bs_flow_run_orchestrated(ws, ids, n, &ok, a->json ? NULL : on_event, NULL)) < 0) goto fail;
    double secs = (double)(bs_now_mono_ns() - t0) / 1e9;
    bs_build_set_state(ws, bid, ok ? "succeeded" : "failed");
    cJSON *res = cJSON_CreateObject(), *tasks = cJSON_AddArrayToObject(res, "tasks");
    cJSON_AddStringToObject(res, "build_id", bid);
    cJSON_AddStringToObject(res, "output_dir", out_abs);
    cJSON_AddBoolToObject(res, "ok", ok);
    cJSON_AddNumberToObject(res, "seconds", secs);
    for (int i = 0; i < n; i++) {
        bs_task_info t;
        if (bs_orch_task_get(ws, ids[i], &t) < 0) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)t.id);
        cJSON_AddStringToObject(o, "steps", t.name ? t.name : "");
        cJSON_AddStringToObject(o, "state", bs_task_state_name(t.state));
        if (t.reason) cJSON_AddStringToObject(o, "reason", t.reason);
        cJSON_AddItemToArray(tasks, o);
        if (!a->json) {
            printf("task %lld %-60s %s%s%s\n", (long long)t.id, t.name ? t.name : "", bs_task_state_name(t.state),
                   t.reason ? ": " : "", t.reason ? t.reason : "");
            if (t.state == BS_TASK_FAILED) {
                char *lp = NULL;
                char *log = NULL;
                size_t ll = 0;
                if (bs_orch_log_path(ws, t.id, 0, false, &lp) == 0 && bs_read_file(lp, &log, &ll) == 0) {
                    const char *tail = ll > 2000 ? log + ll - 2000 : log;
                    printf("--- %s (tail)\n%s", lp, tail);
                }
                free(log);
                free(lp);
            }
        }
        bs_task_info_free(&t);
    }
    if (a->json) {
        cJSON *sm = ok ? summary_json(out_abs) : NULL;
        if (sm) cJSON_AddItemToObject(res, "estimates", sm);
        char *t = bs_json_print_py(res, 2);
        puts(t);
        free(t);
    } else if (ok) {
        print_summary(out_abs);
        print_hw_summary(out_abs);
        printf("completed in %.3f s\n", secs);
    }
    cJSON_Delete(res);
    exit_code = ok ? 0 : BS_EXIT_FAIL;
    if (!ok && !a->json) fprintf(stderr, "brainsmith: build: build %s failed (see the task log above)\n", bid);
    goto done;
fail:
    exit_code = bs_cli_fail(cli, rc);
done:
    free(ids);
    free(od);
    free(out_abs);
    free(model_abs);
    free(cfg_path);
    free(exe);
    free(cwd);
    bs_workspace_close(ws);
    return exit_code;
}

static int cmd_build(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) { fputs(build_usage, stdout); return 0; }
    build_args a;
    int rc = parse_args(cli, argc, argv, &a, build_usage);
    if (rc >= 0) return rc;
    bs_flow_config cfg;
    if ((rc = make_config(cli, &a, &cfg)) != 0) return rc;
    rc = a.local ? build_local(cli, &a, &cfg) : build_orch(cli, &a, &cfg);
    bs_flow_config_free(&cfg);
    return rc;
}

/* Hidden: one task of an orchestrated build (a step range on a checkpoint). */
static int cmd_flow_exec(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        puts("usage: brainsmith flow-exec --config C --output DIR [--model M] --start S --stop S\n"
             "         [--index I --total N] [--build-id B]\n\n"
             "Runs steps S..S of a build (used by the orchestrator; see `brainsmith build`).");
        return 0;
    }
    const char *config = NULL, *output = NULL, *model = NULL, *start = NULL, *stop = NULL, *bid = NULL;
    int64_t index = 0, total = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return bs_cli_usage(cli, "option %s needs a value", o);
        i++;
        if (!strcmp(o, "--config")) config = v;
        else if (!strcmp(o, "--output")) output = v;
        else if (!strcmp(o, "--model")) model = v;
        else if (!strcmp(o, "--start")) start = v;
        else if (!strcmp(o, "--stop")) stop = v;
        else if (!strcmp(o, "--build-id")) bid = v;
        else if (!strcmp(o, "--index")) { if (bs_parse_i64(v, &index) < 0) return bs_cli_usage(cli, "bad --index"); }
        else if (!strcmp(o, "--total")) { if (bs_parse_i64(v, &total) < 0) return bs_cli_usage(cli, "bad --total"); }
        else return bs_cli_usage(cli, "unknown option '%s'", o);
    }
    if (!config || !output || !stop) return bs_cli_usage(cli, "--config, --output and --stop are required");
    cJSON *j = NULL;
    int rc = bs_json_load_file(config, &j);
    if (rc < 0) return bs_cli_fail(cli, rc);
    if (!model && start) set_str(j, "start_step", start);
    else cJSON_DeleteItemFromObjectCaseSensitive(j, "start_step");
    set_str(j, "stop_step", stop);
    bs_flow_config cfg;
    rc = bs_flow_config_from_json(j, config, output, &cfg);
    cJSON_Delete(j);
    if (rc < 0) return bs_cli_fail(cli, rc);
    bs_workspace *ws = NULL;
    if (cli->home || getenv("BRAINSMITH_HOME")) {
        ws = bs_cli_open_ws(cli, false);
        if (ws) bs_orch_events_attach(ws);
    }
    bs_flow_opts o = {0};
    o.model_path = model;
    o.out_dir = output;
    o.console = stdout;
    o.bus = ws ? ws->bus : bs_bus_default();
    o.build_id = bid;
    o.index_base = (int)index;
    o.total = (int)total;
    o.merge_times = true;
    rc = bs_flow_build(&cfg, &o);
    bs_flow_config_free(&cfg);
    if (ws) bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static int cmd_steps(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        puts("usage: brainsmith steps [--json]\n\nLists FINN's build steps (dev 2025 names and order) with help,\n"
             "whether brainsmith runs them natively or which backend they need.");
        return 0;
    }
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > 1 && !json) return bs_cli_usage(cli, "unknown argument '%s'", argv[1]);
    const char *const *def = bs_flow_default_steps(), *const *est = bs_flow_estimate_steps();
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < bs_step_count(); i++) {
        const bs_step_def *d = bs_step_at(i);
        int di = 0, ei = 0;
        for (int k = 0; def[k]; k++) if (!strcmp(def[k], d->name)) di = k + 1;
        for (int k = 0; est[k]; k++) if (!strcmp(est[k], d->name)) ei = k + 1;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", d->name);
            cJSON_AddBoolToObject(o, "native", d->fn != NULL && !d->product);
            if (d->backend) cJSON_AddStringToObject(o, "backend", d->backend);
            cJSON_AddNumberToObject(o, "default_index", di);
            cJSON_AddNumberToObject(o, "estimate_index", ei);
            cJSON_AddStringToObject(o, "help", d->help);
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-34s %-6s %s%s%s%s\n", d->name, d->fn && !d->product ? "native" : "ext", d->help,
                   d->backend ? "  [needs " : "", d->backend ? d->backend : "", d->backend ? "]" : "");
        }
    }
    if (json) { char *t = bs_json_print_py(arr, 2); puts(t); free(t); }
    cJSON_Delete(arr);
    return 0;
}

static int cmd_transforms(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        puts("usage: brainsmith transforms [--json]\n\nLists the graph transformations (FINN/QONNX class names) with help.");
        return 0;
    }
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > 1 && !json) return bs_cli_usage(cli, "unknown argument '%s'", argv[1]);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < bs_xform_count(); i++) {
        const bs_xform_def *d = bs_xform_at(i);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", d->name);
            cJSON_AddStringToObject(o, "group", d->group);
            cJSON_AddBoolToObject(o, "fixpoint", d->fixpoint);
            cJSON_AddStringToObject(o, "help", d->help);
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-38s %-10s %s\n", d->name, d->group, d->help);
        }
    }
    if (json) { char *t = bs_json_print_py(arr, 2); puts(t); free(t); }
    cJSON_Delete(arr);
    return 0;
}

static int cmd_plan(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) { fputs(plan_usage, stdout); return 0; }
    build_args a;
    int rc = parse_args(cli, argc, argv, &a, plan_usage);
    if (rc >= 0) return rc;
    bs_flow_config cfg;
    if ((rc = make_config(cli, &a, &cfg)) != 0) return rc;
    cJSON *plan = NULL;
    rc = bs_flow_plan(&cfg, a.model, &plan);
    bs_flow_config_free(&cfg);
    if (rc < 0) return bs_cli_fail(cli, rc);
    if (a.text) {
        const cJSON *e;
        cJSON_ArrayForEach(e, plan) {
            printf("%3d  %-34s %-12s %s\n", (int)cJSON_GetObjectItemCaseSensitive(e, "index")->valuedouble,
                   cJSON_GetObjectItemCaseSensitive(e, "step")->valuestring,
                   cJSON_GetObjectItemCaseSensitive(e, "action")->valuestring,
                   cJSON_GetObjectItemCaseSensitive(e, "reason")->valuestring);
        }
    } else {
        char *t = bs_json_print_py(plan, 2);
        puts(t);
        free(t);
    }
    cJSON_Delete(plan);
    return 0;
}

static int cmd_example(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith example-model OUT.onnx [--kind mlp|cnv] [--layers 64,32,32,10] [--wbits 2] [--abits 2]\n"
        "         [--seed 1] [--input-npy IN.npy]\n\n"
        "Writes a Brevitas-style QONNX MLP (Quant/BipolarQuant, MatMul, BatchNorm, TopK) with\n"
        "seeded random weights, generated by brainsmith itself (used by `make demo`).\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    const char *out = NULL, *layers = "64,32,32,10", *kind = "mlp", *input_npy = NULL;
    int64_t wb = 2, ab = 2, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (o[0] != '-') { if (out) return bs_cli_usage(cli, "unexpected argument '%s'", o); out = o; continue; }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v) return bs_cli_usage(cli, "option %s needs a value", o);
        if (!strcmp(o, "--layers")) layers = v;
        else if (!strcmp(o, "--kind")) kind = v;
        else if (!strcmp(o, "--input-npy")) input_npy = v;
        else if (!strcmp(o, "--wbits")) { if (bs_parse_i64(v, &wb) < 0) return bs_cli_usage(cli, "bad --wbits"); }
        else if (!strcmp(o, "--abits")) { if (bs_parse_i64(v, &ab) < 0) return bs_cli_usage(cli, "bad --abits"); }
        else if (!strcmp(o, "--seed")) { if (bs_parse_i64(v, &seed) < 0) return bs_cli_usage(cli, "bad --seed"); }
        else return bs_cli_usage(cli, "unknown option '%s'", o);
    }
    if (!out) return bs_cli_usage(cli, "missing OUT.onnx");
    int sizes[16], n = 0;
    char *tmp = strdup(layers), *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int64_t v;
        if (n == 16 || bs_parse_i64(t, &v) < 0 || v < 1 || v > 100000) { free(tmp); return bs_cli_usage(cli, "bad --layers '%s'", layers); }
        sizes[n++] = (int)v;
    }
    free(tmp);
    bs_ir_graph *g = NULL;
    int rc;
    if (!strcmp(kind, "cnv")) rc = bs_flow_example_cnv((int)wb, (int)ab, (uint64_t)seed, &g);
    else if (!strcmp(kind, "mlp")) rc = bs_flow_example_mlp(sizes, n, (int)wb, (int)ab, (uint64_t)seed, &g);
    else return bs_cli_usage(cli, "--kind must be mlp or cnv");
    if (rc == 0) rc = bs_ir_save(g, out);
    if (rc == 0 && input_npy) {
        /* a seeded input sample: pixels 0..255 for CNV, [0, 1) for the MLP */
        const bs_ir_tensor *t = g->inputs[0];
        bs_value v = {0};
        rc = bs_value_alloc(&v, BS_ELEM_FLOAT, t->rank, t->dims);
        uint64_t s = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 11;
        for (int64_t i = 0; rc == 0 && i < v.numel; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            double u = (double)(s >> 11) / 9007199254740992.0;
            bs_value_set(&v, i, !strcmp(kind, "cnv") ? floor(u * 256) : u);
        }
        if (rc == 0) rc = bs_npy_write(input_npy, &v);
        bs_value_free(&v);
    }
    bs_ir_free(g);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static const bs_cmd pipeline_cmds[] = {
    {"plan", cmd_plan, "derive the step list for a model (JSON)"},
    {NULL, NULL, NULL},
};

static int cmd_pipeline(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, pipeline_cmds, "usage: brainsmith pipeline plan MODEL [--config C]\n", argc, argv);
}

const bs_cmd bs_cmds_flow[] = {
    {"build", cmd_build, "build a model with FINN's flow (estimate reports natively)"},
    {"steps", cmd_steps, "list FINN build steps"},
    {"transforms", cmd_transforms, "list graph transformations"},
    {"pipeline", cmd_pipeline, "pipeline plan: derive the step list for a model"},
    {"example-model", cmd_example, "write a bundled example QONNX model (MLP or CNV; no Python needed)"},
    {"flow-exec", cmd_flow_exec, "(internal) run a step range of an orchestrated build"},
    {NULL, NULL, NULL},
};
