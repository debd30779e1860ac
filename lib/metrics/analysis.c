/* analysis.c - metrics derived from parsed ones: roll-ups of per-layer
 * values, timing closure and fmax, throughput/latency estimated vs
 * measured, power (reported, or the resource model below, labelled
 * estimated), memory bandwidth, resource utilisation, efficiency and
 * bottlenecks; plus the scaling fit and the quality comparison.
 *
 * Derived values get rank BS_RANK_MODEL so that any tool's own figure for
 * the same metric wins over our derivation. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"

#define M BS_RANK_MODEL
#define SRC "analysis"

static bool has(const bs_metric_set *s, const char *id)
{
    return bs_metrics_get(s, id, NULL) != NULL;
}

static double num(const bs_metric_set *s, const char *id)
{
    return bs_metrics_num(s, id, NULL);
}

static bool ok(double v)
{
    return !isnan(v);
}

static bool is_est(const bs_metric_set *s, const char *id)
{
    const bs_metric_val *v = bs_metrics_get(s, id, NULL);
    return v && v->estimated;
}

/* ---- device capacities, for utilisation when a report gave none ---- */
typedef struct part_cap {
    const char *key;      /* substring of the part name */
    const char *family;
    double lut, ff, bram18, uram, dsp;
} part_cap;

/* From the vendors' product tables (and the Available columns of the
 * shared Vivado/HLS reports for xc7z020, xczu3eg, xcu250). */
static const part_cap parts[] = {
    {"7z010", "7series", 17600, 35200, 120, 0, 80},
    {"7z020", "7series", 53200, 106400, 280, 0, 220},
    {"7z045", "7series", 218600, 437200, 1090, 0, 900},
    {"zu3eg", "ultrascale+", 70560, 141120, 432, 0, 360},
    {"zu7ev", "ultrascale+", 230400, 460800, 624, 96, 1728},
    {"zu9eg", "ultrascale+", 274080, 548160, 1824, 0, 2520},
    {"u250", "ultrascale+", 1728000, 3456000, 5376, 1280, 12288},
    {"u280", "ultrascale+", 1303680, 2607360, 4032, 960, 9024},
    {"u55c", "ultrascale+", 1303680, 2607360, 4032, 960, 9024},
    {"up5k", "ice40", 5280, 5280, 30, 4, 8},
    {"hx8k", "ice40", 7680, 7680, 32, 0, 0},
    {"hx1k", "ice40", 1280, 1280, 16, 0, 0},
};

static const part_cap *find_part(const char *part)
{
    if (!part)
        return NULL;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strcasestr(part, parts[i].key))
            return &parts[i];
    return NULL;
}

const char *bs_part_family(const char *part)
{
    const part_cap *p = find_part(part);
    if (p)
        return p->family;
    if (!part)
        return NULL;
    if (strcasestr(part, "xc7") || strcasestr(part, "7z") || strcasestr(part, "pynq"))
        return "7series";
    if (strcasestr(part, "xczu") || strcasestr(part, "xcu") || strcasestr(part, "xcvu") ||
        strcasestr(part, "ultra96") || strcasestr(part, "zcu"))
        return "ultrascale+";
    if (strcasestr(part, "ice40") || strcasestr(part, "up5k") || strcasestr(part, "hx"))
        return "ice40";
    return NULL;
}

/* ---- power model ----
 * Dynamic power per resource at 100 MHz and 12.5 % toggle rate, in mW,
 * scaled linearly with clock and toggle rate; clock tree adds 15 % of the
 * logic dynamic power.  Static power = base + per-LUT-of-capacity leakage.
 * The coefficients are typical values read off Xilinx Power Estimator
 * defaults for 28 nm (7-series) and 16 nm (UltraScale+) and Lattice's iCE40
 * power calculator; the 7-series static term reproduces the 0.142 W of the
 * shared xc7z020 report_power.  It is an estimate for comparing builds, not
 * a sign-off number: every value it produces is marked estimated. */
typedef struct power_coef {
    const char *family;
    double lut_mw, ff_mw, bram18_mw, uram_mw, dsp_mw;  /* per unit @100 MHz, 12.5 % */
    double static_base_w, static_per_lut_w;
} power_coef;

