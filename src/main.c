/* main.c - entry point of the brainsmith CLI.
 *
 * Parses the global options (--home DIR, -v, -q; accepted anywhere before a
 * "--"), then finds the command in the generated table of command tables
 * and runs it.  Everything else lives in the library. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_tables.h"

static const bs_cmd *find_cmd(const char *name)
{
    for (size_t t = 0; bs_cmd_tables[t]; t++)
        for (const bs_cmd *c = bs_cmd_tables[t]; c->name; c++)
            if (!strcmp(c->name, name))
                return c;
    return NULL;
}

static int cmp_cmd(const void *a, const void *b)
{
    return strcmp((*(const bs_cmd *const *)a)->name, (*(const bs_cmd *const *)b)->name);
}

static int cmd_help(bs_cli *cli, int argc, char **argv);
static int cmd_version(bs_cli *cli, int argc, char **argv);

static const bs_cmd builtin_cmds[] = {
    {"help", cmd_help, "list commands, or describe one: help COMMAND"},
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};

static void print_help(FILE *f)
{
    fprintf(f,
        "usage: brainsmith [--home DIR] [-v|-q] COMMAND [ARGS...]\n\n"
        "brainsmith builds quantized neural networks into FPGA dataflow accelerators\n"
        "(FINN-compatible) and runs, measures and compares those builds.\n\n"
        "global options:\n"
        "  --home DIR   workspace directory (default $BRAINSMITH_HOME, else\n"
        "               ~/.local/share/brainsmith)\n"
        "  -v, -vv      more output (info, debug)\n"
        "  -q           errors only\n\n"
        "commands:\n");
    const bs_cmd *all[256];
    size_t n = 0;
    for (const bs_cmd *c = builtin_cmds; c->name; c++)
        all[n++] = c;
    for (size_t t = 0; bs_cmd_tables[t]; t++)
        for (const bs_cmd *c = bs_cmd_tables[t]; c->name && n < 256; c++)
            all[n++] = c;
    qsort(all, n, sizeof all[0], cmp_cmd);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-12s %s\n", all[i]->name, all[i]->help);
    fprintf(f, "\n'brainsmith COMMAND --help' describes a command.\n");
}

static int cmd_help(bs_cli *cli, int argc, char **argv)
{
    if (argc > 1) {
        const bs_cmd *c = find_cmd(argv[1]);
        if (!c)
            return bs_cli_usage(cli, "unknown command '%s'", argv[1]);
        char *hargv[] = {argv[1], "--help", NULL};
        cli->cmd = c->name;
        return c->fn(cli, 2, hargv);
    }
    print_help(stdout);
    return 0;
}

static int cmd_version(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith version\n\nPrints the brainsmith version.\n");
        return 0;
    }
    printf("brainsmith %s\n", BS_VERSION);
    return 0;
}


int main(int argc, char **argv)
{
    bs_cli cli = {.prog = "brainsmith"};
    signal(SIGPIPE, SIG_IGN);
    /* Pull global options out of argv (anywhere before "--"). */
    int out = 1;
    bool after_dd = false;
    const char *cmdname = NULL;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!after_dd && !strcmp(a, "--")) {
            after_dd = true;
        } else if (!after_dd && !strcmp(a, "--home")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "brainsmith: --home needs a directory\n");
                return BS_EXIT_USAGE;
            }
            cli.home = argv[++i];
            continue;
        } else if (!after_dd && !strncmp(a, "--home=", 7)) {
            cli.home = a + 7;
            continue;
        } else if (!after_dd && (!strcmp(a, "-v") || !strcmp(a, "--verbose"))) {
            cli.verbosity++;
            continue;
        } else if (!after_dd && !strcmp(a, "-vv")) {
            cli.verbosity += 2;
            continue;
        } else if (!after_dd && (!strcmp(a, "-q") || !strcmp(a, "--quiet"))) {
            cli.verbosity--;
            continue;
        }
        argv[out++] = a;
    }
    argc = out;
    argv[argc] = NULL;
    bs_log_set_level(cli.verbosity < 0 ? BS_LOG_ERROR
                     : cli.verbosity == 0 ? BS_LOG_WARN
                     : cli.verbosity == 1 ? BS_LOG_INFO : BS_LOG_DEBUG);
    if (argc < 2) {
        print_help(stderr);
        return BS_EXIT_USAGE;
    }
    cmdname = argv[1];
    if (!strcmp(cmdname, "-h") || !strcmp(cmdname, "--help")) {
        print_help(stdout);
        return 0;
    }
    if (!strcmp(cmdname, "--version"))
        cmdname = "version";
    const bs_cmd *c = NULL;
    for (const bs_cmd *b = builtin_cmds; b->name && !c; b++)
        if (!strcmp(b->name, cmdname))
            c = b;
    if (!c)
        c = find_cmd(cmdname);
    if (!c) {
        fprintf(stderr, "brainsmith: unknown command '%s' (see 'brainsmith help')\n", cmdname);
        return BS_EXIT_USAGE;
    }
    cli.cmd = c->name;
    int rc = c->fn(&cli, argc - 1, argv + 1);
    if (fflush(stdout) != 0 && rc == 0)
        rc = BS_EXIT_FAIL;
    return rc;
}
