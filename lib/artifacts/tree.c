/* tree.c - directories in the CAS: manifests and materialisation.
 *
 * A tree is stored as one manifest blob, canonical JSON (compact, keys in a
 * fixed order, entries sorted bytewise by path):
 *   {"brainsmith_manifest":1,"size":N,"entries":[
 *     {"path":"report","type":"dir","mode":493},
 *     {"path":"report/a.json","type":"file","digest":"<sha256>","size":12,"mode":420},
 *     {"path":"latest","type":"symlink","target":"report"}]}
 * so the same directory content always gives the same tree digest.  The
 * tables cas_trees / cas_tree_refs record which blobs a tree references, for
 * gc and verify.  Materialising confines every path to the destination
 * (bs_path_confine) and creates symlinks last, so a hostile manifest (from
 * an imported bundle) cannot write outside it. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cJSON.h>

#include "art_int.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

typedef struct tent {
    char *path;         /* relative, '/'-separated */
    char type;          /* 'f', 'd', 'l' */
    int mode;
    int64_t size;
    char digest[BS_SHA256_HEX_LEN + 1];
    char *target;       /* symlink */
} tent;

typedef struct tlist { tent *v; int n, cap; } tlist;

static int tl_push(tlist *l, tent e)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 64;
        tent *nv = realloc(l->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return bs_error_set(BS_ENOMEM, "tree: entries");
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = e;
    return 0;
}

static void tl_free(tlist *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].target);
    }
    free(l->v);
}

