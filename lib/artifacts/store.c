/* store.c - the artifact index: schema, the gc lock, put (queries: query.c).
 *
 * Every artifact is a row (name, version) -> digest plus the metadata the
 * issue asks for.  Versions come from artifact_names.last_version, which is
 * never decremented, so a version number is never reused even after gc
 * dropped the newest row: "name@3" means one content forever. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "art_int.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

static const bs_migration art_migrations[] = {
    {1,
     "CREATE TABLE artifact_names(name TEXT PRIMARY KEY, last_version INTEGER NOT NULL)"
     " WITHOUT ROWID;"
     "CREATE TABLE artifacts("
     " id INTEGER PRIMARY KEY,"
     " name TEXT NOT NULL, version INTEGER NOT NULL,"
     " digest TEXT NOT NULL, is_tree INTEGER NOT NULL DEFAULT 0,"
     " size INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL,"
     " build_id TEXT, task_id INTEGER, step TEXT, model_digest TEXT, platform TEXT,"
     " config_digest TEXT, cache_key TEXT,"
     " created_ms INTEGER NOT NULL, pinned INTEGER NOT NULL DEFAULT 0,"
     " UNIQUE(name, version));"
     "CREATE INDEX artifacts_digest ON artifacts(digest);"
     "CREATE INDEX artifacts_build ON artifacts(build_id);"
     "CREATE INDEX artifacts_cache ON artifacts(cache_key);"
     "CREATE INDEX artifacts_created ON artifacts(created_ms);"
     "CREATE TABLE artifact_tags(artifact_id INTEGER NOT NULL"
     " REFERENCES artifacts(id) ON DELETE CASCADE, tag TEXT NOT NULL,"
     " PRIMARY KEY(artifact_id, tag)) WITHOUT ROWID;"
     "CREATE INDEX artifact_tags_tag ON artifact_tags(tag);"
     "CREATE TABLE cas_trees(digest TEXT PRIMARY KEY, size INTEGER NOT NULL,"
     " nblobs INTEGER NOT NULL, created_ms INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE cas_tree_refs(tree TEXT NOT NULL, blob TEXT NOT NULL,"
     " PRIMARY KEY(tree, blob)) WITHOUT ROWID;"
     "CREATE TABLE artifact_leases(id INTEGER PRIMARY KEY, digest TEXT NOT NULL,"
     " pid INTEGER NOT NULL DEFAULT 0, pid_start INTEGER NOT NULL DEFAULT 0,"
     " task_id INTEGER NOT NULL DEFAULT 0, expires_ms INTEGER NOT NULL DEFAULT 0,"
     " note TEXT, created_ms INTEGER NOT NULL);"
     "CREATE INDEX artifact_leases_task ON artifact_leases(task_id);"
     "CREATE TABLE artifact_policies(id INTEGER PRIMARY KEY, scope TEXT NOT NULL,"
     " kind TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0, age_ms INTEGER NOT NULL DEFAULT 0,"
     " metric TEXT, higher_better INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
     " UNIQUE(scope, kind));"},
};

int bs_art_open(bs_workspace *ws, const bs_art_opts *opts, bs_art_store **out)
{
    int rc = bs_db_migrate(ws->db, "artifacts", art_migrations,
                           (int)(sizeof art_migrations / sizeof *art_migrations));
    if (rc)
        return bs_error_wrap(rc, "artifacts: ");
    bs_art_store *s = calloc(1, sizeof *s);
    if (!s)
        return bs_error_set(BS_ENOMEM, "artifacts: open");
    s->ws = ws;
    s->db = ws->db;
    s->lock_fd = -1;
    s->level = opts && opts->zstd_level ? opts->zstd_level : 3;
    s->grace_ms = !opts || opts->grace_ms == 0 ? 10 * 60 * 1000
                  : opts->grace_ms < 0 ? 0 : opts->grace_ms;
    s->cas = bs_workspace_path(ws, "cas");
    s->tmp = s->cas ? bs_path_join(s->cas, "tmp") : NULL;
    s->lock_path = s->cas ? bs_path_join(s->cas, "lock") : NULL;
    if (!s->cas || !s->tmp || !s->lock_path) {
        bs_art_close(s);
        return bs_error_set(BS_ENOMEM, "artifacts: open");
    }
    if ((rc = bs_mkdir_p(s->tmp))) {
        bs_art_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void bs_art_close(bs_art_store *s)
{
    if (!s)
        return;
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->cas);
    free(s->tmp);
    free(s->lock_path);
    free(s);
}

bs_workspace *bs_art_ws(bs_art_store *s) { return s->ws; }

/* ---- the gc lock ---- */

