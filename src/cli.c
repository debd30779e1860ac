/* cli.c - helpers shared by the command files: opening the workspace,
 * reporting errors, usage errors and sub-command dispatch. */
#include "cli.h"

#include "brainsmith/error.h"

#include <stdarg.h>
#include <string.h>

bs_workspace *bs_cli_open_ws(bs_cli *cli, bool create)
{
    bs_workspace *ws = NULL;
    int rc = bs_workspace_open(cli->home, create, &ws);
    if (rc) {
        bs_cli_fail(cli, rc);
        return NULL;
    }
    return ws;
}

int bs_cli_fail(bs_cli *cli, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", cli->prog, cli->cmd ? cli->cmd : "error",
            rc ? bs_error_msg() : "failed");
    return BS_EXIT_FAIL;
}

int bs_cli_usage(bs_cli *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: %s: ", cli->prog, cli->cmd ? cli->cmd : "usage");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see '%s %s --help')\n", cli->prog, cli->cmd ? cli->cmd : "");
    return BS_EXIT_USAGE;
}

bool bs_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return false;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    }
    return false;
}

int bs_cli_subcommand(bs_cli *cli, const bs_cmd *table, const char *group_usage,
                      int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "%s\n\nsub-commands:\n", group_usage);
        for (const bs_cmd *c = table; c->name; c++)
            fprintf(f, "  %-12s %s\n", c->name, c->help);
        return argc < 2 ? BS_EXIT_USAGE : BS_EXIT_OK;
    }
    for (const bs_cmd *c = table; c->name; c++) {
        if (!strcmp(c->name, argv[1])) {
            const char *outer = cli->cmd;
            char full[128];
            snprintf(full, sizeof full, "%s %s", outer ? outer : "", c->name);
            cli->cmd = full;
            int rc = c->fn(cli, argc - 1, argv + 1);
            cli->cmd = outer;
            return rc;
        }
    }
    return bs_cli_usage(cli, "unknown sub-command '%s'", argv[1]);
}
