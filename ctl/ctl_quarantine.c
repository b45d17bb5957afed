/*
 * ctl_quarantine.c - winnowctl quarantine: list, show, release, delete,
 * purge
 *
 * The store is the one winnowd writes ([policy] quarantine_dir, or --dir).
 * A release sends the original message, marked "X-Winnow-Info: released
 * from quarantine", from its original sender to its quarantined recipients
 * (or --to) through the same reinjection code winnowd uses, to [server]
 * forward; it holds the entry's lock from the check to the record, so two
 * releases cannot both send, and a released entry is not sent again
 * without --force.  Entries are listed, shown and sent by ctl_entry.c,
 * which winnowctl archive shares for the backups.  "learn" and "release
 * --learn-ham" teach the classifier from an entry (ctl_learn_one), so a
 * quarantine an admin reviews feeds the model.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "quar.h"

/* policy */
#include "policy.h"

/* fleet */
#include "fleet_conf.h"

/* smtp */
#include "reinject.h"
#include "smtp_conf.h"
#include "submit.h"

/* ctl */
#include "ctl.h"
#include "ctl_content.h"
#include "ctl_entry.h"

static const char ctl_quar_help[] =
"Usage: winnowctl [-c FILE] quarantine [--dir DIR] COMMAND [OPTIONS]\n"
"\n"
"Manage the messages winnowd held in its quarantine (the action\n"
"\"quarantine\" of a status, see INSTALL).  Each entry is the message as it\n"
"was received and an info file (JSON) with the time, client, sender,\n"
"recipients with their group, statuses and action, and the findings of the\n"
"checks.  The store is [policy] quarantine_dir of the configuration.\n"
"\n"
"Commands:\n"
"  list [FILTERS] [--json]\n"
"        One line per entry, oldest first: ID, date, sender, recipients,\n"
"        [statuses], \"Subject\", upstream=QUEUE-ID (the upstream MTA's\n"
"        queue id, when it sent XFORWARD IDENT), and \"released\" once\n"
"        released.  Filters (all must match):\n"
"          --status STATUS     a recipient has this spam or AV status\n"
"                              (spam, probable-spam, blacklisted, infected..)\n"
"          --sender MASKS      the sender matches (masks as in the\n"
"                              configuration: user@dom, @dom, *, re:, <>)\n"
"          --recipient MASKS   a recipient matches\n"
"          --older-than AGE    received more than AGE ago (30d, 12h, 90m)\n"
"          --newer-than AGE    received less than AGE ago\n"
"          --released / --not-released\n"
"        --json prints the info files as a JSON array instead.\n"
"  show ID [--json] [--message]\n"
"        The entry in words: when, from which client, sender, Subject,\n"
"        each recipient's group, statuses and action, the checks' findings\n"
"        and the releases.  --json prints the info file instead;\n"
"        --message prints the message too.\n"
"  release ID [--to ADDRESSES] [--force] [--learn-ham]\n"
"        Send the message downstream ([server] forward) from its original\n"
"        sender to its quarantined recipients, or to ADDRESSES (comma\n"
"        separated) instead.  The release is recorded in the info file; a\n"
"        released entry is not sent again unless --force is given.  The\n"
"        entry stays until deleted or purged.  --learn-ham then teaches\n"
"        the classifier that the message is not spam.\n"
"  learn ID --spam|--ham\n"
"        Teach the classifier ([content] model) that the message is spam\n"
"        or not, as winnowctl learn does; the message is kept in\n"
"        [content] samples_dir for a later rebuild and, when [uds] takes\n"
"        reports, reported to UDS (spam: its signatures added; ham: they\n"
"        become ham-confirmed), as --learn-ham also does.\n"
"  delete ID...\n"
"        Remove entries.\n"
"  purge [--older-than AGE] [--dry-run]\n"
"        Remove entries received more than AGE ago (default: [policy]\n"
"        quarantine_keep, 30d; 0 keeps them for ever) and leftovers of\n"
"        interrupted writes older than an hour.  winnow-purge.timer runs\n"
"        it daily.\n"
"\n"
"Options (before the command):\n"
"  --dir DIR     use this quarantine directory instead of quarantine_dir\n"
"\n"
"In a fleet ([fleet] redis; INSTALL 13.2), after the command:\n"
"  list --fleet [--json] [--status S] [--released|--not-released]\n"
"        Every node's entries from the fleet's index in Redis, oldest\n"
"        first, each line starting with its node; the entries of a node\n"
"        whose heartbeat went quiet end \"unavailable\".  --json: an\n"
"        object with \"entries\" (newest first, each with \"node\" and\n"
"        \"available\"), \"nodes\" and \"self\" (this node).\n"
"  show|release|delete|learn ID --node NODE [--raw]\n"
"        The entry of another node: the command is sent to that node's\n"
"        control API (the address its heartbeat says, [fleet]\n"
"        control_url) with the fleet secret ([fleet] secret_file), and\n"
"        that node does it - a release there holds the entry's lock, so\n"
"        two admins releasing at once through two nodes send once;\n"
"        learning teaches that node's model, and the fleet's shared\n"
"        learning the others.  A node that is down: exit 75 naming it.\n"
"        --raw prints that node's API answer (JSON) as it is.  NODE this\n"
"        node: done here.\n"
"  message|explain ID --node NODE --raw\n"
"        What the control API sends on for ?node=NODE: that node's\n"
"        stored message as it is, or its scan of it (JSON).\n"
"\n"
"Files winnowctl writes as root into the store take the store's owner, so\n"
"the tools that run as winnowd's user can still read them.\n"
"\n"
"Exit status: 0 success; 64 usage; 66 no such entry; 65 already released\n"
"(without --force); 73 the model could not be saved; 75 temporary\n"
"failure (downstream or file system: try again); 77 no permission (the\n"
"message says which user to run as); 78 bad configuration.\n";

