/* cmd_workspace.c - workspace-level commands: init and builds. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int cmd_init(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith [--home DIR] init\n\n"
               "Creates the workspace (directory and database) if it does not exist and\n"
               "prints its path.  Other commands create it on first use as well.\n");
        return 0;
    }
    if (argc > 1)
        return bs_cli_usage(cli, "unexpected argument '%s'", argv[1]);
    bs_workspace *ws = bs_cli_open_ws(cli, true);
    if (!ws)
        return BS_EXIT_FAIL;
    printf("%s\n", ws->home);
    bs_workspace_close(ws);
    return 0;
}

const bs_cmd bs_cmds_workspace[] = {
    {"init", cmd_init, "create the workspace and print its path"},
    {NULL, NULL, NULL},
};
