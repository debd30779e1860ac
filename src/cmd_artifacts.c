/* cmd_artifacts.c - `brainsmith artifacts ...`: the artifact store's CLI.
 *
 * Parses options, calls lib/artifacts, prints text or --json.  Sub-commands:
 * ls, info, put, get, pin, unpin, gc, verify, export, import, policy
 * (set/ls/rm) and cache (key/store/restore). */
#include "cli.h"

#include "brainsmith/artifacts.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared plumbing ---- */

typedef struct actx {
    bs_workspace *ws;
    bs_art_store *st;
    bs_arena a;
} actx;

static int ctx_open(bs_cli *cli, actx *c, int64_t grace_ms)
{
    memset(c, 0, sizeof *c);
    bs_arena_init(&c->a, 0);
    if (!(c->ws = bs_cli_open_ws(cli, true)))
        return BS_EXIT_FAIL;
    bs_art_opts o = {.grace_ms = grace_ms};
    int rc = bs_art_open(c->ws, &o, &c->st);
    if (rc) {
        bs_workspace_close(c->ws);
        return bs_cli_fail(cli, rc);
    }
    return 0;
}

static void ctx_close(actx *c)
{
    bs_art_close(c->st);
    bs_workspace_close(c->ws);
    bs_arena_free(&c->a);
}

static void print_json(cJSON *j)
{
    char *t = cJSON_Print(j);
    if (t)
        puts(t);
    free(t);
    cJSON_Delete(j);
}

static void add_s(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *rec_json(const bs_art_record *r)
{
    cJSON *o = cJSON_CreateObject();
    char tb[40];
    add_s(o, "name", r->name);
    cJSON_AddNumberToObject(o, "version", r->version);
    add_s(o, "digest", r->digest);
    cJSON_AddBoolToObject(o, "is_tree", r->is_tree);
    cJSON_AddNumberToObject(o, "size", (double)r->size);
    add_s(o, "kind", r->kind);
    add_s(o, "build", r->build_id);
    if (r->task_id)
        cJSON_AddNumberToObject(o, "task", (double)r->task_id);
    else
        cJSON_AddNullToObject(o, "task");
    add_s(o, "step", r->step);
    add_s(o, "model_digest", r->model_digest);
    add_s(o, "platform", r->platform);
    add_s(o, "config_digest", r->config_digest);
    add_s(o, "cache_key", r->cache_key);
    add_s(o, "created", bs_format_time(r->created_ms, tb, sizeof tb));
    cJSON_AddNumberToObject(o, "created_ms", (double)r->created_ms);
    cJSON_AddBoolToObject(o, "pinned", r->pinned);
    cJSON *tags = cJSON_AddArrayToObject(o, "tags");
    for (int i = 0; i < r->ntags; i++)
        cJSON_AddItemToArray(tags, cJSON_CreateString(r->tags[i]));
    if (!isnan(r->sort_value))
        cJSON_AddNumberToObject(o, "sort_value", r->sort_value);
    return o;
}

static const char *human(int64_t n, char *buf, size_t len)
{
    static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", v, u[i]);
    return buf;
}

/* ---- option tables shared by ls and export ---- */

enum { O_BUILD = 1000, O_MODEL, O_PLATFORM, O_STEP, O_KIND, O_WHERE, O_JSON, O_NAME, O_TAG,
       O_SORT, O_LATEST, O_LIMIT, O_TASK, O_CONFIG, O_DRY, O_GRACE, O_SCOPE, O_LAST, O_BEST,
       O_BY, O_HIGHER, O_AGE, O_BYTES, O_PIN, O_INPUT, O_TOOL, O_BSV, O_CONFIG_FILE };

#define FILTER_OPTS                                                                        \
    {"build", required_argument, 0, O_BUILD}, {"model", required_argument, 0, O_MODEL},  \
    {"platform", required_argument, 0, O_PLATFORM}, {"step", required_argument, 0, O_STEP}, \
    {"kind", required_argument, 0, O_KIND}, {"where", required_argument, 0, O_WHERE},     \
    {"name", required_argument, 0, O_NAME}, {"tag", required_argument, 0, O_TAG},         \
    {"sort", required_argument, 0, O_SORT}, {"latest", no_argument, 0, O_LATEST},         \
    {"limit", required_argument, 0, O_LIMIT}

/* Applies a filter option; returns 1 if it was one, 0 if not, <0 on a bad value. */
static int filter_opt(bs_cli *cli, int opt, const char *arg, bs_art_filter *f)
{
    switch (opt) {
    case O_BUILD: f->build_id = arg; return 1;
    case O_MODEL: f->model_digest = arg; return 1;
    case O_PLATFORM: f->platform = arg; return 1;
    case O_STEP: f->step = arg; return 1;
    case O_KIND: f->kind = arg; return 1;
    case O_WHERE: f->where = arg; return 1;
    case O_NAME: f->name = arg; return 1;
    case O_TAG: f->tag = arg; return 1;
    case O_SORT: f->sort = arg; return 1;
    case O_LATEST: f->latest_only = true; return 1;
    case O_LIMIT: {
        int64_t v;
        if (bs_parse_i64(arg, &v) || v < 1 || v > 1000000) {
            bs_cli_usage(cli, "--limit '%s' is not a count between 1 and 1000000", arg);
            return -1;
        }
        f->limit = (int)v;
        return 1;
    }
    }
    return 0;
}

#define FILTER_HELP                                                                    \
    "  --name N        name or glob (step/*)       --build B     build id\n"            \
    "  --model M       model digest                --platform P  platform / part\n"     \
    "  --step S        step                        --kind K      kind (model, report, ...)\n" \
    "  --tag T         tag or glob                 --latest      newest version per name only\n" \
    "  --where EXPR    conditions on fields and metrics, e.g.\n"                        \
    "                  'resources.lut<20000 and platform=Pynq-Z1', 'age<7d', 'size>1Mi'\n" \
    "  --sort ORDER    newest (default), oldest, METRIC (ascending), -METRIC (descending)\n" \
    "  --limit N       at most N rows\n"

/* Runs getopt over argv; calls fn for each option; 0 ok, else exit code. */
typedef int (*opt_fn)(bs_cli *cli, int opt, const char *arg, void *ud);

static int parse(bs_cli *cli, int argc, char **argv, const struct option *lo, opt_fn fn, void *ud)
{
    optind = 0;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, ":o:", lo, NULL)) != -1) {
        if (o == '?')
            return bs_cli_usage(cli, "unknown option '%s'", argv[optind - 1]);
        if (o == ':')
            return bs_cli_usage(cli, "option '%s' needs a value", argv[optind - 1]);
        int rc = fn(cli, o, optarg, ud);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- ls ---- */

typedef struct ls_opts { bs_art_filter f; bool json; } ls_opts;

static int ls_opt(bs_cli *cli, int o, const char *arg, void *ud)
{
    ls_opts *l = ud;
    int r = filter_opt(cli, o, arg, &l->f);
    if (r < 0)
        return BS_EXIT_USAGE;
    if (r)
        return 0;
    if (o == O_JSON) {
        l->json = true;
        return 0;
    }
    return bs_cli_usage(cli, "unexpected option");
}

static void print_records(const bs_art_record *v, int n, bool json)
{
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, rec_json(&v[i]));
        print_json(arr);
        return;
    }
    if (n == 0) {
        printf("no artifacts\n");
        return;
    }
    printf("%-36s %-9s %10s  %-12s  %-24s %s\n", "NAME@VERSION", "KIND", "SIZE", "DIGEST",
           "CREATED", "BUILD/STEP/PLATFORM/TAGS");
    for (int i = 0; i < n; i++) {
        const bs_art_record *r = &v[i];
        char nv[256], tb[40], sb[32];
        snprintf(nv, sizeof nv, "%s@%d%s", r->name, r->version, r->pinned ? " [pinned]" : "");
        bs_format_time(r->created_ms, tb, sizeof tb);
        printf("%-36s %-9s %10s  %.12s  %-24s", nv, r->kind, human(r->size, sb, sizeof sb),
               r->digest, tb);
        if (r->build_id)
            printf(" build=%s", r->build_id);
        if (r->step)
            printf(" step=%s", r->step);
        if (r->platform)
            printf(" platform=%s", r->platform);
        for (int t = 0; t < r->ntags; t++)
            printf(" #%s", r->tags[t]);
        if (!isnan(r->sort_value))
            printf(" value=%g", r->sort_value);
        printf("\n");
    }
}

