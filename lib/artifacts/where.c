/* where.c - the --where expression language of artifact queries.
 *
 * A small recursive-descent parser that turns e.g.
 *   resources.lut<20000 and (platform=Pynq-Z1 or tag~'rel*')
 * into an SQL condition over alias `a` (table artifacts).  Strings are bound
 * as parameters; numbers are parsed with strtod and printed back as SQL
 * literals (so they compare numerically against REAL columns and computed
 * expressions), which keeps user text out of the SQL.  Metric comparisons
 * read the metrics module's table metric_values through the temp view
 * art_metric_v(build_id, metric, layer, value), see art_metric_view(). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art_int.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

typedef enum { F_TEXT, F_NUM, F_TAG, F_AGE } ftype;

/* The artifact fields a --where can name. */
static const struct field {
    const char *name;
    const char *col;
    ftype type;
} fields[] = {
    {"name", "a.name", F_TEXT},           {"version", "a.version", F_NUM},
    {"kind", "a.kind", F_TEXT},           {"build", "a.build_id", F_TEXT},
    {"task", "a.task_id", F_NUM},         {"step", "a.step", F_TEXT},
    {"platform", "a.platform", F_TEXT},   {"model", "a.model_digest", F_TEXT},
    {"config", "a.config_digest", F_TEXT}, {"digest", "a.digest", F_TEXT},
    {"cache_key", "a.cache_key", F_TEXT}, {"size", "a.size", F_NUM},
    {"created", "a.created_ms", F_NUM},   {"pinned", "a.pinned", F_NUM},
    {"tag", NULL, F_TAG},                 {"age", NULL, F_AGE},
};

typedef struct parser {
    const char *src, *p;
    bs_arena *a;
    bs_strbuf out;
    bs_sql_params *params;
    int depth;
} parser;

static int perr(parser *ps, const char *what)
{
    return bs_error_set(BS_EPARSE, "--where '%s': column %d: %s", ps->src,
                        (int)(ps->p - ps->src) + 1, what);
}

static void skip_ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static bool ident_char(char c, bool first)
{
    return isalpha((unsigned char)c) || c == '_' ||
           (!first && (isdigit((unsigned char)c) || strchr(".:/-@[]", c)));
}

/* Matches a keyword (case-insensitive, whole word) or a symbol. */
static bool accept(parser *ps, const char *kw)
{
    skip_ws(ps);
    size_t n = strlen(kw);
    if (strncasecmp(ps->p, kw, n) != 0)
        return false;
    if (isalpha((unsigned char)kw[0]) && ident_char(ps->p[n], false))
        return false;
    ps->p += n;
    return true;
}

static int parse_or(parser *ps);

static const char *ops[] = {"<=", ">=", "==", "!=", "<>", "<", ">", "=", "~"};

static int parse_op(parser *ps, const char **sqlop)
{
    skip_ws(ps);
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t n = strlen(ops[i]);
        if (!strncmp(ps->p, ops[i], n)) {
            ps->p += n;
            const char *o = ops[i];
            *sqlop = !strcmp(o, "==") ? "=" : !strcmp(o, "<>") ? "!=" : !strcmp(o, "~") ? "GLOB" : o;
            return 0;
        }
    }
    return perr(ps, "expected a comparison operator (< <= > >= = != ~)");
}

/* Reads a value token: quoted string or bare word up to space, ')' or ','. */
static int parse_value(parser *ps, char **out)
{
    skip_ws(ps);
    char q = *ps->p;
    if (q == '\'' || q == '"') {
        const char *e = strchr(ps->p + 1, q);
        if (!e)
            return perr(ps, "unterminated string");
        *out = bs_arena_strndup(ps->a, ps->p + 1, (size_t)(e - ps->p - 1));
        ps->p = e + 1;
        return 0;
    }
    const char *st = ps->p;
    while (*ps->p && !isspace((unsigned char)*ps->p) && !strchr("(),&|", *ps->p))
        ps->p++;
    if (ps->p == st)
        return perr(ps, "expected a value");
    *out = bs_arena_strndup(ps->a, st, (size_t)(ps->p - st));
    return 0;
}

/* Number with an optional decimal (k M G) or binary (Ki Mi Gi) suffix. */
static bool parse_num(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return false;
    static const struct { const char *suf; double mul; } sufs[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9},
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
    };
    for (size_t i = 0; i < sizeof sufs / sizeof *sufs; i++)
        if (!strcmp(end, sufs[i].suf)) {
            *out = v * sufs[i].mul;
            return true;
        }
    return false;
}

static int emit_num(parser *ps, const char *col, const char *op, const char *val, bool age)
{
    double v;
    if (age) {
        if (bs_parse_duration_s(val, &v))
            return perr(ps, "age needs a duration such as 90, 30m, 2h, 7d");
    } else if (!strcmp(val, "true") || !strcmp(val, "false")) {
        v = !strcmp(val, "true");
    } else if (!parse_num(val, &v)) {
        return perr(ps, "expected a number");
    }
    if (!strcmp(op, "GLOB"))
        return perr(ps, "'~' (glob) applies to text, not numbers");
    if (age)
        return bs_strbuf_printf(&ps->out, "((%lld - a.created_ms) / 1000.0 %s %.17g)",
                                (long long)bs_now_ms(), op, v);
    return bs_strbuf_printf(&ps->out, "(%s %s %.17g)", col, op, v);
}

