/* p_hls.c - Vivado HLS / Vitis HLS synthesis reports: csynth.xml and
 * csynth.rpt.
 *
 * Both give the top function's estimated clock, latency/interval (which
 * may be "undef"/"?" for data-dependent loops) and area.  Vivado HLS 2020.1
 * names the DSP tag <DSP48E>, Vitis HLS <DSP>; both are read.  Values are
 * scoped by the top function (a FINN layer when FINN ran HLS per layer);
 * the analyses roll scoped hls.* values up to the build. */
#include <math.h>
#include <string.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

static double xnum(const bs_xnode *n)
{
    double v;
    return n && n->text && bs_num(n->text, strlen(n->text), &v) ? v : NAN;
}

int bs_parse_hls_xml(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_arena *a = &s->arena;
    bs_xnode *root;
    int eline = 0, rc;
    char err[200];
    rc = bs_xml_parse(a, text, len, &root, &eline, err, sizeof err);
    if (rc == BS_EPARSE)
        return bs_metrics_error(s, path, eline, "%s", err);
    if (rc)
        return rc;
    if (strcmp(root->name, "profile") != 0)
        return bs_metrics_error(s, path, root->line, "expected <profile> (HLS csynth.xml), got <%s>",
                                root->name);
    const bs_xnode *ua = bs_xml_child(root, "UserAssignments");
    const bs_xnode *area = bs_xml_path(root, "AreaEstimates/Resources");
    if (!ua || !area)
        return bs_metrics_error(s, path, root->line,
                                "expected <UserAssignments> and <AreaEstimates><Resources> in <profile>");
    const bs_xnode *top = bs_xml_child(ua, "TopModelName");
    const char *scope = top && top->text ? top->text : "";
    const bs_xnode *part = bs_xml_child(ua, "Part");
    if (part && part->text && !s->part)
        s->part = part->text;
    const bs_xnode *ver = bs_xml_path(root, "ReportVersion/Version");
    if (ver && ver->text)
        s->tool = bs_arena_sprintf(a, "HLS %s", ver->text);
    const int R = BS_RANK_ESTIMATE;
    static const struct { const char *path, *id; } m[] = {
        {"AreaEstimates/Resources/LUT", "hls.lut"},
        {"AreaEstimates/Resources/FF", "hls.ff"},
        {"AreaEstimates/Resources/BRAM_18K", "hls.bram18"},
        {"AreaEstimates/Resources/DSP", "hls.dsp"},
        {"AreaEstimates/Resources/DSP48E", "hls.dsp"},
        {"AreaEstimates/Resources/URAM", "hls.uram"},
        {"UserAssignments/TargetClockPeriod", "hls.target_clock_ns"},
        {"UserAssignments/ClockUncertainty", "hls.uncertainty_ns"},
        {"PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod", "hls.clock_ns"},
        {"PerformanceEstimates/SummaryOfOverallLatency/Worst-caseLatency", "hls.latency_cycles"},
        {"PerformanceEstimates/SummaryOfOverallLatency/Interval-max", "hls.interval_cycles"},
    };
    int found = 0;
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        const bs_xnode *x = bs_xml_path(root, m[i].path);
        if (!x)
            continue;
        double v = xnum(x);
        if (isnan(v))
            continue;   /* "undef": data-dependent latency */
        found++;
        if ((rc = bs_metrics_put(s, m[i].id, scope, v, path, R, true)))
            return rc;
    }
    if (!found)
        return bs_metrics_error(s, path, area->line, "expected numeric <LUT>/<FF>/... in <Resources>");
    return 0;
}

/* csynth.rpt: "== Vivado HLS Report for 'top'", boxed timing, latency and
 * utilization summary tables. */
