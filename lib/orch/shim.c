/* shim.c - the supervisor process of one attempt.
 *
 * The scheduler does not start a task directly: it forks a small
 * supervisor (the shim) that leaves the scheduler's session, starts the
 * task in its own process group with stdout/stderr in the log files, waits
 * for it and writes its exit status and rusage to <dir>/<n>.exit.  So when
 * the scheduler is killed (kill -9) the task keeps running, its exit status
 * is still recorded, and the next scheduler adopts it.
 *
 * Control files of attempt n in the task directory:
 *   n.lock  flock'ed by the scheduler before fork and inherited by the
 *           shim, which holds it until it exits: "lock held" == "the
 *           supervisor lives", with no window in which a started attempt
 *           looks dead.
 *   n.pid   "shim PID TICKS [task PID TICKS]" (start ticks tell a re-used
 *           pid from the original).
 *   n.exit  "exit WSTATUS CPU_US MAXRSS_KB END_MS" or "spawn MESSAGE",
 *           written atomically (rename) before the shim exits.
 * After fork the shim touches no SQLite handle and leaves with _exit(). */
#include "orch_int.h"

#include "brainsmith/error.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct pid_msg {
    int32_t pid;
    int64_t ticks;
} pid_msg;

static void ctl_path(char *buf, size_t n, const char *dir, int att, const char *ext)
{
    snprintf(buf, n, "%s/%d.%s", dir, att, ext);
}

/* Writes a small file atomically (no fsync: it only has to survive the
 * scheduler, not the machine). */
static int write_small(const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    close(fd);
    return rename(tmp, path);
}

static void close_others(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo > 3)
        close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1)
        close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0U, 0);
}