/* Walks root/rel (rel "" = root) collecting entries; files are stored now. */
static int walk(bs_art_store *s, const char *root, const char *rel, tlist *l, int64_t *total)
{
    char *dir = rel[0] ? bs_path_join(root, rel) : strdup(root);
    if (!dir)
        return bs_error_set(BS_ENOMEM, "tree: path");
    DIR *d = opendir(dir);
    if (!d) {
        int rc = bs_error_set(BS_EIO, "tree: opendir %s: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *full = bs_path_join(dir, de->d_name);
        char *r = rel[0] ? bs_path_join(rel, de->d_name) : strdup(de->d_name);
        struct stat st;
        if (!full || !r) {
            rc = bs_error_set(BS_ENOMEM, "tree: path");
        } else if (lstat(full, &st) != 0) {
            rc = bs_error_set(BS_EIO, "tree: stat %s: %s", full, strerror(errno));
        } else {
            tent e = {.path = r, .mode = (int)(st.st_mode & 07777)};
            if (S_ISDIR(st.st_mode)) {
                e.type = 'd';
                rc = tl_push(l, e);
                r = NULL;
                if (rc == 0)
                    rc = walk(s, root, e.path, l, total);
            } else if (S_ISREG(st.st_mode)) {
                e.type = 'f';
                rc = bs_cas_put_file(s, full, e.digest, &e.size);
                if (rc == 0) {
                    *total += e.size;
                    rc = tl_push(l, e);
                    r = NULL;
                }
            } else if (S_ISLNK(st.st_mode)) {
                char buf[PATH_MAX];
                ssize_t k = readlink(full, buf, sizeof buf - 1);
                if (k < 0) {
                    rc = bs_error_set(BS_EIO, "tree: readlink %s: %s", full, strerror(errno));
                } else {
                    buf[k] = '\0';
                    e.type = 'l';
                    e.mode = 0777;
                    e.target = strdup(buf);
                    rc = e.target ? tl_push(l, e) : bs_error_set(BS_ENOMEM, "tree");
                    if (rc == 0)
                        r = NULL;
                    else
                        free(e.target);
                }
            } else {
                rc = bs_error_set(BS_EUNSUPPORTED,
                                  "tree: %s is not a file, directory or symlink", full);
            }
        }
        free(full);
        free(r);
    }
    closedir(d);
    free(dir);
    return rc;
}

static int cmp_tent(const void *a, const void *b)
{
    return strcmp(((const tent *)a)->path, ((const tent *)b)->path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int art_index_tree(bs_art_store *s, const char *tree, int64_t size, const char *const *blobs,
                   int nblobs)
{
    sqlite3_stmt *st = NULL;
    int rc = bs_db_prepare(s->db,
                           "INSERT OR IGNORE INTO cas_trees(digest, size, nblobs, created_ms) "
                           "VALUES(?,?,?,?)",
                           &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tree, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, size);
    sqlite3_bind_int(st, 3, nblobs);
    sqlite3_bind_int64(st, 4, bs_now_ms());
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bs_db_error(s->db, "tree: index");
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if ((rc = bs_db_prepare(s->db, "INSERT OR IGNORE INTO cas_tree_refs(tree, blob) VALUES(?,?)",
                            &st)))
        return rc;
    for (int i = 0; i < nblobs && rc == 0; i++) {
        sqlite3_bind_text(st, 1, tree, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, blobs[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = bs_db_error(s->db, "tree: index refs");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

int bs_cas_put_tree(bs_art_store *s, const char *dir, char digest[BS_SHA256_HEX_LEN + 1],
                    int64_t *size)
{
    if (!bs_is_dir(dir))
        return bs_error_set(BS_EINVAL, "tree: %s is not a directory", dir);
    tlist l = {0};
    int64_t total = 0;
    /* Renames of the file blobs become durable by one fsync per touched
     * cas/xx directory, before the manifest (and so any index row) exists. */
    art_dirsync_begin(s);
    int rc = walk(s, dir, "", &l, &total);
    int frc = art_dirsync_flush(s);
    if (rc == 0)
        rc = frc;
    cJSON *m = NULL;
    char *text = NULL;
    const char **blobs = NULL;
    if (rc)
        goto out;
    qsort(l.v, (size_t)l.n, sizeof *l.v, cmp_tent);
    m = cJSON_CreateObject();
    cJSON *arr = cJSON_CreateArray();
    if (!m || !arr) {
        cJSON_Delete(arr);
        rc = bs_error_set(BS_ENOMEM, "tree: manifest");
        goto out;
    }
    cJSON_AddNumberToObject(m, "brainsmith_manifest", 1);
    cJSON_AddNumberToObject(m, "size", (double)total);
    cJSON_AddItemToObject(m, "entries", arr);
    blobs = malloc(sizeof *blobs * (size_t)(l.n + 1));
    int nb = 0;
    for (int i = 0; i < l.n; i++) {
        tent *e = &l.v[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "path", e->path);
        if (e->type == 'd') {
            cJSON_AddStringToObject(o, "type", "dir");
            cJSON_AddNumberToObject(o, "mode", e->mode);
        } else if (e->type == 'f') {
            cJSON_AddStringToObject(o, "type", "file");
            cJSON_AddStringToObject(o, "digest", e->digest);
            cJSON_AddNumberToObject(o, "size", (double)e->size);
            cJSON_AddNumberToObject(o, "mode", e->mode);
            blobs[nb++] = e->digest;
        } else {
            cJSON_AddStringToObject(o, "type", "symlink");
            cJSON_AddStringToObject(o, "target", e->target);
        }
    }
    text = cJSON_PrintUnformatted(m);
    if (!text || !blobs) {
        rc = bs_error_set(BS_ENOMEM, "tree: manifest");
        goto out;
    }
    if ((rc = bs_cas_put_buf(s, text, strlen(text), digest)))
        goto out;
    qsort(blobs, (size_t)nb, sizeof *blobs, cmp_str);
    int k = 0;
    for (int i = 0; i < nb; i++)
        if (k == 0 || strcmp(blobs[k - 1], blobs[i]))
            blobs[k++] = blobs[i];
    rc = art_index_tree(s, digest, total, blobs, k);
    if (rc == 0 && size)
        *size = total;
out:
    free(blobs);
    free(text);
    cJSON_Delete(m);
    tl_free(&l);
    return rc;
}

bool bs_cas_is_tree(bs_art_store *s, const char *digest)
{
    sqlite3_stmt *st;
    if (bs_db_prepare(s->db, "SELECT 1 FROM cas_trees WHERE digest=?", &st))
        return false;
    sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* Loads and validates a manifest. */
static int load_manifest(bs_art_store *s, const char *digest, cJSON **out)
{
    char *text = NULL;
    size_t len = 0;
    int rc = bs_cas_read(s, digest, &text, &len);
    if (rc)
        return rc;
    char what[96];
    snprintf(what, sizeof what, "manifest %.16s", digest);
    cJSON *m = NULL;
    rc = bs_json_parse(text, len, what, &m);
    free(text);
    if (rc)
        return rc;
    int64_t ver = 0;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(m, "entries");
    if (bs_json_get_i64(m, "brainsmith_manifest", &ver) || ver != 1 || !cJSON_IsArray(arr)) {
        cJSON_Delete(m);
        return bs_error_set(BS_ECORRUPT, "%s: not a brainsmith manifest (version 1)", what);
    }
    *out = m;
    return 0;
}

int art_tree_blobs(bs_art_store *s, const char *tree, bs_arena *a, const char ***blobs, int *n,
                   int64_t *size)
{
    cJSON *m;
    int rc = load_manifest(s, tree, &m);
    if (rc)
        return rc;
    if (size && bs_json_get_i64(m, "size", size))
        *size = 0;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(m, "entries"), *e;
    int cnt = cJSON_GetArraySize(arr), k = 0;
    const char **v = bs_arena_calloc(a, (size_t)cnt + 1, sizeof *v);
    cJSON_ArrayForEach(e, arr)
    {
        const char *d;
        if (bs_json_get_str(e, "digest", &d) == 0 && art_is_digest(d))
            v[k++] = bs_arena_strdup(a, d);
    }
    cJSON_Delete(m);
    *blobs = v;
    *n = k;
    return 0;
}

/* Checks a manifest path: relative, no empty, "." or ".." components. */
static bool safe_rel(const char *p)
{
    if (!p || !*p || *p == '/' || strlen(p) >= PATH_MAX)
        return false;
    const char *c = p;
    while (*c) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        if (!e)
            break;
        c = e + 1;
    }
    return true;
}

/* Materialises the entries of manifest m into root (which exists, empty). */
static int fill_tree(bs_art_store *s, const cJSON *m, const char *root)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(m, "entries"), *e;
    int rc = 0;
    /* pass 0: dirs, 1: files, 2: symlinks (last, so nothing is written through one) */
    for (int pass = 0; pass < 3 && rc == 0; pass++) {
        cJSON_ArrayForEach(e, arr)
        {
            const char *path, *type;
            if (bs_json_get_str(e, "path", &path) || bs_json_get_str(e, "type", &type) ||
                !safe_rel(path))
                return bs_error_set(BS_ECORRUPT, "manifest: bad entry path '%s'",
                                    cJSON_IsString(cJSON_GetObjectItem(e, "path"))
                                        ? cJSON_GetObjectItem(e, "path")->valuestring
                                        : "?");
            int want = !strcmp(type, "dir") ? 0 : !strcmp(type, "file") ? 1
                     : !strcmp(type, "symlink") ? 2 : -1;
            if (want < 0)
                return bs_error_set(BS_ECORRUPT, "manifest: %s: unknown type '%s'", path, type);
            if (want != pass)
                continue;
            int64_t mode = want == 0 ? 0755 : 0644;
            bs_json_get_i64(e, "mode", &mode);
            char *full = NULL;
            if ((rc = bs_path_confine(root, path, &full)))
                return bs_error_wrap(rc, "manifest entry %s: ", path);
            if (want == 0) {
                if (mkdir(full, (mode_t)(mode & 07777) | 0700) != 0 && errno != EEXIST)
                    rc = bs_error_set(BS_EIO, "materialise: mkdir %s: %s", full, strerror(errno));
            } else if (want == 1) {
                const char *d;
                if (bs_json_get_str(e, "digest", &d) || !art_is_digest(d))
                    rc = bs_error_set(BS_ECORRUPT, "manifest: %s: bad digest", path);
                else
                    rc = bs_cas_get_file(s, d, full, (int)(mode & 07777));
            } else {
                const char *target;
                if (bs_json_get_str(e, "target", &target))
                    rc = bs_error_set(BS_ECORRUPT, "manifest: %s: symlink without target", path);
                else if (symlink(target, full) != 0)
                    rc = bs_error_set(BS_EIO, "materialise: symlink %s: %s", full,
                                      strerror(errno));
            }
            free(full);
            if (rc)
                return rc;
        }
    }
    /* Directory modes last, so a read-only directory did not block its files. */
    cJSON_ArrayForEach(e, arr)
    {
        const char *path, *type;
        int64_t mode;
        if (bs_json_get_str(e, "path", &path) || bs_json_get_str(e, "type", &type) ||
            strcmp(type, "dir") || bs_json_get_i64(e, "mode", &mode))
            continue;
        char *full = bs_path_join(root, path);
        if (full)
            chmod(full, (mode_t)(mode & 07777));
        free(full);
    }
    return rc;
}

int bs_cas_materialise(bs_art_store *s, const char *digest, const char *out_path)
{
    if (!art_is_digest(digest))
        return bs_error_set(BS_EINVAL, "materialise: '%s' is not a digest", digest);
    if (!bs_cas_is_tree(s, digest)) {
        struct stat st;
        if (lstat(out_path, &st) == 0 && S_ISDIR(st.st_mode))
            return bs_error_set(BS_EEXISTS, "materialise: %s is a directory", out_path);
        return bs_cas_get_file(s, digest, out_path, 0644);
    }
    cJSON *m;
    int rc = load_manifest(s, digest, &m);
    if (rc)
        return rc;
    bool existed = false;
    struct stat st;
    if (lstat(out_path, &st) == 0) {
        DIR *d = S_ISDIR(st.st_mode) ? opendir(out_path) : NULL;
        int n = 0;
        struct dirent *de;
        while (d && (de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                n++;
        if (d)
            closedir(d);
        if (!S_ISDIR(st.st_mode) || n) {
            cJSON_Delete(m);
            return bs_error_set(BS_EEXISTS, "materialise: %s exists and is not an empty directory",
                                out_path);
        }
        existed = true;
    }
    /* Build beside the destination, then rename into place: a reader of
     * out_path sees nothing or the complete tree. */
    size_t n = strlen(out_path) + 40;
    char *tmp = malloc(n);
    if (!tmp) {
        cJSON_Delete(m);
        return bs_error_set(BS_ENOMEM, "materialise");
    }
    snprintf(tmp, n, "%s.bs-tmp-%08x", out_path, (unsigned)bs_random_u64());
    if (mkdir(tmp, 0755) != 0) {
        rc = bs_error_set(BS_EIO, "materialise: mkdir %s: %s", tmp, strerror(errno));
    } else {
        rc = fill_tree(s, m, tmp);
        if (rc == 0 && existed && rmdir(out_path) != 0)
            rc = bs_error_set(BS_EIO, "materialise: rmdir %s: %s", out_path, strerror(errno));
        if (rc == 0 && rename(tmp, out_path) != 0)
            rc = bs_error_set(BS_EIO, "materialise: rename to %s: %s", out_path, strerror(errno));
        if (rc)
            bs_rm_rf(tmp);
    }
    free(tmp);
    cJSON_Delete(m);
    return rc;
}
