/* gc.c - leases and the garbage collector (the retention rules it applies
 * are in retention.c).
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

int art_ss_add(art_strset *ss, bs_arena *a, const char *s)
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

void art_ss_sort(art_strset *ss)
{
    if (ss->n)
        qsort(ss->v, (size_t)ss->n, sizeof *ss->v, cmp_str);
}

bool art_ss_has(const art_strset *ss, const char *s)
{
    return ss->n && bsearch(&s, ss->v, (size_t)ss->n, sizeof *ss->v, cmp_str) != NULL;
}

/* Digests of live leases; ids of dead ones into *dead. */
int art_scan_leases(bs_art_store *s, bs_arena *a, art_strset *live, int64_t **dead, int *ndead)
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
            rc = art_ss_add(live, a, (const char *)sqlite3_column_text(st, 1));
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
static int expand_trees(bs_art_store *s, bs_arena *a, art_strset *roots)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT blob FROM cas_tree_refs WHERE tree=?", &st);
    if (rc)
        return rc;
    int n0 = roots->n;
    for (int i = 0; i < n0 && rc == 0; i++) {
        sqlite3_bind_text(st, 1, roots->v[i], -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
            rc = art_ss_add(roots, a, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    art_ss_sort(roots);
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
    art_strset leased = {0}, roots = {0};
    int64_t *dead = NULL;
    int ndead = 0, nrows = 0;
    art_keep_row *rows = NULL;
    if ((rc = art_scan_leases(s, a, &leased, &dead, &ndead)))
        goto out;
    art_ss_sort(&leased);
    if ((rc = art_plan(s, a, &leased, &rows, &nrows)))
        goto out;
    r->dropped = bs_arena_alloc(a, sizeof *r->dropped * (size_t)(nrows + 1));
    for (int i = 0; i < nrows; i++) {
        if (rows[i].keep) {
            if ((rc = art_ss_add(&roots, a, rows[i].digest)))
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
        if ((rc = art_ss_add(&roots, a, leased.v[i])))
            goto out;
    art_ss_sort(&roots);
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
            if (art_ss_has(&roots, digest)) {
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
