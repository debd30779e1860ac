/* query.c - finding artifacts: filters, --where, metric sort, references
 * ("name", "name@3", digest prefixes), pins and the build-metrics link. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art_int.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

/* ---- queries ---- */

int art_param_push(bs_sql_params *p, bs_arena *a, const char *v)
{
    if (p->n == p->cap) {
        int nc = p->cap ? p->cap * 2 : 16;
        const char **nv = bs_arena_alloc(a, sizeof *nv * (size_t)nc);
        if (!nv)
            return bs_error_set(BS_ENOMEM, "artifacts: query");
        if (p->n)
            memcpy(nv, p->v, sizeof *nv * (size_t)p->n);
        p->v = nv;
        p->cap = nc;
    }
    p->v[p->n++] = v;
    return 0;
}

static int add_eq(bs_strbuf *sql, bs_sql_params *p, bs_arena *a, const char *col, const char *v)
{
    if (!v)
        return 0;
    int rc = art_param_push(p, a, v);
    if (rc)
        return rc;
    if (!strcmp(col, "name") && strpbrk(v, "*?["))
        return bs_strbuf_printf(sql, " AND a.name GLOB ?");
    if (!strcmp(col, "tag"))
        return bs_strbuf_printf(sql, " AND EXISTS (SELECT 1 FROM artifact_tags t WHERE "
                                     "t.artifact_id=a.id AND t.tag GLOB ?)");
    if (!strcmp(col, "digest"))
        return bs_strbuf_printf(sql, " AND a.digest GLOB ? || '*'");
    return bs_strbuf_printf(sql, " AND a.%s = ?", col);
}


int bs_art_query(bs_art_store *s, const bs_art_filter *f, bs_arena *a, bs_art_record **out,
                 int *n)
{
    static const bs_art_filter none = {0};
    if (!f)
        f = &none;
    bs_strbuf sql = BS_STRBUF_INIT;
    bs_sql_params p = {0};
    int rc = 0;
    const char *metric = NULL;
    bool desc = false;
    if (f->sort && strcmp(f->sort, "newest") && strcmp(f->sort, "oldest")) {
        metric = f->sort[0] == '-' ? f->sort + 1 : f->sort;
        desc = f->sort[0] == '-';
        if (!*metric)
            return bs_error_set(BS_EINVAL, "artifacts: --sort needs a metric name");
        if (art_metric_view(s))
            return bs_error_set(BS_ENOTFOUND, "artifacts: sorting by metric '%s' needs the "
                                "metrics table metric_values, which this workspace lacks", metric);
    }
    bs_strbuf_puts(&sql, "SELECT " ART_COLS);
    if (metric) {
        bs_strbuf_puts(&sql, ", (SELECT mv.value FROM art_metric_v mv WHERE mv.build_id="
                             "a.build_id AND mv.metric=? AND mv.layer IS NULL LIMIT 1) AS sv");
        art_param_push(&p, a, metric);
    }
    bs_strbuf_puts(&sql, " FROM artifacts a WHERE 1");
    rc = add_eq(&sql, &p, a, "name", f->name);
    if (!rc) rc = add_eq(&sql, &p, a, "build_id", f->build_id);
    if (!rc) rc = add_eq(&sql, &p, a, "model_digest", f->model_digest);
    if (!rc) rc = add_eq(&sql, &p, a, "platform", f->platform);
    if (!rc) rc = add_eq(&sql, &p, a, "step", f->step);
    if (!rc) rc = add_eq(&sql, &p, a, "kind", f->kind);
    if (!rc) rc = add_eq(&sql, &p, a, "tag", f->tag);
    if (!rc) rc = add_eq(&sql, &p, a, "digest", f->digest);
    if (!rc) rc = add_eq(&sql, &p, a, "cache_key", f->cache_key);
    if (!rc && f->version)
        bs_strbuf_printf(&sql, " AND a.version = %d", f->version);
    if (!rc && f->latest_only)
        bs_strbuf_puts(&sql, " AND a.version = (SELECT MAX(a2.version) FROM artifacts a2 "
                             "WHERE a2.name = a.name)");
    if (!rc && f->where && *f->where) {
        char *cond = NULL;
        rc = bs_art_where_sql(f->where, a, &cond, &p);
        if (!rc && p.uses_metrics && art_metric_view(s))
            rc = bs_error_set(BS_ENOTFOUND, "artifacts: --where '%s' compares metrics, but this "
                              "workspace has no metric_values table (no metrics recorded yet)",
                              f->where);
        if (!rc)
            bs_strbuf_printf(&sql, " AND (%s)", cond);
    }
    if (!rc) {
        if (metric)
            bs_strbuf_printf(&sql, " ORDER BY sv IS NULL, sv %s, a.created_ms DESC, a.id DESC",
                             desc ? "DESC" : "ASC");
        else if (f->sort && !strcmp(f->sort, "oldest"))
            bs_strbuf_puts(&sql, " ORDER BY a.created_ms ASC, a.id ASC");
        else
            bs_strbuf_puts(&sql, " ORDER BY a.created_ms DESC, a.id DESC");
        if (f->limit > 0)
            bs_strbuf_printf(&sql, " LIMIT %d", f->limit);
    }
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = bs_db_prepare(s->db, sql.buf, &st);
    bs_strbuf_free(&sql);
    if (rc)
        return rc;
    for (int i = 0; i < p.n; i++)
        sqlite3_bind_text(st, i + 1, p.v[i], -1, SQLITE_STATIC);
    int cnt = 0, cap = 0;
    bs_art_record *v = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            int nc = cap ? cap * 2 : 16;
            bs_art_record *nv = bs_arena_alloc(a, sizeof *nv * (size_t)nc);
            if (!nv) {
                rc = bs_error_set(BS_ENOMEM, "artifacts: query");
                break;
            }
            if (cnt)
                memcpy(nv, v, sizeof *nv * (size_t)cnt);
            v = nv;
            cap = nc;
        }
        art_row(st, a, &v[cnt]);
        if (metric && sqlite3_column_type(st, 16) != SQLITE_NULL)
            v[cnt].sort_value = sqlite3_column_double(st, 16);
        cnt++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = bs_db_error(s->db, "artifacts: query");
    sqlite3_finalize(st);
    for (int i = 0; !rc && i < cnt; i++)
        rc = art_load_tags(s, a, &v[i]);
    if (rc)
        return rc;
    *out = v;
    *n = cnt;
    return 0;
}

