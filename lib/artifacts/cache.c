/* cache.c - reading artifacts back (get) and the step cache.
 *
 * A step's cache key is the SHA-256 of a length-prefixed record of
 * everything that determines its outputs (step name, input digests, the
 * config the step reads in canonical form, tool versions, brainsmith
 * version); see bs_cache_key() in artifacts.h.  Outputs are stored as a
 * tree artifact "step/<step>" carrying the key; a hit materialises that
 * tree under the shared gc lock, so a concurrent gc cannot pull it away
 * mid-copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>

#include "art_int.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#ifndef BS_VERSION
#define BS_VERSION "0.0.0"
#endif

int bs_art_get(bs_art_store *s, const char *ref, const char *out_path, bs_arena *a,
               bs_art_record *rec_out)
{
    bs_art_record r;
    int rc = bs_art_resolve(s, ref, a, &r);
    if (rc == BS_ENOTFOUND && art_is_digest(ref) && bs_cas_has(s, ref)) {
        /* Stored but not indexed (e.g. a blob of a tree): still retrievable. */
        memset(&r, 0, sizeof r);
        snprintf(r.digest, sizeof r.digest, "%s", ref);
        r.is_tree = bs_cas_is_tree(s, ref);
        rc = 0;
    }
    if (rc)
        return rc;
    /* A short read holds the shared gc lock instead of a lease: no database
     * write, and gc (exclusive) cannot sweep while we copy. */
    if ((rc = art_lock_shared(s)))
        return rc;
    if (!bs_cas_has(s, r.digest))
        rc = bs_error_set(BS_ENOTFOUND, "get %s: blob %s is not in the store (collected)", ref,
                          r.digest);
    else
        rc = bs_cas_materialise(s, r.digest, out_path);
    art_unlock_shared(s);
    if (rc == 0 && rec_out)
        *rec_out = r;
    return rc;
}

/* ---- cache key ---- */

static int cmp_child(const void *x, const void *y)
{
    const cJSON *a = *(cJSON *const *)x, *b = *(cJSON *const *)y;
    return strcmp(a->string ? a->string : "", b->string ? b->string : "");
}

/* Sorts object members by key, recursively, so that key order does not
 * change the canonical text. */
static int canon(cJSON *j)
{
    if (!cJSON_IsObject(j) && !cJSON_IsArray(j))
        return 0;
    int n = 0;
    for (cJSON *c = j->child; c; c = c->next)
        n++;
    if (n == 0)
        return 0;
    cJSON **v = malloc(sizeof *v * (size_t)n);
    if (!v)
        return bs_error_set(BS_ENOMEM, "cache key: config");
    int i = 0;
    for (cJSON *c = j->child; c; c = c->next)
        v[i++] = c;
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++)
        rc = canon(v[i]);
    if (cJSON_IsObject(j))
        qsort(v, (size_t)n, sizeof *v, cmp_child);
    for (i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: child->prev is the last item */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    j->child = v[0];
    free(v);
    return rc;
}

static void field(bs_sha256_ctx *h, char tag, const char *s)
{
    uint64_t n = s ? strlen(s) : 0;
    uint8_t hdr[9] = {(uint8_t)tag};
    for (int i = 0; i < 8; i++)
        hdr[1 + i] = (uint8_t)(n >> (56 - 8 * i));
    bs_sha256_update(h, hdr, sizeof hdr);
    if (n)
        bs_sha256_update(h, s, n);
}

