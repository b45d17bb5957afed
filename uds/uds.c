/*
 * uds.c - the UDS check of one message, and the tools' requests
 *
 * uds_start() signs the message (uds_sig.h) and sends one CHECK with all
 * its items; uds_finish() takes the answer and turns it into points:
 *
 *	text, exact digest		max_points
 *	text, V of 32 shingles		max_points * V / 16, at most max_points
 *					(the server answers HIT only from its
 *					vote threshold on, 8 by default)
 *	attachment or image digest	max_points
 *	link domain set			max_points / 2, only when the text is
 *					too short for a text item: on the
 *					development corpus 19 ham messages
 *					shared a spam's link set, none of them
 *					with fewer than UDS_MIN_WORDS words
 *
 * The message's uds_score is the largest of these; a text the store holds
 * as ham-confirmed makes it 0 whatever else matched (the transactional
 * mail that shares a spam's pictures or links).  Items reported fewer
 * times than the server's threshold (BELOW) count nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* uds */
#include "uds.h"
#include "uds_private.h"
#include "uds_sig.h"

#define UDS_FULL_VOTES	(UDS_SHINGLES / 2)	/* votes worth max_points */

struct uds_run {
	const char	*qid;
	struct uds_sigset set;
	struct uds_xchg	 x;
	int		 sent;
	uint64_t	 start_ms;
	uint64_t	 deadline_ms;
};

/* A run that does nothing: [uds] enable = no. */
static struct uds_run	 uds_off;

/* uds_parts - an item per attachment and image: every leaf part that is
 * not text (content/ decoded those into the text), its body decoded by
 * its transfer encoding, the first UDS_PART_MAX bytes of it */

static void
uds_parts(const struct mail *m, struct uds_sigset *set)
{
	struct buf	*b = buf_new(8192);
	unsigned int	 i;

	for (i = 0; i < m->nparts && set->nitems < UDS_WIRE_MAX_ITEMS; i++) {
		const struct mail_part *p = &m->part[i];

		if (!(p->flags & MAIL_PART_LEAF) ||
		    strcmp(p->type, "text") == 0)
			continue;
		buf_reset(b);
		(void)maildec_part(m, i, b, UDS_PART_MAX);
		(void)uds_sig_part(uds_state->sigkey, set,
		    strcmp(p->type, "image") == 0 ? UDS_KIND_IMAGE :
		    UDS_KIND_ATTACH, b->data, buf_len(b));
	}
	buf_free(b);
}

/* uds_message_sigs - the items of a message: its text and links, its
 * attachments and images (from the view's message index, or one made
 * here for a view without: tools and tests) */

void
uds_message_sigs(const struct msg_view *v, struct uds_sigset *set)
{
	struct mail	*own = NULL;
	const struct mail *m = v->mail;

	uds_sigset_init(set);
	if (uds_state == NULL)
		return;
	uds_sig_text(uds_state->sigkey, set, v->text, v->text_len);
	if (m == NULL && v->data != NULL)
		m = own = mail_new(v->data, v->len, NULL);
	if (m != NULL)
		uds_parts(m, set);
	mail_free(own);
}

/* uds_req_of - a request for the items of a set */

static void
uds_req_of(struct uds_req *q, unsigned int op, const struct uds_sigset *set)
{
	memset(q, 0, sizeof(*q));
	q->op = (uint8_t)op;
	if (set != NULL) {
		q->nitems = (uint8_t)set->nitems;
		memcpy(q->item, set->item, set->nitems * sizeof(q->item[0]));
	}
}

/* uds_start - sign and send */

