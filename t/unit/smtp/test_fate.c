/* test_fate.c - unit tests for smtp/fate.c */

#include <signal.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "fate.h"
#include "reply.h"
#include "testutil.h"

static struct rcpt	 r;

static void
setup(void)
{
	memset(&r, 0, sizeof(r));
	r.addr = "a@example.com";
	r.reply = buf_new(64);
}

static void
teardown(void)
{
	buf_free(r.reply);
}

TestSuite(fate, .init = setup, .fini = teardown);

/* peer - a parsed reply line */

static void
peer(struct reply *rp, const char *line)
{
	struct buf	*why = buf_new(64);

	reply_init(rp);
	cr_assert_eq(reply_add_line(rp, line, strlen(line), why), 1, "%s",
	    buf_str(why));
	buf_free(why);
}

Test(fate, replies_by_stage)
{
	struct reply	 rp;

	peer(&rp, "250 2.1.5 Ok");
	cr_assert_eq(fate_from_reply(&r, FATE_AT_RCPT, &rp), 0);
	cr_assert_eq(r.fate, FATE_ACCEPTED);
	cr_assert_not(fate_final(r.fate));
	cr_assert_eq(fate_from_reply(&r, FATE_AT_DOT, &rp), 0);
	cr_assert_eq(r.fate, FATE_DELIVERED);
	cr_assert_str_eq(buf_str(r.reply), "250 2.1.5 Ok");
	reply_free(&rp);
}

Test(fate, refusals)
{
	struct reply	 rp;

	peer(&rp, "550 5.1.1 No such user");
	cr_assert_eq(fate_from_reply(&r, FATE_AT_RCPT, &rp), 0);
	cr_assert_eq(r.fate, FATE_REFUSED);
	cr_assert_eq(r.code, 550);
	reply_free(&rp);
	peer(&rp, "452 4.2.2 Full");
	cr_assert_eq(fate_from_reply(&r, FATE_AT_DOT, &rp), 0);
	cr_assert_eq(r.fate, FATE_DEFERRED);
	reply_free(&rp);
}

Test(fate, out_of_place_replies_defer)
{
	/* reply.c parses 2xx..5xx only: a 1xx or 6xx never gets here. */
	static const char *const odd[] = { "354 go on", "334 dGVzdA==",
	    "399 3.0.0 odd" };
	struct reply	 rp;
	size_t		 i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		setup();
		peer(&rp, odd[i]);
		cr_assert_eq(fate_from_reply(&r, FATE_AT_RCPT, &rp), -1);
		cr_assert_eq(r.fate, FATE_DEFERRED);
		cr_assert_eq(r.code, 451);
		cr_assert(strncmp(buf_str(r.reply), "451 4.5.0 ", 10) == 0,
		    "%s", buf_str(r.reply));
		reply_free(&rp);
		teardown();
	}
	setup();
	/* 2xx to DATA is out of place too: only a refusal counts there. */
	peer(&rp, "250 2.0.0 what");
	cr_assert_eq(fate_from_reply(&r, FATE_AT_DATA, &rp), -1);
	cr_assert_eq(r.fate, FATE_DEFERRED);
	reply_free(&rp);
}

Test(fate, precedence)
{
	cr_assert_eq(fate_worse(FATE_PENDING, FATE_REFUSED), FATE_REFUSED);
	cr_assert_eq(fate_worse(FATE_REFUSED, FATE_DELIVERED),
	    FATE_DELIVERED);
	cr_assert_eq(fate_worse(FATE_DELIVERED, FATE_DEFERRED),
	    FATE_DEFERRED);
	cr_assert_eq(fate_worse(FATE_DEFERRED, FATE_REFUSED), FATE_DEFERRED);
	cr_assert_eq(fate_worse(FATE_ACCEPTED, FATE_REFUSED), FATE_ACCEPTED);
}

Test(fate, hold_only_what_nothing_reached)
{
	fate_set(&r, FATE_DISPOSED, 250, "2.0.0 Ok: held");
	fate_hold(&r, "4.3.0 later");
	cr_assert_eq(r.fate, FATE_DEFERRED);
	cr_assert_str_eq(buf_str(r.reply), "451 4.3.0 later");
	fate_set(&r, FATE_REFUSED, 554, "5.7.1 no");
	fate_hold(&r, "4.3.0 later");
	cr_assert_eq(r.fate, FATE_REFUSED);
}

Test(fate, a_reply_must_match_its_fate, .signal = SIGABRT)
{
	fate_set(&r, FATE_DELIVERED, 451, "4.3.0 wrong");
}

Test(fate, delivered_is_final, .signal = SIGABRT)
{
	fate_set(&r, FATE_DELIVERED, 250, "2.0.0 Ok");
	fate_set(&r, FATE_DEFERRED, 451, "4.3.0 too late");
}

Test(fate, lines_and_counts)
{
	struct rcpt	 v[3];
	size_t		 i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < 3; i++) {
		v[i].addr = "x@example.com";
		v[i].reply = buf_new(32);
	}
	fate_set_line(&v[0], FATE_REFUSED, "554 5.3.0 no");
	cr_assert_eq(v[0].code, 554);
	fate_set(&v[1], FATE_DISPOSED, 250, "2.0.0 dropped");
	cr_assert_eq(fate_count(v, 3, FATE_REFUSED), 1);
	cr_assert_eq(fate_first(v, 3, FATE_DELIVERED), &v[1]);
	cr_assert_null(fate_first(v, 3, FATE_DEFERRED));
	fate_reset(&v[0]);
	cr_assert_eq(v[0].fate, FATE_PENDING);
	cr_assert_eq(buf_len(v[0].reply), 0);
	for (i = 0; i < 3; i++)
		buf_free(v[i].reply);
}
