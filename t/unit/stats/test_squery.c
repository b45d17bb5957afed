/* test_squery.c - unit tests for stats/squery.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "live.h"
#include "squery.h"
#include "sstore.h"
#include "status.h"
#include "svec.h"
#include "testutil.h"

static struct buf	*why;
static char		 path[512];
/* 2024-05-15 10:30:00 UTC */
static const int64_t	 now = 1715769000;

static void
setup(void)
{
	why = buf_new(64);
	(void)snprintf(path, sizeof(path), "%s/store", tu_tmpdir());
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(squery, .init = setup, .fini = teardown);

Test(squery, the_named_periods)
{
	struct squery	 q;
	char		 t[32];

	cr_assert_eq(squery_period("day", now, &q, why), 0);
	cr_assert_eq(q.step, SQ_HOUR);
	cr_assert_eq(q.to - q.from, 86400);
	squery_time(q.to, SQ_MINUTE, t, sizeof(t));
	cr_assert_str_eq(t, "2024-05-15T11:00Z");
	cr_assert_eq(squery_period("hour", now, &q, why), 0);
	cr_assert_eq(q.step, SQ_MINUTE);
	cr_assert_eq(q.to, now - now % 60 + 60);
	cr_assert_eq(squery_period("week", now, &q, why), 0);
	cr_assert_eq(q.step, SQ_DAY);
	cr_assert_eq(q.to - q.from, 7 * 86400);
	cr_assert_eq(squery_period("month", now, &q, why), 0);
	cr_assert_eq(q.to - q.from, 30 * 86400);
	cr_assert_eq(squery_period("year", now, &q, why), 0);
	cr_assert_eq(q.step, SQ_MONTH);
	squery_time(q.from, SQ_MONTH, t, sizeof(t));
	cr_assert_str_eq(t, "2023-06");
	squery_time(q.to, SQ_MONTH, t, sizeof(t));
	cr_assert_str_eq(t, "2024-06");
}

Test(squery, ranges)
{
	struct squery	 q;

	cr_assert_eq(squery_period("2024-05-01..2024-05-07", now, &q, why), 0,
	    "%s", buf_str(why));
	cr_assert_eq(q.step, SQ_DAY);
	cr_assert_eq(q.to - q.from, 7 * 86400, "a date is its whole day");
	cr_assert_eq(squery_period("2024-05-15T09:00..now", now, &q, why), 0);
	cr_assert_eq(q.step, SQ_MINUTE);
	cr_assert_eq(squery_period("2024-05-14T00:00..2024-05-15T12:00", now,
	    &q, why), 0);
	cr_assert_eq(q.step, SQ_HOUR);
	cr_assert_eq(squery_period("2020-01-01..2024-05-01", now, &q, why), 0);
	cr_assert_eq(q.step, SQ_MONTH);
}

Test(squery, bad_periods_say_what_is_wanted)
{
	struct squery	 q;
	const char	*bad[] = {
		"fortnight", "", "2024-05-01", "2024-13-01..now",
		"2024-02-30..now", "2024-05-07..2024-05-01", "2024-05-01..soon",
		"2024-05-01T25:00..now", "1969-12-31..now",
		"2024-05-01T10:00:00x..now", NULL
	};
	int		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(squery_period(bad[i], now, &q, why), -1, "%s",
		    bad[i]);
		cr_assert(buf_len(why) > 0);
	}
	buf_reset(why);
	(void)squery_period("fortnight", now, &q, why);
	cr_assert(strstr(buf_str(why), "day, week, month, year") != NULL);
	cr_assert_eq(squery_by("colour", &i, why), -1);
	cr_assert_eq(squery_unit("kg", &i, why), -1);
	cr_assert_eq(squery_by("group", &i, why), 0);
	cr_assert_eq(i, SQ_BY_GROUP);
	cr_assert_eq(squery_unit("bytes", &i, why), 0);
	cr_assert_eq(i, SQ_BYTES);
}

/* cell - add n messages of (group, spam, av, action) at t */

static void
cell(int64_t t, const char *group, int spam, int av, int act, uint64_t n)
{
	struct svec	*v = svec_new();
	unsigned int	 g = svec_group(v, group);

	svec_add(v, SKEY_CELL(SM_MSGS, g, spam, av, act), n);
	svec_add(v, SKEY_CELL(SM_RCPTS, g, spam, av, act), 2 * n);
	svec_add(v, SKEY_CELL(SM_BYTES, g, spam, av, act), 1000 * n);
	svec_add(v, SKEY(SM_RECEIVED, 0, 0, 0), n);
	cr_assert_eq(sstore_append(path, SRES_MINUTE, t, v, why), WN_OK);
	svec_free(v);
}

