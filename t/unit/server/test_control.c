/* test_control.c - unit tests for server/control.c: the listener */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "control.h"
#include "server.h"
#include "stats_conf.h"
#include "testutil.h"
#include "xalloc.h"

static struct buf	*why;
static char		 spec_buf[80];

static void
setup(void)
{
	char	 path[600];

	why = buf_new(64);
	conf_reset();
	server_register_all();
	/* never the machine's /etc/winnow/control.secret */
	(void)snprintf(path, sizeof(path), "%s/control.secret", tu_tmpdir());
	free(control_conf.secret_file);
	control_conf.secret_file = xstrdup(path);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(control, .init = setup, .fini = teardown);

/* set_listen - [control] listen */

static void
set_listen(const char *s)
{
	free(control_conf.listen);
	control_conf.listen = xstrdup(s);
}

Test(control, loopback_listener_by_default)
{
	cr_assert_str_eq(control_conf.listen, "tcp:127.0.0.1:10027");
	cr_assert(control_wanted());
	set_listen("");
	cr_assert_not(control_wanted());
	cr_assert_eq(control_bind(NULL, (unsigned)getgid(), 0, why), 0);
	cr_assert_eq(control_fd(), -1);
	free(monitor_conf.alert_to);
	monitor_conf.alert_to = xstrdup("a@b");
	cr_assert(control_wanted(), "the monitor alone is reason enough");
}

Test(control, only_loopback_unless_allowed)
{
	set_listen("tcp:192.0.2.1:10027");
	cr_assert_eq(control_bind(NULL, (unsigned)getgid(), 0, why), -1);
	cr_assert(strstr(buf_str(why), "allow_remote") != NULL, "%s",
	    buf_str(why));
	set_listen("tcp:127.0.0.1:24727");	/* a namespace of our own */
	cr_assert_eq(control_bind(NULL, (unsigned)getgid(), 0, why), 0, "%s",
	    buf_str(why));
	cr_assert(control_fd() >= 0);
	cr_assert(control_wanted());
}

Test(control, the_secret_is_made_once)
{
	struct stat	 st;
	char		 first[80];
	FILE		*fp;

	set_listen("tcp:127.0.0.1:24728");
	cr_assert_eq(control_bind(NULL, (unsigned)getgid(), 1, why), 0, "%s",
	    buf_str(why));
	cr_assert_eq(stat(control_conf.secret_file, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	fp = fopen(control_conf.secret_file, "r");
	cr_assert_not_null(fgets(first, sizeof(first), fp));
	(void)fclose(fp);
	cr_assert_eq(strlen(first), 65);
	set_listen("tcp:127.0.0.1:24729");
	cr_assert_eq(control_bind(NULL, (unsigned)getgid(), 1, why), 0);
	fp = fopen(control_conf.secret_file, "r");
	cr_assert_not_null(fgets(spec_buf, sizeof(spec_buf), fp));
	(void)fclose(fp);
	cr_assert_str_eq(spec_buf, first, "a second bind keeps the secret");
}

Test(control, a_unix_socket_for_the_group_only)
{
	char		 spec[700], path[600];
	struct stat	 st;

	(void)snprintf(path, sizeof(path), "%s/ctl.sock", tu_tmpdir());
	(void)snprintf(spec, sizeof(spec), "unix:%s", path);
	set_listen(spec);
	cr_assert_eq(control_bind(NULL, (unsigned)getgid(), 1, why), 0, "%s",
	    buf_str(why));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0660);
	cr_assert_eq(st.st_gid, getgid());
}
