/*
 * log.h - logging to syslog or stderr, Postfix style
 *
 * Lines look like "winnowd/child[1234]: warning: text".  log_init() sets the
 * tag and remembers the pid (call it again after fork).  By default lines go
 * to syslog with the facility set by log_open_syslog(); log_to_stderr()
 * sends them to standard error with a timestamp instead (winnowd -f).
 *
 * Severities: debug, info, notice, warn, error; log_fatal() exits with a
 * sysexits.h code; log_panic() aborts with a core dump and runs no cleanup
 * (it is for broken invariants, i.e. bugs).
 *
 * Levels: lines below the level are dropped.  The level is "info" by
 * default, "debug" with -v (log_verbose), or what log_set_levels() was
 * given ([server] log_level): a level, then overrides per module (the
 * folder a source file is in, which the build passes as WN_MODULE), e.g.
 * "notice, dnsbl=debug, smtp=warning".  Fatal and panic lines always go.
 *
 * Under systemd (JOURNAL_STREAM names our standard error) lines written
 * to standard error carry a "<N>" priority prefix instead of a timestamp,
 * so journald files them at their severity.
 *
 * Every line about one message starts with its queue id (the caller's job).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_LOG_H
#define WINNOW_LOG_H

#include <stdarg.h>

extern int	log_verbose;	/* raised by each -v */

/* Set the program tag ("winnowd/child") and cache the pid. */
void	log_init(const char *tag);

/* Log to syslog with this facility (LOG_MAIL, ...). */
void	log_open_syslog(int facility);

/* Log to stderr, each line prefixed with a local timestamp. */
void	log_to_stderr(void);

/* Map a facility name ("mail", "local0".."local7", "daemon", "user") to its
 * syslog value; -1 if unknown. */
int	log_facility_parse(const char *);

/* Levels (syslog's numbers). */
#define LOG_LV_ERROR	3
#define LOG_LV_WARN	4
#define LOG_LV_NOTICE	5
#define LOG_LV_INFO	6
#define LOG_LV_DEBUG	7

/* Set the levels from "LEVEL[, MODULE=LEVEL]..."; 0, or -1 with a reason
 * in why (the levels stay as they were). */
struct buf;
int	log_set_levels(const char *, struct buf *why);

/* Only check such a text (a conf_check_fn). */
int	log_check_levels(const char *, struct buf *why);

/* Whether a line of this level from this module would be written. */
int	log_enabled(const char *module, int level);

/* One line from a module (NULL: none) at a level. */
void	log_at(const char *module, int level, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#ifndef WN_MODULE
#define WN_MODULE	NULL
#endif
#define log_debug(...)	log_at(WN_MODULE, LOG_LV_DEBUG, __VA_ARGS__)
#define log_info(...)	log_at(WN_MODULE, LOG_LV_INFO, __VA_ARGS__)
#define log_notice(...)	log_at(WN_MODULE, LOG_LV_NOTICE, __VA_ARGS__)
#define log_warn(...)	log_at(WN_MODULE, LOG_LV_WARN, __VA_ARGS__)
#define log_error(...)	log_at(WN_MODULE, LOG_LV_ERROR, __VA_ARGS__)

/* Log and exit(EX_SOFTWARE); use log_fatal_code for a specific sysexits. */
void	log_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_fatal_code(int code, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* Log and abort(): a broken invariant. */
void	log_panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* WINNOW_LOG_H */
