/* p_oss.c - reports of the open-source flow: Yosys `stat -json`, nextpnr
 * `--report` JSON, icetime output and Verilator rtlsim counts.
 *
 * Yosys cell types are mapped to resource kinds for iCE40 (SB_*) and
 * Xilinx (LUTn, FD*, RAMB*, DSP48*, CARRY*) netlists.  nextpnr's report
 * gives utilisation per bel type, fmax per clock (achieved vs constraint)
 * and the critical paths.  The rtlsim counts are lines of key=value pairs
 * printed by the Verilator testbench:
 *     rtlsim: cycles=1234 latency_cycles=56 interval_cycles=12 inferences=8 fclk_mhz=100
 *     rtlsim: layer=MVAU_0 cycles=600 stall_cycles=34
 * (any prefix before the first pair is ignored, unknown keys too). */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

/* cell type prefix -> metric and weight (RAMB36 counts as two 18K) */
static const struct { const char *prefix, *id; double w; } cell_map[] = {
    {"SB_LUT4", "resources.lut", 1},     {"SB_DFF", "resources.ff", 1},
    {"SB_CARRY", "resources.carry", 1},  {"SB_RAM40_4K", "resources.bram18", 1},
    {"SB_MAC16", "resources.dsp", 1},    {"SB_SPRAM256KA", "resources.uram", 1},
    {"SB_IO", "resources.io", 1},        {"SB_GB", "resources.bufg", 1},
    {"LUT1", "resources.lut", 1},        {"LUT2", "resources.lut", 1},
    {"LUT3", "resources.lut", 1},        {"LUT4", "resources.lut", 1},
    {"LUT5", "resources.lut", 1},        {"LUT6", "resources.lut", 1},
    {"FDRE", "resources.ff", 1},         {"FDSE", "resources.ff", 1},
    {"FDCE", "resources.ff", 1},         {"FDPE", "resources.ff", 1},
    {"RAMB36", "resources.bram18", 2},   {"RAMB18", "resources.bram18", 1},
    {"URAM288", "resources.uram", 1},    {"DSP48", "resources.dsp", 1},
    {"CARRY4", "resources.carry", 1},    {"CARRY8", "resources.carry", 1},
    {"SRL16", "resources.srl", 1},       {"SRLC32", "resources.srl", 1},
    {"RAM32", "resources.lutram", 1},    {"RAM64", "resources.lutram", 1},
    {"RAM128", "resources.lutram", 1},   {"RAM256", "resources.lutram", 1},
    {"MUXF7", "resources.f7f8_mux", 1},  {"MUXF8", "resources.f7f8_mux", 1},
    {"IBUF", "resources.io", 1},         {"OBUF", "resources.io", 1},
    {"BUFG", "resources.bufg", 1},       {"TRELLIS_SLICE", "resources.slices", 1},
    {"DP16KD", "resources.bram18", 1},   {"MULT18X18D", "resources.dsp", 1},
};

static double jnum(const cJSON *x)
{
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

int bs_parse_yosys_stat(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    cJSON *j;
    int rc = bs_metrics_json(s, path, text, len, &j);
    if (rc)
        return rc;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "design");
    const cJSON *mods = cJSON_GetObjectItemCaseSensitive(j, "modules");
    if (!cJSON_IsObject(d)) {
        /* older yosys: no "design" summary; take the single/last module */
        d = NULL;
        const cJSON *m;
        cJSON_ArrayForEach(m, mods) d = m;
    }
    if (!cJSON_IsObject(d)) {
        cJSON_Delete(j);
        return bs_metrics_error(s, path, 1, "expected a Yosys stat -json object with \"design\" or "
                                            "\"modules\", found neither");
    }
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(j, "creator");
    if (cJSON_IsString(cr))
        s->tool = bs_arena_strdup(&s->arena, cr->valuestring);
    const int R = BS_RANK_SYNTH;
    double acc[sizeof cell_map / sizeof cell_map[0]] = {0};
    bool seen[sizeof cell_map / sizeof cell_map[0]] = {0};
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(d, "num_cells_by_type")) {
        for (size_t i = 0; i < sizeof cell_map / sizeof cell_map[0]; i++)
            if (!strncmp(c->string, cell_map[i].prefix, strlen(cell_map[i].prefix))) {
                /* accumulate on the first entry of the same metric */
                size_t k = 0;
                while (strcmp(cell_map[k].id, cell_map[i].id))
                    k++;
                acc[k] += cell_map[i].w * jnum(c);
                seen[k] = true;
                break;
            }
    }
    for (size_t k = 0; k < sizeof cell_map / sizeof cell_map[0] && !rc; k++)
        if (seen[k])
            rc = bs_metrics_put(s, cell_map[k].id, NULL, acc[k], path, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "resources.cells", NULL, jnum(cJSON_GetObjectItemCaseSensitive(d, "num_cells")),
                            path, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "resources.wires", NULL, jnum(cJSON_GetObjectItemCaseSensitive(d, "num_wires")),
                            path, R, false);
    /* per-module cell counts for hierarchical (non-flattened) designs */
    const cJSON *m;
    int nmods = cJSON_GetArraySize(mods);
    if (nmods > 1)
        cJSON_ArrayForEach(m, mods) {
            if (rc)
                break;
            const char *name = m->string[0] == '\\' ? m->string + 1 : m->string;
            rc = bs_metrics_put(s, "resources.cells", name,
                                jnum(cJSON_GetObjectItemCaseSensitive(m, "num_cells")), path, R, false);
        }
    cJSON_Delete(j);
    return rc;
}

