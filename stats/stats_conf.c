/*
 * stats_conf.c - [stats] and [monitor] parameters: name, type, default,
 * bounds
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

/* lib */
#include "conf.h"

/* stats */
#include "history.h"
#include "stats_conf.h"

struct stats_conf	 stats_conf;
struct monitor_conf	 monitor_conf;

#define S(f)	(&stats_conf.f)
static const struct conf_param stats_params[] = {
	{ "dir", CONF_STR, "", S(dir), 0, 0, NULL, NULL,
	    "where the statistics live: the store of minute, hour and day "
	    "counters, and the live file winnowctl reads (empty: "
	    "spool_dir/stats)" },
	{ "memory_dir", CONF_STR, "/dev/shm", S(memory_dir), 0, 0, NULL, NULL,
	    "a tmpfs for the live file's memory (dir/live links to it): the "
	    "children write there with every message, which on a disk file "
	    "system costs a journal update per page (empty: in dir itself)" },
	{ "history", CONF_UINT, "10000", S(history), 100, 1000000, NULL, NULL,
	    "verdicts kept for winnowctl history (about 1.2 kB each, in the "
	    "live file)" },
	{ "flush_interval", CONF_TIME, "1m", S(flush_interval), 1000, 3600000,
	    NULL, NULL, "how often the master writes the counters to the "
	    "store; a crash of the master loses at most this much" },
	{ "compact_interval", CONF_TIME, "1h", S(compact_interval), 60000,
	    86400000, NULL, NULL, "how often the store is rewritten: minutes "
	    "older than 2 days become hours, hours older than 60 days days, "
	    "days older than 3 years go" },
	{ NULL }
};
#undef S

#define M(f)	(&monitor_conf.f)
static const struct conf_param monitor_params[] = {
	{ "alert_to", CONF_STR, "", M(alert_to), 0, 0, NULL, NULL,
	    "who is mailed (through the downstream) when a problem starts, "
	    "when it ends, and in a daily digest; empty: nobody (winnowctl "
	    "monitor and status still show it). Needs [control]" },
	{ "alert_from", CONF_STR, "", M(alert_from), 0, 0, NULL, NULL,
	    "From: address of alerts (empty: winnow@myhostname)" },
	{ "template", CONF_STR, "", M(template), 0, 0, NULL, NULL,
	    "template file of alert mails (policy templates; macros "
	    "${alert}, ${problems}, ${subject}, ${hostname}, ${date}); empty: "
	    "the built-in text" },
	{ "digest_hour", CONF_UINT, "8", M(digest_hour), 0, 24, NULL, NULL,
	    "local hour of the daily digest of open problems (24: none)" },
	{ "interval", CONF_TIME, "30s", M(interval), 1000, 3600000, NULL,
	    NULL, "how often the conditions are judged" },
	{ "av_database_max_age", CONF_TIME, "2d", M(av_database_max_age), 0,
	    2592000000U, NULL, NULL, "a problem when the virus database is "
	    "older than this (critical at three times; 0: off)" },
	{ "model_max_age", CONF_TIME, "0", M(model_max_age), 0, 2592000000U,
	    NULL, NULL, "a problem when the content model file is older than "
	    "this (0: off)" },
	{ "all_busy_for", CONF_TIME, "1m", M(all_busy_for), 0, 86400000,
	    NULL, NULL, "a problem when every child has been busy at "
	    "max_children this long (0: off)" },
	{ "downstream_tempfail_rate", CONF_UINT, "10",
	    M(downstream_tempfail_rate), 0, 100, NULL, NULL,
	    "a problem when more than this percentage of the last 5 minutes' "
	    "messages met a temporary failure downstream (0: off)" },
	{ "dns_timeout_rate", CONF_UINT, "50", M(dns_timeout_rate), 0, 100,
	    NULL, NULL, "a problem when the DNS checks of more than this "
	    "percentage of the last 5 minutes' messages timed out (0: off)" },
	{ "infected_share", CONF_UINT, "50", M(infected_share), 0, 100, NULL,
	    NULL, "a problem when more than this percentage of the last "
	    "hour's messages were infected (an outbreak; 0: off)" },
	{ "min_messages", CONF_UINT, "10", M(min_messages), 1, 1000000, NULL,
	    NULL, "rates are judged only over at least this many messages" },
	{ "outq_max_age", CONF_TIME, "1h", M(outq_max_age), 0, 2592000000U,
	    NULL, NULL, "a problem when a DSN or notification has waited in "
	    "spool_dir/outq longer than this (0: off)" },
	{ "child_crashes", CONF_UINT, "3", M(child_crashes), 0, 1000000, NULL,
	    NULL, "a problem when this many children crashed in the last 5 "
	    "minutes (0: off)" },
	{ "check_off", CONF_BOOL, "yes", M(check_off), 0, 0, NULL, NULL,
	    "a problem when a check some group wants cannot run (no virus "
	    "database, no content model)" },
	{ NULL }
};
#undef M

static const struct conf_section stats_section = {
	"stats", 0, stats_params, NULL,
	"statistics: the store, the live counters, the verdict history"
};

static const struct conf_section monitor_section = {
	"monitor", 0, monitor_params, NULL,
	"conditions that raise an alert, and who gets it"
};

/* stats_conf_register - register [stats] and [monitor] */

void
stats_conf_register(void)
{
	conf_register(&stats_section);
	conf_register(&monitor_section);
}

/* stats_conf_dir - the statistics directory */

const char *
stats_conf_dir(const char *spool_dir)
{
	static char	 path[4096];

	if (stats_conf.dir != NULL && stats_conf.dir[0] != '\0')
		return (stats_conf.dir);
	(void)snprintf(path, sizeof(path), "%s/stats", spool_dir);
	return (path);
}
