/* svg.c - a self-contained SVG line chart of history series.
 *
 * x is the build order (the point index, oldest left), y the value with
 * "nice" ticks; each series is a polyline (broken at missing values) with
 * dots; change points are vertical dashed lines (red regression, green
 * improvement, grey unknown direction) labelled with their change and
 * p-value; baselines are horizontal dash-dot lines at the baseline build's
 * value with a diamond on the pinned point.  Plain SVG 1.1, no scripts, no
 * external fonts, so any browser or rsvg-convert renders it. */
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "history_int.h"

enum { W = 960, H = 480, ML = 90, MR = 200, MT = 50, MB = 70 };

static const char *const palette[] = {"#1f77b4", "#9467bd", "#8c564b", "#17becf", "#bcbd22",
                                      "#7f7f7f", "#e377c2", "#ff7f0e"};

static void esc(bs_strbuf *sb, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': bs_strbuf_puts(sb, "&lt;"); break;
        case '>': bs_strbuf_puts(sb, "&gt;"); break;
        case '&': bs_strbuf_puts(sb, "&amp;"); break;
        case '"': bs_strbuf_puts(sb, "&quot;"); break;
        default: bs_strbuf_append(sb, s, 1);
        }
    }
}

/* A "nice" tick step giving about n ticks over span. */
static double nice_step(double span, int n)
{
    double raw = span / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

typedef struct frame { double x0, x1, y0, y1; } frame;

static double px(const frame *f, double x) { return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR); }
static double py(const frame *f, double y) { return H - MB - (y - f->y0) / (f->y1 - f->y0) * (H - MT - MB); }

static void axes(bs_strbuf *sb, const frame *f, const char *ylabel)
{
    bs_strbuf_printf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n",
                     ML, MT, W - ML - MR, H - MT - MB);
    double ys = nice_step(f->y1 - f->y0, 6);
    for (double y = ceil(f->y0 / ys) * ys; y <= f->y1 + ys * 1e-9; y += ys) {
        double yy = py(f, y);
        bs_strbuf_printf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                         "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%.6g</text>\n",
                         ML, yy, W - MR, yy, ML - 6, yy + 4, fabs(y) < ys * 1e-9 ? 0.0 : y);
    }
    double xs = nice_step(f->x1 - f->x0 > 1 ? f->x1 - f->x0 : 1, 8);
    if (xs < 1) xs = 1;
    for (double x = ceil(f->x0 / xs) * xs; x <= f->x1 + 1e-9; x += xs) {
        double xx = px(f, x);
        bs_strbuf_printf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n"
                         "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">%.0f</text>\n",
                         xx, H - MB, xx, H - MB + 5, xx, H - MB + 20, x);
    }
    bs_strbuf_printf(sb, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">"
                     "build number (oldest to newest)</text>\n", ML + (W - ML - MR) / 2, H - 20);
    bs_strbuf_printf(sb, "<text transform=\"translate(22,%d) rotate(-90)\" text-anchor=\"middle\" "
                     "font-size=\"13\">", MT + (H - MT - MB) / 2);
    esc(sb, ylabel);
    bs_strbuf_puts(sb, "</text>\n");
}

