/* test_artifacts.c - unit tests of lib/artifacts on real files, real SQLite
 * workspaces and real child processes.
 *
 * Covers: put/get of real shared data (files and a whole FINN output tree)
 * byte-identical, dedup and versions, a flipped byte found by verify, every
 * retention policy keeping exactly what it says, gc never removing what a
 * reader in another process holds, --where on fields and metrics, and the
 * step cache (hit byte-identical, changed tool version / config misses). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "brainsmith/artifacts.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

typedef struct fx {
    char dir[256];
    bs_workspace *ws;
    bs_art_store *st;
    bs_arena a;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/bs-art-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char *home = bs_path_join(f->dir, "ws");
    int rc = bs_workspace_open(home, true, &f->ws);
    free(home);
    if (rc)
        return -1;
    bs_art_opts o = {.grace_ms = -1}; /* no grace: gc results are exact */
    if (bs_art_open(f->ws, &o, &f->st))
        return -1;
    bs_arena_init(&f->a, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    bs_art_close(f->st);
    bs_workspace_close(f->ws);
    bs_arena_free(&f->a);
    bs_rm_rf(f->dir);
    free(f);
    return 0;
}

static const char *shared(void)
{
    const char *d = getenv("BS_SHARED_DATA");
    return d && bs_is_dir(d) ? d : NULL;
}

static char *tpath(fx *f, const char *rel)
{
    return bs_arena_sprintf(&f->a, "%s/%s", f->dir, rel);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(bs_write_file_atomic(path, text, strlen(text)), 0);
}

static bool same_file(const char *a, const char *b)
{
    char *x, *y;
    size_t nx, ny;
    if (bs_read_file(a, &x, &nx) || bs_read_file(b, &y, &ny))
        return false;
    bool same = nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return same;
}

/* Recursively compares two trees: names, types, modes, contents, links. */
static bool same_tree(const char *a, const char *b)
{
    struct stat sa, sb;
    if (lstat(a, &sa) || lstat(b, &sb) || (sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT))
        return false;
    if (S_ISLNK(sa.st_mode)) {
        char la[512] = {0}, lb[512] = {0};
        return readlink(a, la, sizeof la - 1) >= 0 && readlink(b, lb, sizeof lb - 1) >= 0 &&
               !strcmp(la, lb);
    }
    if ((sa.st_mode & 0777) != (sb.st_mode & 0777))
        return false;
    if (S_ISREG(sa.st_mode))
        return same_file(a, b);
    DIR *d = opendir(a);
    int na = 0, nb = 0;
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        na++;
        char *pa = bs_path_join(a, de->d_name), *pb = bs_path_join(b, de->d_name);
        ok = same_tree(pa, pb);
        free(pa);
        free(pb);
    }
    closedir(d);
    d = opendir(b);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            nb++;
    closedir(d);
    return ok && na == nb;
}

static int count_blobs(fx *f)
{
    char *cas = bs_workspace_path(f->ws, "cas");
    DIR *top = opendir(cas);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(top))) {
        if (strlen(de->d_name) != 2)
            continue;
        char *p = bs_path_join(cas, de->d_name);
        DIR *d = opendir(p);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.')
                n++;
        if (d)
            closedir(d);
        free(p);
    }
    closedir(top);
    free(cas);
    return n;
}

/* ---- put / get / dedup ---- */

