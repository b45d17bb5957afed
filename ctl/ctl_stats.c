/*
 * ctl_stats.c - winnowctl stats and history: figures and recent verdicts
 *
 * Both read what winnowd writes in [stats] dir: the store (minute, hour
 * and day counters) and the live file (what was counted a moment ago, and
 * the ring of the last verdicts).  The gathering is stats/squery.c and
 * stats/history.c, which the control API serves too; here are only the
 * options and the printing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "log.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "history.h"
#include "live.h"
#include "squery.h"
#include "stats_conf.h"

/* ctl */
#include "ctl.h"

static const char ctl_stats_help[] =
"Usage: winnowctl [-c FILE] stats [--period PERIOD] [--by GROUPING]\n"
"                 [--unit UNIT] [--format text|csv|json] [--fleet]\n"
"\n"
"What winnowd filtered in a period: totals and one line per bucket.\n"
"\n"
"  --period  day (the last 24 hours by hour; the default), week (7 days by\n"
"            day), month (30 days by day), year (12 months by month),\n"
"            hour (60 minutes by minute), or FROM..TO with dates\n"
"            YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC; TO may be \"now\")\n"
"  --by      status (spam status; the default), av, action or group\n"
"  --unit    messages (the default), recipients or bytes\n"
"  --format  text (the default), csv or json\n"
"  --fleet   the whole fleet's figures, then each node's, from the fleet's\n"
"            Redis ([fleet]): what each node's store held when its fleet\n"
"            process last looked (every [fleet] publish_interval)\n"
"\n"
"A message sent to recipients that groups judged differently counts once\n"
"for each verdict (\"messages received\" counts it once).  The figures\n"
"include what was counted a moment ago.  Minutes are kept for 2 days,\n"
"hours for 60 days, days for 3 years ([stats] in winnow.conf).  Damaged\n"
"parts of the store are skipped and named on standard error.\n";

static const char ctl_history_help[] =
"Usage: winnowctl [-c FILE] history [-n N] [--status STATUS] [--follow]\n"
"                 [--json] [--fleet]\n"
"\n"
"The last verdicts (winnowd keeps [stats] history of them, 10,000 by\n"
"default): time, queue id, upstream queue id, client, sender, recipients,\n"
"size, status per group, score, the X-Winnow-Checks text, action, reply\n"
"and how long it took.\n"
"\n"
"  -n N       the last N (default 20; 0: all kept)\n"
"  --status   only messages with this spam or AV status (spam,\n"
"             probable-spam, infected, ...)\n"
"  --follow   keep printing new verdicts as they come (until interrupted)\n"
"  --json     one JSON object per line\n"
"  --fleet    the last N verdicts of every node of the fleet, from its\n"
"             Redis ([fleet]), each line starting with the node's name\n"
"             (--status and --follow are for one node)\n";

/* ctl_stats_dir - where winnowd keeps its statistics */

static const char *
ctl_stats_dir(void)
{
	return (stats_conf_dir(smtp_conf.spool_dir));
}

/* ctl_stats_problems - damaged parts of the store, on stderr */

static void
ctl_stats_problems(const struct buf *problems)
{
	const char	*s = buf_str(problems), *nl;

	while (*s != '\0') {
		nl = strchr(s, '\n');
		(void)fprintf(stderr, "winnowctl: warning: %.*s\n",
		    (int)(nl ? nl - s : (long)strlen(s)), s);
		s = nl ? nl + 1 : s + strlen(s);
	}
}

/* ctl_stats_print - run the query and print it */

static int
ctl_stats_print(struct squery *q, const char *format)
{
	struct sseries	*ss;
	struct stable	*tb;
	struct live	*l;
	struct buf	*why = buf_new(128), *out = buf_new(4096);
	char		 path[4096];
	json_t		*j;
	char		*s;

	(void)snprintf(path, sizeof(path), "%s/store", ctl_stats_dir());
	l = live_open(ctl_stats_dir(), why);	/* none: the store alone */
	buf_reset(why);
	if ((ss = squery_run(q, path, l, why)) == NULL) {
		(void)fprintf(stderr, "winnowctl: %s\n", buf_str(why));
		live_close(l, 0, NULL);
		buf_free(why);
		buf_free(out);
		return (EX_NOINPUT);
	}
	ctl_stats_problems(ss->problems);
	tb = squery_table(q, ss);
	if (strcmp(format, "json") == 0) {
		j = squery_json(q, tb, ss->problems);
		s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
		(void)printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		if (strcmp(format, "csv") == 0)
			squery_csv(q, tb, out);
		else
			squery_text(q, tb, out);
		(void)fwrite(out->data, 1, buf_len(out), stdout);
	}
	squery_table_free(tb);
	squery_free(ss);
	live_close(l, 0, NULL);
	buf_free(why);
	buf_free(out);
	return (EX_OK);
}

