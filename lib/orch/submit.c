/* submit.c - putting tasks into the queue, cancelling and retrying them.
 *
 * A batch is validated completely (fields, dependency indices, cycles)
 * before anything is written, then stored in one transaction, so a
 * submitter sees all of its tasks or none.  Any number of processes may
 * submit concurrently: BEGIN IMMEDIATE serialises them and the idempotency
 * key is checked inside the write lock. */
#include "orch_int.h"

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate(const bs_task_spec *s, int i, int n)
{
    const char *nm = s->name ? s->name : "";
    if (!s->argv || !s->argv[0] || !s->argv[0][0])
        return bs_error_set(BS_EINVAL, "task %d%s%s: empty command", i, *nm ? " " : "", nm);
    if (s->cpus < 1 || s->cpus > 4096)
        return bs_error_set(BS_EINVAL, "task '%s': cpus %d out of range [1, 4096]", nm, s->cpus);
    if (s->mem_mb < 0)
        return bs_error_set(BS_EINVAL, "task '%s': negative memory request", nm);
    if (s->priority < BS_PRIO_MIN || s->priority > BS_PRIO_MAX)
        return bs_error_set(BS_EINVAL, "task '%s': priority %d out of range", nm, s->priority);
    const bs_retry_policy *p = &s->retry;
    if (p->max_attempts < 1 || p->max_attempts > 1000)
        return bs_error_set(BS_EINVAL, "task '%s': max attempts %d out of range [1, 1000]", nm,
                            p->max_attempts);
    if (p->backoff_base_ms < 0 || p->backoff_cap_ms < 0 || p->backoff_factor < 1.0 ||
        p->backoff_factor > 100 || p->jitter < 0 || p->jitter > 1)
        return bs_error_set(BS_EINVAL, "task '%s': backoff needs base >= 0, factor in [1, 100], "
                                       "cap >= 0, jitter in [0, 1]", nm);
    if (s->timeout_ms < 0)
        return bs_error_set(BS_EINVAL, "task '%s': negative timeout", nm);
    if (s->nlicenses < 0 || s->nlicenses > BS_ORCH_MAX_LICENSES)
        return bs_error_set(BS_EINVAL, "task '%s': bad license count", nm);
    for (int k = 0; k < s->nlicenses; k++)
        if (s->licenses[k].count < 1 || !s->licenses[k].name[0])
            return bs_error_set(BS_EINVAL, "task '%s': license request needs a name and a count >= 1", nm);
    for (int k = 0; k < s->nafter_local; k++)
        if (s->after_local[k] < 0 || s->after_local[k] >= n || s->after_local[k] == i)
            return bs_error_set(s->after_local[k] == i ? BS_ECYCLE : BS_EINVAL,
                                "task %d%s%s: dependency index %d %s", i, *nm ? " " : "", nm,
                                s->after_local[k], s->after_local[k] == i ? "is itself" : "out of range");
    if (s->key && !*s->key)
        return bs_error_set(BS_EINVAL, "task '%s': empty idempotency key", nm);
    return 0;
}

/* Kahn's algorithm over the batch-local edges; on a cycle names its members. */
static int check_cycles(const bs_task_spec *specs, int n, int *order)
{
    int *indeg = calloc((size_t)n, sizeof *indeg);
    if (!indeg)
        return bs_error_set(BS_ENOMEM, "submit: out of memory");
    for (int i = 0; i < n; i++)
        indeg[i] = specs[i].nafter_local;
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++)
        if (indeg[i] == 0)
            order[tail++] = i;
    /* Edges are stored on the dependent, so finding the dependents of j
     * scans the batch; batches from the workflow engine are small, and
     * large ones (benchmarks) have no local edges at all. */
    bool any_local = false;
    for (int i = 0; i < n && !any_local; i++)
        any_local = specs[i].nafter_local > 0;
    while (head < tail && any_local) {
        int j = order[head++];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < specs[i].nafter_local; k++)
                if (specs[i].after_local[k] == j && --indeg[i] == 0)
                    order[tail++] = i;
    }
    int rc = 0;
    if (tail < n) {
        bs_strbuf sb = BS_STRBUF_INIT;
        int shown = 0;
        for (int i = 0; i < n && shown < 8; i++)
            if (indeg[i] > 0) {
                bs_strbuf_printf(&sb, "%s%d%s%s%s", shown ? ", " : "", i, specs[i].name ? " (" : "",
                                 specs[i].name ? specs[i].name : "", specs[i].name ? ")" : "");
                shown++;
            }
        rc = bs_error_set(BS_ECYCLE, "submit: dependency cycle among tasks %s; nothing was submitted",
                          sb.buf ? sb.buf : "");
        bs_strbuf_free(&sb);
    }
    free(indeg);
    return rc;
}

