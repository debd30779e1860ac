/* query.c - reading the queue: tasks, attempts, counts, log paths, the
 * events stream, and waiting for tasks to finish.
 *
 * Readers never take the write lock (WAL lets them run beside the
 * scheduler and the submitters); `wait` polls the tasks it waits for. */
#include "orch_int.h"

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define TASK_COLS                                                                                   \
    "id,name,build_id,cwd,idem_key,cache_key,argv,env,priority,cpus,mem_mb,licenses,max_attempts," \
    "backoff_base_ms,backoff_factor,backoff_cap_ms,jitter,retry_on,timeout_ms,state,fail_class,"   \
    "exit_code,reason,attempts,tries,cancel_requested,created_ms,started_ms,finished_ms,"          \
    "not_before_ms"

static char **strv_from_json(const char *text)
{
    cJSON *a = text ? cJSON_Parse(text) : NULL;
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    char **v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(a, i));
        v[i] = strdup(s ? s : "");
    }
    cJSON_Delete(a);
    return v;
}

static int read_task_row(sqlite3_stmt *st, bs_task_info *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->name = orch_col_dup(st, 1);
    t->build_id = orch_col_dup(st, 2);
    t->cwd = orch_col_dup(st, 3);
    t->key = orch_col_dup(st, 4);
    t->cache_key = orch_col_dup(st, 5);
    t->argv = strv_from_json((const char *)sqlite3_column_text(st, 6));
    t->env = strv_from_json((const char *)sqlite3_column_text(st, 7));
    t->priority = sqlite3_column_int(st, 8);
    t->cpus = sqlite3_column_int(st, 9);
    t->mem_mb = sqlite3_column_int64(st, 10);
    t->licenses = orch_col_dup(st, 11);
    t->retry.max_attempts = sqlite3_column_int(st, 12);
    t->retry.backoff_base_ms = sqlite3_column_int64(st, 13);
    t->retry.backoff_factor = sqlite3_column_double(st, 14);
    t->retry.backoff_cap_ms = sqlite3_column_int64(st, 15);
    t->retry.jitter = sqlite3_column_double(st, 16);
    t->retry.retry_on = (unsigned)sqlite3_column_int(st, 17);
    t->timeout_ms = sqlite3_column_int64(st, 18);
    int rc = orch_state_col(st, 19, &t->state);
    bs_fail_class fc = BS_FAIL_NONE;
    bs_fail_class_parse((const char *)sqlite3_column_text(st, 20), &fc);
    t->fail_class = fc;
    t->exit_code = sqlite3_column_type(st, 21) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 21);
    t->reason = orch_col_dup(st, 22);
    t->attempts = sqlite3_column_int(st, 23);
    t->tries = sqlite3_column_int(st, 24);
    t->cancel_requested = sqlite3_column_int(st, 25) != 0;
    t->created_ms = sqlite3_column_int64(st, 26);
    t->started_ms = sqlite3_column_int64(st, 27);
    t->finished_ms = sqlite3_column_int64(st, 28);
    t->not_before_ms = sqlite3_column_int64(st, 29);
    if (!t->argv || !t->env)
        return bs_error_set(BS_ENOMEM, "task: out of memory");
    return rc;
}

