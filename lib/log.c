/*
 * log.c - logging to syslog or stderr, Postfix style
 *
 * One formatting path for both sinks so a line reads the same in syslog and
 * on a terminal.  The message text is the caller's; untrusted parts must have
 * gone through buf_append_safe() already (see buf.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "log.h"

int		 log_verbose;

static char	 log_tag[64] = "winnow";
static pid_t	 log_pid;
static int	 log_stderr = 1;	/* until log_open_syslog() */
static int	 log_facility = LOG_MAIL;

/* log_init - set the tag and cache the pid */

void
log_init(const char *tag)
{
	(void)snprintf(log_tag, sizeof(log_tag), "%s", tag);
	log_pid = getpid();
	if (!log_stderr) {
		closelog();
		openlog(log_tag, LOG_PID | LOG_NDELAY, log_facility);
	}
}

/* log_open_syslog - send lines to syslog */

void
log_open_syslog(int facility)
{
	log_facility = facility;
	log_stderr = 0;
	openlog(log_tag, LOG_PID | LOG_NDELAY, facility);
}

/* log_to_stderr - send lines to stderr */

void
log_to_stderr(void)
{
	if (!log_stderr)
		closelog();
	log_stderr = 1;
}

/* log_facility_parse - facility name to value */

int
log_facility_parse(const char *name)
{
	static const struct {
		const char	*name;
		int		 value;
	} tab[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(name, tab[i].name) == 0)
			return (tab[i].value);
	return (-1);
}

/* log_vemit - format one line and send it to the current sink */

static void
log_vemit(int prio, const char *label, const char *fmt, va_list ap)
{
	char		 msg[4096], stamp[32];
	struct tm	 tm;
	time_t		 now;
	int		 saved = errno;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!log_stderr) {
		syslog(prio, "%s%s", label, msg);
	} else {
		if (log_pid == 0)
			log_pid = getpid();
		now = time(NULL);
		(void)localtime_r(&now, &tm);
		(void)strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
		(void)fprintf(stderr, "%s %s[%ld]: %s%s\n", stamp, log_tag,
		    (long)log_pid, label, msg);
	}
	errno = saved;
}

#define LOG_FN(name, prio, label, cond)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
								\
	if (!(cond))						\
		return;						\
	va_start(ap, fmt);					\
	log_vemit(prio, label, fmt, ap);			\
	va_end(ap);						\
}

/* log_debug, log_info, ... - one function per severity */
LOG_FN(log_debug, LOG_DEBUG, "", log_verbose > 0)
LOG_FN(log_info, LOG_INFO, "", 1)
LOG_FN(log_notice, LOG_NOTICE, "", 1)
LOG_FN(log_warn, LOG_WARNING, "warning: ", 1)
LOG_FN(log_error, LOG_ERR, "error: ", 1)

/* log_fatal_code - log and exit with a sysexits code */

void
log_fatal_code(int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(code);
}

/* log_fatal - log and exit(EX_SOFTWARE) */

void
log_fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(EX_SOFTWARE);
}

/* log_panic - log and abort with a core dump */

void
log_panic(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}
