/* config.c - FINN's DataflowBuildConfig (dataflow_build_config.json),
 * finn-reference §2.  One static table lists every field of FINN main and
 * dev 2025 with its JSON type, default, allowed enum values and help; the
 * parser walks the JSON object against it: unknown keys are warned, wrong
 * types and enum values are refused naming the field. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"

typedef enum {
    F_STR,      /* string (or null when nullable) */
    F_DOUBLE,   /* number */
    F_INT,      /* integral number */
    F_BOOL,
    F_ENUM,     /* string from `allowed` */
    F_OUTPUTS,  /* list of DataflowOutputType */
    F_VERIFY,   /* list of VerificationStepType */
    F_STRLIST,  /* list of strings */
    F_INTLIST,  /* list of ints */
    F_ANY,      /* accepted and kept in raw (mlo loop bodies) */
    F_USERSTEPS,/* brainsmith_user_steps */
} ftype;

typedef struct field {
    const char *name;
    ftype type;
    bool required, nullable;
    size_t off;          /* value offset in bs_flow_config */
    size_t has_off;      /* offset of the has_ flag (optional doubles), or 0 */
    const char *allowed; /* "|a|b|" for F_ENUM */
    const char *def;     /* default as text (help only) */
    const char *help;
} field;

#define O(f) offsetof(bs_flow_config, f)
#define NONE 0
static const field fields[] = {
    {"output_dir", F_STR, true, false, O(output_dir), NONE, NULL, NULL, "output directory, created if missing"},
    {"synth_clk_period_ns", F_DOUBLE, true, false, O(synth_clk_period_ns), NONE, NULL, NULL, "target clock period (ns); also used for fps/latency estimates"},
    {"generate_outputs", F_OUTPUTS, true, false, O(generate_outputs), NONE, NULL, NULL, "output products (estimate_reports, stitched_ip, ...)"},
    {"specialize_layers_config_file", F_STR, false, true, O(specialize_layers_config_file), NONE, NULL, "null", "ApplyConfig file before SpecializeLayers"},
    {"folding_config_file", F_STR, false, true, O(folding_config_file), NONE, NULL, "null", "ApplyConfig file in step_apply_folding_config"},
    {"target_fps", F_DOUBLE, false, true, O(target_fps), O(has_target_fps), NULL, "null", "frames/s target for SetFolding"},
    {"folding_two_pass_relaxation", F_BOOL, false, false, O(folding_two_pass_relaxation), NONE, NULL, "true", "SetFolding second pass"},
    {"verify_steps", F_VERIFY, false, true, O(verify_steps), NONE, NULL, "null", "verification points"},
    {"verify_input_npy", F_STR, false, false, O(verify_input_npy), NONE, NULL, "\"input.npy\"", "verification input (first axis = batch)"},
    {"verify_expected_output_npy", F_STR, false, false, O(verify_expected_output_npy), NONE, NULL, "\"expected_output.npy\"", "golden outputs"},
    {"verify_save_full_context", F_BOOL, false, false, O(verify_save_full_context), NONE, NULL, "false", "save full execution context"},
    {"verify_save_rtlsim_waveforms", F_BOOL, false, false, O(verify_save_rtlsim_waveforms), NONE, NULL, "false", "save rtlsim waveforms"},
    {"verification_atol", F_DOUBLE, false, false, O(verification_atol), NONE, NULL, "0.1", "[dev] verification tolerance"},
    {"stitched_ip_gen_dcp", F_BOOL, false, false, O(stitched_ip_gen_dcp), NONE, NULL, "false", "synthesise a .dcp for the stitched IP"},
    {"signature", F_INTLIST, false, true, O(signature), NONE, NULL, "null", "signature node contents"},
    {"mvau_wwidth_max", F_INT, false, false, O(mvau_wwidth_max), NONE, NULL, "36", "SetFolding limit on weight bits * SIMD"},
    {"standalone_thresholds", F_BOOL, false, false, O(standalone_thresholds), NONE, NULL, "false", "do not fuse thresholds into MVAU/VVAU"},
    {"minimize_bit_width", F_BOOL, false, false, O(minimize_bit_width), NONE, NULL, "true", "MinimizeWeightBitWidth + MinimizeAccumulatorWidth"},
    {"infer_shuffle_skip_first", F_BOOL, false, false, O(infer_shuffle_skip_first), NONE, NULL, "true", "[dev] InferShuffle leaves the first Transpose"},
    {"board", F_STR, false, true, O(board), NONE, NULL, "null", "board name (resolves fpga_part)"},
    {"shell_flow_type", F_ENUM, false, true, O(shell_flow_type), NONE, "|vivado_zynq|vitis_alveo|", "null", "vivado_zynq or vitis_alveo"},
    {"fpga_part", F_STR, false, true, O(fpga_part), NONE, NULL, "null", "FPGA part (overrides board)"},
    {"auto_fifo_depths", F_BOOL, false, false, O(auto_fifo_depths), NONE, NULL, "true", "size FIFOs automatically"},
    {"split_large_fifos", F_BOOL, false, false, O(split_large_fifos), NONE, NULL, "false", "split deep FIFOs"},
    {"auto_fifo_strategy", F_ENUM, false, false, O(auto_fifo_strategy), NONE, "|characterize|largefifo_rtlsim|", "\"largefifo_rtlsim\"", "FIFO sizing method"},
    {"force_python_rtlsim", F_BOOL, false, false, O(force_python_rtlsim), NONE, NULL, "false", "[main] PyVerilator FIFO sim"},
    {"large_fifo_mem_style", F_ENUM, false, false, O(large_fifo_mem_style), NONE, "|auto|block|distributed|ultra|", "\"auto\"", "ram_style of vivado FIFOs"},
    {"fifosim_input_throttle", F_BOOL, false, false, O(fifosim_input_throttle), NONE, NULL, "true", "[dev] throttle FIFO-sim input"},
    {"fifosim_n_inferences", F_INT, false, false, O(fifosim_n_inferences), NONE, NULL, "2", "[dev] frames in FIFO sim"},
    {"fifosim_save_waveform", F_BOOL, false, false, O(fifosim_save_waveform), NONE, NULL, "false", "[dev] save FIFO-sim waveform"},
    {"hls_clk_period_ns", F_DOUBLE, false, true, O(hls_clk_period_ns), O(has_hls_clk), NULL, "null", "HLS clock (null = synth clock)"},
    {"default_swg_exception", F_BOOL, false, false, O(default_swg_exception), NONE, NULL, "false", "CapConvolutionFIFODepths"},
    {"vitis_platform", F_STR, false, true, O(vitis_platform), NONE, NULL, "null", "Vitis platform"},
    {"vitis_floorplan_file", F_STR, false, true, O(vitis_floorplan_file), NONE, NULL, "null", "SLR floorplan"},
    {"vitis_opt_strategy", F_ENUM, false, false, O(vitis_opt_strategy), NONE, "|default|power|performance|performance_best|size|quick|", "\"default\"", "v++ optimisation"},
    {"save_intermediate_models", F_BOOL, false, false, O(save_intermediate_models), NONE, NULL, "true", "checkpoint after every step"},
    {"enable_hw_debug", F_BOOL, false, false, O(enable_hw_debug), NONE, NULL, "false", "insert ILAs"},
    {"enable_build_pdb_debug", F_BOOL, false, false, O(enable_build_pdb_debug), NONE, NULL, "true", "pdb on failure (accepted, no effect)"},
    {"verbose", F_BOOL, false, false, O(verbose), NONE, NULL, "false", "step output to console too"},
    {"steps", F_STRLIST, false, true, O(steps), NONE, NULL, "null", "custom step list"},
    {"start_step", F_STR, false, true, O(start_step), NONE, NULL, "null", "first step to run"},
    {"stop_step", F_STR, false, true, O(stop_step), NONE, NULL, "null", "last step to run"},
    {"max_multithreshold_bit_width", F_INT, false, false, O(max_multithreshold_bit_width), NONE, NULL, "8", "widest Quant converted to MultiThreshold"},
    {"rtlsim_batch_size", F_INT, false, false, O(rtlsim_batch_size), NONE, NULL, "1", "frames for rtlsim performance"},
    {"rtlsim_use_vivado_comps", F_BOOL, false, false, O(rtlsim_use_vivado_comps), NONE, NULL, "true", "keep vivado FIFOs in rtlsim"},
    {"mlo", F_BOOL, false, false, O(mlo), NONE, NULL, "false", "[dev] multi-layer offload"},
    {"loop_body_hierarchy", F_ANY, false, true, 0, NONE, NULL, "null", "[dev] MLO loop body"},
    {"loop_body_range", F_ANY, false, true, 0, NONE, NULL, "null", "[dev] MLO loop range"},
    {"cpp_driver_version", F_STR, false, false, O(cpp_driver_version), NONE, NULL, "\"latest\"", "[dev] C++ driver commit"},
    {"brainsmith_user_steps", F_USERSTEPS, false, true, 0, NONE, NULL, "null", "brainsmith: {step: [argv...]} external commands ({in},{out},{output_dir})"},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *const output_names[] = {"stitched_ip", "estimate_reports", "out_of_context_synth",
                                           "rtlsim_performance", "bitfile", "pynq_driver",
                                           "deployment_package", "cpp_driver", NULL};
static const char *const verify_names[] = {"finn_onnx_python", "initial_python", "streamlined_python",
                                           "folded_hls_cppsim", "node_by_node_rtlsim",
                                           "stitched_ip_rtlsim", NULL};

void bs_flow_config_init(bs_flow_config *c)
{
    memset(c, 0, sizeof *c);
    c->folding_two_pass_relaxation = true;
    c->verify_input_npy = strdup("input.npy");
    c->verify_expected_output_npy = strdup("expected_output.npy");
    c->verification_atol = 0.1;
    c->mvau_wwidth_max = 36;
    c->minimize_bit_width = true;
    c->infer_shuffle_skip_first = true;
    c->auto_fifo_depths = true;
    c->auto_fifo_strategy = strdup("largefifo_rtlsim");
    c->large_fifo_mem_style = strdup("auto");
    c->fifosim_input_throttle = true;
    c->fifosim_n_inferences = 2;
    c->vitis_opt_strategy = strdup("default");
    c->save_intermediate_models = true;
    c->enable_build_pdb_debug = true;
    c->max_multithreshold_bit_width = 8;
    c->rtlsim_batch_size = 1;
    c->rtlsim_use_vivado_comps = true;
    c->cpp_driver_version = strdup("latest");
}

void bs_flow_config_free(bs_flow_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        if (f->type == F_STR || f->type == F_ENUM) free(*(char **)((char *)c + f->off));
    }
    for (int i = 0; i < c->nsteps; i++) free(c->steps[i]);
    free(c->steps);
    free(c->signature);
    for (int i = 0; i < c->nuser_steps; i++) {
        free(c->user_steps[i].name);
        for (int k = 0; k < c->user_steps[i].argc; k++) free(c->user_steps[i].argv[k]);
        free(c->user_steps[i].argv);
        for (int k = 0; k < c->user_steps[i].ntransforms; k++) free(c->user_steps[i].transforms[k]);
        free(c->user_steps[i].transforms);
    }
    free(c->user_steps);
    free(c->base_dir);
    cJSON_Delete(c->raw);
    memset(c, 0, sizeof *c);
}

