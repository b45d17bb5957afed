/*
 * client_conf.c - [client] parameters: name, type, default, bounds
 *
 * winnow-pipe reads the same winnow.conf as winnowd: [client] for itself,
 * [server] for its session side (limits, timeouts, forward for the
 * unfiltered paths) and [policy] filter_size_limit.  The timeouts default
 * below Exim's lmtp transport timeout (5m), so winnow-pipe gives up on
 * winnowd, and applies on_error, before the MTA gives up on winnow-pipe.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"

/* smtp */
#include "client_conf.h"

struct client_conf	 client_conf;

static const char *const client_on_error_names[] = {
	"tempfail", "reject", "accept", NULL
};

/* client_conf_check_domain - a domain for default_domain, or empty */

static int
client_conf_check_domain(const char *s, struct buf *why)
{
	size_t	 n = strlen(s);

	if (n == 0)
		return (0);
	if (n > 253 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") != n || s[0] == '.' ||
	    s[0] == '-') {
		buf_printf(why, "\"%s\" is not a domain name", s);
		return (-1);
	}
	return (0);
}

/* pipe_conf_check_listen - empty, or a list of listeners */

static int
pipe_conf_check_listen(const char *s, struct buf *why)
{
	char	**items;
	size_t	 n, i;
	int	 rc = 0;
	const char *spec;

	n = conf_list_split(s, &items);
	for (i = 0; i < n && rc == 0; i++) {
		spec = items[i];
		if (strncmp(spec, "smtp:", 5) == 0 ||
		    strncmp(spec, "lmtp:", 5) == 0)
			spec += 5;
		rc = endpoint_check(spec, why);
	}
	conf_list_free(items);
	return (rc);
}

#define C(f)	(&client_conf.f)
static const struct conf_param client_conf_params[] = {
	{ "connect_to", CONF_STR, "tcp:127.0.0.1:10025", C(connect_to), 0, 0,
	    NULL, endpoint_check, "winnowd's listener: tcp:HOST:PORT or "
	    "unix:PATH (one that answers LHLO for LMTP and EHLO for SMTP, "
	    "as winnowd's protocol = auto does)" },
	{ "connect_timeout", CONF_TIME, "10s", C(connect_timeout), 100,
	    600000, NULL, NULL, "how long to wait for winnowd to accept the "
	    "connection and greet" },
	{ "command_timeout", CONF_TIME, "60s", C(command_timeout), 100,
	    3600000, NULL, NULL, "how long to wait for each of winnowd's "
	    "replies before the end of the message data" },
	{ "data_timeout", CONF_TIME, "240s", C(data_timeout), 100, 3600000,
	    NULL, NULL, "how long to wait for winnowd's verdict after the "
	    "message data (all its checks and its reinjection); keep it "
	    "below the MTA's own timeout (Exim lmtp: timeout, 5m)" },
	{ "on_error", CONF_ENUM, "tempfail", C(on_error), 0, 0,
	    client_on_error_names, NULL, "when winnowd cannot be reached, fails "
	    "or times out: tempfail (4xx: the MTA keeps the message and "
	    "retries), reject (5xx: the MTA bounces it) or accept (deliver it "
	    "unfiltered to [server] forward, marked X-Winnow-Info: not "
	    "processed)" },
	{ "default_domain", CONF_STR, "", C(default_domain), 0, 0, NULL,
	    client_conf_check_domain, "domain added to envelope addresses "
	    "without one (empty: leave them as they are)" },
	{ "spool_dir", CONF_STR, "/var/tmp", C(spool_dir), 0, 0, NULL, NULL,
	    "where winnow-pipe keeps messages larger than [server] "
	    "spool_memory_limit (unnamed files; the MTA's user must be able "
	    "to write there)" },
	{ "listen", CONF_STR, "", C(listen), 0, 0, NULL,
	    pipe_conf_check_listen, "socket mode: listen here (tcp:HOST:PORT "
	    "or unix:PATH, optionally prefixed smtp: or lmtp:) instead of "
	    "serving one session on stdin/stdout" },
	{ "max_connections", CONF_UINT, "20", C(max_connections), 1, 10000,
	    NULL, NULL, "socket mode: sessions served at once; more are "
	    "answered 421 4.3.2" },
	{ NULL }
};
#undef C

static const struct conf_section client_conf_section = {
	"client", 0, client_conf_params, NULL,
	"winnow-pipe: the MTA-side client that relays to winnowd"
};

/* client_conf_register - register [client] */

void
client_conf_register(void)
{
	conf_register(&client_conf_section);
}
