/*
 * notice.c - the messages we send after the reply: DSNs, notifications
 *
 * A DSN or a notification is decided before the upstream is answered and
 * sent after the answer, so it never delays it (a before-queue proxy may be
 * waiting).  When the program keeps a queue (winnowd: notice_init with the
 * spool directory), each is first written durably into spool_dir/outq
 * (spool/outq.h) and committed there once the answer has reached the
 * upstream; one that cannot be sent then is sent again by a child between
 * sessions (notice_retry), every retry interval, for up to the lifetime.
 * Without a queue (winnow-pipe) each is sent once, after the reply.
 *
 * A child serves one session at a time, so one list of pending messages
 * is enough.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/uio.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "outq.h"

/* smtp */
#include "fate.h"
#include "notice.h"
#include "submit.h"

/* One message to send after the reply. */
struct notice {
	char		 qid[20];
	char		*what;		/* for the log: "DSN", "admin
					 * notification (spam)" */
	char		**to;
	size_t		 nto;
	struct buf	*data;
	int		 eightbit;
	struct outq_item *queued;	/* its file in outq, or NULL */
};

static struct notice	*notice_list;
static size_t		 notice_n;
static int		 notice_keep;		/* keep them in outq */
static char		 notice_outq[PATH_MAX];	/* spool_dir/outq */
static unsigned int	 notice_retry_ms, notice_lifetime_ms;
static struct buf	*notice_why;
static void		(*notice_counter)(int retry, int rc);

/* notice_init - where to keep them (NULL: nowhere, send once) */

void
notice_init(const char *spool_dir, unsigned int retry_ms,
    unsigned int lifetime_ms)
{
	notice_keep = spool_dir != NULL;
	if (notice_keep)
		(void)snprintf(notice_outq, sizeof(notice_outq), "%s/outq",
		    spool_dir);
	notice_retry_ms = retry_ms;
	notice_lifetime_ms = lifetime_ms;
	if (notice_why == NULL)
		notice_why = buf_new(128);
}

/* notice_count - who hears of every send (statistics) */

void
notice_count(void (*fn)(int retry, int rc))
{
	notice_counter = fn;
}

/* notice_later - keep a message to send after the reply (takes data and
 * to); with a queue it is written into outq now and committed there once
 * the answer has reached the upstream */

int
notice_later(const char *qid, const char *what, char **to, size_t nto,
    struct buf *data, struct buf *why)
{
	struct notice *p;

	notice_list = xreallocarray(notice_list, notice_n + 1,
	    sizeof(*notice_list));
	p = &notice_list[notice_n++];
	(void)snprintf(p->qid, sizeof(p->qid), "%s", qid);
	p->what = xstrdup(what);
	p->to = to;
	p->nto = nto;
	p->data = data;
	p->eightbit = mem_has_8bit(data->data, buf_len(data));
	p->queued = NULL;
	if (!notice_keep)
		return (WN_OK);
	if (outq_put(notice_outq, qid, what, to, nto, data->data, buf_len(data),
	    p->eightbit, 0, &p->queued, why) != WN_OK)
		return (WN_TEMP);
	return (WN_OK);
}

/* notice_free_one - release one kept message */

static void
notice_free_one(struct notice *p)
{
	free(p->what);
	conf_list_free(p->to);
	buf_free(p->data);
}

/* notice_mark - where the list of kept messages ends now */

size_t
notice_mark(void)
{
	return (notice_n);
}

/* notice_cancel_from - take back what was kept since mark */

void
notice_cancel_from(size_t mark)
{
	while (notice_n > mark) {
		struct notice *p = &notice_list[--notice_n];

		log_debug("%s: %s to <%s> taken back: the message was not "
		    "accepted", p->qid, p->what, p->to[0]);
		outq_done(p->queued, 1);
		notice_free_one(p);
	}
}

/* notice_sent_log - what became of one of our own messages */

static void
notice_sent_log(const char *qid, const char *what, char *const *to, size_t nto,
    int rc, int kept, const struct buf *why)
{
	const char *more = nto > 1 ? ",..." : "";

	if (rc == WN_OK)
		log_info("%s: sent %s to <%s>%s", qid, what, to[0], more);
	else if (rc == WN_TEMP && kept)
		log_warn("%s: %s to <%s>%s not sent yet, kept for a retry "
		    "every %us: %s", qid, what, to[0], more,
		    notice_retry_ms / 1000, buf_str(why));
	else
		log_error("%s: %s to <%s>%s not sent: %s", qid, what, to[0],
		    more, buf_str(why));
}

/* pl_send - send one of our own messages and log what became of it.
 * When some recipients took it and others are to be tried again, a new
 * outq entry (made: the original's time) holds just those, so the first
 * never get it twice, and the result is WN_OK (the old entry is done).
 * *unreachable: nobody answered at all (the downstream is not there). */

