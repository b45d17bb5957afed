/*
 * main.c - winnow-pipe: command line, configuration, and the session
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "version.h"
#include "xalloc.h"

/* smtp */
#include "client_conf.h"
#include "listener.h"
#include "notice.h"
#include "reinject.h"
#include "smtp_conf.h"

/* pipe-client */
#include "pipe.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/winnow/winnow.conf"

static const char usage_text[] =
"Usage: winnow-pipe [-c FILE] [-e] [-v]... [-p auto|smtp|lmtp]\n"
"                   [--client-address ADDR] [--client-name NAME]\n"
"                   [--helo NAME] [--ident ID] [--protocol-name PROTO]\n"
"       winnow-pipe [-c FILE] [-e] [-v]... -l LISTEN\n"
"       winnow-pipe [-c FILE] -t | -h | -V\n"
"\n"
"winnow-pipe puts winnowd, the winnow mail filter, in front of an MTA that\n"
"runs a program for delivery.  It speaks SMTP or LMTP to the MTA on its\n"
"standard input and output (or on a socket of its own, with -l), receives\n"
"each message whole, relays it to winnowd ([client] connect_to) and passes\n"
"winnowd's answer for each recipient back.  Exim runs it from an lmtp\n"
"transport:\n"
"\n"
"    winnow:\n"
"      driver = lmtp\n"
"      command = /usr/local/sbin/winnow-pipe \\\n"
"          --client-address=$sender_host_address --ident=$message_exim_id\n"
"      batch_max = 100\n"
"\n"
"When winnowd cannot be reached, fails or does not answer within\n"
"[client] data_timeout, [client] on_error decides for the recipients\n"
"left without an answer:\n"
"  tempfail  451 4.3.0: the MTA keeps the message and retries (default)\n"
"  reject    554 5.3.0: the MTA returns the message to its sender\n"
"  accept    deliver it unfiltered to [server] forward, with the header\n"
"            X-Winnow-Info: not processed (filter unavailable)\n"
"Messages larger than [policy] filter_size_limit go to [server] forward\n"
"unfiltered, marked X-Winnow-Info: not scanned (size).  [client]\n"
"default_domain qualifies envelope addresses that have no domain.\n"
"\n"
"Options:\n"
"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ";\n"
"                      built-in defaults when it does not exist).  The file\n"
"                      is winnowd's: winnow-pipe reads [client], and\n"
"                      [server] for its own session's limits and timeouts\n"
"                      and for forward\n"
"  -e, --stderr        log to standard error instead of syslog (facility\n"
"                      [server] syslog_facility)\n"
"  -v, --verbose       more verbose logging (repeat for more)\n"
"  -p, --protocol P    what the MTA speaks on stdin/stdout: auto (LHLO\n"
"                      means LMTP, EHLO or HELO means SMTP; default),\n"
"                      smtp or lmtp\n"
"  -l, --listen LIST   socket mode: listen on LIST (tcp:HOST:PORT or\n"
"                      unix:PATH, each optionally prefixed smtp: or lmtp:;\n"
"                      default [client] listen) and serve each connection\n"
"                      in a child process, at most [client] max_connections\n"
"                      at once; runs in the foreground until SIGTERM\n"
"      --client-address ADDR, --client-name NAME, --helo NAME,\n"
"      --ident ID, --protocol-name PROTO\n"
"                      what the MTA knows about the client that sent the\n"
"                      message; passed to winnowd as XFORWARD (for DNSBL,\n"
"                      SPF and its logs) unless the MTA sends XFORWARD\n"
"                      itself.  Empty values are ignored.  Exim refuses\n"
"                      tainted values (the HELO name, the client's host\n"
"                      name) in a command: give those only from trusted\n"
"                      sources\n"
"  -t, --test          check what winnow-pipe reads of the configuration\n"
"                      ([client] and the session settings) and exit;\n"
"                      winnowd -t checks the whole file\n"
"  -h, --help          this help\n"
"  -V, --version       version\n"
"\n"
"Exit status:\n"
"   0  the session ended normally; every message got its reply (accepted,\n"
"      deferred or rejected) on the protocol channel\n"
"  64  bad command line (EX_USAGE)\n"
"  69  socket mode: cannot listen (EX_UNAVAILABLE); the reason is logged\n"
"  71  cannot create a socketpair or thread (EX_OSERR)\n"
"  78  the configuration has errors (EX_CONFIG); each is printed on\n"
"      standard error as FILE:LINE: text and logged.  An MTA that runs\n"
"      winnow-pipe then sees the connection close before the greeting and\n"
"      defers the message: nothing is lost, fix the file\n"
"\n"
"Diagnostics go to syslog (or standard error with -e), one line per\n"
"message starting with winnow-pipe's queue id, which winnowd logs as\n"
"upstream_id= when no --ident is given.  See INSTALL for the Exim set-up.\n";

