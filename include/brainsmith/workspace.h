/* workspace.h - the brainsmith workspace: a directory with the SQLite
 * database, the content-addressed store and the build directories.
 *
 *   $BRAINSMITH_HOME (default ~/.local/share/brainsmith, or --home)
 *     brainsmith.db    builds, tasks, attempts, events, metrics, artifacts, series
 *     cas/             content-addressed blobs
 *     builds/<id>/     FINN-layout output dir of each build
 *     logs/            task logs
 *
 * The workspace also owns the `builds` table, the root of the spine that
 * every other module refers to by build id. */
#ifndef BRAINSMITH_WORKSPACE_H
#define BRAINSMITH_WORKSPACE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include "brainsmith/events.h"

typedef struct bs_workspace {
    char *home;        /* absolute path */
    char *db_path;     /* home/brainsmith.db */
    sqlite3 *db;
    bs_bus *bus;       /* the bus events of this workspace go to (default bus) */
} bs_workspace;

/* Default home: $BRAINSMITH_HOME, else $XDG_DATA_HOME/brainsmith, else
 * ~/.local/share/brainsmith.  malloc'd. */
char *bs_workspace_default_home(void);

/* Opens the workspace at home.  create=true makes the directory and the
 * database if missing; create=false fails with BS_ENOTFOUND when there is no
 * database.  A corrupt database is BS_ECORRUPT — it is never reset. */
int bs_workspace_open(const char *home, bool create, bs_workspace **out);
void bs_workspace_close(bs_workspace *ws);
/* Path inside the workspace (malloc'd). */
char *bs_workspace_path(const bs_workspace *ws, const char *rel);

/* ---- builds ---- */
typedef struct bs_build_info {
    char id[40];            /* "b-YYYYMMDD-HHMMSS-xxxx" style, unique */
    char *name;             /* user label, may be NULL */
    char *model;            /* model path or name, may be NULL */
    char *model_digest;     /* sha256 hex, may be NULL */
    char *platform;         /* board or part, may be NULL */
    char *config_json;      /* build configuration JSON, may be NULL */
    char *state;            /* "queued", "running", "succeeded", "failed", "cancelled", "imported" */
    char *out_dir;          /* output directory */
    int64_t created_ms, finished_ms;
} bs_build_info;

/* Creates a build row; *id_out (>= 40 bytes) gets the new id. */
int bs_build_create(bs_workspace *ws, const char *name, const char *model,
                    const char *model_digest, const char *platform,
                    const char *config_json, const char *out_dir, char *id_out);
int bs_build_set_state(bs_workspace *ws, const char *id, const char *state);
/* Finds a build by id, unique id prefix, or name (newest with that name). */
int bs_build_get(bs_workspace *ws, const char *id_or_name, bs_build_info *out);
void bs_build_info_free(bs_build_info *b);

#endif
