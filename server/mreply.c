/*
 * mreply.c - the decisions of a message as a milter answer
 *
 * The stage that replaces plan, deliver and report for a milter
 * connection (smtp/milter.h).  A milter cannot send messages of its own:
 * it changes the one message the MTA holds and answers for all of its
 * recipients at once.  So:
 *
 *   one message   every recipient who gets the message gets the same one:
 *                 the headers and modifications of every decision (as with
 *                 split_by_result = no; AV removal for one is removal for
 *                 all), sent as header changes (mail/hdiff.h) and, when the
 *                 body changed, SMFIR_REPLBODY.  No Received: of ours: the
 *                 MTA writes its own.
 *   refused       policy refusals: the recipient is deleted (DELRCPT) and
 *                 gets the DSN an SMTP upstream would get; when every
 *                 recipient is refused the message is rejected with the
 *                 first one's reply (the status's reject text).
 *   deferred      a deferral anywhere (tempfail action, a failed check with
 *                 on_error = tempfail, a quarantine or archive that cannot
 *                 be written, message_deadline) defers the whole message.
 *   quarantine    milter_quarantine = winnow: a copy in quarantine_dir and
 *                 the recipient deleted; = mta: SMFIR_QUARANTINE, the whole
 *                 message waits in the MTA's hold queue.
 *   drop          the recipient is deleted.
 *   copy,         the addresses are added as recipients (ADDRCPT) of the
 *   redirect,     one message; a redirected recipient is deleted.
 *   archive_to
 *   nobody left   the message is discarded (SMFIR_DISCARD).
 *
 * A change the MTA did not grant in the negotiation: missing header
 * rights lose our headers (logged); a body, recipient or quarantine
 * change that cannot be made defers the message - never an infected body
 * let through, never a recipient silently lost.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "archive.h"

/* mail */
#include "edit.h"
#include "hdiff.h"
#include "mail.h"

/* policy */
#include "findings.h"
#include "policy.h"

/* smtp */
#include "fate.h"
#include "milter.h"
#include "notice.h"

/* server */
#include "pipeline.h"
#include "server.h"

/* What one message's answer is being made of. */
struct mreply {
	struct pl_ctx	*c;
	struct milter_answer *a;
	struct buf	*out;		/* the resulting message */
	size_t		 out_hlen;
	char		**added;	/* recipients added */
	size_t		 nadded;
	size_t		 nkept, nrefused, npolicy, nquar, ndrop, nredir;
	size_t		 nchanges;
	int		 mta_quar;	/* SMFIR_QUARANTINE sent */
	const char	*fail;		/* why it is deferred */
};

/* mreply_defer_all - one deferral defers the message */

static void
mreply_defer_all(struct pl_ctx *c, struct milter_answer *a,
    const char *line)
{
	size_t	 i;

	for (i = 0; i < c->m->nrcpts; i++)
		fate_hold(&c->m->rcpts[i], "4.3.0 Held back: another recipient "
		    "was refused temporarily (%s)", c->m->qid);
	milter_answer_final(a, MILTER_TEMPFAIL, line);
}

/* mreply_edit - the one message every remaining recipient gets */

