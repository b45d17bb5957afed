/*
 * avcheck.c - the check of one message: handed to the scan process at
 * start, its findings taken at finish
 *
 * av_check_start() looks the message up in the memory of messages that hit
 * a limit, and otherwise hands it to this child's scan process (avhelp.c)
 * and returns at once: the scan runs in that process, on another core,
 * while the child parses and classifies the message and waits for its
 * DNS answers.  av_check_finish() waits for the scan's records (at most
 * until max_scan_time + kill_grace), remembers a message that hit a limit
 * and logs what the scan cost.  av_check_opts() is the two in a row.
 *
 * Between the two the view (the message bytes, its index) must stay as
 * it is, and no other check of this process may start: the scan process
 * reads the message from the one memfd the child writes it to.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"
#include "av_private.h"

/* A check under way: what finish needs of what start did. */
struct av_pending {
	const struct msg_view *v;
	const struct av_engine *e;
	struct avhelp_job job;
	struct buf	*why;		/* start's reasons, for finish */
	unsigned char	 key[AVCACHE_KEY];
	int		 keyed;		/* key is the message's */
	int		 idle;		/* nothing to scan: no engine, no
					 * filter */
	int		 recalled;	/* answered by the memory of limits */
	char		 names[AVCACHE_NAMES];	/* what it answered */
	uint64_t	 now, deadline;	/* ms */
};

/* av_check - the check with the [av] options */

int
av_check(const struct msg_view *v, struct findings *f, struct buf *why)
{
	return (av_check_opts(v, av_opts_default(), f, why));
}

/* av_check_opts - walk, filter and scan one message */

int
av_check_opts(const struct msg_view *v, const struct av_opts *o,
    struct findings *f, struct buf *why)
{
	return (av_check_finish(av_check_start(v, o, why), f, why));
}

/* avcheck_trace_len - the trace fields in front of a message (Received:,
 * Return-Path:, Delivered-To:, X-Original-To:), which a retry through a
 * before-queue proxy carries anew */

static size_t
avcheck_trace_len(const char *p, size_t len)
{
	static const char *const names[] = { "received:", "return-path:",
	    "delivered-to:", "x-original-to:", NULL };
	size_t		 pos = 0, n, i;
	const char	*nl;

	for (;;) {
		for (i = 0; names[i] != NULL; i++) {
			n = strlen(names[i]);
			if (len - pos >= n && strncasecmp(p + pos, names[i],
			    n) == 0)
				break;
		}
		if (names[i] == NULL)
			return (pos);
		do {			/* the field and its continuations */
			if ((nl = memchr(p + pos, '\n', len - pos)) == NULL)
				return (pos);
			pos = (size_t)(nl - p) + 1;
		} while (pos < len && (p[pos] == ' ' || p[pos] == '\t'));
	}
}

/* avcheck_key - the key of a message in the memory of limit hits: its
 * digest after the trace fields, and the mode; -1 when there is none */

static int
avcheck_key(const struct msg_view *v, const struct av_opts *o,
    unsigned char key[AVCACHE_KEY])
{
	size_t	 skip;

	if (!avcache_on() || avconf.limit_memory == 0)
		return (-1);
	skip = avcheck_trace_len(v->data, v->len);
	if (avcache_digest(v->data + skip, v->len - skip, key) < 0)
		return (-1);
	key[AVCACHE_KEY - 1] ^= (unsigned char)(o->mode + 1);
	return (0);
}

/* avcheck_recall - a message that hit a limit before: 1 with the names it
 * got then in names (one a line), so it is answered without a scan */

static int
avcheck_recall(const unsigned char *key, uint64_t epoch,
    char names[AVCACHE_NAMES])
{
	return (avcache_get(AVCACHE_LIMIT, epoch, key, names, AVCACHE_NAMES)
	    && names[0] != '\0');
}

/* avcheck_recalled - the names a recalled message got, as its findings */

static void
avcheck_recalled(char *names, struct findings *f)
{
	char	*p, *nl;

	f->av_state = CHECK_DONE;
	for (p = names; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		avscan_remembered(f, p);
	}
}

/* avcheck_remember - keep a message that hit a scan or time limit (and
 * nothing worse: a virus, a crash) for a retry; a time limit only when the scan
 * had all of max_scan_time (not a message deadline that was shorter: that
 * one depends on how long the rest of the message took) */

