/* cmd_kernels.c - `brainsmith kernels`: list the hardware kernel registry,
 * show one kernel's FINN attributes, estimate one node from attributes given
 * as JSON (cycles, LUT/BRAM/URAM/DSP, shapes, widths; illegal folding is
 * refused with the nearest legal values) and run SetFolding's per-node step. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/kernels.h"
#include "brainsmith/util.h"

static const char *const tnames[] = {"int", "string", "ints", "strings", "datatype"};
static const char *const fnames[] = {"", "MVAU (SIMD then PE)", "PE", "PE (Labels)",
                                     "depthwise (PE, sets producer SWG)", "SIMD"};

static int print_json(cJSON *j) {
    char *s = bs_json_print_py(j, 2);
    cJSON_Delete(j);
    if (!s) return BS_EXIT_FAIL;
    printf("%s\n", s);
    free(s);
    return 0;
}

static int cmd_list(bs_cli *cli, int argc, char **argv) {
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > (json ? 2 : 1)) return bs_cli_usage(cli, "unexpected argument '%s'", argv[json ? 2 : 1]);
    cJSON *a = json ? cJSON_CreateArray() : NULL;
    for (size_t i = 0; i < bs_kernel_count(); i++) {
        const bs_kernel *k = bs_kernel_at(i);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "op_type", k->op_type);
            cJSON_AddStringToObject(o, "base", k->base);
            cJSON_AddStringToObject(o, "backend", k->backend);
            cJSON_AddStringToObject(o, "folding", fnames[k->fold]);
            if (k->legacy_of) cJSON_AddStringToObject(o, "legacy_of", k->legacy_of);
            cJSON_AddStringToObject(o, "help", k->help);
            cJSON_AddItemToArray(a, o);
        } else {
            printf("%-34s %-4s %-10s %s\n", k->op_type, k->backend[0] ? k->backend : "-",
                   k->fold ? (k->fold == BS_KFOLD_MVAU ? "PE,SIMD" : k->fold == BS_KFOLD_SIMD ? "SIMD" : "PE") : "-",
                   k->help);
        }
    }
    return json ? print_json(a) : 0;
}

static int find(bs_cli *cli, const char *op, const bs_kernel **k) {
    *k = bs_kernel_find(op);
    if (*k) return 0;
    bs_error_set(BS_ENOTFOUND, "unknown kernel op type '%s' (see 'brainsmith kernels list')", op);
    return bs_cli_fail(cli, BS_ENOTFOUND);
}

static int cmd_show(bs_cli *cli, int argc, char **argv) {
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith kernels show OP_TYPE [--json]\n\nPrints the FINN node attributes of a kernel "
               "with types, defaults and allowed values.\n");
        return 0;
    }
    bool json = false;
    const char *op = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!op && argv[i][0] != '-') op = argv[i];
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    if (!op) return bs_cli_usage(cli, "missing OP_TYPE");
    const bs_kernel *k;
    if (find(cli, op, &k)) return BS_EXIT_FAIL;
    cJSON *arr = cJSON_CreateArray();
    if (!json) {
        printf("%s  (%s)\n", k->op_type, k->help);
        if (k->legacy_of) printf("  legacy name of %s\n", k->legacy_of);
    }
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? k->n_extra : k->n_attrs;
        for (int i = 0; i < n; i++) {
            const bs_kattr_def *d = pass ? &k->extra[i] : &k->attrs[i];
            if (bs_kernel_attr(k, d->name) != d) continue;   /* overridden by the backend */
            char def[96] = "";
            if (d->type == BS_KA_INT) snprintf(def, sizeof def, "%lld", (long long)d->def_i);
            else if (d->type == BS_KA_INTS) {
                size_t o = 0;
                o += (size_t)snprintf(def + o, sizeof def - o, "[");
                for (int j = 0; j < d->def_n && o < sizeof def; j++)
                    o += (size_t)snprintf(def + o, sizeof def - o, "%s%lld", j ? "," : "", (long long)d->def_v[j]);
                if (o < sizeof def) snprintf(def + o, sizeof def - o, "]");
            } else if (d->def_s) snprintf(def, sizeof def, "\"%s\"", d->def_s);
            if (json) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "name", d->name);
                cJSON_AddStringToObject(o, "type", tnames[d->type]);
                cJSON_AddBoolToObject(o, "required", d->required);
                cJSON_AddStringToObject(o, "default", def);
                if (d->allowed) cJSON_AddStringToObject(o, "allowed", d->allowed);
                cJSON_AddStringToObject(o, "help", d->help);
                cJSON_AddItemToArray(arr, o);
            } else {
                printf("  %-26s %-8s %-3s %-20s %s%s%s\n", d->name, tnames[d->type], d->required ? "req" : "",
                       def, d->help, d->allowed ? " " : "", d->allowed ? d->allowed : "");
            }
        }
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "op_type", k->op_type);
        cJSON_AddStringToObject(o, "help", k->help);
        cJSON_AddItemToObject(o, "attributes", arr);
        return print_json(o);
    }
    cJSON_Delete(arr);
    return 0;
}

