/*
 * report.c - the answer to the upstream, and the summary line
 *
 * For an SMTP upstream one reply covers all recipients: a deferral
 * anywhere answers with the first deferral; nothing accepted answers with
 * the first refusal; otherwise 250, saying what was refused (and that a
 * DSN went out), quarantined or discarded, and what the downstream said.
 * For an LMTP upstream each recipient's own reply goes back (smtp/sess.c).
 *
 * Each message gets one summary line: envelope, client, size, delay, the
 * verdict's score and the X-Winnow-Checks text (score=, checks=), and for
 * each recipient its group, statuses, action and reply.  The statistics
 * count the same message from the same facts (count.c).
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

/* policy */
#include "findings.h"
#include "policy.h"
#include "split.h"

/* smtp */
#include "fate.h"

/* server */
#include "pipeline.h"
#include "server.h"

/* report_downstream_ok - the first 2xx reply of a committed delivery */

static const char *
report_downstream_ok(struct pl_ctx *c)
{
	const struct split_txn *st;
	size_t		 i, k;

	for (i = 0; i < c->sp->n; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_DELIVER || !c->txns[i].committed)
			continue;
		for (k = 0; k < st->n; k++)
			if (c->txns[i].rcpts[k]->fate == FATE_DELIVERED)
				return (buf_str(c->txns[i].rcpts[k]->reply));
	}
	return (NULL);
}

/* report_copy - a reply line into the reply, at most max bytes */

static void
report_copy(struct buf *reply, const char *line, size_t max)
{
	buf_append(reply, line, strlen(line) > max ? max : strlen(line));
}

/* report_refused - a deferral, or nothing accepted: one recipient's reply
 * answers for all; returns 1 if so */

static int
report_refused(struct pl_ctx *c, struct buf *reply)
{
	const struct rcpt *r;
	size_t		 i;

	if ((r = fate_first(c->m->rcpts, c->m->nrcpts, FATE_DEFERRED)) !=
	    NULL) {
		notices_dsn_cancel(c);
		report_copy(reply, buf_str(r->reply), 400);
		for (i = 0; i < c->sp->n; i++)
			if (c->txns[i].committed &&
			    c->sp->txns[i].kind == SPLIT_DELIVER)
				log_warn("%s: a copy went downstream for some "
				    "recipients before another failed; the "
				    "upstream's retry may duplicate it",
				    c->m->qid);
		return (1);
	}
	if (fate_first(c->m->rcpts, c->m->nrcpts, FATE_DELIVERED) == NULL) {
		notices_dsn_cancel(c);
		r = fate_first(c->m->rcpts, c->m->nrcpts, FATE_REFUSED);
		if (r == NULL)
			log_panic("%s: no recipient has an outcome", c->m->qid);
		report_copy(reply, buf_str(r->reply), 400);
		return (1);
	}
	return (0);
}

/* report_smtp_reply - the one reply for an SMTP upstream */

void
report_smtp_reply(struct pl_ctx *c, struct buf *reply)
{
	const struct rcpt *r;
	const char	*first;
	size_t		 i, nrefused = 0, npolicy = 0, nquar = 0, ndrop = 0;

	if (report_refused(c, reply))
		return;
	for (i = 0; i < c->m->nrcpts; i++) {
		r = &c->m->rcpts[i];
		if (r->fate == FATE_REFUSED) {
			nrefused++;
			npolicy += (r->why & FATE_BY_POLICY) != 0;
		} else if (r->why & FATE_QUARANTINED) {
			nquar++;
		} else if (r->why & FATE_DROPPED) {
			ndrop++;
		}
	}
	/* Refused after the final dot (an LMTP downstream): the DSN cannot
	 * be made durable before the dot any more; it goes best effort. */
	if (nrefused > 0)
		(void)notices_dsn(c, 0);
	buf_printf(reply, "250 2.0.0 Ok: filtered as %s", c->m->qid);
	if (nrefused > 0)
		buf_printf(reply, ", %zu recipient(s) refused %s%s", nrefused,
		    npolicy == nrefused ? "by policy" : npolicy == 0 ?
		    "downstream" : "by policy or downstream",
		    c->ndsn > 0 ? ", DSN sent" : "");
	if (nquar > 0)
		buf_printf(reply, ", %zu quarantined as %s", nquar,
		    c->quar_id);
	if (ndrop > 0)
		buf_printf(reply, ", %zu discarded", ndrop);
	if ((first = report_downstream_ok(c)) != NULL) {
		buf_puts(reply, "; downstream said: ");
		report_copy(reply, first, 200);
	}
}