static const power_coef power_coefs[] = {
    {"7series", 0.0060, 0.0030, 0.60, 0.0, 0.90, 0.050, 1.7e-6},
    {"ultrascale+", 0.0035, 0.0018, 0.40, 1.20, 0.55, 0.100, 3.0e-6},
    {"ice40", 0.0040, 0.0020, 0.15, 0.60, 0.50, 0.00005, 0.0},
};

int bs_power_model(const char *family, double lut, double ff, double bram18, double uram, double dsp,
                   double f_mhz, double toggle, bs_power_est *out)
{
    const power_coef *c = NULL;
    for (size_t i = 0; family && i < sizeof power_coefs / sizeof power_coefs[0]; i++)
        if (!strcmp(power_coefs[i].family, family))
            c = &power_coefs[i];
    if (!c)
        return bs_error_set(BS_EUNSUPPORTED, "power model: no coefficients for device family '%s'",
                            family ? family : "(unknown)");
    if (!(f_mhz > 0))
        return bs_error_set(BS_EINVAL, "power model: clock must be > 0 MHz");
    if (!(toggle > 0))
        toggle = 0.125;
    double z[] = {lut, ff, bram18, uram, dsp};
    for (int i = 0; i < 5; i++)
        if (!ok(z[i]) || z[i] < 0)
            z[i] = 0;
    double mw = z[0] * c->lut_mw + z[1] * c->ff_mw + z[2] * c->bram18_mw + z[3] * c->uram_mw +
                z[4] * c->dsp_mw;
    mw *= 1.15 * (f_mhz / 100.0) * (toggle / 0.125);
    out->dynamic_w = mw / 1000.0;
    out->static_w = c->static_base_w;
    out->family = c->family;
    out->total_w = out->dynamic_w + out->static_w;
    return 0;
}

/* Sums scoped values of id into the build value when it has none. */
static int rollup(bs_metric_set *s, const char *id)
{
    if (has(s, id))
        return 0;
    double sum = 0;
    int n = 0;
    bool est = false;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].id, id) && *s->v[i].scope && !strchr(s->v[i].scope, '/') &&
            strncmp(s->v[i].scope, "SLR", 3) != 0 && ok(s->v[i].value)) {
            sum += s->v[i].value;
            est |= s->v[i].estimated;
            n++;
        }
    return n ? bs_metrics_put(s, id, NULL, sum, SRC, M, est) : 0;
}

static int put(bs_metric_set *s, const char *id, double v, bool est)
{
    return ok(v) ? bs_metrics_put(s, id, NULL, v, SRC, M, est) : 0;
}

/* The best resource count available: measured, else HLS, else FINN estimate. */
static double best_res(const bs_metric_set *s, const char *kind, bool *est)
{
    char id[64];
    const char *pre[] = {"resources", "hls", "est"};
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "%s.%s", pre[i], kind);
        double v = num(s, id);
        if (ok(v)) {
            *est |= i > 0;
            return v;
        }
    }
    return NAN;
}

static int analyze_timing(bs_metric_set *s)
{
    int rc = 0;
    double period = num(s, "timing.period_ns"), wns = num(s, "timing.wns_ns");
    double tgt = num(s, "timing.target_mhz");
    if (!ok(period) && tgt > 0)
        period = 1000.0 / tgt;
    if (!ok(tgt) && period > 0)
        rc = put(s, "timing.target_mhz", 1000.0 / period, false);
    if (!rc && !has(s, "timing.fmax_mhz") && period > 0 && ok(wns) && period - wns > 0)
        rc = put(s, "timing.fmax_mhz", 1000.0 / (period - wns), false);
    /* per clock fmax from the intra-clock WNS and the clock's period */
    for (size_t i = 0; !rc && i < s->n; i++) {
        bs_metric_val *v = &s->v[i];
        if (strcmp(v->id, "timing.wns_ns") || !*v->scope)
            continue;
        double p = bs_metrics_num(s, "timing.period_ns", v->scope);
        if (p > 0 && p - v->value > 0 && !bs_metrics_get(s, "timing.fmax_mhz", v->scope)) {
            const char *scope = v->scope;   /* v may move when the array grows */
            double val = v->value;
            rc = bs_metrics_put(s, "timing.fmax_mhz", scope, 1000.0 / (p - val), SRC, M, false);
        }
    }
    if (!rc && !has(s, "timing.met") && ok(wns)) {
        double whs = num(s, "timing.whs_ns");
        rc = put(s, "timing.met", wns >= 0 && (!ok(whs) || whs >= 0) ? 1 : 0, false);
    }
    if (!rc && !has(s, "timing.met") && has(s, "timing.fmax_mhz")) {
        double f = num(s, "timing.fmax_mhz"), t = num(s, "timing.target_mhz");
        if (t > 0)
            rc = put(s, "timing.met", f >= t ? 1 : 0, false);
    }
    return rc;
}

