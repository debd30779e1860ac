/* art_int.h - private declarations shared by the files of lib/artifacts.
 *
 * The store handle, the gc lock protocol (flock on cas/lock: shared while a
 * reference is being established, exclusive for gc) and small helpers. */
#ifndef BS_ART_INT_H
#define BS_ART_INT_H

#include <sqlite3.h>
#include <sys/types.h>
#include "brainsmith/artifacts.h"

struct bs_art_store {
    bs_workspace *ws;
    sqlite3 *db;
    char *cas;          /* <home>/cas */
    char *tmp;          /* <home>/cas/tmp */
    char *lock_path;    /* <home>/cas/lock */
    int level;          /* zstd level */
    int64_t grace_ms;
    int lock_fd;        /* open on lock_path, -1 until first use */
    int lock_depth;     /* nesting of art_lock_shared in this process */
    bool metric_view;   /* temp view art_metric_v created on this connection */
    int defer_dirsync;  /* > 0: blob directory fsyncs are batched (tree puts) */
    uint8_t dirty[256]; /* cas/xx directories renamed into since the last flush */
};

/* Batching of directory fsyncs during a tree put: begin, put blobs, then
 * flush (fsyncs each touched cas/xx once) before anything indexes them. */
void art_dirsync_begin(bs_art_store *s);
int art_dirsync_flush(bs_art_store *s);

/* Makes the temp view art_metric_v(build_id, metric, layer, value) over the
 * metrics module's metric_values (layer NULL = whole design); BS_ENOTFOUND
 * (no error detail set) if the workspace has no metric_values table. */
int art_metric_view(bs_art_store *s);

/* Shared lock (re-entrant within the process); blocks while gc runs. */
int art_lock_shared(bs_art_store *s);
void art_unlock_shared(bs_art_store *s);
/* Exclusive lock for gc; waits for every holder of the shared lock. */
int art_lock_excl(bs_art_store *s);
void art_unlock_excl(bs_art_store *s);

/* malloc'd path of the blob file of digest; NULL on OOM. */
char *art_blob_path(const bs_art_store *s, const char *digest);
/* True if s is 64 lower-case hex chars. */
bool art_is_digest(const char *s);
/* Records a tree: cas_trees row + one cas_tree_refs row per distinct blob
 * (caller may be inside a transaction). */
int art_index_tree(bs_art_store *s, const char *tree, int64_t size, const char *const *blobs,
                   int nblobs);
/* Parses a manifest blob: the file digests it references (may repeat) and
 * the total size of its files (size may be NULL). */
int art_tree_blobs(bs_art_store *s, const char *tree, bs_arena *a, const char ***blobs, int *n,
                   int64_t *size);
/* Reads one artifacts row (SELECT ART_COLS ...) into r, strings in a. */
#define ART_COLS "a.id, a.name, a.version, a.digest, a.is_tree, a.size, a.kind, a.build_id, " \
                 "a.task_id, a.step, a.model_digest, a.platform, a.config_digest, a.cache_key, " \
                 "a.created_ms, a.pinned"
void art_row(sqlite3_stmt *st, bs_arena *a, bs_art_record *r);
int art_load_tags(bs_art_store *s, bs_arena *a, bs_art_record *r);
/* Name rules of artifacts (BS_EINVAL naming the problem). */
int art_check_name(const char *name);
/* Column text copied into the arena, or NULL. */
const char *art_col_str(sqlite3_stmt *st, int i, bs_arena *a);
/* Glob test for names and tags. */
bool art_glob(const char *pat, const char *s);
/* True if the table exists in the workspace database. */
bool art_table_exists(bs_art_store *s, const char *table);

/* Appends a bound parameter (string kept by the caller / arena). */
int art_param_push(bs_sql_params *p, bs_arena *a, const char *v);
/* Indexes an imported artifact with its original creation time; *version
 * is the wanted version on entry (kept if still free) and the given one on
 * return. */
int art_index_import(bs_art_store *s, const char *digest, bool is_tree, int64_t size,
                     const char *kind, const bs_art_meta *m, int64_t created_ms, bool pinned,
                     int *version);

/* Streaming blob I/O for bundles: a source returns bytes read (0 at end,
 * <0 with errno set); a sink returns 0 or a BS_E* code. */
typedef ssize_t (*art_src_fn)(void *ud, void *buf, size_t n);
typedef int (*art_sink_fn)(void *ud, const void *p, size_t n);
int art_cas_put_src(bs_art_store *s, art_src_fn src, void *ud, int64_t pledged, const char *what,
                    char digest[BS_SHA256_HEX_LEN + 1], int64_t *size_out);
int art_cas_read_sink(bs_art_store *s, const char *digest, art_sink_fn sink, void *ud);
/* Uncompressed size of a blob, from its zstd frame header. */
int art_blob_content_size(bs_art_store *s, const char *digest, int64_t *size);

/* A set of digests (arena strings): add, then sort, then query. */
typedef struct art_strset { const char **v; int n, cap; } art_strset;
int art_ss_add(art_strset *ss, bs_arena *a, const char *s);
void art_ss_sort(art_strset *ss);
bool art_ss_has(const art_strset *ss, const char *s);
/* Digests of live leases into *live; ids of dead leases into *dead. */
int art_scan_leases(bs_art_store *s, bs_arena *a, art_strset *live, int64_t **dead, int *ndead);

/* One artifact as the retention plan sees it. */
typedef struct art_keep_row {
    int64_t id;
    const char *name, *digest, *build;
    int version;
    int64_t size, created;
    bool pinned, keep, dropped;
    double val;     /* metric value for the BEST policy being evaluated */
    int pol_set;    /* index into scope decision: 1 = name-scoped policies, 0 = workspace */
} art_keep_row;

/* Loads every artifact and marks .keep per the policies (leased = sorted
 * set of leased digests).  BS_ENOTFOUND if a best-by-metric rule has no
 * metrics table to read (nothing is dropped then). */
int art_plan(bs_art_store *s, bs_arena *a, const art_strset *leased, art_keep_row **rows_out,
             int *nrows_out);

#endif
