/* cmd_orch.c - orchestrator commands that change the queue: submit, run,
 * wait, cancel, retry; plus the helpers shared with cmd_orchview.c
 * (status, watch, logs).
 *
 * Each command parses its options, calls lib/orch and prints; the
 * scheduler itself runs in `run`. */
#include "cli.h"
#include "orch_view.h"

#include "brainsmith/arena.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/orch.h"
#include "brainsmith/util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int orch_parse_id(bs_cli *cli, const char *s, int64_t *id)
{
    const char *p = s[0] == '#' ? s + 1 : s;
    if (bs_parse_i64(p, id) || *id <= 0) {
        bs_cli_usage(cli, "'%s' is not a task id (a positive integer)", s);
        return -1;
    }
    return 0;
}

bs_workspace *orch_open_existing(bs_cli *cli)
{
    bs_workspace *ws = bs_cli_open_ws(cli, false);
    if (ws && bs_orch_init(ws)) {
        bs_cli_fail(cli, BS_EDB);
        bs_workspace_close(ws);
        return NULL;
    }
    return ws;
}

/* ---- submit ---- */
static const char submit_usage[] =
    "usage: brainsmith submit [OPTIONS] -- CMD [ARGS..]\n"
    "       brainsmith submit --dag FILE [--json]\n\n"
    "Queues a task and prints its id.  Runs when `brainsmith run` schedules it.\n"
    "--dag FILE queues a graph of tasks from a JSON array in one transaction\n"
    "(fields as the options below, plus \"name\", \"cmd\": [...] and \"after\":\n"
    "[names or ids]; see docs/orchestrator.md); a cycle is refused.  Prints\n"
    "\"ID NAME\" per task.\n\n"
    "  --name N          label shown by status/watch\n"
    "  --priority P      low|normal|high|urgent or an integer (normal = 100)\n"
    "  --cpus N          cpus the task needs (default 1)\n"
    "  --mem MB          memory request (512, 2G); the task is killed (oom) above it + margin\n"
    "  --license L=N     a named tool license, repeatable (vivado=1)\n"
    "  --after ID,..     run only after these tasks succeeded (repeatable)\n"
    "  --retries N       retry a failed attempt up to N times (default 0)\n"
    "  --backoff S       delay before the first retry (default 1s), doubled per retry\n"
    "  --backoff-factor F, --backoff-cap S, --jitter J (0..1, default 0.2)\n"
    "  --retry-on LIST   failure classes retried: exit,signal,oom,timeout,spawn|all|none\n"
    "                    (default exit,signal,timeout)\n"
    "  --timeout S       kill the attempt after S (30, 5m, 2h); class timeout\n"
    "  --key K           idempotency key: a second submit with K returns the first id\n"
    "  --build ID        the build this task belongs to\n"
    "  --cwd DIR         working directory (default: the current directory)\n"
    "  --env K=V         extra environment for the task, repeatable\n"
    "  --json            print {\"id\":N,\"existed\":bool}\n";

static int add_after(bs_cli *cli, const char *list, int64_t **after, int *n)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int64_t id;
        if (orch_parse_id(cli, t, &id))
            return -1;
        int64_t *p = realloc(*after, (size_t)(*n + 1) * sizeof *p);
        if (!p)
            return -1;
        *after = p;
        p[(*n)++] = id;
    }
    return 0;
}

static int parse_seconds_ms(bs_cli *cli, const char *what, const char *s, int64_t *ms)
{
    double v;
    if (bs_parse_duration_s(s, &v)) {
        bs_cli_usage(cli, "%s: %s", what, bs_error_msg());
        return -1;
    }
    *ms = (int64_t)(v * 1000.0 + 0.5);
    return 0;
}

