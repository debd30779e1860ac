/* orch_view.h - helpers shared by the orchestrator command files
 * (cmd_orch.c: submit/run/wait/cancel/retry, cmd_orchview.c:
 * status/watch/logs). */
#ifndef BRAINSMITH_ORCH_VIEW_H
#define BRAINSMITH_ORCH_VIEW_H

#include <stdint.h>
#include <stdio.h>
#include "cli.h"
#include "brainsmith/events.h"
#include "brainsmith/orch.h"

/* Parses a task id ("12" or "#12"); prints a usage error and returns -1. */
int orch_parse_id(bs_cli *cli, const char *s, int64_t *id);
/* Opens an existing workspace (never creates one) with the orch tables. */
bs_workspace *orch_open_existing(bs_cli *cli);
/* Opens or creates the workspace for submit, refusing to create a fresh
 * database inside a workspace that has task logs (a lost database). */
bs_workspace *orch_open_for_submit(bs_cli *cli);
/* One plain line for an event: "16:18:55 #12 name  ready -> running (attempt 1)". */
void orch_print_event(FILE *f, const bs_event *ev);
/* "10 tasks: 8 succeeded, 1 failed, 1 dependency-failed". */
void orch_print_counts(FILE *f, const int64_t counts[BS_TASK_NSTATES]);
/* "1.5s", "3m02s", "2h05m". */
char *orch_fmt_dur(int64_t ms, char *buf, size_t n);

#endif
