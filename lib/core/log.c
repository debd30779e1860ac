/* log.c - the one logging function of the library.
 *
 * Default sink: "brainsmith: warning: ..." on stderr.  Level defaults to
 * WARN (quiet); the CLI raises it with -v. */
#include "brainsmith/log.h"

#include <pthread.h>
#include <stdio.h>

static bs_log_level log_level = BS_LOG_WARN;
static bs_log_sink log_sink;
static void *log_ud;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};

void bs_log_set_level(bs_log_level lvl) { log_level = lvl; }
bs_log_level bs_log_get_level(void) { return log_level; }

void bs_log_set_sink(bs_log_sink sink, void *ud)
{
    pthread_mutex_lock(&log_mu);
    log_sink = sink;
    log_ud = ud;
    pthread_mutex_unlock(&log_mu);
}

void bs_logv(bs_log_level lvl, const char *fmt, va_list ap)
{
    if (lvl > log_level)
        return;
    char msg[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    pthread_mutex_lock(&log_mu);
    if (log_sink)
        log_sink(lvl, msg, log_ud);
    else
        fprintf(stderr, "brainsmith: %s: %s\n", level_names[lvl], msg);
    pthread_mutex_unlock(&log_mu);
}

void bs_log(bs_log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bs_logv(lvl, fmt, ap);
    va_end(ap);
}
