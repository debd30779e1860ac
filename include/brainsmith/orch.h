/* orch.h - the persistent build orchestrator: task queue, scheduler and
 * local executor.
 *
 * A task is a command line (argv, cwd, extra environment) with a priority,
 * a resource request (cpus, memory, named licenses), dependencies on other
 * tasks, a retry policy, a timeout, an optional idempotency key, an
 * optional build id and a reserved cache key.  Everything lives in the
 * workspace database (tables tasks, task_deps, attempts, events; module
 * "orch" of bs_db_migrate), so any number of processes may submit, cancel
 * and query while exactly one scheduler per workspace (a file lock) runs
 * tasks.  A scheduler killed at any moment and restarted loses nothing,
 * runs nothing twice and re-adopts tasks whose process still lives.
 *
 * Every state change is stored in the events table (with its sequence
 * number) in the same transaction as the change, then published on
 * ws->bus with that seq.  See docs/orchestrator.md for the state machine,
 * ordering, resource and crash-safety rules. */
#ifndef BRAINSMITH_ORCH_H
#define BRAINSMITH_ORCH_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include "brainsmith/arena.h"
#include "brainsmith/workspace.h"

/* ---- states and failure classes ---- */
typedef enum {
    BS_TASK_WAITING = 0,   /* waiting for its dependencies */
    BS_TASK_READY,         /* runnable, waits for resources */
    BS_TASK_RUNNING,
    BS_TASK_RETRY_WAIT,    /* failed attempt, next one after a backoff */
    BS_TASK_SUCCEEDED,
    BS_TASK_FAILED,
    BS_TASK_CANCELLED,
    BS_TASK_DEP_FAILED,    /* a dependency ended other than succeeded */
    BS_TASK_NSTATES
} bs_task_state;

/* "waiting", "ready", "running", "retry-wait", "succeeded", "failed",
 * "cancelled", "dependency-failed". */
const char *bs_task_state_name(bs_task_state s);
int bs_task_state_parse(const char *s, bs_task_state *out);
/* True for succeeded, failed, cancelled, dependency-failed. */
bool bs_task_state_final(bs_task_state s);

typedef enum {
    BS_FAIL_NONE = 0,
    BS_FAIL_EXIT,          /* non-zero exit code */
    BS_FAIL_SIGNAL,        /* killed by a signal we did not send */
    BS_FAIL_OOM,           /* group RSS over the memory request + margin */
    BS_FAIL_TIMEOUT,
    BS_FAIL_SPAWN,         /* could not start (no such program, bad cwd) */
    BS_FAIL_DEP,           /* dependency-failed (never ran) */
    BS_FAIL_CANCELLED,
    BS_FAIL_LOST,          /* no exit recorded: started never (crash before launch) or its
                              supervisor was killed; not charged, the task runs again */
    BS_FAIL_NCLASSES
} bs_fail_class;

#define BS_FAIL_BIT(c) (1u << (c))
/* Default classes that are retried when max_attempts > 1. */
#define BS_RETRY_DEFAULT (BS_FAIL_BIT(BS_FAIL_EXIT) | BS_FAIL_BIT(BS_FAIL_SIGNAL) | \
                          BS_FAIL_BIT(BS_FAIL_TIMEOUT))

/* "", "exit", "signal", "oom", "timeout", "spawn", "dependency-failed",
 * "cancelled", "lost". */
const char *bs_fail_class_name(bs_fail_class c);
int bs_fail_class_parse(const char *s, bs_fail_class *out);
/* Parses "exit,signal,oom" (or "none", "all") into a bit mask. */
int bs_fail_mask_parse(const char *s, unsigned *mask);

/* ---- priorities ---- */
#define BS_PRIO_LOW 0
#define BS_PRIO_NORMAL 100
#define BS_PRIO_HIGH 200
#define BS_PRIO_URGENT 300
#define BS_PRIO_MIN (-10000)
#define BS_PRIO_MAX 10000
/* Aging: a waiting task gains one priority point per this many ms, so a
 * low task that waited 30 min ranks with a fresh normal one. */
#define BS_ORCH_AGING_MS_PER_POINT 18000
/* "low|normal|high|urgent" or an integer in [BS_PRIO_MIN, BS_PRIO_MAX]. */
int bs_priority_parse(const char *s, int *out);

/* ---- task specification ---- */
typedef struct bs_license_req {
    char name[32];
    int count;
} bs_license_req;
#define BS_ORCH_MAX_LICENSES 8
/* Parses "vivado=1,modelsim=2" (also a single "vivado=1"); appends to
 * lic[*n] (deduplicating names by summing). */
int bs_license_parse(const char *s, bs_license_req *lic, int *n);

typedef struct bs_retry_policy {
    int max_attempts;      /* >= 1; 1 = no retry */
    int64_t backoff_base_ms;   /* delay before attempt 2 */
    double backoff_factor;     /* multiplied per further attempt */
    int64_t backoff_cap_ms;    /* upper bound of a delay */
    double jitter;             /* 0..1: the delay is drawn from [d*(1-jitter), d] */
    unsigned retry_on;         /* mask of BS_FAIL_BIT(class) */
} bs_retry_policy;

