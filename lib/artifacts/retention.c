/* retention.c - retention policies and the retention plan.
 *
 * Policies are rows of artifact_policies (scope, kind, parameters).  The plan
 * decides, for every artifact, whether the rules keep it: any keep rule
 * (last N, best K by a metric, max age, pin) governing it keeps it, a name no
 * keep rule governs keeps everything, name-scoped rules replace the
 * workspace ("*") rules, byte caps then trim the oldest; pinned and leased
 * artifacts are always kept.  gc.c deletes what the plan drops. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art_int.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

/* ---- policies ---- */

static const char *const pol_names[] = {"last", "best", "age", "bytes", "pin"};

const char *bs_pol_kind_name(bs_pol_kind k)
{
    return (unsigned)k < sizeof pol_names / sizeof *pol_names ? pol_names[k] : "?";
}

static int pol_kind_parse(const char *s, bs_pol_kind *k)
{
    for (size_t i = 0; i < sizeof pol_names / sizeof *pol_names; i++)
        if (!strcmp(s, pol_names[i])) {
            *k = (bs_pol_kind)i;
            return 0;
        }
    return bs_error_set(BS_EINVAL, "policy: unknown kind '%s' (last, best, age, bytes, pin)", s);
}

int bs_art_policy_set(bs_art_store *s, const bs_art_policy *p)
{
    const char *scope = p->scope && *p->scope ? p->scope : "*";
    if (strlen(scope) > 200)
        return bs_error_set(BS_EINVAL, "policy: scope too long");
    if ((p->kind == BS_POL_LAST || p->kind == BS_POL_BEST) && p->n < 1)
        return bs_error_set(BS_EINVAL, "policy %s: count must be >= 1", bs_pol_kind_name(p->kind));
    if (p->kind == BS_POL_BYTES && p->n < 0)
        return bs_error_set(BS_EINVAL, "policy bytes: cap must be >= 0");
    if (p->kind == BS_POL_AGE && p->age_ms <= 0)
        return bs_error_set(BS_EINVAL, "policy age: age must be > 0");
    if (p->kind == BS_POL_BEST && (!p->metric || !*p->metric))
        return bs_error_set(BS_EINVAL, "policy best: a metric is required");
    if ((unsigned)p->kind > BS_POL_PIN)
        return bs_error_set(BS_EINVAL, "policy: bad kind %d", (int)p->kind);
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db,
                           "INSERT INTO artifact_policies(scope, kind, n, age_ms, metric, "
                           "higher_better, created_ms) VALUES(?,?,?,?,?,?,?) "
                           "ON CONFLICT(scope, kind) DO UPDATE SET n=excluded.n, "
                           "age_ms=excluded.age_ms, metric=excluded.metric, "
                           "higher_better=excluded.higher_better, created_ms=excluded.created_ms",
                           &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, bs_pol_kind_name(p->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, p->n);
    sqlite3_bind_int64(st, 4, p->age_ms);
    bs_db_bind_text(st, 5, p->kind == BS_POL_BEST ? p->metric : NULL);
    sqlite3_bind_int(st, 6, p->higher_better);
    sqlite3_bind_int64(st, 7, bs_now_ms());
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "policy: set");
    sqlite3_finalize(st);
    return rc;
}

int bs_art_policy_rm(bs_art_store *s, const char *scope, const char *kind, int *count)
{
    bs_pol_kind k;
    int rc = kind ? pol_kind_parse(kind, &k) : 0;
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(s->db,
                                  kind ? "DELETE FROM artifact_policies WHERE scope=? AND kind=?"
                                       : "DELETE FROM artifact_policies WHERE scope=?",
                                  &st)))
        return rc;
    sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "policy: rm");
    else if (count)
        *count = sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return rc;
}

