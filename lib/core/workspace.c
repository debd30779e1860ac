/* workspace.c - the workspace directory, its database, and the builds table
 * (the root of the spine every other module refers to by build id). */
#include "brainsmith/workspace.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const bs_migration ws_migrations[] = {
    {1, "CREATE TABLE builds("
        " id TEXT PRIMARY KEY,"
        " name TEXT,"
        " model TEXT,"
        " model_digest TEXT,"
        " platform TEXT,"
        " config_json TEXT,"
        " state TEXT NOT NULL DEFAULT 'queued',"
        " out_dir TEXT,"
        " created_ms INTEGER NOT NULL,"
        " finished_ms INTEGER);"
        "CREATE INDEX builds_name ON builds(name, created_ms);"
        "CREATE INDEX builds_created ON builds(created_ms);"},
};

char *bs_workspace_default_home(void)
{
    const char *h = getenv("BRAINSMITH_HOME");
    if (h && *h)
        return strdup(h);
    const char *x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return bs_path_join(x, "brainsmith");
    const char *home = getenv("HOME");
    if (!home || !*home)
        home = "/tmp";
    return bs_path_join(home, ".local/share/brainsmith");
}

int bs_workspace_open(const char *home, bool create, bs_workspace **out)
{
    *out = NULL;
    char *h = home ? strdup(home) : bs_workspace_default_home();
    if (!h)
        return bs_error_set(BS_ENOMEM, "workspace: out of memory");
    int rc = 0;
    if (create && (rc = bs_mkdir_p(h))) {
        free(h);
        return bs_error_wrap(rc, "workspace %s", home ? home : "(default)");
    }
    char abs[PATH_MAX];
    if (!realpath(h, abs)) {
        rc = bs_error_set(BS_ENOTFOUND, "workspace %s does not exist (create it with a command such "
                                        "as 'brainsmith submit', or check --home)", h);
        free(h);
        return rc;
    }
    free(h);
    bs_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return bs_error_set(BS_ENOMEM, "workspace: out of memory");
    ws->home = strdup(abs);
    ws->db_path = bs_path_join(abs, "brainsmith.db");
    ws->bus = bs_bus_default();
    if (!ws->home || !ws->db_path) {
        bs_workspace_close(ws);
        return bs_error_set(BS_ENOMEM, "workspace: out of memory");
    }
    rc = bs_db_open(ws->db_path, create, &ws->db);
    if (rc == 0)
        rc = bs_db_migrate(ws->db, "workspace", ws_migrations,
                           (int)(sizeof ws_migrations / sizeof ws_migrations[0]));
    if (rc) {
        bs_workspace_close(ws);
        return rc;
    }
    *out = ws;
    return 0;
}

void bs_workspace_close(bs_workspace *ws)
{
    if (!ws)
        return;
    bs_db_close(ws->db);
    free(ws->home);
    free(ws->db_path);
    free(ws);
}

char *bs_workspace_path(const bs_workspace *ws, const char *rel)
{
    return bs_path_join(ws->home, rel);
}

int bs_build_create(bs_workspace *ws, const char *name, const char *model,
                    const char *model_digest, const char *platform,
                    const char *config_json, const char *out_dir, char *id_out)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(ws->db,
        "INSERT INTO builds(id,name,model,model_digest,platform,config_json,state,out_dir,created_ms)"
        " VALUES(?,?,?,?,?,?,'queued',?,?)", &st);
    if (rc)
        return rc;
    for (int attempt = 0; attempt < 8; attempt++) {
        int64_t now = bs_now_ms();
        time_t t = (time_t)(now / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char ts[32];
        strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
        snprintf(id_out, 40, "b-%s-%06llx", ts, (unsigned long long)(bs_random_u64() & 0xffffff));
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, id_out, -1, SQLITE_TRANSIENT);
        bs_db_bind_text(st, 2, name);
        bs_db_bind_text(st, 3, model);
        bs_db_bind_text(st, 4, model_digest);
        bs_db_bind_text(st, 5, platform);
        bs_db_bind_text(st, 6, config_json);
        bs_db_bind_text(st, 7, out_dir);
        sqlite3_bind_int64(st, 8, now);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            sqlite3_finalize(st);
            return 0;
        }
        if ((r & 0xff) != SQLITE_CONSTRAINT) {
            rc = bs_db_error(ws->db, "creating build");
            sqlite3_finalize(st);
            return rc;
        }
    }
    sqlite3_finalize(st);
    return bs_error_set(BS_EEXISTS, "creating build: could not find a free id");
}

int bs_build_set_state(bs_workspace *ws, const char *id, const char *state)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(ws->db,
        "UPDATE builds SET state=?, finished_ms=CASE WHEN ? IN ('succeeded','failed','cancelled','imported')"
        " THEN ? ELSE NULL END WHERE id=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, bs_now_ms());
    sqlite3_bind_text(st, 4, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(ws->db, "updating build state");
    else if (sqlite3_changes(ws->db) == 0)
        rc = bs_error_set(BS_ENOTFOUND, "build '%s' not found", id);
    sqlite3_finalize(st);
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

int bs_build_get(bs_workspace *ws, const char *key, bs_build_info *out)
{
    memset(out, 0, sizeof *out);
    static const char *const queries[] = {
        "SELECT id,name,model,model_digest,platform,config_json,state,out_dir,created_ms,finished_ms"
        " FROM builds WHERE id=?1",
        "SELECT id,name,model,model_digest,platform,config_json,state,out_dir,created_ms,finished_ms"
        " FROM builds WHERE name=?1 ORDER BY created_ms DESC LIMIT 1",
        "SELECT id,name,model,model_digest,platform,config_json,state,out_dir,created_ms,finished_ms"
        " FROM builds WHERE substr(id,1,length(?1))=?1 LIMIT 2",
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *st;
        int rc = bs_db_prepare(ws->db, queries[q], &st);
        if (rc)
            return rc;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
            out->name = col_dup(st, 1);
            out->model = col_dup(st, 2);
            out->model_digest = col_dup(st, 3);
            out->platform = col_dup(st, 4);
            out->config_json = col_dup(st, 5);
            out->state = col_dup(st, 6);
            out->out_dir = col_dup(st, 7);
            out->created_ms = sqlite3_column_int64(st, 8);
            out->finished_ms = sqlite3_column_int64(st, 9);
            bool ambiguous = q == 2 && sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
            if (ambiguous) {
                bs_build_info_free(out);
                return bs_error_set(BS_EINVAL, "build id prefix '%s' is ambiguous", key);
            }
            return 0;
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return bs_db_error(ws->db, "looking up build");
    }
    return bs_error_set(BS_ENOTFOUND, "no build with id or name '%s'", key);
}

void bs_build_info_free(bs_build_info *b)
{
    free(b->name);
    free(b->model);
    free(b->model_digest);
    free(b->platform);
    free(b->config_json);
    free(b->state);
    free(b->out_dir);
    memset(b, 0, sizeof *b);
}
