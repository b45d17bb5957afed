/* test_smtp_conf.c - unit tests for smtp/smtp_conf.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "smtp_conf.h"
#include "status.h"
#include "testutil.h"

static struct buf *errs;

static void
setup(void)
{
	smtp_conf_register();
	errs = buf_new(256);
}

static void
teardown(void)
{
	buf_free(errs);
	conf_reset();
}

TestSuite(smtp_conf, .init = setup, .fini = teardown);

/* load - conf_load a file with this text */

static int
load(const char *text)
{
	buf_reset(errs);
	return (conf_load(tu_write_file("winnow.conf", text), errs));
}

Test(smtp_conf, size_limit)
{
	cr_assert(smtp_size_filtered(20 * 1024 * 1024));
	cr_assert_not(smtp_size_filtered(20 * 1024 * 1024 + 1));
	cr_assert_eq(load("[policy]\nfilter_size_limit = 0\n"), WN_OK, "%s",
	    buf_str(errs));
	cr_assert(smtp_size_filtered((size_t)1 << 40));
}

Test(smtp_conf, host_name)
{
	cr_assert_eq(load("[server]\nmyhostname = mx.example.org\n"), WN_OK);
	smtp_conf_finish();
	cr_assert_str_eq(smtp_conf.hostname, "mx.example.org");
	cr_assert_eq(load("[server]\nmyhostname =\n"), WN_OK);
	smtp_conf_finish();
	cr_assert_neq(smtp_conf.hostname[0], '\0');
}

Test(smtp_conf, host_name_is_a_host_name)
{
	/* it goes into the greeting and Received: as it is */
	cr_assert_eq(load("[server]\nmyhostname = mx 1.example.org\n"),
	    WN_PERM);
	cr_assert(strstr(buf_str(errs), ":2: [server] myhostname: \"mx "
	    "1.example.org\" is not a host name") != NULL, "%s",
	    buf_str(errs));
	cr_assert_eq(load("[server]\nmyhostname = mx\r250 fake\n"), WN_PERM);
	cr_assert(strstr(buf_str(errs), ":2: control character 0x0D") !=
	    NULL, "%s", buf_str(errs));
	cr_assert_eq(load("[server]\nmyhostname = mail-1.ex_ample.org\n"),
	    WN_OK, "%s", buf_str(errs));
	smtp_conf_finish();
	cr_assert_str_eq(smtp_conf.hostname, "mail-1.ex_ample.org");
}

Test(smtp_conf, limit_help_says_the_reply_the_session_gives)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&out, &len);
	char	*at;

	conf_print(fp, 1);
	(void)fclose(fp);
	/* winnowd -d: the help line is the one above the parameter */
	cr_assert_not_null(at = strstr(out, "\nmax_line_length = "));
	*at = '\0';
	cr_assert_not_null(at = strrchr(out, '#'));
	cr_assert(strstr(at, "554 5.6.0") != NULL, "help: %s", at);
	cr_assert(strstr(at, "552") == NULL, "help: %s", at);
	free(out);
}

Test(smtp_conf, xforward_hosts)
{
	/* default: loopback and unix sockets */
	cr_assert(smtp_xforward_allowed("127.0.0.1"));
	cr_assert(smtp_xforward_allowed("127.8.9.10"));
	cr_assert(smtp_xforward_allowed("::1"));
	cr_assert(smtp_xforward_allowed("::ffff:127.0.0.1"));
	cr_assert(smtp_xforward_allowed("local"));
	cr_assert_not(smtp_xforward_allowed("192.0.2.1"));
	cr_assert_eq(load("[server]\nxforward_hosts = 192.0.2.0/24\n"), WN_OK,
	    "%s", buf_str(errs));
	cr_assert(smtp_xforward_allowed("192.0.2.1"));
	cr_assert_not(smtp_xforward_allowed("127.0.0.1"));
	cr_assert_not(smtp_xforward_allowed("local"));
	cr_assert_eq(load("[server]\nxforward_hosts =\n"), WN_OK);
	cr_assert_not(smtp_xforward_allowed("127.0.0.1"));
	cr_assert_eq(load("[server]\n\nxforward_hosts = 10.0.0.0/33\n"),
	    WN_PERM);
	cr_assert(strstr(buf_str(errs), ":3: [server] xforward_hosts: "
	    "\"10.0.0.0/33\" is not") != NULL, "%s", buf_str(errs));
}

Test(smtp_conf, other_programs_keys_only_when_partial)
{
	cr_assert_eq(load("[server]\nmax_children = 3\n[av]\nx = 1\n"),
	    WN_PERM);
	cr_assert(strstr(buf_str(errs), ":2: unknown parameter") != NULL,
	    "%s", buf_str(errs));
	cr_assert(strstr(buf_str(errs), ":3: unknown section") != NULL,
	    "%s", buf_str(errs));
	conf_set_partial(1);
	cr_assert_eq(load("[server]\nmax_children = 3\n[av]\nx = 1\n"),
	    WN_OK, "%s", buf_str(errs));
	/* A key it does know is still checked. */
	cr_assert_eq(load("[server]\nmax_errors = lots\n"), WN_PERM);
}
