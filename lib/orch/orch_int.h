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
/* Number of successful orch_commit() calls in this process so far. */
uint64_t orch_commit_count(void);
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

/* Lost attempts after which a task fails instead of running again. */
#define ORCH_MAX_LOST 5

/* Records attempt n of task id and moves the task on: succeeded, retry-wait
 * (class retried and budget left), ready again (lost: not charged, up to
 * ORCH_MAX_LOST times), cancelled (cancel requested) or failed; dependents
 * follow. */
int orch_attempt_finish(orch_tx *tx, int64_t id, int n, const orch_result *r);

/* Column helpers. */
char *orch_col_dup(sqlite3_stmt *st, int i);
int orch_state_col(sqlite3_stmt *st, int i, bs_task_state *out);

/* ---- the supervisor (shim.c) ---- */
typedef struct orch_shim_req {
    const char *base;           /* <home>/logs/<task>-<n>: .run/.out/.err */
    const char *const *argv;
    const char *const *env_add;
    const char *cwd;
    const char *out_path, *err_path;
} orch_shim_req;

typedef struct orch_shim {
    pid_t shim_pid;
    int pid_fd;                 /* non-blocking pipe: the task's pid arrives here */
    pid_t task_pid;             /* 0 until read (or if the task could not start) */
    int64_t task_ticks;
} orch_shim;

/* Forks the supervisor of one attempt; it holds <base>.run locked for its
 * whole life, starts the task in its own process group, records pids and
 * finally the exit status in <base>.run, and survives the death of the
 * scheduler. */
int orch_shim_start(const orch_shim_req *rq, orch_shim *out);
/* Reads the task pid once the shim sent it: 1 got it (pid_fd closed), 0 not
 * yet, -1 never will (the task could not start; pid_fd closed). */
int orch_shim_read_pid(orch_shim *sh);

/* What the exit slot of <base>.run says. */
typedef struct orch_exit_rec {
    bool spawn_failed;
    char msg[256];              /* spawn error */
    int wstatus;
    double cpu_s;
    int64_t maxrss_kb;
    int64_t end_ms;
} orch_exit_rec;

/* 0 and *rec filled; BS_ENOTFOUND if there is no exit record (yet). */
int orch_exit_read(const char *base, orch_exit_rec *rec);
/* Supervisor and task pids with their start ticks (task 0 if not yet). */
int orch_pid_read(const char *base, pid_t *shim, int64_t *shim_ticks, pid_t *task, int64_t *task_ticks);
/* True if some process still holds <base>.run (the supervisor lives). */
bool orch_shim_lock_held(const char *base, bool *exists);

/* <home>/logs/<id>-<n> (malloc'd); the logs directory exists after
 * bs_sched_open. */
char *orch_attempt_base(bs_workspace *ws, int64_t id, int n);

#endif
