/* artifacts.h - the artifact store: content-addressed blobs, the metadata
 * index, queries, retention + gc, bundles and the step cache.
 *
 * Layout (see docs/artifacts.md):
 *   <home>/cas/ab/cdef...   one blob per SHA-256 of its *uncompressed* content,
 *                           stored as a single zstd frame, written atomically
 *   <home>/cas/tmp/         blobs being written (each held under flock by its writer)
 *   <home>/cas/lock         the gc lock: shared by anyone establishing a reference,
 *                           exclusive for gc's mark + sweep
 * A directory is stored as a *manifest* (canonical JSON: path -> digest, mode,
 * size; see docs) which is itself a blob; its digest names the tree.
 *
 * The index lives in the workspace database (tables artifacts, artifact_tags,
 * cas_trees, cas_tree_refs, artifact_leases, artifact_policies; migrations of
 * module "artifacts").  Every (name, version) is immutable; versions are 1,
 * 2, ... per name.  Metric conditions read the metrics module's table
 *   metric_values(build_id TEXT, metric TEXT, layer TEXT NULL, value REAL, ...)
 * (layer NULL = whole design; a column `scope` with '' = whole design is
 * accepted instead of `layer`); at most one row per (build, metric, layer).
 * It is only read, never written here; artifacts link to it by build id.
 *
 * Concurrency: any number of processes may put, get and gc at once.  gc never
 * removes a blob that a kept artifact, a pinned artifact, a reader holding
 * the shared lock or a live lease (a queued/running task) references, nor
 * a blob younger than the grace period (written but perhaps not yet
 * indexed).  The argument is in
 * docs/artifacts.md.  Do not run gc in a process that is itself inside a put
 * or lease acquisition (flock is per open file: it would wait on itself). */
#ifndef BRAINSMITH_ARTIFACTS_H
#define BRAINSMITH_ARTIFACTS_H

#include <stdbool.h>
#include <stdint.h>
#include "brainsmith/arena.h"
#include "brainsmith/hash.h"
#include "brainsmith/workspace.h"

typedef struct bs_art_store bs_art_store;

typedef struct bs_art_opts {
    int zstd_level;         /* 0 = default (3) */
    int64_t grace_ms;       /* gc keeps unreferenced blobs younger than this;
                               0 = default (10 min), < 0 = no grace at all */
} bs_art_opts;

/* Opens the store of a workspace: applies the "artifacts" migrations and
 * creates cas/ if needed.  opts may be NULL.  ws must outlive the store. */
int bs_art_open(bs_workspace *ws, const bs_art_opts *opts, bs_art_store **out);
void bs_art_close(bs_art_store *s);
bs_workspace *bs_art_ws(bs_art_store *s);

/* ---- content-addressed storage (no index) ----
 * Digests are lower-case hex SHA-256 of the uncompressed content. */

/* Stores a file's content; *size gets its length (may be NULL).  An existing
 * blob is not rewritten (dedup); its mtime is refreshed so the gc grace
 * period covers the caller until it indexes or leases the digest. */
int bs_cas_put_file(bs_art_store *s, const char *path, char digest[BS_SHA256_HEX_LEN + 1],
                    int64_t *size);
int bs_cas_put_buf(bs_art_store *s, const void *data, size_t n,
                   char digest[BS_SHA256_HEX_LEN + 1]);
/* Stores a directory tree (regular files, subdirectories, symlinks; other
 * file types are BS_EUNSUPPORTED) and its manifest; *size = sum of file sizes. */
int bs_cas_put_tree(bs_art_store *s, const char *dir, char digest[BS_SHA256_HEX_LEN + 1],
                    int64_t *size);
/* True if the blob is present. */
bool bs_cas_has(bs_art_store *s, const char *digest);
/* True if digest is a known tree (manifest). */
bool bs_cas_is_tree(bs_art_store *s, const char *digest);
/* Writes the content of blob digest to out_path (atomically: temp + rename),
 * re-hashing on the way; a mismatch is BS_ECORRUPT and nothing is written. */