static int enum_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

static int bad(const char *what, const char *name, const char *fmt, const char *detail)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    return bs_error_set(BS_EINVAL, "%s: field '%s': %s", what, name, msg);
}

static int parse_list_enum(const cJSON *v, const char *what, const field *f,
                           const char *const *names, unsigned *out)
{
    if (!cJSON_IsArray(v)) return bad(what, f->name, "expected a list of strings%s", NULL);
    unsigned bits = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsString(e)) return bad(what, f->name, "expected a list of strings%s", NULL);
        int k = enum_index(names, e->valuestring);
        if (k < 0) {
            bs_strbuf sb = BS_STRBUF_INIT;
            for (int i = 0; names[i]; i++) bs_strbuf_printf(&sb, "%s%s", i ? ", " : "", names[i]);
            int rc = bs_error_set(BS_EINVAL, "%s: field '%s': unknown value '%s' (allowed: %s)",
                                  what, f->name, e->valuestring, sb.buf);
            bs_strbuf_free(&sb);
            return rc;
        }
        bits |= 1u << k;
    }
    *out = bits;
    return 0;
}

static int parse_user_steps(const cJSON *v, const char *what, bs_flow_config *c)
{
    if (!cJSON_IsObject(v))
        return bad(what, "brainsmith_user_steps", "expected an object {step: [argv...]}%s", NULL);
    int n = cJSON_GetArraySize(v);
    c->user_steps = calloc((size_t)n + 1, sizeof *c->user_steps);
    if (!c->user_steps) return bs_error_set(BS_ENOMEM, "user steps");
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        const cJSON *tl = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "transforms") : NULL;
        if (tl) {
            if (bs_step_find(e->string))
                return bs_error_set(BS_EINVAL, "%s: field 'brainsmith_user_steps': '%s' is a built-in step name",
                                    what, e->string);
            if (!cJSON_IsArray(tl) || cJSON_GetArraySize(tl) < 1)
                return bs_error_set(BS_EINVAL, "%s: field 'brainsmith_user_steps': step '%s': \"transforms\" must be a "
                                    "non-empty list", what, e->string);
            bs_user_step *u = &c->user_steps[c->nuser_steps++];
            u->name = strdup(e->string);
            u->transforms = calloc((size_t)cJSON_GetArraySize(tl) + 1, sizeof *u->transforms);
            if (!u->name || !u->transforms) return bs_error_set(BS_ENOMEM, "user steps");
            const cJSON *a;
            cJSON_ArrayForEach(a, tl) {
                if (!cJSON_IsString(a) || !bs_xform_find(a->valuestring))
                    return bs_error_set(BS_EINVAL, "%s: field 'brainsmith_user_steps': step '%s': unknown transformation '%s' "
                                        "(see `brainsmith transforms`)", what, e->string,
                                        cJSON_IsString(a) ? a->valuestring : "?");
                u->transforms[u->ntransforms++] = strdup(a->valuestring);
            }
            continue;
        }
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) < 1)
            return bs_error_set(BS_EINVAL, "%s: field 'brainsmith_user_steps': step '%s': expected a non-empty argv list "
                                "or {\"transforms\": [...]}", what, e->string);
        if (bs_step_find(e->string))
            return bs_error_set(BS_EINVAL, "%s: field 'brainsmith_user_steps': '%s' is a built-in step name",
                                what, e->string);
        bs_user_step *u = &c->user_steps[c->nuser_steps++];
        u->name = strdup(e->string);
        u->argv = calloc((size_t)cJSON_GetArraySize(e) + 1, sizeof *u->argv);
        if (!u->name || !u->argv) return bs_error_set(BS_ENOMEM, "user steps");
        const cJSON *a;
        cJSON_ArrayForEach(a, e) {
            if (!cJSON_IsString(a))
                return bs_error_set(BS_EINVAL, "%s: field 'brainsmith_user_steps': step '%s': argv entries must be strings",
                                    what, e->string);
            u->argv[u->argc++] = strdup(a->valuestring);
        }
    }
    return 0;
}

