/* proc.c - fork+execve with argument vectors (never a shell), and process
 * group usage sampled from /proc.
 *
 * An exec failure in the child is carried back to the parent through a
 * close-on-exec pipe, so "no such program" is an error of bs_spawn() and not
 * a mysterious exit code 127. */
#include "brainsmith/proc.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *bs_which(const char *prog)
{
    if (!prog || !*prog)
        return NULL;
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0 ? strdup(prog) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t pl = strlen(prog);
    while (*path) {
        const char *c = strchr(path, ':');
        size_t n = c ? (size_t)(c - path) : strlen(path);
        char *full = malloc(n + pl + 2);
        if (!full)
            return NULL;
        if (n == 0) {
            memcpy(full, ".", 2);
            n = 1;
        } else {
            memcpy(full, path, n);
        }
        full[n] = '/';
        memcpy(full + n + 1, prog, pl + 1);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
            return full;
        free(full);
        path += c ? n + 1 : n;
        if (!c)
            break;
    }
    return NULL;
}

/* Builds the child's environment: base (or environ) with env_add applied. */
static char **build_env(const char *const *base, const char *const *add)
{
    const char *const *b = base ? base : (const char *const *)environ;
    size_t nb = 0, na = 0;
    while (b && b[nb])
        nb++;
    while (add && add[na])
        na++;
    char **env = calloc(nb + na + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        const char *eq = strchr(b[i], '=');
        size_t kl = eq ? (size_t)(eq - b[i]) : strlen(b[i]);
        bool overridden = false;
        for (size_t k = 0; k < na && !overridden; k++)
            overridden = strncmp(add[k], b[i], kl) == 0 && add[k][kl] == '=';
        if (!overridden)
            env[n++] = (char *)b[i];
    }
    for (size_t k = 0; k < na; k++)
        env[n++] = (char *)add[k];
    env[n] = NULL;
    return env;
}

static int redirect(const char *path, int target, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (fd != target) {
        if (dup2(fd, target) < 0)
            return -1;
        close(fd);
    } else {
        fcntl(fd, F_SETFD, 0);
    }
    return 0;
}

static void set_limit(int res, int64_t v)
{
    if (v > 0) {
        struct rlimit rl = {(rlim_t)v, (rlim_t)v};
        setrlimit(res, &rl);
    }
}

int bs_spawn(const bs_spawn_opts *o, pid_t *pid_out)
{
    if (!o->argv || !o->argv[0])
        return bs_error_set(BS_EINVAL, "spawn: empty command");
    char *exe = bs_which(o->argv[0]);
    if (!exe)
        return bs_error_set(BS_ESPAWN, "spawn: %s: command not found", o->argv[0]);
    char **env = build_env(o->env, o->env_add);
    if (!env) {
        free(exe);
        return bs_error_set(BS_ENOMEM, "spawn: out of memory");
    }
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0) {
        free(exe);
        free(env);
        return bs_error_set(BS_ESPAWN, "spawn: pipe: %s", strerror(errno));
    }
    int outflags = O_WRONLY | O_CREAT | (o->append ? O_APPEND : O_TRUNC);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(errpipe[0]);
        close(errpipe[1]);
        free(exe);
        free(env);
        return bs_error_set(BS_ESPAWN, "spawn: fork: %s", strerror(e));
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls from here on. */
        int stage = 0;
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        if (o->new_pgroup && setpgid(0, 0) < 0)
            goto fail;
        stage = 1;
        if (o->cwd && chdir(o->cwd) < 0)
            goto fail;
        stage = 2;
        if (redirect(o->stdin_path ? o->stdin_path : "/dev/null", 0, O_RDONLY) < 0)
            goto fail;
        stage = 3;
        if (o->stdout_path) {
            if (redirect(o->stdout_path, 1, outflags) < 0)
                goto fail;
        } else if (o->stdout_fd > 0 && dup2(o->stdout_fd, 1) < 0) {
            goto fail;
        }
        stage = 4;
        if (o->stderr_path) {
            if (o->stdout_path && strcmp(o->stderr_path, o->stdout_path) == 0) {
                if (dup2(1, 2) < 0)
                    goto fail;
            } else if (redirect(o->stderr_path, 2, outflags) < 0) {
                goto fail;
            }
        } else if (o->stderr_fd > 0 && dup2(o->stderr_fd, 2) < 0) {
            goto fail;
        }
        stage = 5;
        set_limit(RLIMIT_AS, o->rlimit_as_bytes);
        set_limit(RLIMIT_CPU, o->rlimit_cpu_s);
        set_limit(RLIMIT_NOFILE, o->rlimit_nofile);
        execve(exe, (char *const *)o->argv, env);
    fail:;
        int msg[2] = {errno, stage};
        ssize_t w = write(errpipe[1], msg, sizeof msg);
        (void)w;
        _exit(127);
    }
    close(errpipe[1]);
    int msg[2];
    ssize_t r;
    do {
        r = read(errpipe[0], msg, sizeof msg);
    } while (r < 0 && errno == EINTR);
    close(errpipe[0]);
    free(env);
    if (r == (ssize_t)sizeof msg) {
        static const char *const what[] = {"setpgid", "chdir", "stdin", "stdout", "stderr", "execve"};
        int st;
        waitpid(pid, &st, 0);
        int rc = bs_error_set(BS_ESPAWN, "spawn %s: %s%s%s: %s", exe, what[msg[1]],
                              msg[1] == 1 && o->cwd ? " " : "", msg[1] == 1 && o->cwd ? o->cwd : "",
                              strerror(msg[0]));
        free(exe);
        return rc;
    }
    free(exe);
    *pid_out = pid;
    return 0;
}