static int cmd_ls(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts ls [FILTER...] [--json]\n\n"
               "Lists artifacts, newest first (or best first with --sort METRIC).\n\n" FILTER_HELP);
        return 0;
    }
    static const struct option lo[] = {FILTER_OPTS, {"json", no_argument, 0, O_JSON}, {0}};
    ls_opts l = {0};
    int rc = parse(cli, argc, argv, lo, ls_opt, &l);
    if (rc)
        return rc;
    if (optind < argc)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    actx c;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    bs_art_record *v;
    int n;
    rc = bs_art_query(c.st, &l.f, &c.a, &v, &n);
    if (rc)
        rc = bs_cli_fail(cli, rc);
    else
        print_records(v, n, l.json);
    ctx_close(&c);
    return rc;
}

static int cmd_info(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts info NAME[@VERSION]|DIGEST [--json]\n\n"
               "Shows one artifact's metadata and the whole-design metrics of its build.\n");
        return 0;
    }
    bool json = argc == 3 && !strcmp(argv[2], "--json");
    if (argc != 2 && !json)
        return bs_cli_usage(cli, "expected one NAME[@VERSION] or DIGEST");
    actx c;
    int rc = ctx_open(cli, &c, 0);
    if (rc)
        return rc;
    bs_art_record r;
    const char **mn = NULL;
    double *mv = NULL;
    int nm = 0;
    if ((rc = bs_art_resolve(c.st, argv[1], &c.a, &r)) ||
        (rc = bs_art_build_metrics(c.st, r.build_id, &c.a, &mn, &mv, &nm))) {
        rc = bs_cli_fail(cli, rc);
    } else if (json) {
        cJSON *o = rec_json(&r), *m = cJSON_AddObjectToObject(o, "metrics");
        for (int i = 0; i < nm; i++)
            cJSON_AddNumberToObject(m, mn[i], mv[i]);
        print_json(o);
    } else {
        print_records(&r, 1, false);
        for (int i = 0; i < nm; i++)
            printf("  %-40s %g\n", mn[i], mv[i]);
    }
    ctx_close(&c);
    return rc;
}

