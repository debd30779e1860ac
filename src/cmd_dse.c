/* cmd_dse.c - design-space exploration commands (lib/dse):
 *   brainsmith bottleneck MODEL|BUILD_DIR --platform P [--json] [--write]
 *   brainsmith config generate MODEL --platforms a,b,c [--target-fps F] [--max-util U] [--out DIR]
 *   brainsmith select MODEL --platform P [--json] [--validate]
 *   brainsmith calibrate add|fit|show
 *   brainsmith dse example-cnv OUT.onnx [--wbits W] [--abits A]
 * The commands parse options, call the library and print its JSON or text. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brainsmith/dse.h"
#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

typedef struct dse_args {
    const char *model, *platform, *platforms, *out, *work, *kernel, *resource, *layer, *source, *estimates, *measured;
    double clk, max_util, target_fps, estimate, measured_v;
    int64_t wwidth;
    bool json, one_pass, no_minimize, calibrated, write, validate, select, no_select, has_est, has_meas;
    int wbits, abits;
} dse_args;

static int print_json(cJSON *j)
{
    char *s = bs_json_print_py(j, 2);
    if (!s) return BS_EXIT_FAIL;
    printf("%s\n", s);
    free(s);
    return 0;
}

/* Parses the options shared by the commands; positional -> a->model. */
static int parse(bs_cli *cli, int argc, char **argv, dse_args *a)
{
    memset(a, 0, sizeof *a);
    a->max_util = 0.85;
    a->wbits = a->abits = 1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--json")) { a->json = true; continue; }
        if (!strcmp(o, "--one-pass")) { a->one_pass = true; continue; }
        if (!strcmp(o, "--no-minimize")) { a->no_minimize = true; continue; }
        if (!strcmp(o, "--calibrated")) { a->calibrated = true; continue; }
        if (!strcmp(o, "--write")) { a->write = true; continue; }
        if (!strcmp(o, "--validate")) { a->validate = true; continue; }
        if (!strcmp(o, "--select")) { a->select = true; continue; }
        if (!strcmp(o, "--no-select")) { a->no_select = true; continue; }
        if (o[0] != '-') {
            if (a->model) return bs_cli_usage(cli, "unexpected argument '%s'", o);
            a->model = o;
            continue;
        }
        if (i + 1 >= argc) return bs_cli_usage(cli, "option %s needs a value", o);
        const char *v = argv[++i];
        double x;
        int64_t n;
        if (!strcmp(o, "--platform")) a->platform = v;
        else if (!strcmp(o, "--platforms")) a->platforms = v;
        else if (!strcmp(o, "--out")) a->out = v;
        else if (!strcmp(o, "--work")) a->work = v;
        else if (!strcmp(o, "--kernel")) a->kernel = v;
        else if (!strcmp(o, "--resource")) a->resource = v;
        else if (!strcmp(o, "--layer")) a->layer = v;
        else if (!strcmp(o, "--source")) a->source = v;
        else if (!strcmp(o, "--estimates")) a->estimates = v;
        else if (!strcmp(o, "--measured-file")) a->measured = v;
        else if (!strcmp(o, "--clk")) {
            if (bs_parse_double(v, &x) < 0 || !(x > 0)) return bs_cli_usage(cli, "--clk: bad period '%s'", v);
            a->clk = x;
        } else if (!strcmp(o, "--max-util")) {
            if (bs_parse_double(v, &x) < 0 || !(x > 0 && x <= 1)) return bs_cli_usage(cli, "--max-util: expected a fraction in (0, 1], got '%s'", v);
            a->max_util = x;
        } else if (!strcmp(o, "--target-fps")) {
            if (bs_parse_double(v, &x) < 0 || !(x > 0)) return bs_cli_usage(cli, "--target-fps: bad number '%s'", v);
            a->target_fps = x;
        } else if (!strcmp(o, "--estimate")) {
            if (bs_parse_double(v, &x) < 0 || x < 0) return bs_cli_usage(cli, "--estimate: bad number '%s'", v);
            a->estimate = x;
            a->has_est = true;
        } else if (!strcmp(o, "--measured")) {
            if (bs_parse_double(v, &x) < 0 || x < 0) return bs_cli_usage(cli, "--measured: bad number '%s'", v);
            a->measured_v = x;
            a->has_meas = true;
        } else if (!strcmp(o, "--mvau-wwidth-max")) {
            if (bs_parse_i64(v, &n) < 0 || n < 1) return bs_cli_usage(cli, "--mvau-wwidth-max: bad width '%s'", v);
            a->wwidth = n;
        } else if (!strcmp(o, "--wbits") || !strcmp(o, "--abits")) {
            if (bs_parse_i64(v, &n) < 0 || n < 1 || n > 8) return bs_cli_usage(cli, "%s: expected 1..8, got '%s'", o, v);
            *(o[2] == 'w' ? &a->wbits : &a->abits) = (int)n;
        } else {
            return bs_cli_usage(cli, "unknown option '%s'", o);
        }
    }
    return -1;
}

