/*
 * pipeline.c - from a spooled message to per-recipient replies
 *
 * The spine of winnowd's deliver hook; each stage lives in a file of its
 * own (pipeline.h):
 *
 *   checks     each check reads the message and writes findings; families
 *              that no recipient's group wants are skipped (checks.c);
 *   decide     each protected recipient's group decides its statuses and
 *              actions; refused recipients get 554 with the status's
 *              reject text at once (decide.c);
 *   plan       each recipient's resulting message and the downstream
 *              transactions (plan.c);
 *   deliver    every transaction up to the final dot, then the quarantine
 *              and archive copies, then the final dots - or none of them
 *              (deliver.c);
 *   answer     the replies and the summary line (report.c);
 *   after      the DSN for refused recipients and the notifications, kept
 *              durably for after the answer (notices.c, smtp/notice.h).
 *
 * Every recipient leaves with a final fate or a deferral (smtp/fate.h); a
 * recipient still pending at the end is a bug.
 *
 * On a milter connection (smtp/milter.h) the spine is the same up to
 * decide; mreply.c then turns the decisions into the milter answer in
 * place of plan, deliver and the SMTP reply.
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

/* spool */
#include "spool.h"

/* mail */
#include "edit.h"
#include "mail.h"

/* policy */
#include "findings.h"
#include "policy.h"
#include "split.h"

/* smtp */
#include "fate.h"
#include "notice.h"
#include "reinject.h"
#include "smtp_conf.h"

/* server */
#include "pipeline.h"
#include "server.h"

const struct sess_hooks	 pipeline_hooks = {
	pipeline_run, notice_after_reply, count_refused
};

static void	pipeline_milter_run(const struct sess_info *, struct msg *,
		    struct milter_answer *);

const struct milter_hooks pipeline_milter_hooks = {
	pipeline_milter_run, notice_after_reply
};

static const char *const pipeline_info_text[] = {
	NULL, "not protected", "not scanned (size)", NULL, "report"
};

/* pipeline_info - X-Winnow-Info of a recipient that is not filtered */

const char *
pipeline_info(const struct pl_ctx *c, const struct pl_rcpt *p)
{
	if (p->info == INFO_BYPASS)
		return (c->m->bypass);
	if (p->info == INFO_NONE && p->unchecked)
		return (c->info_error);
	return (pipeline_info_text[p->info]);
}

/* pipeline_findings - what a recipient was decided on */

struct findings *
pipeline_findings(const struct pl_ctx *c, const struct pl_rcpt *p)
{
	if (p == NULL || p->pass >= c->npasses)
		return (c->f);
	return (c->passes[p->pass].f);
}

/* pipeline_edit - a new edit of the message a recipient gets, kept for
 * freeing */

struct edit *
pipeline_edit(struct pl_ctx *c, const struct pl_rcpt *p)
{
	const struct pl_variant *v = NULL;
	struct edit	*e;

	if (p != NULL && p->decided && p->dec.replace &&
	    p->replaced != NULL) {
		e = edit_new(p->replaced->data, buf_len(p->replaced),
		    p->replaced_hlen);
		goto keep;
	}
	if (p != NULL && p->decided && p->dec.remove)
		v = &c->passes[p->pass].removed;
	else if (p != NULL && p->decided && p->dec.rename)
		v = &c->passes[p->pass].renamed;
	if (v != NULL && v->state > 0)
		e = edit_new(v->b->data, buf_len(v->b), v->hlen);
	else
		e = edit_new(c->data, c->len, c->header_len);
keep:

	c->edits = xreallocarray(c->edits, c->nedits + 1, sizeof(*c->edits));
	c->edits[c->nedits++] = e;
	return (e);
}

/* pipeline_view - what the checks and the policy read */

static void
pipeline_view(struct pl_ctx *c)
{
	struct msg_view	*v = &c->view;
	size_t		 i;

	c->addrs = xcalloc(c->m->nrcpts + 1, sizeof(*c->addrs));
	for (i = 0; i < c->m->nrcpts; i++)
		c->addrs[i] = c->m->rcpts[i].addr;
	memset(v, 0, sizeof(*v));
	v->queue_id = c->m->qid;
	v->client_addr = xforward_client(&c->m->xf, c->si->peer_addr);
	v->client_name = c->m->xf.name;
	v->helo = c->m->xf.helo ? c->m->xf.helo : c->si->helo;
	v->sender = c->m->sender;
	v->rcpts = c->addrs;
	v->nrcpts = c->m->nrcpts;
	v->data = c->data;
	v->len = c->len;
	v->header_len = c->header_len;
	/* The one index of the message every check reads (none for a message
	 * too big to be filtered: nothing reads it then). */
	if (smtp_size_filtered(c->len))
		v->mail = c->mail = mail_new(c->data, c->len, NULL);
	/* The checks stop a quarter of message_deadline early, so a stalled
	 * DNS server or a slow scan still leaves time to reinject the message
	 * (marked with the timeout) instead of failing it. */
	v->deadline_ms = c->deadline == 0 ? 0 :
	    c->deadline - server_conf.message_deadline / 4;
}

/* pipeline_new - the context of one message */