/* ---- put ---- */

typedef struct put_opts {
    bs_art_meta m;
    const char *tags[64];
    bool json;
} put_opts;

static int put_opt(bs_cli *cli, int o, const char *arg, void *ud)
{
    put_opts *p = ud;
    switch (o) {
    case O_NAME: p->m.name = arg; return 0;
    case O_KIND: p->m.kind = arg; return 0;
    case O_BUILD: p->m.build_id = arg; return 0;
    case O_STEP: p->m.step = arg; return 0;
    case O_MODEL: p->m.model_digest = arg; return 0;
    case O_PLATFORM: p->m.platform = arg; return 0;
    case O_CONFIG: p->m.config_digest = arg; return 0;
    case O_JSON: p->json = true; return 0;
    case O_TASK:
        if (bs_parse_i64(arg, &p->m.task_id) || p->m.task_id < 1)
            return bs_cli_usage(cli, "--task '%s' is not a task id", arg);
        return 0;
    case O_TAG:
        if (p->m.ntags == 64)
            return bs_cli_usage(cli, "at most 64 tags");
        p->tags[p->m.ntags++] = arg;
        return 0;
    }
    return bs_cli_usage(cli, "unexpected option");
}

static int cmd_put(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts put PATH --name N [--kind K] [--build B] [--task ID]\n"
               "       [--step S] [--model DIGEST] [--platform P] [--config DIGEST] [--tag T]...\n"
               "       [--json]\n\n"
               "Stores a file or a directory and records it as the next version of N.\n"
               "Identical content is stored once.  The kind is guessed from the file name\n"
               "(.onnx model, .json/.rpt/.xml report, .log log, .v/.sv rtl, .bit bitstream)\n"
               "unless given.\n");
        return 0;
    }
    static const struct option lo[] = {
        {"name", required_argument, 0, O_NAME},   {"kind", required_argument, 0, O_KIND},
        {"build", required_argument, 0, O_BUILD}, {"task", required_argument, 0, O_TASK},
        {"step", required_argument, 0, O_STEP},   {"model", required_argument, 0, O_MODEL},
        {"platform", required_argument, 0, O_PLATFORM},
        {"config", required_argument, 0, O_CONFIG}, {"tag", required_argument, 0, O_TAG},
        {"json", no_argument, 0, O_JSON},         {0}};
    put_opts p = {0};
    p.m.tags = p.tags;
    int rc = parse(cli, argc, argv, lo, put_opt, &p);
    if (rc)
        return rc;
    if (optind != argc - 1)
        return bs_cli_usage(cli, "expected exactly one PATH");
    if (!p.m.name)
        return bs_cli_usage(cli, "--name is required");
    actx c;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    bs_art_record r;
    if ((rc = bs_art_put(c.st, argv[optind], &p.m, &c.a, &r)))
        rc = bs_cli_fail(cli, rc);
    else if (p.json)
        print_json(rec_json(&r));
    else
        printf("%s@%d %s\n", r.name, r.version, r.digest);
    ctx_close(&c);
    return rc;
}

/* ---- get ---- */

static int cmd_get(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts get NAME[@VERSION]|DIGEST -o PATH [--json]\n\n"
               "Writes an artifact (a file, or a directory tree) to PATH, checking every\n"
               "byte against its SHA-256.  NAME alone is the newest version.  PATH must\n"
               "not exist (files are replaced atomically; a directory must be empty).\n");
        return 0;
    }
    const char *out = NULL, *ref = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (++i == argc)
                return bs_cli_usage(cli, "-o needs a path");
            out = argv[i];
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-') {
            return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        } else if (ref) {
            return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
        } else {
            ref = argv[i];
        }
    }
    if (!ref || !out)
        return bs_cli_usage(cli, "expected NAME[@VERSION]|DIGEST and -o PATH");
    actx c;
    int rc = ctx_open(cli, &c, 0);
    if (rc)
        return rc;
    bs_art_record r;
    if ((rc = bs_art_get(c.st, ref, out, &c.a, &r)))
        rc = bs_cli_fail(cli, rc);
    else if (json)
        print_json(rec_json(&r));
    else if (r.name)
        printf("%s@%d -> %s\n", r.name, r.version, out);
    else
        printf("%.12s -> %s\n", r.digest, out);
    ctx_close(&c);
    return rc;
}

/* ---- pin / unpin ---- */

static int pin_common(bs_cli *cli, int argc, char **argv, bool pin)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts %s NAME|NAME@VERSION|DIGEST\n\n"
               "%s the artifact (NAME alone: every version of it).  gc never removes a\n"
               "pinned artifact, whatever the retention policies say.\n",
               pin ? "pin" : "unpin", pin ? "Pins" : "Unpins");
        return 0;
    }
    if (argc != 2)
        return bs_cli_usage(cli, "expected one NAME, NAME@VERSION or DIGEST");
    actx c;
    int rc = ctx_open(cli, &c, 0), n = 0;
    if (rc)
        return rc;
    if ((rc = bs_art_pin(c.st, argv[1], pin, &n)))
        rc = bs_cli_fail(cli, rc);
    else
        printf("%s %d artifact%s\n", pin ? "pinned" : "unpinned", n, n == 1 ? "" : "s");
    ctx_close(&c);
    return rc;
}