/* submit --dag FILE: the whole graph in one transaction. */
static int submit_dag(bs_cli *cli, const char *path, bool json)
{
    cJSON *arr;
    int rc = bs_json_load_file(path, &arr);
    if (rc)
        return bs_cli_fail(cli, rc);
    bs_arena a;
    bs_arena_init(&a, 0);
    bs_task_spec *sp;
    int n = 0;
    char cwd[PATH_MAX];
    int64_t *ids = NULL;
    bs_workspace *ws = NULL;
    if ((rc = bs_orch_dag_parse(arr, path, &a, &sp, &n)))
        goto out;
    for (int i = 0; i < n; i++)
        if (!sp[i].cwd && getcwd(cwd, sizeof cwd))
            sp[i].cwd = bs_arena_strdup(&a, cwd);
    ids = calloc((size_t)n, sizeof *ids);
    if (!(ws = orch_open_for_submit(cli))) {
        cJSON_Delete(arr);
        bs_arena_free(&a);
        free(ids);
        return BS_EXIT_FAIL;
    }
    if (!ids || (rc = bs_orch_submit_batch(ws, sp, n, ids)))
        goto out;
    if (json) {
        printf("{");
        for (int i = 0; i < n; i++)
            printf("%s\"%s\": %lld", i ? ", " : "", sp[i].name, (long long)ids[i]);
        printf("}\n");
    } else {
        for (int i = 0; i < n; i++)
            printf("%lld %s\n", (long long)ids[i], sp[i].name);
    }
out:
    bs_workspace_close(ws);
    cJSON_Delete(arr);
    bs_arena_free(&a);
    free(ids);
    return rc ? bs_cli_fail(cli, rc ? rc : BS_ENOMEM) : BS_EXIT_OK;
}

static int cmd_submit(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        fputs(submit_usage, stdout);
        return 0;
    }
    enum { O_NAME = 256, O_PRIO, O_CPUS, O_MEM, O_LIC, O_AFTER, O_RETRIES, O_BACKOFF, O_BFACTOR,
           O_BCAP, O_JITTER, O_RETRYON, O_TIMEOUT, O_KEY, O_BUILD, O_CWD, O_ENV, O_JSON, O_DAG };
    static const struct option opts[] = {
        {"name", 1, 0, O_NAME}, {"priority", 1, 0, O_PRIO}, {"cpus", 1, 0, O_CPUS},
        {"mem", 1, 0, O_MEM}, {"license", 1, 0, O_LIC}, {"after", 1, 0, O_AFTER},
        {"retries", 1, 0, O_RETRIES}, {"backoff", 1, 0, O_BACKOFF}, {"backoff-factor", 1, 0, O_BFACTOR},
        {"backoff-cap", 1, 0, O_BCAP}, {"jitter", 1, 0, O_JITTER}, {"retry-on", 1, 0, O_RETRYON},
        {"timeout", 1, 0, O_TIMEOUT}, {"key", 1, 0, O_KEY}, {"build", 1, 0, O_BUILD},
        {"cwd", 1, 0, O_CWD}, {"env", 1, 0, O_ENV}, {"json", 0, 0, O_JSON}, {"dag", 1, 0, O_DAG},
        {0, 0, 0, 0}};
    bs_task_spec sp;
    bs_task_spec_init(&sp);
    int64_t *after = NULL;
    const char **env = calloc((size_t)argc + 1, sizeof *env);
    int nenv = 0, rc = BS_EXIT_USAGE;
    bool json = false;
    const char *dag = NULL;
    char cwd[PATH_MAX];
    int64_t v;
    double d;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case O_NAME: sp.name = optarg; break;
        case O_PRIO:
            if (bs_priority_parse(optarg, &sp.priority)) {
                bs_cli_usage(cli, "%s", bs_error_msg());
                goto out;
            }
            break;
        case O_CPUS:
            if (bs_parse_i64(optarg, &v) || v < 1 || v > 4096) {
                bs_cli_usage(cli, "--cpus: '%s' is not a count in [1, 4096]", optarg);
                goto out;
            }
            sp.cpus = (int)v;
            break;
        case O_MEM:
            if (bs_parse_mem_mb(optarg, &sp.mem_mb)) {
                bs_cli_usage(cli, "--mem: %s", bs_error_msg());
                goto out;
            }
            break;
        case O_LIC:
            if (bs_license_parse(optarg, sp.licenses, &sp.nlicenses)) {
                bs_cli_usage(cli, "--license: %s", bs_error_msg());
                goto out;
            }
            break;
        case O_AFTER:
            if (add_after(cli, optarg, &after, &sp.nafter))
                goto out;
            break;
        case O_RETRIES:
            if (bs_parse_i64(optarg, &v) || v < 0 || v > 999) {
                bs_cli_usage(cli, "--retries: '%s' is not a count in [0, 999]", optarg);
                goto out;
            }
            sp.retry.max_attempts = (int)v + 1;
            break;
        case O_BACKOFF:
            if (parse_seconds_ms(cli, "--backoff", optarg, &sp.retry.backoff_base_ms))
                goto out;
            break;
        case O_BCAP:
            if (parse_seconds_ms(cli, "--backoff-cap", optarg, &sp.retry.backoff_cap_ms))
                goto out;
            break;
        case O_BFACTOR:
        case O_JITTER:
            if (bs_parse_double(optarg, &d)) {
                bs_cli_usage(cli, "%s: '%s' is not a number", c == O_JITTER ? "--jitter" : "--backoff-factor",
                             optarg);
                goto out;
            }
            if (c == O_JITTER)
                sp.retry.jitter = d;
            else
                sp.retry.backoff_factor = d;
            break;
        case O_RETRYON:
            if (bs_fail_mask_parse(optarg, &sp.retry.retry_on)) {
                bs_cli_usage(cli, "--retry-on: %s", bs_error_msg());
                goto out;
            }
            break;
        case O_TIMEOUT:
            if (parse_seconds_ms(cli, "--timeout", optarg, &sp.timeout_ms))
                goto out;
            break;
        case O_KEY: sp.key = optarg; break;
        case O_BUILD: sp.build_id = optarg; break;
        case O_CWD: sp.cwd = optarg; break;
        case O_ENV:
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                bs_cli_usage(cli, "--env: expected K=V, got '%s'", optarg);
                goto out;
            }
            env[nenv++] = optarg;
            break;
        case O_JSON: json = true; break;
        case O_DAG: dag = optarg; break;
        default:
            bs_cli_usage(cli, "unknown or incomplete option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc && !strcmp(argv[optind], "--"))
        optind++;
    if (dag) {
        if (optind < argc)
            bs_cli_usage(cli, "--dag FILE and a command exclude each other");
        else
            rc = submit_dag(cli, dag, json);
        goto out;
    }
    if (optind >= argc) {
        bs_cli_usage(cli, "no command given (brainsmith submit [OPTIONS] -- CMD [ARGS..])");
        goto out;
    }
    sp.argv = (const char *const *)&argv[optind];
    sp.env = nenv ? env : NULL;
    sp.after = after;
    if (!sp.cwd && getcwd(cwd, sizeof cwd))
        sp.cwd = cwd;
    if (sp.cwd && !bs_is_dir(sp.cwd)) {
        bs_cli_usage(cli, "--cwd: '%s' is not a directory", sp.cwd);
        goto out;
    }
    bs_workspace *ws = orch_open_for_submit(cli);
    if (!ws) {
        rc = BS_EXIT_FAIL;
        goto out;
    }
    int64_t id;
    bool existed = false;
    int r = bs_orch_submit(ws, &sp, &id, &existed);
    bs_workspace_close(ws);
    if (r) {
        rc = bs_cli_fail(cli, r);
        goto out;
    }
    if (json)
        printf("{\"id\": %lld, \"existed\": %s}\n", (long long)id, existed ? "true" : "false");
    else
        printf("%lld\n", (long long)id);
    if (existed)
        BS_INFO("key '%s' was submitted before: task %lld", sp.key, (long long)id);
    rc = BS_EXIT_OK;
out:
    free(after);
    free(env);
    return rc;
}