static bool is_hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > BS_SHA256_HEX_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int bs_art_resolve(bs_art_store *s, const char *ref, bs_arena *a, bs_art_record *out)
{
    if (!ref || !*ref)
        return bs_error_set(BS_EINVAL, "artifacts: empty reference");
    bs_art_filter f = {.limit = 2};
    char *name = bs_arena_strdup(a, ref);
    char *at = strrchr(name, '@');
    bool by_digest = !at && is_hex_prefix(ref);
    if (at) {
        *at = '\0';
        const char *v = at + 1;
        int64_t ver = 0;
        if (strcmp(v, "latest") && (bs_parse_i64(v, &ver) || ver < 1 || ver > 1000000000))
            return bs_error_set(BS_EINVAL, "artifacts: '%s': version '%s' is not a positive "
                                "number or 'latest'", ref, v);
        f.version = (int)ver;
    }
    bs_art_record *v = NULL;
    int n = 0, rc;
    if (by_digest) {
        /* A name that happens to look like hex still resolves by name first. */
        f.name = name;
        f.limit = 1;
        if ((rc = bs_art_query(s, &f, a, &v, &n)))
            return rc;
        if (n == 1) {
            *out = v[0];
            return 0;
        }
        f.name = NULL;
        f.digest = ref;
        f.limit = 0;
        if ((rc = bs_art_query(s, &f, a, &v, &n)))
            return rc;
        for (int i = 1; i < n; i++)
            if (strcmp(v[i].digest, v[0].digest))
                return bs_error_set(BS_EINVAL, "artifacts: digest prefix '%s' is ambiguous", ref);
        if (n == 0)
            return bs_error_set(BS_ENOTFOUND, "artifacts: no artifact with digest %s", ref);
        *out = v[0];
        return 0;
    }
    if ((rc = art_check_name(name)))
        return rc;
    f.name = name;
    if (strpbrk(name, "*?["))
        return bs_error_set(BS_EINVAL, "artifacts: '%s': a reference names one artifact, "
                            "no wildcards", ref);
    if ((rc = bs_art_query(s, &f, a, &v, &n)))
        return rc;
    if (n == 0)
        return bs_error_set(BS_ENOTFOUND, "artifacts: no artifact '%s'", ref);
    /* newest first; with a version the match is unique */
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i].version > v[best].version)
            best = i;
    *out = v[best];
    return 0;
}

int bs_art_pin(bs_art_store *s, const char *ref, bool pin, int *count)
{
    bs_arena a;
    bs_arena_init(&a, 0);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    bool whole_name = ref && !strchr(ref, '@') && !is_hex_prefix(ref);
    bs_art_record r;
    if (!whole_name)
        rc = bs_art_resolve(s, ref, &a, &r);
    if (!rc && whole_name)
        rc = art_check_name(ref);
    if (!rc)
        rc = bs_db_prepare(s->db,
                           whole_name ? "UPDATE artifacts SET pinned=? WHERE name=?"
                           : strchr(ref, '@') ? "UPDATE artifacts SET pinned=? WHERE id=?"
                                              : "UPDATE artifacts SET pinned=? WHERE digest=?",
                           &st);
    if (!rc) {
        sqlite3_bind_int(st, 1, pin);
        if (whole_name)
            sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
        else if (strchr(ref, '@'))
            sqlite3_bind_int64(st, 2, r.id);
        else
            sqlite3_bind_text(st, 2, r.digest, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(s->db, "artifacts: pin");
        else if (count)
            *count = sqlite3_changes(s->db);
        if (!rc && whole_name && sqlite3_changes(s->db) == 0)
            rc = bs_error_set(BS_ENOTFOUND, "artifacts: no artifact '%s'", ref);
        sqlite3_finalize(st);
    }
    bs_arena_free(&a);
    return rc;
}

int bs_art_build_metrics(bs_art_store *s, const char *build_id, bs_arena *a, const char ***names,
                         double **values, int *n)
{
    *n = 0;
    *names = NULL;
    *values = NULL;
    if (!build_id || art_metric_view(s))
        return 0;
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT metric, value FROM art_metric_v WHERE build_id=? AND "
                                  "layer IS NULL AND value IS NOT NULL ORDER BY metric", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
    int cnt = 0, cap = 0;
    const char **nv = NULL;
    double *vv = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            const char **n2 = bs_arena_alloc(a, sizeof *n2 * (size_t)cap);
            double *v2 = bs_arena_alloc(a, sizeof *v2 * (size_t)cap);
            if (!n2 || !v2) {
                rc = bs_error_set(BS_ENOMEM, "artifacts: metrics");
                break;
            }
            if (cnt) {
                memcpy(n2, nv, sizeof *n2 * (size_t)cnt);
                memcpy(v2, vv, sizeof *v2 * (size_t)cnt);
            }
            nv = n2;
            vv = v2;
        }
        nv[cnt] = art_col_str(st, 0, a);
        vv[cnt++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    *names = nv;
    *values = vv;
    *n = cnt;
    return 0;
}