static sqlite3 *open_db(bs_cli *cli, bs_workspace **ws)
{
    *ws = bs_cli_open_ws(cli, true);
    return *ws ? (*ws)->db : NULL;
}

/* User platforms of the workspace (<home>/platforms.json), once. */
static int user_platforms(bs_cli *cli)
{
    static bool done;
    if (done) return 0;
    done = true;
    char *home = cli->home ? strdup(cli->home) : bs_workspace_default_home();
    int rc = bs_platforms_load_workspace(home);
    free(home);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static int load(bs_cli *cli, const dse_args *a, const char *platform, bs_workspace **ws, bs_dse_design **d)
{
    int urc = user_platforms(cli);
    if (urc) return urc;
    bs_dse_opts o;
    bs_dse_opts_init(&o);
    o.platform = platform;
    o.clk_ns = a->clk;
    o.mvau_wwidth_max = a->wwidth;
    o.max_util = a->max_util;
    o.one_pass = a->one_pass;
    o.no_minimize = a->no_minimize;
    o.work_dir = a->work;
    *ws = NULL;
    if (a->calibrated) {
        o.calibrated = true;
        if (!(o.calib_db = open_db(cli, ws))) return BS_EXIT_FAIL;
    }
    int rc = bs_dse_load(a->model, &o, d);
    if (rc < 0) {
        if (*ws) bs_workspace_close(*ws);
        *ws = NULL;
        return bs_cli_fail(cli, rc);
    }
    return 0;
}

/* A brainsmith build directory records its effective config
 * (brainsmith_build_config.json): platform, clock and mvau_wwidth_max
 * default from it.  The strings live in *keep (caller frees). */
static void build_dir_defaults(dse_args *a, cJSON **keep)
{
    *keep = NULL;
    if (!a->model || !bs_is_dir(a->model)) return;
    char p[4096];
    snprintf(p, sizeof p, "%s/brainsmith_build_config.json", a->model);
    if (access(p, F_OK) != 0 || bs_json_load_file(p, keep) < 0) { bs_error_clear(); return; }
    const char *board = cJSON_GetStringValue(cJSON_GetObjectItem(*keep, "board"));
    const char *part = cJSON_GetStringValue(cJSON_GetObjectItem(*keep, "fpga_part"));
    if (!a->platform) a->platform = board ? board : part;   /* a board names one platform, a part maybe several */
    const cJSON *w = cJSON_GetObjectItem(*keep, "mvau_wwidth_max"), *c = cJSON_GetObjectItem(*keep, "synth_clk_period_ns");
    if (!a->wwidth && cJSON_IsNumber(w)) a->wwidth = (int64_t)w->valuedouble;
    if (!(a->clk > 0) && cJSON_IsNumber(c)) a->clk = c->valuedouble;
}

/* ---- bottleneck ---- */

static const char bottleneck_usage[] =
    "usage: brainsmith bottleneck MODEL.onnx|BUILD_DIR --platform P [--json] [--write]\n"
    "         [--clk NS] [--max-util 0.85] [--mvau-wwidth-max 36] [--calibrated]\n\n"
    "Which layer bounds throughput (the layer with FINN's max_cycles) and which\n"
    "resource of the platform stops further unfolding: the bottleneck layers are\n"
    "re-folded step by step with SetFolding's rule, each step estimated with FINN's\n"
    "cost models, until a step exceeds --max-util of the part (LUT, BRAM_18K, URAM,\n"
    "DSP) or no layer can go faster (fully unfolded, or SIMD capped by\n"
    "mvau_wwidth_max).  MODEL may be QONNX (converted natively up to\n"
    "step_specialize_layers), a FINN HW model, or a build directory (its\n"
    "intermediate models; the clock comes from its reports; for a brainsmith build\n"
    "directory platform, clock and mvau_wwidth_max default to its\n"
    "brainsmith_build_config.json).  --write stores the\n"
    "report as BUILD_DIR/report/bottleneck_<platform>.json.  --calibrated uses the\n"
    "calibration fits of the workspace (labelled).\n";

static int cmd_bottleneck(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) { fputs(bottleneck_usage, stdout); return 0; }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    if (!a.model) return bs_cli_usage(cli, "missing MODEL or BUILD_DIR");
    cJSON *keep;
    build_dir_defaults(&a, &keep);
    if (!a.platform) { cJSON_Delete(keep); return bs_cli_usage(cli, "missing --platform"); }
    bs_workspace *ws;
    bs_dse_design *d;
    rc = load(cli, &a, a.platform, &ws, &d);
    cJSON_Delete(keep);
    if (rc) return rc;
    bs_dse_point *p = bs_dse_point_new(d);
    cJSON *r = NULL;
    rc = p ? bs_dse_bottleneck(d, p, &r) : bs_error_set(BS_ENOMEM, "out of memory");
    int ex = 0;
    if (rc < 0) ex = bs_cli_fail(cli, rc);
    else {
        if (a.write) {
            if (strcmp(d->source, "build-dir")) ex = bs_cli_usage(cli, "--write needs a BUILD_DIR");
            else {
                char path[4096];
                snprintf(path, sizeof path, "%s/report/bottleneck_%s.json", a.model, d->plat->name);
                char *s = bs_json_print_py(r, 2);
                int w = s ? bs_write_file_atomic(path, s, strlen(s)) : BS_ENOMEM;
                free(s);
                if (w < 0) ex = bs_cli_fail(cli, w);
            }
        }
        if (!ex) {
            if (a.json) ex = print_json(r);
            else {
                char *t = bs_dse_bottleneck_text(r);
                fputs(t, stdout);
                free(t);
            }
        }
    }
    cJSON_Delete(r);
    bs_dse_point_free(p);
    bs_dse_free(d);
    if (ws) bs_workspace_close(ws);
    return ex;
}

