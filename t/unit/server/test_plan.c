/*
 * test_plan.c - unit tests for server/plan.c
 *
 * A clock that ticks a second at every time() call: planning a message
 * may cross a second boundary, and every copy must still carry the same
 * Received: field, or identical recipients would be split into separate
 * downstream transactions.
 */

#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "findings.h"
#include "log.h"
#include "msg.h"
#include "pipeline.h"
#include "policy.h"
#include "server.h"
#include "spool.h"
#include "split.h"
#include "status.h"
#include "testutil.h"

static time_t	 tick = 1700000000;

/* time - the ticking clock (replaces libc's in this test) */

time_t
time(time_t *t)
{
	tick++;
	if (t != NULL)
		*t = tick;
	return (tick);
}

static struct msg	*m;
static struct pl_ctx	 c;
static struct sess_info	 si;

static void
setup(void)
{
	struct buf	*why = buf_new(128);
	static const char body[] = "Subject: hi\r\n\r\nhello\r\n";
	size_t		 i;

	log_to_stderr();
	server_register_all();
	cr_assert_eq(conf_load(NULL, why), WN_OK, "%s", buf_str(why));
	m = msg_new("0123456789ABCDE");
	m->sender = strdup("s@example.org");
	for (i = 0; i < 50; i++) {
		char	 a[64];

		(void)snprintf(a, sizeof(a), "r%zu@example.com", i);
		(void)msg_add_rcpt(m, a);
	}
	m->spool = spool_new(tu_tmpdir(), 1 << 20);
	cr_assert_eq(spool_write(m->spool, body, sizeof(body) - 1, why),
	    WN_OK);
	cr_assert_eq(spool_commit(m->spool, why), WN_OK);
	memset(&c, 0, sizeof(c));
	memset(&si, 0, sizeof(si));
	si.peer_addr = "192.0.2.1";
	si.helo = "mx.example.org";
	si.esmtp = 1;
	c.si = &si;
	c.m = m;
	c.data = spool_data(m->spool, &c.len);
	c.header_len = 15;
	c.f = findings_new();
	c.why = buf_new(64);
	c.rc = calloc(m->nrcpts, sizeof(*c.rc));
	for (i = 0; i < m->nrcpts; i++)
		c.rc[i].r = &m->rcpts[i];
	c.view.queue_id = m->qid;
	c.view.client_addr = "192.0.2.1";
	c.view.sender = m->sender;
	buf_free(why);
}

TestSuite(plan, .init = setup);

Test(plan, one_time_stamp_one_transaction)
{
	decide_all(&c);
	plan_make(&c);
	/* 50 recipients of one group with one result: one transaction,
	 * however many seconds the planning took. */
	cr_assert_eq(c.sp->n, 1, "%zu transactions", c.sp->n);
	cr_assert_eq(c.sp->txns[0].n, 50);
}