/* ---- run ---- */
static bs_sched *g_sched;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (g_sched)
        bs_sched_stop(g_sched);
}

static void print_state_event(const bs_event *ev, void *ud)
{
    orch_print_event(stdout, ev);
    fflush(stdout);
}

static const char run_usage[] =
    "usage: brainsmith run [--cpus N] [--mem MB] [--license L=N].. [--until-idle]\n"
    "                      [--sample S] [--grace S] [--oom-margin MB]\n\n"
    "Runs the scheduler of the workspace in the foreground (one per workspace):\n"
    "starts ready tasks by priority and age while the free cpus, memory and\n"
    "licenses cover them, supervises them and records every attempt.\n\n"
    "  --cpus N          cpus to hand out (default: all online cpus)\n"
    "  --mem MB          memory to hand out (default: physical memory)\n"
    "  --license L=N     licenses to hand out, repeatable (vivado=2)\n"
    "  --until-idle      return when nothing runs and nothing more can start\n"
    "  --sample S        /proc usage sampling period (default 0.5)\n"
    "  --grace S         SIGTERM -> SIGKILL delay for timeout/cancel (default 5)\n"
    "  --oom-margin MB   RSS allowed above a task's --mem (default max(64, 10%))\n\n"
    "SIGINT/SIGTERM stop the scheduler; running tasks keep running under their\n"
    "supervisors and the next `brainsmith run` adopts them (as after a crash).\n"
    "Prints one line per task state change (-q: none).\n";

