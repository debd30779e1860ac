/* cmd_metrics.c - `brainsmith metrics list|show|compare|parse`.
 * Parses options, calls lib/metrics, prints text or --json. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/metrics.h"
#include "brainsmith/util.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], flag))
            return true;
    return false;
}

/* Rejects options other than the allowed ones; returns the first unknown. */
static const char *bad_option(int argc, char **argv, const char *const *allowed)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-')
            continue;
        bool ok = false;
        for (int k = 0; allowed[k]; k++)
            ok |= !strcmp(argv[i], allowed[k]);
        if (!ok)
            return argv[i];
    }
    return NULL;
}

static int print_json(cJSON *j)
{
    char *t = cJSON_Print(j);
    cJSON_Delete(j);
    if (!t)
        return BS_EXIT_FAIL;
    printf("%s\n", t);
    free(t);
    return 0;
}

static int cmd_list(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith metrics list [--json | --markdown]\n\n"
               "Lists every metric brainsmith knows: id, unit, better direction\n"
               "(lower/higher/none), group and description.  --markdown prints the\n"
               "table docs/metrics.md is made from.\n");
        return 0;
    }
    static const char *const allowed[] = {"--json", "--markdown", NULL};
    const char *bad = bad_option(argc, argv, allowed);
    if (bad)
        return bs_cli_usage(cli, "unknown option '%s'", bad);
    size_t n;
    const bs_metric_def *t = bs_metric_table(&n);
    if (has_flag(argc, argv, "--json")) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", t[i].id);
            cJSON_AddStringToObject(o, "unit", t[i].unit);
            cJSON_AddStringToObject(o, "better", bs_better_name(t[i].better));
            cJSON_AddStringToObject(o, "group", t[i].group);
            cJSON_AddStringToObject(o, "description", t[i].desc);
            cJSON_AddItemToArray(arr, o);
        }
        return print_json(arr);
    }
    if (has_flag(argc, argv, "--markdown")) {
        printf("| id | unit | better | group | description |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < n; i++)
            printf("| `%s` | %s | %s | %s | %s |\n", t[i].id, t[i].unit, bs_better_name(t[i].better),
                   t[i].group, t[i].desc);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        printf("%-28s %-10s %-7s %-12s %s\n", t[i].id, t[i].unit, bs_better_name(t[i].better), t[i].group,
               t[i].desc);
    return 0;
}

static const char *base_name(const char *p)
{
    const char *b = p ? strrchr(p, '/') : NULL;
    return b ? b + 1 : p ? p : "";
}

static void fmt_val(const bs_metric_val *v, char *buf, size_t n)
{
    if (v->text)
        snprintf(buf, n, "%s", v->text);
    else
        snprintf(buf, n, "%.6g", v->value);
}

static cJSON *val_json(const bs_metric_val *v)
{
    cJSON *o = cJSON_CreateObject();
    if (v->text)
        cJSON_AddStringToObject(o, "text", v->text);
    else
        cJSON_AddNumberToObject(o, "value", v->value);
    const bs_metric_def *d = bs_metric_find(v->id);
    cJSON_AddStringToObject(o, "unit", d ? d->unit : "");
    cJSON_AddBoolToObject(o, "estimated", v->estimated);
    cJSON_AddStringToObject(o, "source", v->source ? v->source : "");
    return o;
}

static int cmp_scope(const void *a, const void *b)
{
    const bs_metric_val *x = *(const bs_metric_val *const *)a, *y = *(const bs_metric_val *const *)b;
    int c = strcmp(x->scope, y->scope);
    return c ? c : strcmp(x->id, y->id);
}

/* Prints a set; shared by `show` and `parse`. */
static int print_set(const bs_metric_set *s, const char *build_id, const char *name, const char *state,
                     bool layers, bool json)
{
    if (json) {
        cJSON *root = cJSON_CreateObject();
        if (build_id)
            cJSON_AddStringToObject(root, "build", build_id);
        if (name)
            cJSON_AddStringToObject(root, "name", name);
        if (state)
            cJSON_AddStringToObject(root, "state", state);
        cJSON *m = cJSON_AddObjectToObject(root, "metrics");
        cJSON *l = layers ? cJSON_AddObjectToObject(root, "layers") : NULL;
        for (size_t i = 0; i < s->n; i++) {
            const bs_metric_val *v = &s->v[i];
            if (!*v->scope) {
                cJSON_AddItemToObject(m, v->id, val_json(v));
            } else if (l) {
                cJSON *sc = cJSON_GetObjectItemCaseSensitive(l, v->scope);
                if (!sc)
                    sc = cJSON_AddObjectToObject(l, v->scope);
                cJSON_AddItemToObject(sc, v->id, val_json(v));
            }
        }
        cJSON *e = cJSON_AddArrayToObject(root, "errors");
        for (size_t i = 0; i < s->nerr; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", s->err[i].file);
            cJSON_AddNumberToObject(o, "line", s->err[i].line);
            cJSON_AddStringToObject(o, "message", s->err[i].msg);
            cJSON_AddItemToArray(e, o);
        }
        return print_json(root);
    }
    if (build_id)
        printf("build %s%s%s  (%s)\n", build_id, name ? "  " : "", name ? name : "", state ? state : "");
    char buf[256];
    /* build values first, then scoped ones grouped by scope */
    const bs_metric_val **order = malloc((s->n + 1) * sizeof *order);
    size_t no = 0;
    if (!order)
        return BS_ENOMEM;
    for (size_t i = 0; i < s->n; i++)
        order[no++] = &s->v[i];
    qsort(order, no, sizeof *order, cmp_scope);
    for (int pass = 0; pass < (layers ? 2 : 1); pass++) {
        if (pass == 1)
            printf("\nper layer / scope:\n");
        for (size_t i = 0; i < no; i++) {
            const bs_metric_val *v = order[i];
            if ((pass == 0) != (*v->scope == 0))
                continue;
            const bs_metric_def *d = bs_metric_find(v->id);
            fmt_val(v, buf, sizeof buf);
            if (pass == 1)
                printf("  %-40s ", v->scope);
            printf("  %-28s %14s %-9s%s  %s\n", v->id, buf, d && strcmp(d->unit, "text") ? d->unit : "",
                   v->estimated ? " (est)" : "      ", base_name(v->source));
        }
    }
    free(order);
    for (size_t i = 0; i < s->nerr; i++)
        printf("error: %s:%d: %s\n", s->err[i].file, s->err[i].line, s->err[i].msg);
    return 0;
}

static int cmd_show(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith metrics show BUILD [--layers] [--json]\n\n"
               "Shows the stored metrics of a build (id, id prefix or name): value, unit,\n"
               "whether it is an estimate, and the file it came from.  --layers adds the\n"
               "per-layer (and per clock/rail/SLR/step) values.  Parse errors of the\n"
               "build's reports are listed at the end.\n");
        return 0;
    }
    static const char *const allowed[] = {"--json", "--layers", NULL};
    const char *bad = bad_option(argc, argv, allowed);
    if (bad)
        return bs_cli_usage(cli, "unknown option '%s'", bad);
    const char *id = NULL;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-') {
            if (id)
                return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
            id = argv[i];
        }
    if (!id)
        return bs_cli_usage(cli, "missing BUILD");
    bs_workspace *ws = bs_cli_open_ws(cli, false);
    if (!ws)
        return BS_EXIT_FAIL;
    bs_build_info b;
    int rc = bs_build_get(ws, id, &b);
    if (rc) {
        bs_workspace_close(ws);
        return bs_cli_fail(cli, rc);
    }
    bs_metric_set s;
    bs_metrics_init(&s);
    rc = bs_metrics_load(ws->db, b.id, &s);
    if (!rc)
        rc = print_set(&s, b.id, b.name, b.state, has_flag(argc, argv, "--layers"), has_flag(argc, argv, "--json"));
    bs_metrics_free(&s);
    bs_build_info_free(&b);
    bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : rc;
}

