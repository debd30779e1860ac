/* store.c - the history tables: series, points (with repeats and per-layer
 * values) and baselines, in the workspace SQLite database.
 *
 * A series row per (model, platform, config, metric); a point per (series,
 * build), so recording the same build twice replaces its point.  Repeats
 * are kept as a JSON array next to the value (they are always read with
 * it); per-layer values get their own table so layers can be queried.
 * Missing values are NULL. */
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "history_int.h"

static const bs_migration history_migrations[] = {
    {1,
     "CREATE TABLE history_series ("
     " id INTEGER PRIMARY KEY,"
     " model TEXT NOT NULL, platform TEXT NOT NULL, config TEXT NOT NULL, metric TEXT NOT NULL,"
     " direction INTEGER NOT NULL DEFAULT 0,"
     " created_ms INTEGER NOT NULL,"
     " UNIQUE(model, platform, config, metric));"
     "CREATE TABLE history_points ("
     " id INTEGER PRIMARY KEY,"
     " series_id INTEGER NOT NULL REFERENCES history_series(id) ON DELETE CASCADE,"
     " build_id TEXT NOT NULL,"
     " time_ms INTEGER NOT NULL,"
     " version TEXT,"
     " value REAL,"
     " repeats TEXT,"
     " UNIQUE(series_id, build_id));"
     "CREATE INDEX history_points_build ON history_points(build_id);"
     "CREATE INDEX history_points_order ON history_points(series_id, time_ms, id);"
     "CREATE TABLE history_layers ("
     " point_id INTEGER NOT NULL REFERENCES history_points(id) ON DELETE CASCADE,"
     " layer TEXT NOT NULL, value REAL,"
     " PRIMARY KEY(point_id, layer));"
     "CREATE TABLE history_baselines ("
     " name TEXT PRIMARY KEY, build_id TEXT NOT NULL, created_ms INTEGER NOT NULL);"
     "CREATE TABLE history_alert_rules ("
     " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL,"
     " model TEXT, platform TEXT, config TEXT,"
     " condition TEXT NOT NULL, actions TEXT NOT NULL, created_ms INTEGER NOT NULL);"
     "CREATE TABLE history_alerts_fired ("
     " rule_id INTEGER NOT NULL REFERENCES history_alert_rules(id) ON DELETE CASCADE,"
     " dedup_key TEXT NOT NULL, fired_ms INTEGER NOT NULL, payload TEXT NOT NULL, status TEXT,"
     " PRIMARY KEY(rule_id, dedup_key));"},
};

int bs_history_migrate(sqlite3 *db)
{
    return bs_db_migrate(db, "history", history_migrations,
                         (int)(sizeof history_migrations / sizeof history_migrations[0]));
}

const char *bs_hist_direction_name(bs_hist_direction d)
{
    switch (d) {
    case BS_HIST_DIR_LOWER: return "lower";
    case BS_HIST_DIR_HIGHER: return "higher";
    default: return "unknown";
    }
}

int bs_hist_direction_parse(const char *s, bs_hist_direction *out)
{
    static const struct { const char *name; bs_hist_direction d; } names[] = {
        {"lower", BS_HIST_DIR_LOWER}, {"min", BS_HIST_DIR_LOWER},
        {"higher", BS_HIST_DIR_HIGHER}, {"max", BS_HIST_DIR_HIGHER},
        {"unknown", BS_HIST_DIR_UNKNOWN}, {"none", BS_HIST_DIR_UNKNOWN},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) { *out = names[i].d; return 0; }
    return bs_error_set(BS_EINVAL, "direction '%s': expected lower, higher or unknown", s ? s : "");
}

/* ---- record ------------------------------------------------------------ */

static int check_name(const char *v, const char *field)
{
    if (!v || !*v) return bs_error_set(BS_EINVAL, "history record: %s is empty", field);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20)
            return bs_error_set(BS_EINVAL, "history record: %s contains a control character", field);
    return 0;
}

static char *repeats_json(const double *r, int n)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_puts(&sb, "[");
    for (int i = 0; i < n; i++) bs_strbuf_printf(&sb, "%s%.17g", i ? "," : "", r[i]);
    bs_strbuf_puts(&sb, "]");
    return bs_strbuf_detach(&sb);
}