static int
notice_send(const char *qid, const char *what, char *const *to, size_t nto,
    const char *data, size_t len, int eightbit, time_t made, int kept,
    int *unreachable)
{
	struct outq_item *rest = NULL;
	struct iovec	 seg;
	struct buf	*why = buf_new(256);
	char		**again;
	size_t		 i, nagain = 0, nanswered = 0;
	enum fate	*fates;
	int		 rc;

	seg.iov_base = (void *)data;
	seg.iov_len = len;
	fates = xcalloc(nto + 1, sizeof(*fates));
	again = xcalloc(nto + 1, sizeof(*again));
	rc = submit_message(qid, "", to, nto, &seg, 1, eightbit, fates,
	    why);
	for (i = 0; i < nto; i++) {
		if (fates[i] != FATE_PENDING)
			nanswered++;
		if (fates[i] != FATE_DELIVERED && fates[i] != FATE_REFUSED)
			again[nagain++] = to[i];
	}
	*unreachable = rc == WN_TEMP && nanswered == 0;
	if (rc == WN_TEMP && kept && nagain > 0 && nagain < nto) {
		if (outq_put(notice_outq, qid, what, again, nagain, data, len,
		    eightbit, made, &rest, notice_why) == WN_OK &&
		    outq_commit(rest, notice_why) == WN_OK) {
			log_warn("%s: %s sent to %zu of %zu recipients, kept "
			    "for a retry every %us for <%s>%s: %s", qid, what,
			    nto - nagain, nto, notice_retry_ms / 1000,
			    again[0], nagain > 1 ? ",..." : "", buf_str(why));
			outq_done(rest, 0);
			rc = WN_OK;
			goto out;
		}
		log_error("%s: %s: %s; it will go to every recipient again",
		    qid, what, buf_str(notice_why));
		buf_reset(notice_why);
		outq_done(rest, 1);
	}
	notice_sent_log(qid, what, to, nto, rc, kept, why);
out:
	free(again);
	free(fates);
	buf_free(why);
	return (rc);
}

/* The state of a pass over outq (notice_retry). */
struct notice_pass {
	const volatile sig_atomic_t *stop;	/* the child is asked to go */
	void		(*busy)(int);		/* tell the scoreboard */
	int		 busy_on;
};

/* notice_retry_one - send one queued message again */

static int
notice_retry_one(const struct outq_item *it, void *arg, int *end)
{
	struct notice_pass	*r = arg;
	time_t		 now = time(NULL);
	int		 rc, unreachable;

	if (*r->stop) {
		*end = 1;
		return (WN_TEMP);
	}
	if (now - it->made > (time_t)(notice_lifetime_ms / 1000)) {
		log_error("%s: %s to <%s>%s given up: not sent within "
		    "notice_lifetime (%us)", it->qid, it->what, it->to[0],
		    it->nto > 1 ? ",..." : "",
		    notice_lifetime_ms / 1000);
		return (WN_PERM);
	}
	if (!r->busy_on && r->busy != NULL) {
		r->busy(1);
		r->busy_on = 1;
	}
	rc = notice_send(it->qid, it->what, it->to, it->nto, it->data, it->len,
	    it->eightbit, it->made, 1, &unreachable);
	if (notice_counter != NULL)
		notice_counter(1, rc);
	if (unreachable)
		*end = 1;		/* the rest can wait for the next pass */
	return (rc);
}

/* notice_retry - between sessions: send what outq holds that is due;
 * returns the milliseconds until the next look */

unsigned int
notice_retry(const volatile sig_atomic_t *stop, void (*busy)(int))
{
	static uint64_t	 next;
	struct notice_pass	 r = { stop, busy, 0 };
	unsigned int	 every;
	uint64_t	 now = time_now_ms();
	struct buf	*why;

	/* Each file is tried every notice_retry (its mtime says when it was
	 * last); the children look a few times as often, at most every
	 * minute, and not all at once. */
	every = notice_retry_ms / 4;
	every = every < 1000 ? 1000 : every > 60000 ? 60000 : every;
	if (!notice_keep)
		return (60000);
	if (next == 0)
		next = now + 1000 + (uint64_t)(random() % 1000);
	if (now < next)
		return ((unsigned int)(next - now));
	why = buf_new(256);
	if (outq_each(notice_outq, notice_retry_ms / 1000, notice_retry_one,
	    &r, why) < 0)
		log_warn("outq: %s", buf_str(why));
	buf_free(why);
	if (r.busy_on)
		busy(0);
	next = time_now_ms() + every;
	return (every);
}

/* notice_after_reply - send the DSN and notifications of the message
 * (answered: the answer reached the upstream) */

void
notice_after_reply(int answered)
{
	struct notice *p;
	struct buf	*why = buf_new(256);
	size_t		 i;
	int		 rc, unreachable;

	for (i = 0; i < notice_n; i++) {
		p = &notice_list[i];
		buf_reset(why);
		if (!answered) {
			/* The upstream will send the message again. */
			log_info("%s: %s to <%s>%s not sent: the answer did "
			    "not reach the upstream", p->qid, p->what,
			    p->to[0], p->nto > 1 ? ",..." : "");
			outq_done(p->queued, 1);
		} else {
			if (p->queued != NULL &&
			    outq_commit(p->queued, why) != WN_OK) {
				log_error("%s: %s to <%s>: %s; sent once only, "
				    "not kept for a retry", p->qid, p->what,
				    p->to[0], buf_str(why));
				outq_done(p->queued, 1);
				p->queued = NULL;
			}
			rc = notice_send(p->qid, p->what, p->to, p->nto,
			    p->data->data, buf_len(p->data), p->eightbit,
			    p->queued != NULL ? p->queued->made : 0,
			    p->queued != NULL, &unreachable);
			if (notice_counter != NULL)
				notice_counter(0, rc);
			outq_done(p->queued, rc != WN_TEMP);
		}
		notice_free_one(p);
	}
	free(notice_list);
	notice_list = NULL;
	notice_n = 0;
	buf_free(why);
}