static struct edit *
mreply_edit(struct pl_ctx *c)
{
	const struct policy_decision **all;
	const struct pl_rcpt *p, *changed = NULL;
	struct edit	*e;
	const char	*info = NULL;
	size_t		 i, n = 0;
	int		 unchecked = 0;

	all = xcalloc(c->m->nrcpts + 1, sizeof(*all));
	for (i = 0; i < c->m->nrcpts; i++) {
		p = &c->rc[i];
		if (!p->decided) {
			if (info == NULL)
				info = pipeline_info(c, p);
			continue;
		}
		/* Held in the MTA, a quarantined recipient's message is the
		 * one the others get. */
		if (p->r->fate != FATE_PENDING || (!p->dec.deliver &&
		    !(p->dec.quarantine &&
		    milter_conf.quarantine == MILTER_QUAR_MTA)))
			continue;
		all[n++] = &p->dec;
		unchecked |= p->unchecked;
		/* One message for all: the strongest AV change (a notice,
		 * parts removed or renamed) is everyone's, as with
		 * split_by_result = no. */
		if ((p->dec.replace || p->dec.remove || p->dec.rename) &&
		    (changed == NULL || p->dec.action > changed->dec.action))
			changed = p;
	}
	e = pipeline_edit(c, changed);
	if (n > 0) {
		policy_edit(e, all, n, pipeline_findings(c, changed));
		if (unchecked)
			policy_edit_info(e, c->info_error);
	} else {
		if (info != NULL)
			policy_edit_info(e, info);
		/* Only we write X-Winnow-*: drop what the sender put there. */
		policy_edit_strip(e);
	}
	free(all);
	return (e);
}

/* mreply_render - the resulting message as one block */

static void
mreply_render(struct mreply *r, struct edit *e)
{
	const struct iovec *seg;
	size_t		 i, n;

	r->out = buf_new(edit_size(e) + 1);
	n = edit_segments(e, &seg);
	for (i = 0; i < n; i++)
		buf_append(r->out, seg[i].iov_base, seg[i].iov_len);
	r->out_hlen = mailhdr_len(r->out->data, buf_len(r->out));
}

/* mreply_headers - our header changes; the MTA may not have granted them */

static void
mreply_headers(struct mreply *r)
{
	static const int op[] = { MILTER_HDR_CHG, MILTER_HDR_CHG,
	    MILTER_HDR_INS };
	struct pl_ctx	*c = r->c;
	struct hdiff	*ops;
	size_t		 i, n, refused = 0;

	n = hdiff_make(c->data, c->header_len, r->out->data, r->out_hlen,
	    &ops);
	for (i = 0; i < n; i++) {
		if (milter_answer_header(r->a, op[ops[i].op],
		    (uint32_t)ops[i].index, ops[i].name, ops[i].value) < 0)
			refused++;
		else
			r->nchanges++;
	}
	if (refused > 0)
		log_warn("%s: the MTA did not allow header changes (milter "
		    "actions ADDHDRS/CHGHDRS): %zu of our header changes "
		    "left out", c->m->qid, refused);
	hdiff_free(ops, n);
}

/* mreply_body - SMFIR_REPLBODY when the body changed; -1 if it cannot be */

static int
mreply_body(struct mreply *r)
{
	struct pl_ctx	*c = r->c;
	size_t		 olen = c->len - c->header_len;
	size_t		 nlen = buf_len(r->out) - r->out_hlen;

	if (olen == nlen && memcmp(c->data + c->header_len,
	    r->out->data + r->out_hlen, olen) == 0)
		return (0);
	if (milter_answer_body(r->a, r->out->data + r->out_hlen, nlen) < 0) {
		r->fail = "the MTA did not allow the body to change "
		    "(milter action CHGBODY)";
		return (-1);
	}
	r->nchanges++;
	return (0);
}

/* mreply_add - add a recipient once (copies, redirects, archive_to) */

static int
mreply_add(struct mreply *r, const char *addr)
{
	struct pl_ctx	*c = r->c;
	size_t		 i;

	for (i = 0; i < c->m->nrcpts; i++)
		if (strcasecmp(c->m->rcpts[i].addr, addr) == 0 &&
		    (c->rc[i].decided ? c->rc[i].dec.deliver :
		    c->rc[i].r->fate == FATE_PENDING))
			return (0);	/* gets it anyway */
	for (i = 0; i < r->nadded; i++)
		if (strcasecmp(r->added[i], addr) == 0)
			return (0);
	if (milter_answer_rcpt(r->a, 1, addr) < 0) {
		r->fail = "the MTA did not allow recipients to be added "
		    "(milter action ADDRCPT)";
		return (-1);
	}
	r->added = xreallocarray(r->added, r->nadded + 1, sizeof(*r->added));
	r->added[r->nadded++] = xstrdup(addr);
	r->nchanges++;
	return (0);
}