static int cmd_compare(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith metrics compare B1 B2 [B3 ...] [--json]\n\n"
               "Compares the build-level metrics of two or more builds side by side.\n"
               "The last column is the change of the last build against the first, and\n"
               "whether that is better or worse given the metric's direction.\n");
        return 0;
    }
    static const char *const allowed[] = {"--json", NULL};
    const char *bad = bad_option(argc, argv, allowed);
    if (bad)
        return bs_cli_usage(cli, "unknown option '%s'", bad);
    int nb = 0;
    for (int i = 1; i < argc; i++)
        nb += argv[i][0] != '-';
    if (nb < 2)
        return bs_cli_usage(cli, "compare needs at least two builds");
    if (nb > 64)
        return bs_cli_usage(cli, "compare takes at most 64 builds");
    bs_workspace *ws = bs_cli_open_ws(cli, false);
    if (!ws)
        return BS_EXIT_FAIL;
    bs_metric_set *sets = calloc((size_t)nb, sizeof *sets);
    bs_build_info *bi = calloc((size_t)nb, sizeof *bi);
    int rc = sets && bi ? 0 : BS_ENOMEM, k = 0, loaded = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (argv[i][0] == '-')
            continue;
        bs_metrics_init(&sets[k]);
        loaded++;
        rc = bs_build_get(ws, argv[i], &bi[k]);
        if (!rc)
            rc = bs_metrics_load(ws->db, bi[k].id, &sets[k]);
        k++;
    }
    if (!rc) {
        bool json = has_flag(argc, argv, "--json");
        size_t nd;
        const bs_metric_def *defs = bs_metric_table(&nd);
        cJSON *root = json ? cJSON_CreateObject() : NULL;
        cJSON *jb = json ? cJSON_AddArrayToObject(root, "builds") : NULL;
        cJSON *jm = json ? cJSON_AddArrayToObject(root, "metrics") : NULL;
        for (int b = 0; b < nb; b++) {
            if (json)
                cJSON_AddItemToArray(jb, cJSON_CreateString(bi[b].id));
        }
        if (!json) {
            printf("%-28s", "metric");
            for (int b = 0; b < nb; b++)
                printf(" %16.16s", bi[b].name ? bi[b].name : bi[b].id);
            printf("  %9s\n", "change");
        }
        for (size_t d = 0; d < nd; d++) {
            const bs_metric_val *vs[64];
            int present = 0;
            for (int b = 0; b < nb; b++) {
                vs[b] = bs_metrics_get(&sets[b], defs[d].id, NULL);
                present += vs[b] != NULL;
            }
            if (!present)
                continue;
            const bs_metric_val *f = vs[0], *l = vs[nb - 1];
            double chg = NAN;
            const char *verdict = "";
            if (f && l && !f->text && !l->text && f->value != 0) {
                chg = 100.0 * (l->value - f->value) / fabs(f->value);
                if (fabs(chg) < 1e-9 || defs[d].better == BS_BETTER_NONE)
                    verdict = fabs(chg) < 1e-9 ? "same" : "";
                else
                    verdict = (chg < 0) == (defs[d].better == BS_BETTER_LOWER) ? "better" : "worse";
            }
            if (json) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "id", defs[d].id);
                cJSON_AddStringToObject(o, "unit", defs[d].unit);
                cJSON_AddStringToObject(o, "better", bs_better_name(defs[d].better));
                cJSON *vals = cJSON_AddArrayToObject(o, "values");
                for (int b = 0; b < nb; b++) {
                    if (!vs[b])
                        cJSON_AddItemToArray(vals, cJSON_CreateNull());
                    else if (vs[b]->text)
                        cJSON_AddItemToArray(vals, cJSON_CreateString(vs[b]->text));
                    else
                        cJSON_AddItemToArray(vals, cJSON_CreateNumber(vs[b]->value));
                }
                if (!isnan(chg))
                    cJSON_AddNumberToObject(o, "change_pct", chg);
                if (*verdict)
                    cJSON_AddStringToObject(o, "verdict", verdict);
                cJSON_AddItemToArray(jm, o);
                continue;
            }
            printf("%-28s", defs[d].id);
            char buf[64];
            for (int b = 0; b < nb; b++) {
                if (vs[b])
                    fmt_val(vs[b], buf, sizeof buf);
                else
                    snprintf(buf, sizeof buf, "-");
                printf(" %16.16s", buf);
            }
            if (!isnan(chg))
                printf("  %+8.1f%% %s", chg, verdict);
            printf("\n");
        }
        if (json)
            rc = print_json(root);
    }
    for (int b = 0; b < loaded; b++) {
        bs_metrics_free(&sets[b]);
        bs_build_info_free(&bi[b]);
    }
    free(sets);
    free(bi);
    bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : rc;
}

