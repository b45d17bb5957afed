/*
 * smtp_conf.c - smtp/'s parameters: sessions and reinjection ([server]),
 * filter_size_limit ([policy])
 *
 * One declaration site per parameter.  winnowd registers its pool
 * parameters in [server] too; conf.c merges the tables of one section.
 * winnow-pipe registers only these (and its [client]), so it links no
 * check code to read the file winnowd reads.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "cidr.h"
#include "conf.h"
#include "endpoint.h"
#include "log.h"

/* smtp */
#include "smtp_conf.h"

struct smtp_conf	 smtp_conf;

static const char *const fwd_proto_names[] = { "auto", "smtp", "lmtp", NULL };
static const char *const bare_names[] = { "normalize", "reject", NULL };

/* smtp_check_fwd_proto - the forward protocol is smtp or lmtp */

static int
smtp_check_fwd_proto(const char *s, struct buf *why)
{
	if (strcasecmp(s, "auto") == 0) {
		buf_puts(why, "forward_protocol must be smtp or lmtp");
		return (-1);
	}
	return (0);
}

/* smtp_check_facility - validate a syslog facility name */

static int
smtp_check_facility(const char *s, struct buf *why)
{
	if (log_facility_parse(s) < 0) {
		buf_printf(why, "unknown syslog facility \"%s\" (mail, daemon, "
		    "user, local0..local7)", s);
		return (-1);
	}
	return (0);
}

/* smtp_check_hostname - myhostname: empty, or a host name we can put in
 * a greeting and a Received: header as it is */

static int
smtp_check_hostname(const char *s, struct buf *why)
{
	const char	*p;

	if (strlen(s) > 253) {
		buf_puts(why, "longer than 253 bytes");
		return (-1);
	}
	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_') {
			buf_printf(why, "\"%s\" is not a host name (letters, "
			    "digits, '.', '-' and '_' only)", s);
			return (-1);
		}
	}
	return (0);
}

/* smtp_check_xforward_hosts - a list of networks and "local" */

static int
smtp_check_xforward_hosts(const char *s, struct buf *why)
{
	struct cidr_list *l;

	if ((l = cidr_list_parse(s, why)) == NULL)
		return (-1);
	cidr_list_free(l);
	return (0);
}

#define S(f)	(&smtp_conf.f)
static const struct conf_param smtp_server_params[] = {
	{ "forward", CONF_STR, "tcp:127.0.0.1:10026", S(forward), 0, 0, NULL,
	    endpoint_check_exec, "where filtered mail goes: tcp:HOST:PORT, "
	    "unix:PATH or exec:/path/to/command args (e.g. exec:/usr/sbin/"
	    "sendmail -bs)" },
	{ "forward_protocol", CONF_ENUM, "smtp", S(forward_protocol), 0, 0,
	    fwd_proto_names, smtp_check_fwd_proto,
	    "smtp or lmtp towards the forward endpoint" },
	{ "forward_connect_timeout", CONF_TIME, "30s",
	    S(forward_connect_timeout), 100, 600000, NULL, NULL,
	    "how long to wait for the downstream to accept a connection" },
	{ "forward_timeout", CONF_TIME, "120s", S(forward_timeout), 100,
	    3600000, NULL, NULL, "how long to wait for each downstream reply "
	    "and each write of data" },
	{ "forward_data_done_timeout", CONF_TIME, "300s",
	    S(forward_data_done_timeout), 100, 3600000, NULL, NULL,
	    "how long to wait for the downstream's reply to the final dot; "
	    "keep it below the upstream's *_data_done_timeout" },
	{ "forward_reuse_time", CONF_TIME, "30s", S(forward_reuse_time), 0,
	    3600000, NULL, NULL, "reuse an idle downstream connection for at "
	    "most this long (0: a new connection per message)" },
	{ "forward_reuse_limit", CONF_UINT, "100", S(forward_reuse_limit), 0,
	    1000000, NULL, NULL, "transactions per downstream connection "
	    "(0: no limit)" },
	{ "myhostname", CONF_STR, "", S(myhostname), 0, 0, NULL,
	    smtp_check_hostname,
	    "our name in the greeting and the Received: header: letters, "
	    "digits, '.', '-', '_' (empty: the system host name)" },
	{ "syslog_facility", CONF_STR, "mail", S(syslog_facility), 0, 0, NULL,
	    smtp_check_facility, "syslog facility (without -f)" },
	{ "spool_dir", CONF_STR, "/var/spool/winnow", S(spool_dir), 0, 0, NULL,
	    NULL, "directory for messages larger than spool_memory_limit "
	    "(created mode 0700, owned by user)" },
	{ "spool_memory_limit", CONF_SIZE, "1M", S(spool_memory_limit), 0,
	    1ULL << 30, NULL, NULL, "messages up to this size stay in memory" },
	{ "spool_reserve", CONF_SIZE, "64M", S(spool_reserve), 0, 0, NULL,
	    NULL, "refuse MAIL with 452 4.3.1 when the spool file system has "
	    "less free space than this plus the declared size" },
	{ "message_size_limit", CONF_SIZE, "50M", S(message_size_limit), 65536,
	    0, NULL, NULL, "largest message accepted (" SMTP_REPLY_TOO_BIG
	    " above it); "
	    "advertised with SIZE" },
	{ "max_recipients", CONF_UINT, "1000", S(max_recipients), 100, 1000000,
	    NULL, NULL, "recipients per message; more get 452 4.5.3 and the "
	    "client sends them in another transaction" },
	{ "max_line_length", CONF_SIZE, "64k", S(max_line_length), 1000,
	    1ULL << 30, NULL, NULL, "longest line of message data; a longer "
	    "one refuses the message with " SMTP_REPLY_LINE_LONG " (a content "
	    "error, not its size)" },
	{ "bare_newline", CONF_ENUM, "normalize", S(bare_newline), 0, 0,
	    bare_names, NULL, "a bare CR or LF in DATA: normalize (to CRLF) or "
	    "reject (550 5.5.2)" },
	{ "command_timeout", CONF_TIME, "300s", S(command_timeout), 100,
	    3600000, NULL, NULL, "how long to wait for the next command" },
	{ "data_timeout", CONF_TIME, "300s", S(data_timeout), 100, 3600000,
	    NULL, NULL, "how long to wait for each read of message data" },
	{ "max_errors", CONF_UINT, "20", S(max_errors), 1, 100000, NULL, NULL,
	    "protocol errors in a session before 421 and disconnect" },
	{ "session_time_limit", CONF_TIME, "1h", S(session_time_limit), 0,
	    86400000, NULL, NULL, "the longest a client may keep a session "
	    "open, however busy it keeps it (421 4.4.2 then; 0: no limit); "
	    "our own work - the checks, the reinjection, the reply - never "
	    "counts against it" },
	{ "transaction_time_limit", CONF_TIME, "10m",
	    S(transaction_time_limit), 0, 86400000, NULL, NULL, "the longest "
	    "from MAIL to the end of the data (421 4.4.2 then; 0: no limit): "
	    "together with data_min_rate it keeps clients that trickle a "
	    "byte now and then from holding every child" },
	{ "data_min_rate", CONF_UINT, "1024", S(data_min_rate), 0, 100000000,
	    NULL, NULL, "bytes per second a client must average during DATA "
	    "once it has lasted 10 seconds (421 4.4.2 then; 0: no minimum)" },
	{ "xforward_hosts", CONF_STR, "127.0.0.0/8 ::1 local",
	    S(xforward_hosts), 0, 0, NULL, smtp_check_xforward_hosts,
	    "clients that may send XFORWARD (networks, \"local\" for unix "
	    "sockets), as Postfix's smtpd_authorized_xforward_hosts; others "
	    "are not offered it and get 550 5.7.0" },
	{ NULL }
};