/* ctl_usage - a usage error */

static int
ctl_usage(const char *fmt, const char *arg)
{
	(void)fprintf(stderr, "winnowctl quarantine: ");
	(void)fprintf(stderr, fmt, arg);
	(void)fprintf(stderr, "\n(winnowctl quarantine --help explains)\n");
	return (EX_USAGE);
}

/* ctl_list_one - print one entry */

static void
ctl_list_one(const struct quar_info *qi, void *arg)
{
	struct ctl_filter *fl = arg;

	if (!ctl_filter_match(fl, qi))
		return;
	if (fl->json) {
		if (fl->n > 0)
			buf_puts(fl->out, ",\n");
		buf_puts(fl->out, qi->json);
	} else {
		ctl_entry_line(qi, stdout);
	}
	fl->n++;
}

/* ctl_list - quarantine list */

static int
ctl_list(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_FILTER_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_filter fl;
	struct buf	*why = buf_new(128);
	int		 c, rc = EX_OK;

	ctl_filter_init(&fl);
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?' || ctl_filter_opt(&fl, c, optarg,
		    "quarantine") < 0) {
			rc = ctl_usage("%s", "bad option for list");
			goto out;
		}
	}
	if (optind < argc) {
		rc = ctl_usage("list takes no argument \"%s\"", argv[optind]);
		goto out;
	}
	if ((rc = ctl_entry_access(dir, NULL, 0, "quarantine")) != EX_OK)
		goto out;
	if (quar_each(dir, ctl_list_one, &fl, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (buf_len(why) > 0)
		(void)fprintf(stderr, "winnowctl quarantine: skipped: %s\n",
		    buf_str(why));
	if (fl.json)
		(void)printf("[\n%s\n]\n", buf_str(fl.out));
out:
	ctl_filter_free(&fl);
	buf_free(why);
	return (rc);
}

/* ctl_read - an entry's info, or an exit code */

static int
ctl_read(const char *dir, const char *id, struct quar_info **qi)
{
	struct buf	*why = buf_new(128);
	int		 rc;

	if ((rc = ctl_entry_access(dir, id, 0, "quarantine")) != EX_OK) {
		buf_free(why);
		return (rc);
	}
	rc = quar_read(dir, id, qi, why);
	if (rc != WN_OK)
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
	buf_free(why);
	return (rc == WN_OK ? EX_OK : rc == WN_PERM ? EX_NOINPUT :
	    EX_TEMPFAIL);
}

/* ctl_show - quarantine show ID [--message] */

static int
ctl_show(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "message", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi;
	struct buf	*why;
	char		*data;
	size_t		 len;
	int		 c, message = 0, json = 0, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm')
			message = 1;
		else if (c == 'j')
			json = 1;
		else
			return (ctl_usage("%s", "bad option for show"));
	}
	if (optind != argc - 1)
		return (ctl_usage("%s", "show takes one ID"));
	if ((rc = ctl_read(dir, argv[optind], &qi)) != EX_OK)
		return (rc);
	if (json) {
		(void)fputs(qi->json, stdout);
		if (qi->json[0] != '\0' &&
		    qi->json[strlen(qi->json) - 1] != '\n')
			(void)fputc('\n', stdout);
	} else {
		ctl_entry_show(qi, stdout);
	}
	quar_info_free(qi);
	if (!message)
		return (EX_OK);
	why = buf_new(128);
	if (quar_message(dir, argv[optind], &data, &len, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_TEMPFAIL);
	}
	(void)printf("\n");
	(void)fwrite(data, 1, len, stdout);
	free(data);
	buf_free(why);
	return (EX_OK);
}

