/* db.c - SQLite connection setup and per-module schema migrations.
 *
 * Opening never creates or resets silently: a missing database is an error
 * unless the caller asked to create one, and a file SQLite cannot read is
 * reported as corrupt with its path, leaving the file untouched. */
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <string.h>

int bs_db_error(sqlite3 *db, const char *what)
{
    int ec = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_ERROR;
    const char *m = db ? sqlite3_errmsg(db) : "no database";
    int code = BS_EDB;
    if (ec == SQLITE_BUSY || ec == SQLITE_LOCKED)
        code = BS_EBUSY;
    else if (ec == SQLITE_CORRUPT || ec == SQLITE_NOTADB)
        code = BS_ECORRUPT;
    else if (ec == SQLITE_CONSTRAINT)
        code = BS_EEXISTS;
    return bs_error_set(code, "%s: %s", what, m);
}

int bs_db_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = bs_db_error(db, "sql");
        if (err) {
            bs_error_set(rc, "sql: %s (in: %.120s)", err, sql);
            sqlite3_free(err);
        }
        return rc;
    }
    return 0;
}

int bs_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        int rc = bs_db_error(db, "prepare");
        return bs_error_set(rc, "prepare: %s (in: %.120s)", sqlite3_errmsg(db), sql);
    }
    return 0;
}

int bs_db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
}

int bs_db_open(const char *path, bool create, sqlite3 **out)
{
    *out = NULL;
    if (!create && !bs_path_exists(path))
        return bs_error_set(BS_ENOTFOUND, "%s: no workspace database (run a command that creates one, "
                                          "or check --home / $BRAINSMITH_HOME)", path);
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = bs_db_error(db, path);
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 30000);
    sqlite3_extended_result_codes(db, 1);
    /* The first real read validates the header: NOTADB / CORRUPT show up here. */
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = bs_db_error(db, path);
        if (rc == BS_ECORRUPT)
            bs_error_set(rc, "%s: the workspace database is corrupt or not a SQLite file (%s); "
                             "it was left untouched", path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    if (rc == 0)
        rc = bs_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    if (rc == 0)
        rc = bs_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations("
                            " module TEXT NOT NULL, version INTEGER NOT NULL, applied_ms INTEGER NOT NULL,"
                            " PRIMARY KEY(module, version))");
    if (rc) {
        if (bs_error_code() == BS_ECORRUPT || rc == BS_ECORRUPT)
            rc = BS_ECORRUPT;
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void bs_db_close(sqlite3 *db)
{
    if (db)
        sqlite3_close(db);
}

int bs_db_begin(sqlite3 *db)
{
    /* busy_timeout covers BEGIN IMMEDIATE; loop for the rare BUSY that
     * escapes it (a WAL checkpoint in progress). */
    for (int i = 0; i < 50; i++) {
        int r = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (r == SQLITE_OK)
            return 0;
        if ((r & 0xff) != SQLITE_BUSY && (r & 0xff) != SQLITE_LOCKED)
            return bs_db_error(db, "begin");
        bs_sleep_ms(10 + i * 10);
    }
    return bs_db_error(db, "begin");
}

int bs_db_commit(sqlite3 *db)
{
    for (int i = 0; i < 50; i++) {
        int r = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (r == SQLITE_OK)
            return 0;
        if ((r & 0xff) != SQLITE_BUSY)
            break;
        bs_sleep_ms(10 + i * 10);
    }
    int rc = bs_db_error(db, "commit");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

void bs_db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int bs_db_migrate(sqlite3 *db, const char *module, const bs_migration *m, int n)
{
    sqlite3_stmt *st;
    int rc = bs_db_prepare(db, "SELECT coalesce(max(version),0) FROM schema_migrations WHERE module=?", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
    int have = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        have = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int known = n ? m[n - 1].version : 0;
    if (have > known)
        return bs_error_set(BS_ESTATE, "database schema of '%s' is version %d, newer than this brainsmith "
                                       "knows (%d); upgrade brainsmith", module, have, known);
    for (int i = 0; i < n; i++) {
        if (m[i].version <= have)
            continue;
        if ((rc = bs_db_begin(db)))
            return rc;
        /* Re-check inside the write lock: another process may have migrated. */
        int cur = 0;
        if (bs_db_prepare(db, "SELECT coalesce(max(version),0) FROM schema_migrations WHERE module=?", &st) == 0) {
            sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                cur = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        if (cur >= m[i].version) {
            bs_db_rollback(db);
            continue;
        }
        rc = bs_db_exec(db, m[i].sql);
        if (rc == 0) {
            char sql[256];
            snprintf(sql, sizeof sql,
                     "INSERT INTO schema_migrations(module,version,applied_ms) VALUES('%s',%d,%lld)",
                     module, m[i].version, (long long)bs_now_ms());
            rc = bs_db_exec(db, sql);
        }
        if (rc) {
            bs_db_rollback(db);
            return bs_error_wrap(rc, "migrating '%s' to version %d", module, m[i].version);
        }
        if ((rc = bs_db_commit(db)))
            return rc;
    }
    return 0;
}
