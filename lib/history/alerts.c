/* alerts.c - alert rules, their evaluation over the history, and actions.
 *
 * A rule is (name, metric, optional model/platform/config filter,
 * condition, actions) stored in history_alert_rules.  Evaluating a rule
 * yields events (a detected change, a value beyond a limit); each event has
 * a dedup key (series key + build + kind) that is inserted into
 * history_alerts_fired before its actions run, so an alert fires once even
 * when evaluation is repeated or runs in several processes at once.
 * Conditions and actions are static tables with help text. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cJSON.h>
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"
#include "history_int.h"

/* ---- conditions ---------------------------------------------------------- */

typedef enum { C_REGRESSION, C_IMPROVEMENT, C_CHANGE, C_ABOVE, C_BELOW, C_RISE, C_DROP } cond_kind;

static const struct {
    const char *name;
    cond_kind kind;
    bool has_arg, percent;
    const char *help;
} conditions[] = {
    {"regression", C_REGRESSION, false, false, "a change point or threshold jump in the worse direction"},
    {"improvement", C_IMPROVEMENT, false, false, "a change in the better direction"},
    {"change", C_CHANGE, false, false, "any detected change"},
    {"above", C_ABOVE, true, false, "above:X - the newest value is greater than X"},
    {"below", C_BELOW, true, false, "below:X - the newest value is less than X"},
    {"rise", C_RISE, true, true, "rise:P% - the newest value is P% above the median of the previous points"},
    {"drop", C_DROP, true, true, "drop:P% - the newest value is P% below the median of the previous points"},
};

typedef struct cond { cond_kind kind; double arg; } cond;

static int parse_condition(const char *s, cond *c)
{
    if (!s || !*s) return bs_error_set(BS_EINVAL, "alert condition is empty");
    const char *colon = strchr(s, ':');
    size_t nl = colon ? (size_t)(colon - s) : strlen(s);
    for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++) {
        if (strlen(conditions[i].name) != nl || strncmp(s, conditions[i].name, nl) != 0) continue;
        c->kind = conditions[i].kind;
        c->arg = 0;
        if (!conditions[i].has_arg) {
            if (colon) return bs_error_set(BS_EINVAL, "alert condition '%s': takes no argument", s);
            return 0;
        }
        if (!colon || !colon[1])
            return bs_error_set(BS_EINVAL, "alert condition '%s': %s", s, conditions[i].help);
        char buf[64];
        snprintf(buf, sizeof buf, "%s", colon + 1);
        size_t bl = strlen(buf);
        if (conditions[i].percent && bl && buf[bl - 1] == '%') buf[--bl] = 0;
        if (bs_parse_double(buf, &c->arg) < 0 || !isfinite(c->arg))
            return bs_error_set(BS_EINVAL, "alert condition '%s': '%s' is not a number", s, colon + 1);
        if (conditions[i].percent) {
            if (c->arg <= 0) return bs_error_set(BS_EINVAL, "alert condition '%s': percentage must be > 0", s);
            c->arg /= 100.0;
        }
        return 0;
    }
    return bs_error_set(BS_EINVAL, "alert condition '%s': unknown (use regression, improvement, change, "
                        "above:X, below:X, rise:P%%, drop:P%%)", s);
}

int bs_alert_condition_check(const char *s)
{
    cond c;
    return parse_condition(s, &c);
}

/* ---- actions ------------------------------------------------------------- */

typedef enum { A_PRINT, A_JSONL, A_EXEC, A_WEBHOOK } act_kind;

static const struct {
    const char *prefix;
    act_kind kind;
    const char *help;
} actions[] = {
    {"print", A_PRINT, "print - print the alert"},
    {"jsonl:", A_JSONL, "jsonl:PATH - append the alert as one JSON line to PATH"},
    {"exec:", A_EXEC, "exec:PROG[,ARG...] or exec:[\"PROG\",...] - run PROG with the alert JSON on stdin"},
    {"webhook:", A_WEBHOOK, "webhook:http://HOST:PORT/PATH - POST the alert JSON"},
};

