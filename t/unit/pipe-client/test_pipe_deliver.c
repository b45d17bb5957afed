/*
 * test_pipe_deliver.c - unit tests for pipe-client/pipe_deliver.c
 *
 * The session's hook with a scripted winnowd (t/mock/mock_winnowd.c) and
 * the real forward path (server/pipeline.c and reinject.c into testutil's
 * sink): size bypass, each on_error mode, partial failures, address
 * qualification and the command line's client attributes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "mock/mock_winnowd.h"
#include "pipe.h"
#include "msg.h"
#include "sess.h"
#include "reinject.h"
#include "smtp_conf.h"
#include "status.h"
#include "spool.h"
#include "testutil.h"
#include "xalloc.h"

static char	 sock[300], sinkp[300];
static struct buf *why, *reply;
static struct sess_info si;
static struct tu_sink *sink;

/* set_str - replace a configuration string */

static void
set_str(char **p, const char *fmt, const char *arg)
{
	size_t	 n = strlen(fmt) + strlen(arg) + 1;

	free(*p);
	*p = xmalloc(n);
	(void)snprintf(*p, n, fmt, arg);
}

/* setup - winnowd at a socket (started by each test), forward to a sink */

static void
setup(void)
{
	log_open_syslog(LOG_LOCAL7);
	conf_set_partial(1);
	smtp_conf_register();
	client_conf_register();
	why = buf_new(128);
	reply = buf_new(128);
	cr_assert_eq(conf_load(NULL, why), WN_OK);
	smtp_conf_finish();
	(void)snprintf(sock, sizeof(sock), "%s/winnowd", tu_tmpdir());
	(void)snprintf(sinkp, sizeof(sinkp), "%s/sink", tu_tmpdir());
	set_str(&client_conf.connect_to, "unix:%s", sock);
	set_str(&smtp_conf.forward, "unix:%s", sinkp);
	set_str(&smtp_conf.myhostname, "%s", "pipe.test");
	smtp_conf_finish();
	cr_assert_eq(reinject_init(why), 0);
	client_conf.connect_timeout = 1000;
	client_conf.command_timeout = 1000;
	client_conf.data_timeout = 1000;
	sink = tu_sink_start(sinkp, 0);
	memset(&si, 0, sizeof(si));
	si.peer_addr = "local";
	si.helo = "exim.test";
	si.lmtp = 1;
	si.esmtp = 1;
	(void)signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	reinject_close_all();
	buf_free(why);
	buf_free(reply);
}

TestSuite(pipe_deliver, .init = setup, .fini = teardown);

/* message - a transaction from sender to the given recipients */

static struct msg *
message(const char *sender, const char **rcpts, const char *data)
{
	struct msg	*m = msg_new("QID0123456789AB");
	struct buf	*w = buf_new(64);
	size_t		 i;

	m->sender = xstrdup(sender);
	for (i = 0; rcpts[i] != NULL; i++)
		(void)msg_add_rcpt(m, rcpts[i]);
	m->spool = spool_new(tu_tmpdir(), 1 << 20);
	cr_assert_eq(spool_write(m->spool, data, strlen(data), w), 0);
	cr_assert_eq(spool_commit(m->spool, w), 0);
	buf_free(w);
	return (m);
}

#define MSG	"Subject: t\r\nX-Winnow-Info: forged\r\n\r\nbody\r\n"

static const char *two[] = { "a@example.net", "b@example.net", NULL };

Test(pipe_deliver, qualify)
{
	char	*q;

	cr_assert_null(pipe_qualify("a@b", "example.com"));
	cr_assert_null(pipe_qualify("", "example.com"));
	cr_assert_null(pipe_qualify("bare", ""));
	cr_assert_null(pipe_qualify("bare", NULL));
	q = pipe_qualify("bare", "example.com");
	cr_assert_str_eq(q, "bare@example.com");
	free(q);
	/* an '@' inside quotes is part of the local part */
	q = pipe_qualify("\"a@b\"", "example.com");
	cr_assert_str_eq(q, "\"a@b\"@example.com");
	free(q);
	cr_assert_null(pipe_qualify("\"a b\"@x", "example.com"));
}

