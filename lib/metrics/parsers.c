/* parsers.c - the parser registry, format detection and directory
 * collection.
 *
 * Detection goes by file name first (FINN's fixed report names, *.rpt
 * kinds from the Vivado header's "Command" line, csynth.xml) and falls back
 * to the first bytes for generic names (Yosys/nextpnr JSON, icetime text,
 * rtlsim logs).  Files that are not reports (models, npy, configs that
 * carry no metrics) are skipped. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "metrics_int.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

static const bs_metric_parser parsers[] = {
    {"vivado_utilization", "Vivado report_utilization text (7-series, UltraScale+, Alveo SLR, hierarchical)",
     bs_parse_vivado_util},
    {"vivado_utilization_xml", "Vivado report_utilization -format xml (FINN post_synth_resources.xml)",
     bs_parse_vivado_util_xml},
    {"vivado_timing", "Vivado report_timing_summary (WNS/TNS/WHS/THS, clocks, critical path)",
     bs_parse_vivado_timing},
    {"vivado_power", "Vivado report_power (total, dynamic, static, by type, rails, hierarchy)",
     bs_parse_vivado_power},
    {"hls_csynth_xml", "Vivado HLS / Vitis HLS csynth.xml", bs_parse_hls_xml},
    {"hls_csynth_rpt", "Vivado HLS / Vitis HLS csynth.rpt", bs_parse_hls_rpt},
    {"finn_report", "FINN report JSON (estimate_*, rtlsim_performance, ooc_synth_and_timing, "
                    "post_synth_resources, time_per_step, configs)", bs_parse_finn_json},
    {"finn_folding", "FINN folding / hardware config JSON (final_hw_config, auto_folding_config)",
     bs_parse_finn_folding},
    {"finn_log", "FINN build_dataflow.log (steps run)", bs_parse_finn_log},
    {"yosys_stat", "Yosys stat -json", bs_parse_yosys_stat},
    {"nextpnr_report", "nextpnr --report JSON (utilisation, fmax, critical paths)", bs_parse_nextpnr_report},
    {"icetime", "icestorm icetime timing output", bs_parse_icetime},
    {"rtlsim_counts", "Verilator rtlsim counts (key=value lines)", bs_parse_rtlsim_counts},
};

const bs_metric_parser *bs_metrics_parsers(size_t *n)
{
    if (n)
        *n = sizeof parsers / sizeof parsers[0];
    return parsers;
}

const bs_metric_parser *bs_metrics_parser_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof parsers / sizeof parsers[0]; i++)
        if (!strcmp(parsers[i].name, name))
            return &parsers[i];
    return NULL;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

const bs_metric_parser *bs_metrics_detect(const char *path, const char *head, size_t hl)
{
    const char *base = bs_base(path);
    if (ends_with(base, ".json")) {
        if (bs_finn_json_known(base))
            return bs_metrics_parser_find("finn_report");
        if (bs_contains(head, hl, "\"num_cells\"") || bs_contains(head, hl, "\"creator\": \"Yosys"))
            return bs_metrics_parser_find("yosys_stat");
        if (bs_contains(head, hl, "\"utilization\"") || bs_contains(head, hl, "\"critical_paths\"") ||
            bs_contains(head, hl, "\"fmax\""))
            return bs_metrics_parser_find("nextpnr_report");
        if (bs_contains(head, hl, "\"Defaults\""))
            return bs_metrics_parser_find("finn_folding");
        return NULL;
    }
    if (ends_with(base, ".xml")) {
        if (bs_contains(head, hl, "<RptDoc"))
            return bs_metrics_parser_find("vivado_utilization_xml");
        if (bs_contains(head, hl, "<profile>"))
            return bs_metrics_parser_find("hls_csynth_xml");
        return NULL;
    }
    if (ends_with(base, ".rpt") || ends_with(base, ".txt") || ends_with(base, ".log") ||
        ends_with(base, ".out")) {
        if (bs_contains(head, hl, "report_utilization"))
            return bs_metrics_parser_find("vivado_utilization");
        if (bs_contains(head, hl, "report_timing_summary"))
            return bs_metrics_parser_find("vivado_timing");
        if (bs_contains(head, hl, "report_power"))
            return bs_metrics_parser_find("vivado_power");
        if (bs_contains(head, hl, "HLS Report for"))
            return bs_metrics_parser_find("hls_csynth_rpt");
        if (bs_contains(head, hl, "icetime") || bs_contains(head, hl, "Total path delay:") ||
            bs_contains(head, hl, "Reading input .asc file"))
            return bs_metrics_parser_find("icetime");
        if (bs_contains(head, hl, "Running step:") || !strcmp(base, "build_dataflow.log"))
            return bs_metrics_parser_find("finn_log");
        if (bs_contains(head, hl, "cycles=") || bs_contains(head, hl, "rtlsim:"))
            return bs_metrics_parser_find("rtlsim_counts");
        /* a Vivado report whose header names another command */
        if (bs_contains(head, hl, "Utilization Design Information"))
            return bs_metrics_parser_find("vivado_utilization");
        if (bs_contains(head, hl, "Design Timing Summary"))
            return bs_metrics_parser_find("vivado_timing");
    }
    return NULL;
}