/* argv of an exec action (malloc'd vector of malloc'd strings). */
static int exec_argv(const char *spec, char ***out)
{
    *out = NULL;
    size_t n = 0, cap = 8;
    char **v = calloc(cap, sizeof(char *));
    if (!v) return bs_error_set(BS_ENOMEM, "alert exec");
    int rc = 0;
    if (spec[0] == '[') {
        cJSON *j = cJSON_Parse(spec);
        const cJSON *e;
        if (!j || !cJSON_IsArray(j)) {
            cJSON_Delete(j);
            rc = bs_error_set(BS_EINVAL, "alert action exec:%s: not a JSON array of strings", spec);
            goto fail;
        }
        cJSON_ArrayForEach(e, j) {
            if (!cJSON_IsString(e)) { rc = bs_error_set(BS_EINVAL, "alert action exec: argv must be strings"); break; }
            if (n + 1 >= cap) {
                char **t = realloc(v, (cap *= 2) * sizeof(char *));
                if (!t) { rc = BS_ENOMEM; break; }
                v = t;
            }
            v[n++] = strdup(e->valuestring);
            v[n] = NULL;
        }
        cJSON_Delete(j);
        if (rc < 0) goto fail;
    } else {
        const char *p = spec;
        for (;;) {
            size_t l = strcspn(p, ",");
            if (n + 1 >= cap) {
                char **t = realloc(v, (cap *= 2) * sizeof(char *));
                if (!t) { rc = BS_ENOMEM; goto fail; }
                v = t;
            }
            v[n++] = strndup(p, l);
            v[n] = NULL;
            if (!p[l]) break;
            p += l + 1;
        }
    }
    if (n == 0 || !v[0] || !*v[0]) {
        rc = bs_error_set(BS_EINVAL, "alert action exec:%s: no program", spec);
        goto fail;
    }
    *out = v;
    return 0;
fail:
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
    return rc;
}

static void free_argv(char **v)
{
    for (size_t i = 0; v && v[i]; i++) free(v[i]);
    free(v);
}

static int parse_action(const char *s, act_kind *k, const char **arg)
{
    for (size_t i = 0; s && i < sizeof actions / sizeof actions[0]; i++) {
        size_t pl = strlen(actions[i].prefix);
        if (strncmp(s, actions[i].prefix, pl) != 0) continue;
        if (actions[i].kind == A_PRINT && s[pl]) continue;
        *k = actions[i].kind;
        *arg = s + pl;
        if (actions[i].kind != A_PRINT && !**arg)
            return bs_error_set(BS_EINVAL, "alert action '%s': %s", s, actions[i].help);
        return 0;
    }
    return bs_error_set(BS_EINVAL, "alert action '%s': unknown (use print, jsonl:PATH, exec:PROG[,ARG...], "
                        "webhook:http://HOST:PORT/PATH)", s ? s : "");
}

int bs_alert_action_check(const char *s)
{
    act_kind k;
    const char *arg;
    int rc = parse_action(s, &k, &arg);
    if (rc < 0) return rc;
    if (k == A_EXEC) {
        char **v;
        if ((rc = exec_argv(arg, &v)) < 0) return rc;
        free_argv(v);
    } else if (k == A_WEBHOOK && strncmp(arg, "http://", 7) != 0) {
        return bs_error_set(BS_EINVAL, "alert action '%s': webhook URL must start with http://", s);
    }
    return 0;
}

/* ---- rules ------------------------------------------------------------- */

int bs_alert_add(sqlite3 *db, const bs_alert_rule *r)
{
    int rc;
    if (!r->name || !*r->name) return bs_error_set(BS_EINVAL, "alert rule: empty name");
    if (!r->metric || !*r->metric) return bs_error_set(BS_EINVAL, "alert rule %s: no metric", r->name);
    if ((rc = bs_alert_condition_check(r->condition)) < 0) return bs_error_wrap(rc, "alert rule %s: ", r->name);
    if (r->n_actions < 1) return bs_error_set(BS_EINVAL, "alert rule %s: no action", r->name);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < r->n_actions; i++) {
        if ((rc = bs_alert_action_check(r->actions[i])) < 0) {
            cJSON_Delete(arr);
            return bs_error_wrap(rc, "alert rule %s: ", r->name);
        }
        cJSON_AddItemToArray(arr, cJSON_CreateString(r->actions[i]));
    }
    char *txt = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    if (!txt) return bs_error_set(BS_ENOMEM, "alert rule");
    sqlite3_stmt *st = NULL;
    rc = bs_db_prepare(db, "INSERT INTO history_alert_rules(name, metric, model, platform, config,"
                           " condition, actions, created_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", &st);
    if (rc == 0) {
        bs_db_bind_text(st, 1, r->name);
        bs_db_bind_text(st, 2, r->metric);
        bs_db_bind_text(st, 3, r->model);
        bs_db_bind_text(st, 4, r->platform);
        bs_db_bind_text(st, 5, r->config);
        bs_db_bind_text(st, 6, r->condition);
        bs_db_bind_text(st, 7, txt);
        sqlite3_bind_int64(st, 8, bs_now_ms());
        int s = sqlite3_step(st);
        if (s == SQLITE_CONSTRAINT)
            rc = bs_error_set(BS_EEXISTS, "alert rule '%s' already exists", r->name);
        else if (s != SQLITE_DONE)
            rc = bs_db_error(db, "alert rule insert");
    }
    sqlite3_finalize(st);
    free(txt);
    return rc;
}