typedef struct bs_task_spec {
    const char *name;                 /* label, may be NULL */
    const char *const *argv;          /* NULL-terminated, required */
    const char *cwd;                  /* NULL: the scheduler's cwd */
    const char *const *env;           /* NULL-terminated "K=V" added to the scheduler's env */
    int priority;
    int cpus;                         /* >= 1 */
    int64_t mem_mb;                   /* 0 = not declared (not enforced) */
    bs_license_req licenses[BS_ORCH_MAX_LICENSES];
    int nlicenses;
    const int64_t *after;             /* ids of existing tasks this one needs */
    int nafter;
    const int *after_local;           /* batch submit: indices of earlier/later specs */
    int nafter_local;
    bs_retry_policy retry;
    int64_t timeout_ms;               /* 0 = none */
    const char *key;                  /* idempotency key, may be NULL */
    const char *build_id;             /* builds.id, may be NULL */
    const char *cache_key;            /* reserved for the step cache, may be NULL */
    int64_t created_ms;               /* 0 = now (imports and tests may back-date) */
} bs_task_spec;

/* Defaults: normal priority, 1 cpu, no memory/licenses, 1 attempt, backoff
 * 1 s x2 capped at 5 min with 0.2 jitter, BS_RETRY_DEFAULT, no timeout. */
void bs_task_spec_init(bs_task_spec *s);

/* Opens (migrating) the orchestrator tables of ws.  Every function below
 * calls it on first use; calling it early only surfaces errors sooner. */
int bs_orch_init(bs_workspace *ws);

/* Submits one task; *id gets its id.  With a key that was used before, no
 * task is created: *id is the existing task and *existed is set.  Unknown
 * dependency ids are BS_ENOTFOUND.  A dependency that already failed for
 * good makes the new task dependency-failed at once. */
int bs_orch_submit(bs_workspace *ws, const bs_task_spec *spec, int64_t *id, bool *existed);

/* Submits n tasks atomically (all or none); ids[i] gets the id of specs[i].
 * after_local refers to other specs of the batch; a cycle among them is
 * BS_ECYCLE naming the tasks, and nothing is stored. */
int bs_orch_submit_batch(bs_workspace *ws, const bs_task_spec *specs, int n, int64_t *ids);

/* Parses a JSON array of task objects (fields: name, cmd, after, priority,
 * cpus, mem, licenses, retries, backoff, retry_on, timeout, key, build,
 * cwd, env; see docs/orchestrator.md) into specs for
 * bs_orch_submit_batch.  "after" names tasks of the array (after_local)
 * or ids of existing tasks.  Everything is allocated in `a`; `what` names
 * the source in errors (BS_EINVAL naming task and field). */
int bs_orch_dag_parse(const cJSON *arr, const char *what, bs_arena *a, bs_task_spec **specs, int *n);

/* Cancels a task.  Not yet running: it ends cancelled at once (dependents
 * end dependency-failed).  Running: the scheduler is asked to stop it
 * (SIGTERM, then SIGKILL to its process group after the grace period).
 * Already final: BS_ESTATE.  *state (may be NULL) gets the state after. */
int bs_orch_cancel(bs_workspace *ws, int64_t id, bs_task_state *state);

/* Runs a failed / cancelled / dependency-failed task again with a fresh
 * attempt budget; its dependency-failed dependents go back to waiting.
 * A task whose own dependencies did not succeed is BS_ESTATE. */
int bs_orch_retry(bs_workspace *ws, int64_t id);

/* ---- queries ---- */
typedef struct bs_task_info {
    int64_t id;
    char *name, *build_id, *cwd, *key, *cache_key;
    char **argv;                      /* NULL-terminated */
    char **env;                       /* NULL-terminated */
    int priority, cpus;
    int64_t mem_mb;
    char *licenses;                   /* canonical "a=1,b=2" or NULL */
    bs_retry_policy retry;
    int64_t timeout_ms;
    bs_task_state state;
    bs_fail_class fail_class;         /* of the last attempt, if failed */
    int exit_code;                    /* of the last attempt; -1 if none / signalled */
    char *reason;                     /* human detail of the final state, may be NULL */
    int attempts;                     /* attempt rows */
    int tries;                        /* attempts charged against max_attempts */
    bool cancel_requested;
    int64_t *deps;
    int ndeps;
    int64_t created_ms, started_ms, finished_ms, not_before_ms;
} bs_task_info;

typedef struct bs_attempt_info {
    int64_t task_id;
    int n;                            /* 1-based */
    char state[16];                   /* "running", "succeeded", "failed" */
    bs_fail_class fail_class;
    int exit_code, signal;            /* -1 / 0 when not applicable */
    char *reason;
    int64_t started_ms, finished_ms;
    double cpu_s;
    int64_t peak_rss_kb;
    int pid;
    char *log_out, *log_err;
} bs_attempt_info;

