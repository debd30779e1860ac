/* usage.c - process usage as metrics: wall time, CPU time and peak RSS of
 * the tools a build ran.
 *
 * Three ways in: a caller adds samples (bs_metrics_add_usage); the
 * orchestrator's attempt rows are read back (bs_metrics_collect_attempts,
 * which finds its columns by name so the orchestrator's schema may evolve);
 * or a monitor thread samples a running process group from /proc
 * (bs_usage_monitor_*, walking the build's own process tree in /proc, not all
 * of /proc) - the collection that runs during a build, whose own
 * CPU cost is measured so its overhead can be reported. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

int bs_metrics_add_usage(bs_metric_set *s, const bs_usage_sample *u, const char *source)
{
    const int R = BS_RANK_MEASURED;
    int rc = 0;
    if (u->scope && *u->scope) {
        rc = bs_metrics_put(s, "build.wall_s", u->scope, u->wall_s, source, R, false);
        if (!rc)
            rc = bs_metrics_put(s, "build.cpu_s", u->scope, u->cpu_s, source, R, false);
        if (!rc && u->peak_rss_kb > 0)
            rc = bs_metrics_put(s, "build.peak_rss_mb", u->scope, u->peak_rss_kb / 1024.0, source, R, false);
        if (rc)
            return rc;
    }
    /* build totals: wall and CPU add up, memory peaks */
    const bs_metric_val *w = bs_metrics_get(s, "build.wall_s", NULL);
    const bs_metric_val *c = bs_metrics_get(s, "build.cpu_s", NULL);
    const bs_metric_val *m = bs_metrics_get(s, "build.peak_rss_mb", NULL);
    double wall = (w && w->rank == R ? w->value : 0) + u->wall_s;
    double cpu = (c && c->rank == R ? c->value : 0) + u->cpu_s;
    double rss = u->peak_rss_kb / 1024.0;
    if (m && m->value > rss)
        rss = m->value;
    rc = bs_metrics_put(s, "build.wall_s", NULL, wall, source, R, false);
    if (!rc)
        rc = bs_metrics_put(s, "build.cpu_s", NULL, cpu, source, R, false);
    if (!rc && rss > 0)
        rc = bs_metrics_put(s, "build.peak_rss_mb", NULL, rss, source, R, false);
    return rc;
}

/* Name of the first column of table whose name matches one of the
 * candidates (exact, case-insensitive); NULL if none. */
static char *find_col(sqlite3 *db, const char *table, const char *const *cands)
{
    sqlite3_stmt *st;
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    char *best = NULL;
    int best_i = 1 << 20;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        for (int i = 0; cands[i] && name; i++)
            if (!strcasecmp(name, cands[i]) && i < best_i) {
                free(best);
                best = strdup(name);
                best_i = i;
            }
    }
    sqlite3_finalize(st);
    return best;
}

int bs_metrics_collect_attempts(bs_metric_set *s, sqlite3 *db, const char *build_id)
{
    static const char *const c_task[] = {"task_id", "task", NULL};
    static const char *const c_build[] = {"build_id", "build", NULL};
    static const char *const c_start[] = {"started_ms", "start_ms", "started_at_ms", NULL};
    static const char *const c_end[] = {"finished_ms", "ended_ms", "end_ms", "finished_at_ms", NULL};
    static const char *const c_cpu[] = {"cpu_s", "cpu_seconds", "cpu_time_s", NULL};
    static const char *const c_rss[] = {"peak_rss_kb", "max_rss_kb", "rss_peak_kb", "peak_rss", NULL};
    static const char *const c_name[] = {"name", "step", "kind", NULL};
    static const char *const c_id[] = {"id", NULL};
    char *a_task = find_col(db, "attempts", c_task), *t_build = find_col(db, "tasks", c_build);
    char *a_start = find_col(db, "attempts", c_start), *a_end = find_col(db, "attempts", c_end);
    char *a_cpu = find_col(db, "attempts", c_cpu), *a_rss = find_col(db, "attempts", c_rss);
    char *t_name = find_col(db, "tasks", c_name), *t_id = find_col(db, "tasks", c_id);
    int rc = 0;
    if (!a_task || !t_build || !t_id || !a_start || !a_end)
        goto out;   /* no orchestrator tables (yet): nothing to collect */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT %s%s, a.%s, a.%s, %s%s, %s%s FROM attempts a JOIN tasks t ON a.%s = t.%s"
             " WHERE t.%s = ?1 ORDER BY a.%s",
             t_name ? "t." : "", t_name ? t_name : "NULL", a_start, a_end, a_cpu ? "a." : "",
             a_cpu ? a_cpu : "NULL", a_rss ? "a." : "", a_rss ? a_rss : "NULL", a_task, t_id, t_build,
             a_start);
    sqlite3_stmt *st;
    if ((rc = bs_db_prepare(db, sql, &st)))
        goto out;
    sqlite3_bind_text(st, 1, build_id, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && !rc) {
        bs_usage_sample u = {0};
        u.scope = (const char *)sqlite3_column_text(st, 0);
        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
            continue;   /* still running */
        u.wall_s = (sqlite3_column_int64(st, 2) - sqlite3_column_int64(st, 1)) / 1000.0;
        u.cpu_s = sqlite3_column_double(st, 3);
        u.peak_rss_kb = sqlite3_column_int64(st, 4);
        rc = bs_metrics_add_usage(s, &u, "orchestrator:attempts");
        n++;
    }
    sqlite3_finalize(st);
    if (!rc && n)
        rc = bs_metrics_put(s, "build.attempts", NULL, n, "orchestrator:attempts", BS_RANK_MEASURED, false);