static const struct option pipe_long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "stderr", no_argument, NULL, 'e' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "protocol", required_argument, NULL, 'p' },
	{ "listen", required_argument, NULL, 'l' },
	{ "test", no_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "client-address", required_argument, NULL, 'A' },
	{ "client-name", required_argument, NULL, 'N' },
	{ "helo", required_argument, NULL, 'H' },
	{ "ident", required_argument, NULL, 'I' },
	{ "protocol-name", required_argument, NULL, 'P' },
	{ NULL, 0, NULL, 0 }
};

struct pipe_opts {
	const char	*config;
	const char	*listen;
	int		 to_stderr;
	int		 test;
	int		 proto;
	struct pipe_client_info ci;
};

/* pipe_usage_error - complain about the command line */

static int
pipe_usage_error(const char *fmt, const char *arg)
{
	(void)fprintf(stderr, "winnow-pipe: ");
	(void)fprintf(stderr, fmt, arg);
	(void)fprintf(stderr, "\nTry winnow-pipe --help.\n");
	return (EX_USAGE);
}

/* pipe_nonempty - an option value, or NULL when the MTA expanded it to
 * nothing (e.g. $sender_host_address for local mail) */

static const char *
pipe_nonempty(const char *s)
{
	return (s != NULL && *s != '\0' ? s : NULL);
}

/* pipe_options - parse the command line; -1 to exit with *rc */