static double achieved_fps(const bs_metric_set *s, bool *est)
{
    double f = num(s, "perf.throughput_fps");
    if (ok(f))
        return f;
    *est = true;
    f = num(s, "perf.throughput_fps_fmax");
    return ok(f) ? f : num(s, "perf.throughput_fps_est");
}

static int analyze_layers(bs_metric_set *s)
{
    double maxc = -1, sum = 0;
    int n = 0;
    const char *worst = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].id, "perf.cycles") && *s->v[i].scope && ok(s->v[i].value)) {
            if (s->v[i].value > maxc) {
                maxc = s->v[i].value;
                worst = s->v[i].scope;
            }
            sum += s->v[i].value;
            n++;
        }
    if (!n || maxc <= 0)
        return 0;
    int rc = 0, over = 0;
    if (!has(s, "perf.max_cycles"))
        rc = put(s, "perf.max_cycles", maxc, true);
    if (!rc && !has(s, "perf.bottleneck_layer"))
        rc = bs_metrics_put_text(s, "perf.bottleneck_layer", NULL, worst, SRC, M);
    if (!rc)
        rc = put(s, "eff.balance", sum / n / maxc, true);
    size_t cnt = s->n;
    for (size_t i = 0; !rc && i < cnt; i++) {
        if (strcmp(s->v[i].id, "perf.cycles") || !*s->v[i].scope || !ok(s->v[i].value))
            continue;
        double r = s->v[i].value / maxc;
        over += r < 0.5;
        const char *scope = s->v[i].scope;
        rc = bs_metrics_put(s, "eff.layer_slack", scope, r, SRC, M, true);
    }
    if (!rc)
        rc = put(s, "eff.overallocated_layers", over, true);
    /* clock assumed by the estimate -> estimated throughput if FINN gave none */
    double clk = num(s, "perf.clock_mhz");
    if (!clk || !ok(clk))
        clk = num(s, "timing.target_mhz");
    if (!rc && !has(s, "perf.throughput_fps_est") && clk > 0)
        rc = put(s, "perf.throughput_fps_est", clk * 1e6 / maxc, true);
    return rc;
}

static int analyze_perf(bs_metric_set *s)
{
    int rc = 0;
    double est = num(s, "perf.throughput_fps_est"), meas = num(s, "perf.throughput_fps");
    if (est > 0 && meas > 0)
        rc = put(s, "perf.est_vs_measured", est / meas, false);
    if (!rc && !has(s, "perf.latency_ns_est")) {
        double cp = num(s, "perf.critical_path_cycles"), clk = num(s, "perf.clock_mhz");
        if (cp > 0 && clk > 0)
            rc = put(s, "perf.latency_ns_est", cp * 1000.0 / clk, true);
    }
    return rc;
}

