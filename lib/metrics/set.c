/* set.c - a build's collected metric values and parse errors.
 *
 * A set is a flat array of (id, scope) -> value with the source file and
 * its rank; a later value for the same key replaces an earlier one unless
 * the earlier came from a higher-ranked source (a routed report beats a
 * synthesis report beats an estimate).  Strings live in the set's arena.
 * Sets hold a few hundred values, so lookups are linear. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"

void bs_metrics_init(bs_metric_set *s)
{
    memset(s, 0, sizeof *s);
    bs_arena_init(&s->arena, 0);
}

void bs_metrics_free(bs_metric_set *s)
{
    if (!s)
        return;
    free(s->v);
    free(s->err);
    bs_arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}

/* ids of a set are the registry's own strings, so they compare by pointer */
static bs_metric_val *find_slot(bs_metric_set *s, const char *id, const char *scope)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].id == id && strcmp(s->v[i].scope, scope) == 0)
            return &s->v[i];
    return NULL;
}

static int put(bs_metric_set *s, const char *id, const char *scope, double value,
               const char *text, const char *source, int rank, bool estimated)
{
    const bs_metric_def *d = bs_metric_find(id);
    if (!d)
        return bs_error_set(BS_EINVAL, "metrics: unknown metric id '%s'", id);
    if (!scope)
        scope = "";
    bs_metric_val *v = find_slot(s, d->id, scope);
    if (v && v->rank > rank)
        return 0;   /* a better source already gave this value */
    if (!v) {
        if (s->n == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 64;
            bs_metric_val *nv = realloc(s->v, nc * sizeof *nv);
            if (!nv)
                return bs_error_set(BS_ENOMEM, "metrics: out of memory");
            s->v = nv;
            s->cap = nc;
        }
        v = &s->v[s->n++];
        v->id = d->id;
        v->scope = *scope ? bs_arena_strdup(&s->arena, scope) : "";
        if (!v->scope) {
            s->n--;
            return BS_ENOMEM;
        }
    }
    v->value = value;
    v->text = text ? bs_arena_strdup(&s->arena, text) : NULL;
    v->source = source ? bs_arena_strdup(&s->arena, source) : "";
    v->estimated = estimated;
    v->rank = rank;
    return 0;
}

int bs_metrics_put(bs_metric_set *s, const char *id, const char *scope, double value,
                   const char *source, int rank, bool estimated)
{
    if (!isfinite(value))
        return 0;   /* NaN/inf carry no information; a report said "NA" or "undef" */
    return put(s, id, scope, value, NULL, source, rank, estimated);
}

int bs_metrics_put_text(bs_metric_set *s, const char *id, const char *scope, const char *text,
                        const char *source, int rank)
{
    if (!text)
        return 0;
    return put(s, id, scope, NAN, text, source, rank, false);
}

int bs_metrics_error(bs_metric_set *s, const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->nerr == s->errcap) {
        size_t nc = s->errcap ? s->errcap * 2 : 8;
        bs_metric_err *ne = realloc(s->err, nc * sizeof *ne);
        if (ne) {
            s->err = ne;
            s->errcap = nc;
        }
    }
    if (s->nerr < s->errcap) {
        bs_metric_err *e = &s->err[s->nerr++];
        e->file = bs_arena_strdup(&s->arena, file ? file : "?");
        e->line = line;
        e->msg = bs_arena_strdup(&s->arena, msg);
        if (!e->file || !e->msg)
            s->nerr--;
    }
    if (line > 0)
        return bs_error_set(BS_EPARSE, "%s:%d: %s", file ? file : "?", line, msg);
    return bs_error_set(BS_EPARSE, "%s: %s", file ? file : "?", msg);
}

const bs_metric_val *bs_metrics_get(const bs_metric_set *s, const char *id, const char *scope)
{
    const bs_metric_def *d = bs_metric_find(id);
    if (!d)
        return NULL;
    return find_slot((bs_metric_set *)s, d->id, scope ? scope : "");
}

double bs_metrics_num(const bs_metric_set *s, const char *id, const char *scope)
{
    const bs_metric_val *v = bs_metrics_get(s, id, scope);
    return v ? v->value : NAN;
}