int bs_parse_hls_rpt(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_arena *a = &s->arena;
    bs_lines it;
    const char *l;
    size_t n;
    char *top = NULL;
    bs_lines_init(&it, text, len);
    while (bs_lines_next(&it, &l, &n) && it.lineno < 30) {
        const char *q = memchr(l, '\'', n);
        if (bs_contains(l, n, "HLS Report for") && q) {
            const char *e = memchr(q + 1, '\'', (size_t)(l + n - q - 1));
            if (e)
                top = bs_arena_strndup(a, q + 1, (size_t)(e - q - 1));
        }
        if ((bs_starts(l, n, "* Target device:", false) || bs_starts(l, n, "* Part:", false)) && !s->part) {
            const char *c = memchr(l, ':', n);
            s->part = bs_trim_dup(a, c + 1, (size_t)(l + n - c - 1));
        }
    }
    if (!top)
        return bs_metrics_error(s, path, 1, "expected \"== ... HLS Report for '<top>'\" in the first lines");
    bs_table *tabs;
    int nt, rc;
    if ((rc = bs_rpt_tables(a, text, len, &tabs, &nt)))
        return rc;
    const int R = BS_RANK_ESTIMATE;
    bool area = false, timing = false, latency = false;
    for (int i = 0; i < nt; i++) {
        const bs_table *t = &tabs[i];
        int c_clk = bs_table_col(t, "Clock"), c_tgt = bs_table_col(t, "Target"),
            c_est = bs_table_col(t, "Estimated"), c_unc = bs_table_col(t, "Uncertainty");
        if (!timing && c_clk >= 0 && c_tgt >= 0 && c_est >= 0 && t->nrow > 1) {
            double v;
            const bs_trow *r = &t->rows[1];
            if (bs_num(bs_cell(r, c_tgt), strlen(bs_cell(r, c_tgt)), &v))
                rc = bs_metrics_put(s, "hls.target_clock_ns", top, v, path, R, true);
            if (!rc && bs_num(bs_cell(r, c_est), strlen(bs_cell(r, c_est)), &v))
                rc = bs_metrics_put(s, "hls.clock_ns", top, v, path, R, true);
            if (!rc && bs_num(bs_cell(r, c_unc), strlen(bs_cell(r, c_unc)), &v))
                rc = bs_metrics_put(s, "hls.uncertainty_ns", top, v, path, R, true);
            if (rc)
                return rc;
            timing = true;
            continue;
        }
        /* latency summary: "Latency (cycles) min | max | Latency (absolute) ... | Interval min | max" */
        if (!latency && t->nrow > 1 && t->rows[0].ncell >= 6 &&
            strstr(bs_cell(&t->rows[0], 0), "Latency (cycles)")) {
            double v;
            const bs_trow *r = &t->rows[1];
            if (bs_num(bs_cell(r, 1), strlen(bs_cell(r, 1)), &v) &&
                (rc = bs_metrics_put(s, "hls.latency_cycles", top, v, path, R, true)))
                return rc;
            if (bs_num(bs_cell(r, 5), strlen(bs_cell(r, 5)), &v) &&
                (rc = bs_metrics_put(s, "hls.interval_cycles", top, v, path, R, true)))
                return rc;
            latency = true;
            continue;
        }
        int c_name = bs_table_col(t, "Name");
        if (!area && c_name >= 0 && bs_table_col(t, "BRAM_18K") >= 0 && bs_table_col(t, "LUT") >= 0) {
            static const struct { const char *col, *id; } m[] = {
                {"BRAM_18K", "hls.bram18"}, {"DSP|DSP48E", "hls.dsp"}, {"FF", "hls.ff"},
                {"LUT", "hls.lut"}, {"URAM", "hls.uram"}};
            for (int r = 1; r < t->nrow; r++) {
                if (strcmp(bs_cell(&t->rows[r], c_name), "Total") != 0)
                    continue;
                for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
                    double v;
                    const char *c = bs_cell(&t->rows[r], bs_table_col(t, m[k].col));
                    if (bs_num(c, strlen(c), &v) &&
                        (rc = bs_metrics_put(s, m[k].id, top, v, path, R, true)))
                        return rc;
                }
                area = true;
                break;
            }
        }
    }
    if (!area)
        return bs_metrics_error(s, path, it.lineno,
                                "expected the Utilization Estimates summary table with a 'Total' row, found none");
    return 0;
}