static int lock_open(bs_art_store *s)
{
    if (s->lock_fd >= 0)
        return 0;
    s->lock_fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        return bs_error_set(BS_EIO, "artifacts: open %s: %s", s->lock_path, strerror(errno));
    return 0;
}

static int lock_op(bs_art_store *s, int op)
{
    int rc = lock_open(s);
    if (rc)
        return rc;
    while (flock(s->lock_fd, op) != 0) {
        if (errno != EINTR)
            return bs_error_set(BS_EIO, "artifacts: flock %s: %s", s->lock_path, strerror(errno));
    }
    return 0;
}

int art_lock_shared(bs_art_store *s)
{
    if (s->lock_depth > 0) {
        s->lock_depth++;
        return 0;
    }
    int rc = lock_op(s, LOCK_SH);
    if (rc == 0)
        s->lock_depth = 1;
    return rc;
}

void art_unlock_shared(bs_art_store *s)
{
    if (s->lock_depth > 0 && --s->lock_depth == 0)
        flock(s->lock_fd, LOCK_UN);
}

int art_lock_excl(bs_art_store *s)
{
    if (s->lock_depth > 0)
        return bs_error_set(BS_ESTATE, "artifacts: gc inside a reference-taking operation");
    return lock_op(s, LOCK_EX);
}

void art_unlock_excl(bs_art_store *s) { flock(s->lock_fd, LOCK_UN); }

/* ---- helpers ---- */

int art_metric_view(bs_art_store *s)
{
    if (s->metric_view)
        return 0;
    if (!art_table_exists(s, "metric_values"))
        return BS_ENOTFOUND;
    /* The metrics module names the per-layer column `scope` ('' = whole
     * design); the documented minimal shape calls it `layer` (NULL = whole
     * design).  Either way this view presents `layer` with NULL for the
     * whole design.  It is TEMP: it lives on this connection only. */
    bool has_layer = false;
    sqlite3_stmt *st;
    if (bs_db_prepare(s->db, "SELECT 1 FROM pragma_table_info('metric_values') WHERE name='layer'",
                      &st) == 0) {
        has_layer = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    int rc = bs_db_exec(s->db, has_layer
        ? "CREATE TEMP VIEW IF NOT EXISTS art_metric_v AS SELECT build_id, metric, "
          "NULLIF(layer, '') AS layer, value FROM main.metric_values"
        : "CREATE TEMP VIEW IF NOT EXISTS art_metric_v AS SELECT build_id, metric, "
          "NULLIF(scope, '') AS layer, value FROM main.metric_values");
    if (rc == 0)
        s->metric_view = true;
    return rc;
}

bool art_glob(const char *pat, const char *s)
{
    return fnmatch(pat, s, 0) == 0;
}

bool art_table_exists(bs_art_store *s, const char *table)
{
    sqlite3_stmt *st;
    if (bs_db_prepare(s->db, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name=?",
                      &st))
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

const char *art_col_str(sqlite3_stmt *st, int i, bs_arena *a)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? bs_arena_strdup(a, (const char *)t) : NULL;
}

void art_row(sqlite3_stmt *st, bs_arena *a, bs_art_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->name = art_col_str(st, 1, a);
    r->version = sqlite3_column_int(st, 2);
    const unsigned char *d = sqlite3_column_text(st, 3);
    snprintf(r->digest, sizeof r->digest, "%s", d ? (const char *)d : "");
    r->is_tree = sqlite3_column_int(st, 4) != 0;
    r->size = sqlite3_column_int64(st, 5);
    r->kind = art_col_str(st, 6, a);
    r->build_id = art_col_str(st, 7, a);
    r->task_id = sqlite3_column_int64(st, 8);
    r->step = art_col_str(st, 9, a);
    r->model_digest = art_col_str(st, 10, a);
    r->platform = art_col_str(st, 11, a);
    r->config_digest = art_col_str(st, 12, a);
    r->cache_key = art_col_str(st, 13, a);
    r->created_ms = sqlite3_column_int64(st, 14);
    r->pinned = sqlite3_column_int(st, 15) != 0;
    r->sort_value = NAN;
}

int art_load_tags(bs_art_store *s, bs_arena *a, bs_art_record *r)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT tag FROM artifact_tags WHERE artifact_id=? ORDER BY tag",
                           &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, r->id);
    int n = 0, cap = 0;
    const char **v = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            int nc = cap ? cap * 2 : 4;
            const char **nv = bs_arena_alloc(a, sizeof *nv * (size_t)nc);
            if (!nv) {
                sqlite3_finalize(st);
                return bs_error_set(BS_ENOMEM, "artifacts: tags");
            }
            if (n)
                memcpy(nv, v, sizeof *nv * (size_t)n);
            v = nv;
            cap = nc;
        }
        v[n++] = art_col_str(st, 0, a);
    }
    sqlite3_finalize(st);
    r->tags = v;
    r->ntags = n;
    return 0;
}

