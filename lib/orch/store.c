/* store.c - transactions, the events table and task state transitions.
 *
 * Every change of a task's state happens inside one BEGIN IMMEDIATE
 * transaction together with the event that describes it, so the events
 * table is an exact history: a reader following seq sees every state
 * change once and in commit order.  After COMMIT the transaction's events
 * are read back and published on ws->bus carrying their seq (subscribers
 * never see a change that was rolled back).
 *
 * Propagation rules live here: a success releases dependents whose last
 * pending dependency it was; any other final state ends every waiting
 * dependent, transitively, as dependency-failed. */
#include "orch_int.h"

#include "brainsmith/error.h"
#include "brainsmith/log.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *orch_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

int orch_state_col(sqlite3_stmt *st, int i, bs_task_state *out)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    if (bs_task_state_parse(s, out))
        return bs_error_set(BS_ECORRUPT, "tasks: unknown state '%s' in the database", s ? s : "");
    return 0;
}

int orch_begin(bs_workspace *ws, orch_tx *tx)
{
    tx->ws = ws;
    tx->seq_lo = tx->seq_hi = 0;
    int rc = bs_orch_init(ws);
    if (rc == 0)
        rc = bs_db_begin(ws->db);
    return rc;
}

static int publish_cb(const bs_event *ev, void *ud)
{
    bs_bus_publish((bs_bus *)ud, ev);
    return 0;
}

/* Commits made by this process: the scheduler's cue that an in-process
 * caller changed the queue (PRAGMA data_version only sees other
 * connections' commits). */
static _Atomic uint64_t local_commits;

uint64_t orch_commit_count(void)
{
    return local_commits;
}

int orch_commit(orch_tx *tx)
{
    int rc = bs_db_commit(tx->ws->db);
    if (rc == 0)
        local_commits++;
    if (rc == 0 && tx->seq_lo && tx->ws->bus)
        bs_orch_events_read(tx->ws, tx->seq_lo - 1, (int)(tx->seq_hi - tx->seq_lo + 1), publish_cb,
                            tx->ws->bus);
    return rc;
}

void orch_rollback(orch_tx *tx)
{
    bs_db_rollback(tx->ws->db);
}

int orch_event(orch_tx *tx, const char *kind, const char *build_id, int64_t task_id,
               const char *payload)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(tx->ws->db,
                           "INSERT INTO events(time_ms,kind,build_id,task_id,payload) VALUES(?,?,?,?,?)",
                           &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, bs_now_ms());
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    bs_db_bind_text(st, 3, build_id);
    if (task_id)
        sqlite3_bind_int64(st, 4, task_id);
    bs_db_bind_text(st, 5, payload);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(tx->ws->db, "storing event");
    sqlite3_finalize(st);
    if (rc == 0) {
        int64_t seq = sqlite3_last_insert_rowid(tx->ws->db);
        if (!tx->seq_lo)
            tx->seq_lo = seq;
        tx->seq_hi = seq;
    }
    return rc;
}

/* JSON string literal of s (or null) appended to sb. */
static void json_str(bs_strbuf *sb, const char *s)
{
    if (!s) {
        bs_strbuf_puts(sb, "null");
        return;
    }
    bs_strbuf_puts(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            bs_strbuf_printf(sb, "\\%c", *p);
        else if (*p < 0x20)
            bs_strbuf_printf(sb, "\\u%04x", *p);
        else
            bs_strbuf_append(sb, (const char *)p, 1);
    }
    bs_strbuf_puts(sb, "\"");
}

