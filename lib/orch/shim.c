/* shim.c - the supervisor process of one attempt.
 *
 * The scheduler does not start a task directly: it forks a small
 * supervisor (the shim) that leaves the scheduler's session, starts the
 * task in its own process group with stdout/stderr in the log files, waits
 * for it and records its exit status and rusage.  So when the scheduler is
 * killed (kill -9) the task keeps running, its exit status is still
 * recorded, and the next scheduler adopts it.
 *
 * One control file per attempt, <base>.run (base = <home>/logs/<id>-<n>):
 *   - flock'ed by the scheduler before fork and inherited by the shim,
 *     which holds it until it exits: "lock held" == "the supervisor lives",
 *     with no window in which a started attempt looks dead;
 *   - three fixed slots written in place with pwrite (one small write each,
 *     each ending in '\n', so a reader can tell a complete slot):
 *       [0,64)    "shim PID TICKS"
 *       [64,128)  "task PID TICKS"       (start ticks tell a re-used pid)
 *       [128,384) "exit WSTATUS CPU_US MAXRSS_KB END_MS" or "spawn MESSAGE"
 * Three files per attempt (.run, .out, .err) and no renames or unlinks:
 * file creation is the main cost of a short task, so this is lean on
 * purpose.  After fork the shim touches no SQLite handle and leaves with
 * _exit(). */
#include "orch_int.h"

#include "brainsmith/error.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SLOT_SHIM = 0, SLOT_TASK = 64, SLOT_EXIT = 128, SLOT_EXIT_LEN = 256, RUN_LEN = 384 };

typedef struct pid_msg {
    int32_t pid;
    int64_t ticks;
} pid_msg;

static void run_path(char *buf, size_t n, const char *base)
{
    snprintf(buf, n, "%s.run", base);
}

