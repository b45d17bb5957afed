/*
 * history.c - the ring of the last verdicts: add, walk, render
 *
 * The ring's memory and sequence numbers are the live file's (live.c);
 * this file owns what an entry means.  Texts in an entry are the
 * header-safe texts of the log line, so rendering them needs no escaping
 * beyond JSON's own.
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

/* stats */
#include "history.h"
#include "live.h"
#include "sjson.h"
#include "svec.h"

/* history_copy - text into a fixed field, cut with "..." */

void
history_copy(char *dst, size_t n, const char *src)
{
	size_t	 len = src != NULL ? strlen(src) : 0;

	if (n == 0)
		return;
	if (len < n) {
		memcpy(dst, src != NULL ? src : "", len);
		dst[len] = '\0';
		return;
	}
	memcpy(dst, src, n - 1);
	dst[n - 1] = '\0';
	if (n > 4)
		memcpy(dst + n - 4, "...", 3);
}

/* history_add - put a complete entry into the ring */

void
history_add(struct live *l, const struct history_entry *in)
{
	struct history_entry *e;
	uint64_t	 seq;

	if (l == NULL)
		return;
	e = live_hist_claim(l, &seq);
	/* everything but seq, which stays 0 until published */
	memcpy((char *)e + sizeof(e->seq), (const char *)in + sizeof(in->seq),
	    sizeof(*e) - sizeof(e->seq));
	live_hist_publish(e, seq);
}

/* history_filter_parse - a spam or AV status name */

int
history_filter_parse(const char *s, struct history_filter *f,
    struct buf *why)
{
	unsigned int	 i;

	f->spam = f->av = -1;
	if (s == NULL)
		return (0);
	for (i = 0; i < SSPAM_N; i++)
		if (strcmp(s, svec_spam_name(i)) == 0) {
			f->spam = (int)i;
			return (0);
		}
	for (i = 0; i < SAV_N; i++)
		if (strcmp(s, svec_av_name(i)) == 0) {
			f->av = (int)i;
			return (0);
		}
	buf_printf(why, "unknown status \"%s\": one of ", s);
	for (i = 0; i < SSPAM_N; i++)
		buf_printf(why, "%s, ", svec_spam_name(i));
	for (i = 0; i < SAV_N; i++)
		buf_printf(why, "%s%s", svec_av_name(i), i + 1 < SAV_N ?
		    ", " : "");
	return (-1);
}

/* history_match - whether an entry passes the filter */

static int
history_match(const struct history_entry *e, const struct history_filter *f)
{
	if (f == NULL)
		return (1);
	if (f->spam >= 0 && !(e->spam_mask & (1u << f->spam)))
		return (0);
	if (f->av >= 0 && !(e->av_mask & (1u << f->av)))
		return (0);
	return (1);
}

/* history_read - copy entry seq if it is whole and still that entry */

static int
history_read(const struct live *l, uint64_t seq, struct history_entry *out)
{
	const struct history_entry *e = live_hist_at(l, seq);
	uint64_t	 s1, s2;

	s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	if (s1 != seq)
		return (0);
	memcpy(out, (const void *)e, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	if (s2 != seq)
		return (0);
	/* the texts are ours, but a reader never trusts a NUL */
	out->qid[sizeof(out->qid) - 1] = '\0';
	out->upstream[sizeof(out->upstream) - 1] = '\0';
	out->client[sizeof(out->client) - 1] = '\0';
	out->sender[sizeof(out->sender) - 1] = '\0';
	out->rcpts[sizeof(out->rcpts) - 1] = '\0';
	out->statuses[sizeof(out->statuses) - 1] = '\0';
	out->actions[sizeof(out->actions) - 1] = '\0';
	out->checks[sizeof(out->checks) - 1] = '\0';
	out->reply[sizeof(out->reply) - 1] = '\0';
	return (1);
}

/* history_each - walk the kept entries from a number on */

uint64_t
history_each(const struct live *l, uint64_t from,
    const struct history_filter *f, history_fn *fn, void *arg)
{
	struct history_entry e;
	uint64_t	 next = live_hist_next(l), cap = live_hist_cap(l), seq;

	if (next > cap + 1 && from < next - cap)
		from = next - cap;
	if (from == 0)
		from = 1;
	for (seq = from; seq < next; seq++) {
		if (!history_read(l, seq, &e)) {
			/* Claimed but not yet published: look again next
			 * time, unless it is long overwritten. */
			if (next - seq < cap && seq + 64 > next)
				return (seq);
			continue;
		}
		if (history_match(&e, f))
			fn(&e, arg);
	}
	return (next);
}

/* history_time - an entry's time as ISO 8601 UTC */

static void
history_time(const struct history_entry *e, char *buf, size_t len)
{
	time_t		 t = (time_t)(e->time_ms / 1000);
	struct tm	 tm;

	(void)gmtime_r(&t, &tm);
	(void)strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* history_render_text - one entry as one line */

void
history_render_text(const struct history_entry *e, struct buf *out)
{
	char	 t[32];

	history_time(e, t, sizeof(t));
	buf_printf(out, "%s %s", t, e->qid);
	if (e->upstream[0] != '\0')
		buf_printf(out, " upstream=%s", e->upstream);
	buf_printf(out, " client=%s from=<%s> to=%s size=%u %s", e->client,
	    e->sender, e->rcpts, e->size, e->statuses);
	if (e->score10 != HISTORY_NO_SCORE)
		buf_printf(out, " score=%.1f", e->score10 / 10.0);
	buf_printf(out, " action=%s", e->actions);
	if (e->checks[0] != '\0')
		buf_printf(out, " checks=\"%s\"", e->checks);
	buf_printf(out, " %.3fs \"%s\"", e->duration_ms / 1000.0, e->reply);
}

/* history_json - one entry as a JSON object */

struct json_t *
history_json(const struct history_entry *e)
{
	json_t	*o = json_object();
	char	 t[32];

	history_time(e, t, sizeof(t));
	(void)json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	(void)json_object_set_new(o, "time", json_string(t));
	(void)json_object_set_new(o, "time_ms",
	    json_integer((json_int_t)e->time_ms));
	(void)json_object_set_new(o, "queue_id", sjson_str(e->qid));
	(void)json_object_set_new(o, "upstream_id", sjson_str(e->upstream));
	(void)json_object_set_new(o, "client", sjson_str(e->client));
	(void)json_object_set_new(o, "sender", sjson_str(e->sender));
	(void)json_object_set_new(o, "recipients", sjson_str(e->rcpts));
	(void)json_object_set_new(o, "nrcpt", json_integer(e->nrcpt));
	(void)json_object_set_new(o, "size", json_integer(e->size));
	(void)json_object_set_new(o, "statuses", sjson_str(e->statuses));
	(void)json_object_set_new(o, "score", e->score10 == HISTORY_NO_SCORE ?
	    json_null() : json_real(e->score10 / 10.0));
	(void)json_object_set_new(o, "checks", sjson_str(e->checks));
	(void)json_object_set_new(o, "action", sjson_str(e->actions));
	(void)json_object_set_new(o, "reply", sjson_str(e->reply));
	(void)json_object_set_new(o, "duration", json_real(e->duration_ms /
	    1000.0));
	return (o);
}