/* report_rcpt - one recipient in the summary line */

static void
report_rcpt(struct pl_ctx *c, size_t i, struct buf *l)
{
	const struct pl_rcpt *p = &c->rc[i];
	const struct policy_decision *d = &p->dec;

	buf_puts(l, " to=<");
	buf_append_safe(l, p->r->addr, strlen(p->r->addr));
	buf_puts(l, ">");
	if (pipeline_info(c, p) != NULL)
		buf_printf(l, " (%s)", pipeline_info(c, p));
	if (p->decided) {
		buf_printf(l, " group=%s status=%s", d->group->name,
		    findings_spam_name(d->spam));
		if (d->av != AV_NOT_SCANNED)
			buf_printf(l, "/%s", findings_av_name(d->av));
		if (d->list != NULL)
			buf_printf(l, " list=%s", d->list);
		buf_printf(l, " action=%s", policy_action_name(d->action));
		if (p->r->why & FATE_QUARANTINED)
			buf_printf(l, " quarantine=%s", c->quar_id);
		if (c->backup_id != NULL && d->backup && !d->quarantine &&
		    p->r->fate != FATE_DEFERRED)
			buf_printf(l, " backup=%s", c->backup_id);
	}
	buf_puts(l, " \"");
	buf_append_safe(l, buf_str(p->r->reply), buf_len(p->r->reply));
	buf_puts(l, "\"");
}

/* report_summary - score and checks of the decided recipients, as the
 * headers say them (policy_summary) */

static void
report_summary(struct pl_ctx *c, int *has_score, double *score,
    struct buf *checks)
{
	const struct policy_decision **d;
	size_t		 i, n = 0;

	d = xcalloc(c->m->nrcpts + 1, sizeof(*d));
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->rc[i].decided)
			d[n++] = &c->rc[i].dec;
	*has_score = 0;
	if (n > 0)
		policy_summary(d, n, c->f, has_score, score, checks);
	free(d);
}

/* report_log - the one summary line of the message (and its count in the
 * statistics, with the same score and checks) */

void
report_log(struct pl_ctx *c, const struct buf *reply)
{
	struct buf	*l = buf_new(512), *checks = buf_new(256);
	const struct msg *m = c->m;
	double		 score = 0.0;
	size_t		 i;
	int		 has_score;

	buf_printf(l, "%s: from=<", m->qid);
	buf_append_safe(l, m->sender, strlen(m->sender));
	buf_printf(l, "> size=%zu nrcpt=%zu client=", c->len, m->nrcpts);
	if (m->xf.name != NULL)
		buf_append_safe(l, m->xf.name, strlen(m->xf.name));
	buf_printf(l, "[%s] peer=[%s] proto=%s", c->view.client_addr,
	    c->si->peer_addr, c->si->milter ? "MILTER" : c->si->lmtp ?
	    "LMTP" : "SMTP");
	if (m->xf.ident != NULL) {
		buf_puts(l, " upstream_id=");
		buf_append_safe(l, m->xf.ident, strlen(m->xf.ident));
	}
	buf_printf(l, " delay=%.3fs", (double)(time_now_ms() - m->start_ms) /
	    1000.0);
	if (c->narchived > 0)
		buf_printf(l, " archived=%u", c->narchived);
	/* what the scan or the attachment filter found, for the trace */
	for (i = 0; i < c->f->viruses.count && i < FINDINGS_MAX_ITEMS; i++) {
		buf_puts(l, i == 0 ? " virus=" : ",");
		buf_append_safe(l, c->f->viruses.item[i].name,
		    strlen(c->f->viruses.item[i].name));
	}
	report_summary(c, &has_score, &score, checks);
	if (has_score)
		buf_printf(l, " score=%.1f", score);
	if (buf_len(checks) > 0) {
		buf_puts(l, " checks=\"");
		buf_append_safe(l, buf_str(checks), buf_len(checks));
		buf_puts(l, "\"");
	}
	for (i = 0; i < m->nrcpts; i++)
		report_rcpt(c, i, l);
	if (!c->si->lmtp) {
		buf_puts(l, " reply=\"");
		buf_append_safe(l, buf_str(reply), buf_len(reply));
		buf_puts(l, "\"");
	}
	log_info("%s", buf_str(l));
	count_message(c, reply, buf_str(checks), has_score, score);
	buf_free(l);
	buf_free(checks);
}
