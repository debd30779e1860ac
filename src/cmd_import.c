/* cmd_import.c - `brainsmith import DIR [--name N] [--part P] [--json]`: a past build's
 * output directory (FINN output dir or folder of Vivado/HLS reports) becomes
 * a build in state "imported" with its metrics. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/metrics.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

static int cmd_import(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith import DIR [--name N] [--part PART] [--json]\n\n"
               "Imports an existing FINN output directory (report/*.json,\n"
               "time_per_step.json, final_hw_config.json, Vivado reports) or a folder of\n"
               "Vivado/HLS reports as a build in state \"imported\", with every metric its\n"
               "reports give.  Reports that fail to parse are listed (file:line: what was\n"
               "expected) and the exit status is 1, but the build and the metrics of the\n"
               "other files are kept.  --part names the FPGA part when the reports do not\n"
               "(it sets utilisation and the power model's device family).\n");
        return 0;
    }
    const char *dir = NULL, *name = NULL, *part = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--name")) {
            if (++i >= argc)
                return bs_cli_usage(cli, "--name needs a value");
            name = argv[i];
        } else if (!strcmp(argv[i], "--part")) {
            if (++i >= argc)
                return bs_cli_usage(cli, "--part needs a value");
            part = argv[i];
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-') {
            return bs_cli_usage(cli, "unknown option '%s'", argv[i]);
        } else if (dir) {
            return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return bs_cli_usage(cli, "missing DIR");
    bs_workspace *ws = bs_cli_open_ws(cli, true);
    if (!ws)
        return BS_EXIT_FAIL;
    bs_import_result res;
    bs_metric_set s;
    int rc = bs_metrics_import(ws, dir, name, part, &res, &s);
    if (rc) {
        bs_metrics_free(&s);
        bs_workspace_close(ws);
        return bs_cli_fail(cli, rc);
    }
    for (size_t i = 0; i < s.nerr; i++)
        fprintf(stderr, "brainsmith: import: %s:%d: %s\n", s.err[i].file, s.err[i].line, s.err[i].msg);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "build", res.build_id);
        cJSON_AddNumberToObject(o, "files", res.nfiles);
        cJSON_AddNumberToObject(o, "metrics", res.nvalues);
        cJSON_AddNumberToObject(o, "errors", res.nerrors);
        char *t = cJSON_Print(o);
        cJSON_Delete(o);
        printf("%s\n", t ? t : "{}");
        free(t);
    } else {
        printf("%s\n", res.build_id);
        fprintf(stderr, "imported %d report file(s), %d metric value(s), %d error(s)\n", res.nfiles,
                res.nvalues, res.nerrors);
    }
    bs_metrics_free(&s);
    bs_workspace_close(ws);
    return res.nerrors ? BS_EXIT_FAIL : BS_EXIT_OK;
}

const bs_cmd bs_cmds_import[] = {
    {"import", cmd_import, "import a FINN output dir or a folder of Vivado/HLS reports as a build"},
    {NULL, NULL, NULL},
};
