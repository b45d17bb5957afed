/*
 * deliver.c - prepare, store, commit: the downstream transactions
 *
 *   prepare    every transaction up to the final dot (envelope, DATA,
 *              body);
 *   store      quarantine and archive_dir copies, written durably, only
 *              once nothing needs a temporary failure;
 *   commit     the final dots, only if nothing needs a temporary failure
 *              (nor has message_deadline run out).
 *
 * For an SMTP upstream one reply covers all recipients, so any temporary
 * failure aborts every transaction before its dot and the whole message is
 * answered 4xx (no recipient gets a copy, no duplicates on retry).  For an
 * LMTP upstream every recipient gets the outcome of its own transaction.
 * A redirected recipient takes the worst outcome of its targets
 * (fate_worse).  Quarantine and drop are deliberate disposals: 250 without
 * a downstream copy.  A backup (STATUS.backup) is a copy kept in
 * backup_dir of a message that is still delivered.  A quarantine, backup
 * or archive that cannot be written is a temporary failure (451), never a
 * silent pass.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "archive.h"
#include "quar.h"

/* mail */
#include "edit.h"

/* policy */
#include "findings.h"
#include "notify.h"
#include "policy.h"
#include "split.h"

/* smtp */
#include "fate.h"
#include "notice.h"
#include "reinject.h"

/* server */
#include "pipeline.h"
#include "server.h"

/* deliver_txn_rcpts - the reinject recipients of a transaction */

static void
deliver_txn_rcpts(struct pl_ctx *c, size_t ti)
{
	const struct split_txn *st = &c->sp->txns[ti];
	struct pl_txn	*t = &c->txns[ti];
	struct rcpt	*r;
	size_t		 k;

	t->n = st->n;
	t->rcpts = xcalloc(st->n + 1, sizeof(*t->rcpts));
	t->extra = xcalloc(st->n + 1, sizeof(*t->extra));
	for (k = 0; k < st->n; k++) {
		if (st->rcpts[k].own >= 0) {
			t->rcpts[k] = &c->m->rcpts[st->rcpts[k].own];
			continue;
		}
		r = xcalloc(1, sizeof(*r));
		r->addr = xstrdup(st->rcpts[k].addr);
		r->reply = buf_new(64);
		t->extra[k] = t->rcpts[k] = r;
	}
}

/* deliver_failed - a transaction's recipients when it could not be
 * prepared (a reply out of place already deferred its recipient) */

static void
deliver_failed(struct pl_txn *t, const char *fmt, const char *why)
{
	size_t	 k;

	for (k = 0; k < t->n; k++)
		if (t->rcpts[k]->fate != FATE_DEFERRED) {
			fate_set(t->rcpts[k], FATE_DEFERRED, 451, fmt, why);
			t->rcpts[k]->why |= FATE_DOWNSTREAM;
		}
}

/* deliver_prepare - open and prepare every transaction */

void
deliver_prepare(struct pl_ctx *c)
{
	struct pl_txn	*t;
	size_t		 i;
	int		 eightbit, extra;

	/* Only a message without BODY= needs looking at (reinject_mail_cmd
	 * then declares BODY=8BITMIME for 8-bit content). */
	eightbit = c->m->body == BODY_UNSPEC && mem_has_8bit(c->data, c->len);

	for (i = 0; i < c->sp->n; i++) {
		t = &c->txns[i];
		extra = c->sp->txns[i].kind == SPLIT_EXTRA;
		deliver_txn_rcpts(c, i);
		reinject_txn_init(&t->txn);
		t->txn.msg = c->m;
		t->txn.sender = c->m->sender;
		t->txn.rcpts = t->rcpts;
		t->txn.nrcpts = t->n;
		t->txn.size = edit_size(c->sp->txns[i].edit);
		t->txn.nsegs = edit_segments(c->sp->txns[i].edit,
		    &t->txn.segs);
		t->txn.eightbit = eightbit;
		buf_reset(c->why);
		if ((t->conn = reinject_open(c->deadline, c->why)) == NULL) {
			deliver_failed(t, "4.4.1 Downstream unavailable: %s",
			    buf_str(c->why));
			continue;
		}
		buf_reset(c->why);
		/* Copies go to whoever takes them; deliveries follow the
		 * upstream's reply rules. */
		if (reinject_prepare(t->conn, &t->txn, c->si->lmtp || extra,
		    c->why) != WN_OK) {
			deliver_failed(t, "4.4.2 Downstream failed: %s",
			    buf_str(c->why));
			reinject_abort(t->conn, &t->txn);
			reinject_release(t->conn, 0);
			t->conn = NULL;
		}
	}
}