int bs_orch_task_get(bs_workspace *ws, int64_t id, bs_task_info *out);
void bs_task_info_free(bs_task_info *t);
/* Lists tasks newest first: build_id / state filters may be NULL / -1;
 * limit 0 = all.  *out is a malloc'd array of *n entries. */
int bs_orch_task_list(bs_workspace *ws, const char *build_id, int state, int limit,
                      bs_task_info **out, int *n);
void bs_task_info_free_array(bs_task_info *t, int n);
int bs_orch_attempts(bs_workspace *ws, int64_t id, bs_attempt_info **out, int *n);
void bs_attempt_info_free_array(bs_attempt_info *a, int n);
/* Number of tasks per state (optionally of one build). */
int bs_orch_counts(bs_workspace *ws, const char *build_id, int64_t counts[BS_TASK_NSTATES]);
/* Log file of a task's attempt (0 = the latest); malloc'd path. */
int bs_orch_log_path(bs_workspace *ws, int64_t id, int attempt, bool err, char **out);

/* Events stored after seq `since`, oldest first, at most max (0 = all);
 * stops early if fn returns non-zero. */
typedef int (*bs_orch_event_fn)(const bs_event *ev, void *ud);
int bs_orch_events_read(bs_workspace *ws, int64_t since, int max, bs_orch_event_fn fn, void *ud);
/* Highest stored seq (0 if none). */
int bs_orch_events_last(bs_workspace *ws, int64_t *seq);
/* Stores events that others publish on ws->bus with seq 0 (e.g. step
 * progress of the workflow engine) in the events table.  Returns the
 * subscription id (for bs_bus_unsubscribe) or a negative error. */
int bs_orch_events_attach(bs_workspace *ws);

/* Pid of the scheduler running this workspace, 0 if none (read from the
 * kernel's lock table; takes no lock itself). */
int bs_orch_scheduler_pid(bs_workspace *ws, int *pid);

/* Blocks until every task of ids is final or timeout_ms passes (0 = no
 * limit; BS_ETIMEOUT then).  Works with a scheduler in another process. */
int bs_orch_wait(bs_workspace *ws, const int64_t *ids, int n, int64_t timeout_ms);

/* ---- the scheduler ---- */
typedef struct bs_sched_opts {
    int cpus;                          /* 0 = number of online cpus */
    int64_t mem_mb;                    /* 0 = physical memory */
    bs_license_req licenses[BS_ORCH_MAX_LICENSES];
    int nlicenses;
    int64_t sample_ms;                 /* /proc sampling period, 0 = 500 */
    int64_t kill_grace_ms;             /* SIGTERM -> SIGKILL, 0 = 5000 */
    int64_t oom_margin_mb;             /* RSS allowed over the request, 0 = max(64, 10%) */
    int lookahead;                     /* ready tasks examined per decision, 0 = 256 */
} bs_sched_opts;

typedef struct bs_sched bs_sched;

/* Becomes the scheduler of ws: takes the workspace lock (BS_EBUSY naming
 * the pid of the scheduler already running), then recovers: attempts left
 * running by a previous scheduler are re-adopted if their supervisor still
 * lives, finished from the exit record it left, or ended `lost` and
 * retried.  Publishes "sched.start". */
int bs_sched_open(bs_workspace *ws, const bs_sched_opts *opts, bs_sched **out);

/* One scheduling round: collects finished attempts, samples usage, enforces
 * memory / timeouts / cancellations, promotes due retries, starts what fits.
 * Waits up to max_wait_ms for something to happen first.  *idle (may be
 * NULL) is set when nothing runs, nothing waits for a retry and nothing
 * could be started. */
int bs_sched_step(bs_sched *s, int64_t max_wait_ms, bool *idle);

/* Runs rounds until: ids given -> all of them are final (BS_ESTATE if the
 * queue went idle first, e.g. a request no resource can cover); no ids and
 * until_idle -> idle; otherwise until bs_sched_stop(). */
int bs_sched_run(bs_sched *s, const int64_t *ids, int n, bool until_idle);

/* Asks bs_sched_run to return after the current round (async-signal-safe). */
void bs_sched_stop(bs_sched *s);

/* Scheduling decision alone (benchmarks, tests): the ids of the ready
 * tasks that the next round would start, in order, without starting them. */
int bs_sched_decide(bs_sched *s, int64_t *ids, int max, int *n);

/* Number of attempts this scheduler supervises right now. */
int bs_sched_running(const bs_sched *s);

/* Releases the lock.  Running tasks keep running under their supervisors
 * and are re-adopted by the next scheduler (that is also what a crash
 * does).  With kill_running they are cancelled and put back to ready
 * without charging an attempt. */
void bs_sched_close(bs_sched *s, bool kill_running);

#endif