static int cmd_pin(bs_cli *cli, int argc, char **argv) { return pin_common(cli, argc, argv, true); }
static int cmd_unpin(bs_cli *cli, int argc, char **argv) { return pin_common(cli, argc, argv, false); }

/* ---- gc ---- */

static int cmd_gc(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts gc [--dry-run] [--grace DURATION] [--json]\n\n"
               "Applies the retention policies (see 'artifacts policy'), then removes blobs\n"
               "that no kept or pinned artifact and no live lease (a running reader, a queued\n"
               "or running task) references, and temp files of writers that died.  Blobs\n"
               "younger than the grace period (default 10m) are kept: they may be about to\n"
               "be indexed.  Safe while other processes put and get.  --dry-run reports what\n"
               "would be freed and changes nothing.\n");
        return 0;
    }
    bool dry = false, json = false;
    int64_t grace = 0; /* default */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
            dry = true;
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--grace") && i + 1 < argc) {
            double s;
            if (bs_parse_duration_s(argv[++i], &s) || s < 0)
                return bs_cli_usage(cli, "--grace '%s' is not a duration", argv[i]);
            grace = s > 0 ? (int64_t)(s * 1000) : -1; /* -1: none */
        } else
            return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    actx c;
    int rc = ctx_open(cli, &c, grace);
    if (rc)
        return rc;
    bs_gc_report r;
    if ((rc = bs_art_gc(c.st, dry, &c.a, &r))) {
        rc = bs_cli_fail(cli, rc);
    } else if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "dry_run", dry);
        cJSON_AddNumberToObject(o, "artifacts_dropped", r.artifacts_dropped);
        cJSON_AddNumberToObject(o, "artifact_bytes", (double)r.artifact_bytes);
        cJSON *d = cJSON_AddArrayToObject(o, "dropped");
        for (int i = 0; i < r.artifacts_dropped; i++)
            cJSON_AddItemToArray(d, cJSON_CreateString(r.dropped[i]));
        cJSON_AddNumberToObject(o, "blobs_removed", r.blobs_removed);
        cJSON_AddNumberToObject(o, "blob_bytes", (double)r.blob_bytes);
        cJSON_AddNumberToObject(o, "tmp_removed", r.tmp_removed);
        cJSON_AddNumberToObject(o, "tmp_bytes", (double)r.tmp_bytes);
        cJSON_AddNumberToObject(o, "leases_pruned", r.leases_pruned);
        cJSON_AddNumberToObject(o, "blobs_kept", r.blobs_kept);
        cJSON_AddNumberToObject(o, "blobs_young", r.blobs_young);
        print_json(o);
    } else {
        char b1[32], b2[32];
        const char *w = dry ? "would drop" : "dropped";
        for (int i = 0; i < r.artifacts_dropped; i++)
            printf("%s %s\n", w, r.dropped[i]);
        printf("%s %d artifact%s (%s), %s %d blob%s (%s on disk), %d temp file%s; "
               "%d blobs kept (%d within grace)%s\n",
               w, r.artifacts_dropped, r.artifacts_dropped == 1 ? "" : "s",
               human(r.artifact_bytes, b1, sizeof b1), dry ? "would remove" : "removed",
               r.blobs_removed, r.blobs_removed == 1 ? "" : "s",
               human(r.blob_bytes + r.tmp_bytes, b2, sizeof b2), r.tmp_removed,
               r.tmp_removed == 1 ? "" : "s", r.blobs_kept, r.blobs_young,
               dry ? " [dry run: nothing changed]" : "");
    }
    ctx_close(&c);
    return rc;
}

/* ---- verify ---- */

static int cmd_verify(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts verify [--json]\n\n"
               "Re-hashes every blob of the store and checks that everything the index\n"
               "refers to is present.  Exit 1 if anything is corrupt or missing.\n");
        return 0;
    }
    bool json = argc == 2 && !strcmp(argv[1], "--json");
    if (argc > 1 && !json)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[1]);
    actx c;
    int rc = ctx_open(cli, &c, 0), np = 0, nc = 0;
    if (rc)
        return rc;
    bs_verify_problem *p;
    if ((rc = bs_art_verify(c.st, &c.a, &p, &np, &nc))) {
        rc = bs_cli_fail(cli, rc);
    } else {
        if (json) {
            cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
            cJSON_AddNumberToObject(o, "checked", nc);
            cJSON_AddItemToObject(o, "problems", arr);
            for (int i = 0; i < np; i++) {
                cJSON *e = cJSON_CreateObject();
                add_s(e, "digest", p[i].digest);
                add_s(e, "problem", p[i].what);
                add_s(e, "artifact", p[i].artifact);
                cJSON_AddItemToArray(arr, e);
            }
            print_json(o);
        } else {
            for (int i = 0; i < np; i++)
                printf("%s: %s%s%s\n", p[i].what, p[i].digest, p[i].artifact ? " used by " : "",
                       p[i].artifact ? p[i].artifact : "");
            printf("%d blobs checked, %d problem%s\n", nc, np, np == 1 ? "" : "s");
        }
        rc = np ? BS_EXIT_FAIL : 0;
    }
    ctx_close(&c);
    return rc;
}

