/* text.c - text scanning shared by the report parsers: line iteration,
 * lenient numbers (tools print "1,234", "<0.001", "~0", "12 ns"), the
 * "| Key : value" header of Vivado reports and Vivado/HLS boxed tables.
 * All input is treated as untrusted bytes of known length (no NUL needed). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_int.h"
#include "brainsmith/error.h"

void bs_lines_init(bs_lines *it, const char *text, size_t len)
{
    it->p = text;
    it->end = text + len;
    it->lineno = 0;
}

bool bs_lines_next(bs_lines *it, const char **s, size_t *n)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    const char *e = nl ? nl : it->end;
    *s = it->p;
    *n = (size_t)(e - it->p);
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    it->p = nl ? nl + 1 : it->end;
    it->lineno++;
    return true;
}

bool bs_num(const char *s, size_t n, double *out)
{
    char buf[64];
    size_t k = 0;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (n && (*s == '<' || *s == '~' || *s == '>')) {
        s++;
        n--;
    }
    for (size_t i = 0; i < n && k + 1 < sizeof buf; i++) {
        if (s[i] == ',')
            continue;   /* thousands separator */
        buf[k++] = s[i];
    }
    buf[k] = 0;
    if (!k)
        return false;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || errno == ERANGE)
        return false;
    /* strtod accepts "inf"/"nan": tools write those for unconstrained paths */
    if (v != v || v > 1e300 || v < -1e300)
        return false;
    while (*end && isspace((unsigned char)*end))
        end++;
    /* allow a trailing unit or percent sign ("2.433 ns", "5.21%") */
    if (*end && !(isalpha((unsigned char)*end) || *end == '%' || *end == '*' || *end == '('))
        return false;
    *out = v;
    return true;
}

char *bs_trim_dup(bs_arena *a, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return bs_arena_strndup(a, s, n);
}

bool bs_starts(const char *s, size_t n, const char *prefix, bool skip_ws)
{
    if (skip_ws)
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
    size_t pl = strlen(prefix);
    return n >= pl && memcmp(s, prefix, pl) == 0;
}

bool bs_contains(const char *s, size_t n, const char *needle)
{
    /* memmem: this runs on every line of multi-megabyte reports and logs */
    return memmem(s, n, needle, strlen(needle)) != NULL;
}