/* ---- config generate ---- */

static const char config_usage[] =
    "usage: brainsmith config generate MODEL --platforms pynq-z2,zcu104,u250\n"
    "         [--target-fps F] [--max-util 0.85] [--out DIR] [--clk NS]\n"
    "         [--mvau-wwidth-max 36] [--no-select] [--calibrated] [--json]\n\n"
    "Writes per platform DIR/<platform>/: dataflow_build_config.json (FINN's),\n"
    "folding_config.json (PE/SIMD/ram_style/... per layer), specialize_layers_config.json\n"
    "when hls/rtl variants were chosen, model.onnx and dse_summary.json.  The folding\n"
    "is FINN's SetFolding at a target found by searching every cycle count a layer can\n"
    "reach, so FINN's estimates of the result stay under --max-util of the part's LUT,\n"
    "BRAM_18K, URAM and DSP.  With --target-fps: FINN's folding for that target if it\n"
    "fits, else the highest fps that fits, saying what the target would need.  Without:\n"
    "the highest fps that fits.  Where FINN's default memory choices do not fit, kernel\n"
    "selection (see `brainsmith select`) is tried (--no-select: never).\n"
    "Clock: --clk, else the platform's default.  Exit 1 if a platform cannot fit the\n"
    "model at all or a target is not reached.\n";