/* mreply_del - delete a recipient from the MTA's copy */

static int
mreply_del(struct mreply *r, const struct rcpt *rc)
{
	if (milter_answer_rcpt(r->a, 0, rc->addr) < 0) {
		r->fail = "the MTA did not allow recipients to be deleted "
		    "(milter action DELRCPT)";
		return (-1);
	}
	r->nchanges++;
	return (0);
}

/* mreply_targets - a decision's copy and redirect addresses */

static int
mreply_targets(struct mreply *r, const struct policy_decision *d)
{
	const struct policy_status *st;
	size_t		 k, t;

	for (k = 0; k < 2; k++) {
		if ((st = d->st[k]) == NULL || (st->action != POLICY_COPY &&
		    st->action != POLICY_REDIRECT))
			continue;
		for (t = 0; t < st->nto; t++)
			if (mreply_add(r, st->to[t]) < 0)
				return (-1);
	}
	return (0);
}

/* mreply_quarantine - where quarantined recipients' message goes; -1 when
 * it cannot go there */

static int
mreply_quarantine(struct mreply *r)
{
	struct pl_ctx	*c = r->c;
	struct buf	*reason;
	size_t		 i, n = 0;

	for (i = 0; i < c->m->nrcpts; i++)
		n += c->rc[i].decided && c->rc[i].dec.quarantine &&
		    c->rc[i].r->fate != FATE_DEFERRED;
	if (n == 0)
		return (0);
	if (milter_conf.quarantine == MILTER_QUAR_MTA) {
		reason = buf_new(64);
		buf_printf(reason, "winnow: %s", c->m->qid);
		if (milter_answer_quarantine(r->a, buf_str(reason)) == 0) {
			r->mta_quar = 1;
			r->nchanges++;
			buf_free(reason);
			return (0);
		}
		buf_free(reason);
		log_warn("%s: the MTA did not allow SMFIR_QUARANTINE (milter "
		    "action QUARANTINE): using quarantine_dir", c->m->qid);
	}
	if (deliver_quarantine(c) != WN_OK) {
		log_error("%s: quarantine_dir %s: %s", c->m->qid,
		    policy_conf.quarantine_dir, buf_str(c->why));
		r->fail = "cannot write to the quarantine";
		return (-1);
	}
	return (0);
}

/* mreply_rcpt - one recipient's part of the answer */

static int
mreply_rcpt(struct mreply *r, size_t i)
{
	struct pl_ctx	*c = r->c;
	struct pl_rcpt	*p = &c->rc[i];
	const struct policy_decision *d = &p->dec;

	if (p->r->fate == FATE_REFUSED) {
		r->nrefused++;
		r->npolicy += (p->r->why & FATE_BY_POLICY) != 0;
		return (mreply_del(r, p->r));
	}
	if (!p->decided && p->r->fate == FATE_DISPOSED) {
		r->ndrop++;		/* a report address: learned */
		return (mreply_del(r, p->r));
	}
	if (!p->decided || d->deliver) {
		r->nkept++;		/* delivered once all is well */
		return (p->decided ? mreply_targets(r, d) : 0);
	}
	if (mreply_targets(r, d) < 0)
		return (-1);
	if (d->quarantine) {
		r->nquar++;
		p->r->why |= FATE_QUARANTINED;
		if (r->mta_quar) {
			r->nkept++;	/* held in the MTA with the rest */
			fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: held in "
			    "the MTA's quarantine (%s)", c->m->qid);
			return (0);
		}
		fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: held in "
		    "quarantine as %s", c->quar_id);
	} else if (d->action == POLICY_REDIRECT) {
		r->nredir++;
		p->r->why |= FATE_REDIRECTED;
		fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: redirected by "
		    "policy (%s)", c->m->qid);
	} else {
		r->ndrop++;
		p->r->why |= FATE_DROPPED;
		fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: discarded by "
		    "policy (%s)", c->m->qid);
	}
	return (mreply_del(r, p->r));
}

