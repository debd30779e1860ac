/* cmd_orchview.c - orchestrator commands that only read: status, watch,
 * logs.  They read the workspace database (WAL readers never block the
 * scheduler) and the log files; watch follows the events table by seq. */
#include "cli.h"
#include "orch_view.h"

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/orch.h"
#include "brainsmith/proc.h"
#include "brainsmith/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- status ---- */
static int scheduler_pid(bs_workspace *ws);
static cJSON *strv_json(char **v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; v && v[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    cJSON_AddItemToObject(o, k, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static cJSON *task_json(const bs_task_info *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)t->id);
    add_str(o, "name", t->name);
    add_str(o, "build_id", t->build_id);
    add_str(o, "state", bs_task_state_name(t->state));
    cJSON_AddNumberToObject(o, "priority", t->priority);
    cJSON_AddNumberToObject(o, "cpus", t->cpus);
    cJSON_AddNumberToObject(o, "mem_mb", (double)t->mem_mb);
    add_str(o, "licenses", t->licenses);
    cJSON_AddItemToObject(o, "argv", strv_json(t->argv));
    add_str(o, "cwd", t->cwd);
    cJSON_AddItemToObject(o, "env", strv_json(t->env));
    cJSON *deps = cJSON_CreateArray();
    for (int i = 0; i < t->ndeps; i++)
        cJSON_AddItemToArray(deps, cJSON_CreateNumber((double)t->deps[i]));
    cJSON_AddItemToObject(o, "deps", deps);
    cJSON_AddNumberToObject(o, "attempts", t->attempts);
    cJSON_AddNumberToObject(o, "tries", t->tries);
    cJSON_AddNumberToObject(o, "max_attempts", t->retry.max_attempts);
    cJSON_AddNumberToObject(o, "timeout_ms", (double)t->timeout_ms);
    add_str(o, "fail_class", t->fail_class ? bs_fail_class_name(t->fail_class) : NULL);
    if (t->exit_code >= 0)
        cJSON_AddNumberToObject(o, "exit_code", t->exit_code);
    else
        cJSON_AddNullToObject(o, "exit_code");
    add_str(o, "reason", t->reason);
    add_str(o, "key", t->key);
    add_str(o, "cache_key", t->cache_key);
    cJSON_AddBoolToObject(o, "cancel_requested", t->cancel_requested);
    cJSON_AddNumberToObject(o, "created_ms", (double)t->created_ms);
    cJSON_AddNumberToObject(o, "started_ms", (double)t->started_ms);
    cJSON_AddNumberToObject(o, "finished_ms", (double)t->finished_ms);
    if (t->state == BS_TASK_RETRY_WAIT)
        cJSON_AddNumberToObject(o, "not_before_ms", (double)t->not_before_ms);
    return o;
}

static cJSON *attempt_json(const bs_attempt_info *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", a->n);
    add_str(o, "state", a->state);
    add_str(o, "fail_class", a->fail_class ? bs_fail_class_name(a->fail_class) : NULL);
    if (a->exit_code >= 0)
        cJSON_AddNumberToObject(o, "exit_code", a->exit_code);
    else
        cJSON_AddNullToObject(o, "exit_code");
    cJSON_AddNumberToObject(o, "signal", a->signal);
    add_str(o, "reason", a->reason);
    cJSON_AddNumberToObject(o, "started_ms", (double)a->started_ms);
    cJSON_AddNumberToObject(o, "finished_ms", (double)a->finished_ms);
    cJSON_AddNumberToObject(o, "cpu_s", a->cpu_s);
    cJSON_AddNumberToObject(o, "peak_rss_kb", (double)a->peak_rss_kb);
    cJSON_AddNumberToObject(o, "pid", a->pid);
    add_str(o, "log_out", a->log_out);
    add_str(o, "log_err", a->log_err);
    return o;
}

static void print_json(cJSON *j)
{
    char *s = bs_json_print_py(j, 2);
    puts(s);
    free(s);
    cJSON_Delete(j);
}

static int64_t task_time(const bs_task_info *t, int64_t now)
{
    if (t->state == BS_TASK_RUNNING)
        return now - t->started_ms;
    if (bs_task_state_final(t->state))
        return t->started_ms && t->finished_ms ? t->finished_ms - t->started_ms : 0;
    return now - t->created_ms;
}

static void print_cmdline(char **argv, int width)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    for (size_t i = 0; argv && argv[i]; i++)
        bs_strbuf_printf(&sb, "%s%s", i ? " " : "", argv[i]);
    printf("%.*s", width, sb.buf ? sb.buf : "");
    bs_strbuf_free(&sb);
}