static char *json_strv(const char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; v && v[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    char *s = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return s;
}

static int dep_state(sqlite3 *db, int64_t id, bs_task_state *out)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT state FROM tasks WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = orch_state_col(st, 0, out);
    else if (r == SQLITE_DONE)
        rc = bs_error_set(BS_ENOTFOUND, "submit: dependency %lld: no such task", (long long)id);
    else
        rc = bs_db_error(db, "submit: reading dependency");
    sqlite3_finalize(st);
    return rc;
}

static int find_key(sqlite3 *db, const char *key, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT id FROM tasks WHERE idem_key=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    *id = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int check_build(bs_workspace *ws, const char *build_id)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(ws->db, "SELECT 1 FROM builds WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = bs_error_set(BS_ENOTFOUND, "submit: build '%s' does not exist", build_id);
    sqlite3_finalize(st);
    return rc;
}

typedef struct batch {
    orch_tx tx;
    sqlite3_stmt *ins, *ins_dep;
    bool *existed;
    bs_task_state *state;   /* state each spec ends in after submit */
} batch;

static int insert_task(batch *b, const bs_task_spec *s, bs_task_state state, int pending,
                       const char *reason, int64_t *id)
{
    sqlite3_stmt *st = b->ins;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    int64_t now = s->created_ms > 0 ? s->created_ms : bs_now_ms();
    char *argv = json_strv(s->argv), *env = s->env && s->env[0] ? json_strv(s->env) : NULL;
    char *lic = orch_license_format(s->licenses, s->nlicenses);
    bs_db_bind_text(st, 1, s->name);
    bs_db_bind_text(st, 2, s->build_id);
    bs_db_bind_text(st, 3, argv);
    bs_db_bind_text(st, 4, s->cwd);
    bs_db_bind_text(st, 5, env);
    sqlite3_bind_int(st, 6, s->priority);
    sqlite3_bind_int64(st, 7, orch_rank(s->priority, now));
    sqlite3_bind_int(st, 8, s->cpus);
    sqlite3_bind_int64(st, 9, s->mem_mb);
    bs_db_bind_text(st, 10, lic);
    sqlite3_bind_int(st, 11, s->retry.max_attempts);
    sqlite3_bind_int64(st, 12, s->retry.backoff_base_ms);
    sqlite3_bind_double(st, 13, s->retry.backoff_factor);
    sqlite3_bind_int64(st, 14, s->retry.backoff_cap_ms);
    sqlite3_bind_double(st, 15, s->retry.jitter);
    sqlite3_bind_int(st, 16, (int)s->retry.retry_on);
    sqlite3_bind_int64(st, 17, s->timeout_ms);
    bs_db_bind_text(st, 18, s->key);
    bs_db_bind_text(st, 19, s->cache_key);
    sqlite3_bind_text(st, 20, bs_task_state_name(state), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 21, pending);
    sqlite3_bind_int64(st, 22, now);
    if (state == BS_TASK_DEP_FAILED) {
        sqlite3_bind_text(st, 23, "dependency-failed", -1, SQLITE_STATIC);
        bs_db_bind_text(st, 24, reason);
        sqlite3_bind_int64(st, 25, now);
    }
    int rc = 0;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(b->tx.ws->db, "submit: storing task");
    free(argv);
    free(env);
    free(lic);
    if (rc)
        return rc;
    *id = sqlite3_last_insert_rowid(b->tx.ws->db);
    bs_strbuf sb = BS_STRBUF_INIT;
    cJSON *nm = cJSON_CreateString(s->name ? s->name : "");
    char *nms = cJSON_PrintUnformatted(nm);
    cJSON_Delete(nm);
    bs_strbuf_printf(&sb, "{\"state\":\"%s\",\"from\":\"new\",\"name\":%s,\"priority\":%d,\"cpus\":%d}",
                     bs_task_state_name(state), s->name ? nms : "null", s->priority, s->cpus);
    free(nms);
    rc = orch_event(&b->tx, "task.state", s->build_id, *id, sb.buf);
    bs_strbuf_free(&sb);
    return rc;
}

static int add_dep(batch *b, int64_t id, int64_t dep)
{
    sqlite3_reset(b->ins_dep);
    sqlite3_bind_int64(b->ins_dep, 1, id);
    sqlite3_bind_int64(b->ins_dep, 2, dep);
    int r = sqlite3_step(b->ins_dep);
    if (r != SQLITE_DONE && (r & 0xff) != SQLITE_CONSTRAINT)
        return bs_db_error(b->tx.ws->db, "submit: storing dependency");
    return 0;
}

/* Stores spec i (all its local dependencies are already decided). */
static int submit_one(batch *b, const bs_task_spec *specs, int i, int64_t *ids)
{
    const bs_task_spec *s = &specs[i];
    sqlite3 *db = b->tx.ws->db;
    int rc = 0;
    if (s->key) {
        if ((rc = find_key(db, s->key, &ids[i])))
            return rc;
        if (ids[i]) {
            b->existed[i] = true;
            return dep_state(db, ids[i], &b->state[i]);
        }
    }
    int pending = 0;
    int64_t failed_dep = 0;
    for (int k = 0; k < s->nafter && rc == 0; k++) {
        bs_task_state ds;
        if ((rc = dep_state(db, s->after[k], &ds)))
            break;
        if (ds != BS_TASK_SUCCEEDED && bs_task_state_final(ds))
            failed_dep = s->after[k];
        else if (ds != BS_TASK_SUCCEEDED)
            pending++;
    }
    for (int k = 0; k < s->nafter_local && rc == 0; k++) {
        int j = s->after_local[k];
        bs_task_state ds = b->state[j];
        if (ds != BS_TASK_SUCCEEDED && bs_task_state_final(ds))
            failed_dep = ids[j];
        else if (ds != BS_TASK_SUCCEEDED)
            pending++;
    }
    if (rc)
        return rc;
    char reason[96];
    snprintf(reason, sizeof reason, "dependency %lld did not succeed", (long long)failed_dep);
    bs_task_state st = failed_dep ? BS_TASK_DEP_FAILED : pending ? BS_TASK_WAITING : BS_TASK_READY;
    if ((rc = insert_task(b, s, st, pending, reason, &ids[i])))
        return rc;
    b->state[i] = st;
    for (int k = 0; k < s->nafter && rc == 0; k++)
        rc = add_dep(b, ids[i], s->after[k]);
    for (int k = 0; k < s->nafter_local && rc == 0; k++)
        rc = add_dep(b, ids[i], ids[s->after_local[k]]);
    return rc;
}

static int submit_batch(bs_workspace *ws, const bs_task_spec *specs, int n, int64_t *ids, bool *existed)
{
    if (n <= 0)
        return bs_error_set(BS_EINVAL, "submit: no tasks");
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = validate(&specs[i], i, n);
    if (rc)
        return rc;
    int *order = malloc((size_t)n * sizeof *order);
    batch b = {0};
    b.existed = existed;
    b.state = calloc((size_t)n, sizeof *b.state);
    if (!order || !b.state) {
        free(order);
        free(b.state);
        return bs_error_set(BS_ENOMEM, "submit: out of memory");
    }
    rc = check_cycles(specs, n, order);
    if (rc == 0)
        rc = orch_begin(ws, &b.tx);
    if (rc) {
        free(order);
        free(b.state);
        return rc;
    }
    const char *checked_build = NULL;
    for (int i = 0; i < n && rc == 0; i++)
        if (specs[i].build_id && (!checked_build || strcmp(checked_build, specs[i].build_id))) {
            rc = check_build(ws, specs[i].build_id);
            checked_build = specs[i].build_id;
        }
    if (rc == 0)
        rc = bs_db_prepare(ws->db,
            "INSERT INTO tasks(name,build_id,argv,cwd,env,priority,rank,cpus,mem_mb,licenses,"
            " max_attempts,backoff_base_ms,backoff_factor,backoff_cap_ms,jitter,retry_on,timeout_ms,"
            " idem_key,cache_key,state,deps_pending,created_ms,fail_class,reason,finished_ms)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &b.ins);
    if (rc == 0)
        rc = bs_db_prepare(ws->db, "INSERT INTO task_deps(task_id,dep_id) VALUES(?,?)", &b.ins_dep);
    /* A key repeated inside one batch refers to the first spec using it. */
    for (int k = 0; k < n && rc == 0; k++) {
        int i = order[k];
        rc = submit_one(&b, specs, i, ids);
    }
    sqlite3_finalize(b.ins);
    sqlite3_finalize(b.ins_dep);
    if (rc == 0)
        rc = orch_commit(&b.tx);
    else
        orch_rollback(&b.tx);
    free(order);
    free(b.state);
    return rc;
}

int bs_orch_submit_batch(bs_workspace *ws, const bs_task_spec *specs, int n, int64_t *ids)
{
    bool *existed = calloc(n > 0 ? (size_t)n : 1, sizeof *existed);
    if (!existed)
        return bs_error_set(BS_ENOMEM, "submit: out of memory");
    int rc = submit_batch(ws, specs, n, ids, existed);
    free(existed);
    return rc;
}

int bs_orch_submit(bs_workspace *ws, const bs_task_spec *spec, int64_t *id, bool *existed)
{
    bool ex = false;
    int rc = submit_batch(ws, spec, 1, id, &ex);
    if (existed)
        *existed = ex;
    return rc;
}

/* ---- cancel ---- */
static int task_state(sqlite3 *db, int64_t id, bs_task_state *out)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT state FROM tasks WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = orch_state_col(st, 0, out);
    else
        rc = r == SQLITE_DONE ? bs_error_set(BS_ENOTFOUND, "task %lld not found", (long long)id)
                              : bs_db_error(db, "reading task");
    sqlite3_finalize(st);
    return rc;
}

int bs_orch_cancel(bs_workspace *ws, int64_t id, bs_task_state *state)
{
    orch_tx tx;
    int rc = orch_begin(ws, &tx);
    if (rc)
        return rc;
    bs_task_state cur;
    if ((rc = task_state(ws->db, id, &cur)))
        goto out;
    if (bs_task_state_final(cur)) {
        rc = bs_error_set(BS_ESTATE, "task %lld is already %s", (long long)id, bs_task_state_name(cur));
        goto out;
    }
    if (cur == BS_TASK_RUNNING) {
        sqlite3_stmt *st;
        if ((rc = bs_db_prepare(ws->db, "UPDATE tasks SET cancel_requested=1 WHERE id=?", &st)))
            goto out;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(ws->db, "cancel");
        sqlite3_finalize(st);
        if (rc == 0)
            rc = orch_event(&tx, "task.cancel", NULL, id, "{\"requested\":true}");
    } else {
        rc = orch_fail_task(&tx, id, BS_TASK_CANCELLED, BS_FAIL_CANCELLED, "cancelled before it ran");
        cur = BS_TASK_CANCELLED;
    }
out:
    if (rc == 0)
        rc = orch_commit(&tx);
    else
        orch_rollback(&tx);
    if (rc == 0 && state)
        *state = cur;
    return rc;
}

/* ---- retry ---- */
/* Counts the dependencies of id that did not succeed; *failed gets one that
 * ended for good (0 if none). */
static int deps_status(sqlite3 *db, int64_t id, int *pending, int64_t *failed)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT t.id, t.state FROM task_deps d JOIN tasks t ON t.id=d.dep_id"
                               " WHERE d.task_id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    *pending = 0;
    *failed = 0;
    while (sqlite3_step(st) == SQLITE_ROW && rc == 0) {
        bs_task_state s;
        rc = orch_state_col(st, 1, &s);
        if (s == BS_TASK_SUCCEEDED)
            continue;
        if (bs_task_state_final(s))
            *failed = sqlite3_column_int64(st, 0);
        else
            (*pending)++;
    }
    sqlite3_finalize(st);
    return rc;
}