static void test_put_get_files(void **state)
{
    fx *f = *state;
    const char *sd = shared();
    if (!sd)
        skip();
    const char *files[] = {"models/tfc_w1a1_qonnx.onnx", "models/cybsec_mlp_w2a2_ready.onnx",
                           "reports/vivado_2022.2_xcu250_vitis_impl_1_full_util_routed.rpt"};
    for (size_t i = 0; i < 3; i++) {
        char *src = bs_arena_sprintf(&f->a, "%s/%s", sd, files[i]);
        bs_art_meta m = {.name = "real", .build_id = "b-test"};
        bs_art_record r;
        assert_int_equal(bs_art_put(f->st, src, &m, &f->a, &r), 0);
        assert_int_equal(r.version, (int)i + 1);
        char hex[65];
        assert_int_equal(bs_sha256_file_hex(src, hex), 0);
        assert_string_equal(r.digest, hex); /* digest = SHA-256 of the uncompressed content */
        char *out = tpath(f, bs_arena_sprintf(&f->a, "out%zu", i));
        char *ref = bs_arena_sprintf(&f->a, "real@%zu", i + 1);
        assert_int_equal(bs_art_get(f->st, ref, out, &f->a, NULL), 0);
        assert_true(same_file(src, out));
    }
    bs_art_record r;
    assert_int_equal(bs_art_resolve(f->st, "real", &f->a, &r), 0);
    assert_int_equal(r.version, 3);
    assert_string_equal(r.kind, "report");
    /* dedup: the same content again is a new version, not a new blob */
    int before = count_blobs(f);
    char *src = bs_arena_sprintf(&f->a, "%s/%s", sd, files[0]);
    bs_art_meta m = {.name = "real"};
    assert_int_equal(bs_art_put(f->st, src, &m, &f->a, &r), 0);
    assert_int_equal(r.version, 4);
    assert_int_equal(count_blobs(f), before);
    /* bad input names what is wrong */
    m.name = "bad name";
    assert_int_equal(bs_art_put(f->st, src, &m, &f->a, NULL), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "bad name"));
    m.name = "x";
    assert_int_equal(bs_art_put(f->st, "/nonexistent/file", &m, &f->a, NULL), BS_ENOTFOUND);
    assert_int_equal(bs_art_resolve(f->st, "real@99", &f->a, &r), BS_ENOTFOUND);
    assert_int_equal(bs_art_resolve(f->st, "real@x", &f->a, &r), BS_EINVAL);
}

static void test_tree_roundtrip(void **state)
{
    fx *f = *state;
    const char *sd = shared();
    if (!sd)
        skip();
    /* a real FINN output directory, plus modes, a symlink and an empty dir */
    char *src = tpath(f, "tree");
    char *oracle = bs_arena_sprintf(&f->a, "%s/finn_oracle/tfc_w2a2_fps", sd);
    assert_true(bs_is_dir(oracle));
    assert_int_equal(bs_mkdir_p(src), 0);
    char *sub = bs_path_join(src, "oracle");
    assert_int_equal(bs_mkdir_p(sub), 0);
    DIR *d = opendir(oracle);
    struct dirent *de;
    while ((de = readdir(d))) {
        char *p = bs_path_join(oracle, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            char *q = bs_path_join(sub, de->d_name);
            assert_int_equal(bs_copy_file(p, q), 0);
            chmod(q, 0644);
            free(q);
        }
        free(p);
    }
    closedir(d);
    free(sub);
    write_text(tpath(f, "tree/run.sh"), "#!/bin/sh\necho hi\n");
    chmod(tpath(f, "tree/run.sh"), 0755);
    assert_int_equal(mkdir(tpath(f, "tree/empty"), 0700), 0);
    assert_int_equal(symlink("run.sh", tpath(f, "tree/link")), 0);
    bs_art_meta m = {.name = "tree", .step = "step_x"};
    bs_art_record r;
    assert_int_equal(bs_art_put(f->st, src, &m, &f->a, &r), 0);
    assert_true(r.is_tree);
    assert_string_equal(r.kind, "dir");
    char *out = tpath(f, "tree-out");
    assert_int_equal(bs_art_get(f->st, "tree", out, &f->a, NULL), 0);
    assert_true(same_tree(src, out));
    /* same content again -> same tree digest */
    bs_art_record r2;
    assert_int_equal(bs_art_put(f->st, src, &m, &f->a, &r2), 0);
    assert_string_equal(r.digest, r2.digest);
    /* a non-empty destination is refused, nothing written */
    assert_int_equal(bs_art_get(f->st, "tree", out, &f->a, NULL), BS_EEXISTS);
}

/* ---- verify ---- */

