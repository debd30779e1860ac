/* dag.c - a DAG of tasks described in JSON, for `submit --dag FILE` and
 * for callers that keep task graphs as data.
 *
 *   [{"name": "synth", "cmd": ["vivado", "-mode", "batch"], "after": ["hls"],
 *     "priority": "high", "cpus": 4, "mem": "16G", "licenses": "vivado=1",
 *     "retries": 2, "backoff": 30, "retry_on": "exit,timeout", "timeout": "2h",
 *     "key": "b1/synth", "build": "b-...", "cwd": "/work", "env": {"K": "V"}}, ...]
 *
 * "name" and "cmd" are required; names are unique within the file.  An
 * "after" entry is the name of another task of the file or the numeric id
 * of an existing task.  Every error names the file, the task and the field. */
#include "orch_int.h"

#include "brainsmith/arena.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <string.h>

static int field_err(const char *what, int i, const char *name, const char *field, const char *msg)
{
    return bs_error_set(BS_EINVAL, "%s: task %d%s%s%s: \"%s\": %s", what, i, name ? " (" : "",
                        name ? name : "", name ? ")" : "", field, msg);
}

/* A number of seconds or a duration string ("30", "5m") in ms. */
static int duration_ms(const cJSON *v, int64_t *ms)
{
    double s;
    if (cJSON_IsNumber(v))
        s = v->valuedouble;
    else if (!cJSON_IsString(v) || bs_parse_duration_s(v->valuestring, &s))
        return -1;
    if (s < 0)
        return -1;
    *ms = (int64_t)(s * 1000.0 + 0.5);
    return 0;
}

static int parse_task(const cJSON *o, int i, const char *what, bs_arena *a, bs_task_spec *sp)
{
    bs_task_spec_init(sp);
    const cJSON *v;
    const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name"));
    if (!cJSON_IsObject(o))
        return bs_error_set(BS_EINVAL, "%s: task %d: expected an object", what, i);
    if (!nm || !*nm)
        return field_err(what, i, NULL, "name", "required, a non-empty string");
    sp->name = bs_arena_strdup(a, nm);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "cmd");
    int nc = cJSON_IsArray(cmd) ? cJSON_GetArraySize(cmd) : 0;
    if (nc < 1)
        return field_err(what, i, nm, "cmd", "required, a non-empty array of strings");
    const char **argv = bs_arena_calloc(a, (size_t)nc + 1, sizeof *argv);
    for (int k = 0; k < nc; k++) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, k));
        if (!s)
            return field_err(what, i, nm, "cmd", "every element must be a string");
        argv[k] = bs_arena_strdup(a, s);
    }
    sp->argv = argv;
    cJSON_ArrayForEach(v, o) {
        const char *k = v->string;
        if (!strcmp(k, "name") || !strcmp(k, "cmd") || !strcmp(k, "after")) {
            continue;
        } else if (!strcmp(k, "priority")) {
            if (cJSON_IsNumber(v))
                sp->priority = v->valueint;
            else if (!cJSON_IsString(v) || bs_priority_parse(v->valuestring, &sp->priority))
                return field_err(what, i, nm, k, "low, normal, high, urgent or an integer");
        } else if (!strcmp(k, "cpus")) {
            if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 4096)
                return field_err(what, i, nm, k, "an integer in [1, 4096]");
            sp->cpus = v->valueint;
        } else if (!strcmp(k, "mem")) {
            if (cJSON_IsNumber(v) && v->valuedouble >= 0)
                sp->mem_mb = (int64_t)v->valuedouble;
            else if (!cJSON_IsString(v) || bs_parse_mem_mb(v->valuestring, &sp->mem_mb))
                return field_err(what, i, nm, k, "MB as a number, or a size like \"512M\", \"2G\"");
        } else if (!strcmp(k, "licenses")) {
            if (!cJSON_IsString(v) || bs_license_parse(v->valuestring, sp->licenses, &sp->nlicenses))
                return field_err(what, i, nm, k, "a list like \"vivado=1,modelsim=2\"");
        } else if (!strcmp(k, "retries")) {
            if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 999)
                return field_err(what, i, nm, k, "an integer in [0, 999]");
            sp->retry.max_attempts = v->valueint + 1;
        } else if (!strcmp(k, "backoff")) {
            if (duration_ms(v, &sp->retry.backoff_base_ms))
                return field_err(what, i, nm, k, "seconds, or a duration like \"30s\"");
        } else if (!strcmp(k, "retry_on")) {
            if (!cJSON_IsString(v) || bs_fail_mask_parse(v->valuestring, &sp->retry.retry_on))
                return field_err(what, i, nm, k, "failure classes like \"exit,timeout\", \"all\" or \"none\"");
        } else if (!strcmp(k, "timeout")) {
            if (duration_ms(v, &sp->timeout_ms))
                return field_err(what, i, nm, k, "seconds, or a duration like \"2h\"");
        } else if (!strcmp(k, "key") || !strcmp(k, "build") || !strcmp(k, "cwd")) {
            if (!cJSON_IsString(v))
                return field_err(what, i, nm, k, "a string");
            const char *s = bs_arena_strdup(a, v->valuestring);
            if (k[0] == 'k')
                sp->key = s;
            else if (k[0] == 'b')
                sp->build_id = s;
            else
                sp->cwd = s;
        } else if (!strcmp(k, "env")) {
            int ne = cJSON_IsObject(v) ? cJSON_GetArraySize(v) : -1;
            if (ne < 0)
                return field_err(what, i, nm, k, "an object of strings {\"K\": \"V\"}");
            const char **env = bs_arena_calloc(a, (size_t)ne + 1, sizeof *env);
            int e = 0;
            const cJSON *kv;
            cJSON_ArrayForEach(kv, v) {
                if (!cJSON_IsString(kv) || !*kv->string || strchr(kv->string, '='))
                    return field_err(what, i, nm, k, "an object of strings {\"K\": \"V\"}");
                env[e++] = bs_arena_sprintf(a, "%s=%s", kv->string, kv->valuestring);
            }
            sp->env = env;
        } else {
            return field_err(what, i, nm, k, "unknown field (name, cmd, after, priority, cpus, mem, "
                                             "licenses, retries, backoff, retry_on, timeout, key, build, "
                                             "cwd, env)");
        }
    }
    return 0;
}