int bs_alert_rm(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "DELETE FROM history_alert_rules WHERE name = ?1", &st);
    if (rc < 0) return rc;
    bs_db_bind_text(st, 1, name);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : bs_db_error(db, "alert rule rm");
    sqlite3_finalize(st);
    if (rc == 0 && sqlite3_changes(db) == 0) rc = bs_error_set(BS_ENOTFOUND, "alert rule '%s' does not exist", name);
    return rc;
}

void bs_alert_rules_free(bs_alert_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].name); free(r[i].metric); free(r[i].model); free(r[i].platform);
        free(r[i].config); free(r[i].condition);
        for (int k = 0; k < r[i].n_actions; k++) free(r[i].actions[k]);
        free(r[i].actions);
    }
    free(r);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

int bs_alert_list(sqlite3 *db, bs_alert_rule **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "SELECT id, name, metric, model, platform, config, condition, actions,"
                               " created_ms FROM history_alert_rules ORDER BY name", &st);
    if (rc < 0) return rc;
    size_t cap = 0;
    bs_alert_rule *v = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            bs_alert_rule *t = realloc(v, nc * sizeof(*t));
            if (!t) { rc = bs_error_set(BS_ENOMEM, "alert rules"); goto fail; }
            v = t; cap = nc;
        }
        bs_alert_rule *r = &v[(*n)++];
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(st, 0);
        r->name = dup_col(st, 1);
        r->metric = dup_col(st, 2);
        r->model = dup_col(st, 3);
        r->platform = dup_col(st, 4);
        r->config = dup_col(st, 5);
        r->condition = dup_col(st, 6);
        r->created_ms = sqlite3_column_int64(st, 8);
        cJSON *j = cJSON_Parse((const char *)sqlite3_column_text(st, 7));
        int na = j && cJSON_IsArray(j) ? cJSON_GetArraySize(j) : 0;
        r->actions = calloc((size_t)na + 1, sizeof(char *));
        const cJSON *e;
        if (j && r->actions)
            cJSON_ArrayForEach(e, j) if (cJSON_IsString(e)) r->actions[r->n_actions++] = strdup(e->valuestring);
        cJSON_Delete(j);
    }
    if (step != SQLITE_DONE) { rc = bs_db_error(db, "alert rules"); goto fail; }
    sqlite3_finalize(st);
    *out = v;
    return 0;
fail:
    sqlite3_finalize(st);
    bs_alert_rules_free(v, *n);
    *n = 0;
    return rc;
}

/* ---- running actions ----------------------------------------------------- */

void bs_alert_eval_opts_default(bs_alert_eval_opts *o)
{
    memset(o, 0, sizeof(*o));
    bs_analyze_opts_default(&o->analyze);
    o->action_timeout_ms = 30000;
}

static int append_jsonl(const char *path, const char *json)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return bs_error_set(BS_EIO, "alert jsonl %s: %s", path, strerror(errno));
    size_t n = strlen(json);
    char *line = malloc(n + 2);
    if (!line) { close(fd); return bs_error_set(BS_ENOMEM, "alert jsonl"); }
    memcpy(line, json, n);
    line[n] = '\n';
    ssize_t w = write(fd, line, n + 1);   /* one write: O_APPEND keeps lines whole */
    int e = errno;
    free(line);
    if (close(fd) < 0 || w != (ssize_t)(n + 1))
        return bs_error_set(BS_EIO, "alert jsonl %s: %s", path, strerror(w < 0 ? e : EIO));
    return 0;
}

