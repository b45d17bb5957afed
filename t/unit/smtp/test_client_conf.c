/*
 * test_pipe_conf.c - unit tests for pipe-client/client_conf.c
 *
 * [client] through the same registration winnowd uses, so a winnow.conf
 * with a [client] section is valid for both programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "client_conf.h"
#include "smtp_conf.h"
#include "status.h"
#include "testutil.h"

static struct buf *errs;

static void
setup(void)
{
	smtp_conf_register();
	client_conf_register();
	errs = buf_new(256);
}

static void
teardown(void)
{
	buf_free(errs);
	conf_reset();
}

TestSuite(client_conf, .init = setup, .fini = teardown);

/* load - conf_load a file with this text */

static int
load(const char *text)
{
	buf_reset(errs);
	return (conf_load(tu_write_file("winnow.conf", text), errs));
}

Test(client_conf, defaults)
{
	cr_assert_str_eq(client_conf.connect_to, "tcp:127.0.0.1:10025");
	cr_assert_eq(client_conf.connect_timeout, 10000);
	cr_assert_eq(client_conf.command_timeout, 60000);
	cr_assert_eq(client_conf.data_timeout, 240000);
	cr_assert_eq(client_conf.on_error, CLIENT_ON_ERROR_TEMPFAIL);
	cr_assert_str_eq(client_conf.default_domain, "");
	cr_assert_str_eq(client_conf.listen, "");
	cr_assert_eq(client_conf.max_connections, 20);
}

Test(client_conf, a_full_section_is_valid_for_winnowd_too)
{
	/* winnow-pipe's view: [server] listen is winnowd's, not checked. */
	conf_set_partial(1);
	cr_assert_eq(load("[server]\nlisten = tcp:127.0.0.1:10025\n\n"
	    "[client]\nconnect_to = unix:/run/winnow/winnowd.sock\n"
	    "connect_timeout = 2s\ndata_timeout = 90s\non_error = accept\n"
	    "default_domain = example.com\nspool_dir = /var/tmp\n"
	    "listen = lmtp:tcp:127.0.0.1:10024, unix:/run/winnow/pipe.sock\n"
	    "max_connections = 5\n"), WN_OK, "%s", buf_str(errs));
	cr_assert_str_eq(client_conf.connect_to,
	    "unix:/run/winnow/winnowd.sock");
	cr_assert_eq(client_conf.connect_timeout, 2000);
	cr_assert_eq(client_conf.data_timeout, 90000);
	cr_assert_eq(client_conf.on_error, CLIENT_ON_ERROR_ACCEPT);
	cr_assert_str_eq(client_conf.default_domain, "example.com");
	cr_assert_eq(client_conf.max_connections, 5);
}

Test(client_conf, on_error_reject)
{
	cr_assert_eq(load("[client]\non_error = reject\n"), WN_OK);
	cr_assert_eq(client_conf.on_error, CLIENT_ON_ERROR_REJECT);
}

Test(client_conf, bad_values_are_reported_with_their_line)
{
	cr_assert_eq(load("[client]\non_error = maybe\n"), WN_PERM);
	cr_assert_not_null(strstr(buf_str(errs), ":2:"), "%s", buf_str(errs));
	cr_assert_eq(load("[client]\nconnect_to = exec:/bin/cat\n"), WN_PERM);
	cr_assert_eq(load("[client]\nconnect_to = localhost:10025\n"),
	    WN_PERM);
	cr_assert_eq(load("[client]\ndefault_domain = not a domain\n"),
	    WN_PERM);
	cr_assert_eq(load("[client]\nlisten = lmtp:tcp:nohost\n"), WN_PERM);
	cr_assert_eq(load("[client]\nmax_connections = 0\n"), WN_PERM);
	cr_assert_eq(load("[client]\ndata_timeout = 10ms\n"), WN_PERM);
	cr_assert_eq(load("[client]\nconect_to = tcp:127.0.0.1:1\n"),
	    WN_PERM);
	/* nothing was applied from the bad files */
	cr_assert_eq(client_conf.on_error, CLIENT_ON_ERROR_TEMPFAIL);
	cr_assert_str_eq(client_conf.connect_to, "tcp:127.0.0.1:10025");
}
