/* p_finn.c - every report FINN writes, 2021 (v0.5/0.6) to 2025 (dev):
 *
 *   report/estimate_network_performance.json   critical path, max cycles, fps, latency
 *   report/estimate_layer_resources.json       per-layer LUT/BRAM/URAM/DSP + "total"
 *   report/estimate_layer_cycles.json          per-layer cycles
 *   report/estimate_layer_config_alternatives.json  resType alternatives per layer
 *   report/op_and_param_counts.json            MACs / weight / threshold bits per layer
 *   report/estimate_layer_resources_hls.json   HLS results per layer (values as strings)
 *   report/rtlsim_performance.json             2021 and 2025 key sets
 *   report/ooc_synth_and_timing.json           OOC synthesis (a "" key, absolute paths)
 *   report/post_synth_resources.json           per-instance resources
 *   time_per_step.json                         {step: seconds}
 *   final_hw_config.json / auto_folding_config.json / *folding*.json  PE, SIMD, FIFO depths
 *   dataflow_build_config.json                 clock and part
 *   build_dataflow.log                         steps run
 * Numbers are read leniently (numbers or numeric strings); unknown keys are
 * ignored, so newer FINN versions keep working. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

/* True if text ends inside a string or with brackets still open. */
static bool json_truncated(const char *text, size_t len)
{
    int depth = 0;
    bool str = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return str || depth > 0;
}

int bs_metrics_json(bs_metric_set *s, const char *path, const char *text, size_t len, cJSON **out)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) {
        bool trunc = json_truncated(text, len);
        const char *e = trunc ? text + len : end ? end : cJSON_GetErrorPtr();
        int line = 1;
        if (!e || e < text || e > text + len)
            e = text + len;
        for (const char *p = text; p < e; p++)
            line += *p == '\n';
        return bs_metrics_error(s, path, line, "expected valid JSON (%s)",
                                trunc ? "text ends inside an object or string: truncated?"
                                      : "syntax error here");
    }
    while (end && end < text + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
        end++;
    if (end && end < text + len && *end) {
        int line = 1;
        for (const char *p = text; p < end; p++)
            line += *p == '\n';
        cJSON_Delete(j);
        return bs_metrics_error(s, path, line, "expected valid JSON (text after the end of the top-level value)");
    }
    *out = j;
    return 0;
}

/* Number from a JSON number, bool or numeric string; NaN otherwise. */
static double jnum(const cJSON *x)
{
    double v;
    if (cJSON_IsNumber(x))
        return x->valuedouble;
    if (cJSON_IsBool(x))
        return cJSON_IsTrue(x) ? 1 : 0;
    if (cJSON_IsString(x) && x->valuestring && bs_num(x->valuestring, strlen(x->valuestring), &v))
        return v;
    return NAN;
}