Test(squery, buckets_totals_and_the_live_part)
{
	struct squery	 q;
	struct sseries	*ss;
	struct stable	*tb;
	struct live	*l = live_create(NULL, 10, (gid_t)-1, why);
	int64_t		 t = (int64_t)time(NULL), h = t - t % 3600;

	cell(h - 3 * 3600 + 5, "sales", 2, 0, 5, 3);	/* spam */
	cell(h - 3 * 3600 + 65, "All", 0, 1, 0, 4);
	cell(t - 2 * 86400, "All", 2, 0, 0, 100);	/* out of the day */
	live_add(l, SKEY_CELL(SM_MSGS, live_group(l, "All"), 2, 0, 0), 5);
	cr_assert_eq(squery_period("day", t, &q, why), 0);
	ss = squery_run(&q, path, l, why);
	cr_assert_not_null(ss, "%s", buf_str(why));
	cr_assert_eq(ss->n, 24);
	tb = squery_table(&q, ss);
	cr_assert_eq(tb->ncols, SSPAM_N);
	cr_assert_str_eq(tb->cols[2], "spam");
	cr_assert_eq(tb->total[2], 8);
	cr_assert_eq(tb->total[0], 4);
	cr_assert_eq(tb->grand, 12);
	cr_assert_eq(tb->received, 7);
	cr_assert_eq(tb->rowtotal[23], 5, "the live part is now");
	cr_assert_eq(tb->rowtotal[20], 7);
	squery_table_free(tb);
	q.by = SQ_BY_GROUP;
	q.unit = SQ_BYTES;
	tb = squery_table(&q, ss);
	cr_assert_eq(tb->ncols, 2);
	cr_assert_str_eq(tb->cols[0], "All");
	cr_assert_str_eq(tb->cols[1], "sales");
	cr_assert_eq(tb->total[1], 3000);
	cr_assert_eq(tb->total[0], 4000, "the live part has no bytes");
	squery_table_free(tb);
	q.by = SQ_BY_ACTION;
	q.unit = SQ_RECIPIENTS;
	tb = squery_table(&q, ss);
	cr_assert_str_eq(tb->cols[5], "quarantine");
	cr_assert_eq(tb->total[5], 6);
	squery_table_free(tb);
	squery_free(ss);
	live_close(l, 0, NULL);
}

Test(squery, renderings)
{
	struct squery	 q;
	struct sseries	*ss;
	struct stable	*tb;
	struct buf	*out = buf_new(1024);
	int64_t		 t = (int64_t)time(NULL);
	json_t		*j;

	cell(t, "All", 2, 0, 0, 9);
	cr_assert_eq(squery_period("hour", t, &q, why), 0);
	ss = squery_run(&q, path, NULL, why);
	tb = squery_table(&q, ss);
	squery_text(&q, tb, out);
	cr_assert(strstr(buf_str(out), "messages by status, hour, per minute")
	    != NULL, "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "messages received: 9") != NULL);
	buf_reset(out);
	squery_csv(&q, tb, out);
	cr_assert(strncmp(buf_str(out), "time,\"not-detected\",\"probable-"
	    "spam\",\"spam\",", 40) == 0, "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "\r\ntotal,0,0,9,0,0,0,0,9\r\n") !=
	    NULL, "%s", buf_str(out));
	j = squery_json(&q, tb, ss->problems);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j,
	    "totals"), "spam")), 9);
	cr_assert_eq(json_array_size(json_object_get(j, "series")), 60);
	cr_assert_eq(json_array_size(json_object_get(j, "problems")), 0);
	json_decref(j);
	squery_table_free(tb);
	squery_free(ss);
	buf_free(out);
}

Test(squery, damaged_store_still_answers)
{
	struct squery	 q;
	struct sseries	*ss;
	struct stable	*tb;
	FILE		*fp;
	json_t		*j;
	int64_t		 t = (int64_t)time(NULL);

	cell(t, "All", 0, 0, 0, 2);
	fp = fopen(path, "a");
	(void)fputs("WNS1 scribbled over", fp);
	(void)fclose(fp);
	cell(t, "All", 0, 0, 0, 3);
	cr_assert_eq(squery_period("day", t, &q, why), 0);
	ss = squery_run(&q, path, NULL, why);
	cr_assert_not_null(ss);
	tb = squery_table(&q, ss);
	cr_assert_eq(tb->grand, 5);
	j = squery_json(&q, tb, ss->problems);
	cr_assert_eq(json_array_size(json_object_get(j, "problems")), 1);
	cr_assert(strstr(json_string_value(json_array_get(json_object_get(j,
	    "problems"), 0)), path) != NULL);
	json_decref(j);
	squery_table_free(tb);
	squery_free(ss);
}