static int series_id(sqlite3 *db, const bs_hist_record *r, const char *config, int64_t now,
                     int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db,
        "INSERT INTO history_series(model, platform, config, metric, direction, created_ms)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT(model, platform, config, metric) DO UPDATE SET"
        "  direction = CASE WHEN ?5 != 0 THEN ?5 ELSE direction END"
        " RETURNING id", &st);
    if (rc < 0) return rc;
    bs_db_bind_text(st, 1, r->model);
    bs_db_bind_text(st, 2, r->platform);
    bs_db_bind_text(st, 3, config);
    bs_db_bind_text(st, 4, r->metric);
    sqlite3_bind_int(st, 5, (int)r->direction);
    sqlite3_bind_int64(st, 6, now);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        rc = bs_db_error(db, "history: series upsert");
    }
    sqlite3_finalize(st);
    return rc;
}

int bs_history_record(sqlite3 *db, const bs_hist_record *r)
{
    int rc;
    const char *config = r->config && *r->config ? r->config : "default";
    if ((rc = check_name(r->model, "model")) < 0 || (rc = check_name(r->platform, "platform")) < 0 ||
        (rc = check_name(config, "config")) < 0 || (rc = check_name(r->metric, "metric")) < 0 ||
        (rc = check_name(r->build_id, "build id")) < 0)
        return rc;
    if (r->n_repeats < 0 || (r->n_repeats > 0 && !r->repeats) || r->n_layers < 0 ||
        (r->n_layers > 0 && !r->layers))
        return bs_error_set(BS_EINVAL, "history record: %s: bad repeats/layers arrays", r->metric);
    for (int i = 0; i < r->n_repeats; i++)
        if (!isfinite(r->repeats[i]))
            return bs_error_set(BS_EINVAL, "history record: %s: repeat %d is not a finite number",
                                r->metric, i + 1);
    for (int i = 0; i < r->n_layers; i++)
        if ((rc = check_name(r->layers[i].name, "layer name")) < 0) return rc;
    if (isinf(r->value))
        return bs_error_set(BS_EINVAL, "history record: %s: value is infinite", r->metric);
    double value = r->value;
    if (isnan(value) && r->n_repeats > 0) value = bs_stat_median(r->repeats, (size_t)r->n_repeats);
    int64_t now = bs_now_ms();
    int64_t t = r->time_ms ? r->time_ms : now;

    if ((rc = bs_db_begin(db)) < 0) return rc;
    int64_t sid = 0, pid = 0;
    sqlite3_stmt *st = NULL;
    char *rep = NULL;
    if ((rc = series_id(db, r, config, now, &sid)) < 0) goto fail;
    rc = bs_db_prepare(db,
        "INSERT INTO history_points(series_id, build_id, time_ms, version, value, repeats)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT(series_id, build_id) DO UPDATE SET time_ms = ?3, version = ?4,"
        "  value = ?5, repeats = ?6 RETURNING id", &st);
    if (rc < 0) goto fail;
    sqlite3_bind_int64(st, 1, sid);
    bs_db_bind_text(st, 2, r->build_id);
    sqlite3_bind_int64(st, 3, t);
    bs_db_bind_text(st, 4, r->version);
    if (isnan(value)) sqlite3_bind_null(st, 5); else sqlite3_bind_double(st, 5, value);
    if (r->n_repeats > 0) {
        rep = repeats_json(r->repeats, r->n_repeats);
        bs_db_bind_text(st, 6, rep);
    } else {
        sqlite3_bind_null(st, 6);
    }
    if (sqlite3_step(st) != SQLITE_ROW) { rc = bs_db_error(db, "history: point upsert"); goto fail; }
    pid = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    rc = bs_db_prepare(db, "DELETE FROM history_layers WHERE point_id = ?1", &st);
    if (rc < 0) goto fail;
    sqlite3_bind_int64(st, 1, pid);
    if (sqlite3_step(st) != SQLITE_DONE) { rc = bs_db_error(db, "history: layers"); goto fail; }
    sqlite3_finalize(st);
    st = NULL;
    if (r->n_layers > 0) {
        rc = bs_db_prepare(db, "INSERT OR REPLACE INTO history_layers(point_id, layer, value)"
                               " VALUES(?1, ?2, ?3)", &st);
        if (rc < 0) goto fail;
        for (int i = 0; i < r->n_layers; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, pid);
            bs_db_bind_text(st, 2, r->layers[i].name);
            if (isfinite(r->layers[i].value)) sqlite3_bind_double(st, 3, r->layers[i].value);
            else sqlite3_bind_null(st, 3);
            if (sqlite3_step(st) != SQLITE_DONE) { rc = bs_db_error(db, "history: layer insert"); goto fail; }
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    free(rep);
    return bs_db_commit(db);
fail:
    sqlite3_finalize(st);
    free(rep);
    bs_db_rollback(db);
    return rc;
}

/* ---- query ------------------------------------------------------------- */

void bs_hist_set_free(bs_hist_set *s)
{
    if (!s) return;
    bs_arena_free(&s->arena);
    free(s);
}

static const char *col_text(bs_arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? bs_arena_strdup(a, (const char *)t) : NULL;
}

static int parse_repeats(bs_arena *a, const char *txt, bs_hist_point *p)
{
    cJSON *j = cJSON_Parse(txt);
    if (!j || !cJSON_IsArray(j)) {
        cJSON_Delete(j);
        return bs_error_set(BS_ECORRUPT, "history: point %lld: repeats are not a JSON array",
                            (long long)p->id);
    }
    int n = cJSON_GetArraySize(j);
    double *v = bs_arena_alloc(a, (size_t)(n ? n : 1) * sizeof(double));
    if (!v) { cJSON_Delete(j); return BS_ENOMEM; }
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) if (cJSON_IsNumber(e)) v[k++] = e->valuedouble;
    cJSON_Delete(j);
    p->repeats = v;
    p->n_repeats = k;
    return 0;
}

