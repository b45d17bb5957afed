/*
 * squery.c - statistics for a period: buckets, totals, text, CSV, JSON
 *
 * A period is a list of buckets; each record of the store lands in the
 * bucket that holds its start time (a record is never split: the store's
 * resolutions are minute, hour and day, and a period's step is never
 * finer than the data of its age, except for ranges reaching back past
 * the minutes kept, which then show their hours in the first minute).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "status.h"
#include "xalloc.h"

/* stats */
#include "live.h"
#include "sjson.h"
#include "squery.h"
#include "sstore.h"
#include "svec.h"

static const char *const squery_step_names[] = {
	"minute", "hour", "day", "month"
};
static const char *const squery_by_names[] = {
	"status", "av", "action", "group", NULL
};
static const char *const squery_unit_names[] = {
	"messages", "recipients", "bytes", NULL
};

/* squery_floor - the start of the step that holds t */

static int64_t
squery_floor(int64_t t, int step)
{
	static const int64_t secs[] = { 60, 3600, 86400 };
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (step != SQ_MONTH)
		return (t - ((t % secs[step]) + secs[step]) % secs[step]);
	(void)gmtime_r(&tt, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return ((int64_t)timegm(&tm));
}

/* squery_next - the start of the step after the one starting at t */

static int64_t
squery_next(int64_t t, int step)
{
	static const int64_t secs[] = { 60, 3600, 86400 };
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (step != SQ_MONTH)
		return (t + secs[step]);
	(void)gmtime_r(&tt, &tm);
	tm.tm_mon++;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return ((int64_t)timegm(&tm));
}

/* squery_date - "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]"; *timed whether a
 * time was given; 0 or -1 */

static int
squery_date(const char *s, size_t len, int64_t *t_r, int *timed)
{
	char		 tmp[32], end;
	struct tm	 tm;
	int		 y, mo, d, h = 0, mi = 0, sec = 0, n;
	time_t		 t;

	if (len >= sizeof(tmp))
		return (-1);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	*timed = 0;
	if (sscanf(tmp, "%4d-%2d-%2d%c", &y, &mo, &d, &end) == 3 &&
	    len == 10) {
		;
	} else if ((n = sscanf(tmp, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d,
	    &h, &mi, &sec, &end)) == 6 && len == 19) {
		*timed = 1;
	} else if (sscanf(tmp, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi,
	    &end) == 5 && len == 16) {
		*timed = 1;
	} else {
		return (-1);
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (tm.tm_mday != d)		/* February 30th */
		return (-1);
	*t_r = (int64_t)t;
	return (0);
}

/* squery_range - FROM..TO */

static int
squery_range(const char *s, int64_t now, struct squery *q, struct buf *why)
{
	const char	*dots = strstr(s, "..");
	int64_t		 from, to, span;
	int		 timed;

	if (dots == NULL || squery_date(s, (size_t)(dots - s), &from,
	    &timed) < 0) {
		buf_printf(why, "unknown period \"%s\": day, week, month, "
		    "year, hour, or FROM..TO with YYYY-MM-DD[THH:MM] (UTC) and TO "
		    "perhaps \"now\"", s);
		return (-1);
	}
	if (strcmp(dots + 2, "now") == 0) {
		to = now;
	} else if (squery_date(dots + 2, strlen(dots + 2), &to, &timed) < 0) {
		buf_printf(why, "bad end of period \"%s\": YYYY-MM-DD, "
		    "YYYY-MM-DDTHH:MM or now", dots + 2);
		return (-1);
	} else if (!timed) {
		to += 86400;		/* a date is its whole day */
	}
	if (to <= from) {
		buf_printf(why, "period \"%s\" ends before it starts", s);
		return (-1);
	}
	span = to - from;
	q->step = span <= 3 * 3600 ? SQ_MINUTE : span <= 3 * 86400 ? SQ_HOUR :
	    span <= 100 * 86400 ? SQ_DAY : SQ_MONTH;
	q->from = squery_floor(from, q->step);
	q->to = squery_floor(to, q->step);
	if (q->to < to)
		q->to = squery_next(q->to, q->step);
	if (q->step == SQ_MONTH && (q->to - q->from) / (28 * 86400) >
	    SQUERY_MAX_BUCKETS) {
		buf_printf(why, "period \"%s\" is too long", s);
		return (-1);
	}
	return (0);
}

/* squery_period - parse a period */

int
squery_period(const char *s, int64_t now, struct squery *q, struct buf *why)
{
	int	 i;

	q->by = SQ_BY_STATUS;
	q->unit = SQ_MESSAGES;
	(void)snprintf(q->name, sizeof(q->name), "%s", s);
	if (strcmp(s, "hour") == 0 || strcmp(s, "day") == 0 ||
	    strcmp(s, "week") == 0 || strcmp(s, "month") == 0) {
		q->step = s[0] == 'h' ? SQ_MINUTE : s[0] == 'd' ? SQ_HOUR :
		    SQ_DAY;
		q->to = squery_next(squery_floor(now, q->step), q->step);
		q->from = q->to - (s[0] == 'h' ? 3600 : s[0] == 'd' ? 86400 :
		    s[0] == 'w' ? 7 * 86400 : 30 * 86400);
		return (0);
	}
	if (strcmp(s, "year") == 0) {
		q->step = SQ_MONTH;
		q->to = squery_next(squery_floor(now, SQ_MONTH), SQ_MONTH);
		q->from = squery_floor(now, SQ_MONTH);
		for (i = 0; i < 11; i++)
			q->from = squery_floor(q->from - 1, SQ_MONTH);
		return (0);
	}
	return (squery_range(s, now, q, why));
}

/* squery_name - an index into a NULL-terminated list of names */

static int
squery_name(const char *s, const char *const *names, const char *what,
    int *r, struct buf *why)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0) {
			*r = i;
			return (0);
		}
	buf_printf(why, "unknown %s \"%s\": one of", what, s);
	for (i = 0; names[i] != NULL; i++)
		buf_printf(why, "%s %s", i ? "," : "", names[i]);
	return (-1);
}