int bs_metrics_parse_text(bs_metric_set *s, const char *parser, const char *path, const char *text,
                          size_t len)
{
    const bs_metric_parser *p = parser ? bs_metrics_parser_find(parser)
                                       : bs_metrics_detect(path, text, len < 4096 ? len : 4096);
    if (!p) {
        if (parser)
            return bs_error_set(BS_EINVAL, "metrics: no parser named '%s'", parser);
        return bs_error_set(BS_EUNSUPPORTED, "%s: not a report brainsmith reads", path);
    }
    if (len == 0)
        return bs_metrics_error(s, path, 0, "file is empty (expected a %s)", p->desc);
    return p->fn(s, path, text, len);
}

int bs_metrics_parse_file(bs_metric_set *s, const char *path, const char *parser)
{
    char *text;
    size_t len;
    int rc = bs_read_file(path, &text, &len);
    if (rc) {
        bs_metrics_error(s, path, 0, "cannot read: %s", bs_error_msg());
        return rc;
    }
    rc = bs_metrics_parse_text(s, parser, path, text, len);
    free(text);
    return rc;
}

static int walk(bs_metric_set *s, const char *dir, int depth, int *nfiles)
{
    DIR *d = opendir(dir);
    if (!d)
        return bs_error_set(BS_EIO, "%s: cannot open directory", dir);
    struct dirent *e;
    /* sorted order makes precedence between equal-rank files deterministic */
    char **names = NULL;
    size_t n = 0, cap = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *p = bs_path_join(dir, names[i]);
        struct stat st;
        if (p && lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 6) {
                /* intermediate_models/ holds only ONNX files: skip the walk */
                if (strcmp(names[i], "intermediate_models") != 0)
                    walk(s, p, depth + 1, nfiles);
            } else if (S_ISREG(st.st_mode) && st.st_size < (64 << 20)) {
                FILE *f = fopen(p, "rb");
                char head[4096];
                size_t hl = f ? fread(head, 1, sizeof head, f) : 0;
                if (f)
                    fclose(f);
                if (bs_metrics_detect(p, head, hl)) {
                    bs_metrics_parse_file(s, p, NULL);   /* errors are recorded in s */
                    if (nfiles)
                        (*nfiles)++;
                }
            }
        }
        free(p);
        free(names[i]);
    }
    free(names);
    return rc;
}

int bs_metrics_collect_dir(bs_metric_set *s, const char *dir, int *nfiles)
{
    if (nfiles)
        *nfiles = 0;
    if (!bs_is_dir(dir))
        return bs_error_set(BS_ENOTFOUND, "%s: no such directory", dir);
    int rc = walk(s, dir, 0, nfiles);
    bs_error_clear();
    return rc;
}