struct uds_run *
uds_start(const struct msg_view *v, struct buf *why)
{
	struct uds_run	*run;
	struct uds_req	 q;
	uint64_t	 now = time_now_ms();
	int		 rc;

	if (!uds_enabled())
		return (&uds_off);
	run = xcalloc(1, sizeof(*run));
	run->qid = v->queue_id;
	run->start_ms = now;
	run->deadline_ms = now + uds_conf.timeout_ms;
	if (v->deadline_ms > 0 && v->deadline_ms < run->deadline_ms)
		run->deadline_ms = v->deadline_ms;
	uds_message_sigs(v, &run->set);
	if (run->set.nitems == 0)
		return (run);		/* nothing to ask: uds=none */
	uds_req_of(&q, UDS_OP_CHECK, &run->set);
	rc = uds_xchg_start(&run->x, uds_state->servers, &q, NULL,
	    uds_conf.server_timeout_ms, uds_conf.reprobe_ms, why);
	if (rc == WN_PERM) {
		free(run);
		return (NULL);
	}
	run->sent = 1;		/* on WN_TEMP no server took it: timeout */
	return (run);
}

/* uds_points - an item's points from its result */

static unsigned int
uds_points(const struct uds_item *it, const struct uds_res *r,
    unsigned int max, int short_text, char *detail, size_t dlen)
{
	unsigned int	 p;

	detail[0] = '\0';
	if (r->result != UDS_R_HIT)
		return (0);
	if (it->kind == UDS_KIND_LINKS)
		return (short_text ? (max + 1) / 2 : 0);
	if (it->kind != UDS_KIND_TEXT || r->votes == UDS_VOTES_EXACT) {
		(void)snprintf(detail, dlen, "exact");
		return (max);
	}
	(void)snprintf(detail, dlen, "%u of %d", r->votes, UDS_SHINGLES);
	p = (unsigned int)((max * (unsigned long)r->votes +
	    UDS_FULL_VOTES - 1) / UDS_FULL_VOTES);
	return (p > max ? max : p);
}

/* uds_score - the findings of an answer */

void
uds_score(const struct uds_sigset *set, const struct uds_reply *a,
    unsigned int max, struct findings *f)
{
	char		 detail[FINDINGS_NAME_MAX];
	unsigned int	 i, p, best = 0, n;
	int		 ham = 0, unknown = 0;
	int		 short_text;

	f->uds_state = CHECK_DONE;
	short_text = uds_sigset_find(set, UDS_KIND_TEXT) == NULL;
	n = a->nitems < set->nitems ? a->nitems : set->nitems;
	for (i = 0; i < n; i++) {
		const struct uds_res *r = &a->item[i];
		const struct uds_item *it = &set->item[i];

		if (r->result == UDS_R_HAM && it->kind == UDS_KIND_TEXT)
			ham = 1;
		else if (r->result == UDS_R_UNKNOWN)
			unknown = 1;
		if ((p = uds_points(it, r, max, short_text, detail,
		    sizeof(detail))) == 0)
			continue;
		findings_add(&f->uds, uds_wire_kind_name(it->kind), detail,
		    (int)p);
		if (p > best)
			best = p;
	}
	if (ham) {
		/* a ham-confirmed text outweighs whatever else matched */
		memset(&f->uds, 0, sizeof(f->uds));
		findings_add(&f->uds, "ham", "", 0);
		best = 0;
	} else if (unknown && best == 0)
		findings_add(&f->uds, "unknown", "", 0);
	f->uds_score = best > 100 ? 100 : best;
}

/* uds_finish - wait for the answer, record what it says */

int
uds_finish(struct uds_run *run, struct findings *f, struct buf *why)
{
	struct uds_reply a;
	int		 rc;

	(void)why;
	if (run == &uds_off)
		return (WN_OK);
	if (!run->sent) {
		f->uds_state = CHECK_DONE;	/* no signature: none known */
		free(run);
		return (WN_OK);
	}
	rc = uds_xchg_wait(&run->x, run->deadline_ms, &a, NULL);
	if (rc != WN_OK) {
		f->uds_state = CHECK_TIMEOUT;
		log_warn("%s: uds: no answer within %llu ms (%d server%s "
		    "asked; see [uds] timeout and server_timeout)", run->qid,
		    (unsigned long long)(time_now_ms() - run->start_ms),
		    run->x.tries, run->x.tries == 1 ? "" : "s");
	} else if (a.status == UDS_ST_UNAVAILABLE) {
		f->uds_state = CHECK_DONE;
		findings_add(&f->uds, "unknown", "", 0);
	} else if (a.status != UDS_ST_OK) {
		f->uds_state = CHECK_ERROR;
		log_warn("%s: uds: %s answered: %s", run->qid,
		    run->x.cur ? run->x.cur->name : "?",
		    uds_wire_status_name(a.status));
	} else {
		uds_score(&run->set, &a, uds_conf.max_points, f);
		if (log_verbose > 0)
			log_debug("%s: uds: %s answered %u items, %u points",
			    run->qid, run->x.cur ? run->x.cur->name : "?",
			    a.nitems, f->uds_score);
	}
	free(run);
	return (WN_OK);
}

