/* orch_int.h - private declarations shared by the orchestrator's files.
 *
 *   schema.c   tables, names, parsing of priorities/licenses, backoff
 *   store.c    transactions, the events table, state transitions and
 *              their propagation to dependents, finishing an attempt
 *   submit.c   submit (single and batch, cycle check), cancel, retry
 *   query.c    task/attempt/event reads, counts, wait
 *   shim.c     the per-attempt supervisor process and its files
 *   sched.c    the scheduler: lock, recovery, decisions, monitoring */
#ifndef BRAINSMITH_ORCH_INT_H
#define BRAINSMITH_ORCH_INT_H

#include "brainsmith/orch.h"
#include "brainsmith/db.h"

#include <sys/types.h>

int64_t orch_rank(int priority, int64_t created_ms);
char *orch_license_format(const bs_license_req *lic, int n);
/* Delay before the next attempt after `tries` charged failures (>= 1);
 * u01 is a uniform random number in [0,1) for the jitter. */
int64_t orch_backoff_ms(const bs_retry_policy *p, int tries, double u01);

/* ---- transactions and events (store.c) ---- */
typedef struct orch_tx {
    bs_workspace *ws;
    int64_t seq_lo, seq_hi;     /* events stored by this transaction */
} orch_tx;

/* Ensures the schema, then BEGIN IMMEDIATE. */
int orch_begin(bs_workspace *ws, orch_tx *tx);
/* COMMIT, then publishes the transaction's events on ws->bus (with seq). */
int orch_commit(orch_tx *tx);
void orch_rollback(orch_tx *tx);
/* Stores one event; payload is JSON object text or NULL. */
int orch_event(orch_tx *tx, const char *kind, const char *build_id, int64_t task_id,
               const char *payload);

/* Sets the state of task id (any current state) and stores a task.state
 * event whose payload is {"state","from","name"[,extra]}; extra is JSON
 * members without braces (",\"attempt\":2") or NULL.  *from (may be NULL)
 * gets the previous state. */
int orch_transition(orch_tx *tx, int64_t id, bs_task_state to, const char *extra,
                    bs_task_state *from);
/* Final failure of a task that is not running: state (failed, cancelled,
 * dependency-failed), class and reason recorded, dependents propagated. */
int orch_fail_task(orch_tx *tx, int64_t id, bs_task_state to, bs_fail_class cls,
                   const char *reason);
/* Task id succeeded: dependents with no pending dependency become ready. */
int orch_deps_succeeded(orch_tx *tx, int64_t id);
/* Task id ended without success: waiting dependents, transitively, end
 * dependency-failed. */
int orch_deps_failed(orch_tx *tx, int64_t id);

/* Result of an attempt as the executor saw it. */
typedef struct orch_result {
    bs_fail_class cls;          /* BS_FAIL_NONE = success */
    int exit_code;              /* -1 if not exited */
    int signal;
    const char *reason;         /* may be NULL */
    double cpu_s;
    int64_t peak_rss_kb;
    int64_t end_ms;
} orch_result;

/* Records attempt n of task id and moves the task on: succeeded, retry-wait
 * (class retried and budget left), ready again (lost: not charged),
 * cancelled (cancel requested) or failed; dependents follow. */
int orch_attempt_finish(orch_tx *tx, int64_t id, int n, const orch_result *r);

/* Column helpers. */
char *orch_col_dup(sqlite3_stmt *st, int i);
int orch_state_col(sqlite3_stmt *st, int i, bs_task_state *out);

/* ---- the supervisor (shim.c) ---- */
typedef struct orch_shim_req {
    const char *dir;            /* logs/<task> directory */
    int n;                      /* attempt number */
    const char *const *argv;
    const char *const *env_add;
    const char *cwd;
    const char *out_path, *err_path;
} orch_shim_req;

typedef struct orch_shim {
    pid_t shim_pid;
    pid_t task_pid;             /* 0 if the task could not start */
    int64_t task_ticks;
} orch_shim;

/* Forks the supervisor of one attempt; it holds <dir>/<n>.lock for its
 * whole life, starts the task in its own process group, writes <n>.pid and
 * finally <n>.exit, and survives the death of the scheduler. */
int orch_shim_start(const orch_shim_req *rq, orch_shim *out);

/* What <dir>/<n>.exit says. */
typedef struct orch_exit_rec {
    bool spawn_failed;
    char msg[256];              /* spawn error */
    int wstatus;
    double cpu_s;
    int64_t maxrss_kb;
    int64_t end_ms;
} orch_exit_rec;

/* 0 and *rec filled; BS_ENOTFOUND if the file is not there (yet). */
int orch_exit_read(const char *dir, int n, orch_exit_rec *rec);
/* Reads <dir>/<n>.pid: supervisor and task pids with their start ticks. */
int orch_pid_read(const char *dir, int n, pid_t *shim, int64_t *shim_ticks, pid_t *task,
                  int64_t *task_ticks);
/* True if some process still holds <dir>/<n>.lock (the supervisor lives). */
bool orch_shim_lock_held(const char *dir, int n, bool *exists);
/* Removes the attempt's control files (not its logs). */
void orch_shim_cleanup(const char *dir, int n);

/* Per-task directory for logs and control files: <home>/logs/<id>. */
char *orch_task_dir(bs_workspace *ws, int64_t id);

#endif
