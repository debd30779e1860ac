/* gc.c - leases, retention policies and the garbage collector.
 *
 * Safety rests on one lock and three kinds of roots (docs/artifacts.md):
 *  - cas/lock is taken shared by whoever establishes a reference (put until
 *    its index row is committed, lease acquisition) and exclusively by gc for
 *    its whole mark + sweep, so gc never sees a half-established reference;
 *  - roots are the artifacts kept after retention, pinned artifacts and live
 *    leases (a reading process, or a queued/running task);
 *  - a blob younger than the grace period is never swept, which covers
 *    callers of the raw bs_cas_put_* API that index later;
 *  - temp files are swept only when their writer's flock is gone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "art_int.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

/* ---- leases ---- */

int bs_art_lease(bs_art_store *s, const char *digest, int64_t task_id, int64_t ttl_ms,
                 const char *note, int64_t *lease_id)
{
    if (!art_is_digest(digest))
        return bs_error_set(BS_EINVAL, "lease: '%s' is not a SHA-256 digest", digest);
    int rc = art_lock_shared(s);
    if (rc)
        return rc;
    /* Under the shared lock gc is not sweeping: if the blob is here now, it
     * stays until the lease is released. */
    if (!bs_cas_has(s, digest)) {
        art_unlock_shared(s);
        return bs_error_set(BS_ENOTFOUND, "lease: blob %s is not in the store", digest);
    }
    sqlite3_stmt *st;
    rc = bs_db_prepare(s->db,
                       "INSERT INTO artifact_leases(digest, pid, pid_start, task_id, expires_ms, "
                       "note, created_ms) VALUES(?,?,?,?,?,?,?)",
                       &st);
    if (rc == 0) {
        int64_t now = bs_now_ms();
        pid_t pid = task_id ? 0 : getpid();
        sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, pid);
        sqlite3_bind_int64(st, 3, pid ? bs_proc_start_ticks(pid) : 0);
        sqlite3_bind_int64(st, 4, task_id);
        sqlite3_bind_int64(st, 5, ttl_ms > 0 ? now + ttl_ms : 0);
        bs_db_bind_text(st, 6, note);
        sqlite3_bind_int64(st, 7, now);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(s->db, "lease: insert");
        else if (lease_id)
            *lease_id = sqlite3_last_insert_rowid(s->db);
        sqlite3_finalize(st);
    }
    art_unlock_shared(s);
    return rc;
}

static int lease_delete(bs_art_store *s, const char *sql, int64_t v)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, v);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "lease: release");
    sqlite3_finalize(st);
    return rc;
}

int bs_art_lease_release(bs_art_store *s, int64_t lease_id)
{
    return lease_delete(s, "DELETE FROM artifact_leases WHERE id=?", lease_id);
}

int bs_art_lease_release_task(bs_art_store *s, int64_t task_id)
{
    return lease_delete(s, "DELETE FROM artifact_leases WHERE task_id=?", task_id);
}

/* A task lease lives while the orchestrator's task has not ended.  Without a
 * tasks table (or with one we cannot read) it is live: the safe answer. */
static bool task_active(bs_art_store *s, int64_t task_id)
{
    static const char *const ended[] = {"succeeded", "failed", "cancelled", "canceled",
                                        "dependency-failed", "cached", "skipped", "done",
                                        "timeout", "timed-out"};
    if (!art_table_exists(s, "tasks"))
        return true;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT state FROM tasks WHERE id=?", -1, &st, NULL) != SQLITE_OK)
        return true;
    sqlite3_bind_int64(st, 1, task_id);
    bool active = false; /* no such task: nothing will ever need it */
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        active = true;
        for (size_t i = 0; state && i < sizeof ended / sizeof *ended; i++)
            if (!strcmp(state, ended[i]))
                active = false;
    }
    sqlite3_finalize(st);
    return active;
}

typedef struct strset { const char **v; int n, cap; } strset;

