/* build.c - the build driver (FINN build_dataflow_cfg, finn-reference
 * §1.3-1.5): step resolution with start/stop, the output directory layout,
 * build_dataflow.log with FINN's "Running step: X [i/N]" lines, checkpoints
 * in intermediate_models/<step>.onnx, time_per_step.json, step events on the
 * bus, and user steps that run an external command on a checkpoint. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "brainsmith/error.h"
#include "brainsmith/events.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/proc.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"
#include "flow_int.h"

static void log_stamp(char *buf, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + k, n - k, ",%03d", (int)(tv.tv_usec / 1000));
}

void bs_flow_logf(bs_flow_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctx->log) {
        char ts[48];
        log_stamp(ts, sizeof ts);
        fprintf(ctx->log, "[%s] %s\n", ts, msg);
        fflush(ctx->log);
    }
    if (ctx->cfg && ctx->cfg->verbose) BS_INFO("%s", msg);
}

/* Build outputs are written to a temp file and renamed (never half
 * written) but not fsync'ed: they are reproducible, and a build writes
 * dozens of them (fsync dominated the run time of small models). */
int bs_flow_write_file(const char *path, const void *data, size_t len)
{
    bs_strbuf tmp = BS_STRBUF_INIT;
    bs_strbuf_printf(&tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp.buf, "wb");
    int rc = 0;
    if (!f) rc = bs_error_set(BS_EIO, "cannot write %s: %s", path, strerror(errno));
    else {
        if (len && fwrite(data, 1, len, f) != len) rc = bs_error_set(BS_EIO, "writing %s: %s", path, strerror(errno));
        if (fclose(f) != 0 && rc == 0) rc = bs_error_set(BS_EIO, "writing %s: %s", path, strerror(errno));
        if (rc == 0 && rename(tmp.buf, path) != 0) rc = bs_error_set(BS_EIO, "renaming %s: %s", path, strerror(errno));
        if (rc) unlink(tmp.buf);
    }
    bs_strbuf_free(&tmp);
    return rc;
}

/* Checkpoints are packed on the calling thread (the graph keeps changing)
 * and written by a background thread, so large models (CNV: 6 MB per
 * checkpoint) overlap I/O with the next step.  bs_flow_writes_join() waits
 * for all of them and reports the first error. */
typedef struct pending_write {
    pthread_t th;
    char *path;
    uint8_t *buf;
    size_t len;
    int rc;
    char err[512];
} pending_write;
static pending_write *pending[64];
static int npending;

static void *writer(void *arg)
{
    pending_write *w = arg;
    w->rc = bs_flow_write_file(w->path, w->buf, w->len);
    if (w->rc) snprintf(w->err, sizeof w->err, "%s", bs_error_msg());
    free(w->buf);
    w->buf = NULL;
    return NULL;
}

int bs_flow_writes_join(void)
{
    int rc = 0;
    for (int i = 0; i < npending; i++) {
        pending_write *w = pending[i];
        pthread_join(w->th, NULL);
        if (w->rc && rc == 0) rc = bs_error_set(w->rc, "%s", w->err);
        free(w->path);
        free(w);
    }
    npending = 0;
    return rc;
}

int bs_flow_save_model(const bs_ir_graph *g, const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = bs_ir_pack(g, &buf, &len);
    if (rc) return rc;
    if (npending == (int)(sizeof pending / sizeof pending[0]) && (rc = bs_flow_writes_join()) < 0) {
        free(buf);
        return rc;
    }
    pending_write *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        free(buf);
        return bs_error_set(BS_ENOMEM, "saving %s", path);
    }
    w->buf = buf;
    w->len = len;
    if (pthread_create(&w->th, NULL, writer, w) != 0) {
        /* no thread: write synchronously */
        rc = bs_flow_write_file(path, buf, len);
        free(buf);
        free(w->path);
        free(w);
        return rc;
    }
    pending[npending++] = w;
    return 0;
}

int bs_flow_write_json(const char *dir, const char *name, const cJSON *j)
{
    char *path = bs_path_join(dir, name);
    char *txt = bs_json_print_py(j, 2);
    int rc = (path && txt) ? bs_flow_write_file(path, txt, strlen(txt))
                           : bs_error_set(BS_ENOMEM, "writing %s", name);
    free(path);
    free(txt);
    return rc;
}

static bool is_user_step(const bs_flow_config *cfg, const char *name, const bs_user_step **u)
{
    for (int i = 0; i < cfg->nuser_steps; i++)
        if (!strcmp(cfg->user_steps[i].name, name)) {
            if (u) *u = &cfg->user_steps[i];
            return true;
        }
    return false;
}

