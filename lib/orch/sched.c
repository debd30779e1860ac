/* sched.c - the scheduler: one per workspace (flock on <home>/orch.lock),
 * crash recovery, scheduling decisions and the round loop.
 *
 * A round: wait (pidfds of the supervisors, or the next deadline) ->
 * collect finished attempts -> sample usage and decide kills (memory,
 * timeout, cancel requests) -> one transaction that records results,
 * kill decisions and usage, promotes due retries and marks the chosen
 * ready tasks running with a new attempt row -> signals -> supervisors
 * forked -> a second transaction with their pids.  Because the attempt row
 * exists before the process, and the supervisor's lock exists before it
 * runs anything, a crash between any two steps is recovered exactly.
 *
 * Decisions: ready tasks in rank order (priority with aging); a task
 * starts if the free cpus, memory and licenses cover it.  The first ready
 * task that does not fit reserves what it needs of the free resources, so
 * a stream of small tasks cannot starve a big one; later tasks only use
 * what is left beyond that reservation. */
#include "sched_int.h"

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct bs_sched {
    bs_workspace *ws;
    bs_sched_opts o;
    run_limits lim;
    int lockfd;
    run_att *run;
    int nrun, caprun;
    int used_cpus;
    int64_t used_mem;
    int used_lic[BS_ORCH_MAX_LICENSES];
    volatile sig_atomic_t stop;
    int64_t data_version;
    int64_t next_ext_check;     /* mono ms */
    int64_t retry_due_ms;       /* earliest not_before of retry-wait tasks, 0 = none */
    int nretry;
    int64_t *warned;            /* unschedulable task ids already reported */
    int nwarned, capwarned;
};

typedef struct cand {
    int64_t id;
    int cpus;
    int64_t mem_mb;
    bs_license_req lic[BS_ORCH_MAX_LICENSES];
    int nlic;
} cand;

/* ---- resources ---- */
static int lic_index(const bs_sched *s, const char *name)
{
    for (int i = 0; i < s->o.nlicenses; i++)
        if (!strcmp(s->o.licenses[i].name, name))
            return i;
    return -1;
}

typedef struct avail {
    int cpus;
    int64_t mem;
    int lic[BS_ORCH_MAX_LICENSES];
} avail;

static void free_resources(const bs_sched *s, avail *av)
{
    av->cpus = s->o.cpus - s->used_cpus;
    av->mem = s->o.mem_mb - s->used_mem;
    for (int i = 0; i < s->o.nlicenses; i++)
        av->lic[i] = s->o.licenses[i].count - s->used_lic[i];
}

static bool fits(const bs_sched *s, const cand *c, const avail *av)
{
    if (c->cpus > av->cpus || c->mem_mb > av->mem)
        return false;
    for (int k = 0; k < c->nlic; k++) {
        int i = lic_index(s, c->lic[k].name);
        if (i < 0 || c->lic[k].count > av->lic[i])
            return false;
    }
    return true;
}

static void take(const bs_sched *s, const cand *c, avail *av, bool clamp)
{
#define TAKE(field, need) av->field -= clamp && (need) > av->field ? (av->field > 0 ? av->field : 0) : (need)
    TAKE(cpus, c->cpus);
    TAKE(mem, c->mem_mb);
    for (int k = 0; k < c->nlic; k++) {
        int i = lic_index(s, c->lic[k].name);
        if (i >= 0)
            TAKE(lic[i], c->lic[k].count);
    }
#undef TAKE
}

static void account(bs_sched *s, const run_att *a, int sign)
{
    s->used_cpus += sign * a->cpus;
    s->used_mem += sign * a->mem_mb;
    for (int k = 0; k < a->nlic; k++) {
        int i = lic_index(s, a->lic[k].name);
        if (i >= 0)
            s->used_lic[i] += sign * a->lic[k].count;
    }
}

static void warn_unschedulable(bs_sched *s, const cand *c)
{
    for (int i = 0; i < s->nwarned; i++)
        if (s->warned[i] == c->id)
            return;
    if (s->nwarned == s->capwarned) {
        int cap = s->capwarned ? s->capwarned * 2 : 16;
        int64_t *p = realloc(s->warned, (size_t)cap * sizeof *p);
        if (!p)
            return;
        s->warned = p;
        s->capwarned = cap;
    }
    s->warned[s->nwarned++] = c->id;
    char lic[128] = "";
    for (int k = 0, off = 0; k < c->nlic && off < (int)sizeof lic - 40; k++)
        off += snprintf(lic + off, sizeof lic - (size_t)off, "%s%s=%d", k ? "," : "", c->lic[k].name,
                        c->lic[k].count);
    BS_WARN("task %lld needs licenses %s, more than this scheduler manages (run --license); it stays "
            "ready", (long long)c->id, lic);
}

