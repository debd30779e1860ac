/* p_vivado_util.c - Vivado report_utilization, text and XML.
 *
 * Layouts handled (all seen in real reports, 2018.3 .. 2022.2):
 *  - 7-series: "Slice LUTs", "Slice Registers", "Block RAM Tile", "DSPs",
 *    "Bonded IOB" ...;
 *  - UltraScale(+)/Alveo: "CLB LUTs", "CLB Registers", "URAM", a
 *    "Prohibited" column, SLR sections (per-SLR utilisation, SLL crossings);
 *  - hierarchical (-hierarchical): "Instance | Module | Total LUTs | ..."
 *    rows indented by depth, in text or in the XML form FINN saves as
 *    post_synth_resources.xml.
 * Columns are found by header name, rows by their site-type name, so
 * reordered or extra columns/rows of other versions do not matter. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

/* Row name (trimmed, trailing '*' removed) -> metric of its "Used" column
 * and of its "Util%" column.  acc: several rows sum into one metric. */
typedef struct util_row {
    const char *names;   /* '|' separated alternatives */
    const char *used, *util;
    bool acc;
} util_row;

static const util_row util_rows[] = {
    {"Slice LUTs|CLB LUTs", "resources.lut", "util.lut_pct", false},
    {"LUT as Logic", "resources.lut_logic", NULL, false},
    {"LUT as Distributed RAM", "resources.lutram", NULL, false},
    {"LUT as Shift Register", "resources.srl", NULL, false},
    {"Slice Registers|CLB Registers", "resources.ff", "util.ff_pct", false},
    {"F7 Muxes|F8 Muxes|F9 Muxes", "resources.f7f8_mux", NULL, true},
    {"CARRY4|CARRY8", "resources.carry", NULL, false},
    {"Slice|CLB", "resources.slices", NULL, false},
    {"Block RAM Tile", "resources.bram_tiles", "util.bram_pct", false},
    {"URAM", "resources.uram", "util.uram_pct", false},
    {"DSPs", "resources.dsp", "util.dsp_pct", false},
    {"Bonded IOB", "resources.io", "util.io_pct", false},
    {"BUFGCTRL|BUFGCE|BUFGCE_DIV|BUFG_GT|BUFGCTRL*|BUFG_PS", "resources.bufg", NULL, true},
    {"Unique Control Sets", "resources.control_sets", NULL, false},
    {"Total SLLs Used", "resources.slr_crossings", NULL, false},
    /* helpers for resources.bram18 = 2 x RAMB36 + RAMB18 */
    {"RAMB36/FIFO", NULL, NULL, false},
    {"RAMB18", NULL, NULL, false},
};
#define N_UTIL_ROWS (sizeof util_rows / sizeof util_rows[0])

static bool name_is(const char *cell, const char *names)
{
    char buf[128];
    size_t l = strlen(cell);
    while (l && cell[l - 1] == '*')
        l--;
    if (l >= sizeof buf)
        return false;
    memcpy(buf, cell, l);
    buf[l] = 0;
    const char *p = names;
    while (*p) {
        const char *q = strchr(p, '|');
        size_t k = q ? (size_t)(q - p) : strlen(p);
        if (k == l && strncasecmp(buf, p, k) == 0)
            return true;
        p += k;
        if (*p == '|')
            p++;
    }
    return false;
}

static double cellnum(const bs_trow *r, int c)
{
    double v;
    const char *s = bs_cell(r, c);
    return bs_num(s, strlen(s), &v) ? v : NAN;
}

