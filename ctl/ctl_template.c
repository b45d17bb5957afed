/*
 * ctl_template.c - winnowctl template-check: check notification templates
 *
 * The same parser winnowd uses when it loads the templates named in the
 * configuration, so a file that passes here loads there.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "timeutil.h"

/* policy */
#include "notify.h"
#include "policy.h"
#include "template.h"

/* ctl */
#include "ctl.h"

static const char ctl_template_help[] =
"Usage: winnowctl [-c FILE] template-check [--render] [--builtin WHO] FILE...\n"
"\n"
"Check notification templates: every FILE is parsed exactly as winnowd\n"
"parses the templates named by template_sender, template_recipients,\n"
"template_admin and STATUS.template_* in the configuration.  A valid file\n"
"prints \"FILE: ok\"; an invalid one prints its first error as\n"
"FILE:LINE: text.\n"
"\n"
"A template is header fields (\"Subject: text\"; lines starting with '#' are\n"
"comments), an empty line, then the body.  ${name} is a macro: sender,\n"
"recipients, subject, status, action, virus, queue_id, group, date,\n"
"hostname, client.  $$ is a dollar sign.  ${if name}...${else}...${endif}\n"
"keeps the first part when the macro is not empty, ${if name=value} when\n"
"it equals value.  To, Cc, Bcc, Date, Message-ID, MIME-Version, Content-*,\n"
"Auto-Submitted, Received and Return-Path are written by winnow and cannot\n"
"be set.  Lines are at most 998 bytes; the file at most [policy]\n"
"max_file_size.\n"
"\n"
"Options:\n"
"  --render        also print the notification rendered with sample values\n"
"  --builtin WHO   print the built-in template for WHO (sender, recipients,\n"
"                  admin): a starting point for your own\n"
"\n"
"Exit status: 0 if every file is valid, 65 (EX_DATAERR) if one is not, 64\n"
"on a usage error.\n";

/* ctl_template_render - a sample rendering */

static void
ctl_template_render(const struct template *t)
{
	const char	*vars[TEMPLATE_NVARS];
	struct buf	*h = buf_new(512), *b = buf_new(1024);
	char		 date[64];

	time_rfc5322(date, sizeof(date), time(NULL));
	memset(vars, 0, sizeof(vars));
	vars[TEMPLATE_SENDER] = "sender@example.org";
	vars[TEMPLATE_RECIPIENTS] = "a@example.com, b@example.com";
	vars[TEMPLATE_SUBJECT] = "An example subject";
	vars[TEMPLATE_STATUS] = "infected";
	vars[TEMPLATE_ACTION] = "quarantine";
	vars[TEMPLATE_VIRUS] = "Eicar-Test-Signature";
	vars[TEMPLATE_QUEUE_ID] = "0A1B2C3D4E5F6A7";
	vars[TEMPLATE_GROUP] = "All";
	vars[TEMPLATE_DATE] = date;
	vars[TEMPLATE_HOSTNAME] = "mx.example.com";
	vars[TEMPLATE_CLIENT] = "192.0.2.1";
	template_render(t, vars, h, b);
	(void)printf("----\n%s\n%s----\n", buf_str(h), buf_str(b));
	buf_free(h);
	buf_free(b);
}

/* ctl_template_main - winnowctl template-check */

int
ctl_template_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "render", no_argument, NULL, 'r' },
		{ "builtin", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const who[] = { "sender", "recipients", "admin" };
	struct template	*t;
	struct buf	*why = buf_new(256);
	int		 c, i, render = 0, rc = EX_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			render = 1;
			break;
		case 'b':
			for (i = 0; i < POLICY_NOTIFY_NWHO; i++)
				if (strcmp(optarg, who[i]) == 0)
					break;
			if (i == POLICY_NOTIFY_NWHO) {
				(void)fprintf(stderr, "winnowctl "
				    "template-check: --builtin sender, "
				    "recipients or admin\n");
				buf_free(why);
				return (EX_USAGE);
			}
			(void)fputs(notify_builtin_text(i), stdout);
			buf_free(why);
			return (EX_OK);
		case 'h':
			(void)fputs(ctl_template_help, stdout);
			buf_free(why);
			return (EX_OK);
		default:
			(void)fputs(ctl_template_help, stderr);
			buf_free(why);
			return (EX_USAGE);
		}
	}
	if (optind >= argc) {
		(void)fputs(ctl_template_help, stderr);
		buf_free(why);
		return (EX_USAGE);
	}
	for (; optind < argc; optind++) {
		buf_reset(why);
		t = template_load(argv[optind], policy_conf.max_file_size, why);
		if (t == NULL) {
			(void)printf("%s\n", buf_str(why));
			rc = EX_DATAERR;
			continue;
		}
		(void)printf("%s: ok\n", argv[optind]);
		if (render)
			ctl_template_render(t);
		template_free(t);
	}
	buf_free(why);
	return (rc);
}