typedef struct idpos { int64_t id; size_t pos; } idpos;
static int cmp_idpos(const void *a, const void *b)
{
    int64_t x = ((const idpos *)a)->id, y = ((const idpos *)b)->id;
    return (x > y) - (x < y);
}

static int load_points(sqlite3 *db, bs_arena *a, bs_hist_series *s)
{
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "SELECT id, build_id, time_ms, version, value, repeats"
                               " FROM history_points WHERE series_id = ?1 ORDER BY time_ms, id", &st);
    if (rc < 0) return rc;
    sqlite3_bind_int64(st, 1, s->id);
    size_t n = 0, cap = 0;
    bs_hist_point *pts = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            bs_hist_point *t = bs_arena_alloc(a, nc * sizeof(*t));
            if (!t) { rc = BS_ENOMEM; goto out; }
            if (n) memcpy(t, pts, n * sizeof(*t));
            pts = t; cap = nc;
        }
        bs_hist_point *p = &pts[n++];
        memset(p, 0, sizeof(*p));
        p->id = sqlite3_column_int64(st, 0);
        p->build_id = col_text(a, st, 1);
        p->time_ms = sqlite3_column_int64(st, 2);
        p->version = col_text(a, st, 3);
        p->value = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
        if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
            (rc = parse_repeats(a, (const char *)sqlite3_column_text(st, 5), p)) < 0)
            goto out;
    }
    if (step != SQLITE_DONE) { rc = bs_db_error(db, "history: loading points"); goto out; }
    sqlite3_finalize(st);
    st = NULL;
    s->points = pts;
    s->n = n;
    if (n == 0) return 0;

    /* per-layer values, attached to their points through a sorted id map */
    idpos *map = malloc(n * sizeof(idpos));
    if (!map) return BS_ENOMEM;
    for (size_t i = 0; i < n; i++) map[i] = (idpos){pts[i].id, i};
    qsort(map, n, sizeof(idpos), cmp_idpos);
    rc = bs_db_prepare(db, "SELECT l.point_id, l.layer, l.value FROM history_layers l"
                           " JOIN history_points p ON p.id = l.point_id"
                           " WHERE p.series_id = ?1 ORDER BY l.point_id, l.layer", &st);
    if (rc < 0) { free(map); return rc; }
    sqlite3_bind_int64(st, 1, s->id);
    /* two passes would need a re-query; grow per point instead */
    int64_t cur = -1;
    bs_hist_layer *buf = NULL;
    size_t nl = 0, capl = 0;
    bs_hist_point *cp = NULL;
    for (;;) {
        step = sqlite3_step(st);
        int64_t pid = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
        if (pid != cur && cp) {           /* flush the previous point */
            cp->layers = buf;
            cp->n_layers = (int)nl;
        }
        if (step != SQLITE_ROW) break;
        if (pid != cur) {
            cur = pid;
            idpos key = {pid, 0}, *hit = bsearch(&key, map, n, sizeof(idpos), cmp_idpos);
            cp = hit ? &pts[hit->pos] : NULL;
            buf = NULL; nl = 0; capl = 0;
        }
        if (!cp) continue;
        if (nl == capl) {
            size_t nc = capl ? capl * 2 : 16;
            bs_hist_layer *t = bs_arena_alloc(a, nc * sizeof(*t));
            if (!t) { rc = BS_ENOMEM; break; }
            if (nl) memcpy(t, buf, nl * sizeof(*t));
            buf = t; capl = nc;
        }
        buf[nl].name = col_text(a, st, 1);
        buf[nl].value = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2);
        nl++;
    }
    if (rc == 0 && step != SQLITE_DONE) rc = bs_db_error(db, "history: loading layers");
    free(map);