out:
    free(a_task); free(t_build); free(a_start); free(a_end);
    free(a_cpu); free(a_rss); free(t_name); free(t_id);
    return rc;
}

/* ---- monitor ---- */

struct bs_usage_monitor {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pid_t pgid;
    int interval_ms;
    int64_t start_ms;
    double cpu_s;
    int64_t peak_kb;
    double self_cpu_s;
};

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* utime+stime+cutime+cstime (seconds) and RSS (kB) of one process from
 * /proc/PID/stat; the c-times carry the CPU of children already reaped. */
static int read_stat(pid_t pid, double *cpu_s, int64_t *rss_kb)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');   /* comm may contain spaces and parens */
    if (!p)
        return -1;
    unsigned long ut, st;
    long cut, cst, rss;
    /* fields after comm: state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime cutime cstime priority nice threads
     * itrealvalue starttime vsize rss */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld %*d %*d %*d %*d %*u %*u %ld",
               &ut, &st, &cut, &cst, &rss) != 5)
        return -1;
    static long tck, pg;
    if (!tck) {
        tck = sysconf(_SC_CLK_TCK);
        pg = sysconf(_SC_PAGESIZE) / 1024;
    }
    *cpu_s = (double)(ut + st + cut + cst) / tck;
    *rss_kb = rss * pg;
    return 0;
}

/* Sums usage over the process tree under pid, following
 * /proc/PID/task/PID/children: cost grows with the build's own processes,
 * not with everything running on the machine.  -1 if pid is gone. */
static int tree_usage(pid_t pid, double *cpu_s, int64_t *rss_kb, int depth)
{
    double c;
    int64_t r;
    if (read_stat(pid, &c, &r) < 0)
        return -1;
    *cpu_s += c;
    *rss_kb += r;
    if (depth > 32)
        return 0;
    char path[80], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
        tree_usage((pid_t)atoi(t), cpu_s, rss_kb, depth + 1);
    return 0;
}

static void *monitor_main(void *arg)
{
    bs_usage_monitor *m = arg;
    double c0 = thread_cpu_s();
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        pthread_mutex_unlock(&m->mu);
        double cpu = 0;
        int64_t rss = 0;
        if (tree_usage(m->pgid, &cpu, &rss, 0) == 0) {
            if (rss > m->peak_kb)
                m->peak_kb = rss;
            if (cpu > m->cpu_s)
                m->cpu_s = cpu;   /* cumulative, incl. reaped children */
        }
        pthread_mutex_lock(&m->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)m->interval_ms * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &ts) == 0)
            ;
    }
    m->self_cpu_s = thread_cpu_s() - c0;
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

int bs_usage_monitor_start(pid_t pgid, int interval_ms, bs_usage_monitor **out)
{
    bs_usage_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return bs_error_set(BS_ENOMEM, "usage monitor: out of memory");
    m->pgid = pgid;
    m->interval_ms = interval_ms > 0 ? interval_ms : 500;
    m->start_ms = bs_now_mono_ms();
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if (pthread_create(&m->th, NULL, monitor_main, m) != 0) {
        free(m);
        return bs_error_set(BS_EIO, "usage monitor: cannot start thread");
    }
    *out = m;
    return 0;
}

int bs_usage_monitor_stop(bs_usage_monitor *m, bs_usage_sample *u, double *self_cpu_s)
{
    pthread_mutex_lock(&m->mu);
    m->stop = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->th, NULL);
    memset(u, 0, sizeof *u);
    u->wall_s = (bs_now_mono_ms() - m->start_ms) / 1000.0;
    u->cpu_s = m->cpu_s;
    u->peak_rss_kb = m->peak_kb;
    if (self_cpu_s)
        *self_cpu_s = m->self_cpu_s;
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
    return 0;
}
