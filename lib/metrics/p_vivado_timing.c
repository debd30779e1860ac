/* p_vivado_timing.c - Vivado report_timing_summary and report_power.
 *
 * Timing: the "Design Timing Summary" row (WNS/TNS/WHS/THS/WPWS and their
 * endpoint counts, columns found by header name), the "Clock Summary"
 * (period per clock), the "Intra Clock Table" (WNS per clock) and the
 * path sections ("Slack (MET|VIOLATED) :", Source, Destination, Path Type,
 * Requirement, Data Path Delay, Logic Levels) from which the worst setup
 * path gives the critical path.  Reports written with -slack_lesser_than
 * or without paths still give the summary.
 *
 * Power: the Summary box (total/dynamic/static/junction/confidence), the
 * On-Chip Components table (by resource type), the Power Supply Summary
 * (current per rail) and the By Hierarchy table (dynamic W per instance,
 * first three levels). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

/* Splits a whitespace-separated line into up to max tokens (arena copies). */
static int tokens(bs_arena *a, const char *s, size_t n, char **tok, int max, bool two_spaces)
{
    int k = 0;
    size_t i = 0;
    while (i < n && k < max) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n)
            break;
        size_t st = i;
        while (i < n) {
            if (s[i] == '\t')
                break;
            if (s[i] == ' ' && (!two_spaces || (i + 1 < n && s[i + 1] == ' ') || i + 1 == n))
                break;
            i++;
        }
        tok[k] = bs_arena_strndup(a, s + st, i - st);
        if (!tok[k])
            return -1;
        k++;
    }
    return k;
}

static double tnum(const char *t)
{
    double v;
    return t && bs_num(t, strlen(t), &v) ? v : NAN;
}

typedef struct crit_path {
    double slack, req, delay, levels;
    char *src, *dst, *group;
    bool setup, valid;
} crit_path;

/* Value after "Key:" in a path section line, trimmed. */
static char *after_colon(bs_arena *a, const char *s, size_t n)
{
    const char *c = memchr(s, ':', n);
    if (!c)
        return NULL;
    return bs_trim_dup(a, c + 1, (size_t)(s + n - c - 1));
}

