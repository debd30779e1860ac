/* test_cache.c - the orchestrator's step cache with real processes, a real
 * workspace database and the real artifact store: a hit restores
 * byte-identical outputs without running the command (a side-effect file
 * counts executions), merges into a directory that holds other files, a
 * changed key (tool version) misses, no-cache (task or scheduler) forces a
 * run, a DAG re-runs only the task whose key changed and its dependents,
 * a cached task's dependents run, and gc while a dependent is queued keeps
 * that dependent's input in the store. */
#include "orch_test.h"

#include "brainsmith/artifacts.h"

#include <dirent.h>
#include <sys/stat.h>

typedef struct ctest {
    otest o;
    char *side;         /* one line per execution of any task */
    char *out;          /* the (shared) outputs directory */
} ctest;

static int ctest_setup(void **state)
{
    otest_setup(state);
    otest *o = *state;
    ctest *c = calloc(1, sizeof *c);
    c->o = *o;
    free(o);
    c->side = bs_path_join(c->o.dir, "side.log");
    c->out = bs_path_join(c->o.dir, "build");
    *state = c;
    return 0;
}

static int ctest_teardown(void **state)
{
    ctest *c = *state;
    free(c->side);
    free(c->out);
    otest *o = malloc(sizeof *o);
    *o = c->o;
    free(c);
    *state = o;
    return otest_teardown(state);
}

/* Lines of the side-effect file that start with tag (all lines: ""). */
static int runs(ctest *c, const char *tag)
{
    FILE *f = fopen(c->side, "r");
    if (!f)
        return 0;
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, tag, strlen(tag)))
            n++;
    fclose(f);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    bs_strbuf sb = BS_STRBUF_INIT;
    char buf[8192];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        bs_strbuf_append(&sb, buf, k);
    fclose(f);
    *len = sb.len;
    return sb.buf ? bs_strbuf_detach(&sb) : strdup("");
}

/* Every entry of a (files, modes, symlink targets, content) equals b. */
static void assert_tree_in(const char *a, const char *b)
{
    DIR *d = opendir(a);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *pa = bs_path_join(a, de->d_name), *pb = bs_path_join(b, de->d_name);
        struct stat sa, sb;
        assert_int_equal(lstat(pa, &sa), 0);
        if (lstat(pb, &sb) != 0)
            fail_msg("%s is missing (expected like %s)", pb, pa);
        assert_int_equal(sa.st_mode & S_IFMT, sb.st_mode & S_IFMT);
        if (S_ISDIR(sa.st_mode)) {
            assert_tree_in(pa, pb);
        } else if (S_ISLNK(sa.st_mode)) {
            char ta[512] = "", tb[512] = "";
            assert_true(readlink(pa, ta, sizeof ta - 1) > 0);
            assert_true(readlink(pb, tb, sizeof tb - 1) > 0);
            assert_string_equal(ta, tb);
        } else {
            assert_int_equal(sa.st_mode & 07777, sb.st_mode & 07777);
            size_t la, lb;
            char *ca = slurp(pa, &la), *cb = slurp(pb, &lb);
            assert_non_null(ca);
            assert_non_null(cb);
            if (la != lb || memcmp(ca, cb, la))
                fail_msg("%s differs from %s", pb, pa);
            free(ca);
            free(cb);
        }
        free(pa);
        free(pb);
    }
    closedir(d);
}

static void key_of(const char *step, const char *tool, const char *config, const char *input,
                   char key[65])
{
    const char *tools[] = {tool};
    const char *inputs[] = {input};
    bs_cache_key_in in = {.step = step, .inputs = inputs, .ninputs = input ? 1 : 0,
                          .config_json = config, .tools = tools, .ntools = 1};
    assert_int_equal(bs_cache_key(&in, key), 0);
}