/* deliver_redirect_outcome - a redirected recipient's outcome from the
 * combined fate of its targets (final: after the dots) */

static void
deliver_redirect_outcome(struct pl_ctx *c, size_t i, enum fate f, int final)
{
	struct pl_rcpt	*p = &c->rc[i];

	if (f == FATE_DEFERRED) {
		fate_set(p->r, FATE_DEFERRED, 451, "4.3.0 Policy redirect "
		    "deferred, try again later (%s)", c->m->qid);
	} else if (f == FATE_REFUSED) {
		fate_set(p->r, FATE_REFUSED, 554, "5.3.0 Message not "
		    "delivered: the policy redirect was refused (%s)",
		    c->m->qid);
		if (p->decided && !p->dec.dsn)
			p->r->why |= FATE_NODSN;
	} else if (final) {
		fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: redirected by "
		    "policy (%s)", c->m->qid);
		p->r->why |= FATE_REDIRECTED;
	} else {
		/* So far, so good: the targets took it at RCPT. */
		fate_set(p->r, FATE_ACCEPTED, 250, "2.0.0 Ok: redirect "
		    "accepted so far (%s)", c->m->qid);
	}
}

/* deliver_redirects - redirected recipients take their targets' outcome */

static void
deliver_redirects(struct pl_ctx *c, int final)
{
	const struct split_txn *st;
	const struct split_rcpt *sr;
	struct rcpt	*owner, *tr;
	enum fate	*worst;
	size_t		 i, k, o;

	worst = xcalloc(c->m->nrcpts + 1, sizeof(*worst));
	for (i = 0; i < c->sp->n; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_DELIVER)
			continue;
		for (k = 0; k < st->n; k++) {
			sr = &st->rcpts[k];
			tr = c->txns[i].rcpts[k];
			for (o = 0; o < sr->nowners; o++) {
				owner = &c->m->rcpts[sr->owners[o]];
				if ((ssize_t)sr->owners[o] == sr->own)
					continue;
				if (sr->own >= 0 &&
				    strcasecmp(owner->addr, sr->addr) == 0) {
					/* The same recipient twice. */
					fate_copy(owner, tr);
					continue;
				}
				worst[sr->owners[o]] = fate_worse(
				    worst[sr->owners[o]], tr->fate);
			}
		}
	}
	for (i = 0; i < c->m->nrcpts; i++)
		if (worst[i] != FATE_PENDING &&
		    c->m->rcpts[i].fate != FATE_REFUSED)
			deliver_redirect_outcome(c, i, worst[i], final);
	free(worst);
}

/* deliver_keeps - whether a recipient's message goes to the quarantine
 * (backup 0) or to backup_dir (backup 1) */

static int
deliver_keeps(const struct pl_ctx *c, size_t i, int backup)
{
	const struct pl_rcpt *p = &c->rc[i];

	if (!p->decided || p->r->fate == FATE_DEFERRED)
		return (0);
	if (!backup)
		return (p->dec.quarantine);
	/* A backup is of a message that is still delivered. */
	return (p->dec.backup && !p->dec.quarantine && (p->dec.deliver ||
	    p->dec.action == POLICY_REDIRECT));
}

/* deliver_keep - store the message for its quarantined recipients, or a
 * backup copy for those whose status asks for one */

