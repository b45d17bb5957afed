/* test_uds_xchg.c - uds/uds_xchg.c against scripted servers */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "buf.h"
#include "timeutil.h"
#include "uds_private.h"

#include "fakeuds.h"

static struct buf	*why;

static void
setup(void)
{
	cr_assert(sodium_init() >= 0);
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(uds_xchg, .init = setup, .fini = teardown, .timeout = 20);

/* servers - a set of loopback servers by port */

static struct uds_srvset *
servers(int a, int b)
{
	char	 list[64];

	if (b > 0)
		(void)snprintf(list, sizeof(list), "127.0.0.1:%d 127.0.0.1:%d",
		    a, b);
	else
		(void)snprintf(list, sizeof(list), "127.0.0.1:%d", a);
	return (uds_srv_new(list, NULL, why));
}

/* check_req - a CHECK with one item */

static void
check_req(struct uds_req *q)
{
	memset(q, 0, sizeof(*q));
	q->op = UDS_OP_CHECK;
	q->nitems = 1;
	q->item[0].kind = UDS_KIND_ATTACH;
}

Test(uds_xchg, an_answer)
{
	struct fake	*f = fake_start(FAKE_ANSWER);
	struct uds_srvset *s = servers(f->port, 0);
	struct uds_xchg	 x;
	struct uds_req	 q;
	struct uds_reply a;

	check_req(&q);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 500, 1000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, time_now_ms() + 1000, &a, why), WN_OK);
	cr_assert_eq(a.id, q.id);
	cr_assert_eq(a.item[0].result, UDS_R_HIT);
	cr_assert_eq(s->srv[0].st->answered, 1);
	cr_assert_gt(s->srv[0].st->srtt_us, 0);
	fake_stop(f);
	uds_srv_free(s);
}

Test(uds_xchg, other_ids_and_junk_are_ignored)
{
	struct fake	*f = fake_start(FAKE_WRONG_ID_FIRST);
	struct fake	*g = fake_start(FAKE_GARBAGE_FIRST);
	struct uds_srvset *s = servers(f->port, 0), *t = servers(g->port, 0);
	struct uds_xchg	 x;
	struct uds_req	 q;
	struct uds_reply a;

	check_req(&q);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 500, 1000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, time_now_ms() + 1000, &a, why), WN_OK);
	cr_assert_eq(a.id, q.id);
	cr_assert_eq(uds_xchg_start(&x, t, &q, NULL, 500, 1000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, time_now_ms() + 1000, &a, why), WN_OK);
	fake_stop(f);
	fake_stop(g);
	uds_srv_free(s);
	uds_srv_free(t);
}

Test(uds_xchg, a_silent_server_then_the_next)
{
	struct fake	*dead = fake_start(FAKE_SILENT);
	struct fake	*live = fake_start(FAKE_ANSWER);
	struct uds_srvset *s = servers(dead->port, live->port);
	struct uds_xchg	 x;
	struct uds_req	 q;
	struct uds_reply a;
	uint64_t	 t0 = time_now_ms(), el;
	size_t		 o[UDS_MAX_SERVERS];

	check_req(&q);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 200, 60000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, t0 + 2000, &a, why), WN_OK);
	el = time_now_ms() - t0;
	cr_assert_geq(el, 190, "%llu ms", (unsigned long long)el);
	cr_assert_lt(el, 1000, "%llu ms", (unsigned long long)el);
	cr_assert_eq(x.tries, 2);
	cr_assert_eq(dead->requests, 1);
	/* the dead one is now last: the next message goes to the other */
	(void)uds_srv_order(s, time_now_ms(), o);
	cr_assert_eq(o[0], 1);
	t0 = time_now_ms();
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 200, 60000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, t0 + 2000, &a, why), WN_OK);
	cr_assert_lt(time_now_ms() - t0, 150);
	cr_assert_eq(dead->requests, 1, "left alone until the re-probe");
	fake_stop(dead);
	fake_stop(live);
	uds_srv_free(s);
}

Test(uds_xchg, a_failing_server_is_probed_later)
{
	struct fake	*f = fake_start(FAKE_ANSWER);
	struct fake	*g = fake_start(FAKE_ANSWER);
	struct uds_srvset *s = servers(f->port, g->port);
	struct uds_xchg	 x;
	struct uds_req	 q;
	struct uds_reply a;

	/* f failed a moment ago; its re-probe is due after 100 ms */
	uds_srv_timeout(&s->srv[0], time_now_ms(), 100);
	check_req(&q);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 500, 100, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, time_now_ms() + 1000, &a, why), WN_OK);
	cr_assert_eq(f->requests, 0);
	usleep(150000);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 500, 100, why), WN_OK);
	cr_assert_eq(x.cur, &s->srv[1]);
	cr_assert_eq(x.probe, &s->srv[0], "the probe goes beside");
	usleep(50000);
	cr_assert_eq(uds_xchg_wait(&x, time_now_ms() + 1000, &a, why), WN_OK);
	cr_assert_eq(f->requests, 1);
	cr_assert_eq(s->srv[0].st->fails, 0, "healthy again");
	fake_stop(f);
	fake_stop(g);
	uds_srv_free(s);
}

Test(uds_xchg, all_dead_ends_at_the_deadline)
{
	struct fake	*a1 = fake_start(FAKE_SILENT);
	struct fake	*a2 = fake_start(FAKE_SILENT);
	struct uds_srvset *s = servers(a1->port, a2->port);
	struct uds_xchg	 x;
	struct uds_req	 q;
	struct uds_reply a;
	uint64_t	 t0 = time_now_ms(), el;

	check_req(&q);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 100, 60000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, t0 + 300, &a, why), UDS_XCHG_TIMEOUT);
	el = time_now_ms() - t0;
	cr_assert_geq(el, 195);
	cr_assert_lt(el, 400, "%llu ms", (unsigned long long)el);
	/* a deadline shorter than the server timeout ends the wait too */
	t0 = time_now_ms();
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 1000, 60000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, t0 + 50, &a, why), UDS_XCHG_TIMEOUT);
	cr_assert_lt(time_now_ms() - t0, 200);
	fake_stop(a1);
	fake_stop(a2);
	uds_srv_free(s);
}

Test(uds_xchg, a_closed_port_moves_on_at_once)
{
	struct fake	*live = fake_start(FAKE_ANSWER);
	struct uds_srvset *s = servers(fake_closed_port(), live->port);
	struct uds_xchg	 x;
	struct uds_req	 q;
	struct uds_reply a;
	uint64_t	 t0 = time_now_ms();

	check_req(&q);
	cr_assert_eq(uds_xchg_start(&x, s, &q, NULL, 1000, 60000, why), WN_OK);
	cr_assert_eq(uds_xchg_wait(&x, t0 + 3000, &a, why), WN_OK);
	cr_assert_lt(time_now_ms() - t0, 500, "ICMP refused, not a timeout");
	fake_stop(live);
	uds_srv_free(s);
}

Test(uds_xchg, one_server_with_rtt)
{
	struct fake	*f = fake_start(FAKE_ANSWER);
	struct uds_srvset *s = servers(f->port, 0);
	struct uds_req	 q;
	struct uds_reply a;
	uint64_t	 rtt = 0;

	memset(&q, 0, sizeof(q));
	q.op = UDS_OP_PING;
	cr_assert_eq(uds_xchg_one(&s->srv[0], &q, NULL, 500, &a, &rtt, why),
	    WN_OK);
	cr_assert_gt(rtt, 0);
	cr_assert_eq(a.store_up, 1);
	fake_stop(f);
	uds_srv_free(s);
}
