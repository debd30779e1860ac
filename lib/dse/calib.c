/* calib.c - empirical calibration of FINN's resource estimates: (estimate,
 * measured) pairs per kernel op type, platform and resource in the
 * workspace database (module "calibration"), a least-squares correction
 * measured = a*estimate + b per group with its error (RMSE, MAPE, R^2,
 * leave-one-out RMSE) next to the raw estimate's error, and loading the fits
 * into a design (used only when asked: --calibrated). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/util.h"
#include "dse_int.h"

static const bs_migration migrations[] = {
    {1, "CREATE TABLE calibration_points("
        " id INTEGER PRIMARY KEY, kernel TEXT NOT NULL, platform TEXT NOT NULL, resource TEXT NOT NULL,"
        " estimate REAL NOT NULL, measured REAL NOT NULL, layer TEXT, source TEXT, created_ms INTEGER NOT NULL);"
        "CREATE INDEX calibration_points_key ON calibration_points(kernel, platform, resource);"
        "CREATE TABLE calibration_fits("
        " kernel TEXT NOT NULL, platform TEXT NOT NULL, resource TEXT NOT NULL, n INTEGER NOT NULL,"
        " a REAL NOT NULL, b REAL NOT NULL, kind TEXT NOT NULL, rmse REAL, rmse_raw REAL, mape REAL, mape_raw REAL,"
        " loo_rmse REAL, r2 REAL, created_ms INTEGER NOT NULL, PRIMARY KEY(kernel, platform, resource));"},
};

int bs_dse_calib_migrate(sqlite3 *db)
{
    return bs_db_migrate(db, "calibration", migrations, (int)(sizeof migrations / sizeof migrations[0]));
}

int bs_dse_calib_add(sqlite3 *db, const char *kernel, const char *platform, int res, double estimate,
                     double measured, const char *layer, const char *source)
{
    if (!kernel || !kernel[0] || !platform || !platform[0]) return bs_error_set(BS_EINVAL, "calibration: kernel and platform are required");
    if (res < 0 || res >= BS_DSE_NRES) return bs_error_set(BS_EINVAL, "calibration: unknown resource");
    if (!isfinite(estimate) || !isfinite(measured) || estimate < 0 || measured < 0)
        return bs_error_set(BS_EINVAL, "calibration: %s %s: estimate %g / measured %g must be finite and >= 0", kernel,
                            bs_dse_res_name(res), estimate, measured);
    int rc = bs_dse_calib_migrate(db);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = bs_db_prepare(db, "INSERT INTO calibration_points(kernel, platform, resource, estimate, measured, layer,"
                                " source, created_ms) VALUES(?,?,?,?,?,?,?,?)", &st)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, kernel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, platform, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, bs_dse_res_name(res), -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 4, estimate);
    sqlite3_bind_double(st, 5, measured);
    bs_db_bind_text(st, 6, layer);
    bs_db_bind_text(st, 7, source);
    sqlite3_bind_int64(st, 8, bs_now_ms());
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : bs_db_error(db, "calibration: insert");
    sqlite3_finalize(st);
    return rc;
}

/* A report value: number, or a string holding one (HLS reports). */
static bool val(const cJSON *o, const char *k, double *out)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsNumber(e)) { *out = e->valuedouble; return true; }
    if (cJSON_IsString(e)) {
        char *end;
        double v = strtod(e->valuestring, &end);
        if (end != e->valuestring) { *out = v; return true; }
    }
    return false;
}

/* "MVAU_hls_3" -> "MVAU_hls" */
static void kernel_of(const char *layer, char *buf, size_t n)
{
    snprintf(buf, n, "%s", layer);
    char *u = strrchr(buf, '_');
    if (u && u[1]) {
        char *q = u + 1;
        while (*q >= '0' && *q <= '9') q++;
        if (!*q) *u = 0;
    }
}

