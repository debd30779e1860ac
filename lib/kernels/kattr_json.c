/* kattr_json.c - a bs_kattr_src over a cJSON object of FINN node attributes,
 * used by the CLI (`brainsmith kernels estimate --attrs`) and by the tests that
 * replay attributes dumped from FINN's own intermediate models. */
#include <math.h>
#include "kernels_int.h"

static const cJSON *item(void *ud, const char *name) {
    return cJSON_GetObjectItemCaseSensitive(((bs_kattr_json *)ud)->obj, name);
}

static int j_int(void *ud, const char *name, int64_t *out) {
    const cJSON *it = item(ud, name);
    if (!it) return BS_ENOTFOUND;
    if (cJSON_IsBool(it)) { *out = cJSON_IsTrue(it); return 0; }
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) || fabs(it->valuedouble) > 9e15)
        return bs_error_set(BS_EINVAL, "attribute %s: expected an integer", name);
    *out = (int64_t)it->valuedouble;
    return 0;
}

static int j_str(void *ud, const char *name, const char **out) {
    const cJSON *it = item(ud, name);
    if (!it) return BS_ENOTFOUND;
    if (!cJSON_IsString(it)) return bs_error_set(BS_EINVAL, "attribute %s: expected a string", name);
    *out = it->valuestring;
    return 0;
}

static int j_ints(void *ud, const char *name, const int64_t **vals, size_t *n) {
    bs_kattr_json *st = ud;
    const cJSON *it = item(ud, name), *e;
    if (!it) return BS_ENOTFOUND;
    if (cJSON_IsNumber(it)) return BS_ENOTFOUND;   /* scalar: the loader asks get_int */
    if (!cJSON_IsArray(it)) return bs_error_set(BS_EINVAL, "attribute %s: expected a list of integers", name);
    size_t k = 0;
    cJSON_ArrayForEach(e, it) {
        if (!cJSON_IsNumber(e) || k >= BS_KATTR_JSON_MAX || e->valuedouble != floor(e->valuedouble) ||
            fabs(e->valuedouble) > 9e15)
            return bs_error_set(BS_EINVAL, "attribute %s: expected at most %d integers", name,
                                BS_KATTR_JSON_MAX);
        st->ints[k++] = (int64_t)e->valuedouble;
    }
    *vals = st->ints;
    *n = k;
    return 0;
}

static int j_strs(void *ud, const char *name, const char *const **vals, size_t *n) {
    bs_kattr_json *st = ud;
    const cJSON *it = item(ud, name), *e;
    if (!it) return BS_ENOTFOUND;
    if (!cJSON_IsArray(it)) return bs_error_set(BS_EINVAL, "attribute %s: expected a list of strings", name);
    size_t k = 0;
    cJSON_ArrayForEach(e, it) {
        if (!cJSON_IsString(e) || k >= 4)
            return bs_error_set(BS_EINVAL, "attribute %s: expected at most 4 strings", name);
        st->strs[k++] = e->valuestring;
    }
    *vals = st->strs;
    *n = k;
    return 0;
}

void bs_kattr_src_json(bs_kattr_src *src, bs_kattr_json *st, const cJSON *obj) {
    memset(src, 0, sizeof *src);
    memset(st, 0, sizeof *st);
    st->obj = obj;
    src->ud = st;
    src->get_int = j_int;
    src->get_str = j_str;
    src->get_ints = j_ints;
    src->get_strs = j_strs;
}
