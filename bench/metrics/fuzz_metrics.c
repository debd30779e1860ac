/* fuzz_metrics.c - libFuzzer target for one report parser of lib/metrics.
 * Built once per parser (BS_FUZZ_PARSER names it) when -DBS_FUZZ=ON with
 * clang; seed corpora are the shared reports (see bench/metrics/fuzz.sh).
 * Any input must give 0 or a recorded parse error: never a crash, leak or
 * undefined behaviour. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the FINN parser dispatches on the file name: the first byte picks one */
    static const char *const finn_names[] = {
        "report/estimate_network_performance.json", "report/estimate_layer_resources.json",
        "report/estimate_layer_cycles.json", "report/estimate_layer_config_alternatives.json",
        "report/op_and_param_counts.json", "report/estimate_layer_resources_hls.json",
        "report/rtlsim_performance.json", "report/ooc_synth_and_timing.json",
        "report/post_synth_resources.json", "time_per_step.json", "dataflow_build_config.json",
        "final_hw_config.json", "auto_folding_config.json"};
    const char *path = "fuzz/" BS_FUZZ_PARSER "_input";
    if (!strcmp(BS_FUZZ_PARSER, "finn_report")) {
        if (size < 1)
            return 0;
        path = finn_names[data[0] % (sizeof finn_names / sizeof finn_names[0])];
        data++;
        size--;
    }
    bs_metric_set s;
    bs_metrics_init(&s);
    int rc = bs_metrics_parse_text(&s, BS_FUZZ_PARSER, path, (const char *)data, size);
    if (rc && rc != BS_EPARSE && rc != BS_ENOMEM)
        abort();   /* parsers report bad input as BS_EPARSE, nothing else */
    if (rc == BS_EPARSE && s.nerr == 0)
        abort();   /* every parse error is recorded with file and line */
    bs_metrics_analyze(&s);
    bs_metrics_free(&s);
    return 0;
}
