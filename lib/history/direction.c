/* direction.c - glue from metric ids to their better-direction.
 *
 * The metric registry (lib/metrics, bs_metric_find(id)->direction) is the
 * authority.  Until it is linked into this module, a small table of
 * well-known metric id prefixes stands in; switching to the registry is the
 * one marked line in bs_history_direction_default(). */
#include <string.h>
#include <strings.h>
#include "history_int.h"

static const struct {
    const char *prefix;         /* matched against the start of the id */
    bs_hist_direction dir;
} known[] = {
    {"resources.", BS_HIST_DIR_LOWER},      /* LUT, FF, BRAM, URAM, DSP */
    {"estimate.resources.", BS_HIST_DIR_LOWER},
    {"latency", BS_HIST_DIR_LOWER},
    {"perf.latency", BS_HIST_DIR_LOWER},
    {"perf.cycles", BS_HIST_DIR_LOWER},
    {"perf.throughput", BS_HIST_DIR_HIGHER},
    {"perf.fps", BS_HIST_DIR_HIGHER},
    {"throughput", BS_HIST_DIR_HIGHER},
    {"timing.fmax", BS_HIST_DIR_HIGHER},
    {"timing.wns", BS_HIST_DIR_HIGHER},
    {"fmax", BS_HIST_DIR_HIGHER},
    {"wns", BS_HIST_DIR_HIGHER},
    {"power", BS_HIST_DIR_LOWER},
    {"build.time", BS_HIST_DIR_LOWER},
    {"time.", BS_HIST_DIR_LOWER},
    {"memory", BS_HIST_DIR_LOWER},
};

static bs_hist_direction builtin_direction(const char *id)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strncmp(id, known[i].prefix, strlen(known[i].prefix)) == 0) return known[i].dir;
    /* suffix conventions of FINN report keys */
    const char *dot = strrchr(id, '.');
    const char *leaf = dot ? dot + 1 : id;
    static const char *const lower[] = {"lut", "ff", "bram", "bram_18k", "uram", "dsp", "cycles",
                                        "latency_ns", "runtime_ms", "seconds"};
    static const char *const higher[] = {"fps", "throughput_fps", "fmax_mhz", "efficiency"};
    for (size_t i = 0; i < sizeof lower / sizeof lower[0]; i++)
        if (strcasecmp(leaf, lower[i]) == 0) return BS_HIST_DIR_LOWER;
    for (size_t i = 0; i < sizeof higher / sizeof higher[0]; i++)
        if (strcasecmp(leaf, higher[i]) == 0) return BS_HIST_DIR_HIGHER;
    return BS_HIST_DIR_UNKNOWN;
}

bs_hist_direction bs_history_direction_default(const char *metric_id, void *ud)
{
    (void)ud;
    if (!metric_id) return BS_HIST_DIR_UNKNOWN;
    /* When lib/metrics is on main, replace this line with the registry lookup:
     *   const bs_metric *m = bs_metric_find(metric_id); if (m) return map(m->direction); */
    return builtin_direction(metric_id);
}