static int cmd_generate(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) { fputs(config_usage, stdout); return 0; }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    if (!a.model) return bs_cli_usage(cli, "missing MODEL");
    if (!a.platforms) return bs_cli_usage(cli, "missing --platforms");
    const char *outdir = a.out ? a.out : "dse_configs";
    cJSON *all = cJSON_CreateArray();
    int ex = 0;
    char *list = strdup(a.platforms), *save = NULL;
    for (char *pn = strtok_r(list, ",", &save); pn; pn = strtok_r(NULL, ",", &save)) {
        bs_workspace *ws;
        bs_dse_design *d;
        if ((rc = load(cli, &a, pn, &ws, &d))) { ex = rc; break; }
        bs_dse_point *best = bs_dse_point_new(d);
        cJSON *sum = NULL;
        bs_dse_explore_opts eo = {.target_fps = a.target_fps, .select = !a.no_select};
        rc = best ? bs_dse_explore(d, &eo, best, &sum) : bs_error_set(BS_ENOMEM, "out of memory");
        if (rc < 0) {
            ex = bs_cli_fail(cli, rc);
        } else {
            char dir[4096];
            snprintf(dir, sizeof dir, "%s/%s", outdir, pn);
            bool fits = rc == 0;
            if (fits) {
                int w = bs_dse_write_config(d, best, sum, dir);
                if (w < 0) { ex = bs_cli_fail(cli, w); }
                else cJSON_AddStringToObject(sum, "written", dir);
            }
            if (!fits || !cJSON_IsTrue(cJSON_GetObjectItem(sum, "target_reached"))) ex = ex ? ex : BS_EXIT_FAIL;
            if (!a.json) {
                const char *w = cJSON_GetStringValue(cJSON_GetObjectItem(sum, "written"));
                printf("%-12s %s%s\n", pn, d->calibrated ? "[calibrated estimates] " : "",
                       cJSON_GetStringValue(cJSON_GetObjectItem(sum, "message")));
                if (w) {
                    printf("%-12s   wrote %s (", "", w);
                    for (int r = 0; r < BS_DSE_NRES; r++)
                        printf("%s%s %.0f/%.0f", r ? ", " : "", bs_dse_res_name(r), best->total[r], d->avail[r]);
                    printf("; %lld candidate targets, %.1f ms)\n",
                           (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "candidate_targets")),
                           cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "search_ms")));
                } else {
                    printf("%-12s   nothing written\n", "");
                }
            }
            cJSON_AddItemToArray(all, sum);
            sum = NULL;
        }
        cJSON_Delete(sum);
        bs_dse_point_free(best);
        bs_dse_free(d);
        if (ws) bs_workspace_close(ws);
        if (rc < 0) break;
    }
    free(list);
    if (a.json) print_json(all);
    cJSON_Delete(all);
    return ex;
}

static int cmd_config(bs_cli *cli, int argc, char **argv)
{
    static const bs_cmd sub[] = {{"generate", cmd_generate, "write a FINN build config + folding per platform that fits"},
                                 {NULL, NULL, NULL}};
    return bs_cli_subcommand(cli, sub, "usage: brainsmith config generate MODEL --platforms P1,P2 [...] [--help]", argc, argv);
}

/* ---- select ---- */

static const char select_usage[] =
    "usage: brainsmith select MODEL|BUILD_DIR --platform P [--json] [--validate]\n"
    "         [--target-fps F] [--clk NS] [--max-util 0.85] [--calibrated] [--out DIR]\n\n"
    "Chooses per layer the hls/rtl variant (only where FINN's SpecializeLayers\n"
    "honours it), ram_style, resType and mem_mode so that the design's highest\n"
    "utilisation of the platform budget is smallest, keeping every layer's cycles.\n"
    "The folding is the model's, or FINN's SetFolding for --target-fps.  Prints\n"
    "per layer the options with their FINN estimates and the reason for the choice.\n"
    "--out DIR writes the result as a FINN config directory (as config generate).\n"
    "--validate writes the choice to --out DIR (default select_validate) and builds\n"
    "it through the workspace orchestrator with brainsmith's flow: every layer's\n"
    "estimate report must equal the selection's numbers; when the synthesis steps\n"
    "run natively (a hardware backend) the per-layer post-synthesis resources are\n"
    "stored as calibration points, otherwise the synthesis command is printed.\n"
    "Needs a model file (not a build directory).\n";