int art_check_name(const char *name)
{
    if (!name || !*name)
        return bs_error_set(BS_EINVAL, "artifacts: a name is required");
    size_t n = strlen(name);
    if (n > 200)
        return bs_error_set(BS_EINVAL, "artifacts: name '%.40s...' is longer than 200 chars", name);
    for (const char *c = name; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || strchr("._:/+-", *c);
        if (!ok)
            return bs_error_set(BS_EINVAL,
                                "artifacts: name '%s': character '%c' not allowed "
                                "(use letters, digits and . _ : / + -)",
                                name, *c);
    }
    if (name[0] == '/' || name[0] == '-' || strstr(name, ".."))
        return bs_error_set(BS_EINVAL, "artifacts: name '%s' may not start with '/' or '-' "
                            "or contain '..'", name);
    return 0;
}

static int check_tag(const char *t)
{
    if (!t || !*t || strlen(t) > 100 || strpbrk(t, " \t\n,@"))
        return bs_error_set(BS_EINVAL, "artifacts: tag '%s' must be 1-100 characters "
                            "without spaces, ',' or '@'", t ? t : "");
    return 0;
}

/* Kind from the file name, for puts that do not say. */
static const char *guess_kind(const char *path, bool is_dir)
{
    static const struct { const char *ext, *kind; } tab[] = {
        {".onnx", "model"}, {".json", "report"}, {".rpt", "report"}, {".xml", "report"},
        {".log", "log"},    {".v", "rtl"},       {".sv", "rtl"},      {".vhd", "rtl"},
        {".bit", "bitstream"}, {".bin", "bitstream"}, {".asc", "bitstream"},
        {".xclbin", "bitstream"}, {".npy", "data"},
    };
    if (is_dir)
        return "dir";
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof tab / sizeof *tab; i++)
        if (!strcmp(dot, tab[i].ext))
            return tab[i].kind;
    return "file";
}

static int fetch_by_id(bs_art_store *s, int64_t id, bs_arena *a, bs_art_record *out)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(s->db, "SELECT " ART_COLS " FROM artifacts a WHERE a.id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        art_row(st, a, out);
    else
        rc = bs_error_set(BS_ENOTFOUND, "artifacts: no artifact with id %lld", (long long)id);
    sqlite3_finalize(st);
    return rc ? rc : art_load_tags(s, a, out);
}

/* Inserts the index row for a stored digest (caller holds the shared lock). */
static int index_insert(bs_art_store *s, const char *digest, bool is_tree, int64_t size,
                        const char *kind, const bs_art_meta *m, int64_t created_ms,
                        int want_version, int *version_out, int64_t *id_out)
{
    int rc = bs_db_begin(s->db);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    int version = 0;
    rc = bs_db_prepare(s->db,
                       "INSERT INTO artifact_names(name, last_version) VALUES(?1, max(1, ?2)) "
                       "ON CONFLICT(name) DO UPDATE SET last_version = max(last_version + 1, ?2) "
                       "RETURNING last_version",
                       &st);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, want_version);
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        else
            rc = bs_db_error(s->db, "artifacts: version");
        sqlite3_finalize(st);
    }
    if (rc == 0)
        rc = bs_db_prepare(s->db,
                           "INSERT INTO artifacts(name, version, digest, is_tree, size, kind, "
                           "build_id, task_id, step, model_digest, platform, config_digest, "
                           "cache_key, created_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           &st);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, version);
        sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, is_tree);
        sqlite3_bind_int64(st, 5, size);
        sqlite3_bind_text(st, 6, kind, -1, SQLITE_STATIC);
        bs_db_bind_text(st, 7, m->build_id);
        if (m->task_id)
            sqlite3_bind_int64(st, 8, m->task_id);
        bs_db_bind_text(st, 9, m->step);
        bs_db_bind_text(st, 10, m->model_digest);
        bs_db_bind_text(st, 11, m->platform);
        bs_db_bind_text(st, 12, m->config_digest);
        bs_db_bind_text(st, 13, m->cache_key);
        sqlite3_bind_int64(st, 14, created_ms);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(s->db, "artifacts: insert");
        sqlite3_finalize(st);
    }
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (rc == 0 && m->ntags) {
        rc = bs_db_prepare(s->db, "INSERT OR IGNORE INTO artifact_tags VALUES(?,?)", &st);
        for (int i = 0; rc == 0 && i < m->ntags; i++) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, m->tags[i], -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = bs_db_error(s->db, "artifacts: tags");
            sqlite3_reset(st);
        }
        if (st)
            sqlite3_finalize(st);
    }
    if (rc) {
        bs_db_rollback(s->db);
        return rc;
    }
    if ((rc = bs_db_commit(s->db)))
        return rc;
    *version_out = version;
    *id_out = id;
    return 0;
}