/* ---- export / import ---- */

typedef struct exp_opts { bs_art_filter f; const char *out; } exp_opts;

static int exp_opt(bs_cli *cli, int o, const char *arg, void *ud)
{
    exp_opts *e = ud;
    int r = filter_opt(cli, o, arg, &e->f);
    if (r < 0)
        return BS_EXIT_USAGE;
    if (r)
        return 0;
    if (o == 'o') {
        e->out = arg;
        return 0;
    }
    return bs_cli_usage(cli, "unexpected option");
}

static int cmd_export(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts export [QUERY] [FILTER...] -o BUNDLE.tar.zst\n\n"
               "Writes the matching artifacts, their metadata and every blob they need to a\n"
               "zstd-compressed tar bundle, for 'artifacts import' on another machine.\n"
               "QUERY is a name glob ('step/*'), NAME@VERSION, or a --where expression\n"
               "(anything containing < > = or ~).\n\n" FILTER_HELP);
        return 0;
    }
    static const struct option lo[] = {FILTER_OPTS, {"output", required_argument, 0, 'o'}, {0}};
    exp_opts e = {0};
    int rc = parse(cli, argc, argv, lo, exp_opt, &e);
    if (rc)
        return rc;
    if (optind < argc - 1)
        return bs_cli_usage(cli, "expected at most one QUERY");
    if (!e.out)
        return bs_cli_usage(cli, "-o BUNDLE is required");
    actx c;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    if (optind == argc - 1) {
        char *q = bs_arena_strdup(&c.a, argv[optind]);
        char *at = strrchr(q, '@');
        if (strpbrk(q, "<>=~")) {
            e.f.where = e.f.where ? bs_arena_sprintf(&c.a, "(%s) and (%s)", e.f.where, q) : q;
        } else if (at) {
            *at = '\0';
            int64_t v;
            if (bs_parse_i64(at + 1, &v) || v < 1) {
                ctx_close(&c);
                return bs_cli_usage(cli, "'%s': version must be a number", argv[optind]);
            }
            e.f.name = q;
            e.f.version = (int)v;
        } else {
            e.f.name = q;
        }
    }
    int n = 0;
    if ((rc = bs_art_export(c.st, &e.f, e.out, &n)))
        rc = bs_cli_fail(cli, rc);
    else
        printf("exported %d artifact%s to %s\n", n, n == 1 ? "" : "s", e.out);
    ctx_close(&c);
    return rc;
}

static int cmd_import(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts import BUNDLE.tar.zst [--json]\n\n"
               "Adds the artifacts of a bundle made by 'artifacts export'.  Every object is\n"
               "re-hashed; artifacts already present with the same content are skipped;\n"
               "versions are kept when free, else the artifact becomes the next version.\n");
        return 0;
    }
    bool json = argc == 3 && !strcmp(argv[2], "--json");
    if (argc != 2 && !json)
        return bs_cli_usage(cli, "expected one BUNDLE");
    actx c;
    int rc = ctx_open(cli, &c, 0), added = 0, skipped = 0;
    if (rc)
        return rc;
    if ((rc = bs_art_import(c.st, argv[1], &added, &skipped))) {
        rc = bs_cli_fail(cli, rc);
    } else if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "added", added);
        cJSON_AddNumberToObject(o, "skipped", skipped);
        print_json(o);
    } else {
        printf("imported %d artifact%s (%d already present)\n", added, added == 1 ? "" : "s",
               skipped);
    }
    ctx_close(&c);
    return rc;
}

/* ---- policy ---- */

typedef struct pol_opts {
    const char *scope;
    bs_art_policy p[5];
    int n;
    const char *by;
    bool higher, json;
    const char *kind;
} pol_opts;