/* Submits `sh -c line` with a cache key and the shared outputs dir. */
static int64_t submit_c(ctest *c, const char *name, const char *line, const char *key,
                        const int64_t *after, int nafter, bool no_cache)
{
    bs_task_spec s;
    otest_spec(&s, name, line);
    s.cache_key = key;
    s.outputs = key ? c->out : NULL;
    s.no_cache = no_cache;
    s.after = after;
    s.nafter = nafter;
    int64_t id = 0;
    int rc = bs_orch_submit(c->o.ws, &s, &id, NULL);
    if (rc)
        fprintf(stderr, "submit: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    return id;
}

static void run_idle(ctest *c, bool no_cache)
{
    bs_sched_opts o;
    otest_opts(&o, 2);
    o.no_cache = no_cache;
    bs_sched *s;
    int rc = bs_sched_open(c->o.ws, &o, &s);
    if (rc)
        fprintf(stderr, "scheduler: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    rc = bs_sched_run(s, NULL, 0, true);
    if (rc)
        fprintf(stderr, "run: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    bs_sched_close(s, false);
}

static bs_task_info info(ctest *c, int64_t id)
{
    bs_task_info t;
    assert_int_equal(bs_orch_task_get(c->o.ws, id, &t), 0);
    return t;
}

static int ev_count_cb(const bs_event *ev, void *ud)
{
    void **p = ud;
    if (!strcmp(ev->kind, "task.cached") && ev->task_id == *(int64_t *)p[0]) {
        (*(int *)p[1])++;
        snprintf((char *)p[2], 256, "%s", ev->payload ? ev->payload : "");
    }
    return 0;
}

static void test_hit_restores_identical_without_running(void **state)
{
    ctest *c = *state;
    /* Random content (a re-run could not reproduce it), a subdirectory, an
     * executable, a symlink; the step counts itself in the side file. */
    char line[2048], key[65];
    snprintf(line, sizeof line,
             "set -e; mkdir -p '%s/report'; head -c 200000 /dev/urandom > '%s/model.bin';"
             " date +%%s%%N > '%s/report/estimate.json'; printf '#!/bin/sh\\n' > '%s/run.sh';"
             " chmod 750 '%s/run.sh'; ln -sf report '%s/latest'; echo gen >> '%s'",
             c->out, c->out, c->out, c->out, c->out, c->out, c->side);
    key_of("step_gen", "finn=0.10", "{\"fold\":1}", "model=aa", key);
    int64_t a = submit_c(c, "gen", line, key, NULL, 0, false);
    run_idle(c, false);
    bs_task_info t = info(c, a);
    assert_int_equal(t.state, BS_TASK_SUCCEEDED);
    assert_non_null(t.cache_digest);
    char stored[65];
    snprintf(stored, sizeof stored, "%s", t.cache_digest);
    bs_task_info_free(&t);
    assert_int_equal(runs(c, "gen"), 1);

    /* The reference copy; the outputs dir then holds an unrelated file and
     * a stale version of one output (a build dir other steps filled). */
    char *ref = bs_path_join(c->o.dir, "ref");
    assert_int_equal(rename(c->out, ref), 0);
    assert_int_equal(bs_mkdir_p(c->out), 0);
    char *other = bs_path_join(c->out, "other_step.onnx"), *stale = bs_path_join(c->out, "model.bin");
    FILE *f = fopen(other, "w");
    fputs("from another step", f);
    fclose(f);
    f = fopen(stale, "w");
    fputs("stale", f);
    fclose(f);

    int64_t b = submit_c(c, "gen", line, key, NULL, 0, false);
    run_idle(c, false);
    t = info(c, b);
    assert_int_equal(t.state, BS_TASK_CACHED);
    assert_true(bs_task_state_final(t.state) && bs_task_state_ok(t.state));
    assert_int_equal(t.attempts, 0);
    assert_non_null(t.cache_digest);
    assert_string_equal(t.cache_digest, stored);
    bs_task_info_free(&t);
    assert_int_equal(runs(c, "gen"), 1);          /* the command did not run */
    assert_tree_in(ref, c->out);                  /* byte-identical, modes, symlink */
    size_t n;
    char *o = slurp(other, &n);
    assert_string_equal(o, "from another step");  /* merged, not replaced */
    free(o);

    /* One attempt-less task.cached event carrying the digest. */
    int cnt = 0;
    char payload[256] = "";
    void *ud[3] = {&b, &cnt, payload};
    assert_int_equal(bs_orch_events_read(c->o.ws, 0, 0, ev_count_cb, ud), 0);
    assert_int_equal(cnt, 1);
    assert_non_null(strstr(payload, stored));
    free(other);
    free(stale);
    free(ref);
}

static void test_changed_key_misses_and_no_cache_runs(void **state)
{
    ctest *c = *state;
    char line[1024], k1[65], k2[65];
    snprintf(line, sizeof line, "mkdir -p '%s' && date +%%N > '%s/out.txt' && echo step >> '%s'", c->out,
             c->out, c->side);
    key_of("step_synth", "yosys=0.38", "{\"part\":\"xc7z020\"}", "rtl=bb", k1);
    key_of("step_synth", "yosys=0.39", "{\"part\":\"xc7z020\"}", "rtl=bb", k2);
    assert_string_not_equal(k1, k2);
    int64_t a = submit_c(c, "synth", line, k1, NULL, 0, false);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, a), BS_TASK_SUCCEEDED);
    /* A new tool version: a miss, the step runs. */
    int64_t b = submit_c(c, "synth", line, k2, NULL, 0, false);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, b), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, "step"), 2);
    /* The same key again: a hit. */
    int64_t h = submit_c(c, "synth", line, k2, NULL, 0, false);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, h), BS_TASK_CACHED);
    assert_int_equal(runs(c, "step"), 2);
    /* --no-cache on the task: it runs although the entry exists. */
    int64_t nc = submit_c(c, "synth", line, k2, NULL, 0, true);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, nc), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, "step"), 3);
    /* run --no-cache: the scheduler looks nothing up. */
    int64_t ns = submit_c(c, "synth", line, k2, NULL, 0, false);
    run_idle(c, true);
    assert_int_equal(otest_state(&c->o, ns), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, "step"), 4);
    bs_task_info t = info(c, ns);
    assert_int_equal(t.attempts, 1);
    bs_task_info_free(&t);
}