static void test_verify_flipped_byte(void **state)
{
    fx *f = *state;
    char *src = tpath(f, "data.txt");
    bs_strbuf sb = BS_STRBUF_INIT;
    for (int i = 0; i < 20000; i++)
        bs_strbuf_printf(&sb, "line %d of a report that compresses well\n", i);
    assert_int_equal(bs_write_file_atomic(src, sb.buf, sb.len), 0);
    bs_strbuf_free(&sb);
    bs_art_meta m = {.name = "victim"};
    bs_art_record r;
    assert_int_equal(bs_art_put(f->st, src, &m, &f->a, &r), 0);
    bs_verify_problem *p;
    int np = -1, nc = 0;
    assert_int_equal(bs_art_verify(f->st, &f->a, &p, &np, &nc), 0);
    assert_int_equal(np, 0);
    assert_int_equal(nc, 1);
    /* flip one byte in the middle of the stored blob */
    char *blob = bs_arena_sprintf(&f->a, "%s/ws/cas/%.2s/%s", f->dir, r.digest, r.digest + 2);
    chmod(blob, 0644);
    int fd = open(blob, O_RDWR);
    assert_true(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    off_t off = st.st_size / 2;
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x01;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
    assert_int_equal(bs_art_verify(f->st, &f->a, &p, &np, &nc), 0);
    assert_int_equal(np, 1);
    assert_string_equal(p[0].what, "corrupt");
    assert_string_equal(p[0].digest, r.digest);
    assert_string_equal(p[0].artifact, "victim@1");
    /* get refuses to hand out corrupt content and writes nothing */
    char *out = tpath(f, "victim.out");
    assert_int_equal(bs_art_get(f->st, "victim", out, &f->a, NULL), BS_ECORRUPT);
    assert_false(bs_path_exists(out));
    /* a missing blob is reported too */
    unlink(blob);
    assert_int_equal(bs_art_verify(f->st, &f->a, &p, &np, &nc), 0);
    assert_int_equal(np, 1);
    assert_string_equal(p[0].what, "missing");
}

/* ---- retention ---- */

/* Puts name@1..n with distinct contents, builds b-<name>-<v>, created
 * timestamps 1 hour apart (oldest first). */
static void put_versions(fx *f, const char *name, int n, int size)
{
    for (int v = 1; v <= n; v++) {
        char *p = tpath(f, "payload");
        char *text = bs_arena_alloc(&f->a, (size_t)size + 64);
        int k = snprintf(text, 64, "%s v%d ", name, v);
        memset(text + k, 'a' + v % 26, (size_t)(size - k));
        text[size] = '\0';
        write_text(p, text);
        bs_art_meta m = {.name = name, .build_id = bs_arena_sprintf(&f->a, "b-%s-%d", name, v)};
        bs_art_record r;
        assert_int_equal(bs_art_put(f->st, p, &m, &f->a, &r), 0);
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE artifacts SET created_ms = %lld WHERE id = %lld",
                 (long long)(bs_now_ms() - (int64_t)(n - v + 1) * 3600 * 1000), (long long)r.id);
        assert_int_equal(bs_db_exec(f->ws->db, sql), 0);
    }
}

/* "name@v,name@v,..." of the artifacts left, oldest version first. */
static const char *kept(fx *f, const char *name)
{
    bs_art_filter q = {.name = name, .sort = "oldest"};
    bs_art_record *v;
    int n;
    assert_int_equal(bs_art_query(f->st, &q, &f->a, &v, &n), 0);
    bs_strbuf sb = BS_STRBUF_INIT;
    for (int i = 0; i < n; i++)
        bs_strbuf_printf(&sb, "%s%d", i ? "," : "", v[i].version);
    char *s = bs_arena_strdup(&f->a, sb.buf ? sb.buf : "");
    bs_strbuf_free(&sb);
    return s;
}

static void gc(fx *f, bs_gc_report *r)
{
    assert_int_equal(bs_art_gc(f->st, false, &f->a, r), 0);
}

/* The metrics table as the metrics module creates it (scope '' = whole
 * build); its API is not on main yet, so the test makes it with SQL. */
static void metrics_table(fx *f)
{
    assert_int_equal(bs_db_exec(f->ws->db,
                                "CREATE TABLE IF NOT EXISTS metric_values(build_id TEXT NOT NULL,"
                                " metric TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', value REAL,"
                                " PRIMARY KEY(build_id, metric, scope)) WITHOUT ROWID"),
                     0);
}

static void metric(fx *f, const char *build, const char *m, const char *scope, double v)
{
    char *sql = bs_arena_sprintf(&f->a, "INSERT OR REPLACE INTO metric_values VALUES('%s','%s','%s',%.17g)",
                                 build, m, scope, v);
    assert_int_equal(bs_db_exec(f->ws->db, sql), 0);
}