static void
pipeline_new(struct pl_ctx *c, const struct sess_info *si, struct msg *m)
{
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->si = si;
	c->m = m;
	c->why = buf_new(256);
	c->data = spool_data(m->spool, &c->len);
	c->header_len = mailhdr_len(c->data, c->len);
	c->f = findings_new();
	c->t0_us = time_now_us();
	c->rc = xcalloc(m->nrcpts + 1, sizeof(*c->rc));
	for (i = 0; i < m->nrcpts; i++)
		c->rc[i].r = &m->rcpts[i];
	c->passes = xcalloc(1, sizeof(*c->passes));
	c->passes[0].f = c->f;
	c->npasses = 1;
	if (server_conf.message_deadline != 0)
		c->deadline = time_now_ms() + server_conf.message_deadline;
	pipeline_view(c);
}

/* pipeline_free - release the context */

static void
pipeline_free(struct pl_ctx *c)
{
	size_t	 i, k;

	for (i = 0; c->sp != NULL && i < c->sp->n; i++) {
		struct pl_txn *t = &c->txns[i];

		if (t->txn.last != NULL)
			reinject_txn_free(&t->txn);
		for (k = 0; k < t->n; k++) {
			if (t->extra[k] == NULL)
				continue;
			free(t->extra[k]->addr);
			buf_free(t->extra[k]->reply);
			free(t->extra[k]);
		}
		free(t->rcpts);
		free(t->extra);
	}
	free(c->txns);
	split_free(c->sp);
	for (i = 0; i < c->nedits; i++)
		edit_free(c->edits[i]);
	free(c->edits);
	for (i = 0; i < c->m->nrcpts; i++)
		buf_free(c->rc[i].replaced);
	for (i = 0; i < c->npasses; i++) {
		if (c->passes[i].f != c->f)
			findings_free(c->passes[i].f);
		buf_free(c->passes[i].removed.b);
		buf_free(c->passes[i].renamed.b);
	}
	free(c->passes);
	free(c->rc);
	free(c->addrs);
	free(c->quar_id);
	free(c->backup_id);
	mail_free(c->mail);
	findings_free(c->f);
	buf_free(c->why);
}

/* pipeline_filtered - which recipients are filtered; 1 if any is */

static int
pipeline_filtered(struct pl_ctx *c)
{
	struct pl_rcpt	*p;
	size_t		 i;
	int		 size_ok = smtp_size_filtered(c->len), any = 0;

	for (i = 0; i < c->m->nrcpts; i++) {
		p = &c->rc[i];
		if (c->m->bypass != NULL)
			p->info = INFO_BYPASS;
		else if (learnmail_is_report(p->r->addr))
			p->info = INFO_REPORT;
		else if (!size_ok)
			p->info = INFO_SIZE;
		else if (!policy_protected(p->r->addr))
			p->info = INFO_NOT_PROT;
		else
			any = 1;
	}
	return (any);
}

/* pipeline_final - every recipient has a final fate or a deferral */

static void
pipeline_final(const struct msg *m)
{
	size_t	 i;

	for (i = 0; i < m->nrcpts; i++)
		if (!fate_final(m->rcpts[i].fate) &&
		    m->rcpts[i].fate != FATE_DEFERRED)
			log_panic("%s: recipient %zu is %s at the end", m->qid,
			    i, fate_name(m->rcpts[i].fate));
}

/* pipeline_milter_run - checks, policy and the milter answer */

static void
pipeline_milter_run(const struct sess_info *si, struct msg *m,
    struct milter_answer *a)
{
	struct pl_ctx	 c;
	struct buf	*reply = buf_new(256);

	pipeline_new(&c, si, m);
	if (pipeline_filtered(&c))
		checks_run(&c);
	learnmail_run(&c);
	decide_all(&c);
	mreply_make(&c, a, reply);
	pipeline_final(m);
	report_log(&c, reply);
	notices_notify(&c);
	pipeline_free(&c);
	buf_free(reply);
}

/* pipeline_log_stages - where a message's time went, for an admin
 * looking at a slow one (-v): from MAIL FROM to the end of DATA, the
 * checks, the policy and plan, the relay (each a difference of the
 * time stamps taken between the stages, in us) */

static void
pipeline_log_stages(const struct pl_ctx *c, const uint64_t *at)
{
	if (!log_enabled(WN_MODULE, LOG_LV_DEBUG))
		return;
	log_debug("%s: stages: data %.1f ms, checks %.1f ms, policy %.1f ms, "
	    "relay %.1f ms", c->m->qid, (double)(c->t0_us / 1000 -
	    c->m->start_ms), (double)(at[0] - c->t0_us) / 1000.0,
	    (double)(at[1] - at[0]) / 1000.0, (double)(at[2] - at[1]) /
	    1000.0);
}

/* pipeline_run - checks, policy, reinjection and the replies */

void
pipeline_run(const struct sess_info *si, struct msg *m, struct buf *reply_r)
{
	struct pl_ctx	 c;
	uint64_t	 at[3];

	pipeline_new(&c, si, m);
	child_note_message(m->qid);
	if (pipeline_filtered(&c))
		checks_run(&c);
	learnmail_run(&c);
	child_note_stage();
	at[0] = time_now_us();
	decide_all(&c);
	plan_make(&c);
	at[1] = time_now_us();
	deliver_prepare(&c);
	deliver_commit(&c);
	at[2] = time_now_us();
	pipeline_log_stages(&c, at);
	child_note_stage();
	deliver_log_extras(&c);
	pipeline_final(m);
	if (!si->lmtp)
		report_smtp_reply(&c, reply_r);
	report_log(&c, reply_r);
	notices_notify(&c);
	pipeline_free(&c);
	child_note_message(NULL);
}
