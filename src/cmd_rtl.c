/* cmd_rtl.c - `brainsmith rtl ...`: the RTL generator table, the hardware
 * tool check, and the open-tool demo (tiny MLP -> Verilator -> Yosys ->
 * iCE40 bitstream).  Parsing and printing only; the work is in lib/rtl and
 * lib/backends. */
#include "cli.h"

#include "brainsmith/backends.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/rtl.h"
#include "brainsmith/util.h"

#include <stdlib.h>
#include <string.h>

static bool has_flag(int argc, char **argv, const char *f)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], f)) return true;
    return false;
}

static int cmd_kernels(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith rtl kernels [--json]\n\nLists the Verilog generators (one per FINN kernel).\n");
        return 0;
    }
    bool json = has_flag(argc, argv, "--json");
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    for (size_t i = 0; i < bs_rtl_gen_count(); i++) {
        const bs_rtl_gen *g = bs_rtl_gen_at(i);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "op_type", g->op);
            cJSON_AddStringToObject(o, "module", g->module);
            cJSON_AddStringToObject(o, "help", g->help);
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-28s %-15s %s\n", g->op, g->module, g->help);
        }
    }
    if (json) {
        char *t = bs_json_print_py(arr, 2);
        printf("%s\n", t);
        free(t);
        cJSON_Delete(arr);
    }
    return 0;
}

static int cmd_tools(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith rtl tools [--json]\n\nChecks verilator, yosys, nextpnr-ice40, icepack, icetime, "
               "iverilog, make and g++;\nmissing ones are listed with the Debian package to install. Exit 1 if any "
               "is missing.\n");
        return 0;
    }
    bs_tool_info ti[16];
    size_t n;
    int missing = bs_tool_probe_all(ti, 16, &n);
    if (has_flag(argc, argv, "--json")) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "tool", ti[i].name);
            cJSON_AddBoolToObject(o, "found", ti[i].found);
            cJSON_AddStringToObject(o, "path", ti[i].path);
            cJSON_AddStringToObject(o, "version", ti[i].version);
            cJSON_AddStringToObject(o, "debian_package", ti[i].deb ? ti[i].deb : "");
            cJSON_AddItemToArray(arr, o);
        }
        char *t = bs_json_print_py(arr, 2);
        printf("%s\n", t);
        free(t);
        cJSON_Delete(arr);
    } else {
        for (size_t i = 0; i < n; i++)
            if (ti[i].found) printf("%-14s %s (%s)\n", ti[i].name, ti[i].version, ti[i].path);
            else printf("%-14s MISSING: apt-get install %s\n", ti[i].name, ti[i].deb);
    }
    return missing ? BS_EXIT_FAIL : 0;
}