int bs_cas_get_file(bs_art_store *s, const char *digest, const char *out_path, int mode);
/* Materialises a file blob or a tree at out_path.  For a tree, out_path must
 * not exist or be an empty directory; every manifest path is confined to it.
 * Files get the recorded mode; contents are byte-identical to what was put. */
int bs_cas_materialise(bs_art_store *s, const char *digest, const char *out_path);
/* Re-hashes one blob: 0 if intact, BS_ECORRUPT, or BS_ENOTFOUND. */
int bs_cas_check(bs_art_store *s, const char *digest);
/* Reads a whole blob into memory (malloc'd, NUL-terminated), verified. */
int bs_cas_read(bs_art_store *s, const char *digest, char **out, size_t *len);

/* ---- the index ---- */
typedef struct bs_art_meta {
    const char *name;           /* required: [A-Za-z0-9._:/+-]{1,200}, no "@" */
    const char *kind;           /* model, report, log, rtl, bitstream, dir, file, ... (NULL = guessed) */
    const char *build_id;
    int64_t task_id;
    const char *step;
    const char *model_digest;
    const char *platform;
    const char *config_digest;
    const char *cache_key;      /* set by the step cache */
    const char *const *tags;    /* ntags tags */
    int ntags;
} bs_art_meta;

typedef struct bs_art_record {
    int64_t id;
    const char *name;
    int version;
    char digest[BS_SHA256_HEX_LEN + 1];
    bool is_tree;
    int64_t size;               /* uncompressed bytes (sum of files for a tree) */
    const char *kind, *build_id, *step, *model_digest, *platform, *config_digest, *cache_key;
    int64_t task_id;
    int64_t created_ms;
    bool pinned;
    const char **tags;          /* ntags, sorted */
    int ntags;
    double sort_value;          /* the --sort metric value when one was asked (NAN if none) */
} bs_art_record;

/* Stores path (a file or a directory) and indexes it as the next version of
 * m->name.  *out (may be NULL) gets the new record, strings in arena a. */
int bs_art_put(bs_art_store *s, const char *path, const bs_art_meta *m, bs_arena *a,
               bs_art_record *out);
/* Indexes an already stored digest (file blob or tree) as the next version. */
int bs_art_put_digest(bs_art_store *s, const char *digest, const bs_art_meta *m, bs_arena *a,
                      bs_art_record *out);

typedef struct bs_art_filter {
    const char *name;           /* exact, or a glob with * ? [ */
    const char *build_id, *model_digest, *platform, *step, *kind, *tag, *digest, *cache_key;
    int version;                /* 0 = any */
    const char *where;          /* expression, see bs_art_where_sql */
    const char *sort;           /* NULL/"newest", "oldest", or "METRIC" / "-METRIC"
                                   (ascending / descending value of the build's metric) */
    bool latest_only;           /* one row per name: the newest version */
    int limit;                  /* 0 = no limit */
} bs_art_filter;

/* Runs a query; *out is an array of *n records in arena a. */
int bs_art_query(bs_art_store *s, const bs_art_filter *f, bs_arena *a, bs_art_record **out,
                 int *n);
/* Resolves "NAME" (newest), "NAME@VERSION", "NAME@latest" or a digest / unique
 * digest prefix (>= 8 hex chars) to one record.  BS_ENOTFOUND if none; a
 * digest known only to the CAS (not indexed) is BS_ENOTFOUND too. */
int bs_art_resolve(bs_art_store *s, const char *ref, bs_arena *a, bs_art_record *out);
/* The whole-design metrics of a build (the artifact's link to its metrics),
 * sorted by name, in arena a; *n = 0 when there are none or no metrics table. */
int bs_art_build_metrics(bs_art_store *s, const char *build_id, bs_arena *a, const char ***names,
                         double **values, int *n);