int bs_art_policy_list(bs_art_store *s, bs_arena *a, bs_art_policy **out, int *n)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT id, scope, kind, n, age_ms, metric, higher_better FROM "
                                  "artifact_policies ORDER BY scope, kind", &st);
    if (rc)
        return rc;
    int cnt = 0, cap = 0;
    bs_art_policy *v = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 8;
            bs_art_policy *nv = bs_arena_alloc(a, sizeof *nv * (size_t)cap);
            if (!nv) {
                rc = bs_error_set(BS_ENOMEM, "policy: list");
                break;
            }
            if (cnt)
                memcpy(nv, v, sizeof *nv * (size_t)cnt);
            v = nv;
        }
        bs_art_policy *p = &v[cnt++];
        memset(p, 0, sizeof *p);
        p->id = sqlite3_column_int64(st, 0);
        p->scope = bs_arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        if (pol_kind_parse((const char *)sqlite3_column_text(st, 2), &p->kind))
            p->kind = BS_POL_PIN; /* unknown kind from a newer version: keep everything */
        p->n = sqlite3_column_int64(st, 3);
        p->age_ms = sqlite3_column_int64(st, 4);
        const unsigned char *m = sqlite3_column_text(st, 5);
        p->metric = m ? bs_arena_strdup(a, (const char *)m) : NULL;
        p->higher_better = sqlite3_column_int(st, 6) != 0;
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    *out = v;
    *n = cnt;
    return 0;
}

/* ---- retention ---- */

static int cmp_name_ver(const void *x, const void *y)
{
    const art_keep_row *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (b->version - a->version); /* newest version first */
}

static const bs_art_policy *g_best_pol; /* qsort has no user data: only used below */

static int cmp_best(const void *x, const void *y)
{
    const art_keep_row *a = *(art_keep_row *const *)x, *b = *(art_keep_row *const *)y;
    bool an = isnan(a->val), bn = isnan(b->val);
    if (an != bn)
        return an ? 1 : -1;
    if (!an && a->val != b->val)
        return (g_best_pol->higher_better ? a->val > b->val : a->val < b->val) ? -1 : 1;
    return b->version - a->version;
}

static int cmp_newest(const void *x, const void *y)
{
    const art_keep_row *a = *(art_keep_row *const *)x, *b = *(art_keep_row *const *)y;
    if (a->created != b->created)
        return a->created > b->created ? -1 : 1;
    return a->id > b->id ? -1 : a->id < b->id;
}

/* Does policy p govern artifact name?  Name-scoped policies that match the
 * name replace the workspace ("*") ones, except byte caps, which always
 * apply to everything their scope matches. */
static bool governs(const bs_art_policy *pols, int npol, const bs_art_policy *p, const char *name)
{
    if (p->kind == BS_POL_BYTES)
        return art_glob(p->scope, name);
    bool named = false;
    for (int i = 0; i < npol; i++)
        if (pols[i].kind != BS_POL_BYTES && strcmp(pols[i].scope, "*") &&
            art_glob(pols[i].scope, name))
            named = true;
    if (named)
        return strcmp(p->scope, "*") && art_glob(p->scope, name);
    return !strcmp(p->scope, "*");
}

