/* test_history.c - unit tests for stats/history.c */

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "history.h"
#include "live.h"
#include "svec.h"

static struct live	*l;
static struct buf	*why;

static void
setup(void)
{
	why = buf_new(64);
	l = live_create(NULL, 8, (gid_t)-1, why);
}

static void
teardown(void)
{
	live_close(l, 0, NULL);
	buf_free(why);
}

TestSuite(history, .init = setup, .fini = teardown);

/* put - an entry with a queue id and a spam status */

static void
put(const char *qid, int spam)
{
	struct history_entry e;

	memset(&e, 0, sizeof(e));
	history_copy(e.qid, sizeof(e.qid), qid);
	history_copy(e.statuses, sizeof(e.statuses), "All=x");
	e.spam_mask = (uint16_t)(1u << spam);
	e.av_mask = 1;
	e.score10 = HISTORY_NO_SCORE;
	history_add(l, &e);
}

struct got {
	char	 qids[64][24];
	int	 n;
};

static void
collect(const struct history_entry *e, void *arg)
{
	struct got *g = arg;

	(void)snprintf(g->qids[g->n++], 24, "%s", e->qid);
}

Test(history, copy_cuts_with_dots)
{
	char	 f[8];

	history_copy(f, sizeof(f), "abc");
	cr_assert_str_eq(f, "abc");
	history_copy(f, sizeof(f), "abcdefghij");
	cr_assert_str_eq(f, "abcd...");
	history_copy(f, sizeof(f), NULL);
	cr_assert_str_eq(f, "");
}

Test(history, ring_keeps_the_last_and_follows)
{
	struct got	 g = { .n = 0 };
	char		 q[16];
	uint64_t	 next;
	int		 i;

	for (i = 1; i <= 11; i++) {
		(void)snprintf(q, sizeof(q), "Q%d", i);
		put(q, 2);
	}
	next = history_each(l, 0, NULL, collect, &g);
	cr_assert_eq(g.n, 8);
	cr_assert_str_eq(g.qids[0], "Q4");
	cr_assert_str_eq(g.qids[7], "Q11");
	cr_assert_eq(next, 12);
	g.n = 0;
	put("Q12", 0);
	next = history_each(l, next, NULL, collect, &g);
	cr_assert_eq(g.n, 1);
	cr_assert_str_eq(g.qids[0], "Q12");
	cr_assert_eq(next, 13);
}

Test(history, filter_by_status)
{
	struct history_filter f;
	struct got	 g = { .n = 0 };

	put("A", 2);
	put("B", 0);
	put("C", 2);
	cr_assert_eq(history_filter_parse("spam", &f, why), 0);
	(void)history_each(l, 0, &f, collect, &g);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.qids[1], "C");
	cr_assert_eq(history_filter_parse("clean", &f, why), 0);
	cr_assert_eq(f.av, 1);
	cr_assert_eq(history_filter_parse("spammy", &f, why), -1);
	cr_assert(strstr(buf_str(why), "probable-spam") != NULL);
}

Test(history, a_half_written_entry_is_not_shown)
{
	struct history_entry *e;
	struct got	 g = { .n = 0 };
	uint64_t	 seq, next;

	put("A", 0);
	e = live_hist_claim(l, &seq);	/* claimed, never published */
	(void)e;
	put("C", 0);
	next = history_each(l, 0, NULL, collect, &g);
	cr_assert_eq(g.n, 1, "only A before the hole");
	cr_assert_str_eq(g.qids[0], "A");
	cr_assert_eq(next, seq, "asks again from the hole");
}

Test(history, concurrent_writers_lose_nothing)
{
	struct live	*big = live_create(NULL, 4000, (gid_t)-1, why);
	struct history_entry e;
	struct got	 g;
	pid_t		 pid[3];
	int		 i, k, st;

	for (i = 0; i < 3; i++) {
		if ((pid[i] = fork()) == 0) {
			memset(&e, 0, sizeof(e));
			for (k = 0; k < 1000; k++) {
				(void)snprintf(e.qid, sizeof(e.qid), "%d-%d",
				    i, k);
				history_add(big, &e);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 3; i++)
		cr_assert_eq(waitpid(pid[i], &st, 0), pid[i]);
	cr_assert_eq(live_hist_next(big), 3001);
	g.n = 0;
	live_close(l, 0, NULL);
	l = big;	/* teardown closes it */
	(void)history_each(big, 2990, NULL, collect, &g);
	cr_assert_eq(g.n, 11);
}

Test(history, render)
{
	struct history_entry e;
	struct buf	*b = buf_new(256);
	json_t		*j;

	memset(&e, 0, sizeof(e));
	e.time_ms = 1700000000123LL;
	e.size = 1234;
	e.score10 = -12;
	e.duration_ms = 1500;
	history_copy(e.qid, sizeof(e.qid), "ABC");
	history_copy(e.sender, sizeof(e.sender), "s@x");
	history_copy(e.rcpts, sizeof(e.rcpts), "r@y");
	history_copy(e.statuses, sizeof(e.statuses), "All=spam");
	history_copy(e.actions, sizeof(e.actions), "quarantine");
	history_copy(e.checks, sizeof(e.checks), "rules=none");
	history_copy(e.reply, sizeof(e.reply), "250 ok");
	history_render_text(&e, b);
	cr_assert_str_eq(buf_str(b), "2023-11-14T22:13:20Z ABC client= "
	    "from=<s@x> to=r@y size=1234 All=spam score=-1.2 "
	    "action=quarantine checks=\"rules=none\" 1.500s \"250 ok\"");
	j = history_json(&e);
	cr_assert_eq(json_integer_value(json_object_get(j, "size")), 1234);
	cr_assert_str_eq(json_string_value(json_object_get(j, "action")),
	    "quarantine");
	json_decref(j);
	buf_free(b);
}