out:
    sqlite3_finalize(st);
    return rc;
}

int bs_history_query(sqlite3 *db, const bs_hist_filter *f, bs_hist_set **out)
{
    *out = NULL;
    bs_hist_set *set = calloc(1, sizeof(*set));
    if (!set) return bs_error_set(BS_ENOMEM, "history query");
    bs_arena_init(&set->arena, 0);
    bs_hist_filter none = {0};
    if (!f) f = &none;
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db,
        "SELECT id, model, platform, config, metric, direction FROM history_series"
        " WHERE (?1 IS NULL OR model = ?1) AND (?2 IS NULL OR platform = ?2)"
        "  AND (?3 IS NULL OR config = ?3) AND (?4 IS NULL OR metric = ?4)"
        " ORDER BY metric, model, platform, config", &st);
    if (rc < 0) goto fail;
    bs_db_bind_text(st, 1, f->model);
    bs_db_bind_text(st, 2, f->platform);
    bs_db_bind_text(st, 3, f->config);
    bs_db_bind_text(st, 4, f->metric);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (set->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            bs_hist_series *t = bs_arena_alloc(&set->arena, nc * sizeof(*t));
            if (!t) { rc = bs_error_set(BS_ENOMEM, "history query"); goto fail; }
            if (set->n) memcpy(t, set->series, set->n * sizeof(*t));
            set->series = t; cap = nc;
        }
        bs_hist_series *s = &set->series[set->n++];
        memset(s, 0, sizeof(*s));
        s->id = sqlite3_column_int64(st, 0);
        s->model = col_text(&set->arena, st, 1);
        s->platform = col_text(&set->arena, st, 2);
        s->config = col_text(&set->arena, st, 3);
        s->metric = col_text(&set->arena, st, 4);
        s->direction = (bs_hist_direction)sqlite3_column_int(st, 5);
    }
    if (step != SQLITE_DONE) { rc = bs_db_error(db, "history: query series"); goto fail; }
    sqlite3_finalize(st);
    st = NULL;
    for (size_t i = 0; i < set->n; i++)
        if ((rc = load_points(db, &set->arena, &set->series[i])) < 0) goto fail;
    *out = set;
    return 0;
fail:
    sqlite3_finalize(st);
    bs_hist_set_free(set);
    if (rc == BS_ENOMEM) bs_error_set(BS_ENOMEM, "history query: out of memory");
    return rc;
}

ptrdiff_t bs_hist_series_find(const bs_hist_series *s, const char *build_id)
{
    for (size_t i = s->n; i-- > 0;)
        if (s->points[i].build_id && strcmp(s->points[i].build_id, build_id) == 0) return (ptrdiff_t)i;
    return -1;
}