static int
deliver_keep(struct pl_ctx *c, int backup, char **id_r)
{
	struct quar_info qi;
	struct buf	*subj = buf_new(128);
	const struct policy_decision *d;
	const char	*dir = backup ? policy_conf.backup_dir :
			    policy_conf.quarantine_dir;
	size_t		 i, n = 0;
	int		 rc;

	memset(&qi, 0, sizeof(qi));
	qi.rcpts = xcalloc(c->m->nrcpts + 1, sizeof(*qi.rcpts));
	for (i = 0; i < c->m->nrcpts; i++) {
		if (!deliver_keeps(c, i, backup))
			continue;
		d = &c->rc[i].dec;
		qi.rcpts[n].addr = (char *)c->m->rcpts[i].addr;
		qi.rcpts[n].group = d->group->name;
		qi.rcpts[n].spam = (char *)findings_spam_name(d->spam);
		qi.rcpts[n].av = d->av != AV_NOT_SCANNED ?
		    (char *)findings_av_name(d->av) : NULL;
		qi.rcpts[n].action = (char *)policy_action_name(d->action);
		n++;
	}
	if (n == 0) {
		free(qi.rcpts);
		buf_free(subj);
		return (WN_OK);
	}
	(void)notify_header_value(c->data, c->header_len, "Subject", subj);
	qi.id = xstrdup(c->m->qid);
	qi.queue_id = c->m->qid;
	qi.upstream_id = c->m->xf.ident;
	qi.kind = backup ? "backup" : "quarantine";
	qi.time = c->m->arrival;
	qi.client_addr = (char *)c->view.client_addr;
	qi.client_name = c->m->xf.name;
	qi.helo = (char *)c->view.helo;
	qi.sender = c->m->sender;
	qi.subject = (char *)buf_str(subj);
	qi.nrcpts = n;
	qi.findings = findings_json(c->f);
	buf_reset(c->why);
	rc = quar_store(dir, &qi, c->data, c->len, c->why);
	json_decref(qi.findings);
	if (rc == WN_OK)
		*id_r = qi.id;
	else
		free(qi.id);
	free(qi.rcpts);
	buf_free(subj);
	return (rc);
}

/* deliver_quarantine - store the message for its quarantined recipients
 * (the milter's answer uses it too) */

int
deliver_quarantine(struct pl_ctx *c)
{
	return (deliver_keep(c, 0, &c->quar_id));
}

/* deliver_backup - the STATUS.backup copy of a message still delivered
 * (the milter's answer uses it) */

int
deliver_backup(struct pl_ctx *c)
{
	return (deliver_keep(c, 1, &c->backup_id));
}

/* deliver_archive - copies in archive_dir */

static int
deliver_archive(struct pl_ctx *c)
{
	const struct split_txn *st;
	const struct iovec *segs;
	const char	**to;
	struct iovec	 one;
	char		 name[64];
	size_t		 i, k, nsegs;
	int		 rc = WN_OK;

	if (policy_conf.archive_dir == NULL || !policy_conf.archive_dir[0])
		return (WN_OK);
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
	if (policy_conf.archive == POLICY_ARCHIVE_INCOMING)
		return (rc);
	for (i = 0; i < c->sp->n && rc == WN_OK; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_DELIVER || !c->txns[i].txn.prepared)
			continue;
		to = xcalloc(st->n + 1, sizeof(*to));
		for (k = 0; k < st->n; k++)
			to[k] = st->rcpts[k].addr;
		nsegs = edit_segments(st->edit, &segs);
		(void)snprintf(name, sizeof(name), "%s-out-%zu", c->m->qid,
		    i + 1);
		rc = archive_store(policy_conf.archive_dir, c->m->arrival,
		    name, c->m->sender, to, st->n, segs, (int)nsegs, c->why);
		c->narchived += rc == WN_OK;
		free(to);
	}
	return (rc);
}

/* deliver_hold_all - a temporary failure for every recipient that nothing
 * has reached yet */

static void
deliver_hold_all(struct pl_ctx *c, const char *why)
{
	size_t	 i;

	for (i = 0; i < c->m->nrcpts; i++)
		fate_hold(&c->m->rcpts[i], "4.3.0 %s (%s)", why, c->m->qid);
}