static int pol_opt(bs_cli *cli, int o, const char *arg, void *ud)
{
    pol_opts *p = ud;
    int64_t v = 0;
    double d;
    bs_art_policy *q = p->n < 5 ? &p->p[p->n] : NULL;
    if (!q && (o == O_LAST || o == O_BEST || o == O_AGE || o == O_BYTES || o == O_PIN))
        return bs_cli_usage(cli, "too many policies at once");
    switch (o) {
    case O_SCOPE: p->scope = arg; return 0;
    case O_BY: p->by = arg; return 0;
    case O_HIGHER: p->higher = true; return 0;
    case O_JSON: p->json = true; return 0;
    case O_KIND: p->kind = arg; return 0;
    case O_LAST:
    case O_BEST:
        if (bs_parse_i64(arg, &v) || v < 1)
            return bs_cli_usage(cli, "'%s' is not a count >= 1", arg);
        *q = (bs_art_policy){.kind = o == O_LAST ? BS_POL_LAST : BS_POL_BEST, .n = v};
        p->n++;
        return 0;
    case O_AGE:
        if (bs_parse_duration_s(arg, &d) || d <= 0)
            return bs_cli_usage(cli, "--max-age '%s' is not a duration (90s, 30m, 2h, 7d)", arg);
        *q = (bs_art_policy){.kind = BS_POL_AGE, .age_ms = (int64_t)(d * 1000)};
        p->n++;
        return 0;
    case O_BYTES: {
        int64_t mb;
        if (bs_parse_i64(arg, &v) == 0 && v >= 0) {
            /* plain number = bytes */
        } else if (bs_parse_mem_mb(arg, &mb) == 0 && mb >= 0) {
            v = mb * 1024 * 1024;
        } else {
            return bs_cli_usage(cli, "--max-bytes '%s' is not a size (bytes, or 512M, 2G)", arg);
        }
        *q = (bs_art_policy){.kind = BS_POL_BYTES, .n = v};
        p->n++;
        return 0;
    }
    case O_PIN:
        *q = (bs_art_policy){.kind = BS_POL_PIN};
        p->n++;
        return 0;
    }
    return bs_cli_usage(cli, "unexpected option");
}

static int policy_set(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts policy set [--scope NAME|GLOB|*] RULE...\n\n"
               "rules (several may be given; each replaces the scope's rule of that kind):\n"
               "  --last N              keep the newest N versions of each name\n"
               "  --best K --by METRIC  keep the K versions whose build has the lowest METRIC\n"
               "      [--higher-better]  (or highest); versions without the metric are not kept\n"
               "  --max-age DURATION    keep versions younger than DURATION (30m, 12h, 7d)\n"
               "  --max-bytes SIZE      cap the bytes kept in the scope: oldest go first\n"
               "  --pin                 keep every version forever\n\n"
               "An artifact is kept if any keep rule (last, best, max-age, pin) of its scope\n"
               "keeps it; a name with no keep rule keeps everything.  Rules of a scope\n"
               "naming the artifact replace the workspace ('*', the default) rules; byte\n"
               "caps apply to everything their scope matches.  Pinned artifacts and those\n"
               "held by a reader or a queued/running task are always kept.\n");
        return 0;
    }
    static const struct option lo[] = {
        {"scope", required_argument, 0, O_SCOPE}, {"last", required_argument, 0, O_LAST},
        {"best", required_argument, 0, O_BEST},   {"by", required_argument, 0, O_BY},
        {"higher-better", no_argument, 0, O_HIGHER}, {"max-age", required_argument, 0, O_AGE},
        {"max-bytes", required_argument, 0, O_BYTES}, {"pin", no_argument, 0, O_PIN}, {0}};
    pol_opts p = {0};
    int rc = parse(cli, argc, argv, lo, pol_opt, &p);
    if (rc)
        return rc;
    if (optind < argc)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (p.n == 0)
        return bs_cli_usage(cli, "give at least one rule (--last, --best, --max-age, "
                                 "--max-bytes, --pin)");
    actx c;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    for (int i = 0; i < p.n && rc == 0; i++) {
        p.p[i].scope = p.scope ? p.scope : "*";
        if (p.p[i].kind == BS_POL_BEST) {
            if (!p.by) {
                ctx_close(&c);
                return bs_cli_usage(cli, "--best needs --by METRIC");
            }
            p.p[i].metric = p.by;
            p.p[i].higher_better = p.higher;
        }
        rc = bs_art_policy_set(c.st, &p.p[i]);
    }
    if (rc)
        rc = bs_cli_fail(cli, rc);
    ctx_close(&c);
    return rc;
}

static int policy_ls(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts policy ls [--json]\n");
        return 0;
    }
    bool json = argc == 2 && !strcmp(argv[1], "--json");
    if (argc > 1 && !json)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[1]);
    actx c;
    int rc = ctx_open(cli, &c, 0), n = 0;
    if (rc)
        return rc;
    bs_art_policy *v;
    if ((rc = bs_art_policy_list(c.st, &c.a, &v, &n))) {
        rc = bs_cli_fail(cli, rc);
    } else if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            add_s(o, "scope", v[i].scope);
            add_s(o, "kind", bs_pol_kind_name(v[i].kind));
            if (v[i].kind == BS_POL_LAST || v[i].kind == BS_POL_BEST)
                cJSON_AddNumberToObject(o, "count", (double)v[i].n);
            if (v[i].kind == BS_POL_BYTES)
                cJSON_AddNumberToObject(o, "bytes", (double)v[i].n);
            if (v[i].kind == BS_POL_AGE)
                cJSON_AddNumberToObject(o, "age_s", (double)v[i].age_ms / 1000.0);
            if (v[i].kind == BS_POL_BEST) {
                add_s(o, "metric", v[i].metric);
                cJSON_AddBoolToObject(o, "higher_better", v[i].higher_better);
            }
            cJSON_AddItemToArray(arr, o);
        }
        print_json(arr);
    } else if (n == 0) {
        printf("no retention policies: everything is kept\n");
    } else {
        for (int i = 0; i < n; i++) {
            const bs_art_policy *p = &v[i];
            printf("%-24s ", p->scope);
            switch (p->kind) {
            case BS_POL_LAST: printf("keep last %lld\n", (long long)p->n); break;
            case BS_POL_BEST:
                printf("keep best %lld by %s (%s is better)\n", (long long)p->n, p->metric,
                       p->higher_better ? "higher" : "lower");
                break;
            case BS_POL_AGE: printf("keep younger than %.0fs\n", (double)p->age_ms / 1000); break;
            case BS_POL_BYTES: printf("cap at %lld bytes\n", (long long)p->n); break;
            case BS_POL_PIN: printf("keep everything (pinned)\n"); break;
            }
        }
    }
    ctx_close(&c);
    return rc;
}