/* ctl_learn_entry - learn an entry's message as spam or ham */

static int
ctl_learn_entry(const char *dir, const char *id, int spam)
{
	struct buf	*why = buf_new(128), *what = buf_new(64);
	char		*data;
	size_t		 len;
	int		 rc;

	if (quar_message(dir, id, &data, &len, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		buf_free(why);
		buf_free(what);
		return (EX_NOINPUT);
	}
	buf_printf(what, "quarantine %s", id);
	rc = ctl_learn_one(data, len, spam, buf_str(what));
	free(data);
	buf_free(why);
	buf_free(what);
	return (rc);
}

/* ctl_learn - quarantine learn ID --spam|--ham */

static int
ctl_learn(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spam", no_argument, NULL, 'S' },
		{ "ham", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi;
	int		 c, spam = -1, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((c != 'S' && c != 'H') || (spam >= 0 && spam != (c == 'S')))
			return (ctl_usage("%s", "learn takes --spam or --ham"));
		spam = c == 'S';
	}
	if (spam < 0 || optind != argc - 1)
		return (ctl_usage("%s", "learn takes one ID and --spam or "
		    "--ham"));
	if ((rc = ctl_read(dir, argv[optind], &qi)) != EX_OK)
		return (rc);
	rc = ctl_learn_entry(dir, qi->id, spam);
	quar_info_free(qi);
	return (rc);
}

/* ctl_release - quarantine release ID [--to ADDRESSES] [--force]
 * [--learn-ham] */

static int
ctl_release(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "learn-ham", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi = NULL;
	struct buf	*why = buf_new(128);
	const char	*to_arg = NULL;
	char		**to = NULL;
	size_t		 nto = 0, i;
	struct buf	*info = buf_new(64);
	int		 c, force = 0, learn = 0, fd = -1, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't')
			to_arg = optarg;
		else if (c == 'f')
			force = 1;
		else if (c == 'l')
			learn = 1;
		else
			return (ctl_usage("%s", "bad option for release"));
	}
	if (optind != argc - 1)
		return (ctl_usage("%s", "release takes one ID"));
	if (reinject_init(why) < 0) {
		(void)fprintf(stderr, "winnowctl quarantine: [server] forward: "
		    "%s\n", buf_str(why));
		buf_free(why);
		return (EX_CONFIG);
	}
	if ((rc = ctl_entry_access(dir, argv[optind], 1, "quarantine")) !=
	    EX_OK) {
		buf_free(why);
		buf_free(info);
		return (rc);
	}
	if ((fd = quar_lock(dir, argv[optind], why)) < 0) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		buf_free(why);
		buf_free(info);
		return (EX_NOINPUT);
	}
	if ((rc = ctl_read(dir, argv[optind], &qi)) != EX_OK)
		goto out;
	if (qi->nreleases > 0 && !force) {
		(void)fprintf(stderr, "winnowctl quarantine: %s was released "
		    "already (to %s); --force sends it again\n", qi->id,
		    qi->released_to);
		rc = EX_DATAERR;
		goto out;
	}
	if (to_arg != NULL) {
		nto = conf_list_split(to_arg, &to);
		for (i = 0; i < nto; i++)
			if (strchr(to[i], '@') == NULL ||
			    strpbrk(to[i], "<> \t\r\n") != NULL) {
				rc = ctl_usage("\"%s\" is not an address",
				    to[i]);
				goto out;
			}
	} else {
		to = xcalloc(qi->nrcpts + 1, sizeof(*to));
		for (i = 0; i < qi->nrcpts; i++)
			to[nto++] = xstrdup(qi->rcpts[i].addr);
	}
	if (nto == 0) {
		rc = ctl_usage("%s", "no recipients to release to");
		goto out;
	}
	buf_printf(info, "released from quarantine (%s)", qi->id);
	rc = ctl_entry_send(dir, qi, to, nto, buf_str(info), 1,
	    "quarantine");
	reinject_close_all();
	if (rc == EX_OK && learn)
		rc = ctl_learn_entry(dir, qi->id, 0);
