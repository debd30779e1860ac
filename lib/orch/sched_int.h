/* sched_int.h - the scheduler's in-memory record of a running attempt,
 * shared by sched.c (lifecycle, decisions) and exec.c (sampling,
 * enforcement, classification). */
#ifndef BRAINSMITH_SCHED_INT_H
#define BRAINSMITH_SCHED_INT_H

#include "orch_int.h"

#include <signal.h>

typedef struct run_att {
    int64_t task_id;
    int n;                      /* attempt number */
    char *base;                 /* <home>/logs/<task>-<n> */
    pid_t shim_pid;
    bool own_child;             /* forked by this scheduler: reap it */
    int pidfd;                  /* of the shim; -1 if unknown */
    pid_t task_pid;             /* process group id of the task; 0 if not (yet) known */
    orch_shim sh;               /* pid_fd >= 0 while the task pid is awaited */
    int cpus;
    int64_t mem_mb;
    bs_license_req lic[BS_ORCH_MAX_LICENSES];
    int nlic;
    int64_t started_ms, timeout_ms;
    int64_t next_sample;        /* mono ms */
    int64_t next_flush;         /* mono ms: usage written to attempts */
    double cpu_s;
    int64_t peak_kb, last_rss_kb;
    struct { pid_t pid; int64_t ticks; } escaped[16];  /* descendants outside the group */
    int nescaped;
    const char *kill_reason;    /* "oom", "timeout", "cancelled" once decided */
    bool kill_persisted;
    int64_t term_mono;          /* when SIGTERM went out (0 = not yet) */
    bool hard_killed;
    bool done;                  /* the shim exited: result below is valid */
    bool have_rec;
    orch_exit_rec rec;
    char reason[256];
    int cache;                  /* step cache: 1 has key + outputs, -1 not (or stored), 0 unknown */
    char *outputs;              /* its outputs directory if it has a cache key (exclusive while
                                   it runs: see sched_outputs_busy) */
    char cache_digest[65];      /* outputs stored under the key ("" if not) */
} run_att;

typedef struct sched_lease {
    int64_t id;                 /* task whose outputs these are */
    char digest[65];
} sched_lease;

typedef struct run_limits {
    int64_t oom_margin_mb;
} run_limits;

void run_att_sample(run_att *a, int64_t mono);
void run_att_signal(run_att *a, int sig);
/* "oom" / "timeout" if the attempt must be stopped now (a->reason says why). */
const char *run_att_check(run_att *a, const run_limits *lim, int64_t now_ms);
void run_att_result(run_att *a, const orch_exit_rec *rec, bool have_rec, orch_result *r);
void run_att_free(run_att *a);

/* The scheduler (sched.c: lifecycle and rounds; decide.c: resources and
 * decisions; recover.c: adopting what a previous scheduler left). */
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
    int64_t data_version;       /* PRAGMA data_version: other connections' commits */
    uint64_t seen_commits;      /* orch_commit_count() after our last round */
    bool rounds_started;
    int64_t next_ext_check;     /* mono ms */
    int64_t retry_due_ms;       /* earliest not_before of retry-wait tasks, 0 = none */
    int nretry;
    int64_t *warned;            /* unschedulable task ids already reported */
    int nwarned, capwarned;
    struct bs_art_store *art;   /* the step cache's store, opened on first use */
    bool probe_due;             /* ready tasks may wait for a cache lookup */
    sched_lease *lease;         /* outputs digests whose dependents need leases */
    int nlease, caplease;
};

typedef struct cand {
    int64_t id;
    int cpus;
    int64_t mem_mb;
    bs_license_req lic[BS_ORCH_MAX_LICENSES];
    int nlic;
} cand;


/* Resources of a running attempt taken from (+1) or returned to (-1) the pool. */
void sched_account(bs_sched *s, const run_att *a, int sign);
/* Up to max ready tasks that fit now, in rank order (see decide.c). */
int sched_decide(bs_sched *s, cand *out, int max, int *n);
/* Attempts left running by a previous scheduler (recover.c). */
int sched_recover(bs_sched *s);
run_att *sched_add_run(bs_sched *s);

/* The step cache (cache.c).  Key as the artifact store wants it: 64 hex
 * chars as is, other text hashed. */
void orch_cache_key_norm(const char *key, char out[65]);
/* Looks up ready tasks with cache_pending (restoring hits, ending them
 * cached; misses may then start); sets probe_due if more may be waiting. */
int sched_cache_probe(bs_sched *s);
/* Records what the outputs directory holds before an attempt starts
 * (<base>.pre), so that only what the attempt adds or changes is stored. */
void sched_cache_snapshot(const char *base, const char *outputs);
/* Stores the outputs of a finished successful cacheable attempt (outside
 * any transaction); a->cache_digest gets the digest. */
void sched_cache_store(bs_sched *s, run_att *a);
/* In the round's transaction: records a stored digest on the task. */
int sched_cache_record(bs_sched *s, orch_tx *tx, run_att *a);
/* True if a running cacheable attempt writes to outputs: tasks sharing an
 * outputs directory run (and are restored) one at a time, so each stores
 * exactly its own changes. */
bool sched_outputs_busy(const bs_sched *s, const char *outputs);
/* Leases pending outputs digests for the dependents (outside transactions). */
void sched_cache_leases(bs_sched *s);
void sched_cache_close(bs_sched *s);
int sched_pidfd_open(pid_t pid);

#endif