int bs_history_plot_svg(const bs_hist_set *set, const bs_hist_change *changes, size_t n_changes,
                        const bs_plot_mark *baselines, size_t n_baselines, const char *title,
                        const char *path)
{
    frame f = {0, 1, INFINITY, -INFINITY};
    size_t maxn = 0;
    for (size_t s = 0; s < set->n; s++) {
        const bs_hist_series *se = &set->series[s];
        if (se->n > maxn) maxn = se->n;
        for (size_t i = 0; i < se->n; i++) {
            double v = se->points[i].value;
            if (!isfinite(v)) continue;
            if (v < f.y0) f.y0 = v;
            if (v > f.y1) f.y1 = v;
        }
    }
    if (!isfinite(f.y0)) { f.y0 = 0; f.y1 = 1; }
    double span = f.y1 - f.y0;
    if (span <= 0) span = fabs(f.y0) > 0 ? fabs(f.y0) * 0.1 : 1;
    f.y0 -= span * 0.08;
    f.y1 += span * 0.15;
    f.x0 = 0;
    f.x1 = maxn > 1 ? (double)(maxn - 1) : 1;

    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_printf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                     "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
                     "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
    bs_strbuf_printf(&sb, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">", ML);
    esc(&sb, title ? title : "history");
    bs_strbuf_puts(&sb, "</text>\n");
    axes(&sb, &f, set->n ? set->series[0].metric : "value");

    /* series */
    for (size_t s = 0; s < set->n; s++) {
        const bs_hist_series *se = &set->series[s];
        const char *col = palette[s % (sizeof palette / sizeof palette[0])];
        bs_strbuf_printf(&sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" d=\"", col);
        bool pen = false;
        for (size_t i = 0; i < se->n; i++) {
            double v = se->points[i].value;
            if (!isfinite(v)) { pen = false; continue; }
            bs_strbuf_printf(&sb, "%s%.1f %.1f ", pen ? "L" : "M", px(&f, (double)i), py(&f, v));
            pen = true;
        }
        bs_strbuf_puts(&sb, "\"/>\n");
        if (se->n <= 300)
            for (size_t i = 0; i < se->n; i++)
                if (isfinite(se->points[i].value))
                    bs_strbuf_printf(&sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                                     px(&f, (double)i), py(&f, se->points[i].value), col);
        /* legend */
        double ly = MT + 10 + 18.0 * (double)s;
        bs_strbuf_printf(&sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
                         "<text x=\"%d\" y=\"%.1f\" font-size=\"11\">", W - MR + 10, ly, W - MR + 30, ly, col,
                         W - MR + 35, ly + 4);
        esc(&sb, se->model);
        bs_strbuf_puts(&sb, " / ");
        esc(&sb, se->platform);
        if (strcmp(se->config, "default") != 0) { bs_strbuf_puts(&sb, " / "); esc(&sb, se->config); }
        bs_strbuf_puts(&sb, "</text>\n");
    }

    /* change points */
    for (size_t c = 0; c < n_changes; c++) {
        const bs_hist_change *ch = &changes[c];
        const char *col = ch->kind == BS_CHANGE_REGRESSION ? "#d62728"
                        : ch->kind == BS_CHANGE_IMPROVEMENT ? "#2ca02c" : "#555555";
        double x = px(&f, (double)ch->index);
        bs_strbuf_printf(&sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                         "stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>\n", x, MT, x, H - MB, col);
        bs_strbuf_printf(&sb, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s %+.1f%%",
                         x + 3, MT + 14 + 13.0 * (double)(c % 3), col, bs_change_kind_name(ch->kind),
                         isfinite(ch->cp.rel_change) ? ch->cp.rel_change * 100 : 0.0);
        if (set->n > 1) {   /* say which line the change belongs to */
            bs_strbuf_puts(&sb, " ");
            esc(&sb, ch->series->platform);
        }
        if (isfinite(ch->cp.pvalue)) {
            if (ch->cp.pvalue < 0.001) bs_strbuf_puts(&sb, " p&lt;0.001");
            else bs_strbuf_printf(&sb, " p=%.2g", ch->cp.pvalue);
        }
        bs_strbuf_puts(&sb, "</text>\n");
    }

    /* baselines */
    for (size_t b = 0; b < n_baselines; b++) {
        const bs_plot_mark *m = &baselines[b];
        if (m->series >= set->n || m->index >= set->series[m->series].n) continue;
        double v = set->series[m->series].points[m->index].value;
        if (!isfinite(v)) continue;
        double y = py(&f, v), x = px(&f, (double)m->index);
        bs_strbuf_printf(&sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#1f3fbf\" "
                         "stroke-width=\"1.2\" stroke-dasharray=\"10,3,2,3\"/>\n", ML, y, W - MR, y);
        bs_strbuf_printf(&sb, "<path d=\"M%.1f %.1f l6 6 l-6 6 l-6 -6 z\" fill=\"#1f3fbf\"/>\n", x, y - 6);
        bs_strbuf_printf(&sb, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#1f3fbf\">baseline ", ML + 4, y - 4);
        esc(&sb, m->label);
        bs_strbuf_puts(&sb, "</text>\n");
    }
    bs_strbuf_puts(&sb, "</svg>\n");
    int rc = bs_write_file_atomic(path, sb.buf, sb.len);
    bs_strbuf_free(&sb);
    return rc < 0 ? bs_error_wrap(rc, "plot %s: ", path) : 0;
}