/* Parses --attrs JSON or --attrs @FILE into *out. */
static int parse_attrs(const char *arg, cJSON **out) {
    if (arg[0] == '@') return bs_json_load_file(arg + 1, out);
    return bs_json_parse(arg, strlen(arg), "--attrs", out);
}

static cJSON *dims_json(const int64_t *d, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)d[i]));
    return a;
}

static int cmd_estimate(bs_cli *cli, int argc, char **argv) {
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith kernels estimate OP_TYPE --attrs JSON|@FILE [--part PART]\n"
               "                                   [--finn auto|dev2025|main|v0.6|v0.5] [--name NODE] [--json]\n\n"
               "Evaluates FINN's cost model of one node: expected cycles, BRAM_18K, LUT, URAM,\n"
               "DSP and efficiencies (as estimate_layer_resources.json has them), folded\n"
               "shapes and stream widths.  An illegal folding is refused with the rule it\n"
               "breaks and the nearest legal values.  --part selects the DSP block\n"
               "(default xc7z020clg400-1).\n");
        return 0;
    }
    const char *op = NULL, *attrs = NULL, *part = "xc7z020clg400-1", *ver = "auto", *name = "node";
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) json = true;
        else if (!strcmp(a, "--attrs") && i + 1 < argc) attrs = argv[++i];
        else if (!strcmp(a, "--part") && i + 1 < argc) part = argv[++i];
        else if (!strcmp(a, "--finn") && i + 1 < argc) ver = argv[++i];
        else if (!strcmp(a, "--name") && i + 1 < argc) name = argv[++i];
        else if (!op && a[0] != '-') op = a;
        else return bs_cli_usage(cli, "unexpected argument '%s'", a);
    }
    if (!op || !attrs) return bs_cli_usage(cli, "need OP_TYPE and --attrs");
    const bs_kernel *k;
    if (find(cli, op, &k)) return BS_EXIT_FAIL;
    bs_finn_version v;
    int rc = bs_finn_version_parse(ver, &v);
    if (rc) return bs_cli_fail(cli, rc);
    cJSON *j = NULL;
    if ((rc = parse_attrs(attrs, &j))) return bs_cli_fail(cli, rc);
    bs_kattr_src src;
    bs_kattr_json st;
    bs_kattr_src_json(&src, &st, j);
    bs_knode n;
    bs_kcost c;
    rc = bs_knode_load(&n, k, &src, name, v);
    if (rc == 0) rc = bs_knode_estimate(&n, part, &c);
    cJSON_Delete(j);
    if (rc) return bs_cli_fail(cli, rc);
    int64_t fi[12], fo[12], wi = 0, wo = 0;
    size_t nfi = 0, nfo = 0;
    bs_knode_folded_shape(&n, 0, 0, fi, &nfi);
    bs_knode_folded_shape(&n, 1, 0, fo, &nfo);
    bs_knode_stream_width(&n, 0, 0, &wi);
    bs_knode_stream_width(&n, 1, 0, &wo);
    bs_error_clear();
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "op_type", k->op_type);
        cJSON_AddStringToObject(o, "finn", bs_finn_version_name(n.ver));
        cJSON_AddNumberToObject(o, "cycles", (double)c.cycles);
#define NUM(key, v, bit) cJSON_AddItemToObject(o, key, (c.pyfloat & (bit)) ? bs_json_py_float(v) : cJSON_CreateNumber(v))
        NUM("BRAM_18K", c.bram18, BS_KC_BRAM);
        NUM("BRAM_efficiency", c.bram_eff, BS_KC_BRAM_EFF);
        NUM("LUT", c.lut, BS_KC_LUT);
        NUM("URAM", c.uram, BS_KC_URAM);
        NUM("URAM_efficiency", c.uram_eff, BS_KC_URAM_EFF);
        NUM("DSP", c.dsp, BS_KC_DSP);
