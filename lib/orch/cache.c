/* cache.c - the scheduler's side of the step cache (lib/artifacts).
 *
 * A task with a cache key and an outputs directory is submitted with
 * cache_pending=1; the decision (decide.c) does not start such a task.
 * Instead each round first *probes* them: bs_cache_restore_merge() merges
 * the stored outputs into the outputs directory (under the artifact
 * store's shared gc lock, no database write), and one transaction then
 * marks the hits `cached` (a task.state event and an attempt-less
 * task.cached event with the digest; dependents are released exactly as
 * after success) and clears cache_pending of the misses, which the same
 * round's decision may then start.  Restores happen outside any write
 * transaction: the artifact store's lock order is flock, then SQLite.
 *
 * Just before a cacheable attempt starts, the scheduler lists what its
 * outputs directory holds (<home>/logs/<task>-<n>.pre: inode, ctime and
 * size per path).  After the attempt succeeds, and before the round's
 * transaction records that, the entries it created or changed (absent
 * from the list, or with another inode/ctime/size) are stored under the
 * key: earlier steps' files in a shared build directory are not part of
 * this step's entry, so a hit merges only this step's outputs.  Without a
 * list (an attempt adopted from a scheduler of an older version) entries
 * whose ctime is not older than the attempt's start are taken.
 *
 * The key looked up and stored is the task's own key combined with the
 * output digests of its dependencies (effective_key), so results chain by
 * content: a dependent whose inputs changed misses, one whose re-run
 * dependency produced identical outputs hits.
 *
 * Leases: whenever a task's outputs digest becomes known (stored or
 * restored), every dependent that is not final takes a task lease on it,
 * so gc keeps a queued task's inputs in the store until it ends. */
#include "sched_int.h"

#include "brainsmith/artifacts.h"
#include "brainsmith/error.h"
#include "brainsmith/hash.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* File timestamps come from the kernel's coarse clock, which may lag the
 * realtime clock the attempt start was read from by one tick. */
#define CACHE_CTIME_MARGIN_MS 50
/* Tasks probed per round (the rest in the next round, at once). */
#define CACHE_PROBE_BATCH 32

void orch_cache_key_norm(const char *k, char out[BS_SHA256_HEX_LEN + 1])
{
    size_t n = strlen(k);
    bool hex = n == BS_SHA256_HEX_LEN && strspn(k, "0123456789abcdef") == n;
    if (hex) {
        memcpy(out, k, n + 1);
        return;
    }
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_printf(&sb, "brainsmith-task-cache-key/1\n%s", k);
    bs_sha256_hex(sb.buf, sb.len, out);
    bs_strbuf_free(&sb);
}

/* The key a task is looked up and stored under: its own key, and, when its
 * dependencies stored or restored outputs, their digests (in dependency id
 * order).  So a dependent whose inputs came out different misses even if
 * its own key is unchanged, and one whose re-run dependency produced the
 * same outputs hits (early cutoff). */
static int effective_key(bs_sched *s, int64_t id, const char *key, char out[BS_SHA256_HEX_LEN + 1])
{
    char norm[BS_SHA256_HEX_LEN + 1];
    orch_cache_key_norm(key, norm);
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->ws->db, "SELECT t.cache_digest FROM task_deps d JOIN tasks t ON t.id=d.dep_id"
                                      " WHERE d.task_id=? ORDER BY d.dep_id", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    bs_strbuf sb = BS_STRBUF_INIT;
    bool any = false;
    bs_strbuf_printf(&sb, "brainsmith-task-cache-key/2\n%s\n", norm);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        any = any || d;
        bs_strbuf_printf(&sb, "%s\n", d ? d : "-");
    }
    sqlite3_finalize(st);
    if (any)
        bs_sha256_hex(sb.buf, sb.len, out);
    else
        memcpy(out, norm, sizeof norm);
    bs_strbuf_free(&sb);
    return 0;
}

static int store_open(bs_sched *s)
{
    if (s->art)
        return 0;
    int rc = bs_art_open(s->ws, NULL, &s->art);
    if (rc)
        return bs_error_wrap(rc, "step cache: ");
    return 0;
}