int bs_history_latest_build(sqlite3 *db, char **build_id)
{
    *build_id = NULL;
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "SELECT build_id FROM history_points ORDER BY time_ms DESC, id DESC"
                               " LIMIT 1", &st);
    if (rc < 0) return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *build_id = strdup((const char *)sqlite3_column_text(st, 0));
        rc = *build_id ? 0 : bs_error_set(BS_ENOMEM, "history");
    } else if (step == SQLITE_DONE) {
        rc = bs_error_set(BS_ENOTFOUND, "history: no points recorded yet");
    } else {
        rc = bs_db_error(db, "history: latest build");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- baselines ----------------------------------------------------------- */

int bs_history_baseline_set(sqlite3 *db, const char *name, const char *build_id)
{
    int rc;
    if (!name || !*name) return bs_error_set(BS_EINVAL, "baseline: empty name");
    if (!build_id || !*build_id) return bs_error_set(BS_EINVAL, "baseline %s: empty build id", name);
    sqlite3_stmt *st = NULL;
    if ((rc = bs_db_prepare(db, "SELECT 1 FROM history_points WHERE build_id = ?1 LIMIT 1", &st)) < 0)
        return rc;
    bs_db_bind_text(st, 1, build_id);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_DONE)
        return bs_error_set(BS_ENOTFOUND, "baseline %s: build '%s' has no recorded metrics", name, build_id);
    if (step != SQLITE_ROW) return bs_db_error(db, "baseline: build lookup");
    if ((rc = bs_db_prepare(db, "INSERT INTO history_baselines(name, build_id, created_ms)"
                                " VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET"
                                " build_id = ?2, created_ms = ?3", &st)) < 0)
        return rc;
    bs_db_bind_text(st, 1, name);
    bs_db_bind_text(st, 2, build_id);
    sqlite3_bind_int64(st, 3, bs_now_ms());
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : bs_db_error(db, "baseline: store");
    sqlite3_finalize(st);
    return rc;
}

int bs_history_baseline_get(sqlite3 *db, const char *name, char **build_id)
{
    *build_id = NULL;
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "SELECT build_id FROM history_baselines WHERE name = ?1", &st);
    if (rc < 0) return rc;
    bs_db_bind_text(st, 1, name);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *build_id = strdup((const char *)sqlite3_column_text(st, 0));
        rc = *build_id ? 0 : BS_ENOMEM;
    } else if (step == SQLITE_DONE) {
        rc = bs_error_set(BS_ENOTFOUND, "baseline '%s' is not set", name);
    } else {
        rc = bs_db_error(db, "baseline lookup");
    }
    sqlite3_finalize(st);
    return rc;
}

int bs_history_baseline_rm(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "DELETE FROM history_baselines WHERE name = ?1", &st);
    if (rc < 0) return rc;
    bs_db_bind_text(st, 1, name);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : bs_db_error(db, "baseline rm");
    sqlite3_finalize(st);
    if (rc == 0 && sqlite3_changes(db) == 0)
        rc = bs_error_set(BS_ENOTFOUND, "baseline '%s' is not set", name);
    return rc;
}

int bs_history_baseline_list(sqlite3 *db, bs_hist_baseline **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "SELECT name, build_id, created_ms FROM history_baselines ORDER BY name", &st);
    if (rc < 0) return rc;
    size_t cap = 0;
    bs_hist_baseline *v = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            bs_hist_baseline *t = realloc(v, nc * sizeof(*t));
            if (!t) { rc = bs_error_set(BS_ENOMEM, "baselines"); goto fail; }
            v = t; cap = nc;
        }
        bs_hist_baseline *b = &v[(*n)++];
        b->name = strdup((const char *)sqlite3_column_text(st, 0));
        b->build_id = strdup((const char *)sqlite3_column_text(st, 1));
        b->created_ms = sqlite3_column_int64(st, 2);
    }
    if (step != SQLITE_DONE) { rc = bs_db_error(db, "baselines"); goto fail; }
    sqlite3_finalize(st);
    *out = v;
    return 0;
fail:
    sqlite3_finalize(st);
    bs_hist_baselines_free(v, *n);
    *n = 0;
    return rc;
}

void bs_hist_baselines_free(bs_hist_baseline *b, size_t n)
{
    for (size_t i = 0; i < n; i++) { free(b[i].name); free(b[i].build_id); }
    free(b);
}