static void test_retention_policies(void **state)
{
    fx *f = *state;
    bs_gc_report r;
    /* no policy: everything kept */
    put_versions(f, "last", 5, 3000);
    gc(f, &r);
    assert_string_equal(kept(f, "last"), "1,2,3,4,5");

    /* last N */
    bs_art_policy p = {.scope = "last", .kind = BS_POL_LAST, .n = 2};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    bs_gc_report dry;
    assert_int_equal(bs_art_gc(f->st, true, &f->a, &dry), 0);
    assert_int_equal(dry.artifacts_dropped, 3);
    assert_string_equal(kept(f, "last"), "1,2,3,4,5"); /* dry run changed nothing */
    gc(f, &r);
    assert_int_equal(r.artifacts_dropped, 3);
    assert_int_equal(r.blobs_removed, 3);
    assert_string_equal(kept(f, "last"), "4,5");
    /* versions are never reused after a drop */
    put_versions(f, "last", 0, 10);
    char *pp = tpath(f, "p6");
    write_text(pp, "new");
    bs_art_record rec;
    assert_int_equal(bs_art_put(f->st, pp, &(bs_art_meta){.name = "last"}, &f->a, &rec), 0);
    assert_int_equal(rec.version, 6);

    /* max age: versions created 1..6 hours ago; keep younger than 3.5 h */
    put_versions(f, "aged", 6, 3000);
    p = (bs_art_policy){.scope = "aged", .kind = BS_POL_AGE, .age_ms = 3600 * 3500};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    gc(f, &r);
    assert_string_equal(kept(f, "aged"), "4,5,6");

    /* best K by a metric (lower is better), versions without a value not kept */
    metrics_table(f);
    put_versions(f, "best", 5, 3000);
    const double lut[] = {0, 900, 300, 700, 100}; /* v1: no metric */
    for (int v = 2; v <= 5; v++)
        metric(f, bs_arena_sprintf(&f->a, "b-best-%d", v), "resources.lut", "", lut[v - 1]);
    metric(f, "b-best-1", "resources.lut", "MVAU_0", 1); /* a per-layer value: not the design's */
    p = (bs_art_policy){.scope = "best", .kind = BS_POL_BEST, .n = 2, .metric = "resources.lut"};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    gc(f, &r);
    assert_string_equal(kept(f, "best"), "3,5");
    /* higher is better */
    put_versions(f, "fast", 4, 3000);
    for (int v = 1; v <= 4; v++)
        metric(f, bs_arena_sprintf(&f->a, "b-fast-%d", v), "throughput_fps", "", v == 2 ? 9e6 : v);
    p = (bs_art_policy){.scope = "fast", .kind = BS_POL_BEST, .n = 1, .metric = "throughput_fps",
                        .higher_better = true};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    gc(f, &r);
    assert_string_equal(kept(f, "fast"), "2");

    /* byte cap: 4 x 3000 bytes, cap 7000 -> the two newest */
    put_versions(f, "capped", 4, 3000);
    p = (bs_art_policy){.scope = "capped", .kind = BS_POL_BYTES, .n = 7000};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    gc(f, &r);
    assert_string_equal(kept(f, "capped"), "3,4");

    /* pin policy beats the workspace rule; a manual pin beats everything */
    put_versions(f, "forever", 3, 3000);
    put_versions(f, "other", 3, 3000);
    p = (bs_art_policy){.scope = "*", .kind = BS_POL_LAST, .n = 1};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    p = (bs_art_policy){.scope = "forever", .kind = BS_POL_PIN};
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    int cnt = 0;
    assert_int_equal(bs_art_pin(f->st, "other@1", true, &cnt), 0);
    assert_int_equal(cnt, 1);
    gc(f, &r);
    assert_string_equal(kept(f, "forever"), "1,2,3");
    assert_string_equal(kept(f, "other"), "1,3");
    /* the named policies above still rule their names, not the "*" one */
    assert_string_equal(kept(f, "last"), "5,6");
    assert_string_equal(kept(f, "aged"), "4,5,6");
    /* unpin -> dropped at the next gc */
    assert_int_equal(bs_art_pin(f->st, "other@1", false, &cnt), 0);
    gc(f, &r);
    assert_string_equal(kept(f, "other"), "3");
    /* a best policy without the metrics table refuses instead of dropping */
    assert_int_equal(bs_db_exec(f->ws->db, "DROP TABLE metric_values"), 0);
    bs_art_close(f->st);
    assert_int_equal(bs_art_open(f->ws, &(bs_art_opts){.grace_ms = -1}, &f->st), 0);
    assert_int_equal(bs_art_gc(f->st, false, &f->a, &r), BS_ENOTFOUND);
    assert_string_equal(kept(f, "best"), "3,5");
    /* nothing the index still names was swept */
    bs_verify_problem *vp;
    int np;
    assert_int_equal(bs_art_verify(f->st, &f->a, &vp, &np, NULL), 0);
    assert_int_equal(np, 0);
}

