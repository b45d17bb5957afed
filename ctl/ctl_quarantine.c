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
 * without --force.
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
#include "edit.h"
#include "mail.h"
#include "mask.h"
#include "policy.h"

/* smtp */
#include "reinject.h"
#include "smtp_conf.h"
#include "submit.h"

/* ctl */
#include "ctl.h"

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
"        statuses, and \"released\" once released.  Filters (all must\n"
"        match):\n"
"          --status STATUS     a recipient has this spam or AV status\n"
"                              (spam, probable-spam, blacklisted, infected..)\n"
"          --sender MASKS      the sender matches (masks as in the\n"
"                              configuration: user@dom, @dom, *, re:, <>)\n"
"          --recipient MASKS   a recipient matches\n"
"          --older-than AGE    received more than AGE ago (30d, 12h, 90m)\n"
"          --newer-than AGE    received less than AGE ago\n"
"          --released / --not-released\n"
"        --json prints the info files as a JSON array instead.\n"
"  show ID [--message]\n"
"        Everything the info file says; --message prints the message too.\n"
"  release ID [--to ADDRESSES] [--force]\n"
"        Send the message downstream ([server] forward) from its original\n"
"        sender to its quarantined recipients, or to ADDRESSES (comma\n"
"        separated) instead.  The release is recorded in the info file; a\n"
"        released entry is not sent again unless --force is given.  The\n"
"        entry stays until deleted or purged.\n"
"  delete ID...\n"
"        Remove entries.\n"
"  purge --older-than AGE [--dry-run]\n"
"        Remove entries received more than AGE ago (and leftovers of\n"
"        interrupted writes older than an hour).  Run it from cron, e.g.\n"
"        daily: winnowctl quarantine purge --older-than 30d\n"
"\n"
"Options (before the command):\n"
"  --dir DIR     use this quarantine directory instead of quarantine_dir\n"
"\n"
"Exit status: 0 success; 64 usage; 66 no such entry; 65 already released\n"
"(without --force); 75 temporary failure (downstream or file system: try\n"
"again); 78 bad configuration.\n";

/* Filters of "list". */
struct ctl_filter {
	const char	*status;
	struct mask_list *sender, *rcpt;
	time_t		 older, newer;	/* 0: none */
	int		 released;	/* -1 any, 0 no, 1 yes */
	int		 json;
	size_t		 n;
	struct buf	*out;
};

/* ctl_age - "30d", "12h", "90m", "45s", "2w" as seconds; -1 if bad */

long long
ctl_age(const char *s)
{
	char		*end;
	long long	 n;

	if (!isdigit((unsigned char)*s))
		return (-1);
	n = strtoll(s, &end, 10);
	if (n < 0 || n > 100000000LL)
		return (-1);
	if (*end == '\0' || strcmp(end, "s") == 0)
		return (n);
	if (strcmp(end, "m") == 0)
		return (n * 60);
	if (strcmp(end, "h") == 0)
		return (n * 3600);
	if (strcmp(end, "d") == 0)
		return (n * 86400);
	if (strcmp(end, "w") == 0)
		return (n * 7 * 86400);
	return (-1);
}

/* ctl_usage - a usage error */

static int
ctl_usage(const char *fmt, const char *arg)
{
	(void)fprintf(stderr, "winnowctl quarantine: ");
	(void)fprintf(stderr, fmt, arg);
	(void)fprintf(stderr, "\n(winnowctl quarantine --help explains)\n");
	return (EX_USAGE);
}

/* ctl_safe - untrusted text for the terminal */

static const char *
ctl_safe(struct buf *b, const char *s)
{
	buf_reset(b);
	buf_append_safe(b, s, strlen(s));
	return (buf_str(b));
}

/* ctl_has_status - whether a recipient has the status */

static int
ctl_has_status(const struct quar_info *qi, const char *st)
{
	size_t	 i;

	for (i = 0; i < qi->nrcpts; i++)
		if (strcasecmp(qi->rcpts[i].spam, st) == 0 ||
		    (qi->rcpts[i].av && strcasecmp(qi->rcpts[i].av, st) == 0))
			return (1);
	return (0);
}

/* ctl_matches - whether an entry passes the filters */

static int
ctl_matches(const struct ctl_filter *fl, const struct quar_info *qi)
{
	time_t	 now = time(NULL);
	size_t	 i;

	if (fl->status && !ctl_has_status(qi, fl->status))
		return (0);
	if (fl->sender && !mask_list_match(fl->sender, qi->sender, NULL))
		return (0);
	if (fl->rcpt) {
		for (i = 0; i < qi->nrcpts; i++)
			if (mask_list_match(fl->rcpt, qi->rcpts[i].addr, NULL))
				break;
		if (i == qi->nrcpts)
			return (0);
	}
	if (fl->older && qi->time > now - fl->older)
		return (0);
	if (fl->newer && qi->time < now - fl->newer)
		return (0);
	if (fl->released >= 0 && (qi->nreleases > 0) != fl->released)
		return (0);
	return (1);
}

