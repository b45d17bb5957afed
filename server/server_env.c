/*
 * server_env.c - what the configuration needs of the system, checked early
 *
 * A file can be valid and still not work on this machine: a spool_dir
 * inside a directory the children's user cannot enter (every message then
 * gets 452), an exec: forward naming a program that is missing or not
 * executable by that user (every message 451), or a program that needs its
 * set-user-ID or set-group-ID bit while winnowd runs with no_new_privs -
 * systemd's NoNewPrivileges=yes - where the kernel ignores those bits:
 * Postfix's sendmail hands each message to the set-gid postdrop, which then
 * fails with "Permission denied", and exim4 is set-uid root.  Each of these
 * is refused at start, in winnowd -t and on reload (the old configuration
 * keeps serving), naming the path and the permission that is missing.
 *
 * The children switch to [server] user with only its primary group (or
 * [server] group), so that is what the permission checks use; when winnowd
 * is not started as root the children keep our own identity and the
 * kernel's own check (faccessat) decides.
 *
 * A missing or unexecutable exec: program is an error for winnowd -t (and
 * so for the unit's ExecStartPre) but only a warning at start and on
 * reload: the program may be away for a moment (an MTA being upgraded),
 * and each message then gets 4xx until it is back.
 *
 * server_env_check is conf_load's final check (conf_set_final_check): it
 * reads the values of the file being loaded with conf_value(), before any
 * is applied, so a reload it refuses leaves the running configuration as
 * it was.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"
#include "log.h"

/* server */
#include "server.h"

int	server_env_test;	/* winnowd -t: stricter */

/* Who the children will be. */
struct env_user {
	int		 root;		/* we run as root and switch */
	uid_t		 uid;
	gid_t		 gid;
	const char	*name;
};

/* env_user - the identity the children run as */

static int
env_user(struct env_user *u, struct buf *why)
{
	const char	*user = conf_value("server", "user");
	const char	*group = conf_value("server", "group");
	struct passwd	*pw;
	struct group	*gr;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0) {
		u->uid = geteuid();
		u->gid = getegid();
		u->name = "winnowd's own user";
		return (0);
	}
	if (user == NULL || (pw = getpwnam(user)) == NULL) {
		buf_printf(why, "[server] user \"%s\" does not exist",
		    user ? user : "");
		return (-1);
	}
	u->root = 1;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->name = user;
	if (group != NULL && group[0] != '\0' &&
	    (gr = getgrnam(group)) != NULL)
		u->gid = gr->gr_gid;
	return (0);
}

/* env_mode_str - "drwx------ owner:group" of a file, for messages */

static void
env_mode_str(const struct stat *st, char *out, size_t len)
{
	static const char rwx[] = "rwxrwxrwx";
	struct passwd	*pw = getpwuid(st->st_uid);
	struct group	*gr = getgrgid(st->st_gid);
	char		 m[11];
	int		 i;

	m[0] = S_ISDIR(st->st_mode) ? 'd' : '-';
	for (i = 0; i < 9; i++)
		m[i + 1] = (st->st_mode & (0400 >> i)) ? rwx[i] : '-';
	m[10] = '\0';
	if (st->st_mode & S_ISUID)
		m[3] = (st->st_mode & S_IXUSR) ? 's' : 'S';
	if (st->st_mode & S_ISGID)
		m[6] = (st->st_mode & S_IXGRP) ? 's' : 'S';
	(void)snprintf(out, len, "%s %s:%s", m, pw ? pw->pw_name : "?",
	    gr ? gr->gr_name : "?");
}

/* env_allows - whether the mode bits give u the access in want (R_OK,
 * W_OK, X_OK or'ed), as the kernel decides for one uid and one gid */

static int
env_allows(const struct env_user *u, const char *path, const struct stat *st,
    int want)
{
	mode_t	 bits;

	if (!u->root)
		return (faccessat(AT_FDCWD, path, want, AT_EACCESS) == 0);
	if (st->st_uid == u->uid)
		bits = (st->st_mode >> 6) & 7;
	else if (st->st_gid == u->gid)
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (((mode_t)want & ~bits) == 0);
}

/* env_want_str - "search (x)" and friends */

static const char *
env_want_str(int want)
{
	switch (want) {
	case X_OK:
		return ("search (x)");
	case W_OK | X_OK:
		return ("write and search (wx)");
	case R_OK | W_OK | X_OK:
		return ("read, write and search (rwx)");
	default:
		return ("execute (x)");
	}
}

/* env_reach - every directory above path (not path itself) must let u
 * search it; 0, or -1 with the first that does not */

static int
env_reach(const struct env_user *u, const char *what, const char *path,
    struct buf *why)
{
	char		 dir[PATH_MAX], mode[96];
	struct stat	 st;
	char		*slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		buf_printf(why, "%s %s: path too long", what, path);
		return (-1);
	}
	/* From the top down, so the message names the first obstacle. */
	for (slash = strchr(dir + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(dir, &st) < 0) {
			*slash = '/';
			return (0);	/* missing: the caller's concern */
		}
		if (!env_allows(u, dir, &st, X_OK)) {
			env_mode_str(&st, mode, sizeof(mode));
			buf_printf(why, "%s %s: %s cannot enter %s (%s): it "
			    "needs search (x) permission there", what, path,
			    u->name, dir, mode);
			return (-1);
		}
		*slash = '/';
	}
	return (0);
}

/* env_spool - spool_dir must be reachable and usable by the children */