static int status_one(bs_workspace *ws, int64_t id, bool json)
{
    bs_task_info t;
    int rc = bs_orch_task_get(ws, id, &t);
    if (rc)
        return rc;
    bs_attempt_info *at = NULL;
    int na = 0;
    if ((rc = bs_orch_attempts(ws, id, &at, &na))) {
        bs_task_info_free(&t);
        return rc;
    }
    if (json) {
        cJSON *o = task_json(&t), *arr = cJSON_CreateArray();
        for (int i = 0; i < na; i++)
            cJSON_AddItemToArray(arr, attempt_json(&at[i]));
        cJSON_AddItemToObject(o, "attempt_list", arr);
        print_json(o);
    } else {
        char d[32];
        printf("task      %lld%s%s\n", (long long)t.id, t.name ? "  " : "", t.name ? t.name : "");
        printf("state     %s", bs_task_state_name(t.state));
        if (t.fail_class)
            printf(" [%s]", bs_fail_class_name(t.fail_class));
        if (t.reason)
            printf(": %s", t.reason);
        if (t.cancel_requested && t.state == BS_TASK_RUNNING)
            printf(" (cancel requested)");
        if (t.state == BS_TASK_RETRY_WAIT)
            printf(" (next attempt in %s)", orch_fmt_dur(t.not_before_ms - bs_now_ms(), d, sizeof d));
        printf("\ncommand   ");
        print_cmdline(t.argv, 4000);
        printf("\ncwd       %s\n", t.cwd ? t.cwd : "(scheduler's)");
        printf("priority  %d   cpus %d   mem %lld MB   licenses %s\n", t.priority, t.cpus,
               (long long)t.mem_mb, t.licenses ? t.licenses : "-");
        printf("retry     %d of %d tries used; timeout %s\n", t.tries, t.retry.max_attempts,
               t.timeout_ms ? orch_fmt_dur(t.timeout_ms, d, sizeof d) : "none");
        if (t.ndeps) {
            printf("after    ");
            for (int i = 0; i < t.ndeps; i++)
                printf(" %lld", (long long)t.deps[i]);
            printf("\n");
        }
        if (t.build_id)
            printf("build     %s\n", t.build_id);
        if (t.key)
            printf("key       %s\n", t.key);
        if (na)
            printf("\n  #  STATE      CLASS      EXIT  TIME      CPU      PEAK RSS  REASON\n");
        for (int i = 0; i < na; i++) {
            bs_attempt_info *a = &at[i];
            int64_t end = a->finished_ms ? a->finished_ms : bs_now_ms();
            char ex[16] = "-";
            if (a->exit_code >= 0)
                snprintf(ex, sizeof ex, "%d", a->exit_code);
            else if (a->signal)
                snprintf(ex, sizeof ex, "sig%d", a->signal);
            printf("%3d  %-10s %-10s %-5s %-9s %6.2fs %7lld MB  %s\n", a->n, a->state,
                   a->fail_class ? bs_fail_class_name(a->fail_class) : "-", ex,
                   orch_fmt_dur(end - a->started_ms, d, sizeof d), a->cpu_s,
                   (long long)(a->peak_rss_kb / 1024), a->reason ? a->reason : "");
        }
        if (na)
            printf("\nlogs      %s\n          %s\n", at[na - 1].log_out ? at[na - 1].log_out : "",
                   at[na - 1].log_err ? at[na - 1].log_err : "");
    }
    bs_attempt_info_free_array(at, na);
    bs_task_info_free(&t);
    return 0;
}