int bs_parse_nextpnr_report(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    cJSON *j;
    int rc = bs_metrics_json(s, path, text, len, &j);
    if (rc)
        return rc;
    const cJSON *util = cJSON_GetObjectItemCaseSensitive(j, "utilization");
    const cJSON *fmax = cJSON_GetObjectItemCaseSensitive(j, "fmax");
    if (!cJSON_IsObject(util) && !cJSON_IsObject(fmax)) {
        cJSON_Delete(j);
        return bs_metrics_error(s, path, 1, "expected nextpnr report keys \"utilization\" and \"fmax\"");
    }
    const int R = BS_RANK_IMPL;
    static const struct { const char *bel, *used, *util; } m[] = {
        {"ICESTORM_LC", "resources.slices", "util.lut_pct"},
        {"ICESTORM_RAM", "resources.bram18", "util.bram_pct"},
        {"ICESTORM_DSP", "resources.dsp", "util.dsp_pct"},
        {"ICESTORM_SPRAM", "resources.uram", "util.uram_pct"},
        {"SB_IO", "resources.io", "util.io_pct"},
        {"SB_GB", "resources.bufg", NULL},
        {"TRELLIS_SLICE", "resources.slices", "util.lut_pct"},
        {"TRELLIS_FF", "resources.ff", "util.ff_pct"},
        {"TRELLIS_COMB", "resources.lut", NULL},
        {"DP16KD", "resources.bram18", "util.bram_pct"},
        {"MULT18X18D", "resources.dsp", "util.dsp_pct"},
        {"TRELLIS_IO", "resources.io", "util.io_pct"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0] && !rc; i++) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(util, m[i].bel);
        if (!b)
            continue;
        double used = jnum(cJSON_GetObjectItemCaseSensitive(b, "used"));
        double avail = jnum(cJSON_GetObjectItemCaseSensitive(b, "available"));
        rc = bs_metrics_put(s, m[i].used, NULL, used, path, R, false);
        if (!rc && m[i].util && avail > 0)
            rc = bs_metrics_put(s, m[i].util, NULL, 100.0 * used / avail, path, R, false);
    }
    double worst = NAN;
    bool met = true;
    int nclk = 0;
    const cJSON *clk;
    cJSON_ArrayForEach(clk, fmax) {
        if (rc)
            break;
        double ach = jnum(cJSON_GetObjectItemCaseSensitive(clk, "achieved"));
        double con = jnum(cJSON_GetObjectItemCaseSensitive(clk, "constraint"));
        nclk++;
        rc = bs_metrics_put(s, "timing.fmax_mhz", clk->string, ach, path, R, false);
        if (!rc)
            rc = bs_metrics_put(s, "timing.target_mhz", clk->string, con, path, R, false);
        if (!rc && con > 0 && ach > 0)
            rc = bs_metrics_put(s, "timing.wns_ns", clk->string, 1000.0 / con - 1000.0 / ach, path, R, false);
        if (!isnan(ach) && (isnan(worst) || ach < worst))
            worst = ach;
        if (!isnan(ach) && !isnan(con) && ach < con)
            met = false;
        if (!rc && nclk == 1 && con > 0) {
            rc = bs_metrics_put(s, "timing.target_mhz", NULL, con, path, R, false);
            if (!rc)
                rc = bs_metrics_put(s, "timing.period_ns", NULL, 1000.0 / con, path, R, false);
            if (!rc && ach > 0)
                rc = bs_metrics_put(s, "timing.wns_ns", NULL, 1000.0 / con - 1000.0 / ach, path, R, false);
        }
    }
    if (!rc && !isnan(worst))
        rc = bs_metrics_put(s, "timing.fmax_mhz", NULL, worst, path, R, false);
    if (!rc && nclk) {
        rc = bs_metrics_put(s, "timing.met", NULL, met ? 1 : 0, path, R, false);
        if (!rc)
            rc = bs_metrics_put(s, "timing.clocks", NULL, nclk, path, R, false);
    }
    /* the first critical path: sum of delays, logic stages, ends */
    const cJSON *cp = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "critical_paths"), 0);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(cp, "path");
    if (!rc && cJSON_IsArray(steps) && cJSON_GetArraySize(steps) > 0) {
        double delay = 0;
        int logic = 0;
        const cJSON *st;
        cJSON_ArrayForEach(st, steps) {
            double d = jnum(cJSON_GetObjectItemCaseSensitive(st, "delay"));
            if (!isnan(d))
                delay += d;
            const cJSON *ty = cJSON_GetObjectItemCaseSensitive(st, "type");
            logic += cJSON_IsString(ty) && !strcmp(ty->valuestring, "logic");
        }
        const cJSON *first = cJSON_GetArrayItem(steps, 0);
        const cJSON *last = cJSON_GetArrayItem(steps, cJSON_GetArraySize(steps) - 1);
        const cJSON *fc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(first, "from"), "cell");
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(last, "to"), "cell");
        rc = bs_metrics_put(s, "timing.crit_delay_ns", NULL, delay, path, R, false);
        if (!rc)
            rc = bs_metrics_put(s, "timing.crit_levels", NULL, logic, path, R, false);
        if (!rc && cJSON_IsString(fc))
            rc = bs_metrics_put_text(s, "timing.crit_start", NULL, fc->valuestring, path, R);
        if (!rc && cJSON_IsString(tc))
            rc = bs_metrics_put_text(s, "timing.crit_end", NULL, tc->valuestring, path, R);
    }
    cJSON_Delete(j);
    return rc;
}