static int reset_task(orch_tx *tx, int64_t id, int pending)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(tx->ws->db, "UPDATE tasks SET tries=0, cancel_requested=0, fail_class=NULL,"
                                       " reason=NULL, exit_code=NULL, not_before_ms=0, deps_pending=?"
                                       " WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, pending);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(tx->ws->db, "retry");
    sqlite3_finalize(st);
    if (rc == 0)
        rc = orch_transition(tx, id, pending ? BS_TASK_WAITING : BS_TASK_READY, ",\"retry\":true", NULL);
    return rc;
}

/* Dependency-failed dependents of id whose dependencies are all alive
 * again go back to waiting, transitively. */
static int revive_dependents(orch_tx *tx, int64_t root)
{
    int64_t *stack = malloc(16 * sizeof *stack);
    int sp = 0, cap = 16, rc = 0;
    if (!stack)
        return bs_error_set(BS_ENOMEM, "retry: out of memory");
    stack[sp++] = root;
    while (sp > 0 && rc == 0) {
        int64_t id = stack[--sp];
        sqlite3_stmt *st;
        if ((rc = bs_db_prepare(tx->ws->db, "SELECT d.task_id FROM task_deps d JOIN tasks t ON"
                                            " t.id=d.task_id WHERE d.dep_id=? AND t.state='dependency-failed'",
                                &st)))
            break;
        sqlite3_bind_int64(st, 1, id);
        int64_t kids[256];
        int nk = 0;
        while (sqlite3_step(st) == SQLITE_ROW && nk < 256)
            kids[nk++] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        for (int i = 0; i < nk && rc == 0; i++) {
            int pending;
            int64_t failed;
            if ((rc = deps_status(tx->ws->db, kids[i], &pending, &failed)) || failed)
                continue;
            rc = reset_task(tx, kids[i], pending);
            if (rc == 0 && sp == cap) {
                cap *= 2;
                int64_t *p = realloc(stack, (size_t)cap * sizeof *p);
                if (!p) {
                    rc = bs_error_set(BS_ENOMEM, "retry: out of memory");
                    break;
                }
                stack = p;
            }
            if (rc == 0)
                stack[sp++] = kids[i];
        }
    }
    free(stack);
    return rc;
}

int bs_orch_retry(bs_workspace *ws, int64_t id)
{
    orch_tx tx;
    int rc = orch_begin(ws, &tx);
    if (rc)
        return rc;
    bs_task_state cur;
    int pending = 0;
    int64_t failed = 0;
    if ((rc = task_state(ws->db, id, &cur)))
        goto out;
    if (cur != BS_TASK_FAILED && cur != BS_TASK_CANCELLED && cur != BS_TASK_DEP_FAILED) {
        rc = bs_error_set(BS_ESTATE, "task %lld is %s; only failed, cancelled or dependency-failed "
                                     "tasks can be retried", (long long)id, bs_task_state_name(cur));
        goto out;
    }
    if ((rc = deps_status(ws->db, id, &pending, &failed)))
        goto out;
    if (failed) {
        rc = bs_error_set(BS_ESTATE, "task %lld: its dependency %lld did not succeed; retry that "
                                     "one first", (long long)id, (long long)failed);
        goto out;
    }
    rc = reset_task(&tx, id, pending);
    if (rc == 0)
        rc = revive_dependents(&tx, id);
out:
    if (rc == 0)
        rc = orch_commit(&tx);
    else
        orch_rollback(&tx);
    return rc;
}