out:
	quar_unlock(fd);
	conf_list_free(to);
	quar_info_free(qi);
	buf_free(why);
	buf_free(info);
	return (rc);
}

/* ctl_delete - quarantine delete ID... */

static int
ctl_delete(const char *dir, int argc, char **argv)
{
	struct buf	*why = buf_new(128);
	int		 i, rc = EX_OK, r;

	if (argc < 2)
		return (ctl_usage("%s", "delete takes one ID or more"));
	for (i = 1; i < argc; i++) {
		if ((r = ctl_entry_access(dir, argv[i], 1, "quarantine")) !=
		    EX_OK) {
			rc = r;
			continue;
		}
		buf_reset(why);
		if ((r = quar_delete(dir, argv[i], why)) != WN_OK) {
			(void)fprintf(stderr, "winnowctl quarantine: %s\n",
			    buf_str(why));
			rc = r == WN_PERM ? EX_NOINPUT : EX_TEMPFAIL;
			continue;
		}
		(void)printf("%s: deleted\n", argv[i]);
	}
	buf_free(why);
	return (rc);
}

/* ctl_count_old - purge --dry-run: count what would go */

static void
ctl_count_old(const struct quar_info *qi, void *arg)
{
	struct ctl_filter *fl = arg;

	if (qi->time <= time(NULL) - fl->older) {
		(void)printf("%s\n", qi->id);
		fl->n++;
	}
}

/* ctl_purge - quarantine purge [--older-than AGE] [--dry-run] */

