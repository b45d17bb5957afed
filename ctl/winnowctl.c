/*
 * winnowctl.c - winnow's command-line tool: dispatch to subcommands
 *
 * winnowctl [-c FILE] [--url URL] COMMAND [ARGS]: loads the same
 * configuration winnowd uses, then runs one subcommand from ctl_commands[]
 * - or, with --url (anywhere on the line) or WINNOW_URL, status, stats,
 * history and quarantine through a winnowd's control API (ctl_remote.c).
 *
 * SPDX-License-Identifier: MIT
 */
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
#include "status.h"

/* smtp */
#include "smtp_conf.h"

/* policy */
#include "policy.h"

/* content */
#include "content.h"

/* uds */
#include "uds.h"
/* fleet */
#include "fleet_conf.h"
/* stats */
#include "control_conf.h"
#include "stats_conf.h"

/* ctl */
#include "ctl.h"
#include "version.h"
#include "ctl_content.h"
#include "ctl_uds.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/winnow/winnow.conf"

const char	*ctl_config_path;

/* ctl_version_main - print the version */

static int
ctl_version_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)printf("winnowctl %s\n", WINNOW_VERSION);
	return (EX_OK);
}

static int	ctl_help_main(int, char **);

const struct ctl_command ctl_commands[] = {
	{ "help", ctl_help_main, "list the commands" },
	{ "learn", ctl_learn_main, "learn messages as spam or ham" },
	{ "classify", ctl_classify_main,
	    "classify messages and explain why" },
	{ "version", ctl_version_main, "print the version" },
	{ "quarantine", ctl_quarantine_main, "list, show, release, learn, "
	    "delete and purge quarantined messages" },
	{ "archive", ctl_archive_main, "list, show, resend and purge the "
	    "backups and the message archive" },
	{ "template-check", ctl_template_main, "check notification templates "
	    "(FILE:LINE of the first error)" },
	{ "uds", ctl_uds_main, "report, check and withdraw UDS signatures; "
	    "probe the UDS servers" },
	{ "status", ctl_status_main, "the state of winnowd (Nagios exit "
	    "codes)" },
	{ "stats", ctl_stats_main, "what was filtered: per day, week, month, "
	    "year" },
	{ "history", ctl_history_main, "the last verdicts" },
	{ "fleet", ctl_fleet_main, "the nodes of the fleet and their "
	    "heartbeats; forget a node" },
	{ "model", ctl_model_main, "the fleet's model versions: list, "
	    "rollback" },
	{ "monitor", ctl_monitor_main, "the problems the monitor finds" },
	{ "reload", ctl_reload_main, "make winnowd read its configuration "
	    "again (through the control API)" },
	{ "control-secret", ctl_secret_main, "print or rotate the secret of "
	    "the control API and dashboard" },
	{ NULL, NULL, NULL }
};

/* ctl_help_main - list the commands */

static int
ctl_help_main(int argc, char **argv)
{
	size_t	 i;

	(void)argc;
	(void)argv;
	(void)printf("Usage: winnowctl [-c FILE] [--url URL] COMMAND [ARGS]\n\n"
	    "winnowctl is winnow's command-line tool.  -c names the "
	    "configuration file\n(default %s; built-in defaults if it does "
	    "not exist).\n\"winnowctl COMMAND --help\" explains a command.\n"
	    "--url http://HOST:PORT or unix:PATH (or WINNOW_URL) runs status, "
	    "stats,\nhistory and quarantine through that winnowd's control "
	    "API instead; the\ncredential is [control] secret_file's secret, "
	    "or WINNOW_TOKEN.\n\nCommands:\n", DEFAULT_CONFIG);
	for (i = 0; ctl_commands[i].name != NULL; i++)
		(void)printf("  %-14s %s\n", ctl_commands[i].name,
		    ctl_commands[i].summary);
	return (EX_OK);
}

/* ctl_usage_error - one usage line and where the rest is, on stderr */

static int
ctl_usage_error(void)
{
	(void)fputs("Usage: winnowctl [-c FILE] [--url URL] [-v]... COMMAND "
	    "[ARGS] | -h | -V\nTry winnowctl --help.\n", stderr);
	return (EX_USAGE);
}