/* A FINN-like build: every task adds its own file to one build dir.  Keys
 * chain (a task's key has its dependencies' keys as inputs), so changing B's
 * config changes B, C (after B) and E (after C): only those re-run; A and D
 * (after A only) are restored, and the merged build dir holds everything. */
typedef struct dag_ids { int64_t a, b, c, d, e; } dag_ids;

static dag_ids submit_dag(ctest *c, const char *bcfg)
{
    char ka[65], kb[65], kc[65], kd[65], ke[65], in2[140];
    char la[512], lb[512], lc[512], ld[512], le[512];
    key_of("A", "t=1", "{}", "model=m", ka);
    key_of("B", "t=1", bcfg, ka, kb);
    key_of("C", "t=1", "{}", kb, kc);
    key_of("D", "t=1", "{}", ka, kd);
    snprintf(in2, sizeof in2, "%s+%s", kc, kd);
    key_of("E", "t=1", "{}", in2, ke);
    snprintf(la, sizeof la, "mkdir -p '%s' && echo a > '%s/a.txt' && echo A >> '%s'", c->out, c->out, c->side);
    snprintf(lb, sizeof lb, "cat '%s/a.txt' > '%s/b.txt' && echo '%s' >> '%s/b.txt' && echo B >> '%s'", c->out,
             c->out, bcfg, c->out, c->side);
    snprintf(lc, sizeof lc, "cat '%s/b.txt' > '%s/c.txt' && echo C >> '%s'", c->out, c->out, c->side);
    snprintf(ld, sizeof ld, "cat '%s/a.txt' > '%s/d.txt' && echo D >> '%s'", c->out, c->out, c->side);
    snprintf(le, sizeof le, "cat '%s/c.txt' '%s/d.txt' > '%s/e.txt' && echo E >> '%s'", c->out, c->out, c->out,
             c->side);
    dag_ids d;
    d.a = submit_c(c, "A", la, ka, NULL, 0, false);
    d.b = submit_c(c, "B", lb, kb, &d.a, 1, false);
    d.c = submit_c(c, "C", lc, kc, &d.b, 1, false);
    d.d = submit_c(c, "D", ld, kd, &d.a, 1, false);
    int64_t ce[2] = {d.c, d.d};
    d.e = submit_c(c, "E", le, ke, ce, 2, false);
    return d;
}

