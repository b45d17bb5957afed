/*
 * ctl_archive.c - winnowctl archive: purge the message archive
 *
 * [policy] archive_dir keeps a copy of every message in one directory per
 * day (archive_dir/YYYYMMDD, UTC).  "archive purge --older-than AGE"
 * removes the days that ended more than AGE ago, whole: an archive is kept
 * by the day, and a day half gone would only mislead.  winnow-purge.timer
 * runs it daily with WINNOW_ARCHIVE_KEEP (90d), as the user winnowd's
 * children write the archive as.  With no archive_dir it does nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* spool */
#include "archive.h"

/* policy */
#include "policy.h"

/* ctl */
#include "ctl.h"

static const char ctl_archive_help[] =
"Usage: winnowctl [-c FILE] archive [--dir DIR] purge --older-than AGE\n"
"                 [--dry-run]\n"
"\n"
"Remove old days from the message archive ([policy] archive_dir, one\n"
"directory per day, YYYYMMDD in UTC): every day that ended more than AGE\n"
"ago (30d, 12w, 36h) goes with all its files.  Other names in the\n"
"directory are left alone.  With no archive_dir configured there is\n"
"nothing to do.  winnow-purge.timer runs it daily (90d).\n"
"\n"
"Options:\n"
"  --dir DIR     this archive directory instead of archive_dir\n"
"  --dry-run     say how many days would go, remove nothing\n"
"\n"
"Exit status: 0 done; 64 usage; 75 something could not be removed (the\n"
"reason is printed; try again).\n";

/* ctl_archive_usage - a usage error */

static int
ctl_archive_usage(const char *fmt, const char *arg)
{
	(void)fprintf(stderr, "winnowctl archive: ");
	(void)fprintf(stderr, fmt, arg);
	(void)fputs("\nTry winnowctl archive --help.\n", stderr);
	return (EX_USAGE);
}

/* ctl_archive_purge - remove the days older than --older-than */

static int
ctl_archive_purge(const char *dir, long long age, int dry)
{
	struct buf	*why = buf_new(128);
	size_t		 days, files;
	int		 rc = EX_OK;

	if (dir == NULL || *dir == '\0') {
		(void)printf("no archive_dir configured: nothing to purge\n");
		buf_free(why);
		return (EX_OK);
	}
	if (archive_purge(dir, time(NULL) - (time_t)age, dry, &days, &files,
	    why) != WN_OK)
		rc = EX_TEMPFAIL;
	if (dry)
		(void)printf("%zu day%s would be removed\n", days,
		    days == 1 ? "" : "s");
	else
		(void)printf("%zu day%s (%zu files) removed\n", days,
		    days == 1 ? "" : "s", files);
	if (!dry && days > 0)
		log_info("archive purge: %zu days older than %llds (%zu files) "
		    "removed from %s", days, age, files, dir);
	if (buf_len(why) > 0)
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
	buf_free(why);
	return (rc);
}

/* ctl_archive_main - winnowctl archive [--dir DIR] purge ... */

int
ctl_archive_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = policy_conf.archive_dir;
	long long	 age = -1;
	int		 c, dry = 0;

	/* --dir DIR comes before the command, as for quarantine. */
	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) {
			(void)fputs(ctl_archive_help, stdout);
			return (EX_OK);
		}
		if (strcmp(argv[1], "--dir") == 0 && argc > 2) {
			dir = argv[2];
			argv += 2;
			argc -= 2;
			continue;
		}
		return (ctl_archive_usage("unknown option \"%s\"", argv[1]));
	}
	if (argc < 2 || strcmp(argv[1], "purge") != 0)
		return (ctl_archive_usage("%s", "the command is purge "
		    "--older-than AGE"));
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if ((age = ctl_age(optarg)) < 0)
				return (ctl_archive_usage("\"%s\" is not an "
				    "age (30d, 12w, 36h)", optarg));
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			(void)fputs(ctl_archive_help, stdout);
			return (EX_OK);
		default:
			return (ctl_archive_usage("%s", "bad option for purge"));
		}
	}
	if (optind != argc)
		return (ctl_archive_usage("unexpected argument \"%s\"",
		    argv[optind]));
	if (age < 0)
		return (ctl_archive_usage("%s", "purge needs --older-than AGE"));
	return (ctl_archive_purge(dir, age, dry));
}