static double jget(const cJSON *o, const char *k)
{
    return jnum(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int need_object(bs_metric_set *s, const char *path, const cJSON *j, const char *what)
{
    if (!cJSON_IsObject(j))
        return bs_metrics_error(s, path, 1, "expected a JSON object (%s)", what);
    return 0;
}

typedef int (*finn_fn)(bs_metric_set *s, const char *path, cJSON *j);

/* Puts o[key] if it is a number. */
static int put_key(bs_metric_set *s, const char *path, const cJSON *o, const char *key,
                   const char *id, const char *scope, int rank, bool est)
{
    return bs_metrics_put(s, id, scope, jget(o, key), path, rank, est);
}

static int f_network_perf(bs_metric_set *s, const char *path, cJSON *j)
{
    const int R = BS_RANK_ESTIMATE;
    if (!cJSON_GetObjectItemCaseSensitive(j, "max_cycles"))
        return bs_metrics_error(s, path, 1, "expected key \"max_cycles\" in estimate_network_performance");
    int rc = put_key(s, path, j, "critical_path_cycles", "perf.critical_path_cycles", NULL, R, true);
    if (!rc) rc = put_key(s, path, j, "max_cycles", "perf.max_cycles", NULL, R, true);
    if (!rc) rc = put_key(s, path, j, "estimated_throughput_fps", "perf.throughput_fps_est", NULL, R, true);
    if (!rc) rc = put_key(s, path, j, "estimated_latency_ns", "perf.latency_ns_est", NULL, R, true);
    const cJSON *nn = cJSON_GetObjectItemCaseSensitive(j, "max_cycles_node_name");
    if (!rc && cJSON_IsString(nn))
        rc = bs_metrics_put_text(s, "perf.bottleneck_layer", NULL, nn->valuestring, path, R);
    /* the clock the estimate assumed: latency = critical path cycles x period */
    double cp = jget(j, "critical_path_cycles"), lat = jget(j, "estimated_latency_ns");
    if (!rc && cp > 0 && lat > 0)
        rc = bs_metrics_put(s, "perf.clock_mhz", NULL, 1000.0 * cp / lat, path, BS_RANK_MODEL, true);
    return rc;
}

static int f_layer_resources(bs_metric_set *s, const char *path, cJSON *j)
{
    static const struct { const char *k, *id; } m[] = {
        {"LUT", "est.lut"}, {"BRAM_18K", "est.bram18"}, {"URAM", "est.uram"}, {"DSP", "est.dsp"},
        {"BRAM_efficiency", "est.bram_efficiency"}, {"URAM_efficiency", "est.uram_efficiency"}};
    cJSON *layer;
    cJSON_ArrayForEach(layer, j) {
        if (!cJSON_IsObject(layer))
            return bs_metrics_error(s, path, 1, "expected an object of resources for layer \"%s\"",
                                    layer->string ? layer->string : "?");
        const char *scope = strcmp(layer->string, "total") ? layer->string : NULL;
        for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
            int rc = put_key(s, path, layer, m[i].k, m[i].id, scope, BS_RANK_ESTIMATE, true);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int f_layer_cycles(bs_metric_set *s, const char *path, cJSON *j)
{
    cJSON *layer;
    cJSON_ArrayForEach(layer, j) {
        double v = jnum(layer);
        if (isnan(v))
            return bs_metrics_error(s, path, 1, "expected a number of cycles for layer \"%s\"",
                                    layer->string ? layer->string : "?");
        int rc = bs_metrics_put(s, "perf.cycles", layer->string, v, path, BS_RANK_ESTIMATE, true);
        if (rc)
            return rc;
    }
    return 0;
}

static int f_alternatives(bs_metric_set *s, const char *path, cJSON *j)
{
    cJSON *layer;
    cJSON_ArrayForEach(layer, j) {
        if (!cJSON_IsArray(layer))
            return bs_metrics_error(s, path, 1, "expected a list of alternatives for layer \"%s\"",
                                    layer->string ? layer->string : "?");
        int rc = bs_metrics_put(s, "est.alternatives", layer->string, cJSON_GetArraySize(layer), path,
                                BS_RANK_ESTIMATE, true);
        if (rc)
            return rc;
    }
    return 0;
}

/* "op_mac_2bx2b", "param_weight_2b", "param_threshold_9b" */
static int f_op_param(bs_metric_set *s, const char *path, cJSON *j)
{
    cJSON *layer;
    cJSON_ArrayForEach(layer, j) {
        if (!cJSON_IsObject(layer))
            return bs_metrics_error(s, path, 1, "expected an object of counts for layer \"%s\"",
                                    layer->string ? layer->string : "?");
        const char *scope = strcmp(layer->string, "total") ? layer->string : NULL;
        double macs = 0, wbits = 0, tbits = 0, params = 0;
        cJSON *k;
        cJSON_ArrayForEach(k, layer) {
            double v = jnum(k);
            const char *key = k->string;
            if (isnan(v) || !key)
                continue;
            int bits = 0;
            const char *u = strrchr(key, '_');
            if (u)
                bits = atoi(u + 1);
            if (!strncmp(key, "op_mac", 6)) {
                macs += v;
            } else if (!strncmp(key, "param_weight", 12)) {
                wbits += v * bits;
                params += v;
            } else if (!strncmp(key, "param_threshold", 15)) {
                tbits += v * bits;
                params += v;
            }
        }
        int rc = bs_metrics_put(s, "ops.macs", scope, macs, path, BS_RANK_ESTIMATE, false);
        if (!rc) rc = bs_metrics_put(s, "mem.weight_bits", scope, wbits, path, BS_RANK_ESTIMATE, false);
        if (!rc) rc = bs_metrics_put(s, "mem.threshold_bits", scope, tbits, path, BS_RANK_ESTIMATE, false);
        if (!rc) rc = bs_metrics_put(s, "ops.params", scope, params, path, BS_RANK_ESTIMATE, false);
        if (rc)
            return rc;
    }
    return 0;
}

static int f_layer_hls(bs_metric_set *s, const char *path, cJSON *j)
{
    static const struct { const char *k, *id; } m[] = {
        {"LUT", "hls.lut"}, {"FF", "hls.ff"}, {"BRAM_18K", "hls.bram18"}, {"URAM", "hls.uram"},
        {"DSP48E", "hls.dsp"}, {"DSP", "hls.dsp"}};
    cJSON *layer;
    cJSON_ArrayForEach(layer, j) {
        if (!cJSON_IsObject(layer))
            return bs_metrics_error(s, path, 1, "expected an object of HLS resources for layer \"%s\"",
                                    layer->string ? layer->string : "?");
        for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
            /* 2025 FINN writes both "DSP48E": 0 and "DSP": "n"; DSP (later) wins */
            int rc = put_key(s, path, layer, m[i].k, m[i].id, layer->string, BS_RANK_ESTIMATE, true);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int f_rtlsim(bs_metric_set *s, const char *path, cJSON *j)
{
    const int R = BS_RANK_MEASURED;
    double fclk = jget(j, "fclk[mhz]");
    if (isnan(jget(j, "cycles")) && isnan(jget(j, "latency_cycles")))
        return bs_metrics_error(s, path, 1, "expected key \"cycles\" or \"latency_cycles\" in rtlsim_performance");
    int rc = put_key(s, path, j, "cycles", "perf.cycles", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "latency_cycles", "perf.latency_cycles", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "interval_cycles", "perf.interval_cycles", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "fclk[mhz]", "perf.clock_mhz", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "runtime[ms]", "perf.sim_runtime_ms", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "N", "perf.sim_batch", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "DRAM_in_bandwidth[Mb/s]", "mem.act_in_mbps", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "DRAM_out_bandwidth[Mb/s]", "mem.act_out_mbps", NULL, R, false);
    /* a stable (steady-state) figure is the better measurement when present */
    double fps = jget(j, "stable_throughput[images/s]");
    if (isnan(fps))
        fps = jget(j, "throughput[images/s]");
    if (!rc) rc = bs_metrics_put(s, "perf.throughput_fps", NULL, fps, path, R, false);
    double lat = jget(j, "latency_cycles");
    if (!rc && fclk > 0)
        rc = bs_metrics_put(s, "perf.latency_ns", NULL, lat * 1000.0 / fclk, path, R, false);
    double inc = 0;
    bool any = false;
    static const char *const bad[] = {"TIMEOUT", "UNFINISHED_INS", "UNFINISHED_OUTS"};
    for (size_t i = 0; i < 3; i++) {
        double v = jget(j, bad[i]);
        if (!isnan(v)) {
            inc += v;
            any = true;
        }
    }
    if (!rc && any)
        rc = bs_metrics_put(s, "perf.sim_incomplete", NULL, inc, path, R, false);
    return rc;
}

static int f_ooc(bs_metric_set *s, const char *path, cJSON *j)
{
    const int R = BS_RANK_SYNTH;
    if (isnan(jget(j, "LUT")) && isnan(jget(j, "WNS")))
        return bs_metrics_error(s, path, 1, "expected keys \"LUT\" and \"WNS\" in ooc_synth_and_timing");
    int rc = put_key(s, path, j, "LUT", "resources.lut", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "LUTRAM", "resources.lutram", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "FF", "resources.ff", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "DSP", "resources.dsp", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "URAM", "resources.uram", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "Carry", "resources.carry", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "WNS", "timing.wns_ns", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "fmax_mhz", "timing.fmax_mhz", NULL, R, false);
    if (!rc) rc = put_key(s, path, j, "estimated_throughput_fps", "perf.throughput_fps_fmax", NULL, R, true);
    /* BRAM: 2025 gives BRAM_18K and BRAM_36K, 2021 only "BRAM" (36K tiles) */
    double b18 = jget(j, "BRAM_18K"), b36 = jget(j, "BRAM_36K"), b = jget(j, "BRAM");
    if (!rc && !isnan(b18) && !isnan(b36))
        rc = bs_metrics_put(s, "resources.bram18", NULL, b18 + 2 * b36, path, R, false);
    else if (!rc && !isnan(b))
        rc = bs_metrics_put(s, "resources.bram18", NULL, 2 * b, path, R, false);
    if (!rc && !isnan(b))
        rc = bs_metrics_put(s, "resources.bram_tiles", NULL, b, path, R, false);
    double fmax = jget(j, "fmax_mhz"), wns = jget(j, "WNS");
    if (!rc && fmax > 0 && !isnan(wns)) {
        /* fmax = 1000 / (period - WNS): recover the target period */
        double period = 1000.0 / fmax + wns;
        rc = bs_metrics_put(s, "timing.period_ns", NULL, period, path, BS_RANK_MODEL, false);
    }
    const cJSON *vv = cJSON_GetObjectItemCaseSensitive(j, "vivado_version");
    if (cJSON_IsNumber(vv))
        s->tool = bs_arena_sprintf(&s->arena, "Vivado %.1f", vv->valuedouble);
    return rc;
}

/* post_synth_resources.json: {instance: {LUT: n, FF: n, ...}} */
static int f_post_synth_json(bs_metric_set *s, const char *path, cJSON *j)
{
    static const struct { const char *k, *id; } m[] = {
        {"LUT", "resources.lut"}, {"FF", "resources.ff"}, {"DSP", "resources.dsp"},
        {"BRAM_18K", "resources.bram18"}, {"URAM", "resources.uram"}, {"LUTRAM", "resources.lutram"},
        {"SRL", "resources.srl"}, {"Carry", "resources.carry"}, {"CARRY", "resources.carry"}};
    cJSON *inst;
    int n = 0;
    cJSON_ArrayForEach(inst, j) {
        if (!cJSON_IsObject(inst))
            continue;
        const char *scope = !strcmp(inst->string, "total") || !strcmp(inst->string, "(top)") ? NULL : inst->string;
        for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
            int rc = put_key(s, path, inst, m[i].k, m[i].id, scope, BS_RANK_SYNTH, false);
            if (rc)
                return rc;
        }
        double b36 = jget(inst, "BRAM_36K");
        if (!isnan(b36)) {
            double b18 = jget(inst, "BRAM_18K");
            int rc = bs_metrics_put(s, "resources.bram18", scope, 2 * b36 + (isnan(b18) ? 0 : b18), path,
                                    BS_RANK_SYNTH, false);
            if (rc)
                return rc;
        }
        n++;
    }
    if (!n)
        return bs_metrics_error(s, path, 1, "expected {instance: {LUT: n, ...}} objects, found none");
    return 0;
}

static int f_time_per_step(bs_metric_set *s, const char *path, cJSON *j)
{
    cJSON *st;
    int n = 0;
    double total = 0;
    cJSON_ArrayForEach(st, j) {
        double v = jnum(st);
        if (isnan(v))
            return bs_metrics_error(s, path, 1, "expected seconds (a number) for step \"%s\"",
                                    st->string ? st->string : "?");
        int rc = bs_metrics_put(s, "build.wall_s", st->string, v, path, BS_RANK_MEASURED, false);
        if (rc)
            return rc;
        total += v;
        n++;
    }
    int rc = bs_metrics_put(s, "build.steps", NULL, n, path, BS_RANK_MEASURED, false);
    if (!rc)
        rc = bs_metrics_put(s, "build.wall_s", NULL, total, path, BS_RANK_ESTIMATE, false);
    return rc;
}

static int f_folding(bs_metric_set *s, const char *path, cJSON *j)
{
    cJSON *node;
    int layers = 0;
    double par = 0, fifo = 0;
    bool any_fifo = false;
    cJSON_ArrayForEach(node, j) {
        if (!cJSON_IsObject(node) || !strcmp(node->string, "Defaults"))
            continue;
        layers++;
        double pe = jget(node, "PE"), simd = jget(node, "SIMD"), depth = jget(node, "depth");
        int rc = bs_metrics_put(s, "fold.pe", node->string, pe, path, BS_RANK_MEASURED, false);
        if (!rc) rc = bs_metrics_put(s, "fold.simd", node->string, simd, path, BS_RANK_MEASURED, false);
        if (!rc) rc = bs_metrics_put(s, "fold.fifo_depth", node->string, depth, path, BS_RANK_MEASURED, false);
        if (rc)
            return rc;
        if (!isnan(pe) || !isnan(simd))
            par += (isnan(pe) ? 1 : pe) * (isnan(simd) ? 1 : simd);
        if (!isnan(depth)) {
            fifo += depth;
            any_fifo = true;
        }
        /* 2025 configs carry the FIFO depths on the layers */
        const char *fk[] = {"inFIFODepths", "outFIFODepths"};
        for (int k = 0; k < 2; k++) {
            cJSON *arr = cJSON_GetObjectItemCaseSensitive(node, fk[k]), *d;
            cJSON_ArrayForEach(d, arr) {
                if (!isnan(jnum(d))) {
                    fifo += jnum(d);
                    any_fifo = true;
                }
            }
        }
    }
    int rc = bs_metrics_put(s, "fold.layers", NULL, layers, path, BS_RANK_MEASURED, false);
    if (!rc && par > 0)
        rc = bs_metrics_put(s, "fold.parallelism", NULL, par, path, BS_RANK_MEASURED, false);
    if (!rc && any_fifo)
        rc = bs_metrics_put(s, "fold.fifo_depth", NULL, fifo, path, BS_RANK_MEASURED, false);
    return rc;
}

static int f_build_config(bs_metric_set *s, const char *path, cJSON *j)
{
    double p = jget(j, "synth_clk_period_ns");
    int rc = 0;
    if (p > 0)
        rc = bs_metrics_put(s, "timing.target_mhz", NULL, 1000.0 / p, path, BS_RANK_MODEL, false);
    const cJSON *part = cJSON_GetObjectItemCaseSensitive(j, "fpga_part");
    const cJSON *board = cJSON_GetObjectItemCaseSensitive(j, "board");
    if (cJSON_IsString(part) && !s->part)
        s->part = bs_arena_strdup(&s->arena, part->valuestring);
    else if (cJSON_IsString(board) && !s->part)
        s->part = bs_arena_strdup(&s->arena, board->valuestring);
    return rc;
}

static const struct { const char *suffix; finn_fn fn; } finn_files[] = {
    {"estimate_network_performance.json", f_network_perf},
    {"estimate_layer_resources.json", f_layer_resources},
    {"estimate_layer_cycles.json", f_layer_cycles},
    {"estimate_layer_config_alternatives.json", f_alternatives},
    {"op_and_param_counts.json", f_op_param},
    {"estimate_layer_resources_hls.json", f_layer_hls},
    {"rtlsim_performance.json", f_rtlsim},
    {"ooc_synth_and_timing.json", f_ooc},
    {"post_synth_resources.json", f_post_synth_json},
    {"time_per_step.json", f_time_per_step},
    {"dataflow_build_config.json", f_build_config},
    {"folding_config.json", f_folding},
    {"final_hw_config.json", f_folding},
    {"specialize_layers_config.json", f_folding},
    {"specialize_layers.json", f_folding},
};

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

bool bs_finn_json_known(const char *base)
{
    for (size_t i = 0; i < sizeof finn_files / sizeof finn_files[0]; i++)
        if (ends_with(base, finn_files[i].suffix))
            return true;
    return false;
}

/* A folding / hardware config found by its content ("Defaults" key). */
int bs_parse_finn_folding(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    cJSON *j;
    int rc = bs_metrics_json(s, path, text, len, &j);
    if (rc)
        return rc;
    rc = need_object(s, path, j, "folding config");
    if (!rc)
        rc = f_folding(s, path, j);
    cJSON_Delete(j);
    return rc;
}

int bs_parse_finn_json(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    const char *base = bs_base(path);
    finn_fn fn = NULL;
    for (size_t i = 0; i < sizeof finn_files / sizeof finn_files[0] && !fn; i++)
        if (ends_with(base, finn_files[i].suffix))
            fn = finn_files[i].fn;
    if (!fn)
        return bs_metrics_error(s, path, 0, "expected a FINN report file name (estimate_*.json, "
                                            "rtlsim_performance.json, ...), got '%s'", base);
    cJSON *j;
    int rc = bs_metrics_json(s, path, text, len, &j);
    if (rc)
        return rc;
    rc = need_object(s, path, j, base);
    if (!rc)
        rc = fn(s, path, j);
    cJSON_Delete(j);
    return rc;
}

/* build_dataflow.log: "Running step: step_x [i/n]" lines. */
int bs_parse_finn_log(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_lines it;
    const char *l;
    size_t n;
    int steps = 0;
    bs_lines_init(&it, text, len);
    while (bs_lines_next(&it, &l, &n)) {
        if (!bs_contains(l, n, "Running step"))
            continue;
        if (bs_contains(l, n, "[1/"))
            steps = 0;   /* logs append runs: count the last one */
        steps++;
    }
    if (!steps)
        return 0;   /* a log of a run that did nothing: no metrics, not an error */
    return bs_metrics_put(s, "build.steps", NULL, steps, path, BS_RANK_ESTIMATE, false);
}