int orch_transition(orch_tx *tx, int64_t id, bs_task_state to, const char *extra,
                    bs_task_state *from_out)
{
    sqlite3 *db = tx->ws->db;
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT state, name, build_id FROM tasks WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        rc = r == SQLITE_DONE ? bs_error_set(BS_ENOTFOUND, "task %lld not found", (long long)id)
                              : bs_db_error(db, "reading task");
        sqlite3_finalize(st);
        return rc;
    }
    bs_task_state from;
    rc = orch_state_col(st, 0, &from);
    char *name = orch_col_dup(st, 1), *build = orch_col_dup(st, 2);
    sqlite3_finalize(st);
    if (rc == 0)
        rc = bs_db_prepare(db, "UPDATE tasks SET state=?, finished_ms=CASE WHEN ? THEN ? ELSE NULL END"
                               " WHERE id=?", &st);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, bs_task_state_name(to), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, bs_task_state_final(to));
        sqlite3_bind_int64(st, 3, bs_now_ms());
        sqlite3_bind_int64(st, 4, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(db, "updating task state");
        sqlite3_finalize(st);
    }
    if (rc == 0) {
        bs_strbuf sb = BS_STRBUF_INIT;
        bs_strbuf_printf(&sb, "{\"state\":\"%s\",\"from\":\"%s\",\"name\":", bs_task_state_name(to),
                         bs_task_state_name(from));
        json_str(&sb, name);
        if (extra)
            bs_strbuf_puts(&sb, extra);
        bs_strbuf_puts(&sb, "}");
        rc = orch_event(tx, "task.state", build, id, sb.buf);
        bs_strbuf_free(&sb);
    }
    free(name);
    free(build);
    if (rc == 0 && from_out)
        *from_out = from;
    return rc;
}

/* Ids of the dependents of id that are in state `state`. */
static int dependents(sqlite3 *db, int64_t id, const char *state, int64_t **out, int *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT d.task_id FROM task_deps d JOIN tasks t ON t.id=d.task_id"
                               " WHERE d.dep_id=? AND t.state=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    int cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return bs_error_set(BS_ENOMEM, "dependents: out of memory");
            }
            *out = p;
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return 0;
}

int orch_deps_succeeded(orch_tx *tx, int64_t id)
{
    sqlite3 *db = tx->ws->db;
    int64_t *ids;
    int n;
    int rc = dependents(db, id, "waiting", &ids, &n);
    for (int i = 0; i < n && rc == 0; i++) {
        sqlite3_stmt *st;
        rc = bs_db_prepare(db, "UPDATE tasks SET deps_pending=deps_pending-1 WHERE id=?"
                               " RETURNING deps_pending", &st);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, ids[i]);
        int64_t left = -1;
        if (sqlite3_step(st) == SQLITE_ROW)
            left = sqlite3_column_int64(st, 0);
        else
            rc = bs_db_error(db, "releasing dependent");
        sqlite3_finalize(st);
        if (rc == 0 && left == 0)
            rc = orch_transition(tx, ids[i], BS_TASK_READY, NULL, NULL);
    }
    free(ids);
    return rc;
}

static int set_failure(sqlite3 *db, int64_t id, bs_fail_class cls, const char *reason)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "UPDATE tasks SET fail_class=?, reason=? WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, bs_fail_class_name(cls), -1, SQLITE_STATIC);
    bs_db_bind_text(st, 2, reason);
    sqlite3_bind_int64(st, 3, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(db, "recording failure");
    sqlite3_finalize(st);
    return rc;
}

int orch_deps_failed(orch_tx *tx, int64_t root)
{
    /* Iterative walk: a stack of tasks whose waiting dependents must end. */
    int64_t *stack = malloc(16 * sizeof *stack);
    int sp = 0, cap = 16, rc = 0;
    if (!stack)
        return bs_error_set(BS_ENOMEM, "propagating failure: out of memory");
    stack[sp++] = root;
    while (sp > 0 && rc == 0) {
        int64_t id = stack[--sp];
        int64_t *ids;
        int n;
        if ((rc = dependents(tx->ws->db, id, "waiting", &ids, &n)))
            break;
        for (int i = 0; i < n && rc == 0; i++) {
            char reason[96], extra[64];
            snprintf(reason, sizeof reason, "dependency %lld did not succeed", (long long)id);
            snprintf(extra, sizeof extra, ",\"class\":\"dependency-failed\",\"dep\":%lld", (long long)id);
            rc = set_failure(tx->ws->db, ids[i], BS_FAIL_DEP, reason);
            if (rc == 0)
                rc = orch_transition(tx, ids[i], BS_TASK_DEP_FAILED, extra, NULL);
            if (rc == 0) {
                if (sp == cap) {
                    cap *= 2;
                    int64_t *p = realloc(stack, (size_t)cap * sizeof *p);
                    if (!p) {
                        rc = bs_error_set(BS_ENOMEM, "propagating failure: out of memory");
                        break;
                    }
                    stack = p;
                }
                stack[sp++] = ids[i];
            }
        }
        free(ids);
    }
    free(stack);
    return rc;
}