static int cmd_run(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        fputs(run_usage, stdout);
        return 0;
    }
    enum { O_CPUS = 256, O_MEM, O_LIC, O_IDLE, O_SAMPLE, O_GRACE, O_MARGIN };
    static const struct option opts[] = {
        {"cpus", 1, 0, O_CPUS}, {"mem", 1, 0, O_MEM}, {"license", 1, 0, O_LIC},
        {"until-idle", 0, 0, O_IDLE}, {"sample", 1, 0, O_SAMPLE}, {"grace", 1, 0, O_GRACE},
        {"oom-margin", 1, 0, O_MARGIN}, {0, 0, 0, 0}};
    bs_sched_opts so;
    memset(&so, 0, sizeof so);
    bool until_idle = false;
    int64_t v;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_CPUS:
            if (bs_parse_i64(optarg, &v) || v < 1 || v > 4096)
                return bs_cli_usage(cli, "--cpus: '%s' is not a count in [1, 4096]", optarg);
            so.cpus = (int)v;
            break;
        case O_MEM:
            if (bs_parse_mem_mb(optarg, &so.mem_mb) || so.mem_mb < 1)
                return bs_cli_usage(cli, "--mem: '%s' is not a memory size", optarg);
            break;
        case O_LIC:
            if (bs_license_parse(optarg, so.licenses, &so.nlicenses))
                return bs_cli_usage(cli, "--license: %s", bs_error_msg());
            break;
        case O_IDLE: until_idle = true; break;
        case O_SAMPLE:
            if (parse_seconds_ms(cli, "--sample", optarg, &so.sample_ms))
                return BS_EXIT_USAGE;
            if (so.sample_ms < 10)
                return bs_cli_usage(cli, "--sample: at least 10ms");
            break;
        case O_GRACE:
            if (parse_seconds_ms(cli, "--grace", optarg, &so.kill_grace_ms))
                return BS_EXIT_USAGE;
            if (so.kill_grace_ms < 1)
                so.kill_grace_ms = 1;
            break;
        case O_MARGIN:
            if (bs_parse_mem_mb(optarg, &so.oom_margin_mb))
                return bs_cli_usage(cli, "--oom-margin: %s", bs_error_msg());
            break;
        default:
            return bs_cli_usage(cli, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws)
        return BS_EXIT_FAIL;
    bs_sched *s;
    int rc = bs_sched_open(ws, &so, &s);
    if (rc) {
        bs_workspace_close(ws);
        return bs_cli_fail(cli, rc);
    }
    int sub = cli->verbosity >= 0 ? bs_bus_subscribe(ws->bus, "task.", print_state_event, NULL) : 0;
    g_sched = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = bs_sched_run(s, NULL, 0, until_idle);
    int left = bs_sched_running(s);
    if (rc)
        bs_cli_fail(cli, rc);
    else if (left)
        fprintf(stderr, "brainsmith: run: stopped; %d task%s keep running and will be adopted by the "
                        "next 'brainsmith run'\n", left, left == 1 ? "" : "s");
    bs_sched_close(s, false);
    g_sched = NULL;
    if (sub > 0)
        bs_bus_unsubscribe(ws->bus, sub);
    if (rc == 0 && until_idle && cli->verbosity >= 0) {
        int64_t counts[BS_TASK_NSTATES];
        if (bs_orch_counts(ws, NULL, counts) == 0)
            orch_print_counts(stdout, counts);
    }
    bs_workspace_close(ws);
    return rc ? BS_EXIT_FAIL : BS_EXIT_OK;
}

/* ---- cancel / retry ---- */
static int cmd_cancel(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith cancel ID..\n\n"
               "Cancels tasks.  A task not yet running ends cancelled at once (its dependents\n"
               "end dependency-failed); a running one gets SIGTERM, then SIGKILL after the\n"
               "scheduler's grace period, to its whole process group.\n");
        return 0;
    }
    if (argc < 2)
        return bs_cli_usage(cli, "which task? (brainsmith cancel ID..)");
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws)
        return BS_EXIT_FAIL;
    int rc = BS_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int64_t id;
        if (orch_parse_id(cli, argv[i], &id)) {
            rc = BS_EXIT_USAGE;
            break;
        }
        bs_task_state st;
        int r = bs_orch_cancel(ws, id, &st);
        if (r)
            rc = bs_cli_fail(cli, r);
        else
            printf("%lld %s\n", (long long)id, st == BS_TASK_RUNNING ? "cancel-requested" : "cancelled");
    }
    bs_workspace_close(ws);
    return rc;
}