static int policy_rm(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts policy rm [--scope S] [--kind last|best|age|bytes|pin]\n\n"
               "Removes the scope's rules (all of them unless --kind).\n");
        return 0;
    }
    static const struct option lo[] = {
        {"scope", required_argument, 0, O_SCOPE}, {"kind", required_argument, 0, O_KIND}, {0}};
    pol_opts p = {0};
    int rc = parse(cli, argc, argv, lo, pol_opt, &p);
    if (rc)
        return rc;
    actx c;
    int n = 0;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    if ((rc = bs_art_policy_rm(c.st, p.scope ? p.scope : "*", p.kind, &n)))
        rc = bs_cli_fail(cli, rc);
    else
        printf("removed %d rule%s\n", n, n == 1 ? "" : "s");
    ctx_close(&c);
    return rc;
}

static const bs_cmd policy_cmds[] = {
    {"set", policy_set, "add or replace retention rules"},
    {"ls", policy_ls, "list retention rules"},
    {"rm", policy_rm, "remove retention rules"},
    {NULL, NULL, NULL},
};

static int cmd_policy(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, policy_cmds,
                             "usage: brainsmith artifacts policy set|ls|rm ...", argc, argv);
}

/* ---- cache ---- */

typedef struct key_opts {
    bs_cache_key_in in;
    const char *inputs[256], *tools[256];
    const char *config_file;
    const char *out;
} key_opts;

static int key_opt(bs_cli *cli, int o, const char *arg, void *ud)
{
    key_opts *k = ud;
    switch (o) {
    case O_STEP: k->in.step = arg; return 0;
    case O_INPUT:
        if (k->in.ninputs == 256)
            return bs_cli_usage(cli, "too many --input");
        k->inputs[k->in.ninputs++] = arg;
        return 0;
    case O_TOOL:
        if (k->in.ntools == 256)
            return bs_cli_usage(cli, "too many --tool");
        k->tools[k->in.ntools++] = arg;
        return 0;
    case O_CONFIG: k->in.config_json = arg; return 0;
    case O_CONFIG_FILE: k->config_file = arg; return 0;
    case O_BSV: k->in.bs_version = arg; return 0;
    case 'o': k->out = arg; return 0;
    }
    return bs_cli_usage(cli, "unexpected option");
}

/* Computes the key from --step/--input/--config/--tool options. */
static int key_from_opts(bs_cli *cli, key_opts *k, char key[BS_SHA256_HEX_LEN + 1])
{
    char *text = NULL;
    int rc = 0;
    if (k->config_file) {
        if ((rc = bs_read_file(k->config_file, &text, NULL)))
            return bs_cli_fail(cli, rc);
        k->in.config_json = text;
    }
    if ((rc = bs_cache_key(&k->in, key)))
        rc = bs_cli_fail(cli, rc);
    if (text) {
        free(text);
        k->in.config_json = NULL;
    }
    return rc;
}

static int cache_key_cmd(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts cache key --step S [--input DIGEST]... [--config JSON |\n"
               "       --config-file F] [--tool NAME=VERSION]... [--bs-version V]\n\n"
               "Prints the step-cache key: SHA-256 over the step name, the input digests (in\n"
               "order), the canonical config JSON (keys sorted), the sorted tool versions and\n"
               "the brainsmith version (this program's unless --bs-version).\n");
        return 0;
    }
    static const struct option lo[] = {
        {"step", required_argument, 0, O_STEP},   {"input", required_argument, 0, O_INPUT},
        {"tool", required_argument, 0, O_TOOL},   {"config", required_argument, 0, O_CONFIG},
        {"config-file", required_argument, 0, O_CONFIG_FILE},
        {"bs-version", required_argument, 0, O_BSV}, {0}};
    key_opts k = {0};
    k.in.inputs = k.inputs;
    k.in.tools = k.tools;
    int rc = parse(cli, argc, argv, lo, key_opt, &k);
    if (rc)
        return rc;
    if (!k.in.step)
        return bs_cli_usage(cli, "--step is required");
    if (optind < argc)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    char key[BS_SHA256_HEX_LEN + 1];
    if ((rc = key_from_opts(cli, &k, key)) == 0)
        printf("%s\n", key);
    return rc;
}