static int cmd_parse(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith metrics parse FILE... [--parser NAME] [--analyze] [--layers] [--json]\n\n"
               "Parses report files without storing anything and prints the metrics.\n"
               "The parser is detected from the file unless --parser names one of:\n");
        size_t n;
        const bs_metric_parser *p = bs_metrics_parsers(&n);
        for (size_t i = 0; i < n; i++)
            printf("  %-24s %s\n", p[i].name, p[i].desc);
        return 0;
    }
    const char *parser = NULL;
    bs_metric_set s;
    int nfiles = 0, rc = 0;
    bs_metrics_init(&s);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--parser")) {
            if (++i >= argc) {
                bs_metrics_free(&s);
                return bs_cli_usage(cli, "--parser needs a NAME");
            }
            parser = argv[i];
            if (!bs_metrics_parser_find(parser)) {
                bs_metrics_free(&s);
                return bs_cli_usage(cli, "unknown parser '%s' (see --help)", parser);
            }
        } else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--layers") || !strcmp(argv[i], "--analyze")) {
            continue;
        } else if (argv[i][0] == '-') {
            bs_metrics_free(&s);
            return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        }
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            i += !strcmp(argv[i], "--parser");
            continue;
        }
        nfiles++;
        int r = bs_metrics_parse_file(&s, argv[i], parser);
        if (r == BS_EUNSUPPORTED)
            bs_metrics_error(&s, argv[i], 0, "not a report brainsmith reads (use --parser)");
        if (r)
            rc = r;
    }
    if (!nfiles) {
        bs_metrics_free(&s);
        return bs_cli_usage(cli, "missing FILE");
    }
    if (has_flag(argc, argv, "--analyze"))
        bs_metrics_analyze(&s);
    print_set(&s, NULL, NULL, NULL, has_flag(argc, argv, "--layers"), has_flag(argc, argv, "--json"));
    bs_metrics_free(&s);
    return rc ? BS_EXIT_FAIL : 0;
}