/* Artifact names allow [A-Za-z0-9._:/+-]: the task name made to fit. */
static const char *step_name(const char *name, char *buf, size_t n)
{
    if (!name || !*name)
        return "task";
    /* Artifact names refuse "..", a leading '-' and '/'; a step range such
     * as "a..b" becomes "a_b". */
    size_t i = 0, o = 0;
    for (; name[i] && o + 1 < n && o < 120; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("._:+-", c);
        if (c == '.' && name[i + 1] == '.') {
            buf[o++] = '_';
            i++;
            continue;
        }
        buf[o] = ok && !(o == 0 && c == '-') ? c : '_';
        o++;
    }
    buf[o] = '\0';
    return buf;
}

static void lease_add(bs_sched *s, int64_t id, const char *digest)
{
    if (s->nlease == s->caplease) {
        int cap = s->caplease ? s->caplease * 2 : 16;
        sched_lease *p = realloc(s->lease, (size_t)cap * sizeof *p);
        if (!p)
            return;         /* only gc protection is lost, and only for this one */
        s->lease = p;
        s->caplease = cap;
    }
    s->lease[s->nlease].id = id;
    snprintf(s->lease[s->nlease].digest, sizeof s->lease[0].digest, "%s", digest);
    s->nlease++;
}

bool sched_outputs_busy(const bs_sched *s, const char *outputs)
{
    for (int i = 0; outputs && i < s->nrun; i++)
        if (!s->run[i].done && s->run[i].outputs && !strcmp(s->run[i].outputs, outputs))
            return true;
    return false;
}

void sched_cache_leases(bs_sched *s)
{
    if (s->nlease == 0 || store_open(s))
        return;
    for (int i = 0; i < s->nlease; i++) {
        sqlite3_stmt *st;
        if (bs_db_prepare(s->ws->db, "SELECT d.task_id FROM task_deps d JOIN tasks t ON t.id=d.task_id"
                                     " WHERE d.dep_id=? AND t.state IN ('waiting','ready','retry-wait')",
                          &st))
            break;
        sqlite3_bind_int64(st, 1, s->lease[i].id);
        int64_t kids[64];
        int nk = 0;
        while (nk < 64 && sqlite3_step(st) == SQLITE_ROW)
            kids[nk++] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        for (int k = 0; k < nk; k++) {
            char note[64];
            snprintf(note, sizeof note, "input of task %lld (outputs of task %lld)", (long long)kids[k],
                     (long long)s->lease[i].id);
            if (bs_art_lease(s->art, s->lease[i].digest, kids[k], 0, note, NULL))
                BS_WARN("task %lld: cannot lease its input %.16s: %s", (long long)kids[k],
                        s->lease[i].digest, bs_error_msg());
        }
    }
    s->nlease = 0;
}

void orch_lease_inputs(bs_workspace *ws, int64_t id)
{
    sqlite3_stmt *st;
    if (bs_db_prepare(ws->db, "SELECT t.id, t.cache_digest FROM task_deps d JOIN tasks t ON t.id=d.dep_id"
                              " WHERE d.task_id=? AND t.cache_digest IS NOT NULL", &st))
        return;
    sqlite3_bind_int64(st, 1, id);
    sched_lease in[16];
    int n = 0;
    while (n < 16 && sqlite3_step(st) == SQLITE_ROW) {
        in[n].id = sqlite3_column_int64(st, 0);
        snprintf(in[n].digest, sizeof in[n].digest, "%s", (const char *)sqlite3_column_text(st, 1));
        n++;
    }
    sqlite3_finalize(st);
    if (n == 0)
        return;
    bs_art_store *art;
    if (bs_art_open(ws, NULL, &art)) {
        BS_WARN("task %lld: cannot lease its inputs: %s", (long long)id, bs_error_msg());
        bs_error_clear();
        return;
    }
    for (int i = 0; i < n; i++) {
        char note[64];
        snprintf(note, sizeof note, "input of task %lld (outputs of task %lld)", (long long)id,
                 (long long)in[i].id);
        if (bs_art_lease(art, in[i].digest, id, 0, note, NULL)) {
            BS_WARN("task %lld: cannot lease its input %.16s: %s", (long long)id, in[i].digest, bs_error_msg());
            bs_error_clear();
        }
    }
    bs_art_close(art);
}

/* ---- probing ready tasks ---- */
typedef struct probe {
    int64_t id;
    char *key, *outputs, *name, *build;
    char norm[BS_SHA256_HEX_LEN + 1];
    bool hit, skip;
    char digest[BS_SHA256_HEX_LEN + 1];
    char artifact[240];
} probe;

