/* log.h - levelled logging through one function.
 *
 * The library never prints except through bs_log().  The default sink writes
 * "brainsmith: <level>: message" to stderr; the CLI sets the level from
 * -v/-q, and daemons may install their own sink. */
#ifndef BRAINSMITH_LOG_H
#define BRAINSMITH_LOG_H

#include <stdarg.h>

typedef enum { BS_LOG_ERROR = 0, BS_LOG_WARN, BS_LOG_INFO, BS_LOG_DEBUG, BS_LOG_TRACE } bs_log_level;

typedef void (*bs_log_sink)(bs_log_level lvl, const char *msg, void *ud);

void bs_log_set_level(bs_log_level lvl);
bs_log_level bs_log_get_level(void);
/* Replaces the sink (NULL restores the stderr sink). */
void bs_log_set_sink(bs_log_sink sink, void *ud);
void bs_log(bs_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bs_logv(bs_log_level lvl, const char *fmt, va_list ap);

#define BS_ERROR(...) bs_log(BS_LOG_ERROR, __VA_ARGS__)
#define BS_WARN(...) bs_log(BS_LOG_WARN, __VA_ARGS__)
#define BS_INFO(...) bs_log(BS_LOG_INFO, __VA_ARGS__)
#define BS_DEBUG(...) do { if (bs_log_get_level() >= BS_LOG_DEBUG) bs_log(BS_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
