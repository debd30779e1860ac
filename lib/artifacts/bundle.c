/* bundle.c - moving artifacts between workspaces as .tar.zst bundles.
 *
 * A bundle is a POSIX (pax) tar archive compressed with zstd (libarchive):
 *   brainsmith-bundle.json     first entry: format, artifacts (all metadata,
 *                              tags, pin state) and the objects list
 *   objects/<sha256>           the *uncompressed* content of every blob the
 *                              artifacts need (tree manifests and their files)
 * so `tar --zstd -xf` opens it anywhere.  Import re-hashes every object
 * (content whose hash differs from its name is refused), indexes trees,
 * then artifacts, all under the store's shared lock so a concurrent gc
 * cannot collect objects between their write and their indexing. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>

#include "art_int.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#define BUNDLE_INDEX "brainsmith-bundle.json"
#define BUNDLE_MAX_INDEX (256u << 20)

#ifndef BS_VERSION
#define BS_VERSION "0.0.0"
#endif

static int ar_err(struct archive *ar, const char *what, const char *path)
{
    return bs_error_set(BS_EIO, "bundle %s: %s: %s", path, what,
                        archive_error_string(ar) ? archive_error_string(ar) : "error");
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

typedef struct ar_sink { struct archive *ar; } ar_sink;

static int sink_archive(void *ud, const void *p, size_t n)
{
    struct archive *ar = ((ar_sink *)ud)->ar;
    la_ssize_t w = archive_write_data(ar, p, n);
    if (w < 0 || (size_t)w != n)
        return bs_error_set(BS_EIO, "bundle: write: %s", archive_error_string(ar));
    return 0;
}

static int write_entry_hdr(struct archive *ar, const char *name, int64_t size, const char *path)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return bs_error_set(BS_ENOMEM, "bundle");
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, (time_t)(bs_now_ms() / 1000), 0);
    int r = archive_write_header(ar, e);
    archive_entry_free(e);
    return r == ARCHIVE_OK ? 0 : ar_err(ar, "write header", path);
}

static int cmp_strp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int bs_art_export(bs_art_store *s, const bs_art_filter *f, const char *path, int *count)
{
    bs_arena a;
    bs_arena_init(&a, 0);
    bs_art_record *recs;
    int n = 0, rc = bs_art_query(s, f, &a, &recs, &n);
    cJSON *idx = NULL;
    char *text = NULL;
    struct archive *ar = NULL;
    int64_t *leases = NULL;
    int nleases = 0;
    if (rc)
        goto out;
    leases = bs_arena_alloc(&a, sizeof *leases * (size_t)(n + 1));
    if (n == 0) {
        rc = bs_error_set(BS_ENOTFOUND, "export: no artifact matches the query");
        goto out;
    }
    /* objects: every artifact digest plus the blobs of trees */
    int cap = n * 2 + 16, nobj = 0;
    const char **objs = bs_arena_alloc(&a, sizeof *objs * (size_t)cap);
    idx = cJSON_CreateObject();
    cJSON *arts = cJSON_CreateArray(), *objarr = cJSON_CreateArray();
    cJSON_AddNumberToObject(idx, "brainsmith_bundle", 1);
    cJSON_AddStringToObject(idx, "brainsmith_version", BS_VERSION);
    cJSON_AddNumberToObject(idx, "created_ms", (double)bs_now_ms());
    cJSON_AddItemToObject(idx, "artifacts", arts);
    cJSON_AddItemToObject(idx, "objects", objarr);
    for (int i = 0; i < n && rc == 0; i++) {
        bs_art_record *r = &recs[i];
        /* Hold every exported digest under a lease while we read. */
        if ((rc = bs_art_lease(s, r->digest, 0, 0, "export", &leases[nleases])))
            break;
        nleases++;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arts, o);
        add_str(o, "name", r->name);
        cJSON_AddNumberToObject(o, "version", r->version);
        add_str(o, "digest", r->digest);
        cJSON_AddBoolToObject(o, "is_tree", r->is_tree);
        cJSON_AddNumberToObject(o, "size", (double)r->size);
        add_str(o, "kind", r->kind);
        add_str(o, "build_id", r->build_id);
        if (r->task_id)
            cJSON_AddNumberToObject(o, "task_id", (double)r->task_id);
        add_str(o, "step", r->step);
        add_str(o, "model_digest", r->model_digest);
        add_str(o, "platform", r->platform);
        add_str(o, "config_digest", r->config_digest);
        add_str(o, "cache_key", r->cache_key);
        cJSON_AddNumberToObject(o, "created_ms", (double)r->created_ms);
        cJSON_AddBoolToObject(o, "pinned", r->pinned);
        cJSON *tags = cJSON_AddArrayToObject(o, "tags");
        for (int t = 0; t < r->ntags; t++)
            cJSON_AddItemToArray(tags, cJSON_CreateString(r->tags[t]));
        const char **blobs = NULL;
        int nb = 0;
        if (r->is_tree && (rc = art_tree_blobs(s, r->digest, &a, &blobs, &nb, NULL)))
            break;
        if (nobj + nb + 1 > cap) {
            int nc = (nobj + nb + 1) * 2;
            const char **nv = bs_arena_alloc(&a, sizeof *nv * (size_t)nc);
            memcpy(nv, objs, sizeof *nv * (size_t)nobj);
            objs = nv;
            cap = nc;
        }
        objs[nobj++] = r->digest;
        for (int b = 0; b < nb; b++)
            objs[nobj++] = blobs[b];
    }
    if (rc)
        goto out;
    qsort(objs, (size_t)nobj, sizeof *objs, cmp_strp);
    int k = 0;
    for (int i = 0; i < nobj; i++)
        if (k == 0 || strcmp(objs[k - 1], objs[i]))
            objs[k++] = objs[i];
    nobj = k;
    int64_t *sizes = bs_arena_alloc(&a, sizeof *sizes * (size_t)(nobj + 1));
    for (int i = 0; i < nobj && rc == 0; i++) {
        rc = art_blob_content_size(s, objs[i], &sizes[i]);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(objarr, o);
        cJSON_AddStringToObject(o, "digest", objs[i]);
        cJSON_AddNumberToObject(o, "size", (double)sizes[i]);
        cJSON_AddBoolToObject(o, "tree", bs_cas_is_tree(s, objs[i]));
    }
    if (rc)
        goto out;
    text = cJSON_PrintUnformatted(idx);
    ar = archive_write_new();
    if (!text || !ar) {
        rc = bs_error_set(BS_ENOMEM, "export");
        goto out;
    }
    if (archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
        archive_write_add_filter_zstd(ar) != ARCHIVE_OK ||
        archive_write_open_filename(ar, path) != ARCHIVE_OK) {
        rc = ar_err(ar, "open for writing", path);
        goto out;
    }
    if ((rc = write_entry_hdr(ar, BUNDLE_INDEX, (int64_t)strlen(text), path)))
        goto out;
    ar_sink sk = {ar};
    if ((rc = sink_archive(&sk, text, strlen(text))))
        goto out;
    for (int i = 0; i < nobj && rc == 0; i++) {
        char name[80];
        snprintf(name, sizeof name, "objects/%s", objs[i]);
        if ((rc = write_entry_hdr(ar, name, sizes[i], path)) == 0)
            rc = art_cas_read_sink(s, objs[i], sink_archive, &sk);
    }
    if (rc == 0 && archive_write_close(ar) != ARCHIVE_OK)
        rc = ar_err(ar, "close", path);
    if (rc == 0 && count)
        *count = n;