static int run_exec(const char *spec, const char *json, int64_t timeout_ms)
{
    char **argv = NULL;
    int rc = exec_argv(spec, &argv);
    if (rc < 0) return rc;
    const char *tmpdir = getenv("TMPDIR");
    char *tmpl = bs_path_join(tmpdir && *tmpdir ? tmpdir : "/tmp", "bs-alert-XXXXXX");
    int fd = tmpl ? mkstemp(tmpl) : -1;
    if (fd < 0) {
        rc = bs_error_set(BS_EIO, "alert exec %s: temporary file: %s", argv[0], strerror(errno));
        goto out;
    }
    size_t n = strlen(json);
    bool ok = write(fd, json, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    close(fd);
    if (!ok) { rc = bs_error_set(BS_EIO, "alert exec %s: writing the alert", argv[0]); goto out; }
    bs_spawn_opts so = {.argv = (const char *const *)argv, .stdin_path = tmpl,
                        .stdout_fd = 2, .new_pgroup = true};
    pid_t pid;
    if ((rc = bs_spawn(&so, &pid)) < 0) { rc = bs_error_wrap(rc, "alert exec: "); goto out; }
    int64_t deadline = bs_now_mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) { rc = bs_error_set(BS_EIO, "alert exec %s: waitpid: %s", argv[0], strerror(errno)); goto out; }
        if (bs_now_mono_ms() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            rc = bs_error_set(BS_ETIMEOUT, "alert exec %s: killed after %lld ms", argv[0], (long long)timeout_ms);
            goto out;
        }
        bs_sleep_ms(5);
    }
    bs_exit ex;
    bs_exit_decode(status, &ex);
    if (!ex.exited || ex.code != 0)
        rc = bs_error_set(BS_ETOOL, "alert exec %s: %s %d", argv[0], ex.exited ? "exited with" : "killed by signal",
                          ex.exited ? ex.code : ex.signal);
out:
    if (tmpl) { unlink(tmpl); free(tmpl); }
    free_argv(argv);
    return rc;
}

static int run_action(const char *action, const char *json, const bs_alert_eval_opts *o)
{
    act_kind k;
    const char *arg;
    int rc = parse_action(action, &k, &arg);
    if (rc < 0) return rc;
    switch (k) {
    case A_PRINT:
        if (o->print) o->print(json, o->print_ud);
        return 0;
    case A_JSONL: return append_jsonl(arg, json);
    case A_EXEC: return run_exec(arg, json, o->action_timeout_ms);
    case A_WEBHOOK: return bs_http_post_json(arg, json, o->action_timeout_ms, NULL);
    }
    return 0;
}

/* ---- evaluation ------------------------------------------------------------ */

typedef struct event {
    size_t index;              /* point */
    const char *kind;          /* "regression", "above", ... */
    double before, after, rel, pvalue;
    const char *method;
    const char *layer;
    char *message;             /* malloc'd */
} event;

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static char *alert_json(const bs_alert_rule *r, const bs_hist_series *s, const event *e)
{
    const bs_hist_point *p = &s->points[e->index];
    char tbuf[40];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "rule", r->name);
    cJSON_AddStringToObject(j, "condition", r->condition);
    cJSON_AddStringToObject(j, "kind", e->kind);
    cJSON_AddStringToObject(j, "metric", s->metric);
    cJSON_AddStringToObject(j, "model", s->model);
    cJSON_AddStringToObject(j, "platform", s->platform);
    cJSON_AddStringToObject(j, "config", s->config);
    cJSON_AddStringToObject(j, "build", p->build_id);
    if (p->version) cJSON_AddStringToObject(j, "version", p->version);
    cJSON_AddStringToObject(j, "time", bs_format_time(p->time_ms, tbuf, sizeof tbuf));
    cJSON_AddItemToObject(j, "value", num_or_null(p->value));
    cJSON_AddItemToObject(j, "before", num_or_null(e->before));
    cJSON_AddItemToObject(j, "after", num_or_null(e->after));
    cJSON_AddItemToObject(j, "rel_change", num_or_null(e->rel));
    cJSON_AddItemToObject(j, "pvalue", num_or_null(e->pvalue));
    if (e->method) cJSON_AddStringToObject(j, "method", e->method);
    if (e->layer) cJSON_AddStringToObject(j, "layer", e->layer);
    cJSON_AddStringToObject(j, "message", e->message ? e->message : "");
    char *txt = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return txt;
}

