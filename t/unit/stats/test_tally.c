/* test_tally.c - unit tests for stats/tally.c */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "history.h"
#include "live.h"
#include "svec.h"
#include "tally.h"

static struct live	*l;
static struct svec	*v;
static struct buf	*why;

static void
setup(void)
{
	why = buf_new(64);
	l = live_create(NULL, 16, (gid_t)-1, why);
	v = svec_new();
}

static void
teardown(void)
{
	svec_free(v);
	live_close(l, 0, NULL);
	buf_free(why);
}

TestSuite(tally, .init = setup, .fini = teardown);

static struct history_entry last;

static void
keep(const struct history_entry *e, void *arg)
{
	(void)arg;
	last = *e;
}

Test(tally, one_message_two_groups)
{
	struct tally_rcpt rc[3] = {
		{ "a@x", "sales", 2, 1, 5, SFATE_DISPOSED, 0, 0, 250 },
		{ "b@x", "sales", 2, 1, 5, SFATE_DISPOSED, 0, 0, 250 },
		{ "c@y", "All", 0, 1, 0, SFATE_DELIVERED, 0, 0, 250 },
	};
	struct tally_msg m;
	unsigned int	 sales, all;

	memset(&m, 0, sizeof(m));
	m.qid = "Q1";
	m.sender = "s@z";
	m.client = "[10.0.0.1]";
	m.size = 1000;
	m.rc = rc;
	m.nrcpts = 3;
	m.reply = "250 2.0.0 Ok";
	m.has_score = 1;
	m.score = 55.44;
	m.checks = "rules=none";
	m.duration_us = 20000;
	m.check_ran[SLAT_CONTENT] = 1;
	m.check_us[SLAT_CONTENT] = 3000;
	m.state[SCHECK_CONTENT] = 1;
	m.state[SCHECK_DNSBL] = 2;
	m.quarantine = 1;
	tally_message(l, &m);
	live_counted(l, v);
	sales = svec_group(v, "sales");
	all = svec_group(v, "All");
	cr_assert_eq(svec_get(v, SKEY(SM_RECEIVED, 0, 0, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_MSGS, sales, 2, 1, 5)), 1,
	    "two recipients, one cell: the message counts once");
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_RCPTS, sales, 2, 1, 5)), 2);
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_BYTES, sales, 2, 1, 5)), 1000);
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_MSGS, all, 0, 1, 0)), 1);
	cr_assert_eq(svec_sum(v, SM_MSGS, -1, -1, -1, -1), 2);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 2, SREPLY_DATA, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_FATE, SFATE_DISPOSED, 0, 0)), 2);
	cr_assert_eq(svec_get(v, SKEY(SM_CHECK, SCHECK_DNSBL, 2, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_CHECK_LAT, SLAT_CONTENT, 0, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_CHECK_LAT_SUM, SLAT_CONTENT, 0, 0)),
	    3000);
	cr_assert_eq(svec_get(v, SKEY(SM_MSG_LAT, 2, 0, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_QUAR, 0, 0, 0)), 1);
	(void)history_each(l, 0, NULL, keep, NULL);
	cr_assert_str_eq(last.qid, "Q1");
	cr_assert_str_eq(last.statuses, "sales=spam/clean, All=not-detected/"
	    "clean");
	cr_assert_str_eq(last.actions, "quarantine, accept");
	cr_assert_str_eq(last.rcpts, "a@x, b@x, c@y");
	cr_assert_eq(last.score10, 554);
	cr_assert_eq(last.reply_code, 200);
}

Test(tally, lmtp_downstream_and_unfiltered)
{
	struct tally_rcpt rc[2] = {
		{ "a@x", NULL, SPAM_UNFILTERED, 0, ACTION_NONE,
		    SFATE_DEFERRED, 0, 1, 451 },
		{ "b@x", "All", 0, 0, 0, SFATE_REFUSED, 0, 1, 550 },
	};
	struct tally_msg m;

	memset(&m, 0, sizeof(m));
	m.qid = "Q2";
	m.sender = "";
	m.client = "[::1]";
	m.rc = rc;
	m.nrcpts = 2;
	m.lmtp = 1;
	tally_message(l, &m);
	live_counted(l, v);
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_RCPTS, svec_group(v, "none"),
	    SPAM_UNFILTERED, 0, ACTION_NONE)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 4, SREPLY_DATA, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 5, SREPLY_DATA, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_DOWNSTREAM, SDOWN_TEMPFAIL, 0, 0)),
	    1);
	cr_assert_eq(svec_get(v, SKEY(SM_DOWNSTREAM, SDOWN_REFUSED, 0, 0)),
	    1);
	cr_assert_eq(svec_get(v, SKEY(SM_DOWNSTREAM, SDOWN_MSG_TEMPFAIL, 0,
	    0)), 1);
	(void)history_each(l, 0, NULL, keep, NULL);
	cr_assert_eq(last.score10, HISTORY_NO_SCORE);
	cr_assert(strstr(last.reply, "LMTP") != NULL);
}

Test(tally, a_long_recipient_list_is_cut)
{
	struct tally_rcpt rc[100];
	struct tally_msg m;
	char		 addr[100][32];
	int		 i;

	memset(rc, 0, sizeof(rc));
	for (i = 0; i < 100; i++) {
		(void)snprintf(addr[i], sizeof(addr[i]), "user%02d@example.org",
		    i);
		rc[i].addr = addr[i];
		rc[i].group = "All";
	}
	memset(&m, 0, sizeof(m));
	m.qid = "Q3";
	m.sender = "s";
	m.client = "";
	m.rc = rc;
	m.nrcpts = 100;
	m.reply = "250 ok";
	tally_message(l, &m);
	(void)history_each(l, 0, NULL, keep, NULL);
	cr_assert(strlen(last.rcpts) < sizeof(last.rcpts));
	cr_assert(strstr(last.rcpts, " more") != NULL, "%s", last.rcpts);
	cr_assert(strncmp(last.rcpts, "user00@example.org, ", 20) == 0);
}

Test(tally, session_notice_children)
{
	tally_session_reply(l, 552);
	tally_session_reply(l, 99);
	tally_notice(l, 1, -1);
	tally_notice(l, 0, 0);
	tally_child_exit(l, 1);
	live_counted(l, v);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 5, SREPLY_SESSION, 0)), 1);
	cr_assert_eq(svec_sum(v, SM_REPLY, -1, -1, -1, -1), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_NOTICE, 1, 1, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_NOTICE, 0, 0, 0)), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_CHILD_EXIT, 1, 0, 0)), 1);
	cr_assert_str_eq(tally_fate_name(SFATE_DEFERRED), "deferred");
}