out:
    if (ar)
        archive_write_free(ar);
    if (rc && ar)
        remove(path);
    for (int i = 0; i < nleases; i++)
        bs_art_lease_release(s, leases[i]);
    free(text);
    cJSON_Delete(idx);
    bs_arena_free(&a);
    return rc;
}

/* ---- import ---- */

typedef struct ar_src { struct archive *ar; } ar_src;

static ssize_t read_archive(void *ud, void *buf, size_t n)
{
    la_ssize_t r = archive_read_data(((ar_src *)ud)->ar, buf, n);
    if (r < 0)
        errno = EIO;
    return (ssize_t)r;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static int cmp_art(const void *x, const void *y)
{
    const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
    const char *na = jstr(a, "name"), *nb = jstr(b, "name");
    int c = strcmp(na ? na : "", nb ? nb : "");
    if (c)
        return c;
    int64_t va = jnum(a, "version"), vb = jnum(b, "version");
    return va < vb ? -1 : va > vb;
}

/* Indexes the artifacts of a bundle index (objects already stored). */
static int import_index(bs_art_store *s, const cJSON *idx, const char *path, int *added,
                        int *skipped, bs_arena *a)
{
    const cJSON *objs = cJSON_GetObjectItemCaseSensitive(idx, "objects");
    const cJSON *arts = cJSON_GetObjectItemCaseSensitive(idx, "artifacts"), *o;
    int rc = 0;
    cJSON_ArrayForEach(o, objs)
    {
        const char *d = jstr(o, "digest");
        if (!art_is_digest(d) || !bs_cas_has(s, d))
            return bs_error_set(BS_ECORRUPT, "bundle %s: object %s listed but not contained",
                                path, d ? d : "?");
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "tree")))
            continue;
        const char **blobs;
        int nb;
        int64_t tsize = 0;
        if ((rc = art_tree_blobs(s, d, a, &blobs, &nb, &tsize)))
            return bs_error_wrap(rc, "bundle %s: ", path);
        for (int i = 0; i < nb; i++)
            if (!bs_cas_has(s, blobs[i]))
                return bs_error_set(BS_ECORRUPT, "bundle %s: tree %.16s needs object %s, "
                                    "which the bundle lacks", path, d, blobs[i]);
        qsort(blobs, (size_t)nb, sizeof *blobs, cmp_strp);
        int u = 0;
        for (int i = 0; i < nb; i++)
            if (u == 0 || strcmp(blobs[u - 1], blobs[i]))
                blobs[u++] = blobs[i];
        if ((rc = art_index_tree(s, d, tsize, blobs, u)))
            return rc;
    }
    /* Oldest version first per name, so free version numbers are kept. */
    int na = cJSON_GetArraySize(arts), ia = 0;
    const cJSON **order = bs_arena_calloc(a, (size_t)na + 1, sizeof *order);
    cJSON_ArrayForEach(o, arts) order[ia++] = o;
    qsort(order, (size_t)ia, sizeof *order, cmp_art);
    for (int x = 0; x < ia; x++) {
        o = order[x];
        const char *name = jstr(o, "name"), *digest = jstr(o, "digest");
        if (!name || !art_is_digest(digest) || !bs_cas_has(s, digest))
            return bs_error_set(BS_ECORRUPT, "bundle %s: artifact '%s' lacks a stored digest",
                                path, name ? name : "?");
        /* Already here with the same content: skip (import is idempotent). */
        bs_art_filter f = {.name = name, .digest = digest, .limit = 1};
        bs_art_record *v;
        int n = 0;
        if ((rc = bs_art_query(s, &f, a, &v, &n)))
            return rc;
        if (n) {
            if (skipped)
                (*skipped)++;
            continue;
        }
        const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags"), *t;
        int nt = cJSON_GetArraySize(tags), k = 0;
        const char **tv = bs_arena_calloc(a, (size_t)nt + 1, sizeof *tv);
        cJSON_ArrayForEach(t, tags) if (cJSON_IsString(t)) tv[k++] = t->valuestring;
        bs_art_meta m = {
            .name = name, .build_id = jstr(o, "build_id"), .task_id = jnum(o, "task_id"),
            .step = jstr(o, "step"), .model_digest = jstr(o, "model_digest"),
            .platform = jstr(o, "platform"), .config_digest = jstr(o, "config_digest"),
            .cache_key = jstr(o, "cache_key"), .tags = tv, .ntags = k,
        };
        const char *kind = jstr(o, "kind");
        bool is_tree = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "is_tree"));
        int version = (int)jnum(o, "version");
        rc = art_index_import(s, digest, is_tree, jnum(o, "size"), kind ? kind : "file", &m,
                              jnum(o, "created_ms"),
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "pinned")),
                              &version);
        if (rc)
            return bs_error_wrap(rc, "bundle %s: artifact %s: ", path, name);
        if (added)
            (*added)++;
    }
    return 0;
}