/* --validate: the selection is built through the orchestrator (see
 * bs_dse_validate); what synthesis would add is printed as a command. */
static int run_validate(bs_cli *cli, const dse_args *a, bs_workspace **ws, const bs_dse_design *d, const bs_dse_point *p,
                        cJSON *out)
{
    if (!*ws && !(*ws = bs_cli_open_ws(cli, true))) return BS_EXIT_FAIL;
    char *exe = realpath("/proc/self/exe", NULL);
    const char *dir = a->out ? a->out : "select_validate";
    cJSON *v = NULL;
    int rc = exe ? bs_dse_validate(*ws, d, p, dir, exe, &v) : bs_error_set(BS_EIO, "cannot resolve /proc/self/exe");
    free(exe);
    if (rc < 0) return bs_cli_fail(cli, rc);
    cJSON *argvj = cJSON_AddArrayToObject(v, "synthesis_command");
    char cfg[4200], model[4200];
    snprintf(cfg, sizeof cfg, "%s/dataflow_build_config.json", dir);
    snprintf(model, sizeof model, "%s/model.onnx", dir);
    const char *args[] = {cli->prog ? cli->prog : "brainsmith", "build", model, "--config", cfg, "--steps",
                          "step_qonnx_to_finn,step_tidy_up,step_streamline,step_convert_to_hw,"
                          "step_create_dataflow_partition,step_specialize_layers,step_apply_folding_config,"
                          "step_minimize_bit_width,step_generate_estimate_reports,step_hw_codegen,step_hw_ipgen,"
                          "step_out_of_context_synthesis",
                          NULL};
    for (int k = 0; args[k]; k++) cJSON_AddItemToArray(argvj, cJSON_CreateString(args[k]));
    cJSON_AddItemToObject(out, "validate", v);
    return 0;
}