static int decide(bs_sched *s, cand *out, int max, int *n)
{
    *n = 0;
    avail av, total;
    free_resources(s, &av);
    if (av.cpus <= 0 || max <= 0)
        return 0;
    memset(&total, 0, sizeof total);
    total.cpus = s->o.cpus;
    total.mem = s->o.mem_mb;
    for (int i = 0; i < s->o.nlicenses; i++)
        total.lic[i] = s->o.licenses[i].count;
    sqlite3_stmt *st;
    /* Requests beyond the total capacity can never start here: filtered
     * out so they cannot use up the lookahead (reported at open). */
    int rc = bs_db_prepare(s->ws->db, "SELECT id, cpus, mem_mb, licenses FROM tasks WHERE state='ready'"
                                      " AND cpus <= ?2 AND mem_mb <= ?3 ORDER BY rank DESC, id LIMIT ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, s->o.lookahead);
    sqlite3_bind_int(st, 2, s->o.cpus);
    sqlite3_bind_int64(st, 3, s->o.mem_mb);
    bool reserved = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cand c;
        memset(&c, 0, sizeof c);
        c.id = sqlite3_column_int64(st, 0);
        c.cpus = sqlite3_column_int(st, 1);
        c.mem_mb = sqlite3_column_int64(st, 2);
        const char *lic = (const char *)sqlite3_column_text(st, 3);
        if (lic && bs_license_parse(lic, c.lic, &c.nlic)) {
            c.nlic = BS_ORCH_MAX_LICENSES + 1;     /* unparsable: never fits */
        }
        if (c.nlic > BS_ORCH_MAX_LICENSES || !fits(s, &c, &total)) {
            if (c.nlic > BS_ORCH_MAX_LICENSES)
                c.nlic = 0;
            warn_unschedulable(s, &c);
            continue;
        }
        if (fits(s, &c, &av)) {
            out[(*n)++] = c;
            take(s, &c, &av, false);
        } else if (!reserved) {
            reserved = true;
            take(s, &c, &av, true);
        }
        if (*n >= max || av.cpus <= 0)
            break;
    }
    sqlite3_finalize(st);
    return 0;
}

int bs_sched_decide(bs_sched *s, int64_t *ids, int max, int *n)
{
    cand *c = calloc(max > 0 ? (size_t)max : 1, sizeof *c);
    if (!c)
        return bs_error_set(BS_ENOMEM, "decide: out of memory");
    int rc = decide(s, c, max, n);
    for (int i = 0; rc == 0 && i < *n; i++)
        ids[i] = c[i].id;
    free(c);
    return rc;
}

int bs_sched_running(const bs_sched *s)
{
    return s->nrun;
}