static int probe_tx(bs_sched *s, probe *p, int n)
{
    orch_tx tx;
    int rc = orch_begin(s->ws, &tx);
    if (rc)
        return rc;
    int64_t now = bs_now_ms();
    for (int i = 0; i < n && rc == 0; i++) {
        if (p[i].skip)
            continue;
        sqlite3_stmt *st;
        rc = bs_db_prepare(s->ws->db, p[i].hit
                                          ? "UPDATE tasks SET cache_pending=0, cache_digest=?1, started_ms=?3,"
                                            " fail_class=NULL, exit_code=NULL, reason=NULL"
                                            " WHERE id=?2 AND state='ready' AND cache_pending=1"
                                          : "UPDATE tasks SET cache_pending=0 WHERE id=?2 AND state='ready'",
                           &st);
        if (rc)
            break;
        if (p[i].hit) {
            sqlite3_bind_text(st, 1, p[i].digest, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, now);
        }
        sqlite3_bind_int64(st, 2, p[i].id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(s->ws->db, "step cache: recording lookup");
        sqlite3_finalize(st);
        /* Cancelled meanwhile: the restored files stay, the state is not ours. */
        if (rc || !p[i].hit || sqlite3_changes(s->ws->db) != 1) {
            p[i].hit = false;
            continue;
        }
        char extra[128];
        snprintf(extra, sizeof extra, ",\"digest\":\"%s\"", p[i].digest);
        rc = orch_transition(&tx, p[i].id, BS_TASK_CACHED, extra, NULL);
        if (rc == 0) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "digest", p[i].digest);
            cJSON_AddStringToObject(o, "cache_key", p[i].key);
            cJSON_AddStringToObject(o, "lookup_key", p[i].norm);
            cJSON_AddStringToObject(o, "artifact", p[i].artifact);
            cJSON_AddStringToObject(o, "outputs", p[i].outputs);
            char *txt = cJSON_PrintUnformatted(o);
            cJSON_Delete(o);
            rc = txt ? orch_event(&tx, "task.cached", p[i].build, p[i].id, txt)
                     : bs_error_set(BS_ENOMEM, "step cache: event");
            free(txt);
        }
        if (rc == 0)
            rc = orch_deps_succeeded(&tx, p[i].id);
    }
    if (rc == 0)
        rc = orch_commit(&tx);
    else
        orch_rollback(&tx);
    return rc;
}

int sched_cache_probe(bs_sched *s)
{
    s->probe_due = false;
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->ws->db, "SELECT id, cache_key, outputs, name, build_id FROM tasks"
                                      " WHERE state='ready' AND cache_pending=1 ORDER BY rank DESC, id"
                                      " LIMIT ?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, CACHE_PROBE_BATCH);
    probe p[CACHE_PROBE_BATCH];
    int n = 0;
    while (n < CACHE_PROBE_BATCH && sqlite3_step(st) == SQLITE_ROW) {
        memset(&p[n], 0, sizeof p[n]);
        p[n].id = sqlite3_column_int64(st, 0);
        p[n].key = orch_col_dup(st, 1);
        p[n].outputs = orch_col_dup(st, 2);
        p[n].name = orch_col_dup(st, 3);
        p[n].build = orch_col_dup(st, 4);
        n++;
    }
    sqlite3_finalize(st);
    if (n == 0)
        return 0;
    s->probe_due = n == CACHE_PROBE_BATCH;      /* maybe more: next round, without waiting */
    rc = store_open(s);
    bool store_ok = rc == 0;
    bs_arena a;
    bs_arena_init(&a, 0);
    for (int i = 0; i < n && rc == 0; i++) {
        if (!p[i].key || !p[i].outputs)
            continue;           /* (cache_pending is only set with both) */
        if (sched_outputs_busy(s, p[i].outputs)) {
            /* A running task writes there: restoring now would mix our
             * files into its stored changes.  Looked up once it ends (the
             * round that records it sets probe_due). */
            p[i].skip = true;
            continue;
        }
        if (effective_key(s, p[i].id, p[i].key, p[i].norm)) {
            BS_WARN("task %lld: %s; running it", (long long)p[i].id, bs_error_msg());
            bs_error_clear();
            continue;
        }
        bs_art_record r;
        int64_t t0 = bs_now_mono_ms();
        int lr = bs_cache_restore_merge(s->art, p[i].norm, p[i].outputs, &a, &r);
        if (lr == 0) {
            p[i].hit = true;
            snprintf(p[i].digest, sizeof p[i].digest, "%s", r.digest);
            snprintf(p[i].artifact, sizeof p[i].artifact, "%s@%d", r.name ? r.name : "?", r.version);
            BS_DEBUG("task %lld: cache hit %.16s restored into %s in %lld ms", (long long)p[i].id,
                     r.digest, p[i].outputs, (long long)(bs_now_mono_ms() - t0));
        } else if (lr != BS_ENOTFOUND) {
            BS_WARN("task %lld: step cache restore into %s failed (%s); running it instead",
                    (long long)p[i].id, p[i].outputs, bs_error_msg());
        }
        bs_error_clear();
    }
    bs_arena_free(&a);
    if (rc == 0 && (rc = probe_tx(s, p, n)))
        s->probe_due = true;    /* e.g. a busy database: look up (restore) again next round */
    for (int i = 0; i < n; i++) {
        if (rc == 0 && p[i].hit)
            lease_add(s, p[i].id, p[i].digest);
        free(p[i].key);
        free(p[i].outputs);
        free(p[i].name);
        free(p[i].build);
    }
    if (rc && store_ok)
        return rc;
    if (rc) {
        /* The store cannot be used (e.g. corrupt index): run the tasks. */
        BS_WARN("step cache unavailable: %s; tasks run without it", bs_error_msg());
        bs_error_clear();
        sqlite3_stmt *up;
        if (bs_db_prepare(s->ws->db, "UPDATE tasks SET cache_pending=0 WHERE state='ready' AND cache_pending=1",
                          &up) == 0) {
            sqlite3_step(up);
            sqlite3_finalize(up);
        }
        s->probe_due = false;
    }
    return 0;
}

