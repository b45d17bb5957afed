/*
 * log.h - logging to syslog or stderr, Postfix style
 *
 * Lines look like "winnowd/child[1234]: warning: text".  log_init() sets the
 * tag and remembers the pid (call it again after fork).  By default lines go
 * to syslog with the facility set by log_open_syslog(); log_to_stderr()
 * sends them to standard error with a timestamp instead (winnowd -f).
 *
 * Severities: debug (only when log_verbose > 0), info, notice, warn, error;
 * log_fatal() exits with a sysexits.h code; log_panic() aborts with a core
 * dump and runs no cleanup (it is for broken invariants, i.e. bugs).
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

void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Log and exit(EX_SOFTWARE); use log_fatal_code for a specific sysexits. */
void	log_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_fatal_code(int code, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* Log and abort(): a broken invariant. */
void	log_panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* WINNOW_LOG_H */