/* ---- the running set ---- */
static run_att *add_run(bs_sched *s)
{
    if (s->nrun == s->caprun) {
        int cap = s->caprun ? s->caprun * 2 : 8;
        run_att *p = realloc(s->run, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        s->run = p;
        s->caprun = cap;
    }
    run_att *a = &s->run[s->nrun++];
    memset(a, 0, sizeof *a);
    a->pidfd = -1;
    a->sh.pid_fd = -1;
    return a;
}

static void remove_run(bs_sched *s, int i)
{
    account(s, &s->run[i], -1);
    run_att_free(&s->run[i]);
    s->run[i] = s->run[--s->nrun];
}

static int pidfd_open_(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* ---- recovery ---- */
/* Attempt rows left running by a previous scheduler. */
static int recover(bs_sched *s)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->ws->db,
        "SELECT t.id, t.attempts, t.cpus, t.mem_mb, t.licenses, t.timeout_ms, a.started_ms,"
        " a.kill_reason, a.kill_ms, a.cpu_s, a.peak_rss_kb, a.reason"
        " FROM tasks t JOIN attempts a ON a.task_id=t.id AND a.n=t.attempts WHERE t.state='running'", &st);
    if (rc)
        return rc;
    int64_t mono = bs_now_mono_ms(), now = bs_now_ms();
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        run_att *a = add_run(s);
        if (!a) {
            rc = bs_error_set(BS_ENOMEM, "recovery: out of memory");
            break;
        }
        a->task_id = sqlite3_column_int64(st, 0);
        a->n = sqlite3_column_int(st, 1);
        a->cpus = sqlite3_column_int(st, 2);
        a->mem_mb = sqlite3_column_int64(st, 3);
        const char *lic = (const char *)sqlite3_column_text(st, 4);
        if (lic)
            bs_license_parse(lic, a->lic, &a->nlic);
        a->timeout_ms = sqlite3_column_int64(st, 5);
        a->started_ms = sqlite3_column_int64(st, 6);
        const char *kr = (const char *)sqlite3_column_text(st, 7);
        if (kr) {
            a->kill_reason = !strcmp(kr, "oom") ? "oom" : !strcmp(kr, "timeout") ? "timeout" : "cancelled";
            a->kill_persisted = true;
            a->term_mono = mono - (now - sqlite3_column_int64(st, 8));
            if (a->term_mono <= 0)
                a->term_mono = 1;
        }
        a->cpu_s = sqlite3_column_double(st, 9);
        a->peak_kb = sqlite3_column_int64(st, 10);
        const char *why = (const char *)sqlite3_column_text(st, 11);
        if (why)
            snprintf(a->reason, sizeof a->reason, "%s", why);
        a->base = orch_attempt_base(s->ws, a->task_id, a->n);
        account(s, a, +1);
        if (!a->base) {
            rc = bs_error_set(BS_ENOMEM, "recovery: out of memory");
            break;
        }
        /* Finished while we were away? */
        if (orch_exit_read(a->base, &a->rec) == 0) {
            a->done = a->have_rec = true;
            BS_INFO("task %lld attempt %d finished while no scheduler ran; recording its exit",
                    (long long)a->task_id, a->n);
            continue;
        }
        bool exists;
        bool held = orch_shim_lock_held(a->base, &exists);
        pid_t shim = 0, task = 0;
        int64_t sticks, tticks;
        if (held) {
            /* Adopt: the supervisor lives.  Its pid file may lag its lock
             * by a moment right after a fork. */
            for (int i = 0; i < 200; i++) {
                if (orch_pid_read(a->base, &shim, &sticks, &task, &tticks) == 0 && task > 0)
                    break;
                if (orch_exit_read(a->base, &a->rec) == 0)
                    break;
                bs_sleep_ms(10);
            }
            if (shim > 0 && bs_proc_start_ticks(shim) == sticks)
                a->pidfd = pidfd_open_(shim);
            a->shim_pid = shim;
            a->task_pid = task;
            a->next_sample = mono;
            a->next_flush = mono + 2000;
            if (a->pidfd < 0) {
                /* It exited between the checks: the exit record decides. */
                a->done = true;
                a->have_rec = orch_exit_read(a->base, &a->rec) == 0;
            } else {
                BS_INFO("re-adopted task %lld attempt %d (pid %d)", (long long)a->task_id, a->n, (int)task);
            }
            continue;
        }
        if (orch_exit_read(a->base, &a->rec) == 0) {
            a->done = a->have_rec = true;
            continue;
        }
        /* No supervisor and no record: the attempt is lost.  If the task
         * itself survived its supervisor, stop it so it cannot run twice. */
        if (orch_pid_read(a->base, &shim, &sticks, &task, &tticks) == 0 && task > 0 &&
            bs_proc_start_ticks(task) == tticks) {
            BS_WARN("task %lld attempt %d: supervisor gone, killing its orphaned process group %d",
                    (long long)a->task_id, a->n, (int)task);
            kill(-task, SIGKILL);
            /* Do not go on until it is gone: its next attempt may start
             * in this very round. */
            for (int i = 0; i < 500 && bs_proc_alive(task); i++)
                bs_sleep_ms(10);
        }
        BS_INFO("task %lld attempt %d never started (%s); it gets a new attempt", (long long)a->task_id,
                a->n, exists ? "its supervisor is gone" : "the scheduler died before launching it");
        a->done = true;
        a->have_rec = false;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- the lock ---- */
static int take_lock(bs_sched *s)
{
    char *path = bs_workspace_path(s->ws, "orch.lock");
    if (!path)
        return bs_error_set(BS_ENOMEM, "scheduler lock: out of memory");
    s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lockfd < 0) {
        int rc = bs_error_set(BS_EIO, "%s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = "";
        ssize_t r = pread(s->lockfd, buf, sizeof buf - 1, 0);
        buf[r > 0 ? r : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        int rc = bs_error_set(BS_EBUSY, "another scheduler (pid %s) is already running workspace %s",
                              *buf ? buf : "?", s->ws->home);
        close(s->lockfd);
        s->lockfd = -1;
        free(path);
        return rc;
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(s->lockfd, 0) < 0 || pwrite(s->lockfd, buf, (size_t)len, 0) < 0)
        BS_WARN("%s: cannot record the scheduler pid: %s", path, strerror(errno));
    free(path);
    return 0;
}

static int64_t data_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

int bs_sched_open(bs_workspace *ws, const bs_sched_opts *opts, bs_sched **out)
{
    *out = NULL;
    int rc = bs_orch_init(ws);
    if (rc)
        return rc;
    bs_sched *s = calloc(1, sizeof *s);
    if (!s)
        return bs_error_set(BS_ENOMEM, "scheduler: out of memory");
    s->ws = ws;
    s->lockfd = -1;
    if (opts)
        s->o = *opts;
    if (s->o.cpus <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->o.cpus = n > 0 ? (int)n : 1;
    }
    if (s->o.mem_mb <= 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
        s->o.mem_mb = pages > 0 && psz > 0 ? (int64_t)pages * psz / (1024 * 1024) : 1024;
    }
    if (s->o.sample_ms <= 0)
        s->o.sample_ms = 500;
    if (s->o.kill_grace_ms <= 0)
        s->o.kill_grace_ms = 5000;
    if (s->o.lookahead <= 0)
        s->o.lookahead = 256;
    if (s->o.nlicenses < 0 || s->o.nlicenses > BS_ORCH_MAX_LICENSES)
        s->o.nlicenses = 0;
    s->lim.oom_margin_mb = s->o.oom_margin_mb;
    char *logs = bs_workspace_path(ws, "logs");
    rc = logs ? bs_mkdir_p(logs) : bs_error_set(BS_ENOMEM, "scheduler: out of memory");
    free(logs);
    if (rc || (rc = take_lock(s)) || (rc = recover(s))) {
        bs_sched_close(s, false);
        return rc;
    }
    s->data_version = data_version(ws->db);
    sqlite3_stmt *st;
    if (bs_db_prepare(ws->db, "SELECT count(*) FROM tasks WHERE state='ready' AND (cpus > ? OR mem_mb > ?)",
                      &st) == 0) {
        sqlite3_bind_int(st, 1, s->o.cpus);
        sqlite3_bind_int64(st, 2, s->o.mem_mb);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
            BS_WARN("%lld ready task(s) request more cpus or memory than this scheduler manages "
                    "(%d cpus, %lld MB); they wait for a bigger one", (long long)sqlite3_column_int64(st, 0),
                    s->o.cpus, (long long)s->o.mem_mb);
        sqlite3_finalize(st);
    }
    orch_tx tx;
    if (orch_begin(ws, &tx) == 0) {
        char payload[160];
        snprintf(payload, sizeof payload, "{\"pid\":%d,\"cpus\":%d,\"mem_mb\":%lld,\"adopted\":%d}",
                 (int)getpid(), s->o.cpus, (long long)s->o.mem_mb, s->nrun);
        if (orch_event(&tx, "sched.start", NULL, 0, payload) == 0)
            orch_commit(&tx);
        else
            orch_rollback(&tx);
    }
    *out = s;
    return 0;
}

void bs_sched_stop(bs_sched *s)
{
    s->stop = 1;
}

/* ---- one round ---- */
typedef struct start_item {
    cand c;
    int n;
    char **argv, **env;
    char *cwd, *build;
    int64_t timeout_ms, started_ms;
} start_item;

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void start_item_free(start_item *it)
{
    free_strv(it->argv);
    free_strv(it->env);
    free(it->cwd);
    free(it->build);
}

/* Parses a JSON string array into a NULL-terminated vector with `extra`
 * free slots at the end. */
static char **strv_parse(const char *text, int extra)
{
    cJSON *a = text ? cJSON_Parse(text) : NULL;
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    char **v = calloc((size_t)(n + extra + 1), sizeof *v);
    for (int i = 0; v && i < n; i++) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(a, i));
        v[i] = strdup(s ? s : "");
    }
    cJSON_Delete(a);
    return v;
}