/* mreply_archive_to - archive_to addresses as recipients */

static int
mreply_archive_to(struct mreply *r)
{
	char	**arch = NULL;
	size_t	 i, n = 0;
	int	 rc = 0;

	if (policy_conf.archive_to != NULL && policy_conf.archive_to[0])
		n = conf_list_split(policy_conf.archive_to, &arch);
	for (i = 0; i < n && rc == 0; i++)
		rc = mreply_add(r, arch[i]);
	conf_list_free(arch);
	return (rc);
}

/* mreply_archive_dir - archive_dir copies: as received, as sent on */

static int
mreply_archive_dir(struct mreply *r)
{
	struct pl_ctx	*c = r->c;
	struct iovec	 one;
	char		 name[64];
	int		 rc = WN_OK;

	if (policy_conf.archive_dir == NULL || !policy_conf.archive_dir[0])
		return (0);
	buf_reset(c->why);
	if (policy_conf.archive != POLICY_ARCHIVE_OUTGOING) {
		one.iov_base = (void *)c->data;
		one.iov_len = c->len;
		(void)snprintf(name, sizeof(name), "%s-in", c->m->qid);
		rc = archive_store(policy_conf.archive_dir, c->m->arrival,
		    name, c->m->sender, c->addrs, c->m->nrcpts, &one, 1,
		    c->why);
		c->narchived += rc == WN_OK;
	}
	if (rc == WN_OK && policy_conf.archive != POLICY_ARCHIVE_INCOMING &&
	    r->nkept + r->nadded > 0) {
		one.iov_base = r->out->data;
		one.iov_len = buf_len(r->out);
		(void)snprintf(name, sizeof(name), "%s-out-1", c->m->qid);
		rc = archive_store(policy_conf.archive_dir, c->m->arrival,
		    name, c->m->sender, c->addrs, c->m->nrcpts, &one, 1,
		    c->why);
		c->narchived += rc == WN_OK;
	}
	if (rc != WN_OK) {
		log_error("%s: archive_dir %s: %s", c->m->qid,
		    policy_conf.archive_dir, buf_str(c->why));
		r->fail = "cannot write the archive copy";
		return (-1);
	}
	return (0);
}

/* mreply_all_refused - every recipient refused: reject with the first
 * refusal */

static void
mreply_all_refused(struct pl_ctx *c, struct milter_answer *a)
{
	const struct rcpt *rc;

	rc = fate_first(c->m->rcpts, c->m->nrcpts, FATE_REFUSED);
	if (rc == NULL)
		log_panic("%s: no recipient has an outcome", c->m->qid);
	milter_answer_final(a, MILTER_REJECT, buf_str(rc->reply));
}

/* mreply_summary - the reply line of the summary */

static void
mreply_summary(struct mreply *r, size_t ndsn, struct buf *reply)
{
	struct milter_answer *a = r->a;

	switch (milter_answer_get_final(a)) {
	case MILTER_REJECT:
	case MILTER_TEMPFAIL:
		buf_puts(reply, milter_answer_line(a));
		return;
	case MILTER_DISCARD:
		buf_printf(reply, "250 2.0.0 Ok: filtered as %s, discarded",
		    r->c->m->qid);
		break;
	case MILTER_ACCEPT:
		buf_printf(reply, "250 2.0.0 Ok: filtered as %s, %zu "
		    "change(s)", r->c->m->qid, r->nchanges);
		break;
	}
	if (r->nrefused > 0)
		buf_printf(reply, ", %zu recipient(s) refused by policy%s",
		    r->nrefused, ndsn > 0 ? ", DSN sent" : "");
	if (r->nquar > 0)
		buf_printf(reply, ", %zu quarantined %s%s", r->nquar,
		    r->mta_quar ? "in the MTA" : "as ",
		    r->mta_quar ? "" : r->c->quar_id);
	if (r->ndrop > 0)
		buf_printf(reply, ", %zu discarded", r->ndrop);
	if (r->nadded > 0)
		buf_printf(reply, ", %zu recipient(s) added", r->nadded);
}