static int read_deps(sqlite3 *db, bs_task_info *t)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT dep_id FROM task_deps WHERE task_id=? ORDER BY dep_id", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, t->id);
    int cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (t->ndeps == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *p = realloc(t->deps, (size_t)cap * sizeof *p);
            if (!p) {
                rc = bs_error_set(BS_ENOMEM, "task: out of memory");
                break;
            }
            t->deps = p;
        }
        t->deps[t->ndeps++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

int bs_orch_task_get(bs_workspace *ws, int64_t id, bs_task_info *out)
{
    memset(out, 0, sizeof *out);
    int rc = bs_orch_init(ws);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(ws->db, "SELECT " TASK_COLS " FROM tasks WHERE id=?", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = read_task_row(st, out);
    else
        rc = r == SQLITE_DONE ? bs_error_set(BS_ENOTFOUND, "task %lld not found", (long long)id)
                              : bs_db_error(ws->db, "reading task");
    sqlite3_finalize(st);
    if (rc == 0)
        rc = read_deps(ws->db, out);
    if (rc)
        bs_task_info_free(out);
    return rc;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void bs_task_info_free(bs_task_info *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->build_id);
    free(t->cwd);
    free(t->key);
    free(t->cache_key);
    free_strv(t->argv);
    free_strv(t->env);
    free(t->licenses);
    free(t->reason);
    free(t->deps);
    memset(t, 0, sizeof *t);
}

void bs_task_info_free_array(bs_task_info *t, int n)
{
    for (int i = 0; t && i < n; i++)
        bs_task_info_free(&t[i]);
    free(t);
}

int bs_orch_task_list(bs_workspace *ws, const char *build_id, int state, int limit,
                      bs_task_info **out, int *n)
{
    *out = NULL;
    *n = 0;
    int rc = bs_orch_init(ws);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = bs_db_prepare(ws->db, "SELECT " TASK_COLS " FROM tasks WHERE (?1 IS NULL OR build_id=?1)"
                               " AND (?2 IS NULL OR state=?2) ORDER BY id DESC LIMIT ?3", &st);
    if (rc)
        return rc;
    bs_db_bind_text(st, 1, build_id);
    if (state >= 0)
        sqlite3_bind_text(st, 2, bs_task_state_name((bs_task_state)state), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    int cap = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            bs_task_info *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) {
                rc = bs_error_set(BS_ENOMEM, "task list: out of memory");
                break;
            }
            *out = p;
        }
        rc = read_task_row(st, &(*out)[*n]);
        (*n)++;
    }
    sqlite3_finalize(st);
    for (int i = 0; rc == 0 && i < *n; i++)
        rc = read_deps(ws->db, &(*out)[i]);
    if (rc) {
        bs_task_info_free_array(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int bs_orch_attempts(bs_workspace *ws, int64_t id, bs_attempt_info **out, int *n)
{
    *out = NULL;
    *n = 0;
    int rc = bs_orch_init(ws);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(ws->db,
        "SELECT n,state,fail_class,exit_code,signal,reason,started_ms,finished_ms,cpu_s,peak_rss_kb,"
        " pid,log_out,log_err FROM attempts WHERE task_id=? ORDER BY n", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            bs_attempt_info *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) {
                rc = bs_error_set(BS_ENOMEM, "attempts: out of memory");
                break;
            }
            *out = p;
        }
        bs_attempt_info *a = &(*out)[(*n)++];
        memset(a, 0, sizeof *a);
        a->task_id = id;
        a->n = sqlite3_column_int(st, 0);
        snprintf(a->state, sizeof a->state, "%s", (const char *)sqlite3_column_text(st, 1));
        bs_fail_class fc = BS_FAIL_NONE;
        bs_fail_class_parse((const char *)sqlite3_column_text(st, 2), &fc);
        a->fail_class = fc;
        a->exit_code = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
        a->signal = sqlite3_column_int(st, 4);
        a->reason = orch_col_dup(st, 5);
        a->started_ms = sqlite3_column_int64(st, 6);
        a->finished_ms = sqlite3_column_int64(st, 7);
        a->cpu_s = sqlite3_column_double(st, 8);
        a->peak_rss_kb = sqlite3_column_int64(st, 9);
        a->pid = sqlite3_column_int(st, 10);
        a->log_out = orch_col_dup(st, 11);
        a->log_err = orch_col_dup(st, 12);
    }
    sqlite3_finalize(st);
    return rc;
}

void bs_attempt_info_free_array(bs_attempt_info *a, int n)
{
    for (int i = 0; a && i < n; i++) {
        free(a[i].reason);
        free(a[i].log_out);
        free(a[i].log_err);
    }
    free(a);
}

int bs_orch_counts(bs_workspace *ws, const char *build_id, int64_t counts[BS_TASK_NSTATES])
{
    memset(counts, 0, sizeof(int64_t) * BS_TASK_NSTATES);
    int rc = bs_orch_init(ws);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(ws->db, "SELECT state, count(*) FROM tasks WHERE (?1 IS NULL OR"
                                          " build_id=?1) GROUP BY state", &st)))
        return rc;
    bs_db_bind_text(st, 1, build_id);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        bs_task_state s;
        if ((rc = orch_state_col(st, 0, &s)) == 0)
            counts[s] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc;
}

char *orch_attempt_base(bs_workspace *ws, int64_t id, int n)
{
    char rel[64];
    snprintf(rel, sizeof rel, "logs/%lld-%d", (long long)id, n);
    return bs_workspace_path(ws, rel);
}