static int
pipe_options(int argc, char **argv, struct pipe_opts *o, int *rc)
{
	int	 c;

	memset(o, 0, sizeof(*o));
	o->proto = PROTO_AUTO;
	while ((c = getopt_long(argc, argv, "c:evp:l:thV", pipe_long_opts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'e':
			o->to_stderr = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 't':
			o->test = 1;
			break;
		case 'A':
			o->ci.addr = pipe_nonempty(optarg);
			break;
		case 'N':
			o->ci.name = pipe_nonempty(optarg);
			break;
		case 'H':
			o->ci.helo = pipe_nonempty(optarg);
			break;
		case 'I':
			o->ci.ident = pipe_nonempty(optarg);
			break;
		case 'P':
			o->ci.proto = pipe_nonempty(optarg);
			break;
		case 'p':
			if (strcasecmp(optarg, "auto") == 0)
				o->proto = PROTO_AUTO;
			else if (strcasecmp(optarg, "smtp") == 0)
				o->proto = PROTO_SMTP;
			else if (strcasecmp(optarg, "lmtp") == 0)
				o->proto = PROTO_LMTP;
			else {
				*rc = pipe_usage_error("-p takes auto, smtp or "
				    "lmtp, not \"%s\"", optarg);
				return (-1);
			}
			break;
		case 'h':
			(void)fputs(usage_text, stdout);
			*rc = EX_OK;
			return (-1);
		case 'V':
			(void)printf("winnow-pipe %s\n", WINNOW_VERSION);
			*rc = EX_OK;
			return (-1);
		default:
			/* getopt named the option; one line of usage */
			(void)fputs("Usage: winnow-pipe [-c FILE] [-e] [-v]... "
			    "[-p PROTO] [-l LISTEN] [--client-address ADDR]... "
			    "| -t | -h | -V\nTry winnow-pipe --help.\n", stderr);
			*rc = EX_USAGE;
			return (-1);
		}
	}
	if (optind != argc) {
		*rc = pipe_usage_error("unexpected argument \"%s\"",
		    argv[optind]);
		return (-1);
	}
	return (0);
}

/* pipe_config - load winnow.conf; EX_OK or EX_CONFIG (reported) */

static int
pipe_config(const char *path)
{
	struct buf	*why = buf_new(1024);
	const char	*p, *nl;

	/* Only what winnow-pipe reads: smtp/'s part of [server] and [policy],
	 * and [client]; winnowd's sections are its own to check. */
	conf_set_partial(1);
	smtp_conf_register();
	client_conf_register();
	if (conf_load(path, why) == WN_OK) {
		smtp_conf_finish();
		buf_free(why);
		return (EX_OK);
	}
	/* stderr for the admin at a terminal, the log for the one whose MTA
	 * runs us with stderr going nowhere. */
	for (p = buf_str(why); *p != '\0'; p = nl + (*nl != '\0')) {
		nl = p + strcspn(p, "\n");
		if (nl > p) {
			(void)fprintf(stderr, "winnow-pipe: %.*s\n",
			    (int)(nl - p), p);
			log_error("%.*s", (int)(nl - p), p);
		}
	}
	(void)fprintf(stderr, "winnow-pipe: configuration %s has errors\n",
	    path ? path : "(built-in defaults)");
	log_error("configuration %s has errors: not serving",
	    path ? path : "(built-in defaults)");
	buf_free(why);
	return (EX_CONFIG);
}

/* pipe_setup - what the session and the forward path need */

static int
pipe_setup(void)
{
	struct buf	*why = buf_new(128);

	/* The session spools where the MTA's user may write. */
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(client_conf.spool_dir);
	if (reinject_init(why) < 0) {
		(void)fprintf(stderr, "winnow-pipe: [server] forward: %s\n",
		    buf_str(why));
		log_error("[server] forward: %s", buf_str(why));
		buf_free(why);
		return (EX_CONFIG);
	}
	buf_free(why);
	notice_init(NULL, 0, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	return (EX_OK);
}

/* pipe_listen - socket mode */

static int
pipe_listen(const char *spec)
{
	struct listener	*l;
	struct buf	*why = buf_new(128);
	int		 n, rc;

	if ((n = listeners_parse(spec, &l, why)) <= 0) {
		(void)fprintf(stderr, "winnow-pipe: listen: %s\n",
		    n == 0 ? "no listener given" : buf_str(why));
		buf_free(why);
		return (EX_USAGE);
	}
	buf_free(why);
	rc = pipe_io_listen(l, n, client_conf.max_connections);
	listeners_free(l, n);
	return (rc);
}

/* main - options, configuration, one session or a listener */

int
main(int argc, char **argv)
{
	struct pipe_opts o;
	const char	*config;
	int		 rc;

	log_init("winnow-pipe");
	if (pipe_options(argc, argv, &o, &rc) < 0)
		return (rc);
	config = o.config;
	if (config == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		config = DEFAULT_CONFIG;
	if (!o.to_stderr && !o.test)
		log_open_syslog(LOG_MAIL);
	if ((rc = pipe_config(config)) != EX_OK)
		return (rc);
	if (o.test) {
		(void)printf("winnow-pipe: what winnow-pipe reads of %s "
		    "([client] and the session settings) is valid; winnowd -t "
		    "checks the rest\n", config ? config :
		    "(built-in defaults)");
		return (EX_OK);
	}
	if (!o.to_stderr)
		log_open_syslog(log_facility_parse(
		    smtp_conf.syslog_facility));
	if ((rc = pipe_setup()) != EX_OK)
		return (rc);
	pipe_client_info = &o.ci;
	if (o.listen != NULL || client_conf.listen[0] != '\0')
		return (pipe_listen(o.listen ? o.listen : client_conf.listen));
	return (pipe_io_stdio(STDIN_FILENO, STDOUT_FILENO, o.proto));
}