static int status_list(bs_workspace *ws, const char *build, int state, int limit, bool json)
{
    int64_t counts[BS_TASK_NSTATES];
    int rc = bs_orch_counts(ws, build, counts);
    bs_task_info *ts = NULL;
    int n = 0;
    if (rc || (rc = bs_orch_task_list(ws, build, state, limit, &ts, &n)))
        return rc;
    if (json) {
        cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        for (int i = 0; i < BS_TASK_NSTATES; i++)
            cJSON_AddNumberToObject(c, bs_task_state_name((bs_task_state)i), (double)counts[i]);
        cJSON_AddItemToObject(o, "counts", c);
        cJSON_AddNumberToObject(o, "scheduler_pid", scheduler_pid(ws));
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, task_json(&ts[i]));
        cJSON_AddItemToObject(o, "tasks", arr);
        print_json(o);
    } else {
        int sp = scheduler_pid(ws);
        if (sp)
            printf("scheduler: running (pid %d)\n", sp);
        else
            printf("scheduler: not running (start one with 'brainsmith run')\n");
        orch_print_counts(stdout, counts);
        if (n)
            printf("\n    ID  STATE              PRIO  ATT  EXIT  TIME      NAME / COMMAND\n");
        int64_t now = bs_now_ms();
        for (int i = 0; i < n; i++) {
            bs_task_info *t = &ts[i];
            char d[32], ex[16] = "-";
            if (t->exit_code >= 0)
                snprintf(ex, sizeof ex, "%d", t->exit_code);
            printf("%6lld  %-18s %5d  %3d  %-5s %-9s ", (long long)t->id, bs_task_state_name(t->state),
                   t->priority, t->attempts, ex, orch_fmt_dur(task_time(t, now), d, sizeof d));
            if (t->name)
                printf("%s", t->name);
            else
                print_cmdline(t->argv, 60);
            printf("\n");
        }
        int64_t total = 0;
        for (int i = 0; i < BS_TASK_NSTATES; i++)
            total += state >= 0 ? (i == state ? counts[i] : 0) : counts[i];
        if (n < total)
            printf("(%lld more; --limit 0 lists all)\n", (long long)(total - n));
    }
    bs_task_info_free_array(ts, n);
    return 0;
}

static int cmd_status(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith status [ID] [--json] [--build B] [--state S] [--limit N]\n\n"
               "Without ID: task counts per state and the newest tasks (--limit, default 30;\n"
               "0 = all).  With ID: the task, its attempts (class, exit, time, CPU, peak RSS)\n"
               "and its log files.\n");
        return 0;
    }
    static const struct option opts[] = {{"json", 0, 0, 'j'}, {"build", 1, 0, 'b'},
                                         {"state", 1, 0, 's'}, {"limit", 1, 0, 'l'}, {0, 0, 0, 0}};
    bool json = false;
    const char *build = NULL;
    int state = -1;
    int64_t limit = 30;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        bs_task_state st;
        switch (c) {
        case 'j': json = true; break;
        case 'b': build = optarg; break;
        case 's':
            if (bs_task_state_parse(optarg, &st))
                return bs_cli_usage(cli, "--state: %s", bs_error_msg());
            state = (int)st;
            break;
        case 'l':
            if (bs_parse_i64(optarg, &limit) || limit < 0)
                return bs_cli_usage(cli, "--limit: '%s' is not a count", optarg);
            break;
        default:
            return bs_cli_usage(cli, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    int64_t id = 0;
    if (optind < argc && orch_parse_id(cli, argv[optind++], &id))
        return BS_EXIT_USAGE;
    if (optind < argc)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws)
        return BS_EXIT_FAIL;
    int rc = id ? status_one(ws, id, json) : status_list(ws, build, state, (int)limit, json);
    bs_workspace_close(ws);
    return rc ? bs_cli_fail(cli, rc) : BS_EXIT_OK;
}