static int cache_store_cmd(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts cache store KEY DIR --step S [--build B] [--task ID]\n\n"
               "Stores a finished step's output directory under a cache key (as artifact\n"
               "step/S, kind cache).\n");
        return 0;
    }
    static const struct option lo[] = {
        {"step", required_argument, 0, O_STEP}, {"build", required_argument, 0, O_BUILD},
        {"task", required_argument, 0, O_TASK}, {0}};
    put_opts p = {0};
    p.m.tags = p.tags;
    int rc = parse(cli, argc, argv, lo, put_opt, &p);
    if (rc)
        return rc;
    if (optind != argc - 2 || !p.m.step)
        return bs_cli_usage(cli, "expected KEY DIR --step S");
    actx c;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    bs_art_record r;
    const char *step = p.m.step;
    p.m.step = NULL;
    if ((rc = bs_cache_store(c.st, argv[optind], step, argv[optind + 1], &p.m, &c.a, &r)))
        rc = bs_cli_fail(cli, rc);
    else
        printf("%s@%d %s\n", r.name, r.version, r.digest);
    ctx_close(&c);
    return rc;
}

static int cache_restore_cmd(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith artifacts cache restore KEY -o DIR\n"
               "       brainsmith artifacts cache restore --step S [--input DIGEST]... [--config JSON |\n"
               "       --config-file F] [--tool NAME=VERSION]... [--bs-version V] -o DIR\n\n"
               "On a hit, writes the stored outputs to DIR (absent or empty) and prints\n"
               "'hit NAME@VERSION DIGEST' (DIGEST = the outputs' tree digest, the input\n"
               "digest of the next step); on a miss prints 'miss KEY' and exits 3.\n"
               "The second form computes the key as 'cache key' does.\n");
        return 0;
    }
    static const struct option lo[] = {
        {"step", required_argument, 0, O_STEP},   {"input", required_argument, 0, O_INPUT},
        {"tool", required_argument, 0, O_TOOL},   {"config", required_argument, 0, O_CONFIG},
        {"config-file", required_argument, 0, O_CONFIG_FILE},
        {"bs-version", required_argument, 0, O_BSV}, {"output", required_argument, 0, 'o'}, {0}};
    key_opts k = {0};
    k.in.inputs = k.inputs;
    k.in.tools = k.tools;
    int rc = parse(cli, argc, argv, lo, key_opt, &k);
    if (rc)
        return rc;
    if (!k.out)
        return bs_cli_usage(cli, "-o DIR is required");
    char key[BS_SHA256_HEX_LEN + 1];
    if (optind == argc - 1 && !k.in.step) {
        snprintf(key, sizeof key, "%s", argv[optind]);
    } else if (optind == argc && k.in.step) {
        if ((rc = key_from_opts(cli, &k, key)))
            return rc;
    } else {
        return bs_cli_usage(cli, "expected KEY, or --step S and the other key parts");
    }
    actx c;
    if ((rc = ctx_open(cli, &c, 0)))
        return rc;
    bs_art_record r;
    rc = bs_cache_restore(c.st, key, k.out, &c.a, &r);
    if (rc == BS_ENOTFOUND) {
        printf("miss %s\n", key);
        rc = 3;
    } else if (rc) {
        rc = bs_cli_fail(cli, rc);
    } else {
        printf("hit %s@%d %s\n", r.name, r.version, r.digest);
    }
    ctx_close(&c);
    return rc;
}

static const bs_cmd cache_cmds[] = {
    {"key", cache_key_cmd, "compute a step cache key"},
    {"store", cache_store_cmd, "store a step's outputs under a key"},
    {"restore", cache_restore_cmd, "materialise the outputs of a key (hit) or exit 3 (miss)"},
    {NULL, NULL, NULL},
};

static int cmd_cache(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, cache_cmds,
                             "usage: brainsmith artifacts cache key|store|restore ...", argc, argv);
}

/* ---- the group ---- */

static const bs_cmd art_cmds[] = {
    {"ls", cmd_ls, "list artifacts (filters, --where metric conditions, --json)"},
    {"info", cmd_info, "show one artifact"},
    {"put", cmd_put, "store a file or directory as the next version of a name"},
    {"get", cmd_get, "write an artifact (NAME[@VERSION] or DIGEST) to a path"},
    {"pin", cmd_pin, "keep an artifact forever"},
    {"unpin", cmd_unpin, "undo pin"},
    {"gc", cmd_gc, "apply retention and free unreferenced blobs (--dry-run)"},
    {"verify", cmd_verify, "re-hash the store, report corruption"},
    {"export", cmd_export, "write matching artifacts to a .tar.zst bundle"},
    {"import", cmd_import, "add the artifacts of a bundle"},
    {"policy", cmd_policy, "retention rules: set, ls, rm"},
    {"cache", cmd_cache, "step cache: key, store, restore"},
    {NULL, NULL, NULL},
};

static int cmd_artifacts(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, art_cmds,
                             "usage: brainsmith artifacts SUB-COMMAND ...\n\n"
                             "The artifact store: content-addressed (SHA-256, zstd), versioned\n"
                             "names, metadata queries, retention, bundles and the step cache.",
                             argc, argv);
}

const bs_cmd bs_cmds_artifacts[] = {
    {"artifacts", cmd_artifacts, "the artifact store: ls, put, get, gc, verify, export, ..."},
    {NULL, NULL, NULL},
};