static int
ctl_purge(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_filter fl;
	struct buf	*why;
	long long	 age = -1;
	size_t		 n = 0;
	int		 c, dry = 0, rc = EX_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o' && (age = policy_age(optarg)) < 0)
			return (ctl_usage("\"%s\" is not an age (30d, 12h, "
			    "90m)", optarg));
		else if (c == 'n')
			dry = 1;
		else if (c != 'o')
			return (ctl_usage("%s", "bad option for purge"));
	}
	if (optind != argc)
		return (ctl_usage("purge takes no argument \"%s\"",
		    argv[optind]));
	why = buf_new(128);
	if (age < 0 && (age = policy_age(policy_conf.quarantine_keep)) == 0) {
		(void)printf("quarantine_keep = 0: entries are kept for "
		    "ever\n");
		buf_free(why);
		return (EX_OK);
	}
	if ((rc = ctl_entry_access(dir, NULL, !dry, "quarantine")) != EX_OK) {
		buf_free(why);
		return (rc);
	}
	memset(&fl, 0, sizeof(fl));
	fl.older = (time_t)age;
	if (dry) {
		rc = quar_each(dir, ctl_count_old, &fl, why) == WN_OK ? EX_OK :
		    EX_TEMPFAIL;
		(void)printf("%zu entr%s would be removed\n", fl.n, fl.n == 1 ?
		    "y" : "ies");
	} else if (quar_purge(dir, time(NULL) - (time_t)age, &n, why) !=
	    WN_OK) {
		rc = EX_TEMPFAIL;
	} else {
		(void)printf("%zu entr%s removed\n", n, n == 1 ? "y" : "ies");
		if (n > 0)
			log_info("quarantine purge: %zu entries older than "
			    "%llds removed from %s", n, age, dir);
	}
	if (buf_len(why) > 0)
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
	buf_free(why);
	return (rc);
}

/* ctl_quarantine_main - winnowctl quarantine */

int
ctl_quarantine_main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(const char *, int, char **);
	} cmds[] = {
		{ "list", ctl_list },
		{ "show", ctl_show },
		{ "release", ctl_release },
		{ "learn", ctl_learn },
		{ "delete", ctl_delete },
		{ "purge", ctl_purge },
		{ NULL, NULL }
	};
	const char	*dir = policy_conf.quarantine_dir, *node = NULL;
	size_t		 i;
	int		 k, j, raw = 0, fleet = 0, api_only;

	/* --dir DIR comes before the command. */
	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) {
			(void)fputs(ctl_quar_help, stdout);
			return (EX_OK);
		}
		if (strcmp(argv[1], "--dir") == 0 && argc > 2) {
			dir = argv[2];
			argv += 2;
			argc -= 2;
			continue;
		}
		return (ctl_usage("unknown option \"%s\"", argv[1]));
	}
	if (argc < 2) {
		(void)fputs(ctl_quar_help, stderr);
		return (EX_USAGE);
	}
	for (i = 0; cmds[i].name != NULL; i++)
		if (strcmp(cmds[i].name, argv[1]) == 0)
			break;
	/* message and explain: only another node's, for the control API */
	api_only = strcmp(argv[1], "message") == 0 ||
	    strcmp(argv[1], "explain") == 0;
	if (cmds[i].name == NULL && !api_only)
		return (ctl_usage("unknown command \"%s\"", argv[1]));
	/* The fleet's options, anywhere after the command. */
	for (k = j = 2; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0) {
			(void)fputs(ctl_quar_help, stdout);
			return (EX_OK);
		}
		if (strcmp(argv[k], "--node") == 0 && k + 1 < argc)
			node = argv[++k];
		else if (strcmp(argv[k], "--raw") == 0)
			raw = 1;
		else if (strcmp(argv[k], "--fleet") == 0)
			fleet = 1;
		else
			argv[j++] = argv[k];
	}
	argc = j;
	argv[argc] = NULL;
	if (fleet && strcmp(argv[1], "list") != 0)
		return (ctl_usage("%s", "--fleet goes with list (show, release, "
		    "delete and learn take --node NODE)"));
	if ((fleet || node != NULL) && !fleet_conf_on())
		return (ctl_usage("%s", "--fleet and --node need a fleet "
		    "([fleet] redis)"));
	if (fleet)
		return (ctl_fquar_list(argc - 1, argv + 1));
	if (node != NULL && (k = ctl_fquar_node(node, raw, argc, argv)) >= 0)
		return (k);
	if (api_only)
		return (ctl_usage("%s goes with --node NODE --raw of another "
		    "node (the control API's)", argv[1]));
	if (raw)
		return (ctl_usage("%s", "--raw goes with --node of another "
		    "node"));
	return (cmds[i].fn(dir, argc - 1, argv + 1));
}
