/* reports.c - FINN-format report files (finn-reference §3.7 and §3.9):
 * report/rtlsim_performance.json and report/post_synth_resources.json,
 * printed like Python's json.dump(indent=2) with FINN's key order. */
#include "be_int.h"

#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

static int save(const char *path, cJSON *j)
{
    char *txt = bs_json_print_py(j, 2);
    cJSON_Delete(j);
    if (!txt) return bs_error_set(BS_ENOMEM, "%s", path);
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) { *slash = 0; bs_mkdir_p(dir); }
    free(dir);
    int rc = bs_write_file_atomic(path, txt, strlen(txt));
    free(txt);
    return rc;
}

int bs_report_rtlsim_performance(const char *path, const bs_vl_result *r, double clk_ns)
{
    if (clk_ns <= 0) return bs_error_set(BS_EINVAL, "rtlsim report: clock period %g ns", clk_ns);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "N_IN_TXNS", (double)r->in_beats);
    cJSON_AddNumberToObject(j, "N_OUT_TXNS", (double)r->out_beats);
    cJSON_AddNumberToObject(j, "cycles", (double)r->cycles);
    cJSON_AddNumberToObject(j, "N", (double)r->nframes);
    cJSON_AddNumberToObject(j, "latency_cycles", (double)r->latency_cycles);
    double cyc = (double)r->cycles, n = (double)r->nframes;
    cJSON_AddItemToObject(j, "runtime[ms]", bs_json_py_float(cyc * clk_ns * 1e-6));
    cJSON_AddItemToObject(j, "throughput[images/s]", bs_json_py_float(n / (cyc * clk_ns * 1e-9)));
    cJSON_AddItemToObject(j, "fclk[mhz]", bs_json_py_float(1.0 / (clk_ns * 0.001)));
    double stable = r->nframes <= 1 ? n / (cyc * clk_ns * 1e-9)
                                    : n / ((cyc - (double)r->latency_cycles) * clk_ns * 1e-9);
    cJSON_AddItemToObject(j, "stable_throughput[images/s]", bs_json_py_float(stable));
    return save(path, j);
}

static cJSON *res_obj(const bs_synth_counts *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "LUT", (double)c->lut);
    cJSON_AddNumberToObject(o, "SRL", (double)c->srl);
    cJSON_AddNumberToObject(o, "FF", (double)c->ff);
    cJSON_AddNumberToObject(o, "BRAM_36K", (double)c->bram36);
    cJSON_AddNumberToObject(o, "BRAM_18K", (double)c->bram18);
    cJSON_AddNumberToObject(o, "URAM", (double)c->uram);
    cJSON_AddNumberToObject(o, "DSP", (double)c->dsp);
    cJSON_AddNumberToObject(o, "CARRY", (double)c->carry);
    if (c->ebr || c->spram) {
        cJSON_AddNumberToObject(o, "BRAM_4K", (double)c->ebr);
        cJSON_AddNumberToObject(o, "SPRAM", (double)c->spram);
    }
    return o;
}

int bs_report_post_synth(const char *path, const bs_synth_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "(top)", res_obj(&r->total));
    for (size_t i = 0; i < r->n_layers; i++) cJSON_AddItemToObject(j, r->layers[i].module, res_obj(&r->layers[i]));
    return save(path, j);
}
