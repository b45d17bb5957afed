/*
 * ctl_secret.c - winnowctl control-secret: print or rotate the control
 * API's secret
 *
 * The file is [control] secret_file (lib/secret.h).  winnowd makes it at
 * its first start; this makes it too when it is missing (so an install
 * script can print it before the first start), with the group of the
 * spool directory - the children's, which the control process runs as.
 * --rotate writes a new one: the running control process notices at its
 * next request, every token and dashboard session made with the old one
 * stops working.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* lib */
#include "buf.h"
#include "secret.h"
#include "status.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "control_conf.h"

/* ctl */
#include "ctl.h"

static const char ctl_secret_help[] =
"Usage: winnowctl control-secret [--rotate] [--quiet]\n"
"\n"
"Print the secret of winnowd's control API and dashboard ([control]\n"
"secret_file, default /etc/winnow/control.secret), making it first when\n"
"there is none.  Log in to the dashboard with it, or send it as\n"
"\"Authorization: Bearer SECRET\".  It is readable by root and the group\n"
"of winnowd's children only.\n"
"\n"
"  --rotate   make a new secret (the old one, and every dashboard session,\n"
"             stops working at once) and print it\n"
"  --quiet    do not print it (with --rotate)\n"
"\n"
"Exit status: 0 done; 64 usage; 73 the file could not be written; 77 it\n"
"cannot be read (run as root or as a member of the children's group).\n";

/* ctl_secret_gid - the group a new file gets: the spool directory's */

static gid_t
ctl_secret_gid(void)
{
	struct stat	 st;

	if (stat(smtp_conf.spool_dir, &st) == 0)
		return (st.st_gid);
	return ((gid_t)-1);
}

/* ctl_secret_main - winnowctl control-secret */

int
ctl_secret_main(int argc, char **argv)
{
	char		 s[SECRET_LEN + 1];
	struct buf	*why = buf_new(128);
	struct stat	 st;
	const char	*path = control_conf.secret_file;
	int		 i, rotate = 0, quiet = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rotate") == 0)
			rotate = 1;
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			(void)fputs(ctl_secret_help, stdout);
			return (EX_OK);
		} else {
			(void)fputs(ctl_secret_help, stderr);
			return (EX_USAGE);
		}
	}
	if (path[0] == '\0') {
		(void)fprintf(stderr, "winnowctl control-secret: [control] "
		    "secret_file is empty\n");
		return (EX_CONFIG);
	}
	if (!rotate && (rc = secret_read(path, s, why)) != WN_PERM) {
		if (rc != WN_OK) {
			(void)fprintf(stderr, "winnowctl control-secret: %s\n",
			    buf_str(why));
			buf_free(why);
			return (EX_NOPERM);
		}
		(void)printf("%s\n", s);
		buf_free(why);
		return (EX_OK);
	}
	if (!rotate && stat(path, &st) == 0) {
		(void)fprintf(stderr, "winnowctl control-secret: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_DATAERR);
	}
	buf_reset(why);
	secret_make(s);
	if (secret_write(path, s, stat(path, &st) == 0 ? st.st_gid :
	    ctl_secret_gid(), why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl control-secret: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_CANTCREAT);
	}
	if (!quiet)
		(void)printf("%s\n", s);
	buf_free(why);
	return (EX_OK);
}
