/* schema.c - the orchestrator's tables (migrations of module "orch") and
 * the small vocabularies around them: state and failure-class names,
 * priorities, license requests, failure masks and task spec defaults.
 *
 * Ordering of ready tasks: rank = priority * AGING - created_ms, largest
 * first.  That equals ordering by priority + waited_ms / AGING at any
 * moment, so aging needs no periodic rewrite and the partial index
 * tasks_ready answers "what next" without scanning the queue. */
#include "orch_int.h"

#include "brainsmith/error.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const bs_migration orch_migrations[] = {
    {1,
     "CREATE TABLE tasks("
     " id INTEGER PRIMARY KEY AUTOINCREMENT,"
     " name TEXT,"
     " build_id TEXT,"
     " argv TEXT NOT NULL,"              /* JSON array of strings */
     " cwd TEXT,"
     " env TEXT,"                        /* JSON array of K=V, added to the scheduler env */
     " priority INTEGER NOT NULL,"
     " rank INTEGER NOT NULL,"           /* priority*aging - created_ms */
     " cpus INTEGER NOT NULL,"
     " mem_mb INTEGER NOT NULL,"
     " licenses TEXT,"                   /* canonical a=1,b=2 */
     " max_attempts INTEGER NOT NULL,"
     " backoff_base_ms INTEGER NOT NULL,"
     " backoff_factor REAL NOT NULL,"
     " backoff_cap_ms INTEGER NOT NULL,"
     " jitter REAL NOT NULL,"
     " retry_on INTEGER NOT NULL,"
     " timeout_ms INTEGER NOT NULL,"
     " idem_key TEXT UNIQUE,"
     " cache_key TEXT,"
     " state TEXT NOT NULL,"
     " deps_pending INTEGER NOT NULL DEFAULT 0,"
     " attempts INTEGER NOT NULL DEFAULT 0,"
     " tries INTEGER NOT NULL DEFAULT 0,"
     " not_before_ms INTEGER NOT NULL DEFAULT 0,"
     " cancel_requested INTEGER NOT NULL DEFAULT 0,"
     " fail_class TEXT,"
     " exit_code INTEGER,"
     " reason TEXT,"
     " created_ms INTEGER NOT NULL,"
     " started_ms INTEGER,"
     " finished_ms INTEGER);"
     "CREATE INDEX tasks_ready ON tasks(rank DESC, id) WHERE state='ready';"
     "CREATE INDEX tasks_running ON tasks(id) WHERE state='running';"
     "CREATE INDEX tasks_retry ON tasks(not_before_ms) WHERE state='retry-wait';"
     "CREATE INDEX tasks_build ON tasks(build_id) WHERE build_id IS NOT NULL;"
     "CREATE TABLE task_deps("
     " task_id INTEGER NOT NULL REFERENCES tasks(id),"
     " dep_id INTEGER NOT NULL REFERENCES tasks(id),"
     " PRIMARY KEY(task_id, dep_id)) WITHOUT ROWID;"
     "CREATE INDEX task_deps_dep ON task_deps(dep_id, task_id);"
     "CREATE TABLE attempts("
     " task_id INTEGER NOT NULL REFERENCES tasks(id),"
     " n INTEGER NOT NULL,"
     " state TEXT NOT NULL,"             /* running, succeeded, failed */
     " fail_class TEXT,"
     " exit_code INTEGER,"
     " signal INTEGER,"
     " reason TEXT,"
     " kill_reason TEXT,"                /* oom/timeout/cancelled once we signalled it */
     " kill_ms INTEGER,"
     " started_ms INTEGER NOT NULL,"
     " finished_ms INTEGER,"
     " cpu_s REAL,"
     " peak_rss_kb INTEGER,"
     " shim_pid INTEGER,"
     " pid INTEGER,"
     " log_out TEXT,"
     " log_err TEXT,"
     " PRIMARY KEY(task_id, n));"
     "CREATE TABLE events("
     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     " time_ms INTEGER NOT NULL,"
     " kind TEXT NOT NULL,"
     " build_id TEXT,"
     " task_id INTEGER,"
     " payload TEXT);"
     "CREATE INDEX events_task ON events(task_id) WHERE task_id IS NOT NULL;"},
};