static int best_values(bs_art_store *s, art_keep_row *rows, int n, const char *metric)
{
    for (int i = 0; i < n; i++)
        rows[i].val = NAN;
    if (art_metric_view(s))
        return bs_error_set(BS_ENOTFOUND, "retention: policy 'best by %s' needs the metrics "
                            "table metric_values, which this workspace lacks; refusing to "
                            "drop anything", metric);
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT value FROM art_metric_v WHERE build_id=? AND "
                                  "metric=? AND layer IS NULL LIMIT 1", &st);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++) {
        if (!rows[i].build)
            continue;
        sqlite3_bind_text(st, 1, rows[i].build, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            rows[i].val = sqlite3_column_double(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Marks rows[].keep per the policies; leased digests are kept too. */
int art_plan(bs_art_store *s, bs_arena *a, const art_strset *leased, art_keep_row **rows_out,
                int *nrows_out)
{
    bs_art_policy *pols = NULL;
    int npol = 0;
    int rc = bs_art_policy_list(s, a, &pols, &npol);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = bs_db_prepare(s->db, "SELECT id, name, version, digest, build_id, size, created_ms, "
                                   "pinned FROM artifacts", &st)))
        return rc;
    int n = 0, cap = 0;
    art_keep_row *rows = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            art_keep_row *nv = bs_arena_alloc(a, sizeof *nv * (size_t)cap);
            if (!nv) {
                sqlite3_finalize(st);
                return bs_error_set(BS_ENOMEM, "retention");
            }
            if (n)
                memcpy(nv, rows, sizeof *nv * (size_t)n);
            rows = nv;
        }
        art_keep_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->name = bs_arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        r->version = sqlite3_column_int(st, 2);
        r->digest = bs_arena_strdup(a, (const char *)sqlite3_column_text(st, 3));
        const unsigned char *b = sqlite3_column_text(st, 4);
        r->build = b ? bs_arena_strdup(a, (const char *)b) : NULL;
        r->size = sqlite3_column_int64(st, 5);
        r->created = sqlite3_column_int64(st, 6);
        r->pinned = sqlite3_column_int(st, 7) != 0;
    }
    sqlite3_finalize(st);
    if (n)
        qsort(rows, (size_t)n, sizeof *rows, cmp_name_ver);
    art_keep_row **grp = bs_arena_alloc(a, sizeof *grp * (size_t)(n + 1));
    int64_t now = bs_now_ms();

    /* Keep rules: an artifact survives if any rule governing it keeps it, or
     * no keep rule governs it at all. */
    for (int i = 0; i < n; i++) {
        art_keep_row *r = &rows[i];
        bool governed = false, keep = r->pinned || art_ss_has(leased, r->digest);
        for (int k = 0; k < npol && !keep; k++) {
            const bs_art_policy *p = &pols[k];
            if (p->kind == BS_POL_BYTES || p->kind == BS_POL_BEST || !governs(pols, npol, p, r->name))
                continue;
            governed = true;
            if (p->kind == BS_POL_PIN)
                keep = true;
            else if (p->kind == BS_POL_AGE)
                keep = now - r->created < p->age_ms;
            else if (p->kind == BS_POL_LAST) {
                /* rows of one name are adjacent, newest version first */
                int rank = 0;
                for (int j = i - 1; j >= 0 && !strcmp(rows[j].name, r->name); j--)
                    rank++;
                keep = rank < p->n;
            }
        }
        for (int k = 0; k < npol; k++)
            if (pols[k].kind == BS_POL_BEST && governs(pols, npol, &pols[k], r->name))
                governed = true;
        r->keep = keep || !governed;
        r->pol_set = governed;
    }
    /* best K per name, for each BEST policy */
    for (int k = 0; k < npol; k++) {
        const bs_art_policy *p = &pols[k];
        if (p->kind != BS_POL_BEST)
            continue;
        if ((rc = best_values(s, rows, n, p->metric)))
            return rc;
        for (int i = 0; i < n;) {
            int j = i, g = 0;
            while (j < n && !strcmp(rows[j].name, rows[i].name))
                j++;
            if (governs(pols, npol, p, rows[i].name)) {
                for (int x = i; x < j; x++)
                    grp[g++] = &rows[x];
                g_best_pol = p;
                qsort(grp, (size_t)g, sizeof *grp, cmp_best);
                for (int x = 0; x < g && x < p->n; x++)
                    if (!isnan(grp[x]->val))
                        grp[x]->keep = true;
            }
            i = j;
        }
    }
    /* byte caps: newest first within the scope; pinned/leased count first */
    for (int k = 0; k < npol; k++) {
        const bs_art_policy *p = &pols[k];
        if (p->kind != BS_POL_BYTES)
            continue;
        int g = 0;
        int64_t used = 0;
        for (int i = 0; i < n; i++)
            if (rows[i].keep && art_glob(p->scope, rows[i].name)) {
                if (rows[i].pinned || art_ss_has(leased, rows[i].digest))
                    used += rows[i].size;
                else
                    grp[g++] = &rows[i];
            }
        if (g)
            qsort(grp, (size_t)g, sizeof *grp, cmp_newest);
        for (int x = 0; x < g; x++) {
            if (used + grp[x]->size <= p->n)
                used += grp[x]->size;
            else
                grp[x]->keep = false;
        }
    }
    *rows_out = rows;
    *nrows_out = n;
    return 0;
}

int bs_art_retention_plan(bs_art_store *s, bs_arena *a, int64_t **ids, int *n)
{
    art_strset live = {0};
    int64_t *dead;
    int ndead, nrows;
    art_keep_row *rows;
    int rc = art_scan_leases(s, a, &live, &dead, &ndead);
    if (rc)
        return rc;
    art_ss_sort(&live);
    if ((rc = art_plan(s, a, &live, &rows, &nrows)))
        return rc;
    int64_t *v = bs_arena_alloc(a, sizeof *v * (size_t)(nrows + 1));
    int k = 0;
    for (int i = 0; i < nrows; i++)
        if (!rows[i].keep)
            v[k++] = rows[i].id;
    *ids = v;
    *n = k;
    return 0;
}