int bs_flow_resolve_steps(const bs_flow_config *cfg, const char ***names, int *n,
                          const char ***full, int *nfull, int *first)
{
    const char **all;
    int nall = 0;
    if (cfg->steps) {
        all = calloc((size_t)cfg->nsteps + 1, sizeof *all);
        if (!all) return bs_error_set(BS_ENOMEM, "steps");
        for (int i = 0; i < cfg->nsteps; i++) all[nall++] = cfg->steps[i];
    } else {
        const char *const *d = bs_flow_default_steps();
        while (d[nall]) nall++;
        all = calloc((size_t)nall + 1, sizeof *all);
        if (!all) return bs_error_set(BS_ENOMEM, "steps");
        for (int i = 0; i < nall; i++) all[i] = d[i];
    }
    int lo = 0, hi = nall - 1;
    if (cfg->start_step) {
        for (lo = 0; lo < nall && strcmp(all[lo], cfg->start_step); lo++) {}
        if (lo == nall) {
            free(all);
            return bs_error_set(BS_EINVAL, "start_step '%s' is not in the step list", cfg->start_step);
        }
        if (lo == 0) {
            free(all);
            return bs_error_set(BS_EINVAL, "start_step '%s': Invalid step+delta combination "
                                "(it is the first step; omit start_step)", cfg->start_step);
        }
    }
    if (cfg->stop_step) {
        for (hi = 0; hi < nall && strcmp(all[hi], cfg->stop_step); hi++) {}
        if (hi == nall) {
            free(all);
            return bs_error_set(BS_EINVAL, "stop_step '%s' is not in the step list", cfg->stop_step);
        }
    }
    if (hi < lo) {
        free(all);
        return bs_error_set(BS_EINVAL, "stop_step '%s' comes before start_step '%s'", cfg->stop_step,
                            cfg->start_step);
    }
    const char **sel = calloc((size_t)(hi - lo + 2), sizeof *sel);
    if (!sel) { free(all); return bs_error_set(BS_ENOMEM, "steps"); }
    for (int i = lo; i <= hi; i++) sel[i - lo] = all[i];
    *names = sel;
    *n = hi - lo + 1;
    *first = lo;
    if (full) { *full = all; *nfull = nall; } else free(all);
    return 0;
}

static void emit(bs_flow_ctx *ctx, const char *kind, cJSON *payload)
{
    if (!ctx->bus) { cJSON_Delete(payload); return; }
    char *txt = cJSON_PrintUnformatted(payload);
    bs_bus_emit(ctx->bus, kind, ctx->build_id, 0, txt);
    free(txt);
    cJSON_Delete(payload);
}

/* A user step: save the model, run argv with {in}/{out}/{output_dir}
 * substituted (output appended to the build log), load {out}. */
