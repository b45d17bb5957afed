/*
 * main.c - winnow-udsd: command line, start-up, signals
 *
 * Start-up is a straight line: read and check the configuration, open the
 * store, bind the sockets, read the clients file, drop privileges, write
 * the pid file, serve.  SIGHUP re-reads the file and applies what can
 * change while serving (allow, clients_file, ttl, threshold, votes, the
 * rates); listen and the store need a restart, which is said in the log.
 * SIGTERM and SIGINT stop after the current loop iteration, with the
 * queued replies sent and the store synced.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* external */
#include <sodium.h>
#include <uv.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "version.h"

/* udsd */
#include "udsd.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/winnow/winnow-udsd.conf"

#define USAGE_LINE \
"Usage: winnow-udsd [-c FILE] [-f] [-v]... | -t | -n | -d | -h | -V\n"

static const char usage_text[] =
USAGE_LINE
"\n"
"winnow-udsd is winnow's UDS server: it answers winnowd's questions\n"
"\"is this message known spam?\" - asked with signatures (keyed digests\n"
"and min-hashes, never text or addresses) in single UDP datagrams - from\n"
"an LMDB file or a Redis store, and takes signed reports from the clients\n"
"in its clients file (winnowctl uds add, winnowctl learn).\n"
"\n"
"Options:\n"
"  -c, --config FILE\n"
"        configuration file (default " DEFAULT_CONFIG ");\n"
"        built-in defaults when it does not exist\n"
"  -f, --foreground\n"
"        stay in the foreground and log to standard error\n"
"  -v, --verbose\n"
"        more verbose logging (repeat for more)\n"
"  -t, --test\n"
"        check the configuration (and the clients file) and exit: every\n"
"        problem as FILE:LINE: text; 0 if valid, 78 (EX_CONFIG) if not\n"
"  -n, --non-default\n"
"        print the settings that differ from the defaults\n"
"  -d, --defaults\n"
"        print every setting with its default and a description\n"
"  -h, --help      this help\n"
"  -V, --version   the version\n"
"\n"
"Signals: SIGHUP re-reads the file (allow, clients_file, ttl, threshold,\n"
"votes and the rates apply at once; listen and the store at the next\n"
"start); SIGTERM stops.\n"
"\n"
"Exit status: 0 on a clean stop; 78 bad configuration, 69 cannot listen\n"
"or open the store, 67 no such user.\n"
"\n"
"See winnow-udsd(8), and winnow-udsd -d for every parameter.\n";

static uv_loop_t	*main_loop;
static uv_signal_t	 main_sig[3];
static const char	*main_config;
static struct udsd_store main_store;

/* main_usage_error - one usage line and where the rest is, on stderr */

static int
main_usage_error(void)
{
	(void)fputs(USAGE_LINE "Try winnow-udsd --help.\n", stderr);
	return (EX_USAGE);
}

/* main_daemonize - detach from the terminal */

static void
main_daemonize(void)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		log_fatal("setsid: %s", strerror(errno));
	if ((pid = fork()) < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		log_fatal("chdir /: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			(void)close(fd);
	}
}

/* main_drop_privileges - become [udsd] user, and check it sticks */