static int parse_field(const field *f, const cJSON *v, const char *what, bs_flow_config *c)
{
    char *base = (char *)c;
    if (cJSON_IsNull(v)) {
        if (!f->nullable) return bad(what, f->name, "null is not allowed%s", NULL);
        if (f->type == F_STR || f->type == F_ENUM) {
            char **p = (char **)(base + f->off);
            free(*p);
            *p = NULL;
        }
        if (f->has_off) *(bool *)(base + f->has_off) = false;
        return 0;
    }
    switch (f->type) {
    case F_STR:
    case F_ENUM: {
        if (!cJSON_IsString(v)) return bad(what, f->name, "expected a string%s", NULL);
        if (f->allowed) {
            char key[80];
            snprintf(key, sizeof key, "|%s|", v->valuestring);
            if (!strstr(f->allowed, key))
                return bs_error_set(BS_EINVAL, "%s: field '%s': unknown value '%s' (allowed: %s)",
                                    what, f->name, v->valuestring, f->allowed);
        }
        char **p = (char **)(base + f->off);
        free(*p);
        *p = strdup(v->valuestring);
        return 0;
    }
    case F_DOUBLE:
        if (!cJSON_IsNumber(v)) return bad(what, f->name, "expected a number%s", NULL);
        if (!isfinite(v->valuedouble) || v->valuedouble <= 0)
            return bad(what, f->name, "must be a positive number%s", NULL);
        *(double *)(base + f->off) = v->valuedouble;
        if (f->has_off) *(bool *)(base + f->has_off) = true;
        return 0;
    case F_INT:
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e15)
            return bad(what, f->name, "expected an integer%s", NULL);
        if (v->valuedouble < 1) return bad(what, f->name, "must be >= 1%s", NULL);
        *(int64_t *)(base + f->off) = (int64_t)v->valuedouble;
        return 0;
    case F_BOOL:
        if (!cJSON_IsBool(v)) return bad(what, f->name, "expected true or false%s", NULL);
        *(bool *)(base + f->off) = cJSON_IsTrue(v);
        return 0;
    case F_OUTPUTS:
        return parse_list_enum(v, what, f, output_names, (unsigned *)(base + f->off));
    case F_VERIFY:
        return parse_list_enum(v, what, f, verify_names, (unsigned *)(base + f->off));
    case F_STRLIST: {
        if (!cJSON_IsArray(v)) return bad(what, f->name, "expected a list of step names%s", NULL);
        int n = cJSON_GetArraySize(v);
        c->steps = calloc((size_t)n + 1, sizeof *c->steps);
        if (!c->steps) return bs_error_set(BS_ENOMEM, "steps");
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsString(e))
                return bad(what, f->name, "expected a list of step names (strings)%s", NULL);
            c->steps[c->nsteps++] = strdup(e->valuestring);
        }
        return 0;
    }
    case F_INTLIST: {
        if (!cJSON_IsArray(v)) return bad(what, f->name, "expected a list of integers%s", NULL);
        int n = cJSON_GetArraySize(v);
        c->signature = calloc((size_t)n + 1, sizeof *c->signature);
        if (!c->signature) return bs_error_set(BS_ENOMEM, "signature");
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble))
                return bad(what, f->name, "expected a list of integers%s", NULL);
            c->signature[c->nsignature++] = (int64_t)e->valuedouble;
        }
        return 0;
    }
    case F_ANY:
        return 0;
    case F_USERSTEPS:
        return parse_user_steps(v, what, c);
    }
    return 0;
}