/* Marks cand running with a new attempt row (inside the round's tx). */
static int begin_attempt(bs_sched *s, orch_tx *tx, start_item *it, int64_t now)
{
    sqlite3 *db = s->ws->db;
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "UPDATE tasks SET attempts=attempts+1, started_ms=? WHERE id=? AND"
                               " state='ready' RETURNING attempts, argv, env, cwd, build_id, timeout_ms", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, it->c.id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return bs_error_set(BS_ESTATE, "task %lld is no longer ready", (long long)it->c.id);
    }
    it->n = sqlite3_column_int(st, 0);
    it->argv = strv_parse((const char *)sqlite3_column_text(st, 1), 0);
    it->env = strv_parse((const char *)sqlite3_column_text(st, 2), 4);
    it->cwd = orch_col_dup(st, 3);
    it->build = orch_col_dup(st, 4);
    it->timeout_ms = sqlite3_column_int64(st, 5);
    it->started_ms = now;
    sqlite3_finalize(st);
    if (!it->argv || !it->env)
        return bs_error_set(BS_ENOMEM, "start: out of memory");
    char extra[48];
    snprintf(extra, sizeof extra, ",\"attempt\":%d", it->n);
    if ((rc = orch_transition(tx, it->c.id, BS_TASK_RUNNING, extra, NULL)))
        return rc;
    char *base = orch_attempt_base(s->ws, it->c.id, it->n);
    if (!base)
        return bs_error_set(BS_ENOMEM, "start: out of memory");
    size_t len = strlen(base) + 8;
    char *out = malloc(len), *err = malloc(len);
    if (out && err) {
        snprintf(out, len, "%s.out", base);
        snprintf(err, len, "%s.err", base);
    }
    free(base);
    rc = bs_db_prepare(db, "INSERT INTO attempts(task_id,n,state,started_ms,log_out,log_err)"
                           " VALUES(?,?,'running',?,?,?)", &st);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, it->c.id);
        sqlite3_bind_int(st, 2, it->n);
        sqlite3_bind_int64(st, 3, now);
        bs_db_bind_text(st, 4, out);
        bs_db_bind_text(st, 5, err);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(db, "recording attempt start");
        sqlite3_finalize(st);
    }
    free(out);
    free(err);
    return rc;
}