static int cmp_strp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int bs_cache_key(const bs_cache_key_in *in, char key[BS_SHA256_HEX_LEN + 1])
{
    if (!in->step || !*in->step)
        return bs_error_set(BS_EINVAL, "cache key: a step name is required");
    char *config = NULL;
    if (in->config_json) {
        cJSON *j = NULL;
        int rc = bs_json_parse(in->config_json, strlen(in->config_json), "step config", &j);
        if (rc)
            return bs_error_wrap(rc, "cache key: ");
        rc = canon(j);
        config = rc ? NULL : cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        if (!config)
            return rc ? rc : bs_error_set(BS_ENOMEM, "cache key");
    }
    const char **tools = NULL;
    if (in->ntools) {
        tools = malloc(sizeof *tools * (size_t)in->ntools);
        if (!tools) {
            free(config);
            return bs_error_set(BS_ENOMEM, "cache key");
        }
        memcpy(tools, in->tools, sizeof *tools * (size_t)in->ntools);
        qsort(tools, (size_t)in->ntools, sizeof *tools, cmp_strp);
    }
    bs_sha256_ctx *h = bs_sha256_new();
    if (!h) {
        free(config);
        free(tools);
        return bs_error_set(BS_ENOMEM, "cache key");
    }
    char num[32];
    field(h, 'K', "brainsmith-step-cache-key/1");
    field(h, 'S', in->step);
    snprintf(num, sizeof num, "%d", in->ninputs);
    field(h, 'n', num);
    for (int i = 0; i < in->ninputs; i++)
        field(h, 'I', in->inputs[i]);
    field(h, in->config_json ? 'C' : 'c', config);
    snprintf(num, sizeof num, "%d", in->ntools);
    field(h, 'm', num);
    for (int i = 0; i < in->ntools; i++)
        field(h, 'T', tools[i]);
    field(h, 'V', in->bs_version ? in->bs_version : BS_VERSION);
    uint8_t md[BS_SHA256_LEN];
    int rc = bs_sha256_final(h, md);
    if (rc == 0)
        bs_hex_encode(md, BS_SHA256_LEN, key);
    free(config);
    free(tools);
    return rc;
}

/* ---- store / lookup / restore ---- */

static bool complete(bs_art_store *s, const bs_art_record *r, bs_arena *a)
{
    if (!bs_cas_has(s, r->digest))
        return false;
    if (!r->is_tree)
        return true;
    const char **blobs;
    int n;
    if (art_tree_blobs(s, r->digest, a, &blobs, &n, NULL))
        return false;
    for (int i = 0; i < n; i++)
        if (!bs_cas_has(s, blobs[i]))
            return false;
    return true;
}

int bs_cache_lookup(bs_art_store *s, const char *key, bs_arena *a, bs_art_record *out)
{
    if (!art_is_digest(key))
        return bs_error_set(BS_EINVAL, "cache: '%s' is not a cache key (64 hex chars)", key);
    bs_art_filter f = {.cache_key = key};
    bs_art_record *v;
    int n;
    int rc = bs_art_query(s, &f, a, &v, &n);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        if (complete(s, &v[i], a)) {
            *out = v[i];
            return 0;
        }
    return bs_error_set(BS_ENOTFOUND, "cache: miss for key %.16s", key);
}

int bs_cache_store(bs_art_store *s, const char *key, const char *step, const char *out_dir,
                   const bs_art_meta *m, bs_arena *a, bs_art_record *out)
{
    if (!art_is_digest(key))
        return bs_error_set(BS_EINVAL, "cache: '%s' is not a cache key (64 hex chars)", key);
    if (!step || !*step)
        return bs_error_set(BS_EINVAL, "cache: a step name is required");
    bs_art_meta meta = m ? *m : (bs_art_meta){0};
    meta.name = bs_arena_sprintf(a, "step/%s", step);
    meta.kind = "cache";
    meta.step = step;
    meta.cache_key = key;
    if (!bs_is_dir(out_dir))
        return bs_error_set(BS_EINVAL, "cache: outputs %s are not a directory", out_dir);
    /* Shared lock from storing the tree until it is indexed (gc safety). */
    int rc = art_lock_shared(s);
    if (rc)
        return rc;
    char digest[BS_SHA256_HEX_LEN + 1];
    bs_art_record r;
    rc = bs_cas_put_tree(s, out_dir, digest, NULL);
    if (rc == 0) {
        /* The same outputs under the same key again: no new version. */
        bs_art_filter f = {.cache_key = key, .digest = digest, .limit = 1};
        bs_art_record *v;
        int n = 0;
        rc = bs_art_query(s, &f, a, &v, &n);
        if (rc == 0 && n == 1)
            r = v[0];
        else if (rc == 0)
            rc = bs_art_put_digest(s, digest, &meta, a, &r);
    }
    art_unlock_shared(s);
    if (rc == 0 && out)
        *out = r;
    return rc;
}

int bs_cache_restore(bs_art_store *s, const char *key, const char *dest_dir, bs_arena *a,
                     bs_art_record *out)
{
    bs_art_record r;
    /* Look up under the shared gc lock: what it finds complete stays so
     * until we are done copying. */
    int rc = art_lock_shared(s);
    if (rc)
        return rc;
    rc = bs_cache_lookup(s, key, a, &r);
    if (rc == 0)
        rc = bs_cas_materialise(s, r.digest, dest_dir);
    art_unlock_shared(s);
    if (rc == 0 && out)
        *out = r;
    return rc;
}