int bs_dse_calib_add_files(sqlite3 *db, const char *estimates, const char *measured, const char *platform,
                           const char *source, int *added)
{
    *added = 0;
    cJSON *est = NULL, *meas = NULL;
    int rc = bs_json_load_file(estimates, &est);
    if (rc < 0) return rc;
    if ((rc = bs_json_load_file(measured, &meas)) < 0) { cJSON_Delete(est); return rc; }
    if ((rc = bs_dse_calib_migrate(db)) < 0 || (rc = bs_db_begin(db)) < 0) goto out;
    const cJSON *m;
    int matched = 0;
    cJSON_ArrayForEach(m, meas) {
        if (!cJSON_IsObject(m) || !strcmp(m->string, "total") || !strcmp(m->string, "(top)")) continue;
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(est, m->string);
        if (!cJSON_IsObject(e)) continue;
        matched++;
        char kern[80];
        kernel_of(m->string, kern, sizeof kern);
        for (int r = 0; r < BS_DSE_NRES; r++) {
            double ev, mv = 0, x;
            if (!val(e, bs_dse_res_name(r), &ev)) continue;
            bool have = false;
            if (r == BS_DSE_BRAM) {
                /* post-synthesis: BRAM_36K counts two 18K halves */
                if (val(m, "BRAM_18K", &x)) { mv += x; have = true; }
                if (val(m, "BRAM_36K", &x)) { mv += 2 * x; have = true; }
            } else if (r == BS_DSE_DSP) {
                if (val(m, "DSP", &x)) { mv = x; have = true; }
                if (val(m, "DSP48E", &x) && x > mv) { mv = x; have = true; }
            } else {
                have = val(m, bs_dse_res_name(r), &mv);
            }
            if (!have) continue;
            if ((rc = bs_dse_calib_add(db, kern, platform, r, ev, mv, m->string, source)) < 0) {
                bs_db_rollback(db);
                goto out;
            }
            (*added)++;
        }
    }
    if (!matched) {
        bs_db_rollback(db);
        rc = bs_error_set(BS_EINVAL, "%s: no layer of it appears in %s (names must match)", measured, estimates);
        goto out;
    }
    rc = bs_db_commit(db);
out:
    cJSON_Delete(est);
    cJSON_Delete(meas);
    return rc;
}

int bs_dse_calib_add_dir(sqlite3 *db, const char *dir, const char *platform, const char *source, int *added)
{
    char e[4096], m[4096];
    snprintf(e, sizeof e, "%s/report/estimate_layer_resources.json", dir);
    bool hls = source && !strcmp(source, "hls");
    snprintf(m, sizeof m, "%s/report/%s", dir, hls ? "estimate_layer_resources_hls.json" : "post_synth_resources.json");
    FILE *f = fopen(m, "r");
    if (!f)
        return bs_error_set(BS_ENOTFOUND, "%s: no report/%s (measured per-layer resources%s)", dir,
                            hls ? "estimate_layer_resources_hls.json" : "post_synth_resources.json",
                            hls ? "" : "; use --source hls for HLS synthesis results");
    fclose(f);
    return bs_dse_calib_add_files(db, e, m, platform, source ? source : "synth", added);
}

/* ---- fitting ---- */

typedef struct { double a, b, rmse, rmse_raw, mape, mape_raw, loo, r2; const char *kind; } fit_t;

static void lsq(const double *e, const double *m, int n, int skip, double *a, double *b, const char **kind)
{
    double se = 0, sm = 0, see = 0, sem = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (i == skip) continue;
        se += e[i]; sm += m[i]; see += e[i] * e[i]; sem += e[i] * m[i];
        k++;
    }
    double me = se / k, mm = sm / k, var = see / k - me * me;
    if (k >= 2 && var > 1e-9 * (1 + me * me)) {
        *a = (sem / k - me * mm) / var;
        *b = mm - *a * me;
        *kind = "linear";
    } else if (see > 0) {
        *a = sem / see;
        *b = 0;
        *kind = "ratio";
    } else {
        *a = 1;
        *b = mm;
        *kind = "offset";
    }
}