int orch_fail_task(orch_tx *tx, int64_t id, bs_task_state to, bs_fail_class cls, const char *reason)
{
    char extra[64];
    snprintf(extra, sizeof extra, ",\"class\":\"%s\"", bs_fail_class_name(cls));
    int rc = set_failure(tx->ws->db, id, cls, reason);
    if (rc == 0)
        rc = orch_transition(tx, id, to, extra, NULL);
    if (rc == 0)
        rc = orch_deps_failed(tx, id);
    return rc;
}

/* The task columns orch_attempt_finish needs. */
typedef struct fin_task {
    bs_retry_policy p;
    int tries;
    bool cancel;
} fin_task;

static int read_fin_task(sqlite3 *db, int64_t id, fin_task *t)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT max_attempts, backoff_base_ms, backoff_factor, backoff_cap_ms,"
                               " jitter, retry_on, tries, cancel_requested FROM tasks WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        t->p.max_attempts = sqlite3_column_int(st, 0);
        t->p.backoff_base_ms = sqlite3_column_int64(st, 1);
        t->p.backoff_factor = sqlite3_column_double(st, 2);
        t->p.backoff_cap_ms = sqlite3_column_int64(st, 3);
        t->p.jitter = sqlite3_column_double(st, 4);
        t->p.retry_on = (unsigned)sqlite3_column_int(st, 5);
        t->tries = sqlite3_column_int(st, 6);
        t->cancel = sqlite3_column_int(st, 7) != 0;
    } else {
        rc = bs_error_set(BS_ENOTFOUND, "task %lld not found", (long long)id);
    }
    sqlite3_finalize(st);
    return rc;
}

static int record_attempt(sqlite3 *db, int64_t id, int n, const orch_result *r)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "UPDATE attempts SET state=?, fail_class=?, exit_code=?, signal=?,"
                               " reason=?, finished_ms=?, cpu_s=?, peak_rss_kb=? WHERE task_id=? AND n=?",
                           &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->cls == BS_FAIL_NONE ? "succeeded" : "failed", -1, SQLITE_STATIC);
    if (r->cls != BS_FAIL_NONE)
        sqlite3_bind_text(st, 2, bs_fail_class_name(r->cls), -1, SQLITE_STATIC);
    if (r->exit_code >= 0)
        sqlite3_bind_int(st, 3, r->exit_code);
    if (r->signal > 0)
        sqlite3_bind_int(st, 4, r->signal);
    bs_db_bind_text(st, 5, r->reason);
    sqlite3_bind_int64(st, 6, r->end_ms);
    sqlite3_bind_double(st, 7, r->cpu_s);
    sqlite3_bind_int64(st, 8, r->peak_rss_kb);
    sqlite3_bind_int64(st, 9, id);
    sqlite3_bind_int(st, 10, n);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(db, "recording attempt");
    sqlite3_finalize(st);
    return rc;
}