int bs_orch_log_path(bs_workspace *ws, int64_t id, int attempt, bool err, char **out)
{
    *out = NULL;
    int rc = bs_orch_init(ws);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(ws->db, "SELECT log_out, log_err, n FROM attempts WHERE task_id=?1"
                                          " AND (?2 = 0 OR n=?2) ORDER BY n DESC LIMIT 1", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempt);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = orch_col_dup(st, err ? 1 : 0);
    sqlite3_finalize(st);
    if (!*out) {
        bs_task_info t;
        if ((rc = bs_orch_task_get(ws, id, &t)))
            return rc;
        bs_task_info_free(&t);
        if (attempt)
            return bs_error_set(BS_ENOTFOUND, "task %lld has no attempt %d", (long long)id, attempt);
        return bs_error_set(BS_ENOTFOUND, "task %lld has not started yet (no logs)", (long long)id);
    }
    return 0;
}

/* ---- events ---- */
int bs_orch_events_read(bs_workspace *ws, int64_t since, int max, bs_orch_event_fn fn, void *ud)
{
    int rc = bs_orch_init(ws);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(ws->db, "SELECT seq,time_ms,kind,build_id,task_id,payload FROM events"
                                          " WHERE seq > ? ORDER BY seq LIMIT ?", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int(st, 2, max > 0 ? max : -1);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        bs_event ev = {
            .seq = sqlite3_column_int64(st, 0),
            .time_ms = sqlite3_column_int64(st, 1),
            .kind = (const char *)sqlite3_column_text(st, 2),
            .build_id = (const char *)sqlite3_column_text(st, 3),
            .task_id = sqlite3_column_int64(st, 4),
            .payload = (const char *)sqlite3_column_text(st, 5),
        };
        if (fn(&ev, ud))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = bs_db_error(ws->db, "reading events");
    sqlite3_finalize(st);
    return rc;
}

int bs_orch_events_last(bs_workspace *ws, int64_t *seq)
{
    *seq = 0;
    int rc = bs_orch_init(ws);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(ws->db, "SELECT coalesce(max(seq),0) FROM events", &st)))
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static void store_foreign_event(const bs_event *ev, void *ud)
{
    if (ev->seq != 0)
        return;                 /* already stored (ours, or a replay) */
    orch_tx tx = {.ws = ud};
    orch_event(&tx, ev->kind ? ev->kind : "event", ev->build_id, ev->task_id, ev->payload);
}

int bs_orch_events_attach(bs_workspace *ws)
{
    int rc = bs_orch_init(ws);
    if (rc)
        return rc;
    int id = bs_bus_subscribe(ws->bus, NULL, store_foreign_event, ws);
    return id > 0 ? id : bs_error_set(BS_ENOMEM, "events: cannot subscribe");
}

int bs_orch_wait(bs_workspace *ws, const int64_t *ids, int n, int64_t timeout_ms)
{
    int64_t deadline = timeout_ms > 0 ? bs_now_mono_ms() + timeout_ms : 0;
    int first_open = 0;
    for (;;) {
        while (first_open < n) {
            bs_task_info t;
            int rc = bs_orch_task_get(ws, ids[first_open], &t);
            if (rc)
                return rc;
            bool fin = bs_task_state_final(t.state);
            bs_task_info_free(&t);
            if (!fin)
                break;
            first_open++;
        }
        if (first_open == n)
            return 0;
        if (deadline && bs_now_mono_ms() >= deadline)
            return bs_error_set(BS_ETIMEOUT, "wait: task %lld not finished after %lld ms",
                                (long long)ids[first_open], (long long)timeout_ms);
        bs_sleep_ms(50);
    }
}

int bs_orch_scheduler_pid(bs_workspace *ws, int *pid)
{
    *pid = 0;
    char *path = bs_workspace_path(ws, "orch.lock");
    struct stat st;
    bool have = path && stat(path, &st) == 0;
    free(path);
    if (!have)
        return 0;                /* no scheduler ever ran here */
    /* The kernel's lock table says who holds the flock on that inode; no
     * probing lock of our own (it could make a starting scheduler fail). */
    FILE *f = fopen("/proc/locks", "re");
    if (!f)
        return bs_error_set(BS_EIO, "/proc/locks: cannot read the lock table");
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char type[16], mode[16], access[16];
        int p;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*[^:]: %15s %15s %15s %d %x:%x:%llu", type, mode, access, &p, &maj, &min, &ino) == 7 &&
            !strcmp(type, "FLOCK") && !strcmp(access, "WRITE") && ino == (unsigned long long)st.st_ino &&
            maj == major(st.st_dev) && min == minor(st.st_dev)) {
            *pid = p;
            break;
        }
    }
    fclose(f);
    return 0;
}
