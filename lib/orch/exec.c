/* exec.c - the local executor's view of one running attempt: usage
 * sampling from /proc, enforcement (memory, timeout, cancel), signalling
 * the task's process group, and turning what the supervisor recorded into
 * an attempt result with its failure class.
 *
 * Signals always go to the whole process group (kill(-pgid)), so the
 * task's children and grandchildren stop with it.  The pgid stays valid
 * while the supervisor has not reaped the leader, which is exactly while
 * the attempt counts as running here. */
#include "sched_int.h"

#include "brainsmith/error.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void run_att_sample(run_att *a, int64_t mono)
{
    if (a->task_pid <= 0)
        return;
    bs_usage u;
    if (bs_proc_group_usage(a->task_pid, &u) == 0 && u.nprocs > 0) {
        if (u.rss_kb > a->peak_kb)
            a->peak_kb = u.rss_kb;
        if (u.cpu_s > a->cpu_s)
            a->cpu_s = u.cpu_s;
        a->last_rss_kb = u.rss_kb;
    }
    a->next_sample = mono;
}

void run_att_signal(run_att *a, int sig)
{
    if (a->task_pid > 0 && kill(-a->task_pid, sig) < 0 && errno != ESRCH)
        BS_WARN("task %lld: kill(-%d, %d): %s", (long long)a->task_id, (int)a->task_pid, sig,
                strerror(errno));
}

/* Decides whether a (not yet killed) attempt must be stopped now. */
const char *run_att_check(run_att *a, const run_limits *lim, int64_t now_ms)
{
    if (a->kill_reason)
        return NULL;
    if (a->mem_mb > 0) {
        int64_t margin = lim->oom_margin_mb > 0 ? lim->oom_margin_mb
                                                : (a->mem_mb / 10 > 64 ? a->mem_mb / 10 : 64);
        int64_t limit_kb = (a->mem_mb + margin) * 1024;
        if (a->last_rss_kb > limit_kb) {
            snprintf(a->reason, sizeof a->reason,
                     "resident memory %lld MB exceeded the %lld MB request + %lld MB margin",
                     (long long)(a->last_rss_kb / 1024), (long long)a->mem_mb, (long long)margin);
            return "oom";
        }
    }
    if (a->timeout_ms > 0 && now_ms - a->started_ms >= a->timeout_ms) {
        snprintf(a->reason, sizeof a->reason, "timed out after %.1f s", (double)a->timeout_ms / 1000.0);
        return "timeout";
    }
    return NULL;
}

static const char *signame(int sig)
{
    const char *s = sigabbrev_np(sig);
    return s ? s : "?";
}

void run_att_result(run_att *a, const orch_exit_rec *rec, bool have_rec, orch_result *r)
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    r->cpu_s = a->cpu_s;
    r->peak_rss_kb = a->peak_kb;
    r->end_ms = bs_now_ms();
    if (!have_rec) {
        r->cls = BS_FAIL_LOST;
        if (!a->reason[0])
            snprintf(a->reason, sizeof a->reason, "no exit status was recorded for this attempt (the "
                                                  "scheduler or its supervisor died); the task runs again");
        r->reason = a->reason;
        return;
    }
    if (rec->end_ms)
        r->end_ms = rec->end_ms;
    if (rec->cpu_s > r->cpu_s)
        r->cpu_s = rec->cpu_s;
    if (rec->maxrss_kb > r->peak_rss_kb)
        r->peak_rss_kb = rec->maxrss_kb;
    if (rec->spawn_failed) {
        r->cls = BS_FAIL_SPAWN;
        snprintf(a->reason, sizeof a->reason, "%s", rec->msg);
        r->reason = a->reason;
        return;
    }
    bs_exit e;
    bs_exit_decode(rec->wstatus, &e);
    r->exit_code = e.exited ? e.code : -1;
    r->signal = e.signal;
    if (e.exited && e.code == 0) {
        r->cls = BS_FAIL_NONE;
        return;
    }
    if (a->kill_reason) {
        bs_fail_class c = BS_FAIL_SIGNAL;
        bs_fail_class_parse(a->kill_reason, &c);
        r->cls = c;
        if (!a->reason[0])
            snprintf(a->reason, sizeof a->reason, "%s", a->kill_reason);
    } else if (e.exited) {
        r->cls = BS_FAIL_EXIT;
        snprintf(a->reason, sizeof a->reason, "exit code %d", e.code);
    } else {
        r->cls = BS_FAIL_SIGNAL;
        snprintf(a->reason, sizeof a->reason, "killed by signal %d (SIG%s)", e.signal, signame(e.signal));
    }
    r->reason = a->reason;
}

void run_att_free(run_att *a)
{
    if (a->pidfd >= 0)
        close(a->pidfd);
    if (a->sh.pid_fd >= 0)
        close(a->sh.pid_fd);
    free(a->base);
    memset(a, 0, sizeof *a);
    a->pidfd = -1;
    a->sh.pid_fd = -1;
}