/* Pins (true) or unpins the artifacts ref names: "NAME" pins every version,
 * "NAME@V" or a digest exactly those.  *count gets how many rows changed. */
int bs_art_pin(bs_art_store *s, const char *ref, bool pin, int *count);
/* Adds a tag to an artifact. */
int bs_art_tag(bs_art_store *s, int64_t id, const char *tag);

/* Translates a --where expression into an SQL condition over the alias `a`
 * (table artifacts) with bound parameters appended to *params (strings in a).
 *   expr   := or ; or := and ('or' and)* ; and := unary (('and'|'&&'|',') unary)*
 *   unary  := 'not' unary | '(' expr ')' | cmp
 *   cmp    := IDENT OP VALUE        OP: < <= > >= = == != <> ~ (glob)
 * IDENT is an artifact field (name version kind build step platform model
 * config size created tag digest pinned) or else a metric name
 * (`resources.lut`, optionally `metric@LAYER`; prefix `m:` to force a metric
 * whose name is a field name), true when the artifact's build has a value of
 * that metric in metric_values satisfying the comparison.  `age` is seconds
 * since creation and takes durations (`age<2h`).  VALUE is a number (suffix
 * k/M/G = 1e3/1e6/1e9, Ki/Mi/Gi = 2^10/2^20/2^30), a duration for age, or a
 * quoted/bare string.  Errors name the offending column of expr. */
typedef struct bs_sql_params {
    const char **v; int n, cap;  /* string parameters, in order */
    bool uses_metrics;           /* the expression reads metric_values */
} bs_sql_params;
int bs_art_where_sql(const char *expr, bs_arena *a, char **sql, bs_sql_params *params);

/* ---- leases: references held by readers and by tasks ----
 * A lease keeps digest (and, for a tree, every blob of it) from gc while it
 * is live: task_id == 0: while this process (pid + start time) lives and
 * ttl_ms (0 = none) has not passed; task_id != 0: while that task is
 * queued/ready/running in the orchestrator's tasks table (or, without such a
 * table, until ttl_ms).  BS_ENOTFOUND if the blob is already gone. */
int bs_art_lease(bs_art_store *s, const char *digest, int64_t task_id, int64_t ttl_ms,
                 const char *note, int64_t *lease_id);
int bs_art_lease_release(bs_art_store *s, int64_t lease_id);
/* Releases every lease of a task (the scheduler calls this when it ends). */
int bs_art_lease_release_task(bs_art_store *s, int64_t task_id);

/* get = resolve + materialise while holding the shared gc lock (so no gc
 * sweep overlaps the copy); a full digest known only to the CAS works too.
 * rec_out (may be NULL) gets the record (name NULL for an unindexed digest). */
int bs_art_get(bs_art_store *s, const char *ref, const char *out_path, bs_arena *a,
               bs_art_record *rec_out);

/* ---- retention policies ---- */
typedef enum {
    BS_POL_LAST = 0,    /* keep the newest n versions of each name */
    BS_POL_BEST,        /* keep the best n versions of each name by metric */
    BS_POL_AGE,         /* keep versions younger than age_ms */
    BS_POL_BYTES,       /* cap the bytes of kept artifacts in scope (drops oldest first) */
    BS_POL_PIN,         /* keep every version forever */
} bs_pol_kind;

typedef struct bs_art_policy {
    int64_t id;
    const char *scope;          /* "*" = workspace default, else a name or name glob */
    bs_pol_kind kind;
    int64_t n;                  /* LAST/BEST: count; BYTES: byte cap */
    int64_t age_ms;             /* AGE */
    const char *metric;         /* BEST */
    bool higher_better;         /* BEST: direction */
} bs_art_policy;

const char *bs_pol_kind_name(bs_pol_kind k);
/* Adds a policy (replacing one of the same scope and kind). */
int bs_art_policy_set(bs_art_store *s, const bs_art_policy *p);
int bs_art_policy_rm(bs_art_store *s, const char *scope, const char *kind /* NULL = all */,
                     int *count);