int bs_orch_dag_parse(const cJSON *arr, const char *what, bs_arena *a, bs_task_spec **out, int *n)
{
    *out = NULL;
    *n = 0;
    int cnt = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    if (cnt < 1)
        return bs_error_set(BS_EINVAL, "%s: expected a non-empty JSON array of tasks", what);
    bs_task_spec *sp = bs_arena_calloc(a, (size_t)cnt, sizeof *sp);
    int i = 0, rc = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        if ((rc = parse_task(o, i, what, a, &sp[i])))
            return rc;
        for (int j = 0; j < i; j++)
            if (!strcmp(sp[j].name, sp[i].name))
                return field_err(what, i, sp[i].name, "name", "used by an earlier task of the file");
        i++;
    }
    /* Dependencies once all names are known. */
    i = 0;
    cJSON_ArrayForEach(o, arr) {
        const cJSON *after = cJSON_GetObjectItemCaseSensitive(o, "after");
        if (after) {
            int na = cJSON_IsArray(after) ? cJSON_GetArraySize(after) : -1;
            if (na < 0)
                return field_err(what, i, sp[i].name, "after", "an array of task names or ids");
            int *loc = bs_arena_calloc(a, (size_t)na + 1, sizeof *loc);
            int64_t *ext = bs_arena_calloc(a, (size_t)na + 1, sizeof *ext);
            const cJSON *d;
            cJSON_ArrayForEach(d, after) {
                if (cJSON_IsNumber(d) && d->valuedouble >= 1) {
                    ext[sp[i].nafter++] = (int64_t)d->valuedouble;
                    continue;
                }
                int j = -1;
                for (int k = 0; cJSON_IsString(d) && k < cnt; k++)
                    if (!strcmp(sp[k].name, d->valuestring))
                        j = k;
                if (j < 0)
                    return field_err(what, i, sp[i].name, "after",
                                     cJSON_IsString(d) ? bs_arena_sprintf(a, "no task named '%s' in the file",
                                                                          d->valuestring)
                                                       : "entries are task names or ids");
                loc[sp[i].nafter_local++] = j;
            }
            sp[i].after = ext;
            sp[i].after_local = loc;
        }
        i++;
    }
    *out = sp;
    *n = cnt;
    return 0;
}