/* A FINN layer: a scope some per-layer report (cycles, estimates, HLS) names. */
static bool is_layer(const bs_metric_set *s, const char *scope)
{
    static const char *const ids[] = {"perf.cycles", "est.lut", "hls.lut", "fold.pe", "fold.simd"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (bs_metrics_get(s, ids[i], scope))
            return true;
    return false;
}

/* The layer using most of resource `kind` ("lut", "bram18", ...). */
static const char *heaviest_layer(const bs_metric_set *s, const char *kind)
{
    char id[3][32];
    snprintf(id[0], sizeof id[0], "resources.%s", kind);
    snprintf(id[1], sizeof id[1], "hls.%s", kind);
    snprintf(id[2], sizeof id[2], "est.%s", kind);
    for (int src = 0; src < 3; src++) {
        const char *best = NULL;
        double bv = 0;
        for (size_t i = 0; i < s->n; i++) {
            const bs_metric_val *v = &s->v[i];
            if (strcmp(v->id, id[src]) || !*v->scope || !ok(v->value) || !is_layer(s, v->scope))
                continue;
            if (v->value > bv) {
                bv = v->value;
                best = v->scope;
            }
        }
        if (best)
            return best;
    }
    return NULL;
}

static int analyze_util(bs_metric_set *s)
{
    const part_cap *p = find_part(s->part);
    static const struct { const char *kind, *util, *name; } k[] = {
        {"lut", "util.lut_pct", "LUT"}, {"ff", "util.ff_pct", "FF"},
        {"bram18", "util.bram_pct", "BRAM"}, {"uram", "util.uram_pct", "URAM"},
        {"dsp", "util.dsp_pct", "DSP"}};
    int rc = 0;
    double maxu = -1;
    const char *maxn = NULL;
    int idle = 0, known = 0;
    for (size_t i = 0; i < 5 && !rc; i++) {
        double u = num(s, k[i].util);
        bool est = is_est(s, k[i].util);
        if (!ok(u) && p) {
            double cap[] = {p->lut, p->ff, p->bram18, p->uram, p->dsp};
            double used = best_res(s, k[i].kind, &est);
            if (ok(used) && cap[i] > 0) {
                u = 100.0 * used / cap[i];
                rc = put(s, k[i].util, u, est);
            }
        }
        if (!ok(u))
            continue;
        known++;
        if (u < 5.0)
            idle++;
        if (u > maxu) {
            maxu = u;
            maxn = k[i].name;
        }
    }
    if (!rc && known) {
        rc = put(s, "util.max_pct", maxu, false);
        if (!rc)
            rc = bs_metrics_put_text(s, "util.bottleneck", NULL, maxn, SRC, M);
        const char *kind = NULL;
        for (size_t i = 0; i < 5; i++)
            if (!strcmp(k[i].name, maxn))
                kind = k[i].kind;
        const char *layer = kind ? heaviest_layer(s, kind) : NULL;
        if (!rc && layer)
            rc = bs_metrics_put_text(s, "util.bottleneck_layer", NULL, layer, SRC, M);
        if (!rc)
            rc = put(s, "eff.idle_resources", idle, false);
    }
    return rc;
}

static int analyze_power(bs_metric_set *s)
{
    if (has(s, "power.total_w"))
        return 0;
    const char *fam = bs_part_family(s->part);
    bool est = true;
    double lut = best_res(s, "lut", &est), ff = best_res(s, "ff", &est);
    double b = best_res(s, "bram18", &est), u = best_res(s, "uram", &est), d = best_res(s, "dsp", &est);
    double f = num(s, "timing.target_mhz");
    if (!ok(f))
        f = num(s, "perf.clock_mhz");
    if (!fam || !ok(lut) || !(f > 0))
        return 0;
    if (!ok(ff))
        ff = lut;   /* FINN estimates give no FF count; dataflow designs are about 1:1 */
    bs_power_est pe;
    if (bs_power_model(fam, lut, ff, b, u, d, f, 0.125, &pe))
        return 0;
    char src[64];
    snprintf(src, sizeof src, "model:%s", fam);
    int rc = bs_metrics_put(s, "power.total_w", NULL, pe.total_w, src, M, true);
    if (!rc)
        rc = bs_metrics_put(s, "power.dynamic_w", NULL, pe.dynamic_w, src, M, true);
    if (!rc)
        rc = bs_metrics_put(s, "power.static_w", NULL, pe.static_w, src, M, true);
    return rc;
}

static int analyze_efficiency(bs_metric_set *s)
{
    bool est = false;
    double fps = achieved_fps(s, &est);
    int rc = 0;
    if (!(fps > 0))
        return 0;
    bool rest = est;
    double lut = best_res(s, "lut", &rest), dsp = best_res(s, "dsp", &rest);
    double w = num(s, "power.total_w");
    bool west = est || is_est(s, "power.total_w");
    double macs = num(s, "ops.macs");
    double gops = ok(macs) ? 2.0 * macs * fps / 1e9 : NAN;
    rc = put(s, "ops.gops", gops, est);
    if (!rc && lut > 0)
        rc = put(s, "eff.lut_per_kfps", lut / (fps / 1000.0), rest);
    if (!rc && ok(dsp))
        rc = put(s, "eff.dsp_per_kfps", dsp / (fps / 1000.0), rest);
    if (!rc && w > 0) {
        rc = put(s, "power.energy_uj", w / fps * 1e6, west);
        if (!rc)
            rc = put(s, "eff.fps_per_w", fps / w, west);
        if (!rc && ok(gops))
            rc = put(s, "eff.gops_per_w", gops / w, west);
    }
    if (!rc && ok(gops) && lut > 0)
        rc = put(s, "eff.gops_per_klut", gops / (lut / 1000.0), rest);
    /* memory bandwidth at the achieved rate: each weight bit once per inference */
    double wb = num(s, "mem.weight_bits");
    double wbw = ok(wb) ? wb * fps / 1e9 : NAN;
    if (!rc)
        rc = put(s, "mem.weight_bw_gbps", wbw, est);
    size_t cnt = s->n;
    for (size_t i = 0; !rc && i < cnt; i++)
        if (!strcmp(s->v[i].id, "mem.weight_bits") && *s->v[i].scope && ok(s->v[i].value)) {
            const char *scope = s->v[i].scope;
            double v = s->v[i].value;
            rc = bs_metrics_put(s, "mem.weight_bw_gbps", scope, v * fps / 1e9, SRC, M, est);
        }
    double ain = num(s, "mem.act_in_mbps"), aout = num(s, "mem.act_out_mbps");
    if (!rc && (ok(wbw) || ok(ain) || ok(aout)))
        rc = put(s, "mem.total_bw_gbps",
                 (ok(wbw) ? wbw : 0) + ((ok(ain) ? ain : 0) + (ok(aout) ? aout : 0)) / 1000.0, est);
    return rc;
}

/* How far FINN's analytic estimate is from the synthesized (else HLS)
 * count, per layer and for the build: the accuracy of the cost model. */
static int analyze_estimate_error(bs_metric_set *s, const char *kind, const char *out_id)
{
    char est_id[32], real_id[32], hls_id[32];
    snprintf(est_id, sizeof est_id, "est.%s", kind);
    snprintf(real_id, sizeof real_id, "resources.%s", kind);
    snprintf(hls_id, sizeof hls_id, "hls.%s", kind);
    int rc = 0, pairs = 0;
    double est_sum = 0, real_sum = 0;
    size_t cnt = s->n;
    for (size_t i = 0; i < cnt && !rc; i++) {
        if (strcmp(s->v[i].id, est_id) || !ok(s->v[i].value) || !*s->v[i].scope)
            continue;
        const char *scope = s->v[i].scope;
        double est = s->v[i].value;
        double real = bs_metrics_num(s, real_id, scope);
        if (!ok(real))
            real = bs_metrics_num(s, hls_id, scope);
        if (ok(real) && real > 0) {
            rc = bs_metrics_put(s, out_id, scope, 100.0 * (est - real) / real, SRC, M, true);
            est_sum += est;
            real_sum += real;
            pairs++;
        }
    }
    /* the build figure compares the same layers (a routed total also holds
     * DMAs and interconnect that FINN does not estimate) */
    if (!rc && pairs && real_sum > 0)
        rc = bs_metrics_put(s, out_id, NULL, 100.0 * (est_sum - real_sum) / real_sum, SRC, M, true);
    return rc;
}

int bs_metrics_analyze(bs_metric_set *s)
{
    static const char *const rolls[] = {"hls.lut", "hls.ff", "hls.bram18", "hls.dsp", "hls.uram",
                                        "est.lut", "est.bram18", "est.uram", "est.dsp", "ops.macs",
                                        "mem.weight_bits", "mem.threshold_bits", "ops.params"};
    int rc = 0;
    for (size_t i = 0; i < sizeof rolls / sizeof rolls[0] && !rc; i++)
        rc = rollup(s, rolls[i]);
    if (!rc)
        rc = bs_metrics_put(s, "build.parse_errors", NULL, (double)s->nerr, SRC, M, false);
    if (!rc)
        rc = analyze_estimate_error(s, "lut", "est.lut_error_pct");
    if (!rc)
        rc = analyze_estimate_error(s, "bram18", "est.bram_error_pct");
    if (!rc)
        rc = analyze_timing(s);
    if (!rc)
        rc = analyze_layers(s);
    if (!rc)
        rc = analyze_perf(s);
    if (!rc)
        rc = analyze_util(s);
    if (!rc)
        rc = analyze_power(s);
    if (!rc)
        rc = analyze_efficiency(s);
    return rc;
}

/* ---- scaling fit ---- */

static void fit(const double *x, const double *y, int n, int skip, double *a, double *b)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (i == skip)
            continue;
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
        m++;
    }
    double den = m * sxx - sx * sx;
    if (fabs(den) < 1e-12) {
        *b = 0;
        *a = m ? sy / m : 0;
    } else {
        *b = (m * sxy - sx * sy) / den;
        *a = (sy - *b * sx) / m;
    }
}