static int cmd_select(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) { fputs(select_usage, stdout); return 0; }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    if (!a.model) return bs_cli_usage(cli, "missing MODEL or BUILD_DIR");
    if (!a.platform) return bs_cli_usage(cli, "missing --platform");
    bs_workspace *ws;
    bs_dse_design *d;
    if ((rc = load(cli, &a, a.platform, &ws, &d))) return rc;
    bs_dse_point *p = bs_dse_point_new(d);
    cJSON *reasons = NULL;
    int ex = 0;
    if (!p) rc = bs_error_set(BS_ENOMEM, "out of memory");
    else if (a.target_fps > 0) {
        int64_t T = bs_fold_target_cycles(d->clk_ns, a.target_fps);
        rc = bs_dse_setfolding(d, T < 1 ? 1 : T, p);
    } else {
        rc = bs_dse_evaluate(d, p);
    }
    if (rc >= 0) rc = bs_dse_select(d, p, &reasons);
    if (rc < 0) ex = bs_cli_fail(cli, rc);
    else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "platform", d->plat->name);
        cJSON_AddItemToObject(o, "selection", reasons);
        cJSON_AddItemToObject(o, "design", bs_dse_point_json(d, p));
        if (a.validate) ex = run_validate(cli, &a, &ws, d, p, o);
        else if (a.out && (rc = bs_dse_write_config(d, p, NULL, a.out)) < 0) ex = bs_cli_fail(cli, rc);
        if (!ex) {
            if (a.json) print_json(o);
            else {
                printf("platform %s (%s): tightest resource %.1f%% -> %.1f%% of the budget (%.0f%% of the part)%s\n",
                       d->plat->name, d->part,
                       cJSON_GetNumberValue(cJSON_GetObjectItem(reasons, "max_util_of_budget_before")) * 100,
                       cJSON_GetNumberValue(cJSON_GetObjectItem(reasons, "max_util_of_budget_after")) * 100,
                       d->max_util * 100, d->calibrated ? " [calibrated estimates]" : "");
                const cJSON *e;
                cJSON_ArrayForEach(e, cJSON_GetObjectItem(reasons, "layers")) {
                    printf("%-32s %s%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(e, "node")),
                           cJSON_GetStringValue(cJSON_GetObjectItem(e, "choice")),
                           cJSON_IsTrue(cJSON_GetObjectItem(e, "changed")) ? "  (changed)" : "");
                    printf("%-32s   %s\n", "", cJSON_GetStringValue(cJSON_GetObjectItem(e, "reason")));
                    const cJSON *x;
                    cJSON_ArrayForEach(x, cJSON_GetObjectItem(e, "not_possible"))
                        printf("%-32s   %s not possible: %s\n", "", cJSON_GetStringValue(cJSON_GetObjectItem(x, "variant")),
                               cJSON_GetStringValue(cJSON_GetObjectItem(x, "why")));
                }
                printf("total:");
                for (int r = 0; r < BS_DSE_NRES; r++)
                    printf(" %s %.0f/%.0f (%.1f%%)", bs_dse_res_name(r), p->total[r], d->avail[r], p->util[r] * 100);
                printf("; %s\n", p->fits ? "fits" : "DOES NOT FIT the budget");
                const cJSON *v = cJSON_GetObjectItem(o, "validate");
                if (v) {
                    printf("validate: build %s (tasks", cJSON_GetStringValue(cJSON_GetObjectItem(v, "build_id")));
                    cJSON_ArrayForEach(e, cJSON_GetObjectItem(v, "tasks")) printf(" %.0f", e->valuedouble);
                    printf(") in %s\n  %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(v, "output_dir")),
                           cJSON_GetStringValue(cJSON_GetObjectItem(v, "status")));
                    cJSON_ArrayForEach(e, cJSON_GetObjectItem(v, "layers"))
                        if (!cJSON_IsTrue(cJSON_GetObjectItem(e, "estimate_matches")))
                            printf("  %s: the flow's estimate differs from the selection%s\n",
                                   cJSON_GetStringValue(cJSON_GetObjectItem(e, "node")),
                                   cJSON_IsTrue(cJSON_GetObjectItem(e, "changed")) ? " (changed layer)" : "");
                    printf("  synthesis would run:");
                    cJSON_ArrayForEach(e, cJSON_GetObjectItem(v, "synthesis_command")) printf(" %s", e->valuestring);
                    printf("\n");
                }
            }
        }
        cJSON_Delete(o);
    }
    bs_dse_point_free(p);
    bs_dse_free(d);
    if (ws) bs_workspace_close(ws);
    return ex;
}

/* ---- calibrate ---- */

