/* cmd_platforms.c - `brainsmith platforms [--json]` lists the FPGA boards and
 * parts (built-ins plus <home>/platforms.json); `brainsmith platforms show
 * NAME [--json]` prints one with its per-SLR resources. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/platforms.h"

static int load_user(bs_cli *cli) {
    char *home = cli->home ? strdup(cli->home) : bs_workspace_default_home();
    int rc = bs_platforms_load_workspace(home);
    free(home);
    return rc;
}

static cJSON *res_json(const bs_res *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "LUT", (double)r->lut);
    cJSON_AddNumberToObject(o, "FF", (double)r->ff);
    cJSON_AddNumberToObject(o, "BRAM_18K", (double)r->bram18);
    cJSON_AddNumberToObject(o, "URAM", (double)r->uram);
    cJSON_AddNumberToObject(o, "DSP", (double)r->dsp);
    return o;
}

static cJSON *platform_json(const bs_platform *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddStringToObject(o, "part", p->part);
    cJSON_AddStringToObject(o, "family", p->family);
    cJSON_AddStringToObject(o, "toolchain", p->toolchain);
    cJSON_AddStringToObject(o, "yosys_synth", p->yosys_synth);
    cJSON_AddStringToObject(o, "shell_flow_type", p->shell);
    cJSON_AddStringToObject(o, "vitis_platform", p->vitis_platform);
    cJSON_AddNumberToObject(o, "axi_port_width", p->axi_port_width);
    cJSON_AddItemToObject(o, "clk_ns", bs_json_py_float(p->clk_ns));
    cJSON_AddStringToObject(o, "dsp_block", bs_platform_dsp_block(p));
    cJSON_AddNumberToObject(o, "bram_bits", p->bram_bits);
    cJSON_AddNumberToObject(o, "uram_bits", p->uram_bits);
    cJSON *al = cJSON_AddArrayToObject(o, "aliases");
    for (const char *a = p->aliases; a && (a = strchr(a, '|')) && a[1]; a++) {
        const char *e = strchr(a + 1, '|');
        if (!e) break;
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)(e - a - 1), a + 1);
        cJSON_AddItemToArray(al, cJSON_CreateString(buf));
    }
    cJSON *slr = cJSON_AddArrayToObject(o, "slr");
    for (int i = 0; i < p->nslr; i++) cJSON_AddItemToArray(slr, res_json(&p->slr[i]));
    bs_res t;
    bs_platform_total(p, &t);
    cJSON_AddItemToObject(o, "total", res_json(&t));
    cJSON_AddStringToObject(o, "source", p->source);
    cJSON_AddStringToObject(o, "help", p->help);
    return o;
}

static int print_json(cJSON *j) {
    char *s = bs_json_print_py(j, 2);
    cJSON_Delete(j);
    if (!s) return BS_EXIT_FAIL;
    printf("%s\n", s);
    free(s);
    return 0;
}

static int cmd_show(bs_cli *cli, int argc, char **argv) {
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith platforms show NAME|PART [--json]\n\n"
               "Prints one platform: part, family, toolchain, default clock and the\n"
               "resources of every SLR.  NAME is a FINN board name or alias\n"
               "(case-insensitive: pynq-z2, zcu104, u250, kv260, up5k, ...) or a part.\n");
        return 0;
    }
    bool json = false;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] == '-') return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        else if (name) return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
        else name = argv[i];
    }
    if (!name) return bs_cli_usage(cli, "missing platform name");
    int rc = load_user(cli);
    if (rc) return bs_cli_fail(cli, rc);
    const bs_platform *p;
    if ((rc = bs_platform_lookup(name, &p))) return bs_cli_fail(cli, rc);
    if (json) return print_json(platform_json(p));
    bs_res t;
    bs_platform_total(p, &t);
    printf("%s  (%s)\n  part        %s\n  family      %s, DSP block %s\n  toolchain   %s%s%s\n"
           "  clock       %.3f ns (%.1f MHz)\n  source      %s\n",
           p->name, p->help, p->part, p->family, bs_platform_dsp_block(p), p->toolchain,
           p->yosys_synth[0] ? ", yosys: " : "", p->yosys_synth, p->clk_ns, 1000.0 / p->clk_ns, p->source);
    if (p->shell[0]) printf("  shell       %s%s%s\n", p->shell, p->vitis_platform[0] ? ", " : "", p->vitis_platform);
    printf("  %-6s %9s %9s %9s %6s %6s\n", "SLR", "LUT", "FF", "BRAM_18K", "URAM", "DSP");
    for (int i = 0; i < p->nslr; i++)
        printf("  %-6d %9lld %9lld %9lld %6lld %6lld\n", i, (long long)p->slr[i].lut, (long long)p->slr[i].ff,
               (long long)p->slr[i].bram18, (long long)p->slr[i].uram, (long long)p->slr[i].dsp);
    if (p->nslr > 1 || p->nslr == 0)
        printf("  %-6s %9lld %9lld %9lld %6lld %6lld\n", "total", (long long)t.lut, (long long)t.ff,
               (long long)t.bram18, (long long)t.uram, (long long)t.dsp);
    if (!strcmp(p->family, "ice40"))
        printf("  (iCE40: BRAM_18K counts 4-kbit EBRs, URAM 256-kbit SPRAMs, DSP SB_MAC16)\n");
    return 0;
}

static int cmd_platforms(bs_cli *cli, int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "show")) {
        const char *outer = cli->cmd;
        cli->cmd = "platforms show";
        int rc = cmd_show(cli, argc - 1, argv + 1);
        cli->cmd = outer;
        return rc;
    }
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith platforms [--json]\n"
               "       brainsmith platforms show NAME|PART [--json]\n\n"
               "Lists the FPGA boards and parts brainsmith knows: FINN's boards with the\n"
               "resources of FINN's platforms.py, datasheet entries for boards FINN only\n"
               "maps to a part, the iCE40 UP5K/HX8K of the open toolchain, and entries\n"
               "from <home>/platforms.json (see docs/platforms.md).\n");
        return 0;
    }
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    int rc = load_user(cli);
    if (rc) return bs_cli_fail(cli, rc);
    if (json) {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < bs_platform_count(); i++)
            cJSON_AddItemToArray(a, platform_json(bs_platform_at(i)));
        return print_json(a);
    }
    printf("%-12s %-26s %-7s %3s %8s %6s %5s %5s %7s %-9s\n", "NAME", "PART", "FAMILY", "SLR", "LUT",
           "BRAM18", "URAM", "DSP", "CLK_NS", "SOURCE");
    for (size_t i = 0; i < bs_platform_count(); i++) {
        const bs_platform *p = bs_platform_at(i);
        bs_res t;
        bs_platform_total(p, &t);
        printf("%-12s %-26s %-7s %3d %8lld %6lld %5lld %5lld %7.2f %-9s\n", p->name, p->part, p->family,
               p->nslr, (long long)t.lut, (long long)t.bram18, (long long)t.uram, (long long)t.dsp,
               p->clk_ns, p->source);
    }
    return 0;
}

const bs_cmd bs_cmds_platforms[] = {
    {"platforms", cmd_platforms, "list FPGA boards/parts with per-SLR resources (show NAME for one)"},
    {NULL, NULL, NULL},
};