int bs_art_policy_list(bs_art_store *s, bs_arena *a, bs_art_policy **out, int *n);

/* ---- gc ---- */
typedef struct bs_gc_report {
    int artifacts_dropped;      /* index rows removed by retention */
    int64_t artifact_bytes;     /* their (uncompressed) size */
    const char **dropped;       /* "name@version" of each, in arena */
    int blobs_removed;
    int64_t blob_bytes;         /* bytes on disk freed (compressed) */
    int tmp_removed;            /* abandoned temp files of dead writers */
    int64_t tmp_bytes;
    int leases_pruned;          /* dead leases removed */
    int blobs_kept;             /* blobs still present afterwards */
    int blobs_young;            /* unreferenced but inside the grace period */
} bs_gc_report;

/* Applies retention, prunes dead leases and removes unreferenced blobs and
 * abandoned temp files.  dry_run: computes the same report, changes nothing. */
int bs_art_gc(bs_art_store *s, bool dry_run, bs_arena *a, bs_gc_report *r);
/* Which artifacts the policies would drop now (ids into *ids, in arena). */
int bs_art_retention_plan(bs_art_store *s, bs_arena *a, int64_t **ids, int *n);

/* ---- verify ---- */
typedef struct bs_verify_problem {
    const char *digest;
    const char *what;           /* "corrupt", "missing", "tree entry missing", "stray temp" */
    const char *artifact;       /* "name@version" if indexed, else NULL */
} bs_verify_problem;
/* Re-hashes every blob in the CAS and checks every indexed digest and tree
 * entry is present.  Returns 0 (even when problems were found); *nprob. */
int bs_art_verify(bs_art_store *s, bs_arena *a, bs_verify_problem **probs, int *nprob,
                  int *nchecked);

/* ---- bundles (.tar.zst) ---- */
/* Writes the artifacts matching f (with every blob they need) to path. */
int bs_art_export(bs_art_store *s, const bs_art_filter *f, const char *path, int *count);
/* Imports a bundle: every object is re-hashed; artifacts already present
 * (same name and digest) are skipped; a (name, version) taken by other
 * content is added as the next version.  *added / *skipped may be NULL. */
int bs_art_import(bs_art_store *s, const char *path, int *added, int *skipped);

/* ---- step cache ----
 * The key is SHA-256 over a length-prefixed encoding of: the step name, the
 * input digests (in the given order; name them "model=<digest>" if order is
 * not meaningful), the canonical form of the config JSON the step reads
 * (object keys sorted, whitespace dropped), the tool versions (sorted
 * "tool=version" strings) and the brainsmith version (BS_VERSION unless
 * overridden).  Any change of any part is a different key. */
typedef struct bs_cache_key_in {
    const char *step;
    const char *const *inputs;  int ninputs;
    const char *config_json;    /* NULL = no config */
    const char *const *tools;   int ntools;
    const char *bs_version;     /* NULL = BS_VERSION */
} bs_cache_key_in;
int bs_cache_key(const bs_cache_key_in *in, char key[BS_SHA256_HEX_LEN + 1]);

/* Stores a finished step's output directory under key as artifact
 * "step/<step>" (kind "cache", cache_key = key; build/task from m, may be NULL). */
int bs_cache_store(bs_art_store *s, const char *key, const char *step, const char *out_dir,
                   const bs_art_meta *m, bs_arena *a, bs_art_record *out);
/* Looks key up: 0 and *out on a hit whose blobs are all present, BS_ENOTFOUND
 * on a miss. */
int bs_cache_lookup(bs_art_store *s, const char *key, bs_arena *a, bs_art_record *out);
/* Hit: materialises the outputs into dest_dir (which must be absent or empty)
 * under the shared gc lock and returns 0 (no database write); miss:
 * BS_ENOTFOUND, nothing written. */
int bs_cache_restore(bs_art_store *s, const char *key, const char *dest_dir, bs_arena *a,
                     bs_art_record *out);

#endif
