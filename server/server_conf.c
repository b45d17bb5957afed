/*
 * server_conf.c - [server] parameters: name, type, default, bounds
 *
 * One declaration site per parameter.  The defaults are the embedded
 * configuration winnowd runs on when there is no file: listen on
 * 127.0.0.1:10025, reinject to 127.0.0.1:10026, the Postfix after-queue
 * content_filter pattern.
 *
 * SPDX-License-Identifier: MIT
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"
#include "log.h"
#include "xalloc.h"

/* smtp */
#include "listener.h"
#include "smtp_conf.h"

/* server */
#include "server.h"

struct server_conf	 server_conf;

static const char *const proto_names[] = { "auto", "smtp", "lmtp", NULL };
static const char *const on_error_names[] = {
	"tempfail", "accept", "reject", NULL
};

/* server_check_listen - validate the listen list */

static int
server_check_listen(const char *s, struct buf *why)
{
	struct listener	*l;
	int		 n;

	if ((n = listeners_parse(s, &l, why)) < 0)
		return (-1);
	listeners_free(l, n);
	if (n == 0) {
		buf_puts(why, "no listener given");
		return (-1);
	}
	return (0);
}

/* server_check_user - when we run as root, the user must exist */

static int
server_check_user(const char *s, struct buf *why)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return (0);
	if (*s == '\0') {
		buf_puts(why, "empty: winnowd will not filter mail as root");
		return (-1);
	}
	if ((pw = getpwnam(s)) == NULL) {
		buf_printf(why, "user \"%s\" does not exist (create it with "
		    "adduser --system --group %s, or name an existing "
		    "unprivileged account)", s, s);
		return (-1);
	}
	if (pw->pw_uid == 0) {
		buf_printf(why, "user \"%s\" is root: choose an unprivileged "
		    "account", s);
		return (-1);
	}
	return (0);
}

/* server_check_group - an empty group or one that exists */

static int
server_check_group(const char *s, struct buf *why)
{
	if (*s != '\0' && getgrnam(s) == NULL) {
		buf_printf(why, "group \"%s\" does not exist", s);
		return (-1);
	}
	return (0);
}