static void test_dag_reruns_only_changed(void **state)
{
    ctest *c = *state;
    dag_ids d1 = submit_dag(c, "{\"fold\":1}");
    run_idle(c, false);
    int64_t ids1[] = {d1.a, d1.b, d1.c, d1.d, d1.e};
    for (int i = 0; i < 5; i++)
        assert_int_equal(otest_state(&c->o, ids1[i]), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, ""), 5);
    /* B and D are independent but share the outputs directory: they ran
     * one after the other, so each stored only its own file. */
    bs_attempt_info *atb, *atd;
    int nb, nd;
    assert_int_equal(bs_orch_attempts(c->o.ws, d1.b, &atb, &nb), 0);
    assert_int_equal(bs_orch_attempts(c->o.ws, d1.d, &atd, &nd), 0);
    assert_true(nb == 1 && nd == 1);
    assert_true(atb[0].finished_ms <= atd[0].started_ms || atd[0].finished_ms <= atb[0].started_ms);
    bs_attempt_info_free_array(atb, nb);
    bs_attempt_info_free_array(atd, nd);
    /* A fresh build dir, B's folding changed. */
    assert_int_equal(bs_rm_rf(c->out), 0);
    dag_ids d2 = submit_dag(c, "{\"fold\":2}");
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, d2.a), BS_TASK_CACHED);
    assert_int_equal(otest_state(&c->o, d2.d), BS_TASK_CACHED);
    assert_int_equal(otest_state(&c->o, d2.b), BS_TASK_SUCCEEDED);
    assert_int_equal(otest_state(&c->o, d2.c), BS_TASK_SUCCEEDED);
    assert_int_equal(otest_state(&c->o, d2.e), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, "A"), 1);
    assert_int_equal(runs(c, "D"), 1);
    assert_int_equal(runs(c, "B"), 2);
    assert_int_equal(runs(c, "C"), 2);
    assert_int_equal(runs(c, "E"), 2);
    char *e = bs_path_join(c->out, "e.txt");
    size_t n;
    char *txt = slurp(e, &n);
    assert_non_null(txt);
    assert_string_equal(txt, "a\n{\"fold\":2}\na\n");     /* c.txt (new B) + d.txt (restored) */
    free(txt);
    free(e);
    /* Unchanged again: everything is restored, nothing runs. */
    assert_int_equal(bs_rm_rf(c->out), 0);
    dag_ids d3 = submit_dag(c, "{\"fold\":2}");
    run_idle(c, false);
    int64_t ids3[] = {d3.a, d3.b, d3.c, d3.d, d3.e};
    for (int i = 0; i < 5; i++)
        assert_int_equal(otest_state(&c->o, ids3[i]), BS_TASK_CACHED);
    assert_int_equal(runs(c, ""), 8);
    /* Each entry holds only its own step's file, so restoring B did not
     * bring back a.txt: it came from A's entry. */
    bs_art_store *st;
    assert_int_equal(bs_art_open(c->o.ws, NULL, &st), 0);
    bs_task_info t = info(c, d3.b);
    char *dst = bs_path_join(c->o.dir, "only_b");
    bs_arena ar;
    bs_arena_init(&ar, 0);
    assert_int_equal(bs_art_get(st, t.cache_digest, dst, &ar, NULL), 0);
    char *ab = bs_path_join(dst, "a.txt"), *bb = bs_path_join(dst, "b.txt");
    assert_false(bs_path_exists(ab));
    assert_true(bs_path_exists(bb));
    free(ab);
    free(bb);
    free(dst);
    bs_arena_free(&ar);
    bs_task_info_free(&t);
    bs_art_close(st);
}