static void fit_group(const double *e, const double *m, int n, fit_t *f)
{
    lsq(e, m, n, -1, &f->a, &f->b, &f->kind);
    double ss = 0, ssr = 0, mp = 0, mpr = 0, mean = 0, sst = 0;
    int nm = 0;
    for (int i = 0; i < n; i++) mean += m[i] / n;
    for (int i = 0; i < n; i++) {
        double pr = f->a * e[i] + f->b;
        ss += (m[i] - pr) * (m[i] - pr);
        ssr += (m[i] - e[i]) * (m[i] - e[i]);
        sst += (m[i] - mean) * (m[i] - mean);
        if (m[i] != 0) { mp += fabs(m[i] - pr) / fabs(m[i]); mpr += fabs(m[i] - e[i]) / fabs(m[i]); nm++; }
    }
    f->rmse = sqrt(ss / n);
    f->rmse_raw = sqrt(ssr / n);
    f->mape = nm ? mp / nm : NAN;
    f->mape_raw = nm ? mpr / nm : NAN;
    f->r2 = sst > 0 ? 1 - ss / sst : NAN;
    f->loo = NAN;
    if (n >= 3) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double a, b;
            const char *kd;
            lsq(e, m, n, i, &a, &b, &kd);
            double pr = a * e[i] + b;
            s += (m[i] - pr) * (m[i] - pr);
        }
        f->loo = sqrt(s / n);
    }
}