static int cmd_retry(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith retry ID\n\n"
               "Runs a failed, cancelled or dependency-failed task again with a fresh\n"
               "attempt budget (earlier attempts stay recorded); its dependency-failed\n"
               "dependents go back to waiting.\n");
        return 0;
    }
    if (argc != 2)
        return bs_cli_usage(cli, "expected one task id");
    int64_t id;
    if (orch_parse_id(cli, argv[1], &id))
        return BS_EXIT_USAGE;
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws)
        return BS_EXIT_FAIL;
    int r = bs_orch_retry(ws, id);
    bs_task_info t;
    if (r == 0 && (r = bs_orch_task_get(ws, id, &t)) == 0) {
        printf("%lld %s\n", (long long)id, bs_task_state_name(t.state));
        bs_task_info_free(&t);
    }
    bs_workspace_close(ws);
    return r ? bs_cli_fail(cli, r) : BS_EXIT_OK;
}

/* ---- wait ---- */
static int cmd_wait(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith wait [--timeout S] [--json] ID..\n\n"
               "Blocks until the tasks are final.  Exit status 0 if all succeeded, 1 if any\n"
               "ended otherwise (their states are printed) or the timeout passed.\n");
        return 0;
    }
    static const struct option opts[] = {{"timeout", 1, 0, 't'}, {"json", 0, 0, 'j'}, {0, 0, 0, 0}};
    int64_t timeout_ms = 0;
    bool json = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 't') {
            if (parse_seconds_ms(cli, "--timeout", optarg, &timeout_ms))
                return BS_EXIT_USAGE;
        } else if (c == 'j') {
            json = true;
        } else {
            return bs_cli_usage(cli, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    int n = argc - optind;
    if (n < 1)
        return bs_cli_usage(cli, "which tasks? (brainsmith wait ID..)");
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    if (!ids)
        return BS_EXIT_FAIL;
    for (int i = 0; i < n; i++)
        if (orch_parse_id(cli, argv[optind + i], &ids[i])) {
            free(ids);
            return BS_EXIT_USAGE;
        }
    bs_workspace *ws = orch_open_existing(cli);
    if (!ws) {
        free(ids);
        return BS_EXIT_FAIL;
    }
    int r = bs_orch_wait(ws, ids, n, timeout_ms);
    int rc = BS_EXIT_OK;
    if (r) {
        rc = bs_cli_fail(cli, r);
    }
    if (json)
        printf("[");
    for (int i = 0; i < n && r != BS_ENOTFOUND; i++) {
        bs_task_info t;
        if (bs_orch_task_get(ws, ids[i], &t))
            continue;
        if (t.state != BS_TASK_SUCCEEDED)
            rc = BS_EXIT_FAIL;
        if (json)
            printf("%s{\"id\": %lld, \"state\": \"%s\"}", i ? ", " : "", (long long)t.id,
                   bs_task_state_name(t.state));
        else if (t.state != BS_TASK_SUCCEEDED)
            fprintf(stderr, "task %lld%s%s%s: %s%s%s\n", (long long)t.id, t.name ? " (" : "",
                    t.name ? t.name : "", t.name ? ")" : "", bs_task_state_name(t.state),
                    t.reason ? ": " : "", t.reason ? t.reason : "");
        bs_task_info_free(&t);
    }
    if (json)
        printf("]\n");
    free(ids);
    bs_workspace_close(ws);
    return rc;
}

const bs_cmd bs_cmds_orch[] = {
    {"submit", cmd_submit, "queue a task (a command line) and print its id"},
    {"run", cmd_run, "run the scheduler of the workspace in the foreground"},
    {"wait", cmd_wait, "wait for tasks to finish; exit 0 if all succeeded"},
    {"cancel", cmd_cancel, "cancel tasks (running ones get SIGTERM, then SIGKILL)"},
    {"retry", cmd_retry, "run a failed or cancelled task again"},
    {NULL, NULL, NULL},
};

/* ---- helpers shared with cmd_orchview.c ---- */
bs_workspace *orch_open_for_submit(bs_cli *cli)
{
    char *home = cli->home ? strdup(cli->home) : bs_workspace_default_home();
    if (!home)
        return NULL;
    char *db = bs_path_join(home, "brainsmith.db"), *logs = bs_path_join(home, "logs");
    bool lost = db && logs && !bs_path_exists(db) && bs_is_dir(logs);
    free(db);
    free(logs);
    if (lost) {
        fprintf(stderr, "%s: %s: workspace %s has task logs but no brainsmith.db: the database is "
                        "missing; refusing to start an empty one (restore it, or use a new --home)\n",
                cli->prog, cli->cmd, home);
        free(home);
        return NULL;
    }
    free(home);
    bs_workspace *ws = bs_cli_open_ws(cli, true);
    if (ws && bs_orch_init(ws)) {
        bs_cli_fail(cli, BS_EDB);
        bs_workspace_close(ws);
        return NULL;
    }
    return ws;
}

char *orch_fmt_dur(int64_t ms, char *buf, size_t n)
{
    if (ms < 0)
        ms = 0;
    if (ms < 60000)
        snprintf(buf, n, "%.1fs", (double)ms / 1000.0);
    else if (ms < 3600000)
        snprintf(buf, n, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
    else
        snprintf(buf, n, "%lldh%02lldm", (long long)(ms / 3600000), (long long)(ms / 60000 % 60));
    return buf;
}

void orch_print_event(FILE *f, const bs_event *ev)
{
    char ts[32];
    bs_format_time(ev->time_ms, ts, sizeof ts);
    const char *clock = strchr(ts, 'T') ? strchr(ts, 'T') + 1 : ts;
    cJSON *p = ev->payload ? cJSON_Parse(ev->payload) : NULL;
    const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(p, "state"));
    const char *from = cJSON_GetStringValue(cJSON_GetObjectItem(p, "from"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
    const char *cls = cJSON_GetStringValue(cJSON_GetObjectItem(p, "class"));
    cJSON *att = cJSON_GetObjectItem(p, "attempt"), *ex = cJSON_GetObjectItem(p, "exit");
    cJSON *retry_in = cJSON_GetObjectItem(p, "retry_in_ms");
    fprintf(f, "%.12s", clock);
    if (ev->task_id)
        fprintf(f, " #%lld", (long long)ev->task_id);
    if (name && *name)
        fprintf(f, " %s", name);
    if (!strcmp(ev->kind, "task.state") && state) {
        fprintf(f, "  %s -> %s", from ? from : "?", state);
        if (cJSON_IsNumber(att))
            fprintf(f, " (attempt %d)", att->valueint);
        if (cls && *cls) {
            fprintf(f, " [%s", cls);
            if (!strcmp(cls, "exit") && cJSON_IsNumber(ex))
                fprintf(f, " %d", ex->valueint);
            fprintf(f, "]");
        }
        if (cJSON_IsNumber(retry_in))
            fprintf(f, " next try in %.1fs", retry_in->valuedouble / 1000.0);
    } else if (!strcmp(ev->kind, "sched.start") || !strcmp(ev->kind, "sched.stop")) {
        bool start = !strcmp(ev->kind, "sched.start");
        cJSON *pid = cJSON_GetObjectItem(p, "pid"), *cpus = cJSON_GetObjectItem(p, "cpus");
        cJSON *n = cJSON_GetObjectItem(p, start ? "adopted" : "detached");
        fprintf(f, " scheduler %s (pid %d", start ? "started" : "stopped", cJSON_IsNumber(pid) ? pid->valueint : 0);
        if (cJSON_IsNumber(cpus))
            fprintf(f, ", %d cpus", cpus->valueint);
        if (cJSON_IsNumber(n) && n->valueint > 0)
            fprintf(f, ", %d running task%s %s", n->valueint, n->valueint == 1 ? "" : "s",
                    start ? "adopted" : "left running");
        fprintf(f, ")");
    } else if (!strcmp(ev->kind, "task.cancel")) {
        fprintf(f, "  cancel requested");
    } else {
        fprintf(f, "  %s %s", ev->kind, ev->payload ? ev->payload : "");
    }
    fputc('\n', f);
    cJSON_Delete(p);
}

void orch_print_counts(FILE *f, const int64_t counts[BS_TASK_NSTATES])
{
    int64_t total = 0;
    for (int i = 0; i < BS_TASK_NSTATES; i++)
        total += counts[i];
    fprintf(f, "%lld task%s", (long long)total, total == 1 ? "" : "s");
    const char *sep = ": ";
    for (int i = 0; i < BS_TASK_NSTATES; i++)
        if (counts[i]) {
            fprintf(f, "%s%lld %s", sep, (long long)counts[i], bs_task_state_name((bs_task_state)i));
            sep = ", ";
        }
    fputc('\n', f);
}