static int persist_kill(sqlite3 *db, run_att *a)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "UPDATE attempts SET kill_reason=?, kill_ms=?, reason=? WHERE task_id=? AND n=?",
                           &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, a->kill_reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, bs_now_ms());
    bs_db_bind_text(st, 3, a->reason);
    sqlite3_bind_int64(st, 4, a->task_id);
    sqlite3_bind_int(st, 5, a->n);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(db, "recording kill");
    sqlite3_finalize(st);
    a->kill_persisted = rc == 0;
    return rc;
}

static int flush_usage(sqlite3 *db, const run_att *a)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "UPDATE attempts SET cpu_s=?, peak_rss_kb=?, shim_pid=?, pid=?"
                               " WHERE task_id=? AND n=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_double(st, 1, a->cpu_s);
    sqlite3_bind_int64(st, 2, a->peak_kb);
    sqlite3_bind_int(st, 3, a->shim_pid);
    sqlite3_bind_int(st, 4, a->task_pid);
    sqlite3_bind_int64(st, 5, a->task_id);
    sqlite3_bind_int(st, 6, a->n);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(db, "recording usage");
    sqlite3_finalize(st);
    return rc;
}

/* Cancel requests for attempts we run (from any process). */
static void check_cancels(bs_sched *s)
{
    sqlite3_stmt *st;
    if (bs_db_prepare(s->ws->db, "SELECT id FROM tasks WHERE state='running' AND cancel_requested=1", &st))
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        for (int i = 0; i < s->nrun; i++) {
            run_att *a = &s->run[i];
            if (a->task_id == id && !a->kill_reason && !a->done) {
                a->kill_reason = "cancelled";
                snprintf(a->reason, sizeof a->reason, "cancelled while running");
            }
        }
    }
    sqlite3_finalize(st);
}