int bs_orch_init(bs_workspace *ws)
{
    if (!ws || !ws->db)
        return bs_error_set(BS_EINVAL, "orchestrator: no workspace");
    return bs_db_migrate(ws->db, "orch", orch_migrations,
                         (int)(sizeof orch_migrations / sizeof orch_migrations[0]));
}

/* ---- names ---- */
static const char *const state_names[BS_TASK_NSTATES] = {
    "waiting", "ready", "running", "retry-wait", "succeeded", "failed", "cancelled",
    "dependency-failed",
};

const char *bs_task_state_name(bs_task_state s)
{
    return (unsigned)s < BS_TASK_NSTATES ? state_names[s] : "?";
}

int bs_task_state_parse(const char *s, bs_task_state *out)
{
    for (int i = 0; i < BS_TASK_NSTATES; i++)
        if (s && !strcmp(s, state_names[i])) {
            *out = (bs_task_state)i;
            return 0;
        }
    return bs_error_set(BS_EINVAL, "unknown task state '%s' (one of waiting, ready, running, "
                                   "retry-wait, succeeded, failed, cancelled, dependency-failed)",
                        s ? s : "");
}

bool bs_task_state_final(bs_task_state s)
{
    return s == BS_TASK_SUCCEEDED || s == BS_TASK_FAILED || s == BS_TASK_CANCELLED ||
           s == BS_TASK_DEP_FAILED;
}

static const char *const class_names[BS_FAIL_NCLASSES] = {
    "", "exit", "signal", "oom", "timeout", "spawn", "dependency-failed", "cancelled", "lost",
};

const char *bs_fail_class_name(bs_fail_class c)
{
    return (unsigned)c < BS_FAIL_NCLASSES ? class_names[c] : "?";
}

int bs_fail_class_parse(const char *s, bs_fail_class *out)
{
    for (int i = 1; i < BS_FAIL_NCLASSES; i++)
        if (s && !strcmp(s, class_names[i])) {
            *out = (bs_fail_class)i;
            return 0;
        }
    if (!s || !*s) {
        *out = BS_FAIL_NONE;
        return 0;
    }
    return bs_error_set(BS_EINVAL, "unknown failure class '%s' (one of exit, signal, oom, timeout, "
                                   "spawn, dependency-failed, cancelled, lost)", s);
}

int bs_fail_mask_parse(const char *s, unsigned *mask)
{
    *mask = 0;
    if (!strcmp(s, "none"))
        return 0;
    if (!strcmp(s, "all")) {
        *mask = BS_FAIL_BIT(BS_FAIL_EXIT) | BS_FAIL_BIT(BS_FAIL_SIGNAL) | BS_FAIL_BIT(BS_FAIL_OOM) |
                BS_FAIL_BIT(BS_FAIL_TIMEOUT) | BS_FAIL_BIT(BS_FAIL_SPAWN);
        return 0;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bs_fail_class c;
        int rc = bs_fail_class_parse(t, &c);
        if (rc)
            return rc;
        if (c == BS_FAIL_DEP || c == BS_FAIL_CANCELLED || c == BS_FAIL_NONE)
            return bs_error_set(BS_EINVAL, "failure class '%s' is never retried", t);
        *mask |= BS_FAIL_BIT(c);
    }
    return 0;
}

/* ---- priorities ---- */
static const struct { const char *name; int value; } prio_names[] = {
    {"low", BS_PRIO_LOW},
    {"normal", BS_PRIO_NORMAL},
    {"high", BS_PRIO_HIGH},
    {"urgent", BS_PRIO_URGENT},
};