/* ---- watch ---- */
static volatile sig_atomic_t g_watch_stop;
static void on_watch_signal(int sig)
{
    (void)sig;
    g_watch_stop = 1;
}

typedef struct watch_ctx {
    const char *build;
    int64_t seq;
    FILE *out;
    bool json;
    char recent[8][200];
    int nrecent;
} watch_ctx;

static int watch_plain_cb(const bs_event *ev, void *ud)
{
    watch_ctx *w = ud;
    w->seq = ev->seq;
    if (w->build && (!ev->build_id || strcmp(w->build, ev->build_id)))
        return 0;
    if (!w->json) {
        orch_print_event(w->out, ev);
        return 0;
    }
    /* One JSON object per line (the payload is embedded as JSON). */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
    cJSON_AddNumberToObject(o, "time_ms", (double)ev->time_ms);
    add_str(o, "kind", ev->kind);
    add_str(o, "build_id", ev->build_id);
    cJSON_AddNumberToObject(o, "task_id", (double)ev->task_id);
    cJSON *p = ev->payload ? cJSON_Parse(ev->payload) : NULL;
    cJSON_AddItemToObject(o, "payload", p ? p : cJSON_CreateNull());
    char *text = cJSON_PrintUnformatted(o);
    fprintf(w->out, "%s\n", text);
    free(text);
    cJSON_Delete(o);
    return 0;
}

static int watch_tty_cb(const bs_event *ev, void *ud)
{
    watch_ctx *w = ud;
    w->seq = ev->seq;
    if (w->build && (!ev->build_id || strcmp(w->build, ev->build_id)))
        return 0;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return 0;
    orch_print_event(m, ev);
    fclose(m);
    if (w->nrecent == 8) {
        memmove(w->recent[0], w->recent[1], sizeof w->recent[0] * 7);
        w->nrecent = 7;
    }
    snprintf(w->recent[w->nrecent++], sizeof w->recent[0], "%.*s", (int)strcspn(buf, "\n"), buf);
    free(buf);
    return 0;
}

static void bar(char *out, int width, double frac)
{
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int full = (int)(frac * width + 0.5);
    for (int i = 0; i < width; i++)
        out[i] = i < full ? '#' : '.';
    out[width] = '\0';
}

static int scheduler_pid(bs_workspace *ws)
{
    int pid = 0;
    bs_orch_scheduler_pid(ws, &pid);
    return pid;
}

static void draw(bs_workspace *ws, watch_ctx *w, const int64_t counts[BS_TASK_NSTATES])
{
    int64_t total = 0, fin = 0;
    for (int i = 0; i < BS_TASK_NSTATES; i++) {
        total += counts[i];
        if (bs_task_state_final((bs_task_state)i))
            fin += counts[i];
    }
    char b[64], d1[32], d2[32];
    printf("\033[H\033[2J");
    int sp = scheduler_pid(ws);
    printf("brainsmith watch  %s   scheduler: %s", ws->home, sp ? "running" : "not running");
    if (sp)
        printf(" (pid %d)", sp);
    printf("\n\n");
    bar(b, 40, total ? (double)fin / (double)total : 0);
    printf("[%s] %lld/%lld done  ", b, (long long)fin, (long long)total);
    for (int i = 0; i < BS_TASK_NSTATES; i++)
        if (counts[i])
            printf(" %s %lld", bs_task_state_name((bs_task_state)i), (long long)counts[i]);
    printf("\n\n");
    bs_task_info *ts = NULL;
    int n = 0;
    int64_t now = bs_now_ms();
    if (bs_orch_task_list(ws, w->build, BS_TASK_RUNNING, 20, &ts, &n) == 0) {
        for (int i = n - 1; i >= 0; i--) {
            bs_task_info *t = &ts[i];
            bs_attempt_info *a = NULL;
            int na = 0;
            bs_orch_attempts(ws, t->id, &a, &na);
            int64_t el = now - t->started_ms;
            bar(b, 20, t->timeout_ms ? (double)el / (double)t->timeout_ms : (double)(el / 250 % 21) / 20.0);
            printf("  #%-6lld %-20.20s [%s] %8s", (long long)t->id, t->name ? t->name : (t->argv[0] ? t->argv[0] : ""),
                   b, orch_fmt_dur(el, d1, sizeof d1));
            if (t->timeout_ms)
                printf(" / %s", orch_fmt_dur(t->timeout_ms, d2, sizeof d2));
            if (na)
                printf("  cpu %.1fs  rss %lld MB", a[na - 1].cpu_s, (long long)(a[na - 1].peak_rss_kb / 1024));
            if (t->mem_mb)
                printf(" / %lld", (long long)t->mem_mb);
            printf("  attempt %d\n", t->attempts);
            bs_attempt_info_free_array(a, na);
        }
        bs_task_info_free_array(ts, n);
    }
    printf("\nrecent events:\n");
    for (int i = 0; i < w->nrecent; i++)
        printf("  %s\n", w->recent[i]);
    fflush(stdout);
}