/* Keys that do not chain (each task's own config only): the scheduler
 * adds the dependencies' output digests, so a re-run middle task that
 * produces the same outputs lets its dependent hit (early cutoff), and one
 * that produces different outputs makes it run although its own key is
 * unchanged. */
static void test_early_cutoff_by_content(void **state)
{
    ctest *c = *state;
    char ka[65], kb1[65], kb2[65], kb3[65], kc[65], la[512], lb[512], lb3[512], lc[512];
    key_of("A", "t=1", "{}", NULL, ka);
    key_of("B", "t=1", "{\"fold\":1}", NULL, kb1);
    key_of("B", "t=1", "{\"fold\":2}", NULL, kb2);
    key_of("B", "t=1", "{\"fold\":3}", NULL, kb3);
    key_of("C", "t=1", "{}", NULL, kc);
    snprintf(la, sizeof la, "mkdir -p '%s' && echo a > '%s/a.txt' && echo A >> '%s'", c->out, c->out, c->side);
    snprintf(lb, sizeof lb, "cat '%s/a.txt' > '%s/b.txt' && echo B >> '%s'", c->out, c->out, c->side);
    snprintf(lb3, sizeof lb3, "echo other > '%s/b.txt' && echo B >> '%s'", c->out, c->side);
    snprintf(lc, sizeof lc, "cat '%s/b.txt' > '%s/c.txt' && echo C >> '%s'", c->out, c->out, c->side);
    const char *bline[3] = {lb, lb, lb3}, *bkey[3] = {kb1, kb2, kb3};
    bs_task_state want_c[3] = {BS_TASK_SUCCEEDED, BS_TASK_CACHED, BS_TASK_SUCCEEDED};
    for (int r = 0; r < 3; r++) {
        bs_rm_rf(c->out);
        int64_t a = submit_c(c, "A", la, ka, NULL, 0, false);
        int64_t b = submit_c(c, "B", bline[r], bkey[r], &a, 1, false);
        int64_t cc = submit_c(c, "C", lc, kc, &b, 1, false);
        run_idle(c, false);
        assert_int_equal(otest_state(&c->o, a), r == 0 ? BS_TASK_SUCCEEDED : BS_TASK_CACHED);
        assert_int_equal(otest_state(&c->o, b), BS_TASK_SUCCEEDED);     /* its key changed every time */
        assert_int_equal(otest_state(&c->o, cc), want_c[r]);
        char *cp = bs_path_join(c->out, "c.txt");
        size_t n;
        char *txt = slurp(cp, &n);
        assert_non_null(txt);
        assert_string_equal(txt, r == 2 ? "other\n" : "a\n");
        free(txt);
        free(cp);
    }
    assert_int_equal(runs(c, "A"), 1);
    assert_int_equal(runs(c, "B"), 3);
    assert_int_equal(runs(c, "C"), 2);
}