static int check_meta(const bs_art_meta *m)
{
    int rc = art_check_name(m->name);
    for (int i = 0; rc == 0 && i < m->ntags; i++)
        rc = check_tag(m->tags[i]);
    if (rc == 0 && m->kind && (!*m->kind || strlen(m->kind) > 40 || strpbrk(m->kind, " \t\n")))
        rc = bs_error_set(BS_EINVAL, "artifacts: kind '%s' must be one word", m->kind);
    return rc;
}

/* Tree size from the index, or -1. */
static int64_t tree_size(bs_art_store *s, const char *digest)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (bs_db_prepare(s->db, "SELECT size FROM cas_trees WHERE digest=?", &st))
        return -1;
    sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int bs_art_put(bs_art_store *s, const char *path, const bs_art_meta *m, bs_arena *a,
               bs_art_record *out)
{
    int rc = check_meta(m);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0)
        return bs_error_set(errno == ENOENT ? BS_ENOTFOUND : BS_EIO, "artifacts: put %s: %s", path,
                            strerror(errno));
    bool dir = S_ISDIR(st.st_mode);
    if (!dir && !S_ISREG(st.st_mode))
        return bs_error_set(BS_EINVAL, "artifacts: put %s: not a file or directory", path);
    /* The shared lock spans store + index so gc cannot sweep the new blobs in
     * between (see docs/artifacts.md, "gc safety"). */
    if ((rc = art_lock_shared(s)))
        return rc;
    char digest[BS_SHA256_HEX_LEN + 1];
    int64_t size = 0;
    rc = dir ? bs_cas_put_tree(s, path, digest, &size) : bs_cas_put_file(s, path, digest, &size);
    int version = 0;
    int64_t id = 0;
    if (rc == 0)
        rc = index_insert(s, digest, dir, size, m->kind ? m->kind : guess_kind(path, dir), m,
                          bs_now_ms(), 0, &version, &id);
    art_unlock_shared(s);
    if (rc)
        return bs_error_wrap(rc, "artifacts: put %s: ", path);
    return out ? fetch_by_id(s, id, a, out) : 0;
}

int bs_art_put_digest(bs_art_store *s, const char *digest, const bs_art_meta *m, bs_arena *a,
                      bs_art_record *out)
{
    int rc = check_meta(m);
    if (rc)
        return rc;
    if (!art_is_digest(digest))
        return bs_error_set(BS_EINVAL, "artifacts: '%s' is not a SHA-256 digest", digest);
    if ((rc = art_lock_shared(s)))
        return rc;
    bool tree = bs_cas_is_tree(s, digest);
    int64_t size = tree ? tree_size(s, digest) : 0;
    int version = 0;
    int64_t id = 0;
    if (!bs_cas_has(s, digest)) {
        rc = bs_error_set(BS_ENOTFOUND, "artifacts: blob %s is not in the store", digest);
    } else {
        if (!tree) {
            char *text = NULL;
            size_t len = 0;
            /* size of a plain blob = its decompressed length (verified on the way) */
            rc = bs_cas_read(s, digest, &text, &len);
            free(text);
            size = (int64_t)len;
        }
        if (rc == 0)
            rc = index_insert(s, digest, tree, size, m->kind ? m->kind : (tree ? "dir" : "file"),
                              m, bs_now_ms(), 0, &version, &id);
    }
    art_unlock_shared(s);
    if (rc)
        return rc;
    return out ? fetch_by_id(s, id, a, out) : 0;
}

/* Exposed for bundle import: indexes with an explicit creation time. */
int art_index_import(bs_art_store *s, const char *digest, bool is_tree, int64_t size,
                     const char *kind, const bs_art_meta *m, int64_t created_ms, bool pinned,
                     int *version)
{
    int64_t id;
    int rc = check_meta(m);
    if (rc == 0)
        rc = index_insert(s, digest, is_tree, size, kind, m, created_ms, *version, version, &id);
    if (rc == 0 && pinned) {
        sqlite3_stmt *st;
        if ((rc = bs_db_prepare(s->db, "UPDATE artifacts SET pinned=1 WHERE id=?", &st)) == 0) {
            sqlite3_bind_int64(st, 1, id);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = bs_db_error(s->db, "import: pin");
            sqlite3_finalize(st);
        }
    }
    return rc;
}

int bs_art_tag(bs_art_store *s, int64_t id, const char *tag)
{
    int rc = check_tag(tag);
    sqlite3_stmt *st;
    if (rc || (rc = bs_db_prepare(s->db, "INSERT OR IGNORE INTO artifact_tags VALUES(?,?)", &st)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "artifacts: tag");
    sqlite3_finalize(st);
    return rc;
}