static int ss_add(strset *ss, bs_arena *a, const char *s)
{
    if (ss->n == ss->cap) {
        int nc = ss->cap ? ss->cap * 2 : 256;
        const char **nv = bs_arena_alloc(a, sizeof *nv * (size_t)nc);
        if (!nv)
            return bs_error_set(BS_ENOMEM, "gc: set");
        if (ss->n)
            memcpy(nv, ss->v, sizeof *nv * (size_t)ss->n);
        ss->v = nv;
        ss->cap = nc;
    }
    ss->v[ss->n++] = bs_arena_strdup(a, s);
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void ss_sort(strset *ss)
{
    if (ss->n)
        qsort(ss->v, (size_t)ss->n, sizeof *ss->v, cmp_str);
}

static bool ss_has(const strset *ss, const char *s)
{
    return ss->n && bsearch(&s, ss->v, (size_t)ss->n, sizeof *ss->v, cmp_str) != NULL;
}

/* Digests of live leases; ids of dead ones into *dead. */
static int scan_leases(bs_art_store *s, bs_arena *a, strset *live, int64_t **dead, int *ndead)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT id, digest, pid, pid_start, task_id, expires_ms "
                                  "FROM artifact_leases", &st);
    if (rc)
        return rc;
    int64_t now = bs_now_ms();
    int cap = 0;
    *ndead = 0;
    *dead = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t pid = sqlite3_column_int64(st, 2), start = sqlite3_column_int64(st, 3);
        int64_t task = sqlite3_column_int64(st, 4), exp = sqlite3_column_int64(st, 5);
        bool alive = exp == 0 || now < exp;
        if (alive && pid)
            alive = bs_proc_alive((pid_t)pid) && bs_proc_start_ticks((pid_t)pid) == start;
        if (alive && task)
            alive = task_active(s, task);
        if (alive) {
            rc = ss_add(live, a, (const char *)sqlite3_column_text(st, 1));
        } else {
            if (*ndead == cap) {
                cap = cap ? cap * 2 : 32;
                int64_t *nv = bs_arena_alloc(a, sizeof *nv * (size_t)cap);
                if (!nv) {
                    rc = bs_error_set(BS_ENOMEM, "gc: leases");
                    break;
                }
                if (*ndead)
                    memcpy(nv, *dead, sizeof *nv * (size_t)*ndead);
                *dead = nv;
            }
            (*dead)[(*ndead)++] = sqlite3_column_int64(st, 0);
        }
        if (rc)
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

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

typedef struct art_row_t {
    int64_t id;
    const char *name, *digest, *build;
    int version;
    int64_t size, created;
    bool pinned, keep, dropped;
    double val;     /* metric value for the BEST policy being evaluated */
    int pol_set;    /* index into scope decision: 1 = name-scoped policies, 0 = workspace */
} art_row_t;

static int cmp_name_ver(const void *x, const void *y)
{
    const art_row_t *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (b->version - a->version); /* newest version first */
}

static const bs_art_policy *g_best_pol; /* qsort has no user data: only used below */

static int cmp_best(const void *x, const void *y)
{
    const art_row_t *a = *(art_row_t *const *)x, *b = *(art_row_t *const *)y;
    bool an = isnan(a->val), bn = isnan(b->val);
    if (an != bn)
        return an ? 1 : -1;
    if (!an && a->val != b->val)
        return (g_best_pol->higher_better ? a->val > b->val : a->val < b->val) ? -1 : 1;
    return b->version - a->version;
}

static int cmp_newest(const void *x, const void *y)
{
    const art_row_t *a = *(art_row_t *const *)x, *b = *(art_row_t *const *)y;
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

static int best_values(bs_art_store *s, art_row_t *rows, int n, const char *metric)
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
static int plan(bs_art_store *s, bs_arena *a, const strset *leased, art_row_t **rows_out,
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
    art_row_t *rows = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            art_row_t *nv = bs_arena_alloc(a, sizeof *nv * (size_t)cap);
            if (!nv) {
                sqlite3_finalize(st);
                return bs_error_set(BS_ENOMEM, "retention");
            }
            if (n)
                memcpy(nv, rows, sizeof *nv * (size_t)n);
            rows = nv;
        }
        art_row_t *r = &rows[n++];
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
    art_row_t **grp = bs_arena_alloc(a, sizeof *grp * (size_t)(n + 1));
    int64_t now = bs_now_ms();

    /* Keep rules: an artifact survives if any rule governing it keeps it, or
     * no keep rule governs it at all. */
    for (int i = 0; i < n; i++) {
        art_row_t *r = &rows[i];
        bool governed = false, keep = r->pinned || ss_has(leased, r->digest);
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
                if (rows[i].pinned || ss_has(leased, rows[i].digest))
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
    strset live = {0};
    int64_t *dead;
    int ndead, nrows;
    art_row_t *rows;
    int rc = scan_leases(s, a, &live, &dead, &ndead);
    if (rc)
        return rc;
    ss_sort(&live);
    if ((rc = plan(s, a, &live, &rows, &nrows)))
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

/* ---- gc ---- */

static int exec_id(bs_art_store *s, const char *sql, int64_t id)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "gc");
    sqlite3_finalize(st);
    return rc;
}

static int exec_text(bs_art_store *s, const char *sql, const char *v)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "gc");
    sqlite3_finalize(st);
    return rc;
}