static int cmd_cal_add(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith calibrate add BUILD_DIR --platform P [--source synth|hls]\n"
               "       brainsmith calibrate add --estimates EST.json --measured-file MEAS.json --platform P [--source S]\n"
               "       brainsmith calibrate add --kernel OP --platform P --resource LUT|BRAM_18K|URAM|DSP\n"
               "                                --estimate E --measured M [--layer NAME]\n\n"
               "Stores (FINN estimate, measured) pairs per kernel op type, platform and resource in\n"
               "the workspace database.  From a build directory: report/estimate_layer_resources.json\n"
               "against report/post_synth_resources.json (Vivado or the Yosys backend; BRAM_36K\n"
               "counts 2) or, with --source hls, report/estimate_layer_resources_hls.json.\n");
        return 0;
    }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    if (!a.platform) return bs_cli_usage(cli, "missing --platform");
    const bs_platform *pl;
    if ((rc = user_platforms(cli))) return rc;
    if ((rc = bs_platform_lookup(a.platform, &pl)) < 0) return bs_cli_fail(cli, rc);
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    int added = 0;
    if (a.kernel) {
        int r = bs_dse_res_parse(a.resource);
        if (r < 0 || !a.has_est || !a.has_meas) {
            bs_workspace_close(ws);
            return bs_cli_usage(cli, "--kernel needs --resource LUT|BRAM_18K|URAM|DSP, --estimate and --measured");
        }
        rc = bs_dse_calib_add(db, a.kernel, pl->name, r, a.estimate, a.measured_v, a.layer, a.source ? a.source : "manual");
        added = rc < 0 ? 0 : 1;
    } else if (a.estimates || a.measured) {
        if (!a.estimates || !a.measured) { bs_workspace_close(ws); return bs_cli_usage(cli, "--estimates and --measured-file go together"); }
        rc = bs_dse_calib_add_files(db, a.estimates, a.measured, pl->name, a.source ? a.source : "synth", &added);
    } else if (a.model) {
        rc = bs_dse_calib_add_dir(db, a.model, pl->name, a.source, &added);
    } else {
        bs_workspace_close(ws);
        return bs_cli_usage(cli, "give BUILD_DIR, --estimates/--measured-file or --kernel ...");
    }
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    if (a.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "added", added);
        cJSON_AddStringToObject(o, "platform", pl->name);
        print_json(o);
        cJSON_Delete(o);
    } else {
        printf("added %d calibration point%s for %s\n", added, added == 1 ? "" : "s", pl->name);
    }
    return 0;
}

static int cmd_cal_fit(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith calibrate fit [--kernel OP] [--platform P] [--json]\n\n"
               "Fits measured = a*estimate + b (least squares) per kernel, platform and resource\n"
               "with >= 2 points (a ratio through 0 when the estimates do not vary), stores the\n"
               "fits and prints each with its RMSE, the raw estimate's RMSE, MAPE, R^2 and\n"
               "leave-one-out RMSE (n >= 3).  Fits are used only with --calibrated.\n");
        return 0;
    }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    const char *plat = NULL;
    if (a.platform) {
        const bs_platform *pl;
        if ((rc = user_platforms(cli))) return rc;
        if ((rc = bs_platform_lookup(a.platform, &pl)) < 0) return bs_cli_fail(cli, rc);
        plat = pl->name;
    }
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    cJSON *o = NULL;
    rc = bs_dse_calib_fit(db, a.kernel, plat, &o);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    if (a.json) print_json(o);
    else {
        printf("%-26s %-10s %-9s %4s %-7s %10s %10s %9s %9s %8s %8s\n", "kernel", "platform", "resource", "n", "kind", "a",
               "b", "rmse_raw", "rmse_fit", "loo_rmse", "mape");
        const cJSON *e;
        cJSON_ArrayForEach(e, o) {
            const char *k = cJSON_GetStringValue(cJSON_GetObjectItem(e, "kernel"));
            const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(e, "platform"));
            const char *r = cJSON_GetStringValue(cJSON_GetObjectItem(e, "resource"));
            int n = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(e, "n"));
            if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "status")), "fitted")) {
                printf("%-26s %-10s %-9s %4d %s\n", k, p, r, n, cJSON_GetStringValue(cJSON_GetObjectItem(e, "status")));
                continue;
            }
            const cJSON *loo = cJSON_GetObjectItem(e, "loo_rmse"), *mape = cJSON_GetObjectItem(e, "mape");
            printf("%-26s %-10s %-9s %4d %-7s %10.4f %10.2f %9.1f %9.1f ", k, p, r, n,
                   cJSON_GetStringValue(cJSON_GetObjectItem(e, "kind")), cJSON_GetNumberValue(cJSON_GetObjectItem(e, "a")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "b")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "rmse_raw_estimate")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "rmse")));
            if (cJSON_IsNumber(loo)) printf("%8.1f ", loo->valuedouble); else printf("%8s ", "-");
            if (cJSON_IsNumber(mape)) printf("%7.1f%%\n", mape->valuedouble * 100); else printf("%8s\n", "-");
        }
    }
    cJSON_Delete(o);
    return 0;
}

