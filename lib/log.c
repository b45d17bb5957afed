/*
 * log.c - logging to syslog or stderr, Postfix style
 *
 * One formatting path for both sinks so a line reads the same in syslog and
 * on a terminal.  The message text is the caller's; untrusted parts must have
 * gone through buf_append_safe() already (see buf.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

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
#include "buf.h"
#include "log.h"

int		 log_verbose;

static char	 log_tag[64] = "winnow";
static pid_t	 log_pid;
static int	 log_stderr = 1;	/* until log_open_syslog() */
static int	 log_journal;		/* stderr is journald's stream */
static int	 log_facility = LOG_MAIL;

#define LOG_MODULES_MAX	16

static int	 log_level = LOG_LV_INFO;
static int	 log_nmodules;
static struct {
	char	 name[24];
	int	 level;
} log_modules[LOG_MODULES_MAX];

static const char *const log_level_names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info",
	"debug"
};

/* log_level_parse - a level's name (or "warn"); -1 if unknown */

static int
log_level_parse(const char *s, size_t len)
{
	int	 i;

	if (len == 4 && strncasecmp(s, "warn", 4) == 0)
		return (LOG_LV_WARN);
	for (i = LOG_LV_ERROR; i <= LOG_LV_DEBUG; i++)
		if (strlen(log_level_names[i]) == len &&
		    strncasecmp(s, log_level_names[i], len) == 0)
			return (i);
	return (-1);
}

static int	log_levels(const char *, int, struct buf *);

/* log_set_levels - "LEVEL[, MODULE=LEVEL]..." */

int
log_set_levels(const char *spec, struct buf *why)
{
	return (log_levels(spec, 1, why));
}

/* log_check_levels - only whether such a text is right */

int
log_check_levels(const char *spec, struct buf *why)
{
	return (log_levels(spec, 0, why));
}

/* log_levels - parse levels and, with apply, set them */

static int
log_levels(const char *spec, int apply, struct buf *why)
{
	const char	*p = spec, *e, *eq;
	int		 level = LOG_LV_INFO, n = 0, lv, have = 0;
	struct {
		char	 name[24];
		int	 level;
	} mods[LOG_MODULES_MAX];

	while (*p != '\0') {
		p += strspn(p, " \t,;");
		if (*p == '\0')
			break;
		e = p + strcspn(p, " \t,;");
		eq = memchr(p, '=', (size_t)(e - p));
		if (eq == NULL) {
			if (have || (lv = log_level_parse(p, (size_t)(e - p))) <
			    0) {
				buf_printf(why, "\"%.*s\": expected one level "
				    "(debug, info, notice, warning, error) "
				    "first, then MODULE=LEVEL", (int)(e - p),
				    p);
				return (-1);
			}
			level = lv;
			have = 1;
		} else {
			if (n == LOG_MODULES_MAX || eq == p ||
			    (size_t)(eq - p) >= sizeof(mods[0].name) ||
			    (lv = log_level_parse(eq + 1,
			    (size_t)(e - eq - 1))) < 0) {
				buf_printf(why, "\"%.*s\": expected MODULE="
				    "LEVEL (debug, info, notice, warning, "
				    "error)", (int)(e - p), p);
				return (-1);
			}
			(void)snprintf(mods[n].name, sizeof(mods[n].name),
			    "%.*s", (int)(eq - p), p);
			mods[n++].level = lv;
		}
		p = e;
	}
	if (!apply)
		return (0);
	log_level = level;
	memcpy(log_modules, mods, sizeof(mods[0]) * (size_t)n);
	log_nmodules = n;
	return (0);
}

/* log_enabled - whether a line would be written */

int
log_enabled(const char *module, int level)
{
	int	 i;

	if (level <= LOG_LV_ERROR || log_verbose > 0)
		return (1);
	if (module != NULL)
		for (i = 0; i < log_nmodules; i++)
			if (strcmp(log_modules[i].name, module) == 0)
				return (level <= log_modules[i].level);
	return (level <= log_level);
}

/* log_journal_check - whether standard error is journald's stream (its
 * JOURNAL_STREAM "DEVICE:INODE" names it) */

static int
log_journal_check(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) < 0)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

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
	log_journal = log_journal_check();
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
	} else if (log_journal) {
		if (log_pid == 0)
			log_pid = getpid();
		(void)fprintf(stderr, "<%d>%s[%ld]: %s%s\n", prio, log_tag,
		    (long)log_pid, label, msg);
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

/* log_at - one line at a level (log_debug, log_info, ... in log.h) */

void
log_at(const char *module, int level, const char *fmt, ...)
{
	va_list	 ap;

	if (!log_enabled(module, level))
		return;
	va_start(ap, fmt);
	log_vemit(level, level == LOG_LV_WARN ? "warning: " :
	    level == LOG_LV_ERROR ? "error: " : "", fmt, ap);
	va_end(ap);
}

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
