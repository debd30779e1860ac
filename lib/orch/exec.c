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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fields of /proc/PID/stat after the comm: 3 state, 5 pgrp, 14-17
 * utime/stime/cutime/cstime, 24 rss (1-based as in proc(5)). */
static bool read_stat(pid_t pid, long *pgrp, double *cpu_s, int64_t *rss_kb, int64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    char state;
    unsigned long long ut, st;
    long long cut, cst;
    long rss;
    unsigned long long t0;
    if (!p || sscanf(p + 2, "%c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %*d %*d "
                            "%llu %*u %ld", &state, pgrp, &ut, &st, &cut, &cst, &t0, &rss) != 8)
        return false;
    *start = (int64_t)t0;
    static long tick, page_kb;
    if (!tick) {
        tick = sysconf(_SC_CLK_TCK);
        page_kb = sysconf(_SC_PAGESIZE) / 1024;
    }
    *cpu_s = (double)(ut + st + (unsigned long long)cut + (unsigned long long)cst) / (double)tick;
    *rss_kb = state == 'Z' ? 0 : rss * page_kb;
    return true;
}

/* Usage of the task's processes by walking its process tree through
 * /proc/PID/task/TID/children: cost proportional to the task, not to
 * every process of the machine (bs_proc_group_usage scans all of /proc,
 * ~1 ms on a busy host, which at 2 Hz was most of the monitoring cost).
 * Every descendant counts, also one that moved to a process group of its
 * own (tools that setsid() a helper); those are remembered in a->escaped
 * so that kills reach them too.  Processes that left the tree entirely
 * (double-forked daemons) are not seen here; the supervisor kills the
 * task's group at the end anyway.  Returns false if the walk is not
 * possible (no children files, leader gone). */
static bool tree_usage(run_att *a, pid_t leader, bs_usage *u)
{
    memset(u, 0, sizeof *u);
    a->nescaped = 0;
    pid_t stack[512];
    int sp = 0;
    stack[sp++] = leader;
    while (sp > 0) {
        pid_t pid = stack[--sp];
        long pgrp;
        double cpu;
        int64_t rss, start;
        if (!read_stat(pid, &pgrp, &cpu, &rss, &start)) {
            if (pid == leader)
                return false;
            continue;
        }
        u->cpu_s += cpu;
        u->rss_kb += rss;
        u->nprocs++;
        if (pgrp != (long)leader && a->nescaped < (int)(sizeof a->escaped / sizeof a->escaped[0])) {
            a->escaped[a->nescaped].pid = pid;
            a->escaped[a->nescaped].ticks = start;
            a->nescaped++;
        }
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] < '0' || de->d_name[0] > '9')
                continue;
            char path[128], buf[4096];
            snprintf(path, sizeof path, "%s/%s/children", dir, de->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                closedir(d);
                return false;       /* kernel without CONFIG_PROC_CHILDREN */
            }
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            buf[n > 0 ? n : 0] = '\0';
            for (char *q = buf; *q;) {
                char *end;
                long c = strtol(q, &end, 10);
                if (end == q)
                    break;
                if (sp < (int)(sizeof stack / sizeof stack[0]))
                    stack[sp++] = (pid_t)c;
                q = end;
            }
        }
        closedir(d);
    }
    return true;
}

void run_att_sample(run_att *a, int64_t mono)
{
    if (a->task_pid <= 0)
        return;
    bs_usage u;
    if ((tree_usage(a, a->task_pid, &u) || bs_proc_group_usage(a->task_pid, &u) == 0) && u.nprocs > 0) {
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
    /* Descendants in process groups of their own, seen by the last sample
     * (start ticks guard against a re-used pid). */
    for (int i = 0; i < a->nescaped; i++)
        if (bs_proc_start_ticks(a->escaped[i].pid) == a->escaped[i].ticks)
            kill(a->escaped[i].pid, sig);
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
