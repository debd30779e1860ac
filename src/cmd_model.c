/* cmd_model.c - `brainsmith model info|exec|check|save`: inspect, run and
 * validate ONNX/QONNX/FINN models.  Parsing and printing only; the work is
 * in lib/ir and lib/exec. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/npy.h"
#include "brainsmith/onnx.h"
#include "brainsmith/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char *shape_str(const bs_ir_tensor *t, char *buf, size_t n)
{
    if (t->rank < 0) { snprintf(buf, n, "?"); return buf; }
    int o = snprintf(buf, n, "[");
    for (int i = 0; i < t->rank && (size_t)o < n - 24; i++) {
        if (t->dims[i] >= 0) o += snprintf(buf + o, n - (size_t)o, "%s%lld", i ? ", " : "", (long long)t->dims[i]);
        else o += snprintf(buf + o, n - (size_t)o, "%s%s", i ? ", " : "",
                           t->dim_params && t->dim_params[i] ? t->dim_params[i] : "?");
    }
    snprintf(buf + o, n - (size_t)o, "]");
    return buf;
}

static cJSON *tensor_json(const bs_ir_tensor *t)
{
    cJSON *o = cJSON_CreateObject(), *sh = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "name", t->name);
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] >= 0) cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t->dims[i]));
        else cJSON_AddItemToArray(sh, cJSON_CreateString(t->dim_params && t->dim_params[i] ? t->dim_params[i] : "?"));
    }
    if (t->rank >= 0) cJSON_AddItemToObject(o, "shape", sh);
    else { cJSON_Delete(sh); cJSON_AddNullToObject(o, "shape"); }
    cJSON_AddStringToObject(o, "elem_type", bs_onnx_elem_name(t->elem_type));
    cJSON_AddStringToObject(o, "datatype", bs_dt_str(t->dtype));
    if (t->layout) cJSON_AddStringToObject(o, "layout", t->layout);
    return o;
}

static void attr_text(const bs_ir_attr *a, char *b, size_t n)
{
    int o = 0;
    switch (a->type) {
    case BS_ATTR_INT: snprintf(b, n, "%lld", (long long)a->i); break;
    case BS_ATTR_FLOAT: snprintf(b, n, "%g", a->f); break;
    case BS_ATTR_STRING: snprintf(b, n, "\"%s\"", a->s); break;
    case BS_ATTR_INTS:
        o = snprintf(b, n, "[");
        for (int i = 0; i < a->n && (size_t)o < n - 24; i++) o += snprintf(b + o, n - (size_t)o, "%s%lld", i ? ", " : "", (long long)a->ints[i]);
        snprintf(b + o, n - (size_t)o, "]");
        break;
    case BS_ATTR_FLOATS:
        o = snprintf(b, n, "[");
        for (int i = 0; i < a->n && (size_t)o < n - 24; i++) o += snprintf(b + o, n - (size_t)o, "%s%g", i ? ", " : "", a->floats[i]);
        snprintf(b + o, n - (size_t)o, "]");
        break;
    case BS_ATTR_STRINGS: snprintf(b, n, "<%d strings>", a->n); break;
    case BS_ATTR_TENSOR: snprintf(b, n, "<tensor %s, %lld values>", bs_onnx_elem_name(a->t->elem_type), (long long)a->t->numel); break;
    default: snprintf(b, n, "<%s>", a->type == BS_ATTR_GRAPH ? "graph" : "other"); break;
    }
}

static void print_node(const bs_ir_node *n)
{
    char buf[512];
    printf("  %s: %s%s%s\n", n->name, n->op_type, *n->domain ? " @ " : "", n->domain);
    for (int k = 0; k < n->ninputs; k++) {
        const bs_ir_tensor *t = n->inputs[k];
        if (!t) { printf("    in%d  (omitted)\n", k); continue; }
        printf("    in%d  %-28s %-16s %s%s\n", k, t->name, shape_str(t, buf, sizeof buf), bs_dt_str(t->dtype),
               t->init ? " (initializer)" : "");
    }
    for (int k = 0; k < n->noutputs; k++)
        printf("    out%d %-28s %-16s %s\n", k, n->outputs[k]->name, shape_str(n->outputs[k], buf, sizeof buf),
               bs_dt_str(n->outputs[k]->dtype));
    for (int k = 0; k < n->nattrs; k++) {
        attr_text(&n->attrs[k], buf, sizeof buf);
        printf("    %s = %s\n", n->attrs[k].name, buf);
    }
}

static cJSON *node_json(const bs_ir_node *n)
{
    char buf[512];
    cJSON *o = cJSON_CreateObject(), *a;
    cJSON_AddStringToObject(o, "name", n->name);
    cJSON_AddStringToObject(o, "op_type", n->op_type);
    cJSON_AddStringToObject(o, "domain", n->domain);
    cJSON_AddItemToObject(o, "inputs", a = cJSON_CreateArray());
    for (int k = 0; k < n->ninputs; k++)
        cJSON_AddItemToArray(a, n->inputs[k] ? cJSON_CreateString(n->inputs[k]->name) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "outputs", a = cJSON_CreateArray());
    for (int k = 0; k < n->noutputs; k++) cJSON_AddItemToArray(a, tensor_json(n->outputs[k]));
    cJSON_AddItemToObject(o, "attributes", a = cJSON_CreateObject());
    for (int k = 0; k < n->nattrs; k++) {
        const bs_ir_attr *at = &n->attrs[k];
        if (at->type == BS_ATTR_INT) cJSON_AddNumberToObject(a, at->name, (double)at->i);
        else if (at->type == BS_ATTR_FLOAT) cJSON_AddNumberToObject(a, at->name, at->f);
        else if (at->type == BS_ATTR_STRING) cJSON_AddStringToObject(a, at->name, at->s);
        else if (at->type == BS_ATTR_INTS) {
            cJSON *l = cJSON_AddArrayToObject(a, at->name);
            for (int i = 0; i < at->n; i++) cJSON_AddItemToArray(l, cJSON_CreateNumber((double)at->ints[i]));
        } else {
            attr_text(at, buf, sizeof buf);
            cJSON_AddStringToObject(a, at->name, buf);
        }
    }
    return o;
}

/* Loads a model and runs inference; on inference failure *infer_rc is set
 * and the graph is still returned (info/check report it). */
