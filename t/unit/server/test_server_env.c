/* test_server_env.c - unit tests for server/server_env.c */

#include <sys/prctl.h>
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "server.h"
#include "status.h"
#include "testutil.h"

static struct buf	*why;
static char		 dir[PATH_MAX / 2];
static const char	*t_spool, *t_forward;

/* path_in - a path under the test's directory (static) */

static const char *
path_in(const char *name)
{
	static char	 p[4][PATH_MAX];
	static int	 k;

	k = (k + 1) % 4;
	(void)snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return (p[k]);
}

/* set - the two parameters the checks read (kept for check()) */

static void
set(const char *spool, const char *forward)
{
	static char	 s[PATH_MAX], f[PATH_MAX + 16];

	(void)snprintf(s, sizeof(s), "%s", spool);
	(void)snprintf(f, sizeof(f), "%s", forward);
	t_spool = s;
	t_forward = f;
}

/* check - load a file with them: conf_load runs server_env_check before
 * anything applies; 0 or -1, the problem in why */

static int
check(void)
{
	char		 text[3 * PATH_MAX];
	const char	*path;
	int		 rc;

	(void)snprintf(text, sizeof(text), "[server]\nuser = nobody\n"
	    "spool_dir = %s\nforward = %s\n", t_spool, t_forward);
	path = tu_write_file("env.conf", text);
	buf_reset(why);
	rc = conf_load(path, why);
	cr_assert(rc == WN_OK || rc == WN_PERM, "%d: %s", rc, buf_str(why));
	return (rc == WN_OK ? 0 : -1);
}

/* program - an executable file with mode */

static const char *
program(const char *name, mode_t mode)
{
	const char	*p = tu_write_file(name, "#!/bin/sh\nexit 0\n");

	cr_assert_eq(chmod(p, mode), 0);
	return (p);
}

static void
setup(void)
{
	/* The children's user is "nobody" when we run as root; the test
	 * directory itself must be reachable by it. */
	server_conf_register();
	(void)snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	cr_assert_eq(chmod(dir, 0755), 0);
	why = buf_new(256);
}

static void
teardown(void)
{
	buf_free(why);
	conf_reset();
}

TestSuite(server_env, .init = setup, .fini = teardown);

Test(server_env, reachable_spool_and_tcp_forward_pass)
{
	set(path_in("spool"), "tcp:127.0.0.1:10026");
	cr_assert_eq(check(), 0, "%s", buf_str(why));
	/* an existing directory owned by root: the master gives it over */
	cr_assert_eq(mkdir(path_in("spool"), 0700), 0);
	cr_assert_eq(check(), 0, "%s", buf_str(why));
}

Test(server_env, refused_file_applies_nothing)
{
	set(path_in("spool"), "tcp:127.0.0.1:10026");
	cr_assert_eq(check(), 0, "%s", buf_str(why));
	cr_assert_str_eq(conf_value("server", "spool_dir"), path_in("spool"));
	/* a reload naming an unreachable spool: refused, the old one stays */
	set(path_in("nosuch/dir/spool"), "tcp:127.0.0.1:10026");
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "env.conf: [server] spool_dir") !=
	    NULL, "%s", buf_str(why));
	cr_assert_str_eq(conf_value("server", "spool_dir"), path_in("spool"));
}

Test(server_env, spool_behind_root_only_directory_is_refused)
{
	cr_assert_eq(geteuid(), 0, "needs root: the children switch user");
	cr_assert_eq(mkdir(path_in("private"), 0700), 0);
	set(path_in("private/spool"), "tcp:127.0.0.1:10026");
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "spool_dir") != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), path_in("private")) != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "nobody cannot enter") != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "search (x)") != NULL, "%s",
	    buf_str(why));
	/* x for others is all it takes */
	cr_assert_eq(chmod(path_in("private"), 0711), 0);
	buf_reset(why);
	cr_assert_eq(check(), 0, "%s", buf_str(why));
}

Test(server_env, spool_whose_parent_is_missing_is_refused)
{
	set(path_in("no/such/spool"), "tcp:127.0.0.1:10026");
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "does not exist") != NULL, "%s",
	    buf_str(why));
}

Test(server_env, spool_that_is_a_file_is_refused)
{
	set(tu_write_file("plain", "x"), "tcp:127.0.0.1:10026");
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "is not a directory") != NULL, "%s",
	    buf_str(why));
}

Test(server_env, exec_program_missing_or_not_executable)
{
	char	 fwd[PATH_MAX + 16];

	server_env_test = 1;		/* winnowd -t */
	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs", path_in("nosuch"));
	set(path_in("spool"), fwd);
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "No such file") != NULL, "%s",
	    buf_str(why));

	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs",
	    program("noexec", 0644));
	set(path_in("spool"), fwd);
	buf_reset(why);
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "may execute") != NULL, "%s",
	    buf_str(why));

	/* executable by its owner only: root could, nobody cannot */
	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs",
	    program("owneronly", 0700));
	set(path_in("spool"), fwd);
	buf_reset(why);
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "(-rwx------ root:") != NULL, "%s",
	    buf_str(why));

	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs",
	    program("fine", 0755));
	set(path_in("spool"), fwd);
	buf_reset(why);
	cr_assert_eq(check(), 0, "%s", buf_str(why));
}

Test(server_env, exec_program_missing_is_a_warning_at_start)
{
	char	 fwd[PATH_MAX + 16];

	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs", path_in("nosuch"));
	set(path_in("spool"), fwd);
	server_env_test = 0;
	cr_assert_eq(check(), 0, "%s", buf_str(why));
	server_env_test = 1;
	cr_assert_eq(check(), -1);
}

Test(server_env, setid_program_refused_only_under_no_new_privs)
{
	char	 fwd[PATH_MAX + 16];

	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs",
	    program("setgid", 02755));
	set(path_in("spool"), fwd);
	cr_assert_eq(check(), 0, "%s", buf_str(why));
	/* criterion runs each test in its own process: this stays here */
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), "set-group-ID") != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "NoNewPrivileges") != NULL, "%s",
	    buf_str(why));
}

Test(server_env, postfix_sendmail_with_setgid_postdrop_under_no_new_privs)
{
	char	 fwd[PATH_MAX + 16];

	(void)snprintf(fwd, sizeof(fwd), "exec:%s -bs",
	    program("sendmail", 0755));
	set(path_in("spool"), fwd);
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	/* A sendmail with a set-gid postdrop beside it is Postfix's. */
	(void)program("postdrop", 02555);
	cr_assert_eq(check(), -1);
	cr_assert(strstr(buf_str(why), path_in("postdrop")) != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "Permission denied") != NULL, "%s",
	    buf_str(why));
}