static const struct option ctl_stats_opts[] = {
	{ "period",	required_argument,	NULL,	'p' },
	{ "by",		required_argument,	NULL,	'b' },
	{ "unit",	required_argument,	NULL,	'u' },
	{ "format",	required_argument,	NULL,	'f' },
	{ "fleet",	no_argument,		NULL,	'F' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* ctl_stats_main - winnowctl stats */

int
ctl_stats_main(int argc, char **argv)
{
	struct squery	 q;
	struct buf	*why = buf_new(128);
	const char	*period = "day", *by = "status", *unit = "messages";
	const char	*format = "text";
	int		 c, rc, fleet = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:b:u:f:h", ctl_stats_opts,
	    NULL)) != -1) {
		switch (c) {
		case 'F':
			fleet = 1;
			break;
		case 'p':
			period = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		case 'u':
			unit = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			(void)fputs(ctl_stats_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_stats_help, stderr);
			return (EX_USAGE);
		}
	}
	if (optind != argc || squery_period(period, (int64_t)time(NULL), &q,
	    why) < 0 || squery_by(by, &q.by, why) < 0 ||
	    squery_unit(unit, &q.unit, why) < 0 || (strcmp(format, "text") &&
	    strcmp(format, "csv") && strcmp(format, "json"))) {
		if (buf_len(why) == 0)
			buf_printf(why, optind != argc ? "unexpected argument "
			    "\"%s\"" : "unknown format \"%s\": text, csv or "
			    "json", optind != argc ? argv[optind] : format);
		(void)fprintf(stderr, "winnowctl stats: %s\n", buf_str(why));
		buf_free(why);
		return (EX_USAGE);
	}
	buf_free(why);
	rc = fleet ? ctl_fleet_stats(&q, format) :
	    ctl_stats_print(&q, format);
	return (rc);
}

struct ctl_hist {
	struct history_entry *e;	/* the last n, a ring */
	size_t		 n, max, next;
	int		 json;
	int		 all;		/* print as they come */
};

/* ctl_hist_print - one entry */

static void
ctl_hist_print(const struct history_entry *e, int json)
{
	struct buf	*b;
	json_t		*j;
	char		*s;

	if (json) {
		j = history_json(e);
		s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
		(void)printf("%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	b = buf_new(512);
	history_render_text(e, b);
	(void)printf("%s\n", buf_str(b));
	buf_free(b);
}

/* ctl_hist_keep - keep the last max entries (or print at once) */

static void
ctl_hist_keep(const struct history_entry *e, void *arg)
{
	struct ctl_hist	*h = arg;

	if (h->all) {
		ctl_hist_print(e, h->json);
		return;
	}
	h->e[h->next] = *e;
	h->next = (h->next + 1) % h->max;
	if (h->n < h->max)
		h->n++;
}

static const struct option ctl_history_opts[] = {
	{ "status",	required_argument,	NULL,	's' },
	{ "follow",	no_argument,		NULL,	'f' },
	{ "json",	no_argument,		NULL,	'j' },
	{ "fleet",	no_argument,		NULL,	'F' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* ctl_history_main - winnowctl history */

int
ctl_history_main(int argc, char **argv)
{
	struct history_filter f;
	struct ctl_hist	 h;
	struct live	*l;
	struct buf	*why = buf_new(128);
	const char	*status = NULL;
	uint64_t	 next;
	size_t		 i;
	long		 n = 20;
	int		 c, follow = 0, fleet = 0;
	char		*end;

	memset(&h, 0, sizeof(h));
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:s:fjh", ctl_history_opts,
	    NULL)) != -1) {
		switch (c) {
		case 'n':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 0) {
				(void)fprintf(stderr, "winnowctl history: "
				    "bad -n \"%s\"\n", optarg);
				return (EX_USAGE);
			}
			break;
		case 's':
			status = optarg;
			break;
		case 'f':
			follow = 1;
			break;
		case 'F':
			fleet = 1;
			break;
		case 'j':
			h.json = 1;
			break;
		case 'h':
			(void)fputs(ctl_history_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_history_help, stderr);
			return (EX_USAGE);
		}
	}
	if (optind != argc || history_filter_parse(status, &f, why) < 0) {
		(void)fprintf(stderr, "winnowctl history: %s\n",
		    buf_len(why) ? buf_str(why) : "unexpected argument");
		return (EX_USAGE);
	}
	if (fleet) {
		buf_free(why);
		return (ctl_fleet_history(n, h.json));
	}
	if ((l = live_open(ctl_stats_dir(), why)) == NULL) {
		(void)fprintf(stderr, "winnowctl history: %s\n", buf_str(why));
		return (EX_UNAVAILABLE);
	}
	h.all = n == 0;
	h.max = n == 0 ? 1 : (size_t)n;
	h.e = calloc(h.max, sizeof(*h.e));
	if (h.e == NULL)
		log_fatal("out of memory");
	next = history_each(l, 0, &f, ctl_hist_keep, &h);
	for (i = 0; i < h.n; i++)
		ctl_hist_print(&h.e[(h.next + h.max - h.n + i) % h.max],
		    h.json);
	(void)fflush(stdout);
	h.all = 1;
	(void)signal(SIGPIPE, SIG_DFL);
	while (follow) {
		(void)usleep(200000);
		if (live_replaced(l, ctl_stats_dir())) {
			/* winnowd restarted: follow its new live file */
			struct live *nl = live_open(ctl_stats_dir(), why);

			if (nl != NULL) {
				live_close(l, 0, NULL);
				l = nl;
				next = 0;
			}
		}
		next = history_each(l, next, &f, ctl_hist_keep, &h);
		if (fflush(stdout) != 0)
			break;
	}
	free(h.e);
	live_close(l, 0, NULL);
	buf_free(why);
	return (EX_OK);
}