void bs_exit_decode(int st, bs_exit *e)
{
    e->exited = WIFEXITED(st);
    e->code = e->exited ? WEXITSTATUS(st) : -1;
    e->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

int bs_run_capture(const char *const *argv, const char *cwd, bool merge_stderr,
                   int64_t timeout_ms, char **out, size_t *out_len, bs_exit *ex)
{
    int p[2];
    *out = NULL;
    if (pipe2(p, O_CLOEXEC) < 0)
        return bs_error_set(BS_ESPAWN, "pipe: %s", strerror(errno));
    bs_spawn_opts o = {.argv = argv, .cwd = cwd, .stdout_fd = p[1], .stderr_fd = merge_stderr ? p[1] : 0};
    pid_t pid;
    int rc = bs_spawn(&o, &pid);
    close(p[1]);
    if (rc) {
        close(p[0]);
        return rc;
    }
    bs_strbuf sb = BS_STRBUF_INIT;
    int64_t deadline = timeout_ms > 0 ? bs_now_mono_ms() + timeout_ms : 0;
    bool timed_out = false;
    for (;;) {
        int wait_ms = -1;
        if (deadline) {
            int64_t left = deadline - bs_now_mono_ms();
            if (left <= 0) {
                timed_out = true;
                break;
            }
            wait_ms = left > 1000000 ? 1000000 : (int)left;
        }
        struct pollfd pf = {p[0], POLLIN, 0};
        int pr = poll(&pf, 1, wait_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            continue;
        char buf[8192];
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        bs_strbuf_append(&sb, buf, (size_t)r);
    }
    close(p[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    bs_exit_decode(st, ex);
    if (out_len)
        *out_len = sb.len;
    *out = bs_strbuf_detach(&sb);
    if (timed_out)
        return bs_error_set(BS_ETIMEOUT, "%s: killed after %lld ms", argv[0], (long long)timeout_ms);
    return 0;
}

/* Parses /proc/PID/stat. Fields after the parenthesised comm, 1-based as in
 * proc(5): 3 state, 5 pgrp, 14 utime, 15 stime, 16 cutime, 17 cstime,
 * 22 starttime, 24 rss. */
struct pstat { char state; long pgrp; unsigned long long ut, st, cut, cst, start; long rss; };

static int read_pstat(pid_t pid, struct pstat *ps)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    long long cut, cst;
    int k = sscanf(p + 2,
                   "%c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %*d %*d %llu %*u %ld",
                   &ps->state, &ps->pgrp, &ps->ut, &ps->st, &cut, &cst, &ps->start, &ps->rss);
    if (k != 8)
        return -1;
    ps->cut = (unsigned long long)cut;
    ps->cst = (unsigned long long)cst;
    return 0;
}

static void add_usage(bs_usage *u, const struct pstat *ps)
{
    static long tick, page_kb;
    if (!tick) {
        tick = sysconf(_SC_CLK_TCK);
        page_kb = sysconf(_SC_PAGESIZE) / 1024;
    }
    u->cpu_s += (double)(ps->ut + ps->st + ps->cut + ps->cst) / (double)tick;
    if (ps->state != 'Z')
        u->rss_kb += ps->rss * page_kb;
    u->nprocs++;
}

int bs_proc_usage(pid_t pid, bs_usage *u)
{
    memset(u, 0, sizeof *u);
    struct pstat ps;
    if (read_pstat(pid, &ps) < 0)
        return bs_error_set(BS_ENOTFOUND, "process %d not found", (int)pid);
    add_usage(u, &ps);
    return 0;
}

int bs_proc_group_usage(pid_t pgid, bs_usage *u)
{
    memset(u, 0, sizeof *u);
    DIR *d = opendir("/proc");
    if (!d)
        return bs_error_set(BS_EIO, "/proc: %s", strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        struct pstat ps;
        pid_t pid = (pid_t)atoi(de->d_name);
        if (read_pstat(pid, &ps) == 0 && ps.pgrp == (long)pgid)
            add_usage(u, &ps);
    }
    closedir(d);
    return 0;
}

bool bs_proc_alive(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
        return false;
    struct pstat ps;
    return read_pstat(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X';
}

int64_t bs_proc_start_ticks(pid_t pid)
{
    struct pstat ps;
    if (pid <= 0 || read_pstat(pid, &ps) < 0)
        return -1;
    return (int64_t)ps.start;
}
