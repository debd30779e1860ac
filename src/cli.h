/* cli.h - shared declarations of the brainsmith command-line program.
 *
 * The CLI is thin: each command parses its options and calls the library.
 * Commands live in src/cmd_<group>.c, each file defining a table
 *   const bs_cmd bs_cmds_<group>[] = { {"name", fn, "one-line help"}, ..., {0} };
 * The build generates the list of those tables (cmd_tables.h), so adding a
 * command file needs no edit anywhere else.
 *
 * Exit codes: 0 success, 1 failure, 2 usage error. */
#ifndef BRAINSMITH_CLI_H
#define BRAINSMITH_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "brainsmith/workspace.h"

enum { BS_EXIT_OK = 0, BS_EXIT_FAIL = 1, BS_EXIT_USAGE = 2 };

typedef struct bs_cli {
    const char *home;     /* --home, or NULL for the default */
    int verbosity;        /* -v count minus -q count */
    const char *prog;     /* "brainsmith" */
    const char *cmd;      /* the command name being run */
} bs_cli;

typedef int (*bs_cmd_fn)(bs_cli *cli, int argc, char **argv);

typedef struct bs_cmd {
    const char *name;
    bs_cmd_fn fn;
    const char *help;     /* one line */
} bs_cmd;

/* Opens the workspace named by --home / $BRAINSMITH_HOME (creating it if
 * `create`); prints the error and returns NULL on failure. */
bs_workspace *bs_cli_open_ws(bs_cli *cli, bool create);
/* Prints "brainsmith: <cmd>: <bs_error_msg()>" to stderr; returns BS_EXIT_FAIL. */
int bs_cli_fail(bs_cli *cli, int rc);
/* Prints a usage error and the hint to run --help; returns BS_EXIT_USAGE. */
int bs_cli_usage(bs_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True if argv contains -h/--help before "--" (then the command should print
 * its usage text to stdout and return 0). */
bool bs_cli_wants_help(int argc, char **argv);
/* Dispatches to a sub-command table (for "model info", "artifacts ls", ...). */
int bs_cli_subcommand(bs_cli *cli, const bs_cmd *table, const char *group_usage,
                      int argc, char **argv);

#endif