static int load(bs_cli *cli, const char *path, bs_ir_graph **g, int *infer_rc, char **infer_msg)
{
    int rc = bs_ir_load(path, g);
    if (rc) return bs_cli_fail(cli, rc);
    *infer_rc = bs_ir_infer(*g);
    *infer_msg = *infer_rc ? strdup(bs_error_msg()) : NULL;
    return 0;
}

static int cmd_info(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith model info FILE [--nodes] [--json]\n\n"
        "Prints a model's IR version and opsets, its inputs and outputs with shapes\n"
        "and QONNX datatypes (after shape and datatype inference), the op_type\n"
        "histogram, and the parameter count and bits (initializer elements times\n"
        "their datatype's bit width).  --nodes also lists every node with its\n"
        "inputs, outputs (shape, datatype) and attributes.\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    bool json = false, nodes = false;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--nodes")) nodes = true;
        else if (argv[i][0] == '-') return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        else if (!file) file = argv[i];
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    if (!file) return bs_cli_usage(cli, "missing FILE");
    bs_ir_graph *g;
    int irc = 0;
    char *imsg = NULL;
    int rc = load(cli, file, &g, &irc, &imsg);
    if (rc) return rc;
    /* op histogram in first-seen order */
    const char *ops[512];
    int counts[512], nops = 0;
    for (int i = 0; i < g->nnodes; i++) {
        int k;
        for (k = 0; k < nops && strcmp(ops[k], g->nodes[i]->op_type); k++) {}
        if (k == nops && nops < 512) { ops[nops] = g->nodes[i]->op_type; counts[nops++] = 0; }
        if (k < 512) counts[k]++;
    }
    double params = 0, bits = 0;
    for (int i = 0; i < g->ntensors; i++) {
        const bs_ir_tensor *t = g->tensors[i];
        if (!t->init || t->removed || !t->nconsumers) continue;
        params += (double)t->init->numel;
        bits += (double)t->init->numel * bs_dt_bitwidth(t->dtype);
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *a;
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddNumberToObject(o, "ir_version", (double)g->ir_version);
        cJSON_AddItemToObject(o, "opsets", a = cJSON_CreateObject());
        for (int i = 0; i < g->nopsets; i++)
            cJSON_AddNumberToObject(a, g->opsets[i].domain[0] ? g->opsets[i].domain : "ai.onnx", (double)g->opsets[i].version);
        cJSON_AddItemToObject(o, "inputs", a = cJSON_CreateArray());
        for (int i = 0; i < g->ninputs; i++)
            if (!g->inputs[i]->init) cJSON_AddItemToArray(a, tensor_json(g->inputs[i]));
        cJSON_AddItemToObject(o, "outputs", a = cJSON_CreateArray());
        for (int i = 0; i < g->noutputs; i++) cJSON_AddItemToArray(a, tensor_json(g->outputs[i]));
        cJSON_AddNumberToObject(o, "nodes", g->nnodes);
        cJSON_AddItemToObject(o, "op_types", a = cJSON_CreateObject());
        for (int i = 0; i < nops; i++) cJSON_AddNumberToObject(a, ops[i], counts[i]);
        cJSON_AddNumberToObject(o, "parameters", params);
        cJSON_AddNumberToObject(o, "parameter_bits", bits);
        if (nodes) {
            cJSON *na = cJSON_AddArrayToObject(o, "node_list");
            for (int i = 0; i < g->nnodes; i++) cJSON_AddItemToArray(na, node_json(g->nodes[i]));
        }
        cJSON_AddBoolToObject(o, "inferred", irc == 0);
        if (irc) cJSON_AddStringToObject(o, "inference_error", imsg);
        char *s = cJSON_Print(o);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    } else {
        char buf[256];
        printf("model: %s\nir_version: %lld\nopsets:", file, (long long)g->ir_version);
        for (int i = 0; i < g->nopsets; i++)
            printf(" %s:%lld", g->opsets[i].domain[0] ? g->opsets[i].domain : "ai.onnx", (long long)g->opsets[i].version);
        printf("\ninputs:\n");
        for (int i = 0; i < g->ninputs; i++)
            if (!g->inputs[i]->init)
                printf("  %-24s %-20s %-8s %s\n", g->inputs[i]->name, shape_str(g->inputs[i], buf, sizeof buf),
                       bs_onnx_elem_name(g->inputs[i]->elem_type), bs_dt_str(g->inputs[i]->dtype));
        printf("outputs:\n");
        for (int i = 0; i < g->noutputs; i++)
            printf("  %-24s %-20s %-8s %s\n", g->outputs[i]->name, shape_str(g->outputs[i], buf, sizeof buf),
                   bs_onnx_elem_name(g->outputs[i]->elem_type), bs_dt_str(g->outputs[i]->dtype));
        printf("nodes: %d\nop_types:\n", g->nnodes);
        for (int i = 0; i < nops; i++) printf("  %-32s %d\n", ops[i], counts[i]);
        printf("parameters: %.0f (%.0f bits)\n", params, bits);
        if (nodes) {
            printf("node list:\n");
            for (int i = 0; i < g->nnodes; i++) print_node(g->nodes[i]);
        }
        if (irc) printf("inference: FAILED: %s\n", imsg);
    }
    free(imsg);
    bs_ir_free(g);
    return 0;
}