/* deliver_store - quarantine and archive copies; -1 if nothing may go */

static int
deliver_store(struct pl_ctx *c)
{
	struct pl_rcpt	*p;
	size_t		 i;

	if (deliver_archive(c) != WN_OK) {
		c->narchive_failed++;
		log_error("%s: archive_dir %s: %s", c->m->qid,
		    policy_conf.archive_dir, buf_str(c->why));
		deliver_hold_all(c, "Cannot write the archive copy, try again "
		    "later");
		return (-1);
	}
	if (deliver_keep(c, 1, &c->backup_id) != WN_OK) {
		log_error("%s: backup_dir %s: %s", c->m->qid,
		    policy_conf.backup_dir, buf_str(c->why));
		for (i = 0; i < c->m->nrcpts; i++)
			if (deliver_keeps(c, i, 1))
				fate_hold(c->rc[i].r, "4.3.0 Cannot keep the "
				    "backup copy, try again later (%s)",
				    c->m->qid);
		return (0);
	}
	if (deliver_quarantine(c) != WN_OK) {
		c->quar_failed = 1;
		log_error("%s: quarantine_dir %s: %s", c->m->qid,
		    policy_conf.quarantine_dir, buf_str(c->why));
		for (i = 0; i < c->m->nrcpts; i++)
			if (c->rc[i].decided && c->rc[i].dec.quarantine)
				fate_hold(c->rc[i].r, "4.3.0 Cannot write to "
				    "the quarantine, try again later (%s)",
				    c->m->qid);
		return (0);
	}
	for (i = 0; i < c->m->nrcpts; i++) {
		p = &c->rc[i];
		if (!p->decided)
			continue;
		/* Refused or redirected ones may be quarantined too. */
		if (p->dec.quarantine && p->r->fate != FATE_DEFERRED)
			p->r->why |= FATE_QUARANTINED;
		if (p->r->fate != FATE_PENDING)
			continue;
		if (p->dec.quarantine) {
			fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: held in "
			    "quarantine as %s", c->quar_id);
		} else {
			p->r->why |= FATE_DROPPED;
			fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: "
			    "discarded by policy (%s)", c->m->qid);
		}
	}
	return (0);
}

/* deliver_extra_wanted - whether a copy transaction may be committed: some
 * recipient it serves is not deferred */

static int
deliver_extra_wanted(struct pl_ctx *c, size_t ti)
{
	const struct split_txn *st = &c->sp->txns[ti];
	size_t		 k, o;

	for (k = 0; k < st->n; k++)
		for (o = 0; o < st->rcpts[k].nowners; o++)
			if (c->m->rcpts[st->rcpts[k].owners[o]].fate !=
			    FATE_DEFERRED)
				return (1);
	return (0);
}

/* deliver_commit_one - the final dot of one transaction, or its abort */

static void
deliver_commit_one(struct pl_ctx *c, size_t i, int go)
{
	struct pl_txn	*t = &c->txns[i];

	if (t->conn == NULL)
		return;
	if (t->txn.prepared && !go) {
		reinject_abort(t->conn, &t->txn);
		reinject_release(t->conn, 0);
	} else if (t->txn.prepared) {
		buf_reset(c->why);
		if (reinject_commit(t->conn, &t->txn, c->why) == WN_OK) {
			t->committed = 1;
			reinject_release(t->conn, 1);
		} else {
			log_warn("%s: %s after end of data: %s (the message "
			    "may be delivered twice)", c->m->qid,
			    reinject_peer(t->conn), buf_str(c->why));
			t->committed = 1;	/* perhaps */
			reinject_release(t->conn, 0);
		}
	} else {
		reinject_release(t->conn, 1);	/* RSET was sent */
	}
	t->conn = NULL;
}

/* deliver_late - message_deadline ran out before the final dots */

