/*
 * ctl_status.c - winnowctl status and monitor: is winnowd well?
 *
 * status gathers the state (stats/sstatus.c: the live file, the last
 * minutes of the store, the spool, outq and quarantine) and prints it,
 * exiting as a Nagios plugin does (0 ok, 1 warning, 2 critical, 3
 * unknown).  monitor --print shows what the [monitor] conditions find now
 * and, from the control process's state file, since when.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "timeutil.h"

/* policy */
#include "policy.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "monitor.h"
#include "sstatus.h"
#include "stats_conf.h"

/* ctl */
#include "ctl.h"

static const char ctl_status_help[] =
"Usage: winnowctl [-c FILE] status [--json]\n"
"\n"
"The state of the running winnowd: the master's pid, uptime, configuration\n"
"generation and last reload; children busy, idle and the most; the oldest\n"
"busy session; the virus database's version and age; the content model's\n"
"age; the downstream and DNS error rates of the last 5 minutes; the\n"
"spool's free space against spool_reserve; DSNs waiting in the outq; the\n"
"quarantine's size; and the problems the [monitor] conditions find.\n"
"\n"
"Exit status as a Nagios plugin: 0 OK, 1 WARNING, 2 CRITICAL (or winnowd\n"
"not running), 3 UNKNOWN (its live file cannot be read).  --json prints\n"
"the same as JSON (the control API's /api/v1/status).\n";

static const char ctl_monitor_help[] =
"Usage: winnowctl [-c FILE] monitor --print [--json]\n"
"\n"
"The problems the [monitor] conditions find now, and since when each is\n"
"open (the control process mails them to [monitor] alert_to once when\n"
"they start, once when they end, and in a daily digest).\n";

/* ctl_status_gather - the state, from the configuration's places */

static void
ctl_status_gather(struct sstatus *s)
{
	struct sstatus_where w;

	w.stats_dir = stats_conf_dir(smtp_conf.spool_dir);
	w.spool_dir = smtp_conf.spool_dir;
	w.quarantine_dir = policy_conf.quarantine_dir;
	w.spool_reserve = smtp_conf.spool_reserve;
	sstatus_gather(s, NULL, &w);
}

static const struct option ctl_status_opts[] = {
	{ "json",	no_argument,	NULL,	'j' },
	{ "print",	no_argument,	NULL,	'p' },
	{ "help",	no_argument,	NULL,	'h' },
	{ NULL,		0,		NULL,	0 }
};

/* ctl_status_main - winnowctl status */

int
ctl_status_main(int argc, char **argv)
{
	struct sstatus	 s;
	struct buf	*out;
	json_t		*j;
	char		*txt;
	int		 c, json = 0, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", ctl_status_opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			(void)fputs(ctl_status_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_status_help, stderr);
			return (SSTATUS_UNKNOWN);
		}
	}
	if (optind != argc) {
		(void)fputs(ctl_status_help, stderr);
		return (SSTATUS_UNKNOWN);
	}
	ctl_status_gather(&s);
	if (json) {
		j = sstatus_json(&s, &code);
		txt = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
		(void)printf("%s\n", txt);
		free(txt);
		json_decref(j);
		return (code);
	}
	out = buf_new(2048);
	sstatus_text(&s, out, &code);
	(void)fwrite(out->data, 1, buf_len(out), stdout);
	buf_free(out);
	return (code);
}

/* ctl_monitor_main - winnowctl monitor --print */

int
ctl_monitor_main(int argc, char **argv)
{
	struct monitor_problem p[MONITOR_MAX];
	struct monitor_state st;
	struct sstatus	 s;
	struct buf	*why = buf_new(64);
	char		 path[4096], since[64];
	json_t		*j, *a;
	size_t		 n, i, k;
	int		 c, json = 0, print = 0;
	char		*txt;

	optind = 1;
	while ((c = getopt_long(argc, argv, "pjh", ctl_status_opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'p':
			print = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			(void)fputs(ctl_monitor_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_monitor_help, stderr);
			return (EX_USAGE);
		}
	}
	if (!print || optind != argc) {
		(void)fputs(ctl_monitor_help, stderr);
		return (EX_USAGE);
	}
	ctl_status_gather(&s);
	n = monitor_judge(&s, p, MONITOR_MAX);
	(void)snprintf(path, sizeof(path), "%s/monitor/state",
	    stats_conf_dir(smtp_conf.spool_dir));
	if (monitor_state_load(path, &st, why) != 0)
		(void)fprintf(stderr, "winnowctl: warning: %s\n", buf_str(why));
	for (i = 0; i < n; i++)
		for (k = 0; k < st.n; k++)
			if (strcmp(p[i].id, st.open[k].id) == 0)
				p[i].since = st.open[k].since;
	if (json) {
		j = json_object();
		a = monitor_json(p, n);
		(void)json_object_set_new(j, "problems", a);
		(void)json_object_set_new(j, "alert_to",
		    json_string(monitor_conf.alert_to));
		txt = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
		(void)printf("%s\n", txt);
		free(txt);
		json_decref(j);
	} else {
		(void)printf("%zu problem%s%s\n", n, n == 1 ? "" : "s",
		    monitor_conf.alert_to[0] ? "" :
		    " (no alerts are mailed: [monitor] alert_to is empty)");
		for (i = 0; i < n; i++) {
			(void)printf("%s %s: %s", p[i].severity ==
			    SSTATUS_CRITICAL ? "CRITICAL" : "WARNING",
			    p[i].id, p[i].text);
			if (p[i].since > 0) {
				time_rfc5322(since, sizeof(since),
				    (time_t)p[i].since);
				(void)printf(" (since %s)", since);
			}
			(void)printf("\n");
		}
	}
	buf_free(why);
	return (monitor_worst(p, n));
}
