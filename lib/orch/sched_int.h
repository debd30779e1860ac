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
} run_att;

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
int sched_pidfd_open(pid_t pid);

#endif