/* uds_request_one - one server's outcome of a request */

static int
uds_request_one(struct uds_server *s, struct uds_req *q, const uint8_t *key,
    uds_outcome_fn *fn, void *arg)
{
	struct uds_outcome o;
	struct buf	*w = buf_new(64);
	int		 rc;

	memset(&o, 0, sizeof(o));
	o.server = s->name;
	rc = uds_xchg_one(s, q, key, uds_conf.timeout_ms, &o.reply, &o.rtt_us,
	    w);
	o.rc = rc == WN_OK ? WN_OK : WN_TEMP;
	if (rc == UDS_XCHG_TIMEOUT && buf_len(w) == 0)
		buf_printf(w, "no answer within %u ms", uds_conf.timeout_ms);
	o.why = buf_str(w);
	fn(&o, arg);
	buf_free(w);
	return (o.rc);
}

/* uds_request - a tool's request to the servers it concerns */

int
uds_request(unsigned int op, const struct uds_sigset *set, unsigned int flag,
    unsigned int weight, uds_outcome_fn *fn, void *arg, struct buf *why)
{
	struct uds_outcome o;
	struct uds_srvset *ss;
	struct uds_xchg	 x;
	struct uds_req	 q;
	const uint8_t	*key = NULL;
	size_t		 i;
	int		 rc = WN_OK;

	if (uds_state == NULL || uds_state->servers->n == 0) {
		buf_printf(why, "%s", "no [uds] servers configured");
		return (WN_PERM);
	}
	uds_req_of(&q, op, set);
	ss = uds_state->servers;
	if (uds_wire_op_writes(op)) {
		if (!uds_state->key.have_client) {
			buf_printf(why, "writes need a client and secret in "
			    "[uds] key_file (%s)", uds_conf.key_file != NULL &&
			    uds_conf.key_file[0] != '\0' ? uds_conf.key_file :
			    "not set");
			return (WN_PERM);
		}
		ss = uds_state->writers;
		key = uds_state->key.secret;
		q.flag = (uint8_t)flag;
		q.weight = (uint16_t)weight;
		(void)snprintf(q.client, sizeof(q.client), "%s",
		    uds_state->key.client);
	}
	if (op != UDS_OP_CHECK) {
		for (i = 0; i < ss->n; i++)
			if (uds_request_one(&ss->srv[i], &q, key, fn, arg) !=
			    WN_OK)
				rc = WN_TEMP;
		return (rc);
	}
	memset(&o, 0, sizeof(o));
	rc = uds_xchg_start(&x, ss, &q, NULL, uds_conf.server_timeout_ms,
	    uds_conf.reprobe_ms, why);
	if (rc == WN_PERM)
		return (rc);
	if (rc == WN_OK)
		rc = uds_xchg_wait(&x, time_now_ms() + uds_conf.timeout_ms,
		    &o.reply, why);
	o.server = x.cur != NULL ? x.cur->name : "(none)";
	o.rc = rc == WN_OK ? WN_OK : WN_TEMP;
	o.rtt_us = rc == WN_OK ? time_now_us() - x.sent_us : 0;
	o.why = rc == WN_OK ? "" : "no server answered in time";
	fn(&o, arg);
	return (o.rc);
}