/* Value of the option `name` (NULL if absent); *bad set when it lacks a value. */
static const char *opt_val(int argc, char **argv, const char *name, bool *bad)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name)) {
            if (i + 1 >= argc) {
                *bad = true;
                return NULL;
            }
            return argv[i + 1];
        }
    return NULL;
}

static int cmd_quality(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith metrics quality BUILD --ref REF.npy --hw HW.npy [--labels L.npy] [--json]\n\n"
               "Compares the hardware graph's outputs (HW.npy) with the QONNX reference\n"
               "outputs (REF.npy) on the same N inputs: top-1 agreement, max and mean\n"
               "absolute error, and accuracy against labels when given.  Arrays of shape\n"
               "(N, C) hold scores per class; shape (N,) or (N, 1) holds class indices.\n"
               "The results are stored as quality.* metrics of BUILD.\n");
        return 0;
    }
    bool bad = false;
    const char *ref = opt_val(argc, argv, "--ref", &bad), *hw = opt_val(argc, argv, "--hw", &bad);
    const char *lab = opt_val(argc, argv, "--labels", &bad), *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ref") || !strcmp(argv[i], "--hw") || !strcmp(argv[i], "--labels")) {
            i++;
        } else if (!strcmp(argv[i], "--json")) {
        } else if (argv[i][0] == '-') {
            return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        } else if (id) {
            return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
        } else {
            id = argv[i];
        }
    }
    if (bad || !id || !ref || !hw)
        return bs_cli_usage(cli, "need BUILD, --ref REF.npy and --hw HW.npy");
    bs_quality q;
    int rc = bs_metrics_quality_files(ref, hw, lab, &q);
    if (rc)
        return bs_cli_fail(cli, rc);
    bs_workspace *ws = bs_cli_open_ws(cli, false);
    if (!ws)
        return BS_EXIT_FAIL;
    bs_build_info b;
    bs_metric_set s;
    bs_metrics_init(&s);
    rc = bs_build_get(ws, id, &b);
    if (!rc) {
        rc = bs_metrics_load(ws->db, b.id, &s);
        if (!rc)
            rc = bs_metrics_put_quality(&s, &q, hw);
        if (!rc)
            rc = bs_metrics_store(ws->db, b.id, &s);
        bs_build_info_free(&b);
    }
    bs_metrics_free(&s);
    bs_workspace_close(ws);
    if (rc)
        return bs_cli_fail(cli, rc);
    if (has_flag(argc, argv, "--json")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "samples", q.n);
        cJSON_AddNumberToObject(o, "top1_agreement", q.top1_agreement);
        cJSON_AddNumberToObject(o, "max_abs_err", q.max_abs_err);
        cJSON_AddNumberToObject(o, "mean_abs_err", q.mean_abs_err);
        if (!isnan(q.accuracy))
            cJSON_AddNumberToObject(o, "accuracy", q.accuracy);
        return print_json(o);
    }
    printf("samples %d  top-1 agreement %.4f  max abs err %.6g  mean abs err %.6g", q.n, q.top1_agreement,
           q.max_abs_err, q.mean_abs_err);
    if (!isnan(q.accuracy))
        printf("  accuracy %.4f", q.accuracy);
    printf("\n");
    return 0;
}