static const struct conf_param smtp_policy_params[] = {
	{ "filter_size_limit", CONF_SIZE, "20M", S(filter_size_limit), 0, 0,
	    NULL, NULL, "larger messages pass unfiltered with X-Winnow-Info: "
	    "not scanned (size) (0: no limit)" },
	{ NULL }
};
#undef S

static const struct conf_section smtp_server_section = {
	"server", 0, smtp_server_params, NULL,
	"the daemon, its children, the SMTP/LMTP sessions and reinjection"
};

static const struct conf_section smtp_policy_section = {
	"policy", 0, smtp_policy_params, NULL,
	"defaults that every recipient group inherits, and message-wide "
	"policy settings"
};

/* smtp_conf_register - register smtp/'s parameters */

void
smtp_conf_register(void)
{
	conf_register(&smtp_server_section);
	conf_register(&smtp_policy_section);
}

/* smtp_conf_finish - derived values after a load */

void
smtp_conf_finish(void)
{
	char	*h = smtp_conf.hostname;

	if (smtp_conf.myhostname[0] != '\0')
		(void)snprintf(h, sizeof(smtp_conf.hostname), "%s",
		    smtp_conf.myhostname);
	else if (gethostname(h, sizeof(smtp_conf.hostname)) < 0 ||
	    h[0] == '\0')
		(void)snprintf(h, sizeof(smtp_conf.hostname), "localhost");
	h[sizeof(smtp_conf.hostname) - 1] = '\0';
}

/* smtp_xforward_allowed - may this peer (an address, or "local") send
 * XFORWARD? */

int
smtp_xforward_allowed(const char *peer)
{
	struct cidr_list *l;
	struct buf	*why = buf_new(64);
	int		 ok;

	/* checked when the file was loaded; parsing a few items per
	 * session costs next to nothing */
	if ((l = cidr_list_parse(smtp_conf.xforward_hosts, why)) == NULL)
		log_panic("xforward_hosts: %s", buf_str(why));
	ok = cidr_list_match(l, peer);
	cidr_list_free(l);
	buf_free(why);
	return (ok);
}

/* smtp_size_filtered - whether a message of this size is filtered */

int
smtp_size_filtered(size_t size)
{
	return (smtp_conf.filter_size_limit == 0 ||
	    size <= smtp_conf.filter_size_limit);
}