/* Writes text into a slot: space padded, '\n' as its last byte. */
static void put_slot(int fd, off_t off, size_t len, const char *text)
{
    char buf[SLOT_EXIT_LEN];
    memset(buf, ' ', len);
    size_t l = strlen(text);
    if (l > len - 1)
        l = len - 1;
    memcpy(buf, text, l);
    for (size_t i = 0; i < l; i++)
        if (buf[i] == '\n')
            buf[i] = ' ';
    buf[len - 1] = '\n';
    ssize_t w = pwrite(fd, buf, len, off);
    (void)w;
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

extern char **environ;

/* Starts the task: posix_spawn (a vfork-style clone, so no page tables of
 * this forked scheduler image are copied a second time) with its own
 * process group, default signal dispositions, stdin /dev/null and stdout/
 * stderr in the log files.  On failure `msg` says why. */
static int spawn_task(const orch_shim_req *rq, pid_t *pid, char *msg, size_t n)
{
    char *exe = bs_which(rq->argv[0]);
    if (!exe) {
        snprintf(msg, n, "spawn %s: command not found", rq->argv[0]);
        return -1;
    }
    if (rq->cwd && !bs_is_dir(rq->cwd)) {
        snprintf(msg, n, "spawn %s: working directory %s: %s", exe, rq->cwd, strerror(ENOENT));
        free(exe);
        return -1;
    }
    size_t ne = 0, na = 0;
    while (environ && environ[ne])
        ne++;
    while (rq->env_add && rq->env_add[na])
        na++;
    char **env = calloc(ne + na + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env && i < ne; i++) {
        size_t kl = strcspn(environ[i], "=");
        bool over = false;
        for (size_t j = 0; j < na && !over; j++)
            over = !strncmp(rq->env_add[j], environ[i], kl) && rq->env_add[j][kl] == '=';
        if (!over)
            env[k++] = environ[i];
    }
    for (size_t j = 0; env && j < na; j++)
        env[k++] = (char *)rq->env_add[j];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    if (rq->cwd)
        posix_spawn_file_actions_addchdir_np(&fa, rq->cwd);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, rq->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, rq->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    sigset_t def, none;
    sigfillset(&def);
    sigdelset(&def, SIGKILL);
    sigdelset(&def, SIGSTOP);
    sigemptyset(&none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &none);
    int e = env ? posix_spawn(pid, exe, &fa, &at, (char *const *)rq->argv, env) : ENOMEM;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (e)
        snprintf(msg, n, "spawn %s: %s", exe, strerror(e));
    free(env);
    free(exe);
    return e ? -1 : 0;
}

static _Noreturn void shim_main(const orch_shim_req *rq, int runfd, int wfd)
{
    setsid();
    int dn = open("/dev/null", O_RDWR);
    if (dn >= 0) {
        dup2(dn, 0);
        dup2(dn, 1);
        dup2(dn, 2);
        if (dn > 2 && dn != runfd && dn != wfd)
            close(dn);
    }
    close_others(runfd, wfd);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* The scheduler may be gone (killed) when we report the task pid:
     * EPIPE, not death.  bs_spawn restores the default for the task. */
    signal(SIGPIPE, SIG_IGN);

    char text[SLOT_EXIT_LEN];
    pid_t me = getpid();
    snprintf(text, sizeof text, "shim %d %lld", (int)me, (long long)bs_proc_start_ticks(me));
    put_slot(runfd, SLOT_SHIM, 64, text);

    pid_t tp;
    if (spawn_task(rq, &tp, text, sizeof text)) {
        put_slot(runfd, SLOT_EXIT, SLOT_EXIT_LEN, text);
        _exit(0);
    }
    pid_msg m = {tp, bs_proc_start_ticks(tp)};
    snprintf(text, sizeof text, "task %d %lld", (int)tp, (long long)m.ticks);
    put_slot(runfd, SLOT_TASK, 64, text);
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
    snprintf(text, sizeof text, "exit %d %lld %ld %lld", st, cpu_us, ru.ru_maxrss, (long long)bs_now_ms());
    put_slot(runfd, SLOT_EXIT, SLOT_EXIT_LEN, text);
    _exit(0);
}

int orch_shim_start(const orch_shim_req *rq, orch_shim *out)
{
    memset(out, 0, sizeof *out);
    char runp[PATH_MAX];
    run_path(runp, sizeof runp, rq->base);
    int runfd = open(runp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (runfd < 0)
        return bs_error_set(BS_ESPAWN, "%s: %s", runp, strerror(errno));
    if (flock(runfd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(runfd);
        return bs_error_set(BS_ESTATE, "%s: already locked (%s): another supervisor owns this attempt",
                            runp, strerror(e));
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        int e = errno;
        close(runfd);
        return bs_error_set(BS_ESPAWN, "supervisor pipe: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(runfd);
        close(p[0]);
        close(p[1]);
        return bs_error_set(BS_ESPAWN, "fork of the supervisor: %s", strerror(e));
    }
    if (pid == 0)
        shim_main(rq, runfd, p[1]);
    close(runfd);                /* the shim's copy keeps the lock */
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    out->shim_pid = pid;
    out->pid_fd = p[0];
    return 0;
}

int orch_shim_read_pid(orch_shim *sh)
{
    pid_msg m;
    ssize_t r;
    do {
        r = read(sh->pid_fd, &m, sizeof m);
    } while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN)
        return 0;
    close(sh->pid_fd);
    sh->pid_fd = -1;
    if (r != (ssize_t)sizeof m)
        return -1;               /* the task did not start (see the exit record) */
    sh->task_pid = m.pid;
    sh->task_ticks = m.ticks;
    return 1;
}

/* Reads the .run file; *slots gets its text (NULL if missing). */
static int read_run(const char *base, char **text, size_t *len)
{
    char path[PATH_MAX];
    run_path(path, sizeof path, base);
    *text = NULL;
    *len = 0;
    if (!bs_path_exists(path))
        return BS_ENOTFOUND;
    return bs_read_file(path, text, len);
}

static bool slot_ok(const char *text, size_t len, size_t off, size_t slen, const char *kw)
{
    return len >= off + slen && text[off + slen - 1] == '\n' && !strncmp(text + off, kw, strlen(kw));
}

int orch_exit_read(const char *base, orch_exit_rec *rec)
{
    memset(rec, 0, sizeof *rec);
    char *text;
    size_t len;
    int rc = read_run(base, &text, &len);
    if (rc)
        return rc;
    if (slot_ok(text, len, SLOT_EXIT, SLOT_EXIT_LEN, "spawn ")) {
        rec->spawn_failed = true;
        const char *m = text + SLOT_EXIT + 6;
        size_t l = SLOT_EXIT_LEN - 7;
        while (l > 0 && m[l - 1] == ' ')
            l--;
        snprintf(rec->msg, sizeof rec->msg, "%.*s", (int)l, m);
    } else if (slot_ok(text, len, SLOT_EXIT, SLOT_EXIT_LEN, "exit ")) {
        long long cpu_us = 0, rss = 0, end = 0;
        if (sscanf(text + SLOT_EXIT, "exit %d %lld %lld %lld", &rec->wstatus, &cpu_us, &rss, &end) != 4)
            rc = bs_error_set(BS_ECORRUPT, "%s.run: unreadable exit record", base);
        rec->cpu_s = (double)cpu_us / 1e6;
        rec->maxrss_kb = rss;
        rec->end_ms = end;
    } else {
        rc = BS_ENOTFOUND;
    }
    free(text);
    return rc;
}

int orch_pid_read(const char *base, pid_t *shim, int64_t *shim_ticks, pid_t *task, int64_t *task_ticks)
{
    *shim = *task = 0;
    *shim_ticks = *task_ticks = -1;
    char *text;
    size_t len;
    int rc = read_run(base, &text, &len);
    if (rc)
        return rc;
    int p = 0;
    long long t = -1;
    if (slot_ok(text, len, SLOT_SHIM, 64, "shim ") && sscanf(text + SLOT_SHIM, "shim %d %lld", &p, &t) == 2) {
        *shim = p;
        *shim_ticks = t;
    } else {
        rc = BS_ENOTFOUND;
    }
    if (slot_ok(text, len, SLOT_TASK, 64, "task ") && sscanf(text + SLOT_TASK, "task %d %lld", &p, &t) == 2) {
        *task = p;
        *task_ticks = t;
    }
    free(text);
    return rc;
}

bool orch_shim_lock_held(const char *base, bool *exists)
{
    char path[PATH_MAX];
    run_path(path, sizeof path, base);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    *exists = fd >= 0;
    if (fd < 0)
        return false;
    bool held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);                   /* releases our lock if we got it */
    return held;
}