/* mreply_decide - modifications and the final reply; -1 if deferred */

static int
mreply_decide(struct mreply *r)
{
	struct pl_ctx	*c = r->c;
	size_t		 i;

	if (fate_count(c->m->rcpts, c->m->nrcpts, FATE_REFUSED) ==
	    c->m->nrcpts) {
		mreply_all_refused(c, r->a);
		return (0);
	}
	mreply_render(r, mreply_edit(c));
	if (mreply_quarantine(r) < 0)
		return (-1);
	if (deliver_backup(c) != WN_OK) {
		log_error("%s: backup_dir %s: %s", c->m->qid,
		    policy_conf.backup_dir, buf_str(c->why));
		r->fail = "cannot keep the backup copy";
		return (-1);
	}
	for (i = 0; i < c->m->nrcpts; i++)
		if (mreply_rcpt(r, i) < 0)
			return (-1);
	if (mreply_archive_to(r) < 0 || mreply_archive_dir(r) < 0)
		return (-1);
	if (r->nkept + r->nadded == 0) {
		milter_answer_final(r->a, MILTER_DISCARD, NULL);
		return (0);
	}
	mreply_headers(r);
	if (mreply_body(r) < 0)
		return (-1);
	if (c->deadline != 0 && time_now_ms() >= c->deadline) {
		r->fail = "filtering took longer than message_deadline";
		return (-1);
	}
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->m->rcpts[i].fate == FATE_PENDING)
			fate_set(&c->m->rcpts[i], FATE_DELIVERED, 250, "2.0.0 "
			    "Ok: passed to the MTA (%s)", c->m->qid);
	milter_answer_final(r->a, MILTER_ACCEPT, NULL);
	return (0);
}

/* mreply_make - the answer to the MTA, and the summary's reply line */

void
mreply_make(struct pl_ctx *c, struct milter_answer *a, struct buf *reply)
{
	struct mreply	 r;
	const struct rcpt *d;
	struct buf	*line;
	size_t		 i, ndsn = 0;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.a = a;
	if ((d = fate_first(c->m->rcpts, c->m->nrcpts, FATE_DEFERRED)) !=
	    NULL) {
		line = buf_new(128);
		buf_puts(line, buf_str(d->reply));
		mreply_defer_all(c, a, buf_str(line));
		buf_free(line);
	} else if (mreply_decide(&r) < 0) {
		log_warn("%s: %s: answering 451", c->m->qid, r.fail);
		line = buf_new(128);
		buf_printf(line, "451 4.3.0 Temporary failure (%s): %s, try "
		    "again later", c->m->qid, r.fail);
		/* Nothing went out: a quarantine copy stays as a record. */
		mreply_defer_all(c, a, buf_str(line));
		buf_free(line);
	} else if (milter_answer_get_final(a) != MILTER_REJECT &&
	    r.nrefused > 0) {
		/* The DSN we then owe is durable before the MTA hears
		 * "accept", or the message is deferred (as in SMTP mode). */
		c->dsn_mark = notice_mark();
		if (notices_dsn(c, 1) != WN_OK) {
			line = buf_new(128);
			buf_printf(line, "451 4.3.0 Cannot keep the DSN for the "
			    "refused recipients, try again later (%s)",
			    c->m->qid);
			mreply_defer_all(c, a, buf_str(line));
			buf_free(line);
		}
		ndsn = c->ndsn;
	}
	mreply_summary(&r, ndsn, reply);
	for (i = 0; i < r.nadded; i++)
		free(r.added[i]);
	free(r.added);
	buf_free(r.out);
}
