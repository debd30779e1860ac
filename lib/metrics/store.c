/* store.c - metric values and parse errors in the workspace database.
 *
 * Tables of module "metrics" (migrations below, applied by
 * bs_metrics_migrate):
 *   metric_values(build_id, metric, scope, value, text, source, estimated, rank)
 *       one row per (build, metric, scope); scope '' is the whole build.
 *   metric_errors(build_id, file, line, message)
 * Rows go with their build (ON DELETE CASCADE).  bs_metrics_publish puts
 * the same values on the event bus for the history engine. */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"
#include "brainsmith/util.h"

static const bs_migration metrics_migrations[] = {
    {1, "CREATE TABLE metric_values("
        " build_id TEXT NOT NULL REFERENCES builds(id) ON DELETE CASCADE,"
        " metric TEXT NOT NULL,"
        " scope TEXT NOT NULL DEFAULT '',"
        " value REAL,"
        " text TEXT,"
        " source TEXT,"
        " estimated INTEGER NOT NULL DEFAULT 0,"
        " rank INTEGER NOT NULL DEFAULT 0,"
        " created_ms INTEGER NOT NULL,"
        " PRIMARY KEY(build_id, metric, scope)) WITHOUT ROWID;"
        "CREATE INDEX metric_values_metric ON metric_values(metric, build_id);"
        "CREATE TABLE metric_errors("
        " build_id TEXT NOT NULL REFERENCES builds(id) ON DELETE CASCADE,"
        " file TEXT NOT NULL,"
        " line INTEGER NOT NULL DEFAULT 0,"
        " message TEXT NOT NULL);"
        "CREATE INDEX metric_errors_build ON metric_errors(build_id);"},
};

int bs_metrics_migrate(sqlite3 *db)
{
    return bs_db_migrate(db, "metrics", metrics_migrations,
                         (int)(sizeof metrics_migrations / sizeof metrics_migrations[0]));
}