static int cmd_check(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith model check FILE [--json]\n\n"
        "Loads the model, runs shape and datatype inference and checks that the\n"
        "reference executor has a kernel for every node.  Exits 1 and lists every\n"
        "unsupported node (name, op_type, domain) or the broken field otherwise.\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    bool json = false;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] == '-') return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        else if (!file) file = argv[i];
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    if (!file) return bs_cli_usage(cli, "missing FILE");
    bs_ir_graph *g = NULL;
    int lrc = bs_ir_load(file, &g);
    char *lmsg = lrc ? strdup(bs_error_msg()) : NULL;
    int irc = 0, erc = 0;
    char *imsg = NULL, *emsg = NULL;
    if (!lrc) {
        irc = bs_ir_infer(g);
        if (irc) imsg = strdup(bs_error_msg());
        erc = bs_exec_check(g);
        if (erc) emsg = strdup(bs_error_msg());
    }
    bool ok = !lrc && !irc && !erc;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddBoolToObject(o, "ok", ok);
        cJSON_AddBoolToObject(o, "loaded", !lrc);
        if (lrc) cJSON_AddStringToObject(o, "load_error", lmsg);
        if (!lrc) {
            cJSON_AddBoolToObject(o, "inferred", !irc);
            if (irc) cJSON_AddStringToObject(o, "inference_error", imsg);
            cJSON_AddBoolToObject(o, "executable", !erc);
            if (erc) cJSON_AddStringToObject(o, "exec_error", emsg);
            cJSON *un = cJSON_AddArrayToObject(o, "unsupported");
            for (int i = 0; i < g->nnodes; i++) {
                const bs_ir_node *n = g->nodes[i];
                bool no_inf = !bs_ir_op_lookup(n->domain, n->op_type), no_exec = !bs_exec_lookup(n->domain, n->op_type);
                if (!no_inf && !no_exec) continue;
                cJSON *u = cJSON_CreateObject();
                cJSON_AddStringToObject(u, "name", n->name);
                cJSON_AddStringToObject(u, "op_type", n->op_type);
                cJSON_AddStringToObject(u, "domain", n->domain);
                cJSON_AddBoolToObject(u, "inference", !no_inf);
                cJSON_AddBoolToObject(u, "exec", !no_exec);
                cJSON_AddItemToArray(un, u);
            }
        }
        char *s = cJSON_Print(o);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    } else {
        if (lrc) fprintf(stderr, "%s: load: %s\n", file, lmsg);
        else {
            printf("%s: loaded: %d nodes\n", file, g->nnodes);
            printf("inference: %s%s\n", irc ? "FAILED: " : "ok", irc ? imsg : "");
            printf("executor: %s%s\n", erc ? "FAILED: " : "ok", erc ? emsg : "");
        }
    }
    free(lmsg);
    free(imsg);
    free(emsg);
    bs_ir_free(g);
    return ok ? BS_EXIT_OK : BS_EXIT_FAIL;
}

