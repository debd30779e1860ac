/* verify.c - re-hashing the store and cross-checking it with the index.
 *
 * Every blob file under cas/xx/ is decompressed and re-hashed (a flipped bit
 * breaks either the zstd frame checksum or the SHA-256); every digest the
 * index names, and every blob of every indexed tree, must be present.
 * Problems name the artifacts (name@version) they affect. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art_int.h"
#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

typedef struct plist { bs_verify_problem *v; int n, cap; } plist;

/* "name@v" of an artifact whose digest is d or whose tree contains d. */
static const char *owner(bs_art_store *s, bs_arena *a, const char *d)
{
    sqlite3_stmt *st;
    const char *res = NULL;
    if (bs_db_prepare(s->db,
                      "SELECT name, version FROM artifacts WHERE digest=?1 UNION ALL "
                      "SELECT a.name, a.version FROM artifacts a JOIN cas_tree_refs r "
                      "ON r.tree=a.digest WHERE r.blob=?1 LIMIT 1",
                      &st))
        return NULL;
    sqlite3_bind_text(st, 1, d, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        res = bs_arena_sprintf(a, "%s@%d", (const char *)sqlite3_column_text(st, 0),
                               sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    return res;
}

static int add(plist *l, bs_arena *a, bs_art_store *s, const char *d, const char *what)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 16;
        bs_verify_problem *nv = bs_arena_alloc(a, sizeof *nv * (size_t)nc);
        if (!nv)
            return bs_error_set(BS_ENOMEM, "verify");
        if (l->n)
            memcpy(nv, l->v, sizeof *nv * (size_t)l->n);
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = (bs_verify_problem){bs_arena_strdup(a, d), what, owner(s, a, d)};
    return 0;
}

int bs_art_verify(bs_art_store *s, bs_arena *a, bs_verify_problem **probs, int *nprob,
                  int *nchecked)
{
    plist l = {0};
    int rc = 0, checked = 0;
    /* The shared gc lock gives a consistent view: no sweep removes blobs or
     * index rows while we compare them (puts and gets go on). */
    if ((rc = art_lock_shared(s)))
        return rc;
    DIR *top = opendir(s->cas);
    if (!top) {
        art_unlock_shared(s);
        return bs_error_set(BS_EIO, "verify: cannot open %s", s->cas);
    }
    struct dirent *de;
    while (rc == 0 && (de = readdir(top))) {
        if (strlen(de->d_name) != 2 || !strchr("0123456789abcdef", de->d_name[0]) ||
            !strchr("0123456789abcdef", de->d_name[1]))
            continue;
        char *dir = bs_path_join(s->cas, de->d_name);
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *fe;
        while (rc == 0 && d && (fe = readdir(d))) {
            if (fe->d_name[0] == '.')
                continue;
            char digest[BS_SHA256_HEX_LEN + 1];
            snprintf(digest, sizeof digest, "%s%s", de->d_name, fe->d_name);
            if (!art_is_digest(digest) || strlen(fe->d_name) != BS_SHA256_HEX_LEN - 2) {
                rc = add(&l, a, s, digest, "stray file (not a blob name)");
                continue;
            }
            checked++;
            int c = bs_cas_check(s, digest);
            if (c == BS_ECORRUPT)
                rc = add(&l, a, s, digest, "corrupt");
            else if (c)
                rc = add(&l, a, s, digest, "unreadable");
        }
        if (d)
            closedir(d);
        free(dir);
    }
    closedir(top);
    sqlite3_stmt *st;
    if (rc == 0 && (rc = bs_db_prepare(s->db,
                                       "SELECT DISTINCT digest FROM artifacts UNION "
                                       "SELECT DISTINCT r.blob FROM cas_tree_refs r JOIN "
                                       "artifacts a ON a.digest=r.tree",
                                       &st)) == 0) {
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 0);
            if (!bs_cas_has(s, d))
                rc = add(&l, a, s, d, "missing");
        }
        sqlite3_finalize(st);
    }
    art_unlock_shared(s);
    if (rc)
        return rc;
    *probs = l.v;
    *nprob = l.n;
    if (nchecked)
        *nchecked = checked;
    return 0;
}
