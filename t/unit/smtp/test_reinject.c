/* test_reinject.c - smtp/reinject.c: the two steps against the test sink */

#include <sys/uio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "msg.h"
#include "reinject.h"
#include "smtp_conf.h"
#include "status.h"
#include "testutil.h"

#define BODY	"Subject: t\r\n\r\nthe last line of the body\r\n"

static struct tu_sink	*sink;
static struct msg	*m;
static struct rcpt	*rp[1];
static struct iovec	 seg;
static struct buf	*why;

/* setup - a sink on a unix socket as the forward endpoint, one message */

static void
setup(void)
{
	char	 path[300], text[400];

	smtp_conf_register();
	why = buf_new(256);
	(void)snprintf(path, sizeof(path), "%s/sink", tu_tmpdir());
	sink = tu_sink_start(path, 0);
	(void)snprintf(text, sizeof(text), "[server]\nforward = unix:%s\n",
	    path);
	cr_assert_eq(conf_load(tu_write_file("winnow.conf", text), why),
	    WN_OK, "%s", buf_str(why));
	smtp_conf_finish();
	cr_assert_eq(reinject_init(why), 0, "%s", buf_str(why));
	m = msg_new("QID1");
	m->sender = strdup("a@example.org");
	(void)msg_add_rcpt(m, "b@example.net");
	rp[0] = &m->rcpts[0];
	seg.iov_base = (void *)BODY;
	seg.iov_len = strlen(BODY);
}

static void
teardown(void)
{
	reinject_close_all();
	msg_free(m);
	buf_free(why);
	conf_reset();
}

TestSuite(reinject, .init = setup, .fini = teardown);

/* txn - a transaction of the message */

static void
txn(struct reinject_txn *t)
{
	reinject_txn_init(t);
	t->msg = m;
	t->sender = m->sender;
	t->rcpts = rp;
	t->nrcpts = 1;
	t->segs = &seg;
	t->nsegs = 1;
	t->size = seg.iov_len;
}

/* prepared - a connection with the transaction prepared on it */

static struct reinject *
prepared(struct reinject_txn *t)
{
	struct reinject	*r;

	txn(t);
	cr_assert_not_null(r = reinject_open(0, why), "%s", buf_str(why));
	cr_assert_eq(reinject_prepare(r, t, 0, why), WN_OK, "%s",
	    buf_str(why));
	cr_assert(t->prepared);
	return (r);
}

/* received - what the sink has been sent, after it had time to read */

static char *
received(void)
{
	usleep(100000);
	return (tu_sink_received(sink));
}

/* The body's tail waits for the commit and goes with the dot: one write,
 * one wake-up of the downstream fewer per message. */
Test(reinject, the_body_tail_goes_with_the_dot)
{
	struct reinject_txn t;
	struct reinject	*r;
	char		*rx;

	r = prepared(&t);
	rx = received();
	cr_assert_not_null(strstr(rx, "DATA\r\n"));
	cr_assert_null(strstr(rx, "the last line"), "sent before the commit");
	free(rx);
	cr_assert_eq(reinject_commit(r, &t, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(m->rcpts[0].fate, FATE_DELIVERED);
	rx = received();
	cr_assert_not_null(strstr(rx, "\r\n\r\nthe last line of the body\r\n"
	    ".\r\n"), "%s", rx);
	free(rx);
	reinject_release(r, 1);
	reinject_txn_free(&t);
}

/* An abandoned transaction sends neither the tail nor the dot: the
 * downstream never delivers a half message. */
Test(reinject, an_abort_after_prepare_sends_no_tail_and_no_dot)
{
	struct reinject_txn t;
	struct reinject	*r;
	char		*rx;

	r = prepared(&t);
	reinject_abort(r, &t);
	reinject_release(r, 1);
	rx = received();
	cr_assert_not_null(strstr(rx, "DATA\r\n"));
	cr_assert_null(strstr(rx, "the last line"));
	cr_assert_null(strstr(rx, "\r\n.\r\n"));
	cr_assert_null(strstr(rx, "QUIT"), "a broken connection is dropped");
	free(rx);
	reinject_txn_free(&t);
}
