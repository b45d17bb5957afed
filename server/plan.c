/*
 * plan.c - the message each recipient gets, and the transactions
 *
 * Each recipient's resulting message is our Received: field plus its
 * group's headers and modifications (policy_edit), as segments over the
 * spooled bytes (mail/edit.h).  Recipients with identical results, and the
 * addresses they are redirected to, share one downstream transaction;
 * copies (copy, archive_to) go in transactions of their own, best effort
 * (policy/split.h).  With split_by_result = no every decided recipient
 * gets one shared message.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "xalloc.h"

/* mail */
#include "edit.h"

/* policy */
#include "findings.h"
#include "policy.h"
#include "split.h"

/* smtp */
#include "fate.h"
#include "trace.h"

/* server */
#include "pipeline.h"
#include "server.h"

/* plan_received - our trace header (one time stamp per message: every
 * copy made of it is the same) */

static void
plan_received(struct pl_ctx *c, struct edit *e, const struct rcpt *only)
{
	struct buf	*v = buf_new(256);

	trace_received(v, c->si, c->m->qid, only != NULL ? only->addr : NULL,
	    c->m->arrival);
	edit_add_header(e, "Received", buf_str(v));
	buf_free(v);
}

/* plan_rcpt_edit - the message one recipient gets */

static struct edit *
plan_rcpt_edit(struct pl_ctx *c, size_t i)
{
	struct pl_rcpt	*p = &c->rc[i];
	const struct policy_decision *d;
	struct edit	*e = pipeline_edit(c, p);

	plan_received(c, e, c->m->nrcpts == 1 ? p->r : NULL);
	if (p->decided) {
		d = &p->dec;
		policy_edit(e, &d, 1, pipeline_findings(c, p));
		if (p->unchecked)
			policy_edit_info(e, c->info_error);
		return (e);
	}
	if (p->info != INFO_NONE)
		policy_edit_info(e, pipeline_info(c, p));
	/* Only we write X-Winnow-*: drop what the sender put there. */
	policy_edit_strip(e);
	return (e);
}

/* plan_shared_edit - one message for every decided recipient (split off) */

static struct edit *
plan_shared_edit(struct pl_ctx *c)
{
	const struct policy_decision **all;
	const struct pl_rcpt *changed = NULL;
	struct edit	*e;
	size_t		 i, n = 0;

	/* One message for all: if anyone's copy was changed by an AV action
	 * (a notice, parts removed or renamed), every copy is (the safe
	 * side; the strongest change wins). */
	for (i = 0; i < c->m->nrcpts; i++) {
		const struct pl_rcpt *p = &c->rc[i];

		if (!p->decided || !(p->dec.replace || p->dec.remove ||
		    p->dec.rename))
			continue;
		if (changed == NULL || p->dec.action > changed->dec.action)
			changed = p;
	}
	e = pipeline_edit(c, changed);

	all = xcalloc(c->m->nrcpts + 1, sizeof(*all));
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->rc[i].decided && (c->rc[i].dec.deliver ||
		    c->rc[i].r->fate == FATE_PENDING))
			all[n++] = &c->rc[i].dec;
	plan_received(c, e, c->m->nrcpts == 1 ? &c->m->rcpts[0] : NULL);
	policy_edit(e, all, n, pipeline_findings(c, changed));
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->rc[i].decided && c->rc[i].unchecked) {
			policy_edit_info(e, c->info_error);
			break;
		}
	free(all);
	return (e);
}

/* plan_add_list - addresses of a list into transactions of a kind */

static void
plan_add_list(struct pl_ctx *c, struct edit *e, int kind, char *const *to,
    size_t nto, size_t owner)
{
	size_t	 k;

	for (k = 0; k < nto; k++)
		(void)split_add(c->sp, e, kind, to[k], owner, 0);
}

/* plan_rcpt - the transactions one recipient takes part in */

static void
plan_rcpt(struct pl_ctx *c, size_t i, struct edit *shared)
{
	const struct pl_rcpt *p = &c->rc[i];
	const struct policy_decision *d = &p->dec;
	const struct policy_status *st;
	struct edit	*e;
	int		 k, kind;

	if (!p->decided) {
		if (p->r->fate == FATE_PENDING)
			(void)split_add(c->sp, plan_rcpt_edit(c, i),
			    SPLIT_DELIVER, p->r->addr, i, 1);
		return;
	}
	e = shared != NULL ? shared : plan_rcpt_edit(c, i);
	if (d->deliver && p->r->fate == FATE_PENDING)
		(void)split_add(c->sp, e, SPLIT_DELIVER, p->r->addr, i, 1);
	for (k = 0; k < 2; k++) {
		if ((st = d->st[k]) == NULL || st->nto == 0)
			continue;
		if (st->action == POLICY_COPY)
			kind = SPLIT_EXTRA;
		else if (st->action == POLICY_REDIRECT)
			kind = d->reject ? SPLIT_EXTRA : SPLIT_DELIVER;
		else
			continue;
		plan_add_list(c, e, kind, st->to, st->nto, i);
	}
}

/* plan_archive_to - archive_to copies: of the message as received, of each
 * distinct message sent on, or both */

static void
plan_archive_to(struct pl_ctx *c)
{
	struct edit	*orig;
	char		**arch = NULL;
	size_t		 i, t, narch = 0, ntx;

	if (policy_conf.archive_to != NULL && policy_conf.archive_to[0])
		narch = conf_list_split(policy_conf.archive_to, &arch);
	/* Archive copies serve every recipient: they go once any of them
	 * has a final outcome. */
	if (narch > 0 && policy_conf.archive != POLICY_ARCHIVE_OUTGOING) {
		orig = pipeline_edit(c, NULL);	/* the message as received */
		for (i = 0; i < c->m->nrcpts; i++)
			plan_add_list(c, orig, SPLIT_EXTRA, arch, narch, i);
	}
	if (narch > 0 && policy_conf.archive != POLICY_ARCHIVE_INCOMING) {
		ntx = c->sp->n;
		for (t = 0; t < ntx; t++)
			if (c->sp->txns[t].kind == SPLIT_DELIVER)
				for (i = 0; i < c->m->nrcpts; i++)
					plan_add_list(c, c->sp->txns[t].edit,
					    SPLIT_EXTRA, arch, narch, i);
	}
	conf_list_free(arch);
}

/* plan_make - every transaction of the message */

void
plan_make(struct pl_ctx *c)
{
	struct edit	*shared = NULL;
	size_t		 i;
	int		 any = 0;

	c->sp = split_new();
	for (i = 0; i < c->m->nrcpts; i++)
		any |= c->rc[i].decided;
	if (!policy_conf.split_by_result && any)
		shared = plan_shared_edit(c);
	for (i = 0; i < c->m->nrcpts; i++)
		plan_rcpt(c, i, shared);
	plan_archive_to(c);
	c->txns = xcalloc(c->sp->n + 1, sizeof(*c->txns));
}