static int cmd_cal_show(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith calibrate show [--json]\n\nLists the calibration points per group and the stored fits.\n");
        return 0;
    }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    cJSON *o = NULL;
    rc = bs_dse_calib_show(db, &o);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    if (a.json) print_json(o);
    else {
        const cJSON *e;
        printf("points:\n");
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "points"))
            printf("  %-26s %-10s %-9s n=%-4.0f mean estimate %.1f, mean measured %.1f\n",
                   cJSON_GetStringValue(cJSON_GetObjectItem(e, "kernel")), cJSON_GetStringValue(cJSON_GetObjectItem(e, "platform")),
                   cJSON_GetStringValue(cJSON_GetObjectItem(e, "resource")), cJSON_GetNumberValue(cJSON_GetObjectItem(e, "n")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "mean_estimate")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "mean_measured")));
        printf("fits (used only with --calibrated):\n");
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "fits"))
            printf("  %-26s %-10s %-9s measured = %.4f * estimate + %.2f (n=%.0f, rmse %.1f vs raw %.1f)\n",
                   cJSON_GetStringValue(cJSON_GetObjectItem(e, "kernel")), cJSON_GetStringValue(cJSON_GetObjectItem(e, "platform")),
                   cJSON_GetStringValue(cJSON_GetObjectItem(e, "resource")), cJSON_GetNumberValue(cJSON_GetObjectItem(e, "a")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "b")), cJSON_GetNumberValue(cJSON_GetObjectItem(e, "n")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "rmse")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(e, "rmse_raw_estimate")));
    }
    cJSON_Delete(o);
    return 0;
}

static int cmd_calibrate(bs_cli *cli, int argc, char **argv)
{
    static const bs_cmd sub[] = {{"add", cmd_cal_add, "store (estimate, measured) pairs"},
                                 {"fit", cmd_cal_fit, "fit corrections per kernel/platform/resource and report their error"},
                                 {"show", cmd_cal_show, "list calibration points and fits"},
                                 {NULL, NULL, NULL}};
    return bs_cli_subcommand(cli, sub, "usage: brainsmith calibrate add|fit|show [--help]", argc, argv);
}

/* ---- dse example-cnv ---- */

static int cmd_example_cnv(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith dse example-cnv OUT.onnx [--wbits 1] [--abits 1]\n\n"
               "Writes a CNV-topology model in FINN dev 2025 hardware form (after\n"
               "step_specialize_layers; PE = SIMD = 1) with seeded random weights.\n");
        return 0;
    }
    dse_args a;
    int rc = parse(cli, argc, argv, &a);
    if (rc >= 0) return rc;
    if (!a.model) return bs_cli_usage(cli, "missing OUT.onnx");
    bs_ir_graph *g;
    if ((rc = bs_dse_example_cnv(a.wbits, a.abits, 7, &g)) < 0) return bs_cli_fail(cli, rc);
    rc = bs_ir_save(g, a.model);
    bs_ir_free(g);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static int cmd_dse(bs_cli *cli, int argc, char **argv)
{
    static const bs_cmd sub[] = {{"example-cnv", cmd_example_cnv, "write the CNV-topology HW model used by the benchmark"},
                                 {NULL, NULL, NULL}};
    return bs_cli_subcommand(cli, sub, "usage: brainsmith dse example-cnv OUT.onnx [--help]", argc, argv);
}

const bs_cmd bs_cmds_dse[] = {
    {"bottleneck", cmd_bottleneck, "which layer bounds throughput and which resource stops unfolding"},
    {"config", cmd_config, "config generate: FINN build config + folding per platform that fits"},
    {"select", cmd_select, "choose hls/rtl, ram_style, resType, mem_mode per layer under a platform"},
    {"calibrate", cmd_calibrate, "calibrate resource estimates from measured results (add|fit|show)"},
    {"dse", cmd_dse, "design-space exploration helpers (example-cnv)"},
    {NULL, NULL, NULL},
};