static int cmd_watch(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith watch [--since SEQ] [--build B] [--until-done] [--plain] [--json]\n\n"
               "Follows the events table.  On a terminal: a progress bar of finished tasks,\n"
               "one bar per running task (elapsed against its timeout) with CPU and RSS, and\n"
               "the latest events.  Otherwise (or --plain): one line per event, from seq\n"
               "SEQ on (default: only new events; --since 0 replays the whole history).\n"
               "--until-done returns when no task is left unfinished.  --json: one JSON\n"
               "object per event and line (implies --plain).\n");
        return 0;
    }
    static const struct option opts[] = {{"since", 1, 0, 's'}, {"build", 1, 0, 'b'},
                                         {"until-done", 0, 0, 'u'}, {"plain", 0, 0, 'p'},
                                         {"json", 0, 0, 'j'}, {0, 0, 0, 0}};
    int64_t since = -1;
    bool until_done = false, plain = !isatty(STDOUT_FILENO), json = false;
    const char *build = NULL;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (bs_parse_i64(optarg, &since) || since < 0)
                return bs_cli_usage(cli, "--since: '%s' is not a sequence number", optarg);
            break;
        case 'b': build = optarg; break;
        case 'u': until_done = true; break;
        case 'p': plain = true; break;
        case 'j': json = plain = true; break;
        default:
            return bs_cli_usage(cli, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws)
        return BS_EXIT_FAIL;
    watch_ctx w = {.build = build, .out = stdout, .json = json};
    int rc = 0;
    if (since >= 0)
        w.seq = since;
    else if ((rc = bs_orch_events_last(ws, &w.seq))) {
        bs_workspace_close(ws);
        return bs_cli_fail(cli, rc);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_watch_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!plain && since < 0) {
        /* Seed the recent list with the last few events. */
        w.seq = w.seq > 8 ? w.seq - 8 : 0;
    }
    while (!g_watch_stop) {
        int64_t counts[BS_TASK_NSTATES];
        if ((rc = bs_orch_events_read(ws, w.seq, 0, plain ? watch_plain_cb : watch_tty_cb, &w)) ||
            (rc = bs_orch_counts(ws, build, counts)))
            break;
        if (plain)
            fflush(stdout);
        else
            draw(ws, &w, counts);
        bool open = false;
        for (int i = 0; i < BS_TASK_NSTATES; i++)
            if (counts[i] && !bs_task_state_final((bs_task_state)i))
                open = true;
        if (until_done && !open) {
            /* Drain what was stored with the last change, then stop. */
            rc = bs_orch_events_read(ws, w.seq, 0, plain ? watch_plain_cb : watch_tty_cb, &w);
            break;
        }
        bs_sleep_ms(plain ? 100 : 250);
    }
    bs_workspace_close(ws);
    return rc ? bs_cli_fail(cli, rc) : BS_EXIT_OK;
}

/* ---- logs ---- */
typedef struct follow {
    char *path;
    int fd;
    int outfd;
} follow;