/* Events of one rule on one series (appended to *ev). */
static int rule_events(const bs_alert_rule *r, const cond *c, const bs_hist_series *s,
                       const bs_alert_eval_opts *o, event **ev, size_t *nev)
{
    *ev = NULL;
    *nev = 0;
    if (s->n == 0) return 0;
    if (c->kind == C_REGRESSION || c->kind == C_IMPROVEMENT || c->kind == C_CHANGE) {
        bs_hist_change *ch = NULL;
        size_t nch = 0;
        int rc = bs_history_detect(s, &o->analyze, &ch, &nch);
        if (rc < 0) return rc;
        event *v = calloc(nch + 1, sizeof(event));
        if (!v) { free(ch); return bs_error_set(BS_ENOMEM, "alerts"); }
        size_t n = 0;
        for (size_t i = 0; i < nch; i++) {
            if ((c->kind == C_REGRESSION && ch[i].kind != BS_CHANGE_REGRESSION) ||
                (c->kind == C_IMPROVEMENT && ch[i].kind != BS_CHANGE_IMPROVEMENT))
                continue;
            v[n] = (event){ch[i].index, bs_change_kind_name(ch[i].kind), ch[i].cp.mean_before,
                           ch[i].cp.mean_after, ch[i].cp.rel_change, ch[i].cp.pvalue, ch[i].method,
                           ch[i].layer, bs_history_insight(&ch[i])};
            n++;
        }
        free(ch);
        *ev = v;
        *nev = n;
        return 0;
    }
    /* value conditions look at the newest finite point */
    size_t i = s->n;
    while (i > 0 && !isfinite(s->points[i - 1].value)) i--;
    if (i == 0) return 0;
    i--;
    double v = s->points[i].value, ref = NAN;
    bool hit = false;
    const char *kind = "";
    if (c->kind == C_ABOVE) { hit = v > c->arg; kind = "above"; ref = c->arg; }
    else if (c->kind == C_BELOW) { hit = v < c->arg; kind = "below"; ref = c->arg; }
    else {
        double prev[64];
        size_t n = 0, L = (size_t)(o->analyze.thr.lookback > 0 ? o->analyze.thr.lookback : 5);
        for (size_t k = i; k-- > 0 && n < L && n < 64;)
            if (isfinite(s->points[k].value)) prev[n++] = s->points[k].value;
        if (n == 0) return 0;
        ref = bs_stat_median(prev, n);
        double rel = bs_hist_rel(ref, v);
        if (c->kind == C_RISE) { hit = isfinite(rel) ? rel >= c->arg : v > ref; kind = "rise"; }
        else { hit = isfinite(rel) ? -rel >= c->arg : v < ref; kind = "drop"; }
    }
    if (!hit) return 0;
    event *e = calloc(1, sizeof(event));
    if (!e) return bs_error_set(BS_ENOMEM, "alerts");
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_printf(&sb, "%s on %s (%s) is %.6g at build %s: %s %s", s->metric, s->platform, s->model, v,
                     s->points[i].build_id, r->condition,
                     c->kind == C_ABOVE || c->kind == C_BELOW ? "limit crossed" : "vs the previous builds");
    *e = (event){i, kind, ref, v, bs_hist_rel(ref, v), NAN, "rule", NULL, bs_strbuf_detach(&sb)};
    *ev = e;
    *nev = 1;
    return 0;
}

/* Stores the dedup key; 1 if new, 0 if the alert already fired. */
static int claim(sqlite3 *db, int64_t rule_id, const char *key, const char *payload)
{
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(db, "INSERT OR IGNORE INTO history_alerts_fired(rule_id, dedup_key, fired_ms, payload)"
                               " VALUES(?1, ?2, ?3, ?4)", &st);
    if (rc < 0) return rc;
    sqlite3_bind_int64(st, 1, rule_id);
    bs_db_bind_text(st, 2, key);
    sqlite3_bind_int64(st, 3, bs_now_ms());
    bs_db_bind_text(st, 4, payload);
    rc = sqlite3_step(st) == SQLITE_DONE ? (sqlite3_changes(db) > 0) : bs_db_error(db, "alert dedup");
    sqlite3_finalize(st);
    return rc;
}

