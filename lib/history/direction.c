/* direction.c - glue from metric ids to their better-direction.
 *
 * The metric registry (lib/metrics, bs_metric_find(id)->direction) is the
 * authority.  Until it is linked into this module, a small table of
 * well-known metric id prefixes stands in; switching to the registry is the
 * one marked line in bs_history_direction_default(). */
#include <string.h>
#include <strings.h>
#include "history_int.h"

/* Longest matching prefix wins, so exact ids can override a group default.
 * Mirrors the directions of the lib/metrics registry (branch metrics). */
static const struct {
    const char *prefix;         /* matched against the start of the id */
    bs_hist_direction dir;
} known[] = {
    {"resources.", BS_HIST_DIR_LOWER},      /* LUT, FF, BRAM, URAM, DSP, ... */
    {"resources.wires", BS_HIST_DIR_UNKNOWN},
    {"util.", BS_HIST_DIR_LOWER},
    {"util.bottleneck", BS_HIST_DIR_UNKNOWN},
    {"est.", BS_HIST_DIR_LOWER},
    {"est.bram_efficiency", BS_HIST_DIR_HIGHER},
    {"est.uram_efficiency", BS_HIST_DIR_HIGHER},
    {"est.alternatives", BS_HIST_DIR_UNKNOWN},
    {"hls.", BS_HIST_DIR_LOWER},
    {"hls.target_clock_ns", BS_HIST_DIR_UNKNOWN},
    {"hls.uncertainty_ns", BS_HIST_DIR_UNKNOWN},
    {"timing.wns", BS_HIST_DIR_HIGHER},
    {"timing.tns", BS_HIST_DIR_HIGHER},
    {"timing.whs", BS_HIST_DIR_HIGHER},
    {"timing.ths", BS_HIST_DIR_HIGHER},
    {"timing.wpws", BS_HIST_DIR_HIGHER},
    {"timing.met", BS_HIST_DIR_HIGHER},
    {"timing.fmax", BS_HIST_DIR_HIGHER},
    {"timing.failing", BS_HIST_DIR_LOWER},
    {"timing.hold_failing", BS_HIST_DIR_LOWER},
    {"timing.crit_delay", BS_HIST_DIR_LOWER},
    {"timing.crit_levels", BS_HIST_DIR_LOWER},
    {"perf.throughput", BS_HIST_DIR_HIGHER},
    {"perf.latency", BS_HIST_DIR_LOWER},
    {"perf.critical_path", BS_HIST_DIR_LOWER},
    {"perf.max_cycles", BS_HIST_DIR_LOWER},
    {"perf.cycles", BS_HIST_DIR_LOWER},
    {"perf.interval", BS_HIST_DIR_LOWER},
    {"perf.stall", BS_HIST_DIR_LOWER},
    {"perf.sim_incomplete", BS_HIST_DIR_LOWER},
    {"power.", BS_HIST_DIR_LOWER},
    {"power.confidence", BS_HIST_DIR_UNKNOWN},
    {"mem.weight_bits", BS_HIST_DIR_LOWER},
    {"mem.threshold_bits", BS_HIST_DIR_LOWER},
    {"ops.gops", BS_HIST_DIR_HIGHER},
    {"eff.lut_per_kfps", BS_HIST_DIR_LOWER},
    {"eff.dsp_per_kfps", BS_HIST_DIR_LOWER},
    {"eff.overallocated", BS_HIST_DIR_LOWER},
    {"eff.fps_per_w", BS_HIST_DIR_HIGHER},
    {"eff.gops", BS_HIST_DIR_HIGHER},
    {"eff.balance", BS_HIST_DIR_HIGHER},
    {"fold.fifo_depth", BS_HIST_DIR_LOWER},
    {"quality.top1", BS_HIST_DIR_HIGHER},
    {"quality.accuracy", BS_HIST_DIR_HIGHER},
    {"quality.max_abs_err", BS_HIST_DIR_LOWER},
    {"quality.mean_abs_err", BS_HIST_DIR_LOWER},
    {"build.", BS_HIST_DIR_LOWER},           /* wall_s, cpu_s, peak_rss_mb, attempts */
    {"build.steps", BS_HIST_DIR_UNKNOWN},
};

static bs_hist_direction builtin_direction(const char *id)
{
    size_t best = 0;
    bs_hist_direction d = BS_HIST_DIR_UNKNOWN;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t l = strlen(known[i].prefix);
        if (l > best && strncmp(id, known[i].prefix, l) == 0) { best = l; d = known[i].dir; }
    }
    if (best) return d;
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
    /* When lib/metrics is on main, the registry is the authority; the one-line
     * change (plus #include "brainsmith/metrics.h" and DEPS bs_metrics) is:
     *   const bs_metric_def *m = bs_metric_find(metric_id); if (m) return
     *       m->better == BS_BETTER_LOWER ? BS_HIST_DIR_LOWER : m->better == BS_BETTER_HIGHER ?
     *       BS_HIST_DIR_HIGHER : BS_HIST_DIR_UNKNOWN;
     * placed before this return (ids the registry lacks keep the table). */
    return builtin_direction(metric_id);
}