/* ctl_list_one - print one entry */

static void
ctl_list_one(const struct quar_info *qi, void *arg)
{
	struct ctl_filter *fl = arg;
	struct buf	*b = buf_new(128);
	char		 date[64];
	struct tm	 tm;
	size_t		 i;

	if (!ctl_matches(fl, qi)) {
		buf_free(b);
		return;
	}
	if (fl->json) {
		if (fl->n > 0)
			buf_puts(fl->out, ",\n");
		buf_puts(fl->out, qi->json);
		fl->n++;
		buf_free(b);
		return;
	}
	(void)localtime_r(&qi->time, &tm);
	(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	(void)printf("%-18s %s  <%s> ->", qi->id, date,
	    ctl_safe(b, qi->sender));
	for (i = 0; i < qi->nrcpts; i++)
		(void)printf(" %s", ctl_safe(b, qi->rcpts[i].addr));
	(void)printf("  [");
	for (i = 0; i < qi->nrcpts; i++) {
		(void)printf("%s%s", i ? " " : "", qi->rcpts[i].spam);
		if (qi->rcpts[i].av)
			(void)printf("/%s", qi->rcpts[i].av);
	}
	(void)printf("]%s\n", qi->nreleases ? " released" : "");
	fl->n++;
	buf_free(b);
}

/* ctl_list - quarantine list */

static int
ctl_list(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "sender", required_argument, NULL, 'f' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "newer-than", required_argument, NULL, 'n' },
		{ "released", no_argument, NULL, 'R' },
		{ "not-released", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_filter fl;
	struct buf	*why = buf_new(128);
	long long	 age;
	int		 c, rc = EX_OK;

	memset(&fl, 0, sizeof(fl));
	fl.released = -1;
	fl.out = buf_new(4096);
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			fl.status = optarg;
			break;
		case 'f':
		case 'r':
			buf_reset(why);
			if (c == 'f')
				fl.sender = mask_list_parse(optarg,
				    policy_conf.default_domain, MASK_ALLOW_FILE,
				    policy_conf.max_file_size, why);
			else
				fl.rcpt = mask_list_parse(optarg,
				    policy_conf.default_domain, MASK_ALLOW_FILE,
				    policy_conf.max_file_size, why);
			if ((c == 'f' ? (void *)fl.sender : (void *)fl.rcpt) ==
			    NULL) {
				rc = ctl_usage("bad mask: %s", buf_str(why));
				goto out;
			}
			break;
		case 'o':
		case 'n':
			if ((age = ctl_age(optarg)) < 0) {
				rc = ctl_usage("\"%s\" is not an age (30d, "
				    "12h, 90m)", optarg);
				goto out;
			}
			if (c == 'o')
				fl.older = (time_t)age;
			else
				fl.newer = (time_t)age;
			break;
		case 'R':
			fl.released = 1;
			break;
		case 'N':
			fl.released = 0;
			break;
		case 'j':
			fl.json = 1;
			break;
		default:
			rc = ctl_usage("%s", "bad option for list");
			goto out;
		}
	}
	if (optind < argc) {
		rc = ctl_usage("list takes no argument \"%s\"", argv[optind]);
		goto out;
	}
	buf_reset(why);
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
	mask_list_free(fl.sender);
	mask_list_free(fl.rcpt);
	buf_free(fl.out);
	buf_free(why);
	return (rc);
}

/* ctl_read - an entry's info, or an exit code */

static int
ctl_read(const char *dir, const char *id, struct quar_info **qi)
{
	struct buf	*why = buf_new(128);
	int		 rc;

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
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi;
	struct buf	*why;
	char		*data;
	size_t		 len;
	int		 c, message = 0, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'm')
			return (ctl_usage("%s", "bad option for show"));
		message = 1;
	}
	if (optind != argc - 1)
		return (ctl_usage("%s", "show takes one ID"));
	if ((rc = ctl_read(dir, argv[optind], &qi)) != EX_OK)
		return (rc);
	(void)fputs(qi->json, stdout);
	if (qi->json[0] != '\0' && qi->json[strlen(qi->json) - 1] != '\n')
		(void)fputc('\n', stdout);
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

