/*
 * test_pipe_relay.c - unit tests for pipe-client/pipe_relay.c
 *
 * The real relay against a scripted winnowd (t/mock/mock_winnowd.c): what
 * it sends, how each answer reaches each recipient, and which failures are
 * "no answer" (on_error's business) rather than winnowd's answer.
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

static char	 sock[300];
static struct buf *why, *reply;
static struct sess_info si;

/* setup - configuration pointing at the mock */

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
	free(client_conf.connect_to);
	client_conf.connect_to = xmalloc(strlen(sock) + 6);
	(void)snprintf(client_conf.connect_to, strlen(sock) + 6, "unix:%s",
	    sock);
	client_conf.connect_timeout = 1000;
	client_conf.command_timeout = 1000;
	client_conf.data_timeout = 1000;
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
	buf_free(why);
	buf_free(reply);
}

TestSuite(pipe_relay, .init = setup, .fini = teardown);

/* message - a transaction with n recipients and the given data */

static struct msg *
message(size_t n, const char *data)
{
	struct msg	*m = msg_new("QID0123456789AB");
	struct buf	*w = buf_new(64);
	char		 a[64];
	size_t		 i;

	m->sender = xstrdup("sender@example.org");
	for (i = 0; i < n; i++) {
		(void)snprintf(a, sizeof(a), "r%zu@example.net", i);
		(void)msg_add_rcpt(m, a);
	}
	m->spool = spool_new(tu_tmpdir(), 1 << 20);
	cr_assert_eq(spool_write(m->spool, data, strlen(data), w), 0);
	cr_assert_eq(spool_commit(m->spool, w), 0);
	buf_free(w);
	return (m);
}

#define MSG	"Subject: t\r\n\r\nline\r\n.dot\r\n"