int bs_parse_vivado_timing(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_arena *a = &s->arena;
    const char *dev = bs_rpt_header(a, text, len, "Device");
    if (dev && !s->part)
        s->part = dev;
    char *tool = bs_rpt_header(a, text, len, "Tool Version");
    if (tool)
        s->tool = tool;
    const int R = BS_RANK_IMPL;
    bs_lines it;
    const char *l;
    size_t n;
    enum { NONE, SUMMARY, CLOCKS, INTRA } sec = NONE;
    char *hdr[16];
    int nh = 0;
    bool got_summary = false, want_row = false;
    int summary_hdr_line = 0;
    int nclocks = 0;
    crit_path cur = {0}, worst = {0};
    char *tok[24];
    bs_lines_init(&it, text, len);
    while (bs_lines_next(&it, &l, &n)) {
        if (bs_starts(l, n, "| Design Timing Summary", false)) {
            sec = SUMMARY;
            continue;
        }
        if (bs_starts(l, n, "| Clock Summary", false)) {
            sec = CLOCKS;
            continue;
        }
        if (bs_starts(l, n, "| Intra Clock Table", false)) {
            sec = INTRA;
            nh = 0;
            continue;
        }
        if (bs_starts(l, n, "| ", false) && !bs_starts(l, n, "| -", false) && l[0] == '|' &&
            sec != NONE && !bs_contains(l, n, "Summary") && !bs_contains(l, n, "Intra Clock")) {
            sec = NONE;   /* another section */
            want_row = false;
        }
        if ((sec == SUMMARY || sec == INTRA) && bs_contains(l, n, "WNS(ns)")) {
            nh = tokens(a, l, n, hdr, 16, true);
            if (nh < 0)
                return BS_ENOMEM;
            want_row = true;
            summary_hdr_line = it.lineno;
            continue;
        }
        if (want_row && nh > 0 && (sec == SUMMARY || sec == INTRA)) {
            if (bs_starts(l, n, "---", true) || bs_starts(l, n, "-", true))
                continue;
            int k = tokens(a, l, n, tok, 24, false);
            if (k <= 0)
                continue;
            int off = sec == INTRA ? 1 : 0;   /* intra rows start with the clock name */
            if (k < off + 2 || isnan(tnum(tok[off]))) {
                want_row = sec == INTRA ? false : want_row;
                if (sec == SUMMARY)
                    return bs_metrics_error(s, path, it.lineno,
                                            "expected a row of numbers under the WNS(ns) header of line %d",
                                            summary_hdr_line);
                continue;
            }
            const char *scope = sec == INTRA ? tok[0] : NULL;
            static const struct { const char *h, *id; } cols[] = {
                {"WNS(ns)", "timing.wns_ns"}, {"TNS(ns)", "timing.tns_ns"},
                {"TNS Failing Endpoints", "timing.failing_endpoints"},
                {"TNS Total Endpoints", "timing.total_endpoints"},
                {"WHS(ns)", "timing.whs_ns"}, {"THS(ns)", "timing.ths_ns"},
                {"THS Failing Endpoints", "timing.hold_failing_endpoints"},
                {"WPWS(ns)", "timing.wpws_ns"}};
            int hoff = sec == INTRA ? 1 : 0;   /* header also starts with "Clock" */
            for (int h = hoff; h < nh && h - hoff + off < k; h++)
                for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
                    if (!strcmp(hdr[h], cols[c].h)) {
                        int rc = bs_metrics_put(s, cols[c].id, scope, tnum(tok[h - hoff + off]), path, R, false);
                        if (rc)
                            return rc;
                    }
            if (sec == SUMMARY) {
                got_summary = true;
                want_row = false;
            }
            continue;
        }
        if (sec == CLOCKS) {
            const char *br = memchr(l, '{', n);
            const char *bc = br ? memchr(br, '}', (size_t)(l + n - br)) : NULL;
            if (br && bc && !bs_contains(l, n, "Waveform")) {
                char *name = bs_trim_dup(a, l, (size_t)(br - l));
                int k = tokens(a, bc + 1, (size_t)(l + n - bc - 1), tok, 4, false);
                if (!name)
                    return BS_ENOMEM;
                if (k >= 1) {
                    int rc = bs_metrics_put(s, "timing.period_ns", name, tnum(tok[0]), path, R, false);
                    if (rc)
                        return rc;
                    nclocks++;
                }
            }
            continue;
        }
        /* path sections */
        if (bs_starts(l, n, "Slack", false) && memchr(l, ':', n)) {
            if (cur.valid && cur.setup && (!worst.valid || cur.slack < worst.slack))
                worst = cur;
            memset(&cur, 0, sizeof cur);
            char *v = after_colon(a, l, n);
            cur.slack = tnum(v);
            cur.valid = !isnan(cur.slack);
            continue;
        }
        if (!cur.valid)
            continue;
        if (bs_starts(l, n, "Source:", true))
            cur.src = after_colon(a, l, n);
        else if (bs_starts(l, n, "Destination:", true))
            cur.dst = after_colon(a, l, n);
        else if (bs_starts(l, n, "Path Group:", true))
            cur.group = after_colon(a, l, n);
        else if (bs_starts(l, n, "Path Type:", true))
            cur.setup = bs_contains(l, n, "Setup") || bs_contains(l, n, "Max at");
        else if (bs_starts(l, n, "Requirement:", true))
            cur.req = tnum(after_colon(a, l, n));
        else if (bs_starts(l, n, "Data Path Delay:", true))
            cur.delay = tnum(after_colon(a, l, n));
        else if (bs_starts(l, n, "Logic Levels:", true))
            cur.levels = tnum(after_colon(a, l, n));
    }
    if (cur.valid && cur.setup && (!worst.valid || cur.slack < worst.slack))
        worst = cur;
    if (!got_summary)
        return bs_metrics_error(s, path, it.lineno,
                                "expected the Design Timing Summary table (a \"WNS(ns)  TNS(ns) ...\" "
                                "header and a row of numbers), found none");
    int rc = 0;
    if (nclocks)
        rc = bs_metrics_put(s, "timing.clocks", NULL, nclocks, path, R, false);
    if (!rc && worst.valid) {
        if (worst.src)
            rc = bs_metrics_put_text(s, "timing.crit_start", NULL, worst.src, path, R);
        if (!rc && worst.dst)
            rc = bs_metrics_put_text(s, "timing.crit_end", NULL, worst.dst, path, R);
        if (!rc)
            rc = bs_metrics_put(s, "timing.crit_delay_ns", NULL, worst.delay, path, R, false);
        if (!rc)
            rc = bs_metrics_put(s, "timing.crit_levels", NULL, worst.levels, path, R, false);
        if (!rc && worst.req > 0)
            rc = bs_metrics_put(s, "timing.period_ns", NULL, worst.req, path, R, false);
    }
    /* build period without a path section: a single clock's period */
    if (!rc && !bs_metrics_get(s, "timing.period_ns", NULL) && nclocks == 1)
        for (size_t i = 0; i < s->n; i++)
            if (!strcmp(s->v[i].id, "timing.period_ns") && *s->v[i].scope && !strcmp(s->v[i].source, path)) {
                rc = bs_metrics_put(s, "timing.period_ns", NULL, s->v[i].value, path, R, false);
                break;
            }
    return rc;
}

/* ---- report_power ---- */