/* Adds every blob of the trees in `roots` to `roots`. */
static int expand_trees(bs_art_store *s, bs_arena *a, strset *roots)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT blob FROM cas_tree_refs WHERE tree=?", &st);
    if (rc)
        return rc;
    int n0 = roots->n;
    for (int i = 0; i < n0 && rc == 0; i++) {
        sqlite3_bind_text(st, 1, roots->v[i], -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
            rc = ss_add(roots, a, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    ss_sort(roots);
    return rc;
}

static void sweep_tmp(bs_art_store *s, bool dry_run, bs_gc_report *r)
{
    DIR *d = opendir(s->tmp);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *p = bs_path_join(s->tmp, de->d_name);
        int fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -1;
        struct stat st;
        /* A writer holds LOCK_EX on its temp file until it renames or
         * removes it: if we can take the lock, the writer is gone. */
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0) {
            if (dry_run || unlink(p) == 0) {
                r->tmp_removed++;
                r->tmp_bytes += st.st_size;
            }
        }
        if (fd >= 0)
            close(fd);
        free(p);
    }
    if (d)
        closedir(d);
}

int bs_art_gc(bs_art_store *s, bool dry_run, bs_arena *a, bs_gc_report *r)
{
    memset(r, 0, sizeof *r);
    int rc = art_lock_excl(s);
    if (rc)
        return rc;
    strset leased = {0}, roots = {0};
    int64_t *dead = NULL;
    int ndead = 0, nrows = 0;
    art_row_t *rows = NULL;
    if ((rc = scan_leases(s, a, &leased, &dead, &ndead)))
        goto out;
    ss_sort(&leased);
    if ((rc = plan(s, a, &leased, &rows, &nrows)))
        goto out;
    r->dropped = bs_arena_alloc(a, sizeof *r->dropped * (size_t)(nrows + 1));
    for (int i = 0; i < nrows; i++) {
        if (rows[i].keep) {
            if ((rc = ss_add(&roots, a, rows[i].digest)))
                goto out;
            continue;
        }
        r->dropped[r->artifacts_dropped++] =
            bs_arena_sprintf(a, "%s@%d", rows[i].name, rows[i].version);
        r->artifact_bytes += rows[i].size;
    }
    r->leases_pruned = ndead;
    if (!dry_run && (r->artifacts_dropped || ndead)) {
        if ((rc = bs_db_begin(s->db)))
            goto out;
        for (int i = 0; rc == 0 && i < nrows; i++)
            if (!rows[i].keep)
                rc = exec_id(s, "DELETE FROM artifacts WHERE id=?", rows[i].id);
        for (int i = 0; rc == 0 && i < ndead; i++)
            rc = exec_id(s, "DELETE FROM artifact_leases WHERE id=?", dead[i]);
        if (rc) {
            bs_db_rollback(s->db);
            goto out;
        }
        if ((rc = bs_db_commit(s->db)))
            goto out;
    }
    for (int i = 0; i < leased.n; i++)
        if ((rc = ss_add(&roots, a, leased.v[i])))
            goto out;
    ss_sort(&roots);
    if ((rc = expand_trees(s, a, &roots)))
        goto out;

    /* sweep cas/xx/ */
    int64_t now = bs_now_ms();
    DIR *top = opendir(s->cas);
    if (!top) {
        rc = bs_error_set(BS_EIO, "gc: opendir %s: %s", s->cas, strerror(errno));
        goto out;
    }
    struct dirent *de;
    while ((de = readdir(top))) {
        if (strlen(de->d_name) != 2 || !strchr("0123456789abcdef", de->d_name[0]) ||
            !strchr("0123456789abcdef", de->d_name[1]))
            continue;
        char *dir = bs_path_join(s->cas, de->d_name);
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *fe;
        while (d && (fe = readdir(d))) {
            char digest[BS_SHA256_HEX_LEN + 1];
            if (strlen(fe->d_name) != BS_SHA256_HEX_LEN - 2)
                continue;
            snprintf(digest, sizeof digest, "%s%s", de->d_name, fe->d_name);
            if (!art_is_digest(digest))
                continue;
            if (ss_has(&roots, digest)) {
                r->blobs_kept++;
                continue;
            }
            char *p = bs_path_join(dir, fe->d_name);
            struct stat st;
            if (p && stat(p, &st) == 0) {
                int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
                if (now - mtime < s->grace_ms) {
                    r->blobs_young++;
                    r->blobs_kept++;
                } else if (dry_run || unlink(p) == 0) {
                    r->blobs_removed++;
                    r->blob_bytes += st.st_size;
                    if (!dry_run) {
                        exec_text(s, "DELETE FROM cas_tree_refs WHERE tree=?", digest);
                        exec_text(s, "DELETE FROM cas_trees WHERE digest=?", digest);
                    }
                }
            }
            free(p);
        }
        if (d)
            closedir(d);
        free(dir);
    }
    closedir(top);
    sweep_tmp(s, dry_run, r);
out:
    art_unlock_excl(s);
    return rc;
}