int orch_attempt_finish(orch_tx *tx, int64_t id, int n, const orch_result *r)
{
    sqlite3 *db = tx->ws->db;
    fin_task t;
    int rc = record_attempt(db, id, n, r);
    if (rc == 0)
        rc = read_fin_task(db, id, &t);
    if (rc)
        return rc;
    char extra[256];
    snprintf(extra, sizeof extra, ",\"attempt\":%d,\"class\":\"%s\",\"exit\":%d,\"signal\":%d,"
             "\"cpu_s\":%.3f,\"peak_rss_kb\":%lld",
             n, bs_fail_class_name(r->cls), r->exit_code, r->signal, r->cpu_s, (long long)r->peak_rss_kb);
    sqlite3_stmt *st;
    /* Columns of the task that mirror its last attempt. */
    rc = bs_db_prepare(db, "UPDATE tasks SET exit_code=?, fail_class=?, reason=?,"
                           " tries=tries+? WHERE id=?", &st);
    if (rc)
        return rc;
    bool charged = r->cls != BS_FAIL_LOST;
    if (r->exit_code >= 0)
        sqlite3_bind_int(st, 1, r->exit_code);
    if (r->cls != BS_FAIL_NONE)
        sqlite3_bind_text(st, 2, bs_fail_class_name(r->cls), -1, SQLITE_STATIC);
    bs_db_bind_text(st, 3, r->reason);
    sqlite3_bind_int(st, 4, charged ? 1 : 0);
    sqlite3_bind_int64(st, 5, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(db, "updating task");
    sqlite3_finalize(st);
    if (rc)
        return rc;
    int tries = t.tries + (charged ? 1 : 0);

    if (r->cls == BS_FAIL_NONE) {
        rc = orch_transition(tx, id, BS_TASK_SUCCEEDED, extra, NULL);
        return rc ? rc : orch_deps_succeeded(tx, id);
    }
    if (t.cancel || r->cls == BS_FAIL_CANCELLED) {
        rc = orch_transition(tx, id, BS_TASK_CANCELLED, extra, NULL);
        return rc ? rc : orch_deps_failed(tx, id);
    }
    if (r->cls == BS_FAIL_LOST) {
        /* Not the task's fault, so not charged; but a task whose attempts
         * keep getting lost (its supervisor killed again and again) must
         * not loop forever. */
        int lost = 0;
        if ((rc = bs_db_prepare(db, "SELECT count(*) FROM attempts WHERE task_id=? AND fail_class='lost'", &st)))
            return rc;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            lost = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (lost < ORCH_MAX_LOST)
            return orch_transition(tx, id, BS_TASK_READY, extra, NULL);
        char why[96];
        snprintf(why, sizeof why, "%d attempts were lost (their supervisors died); giving up", lost);
        if ((rc = bs_db_prepare(db, "UPDATE tasks SET reason=? WHERE id=?", &st)))
            return rc;
        sqlite3_bind_text(st, 1, why, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(db, "recording failure");
        sqlite3_finalize(st);
        if (rc == 0)
            rc = orch_transition(tx, id, BS_TASK_FAILED, extra, NULL);
        return rc ? rc : orch_deps_failed(tx, id);
    }
    if ((t.p.retry_on & BS_FAIL_BIT(r->cls)) && tries < t.p.max_attempts) {
        double u = (double)(bs_random_u64() >> 11) / 9007199254740992.0;
        int64_t delay = orch_backoff_ms(&t.p, tries, u);
        int64_t nb = bs_now_ms() + delay;
        rc = bs_db_prepare(db, "UPDATE tasks SET not_before_ms=? WHERE id=?", &st);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, nb);
        sqlite3_bind_int64(st, 2, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(db, "scheduling retry");
        sqlite3_finalize(st);
        size_t l = strlen(extra);
        snprintf(extra + l, sizeof extra - l, ",\"retry_in_ms\":%lld", (long long)delay);
        return rc ? rc : orch_transition(tx, id, BS_TASK_RETRY_WAIT, extra, NULL);
    }
    rc = orch_transition(tx, id, BS_TASK_FAILED, extra, NULL);
    return rc ? rc : orch_deps_failed(tx, id);
}