int bs_metrics_store(sqlite3 *db, const char *build_id, const bs_metric_set *s)
{
    int rc = bs_metrics_migrate(db);
    if (rc)
        return rc;
    if ((rc = bs_db_begin(db)))
        return rc;
    sqlite3_stmt *del = NULL, *ins = NULL, *delerr = NULL, *inserr = NULL;
    int64_t now = bs_now_ms();
    if ((rc = bs_db_prepare(db, "DELETE FROM metric_values WHERE build_id = ?1", &del)) ||
        (rc = bs_db_prepare(db, "DELETE FROM metric_errors WHERE build_id = ?1", &delerr)) ||
        (rc = bs_db_prepare(db, "INSERT OR REPLACE INTO metric_values(build_id, metric, scope, value,"
                                " text, source, estimated, rank, created_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                            &ins)) ||
        (rc = bs_db_prepare(db, "INSERT INTO metric_errors(build_id, file, line, message) VALUES(?1,?2,?3,?4)",
                            &inserr)))
        goto out;
    sqlite3_bind_text(del, 1, build_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(delerr, 1, build_id, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE || sqlite3_step(delerr) != SQLITE_DONE) {
        rc = bs_db_error(db, "metrics: clearing old values");
        goto out;
    }
    for (size_t i = 0; i < s->n; i++) {
        const bs_metric_val *v = &s->v[i];
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, build_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, v->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, v->scope, -1, SQLITE_STATIC);
        if (isnan(v->value))
            sqlite3_bind_null(ins, 4);
        else
            sqlite3_bind_double(ins, 4, v->value);
        bs_db_bind_text(ins, 5, v->text);
        bs_db_bind_text(ins, 6, v->source);
        sqlite3_bind_int(ins, 7, v->estimated);
        sqlite3_bind_int(ins, 8, v->rank);
        sqlite3_bind_int64(ins, 9, now);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            rc = bs_db_error(db, "metrics: storing a value");
            goto out;
        }
    }
    for (size_t i = 0; i < s->nerr; i++) {
        sqlite3_reset(inserr);
        sqlite3_bind_text(inserr, 1, build_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(inserr, 2, s->err[i].file, -1, SQLITE_STATIC);
        sqlite3_bind_int(inserr, 3, s->err[i].line);
        sqlite3_bind_text(inserr, 4, s->err[i].msg, -1, SQLITE_STATIC);
        if (sqlite3_step(inserr) != SQLITE_DONE) {
            rc = bs_db_error(db, "metrics: storing a parse error");
            goto out;
        }
    }
out:
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_finalize(delerr);
    sqlite3_finalize(inserr);
    if (rc) {
        bs_db_rollback(db);
        return rc;
    }
    return bs_db_commit(db);
}

int bs_metrics_load(sqlite3 *db, const char *build_id, bs_metric_set *s)
{
    int rc = bs_metrics_migrate(db);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = bs_db_prepare(db, "SELECT metric, scope, value, text, source, estimated, rank"
                                " FROM metric_values WHERE build_id = ?1 ORDER BY metric, scope", &st)))
        return rc;
    sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *scope = (const char *)sqlite3_column_text(st, 1);
        const char *text = (const char *)sqlite3_column_text(st, 3);
        const char *src = (const char *)sqlite3_column_text(st, 4);
        if (!bs_metric_find(id))
            continue;   /* a metric a newer/older brainsmith knew: keep it in the db, skip here */
        if (text)
            rc = bs_metrics_put_text(s, id, scope, text, src, sqlite3_column_int(st, 6));
        else if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            rc = bs_metrics_put(s, id, scope, sqlite3_column_double(st, 2), src, sqlite3_column_int(st, 6),
                                sqlite3_column_int(st, 5) != 0);
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = bs_db_error(db, "metrics: loading values");
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if ((rc = bs_db_prepare(db, "SELECT file, line, message FROM metric_errors WHERE build_id = ?1"
                                " ORDER BY rowid", &st)))
        return rc;
    sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        bs_metrics_error(s, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1), "%s",
                         (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    bs_error_clear();
    return 0;
}

int bs_metrics_publish(bs_bus *bus, const char *build_id, const char *model, const char *platform,
                       const char *config, const bs_metric_set *s)
{
    int n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const bs_metric_val *v = &s->v[i];
        if (*v->scope || v->text || isnan(v->value))
            continue;
        const bs_metric_def *d = bs_metric_find(v->id);
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return bs_error_set(BS_ENOMEM, "metrics: out of memory");
        /* the history keys series by model and platform: never empty */
        cJSON_AddStringToObject(o, "model", model && *model ? model : "unknown");
        cJSON_AddStringToObject(o, "platform", platform && *platform ? platform : "unknown");
        if (config)
            cJSON_AddStringToObject(o, "config", config);
        cJSON_AddStringToObject(o, "metric", v->id);
        cJSON_AddNumberToObject(o, "value", v->value);
        if (d && d->better != BS_BETTER_NONE)
            cJSON_AddStringToObject(o, "direction", bs_better_name(d->better));
        cJSON *layers = NULL;
        for (size_t k = 0; k < s->n; k++) {
            const bs_metric_val *w = &s->v[k];
            /* layers: scoped values of the same metric, not SLRs or hierarchy paths */
            if (w->id != v->id || !*w->scope || isnan(w->value) || strchr(w->scope, '/') ||
                !strncmp(w->scope, "SLR", 3))
                continue;
            if (!layers)
                layers = cJSON_AddObjectToObject(o, "layers");
            if (layers && !cJSON_GetObjectItemCaseSensitive(layers, w->scope))
                cJSON_AddNumberToObject(layers, w->scope, w->value);
        }
        char *txt = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!txt)
            return bs_error_set(BS_ENOMEM, "metrics: out of memory");
        bs_bus_emit(bus, "metric", build_id, 0, txt);
        free(txt);
        n++;
    }
    return n;
}