int bs_metrics_fit_linear(const double *x, const double *y, int n, double x_new, bs_fit *out)
{
    if (n < 2)
        return bs_error_set(BS_EINVAL, "scaling fit: need at least 2 builds, got %d", n);
    memset(out, 0, sizeof *out);
    out->n = n;
    fit(x, y, n, -1, &out->a, &out->b);
    double mean = 0, ss_tot = 0, ss_res = 0;
    for (int i = 0; i < n; i++)
        mean += y[i] / n;
    for (int i = 0; i < n; i++) {
        double p = out->a + out->b * x[i], e = y[i] - p;
        ss_res += e * e;
        ss_tot += (y[i] - mean) * (y[i] - mean);
        if (y[i] != 0 && fabs(e / y[i]) > out->max_rel_err)
            out->max_rel_err = fabs(e / y[i]);
    }
    out->rmse = sqrt(ss_res / n);
    out->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
    /* leave-one-out: how well the fit predicts a build it has not seen */
    if (n >= 3)
        for (int i = 0; i < n; i++) {
            double a, b;
            fit(x, y, n, i, &a, &b);
            double e = y[i] - (a + b * x[i]);
            if (y[i] != 0 && fabs(e / y[i]) > out->loo_max_rel_err)
                out->loo_max_rel_err = fabs(e / y[i]);
        }
    else
        out->loo_max_rel_err = NAN;
    out->predicted = out->a + out->b * x_new;
    return 0;
}