/* Parses "<ns> ns (<MHz> MHz)" in [p, end). */
static bool delay_mhz(const char *p, const char *end, double *ns, double *mhz)
{
    if (p >= end)
        return false;
    const char *br = memchr(p, '(', (size_t)(end - p));
    return br && bs_num(p, (size_t)(br - p), ns) && bs_num(br + 1, (size_t)(end - br - 1), mhz);
}

static const char *strstr_n(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(s + i, needle, k))
            return s + i;
    return NULL;
}

/* icetime: "Total number of logic levels: 15" / "Total path delay: 28.49 ns (35.09 MHz)" */
int bs_parse_icetime(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_lines it;
    const char *l;
    size_t n;
    double delay = NAN, mhz = NAN, levels = NAN, est_delay = NAN, est_mhz = NAN;
    char *start = NULL, *end = NULL;
    bs_arena *a = &s->arena;
    bs_lines_init(&it, text, len);
    while (bs_lines_next(&it, &l, &n)) {
        const char *c = memchr(l, ':', n);
        if (bs_starts(l, n, "Total number of logic levels:", false)) {
            if (!bs_num(c + 1, (size_t)(l + n - c - 1), &levels))
                return bs_metrics_error(s, path, it.lineno, "expected a number of logic levels");
        } else if (bs_starts(l, n, "Total path delay:", false)) {
            if (!delay_mhz(c + 1, l + n, &delay, &mhz))
                return bs_metrics_error(s, path, it.lineno,
                                        "expected \"Total path delay: <ns> ns (<MHz> MHz)\"");
        } else if (bs_contains(l, n, "Timing estimate:") && c && isnan(delay)) {
            /* the one-line summary icetime prints without -t */
            const char *k = strstr_n(l, n, "Timing estimate:");
            if (!k || !delay_mhz(k + 16, l + n, &est_delay, &est_mhz))
                return bs_metrics_error(s, path, it.lineno,
                                        "expected \"Timing estimate: <ns> ns (<MHz> MHz)\"");
        } else if (!start && bs_starts(l, n, " ", false) && bs_contains(l, n, " ns net_")) {
            const char *p = memchr(l, '(', n), *q = p ? memchr(p, ')', (size_t)(l + n - p)) : NULL;
            if (p && q)
                start = bs_arena_strndup(a, p + 1, (size_t)(q - p - 1));
        } else if (bs_contains(l, n, "-> ") && bs_starts(l, n, "                  ", false)) {
            const char *p = l + n;
            while (p > l + 2 && !(p[-1] == ' ' && p[-2] == '>'))
                p--;
            end = bs_trim_dup(a, p, (size_t)(l + n - p));
        }
    }
    if (isnan(delay)) {
        delay = est_delay;
        mhz = est_mhz;
    }
    if (isnan(delay))
        return bs_metrics_error(s, path, it.lineno,
                                "expected a \"Total path delay:\" or \"Timing estimate:\" line, found none");
    const int R = BS_RANK_IMPL;
    int rc = bs_metrics_put(s, "timing.crit_delay_ns", NULL, delay, path, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "timing.fmax_mhz", NULL, mhz, path, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "timing.crit_levels", NULL, levels, path, R, false);
    if (!rc && start)
        rc = bs_metrics_put_text(s, "timing.crit_start", NULL, start, path, R);
    if (!rc && end)
        rc = bs_metrics_put_text(s, "timing.crit_end", NULL, end, path, R);
    return rc;
}