static const struct option ctl_longopts[] = {
	{ "config",	required_argument,	NULL,	'c' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ "url",	required_argument,	NULL,	'U' },
	{ "fleet-password-stdin", no_argument,	NULL,	'P' },
	{ NULL,		0,			NULL,	0 }
};

/* ctl_take_url - "--url URL" or "--url=URL" after the command too:
 * taken out of argv; returns the new argc */

static int
ctl_take_url(int argc, char **argv)
{
	int	 i, k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			ctl_url = argv[i + 1];
			k = 2;
		} else if (strncmp(argv[i], "--url=", 6) == 0) {
			ctl_url = argv[i] + 6;
			k = 1;
		} else {
			continue;
		}
		memmove(&argv[i], &argv[i + k], (size_t)(argc - i - k + 1) *
		    sizeof(*argv));
		argc -= k;
		i--;
	}
	return (argc);
}

/* ctl_password_stdin - --fleet-password-stdin: the fleet's password is
 * the first line of the standard input (the control process read
 * [fleet] password_file as root; winnowctl runs as its user) */

static int
ctl_password_stdin(void)
{
	char	 line[1024];
	size_t	 n;

	if (fgets(line, sizeof(line), stdin) == NULL ||
	    (n = strcspn(line, "\r\n")) == 0) {
		(void)fprintf(stderr, "winnowctl: --fleet-password-stdin: no "
		    "password on the standard input\n");
		return (-1);
	}
	line[n] = '\0';
	fleet_password_set(line);
	explicit_bzero(line, sizeof(line));
	return (0);
}

/* main - options, configuration, dispatch */

int
main(int argc, char **argv)
{
	struct buf	*why;
	char		 name_sp[64];
	size_t		 i;
	int		 c;

	log_init("winnowctl");
	log_to_stderr();
	argc = ctl_take_url(argc, argv);
	if (ctl_url == NULL)
		ctl_url = getenv("WINNOW_URL");
	while ((c = getopt_long(argc, argv, "+c:vhV", ctl_longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			ctl_config_path = optarg;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			return (ctl_help_main(0, NULL));
		case 'V':
			(void)printf("winnowctl %s\n", WINNOW_VERSION);
			return (EX_OK);
		case 'U':
			ctl_url = optarg;
			break;
		case 'P':
			if (ctl_password_stdin() < 0)
				return (EX_USAGE);
			break;
		default:
			return (ctl_usage_error());
		}
	}
	if (optind >= argc)
		return (ctl_usage_error());
	for (i = 0; ctl_commands[i].name != NULL; i++)
		if (strcmp(ctl_commands[i].name, argv[optind]) == 0)
			break;
	if (ctl_commands[i].name == NULL) {
		(void)fprintf(stderr, "winnowctl: unknown command \"%s\" "
		    "(winnowctl help lists them)\n", argv[optind]);
		return (EX_USAGE);
	}
	if (ctl_config_path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		ctl_config_path = DEFAULT_CONFIG;
	/* Only the sections winnowctl reads; the rest are winnowd's. */
	conf_set_partial(1);
	smtp_conf_register();
	policy_conf_register();
	content_conf_register();
	uds_conf_register();
	stats_conf_register();
	fleet_conf_register();
	control_conf_register();
	why = buf_new(256);
	if (conf_load(ctl_config_path, why) != WN_OK) {
		(void)fprintf(stderr, "%swinnowctl: configuration %s has "
		    "errors\n", buf_str(why), ctl_config_path ?
		    ctl_config_path : "(built-in defaults)");
		return (EX_CONFIG);
	}
	buf_free(why);
	smtp_conf_finish();
	(void)snprintf(name_sp, sizeof(name_sp), " %s ", ctl_commands[i].name);
	optind++;
	if (ctl_url != NULL && ctl_url[0] != '\0' &&
	    strstr(" status stats history quarantine ", name_sp) != NULL)
		return (ctl_remote_main(ctl_commands[i].name, argc - optind +
		    1, argv + optind - 1));
	return (ctl_commands[i].main(argc - optind + 1, argv + optind - 1));
}