#undef NUM
        cJSON_AddItemToObject(o, "folded_input_shape", dims_json(fi, nfi));
        cJSON_AddItemToObject(o, "folded_output_shape", dims_json(fo, nfo));
        cJSON_AddNumberToObject(o, "instream_width", (double)wi);
        cJSON_AddNumberToObject(o, "outstream_width", (double)wo);
        return print_json(o);
    }
    printf("%s (%s, FINN %s)\n  cycles   %lld\n  LUT      %.0f\n  BRAM_18K %.0f (efficiency %.4f)\n"
           "  URAM     %.0f (efficiency %.4f)\n  DSP      %.0f\n  stream   %lld -> %lld bits\n",
           name, k->op_type, bs_finn_version_name(n.ver), (long long)c.cycles, c.lut, c.bram18, c.bram_eff,
           c.uram, c.uram_eff, c.dsp, (long long)wi, (long long)wo);
    return 0;
}

static int cmd_fold(bs_cli *cli, int argc, char **argv) {
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith kernels fold OP_TYPE --attrs JSON|@FILE --target-cycles N\n"
               "                               [--mvau-wwidth-max W] [--json]\n\n"
               "Runs FINN SetFolding's per-node step (divisors ascending until cycles < target;\n"
               "MVAU: SIMD first under mvau_wwidth_max, default 36, then PE) and prints the\n"
               "chosen parallelism and cycles.\n");
        return 0;
    }
    const char *op = NULL, *attrs = NULL;
    int64_t target = -1, wmax = 36;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) json = true;
        else if (!strcmp(a, "--attrs") && i + 1 < argc) attrs = argv[++i];
        else if (!strcmp(a, "--target-cycles") && i + 1 < argc) {
            if (bs_parse_i64(argv[++i], &target) || target < 1) return bs_cli_usage(cli, "bad --target-cycles");
        } else if (!strcmp(a, "--mvau-wwidth-max") && i + 1 < argc) {
            if (bs_parse_i64(argv[++i], &wmax) || wmax < 1) return bs_cli_usage(cli, "bad --mvau-wwidth-max");
        } else if (!op && a[0] != '-') op = a;
        else return bs_cli_usage(cli, "unexpected argument '%s'", a);
    }
    if (!op || !attrs || target < 1) return bs_cli_usage(cli, "need OP_TYPE, --attrs and --target-cycles");
    const bs_kernel *k;
    if (find(cli, op, &k)) return BS_EXIT_FAIL;
    cJSON *j = NULL;
    int rc = parse_attrs(attrs, &j);
    if (rc) return bs_cli_fail(cli, rc);
    bs_kattr_src src;
    bs_kattr_json st;
    bs_kattr_src_json(&src, &st, j);
    bs_knode n;
    bs_fold_result r;
    rc = bs_knode_load(&n, k, &src, "node", BS_FINN_AUTO);
    if (rc == 0) rc = bs_fold_node(&n, target, wmax, &r);
    cJSON_Delete(j);
    if (rc) return bs_cli_fail(cli, rc);
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < r.n_attrs; i++) cJSON_AddNumberToObject(o, r.attr[i], (double)r.val[i]);
    cJSON_AddNumberToObject(o, "cycles", (double)r.cycles);
    if (r.set_producer_simd > 0) cJSON_AddNumberToObject(o, "producer_SIMD", (double)r.set_producer_simd);
    if (json) return print_json(o);
    for (int i = 0; i < r.n_attrs; i++) printf("%s=%lld ", r.attr[i], (long long)r.val[i]);
    printf("cycles=%lld%s\n", (long long)r.cycles, r.cycles < target ? "" : " (target not reached)");
    cJSON_Delete(o);
    return 0;
}

static const bs_cmd sub[] = {
    {"list", cmd_list, "list kernel op types [--json]"},
    {"show", cmd_show, "attributes of one kernel"},
    {"estimate", cmd_estimate, "FINN cost model of one node from JSON attributes"},
    {"fold", cmd_fold, "SetFolding's per-node step for one node"},
    {NULL, NULL, NULL},
};

static int cmd_kernels(bs_cli *cli, int argc, char **argv) {
    if (argc == 1) return cmd_list(cli, argc, argv);
    if (!strcmp(argv[1], "--json")) return cmd_list(cli, argc, argv);
    return bs_cli_subcommand(cli, sub, "usage: brainsmith kernels [list|show|estimate|fold] ...", argc, argv);
}

const bs_cmd bs_cmds_kernels[] = {
    {"kernels", cmd_kernels, "hardware kernel registry: list, show, estimate, fold"},
    {NULL, NULL, NULL},
};
