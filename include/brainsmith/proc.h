/* proc.h - running external programs without a shell, and reading /proc.
 *
 * Tools run through fork+execve with an argument vector: never a shell, so
 * nothing a user typed is ever interpreted.  The child can get its own
 * process group (so the whole tree can be signalled), a working directory,
 * stdio redirected to files, a replaced or extended environment and
 * rlimits.  Usage of a whole process group is sampled from /proc. */
#ifndef BRAINSMITH_PROC_H
#define BRAINSMITH_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct bs_spawn_opts {
    const char *const *argv;   /* argv[0] is looked up in PATH if it has no '/' */
    const char *const *env;    /* NULL: inherit; else the complete environment */
    const char *const *env_add;/* extra "K=V" entries added to (or overriding) env */
    const char *cwd;           /* NULL: inherit */
    const char *stdin_path;    /* NULL: /dev/null */
    const char *stdout_path;   /* NULL: inherit (see stdout_fd) */
    const char *stderr_path;   /* NULL: inherit; may equal stdout_path */
    int stdout_fd, stderr_fd;  /* when the path is NULL: fd > 0 is dup'ed onto 1/2; 0 = inherit */
    bool append;               /* open output files with O_APPEND instead of O_TRUNC */
    bool new_pgroup;           /* setpgid(0,0) in the child */
    int64_t rlimit_as_bytes;   /* RLIMIT_AS, 0 = unchanged */
    int64_t rlimit_cpu_s;      /* RLIMIT_CPU, 0 = unchanged */
    int64_t rlimit_nofile;     /* RLIMIT_NOFILE, 0 = unchanged */
} bs_spawn_opts;

/* Starts the program; *pid receives the child's pid.  An execve failure
 * (missing program, no permission) is reported as BS_ESPAWN by this call,
 * not as a child exit (a CLOEXEC pipe carries errno back). */
int bs_spawn(const bs_spawn_opts *o, pid_t *pid);

/* Decoded wait status. */
typedef struct bs_exit {
    bool exited;      /* normal exit */
    int code;         /* exit code if exited */
    int signal;       /* terminating signal if !exited */
} bs_exit;
void bs_exit_decode(int wstatus, bs_exit *e);

/* Runs argv to completion capturing stdout (and stderr if merge) into a
 * malloc'd buffer; kills it after timeout_ms (0 = none).  Returns 0 if the
 * program ran (whatever its exit), with *ex set. */
int bs_run_capture(const char *const *argv, const char *cwd, bool merge_stderr,
                   int64_t timeout_ms, char **out, size_t *out_len, bs_exit *ex);

/* Usage of a process group (or one pid), summed over all live members. */
typedef struct bs_usage {
    int64_t rss_kb;        /* current resident set, summed */
    double cpu_s;          /* user+system CPU seconds of live members */
    int nprocs;            /* live members found */
} bs_usage;
int bs_proc_group_usage(pid_t pgid, bs_usage *u);
int bs_proc_usage(pid_t pid, bs_usage *u);
/* True if the pid exists (kill(pid,0) and not a zombie). */
bool bs_proc_alive(pid_t pid);
/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat); used to tell a re-used pid from the original. -1 if gone. */
int64_t bs_proc_start_ticks(pid_t pid);
/* Looks a program up in PATH; malloc'd absolute path or NULL. */
char *bs_which(const char *prog);

#endif
