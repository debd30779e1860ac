/* decide.c - the scheduling decision: which ready tasks start now.
 *
 * Ready tasks are walked in rank order (priority with aging, see
 * schema.c) through the partial index tasks_ready, at most `lookahead` of
 * them.  A task starts if the free cpus, memory and licenses cover it.
 * The first ready task that does not fit reserves what it needs of the
 * free resources, so a stream of small tasks cannot starve a big one;
 * later tasks only use what is left beyond that reservation. */
#include "sched_int.h"

#include "brainsmith/error.h"
#include "brainsmith/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int lic_index(const bs_sched *s, const char *name)
{
    for (int i = 0; i < s->o.nlicenses; i++)
        if (!strcmp(s->o.licenses[i].name, name))
            return i;
    return -1;
}

typedef struct avail {
    int cpus;
    int64_t mem;
    int lic[BS_ORCH_MAX_LICENSES];
} avail;

static void free_resources(const bs_sched *s, avail *av)
{
    av->cpus = s->o.cpus - s->used_cpus;
    av->mem = s->o.mem_mb - s->used_mem;
    for (int i = 0; i < s->o.nlicenses; i++)
        av->lic[i] = s->o.licenses[i].count - s->used_lic[i];
}

static bool fits(const bs_sched *s, const cand *c, const avail *av)
{
    if (c->cpus > av->cpus || c->mem_mb > av->mem)
        return false;
    for (int k = 0; k < c->nlic; k++) {
        int i = lic_index(s, c->lic[k].name);
        if (i < 0 || c->lic[k].count > av->lic[i])
            return false;
    }
    return true;
}

/* What is left of `have` after a task takes `need`; a reservation takes
 * only what is there (min(free, need)), never driving it negative. */
static int64_t left_after(int64_t have, int64_t need, bool reserve)
{
    if (!reserve)
        return have - need;
    int64_t r = have <= 0 ? 0 : need < have ? need : have;
    return have - r;
}

static void take(const bs_sched *s, const cand *c, avail *av, bool reserve)
{
    av->cpus = (int)left_after(av->cpus, c->cpus, reserve);
    av->mem = left_after(av->mem, c->mem_mb, reserve);
    for (int k = 0; k < c->nlic; k++) {
        int i = lic_index(s, c->lic[k].name);
        if (i >= 0)
            av->lic[i] = (int)left_after(av->lic[i], c->lic[k].count, reserve);
    }
}

void sched_account(bs_sched *s, const run_att *a, int sign)
{
    s->used_cpus += sign * a->cpus;
    s->used_mem += sign * a->mem_mb;
    for (int k = 0; k < a->nlic; k++) {
        int i = lic_index(s, a->lic[k].name);
        if (i >= 0)
            s->used_lic[i] += sign * a->lic[k].count;
    }
}

static void warn_unschedulable(bs_sched *s, const cand *c)
{
    for (int i = 0; i < s->nwarned; i++)
        if (s->warned[i] == c->id)
            return;
    if (s->nwarned == s->capwarned) {
        int cap = s->capwarned ? s->capwarned * 2 : 16;
        int64_t *p = realloc(s->warned, (size_t)cap * sizeof *p);
        if (!p)
            return;
        s->warned = p;
        s->capwarned = cap;
    }
    s->warned[s->nwarned++] = c->id;
    char lic[128] = "";
    for (int k = 0, off = 0; k < c->nlic && off < (int)sizeof lic - 40; k++)
        off += snprintf(lic + off, sizeof lic - (size_t)off, "%s%s=%d", k ? "," : "", c->lic[k].name,
                        c->lic[k].count);
    BS_WARN("task %lld needs licenses %s, more than this scheduler manages (run --license); it stays "
            "ready", (long long)c->id, lic);
}

int sched_decide(bs_sched *s, cand *out, int max, int *n)
{
    *n = 0;
    avail av, total;
    free_resources(s, &av);
    if (av.cpus <= 0 || max <= 0)
        return 0;
    memset(&total, 0, sizeof total);
    total.cpus = s->o.cpus;
    total.mem = s->o.mem_mb;
    for (int i = 0; i < s->o.nlicenses; i++)
        total.lic[i] = s->o.licenses[i].count;
    sqlite3_stmt *st;
    /* Requests beyond the total capacity can never start here: filtered
     * out so they cannot use up the lookahead (reported at open). */
    int rc = bs_db_prepare(s->ws->db, "SELECT id, cpus, mem_mb, licenses FROM tasks WHERE state='ready'"
                                      " AND cpus <= ?2 AND mem_mb <= ?3 ORDER BY rank DESC, id LIMIT ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, s->o.lookahead);
    sqlite3_bind_int(st, 2, s->o.cpus);
    sqlite3_bind_int64(st, 3, s->o.mem_mb);
    bool reserved = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cand c;
        memset(&c, 0, sizeof c);
        c.id = sqlite3_column_int64(st, 0);
        c.cpus = sqlite3_column_int(st, 1);
        c.mem_mb = sqlite3_column_int64(st, 2);
        const char *lic = (const char *)sqlite3_column_text(st, 3);
        if (lic && bs_license_parse(lic, c.lic, &c.nlic)) {
            c.nlic = BS_ORCH_MAX_LICENSES + 1;     /* unparsable: never fits */
        }
        if (c.nlic > BS_ORCH_MAX_LICENSES || !fits(s, &c, &total)) {
            if (c.nlic > BS_ORCH_MAX_LICENSES)
                c.nlic = 0;
            warn_unschedulable(s, &c);
            continue;
        }
        if (fits(s, &c, &av)) {
            out[(*n)++] = c;
            take(s, &c, &av, false);
        } else if (!reserved) {
            reserved = true;
            take(s, &c, &av, true);
        }
        if (*n >= max || av.cpus <= 0)
            break;
    }
    sqlite3_finalize(st);
    return 0;
}

int bs_sched_decide(bs_sched *s, int64_t *ids, int max, int *n)
{
    cand *c = calloc(max > 0 ? (size_t)max : 1, sizeof *c);
    if (!c)
        return bs_error_set(BS_ENOMEM, "decide: out of memory");
    int rc = sched_decide(s, c, max, n);
    for (int i = 0; rc == 0 && i < *n; i++)
        ids[i] = c[i].id;
    free(c);
    return rc;
}

int bs_sched_running(const bs_sched *s)
{
    return s->nrun;
}