/* Waits for a supervisor to exit or until the next deadline. */
static void wait_round(bs_sched *s, int64_t max_wait_ms)
{
    int64_t mono = bs_now_mono_ms(), now = bs_now_ms();
    int64_t wait = max_wait_ms;
    struct pollfd pf[64];
    int np = 0;
    for (int i = 0; i < s->nrun; i++) {
        run_att *a = &s->run[i];
        if (a->done) {
            wait = 0;
            continue;
        }
        if (a->pidfd >= 0 && np < 64)
            pf[np++] = (struct pollfd){a->pidfd, POLLIN, 0};
        if (a->sh.pid_fd >= 0 && np < 64)
            pf[np++] = (struct pollfd){a->sh.pid_fd, POLLIN, 0};
        int64_t d = a->next_sample - mono;
        if (d < wait)
            wait = d;
        if (a->timeout_ms > 0 && !a->kill_reason && a->started_ms + a->timeout_ms - now < wait)
            wait = a->started_ms + a->timeout_ms - now;
        if (a->term_mono && !a->hard_killed && a->term_mono + s->o.kill_grace_ms - mono < wait)
            wait = a->term_mono + s->o.kill_grace_ms - mono;
    }
    if (s->nretry > 0 && s->retry_due_ms - now < wait)
        wait = s->retry_due_ms - now;
    if (s->next_ext_check - mono < wait)
        wait = s->next_ext_check - mono;
    if (wait < 0)
        wait = 0;
    if (wait > 0 || np > 0)
        poll(pf, (nfds_t)np, (int)wait);
}