/* Per-SLR table: "Site Type | SLR0 | SLR1 | ... | SLR0 % | ...". */
static int apply_slr_table(bs_metric_set *s, const char *path, const bs_table *t, int rank)
{
    const bs_trow *h = &t->rows[0];
    static const struct { const char *row, *used, *util; } m[] = {
        {"CLB LUTs", "resources.lut", "util.lut_pct"},
        {"CLB Registers", "resources.ff", "util.ff_pct"},
        {"Block RAM Tile", "resources.bram_tiles", "util.bram_pct"},
        {"URAM", "resources.uram", "util.uram_pct"},
        {"DSPs", "resources.dsp", "util.dsp_pct"},
    };
    for (int r = 1; r < t->nrow; r++) {
        const bs_trow *row = &t->rows[r];
        for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
            if (!name_is(bs_cell(row, 0), m[k].row))
                continue;
            for (int c = 1; c < h->ncell; c++) {
                const char *hc = h->cell[c];
                if (strncmp(hc, "SLR", 3) != 0)
                    continue;
                bool pct = strchr(hc, '%') != NULL;
                char scope[32];
                snprintf(scope, sizeof scope, "%.*s", (int)strcspn(hc, " %"), hc);
                int rc = bs_metrics_put(s, pct ? m[k].util : m[k].used, scope, cellnum(row, c),
                                        path, rank, false);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

/* Hierarchical table: "Instance | Module | Total LUTs | Logic LUTs | ...". */
static int apply_hier_table(bs_metric_set *s, const char *path, const bs_table *t, int rank)
{
    static const struct { const char *cols, *id; } m[] = {
        {"Total LUTs", "resources.lut"},       {"Logic LUTs", "resources.lut_logic"},
        {"LUTRAMs", "resources.lutram"},       {"SRLs", "resources.srl"},
        {"FFs", "resources.ff"},               {"URAM", "resources.uram"},
        {"DSP48 Blocks|DSP Blocks|DSPs", "resources.dsp"},
    };
    int c_inst = bs_table_col(t, "Instance");
    int c36 = bs_table_col(t, "RAMB36"), c18 = bs_table_col(t, "RAMB18");
    char *stack[32] = {0};
    int ind_stack[32];
    int depth = 0;
    for (int r = 1; r < t->nrow; r++) {
        const bs_trow *row = &t->rows[r];
        const char *inst = bs_cell(row, c_inst);
        int ind = c_inst >= 0 && c_inst < row->ncell ? row->indent[c_inst] : 0;
        if (!*inst || inst[0] == '(')
            continue;   /* "(top_i)": the parent's own cells, not an instance */
        while (depth > 0 && ind_stack[depth - 1] >= ind)
            depth--;
        if (depth >= 32)
            continue;
        stack[depth] = (char *)inst;
        ind_stack[depth] = ind;
        depth++;
        /* scope: the top row is the build; others by instance name, with
         * the parent's name in front when the leaf name is generic */
        const char *scope = "";
        if (depth > 1) {
            scope = inst;
            /* FINN names stitched layers "<partition>_<layer>": keep the layer
             * name so it matches the estimate reports' scopes */
            if (!strncmp(inst, "StreamingDataflowPartition_", 27)) {
                const char *u = strchr(inst + 27, '_');
                if (u && u[1])
                    scope = u + 1;
            }
            if (strlen(inst) <= 4 && depth > 2)
                scope = bs_arena_sprintf(&s->arena, "%s/%s", stack[depth - 2], inst);
            if (!scope)
                return BS_ENOMEM;
        }
        for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
            int c = bs_table_col(t, m[k].cols);
            if (c < 0)
                continue;
            int rc = bs_metrics_put(s, m[k].id, scope, cellnum(row, c), path, rank, false);
            if (rc)
                return rc;
        }
        double b36 = cellnum(row, c36), b18 = cellnum(row, c18);
        if (c36 >= 0 && c18 >= 0) {
            int rc = bs_metrics_put(s, "resources.bram18", scope, 2 * b36 + b18, path, rank, false);
            if (!rc)
                rc = bs_metrics_put(s, "resources.bram_tiles", scope, b36 + b18 / 2, path, rank, false);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int bs_util_apply_table(bs_metric_set *s, const char *path, const bs_table *t, int rank,
                        unsigned *done)
{
    if (t->nrow < 2)
        return 0;
    if (bs_table_col(t, "Instance") >= 0 && bs_table_col(t, "Total LUTs|FFs") >= 0)
        return apply_hier_table(s, path, t, rank);
    if (bs_table_col(t, "SLR0") >= 0)
        return apply_slr_table(s, path, t, rank);
    int c_used = bs_table_col(t, "Used");
    int c_util = bs_table_col(t, "Util%");
    if (c_used < 0)
        return 0;
    /* done[0]: rows owned by some table; done[1]: by this table; done[2]: this table */
    if (done[2] != (unsigned)t->line + 1) {
        done[1] = 0;
        done[2] = (unsigned)t->line + 1;
    }
    for (int r = 1; r < t->nrow; r++) {
        const bs_trow *row = &t->rows[r];
        const char *name = bs_cell(row, 0);
        for (size_t k = 0; k < N_UTIL_ROWS; k++) {
            if (!name_is(name, util_rows[k].names))
                continue;
            /* the first table that has the row owns it (the same rows
             * repeat in the "Logic Distribution" section) */
            unsigned bit = 1u << k;
            if ((done[0] & bit) && !(done[1] & bit))
                break;
            done[0] |= bit;
            done[1] |= bit;
            double used = cellnum(row, c_used);
            if (!util_rows[k].used) {
                /* RAMB36 / RAMB18 counts for bram18 */
                const bs_metric_val *b = bs_metrics_get(s, "resources.bram18", NULL);
                double prev = b && !strcmp(b->source, path) ? b->value : 0;
                double add = strstr(util_rows[k].names, "36") ? 2 * used : used;
                if (!isnan(used)) {
                    int rc = bs_metrics_put(s, "resources.bram18", NULL, prev + add, path, rank, false);
                    if (rc)
                        return rc;
                }
                break;
            }
            if (util_rows[k].acc) {
                const bs_metric_val *b = bs_metrics_get(s, util_rows[k].used, NULL);
                if (b && !strcmp(b->source, path) && !isnan(used))
                    used += b->value;
            }
            int rc = bs_metrics_put(s, util_rows[k].used, NULL, used, path, rank, false);
            if (!rc && util_rows[k].util && c_util >= 0)
                rc = bs_metrics_put(s, util_rows[k].util, NULL, cellnum(row, c_util), path, rank, false);
            if (rc)
                return rc;
            break;
        }
    }
    return 0;
}

static int state_rank(const char *state)
{
    if (!state)
        return BS_RANK_SYNTH;
    if (strcasestr(state, "rout") || strcasestr(state, "plac"))
        return BS_RANK_IMPL;
    return BS_RANK_SYNTH;
}

static void note_part(bs_metric_set *s, const char *dev, const char *tool)
{
    if (dev && *dev && !s->part)
        s->part = dev;
    if (tool && *tool)
        s->tool = tool;
}

int bs_parse_vivado_util(bs_metric_set *s, const char *path, const char *text, size_t len)
{
    bs_arena *a = &s->arena;
    char *cmd = bs_rpt_header(a, text, len, "Command");
    char *dev = bs_rpt_header(a, text, len, "Device");
    char *state = bs_rpt_header(a, text, len, "Design State");
    note_part(s, dev, bs_rpt_header(a, text, len, "Tool Version"));
    if (cmd && !strstr(cmd, "report_utilization"))
        return bs_metrics_error(s, path, 0, "expected a report_utilization report, got '%s'", cmd);
    bs_table *tabs;
    int nt, rc;
    if ((rc = bs_rpt_tables(a, text, len, &tabs, &nt)))
        return rc;
    int rank = state_rank(state);
    unsigned done[3] = {0, 0, 0};
    int used_tables = 0;
    for (int i = 0; i < nt; i++) {
        size_t before = s->n;
        if ((rc = bs_util_apply_table(s, path, &tabs[i], rank, done)))
            return rc;
        used_tables += s->n > before;
    }
    if (!bs_metrics_get(s, "resources.lut", NULL) && used_tables == 0) {
        bs_lines it;
        const char *l;
        size_t n;
        bs_lines_init(&it, text, len);
        while (bs_lines_next(&it, &l, &n))
            ;
        return bs_metrics_error(s, path, it.lineno,
                                "expected a utilization table (\"| Site Type | Used | ... |\" with "
                                "Slice/CLB LUTs, or \"| Instance | Module | Total LUTs |\"), found none");
    }
    return 0;
}

/* Vivado's XML form: <RptDoc><section title=..><table><tablerow>
 * <tableheader contents=..>/<tablecell contents=..>. */
int bs_parse_vivado_util_xml(bs_metric_set *s, const char *path, const char *text, size_t len)
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
    if (strcmp(root->name, "RptDoc") != 0)
        return bs_metrics_error(s, path, root->line, "expected <RptDoc> (Vivado XML report), got <%s>",
                                root->name);
    note_part(s, bs_xml_attr(root, "partname"), NULL);
    const char *state = bs_xml_attr(root, "designstate");
    int rank = state_rank(state);
    unsigned done[3] = {0, 0, 0};
    int ntab = 0;
    for (const bs_xnode *sec = root->child; sec; sec = sec->next) {
        for (const bs_xnode *tab = sec->child; tab; tab = tab->next) {
            if (strcmp(tab->name, "table") != 0)
                continue;
            int nrow = 0;
            for (const bs_xnode *tr = tab->child; tr; tr = tr->next)
                nrow += !strcmp(tr->name, "tablerow");
            bs_table t = {tab->line, 0, NULL, bs_xml_attr(sec, "title")};
            t.rows = bs_arena_calloc(a, (size_t)nrow + 1, sizeof *t.rows);
            if (!t.rows)
                return BS_ENOMEM;
            t.nrow = 1;
            for (const bs_xnode *tr = tab->child; tr; tr = tr->next) {
                if (strcmp(tr->name, "tablerow") != 0)
                    continue;
                int nc = 0;
                bool header = false;
                for (const bs_xnode *c = tr->child; c; c = c->next)
                    nc++;
                bs_trow row = {tr->line, 0, bs_arena_calloc(a, (size_t)nc + 1, sizeof(char *)),
                               bs_arena_calloc(a, (size_t)nc + 1, sizeof(int))};
                if (!row.cell || !row.indent)
                    return BS_ENOMEM;
                for (const bs_xnode *c = tr->child; c; c = c->next) {
                    header |= !strcmp(c->name, "tableheader");
                    const char *v = bs_xml_attr(c, "contents");
                    if (!v)
                        v = "";
                    int ind = 0;
                    while (v[ind] == ' ')
                        ind++;
                    row.indent[row.ncell] = ind;
                    row.cell[row.ncell] = bs_trim_dup(a, v, strlen(v));
                    if (!row.cell[row.ncell])
                        return BS_ENOMEM;
                    row.ncell++;
                }
                if (header && !t.rows[0].cell)
                    t.rows[0] = row;
                else
                    t.rows[t.nrow++] = row;
            }
            if (!t.rows[0].cell)
                continue;
            ntab++;
            if ((rc = bs_util_apply_table(s, path, &t, rank, done)))
                return rc;
        }
    }
    if (!ntab)
        return bs_metrics_error(s, path, root->line,
                                "expected <table> elements with a <tableheader> row, found none");
    return 0;
}