static char *safe_name(const char *s)
{
    char *r = strdup(s);
    for (char *p = r; p && *p; p++)
        if (*p == '/' || *p == '\\' || *p == ' ' || *p == ':') *p = '_';
    return r;
}

static cJSON *value_json(const char *name, const bs_value *v)
{
    cJSON *o = cJSON_CreateObject(), *sh = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "name", name);
    for (int i = 0; i < v->rank; i++) cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)v->dims[i]));
    cJSON_AddItemToObject(o, "shape", sh);
    cJSON_AddStringToObject(o, "elem_type", bs_onnx_elem_name(v->elem));
    if (v->numel <= 4096) {
        cJSON *d = cJSON_AddArrayToObject(o, "data");
        for (int64_t i = 0; i < v->numel; i++) cJSON_AddItemToArray(d, cJSON_CreateNumber(bs_value_get(v, i)));
    }
    return o;
}

static int cmd_exec(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith model exec FILE --input IN.npy [--input IN2.npy ...]\n"
        "                             [--output OUT.npy] [--all-tensors DIR] [--json]\n\n"
        "Runs the model with the reference executor (bit-exact integer semantics).\n"
        "Inputs bind in graph-input order; a flat input with the right element count\n"
        "is reshaped like FINN does, and an input holding k samples (FINN's\n"
        "verify_input_npy) runs k times with outputs concatenated on axis 0.  --output writes the first graph output (repeat\n"
        "--output for further outputs); --all-tensors writes every computed tensor as\n"
        "DIR/<tensor>.npy.  Prints each output's shape and (up to 64) values.\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    const char *file = NULL, *ins[16], *outs[16], *alldir = NULL;
    int nin = 0, nout = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) json = true;
        else if (!strcmp(a, "--input") || !strcmp(a, "--output") || !strcmp(a, "--all-tensors")) {
            if (i + 1 >= argc) return bs_cli_usage(cli, "%s needs a value", a);
            const char *v = argv[++i];
            if (a[2] == 'i') { if (nin == 16) return bs_cli_usage(cli, "too many inputs"); ins[nin++] = v; }
            else if (a[2] == 'o') { if (nout == 16) return bs_cli_usage(cli, "too many outputs"); outs[nout++] = v; }
            else alldir = v;
        } else if (a[0] == '-') return bs_cli_usage(cli, "unknown option '%s'", a);
        else if (!file) file = a;
        else return bs_cli_usage(cli, "unexpected argument '%s'", a);
    }
    if (!file) return bs_cli_usage(cli, "missing FILE");
    if (!nin) return bs_cli_usage(cli, "missing --input");
    bs_ir_graph *g;
    int rc = bs_ir_load(file, &g);
    if (rc) return bs_cli_fail(cli, rc);
    bs_value inv[16], res[16];
    memset(inv, 0, sizeof inv);
    memset(res, 0, sizeof res);
    bool have_res = false;
    bs_exec_session *s = NULL;
    int exit_code = BS_EXIT_FAIL;
    if ((rc = bs_ir_infer(g))) goto fail;
    for (int i = 0; i < nin; i++)
        if ((rc = bs_npy_read(ins[i], &inv[i]))) goto fail;
    if ((rc = bs_exec_new(g, &s))) goto fail;
    if (g->noutputs > 16) { rc = bs_error_set(BS_EUNSUPPORTED, "more than 16 graph outputs"); goto fail; }
    if ((rc = bs_exec_run_batch(s, inv, nin, res))) goto fail;
    have_res = true;
    for (int i = 0; i < nout && i < g->noutputs; i++)
        if ((rc = bs_npy_write(outs[i], &res[i]))) goto fail;
    if (alldir) {
        if ((rc = bs_mkdir_p(alldir))) goto fail;
        for (int i = 0; i < g->ntensors; i++) {
            const bs_value *v = bs_exec_value(s, g->tensors[i]);
            if (!v || g->tensors[i]->init) continue;
            char *nm = safe_name(g->tensors[i]->name);
            char *fn = bs_arena_sprintf(&g->arena, "%s/%s.npy", alldir, nm);
            free(nm);
            if (!fn) { rc = BS_ENOMEM; goto fail; }
            if ((rc = bs_npy_write(fn, v))) goto fail;
        }
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "outputs");
        for (int i = 0; i < g->noutputs; i++) cJSON_AddItemToArray(a, value_json(g->outputs[i]->name, &res[i]));
        char *str = cJSON_Print(o);
        printf("%s\n", str);
        free(str);
        cJSON_Delete(o);
    } else {
        for (int i = 0; i < g->noutputs; i++) {
            const bs_value *v = &res[i];
            printf("%s %s %s:", g->outputs[i]->name, bs_onnx_elem_name(v->elem), bs_value_shape_str(v));
            for (int64_t k = 0; k < v->numel && k < 64; k++) printf(" %.9g", bs_value_get(v, k));
            printf("%s\n", v->numel > 64 ? " ..." : "");
        }
    }
    exit_code = BS_EXIT_OK;