/* ---- what the outputs directory held before the attempt ---- */
static int64_t ctime_ns(const struct stat *st)
{
    return (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static void snap_walk(FILE *f, const char *root, const char *rel, int depth)
{
    char *dir = rel[0] ? bs_path_join(root, rel) : strdup(root);
    DIR *d = dir && depth < 64 ? opendir(dir) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || strchr(de->d_name, '\n'))
            continue;
        char *full = bs_path_join(dir, de->d_name);
        char *r = rel[0] ? bs_path_join(rel, de->d_name) : strdup(de->d_name);
        struct stat st;
        if (full && r && lstat(full, &st) == 0) {
            fprintf(f, "%llu %lld %lld %s\n", (unsigned long long)st.st_ino, (long long)ctime_ns(&st),
                    (long long)st.st_size, r);
            if (S_ISDIR(st.st_mode))
                snap_walk(f, root, r, depth + 1);
        }
        free(full);
        free(r);
    }
    if (d)
        closedir(d);
    free(dir);
}

static char *pre_path(const char *base)
{
    size_t n = strlen(base) + 8;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.pre", base);
    return p;
}

void sched_cache_snapshot(const char *base, const char *outputs)
{
    char *p = pre_path(base);
    FILE *f = p ? fopen(p, "w") : NULL;
    if (f) {
        snap_walk(f, outputs, "", 0);
        if (fclose(f) != 0)
            unlink(p);
    } else {
        BS_WARN("%s: cannot record the outputs directory before the task starts; storing what "
                "changed since its start instead", p ? p : base);
    }
    free(p);
}

typedef struct snap_ent {
    char *path;
    unsigned long long ino;
    long long ctime, size;
} snap_ent;

typedef struct snap {
    snap_ent *v;
    int n;
    int64_t since_ms;           /* without a list: ctime >= this */
} snap;

static int cmp_snap(const void *a, const void *b)
{
    return strcmp(((const snap_ent *)a)->path, ((const snap_ent *)b)->path);
}

/* Loads <base>.pre; false if there is none. */
static bool snap_load(const char *base, snap *sn)
{
    char *p = pre_path(base);
    FILE *f = p ? fopen(p, "r") : NULL;
    free(p);
    if (!f)
        return false;
    int cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        snap_ent e;
        int off = 0;
        if (sscanf(line, "%llu %lld %lld %n", &e.ino, &e.ctime, &e.size, &off) != 3 || !off)
            continue;
        if (sn->n == cap) {
            cap = cap ? cap * 2 : 64;
            snap_ent *nv = realloc(sn->v, (size_t)cap * sizeof *nv);
            if (!nv)
                break;
            sn->v = nv;
        }
        e.path = strdup(line + off);
        if (e.path)
            sn->v[sn->n++] = e;
    }
    free(line);
    fclose(f);
    if (sn->n > 1)
        qsort(sn->v, (size_t)sn->n, sizeof *sn->v, cmp_snap);
    return true;
}