int bs_art_import(bs_art_store *s, const char *path, int *added, int *skipped)
{
    if (added)
        *added = 0;
    if (skipped)
        *skipped = 0;
    struct archive *ar = archive_read_new();
    if (!ar)
        return bs_error_set(BS_ENOMEM, "import");
    archive_read_support_filter_all(ar);
    archive_read_support_format_tar(ar);
    if (archive_read_open_filename(ar, path, 1 << 20) != ARCHIVE_OK) {
        int rc = ar_err(ar, "open", path);
        archive_read_free(ar);
        return rc;
    }
    bs_arena a;
    bs_arena_init(&a, 0);
    cJSON *idx = NULL;
    int rc = art_lock_shared(s);
    struct archive_entry *e;
    int r;
    while (rc == 0 && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (!name || archive_entry_filetype(e) == AE_IFDIR) {
            archive_read_data_skip(ar); /* directories (tar -c adds them) carry nothing */
            continue;
        }
        if (!strcmp(name, BUNDLE_INDEX)) {
            int64_t sz = archive_entry_size(e);
            if (idx || sz <= 0 || sz > (int64_t)BUNDLE_MAX_INDEX) {
                rc = bs_error_set(BS_ECORRUPT, "bundle %s: bad or duplicate %s", path, BUNDLE_INDEX);
                break;
            }
            char *text = malloc((size_t)sz + 1);
            la_ssize_t got = text ? archive_read_data(ar, text, (size_t)sz) : -1;
            if (got != sz) {
                free(text);
                rc = bs_error_set(BS_ECORRUPT, "bundle %s: truncated %s", path, BUNDLE_INDEX);
                break;
            }
            text[sz] = '\0';
            rc = bs_json_parse(text, (size_t)sz, BUNDLE_INDEX, &idx);
            free(text);
            if (rc == 0 && jnum(idx, "brainsmith_bundle") != 1)
                rc = bs_error_set(BS_EUNSUPPORTED, "bundle %s: unknown format version %lld",
                                  path, (long long)jnum(idx, "brainsmith_bundle"));
            continue;
        }
        if (!strncmp(name, "objects/", 8)) {
            const char *want = name + 8;
            if (!art_is_digest(want) || archive_entry_filetype(e) != AE_IFREG) {
                rc = bs_error_set(BS_ECORRUPT, "bundle %s: bad object entry '%s'", path, name);
                break;
            }
            char got[BS_SHA256_HEX_LEN + 1];
            ar_src src = {ar};
            rc = art_cas_put_src(s, read_archive, &src, archive_entry_size_is_set(e)
                                 ? archive_entry_size(e) : -1, name, got, NULL);
            if (rc == 0 && strcmp(got, want))
                rc = bs_error_set(BS_ECORRUPT, "bundle %s: object %.16s... is corrupt (content "
                                  "hashes to %.16s...)", path, want, got);
            continue;
        }
        /* unknown entries are skipped: newer bundles may carry more */
        archive_read_data_skip(ar);
    }
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = ar_err(ar, "read", path);
    if (rc == 0 && !idx)
        rc = bs_error_set(BS_ECORRUPT, "bundle %s: no %s (not a brainsmith bundle?)", path,
                          BUNDLE_INDEX);
    if (rc == 0)
        rc = import_index(s, idx, path, added, skipped, &a);
    art_unlock_shared(s);
    cJSON_Delete(idx);
    archive_read_free(ar);
    bs_arena_free(&a);
    return rc;
}