/* Marks attempts whose supervisor exited as done. */
static void collect(bs_sched *s, int64_t mono)
{
    for (int i = 0; i < s->nrun; i++) {
        run_att *a = &s->run[i];
        if (a->done)
            continue;
        if (a->sh.pid_fd >= 0 && orch_shim_read_pid(&a->sh) > 0) {
            a->task_pid = a->sh.task_pid;
            a->next_flush = mono;           /* record the pid this round */
        }
        bool exited = false;
        if (a->pidfd >= 0) {
            struct pollfd pf = {a->pidfd, POLLIN, 0};
            exited = poll(&pf, 1, 0) > 0;
        } else {
            exited = true;      /* supervisor unknown: rely on the record */
        }
        if (!exited)
            continue;
        if (a->own_child)
            while (waitpid(a->shim_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (a->sh.pid_fd >= 0 && orch_shim_read_pid(&a->sh) > 0)
            a->task_pid = a->sh.task_pid;
        a->done = true;
        a->have_rec = orch_exit_read(a->base, &a->rec) == 0;
    }
}

/* Sampling and enforcement; new kill decisions are persisted in the
 * round's transaction before any signal goes out. */
static void monitor(bs_sched *s, int64_t mono, int64_t now)
{
    for (int i = 0; i < s->nrun; i++) {
        run_att *a = &s->run[i];
        if (a->done)
            continue;
        if (a->next_sample <= mono) {
            run_att_sample(a, mono);
            a->next_sample = mono + s->o.sample_ms;
        }
        if (!a->kill_reason)
            a->kill_reason = run_att_check(a, &s->lim, now);
    }
}

static void send_signals(bs_sched *s, int64_t mono)
{
    for (int i = 0; i < s->nrun; i++) {
        run_att *a = &s->run[i];
        if (a->done || !a->kill_reason || !a->kill_persisted || a->task_pid <= 0)
            continue;           /* (pid not known yet: next round) */
        if (!a->term_mono) {
            a->term_mono = mono;
            if (!strcmp(a->kill_reason, "oom")) {
                run_att_signal(a, SIGKILL);
                a->hard_killed = true;
            } else {
                run_att_signal(a, SIGTERM);
            }
        } else if (!a->hard_killed && mono >= a->term_mono + s->o.kill_grace_ms) {
            run_att_signal(a, SIGKILL);
            a->hard_killed = true;
        }
    }
}

static int retry_stats(bs_sched *s, int64_t now, orch_tx *tx)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->ws->db, "SELECT id FROM tasks WHERE state='retry-wait' AND not_before_ms<=?"
                                      " LIMIT 256", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    int64_t due[256];
    int nd = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        due[nd++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    for (int i = 0; i < nd && rc == 0; i++)
        rc = orch_transition(tx, due[i], BS_TASK_READY, ",\"retry\":true", NULL);
    if (rc)
        return rc;
    if ((rc = bs_db_prepare(s->ws->db, "SELECT count(*), min(not_before_ms) FROM tasks"
                                       " WHERE state='retry-wait'", &st)))
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        s->nretry = sqlite3_column_int(st, 0);
        s->retry_due_ms = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The round's main transaction.  Fills items[] with what to start. */
static int round_tx(bs_sched *s, start_item *items, int *nitems, int64_t mono, int64_t now)
{
    orch_tx tx;
    int rc = orch_begin(s->ws, &tx);
    if (rc)
        return rc;
    for (int i = 0; i < s->nrun && rc == 0; i++) {
        run_att *a = &s->run[i];
        if (a->done) {
            orch_result r;
            run_att_result(a, &a->rec, a->have_rec, &r);
            rc = orch_attempt_finish(&tx, a->task_id, a->n, &r);
            continue;
        }
        if (a->kill_reason && !a->kill_persisted)
            rc = persist_kill(s->ws->db, a);
        if (rc == 0 && a->next_flush <= mono) {
            rc = flush_usage(s->ws->db, a);
            a->next_flush = mono + 2000;
        }
    }
    if (rc == 0)
        rc = retry_stats(s, now, &tx);
    /* Resources of finished attempts are free for this decision. */
    for (int i = 0; i < s->nrun; i++)
        if (s->run[i].done)
            account(s, &s->run[i], -1);
    cand c[64];
    int nc = 0;
    if (rc == 0)
        rc = decide(s, c, 64, &nc);
    for (int i = 0; i < s->nrun; i++)
        if (s->run[i].done)
            account(s, &s->run[i], +1);
    *nitems = 0;
    for (int i = 0; i < nc && rc == 0; i++) {
        start_item *it = &items[*nitems];
        memset(it, 0, sizeof *it);
        it->c = c[i];
        rc = begin_attempt(s, &tx, it, now);
        (*nitems)++;
    }
    if (rc == 0)
        rc = orch_commit(&tx);
    else
        orch_rollback(&tx);
    if (rc) {
        for (int i = 0; i < *nitems; i++)
            start_item_free(&items[i]);
        *nitems = 0;
        /* Kill decisions not stored are stored by the next round. */
        for (int i = 0; i < s->nrun; i++)
            if (s->run[i].kill_reason && !s->run[i].term_mono)
                s->run[i].kill_persisted = false;
        return rc;
    }
    for (int i = s->nrun - 1; i >= 0; i--)
        if (s->run[i].done)
            remove_run(s, i);
    return 0;
}

/* Forks the supervisors of the started items and records their pids. */
static int launch(bs_sched *s, start_item *items, int n, int64_t mono)
{
    char home_env[4200];
    snprintf(home_env, sizeof home_env, "BRAINSMITH_HOME=%s", s->ws->home);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        start_item *it = &items[i];
        run_att *a = add_run(s);
        if (!a) {
            rc = bs_error_set(BS_ENOMEM, "launch: out of memory");
            break;
        }
        a->task_id = it->c.id;
        a->n = it->n;
        a->base = orch_attempt_base(s->ws, it->c.id, it->n);
        a->cpus = it->c.cpus;
        a->mem_mb = it->c.mem_mb;
        memcpy(a->lic, it->c.lic, sizeof a->lic);
        a->nlic = it->c.nlic;
        a->started_ms = it->started_ms;
        a->timeout_ms = it->timeout_ms;
        a->next_sample = mono + (s->o.sample_ms < 100 ? s->o.sample_ms : 100);
        a->next_flush = mono + 2000;
        account(s, a, +1);
        char idenv[48], attenv[48], buildenv[96];
        size_t ne = 0;
        while (it->env[ne])
            ne++;
        snprintf(idenv, sizeof idenv, "BRAINSMITH_TASK_ID=%lld", (long long)it->c.id);
        snprintf(attenv, sizeof attenv, "BRAINSMITH_ATTEMPT=%d", it->n);
        snprintf(buildenv, sizeof buildenv, "BRAINSMITH_BUILD_ID=%s", it->build ? it->build : "");
        it->env[ne++] = strdup(idenv);
        it->env[ne++] = strdup(attenv);
        it->env[ne++] = strdup(home_env);
        it->env[ne++] = strdup(buildenv);
        char out[4200], err[4200];
        snprintf(out, sizeof out, "%s.out", a->base);
        snprintf(err, sizeof err, "%s.err", a->base);
        orch_shim_req rq = {a->base, (const char *const *)it->argv, (const char *const *)it->env,
                            it->cwd, out, err};
        orch_shim sh;
        int r = a->base ? orch_shim_start(&rq, &sh) : bs_error_set(BS_ENOMEM, "launch: out of memory");
        if (r) {
            /* Could not even fork the supervisor: a spawn failure. */
            a->done = true;
            a->have_rec = true;
            memset(&a->rec, 0, sizeof a->rec);
            a->rec.spawn_failed = true;
            snprintf(a->rec.msg, sizeof a->rec.msg, "%s", bs_error_msg());
            continue;
        }
        a->shim_pid = sh.shim_pid;
        a->own_child = true;
        a->sh = sh;                 /* the task pid arrives on sh.pid_fd */
        a->pidfd = pidfd_open_(sh.shim_pid);
    }
    for (int i = 0; i < n; i++)
        start_item_free(&items[i]);
    return rc;
}

int bs_sched_step(bs_sched *s, int64_t max_wait_ms, bool *idle)
{
    if (idle)
        *idle = false;
    wait_round(s, max_wait_ms);
    int64_t mono = bs_now_mono_ms(), now = bs_now_ms();
    collect(s, mono);
    monitor(s, mono, now);
    int64_t dv = data_version(s->ws->db);
    if (dv != s->data_version || mono >= s->next_ext_check) {
        s->data_version = dv;
        check_cancels(s);
        s->next_ext_check = mono + 250;
    }
    start_item items[64];
    int nitems = 0;
    int rc = round_tx(s, items, &nitems, mono, now);
    if (rc)
        return rc;
    send_signals(s, mono);
    rc = launch(s, items, nitems, mono);
    if (idle)
        *idle = s->nrun == 0 && s->nretry == 0 && nitems == 0;
    return rc;
}

static bool all_final(bs_sched *s, const int64_t *ids, int n, int *first_open)
{
    while (*first_open < n) {
        sqlite3_stmt *st;
        if (bs_db_prepare(s->ws->db, "SELECT state FROM tasks WHERE id=?", &st))
            return false;
        sqlite3_bind_int64(st, 1, ids[*first_open]);
        bs_task_state ts = BS_TASK_WAITING;
        bool found = sqlite3_step(st) == SQLITE_ROW && orch_state_col(st, 0, &ts) == 0;
        sqlite3_finalize(st);
        if (found && !bs_task_state_final(ts))
            return false;
        (*first_open)++;
    }
    return true;
}

int bs_sched_run(bs_sched *s, const int64_t *ids, int n, bool until_idle)
{
    int first_open = 0;
    while (!s->stop) {
        bool idle;
        int rc = bs_sched_step(s, 1000, &idle);
        if (rc) {
            /* A busy database (a long reader/writer elsewhere) is not fatal. */
            if (rc == BS_EBUSY) {
                BS_WARN("scheduler: %s; retrying", bs_error_msg());
                continue;
            }
            return rc;
        }
        if (ids && n > 0) {
            if (all_final(s, ids, n, &first_open))
                return 0;
            if (idle)
                return bs_error_set(BS_ESTATE, "the queue is idle but task %lld is not finished "
                                               "(its request exceeds what this scheduler manages?)",
                                    (long long)ids[first_open]);
        } else if (until_idle && idle) {
            return 0;
        }
    }
    return 0;
}

void bs_sched_close(bs_sched *s, bool kill_running)
{
    if (!s)
        return;
    if (kill_running && s->nrun > 0) {
        for (int i = 0; i < s->nrun; i++)
            if (!s->run[i].done)
                run_att_signal(&s->run[i], SIGKILL);
        for (int i = 0; i < s->nrun; i++) {
            run_att *a = &s->run[i];
            if (a->done || a->pidfd < 0)
                continue;
            struct pollfd pf = {a->pidfd, POLLIN, 0};
            poll(&pf, 1, 5000);
        }
        collect(s, bs_now_mono_ms());
        orch_tx tx;
        if (orch_begin(s->ws, &tx) == 0) {
            int rc = 0;
            for (int i = 0; i < s->nrun && rc == 0; i++) {
                run_att *a = &s->run[i];
                orch_result r;
                run_att_result(a, &a->rec, false, &r);
                snprintf(a->reason, sizeof a->reason, "stopped with the scheduler; will run again");
                rc = orch_attempt_finish(&tx, a->task_id, a->n, &r);
            }
            if (rc == 0)
                orch_commit(&tx);
            else
                orch_rollback(&tx);
        }
    }
    if (s->lockfd >= 0) {
        orch_tx tx;
        if (orch_begin(s->ws, &tx) == 0) {
            char payload[64];
            snprintf(payload, sizeof payload, "{\"pid\":%d,\"detached\":%d}", (int)getpid(),
                     kill_running ? 0 : s->nrun);
            if (orch_event(&tx, "sched.stop", NULL, 0, payload) == 0)
                orch_commit(&tx);
            else
                orch_rollback(&tx);
        }
        close(s->lockfd);       /* releases the workspace lock */
    }
    for (int i = 0; i < s->nrun; i++)
        run_att_free(&s->run[i]);
    free(s->run);
    free(s->warned);
    free(s);
}