int bs_flow_config_from_json(const cJSON *j, const char *what, const char *base_dir,
                             bs_flow_config *c)
{
    bs_flow_config_init(c);
    if (!cJSON_IsObject(j)) {
        bs_flow_config_free(c);
        return bs_error_set(BS_EINVAL, "%s: expected a JSON object", what);
    }
    bool seen[NFIELDS] = {0};
    int rc = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, j) {
        size_t k;
        for (k = 0; k < NFIELDS; k++)
            if (!strcmp(fields[k].name, v->string)) break;
        if (k == NFIELDS) {
            BS_WARN("%s: unknown field '%s' ignored", what, v->string);
            c->nwarnings++;
            continue;
        }
        seen[k] = true;
        if ((rc = parse_field(&fields[k], v, what, c)) < 0) goto fail;
    }
    for (size_t k = 0; k < NFIELDS; k++)
        if (fields[k].required && !seen[k]) {
            rc = bs_error_set(BS_EINVAL, "%s: field '%s' is required (%s)", what, fields[k].name,
                              fields[k].help);
            goto fail;
        }
    /* user step names must not shadow built-ins; steps must be known. */
    for (int i = 0; i < c->nsteps; i++) {
        bool ok = bs_step_find(c->steps[i]) != NULL;
        for (int u = 0; !ok && u < c->nuser_steps; u++) ok = !strcmp(c->user_steps[u].name, c->steps[i]);
        if (!ok) {
            rc = bs_error_set(BS_EINVAL, "%s: field 'steps': unknown step '%s' (see `brainsmith steps`; "
                              "user steps need an entry in brainsmith_user_steps)", what, c->steps[i]);
            goto fail;
        }
    }
    c->base_dir = base_dir ? strdup(base_dir) : getcwd(NULL, 0);
    c->raw = cJSON_Duplicate(j, 1);
    return 0;