static void
deliver_late(struct pl_ctx *c)
{
	size_t	 i;

	log_warn("%s: message_deadline (%us) ran out before the end of the "
	    "reinjection: nothing delivered, answering 451", c->m->qid,
	    server_conf.message_deadline / 1000);
	for (i = 0; i < c->m->nrcpts; i++)
		fate_hold(&c->m->rcpts[i], "4.4.7 Filtering took too long, "
		    "try again later (%s)", c->m->qid);
}

/* deliver_any_deferred - whether some recipient is deferred */

static int
deliver_any_deferred(const struct pl_ctx *c)
{
	return (fate_count(c->m->rcpts, c->m->nrcpts, FATE_DEFERRED) > 0);
}

/* deliver_keep_dsn - an SMTP upstream will hear 250 for a message some of
 * whose recipients are refused: the DSN we then owe them is made durable
 * before any final dot, or nothing goes out (4xx, the upstream keeps the
 * message); -1 when it could not be kept */

static int
deliver_keep_dsn(struct pl_ctx *c)
{
	if (c->si->lmtp ||
	    fate_count(c->m->rcpts, c->m->nrcpts, FATE_REFUSED) == 0 ||
	    fate_first(c->m->rcpts, c->m->nrcpts, FATE_DELIVERED) == NULL)
		return (0);
	c->dsn_mark = notice_mark();
	if (notices_dsn(c, 1) == WN_OK)
		return (0);
	deliver_hold_all(c, "Cannot keep the DSN for the refused recipients, "
	    "try again later");
	return (-1);
}

/* deliver_commit - store copies, then send the final dots (or abort) */

void
deliver_commit(struct pl_ctx *c)
{
	size_t		 i;
	int		 abort_all, late;

	deliver_redirects(c, 0);
	/* Past message_deadline the upstream may have given up on us (Postfix
	 * before the queue: smtpd_proxy_timeout), so no copy may go out. */
	late = c->deadline != 0 && time_now_ms() >= c->deadline;
	if (late)
		deliver_late(c);
	/* SMTP upstream: one temporary failure holds back every copy. */
	abort_all = late || (!c->si->lmtp && deliver_any_deferred(c));
	if (!abort_all)
		abort_all = deliver_store(c) < 0 || (!c->si->lmtp &&
		    deliver_any_deferred(c));
	if (!abort_all)
		abort_all = deliver_keep_dsn(c) < 0;
	if (!abort_all && c->deadline != 0 && time_now_ms() >= c->deadline) {
		deliver_late(c);		/* the copies took it */
		abort_all = 1;
	}
	for (i = 0; i < c->sp->n; i++)
		if (c->sp->txns[i].kind == SPLIT_DELIVER)
			deliver_commit_one(c, i, !abort_all);
	deliver_redirects(c, 1);
	for (i = 0; i < c->sp->n; i++)
		if (c->sp->txns[i].kind == SPLIT_EXTRA)
			deliver_commit_one(c, i, !abort_all &&
			    deliver_extra_wanted(c, i));
	if (abort_all)
		deliver_hold_all(c, "Held back: another recipient was refused "
		    "temporarily");
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->m->rcpts[i].fate == FATE_PENDING)  /* LMTP, held */
			fate_hold(&c->m->rcpts[i], "4.3.0 Temporary failure "
			    "(%s)", c->m->qid);
}

/* deliver_log_extras - log what became of copies */

void
deliver_log_extras(struct pl_ctx *c)
{
	const struct split_txn *st;
	struct rcpt	*r;
	size_t		 i, k;

	for (i = 0; i < c->sp->n; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_EXTRA)
			continue;
		for (k = 0; k < st->n; k++) {
			r = c->txns[i].rcpts[k];
			if (r->fate == FATE_DELIVERED && c->txns[i].committed)
				log_info("%s: copy to <%s>: %s", c->m->qid,
				    r->addr, buf_str(r->reply));
			else if (r->fate == FATE_REFUSED ||
			    r->fate == FATE_DEFERRED)
				log_error("%s: copy to <%s> failed: %s",
				    c->m->qid, r->addr, buf_str(r->reply));
			else
				log_notice("%s: copy to <%s> not sent: the "
				    "message was not accepted", c->m->qid,
				    r->addr);
		}
	}
}