static int run_user_step(bs_flow_ctx *ctx, const bs_user_step *u)
{
    if (u->transforms) {
        /* a transformation sequence (FINN custom step function) */
        bs_xform_ctx x = {0};
        x.g = ctx->g;
        x.fpga_part = ctx->part;
        x.max_multithreshold_bit_width = ctx->cfg->max_multithreshold_bit_width;
        x.mvau_wwidth_max = ctx->cfg->mvau_wwidth_max;
        x.two_pass_relaxation = ctx->cfg->folding_two_pass_relaxation;
        x.bus = ctx->bus;
        x.build_id = ctx->build_id;
        return bs_xform_apply_list(&x, (const char *const *)u->transforms);
    }
    int rc = 0;
    char *im = bs_path_join(ctx->out_dir, "intermediate_models");
    bs_strbuf in = BS_STRBUF_INIT, out = BS_STRBUF_INIT;
    bs_strbuf_printf(&in, "%s/%s.input.onnx", im, u->name);
    bs_strbuf_printf(&out, "%s/%s.onnx", im, u->name);
    char **argv = calloc((size_t)u->argc + 1, sizeof *argv);
    if (!im || !argv) { rc = bs_error_set(BS_ENOMEM, "user step"); goto done; }
    if ((rc = bs_mkdir_p(im)) < 0 || (rc = bs_flow_save_model(ctx->g, in.buf)) < 0 ||
        (rc = bs_flow_writes_join()) < 0)
        goto done;
    unlink(out.buf);
    for (int i = 0; i < u->argc; i++) {
        bs_strbuf a = BS_STRBUF_INIT;
        for (const char *p = u->argv[i]; *p;) {
            if (!strncmp(p, "{in}", 4)) { bs_strbuf_puts(&a, in.buf); p += 4; }
            else if (!strncmp(p, "{out}", 5)) { bs_strbuf_puts(&a, out.buf); p += 5; }
            else if (!strncmp(p, "{output_dir}", 12)) { bs_strbuf_puts(&a, ctx->out_dir); p += 12; }
            else { bs_strbuf_append(&a, p, 1); p++; }
        }
        argv[i] = bs_strbuf_detach(&a);
    }
    char *logpath = bs_path_join(ctx->out_dir, "build_dataflow.log");
    bs_spawn_opts o = {0};
    o.argv = (const char *const *)argv;
    o.cwd = ctx->out_dir;
    o.stdout_path = logpath;
    o.stderr_path = logpath;
    o.append = true;
    pid_t pid;
    if (ctx->log) fflush(ctx->log);
    rc = bs_spawn(&o, &pid);
    free(logpath);
    if (rc < 0) { bs_error_wrap(rc, "user step %s", u->name); goto done; }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    bs_exit ex;
    bs_exit_decode(st, &ex);
    if (!ex.exited || ex.code != 0) {
        rc = bs_error_set(BS_ETOOL, "user step %s: command '%s' failed (%s %d); see build_dataflow.log",
                          u->name, argv[0], ex.exited ? "exit" : "signal", ex.exited ? ex.code : ex.signal);
        goto done;
    }
    bs_ir_graph *g2 = NULL;
    if (bs_path_exists(out.buf)) {
        if ((rc = bs_ir_load(out.buf, &g2)) < 0) { bs_error_wrap(rc, "user step %s: output model", u->name); goto done; }
        bs_ir_free(ctx->g);
        ctx->g = g2;
    } /* no {out} written: the model is unchanged */
done:
    if (argv) for (int i = 0; i < u->argc; i++) free(argv[i]);
    free(argv);
    free(im);
    bs_strbuf_free(&in);
    bs_strbuf_free(&out);
    return rc;
}