static int cmd_demo(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith rtl demo [--out DIR] [--frames N] [--hx8k] [--no-pnr] [--no-synth]\n"
               "                           [--cache DIR] [--json]\n\n"
               "Generates a hand-made 3-layer MLP (32-16-16-10, 2-bit), simulates it with Verilator\n"
               "bit-exact against the golden model (with back-pressure, then at full rate),\n"
               "synthesises it for xc7 with Yosys and places and routes it to an iCE40 UP5K\n"
               "(or HX8K) bitstream, then prints cycles, resources, fmax and utilisation.\n"
               "Reports go to DIR/report (default DIR: ./rtl-demo).  --no-synth skips Yosys and P&R;\n"
               "--cache DIR keeps Verilator models in DIR (content-keyed) instead of DIR/vl-cache.\n");
        return 0;
    }
    const char *out = "rtl-demo";
    int64_t frames = 16;
    bs_hw_flow_opts o = {0};
    o.clk_ns = 10.0;
    o.backpressure = true;
    o.synth_xc7 = true;
    o.pnr_ice40 = true;
    o.ice40 = BS_SYNTH_ICE40_UP5K;
    o.ice40_mhz = 12;
    o.size_fifos = true;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
            if (bs_parse_i64(argv[++i], &frames) < 0 || frames < 2 || frames > 10000000)
                return bs_cli_usage(cli, "--frames: expected an integer 2..10000000, got '%s'", argv[i]);
        } else if (!strcmp(argv[i], "--hx8k")) o.ice40 = BS_SYNTH_ICE40_HX8K;
        else if (!strcmp(argv[i], "--no-pnr")) o.pnr_ice40 = false;
        else if (!strcmp(argv[i], "--no-synth")) o.pnr_ice40 = o.synth_xc7 = false;
        else if (!strcmp(argv[i], "--cache") && i + 1 < argc) o.cache_dir = argv[++i];
        else if (!strcmp(argv[i], "--json")) json = true;
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    o.nframes = frames;
    bs_rtl_design *d;
    int rc = bs_hw_demo_mlp(&d);
    if (rc < 0) return bs_cli_fail(cli, rc);
    /* deterministic inputs: UINT2 pattern */
    int64_t n = frames * bs_rtl_stream_elems(&d->in[0].s);
    int64_t *in = malloc(sizeof *in * (size_t)n);
    if (!in) { bs_rtl_design_free(d); return bs_cli_fail(cli, bs_error_set(BS_ENOMEM, "inputs")); }
    for (int64_t i = 0; i < n; i++) in[i] = (i * 7 + i / 5) & 3;
    const int64_t *ins[1] = {in};
    bs_hw_flow_result r;
    rc = bs_hw_flow_run(d, ins, out, &o, &r);
    if (rc == 0 && !r.model_agrees) rc = bs_error_set(BS_EVERIFY, "cycle model disagrees with Verilator");
    free(in);
    if (rc < 0) { bs_rtl_design_free(d); return bs_cli_fail(cli, rc); }
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "design", d->name);
        cJSON_AddNumberToObject(j, "frames", (double)frames);
        cJSON_AddNumberToObject(j, "cycles_per_frame", r.interval);
        cJSON_AddNumberToObject(j, "estimated_cycles_per_frame", (double)r.est_cycles);
        cJSON_AddNumberToObject(j, "latency_cycles", (double)r.sim.latency_cycles);
        cJSON_AddNumberToObject(j, "xc7_lut", (double)r.xc7.total.lut);
        cJSON_AddNumberToObject(j, "xc7_ff", (double)r.xc7.total.ff);
        if (o.pnr_ice40) {
            cJSON_AddNumberToObject(j, "fmax_mhz", r.pnr.fmax_mhz);
            cJSON_AddNumberToObject(j, "lc_used", (double)r.pnr.lc_used);
            cJSON_AddNumberToObject(j, "lc_available", (double)r.pnr.lc_avail);
            cJSON_AddStringToObject(j, "bitstream", r.pnr.bin);
        }
        char *t = bs_json_print_py(j, 2);
        printf("%s\n", t);
        free(t);
        cJSON_Delete(j);
    } else {
        printf("design %s: %zu nodes (FIFOs and DWCs included)\n", d->name, d->n_nodes);
        printf("rtlsim: %lld frames bit-exact (also under back-pressure), %.2f cycles/frame, FINN estimate %lld, "
               "latency %lld cycles\n", (long long)frames, r.interval, (long long)r.est_cycles,
               (long long)r.sim.latency_cycles);
        printf("FIFO sizing (cycle model): %lld runs in %.3f s, FIFO bits %lld -> %lld; model %s Verilator\n",
               (long long)r.fifo.sims, r.fifo.seconds, (long long)r.fifo.bits_maxocc, (long long)r.fifo.bits_final,
               r.model_agrees ? "agrees with" : "DISAGREES with");
        if (o.synth_xc7)
            printf("xc7 (yosys): LUT %lld  FF %lld  CARRY %lld  BRAM18 %lld  BRAM36 %lld  DSP %lld\n",
               (long long)r.xc7.total.lut, (long long)r.xc7.total.ff, (long long)r.xc7.total.carry,
               (long long)r.xc7.total.bram18, (long long)r.xc7.total.bram36, (long long)r.xc7.total.dsp);
        if (o.pnr_ice40)
            printf("%s: fmax %.2f MHz (icetime %.2f MHz), LC %lld/%lld (%.0f%%), RAM %lld/%lld, DSP %lld/%lld\n"
                   "bitstream: %s (%lld bytes)\n", bs_synth_target_name(o.ice40), r.pnr.fmax_mhz, r.pnr.icetime_mhz,
                   (long long)r.pnr.lc_used, (long long)r.pnr.lc_avail,
                   r.pnr.lc_avail ? 100.0 * (double)r.pnr.lc_used / (double)r.pnr.lc_avail : 0.0,
                   (long long)r.pnr.ram_used, (long long)r.pnr.ram_avail, (long long)r.pnr.dsp_used,
                   (long long)r.pnr.dsp_avail, r.pnr.bin, (long long)r.pnr.bin_bytes);
        printf("steps: verilator build %.1f s, sim %.2f s, yosys xc7 %.1f s, synth_ice40 %.1f s, nextpnr %.1f s, "
               "icepack %.2f s, icetime %.1f s\nreports: %s/report/\n", r.t_build, r.t_sim, r.t_xc7, r.t_ice40_synth,
               r.pnr.pnr_s, r.pnr.pack_s, r.pnr.time_s, out);
    }
    bs_rtl_design_free(d);
    return 0;
}

static const bs_cmd rtl_sub[] = {
    {"kernels", cmd_kernels, "list the Verilog generators"},
    {"tools", cmd_tools, "check the hardware tools (Debian package for missing ones)"},
    {"demo", cmd_demo, "tiny MLP through Verilator, Yosys and nextpnr-ice40 to a bitstream"},
    {NULL, NULL, NULL},
};

static int cmd_rtl(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, rtl_sub, "usage: brainsmith rtl <sub-command> [--help]", argc, argv);
}

const bs_cmd bs_cmds_rtl[] = {
    {"rtl", cmd_rtl, "Verilog generation and open-source hardware backends"},
    {NULL, NULL, NULL},
};