fail:
    if (exit_code) bs_cli_fail(cli, rc);
    bs_exec_free(s);
    for (int i = 0; i < nin; i++) bs_value_free(&inv[i]);
    for (int i = 0; have_res && i < g->noutputs; i++) bs_value_free(&res[i]);
    bs_ir_free(g);
    return exit_code;
}

static int cmd_save(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith model save FILE OUT [--infer] [--raw]\n\n"
        "Re-writes a model through the IR (domains normalised; with --infer shapes\n"
        "and datatypes are inferred and stored as value_info / annotations).  --raw\n"
        "instead round-trips the protobuf unchanged (lossless, no IR).\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    const char *pos[2] = {NULL, NULL};
    int np = 0;
    bool infer = false, raw = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--infer")) infer = true;
        else if (!strcmp(argv[i], "--raw")) raw = true;
        else if (argv[i][0] == '-') return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        else if (np < 2) pos[np++] = argv[i];
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    if (np < 2) return bs_cli_usage(cli, "need FILE and OUT");
    int rc;
    if (raw) {
        Onnx__ModelProto *m;
        if ((rc = bs_onnx_load_file(pos[0], &m))) return bs_cli_fail(cli, rc);
        rc = bs_onnx_save_file(pos[1], m);
        bs_onnx_free(m);
        return rc ? bs_cli_fail(cli, rc) : 0;
    }
    bs_ir_graph *g;
    if ((rc = bs_ir_load(pos[0], &g))) return bs_cli_fail(cli, rc);
    if ((infer && (rc = bs_ir_infer(g))) || (rc = bs_ir_save(g, pos[1]))) {
        bs_ir_free(g);
        return bs_cli_fail(cli, rc);
    }
    bs_ir_free(g);
    return 0;
}

static int cmd_model(bs_cli *cli, int argc, char **argv)
{
    static const bs_cmd sub[] = {
        {"info", cmd_info, "inputs/outputs, shapes, datatypes, op histogram, parameters"},
        {"exec", cmd_exec, "run the reference executor on .npy inputs"},
        {"check", cmd_check, "load + infer + list every unsupported node"},
        {"save", cmd_save, "re-write a model through the IR (or --raw)"},
        {NULL, NULL, NULL},
    };
    return bs_cli_subcommand(cli, sub, "usage: brainsmith model <sub-command> [--help]", argc, argv);
}

const bs_cmd bs_cmds_model[] = {
    {"model", cmd_model, "inspect, check and execute ONNX / QONNX / FINN models"},
    {NULL, NULL, NULL},
};