static int parse_cmp(parser *ps)
{
    skip_ws(ps);
    const char *st = ps->p;
    if (!ident_char(*ps->p, true))
        return perr(ps, "expected a field or metric name");
    while (ident_char(*ps->p, false))
        ps->p++;
    char *ident = bs_arena_strndup(ps->a, st, (size_t)(ps->p - st));
    const char *op = "=";
    char *val = NULL;
    int rc = parse_op(ps, &op);
    if (!rc)
        rc = parse_value(ps, &val);
    if (rc)
        return rc;
    const struct field *f = NULL;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (!strcmp(fields[i].name, ident))
            f = &fields[i];
    if (f && f->type == F_TEXT) {
        if (strchr("<>", op[0]))
            return perr(ps, "text fields compare with = != or ~");
        if ((rc = art_param_push(ps->params, ps->a, val)))
            return rc;
        return bs_strbuf_printf(&ps->out, "(%s %s ?)", f->col, op);
    }
    if (f && f->type == F_TAG) {
        if (strchr("<>", op[0]))
            return perr(ps, "tag compares with = != or ~");
        if ((rc = art_param_push(ps->params, ps->a, val)))
            return rc;
        return bs_strbuf_printf(&ps->out,
                                "(%sEXISTS (SELECT 1 FROM artifact_tags t WHERE t.artifact_id=a.id"
                                " AND t.tag %s ?))",
                                !strcmp(op, "!=") ? "NOT " : "", !strcmp(op, "GLOB") ? "GLOB" : "=");
    }
    if (f)
        return emit_num(ps, f->col, op, val, f->type == F_AGE);
    /* A metric of the artifact's build. */
    const char *metric = ident;
    if (!strncmp(metric, "m:", 2))
        metric += 2;
    char *layer = strchr(metric, '@');
    if (layer)
        *layer++ = '\0';
    if (!*metric || (layer && !*layer))
        return perr(ps, "expected METRIC or METRIC@LAYER");
    if ((rc = art_param_push(ps->params, ps->a, metric)))
        return rc;
    if (layer && (rc = art_param_push(ps->params, ps->a, layer)))
        return rc;
    ps->params->uses_metrics = true;
    bs_strbuf_printf(&ps->out,
                     "EXISTS (SELECT 1 FROM art_metric_v mv WHERE mv.build_id = a.build_id"
                     " AND mv.metric = ? AND %s AND ",
                     layer ? "mv.layer = ?" : "mv.layer IS NULL");
    if ((rc = emit_num(ps, "mv.value", op, val, false)))
        return rc;
    return bs_strbuf_puts(&ps->out, ")");
}

static int parse_unary(parser *ps)
{
    if (++ps->depth > 64)
        return perr(ps, "expression nested too deeply");
    int rc;
    if (accept(ps, "not") || accept(ps, "!")) {
        bs_strbuf_puts(&ps->out, "NOT ");
        rc = parse_unary(ps);
    } else if (accept(ps, "(")) {
        bs_strbuf_puts(&ps->out, "(");
        rc = parse_or(ps);
        if (!rc && !accept(ps, ")"))
            rc = perr(ps, "expected ')'");
        if (!rc)
            bs_strbuf_puts(&ps->out, ")");
    } else {
        rc = parse_cmp(ps);
    }
    ps->depth--;
    return rc;
}

static int parse_and(parser *ps)
{
    int rc = parse_unary(ps);
    while (!rc && (accept(ps, "and") || accept(ps, "&&") || accept(ps, ","))) {
        bs_strbuf_puts(&ps->out, " AND ");
        rc = parse_unary(ps);
    }
    return rc;
}

static int parse_or(parser *ps)
{
    int rc = parse_and(ps);
    while (!rc && (accept(ps, "or") || accept(ps, "||"))) {
        bs_strbuf_puts(&ps->out, " OR ");
        rc = parse_and(ps);
    }
    return rc;
}

int bs_art_where_sql(const char *expr, bs_arena *a, char **sql, bs_sql_params *params)
{
    parser ps = {.src = expr, .p = expr, .a = a, .params = params};
    int rc = parse_or(&ps);
    skip_ws(&ps);
    if (!rc && *ps.p)
        rc = perr(&ps, "unexpected text (join conditions with 'and' / 'or')");
    if (rc) {
        bs_strbuf_free(&ps.out);
        return rc;
    }
    char *s = bs_strbuf_detach(&ps.out);
    *sql = bs_arena_strdup(a, s);
    free(s);
    return *sql ? 0 : bs_error_set(BS_ENOMEM, "--where");
}