static void test_cached_task_dependents_run(void **state)
{
    ctest *c = *state;
    char la[512], lb[512], k[65];
    key_of("gen", "t=1", "{}", NULL, k);
    snprintf(la, sizeof la, "mkdir -p '%s' && echo payload > '%s/x' && echo A >> '%s'", c->out, c->out, c->side);
    snprintf(lb, sizeof lb, "cp '%s/x' '%s/copy' && echo B >> '%s'", c->out, c->o.dir, c->side);
    int64_t a1 = submit_c(c, "A", la, k, NULL, 0, false);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, a1), BS_TASK_SUCCEEDED);
    assert_int_equal(bs_rm_rf(c->out), 0);
    /* A cached; B (no cache key) runs on the restored file. */
    int64_t a2 = submit_c(c, "A", la, k, NULL, 0, false);
    int64_t b2 = submit_c(c, "B", lb, NULL, &a2, 1, false);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, a2), BS_TASK_CACHED);
    assert_int_equal(otest_state(&c->o, b2), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, "A"), 1);
    assert_int_equal(runs(c, "B"), 1);
    char *cp = bs_path_join(c->o.dir, "copy");
    size_t n;
    char *txt = slurp(cp, &n);
    assert_string_equal(txt, "payload\n");
    free(txt);
    free(cp);
    /* Submitted after its dependency was cached: ready at once, runs. */
    int64_t b3 = submit_c(c, "B", lb, NULL, &a2, 1, false);
    assert_int_equal(otest_state(&c->o, b3), BS_TASK_READY);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, b3), BS_TASK_SUCCEEDED);
    assert_int_equal(runs(c, "B"), 2);
}