static void
main_drop_privileges(void)
{
	struct passwd	*pw;
	uid_t		 r, e, s;

	if (udsd_conf.user[0] == '\0')
		return;
	if ((pw = getpwnam(udsd_conf.user)) == NULL)
		log_fatal_code(EX_NOUSER, "user %s: no such user",
		    udsd_conf.user);
	if (setgroups(1, &pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		log_fatal("cannot become %s: %s", udsd_conf.user,
		    strerror(errno));
	if (getresuid(&r, &e, &s) < 0 || r != pw->pw_uid || e != pw->pw_uid ||
	    s != pw->pw_uid || (pw->pw_uid != 0 && setuid(0) == 0))
		log_panic("privileges were not dropped");
}

/* main_pidfile - write the pid file */

static void
main_pidfile(void)
{
	FILE	*fp;

	if (udsd_conf.pidfile[0] == '\0')
		return;
	if ((fp = fopen(udsd_conf.pidfile, "we")) == NULL) {
		log_warn("pidfile %s: %s", udsd_conf.pidfile, strerror(errno));
		return;
	}
	(void)fprintf(fp, "%ld\n", (long)getpid());
	(void)fclose(fp);
}

/* main_signal - stop, or re-read the configuration */

static void
main_signal(uv_signal_t *h, int sig)
{
	struct buf	*why;
	char		*listen, *store;

	(void)h;
	if (sig != SIGHUP) {
		log_info("stopping on signal %d", sig);
		uv_stop(main_loop);
		return;
	}
	why = buf_new(256);
	listen = strdup(udsd_conf.listen);
	store = strdup(udsd_conf_store());
	if (conf_load(main_config, why) != WN_OK ||
	    udsd_req_reload(why) < 0)
		log_error("reload failed, the previous settings stay: %s",
		    buf_str(why));
	else {
		log_info("configuration re-read");
		if (listen == NULL || store == NULL ||
		    strcmp(listen, udsd_conf.listen) != 0 ||
		    strcmp(store, udsd_conf_store()) != 0)
			log_notice("listen and store change at the next start");
	}
	free(listen);
	free(store);
	buf_free(why);
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
	{ NULL,		0,			NULL,	0 }
};

/* main_test - -t: the file and what it names */

static int
main_test(void)
{
	struct buf		*why = buf_new(256);
	struct udsd_clients	*cl;

	if ((cl = udsd_clients_load(udsd_conf.clients_file, why)) == NULL) {
		(void)fprintf(stderr, "%s\nwinnow-udsd: configuration %s has "
		    "errors\n", buf_str(why), main_config ? main_config :
		    "(built-in defaults)");
		buf_free(why);
		return (EX_CONFIG);
	}
	udsd_clients_free(cl);
	buf_free(why);
	(void)printf("winnow-udsd: configuration %s is valid\n",
	    main_config ? main_config : "(built-in defaults)");
	return (EX_OK);
}

/* main_serve - open, bind, drop, serve */

static int
main_serve(void)
{
	struct buf	*why = buf_new(256);
	int		 sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	size_t		 i;

	main_loop = uv_default_loop();
	main_store.ops = strcmp(udsd_conf_store(), "redis") == 0 ?
	    &udsd_redis_ops : &udsd_lmdb_ops;
	if (main_store.ops->open(&main_store, main_loop, why) != WN_OK)
		log_fatal_code(EX_UNAVAILABLE, "store %s: %s",
		    main_store.ops->name, buf_str(why));
	if (udsd_net_bind(why) != WN_OK)
		log_fatal_code(EX_UNAVAILABLE, "%s", buf_str(why));
	if (udsd_req_init(&main_store, why) != WN_OK)
		log_fatal_code(EX_CONFIG, "%s", buf_str(why));
	main_drop_privileges();
	main_pidfile();
	if (udsd_net_start(main_loop, &main_store, why) != WN_OK)
		log_fatal_code(EX_UNAVAILABLE, "%s", buf_str(why));
	for (i = 0; i < 3; i++) {
		(void)uv_signal_init(main_loop, &main_sig[i]);
		(void)uv_signal_start(&main_sig[i], main_signal, sigs[i]);
	}
	(void)signal(SIGPIPE, SIG_IGN);
	log_info("winnow-udsd %s serving from %s", WINNOW_VERSION,
	    main_store.ops->name);
	(void)uv_run(main_loop, UV_RUN_DEFAULT);
	udsd_net_stop();
	main_store.ops->close(&main_store);
	if (udsd_conf.pidfile[0] != '\0')
		(void)unlink(udsd_conf.pidfile);
	log_info("stopped");
	buf_free(why);
	return (EX_OK);
}

/* main - options, configuration, serve */

int
main(int argc, char **argv)
{
	struct buf	*why;
	int		 c, foreground = 0, test = 0, print = -1;

	log_init("winnow-udsd");
	while ((c = getopt_long(argc, argv, "c:fvtndhV", main_longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			main_config = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 't':
			test = 1;
			break;
		case 'n':
			print = 0;
			break;
		case 'd':
			print = 1;
			break;
		case 'h':
			(void)fputs(usage_text, stdout);
			return (EX_OK);
		case 'V':
			(void)printf("winnow-udsd %s\n", WINNOW_VERSION);
			return (EX_OK);
		default:
			return (main_usage_error());
		}
	}
	if (optind != argc) {
		(void)fprintf(stderr, "winnow-udsd: unexpected argument "
		    "\"%s\"\n", argv[optind]);
		return (main_usage_error());
	}
	if (main_config == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		main_config = DEFAULT_CONFIG;
	udsd_conf_register();
	if (print == 1) {
		conf_print(stdout, 1);
		return (EX_OK);
	}
	why = buf_new(1024);
	if (conf_load(main_config, why) != WN_OK) {
		(void)fprintf(stderr, "%s", buf_str(why));
		if (buf_len(why) > 0 && why->data[buf_len(why) - 1] != '\n')
			(void)fputc('\n', stderr);
		(void)fprintf(stderr, "winnow-udsd: configuration %s has "
		    "errors\n", main_config ? main_config :
		    "(built-in defaults)");
		return (EX_CONFIG);
	}
	buf_free(why);
	if (test)
		return (main_test());
	if (print == 0) {
		conf_print(stdout, 0);
		return (EX_OK);
	}
	if (sodium_init() < 0)
		log_fatal("libsodium does not initialise");
	if (!foreground) {
		log_open_syslog(log_facility_parse("daemon"));
		main_daemonize();
	} else
		log_to_stderr();
	if (main_config == NULL)
		log_notice("no configuration file (%s): running on built-in "
		    "defaults", DEFAULT_CONFIG);
	return (main_serve());
}