static int
env_spool(const struct env_user *u, struct buf *why)
{
	const char	*path = conf_value("server", "spool_dir");
	char		 parent[PATH_MAX], mode[96], *slash;
	struct stat	 st;

	if (path == NULL)
		log_panic("env_spool: [server] spool_dir is not registered");
	if (path[0] != '/') {
		buf_printf(why, "[server] spool_dir %s: not an absolute path",
		    path);
		return (-1);
	}
	if (env_reach(u, "[server] spool_dir", path, why) < 0)
		return (-1);
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			buf_printf(why, "[server] spool_dir %s is not a "
			    "directory", path);
			return (-1);
		}
		/* As root the master gives it to the user (mode 0700). */
		if (u->root || env_allows(u, path, &st, R_OK | W_OK | X_OK))
			return (0);
		env_mode_str(&st, mode, sizeof(mode));
		buf_printf(why, "[server] spool_dir %s (%s): %s needs %s "
		    "permission there", path, mode, u->name,
		    env_want_str(R_OK | W_OK | X_OK));
		return (-1);
	}
	/* The master makes it (one level, as root or as us). */
	(void)snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(why, "[server] spool_dir %s does not exist, and "
		    "neither does %s to make it in", path, parent);
		return (-1);
	}
	if (!u->root && !env_allows(u, parent, &st, W_OK | X_OK)) {
		env_mode_str(&st, mode, sizeof(mode));
		buf_printf(why, "[server] spool_dir %s does not exist and %s "
		    "cannot make it: %s (%s) needs %s permission", path,
		    u->name, parent, mode, env_want_str(W_OK | X_OK));
		return (-1);
	}
	return (0);
}

/* env_setid_helper - a set-id program the command relies on: the command
 * itself, or Postfix's set-gid postdrop beside its sendmail; NULL if none
 * (real is the command's resolved path) */

static const char *
env_setid_helper(const char *real, char *helper, size_t len,
    struct stat *st_r)
{
	const char	*base = strrchr(real, '/') + 1;
	int		 n;

	if (stat(real, st_r) == 0 && (st_r->st_mode & (S_ISUID | S_ISGID))) {
		(void)snprintf(helper, len, "%s", real);
		return (helper);
	}
	if (strcmp(base, "sendmail") != 0)
		return (NULL);
	n = snprintf(helper, len, "%.*spostdrop", (int)(base - real), real);
	if (n < (int)len && stat(helper, st_r) == 0 &&
	    (st_r->st_mode & (S_ISUID | S_ISGID)))
		return (helper);
	(void)snprintf(helper, len, "/usr/sbin/postdrop");
	if (stat(helper, st_r) == 0 && (st_r->st_mode & (S_ISUID | S_ISGID)))
		return (helper);
	return (NULL);
}

/* env_exec - an exec: forward must name a program the children can run,
 * and one that needs no set-id bit when the kernel would ignore it */

static int
env_exec(const struct env_user *u, struct buf *why)
{
	const char	*fwd = conf_value("server", "forward");
	struct endpoint	 ep;
	struct stat	 st;
	char		 real[PATH_MAX], helper[PATH_MAX], mode[96];
	const char	*prog, *h;
	int		 rc = -1;

	if (fwd == NULL)
		log_panic("env_exec: [server] forward is not registered");
	if (endpoint_parse(fwd, &ep, 1, why) < 0)
		return (-1);
	if (ep.kind != ENDPOINT_EXEC) {
		endpoint_free(&ep);
		return (0);
	}
	prog = ep.argv[0];
	if (env_reach(u, "[server] forward", prog, why) < 0)
		goto runnable;
	if (stat(prog, &st) < 0) {
		buf_printf(why, "[server] forward = %s: %s: %s", ep.text, prog,
		    strerror(errno));
		goto runnable;
	}
	if (!S_ISREG(st.st_mode) || !env_allows(u, prog, &st, X_OK)) {
		env_mode_str(&st, mode, sizeof(mode));
		buf_printf(why, "[server] forward = %s: %s (%s) is not %s "
		    "that %s may execute", ep.text, prog, mode,
		    S_ISREG(st.st_mode) ? "a program" : "a regular file",
		    u->name);
		goto runnable;
	}
	if (realpath(prog, real) == NULL)
		(void)snprintf(real, sizeof(real), "%s", prog);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 &&
	    (h = env_setid_helper(real, helper, sizeof(helper), &st)) !=
	    NULL) {
		env_mode_str(&st, mode, sizeof(mode));
		buf_printf(why, "[server] forward = %s: %s (%s) needs its "
		    "set-%s-ID bit, which the kernel ignores because winnowd "
		    "runs with no_new_privs (systemd: NoNewPrivileges=yes); "
		    "every message would be deferred with \"Permission "
		    "denied\".  Forward to a port instead (tcp:127.0.0.1:10026)"
		    " or allow it with the drop-in in winnowd(8) and INSTALL "
		    "4.1 (NoNewPrivileges=no)", ep.text, h, mode,
		    (st.st_mode & S_ISUID) ? "user" : "group");
		goto out;
	}
	rc = 0;
	goto out;
runnable:
	/* Cannot run it now: -t says no; a start or reload warns, and each
	 * message gets 4xx until the program is back. */
	if (!server_env_test) {
		log_warn("%s; every message will be deferred until it can run",
		    buf_str(why));
		buf_reset(why);
		rc = 0;
	}
out:
	endpoint_free(&ep);
	return (rc);
}

/* server_env_check - the system can do what the configuration asks */

int
server_env_check(struct buf *why)
{
	struct env_user	 u;

	if (env_user(&u, why) < 0)
		return (-1);
	if (env_spool(&u, why) < 0)
		return (-1);
	return (env_exec(&u, why));
}