static void add_num_or_null(cJSON *o, const char *k, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

int bs_dse_calib_fit(sqlite3 *db, const char *kernel, const char *platform, cJSON **out)
{
    *out = NULL;
    int rc = bs_dse_calib_migrate(db);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = bs_db_prepare(db, "SELECT kernel, platform, resource, estimate, measured FROM calibration_points"
                                " WHERE (?1 IS NULL OR kernel = ?1) AND (?2 IS NULL OR platform = ?2)"
                                " ORDER BY kernel, platform, resource, id", &st)) < 0)
        return rc;
    bs_db_bind_text(st, 1, kernel);
    bs_db_bind_text(st, 2, platform);
    cJSON *arr = cJSON_CreateArray();
    double *e = NULL, *m = NULL;
    int n = 0, cap = 0;
    char gk[128] = "", gp[128] = "", gr[32] = "";
    bool more = true;
    if ((rc = bs_db_begin(db)) < 0) { sqlite3_finalize(st); cJSON_Delete(arr); return rc; }
    while (more) {
        int s = sqlite3_step(st);
        if (s != SQLITE_ROW && s != SQLITE_DONE) { rc = bs_db_error(db, "calibration: read points"); break; }
        more = s == SQLITE_ROW;
        const char *k = more ? (const char *)sqlite3_column_text(st, 0) : "";
        const char *p = more ? (const char *)sqlite3_column_text(st, 1) : "";
        const char *r = more ? (const char *)sqlite3_column_text(st, 2) : "";
        bool same = more && !strcmp(k, gk) && !strcmp(p, gp) && !strcmp(r, gr);
        if (!same && n > 0) {
            cJSON *g = cJSON_CreateObject();
            cJSON_AddStringToObject(g, "kernel", gk);
            cJSON_AddStringToObject(g, "platform", gp);
            cJSON_AddStringToObject(g, "resource", gr);
            cJSON_AddNumberToObject(g, "n", n);
            if (n < 2) {
                cJSON_AddStringToObject(g, "status", "not fitted: needs >= 2 points");
            } else {
                fit_t f;
                fit_group(e, m, n, &f);
                cJSON_AddStringToObject(g, "status", "fitted");
                cJSON_AddStringToObject(g, "kind", f.kind);
                cJSON_AddNumberToObject(g, "a", f.a);
                cJSON_AddNumberToObject(g, "b", f.b);
                cJSON_AddNumberToObject(g, "rmse", f.rmse);
                cJSON_AddNumberToObject(g, "rmse_raw_estimate", f.rmse_raw);
                add_num_or_null(g, "mape", f.mape);
                add_num_or_null(g, "mape_raw_estimate", f.mape_raw);
                add_num_or_null(g, "loo_rmse", f.loo);
                add_num_or_null(g, "r2", f.r2);
                sqlite3_stmt *w;
                if ((rc = bs_db_prepare(db, "INSERT OR REPLACE INTO calibration_fits(kernel, platform, resource, n, a, b,"
                                            " kind, rmse, rmse_raw, mape, mape_raw, loo_rmse, r2, created_ms)"
                                            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &w)) < 0) break;
                sqlite3_bind_text(w, 1, gk, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(w, 2, gp, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(w, 3, gr, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(w, 4, n);
                sqlite3_bind_double(w, 5, f.a);
                sqlite3_bind_double(w, 6, f.b);
                sqlite3_bind_text(w, 7, f.kind, -1, SQLITE_STATIC);
                sqlite3_bind_double(w, 8, f.rmse);
                sqlite3_bind_double(w, 9, f.rmse_raw);
                if (isfinite(f.mape)) sqlite3_bind_double(w, 10, f.mape);
                if (isfinite(f.mape_raw)) sqlite3_bind_double(w, 11, f.mape_raw);
                if (isfinite(f.loo)) sqlite3_bind_double(w, 12, f.loo);
                if (isfinite(f.r2)) sqlite3_bind_double(w, 13, f.r2);
                sqlite3_bind_int64(w, 14, bs_now_ms());
                int ws = sqlite3_step(w);
                sqlite3_finalize(w);
                if (ws != SQLITE_DONE) { rc = bs_db_error(db, "calibration: store fit"); break; }
            }
            cJSON_AddItemToArray(arr, g);
            n = 0;
        }
        if (!more) break;
        if (!same) {
            snprintf(gk, sizeof gk, "%s", k);
            snprintf(gp, sizeof gp, "%s", p);
            snprintf(gr, sizeof gr, "%s", r);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            double *ne = realloc(e, (size_t)cap * sizeof *e), *nm2 = ne ? realloc(m, (size_t)cap * sizeof *m) : NULL;
            if (ne) e = ne;
            if (!ne || !nm2) { rc = bs_error_set(BS_ENOMEM, "calibration: out of memory"); break; }
            m = nm2;
        }
        e[n] = sqlite3_column_double(st, 3);
        m[n] = sqlite3_column_double(st, 4);
        n++;
    }
    sqlite3_finalize(st);
    free(e);
    free(m);
    if (rc < 0) { bs_db_rollback(db); cJSON_Delete(arr); return rc; }
    if ((rc = bs_db_commit(db)) < 0) { cJSON_Delete(arr); return rc; }
    if (cJSON_GetArraySize(arr) == 0) {
        cJSON_Delete(arr);
        return bs_error_set(BS_ENOTFOUND, "calibration: no points%s%s%s%s (add some with `calibrate add`)",
                            kernel ? " for kernel " : "", kernel ? kernel : "", platform ? " on " : "", platform ? platform : "");
    }
    *out = arr;
    return 0;
}

int bs_dse_calib_show(sqlite3 *db, cJSON **out)
{
    *out = NULL;
    int rc = bs_dse_calib_migrate(db);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    cJSON *o = cJSON_CreateObject(), *pts = cJSON_AddArrayToObject(o, "points"), *fits = cJSON_AddArrayToObject(o, "fits");
    if ((rc = bs_db_prepare(db, "SELECT kernel, platform, resource, count(*), avg(estimate), avg(measured)"
                                " FROM calibration_points GROUP BY kernel, platform, resource ORDER BY 1, 2, 3", &st)) < 0) {
        cJSON_Delete(o);
        return rc;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "kernel", (const char *)sqlite3_column_text(st, 0));
        cJSON_AddStringToObject(g, "platform", (const char *)sqlite3_column_text(st, 1));
        cJSON_AddStringToObject(g, "resource", (const char *)sqlite3_column_text(st, 2));
        cJSON_AddNumberToObject(g, "n", sqlite3_column_int(st, 3));
        cJSON_AddNumberToObject(g, "mean_estimate", sqlite3_column_double(st, 4));
        cJSON_AddNumberToObject(g, "mean_measured", sqlite3_column_double(st, 5));
        cJSON_AddItemToArray(pts, g);
    }
    sqlite3_finalize(st);
    if ((rc = bs_db_prepare(db, "SELECT kernel, platform, resource, n, a, b, kind, rmse, rmse_raw, mape, mape_raw,"
                                " loo_rmse, r2 FROM calibration_fits ORDER BY 1, 2, 3", &st)) < 0) {
        cJSON_Delete(o);
        return rc;
    }
    static const char *const cols[] = {"kernel", "platform", "resource", "n", "a", "b", "kind", "rmse",
                                       "rmse_raw_estimate", "mape", "mape_raw_estimate", "loo_rmse", "r2"};
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *g = cJSON_CreateObject();
        for (int c = 0; c < 13; c++) {
            int t = sqlite3_column_type(st, c);
            if (t == SQLITE_NULL) cJSON_AddNullToObject(g, cols[c]);
            else if (t == SQLITE_TEXT) cJSON_AddStringToObject(g, cols[c], (const char *)sqlite3_column_text(st, c));
            else cJSON_AddNumberToObject(g, cols[c], sqlite3_column_double(st, c));
        }
        cJSON_AddItemToArray(fits, g);
    }
    sqlite3_finalize(st);
    *out = o;
    return 0;
}