/* squery_by - a grouping */

int
squery_by(const char *s, int *by, struct buf *why)
{
	return (squery_name(s, squery_by_names, "grouping", by, why));
}

/* squery_unit - a unit */

int
squery_unit(const char *s, int *unit, struct buf *why)
{
	return (squery_name(s, squery_unit_names, "unit", unit, why));
}

struct squery_load {
	const struct squery *q;
	struct sseries	*ss;
};

/* squery_bucket - the bucket holding t, or -1 */

static long
squery_bucket(const struct sseries *ss, int64_t t)
{
	size_t	 lo = 0, hi = ss->n;

	if (ss->n == 0 || t < ss->t[0])
		return (-1);
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (ss->t[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return ((long)lo);
}

/* squery_add - counters at time t into their bucket and the total */

static void
squery_add(const struct squery *q, struct sseries *ss, int64_t t,
    const struct svec *v)
{
	long	 b;

	if (t < q->from || t >= q->to || (b = squery_bucket(ss, t)) < 0)
		return;
	if (ss->v[b] == NULL)
		ss->v[b] = svec_new();
	svec_merge(ss->v[b], v);
	svec_merge(ss->total, v);
}

/* squery_record - a store record */

static void
squery_record(int res, int64_t ts, const struct svec *v, void *arg)
{
	struct squery_load *ld = arg;

	(void)res;
	squery_add(ld->q, ld->ss, ts, v);
}

/* squery_clear - empty every bucket for another try */

static void
squery_clear(struct sseries *ss)
{
	size_t	 i;

	for (i = 0; i < ss->n; i++) {
		svec_free(ss->v[i]);
		ss->v[i] = NULL;
	}
	svec_reset(ss->total);
	buf_reset(ss->problems);
}

/* squery_run - the figures of a period */

struct sseries *
squery_run(const struct squery *q, const char *path, const struct live *l,
    struct buf *why)
{
	struct sseries	*ss = squery_series(q);
	struct squery_load ld = { q, ss };
	struct svec	*pending;
	uint64_t	 seq = 0;
	int		 tries;

	for (tries = 0; tries < 20; tries++) {
		squery_clear(ss);
		if (l != NULL)
			seq = live_begin_read(l);
		if (sstore_load(path, squery_record, &ld, ss->problems, why) !=
		    WN_OK) {
			squery_free(ss);
			return (NULL);
		}
		if (l == NULL)
			break;
		pending = svec_new();
		live_unflushed(l, pending);
		squery_add(q, ss, (int64_t)time(NULL), pending);
		svec_free(pending);
		if (live_end_read(l, seq))
			break;
	}
	return (ss);
}

/* squery_series - the empty buckets of a period */

struct sseries *
squery_series(const struct squery *q)
{
	struct sseries	*ss = xcalloc(1, sizeof(*ss));
	int64_t		 t;

	for (t = q->from; t < q->to && ss->n < SQUERY_MAX_BUCKETS;
	    t = squery_next(t, q->step))
		ss->n++;
	ss->t = xcalloc(ss->n + 1, sizeof(*ss->t));
	ss->v = xcalloc(ss->n + 1, sizeof(*ss->v));
	ss->n = 0;
	for (t = q->from; t < q->to && ss->n < SQUERY_MAX_BUCKETS;
	    t = squery_next(t, q->step))
		ss->t[ss->n++] = t;
	ss->total = svec_new();
	ss->problems = buf_new(64);
	return (ss);
}

/* squery_put - counters of a bucket starting at ts into the figures */

void
squery_put(const struct squery *q, struct sseries *ss, int64_t ts,
    const struct svec *v)
{
	squery_add(q, ss, ts, v);
}

/* squery_free - release the figures */

void
squery_free(struct sseries *ss)
{
	size_t	 i;

	if (ss == NULL)
		return;
	for (i = 0; i < ss->n; i++)
		svec_free(ss->v[i]);
	free(ss->v);
	free(ss->t);
	svec_free(ss->total);
	buf_free(ss->problems);
	free(ss);
}

/* squery_group_index - a group name's index in v, or -1 */

static int
squery_group_index(const struct svec *v, const char *name)
{
	unsigned int	 i;

	for (i = 0; i < svec_ngroups(v); i++)
		if (strcmp(svec_group_name(v, i), name) == 0)
			return ((int)i);
	return (-1);
}

/* squery_value - one column's figure in one vector */

static uint64_t
squery_value(const struct squery *q, const struct stable *tb, size_t col,
    const struct svec *v)
{
	unsigned int	 m = q->unit == SQ_MESSAGES ? SM_MSGS :
			    q->unit == SQ_RECIPIENTS ? SM_RCPTS : SM_BYTES;
	int		 g;

	if (v == NULL)
		return (0);
	switch (q->by) {
	case SQ_BY_STATUS:
		return (svec_sum(v, m, -1, (int)col, -1, -1));
	case SQ_BY_AV:
		return (svec_sum(v, m, -1, -1, (int)col, -1));
	case SQ_BY_ACTION:
		return (svec_sum(v, m, -1, -1, -1, (int)col));
	}
	if ((g = squery_group_index(v, tb->cols[col])) < 0)
		return (0);
	return (svec_sum(v, m, g, -1, -1, -1));
}

/* squery_cmpstr - for sorting group names */

static int
squery_cmpstr(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* squery_columns - the columns of a grouping */

static void
squery_columns(const struct squery *q, const struct sseries *ss,
    struct stable *tb)
{
	unsigned int	 i, n;

	n = q->by == SQ_BY_STATUS ? SSPAM_N : q->by == SQ_BY_AV ? SAV_N :
	    q->by == SQ_BY_ACTION ? SACTION_N : svec_ngroups(ss->total);
	tb->cols = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		tb->cols[i] = xstrdup(q->by == SQ_BY_STATUS ?
		    svec_spam_name(i) : q->by == SQ_BY_AV ? svec_av_name(i) :
		    q->by == SQ_BY_ACTION ? svec_action_name(i) :
		    svec_group_name(ss->total, i));
	tb->ncols = n;
	if (q->by == SQ_BY_GROUP)
		qsort(tb->cols, n, sizeof(char *), squery_cmpstr);
}

/* squery_table - the figures as a table */

struct stable *
squery_table(const struct squery *q, const struct sseries *ss)
{
	struct stable	*tb = xcalloc(1, sizeof(*tb));
	size_t		 r, c;

	squery_columns(q, ss, tb);
	tb->nrows = ss->n;
	tb->t = xcalloc(ss->n + 1, sizeof(*tb->t));
	tb->cell = xcalloc(ss->n * tb->ncols + 1, sizeof(*tb->cell));
	tb->total = xcalloc(tb->ncols + 1, sizeof(*tb->total));
	tb->rowtotal = xcalloc(ss->n + 1, sizeof(*tb->rowtotal));
	for (r = 0; r < ss->n; r++) {
		tb->t[r] = ss->t[r];
		for (c = 0; c < tb->ncols; c++) {
			uint64_t x = squery_value(q, tb, c, ss->v[r]);

			tb->cell[r * tb->ncols + c] = x;
			tb->total[c] += x;
			tb->rowtotal[r] += x;
			tb->grand += x;
		}
	}
	tb->received = svec_sum(ss->total, SM_RECEIVED, -1, -1, -1, -1);
	return (tb);
}

/* squery_table_free - release a table */

void
squery_table_free(struct stable *tb)
{
	size_t	 i;

	if (tb == NULL)
		return;
	for (i = 0; i < tb->ncols; i++)
		free(tb->cols[i]);
	free(tb->cols);
	free(tb->t);
	free(tb->cell);
	free(tb->total);
	free(tb->rowtotal);
	free(tb);
}

/* squery_time - a bucket's time */

void
squery_time(int64_t t, int step, char *buf, size_t len)
{
	static const char *const fmt[] = {
		"%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d", "%Y-%m"
	};
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	(void)gmtime_r(&tt, &tm);
	(void)strftime(buf, len, fmt[step < 0 || step > SQ_MONTH ? 0 : step],
	    &tm);
}

/* squery_heading - what the figures are */

static void
squery_heading(const struct squery *q, struct buf *out)
{
	char	 a[32], b[32];

	squery_time(q->from, SQ_MINUTE, a, sizeof(a));
	squery_time(q->to, SQ_MINUTE, b, sizeof(b));
	buf_printf(out, "%s by %s, %s, per %s, %s to %s (UTC)",
	    squery_unit_names[q->unit], squery_by_names[q->by], q->name,
	    squery_step_names[q->step], a, b);
}

/* squery_text - the table for a terminal */

void
squery_text(const struct squery *q, const struct stable *tb, struct buf *out)
{
	char	 t[32];
	size_t	 r, c, w;
	int	 width[512];

	buf_puts(out, "winnow statistics: ");
	squery_heading(q, out);
	buf_printf(out, "\nmessages received: %llu\n\n",
	    (unsigned long long)tb->received);
	buf_printf(out, "%-17s", "time");
	for (c = 0; c < tb->ncols && c < 512; c++) {
		w = strlen(tb->cols[c]);
		width[c] = (int)(w < 8 ? 8 : w);
		buf_printf(out, " %*s", width[c], tb->cols[c]);
	}
	buf_printf(out, " %10s\n", "total");
	for (r = 0; r < tb->nrows; r++) {
		squery_time(tb->t[r], q->step, t, sizeof(t));
		buf_printf(out, "%-17s", t);
		for (c = 0; c < tb->ncols && c < 512; c++)
			buf_printf(out, " %*llu", width[c], (unsigned long long)
			    tb->cell[r * tb->ncols + c]);
		buf_printf(out, " %10llu\n",
		    (unsigned long long)tb->rowtotal[r]);
	}
	buf_printf(out, "%-17s", "total");
	for (c = 0; c < tb->ncols && c < 512; c++)
		buf_printf(out, " %*llu", width[c],
		    (unsigned long long)tb->total[c]);
	buf_printf(out, " %10llu\n", (unsigned long long)tb->grand);
}

/* squery_csv - the table as CSV (RFC 4180: names are quoted) */

void
squery_csv(const struct squery *q, const struct stable *tb, struct buf *out)
{
	char	 t[32];
	size_t	 r, c;
	const char *p;

	(void)q;
	buf_puts(out, "time");
	for (c = 0; c < tb->ncols; c++) {
		buf_puts(out, ",\"");
		for (p = tb->cols[c]; *p != '\0'; p++) {
			if (*p == '"')
				buf_putc(out, '"');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
	}
	buf_puts(out, ",total\r\n");
	for (r = 0; r < tb->nrows; r++) {
		squery_time(tb->t[r], q->step, t, sizeof(t));
		buf_puts(out, t);
		for (c = 0; c < tb->ncols; c++)
			buf_printf(out, ",%llu", (unsigned long long)
			    tb->cell[r * tb->ncols + c]);
		buf_printf(out, ",%llu\r\n",
		    (unsigned long long)tb->rowtotal[r]);
	}
	buf_puts(out, "total");
	for (c = 0; c < tb->ncols; c++)
		buf_printf(out, ",%llu", (unsigned long long)tb->total[c]);
	buf_printf(out, ",%llu\r\n", (unsigned long long)tb->grand);
}

/* squery_json - the table as JSON */

struct json_t *
squery_json(const struct squery *q, const struct stable *tb,
    const struct buf *problems)
{
	json_t		*o = json_object(), *cols = json_array();
	json_t		*tot = json_object(), *series = json_array(), *p;
	char		 t[32];
	const char	*s, *nl;
	size_t		 r, c;

	squery_time(q->from, SQ_MINUTE, t, sizeof(t));
	(void)json_object_set_new(o, "period", sjson_str(q->name));
	(void)json_object_set_new(o, "from", json_string(t));
	squery_time(q->to, SQ_MINUTE, t, sizeof(t));
	(void)json_object_set_new(o, "to", json_string(t));
	(void)json_object_set_new(o, "step",
	    json_string(squery_step_names[q->step]));
	(void)json_object_set_new(o, "by", json_string(squery_by_names[q->by]));
	(void)json_object_set_new(o, "unit",
	    json_string(squery_unit_names[q->unit]));
	for (c = 0; c < tb->ncols; c++) {
		(void)json_array_append_new(cols, sjson_str(tb->cols[c]));
		(void)json_object_set_new(tot, tb->cols[c],
		    sjson_u64(tb->total[c]));
	}
	(void)json_object_set_new(o, "columns", cols);
	(void)json_object_set_new(o, "totals", tot);
	(void)json_object_set_new(o, "total", sjson_u64(tb->grand));
	(void)json_object_set_new(o, "received", sjson_u64(tb->received));
	for (r = 0; r < tb->nrows; r++) {
		json_t *row = json_object(), *vals = json_object();

		squery_time(tb->t[r], q->step, t, sizeof(t));
		(void)json_object_set_new(row, "time", json_string(t));
		(void)json_object_set_new(row, "t", json_integer(tb->t[r]));
		for (c = 0; c < tb->ncols; c++)
			(void)json_object_set_new(vals, tb->cols[c],
			    sjson_u64(tb->cell[r * tb->ncols + c]));
		(void)json_object_set_new(row, "values", vals);
		(void)json_object_set_new(row, "total",
		    sjson_u64(tb->rowtotal[r]));
		(void)json_array_append_new(series, row);
	}
	(void)json_object_set_new(o, "series", series);
	p = json_array();
	for (s = problems ? buf_str(problems) : ""; *s != '\0'; ) {
		char	 line[1024];
		size_t	 len;

		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		(void)snprintf(line, sizeof(line), "%.*s", (int)len, s);
		(void)json_array_append_new(p, sjson_str(line));
		s += len + (nl != NULL);
	}
	(void)json_object_set_new(o, "problems", p);
	return (o);
}
