/*
 * main.c - winnowd: command line, configuration, daemon start-up
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "proctitle.h"
#include "version.h"

/* server */
#include "server.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/winnow/winnow.conf"

#define USAGE_LINE \
"Usage: winnowd [-c FILE] [-f] [-v]... | -t | -n | -d | -h | -V\n"

static const char usage_text[] =
USAGE_LINE
"\n"
"winnowd is the winnow mail content filter.  It sits between two hops of\n"
"an MTA (Postfix content_filter, Exim router + lmtp transport): it accepts\n"
"each message over SMTP or LMTP, checks it, applies the policy of each\n"
"recipient's group, reinjects the result downstream, and only then answers\n"
"upstream - so a crash or a fault anywhere loses nothing: the upstream MTA\n"
"still owns the message and retries.\n"
"\n"
"Options:\n"
"  -c, --config FILE\n"
"        configuration file (default " DEFAULT_CONFIG ").  Without -c and\n"
"        without that file, winnowd runs on built-in defaults: listen on\n"
"        tcp:127.0.0.1:10025, forward to tcp:127.0.0.1:10026.\n"
"  -f, --foreground\n"
"        stay in the foreground and log to standard error (otherwise\n"
"        winnowd detaches and logs to syslog, facility [server]\n"
"        syslog_facility, default mail)\n"
"  -v, --verbose\n"
"        more verbose logging (repeat for more)\n"
"  -t, --test\n"
"        check the configuration and exit: prints every problem as\n"
"        FILE:LINE: text, then loads what the master loads at start-up\n"
"        (word lists, the content model, the AV database: this takes as\n"
"        long and as much memory as a start); exit status 0 if winnowd\n"
"        would start on it, 78 (EX_CONFIG) if not\n"
"  -n, --non-default\n"
"        print the settings that differ from the defaults, as INI\n"
"  -d, --defaults\n"
"        print every setting with its default value and a description\n"
"      --dump-params\n"
"        the same for programs: one tab-separated line per section and\n"
"        parameter (winnow.conf(5) is made from it)\n"
"  -h, --help\n"
"        this help\n"
"  -V, --version\n"
"        the version\n"
"\n"
"Signals (to the master, whose pid is in [server] pidfile):\n"
"  SIGHUP   re-read the configuration; when it is valid, replace the\n"
"           children gracefully; when it is not, log why and keep serving\n"
"  SIGTERM  stop accepting, let sessions finish for up to exit_delay, exit\n"
"\n"
"Exit status: 0 on a clean stop; a sysexits(3) code otherwise (78 bad\n"
"configuration, 67 no such user, 69 cannot listen, 73 cannot create).\n"
"\n"
"See winnowd(8), winnow.conf(5), INSTALL for the Postfix and Exim set-up,\n"
"and winnowd -d for every parameter.\n";

/* main_usage_error - one usage line and where the rest is, on stderr */

static int
main_usage_error(void)
{
	(void)fputs(USAGE_LINE "Try winnowd --help.\n", stderr);
	return (EX_USAGE);
}

static int	 main_ready_fd = -1;
static int	 main_facility;

/* main_daemonize - detach from the terminal: the parent waits until the
 * daemon says it is up, and otherwise exits with the daemon's status (its
 * reason is on our standard error, which the daemon keeps until then) */

static void
main_daemonize(void)
{
	char	 c;
	pid_t	 pid;
	int	 p[2], status;

	if (pipe2(p, O_CLOEXEC) < 0)
		log_fatal("pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0) {
		(void)close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(EX_OK);
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status) != 0 ?
			    WEXITSTATUS(status) : EX_SOFTWARE);
		_exit(EX_SOFTWARE);
	}
	(void)close(p[0]);
	main_ready_fd = p[1];
	if (setsid() < 0)
		log_fatal("setsid: %s", strerror(errno));
	if (chdir("/") < 0)
		log_fatal("chdir /: %s", strerror(errno));
}

/* main_ready - the master is up: log to syslog, let go of the terminal,
 * tell the waiting parent */

static void
main_ready(void)
{
	int	 fd;

	if (main_ready_fd < 0)
		return;
	log_open_syslog(main_facility);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			(void)close(fd);
	}
	(void)write(main_ready_fd, "R", 1);
	(void)close(main_ready_fd);
	main_ready_fd = -1;
}

static const struct option main_longopts[] = {
	{ "config",	required_argument,	NULL,	'c' },
	{ "foreground",	no_argument,		NULL,	'f' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "test",	no_argument,		NULL,	't' },
	{ "non-default", no_argument,		NULL,	'n' },
	{ "defaults",	no_argument,		NULL,	'd' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ "dump-params", no_argument,		NULL,	'D' },
	{ NULL,		0,			NULL,	0 }
};

/* main - parse options, load the configuration, run */

int
main(int argc, char **argv)
{
	const char	*config = NULL;
	struct buf	*why;
	int		 c, foreground = 0, test = 0, print = -1;

	/* Before getopt: option arguments must point at the copies. */
	proctitle_init(argc, argv);
	log_init("winnowd");
	while ((c = getopt_long(argc, argv, "c:fvtndhV", main_longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 't':
			test = 1;
			server_env_test = 1;
			break;
		case 'n':
			print = 0;
			break;
		case 'd':
			print = 1;
			break;
		case 'D':
			print = 2;
			break;
		case 'h':
			(void)fputs(usage_text, stdout);
			return (EX_OK);
		case 'V':
			(void)printf("winnowd %s\n", WINNOW_VERSION);
			return (EX_OK);
		default:
			return (main_usage_error());
		}
	}
	if (optind != argc) {
		(void)fprintf(stderr, "winnowd: unexpected argument \"%s\"\n",
		    argv[optind]);
		return (main_usage_error());
	}
	if (config == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		config = DEFAULT_CONFIG;

	server_register_all();
	if (print == 1 || print == 2) {
		if (print == 2)
			conf_dump(stdout);
		else
			conf_print(stdout, 1);
		return (EX_OK);
	}
	why = buf_new(1024);
	if (server_load_config(config, why) < 0) {
		(void)fprintf(stderr, "%s", buf_str(why));
		if (buf_len(why) > 0 && why->data[buf_len(why) - 1] != '\n')
			(void)fputc('\n', stderr);
		(void)fprintf(stderr, "winnowd: configuration %s has errors\n",
		    config ? config : "(built-in defaults)");
		return (EX_CONFIG);
	}
	if (test) {
		/* What the master does next with the file: build every
		 * module's data (word lists, the content model, the AV
		 * engine), so a file -t calls valid is one winnowd starts on. */
		if (server_load_modules(0, why) < 0) {
			(void)fprintf(stderr, "%s: %s\n", config ? config :
			    "(built-in defaults)", buf_str(why));
			(void)fprintf(stderr, "winnowd: configuration %s has "
			    "errors\n", config ? config :
			    "(built-in defaults)");
			return (EX_CONFIG);
		}
		(void)printf("winnowd: configuration %s is valid\n",
		    config ? config : "(built-in defaults)");
		return (EX_OK);
	}
	if (print == 0) {
		conf_print(stdout, 0);
		return (EX_OK);
	}
	buf_free(why);

	/* Until the master is up, errors go to standard error (the daemon's
	 * too: its parent waits, and exits with its status). */
	log_to_stderr();
	if (!foreground) {
		main_facility = log_facility_parse(smtp_conf.syslog_facility);
		main_daemonize();
	}
	if (config == NULL)
		log_notice("no configuration file (%s): running on built-in "
		    "defaults", DEFAULT_CONFIG);
	return (master_main(config, foreground, main_ready));
}