fail:
    bs_flow_config_free(c);
    return rc;
}

int bs_flow_config_load(const char *path, bs_flow_config *c)
{
    cJSON *j = NULL;
    int rc = bs_json_load_file(path, &j);
    if (rc < 0) return rc;
    char *dir = strdup(path);
    if (!dir) { cJSON_Delete(j); return bs_error_set(BS_ENOMEM, "config"); }
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0; else strcpy(dir, ".");
    char *abs = realpath(dir, NULL);
    rc = bs_flow_config_from_json(j, path, abs ? abs : dir, c);
    free(abs);
    free(dir);
    cJSON_Delete(j);
    return rc;
}

/* FINN dev part_map (finn-reference §2.4). */
static const struct { const char *board, *part; } part_map[] = {
    {"Ultra96", "xczu3eg-sbva484-1-e"}, {"Ultra96-V2", "xczu3eg-sbva484-1-i"},
    {"Pynq-Z1", "xc7z020clg400-1"}, {"Pynq-Z2", "xc7z020clg400-1"},
    {"ZCU102", "xczu9eg-ffvb1156-2-e"}, {"ZCU104", "xczu7ev-ffvc1156-2-e"},
    {"ZCU111", "xczu28dr-ffvg1517-2-e"}, {"RFSoC2x2", "xczu28dr-ffvg1517-2-e"},
    {"RFSoC4x2", "xczu48dr-ffvg1517-2-e"}, {"KV260_SOM", "xck26-sfvc784-2LV-c"},
    {"AUP-ZU3_8GB", "xczu3eg-sfvc784-2-e"},
    {"U50", "xcu50-fsvh2104-2L-e"}, {"U200", "xcu200-fsgd2104-2-e"},
    {"U250", "xcu250-figd2104-2L-e"}, {"U280", "xcu280-fsvh2892-2L-e"},
    {"U55C", "xcu55c-fsvh2892-2L-e"},
    {"VEK280", "xcve2802-vsvh1760-2MP-e-S"}, {"VCK190", "xcvc1902-vsva2197-2MP-e-S"},
    {"V80", "xcv80-lsva4737-2MHP-e-s"},
};