int bs_parse_vivado_power(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_arena *a = &s->arena;
    const char *dev = bs_rpt_header(a, text, len, "Device");
    if (dev && !s->part)
        s->part = dev;
    const int R = BS_RANK_IMPL;
    bs_table *tabs;
    int nt, rc;
    if ((rc = bs_rpt_tables(a, text, len, &tabs, &nt)))
        return rc;
    bool total = false;
    for (int i = 0; i < nt; i++) {
        const bs_table *t = &tabs[i];
        if (t->rows[0].ncell == 0) {
            /* key | value box: the Summary */
            static const struct { const char *k, *id; } kv[] = {
                {"Total On-Chip Power (W)", "power.total_w"}, {"Dynamic (W)", "power.dynamic_w"},
                {"Device Static (W)", "power.static_w"}, {"Junction Temperature (C)", "power.junction_c"}};
            for (int r = 1; r < t->nrow; r++) {
                const bs_trow *row = &t->rows[r];
                const char *k = bs_cell(row, 0), *v = bs_cell(row, 1);
                for (size_t j = 0; j < sizeof kv / sizeof kv[0]; j++)
                    if (!strcmp(k, kv[j].k)) {
                        double x;
                        if (!bs_num(v, strlen(v), &x))
                            return bs_metrics_error(s, path, row->line,
                                                    "expected a number of watts/degrees for '%s', got '%s'", k, v);
                        if ((rc = bs_metrics_put(s, kv[j].id, NULL, x, path, R, false)))
                            return rc;
                        total |= j == 0;
                    }
                if (!strcmp(k, "Confidence Level") &&
                    (rc = bs_metrics_put_text(s, "power.confidence", NULL, v, path, R)))
                    return rc;
            }
            continue;
        }
        int c_on = bs_table_col(t, "On-Chip"), c_pw = bs_table_col(t, "Power (W)");
        if (c_on >= 0 && c_pw >= 0) {
            static const struct { const char *k, *id; } m[] = {
                {"Clocks", "power.clocks_w"},      {"Slice Logic", "power.logic_w"},
                {"CLB Logic", "power.logic_w"},    {"Signals", "power.signals_w"},
                {"Block RAM", "power.bram_w"},     {"DSPs", "power.dsp_w"},
                {"DSP", "power.dsp_w"},            {"PS7", "power.ps_w"},
                {"PS8", "power.ps_w"},             {"PSS", "power.ps_w"}};
            for (int r = 1; r < t->nrow; r++) {
                const bs_trow *row = &t->rows[r];
                if (c_on >= row->ncell || row->indent[c_on] > 0)
                    continue;
                for (size_t j = 0; j < sizeof m / sizeof m[0]; j++)
                    if (!strcasecmp(bs_cell(row, c_on), m[j].k)) {
                        double x;
                        const char *v = bs_cell(row, c_pw);
                        if (bs_num(v, strlen(v), &x) && (rc = bs_metrics_put(s, m[j].id, NULL, x, path, R, false)))
                            return rc;
                    }
            }
            continue;
        }
        int c_src = bs_table_col(t, "Source"), c_a = bs_table_col(t, "Total (A)");
        if (c_src >= 0 && c_a >= 0) {
            for (int r = 1; r < t->nrow; r++) {
                double x;
                const char *v = bs_cell(&t->rows[r], c_a);
                if (bs_num(v, strlen(v), &x) &&
                    (rc = bs_metrics_put(s, "power.rail_a", bs_cell(&t->rows[r], c_src), x, path, R, false)))
                    return rc;
            }
            continue;
        }
        int c_name = bs_table_col(t, "Name");
        if (c_name >= 0 && c_pw >= 0 && t->nrow > 1) {
            char *stack[8] = {0};
            for (int r = 1; r < t->nrow; r++) {
                const bs_trow *row = &t->rows[r];
                if (c_name >= row->ncell)
                    continue;   /* a short row */
                int d = row->indent[c_name] / 2;
                if (d >= 3)
                    continue;
                stack[d] = row->cell[c_name];
                const char *scope = stack[d];
                if (d > 0 && strlen(scope) <= 4 && stack[d - 1])
                    scope = bs_arena_sprintf(a, "%s/%s", stack[d - 1], stack[d]);
                double x;
                const char *v = bs_cell(row, c_pw);
                if (scope && bs_num(v, strlen(v), &x) &&
                    (rc = bs_metrics_put(s, "power.dynamic_w", scope, x, path, R, false)))
                    return rc;
            }
        }
    }
    int last = 1;
    for (size_t i = 0; i + 1 < len; i++)
        last += text[i] == '\n';
    if (!total)
        return bs_metrics_error(s, path, last,
                                "expected the power Summary box with \"Total On-Chip Power (W)\", found none");
    return 0;
}