static void
avcheck_remember(const unsigned char *key, uint64_t epoch,
    const struct findings *f, int full_time)
{
	const struct finding_item *it;
	struct buf	*names;
	unsigned int	 i, kept;

	if ((f->av != AV_LIMIT && f->av != AV_ERROR) ||
	    (f->av_state != CHECK_LIMIT && f->av_state != CHECK_TIMEOUT) ||
	    (f->av_state == CHECK_TIMEOUT && !full_time))
		return;
	names = buf_new(AVCACHE_NAMES);
	kept = f->viruses.count < FINDINGS_MAX_ITEMS ? f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	for (i = 0; i < kept; i++) {
		it = &f->viruses.item[i];
		if ((it->weight == (int)AV_LIMIT || it->weight ==
		    (int)AV_ERROR) && (strncmp(it->name, "Heuristics.Limits.",
		    18) == 0 || strncmp(it->name, "Winnow.Limits.", 14) == 0) &&
		    strstr(buf_str(names), it->name) == NULL)
			buf_printf(names, "%s\n", it->name);
	}
	if (buf_len(names) > 0)
		avcache_put(AVCACHE_LIMIT, epoch, key, buf_str(names),
		    avconf.limit_memory);
	buf_free(names);
}

/* av_last_stats - what the last check cost */

void
av_last_stats(struct av_scan_stats *s)
{
	*s = avscan_last;
}

/* av_check_start - hand the message to the scan process; never NULL */

struct av_pending *
av_check_start(const struct msg_view *v, const struct av_opts *o,
    struct buf *why)
{
	static const struct av_engine none;
	struct av_pending *p = xcalloc(1, sizeof(*p));
	struct avmime	*parts;

	(void)why;
	p->v = v;
	p->e = av_engine_current() != NULL ? av_engine_current() : &none;
	p->why = buf_new(64);
	if (o == NULL)
		o = av_opts_default();
	if (p->e->cl == NULL && !avfilt_active(o)) {
		p->idle = 1;
		return (p);
	}
	av_tmp_make();
	p->now = time_now_ms();
	p->deadline = p->now + avconf.max_scan_time;
	if (v->deadline_ms != 0 && v->deadline_ms < p->deadline)
		p->deadline = v->deadline_ms;
	p->keyed = p->e->cl != NULL && avcheck_key(v, o, p->key) == 0;
	if (p->keyed && avcheck_recall(p->key, avscan_epoch(p->e), p->names)) {
		p->recalled = 1;
		return (p);
	}
	parts = avmime_view(v);
	(void)avhelp_begin(v, parts, o, p->e, p->deadline, p->deadline +
	    avconf.kill_grace, &p->job, p->why);
	avmime_free(parts);
	return (p);
}

/* av_check_finish - the scan's findings, once it has ended; frees p */

int
av_check_finish(struct av_pending *p, struct findings *f, struct buf *why)
{
	const struct msg_view *v = p->v;
	const char	*qid = v->queue_id != NULL ? v->queue_id : "-";
	uint64_t	 waited = time_now_ms();

	avscan_reset(f);
	memset(&avscan_last, 0, sizeof(avscan_last));
	buf_append(why, buf_str(p->why), buf_len(p->why));
	if (p->idle)
		goto out;
	if (p->recalled) {
		avcheck_recalled(p->names, f);
		avscan_last.remembered = 1;
		avscan_finish(f);
		avscan_error_why(f, why);
		buf_puts(why, "; the same message hit it before: answered "
		    "without a scan ([av] limit_memory)");
		log_debug("av: %s: limit remembered, not scanned again", qid);
		goto out;
	}
	avhelp_end(&p->job, f, why);
	av_tmp_clean();
	avscan_finish(f);
	if (p->keyed)
		avcheck_remember(p->key, avscan_epoch(p->e), f, p->deadline ==
		    p->now + avconf.max_scan_time);
	avscan_error_why(f, why);
	avscan_last.ms = (unsigned int)(time_now_ms() - p->now);
	log_debug("av: %s: %u objects scanned (%u handed to libclamav, %u "
	    "from the verdict cache) in %u ms (%u ms waited for)", qid,
	    avscan_last.objects, avscan_last.scans, avscan_last.hits,
	    avscan_last.ms, (unsigned int)(time_now_ms() - waited));
	if (p->e->cl == NULL && f->av == AV_CLEAN)
		f->av = AV_NOT_SCANNED;	/* only the attachment filter ran */
out:
	buf_free(p->why);
	free(p);
	return (WN_OK);
}