static void test_gc_keeps_queued_task_inputs(void **state)
{
    ctest *c = *state;
    char la[512], k[65];
    key_of("gen", "t=1", "{}", NULL, k);
    snprintf(la, sizeof la, "mkdir -p '%s' && head -c 50000 /dev/urandom > '%s/w.bin' && echo A >> '%s'",
             c->out, c->out, c->side);
    int64_t a = submit_c(c, "A", la, k, NULL, 0, false);
    /* B needs a license no scheduler here hands out: it stays queued. */
    bs_task_spec s;
    otest_spec(&s, "B", "true");
    s.after = &a;
    s.nafter = 1;
    assert_int_equal(bs_license_parse("vivado=1", s.licenses, &s.nlicenses), 0);
    int64_t b;
    assert_int_equal(bs_orch_submit(c->o.ws, &s, &b, NULL), 0);
    bs_sched_opts o;
    otest_opts(&o, 2);
    bs_sched *sc;
    assert_int_equal(bs_sched_open(c->o.ws, &o, &sc), 0);
    assert_int_equal(bs_sched_run(sc, &a, 1, false), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(bs_sched_step(sc, 20, NULL), 0);    /* leases are taken after the commit */
    bs_sched_close(sc, false);
    assert_int_equal(otest_state(&c->o, a), BS_TASK_SUCCEEDED);
    assert_int_equal(otest_state(&c->o, b), BS_TASK_READY);
    bs_task_info t = info(c, a);
    assert_non_null(t.cache_digest);
    char digest[65];
    snprintf(digest, sizeof digest, "%s", t.cache_digest);
    bs_task_info_free(&t);

    /* Retention that keeps nothing, gc without grace: B's input stays. */
    bs_art_opts ao = {.grace_ms = -1};
    bs_art_store *st;
    assert_int_equal(bs_art_open(c->o.ws, &ao, &st), 0);
    bs_art_policy p = {.scope = "*", .kind = BS_POL_BYTES, .n = 0};
    assert_int_equal(bs_art_policy_set(st, &p), 0);
    bs_arena ar;
    bs_arena_init(&ar, 0);
    bs_gc_report r;
    assert_int_equal(bs_art_gc(st, false, &ar, &r), 0);
    assert_true(bs_cas_has(st, digest));
    char *dst = bs_path_join(c->o.dir, "inputs_of_b");
    assert_int_equal(bs_cas_materialise(st, digest, dst), 0);    /* every blob of it is there */
    char *w = bs_path_join(dst, "w.bin");
    assert_true(bs_path_exists(w));
    free(w);
    free(dst);
    /* C, submitted after A finished, leases A's outputs at submit. */
    int64_t cc;
    s.name = "C";
    assert_int_equal(bs_orch_submit(c->o.ws, &s, &cc, NULL), 0);
    /* B ends: its lease dies with it, C's still holds. */
    assert_int_equal(bs_orch_cancel(c->o.ws, b, NULL), 0);
    assert_int_equal(bs_art_gc(st, false, &ar, &r), 0);
    assert_true(bs_cas_has(st, digest));
    /* C ends too: the next gc collects. */
    assert_int_equal(bs_orch_cancel(c->o.ws, cc, NULL), 0);
    assert_int_equal(bs_art_gc(st, false, &ar, &r), 0);
    assert_false(bs_cas_has(st, digest));
    bs_arena_free(&ar);
    bs_art_close(st);
}

/* A scheduler that goes away while a cacheable task runs: the next one
 * adopts the attempt and still stores exactly what the attempt wrote (the
 * listing taken before launch is on disk), so a later submit hits. */
static void test_adopted_attempt_is_stored(void **state)
{
    ctest *c = *state;
    char line[1024], k[65];
    key_of("slow", "t=1", "{}", NULL, k);
    assert_int_equal(bs_mkdir_p(c->out), 0);
    char *before = bs_path_join(c->out, "before.txt");
    FILE *f = fopen(before, "w");
    fputs("earlier step", f);
    fclose(f);
    snprintf(line, sizeof line, "sleep 0.5 && echo late > '%s/late.txt' && echo S >> '%s'", c->out, c->side);
    int64_t a = submit_c(c, "slow", line, k, NULL, 0, false);
    bs_sched_opts o;
    otest_opts(&o, 2);
    bs_sched *s;
    assert_int_equal(bs_sched_open(c->o.ws, &o, &s), 0);
    for (int i = 0; i < 50 && otest_state(&c->o, a) != BS_TASK_RUNNING; i++)
        assert_int_equal(bs_sched_step(s, 20, NULL), 0);
    assert_int_equal(otest_state(&c->o, a), BS_TASK_RUNNING);
    bs_sched_close(s, false);               /* the task keeps running */
    bs_sleep_ms(150);                       /* (its supervisor drops the inherited lock) */
    run_idle(c, false);                     /* adopted, finished, stored */
    bs_task_info t = info(c, a);
    assert_int_equal(t.state, BS_TASK_SUCCEEDED);
    assert_non_null(t.cache_digest);
    bs_task_info_free(&t);
    assert_int_equal(runs(c, "S"), 1);
    assert_int_equal(bs_rm_rf(c->out), 0);
    int64_t b = submit_c(c, "slow", line, k, NULL, 0, false);
    run_idle(c, false);
    assert_int_equal(otest_state(&c->o, b), BS_TASK_CACHED);
    assert_int_equal(runs(c, "S"), 1);
    char *late = bs_path_join(c->out, "late.txt");
    assert_true(bs_path_exists(late));
    assert_false(bs_path_exists(before));   /* not this step's output */
    free(late);
    free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_restores_identical_without_running, ctest_setup, ctest_teardown),
        cmocka_unit_test_setup_teardown(test_changed_key_misses_and_no_cache_runs, ctest_setup, ctest_teardown),
        cmocka_unit_test_setup_teardown(test_dag_reruns_only_changed, ctest_setup, ctest_teardown),
        cmocka_unit_test_setup_teardown(test_early_cutoff_by_content, ctest_setup, ctest_teardown),
        cmocka_unit_test_setup_teardown(test_cached_task_dependents_run, ctest_setup, ctest_teardown),
        cmocka_unit_test_setup_teardown(test_gc_keeps_queued_task_inputs, ctest_setup, ctest_teardown),
        cmocka_unit_test_setup_teardown(test_adopted_attempt_is_stored, ctest_setup, ctest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