/* ---- gc against a reader in another process ---- */

static void test_gc_vs_reader(void **state)
{
    fx *f = *state;
    char *src = tpath(f, "held.bin");
    bs_strbuf sb = BS_STRBUF_INIT;
    for (int i = 0; i < 50000; i++)
        bs_strbuf_printf(&sb, "%08x", (unsigned)(i * 2654435761u));
    assert_int_equal(bs_write_file_atomic(src, sb.buf, sb.len), 0);
    bs_strbuf_free(&sb);
    bs_art_record r;
    assert_int_equal(bs_art_put(f->st, src, &(bs_art_meta){.name = "held"}, &f->a, &r), 0);

    int to_child[2], to_parent[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The reader: its own connection, takes a lease, waits, then reads. */
        bs_workspace *ws;
        bs_art_store *st;
        bs_arena a;
        bs_arena_init(&a, 0);
        char *home = bs_path_join(f->dir, "ws");
        if (bs_workspace_open(home, false, &ws) || bs_art_open(ws, NULL, &st))
            _exit(10);
        int64_t lease;
        if (bs_art_lease(st, r.digest, 0, 0, "test reader", &lease))
            _exit(11);
        char c = 'L';
        if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(12);
        char *out = bs_path_join(f->dir, "held.out");
        int rc = bs_cas_materialise(st, r.digest, out);
        bs_art_lease_release(st, lease);
        _exit(rc ? 13 : same_file(src, out) ? 0 : 14);
    }
    char c;
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    /* Drop the artifact by policy and collect with no grace: the blob must stay. */
    bs_art_policy p = {.scope = "held", .kind = BS_POL_AGE, .age_ms = 1};
    bs_art_record r2;
    bs_sleep_ms(5);
    char *src2 = tpath(f, "other.bin");
    write_text(src2, "unrelated");
    assert_int_equal(bs_art_put(f->st, src2, &(bs_art_meta){.name = "other"}, &f->a, &r2), 0);
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    bs_gc_report g;
    gc(f, &g);
    /* the held artifact survives retention while leased, and so does its blob */
    assert_int_equal(g.artifacts_dropped, 0);
    assert_int_equal(g.blobs_removed, 0);
    assert_true(bs_cas_has(f->st, r.digest));
    assert_int_equal(write(to_child[1], "g", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* reader gone (lease released) -> the next gc drops it and frees the blob */
    gc(f, &g);
    assert_int_equal(g.artifacts_dropped, 1);
    assert_int_equal(g.blobs_removed, 1);
    assert_false(bs_cas_has(f->st, r.digest));
    assert_true(bs_cas_has(f->st, r2.digest));

    /* a lease of a reader killed with -9 is pruned as dead */
    assert_int_equal(bs_art_put(f->st, src, &(bs_art_meta){.name = "held2"}, &f->a, &r), 0);
    pid = fork();
    if (pid == 0) {
        bs_workspace *ws;
        bs_art_store *st;
        char *home = bs_path_join(f->dir, "ws");
        if (bs_workspace_open(home, false, &ws) || bs_art_open(ws, NULL, &st) ||
            bs_art_lease(st, r.digest, 0, 0, "killed", NULL))
            _exit(10);
        c = 'L';
        if (write(to_parent[1], &c, 1) != 1)
            _exit(12);
        pause();
        _exit(0);
    }
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    p.scope = "held2";
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    bs_sleep_ms(5);
    gc(f, &g);
    assert_true(bs_cas_has(f->st, r.digest)); /* still held */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    gc(f, &g);
    assert_int_equal(g.leases_pruned, 1);
    assert_false(bs_cas_has(f->st, r.digest));

    /* a lease on a blob nothing indexes keeps it too (no grace needed) */
    char raw[65];
    int64_t lid;
    assert_int_equal(bs_cas_put_buf(f->st, "raw blob", 8, raw), 0);
    assert_int_equal(bs_art_lease(f->st, raw, 0, 0, "raw", &lid), 0);
    gc(f, &g);
    assert_true(bs_cas_has(f->st, raw));
    assert_int_equal(bs_art_lease_release(f->st, lid), 0);
    gc(f, &g);
    assert_false(bs_cas_has(f->st, raw));
    assert_int_equal(bs_art_lease(f->st, raw, 0, 0, "gone", &lid), BS_ENOTFOUND);

    /* a task lease lives while the task is queued/running (tasks table) */
    assert_int_equal(bs_db_exec(f->ws->db, "CREATE TABLE tasks(id INTEGER PRIMARY KEY, state TEXT);"
                                           "INSERT INTO tasks VALUES(7, 'running')"), 0);
    assert_int_equal(bs_art_put(f->st, src, &(bs_art_meta){.name = "held3"}, &f->a, &r), 0);
    assert_int_equal(bs_art_lease(f->st, r.digest, 7, 0, "task 7 input", NULL), 0);
    p.scope = "held3";
    assert_int_equal(bs_art_policy_set(f->st, &p), 0);
    bs_sleep_ms(5);
    gc(f, &g);
    assert_true(bs_cas_has(f->st, r.digest));
    assert_int_equal(bs_db_exec(f->ws->db, "UPDATE tasks SET state='succeeded' WHERE id=7"), 0);
    gc(f, &g);
    assert_false(bs_cas_has(f->st, r.digest));
    /* grace: an unreferenced blob younger than the grace period survives */
    bs_art_store *graced;
    assert_int_equal(bs_art_open(f->ws, NULL, &graced), 0);
    assert_int_equal(bs_cas_put_buf(graced, "young blob", 10, raw), 0);
    assert_int_equal(bs_art_gc(graced, false, &f->a, &g), 0);
    assert_int_equal(g.blobs_young, 1);
    assert_true(bs_cas_has(f->st, raw));
    bs_art_close(graced);
    gc(f, &g); /* no grace */
    assert_false(bs_cas_has(f->st, raw));
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
}

/* ---- queries ---- */

static void test_where(void **state)
{
    fx *f = *state;
    metrics_table(f);
    const char *plats[] = {"Pynq-Z1", "ZCU104", "Pynq-Z1"};
    const double luts[] = {25000, 12000, 18000};
    for (int i = 0; i < 3; i++) {
        char *p = tpath(f, "w.json");
        write_text(p, bs_arena_sprintf(&f->a, "{\"run\": %d}", i));
        const char *tags[] = {i == 2 ? "release" : "nightly"};
        bs_art_meta m = {.name = "rep", .build_id = bs_arena_sprintf(&f->a, "b%d", i),
                         .platform = plats[i], .step = "step_hw", .tags = tags, .ntags = 1};
        assert_int_equal(bs_art_put(f->st, p, &m, &f->a, NULL), 0);
        metric(f, m.build_id, "resources.lut", "", luts[i]);
        metric(f, m.build_id, "resources.lut", "MVAU_0", luts[i] / 10);
    }
    struct { const char *where; const char *want; } cases[] = {
        {"resources.lut<20000", "3,2"},
        {"resources.lut < 20k and platform=Pynq-Z1", "3"},
        {"resources.lut@MVAU_0>=1800", "3,1"},
        {"tag=release or platform = 'ZCU104'", "3,2"},
        {"not (tag~'night*')", "3"},
        {"version>=2, kind=report", "3,2"},
        {"age<1h and size<1Ki", "3,2,1"},
        {"m:resources.lut>100000", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bs_art_filter q = {.where = cases[i].where};
        bs_art_record *v;
        int n;
        assert_int_equal(bs_art_query(f->st, &q, &f->a, &v, &n), 0);
        bs_strbuf sb = BS_STRBUF_INIT;
        for (int k = 0; k < n; k++)
            bs_strbuf_printf(&sb, "%s%d", k ? "," : "", v[k].version);
        if (strcmp(sb.buf ? sb.buf : "", cases[i].want))
            fail_msg("--where '%s': got '%s', want '%s'", cases[i].where, sb.buf ? sb.buf : "",
                     cases[i].want);
        bs_strbuf_free(&sb);
    }
    /* best first by a metric */
    bs_art_filter q = {.sort = "resources.lut"};
    bs_art_record *v;
    int n;
    assert_int_equal(bs_art_query(f->st, &q, &f->a, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].version, 2);
    assert_true(v[0].sort_value == 12000);
    q.sort = "-resources.lut";
    assert_int_equal(bs_art_query(f->st, &q, &f->a, &v, &n), 0);
    assert_int_equal(v[0].version, 1);
    /* errors say where */
    const char *bad[] = {"resources.lut <", "platform < 3", "(a=1", "a=1 b=2", "size<abc", "'x'=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        q = (bs_art_filter){.where = bad[i]};
        assert_int_equal(bs_art_query(f->st, &q, &f->a, &v, &n), BS_EPARSE);
        assert_non_null(strstr(bs_error_msg(), "column"));
    }
    /* injection attempts stay data */
    q = (bs_art_filter){.where = "platform=\"x' OR 1=1 --\""};
    assert_int_equal(bs_art_query(f->st, &q, &f->a, &v, &n), 0);
    assert_int_equal(n, 0);
}

/* ---- step cache ---- */

static void test_cache(void **state)
{
    fx *f = *state;
    const char *inputs[] = {"model=1111111111111111111111111111111111111111111111111111111111111111"};
    const char *tools[] = {"yosys=0.27", "verilator=5.006"};
    const char *tools_swapped[] = {"verilator=5.006", "yosys=0.27"};
    const char *tools_new[] = {"yosys=0.28", "verilator=5.006"};
    bs_cache_key_in in = {.step = "step_synth", .inputs = inputs, .ninputs = 1,
                          .config_json = "{\"clk\": 10, \"board\": {\"name\": \"Pynq-Z1\", \"slr\": 0}}",
                          .tools = tools, .ntools = 2, .bs_version = "1.0"};
    char k1[65], k2[65], k3[65], k4[65], k5[65];
    assert_int_equal(bs_cache_key(&in, k1), 0);
    /* key order in the config and tool order do not matter */
    bs_cache_key_in in2 = in;
    in2.config_json = "{\"board\":{\"slr\":0,\"name\":\"Pynq-Z1\"},\"clk\":10}";
    in2.tools = tools_swapped;
    assert_int_equal(bs_cache_key(&in2, k2), 0);
    assert_string_equal(k1, k2);
    /* a changed tool version, config value or brainsmith version misses */
    in2 = in;
    in2.tools = tools_new;
    assert_int_equal(bs_cache_key(&in2, k3), 0);
    assert_string_not_equal(k1, k3);
    in2 = in;
    in2.config_json = "{\"clk\": 5, \"board\": {\"name\": \"Pynq-Z1\", \"slr\": 0}}";
    assert_int_equal(bs_cache_key(&in2, k4), 0);
    assert_string_not_equal(k1, k4);
    in2 = in;
    in2.bs_version = NULL; /* BS_VERSION */
    assert_int_equal(bs_cache_key(&in2, k5), 0);
    assert_string_not_equal(k1, k5);
    in2.config_json = "{bad";
    assert_int_equal(bs_cache_key(&in2, k5), BS_EPARSE);

    /* a step's outputs */
    char *out = tpath(f, "step-out");
    assert_int_equal(bs_mkdir_p(tpath(f, "step-out/report")), 0);
    write_text(tpath(f, "step-out/report/estimate.json"), "{\"LUT\": 1234}\n");
    write_text(tpath(f, "step-out/design.v"), "module top(); endmodule\n");
    chmod(tpath(f, "step-out/design.v"), 0600);
    bs_art_record r;
    assert_int_equal(bs_cache_lookup(f->st, k1, &f->a, &r), BS_ENOTFOUND);
    assert_int_equal(bs_cache_store(f->st, k1, "step_synth", out,
                                     &(bs_art_meta){.build_id = "b1", .task_id = 3}, &f->a, &r), 0);
    assert_string_equal(r.name, "step/step_synth");
    assert_string_equal(r.kind, "cache");
    /* storing the same outputs again adds no version */
    bs_art_record again;
    assert_int_equal(bs_cache_store(f->st, k1, "step_synth", out, NULL, &f->a, &again), 0);
    assert_int_equal(again.id, r.id);
    /* hit: byte-identical (contents and modes) */
    char *dest = tpath(f, "restored");
    assert_int_equal(bs_cache_restore(f->st, k1, dest, &f->a, &r), 0);
    assert_true(same_tree(out, dest));
    /* miss with a changed tool version: nothing written */
    char *dest2 = tpath(f, "restored2");
    assert_int_equal(bs_cache_restore(f->st, k3, dest2, &f->a, &r), BS_ENOTFOUND);
    assert_false(bs_path_exists(dest2));
    /* a hit whose blobs were lost is a miss, not an error */
    bs_art_record hit;
    assert_int_equal(bs_cache_lookup(f->st, k1, &f->a, &hit), 0);
    char *est = bs_arena_sprintf(&f->a, "%s/ws/cas", f->dir);
    char hex[65];
    assert_int_equal(bs_sha256_file_hex(tpath(f, "step-out/design.v"), hex), 0);
    char *blob = bs_arena_sprintf(&f->a, "%s/%.2s/%s", est, hex, hex + 2);
    assert_int_equal(unlink(blob), 0);
    assert_int_equal(bs_cache_lookup(f->st, k1, &f->a, &hit), BS_ENOTFOUND);
}

/* internal: records a manifest blob as a tree (lib/artifacts/art_int.h) */
int art_index_tree(bs_art_store *s, const char *tree, int64_t size, const char *const *blobs,
                   int nblobs);

static void test_hostile_manifest(void **state)
{
    fx *f = *state;
    char blob[65], tree[65];
    assert_int_equal(bs_cas_put_buf(f->st, "pwned\n", 6, blob), 0);
    char *outside = tpath(f, "escaped");
    const char *evil[] = {
        "{\"path\":\"../escaped\",\"type\":\"file\",\"digest\":\"%s\",\"size\":6,\"mode\":420}",
        "{\"path\":\"/tmp/escaped\",\"type\":\"file\",\"digest\":\"%s\",\"size\":6,\"mode\":420}",
        "{\"path\":\"a/../../escaped\",\"type\":\"file\",\"digest\":\"%s\",\"size\":6,\"mode\":420}",
    };
    for (size_t i = 0; i < sizeof evil / sizeof *evil; i++) {
        char *entry = bs_arena_sprintf(&f->a, evil[i], blob);
        char *m = bs_arena_sprintf(&f->a, "{\"brainsmith_manifest\":1,\"size\":6,\"entries\":[%s]}",
                                   entry);
        assert_int_equal(bs_cas_put_buf(f->st, m, strlen(m), tree), 0);
        const char *b[] = {blob};
        assert_int_equal(art_index_tree(f->st, tree, 6, b, 1), 0);
        char *dest = tpath(f, bs_arena_sprintf(&f->a, "dest%zu", i));
        assert_int_not_equal(bs_cas_materialise(f->st, tree, dest), 0);
        assert_false(bs_path_exists(outside));
        assert_false(bs_path_exists(dest)); /* nothing half-built left */
    }
    /* a symlink pointing outside plus a file "through" it */
    char *m = bs_arena_sprintf(&f->a,
        "{\"brainsmith_manifest\":1,\"size\":6,\"entries\":["
        "{\"path\":\"ln\",\"type\":\"symlink\",\"target\":\"%s\"},"
        "{\"path\":\"ln/escaped\",\"type\":\"file\",\"digest\":\"%s\",\"size\":6,\"mode\":420}]}",
        f->dir, blob);
    assert_int_equal(bs_cas_put_buf(f->st, m, strlen(m), tree), 0);
    const char *b[] = {blob};
    assert_int_equal(art_index_tree(f->st, tree, 6, b, 1), 0);
    assert_int_not_equal(bs_cas_materialise(f->st, tree, tpath(f, "dest-ln")), 0);
    assert_false(bs_path_exists(outside));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_flipped_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gc_vs_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_where, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_manifest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