/* ---- quality ---- */

int bs_metrics_quality(const double *ref, const double *hw, int n, int c, const int *labels,
                       bs_quality *out)
{
    if (n <= 0 || c <= 0 || !ref || !hw)
        return bs_error_set(BS_EINVAL, "quality: need n > 0 samples of c > 0 outputs");
    int agree = 0, correct = 0;
    double maxe = 0, sume = 0;
    for (int i = 0; i < n; i++) {
        int ar = 0, ah = 0;
        for (int k = 0; k < c; k++) {
            const double r = ref[(size_t)i * c + k], h = hw[(size_t)i * c + k];
            double e = fabs(r - h);
            if (e != e)
                e = INFINITY;   /* NaN output counts as maximal disagreement */
            if (e > maxe)
                maxe = e;
            sume += e;
            if (r > ref[(size_t)i * c + ar])
                ar = k;
            if (h > hw[(size_t)i * c + ah])
                ah = k;
        }
        if (c == 1) {   /* class indices */
            ar = (int)ref[i];
            ah = (int)hw[i];
        }
        agree += ar == ah;
        if (labels)
            correct += ah == labels[i];
    }
    out->n = n;
    out->top1_agreement = (double)agree / n;
    out->max_abs_err = maxe;
    out->mean_abs_err = sume / ((double)n * c);
    out->accuracy = labels ? (double)correct / n : NAN;
    return 0;
}

int bs_metrics_put_quality(bs_metric_set *s, const bs_quality *q, const char *source)
{
    const int R = BS_RANK_MEASURED;
    int rc = bs_metrics_put(s, "quality.top1_agreement", NULL, q->top1_agreement, source, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "quality.max_abs_err", NULL, q->max_abs_err, source, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "quality.mean_abs_err", NULL, q->mean_abs_err, source, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "quality.samples", NULL, q->n, source, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "quality.accuracy", NULL, q->accuracy, source, R, false);
    return rc;
}