/* Copies what is new in f to its output; returns bytes copied. */
static ssize_t pump(follow *f)
{
    if (f->fd < 0 && f->path)
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return 0;
    char buf[65536];
    ssize_t total = 0, r;
    while ((r = read(f->fd, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < r) {
            ssize_t wr = write(f->outfd, buf + off, (size_t)(r - off));
            if (wr < 0 && errno == EINTR)
                continue;
            if (wr <= 0)
                return -1;
            off += wr;
        }
        total += r;
    }
    return total;
}

static void follow_close(follow *f)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    f->fd = -1;
    f->path = NULL;
}

static int cmd_logs(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith logs ID [-f] [--attempt N] [--stdout|--stderr]\n\n"
               "Prints the task's output: its stdout to stdout, its stderr to stderr (latest\n"
               "attempt unless --attempt).  -f follows the output until the task is final,\n"
               "moving on to new attempts as they start.\n");
        return 0;
    }
    static const struct option opts[] = {{"follow", 0, 0, 'f'}, {"attempt", 1, 0, 'a'},
                                         {"stdout", 0, 0, 'o'}, {"stderr", 0, 0, 'e'}, {0, 0, 0, 0}};
    bool fol = false, want_out = true, want_err = true;
    int64_t attempt = 0;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        switch (c) {
        case 'f': fol = true; break;
        case 'a':
            if (bs_parse_i64(optarg, &attempt) || attempt < 1)
                return bs_cli_usage(cli, "--attempt: '%s' is not an attempt number", optarg);
            break;
        case 'o': want_err = false; break;
        case 'e': want_out = false; break;
        default:
            return bs_cli_usage(cli, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return bs_cli_usage(cli, "expected one task id");
    int64_t id;
    if (orch_parse_id(cli, argv[optind], &id))
        return BS_EXIT_USAGE;
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws)
        return BS_EXIT_FAIL;
    follow fo = {NULL, -1, STDOUT_FILENO}, fe = {NULL, -1, STDERR_FILENO};
    int rc = 0, cur = 0;
    for (;;) {
        bs_task_info t;
        if ((rc = bs_orch_task_get(ws, id, &t)))
            break;
        bool final = bs_task_state_final(t.state);
        int latest = t.attempts;
        bs_task_info_free(&t);
        int want = attempt ? (int)attempt : latest;
        if (want > latest && !fol) {
            rc = bs_error_set(BS_ENOTFOUND, "task %lld has no attempt %d", (long long)id, want);
            break;
        }
        if (want != cur && want >= 1 && want <= latest) {
            /* Drain the previous attempt, then switch. */
            if (want_out)
                pump(&fo);
            if (want_err)
                pump(&fe);
            follow_close(&fo);
            follow_close(&fe);
            if (cur && fol)
                fprintf(stderr, "--- task %lld attempt %d ---\n", (long long)id, want);
            if (want_out && (rc = bs_orch_log_path(ws, id, want, false, &fo.path)))
                break;
            if (want_err && (rc = bs_orch_log_path(ws, id, want, true, &fe.path)))
                break;
            cur = want;
        }
        if (!cur && !fol) {
            rc = bs_error_set(BS_ENOTFOUND, "task %lld has not started yet (no logs)", (long long)id);
            break;
        }
        ssize_t got = (want_out ? pump(&fo) : 0) + (want_err ? pump(&fe) : 0);
        if (!fol || (final && got == 0 && (attempt || cur == latest)))
            break;
        if (got == 0)
            bs_sleep_ms(100);
    }
    follow_close(&fo);
    follow_close(&fe);
    bs_workspace_close(ws);
    return rc ? bs_cli_fail(cli, rc) : BS_EXIT_OK;
}

const bs_cmd bs_cmds_orchview[] = {
    {"status", cmd_status, "the queue, or one task with its attempts"},
    {"watch", cmd_watch, "live view of the queue (progress bars on a terminal)"},
    {"logs", cmd_logs, "print (or follow with -f) the output of a task"},
    {NULL, NULL, NULL},
};