static int cmd_scale(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith metrics scale B1 B2 [B3 ...] --metric ID --at X [--x ID] [--json]\n\n"
               "Fits metric ID (e.g. resources.lut) against the folding of builds of one\n"
               "model (--x, default fold.parallelism = sum of PE x SIMD) with a least-\n"
               "squares line, predicts it at X and reports the fit's error: R^2, RMSE,\n"
               "max relative error and, with three or more builds, the leave-one-out\n"
               "max relative error (how well it predicts a build it has not seen).\n");
        return 0;
    }
    bool bad = false;
    const char *metric = opt_val(argc, argv, "--metric", &bad), *xs = opt_val(argc, argv, "--at", &bad);
    const char *xid = opt_val(argc, argv, "--x", &bad);
    if (!xid)
        xid = "fold.parallelism";
    double at;
    if (bad || !metric || !xs || bs_parse_double(xs, &at))
        return bs_cli_usage(cli, "need --metric ID and --at NUMBER");
    if (!bs_metric_find(metric) || !bs_metric_find(xid))
        return bs_cli_usage(cli, "unknown metric '%s' (see 'metrics list')", bs_metric_find(metric) ? xid : metric);
    bs_workspace *ws = bs_cli_open_ws(cli, false);
    if (!ws)
        return BS_EXIT_FAIL;
    double x[64], y[64];
    int n = 0, rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (argv[i][0] == '-') {
            i += strcmp(argv[i], "--json") != 0;
            continue;
        }
        if (n == 64) {
            rc = bs_error_set(BS_ERANGE, "scale: at most 64 builds");
            break;
        }
        bs_build_info b;
        bs_metric_set s;
        bs_metrics_init(&s);
        rc = bs_build_get(ws, argv[i], &b);
        if (!rc) {
            rc = bs_metrics_load(ws->db, b.id, &s);
            x[n] = bs_metrics_num(&s, xid, NULL);
            y[n] = bs_metrics_num(&s, metric, NULL);
            if (!rc && (isnan(x[n]) || isnan(y[n])))
                rc = bs_error_set(BS_ENOTFOUND, "scale: build %s has no %s", b.id, isnan(x[n]) ? xid : metric);
            bs_build_info_free(&b);
        }
        bs_metrics_free(&s);
        n++;
    }
    bs_workspace_close(ws);
    bs_fit f;
    if (!rc)
        rc = bs_metrics_fit_linear(x, y, n, at, &f);
    if (rc)
        return bs_cli_fail(cli, rc);
    if (has_flag(argc, argv, "--json")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "metric", metric);
        cJSON_AddStringToObject(o, "x", xid);
        cJSON_AddNumberToObject(o, "builds", f.n);
        cJSON_AddNumberToObject(o, "intercept", f.a);
        cJSON_AddNumberToObject(o, "slope", f.b);
        cJSON_AddNumberToObject(o, "r2", f.r2);
        cJSON_AddNumberToObject(o, "rmse", f.rmse);
        cJSON_AddNumberToObject(o, "max_rel_err", f.max_rel_err);
        if (!isnan(f.loo_max_rel_err))
            cJSON_AddNumberToObject(o, "loo_max_rel_err", f.loo_max_rel_err);
        cJSON_AddNumberToObject(o, "at", at);
        cJSON_AddNumberToObject(o, "predicted", f.predicted);
        return print_json(o);
    }
    printf("%s = %.6g + %.6g * %s over %d builds (R^2 %.4f, RMSE %.4g, max rel err %.2f%%", metric, f.a, f.b, xid,
           f.n, f.r2, f.rmse, 100 * f.max_rel_err);
    if (!isnan(f.loo_max_rel_err))
        printf(", leave-one-out %.2f%%", 100 * f.loo_max_rel_err);
    printf(")\npredicted %s at %s = %g: %.6g\n", metric, xid, at, f.predicted);
    return 0;
}

static const bs_cmd metrics_sub[] = {
    {"list", cmd_list, "list every metric (id, unit, direction, group, description)"},
    {"show", cmd_show, "show the metrics of a build"},
    {"compare", cmd_compare, "compare the metrics of two or more builds"},
    {"quality", cmd_quality, "store top-1 agreement / errors of hardware vs reference outputs (.npy)"},
    {"scale", cmd_scale, "fit a metric against folding over builds and predict a new folding"},
    {"parse", cmd_parse, "parse report files and print their metrics (nothing stored)"},
    {NULL, NULL, NULL},
};

static int cmd_metrics(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, metrics_sub, "usage: brainsmith metrics <sub-command> [options]", argc, argv);
}

const bs_cmd bs_cmds_metrics[] = {
    {"metrics", cmd_metrics, "metric registry, per-build metrics, comparisons"},
    {NULL, NULL, NULL},
};