#define S(f)	(&server_conf.f)
static const struct conf_param server_params[] = {
	{ "listen", CONF_STR, "tcp:127.0.0.1:10025", S(listen), 0, 0, NULL,
	    server_check_listen, "where to accept mail: tcp:HOST:PORT, "
	    "tcp:[IPV6]:PORT or unix:PATH, each optionally prefixed smtp: or "
	    "lmtp:, or milter: for the milter protocol (Postfix smtpd_milters, "
	    "Sendmail INPUT_MAIL_FILTER); several separated by spaces or "
	    "commas" },
	{ "protocol", CONF_ENUM, "auto", S(protocol), 0, 0, proto_names, NULL,
	    "protocol of listeners without a prefix: auto (EHLO means SMTP, "
	    "LHLO means LMTP), smtp or lmtp" },
	{ "message_deadline", CONF_TIME, "200s", S(message_deadline), 0,
	    3600000, NULL, NULL, "the most time the checks and the "
	    "reinjection of one message may take after its end of data; "
	    "past it nothing is delivered and the upstream gets 451 (0: no "
	    "limit). The checks end when three quarters of it have passed, "
	    "leaving the rest to the reinjection. Keep it below what the upstream waits: smtpd_proxy_timeout "
	    "(100s) before the queue, winnow-pipe's data_timeout, "
	    "smtp_data_done_timeout" },
	{ "user", CONF_STR, "winnow", S(user), 0, 0, NULL, server_check_user,
	    "user the children run as when started as root" },
	{ "group", CONF_STR, "", S(group), 0, 0, NULL, server_check_group,
	    "group the children run as (empty: the user's primary group)" },
	{ "pidfile", CONF_STR, "", S(pidfile), 0, 0, NULL, NULL,
	    "file the master writes its pid to (empty: none)" },
	{ "notice_retry", CONF_TIME, "5m", S(notice_retry), 1000, 86400000,
	    NULL, NULL, "how often a DSN or notification that could not be "
	    "sent (kept in spool_dir/outq) is tried again" },
	{ "notice_lifetime", CONF_TIME, "5d", S(notice_lifetime), 1000,
	    2592000000U, NULL, NULL, "after this long a DSN or notification "
	    "still not sent is given up (logged)" },
	{ "start_children", CONF_UINT, "4", S(start_children), 1, 10000, NULL,
	    NULL, "children started with the master" },
	{ "max_children", CONF_UINT, "20", S(max_children), 1, 4000, NULL,
	    NULL, "most children (simultaneous sessions); set the MTA's "
	    "maxproc for the filter no higher" },
	{ "min_spare", CONF_UINT, "2", S(min_spare), 0, 10000, NULL, NULL,
	    "start children while fewer than this are idle" },
	{ "max_spare", CONF_UINT, "8", S(max_spare), 1, 10000, NULL, NULL,
	    "stop idle children while more than this are idle" },
	{ "max_messages", CONF_UINT, "500", S(max_messages), 0, 100000000,
	    NULL, NULL, "a child retires after this many messages, between "
	    "sessions (0: never)" },
	{ "max_messages_jitter", CONF_UINT, "50", S(max_messages_jitter), 0,
	    100000000, NULL, NULL, "up to this many more, at random, so "
	    "children do not all retire at once" },
	{ "max_idle", CONF_TIME, "300s", S(max_idle), 0, 86400000, NULL, NULL,
	    "an idle child exits after this long (0: never)" },
	{ "exit_delay", CONF_TIME, "30s", S(exit_delay), 0, 3600000, NULL,
	    NULL, "on SIGTERM, how long sessions may run on before the master "
	    "kills them (the upstream then retries)" },
	{ "throttle_delay", CONF_TIME, "10s", S(throttle_delay), 0, 3600000,
	    NULL, NULL, "pause before starting children again after one died "
	    "before serving anything" },
	{ "busy_grace", CONF_TIME, "5s", S(busy_grace), 0, 600000, NULL, NULL,
	    "when every child is busy, new connections wait in the listen "
	    "queue; only when the pool has been full this long are they "
	    "answered 421 4.3.2 (0: at once)" },
	{ "max_connections_per_client", CONF_UINT, "0",
	    S(max_connections_per_client), 0, 100000, NULL, NULL, "sessions "
	    "one client address may hold at once; more get 421 4.7.0 (0: no "
	    "limit - behind Postfix every session comes from its address; set "
	    "it when clients connect directly)" },
	{ "listen_backlog", CONF_UINT, "128", S(listen_backlog), 1, 65535, NULL,
	    NULL, "listen(2) backlog of each listener" },
	{ "log_level", CONF_STR, "info", S(log_level), 0, 0, NULL,
	    log_check_levels, "lines below this level are not logged: debug, "
	    "info, notice, warning or error, then overrides per module, e.g. "
	    "\"notice, dnsbl=debug\" (modules: the source folders: smtp, "
	    "policy, dnsbl, content, av, stats, server, ...); a reload applies "
	    "it; -v logs everything" },
	{ "on_error", CONF_ENUM, "tempfail", S(on_error), 0, 0,
	    on_error_names, NULL, "when a check fails: tempfail (4xx, the "
	    "upstream retries), accept (deliver unfiltered, marked) or reject "
	    "(5xx). Downstream failures always tempfail" },
	{ NULL }
};
#undef S

static const struct conf_section server_section = {
	"server", 0, server_params, NULL,
	"the daemon, its children, the SMTP/LMTP sessions and reinjection"
};

/* server_conf_register - register [server] (smtp/ registers its own part
 * of it: sessions and reinjection) */

void
server_conf_register(void)
{
	conf_register(&server_section);
	smtp_conf_register();
	/* What the file asks of the machine: refused at start, in -t and on
	 * reload alike (before anything is applied), rather than met by a
	 * child with a message in hand. */
	conf_set_final_check(server_env_check);
	milter_conf_register();
}

/* server_conf_finish - derived values after a load */

int
server_conf_finish(struct buf *why)
{
	smtp_conf_finish();
	/* checked when the file was read: it cannot fail here */
	(void)log_set_levels(server_conf.log_level, why);
	/* Relations between parameters: warn and clamp, never refuse a
	 * reload for them (the file itself was valid). */
	if (server_conf.min_spare > server_conf.max_spare) {
		log_warn("[server] min_spare (%u) is larger than max_spare "
		    "(%u): using max_spare = %u", server_conf.min_spare,
		    server_conf.max_spare, server_conf.min_spare);
		server_conf.max_spare = server_conf.min_spare;
	}
	if (server_conf.start_children > server_conf.max_children) {
		log_warn("[server] start_children (%u) is larger than "
		    "max_children (%u): starting %u", server_conf.start_children,
		    server_conf.max_children, server_conf.max_children);
		server_conf.start_children = server_conf.max_children;
	}
	if (server_conf.min_spare > server_conf.max_children) {
		log_warn("[server] min_spare (%u) is larger than max_children "
		    "(%u): using %u", server_conf.min_spare,
		    server_conf.max_children, server_conf.max_children);
		server_conf.min_spare = server_conf.max_children;
	}
	milter_conf_check();
	return (0);
}