const char *bs_flow_board_part(const char *board)
{
    if (!board) return NULL;
    for (size_t i = 0; i < sizeof part_map / sizeof part_map[0]; i++)
        if (!strcmp(part_map[i].board, board)) return part_map[i].part;
    return NULL;
}

int bs_flow_config_part(const bs_flow_config *c, const char **part)
{
    if (c->fpga_part) { *part = c->fpga_part; return 0; }
    const char *p = bs_flow_board_part(c->board);
    if (!p)
        return bs_error_set(BS_EINVAL, "Couldn't resolve fpga_part for %s (set fpga_part or a known board)",
                            c->board ? c->board : "None");
    *part = p;
    return 0;
}

double bs_flow_config_hls_clk(const bs_flow_config *c)
{
    return c->has_hls_clk ? c->hls_clk_period_ns : c->synth_clk_period_ns;
}

char *bs_flow_config_path(const bs_flow_config *c, const char *p)
{
    if (!p) return NULL;
    if (p[0] == '/' || !c->base_dir) return strdup(p);
    return bs_path_join(c->base_dir, p);
}

cJSON *bs_flow_config_fields_json(void)
{
    static const char *const tnames[] = {"str", "float", "int", "bool", "enum", "list[DataflowOutputType]",
                                         "list[VerificationStepType]", "list[str]", "list[int]", "any",
                                         "object"};
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < NFIELDS; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", fields[i].name);
        cJSON_AddStringToObject(o, "type", tnames[fields[i].type]);
        cJSON_AddBoolToObject(o, "required", fields[i].required);
        if (fields[i].def) cJSON_AddStringToObject(o, "default", fields[i].def);
        if (fields[i].allowed) cJSON_AddStringToObject(o, "allowed", fields[i].allowed);
        cJSON_AddStringToObject(o, "help", fields[i].help);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}