static _Noreturn void shim_main(const orch_shim_req *rq, int lockfd, int wfd)
{
    setsid();
    int dn = open("/dev/null", O_RDWR);
    if (dn >= 0) {
        dup2(dn, 0);
        dup2(dn, 1);
        dup2(dn, 2);
        if (dn > 2 && dn != lockfd && dn != wfd)
            close(dn);
    }
    close_others(lockfd, wfd);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    char pidp[PATH_MAX], exitp[PATH_MAX], text[512];
    ctl_path(pidp, sizeof pidp, rq->dir, rq->n, "pid");
    ctl_path(exitp, sizeof exitp, rq->dir, rq->n, "exit");
    pid_t me = getpid();
    long long my_ticks = (long long)bs_proc_start_ticks(me);
    snprintf(text, sizeof text, "shim %d %lld\n", (int)me, my_ticks);
    write_small(pidp, text);

    bs_spawn_opts o = {
        .argv = rq->argv, .env_add = rq->env_add, .cwd = rq->cwd,
        .stdout_path = rq->out_path, .stderr_path = rq->err_path, .new_pgroup = true,
    };
    pid_t tp;
    if (bs_spawn(&o, &tp)) {
        snprintf(text, sizeof text, "spawn %s\n", bs_error_msg());
        write_small(exitp, text);
        _exit(0);
    }
    pid_msg m = {tp, bs_proc_start_ticks(tp)};
    snprintf(text, sizeof text, "shim %d %lld task %d %lld\n", (int)me, my_ticks, (int)tp,
             (long long)m.ticks);
    write_small(pidp, text);
    ssize_t w = write(wfd, &m, sizeof m);
    (void)w;
    close(wfd);

    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(tp, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    /* The task is its process group's leader; whatever it left behind in
     * the group goes with it. */
    kill(-tp, SIGKILL);
    long long cpu_us = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
                       (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
    snprintf(text, sizeof text, "exit %d %lld %ld %lld\n", st, cpu_us, ru.ru_maxrss,
             (long long)bs_now_ms());
    write_small(exitp, text);
    _exit(0);
}

int orch_shim_start(const orch_shim_req *rq, orch_shim *out)
{
    memset(out, 0, sizeof *out);
    char lockp[PATH_MAX];
    ctl_path(lockp, sizeof lockp, rq->dir, rq->n, "lock");
    int lockfd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0)
        return bs_error_set(BS_ESPAWN, "%s: %s", lockp, strerror(errno));
    if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(lockfd);
        return bs_error_set(BS_ESTATE, "%s: already locked (%s): another supervisor owns this attempt",
                            lockp, strerror(e));
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        int e = errno;
        close(lockfd);
        return bs_error_set(BS_ESPAWN, "supervisor pipe: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(lockfd);
        close(p[0]);
        close(p[1]);
        return bs_error_set(BS_ESPAWN, "fork of the supervisor: %s", strerror(e));
    }
    if (pid == 0)
        shim_main(rq, lockfd, p[1]);
    close(lockfd);               /* the shim's copy keeps the lock */
    close(p[1]);
    pid_msg m;
    size_t got = 0;
    while (got < sizeof m) {
        ssize_t r = read(p[0], (char *)&m + got, sizeof m - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(p[0]);
    out->shim_pid = pid;
    if (got == sizeof m) {
        out->task_pid = m.pid;
        out->task_ticks = m.ticks;
    }
    return 0;
}

int orch_exit_read(const char *dir, int n, orch_exit_rec *rec)
{
    memset(rec, 0, sizeof *rec);
    char path[PATH_MAX];
    ctl_path(path, sizeof path, dir, n, "exit");
    char *text = NULL;
    size_t len;
    if (!bs_path_exists(path))
        return BS_ENOTFOUND;
    int rc = bs_read_file(path, &text, &len);
    if (rc)
        return rc;
    if (!strncmp(text, "spawn ", 6)) {
        rec->spawn_failed = true;
        size_t l = strcspn(text + 6, "\n");
        snprintf(rec->msg, sizeof rec->msg, "%.*s", (int)l, text + 6);
    } else {
        long long cpu_us = 0, rss = 0, end = 0;
        if (sscanf(text, "exit %d %lld %lld %lld", &rec->wstatus, &cpu_us, &rss, &end) != 4)
            rc = bs_error_set(BS_ECORRUPT, "%s: unreadable exit record", path);
        rec->cpu_s = (double)cpu_us / 1e6;
        rec->maxrss_kb = rss;
        rec->end_ms = end;
    }
    free(text);
    return rc;
}

int orch_pid_read(const char *dir, int n, pid_t *shim, int64_t *shim_ticks, pid_t *task,
                  int64_t *task_ticks)
{
    *shim = *task = 0;
    *shim_ticks = *task_ticks = -1;
    char path[PATH_MAX];
    ctl_path(path, sizeof path, dir, n, "pid");
    char *text = NULL;
    size_t len;
    if (!bs_path_exists(path))
        return BS_ENOTFOUND;
    int rc = bs_read_file(path, &text, &len);
    if (rc)
        return rc;
    int sp = 0, tp = 0;
    long long st = -1, tt = -1;
    int k = sscanf(text, "shim %d %lld task %d %lld", &sp, &st, &tp, &tt);
    free(text);
    if (k < 2)
        return bs_error_set(BS_ECORRUPT, "%s: unreadable pid record", path);
    *shim = sp;
    *shim_ticks = st;
    if (k == 4) {
        *task = tp;
        *task_ticks = tt;
    }
    return 0;
}

bool orch_shim_lock_held(const char *dir, int n, bool *exists)
{
    char path[PATH_MAX];
    ctl_path(path, sizeof path, dir, n, "lock");
    int fd = open(path, O_RDWR | O_CLOEXEC);
    *exists = fd >= 0;
    if (fd < 0)
        return false;
    bool held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);                   /* releases our lock if we got it */
    return held;
}

void orch_shim_cleanup(const char *dir, int n)
{
    static const char *const exts[] = {"exit", "pid", "lock"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        ctl_path(path, sizeof path, dir, n, exts[i]);
        unlink(path);
    }
}