const char *bs_base(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

char *bs_rpt_header(bs_arena *a, const char *text, size_t len, const char *key)
{
    bs_lines it;
    const char *s;
    size_t n;
    size_t kl = strlen(key);
    bs_lines_init(&it, text, len);
    while (bs_lines_next(&it, &s, &n)) {
        if (it.lineno > 40)
            break;   /* the header is at the top */
        if (n < kl + 3 || s[0] != '|')
            continue;
        const char *p = s + 1;
        size_t m = n - 1;
        while (m && *p == ' ') {
            p++;
            m--;
        }
        if (m < kl || strncmp(p, key, kl) != 0)
            continue;
        const char *q = p + kl;
        const char *e = s + n;
        while (q < e && *q == ' ')
            q++;
        if (q >= e || *q != ':')
            continue;
        q++;
        return bs_trim_dup(a, q, (size_t)(e - q));
    }
    return NULL;
}

/* Splits a "|a|b|c|" line into cells. */
static int split_row(bs_arena *a, const char *s, size_t n, int line, bs_trow *r)
{
    int cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += s[i] == '|';
    r->line = line;
    r->ncell = 0;
    r->cell = bs_arena_calloc(a, (size_t)cap, sizeof *r->cell);
    r->indent = bs_arena_calloc(a, (size_t)cap, sizeof *r->indent);
    if (!r->cell || !r->indent)
        return BS_ENOMEM;
    const char *p = memchr(s, '|', n);
    if (!p)
        return 0;
    const char *e = s + n;
    p++;
    while (p < e) {
        const char *q = memchr(p, '|', (size_t)(e - p));
        if (!q)
            break;   /* text after the last '|' is not a cell */
        int ind = 0;
        while (p + ind < q && p[ind] == ' ')
            ind++;
        r->indent[r->ncell] = ind > 0 ? ind - 1 : 0;   /* one space of padding */
        r->cell[r->ncell] = bs_trim_dup(a, p, (size_t)(q - p));
        if (!r->cell[r->ncell])
            return BS_ENOMEM;
        r->ncell++;
        p = q + 1;
    }
    return 0;
}

static bool is_border(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n >= 2 && s[0] == '+' && (s[1] == '-' || s[1] == '+' || s[1] == '=');
}

static bool is_rowline(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n >= 2 && s[0] == '|' && memchr(s + 1, '|', n - 1) != NULL;
}

/* Section titles: "3. Memory" / "1.1 Summary" followed by a dashes line, or
 * "* Summary:" style lines in HLS reports. */
static bool title_line(const char *s, size_t n)
{
    while (n && *s == ' ') {
        s++;
        n--;
    }
    return n > 2 && (isdigit((unsigned char)s[0]) || s[0] == '*' || s[0] == '+' || s[0] == '=');
}

/* Turns the rows read between the borders of one table into header + body:
 * when rows follow a second border, the rows before it are header lines
 * (joined column-wise); otherwise (a key | value box) there is no header
 * and every row is body.  A table cut before its closing border (a
 * truncated report) is still read. */
static int finish_table(bs_arena *a, bs_table *t, bs_trow *raw, int *sect, int nraw, int borders)
{
    int nhead = 0;
    (void)borders;
    if (nraw > 0 && sect[nraw - 1] >= 2)   /* rows after a second border: a header table */
        while (nhead < nraw && sect[nhead] <= 1)
            nhead++;
    t->rows = bs_arena_calloc(a, (size_t)(nraw - nhead + 1), sizeof *t->rows);
    if (!t->rows)
        return BS_ENOMEM;
    bs_trow *h = &t->rows[0];
    int m = 0;
    for (int i = 0; i < nhead; i++)
        if (raw[i].ncell > m)
            m = raw[i].ncell;
    h->line = nhead ? raw[0].line : t->line;
    h->ncell = m;
    h->cell = bs_arena_calloc(a, (size_t)m + 1, sizeof *h->cell);
    h->indent = bs_arena_calloc(a, (size_t)m + 1, sizeof *h->indent);
    if (!h->cell || !h->indent)
        return BS_ENOMEM;
    for (int c = 0; c < m; c++) {
        const char *acc = "";
        for (int i = 0; i < nhead; i++) {
            const char *y = c < raw[i].ncell ? raw[i].cell[c] : "";
            if (*y)
                acc = *acc ? bs_arena_sprintf(a, "%s %s", acc, y) : y;
            if (!acc)
                return BS_ENOMEM;
        }
        h->cell[c] = (char *)acc;
    }
    t->nrow = 1;
    for (int i = nhead; i < nraw; i++)
        t->rows[t->nrow++] = raw[i];
    return 0;
}

int bs_rpt_tables(bs_arena *a, const char *text, size_t len, bs_table **out, int *nout)
{
    bs_lines it;
    const char *s;
    size_t n;
    int cap = 16, nt = 0;
    bs_table *tabs = bs_arena_calloc(a, (size_t)cap, sizeof *tabs);
    const char *title = "";
    if (!tabs)
        return BS_ENOMEM;
    bs_lines_init(&it, text, len);
    bool in = false;
    int borders = 0, nraw = 0, rawcap = 0;
    bs_trow *raw = NULL;
    int *sect = NULL;
    int rc = 0;
    bool more = true;
    while (more) {
        more = bs_lines_next(&it, &s, &n);
        if (more && is_border(s, n)) {
            if (!in) {
                in = true;
                borders = 0;
                nraw = 0;
            }
            borders++;
            continue;
        }
        if (more && in && is_rowline(s, n)) {
            if (nraw == rawcap) {
                int nc = rawcap ? rawcap * 2 : 32;
                bs_trow *nr = realloc(raw, (size_t)nc * sizeof *nr);
                int *ns = nr ? realloc(sect, (size_t)nc * sizeof *ns) : NULL;
                if (nr)
                    raw = nr;
                if (!nr || !ns) {
                    rc = BS_ENOMEM;
                    break;
                }
                sect = ns;
                rawcap = nc;
            }
            if ((rc = split_row(a, s, n, it.lineno, &raw[nraw])) != 0)
                break;
            sect[nraw++] = borders;
            continue;
        }
        if (in) {
            in = false;
            if (nraw > 0) {
                if (nt == cap) {
                    bs_table *nt2 = bs_arena_calloc(a, (size_t)cap * 2, sizeof *tabs);
                    if (!nt2) {
                        rc = BS_ENOMEM;
                        break;
                    }
                    memcpy(nt2, tabs, (size_t)cap * sizeof *tabs);
                    tabs = nt2;
                    cap *= 2;
                }
                bs_table *t = &tabs[nt++];
                t->line = raw[0].line - 1;
                t->title = title;
                if ((rc = finish_table(a, t, raw, sect, nraw, borders)) != 0)
                    break;
            }
        }
        if (more && title_line(s, n)) {
            title = bs_trim_dup(a, s, n);
            if (!title) {
                rc = BS_ENOMEM;
                break;
            }
        }
    }
    free(raw);
    free(sect);
    if (rc)
        return rc;
    *out = tabs;
    *nout = nt;
    return 0;
}

int bs_table_col(const bs_table *t, const char *names)
{
    const bs_trow *h = &t->rows[0];
    for (int c = 0; c < h->ncell; c++) {
        const char *p = names;
        while (*p) {
            const char *q = strchr(p, '|');
            size_t l = q ? (size_t)(q - p) : strlen(p);
            if (strlen(h->cell[c]) == l && strncasecmp(h->cell[c], p, l) == 0)
                return c;
            p += l;
            if (*p == '|')
                p++;
        }
    }
    return -1;
}

const char *bs_cell(const bs_trow *r, int c)
{
    return c >= 0 && c < r->ncell && r->cell[c] ? r->cell[c] : "";
}