Test(pipe_relay, lmtp_each_recipient_gets_its_answer)
{
	struct mock_winnowd_script sc = {
		.final = { "250 2.0.0 r0 ok\r\n",
		    "550 5.7.1 r1 is spam to them\r\n" },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(2, MSG);
	int		 after_dot = -1;
	char		*rx;

	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_OK, "%s", buf_str(why));
	cr_assert_eq(after_dot, 1);
	cr_assert_eq(m->rcpts[0].code, 250);
	cr_assert_str_eq(buf_str(m->rcpts[0].reply), "250 2.0.0 r0 ok");
	cr_assert_eq(m->rcpts[1].code, 550);
	cr_assert_str_eq(buf_str(m->rcpts[1].reply),
	    "550 5.7.1 r1 is spam to them");
	rx = mock_winnowd_received(mw);
	cr_assert(strstr(rx, "LHLO ") == rx, "%s", rx);
	cr_assert_not_null(strstr(rx, "XFORWARD IDENT=QID0123456789AB\r\n"));
	cr_assert_not_null(strstr(rx, "MAIL FROM:<sender@example.org> "
	    "SIZE=26\r\nRCPT TO:<r0@example.net>\r\nRCPT TO:<r1@example.net>"
	    "\r\nDATA\r\n"), "%s", rx);
	/* dot-stuffed on the way out, and the final dot */
	cr_assert_not_null(strstr(rx, "line\r\n..dot\r\n.\r\nQUIT\r\n"),
	    "%s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, lmtp_refused_at_rcpt_keeps_that_answer)
{
	struct mock_winnowd_script sc = {
		.rcpt = { "550 5.1.1 no such user\r\n", NULL },
		.final = { "250 2.0.0 r1 ok\r\n" },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(2, MSG);
	int		 after_dot;

	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_OK, "%s", buf_str(why));
	cr_assert_eq(m->rcpts[0].code, 550);
	cr_assert_eq(m->rcpts[1].code, 250);
	cr_assert_str_eq(buf_str(m->rcpts[1].reply), "250 2.0.0 r1 ok");
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, nobody_listening_is_a_failure)
{
	struct msg	*m = message(2, MSG);
	int		 after_dot = -1;

	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_FAILED);
	cr_assert_eq(after_dot, 0);
	cr_assert_eq(m->rcpts[0].code, 0);
	cr_assert_eq(m->rcpts[1].code, 0);
	cr_assert_not_null(strstr(buf_str(why), "connect to unix:"), "%s",
	    buf_str(why));
	msg_free(m);
}

Test(pipe_relay, busy_greeting_is_a_failure)
{
	struct mock_winnowd_script sc = {
		.greeting = "421 4.3.2 all children busy\r\n",
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(1, MSG);
	int		 after_dot;

	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_FAILED);
	cr_assert_eq(m->rcpts[0].code, 0);
	cr_assert_not_null(strstr(buf_str(why), "421 4.3.2"), "%s",
	    buf_str(why));
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, silence_after_the_dot_is_a_failure_after_dot)
{
	struct mock_winnowd_script sc = { .final_delay_ms = 1500 };
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(2, MSG);
	int		 after_dot = 0;

	client_conf.data_timeout = 300;
	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_FAILED);
	cr_assert_eq(after_dot, 1);
	cr_assert_eq(m->rcpts[0].code, 0);
	cr_assert_eq(m->rcpts[1].code, 0);
	cr_assert_not_null(strstr(buf_str(why), "timeout"), "%s",
	    buf_str(why));
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, lmtp_hangup_midway_leaves_the_rest_undecided)
{
	struct mock_winnowd_script sc = {
		.final = { "250 2.0.0 first\r\n", MOCK_HANGUP },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(3, MSG);
	int		 after_dot;

	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_FAILED);
	cr_assert_eq(after_dot, 1);
	cr_assert_eq(m->rcpts[0].code, 250);
	cr_assert_eq(m->rcpts[1].code, 0);
	cr_assert_eq(m->rcpts[2].code, 0);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, smtp_one_reply_for_all)
{
	struct mock_winnowd_script sc = {
		.final = { "250 2.0.0 Ok: filtered as X\r\n" },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(2, MSG);
	int		 after_dot;
	char		*rx;

	si.lmtp = 0;
	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_OK, "%s", buf_str(why));
	cr_assert_str_eq(buf_str(reply), "250 2.0.0 Ok: filtered as X");
	cr_assert_eq(m->rcpts[0].code, 250);
	cr_assert_eq(m->rcpts[1].code, 250);
	rx = mock_winnowd_received(mw);
	cr_assert(strncmp(rx, "EHLO ", 5) == 0, "%s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, smtp_mixed_rcpt_answers_defer_without_the_dot)
{
	struct mock_winnowd_script sc = {
		.rcpt = { "250 2.1.5 Ok\r\n", "550 5.1.1 unknown\r\n" },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(2, MSG);
	int		 after_dot;
	char		*rx;

	si.lmtp = 0;
	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_OK, "%s", buf_str(why));
	cr_assert_eq(after_dot, 0);
	cr_assert(strncmp(buf_str(reply), "451 4.3.0 ", 10) == 0, "%s",
	    buf_str(reply));
	cr_assert_eq(m->rcpts[0].code, 451);
	cr_assert_eq(m->rcpts[1].code, 451);
	rx = mock_winnowd_received(mw);
	cr_assert_null(strstr(rx, "Subject: t"), "the message was sent: %s",
	    rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, mail_refused_is_everyones_answer)
{
	struct mock_winnowd_script sc = {
		.mail = "452 4.3.1 Insufficient system storage\r\n",
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(2, MSG);
	int		 after_dot;

	si.lmtp = 0;
	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_OK, "%s", buf_str(why));
	cr_assert_str_eq(buf_str(reply), "452 4.3.1 Insufficient system "
	    "storage");
	cr_assert_eq(m->rcpts[0].code, 452);
	cr_assert_eq(m->rcpts[1].code, 452);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, envelope_parameters_and_xforward_pass_through)
{
	struct mock_winnowd_script sc = { .final = { NULL } };
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(1, "Subject: caf\xc3\xa9\r\n\r\nx\r\n");
	int		 after_dot;
	char		*rx;

	m->ret = xstrdup("HDRS");
	m->envid = xstrdup("ENV+2B1");
	m->rcpts[0].notify = xstrdup("FAILURE");
	m->rcpts[0].orcpt = xstrdup("rfc822;r0@example.net");
	m->xf.set = 1;
	m->xf.addr = xstrdup("192.0.2.7");
	m->xf.helo = xstrdup("client helo");
	m->xf.ident = xstrdup("1abcDE-000001-AB");
	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_OK, "%s", buf_str(why));
	rx = mock_winnowd_received(mw);
	cr_assert_not_null(strstr(rx, "XFORWARD ADDR=192.0.2.7\r\n"), "%s",
	    rx);
	cr_assert_not_null(strstr(rx, "XFORWARD HELO=client+20helo\r\n"),
	    "%s", rx);
	cr_assert_not_null(strstr(rx, "XFORWARD IDENT=1abcDE-000001-AB\r\n"),
	    "%s", rx);
	cr_assert_not_null(strstr(rx, " BODY=8BITMIME RET=HDRS "
	    "ENVID=ENV+2B1\r\n"), "%s", rx);
	cr_assert_not_null(strstr(rx, "RCPT TO:<r0@example.net> "
	    "NOTIFY=FAILURE ORCPT=rfc822;r0@example.net\r\n"), "%s", rx);
	free(rx);
	mock_winnowd_stop(mw);
	msg_free(m);
}

Test(pipe_relay, malformed_reply_is_a_failure)
{
	struct mock_winnowd_script sc = { .mail = "hello there\r\n" };
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	struct msg	*m = message(1, MSG);
	int		 after_dot;

	cr_assert_eq(pipe_relay(&si, m, reply, &after_dot, why),
	    PIPE_RELAY_FAILED);
	cr_assert_eq(after_dot, 0);
	cr_assert_not_null(strstr(buf_str(why), "malformed"), "%s",
	    buf_str(why));
	mock_winnowd_stop(mw);
	msg_free(m);
}