int bs_parse_rtlsim_counts(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    static const struct { const char *k, *id; } m[] = {
        {"cycles", "perf.cycles"},
        {"latency_cycles", "perf.latency_cycles"},
        {"interval_cycles", "perf.interval_cycles"},
        {"stall_cycles", "perf.stall_cycles"},
        {"inferences", "perf.sim_batch"},
        {"fclk_mhz", "perf.clock_mhz"},
        {"unfinished", "perf.sim_incomplete"},
    };
    bs_lines it;
    const char *l;
    size_t n;
    int found = 0;
    bs_lines_init(&it, text, len);
    while (bs_lines_next(&it, &l, &n)) {
        if (!memchr(l, '=', n))
            continue;
        char scope[128] = "";
        /* pass 1: layer=NAME */
        for (size_t i = 0; i + 6 < n; i++)
            if (!strncmp(l + i, "layer=", 6) && (i == 0 || l[i - 1] == ' ')) {
                size_t e = i + 6;
                while (e < n && l[e] != ' ')
                    e++;
                snprintf(scope, sizeof scope, "%.*s", (int)(e - i - 6), l + i + 6);
            }
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && l[i - 1] != ' ' && l[i - 1] != ':')
                continue;
            for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
                size_t kl = strlen(m[k].k);
                if (i + kl + 1 < n && !strncmp(l + i, m[k].k, kl) && l[i + kl] == '=') {
                    size_t e = i + kl + 1;
                    while (e < n && l[e] != ' ')
                        e++;
                    double v;
                    if (!bs_num(l + i + kl + 1, e - i - kl - 1, &v))
                        return bs_metrics_error(s, path, it.lineno, "expected a number after '%s='", m[k].k);
                    int rc = bs_metrics_put(s, m[k].id, scope, v, path, BS_RANK_MEASURED, false);
                    if (rc)
                        return rc;
                    found++;
                }
            }
        }
    }
    if (!found)
        return bs_metrics_error(s, path, it.lineno,
                                "expected rtlsim counts as key=value pairs (cycles=N latency_cycles=N ...), found none");
    double lat = bs_metrics_num(s, "perf.latency_cycles", NULL), f = bs_metrics_num(s, "perf.clock_mhz", NULL);
    double iv = bs_metrics_num(s, "perf.interval_cycles", NULL);
    int rc = 0;
    if (f > 0 && lat > 0)
        rc = bs_metrics_put(s, "perf.latency_ns", NULL, lat * 1000.0 / f, path, BS_RANK_MEASURED, false);
    if (!rc && f > 0 && iv > 0)
        rc = bs_metrics_put(s, "perf.throughput_fps", NULL, f * 1e6 / iv, path, BS_RANK_MEASURED, false);
    return rc;
}