static void snap_free(snap *sn)
{
    for (int i = 0; i < sn->n; i++)
        free(sn->v[i].path);
    free(sn->v);
}

/* Selector: created or changed by the attempt. */
static bool changed(const char *rel, const struct stat *st, void *ud)
{
    const snap *sn = ud;
    if (sn->since_ms)
        return ctime_ns(st) / 1000000 >= sn->since_ms;
    snap_ent key = {.path = (char *)rel};
    const snap_ent *e = sn->n ? bsearch(&key, sn->v, (size_t)sn->n, sizeof *sn->v, cmp_snap) : NULL;
    return !e || e->ino != (unsigned long long)st->st_ino || e->ctime != ctime_ns(st) ||
           e->size != (long long)st->st_size;
}

/* ---- storing a successful attempt's outputs ---- */

void sched_cache_store(bs_sched *s, run_att *a)
{
    if (a->cache < 0 || !a->done || !a->have_rec || a->rec.spawn_failed)
        return;
    bs_exit e;
    bs_exit_decode(a->rec.wstatus, &e);
    if (!e.exited || e.code != 0)
        return;
    sqlite3_stmt *st;
    if (bs_db_prepare(s->ws->db, "SELECT cache_key, outputs, name, build_id FROM tasks WHERE id=?"
                                 " AND cache_key IS NOT NULL AND outputs IS NOT NULL", &st))
        return;
    sqlite3_bind_int64(st, 1, a->task_id);
    char *key = NULL, *outs = NULL, *name = NULL, *build = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        key = orch_col_dup(st, 0);
        outs = orch_col_dup(st, 1);
        name = orch_col_dup(st, 2);
        build = orch_col_dup(st, 3);
    }
    sqlite3_finalize(st);
    if (key && outs && !bs_is_dir(outs)) {
        BS_WARN("task %lld succeeded but its outputs directory %s does not exist; nothing cached",
                (long long)a->task_id, outs);
    } else if (key && outs && store_open(s) == 0) {
        char norm[BS_SHA256_HEX_LEN + 1], nb[128];
        if (effective_key(s, a->task_id, key, norm))
            norm[0] = '\0';
        snap sn = {0};
        if (!a->base || !snap_load(a->base, &sn))
            sn.since_ms = a->started_ms - CACHE_CTIME_MARGIN_MS;
        bs_art_meta m = {.build_id = build, .task_id = a->task_id};
        bs_arena ar;
        bs_arena_init(&ar, 0);
        bs_art_record r;
        int64_t t0 = bs_now_mono_ms();
        if (bs_cache_store_sel(s->art, norm, step_name(name, nb, sizeof nb), outs, changed, &sn,
                               &m, &ar, &r) == 0) {
            snprintf(a->cache_digest, sizeof a->cache_digest, "%s", r.digest);
            BS_DEBUG("task %lld: outputs stored as %s@%d (%.16s) in %lld ms", (long long)a->task_id,
                     r.name, r.version, r.digest, (long long)(bs_now_mono_ms() - t0));
        } else {
            BS_WARN("task %lld: storing its outputs in the step cache failed: %s", (long long)a->task_id,
                    bs_error_msg());
            bs_error_clear();
        }
        bs_arena_free(&ar);
        snap_free(&sn);
    } else if (key && outs) {
        BS_WARN("task %lld: %s", (long long)a->task_id, bs_error_msg());
        bs_error_clear();
    }
    a->cache = -1;          /* done: at most once per attempt */
    free(key);
    free(outs);
    free(name);
    free(build);
}

int sched_cache_record(bs_sched *s, orch_tx *tx, run_att *a)
{
    if (!a->cache_digest[0])
        return 0;
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->ws->db, "UPDATE tasks SET cache_digest=? WHERE id=? AND state='succeeded'", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, a->cache_digest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->task_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->ws->db, "step cache: recording digest");
    sqlite3_finalize(st);
    bool ok = rc == 0 && sqlite3_changes(s->ws->db) == 1;
    if (ok) {
        char payload[128];
        snprintf(payload, sizeof payload, "{\"digest\":\"%s\"}", a->cache_digest);
        rc = orch_event(tx, "task.stored", NULL, a->task_id, payload);
        lease_add(s, a->task_id, a->cache_digest);
    }
    return rc;
}

void sched_cache_close(bs_sched *s)
{
    bs_art_close(s->art);
    s->art = NULL;
    free(s->lease);
    s->lease = NULL;
    s->nlease = s->caplease = 0;
}