int bs_priority_parse(const char *s, int *out)
{
    for (size_t i = 0; i < sizeof prio_names / sizeof prio_names[0]; i++)
        if (!strcmp(s, prio_names[i].name)) {
            *out = prio_names[i].value;
            return 0;
        }
    int64_t v;
    if (bs_parse_i64(s, &v) || v < BS_PRIO_MIN || v > BS_PRIO_MAX)
        return bs_error_set(BS_EINVAL, "priority '%s': expected low, normal, high, urgent or an "
                                       "integer in [%d, %d] (normal = %d)",
                            s, BS_PRIO_MIN, BS_PRIO_MAX, BS_PRIO_NORMAL);
    *out = (int)v;
    return 0;
}

int64_t orch_rank(int priority, int64_t created_ms)
{
    return (int64_t)priority * BS_ORCH_AGING_MS_PER_POINT - created_ms;
}

/* ---- licenses ---- */
int bs_license_parse(const char *s, bs_license_req *lic, int *n)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return bs_error_set(BS_EINVAL, "license list too long: '%.40s...'", s);
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        int64_t cnt = 1;
        if (eq) {
            *eq = '\0';
            if (bs_parse_i64(eq + 1, &cnt) || cnt < 1 || cnt > 1000000)
                return bs_error_set(BS_EINVAL, "license '%s': count '%s' is not a positive integer",
                                    t, eq + 1);
        }
        size_t len = strlen(t);
        if (len == 0 || len >= sizeof lic[0].name || strspn(t, "abcdefghijklmnopqrstuvwxyz"
                                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
            return bs_error_set(BS_EINVAL, "license name '%s': expected 1-31 characters of "
                                           "[A-Za-z0-9_.-] (as in vivado=1)", t);
        int i;
        for (i = 0; i < *n; i++)
            if (!strcmp(lic[i].name, t))
                break;
        if (i == *n) {
            if (*n >= BS_ORCH_MAX_LICENSES)
                return bs_error_set(BS_ERANGE, "more than %d different licenses", BS_ORCH_MAX_LICENSES);
            snprintf(lic[i].name, sizeof lic[i].name, "%s", t);
            lic[i].count = 0;
            (*n)++;
        }
        lic[i].count += (int)cnt;
    }
    return 0;
}

static int cmp_lic(const void *a, const void *b)
{
    return strcmp(((const bs_license_req *)a)->name, ((const bs_license_req *)b)->name);
}

char *orch_license_format(const bs_license_req *lic, int n)
{
    if (n <= 0)
        return NULL;
    bs_license_req tmp[BS_ORCH_MAX_LICENSES];
    memcpy(tmp, lic, (size_t)n * sizeof *tmp);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_lic);
    bs_strbuf sb = BS_STRBUF_INIT;
    for (int i = 0; i < n; i++)
        bs_strbuf_printf(&sb, "%s%s=%d", i ? "," : "", tmp[i].name, tmp[i].count);
    return bs_strbuf_detach(&sb);
}

void bs_task_spec_init(bs_task_spec *s)
{
    memset(s, 0, sizeof *s);
    s->priority = BS_PRIO_NORMAL;
    s->cpus = 1;
    s->retry.max_attempts = 1;
    s->retry.backoff_base_ms = 1000;
    s->retry.backoff_factor = 2.0;
    s->retry.backoff_cap_ms = 300000;
    s->retry.jitter = 0.2;
    s->retry.retry_on = BS_RETRY_DEFAULT;
}

int64_t orch_backoff_ms(const bs_retry_policy *p, int tries, double u01)
{
    double d = (double)p->backoff_base_ms;
    for (int i = 1; i < tries && d < (double)p->backoff_cap_ms; i++)
        d *= p->backoff_factor;
    if (d > (double)p->backoff_cap_ms)
        d = (double)p->backoff_cap_ms;
    d *= 1.0 - p->jitter * u01;
    return d < 0 ? 0 : (int64_t)d;
}
