/* db.h - SQLite helpers: opening the workspace database and per-module
 * numbered schema migrations.
 *
 * Each module owns its tables and keeps an ordered list of migrations (SQL
 * text).  bs_db_migrate() applies the ones not yet applied, each in its own
 * transaction, recording (module, version) in schema_migrations.  Modules
 * therefore evolve their schemas independently.  Connections use WAL,
 * foreign keys and a busy timeout so many processes can share one file. */
#ifndef BRAINSMITH_DB_H
#define BRAINSMITH_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct bs_migration {
    int version;          /* 1, 2, 3 ... strictly increasing */
    const char *sql;      /* one or more statements */
} bs_migration;

/* Opens (create=true: creates if missing) the database at path with WAL,
 * foreign_keys=ON, busy_timeout=30s, synchronous=NORMAL.  A file that is not
 * a SQLite database, or is corrupt, is BS_ECORRUPT naming the path; a
 * missing file with create=false is BS_ENOTFOUND.  Never resets anything. */
int bs_db_open(const char *path, bool create, sqlite3 **out);
void bs_db_close(sqlite3 *db);

/* Applies pending migrations of `module`.  Fails with BS_ESTATE if the
 * database has a newer version than this program knows (a newer
 * brainsmith wrote it). */
int bs_db_migrate(sqlite3 *db, const char *module, const bs_migration *m, int n);

/* Runs SQL with no result rows; BS_EDB with sqlite's message on error. */
int bs_db_exec(sqlite3 *db, const char *sql);
/* Prepares a statement; BS_EDB naming the SQL on error. */
int bs_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* Records sqlite's error for db as the error context; returns BS_EDB
 * (BS_EBUSY for SQLITE_BUSY/LOCKED, BS_ECORRUPT for CORRUPT/NOTADB). */
int bs_db_error(sqlite3 *db, const char *what);

/* BEGIN IMMEDIATE (retrying on BUSY up to the busy timeout) / COMMIT / ROLLBACK. */
int bs_db_begin(sqlite3 *db);
int bs_db_commit(sqlite3 *db);
void bs_db_rollback(sqlite3 *db);

/* Binds text that may be NULL. */
int bs_db_bind_text(sqlite3_stmt *st, int idx, const char *s);

#endif
