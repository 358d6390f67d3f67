#ifndef MEMETER_LOG_H
#define MEMETER_LOG_H

/*
 * One line per message on stderr, as journald and `make run` want it:
 *   2026-11-25T22:17:24.123Z info memeter-fcgi[123]: message
 * log_warn() appends strerror(errno).  fatal() logs and exits 1.
 */
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_init(const char *progname);
void log_set_level(enum log_level level);
/* Returns 0 and sets *level for "debug", "info", "warn", "error"; else -1. */
int  log_parse_level(const char *name, enum log_level *level);
int  log_enabled(enum log_level level);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
