/*
 * test_decide.c - unit tests for server/decide.c: on_error applies per
 * group, only to the statuses that depend on a check that failed
 */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "fate.h"
#include "findings.h"
#include "log.h"
#include "msg.h"
#include "pipeline.h"
#include "policy.h"
#include "server.h"
#include "status.h"
#include "testutil.h"

static struct msg	*m;
static struct pl_ctx	 c;
static struct sess_info	 si;

/* load - winnow.conf with this text */

static void
load(const char *text)
{
	struct buf	*why = buf_new(256);

	cr_assert_eq(conf_load(tu_write_file("winnow.conf", text), why),
	    WN_OK, "%s", buf_str(why));
	buf_free(why);
}

/* message - two recipients: one in group "av" (AV checks only), one in
 * All (every check) */

static void
message(int lmtp)
{
	size_t	 i;

	m = msg_new("0123456789ABCDE");
	m->sender = strdup("s@example.org");
	(void)msg_add_rcpt(m, "a@av.example");
	(void)msg_add_rcpt(m, "b@example.com");
	memset(&c, 0, sizeof(c));
	memset(&si, 0, sizeof(si));
	si.peer_addr = "192.0.2.1";
	si.lmtp = lmtp;
	c.si = &si;
	c.m = m;
	c.f = findings_new();
	c.why = buf_new(64);
	c.rc = calloc(m->nrcpts, sizeof(*c.rc));
	for (i = 0; i < m->nrcpts; i++)
		c.rc[i].r = &m->rcpts[i];
	c.view.queue_id = m->qid;
	c.view.client_addr = "192.0.2.1";
	c.view.sender = m->sender;
}

static void
setup(void)
{
	log_to_stderr();
	server_register_all();
}

static void
teardown(void)
{
	findings_free(c.f);
	buf_free(c.why);
	free(c.rc);
	msg_free(m);
	conf_reset();
}

TestSuite(decide, .init = setup, .fini = teardown);

#define GROUPS	"[group av]\nrecipients = *@av.example\n" \
		"spam_checks = no\ndns_checks = no\n"

Test(decide, accept_keeps_the_virus_verdict_when_dns_failed)
{
	load("[server]\non_error = accept\n" GROUPS);
	message(0);
	c.f->failed = FINDINGS_FAILED_DNS;
	c.f->av_state = CHECK_DONE;
	c.f->av = AV_INFECTED;
	findings_add(&c.f->viruses, "Eicar-Signature", "part 2", 0);
	decide_all(&c);
	/* Both are decided: the AV status stands, quarantine by default. */
	cr_assert(c.rc[0].decided && c.rc[1].decided);
	cr_assert_eq(c.rc[1].dec.av, AV_INFECTED);
	cr_assert(c.rc[1].dec.quarantine);
	cr_assert(c.rc[1].unchecked);		/* needs DNS */
	cr_assert_not(c.rc[0].unchecked);	/* does not */
	cr_assert_str_eq(pipeline_info(&c, &c.rc[1]),
	    "not processed (dns check failed)");
	cr_assert_null(pipeline_info(&c, &c.rc[0]));
}

Test(decide, tempfail_only_where_a_group_depends_on_it_lmtp)
{
	load(GROUPS);
	message(1);
	c.f->failed = FINDINGS_FAILED_DNS;
	decide_all(&c);
	cr_assert_eq(m->rcpts[0].fate, FATE_PENDING);	/* decided, goes */
	cr_assert(c.rc[0].decided);
	cr_assert_eq(m->rcpts[1].fate, FATE_DEFERRED);
	cr_assert(strstr(buf_str(m->rcpts[1].reply), "4.3.0 Temporary "
	    "failure while checking") != NULL, "%s",
	    buf_str(m->rcpts[1].reply));
}

Test(decide, tempfail_holds_a_whole_smtp_message)
{
	load(GROUPS);
	message(0);
	c.f->failed = FINDINGS_FAILED_DNS;
	decide_all(&c);
	cr_assert_eq(m->rcpts[0].fate, FATE_DEFERRED);
	cr_assert_eq(m->rcpts[1].fate, FATE_DEFERRED);
	cr_assert_not(c.rc[0].decided);		/* no notification */
}

Test(decide, reject_refuses_where_it_matters)
{
	load("[server]\non_error = reject\n" GROUPS);
	message(1);
	c.f->failed = FINDINGS_FAILED_AV;
	decide_all(&c);
	cr_assert_eq(m->rcpts[0].fate, FATE_REFUSED);
	cr_assert_eq(m->rcpts[1].fate, FATE_REFUSED);	/* All: AV too */
	cr_assert(strncmp(buf_str(m->rcpts[0].reply), "554 5.3.0", 9) == 0);
}

Test(decide, nothing_failed_nothing_marked)
{
	load(GROUPS);
	message(0);
	decide_all(&c);
	cr_assert(c.rc[0].decided && c.rc[1].decided);
	cr_assert_not(c.rc[0].unchecked || c.rc[1].unchecked);
	cr_assert_eq(m->rcpts[0].fate, FATE_PENDING);
}