Test(pipe_deliver, relayed_answers_go_back)
{
	struct mock_winnowd_script sc = {
		.final = { "250 2.0.0 ok a\r\n", "450 4.2.0 later b\r\n" },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message("s@example.org", two, MSG);
	char		*rx;

	pipe_deliver(&si, m, reply);
	cr_assert_eq(m->rcpts[0].code, 250);
	cr_assert_eq(m->rcpts[1].code, 450);
	cr_assert_str_eq(buf_str(m->rcpts[1].reply), "450 4.2.0 later b");
	rx = tu_sink_received(sink);
	cr_assert_str_eq(rx, "", "forward got mail: %s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_deliver, over_the_size_limit_goes_to_forward_unfiltered)
{
	struct mock_winnowd_script sc = { .final = { NULL } };
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message("s@example.org", two, MSG);
	char		*rx;

	smtp_conf.filter_size_limit = 10;
	pipe_deliver(&si, m, reply);
	cr_assert_eq(m->rcpts[0].code, 250);
	cr_assert_eq(m->rcpts[1].code, 250);
	cr_assert_eq(mock_winnowd_sessions(mw), 0);
	rx = tu_sink_received(sink);
	cr_assert_not_null(strstr(rx, "X-Winnow-Info: not scanned (size)"),
	    "%s", rx);
	cr_assert_null(strstr(rx, "forged"), "%s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_deliver, unreachable_tempfail)
{
	struct msg	*m = message("s@example.org", two, MSG);
	char		*rx;

	client_conf.on_error = CLIENT_ON_ERROR_TEMPFAIL;
	pipe_deliver(&si, m, reply);
	cr_assert_eq(m->rcpts[0].code, 451);
	cr_assert_eq(m->rcpts[1].code, 451);
	cr_assert(strncmp(buf_str(m->rcpts[0].reply), "451 4.3.0 ", 10) == 0);
	rx = tu_sink_received(sink);
	cr_assert_str_eq(rx, "");
	free(rx);
	msg_free(m);
}

Test(pipe_deliver, unreachable_tempfail_smtp_one_reply)
{
	struct msg	*m = message("s@example.org", two, MSG);

	si.lmtp = 0;
	client_conf.on_error = CLIENT_ON_ERROR_TEMPFAIL;
	pipe_deliver(&si, m, reply);
	cr_assert(strncmp(buf_str(reply), "451 4.3.0 Content filter "
	    "unavailable", 35) == 0, "%s", buf_str(reply));
	msg_free(m);
}

Test(pipe_deliver, unreachable_reject)
{
	struct msg	*m = message("s@example.org", two, MSG);
	char		*rx;

	client_conf.on_error = CLIENT_ON_ERROR_REJECT;
	pipe_deliver(&si, m, reply);
	cr_assert_eq(m->rcpts[0].code, 554);
	cr_assert_eq(m->rcpts[1].code, 554);
	rx = tu_sink_received(sink);
	cr_assert_str_eq(rx, "");
	free(rx);
	msg_free(m);
}

Test(pipe_deliver, unreachable_accept_delivers_marked)
{
	struct msg	*m = message("s@example.org", two, MSG);
	char		*rx;

	client_conf.on_error = CLIENT_ON_ERROR_ACCEPT;
	pipe_deliver(&si, m, reply);
	cr_assert_eq(m->rcpts[0].code, 250);
	cr_assert_eq(m->rcpts[1].code, 250);
	cr_assert_null(m->bypass);
	rx = tu_sink_received(sink);
	cr_assert_not_null(strstr(rx, "X-Winnow-Info: not processed (filter "
	    "unavailable)\r\n"), "%s", rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<a@example.net>"), "%s", rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<b@example.net>"), "%s", rx);
	cr_assert_null(strstr(rx, "forged"), "%s", rx);
	free(rx);
	msg_free(m);
}

Test(pipe_deliver, accept_after_a_partial_answer_delivers_only_the_rest)
{
	struct mock_winnowd_script sc = {
		.final = { "250 2.0.0 filtered a\r\n", MOCK_HANGUP },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	static const char *three[] = { "a@example.net", "b@example.net",
	    "c@example.net", NULL };
	struct msg	*m = message("s@example.org", three, MSG);
	char		*rx;

	client_conf.on_error = CLIENT_ON_ERROR_ACCEPT;
	pipe_deliver(&si, m, reply);
	cr_assert_str_eq(buf_str(m->rcpts[0].reply), "250 2.0.0 filtered a");
	cr_assert_eq(m->rcpts[1].code, 250);
	cr_assert_eq(m->rcpts[2].code, 250);
	rx = tu_sink_received(sink);
	cr_assert_null(strstr(rx, "RCPT TO:<a@example.net>"), "%s", rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<b@example.net>"), "%s", rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<c@example.net>"), "%s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_deliver, default_domain_and_client_attributes)
{
	struct mock_winnowd_script sc = { .final = { NULL } };
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	static const char *bare[] = { "bob", "carol@example.net", NULL };
	static const struct pipe_client_info ci = {
		.addr = "198.51.100.9", .helo = "mx.sender.test",
		.ident = "1tEXIM-0000AB-CD",
	};
	struct msg	*m = message("alice", bare, MSG);
	char		*rx;

	set_str(&client_conf.default_domain, "%s", "example.com");
	pipe_client_info = &ci;
	pipe_deliver(&si, m, reply);
	pipe_client_info = NULL;
	rx = mock_winnowd_received(mw);
	cr_assert_not_null(strstr(rx, "MAIL FROM:<alice@example.com>"), "%s",
	    rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<bob@example.com>"), "%s", rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<carol@example.net>"), "%s",
	    rx);
	cr_assert_not_null(strstr(rx, "XFORWARD ADDR=198.51.100.9\r\n"), "%s",
	    rx);
	cr_assert_not_null(strstr(rx, "XFORWARD HELO=mx.sender.test\r\n"),
	    "%s", rx);
	cr_assert_not_null(strstr(rx, "XFORWARD IDENT=1tEXIM-0000AB-CD\r\n"),
	    "%s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}