int bs_flow_build(const bs_flow_config *cfg, const bs_flow_opts *opts)
{
    int rc;
    const char **names = NULL, **full = NULL;
    int n = 0, nfull = 0, first = 0;
    bs_flow_ctx ctx = {0};
    char *out_dir = NULL;
    cJSON *times = NULL;
    FILE *con = opts->console;

    if ((rc = bs_flow_resolve_steps(cfg, &names, &n, &full, &nfull, &first)) < 0) return rc;
    for (int i = 0; i < n; i++) {
        const bs_step_def *d = bs_step_find(names[i]);
        if (!d && !is_user_step(cfg, names[i], NULL)) {
            rc = bs_error_set(BS_EINVAL, "unknown step '%s'", names[i]);
            goto out;
        }
    }
    const char *od = opts->out_dir ? opts->out_dir : cfg->output_dir;
    if (!od) { rc = bs_error_set(BS_EINVAL, "no output_dir"); goto out; }
    out_dir = od[0] == '/' || opts->out_dir ? strdup(od) : bs_flow_config_path(cfg, od);
    if ((rc = bs_mkdir_p(out_dir)) < 0) goto out;
    {
        char *abs = realpath(out_dir, NULL);
        if (abs) { free(out_dir); out_dir = abs; }
    }
    ctx.cfg = cfg;
    ctx.out_dir = out_dir;
    ctx.out_dir_given = od;
    ctx.bus = opts->bus;
    ctx.build_id = opts->build_id;
    ctx.nsteps = n;
    if ((rc = bs_flow_config_part(cfg, &ctx.part)) < 0) goto out;
    {
        char *lp = bs_path_join(out_dir, "build_dataflow.log");
        ctx.log = lp ? fopen(lp, "a") : NULL;
        if (!ctx.log) rc = bs_error_set(BS_EIO, "cannot open %s: %s", lp ? lp : "log", strerror(errno));
        free(lp);
        if (rc < 0) goto out;
    }
    /* the input model */
    char *model = NULL;
    if (first > 0) {
        bs_strbuf sb = BS_STRBUF_INIT;
        bs_strbuf_printf(&sb, "%s/intermediate_models/%s.onnx", out_dir, full[first - 1]);
        model = bs_strbuf_detach(&sb);
        if (con) fprintf(con, "Building dataflow accelerator from intermediate checkpoint%s\n", model);
    } else {
        if (!opts->model_path) { rc = bs_error_set(BS_EINVAL, "no model given"); goto out; }
        model = strdup(opts->model_path);
        if (con) fprintf(con, "Building dataflow accelerator from %s\n", model);
    }
    if (con) {
        const char *bd = getenv("FINN_BUILD_DIR");
        fprintf(con, "Intermediate outputs will be generated in %s\n", bd ? bd : out_dir);
        fprintf(con, "Final outputs will be generated in %s\n", out_dir);
        fprintf(con, "Build log is at %s/build_dataflow.log\n", out_dir);
    }
    rc = bs_ir_load(model, &ctx.g);
    if (rc < 0) {
        bs_error_wrap(rc, "%s", first > 0 ? "loading the checkpoint of the step before start_step" : "loading the model");
        free(model);
        goto out;
    }
    free(model);
    if (first > 0) {
        /* resuming after the partition step: the parent gives verification context */
        char *pp = bs_path_join(out_dir, "intermediate_models/dataflow_parent.onnx");
        if (pp && bs_path_exists(pp) && bs_ir_load(pp, &ctx.parent) < 0) ctx.parent = NULL;
        free(pp);
    }

    times = NULL;
    if (opts->merge_times) {
        char *tp = bs_path_join(out_dir, "time_per_step.json");
        if (tp && bs_path_exists(tp) && bs_json_load_file(tp, &times) < 0) times = NULL;
        free(tp);
        if (times && !cJSON_IsObject(times)) { cJSON_Delete(times); times = NULL; }
    }
    if (!times) times = cJSON_CreateObject();
    for (int i = 0; i < n; i++) {
        const char *name = names[i];
        ctx.step = name;
        ctx.step_index = i;
        int num = opts->index_base > 0 ? opts->index_base + i : i + 1, tot = opts->total > 0 ? opts->total : n;
        if (con) { fprintf(con, "Running step: %s [%d/%d]\n", name, num, tot); fflush(con); }
        bs_flow_logf(&ctx, "Running step: %s [%d/%d]", name, num, tot);
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "step", name);
        cJSON_AddNumberToObject(ev, "index", num);
        cJSON_AddNumberToObject(ev, "total", tot);
        emit(&ctx, "step.start", ev);
        int64_t t0 = bs_now_mono_ns();
        const bs_user_step *u = NULL;
        if (is_user_step(cfg, name, &u)) {
            rc = run_user_step(&ctx, u);
        } else {
            const bs_step_def *d = bs_step_find(name);
            if (!d->fn)
                rc = bs_error_set(BS_EUNSUPPORTED, "%s needs the %s backend, which brainsmith cannot run "
                                  "natively; stop before it (stop_step) or use the estimate steps",
                                  name, d->backend);
            else
                rc = d->fn(&ctx);
        }
        double dt = (double)(bs_now_mono_ns() - t0) / 1e9;
        ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "step", name);
        cJSON_AddNumberToObject(ev, "index", num);
        cJSON_AddNumberToObject(ev, "total", tot);
        cJSON_AddNumberToObject(ev, "seconds", dt);
        cJSON_AddBoolToObject(ev, "ok", rc >= 0);
        if (rc < 0) cJSON_AddStringToObject(ev, "error", bs_error_msg());
        emit(&ctx, "step.finish", ev);
        if (rc < 0) {
            bs_error_wrap(rc, "%s", name);
            bs_flow_logf(&ctx, "%s", bs_error_msg());
            if (con) {
                fprintf(con, "%s\n", bs_error_msg());
                fprintf(con, "Build failed\n");
            }
            goto out;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(times, name);
        cJSON_AddItemToObject(times, name, bs_json_py_float(dt));
        if (cfg->save_intermediate_models) {
            bs_strbuf sb = BS_STRBUF_INIT;
            bs_strbuf_printf(&sb, "%s/intermediate_models", out_dir);
            bs_mkdir_p(sb.buf);
            bs_strbuf_printf(&sb, "/%s.onnx", name);
            rc = bs_flow_save_model(ctx.g, sb.buf);
            bs_strbuf_free(&sb);
            if (rc < 0) goto out;
        }
    }
    if ((rc = bs_flow_writes_join()) < 0) goto out;
    if ((rc = bs_flow_write_json(out_dir, "time_per_step.json", times)) < 0) goto out;
    if (con) fprintf(con, "Completed successfully\n");
out:
    {
        int wrc = bs_flow_writes_join();   /* never leave writers running */
        if (rc == 0 && wrc < 0) rc = wrc;
    }
    if (ctx.log) fclose(ctx.log);
    if (ctx.g) bs_ir_free(ctx.g);
    if (ctx.parent) bs_ir_free(ctx.parent);
    cJSON_Delete(times);
    free(names);
    free(full);
    free(out_dir);
    return rc;
}