/* ctl_send - the release itself; EX_OK, EX_TEMPFAIL or EX_UNAVAILABLE */

static int
ctl_send(const char *dir, const struct quar_info *qi, char **to, size_t nto)
{
	const struct iovec *segs;
	struct edit	*e;
	struct buf	*why = buf_new(256), *info = buf_new(128);
	struct buf	*got = buf_new(256);
	char		*data;
	size_t		 len, nsegs, i, accepted = 0;
	enum fate	*fates;
	int		 rc, eightbit = 0;

	fates = xcalloc(nto + 1, sizeof(*fates));
	if (quar_message(dir, qi->id, &data, &len, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		rc = EX_TEMPFAIL;
		goto out;
	}
	for (i = 0; i < len && !eightbit; i++)
		eightbit = (data[i] & 0x80) != 0;
	e = edit_new(data, len, mailhdr_len(data, len));
	edit_remove_prefix(e, "X-Winnow-");
	buf_printf(info, "released from quarantine (%s)", qi->id);
	edit_add_header(e, "X-Winnow-Info", buf_str(info));
	nsegs = edit_segments(e, &segs);
	rc = submit_message(qi->id, qi->sender, to, nto, segs, nsegs,
	    eightbit, fates, why);
	edit_free(e);
	free(data);
	for (i = 0; i < nto; i++) {
		if (fates[i] != FATE_DELIVERED)
			continue;
		buf_printf(got, "%s%s", accepted ? ", " : "", to[i]);
		accepted++;
	}
	if (accepted > 0) {
		/* Record who has it, so that a rerun does not resend. */
		buf_reset(info);
		if (quar_mark_released(dir, qi->id, buf_str(got), info) !=
		    WN_OK)
			(void)fprintf(stderr, "winnowctl quarantine: sent, "
			    "but could not record the release: %s\n",
			    buf_str(info));
		log_info("%s: released from quarantine to %s", qi->id,
		    buf_str(got));
	}
	if (rc != WN_OK) {
		(void)fprintf(stderr, "winnowctl quarantine: %s: %zu of %zu "
		    "recipient(s) accepted%s%s%s: %s\n", qi->id, accepted, nto,
		    accepted ? " (" : "", accepted ? buf_str(got) : "",
		    accepted ? ")" : "",
		    buf_str(why));
		rc = rc == WN_TEMP ? EX_TEMPFAIL : EX_UNAVAILABLE;
		goto out;
	}
	(void)printf("%s: released to %s\n", qi->id, buf_str(got));
	rc = EX_OK;
out:
	free(fates);
	buf_free(why);
	buf_free(info);
	buf_free(got);
	return (rc);
}

/* ctl_release - quarantine release ID [--to ADDRESSES] [--force] */

static int
ctl_release(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi = NULL;
	struct buf	*why = buf_new(128);
	const char	*to_arg = NULL;
	char		**to = NULL;
	size_t		 nto = 0, i;
	int		 c, force = 0, fd = -1, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't')
			to_arg = optarg;
		else if (c == 'f')
			force = 1;
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
	if ((fd = quar_lock(dir, argv[optind], why)) < 0) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		buf_free(why);
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
	rc = ctl_send(dir, qi, to, nto);
	reinject_close_all();
out:
	quar_unlock(fd);
	conf_list_free(to);
	quar_info_free(qi);
	buf_free(why);
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

/* ctl_purge - quarantine purge --older-than AGE [--dry-run] */

static int
ctl_purge(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_filter fl;
	struct buf	*why = buf_new(128);
	long long	 age = -1;
	size_t		 n = 0;
	int		 c, dry = 0, rc = EX_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o' && (age = ctl_age(optarg)) < 0)
			return (ctl_usage("\"%s\" is not an age (30d, 12h, "
			    "90m)", optarg));
		else if (c == 'n')
			dry = 1;
		else if (c != 'o')
			return (ctl_usage("%s", "bad option for purge"));
	}
	if (age < 0)
		return (ctl_usage("%s", "purge needs --older-than AGE"));
	if (optind != argc)
		return (ctl_usage("purge takes no argument \"%s\"",
		    argv[optind]));
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
		{ "delete", ctl_delete },
		{ "purge", ctl_purge },
		{ NULL, NULL }
	};
	const char	*dir = policy_conf.quarantine_dir;
	size_t		 i;
	int		 k;

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
	if (cmds[i].name == NULL)
		return (ctl_usage("unknown command \"%s\"", argv[1]));
	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0) {
			(void)fputs(ctl_quar_help, stdout);
			return (EX_OK);
		}
	}
	return (cmds[i].fn(dir, argc - 1, argv + 1));
}