static void set_status(sqlite3 *db, int64_t rule_id, const char *key, const char *status)
{
    sqlite3_stmt *st = NULL;
    if (bs_db_prepare(db, "UPDATE history_alerts_fired SET status = ?3 WHERE rule_id = ?1 AND dedup_key = ?2", &st) < 0) {
        bs_error_clear();
        return;
    }
    sqlite3_bind_int64(st, 1, rule_id);
    bs_db_bind_text(st, 2, key);
    bs_db_bind_text(st, 3, status);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

static int fire(sqlite3 *db, const bs_alert_rule *r, const bs_hist_series *s, const event *e,
                const bs_alert_eval_opts *o, int *fired, int *failed)
{
    char *json = alert_json(r, s, e);
    if (!json) return bs_error_set(BS_ENOMEM, "alerts");
    char *key = NULL;
    bs_strbuf kb = BS_STRBUF_INIT;
    bs_strbuf_printf(&kb, "%s|%s|%s|%s@%s:%s", s->model, s->platform, s->config, s->metric,
                     s->points[e->index].build_id, e->kind);
    key = bs_strbuf_detach(&kb);
    int rc = 0;
    if (o->dry_run) {
        /* report only what a real run would fire: skip stored keys */
        sqlite3_stmt *q = NULL;
        if ((rc = bs_db_prepare(db, "SELECT 1 FROM history_alerts_fired WHERE rule_id = ?1 AND dedup_key = ?2", &q)) < 0)
            goto out;
        sqlite3_bind_int64(q, 1, r->id);
        bs_db_bind_text(q, 2, key);
        bool seen = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!seen) {
            if (o->print) o->print(json, o->print_ud);
            (*fired)++;
        }
        goto out;
    }
    rc = claim(db, r->id, key, json);
    if (rc <= 0) goto out;          /* already fired (0) or error */
    rc = 0;
    (*fired)++;
    bs_strbuf st = BS_STRBUF_INIT;
    for (int i = 0; i < r->n_actions; i++) {
        int arc = run_action(r->actions[i], json, o);
        if (arc < 0) {
            BS_WARN("alert %s: action %s failed: %s", r->name, r->actions[i], bs_error_msg());
            bs_strbuf_printf(&st, "%s%s: %s", st.len ? "; " : "", r->actions[i], bs_error_msg());
            (*failed)++;
            bs_error_clear();
        }
    }
    set_status(db, r->id, key, st.len ? st.buf : "ok");
    bs_strbuf_free(&st);
out:
    free(json);
    free(key);
    return rc;
}

int bs_alert_eval(sqlite3 *db, const bs_alert_eval_opts *opts, int *fired_out, int *failed_out)
{
    bs_alert_eval_opts def;
    if (!opts) { bs_alert_eval_opts_default(&def); opts = &def; }
    int fired = 0, failed = 0;
    bs_alert_rule *rules = NULL;
    size_t nr = 0;
    int rc = bs_alert_list(db, &rules, &nr);
    for (size_t ri = 0; rc == 0 && ri < nr; ri++) {
        const bs_alert_rule *r = &rules[ri];
        cond c;
        if ((rc = parse_condition(r->condition, &c)) < 0) break;
        bs_hist_filter f = {r->model, r->platform, r->config, r->metric};
        bs_hist_set *set = NULL;
        if ((rc = bs_history_query(db, &f, &set)) < 0) break;
        for (size_t si = 0; rc == 0 && si < set->n; si++) {
            event *ev = NULL;
            size_t nev = 0;
            rc = rule_events(r, &c, &set->series[si], opts, &ev, &nev);
            for (size_t k = 0; k < nev; k++) {
                if (rc == 0) rc = fire(db, r, &set->series[si], &ev[k], opts, &fired, &failed);
                free(ev[k].message);
            }
            free(ev);
        }
        bs_hist_set_free(set);
    }
    bs_alert_rules_free(rules, nr);
    if (fired_out) *fired_out = fired;
    if (failed_out) *failed_out = failed;
    return rc;
}