int bs_dse_calib_apply(bs_dse_design *d, sqlite3 *db)
{
    int rc = bs_dse_calib_migrate(db);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = bs_db_prepare(db, "SELECT a, b, rmse, n FROM calibration_fits WHERE kernel = ? AND platform = ? AND resource = ?",
                            &st)) < 0)
        return rc;
    int applied = 0;
    for (int i = 0; i < d->n; i++)
        for (int v = 0; v < d->nodes[i].nvar; v++)
            for (int r = 0; r < BS_DSE_NRES; r++) {
                sqlite3_reset(st);
                sqlite3_bind_text(st, 1, d->nodes[i].var[v]->op_type, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, d->plat->name, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, bs_dse_res_name(r), -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW) {
                    bs_dse_node *nd = &d->nodes[i];
                    nd->cal[v][r] = true;
                    nd->cal_a[v][r] = sqlite3_column_double(st, 0);
                    nd->cal_b[v][r] = sqlite3_column_double(st, 1);
                    nd->cal_rmse[v][r] = sqlite3_column_double(st, 2);
                    nd->cal_n[v][r] = sqlite3_column_int(st, 3);
                    applied++;
                }
            }
    sqlite3_finalize(st);
    d->calibrated = applied > 0;
    if (!applied)
        bs_log(BS_LOG_WARN, "calibration: no fits for the kernels of this model on %s; FINN estimates used "
               "(see `brainsmith calibrate show`)", d->plat->name);
    return 0;
}

cJSON *dse_calib_json(const bs_dse_design *d)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < d->n; i++)
        for (int v = 0; v < d->nodes[i].nvar; v++)
            for (int r = 0; r < BS_DSE_NRES; r++) {
                const bs_dse_node *nd = &d->nodes[i];
                if (!nd->cal[v][r]) continue;
                bool dup = false;
                const cJSON *e;
                cJSON_ArrayForEach(e, a)
                    dup |= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "kernel")), nd->var[v]->op_type) &&
                           !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "resource")), bs_dse_res_name(r));
                if (dup) continue;
                cJSON *f = cJSON_CreateObject();
                cJSON_AddStringToObject(f, "kernel", nd->var[v]->op_type);
                cJSON_AddStringToObject(f, "resource", bs_dse_res_name(r));
                cJSON_AddNumberToObject(f, "a", nd->cal_a[v][r]);
                cJSON_AddNumberToObject(f, "b", nd->cal_b[v][r]);
                cJSON_AddNumberToObject(f, "n", nd->cal_n[v][r]);
                cJSON_AddNumberToObject(f, "rmse", nd->cal_rmse[v][r]);
                cJSON_AddItemToArray(a, f);
            }
    return a;
}
