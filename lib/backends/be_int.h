/* be_int.h - private helpers of the backends module. */
#ifndef BS_BE_INT_H
#define BS_BE_INT_H

#include <stdint.h>

#include "brainsmith/backends.h"

/* Probes the tool; BS_ENOTFOUND with the Debian package named. */
int be_require(const char *name, bs_tool_info *info);
/* Runs argv in cwd, stdout+stderr appended to log; BS_ETOOL on a non-zero
 * exit (naming the log), BS_ETIMEOUT after timeout_ms.  *secs = wall time. */
int be_run(const char *const *argv, const char *cwd, const char *log, int64_t timeout_ms, double *secs);

#endif
