/*
 * decide.c - each filtered recipient's statuses and actions
 *
 * The group of each protected recipient decides from the findings of its
 * AV pass (policy_decide).  A refusal gets 554 and the status's reject
 * text at once, a hold 451; a recipient whose AV action is "remove" or
 * "rename" gets the message with the flagged parts replaced or renamed,
 * made once per pass - or, when that cannot be done safely, [av]
 * remove_fallback; "replace" gets a notice from the status's template.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* mail */
#include "edit.h"
#include "mail.h"

/* checks */
#include "av.h"

/* policy */
#include "findings.h"
#include "notify.h"
#include "policy.h"
#include "replace.h"
#include "template.h"

/* smtp */
#include "fate.h"
#include "smtp_conf.h"

/* server */
#include "avsets.h"
#include "checks.h"
#include "pipeline.h"
#include "server.h"

/* decide_vars - the macros of a reject text or notification */

void
decide_vars(struct pl_ctx *c, const struct policy_decision *d, int slot,
    const char **vars, struct buf *virus)
{
	const struct findings *f = c->f;
	unsigned int	 i, n;

	/* the virus names of the recipient's own pass */
	for (i = 0; i < c->m->nrcpts; i++)
		if (&c->rc[i].dec == d)
			f = pipeline_findings(c, &c->rc[i]);
	memset(vars, 0, TEMPLATE_NVARS * sizeof(*vars));
	n = f->viruses.count < FINDINGS_MAX_ITEMS ? f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	if (d->av != AV_NOT_SCANNED)
		for (i = 0; i < n; i++)
			buf_printf(virus, "%s%s", i ? ", " : "",
			    f->viruses.item[i].name);
	vars[TEMPLATE_SENDER] = c->m->sender[0] ? c->m->sender : "<>";
	vars[TEMPLATE_STATUS] = policy_status_name(slot);
	vars[TEMPLATE_ACTION] = policy_action_name(d->action);
	vars[TEMPLATE_VIRUS] = buf_str(virus);
	vars[TEMPLATE_QUEUE_ID] = c->m->qid;
	vars[TEMPLATE_GROUP] = d->group->name;
	vars[TEMPLATE_HOSTNAME] = smtp_conf.hostname;
	vars[TEMPLATE_CLIENT] = c->view.client_addr;
}

/* decide_variant - the message with the AV-flagged parts replaced (or
 * renamed), made once per pass; 0, or -1 when that cannot be done
 * safely */

static int
decide_variant(struct pl_ctx *c, size_t pass, int rename)
{
	struct pl_pass	*ps = &c->passes[pass];
	struct pl_variant *v = rename ? &ps->renamed : &ps->removed;
	const struct av_opts *o = avsets_opts(ps->set);
	int		 rc;

	if (v->state == 0) {
		v->b = buf_new(c->len + 1024);
		buf_reset(c->why);
		rc = rename ? av_rename_parts(&c->view, o, ps->f, v->b,
		    c->why) : av_remove_parts_opts(&c->view, o, ps->f, v->b,
		    c->why);
		if (rc == WN_OK) {
			v->state = 1;
			v->hlen = mailhdr_len(v->b->data, buf_len(v->b));
		} else {
			log_warn("%s: cannot %s the flagged parts (%s); "
			    "using [av] remove_fallback", c->m->qid, rename ?
			    "rename" : "remove", buf_str(c->why));
			v->state = -1;
		}
	}
	return (v->state > 0 ? 0 : -1);
}

/* decide_replaced - the notice a recipient gets in place of the message */

static void
decide_replaced(struct pl_ctx *c, struct pl_rcpt *p)
{
	struct notify_info ni;

	memset(&ni, 0, sizeof(ni));
	ni.queue_id = c->m->qid;
	ni.sender = c->m->sender;
	ni.header = c->data;
	ni.header_len = c->header_len;
	ni.client = c->view.client_addr;
	ni.hostname = smtp_conf.hostname;
	ni.arrival = c->m->arrival;
	ni.f = pipeline_findings(c, p);
	p->replaced = buf_new(1024);
	(void)replace_build(&ni, p->r->addr, &p->dec, p->replaced);
	p->replaced_hlen = mailhdr_len(p->replaced->data,
	    buf_len(p->replaced));
}

/* decide_av_fallback - [av] remove_fallback, a policy action */

static int
decide_av_fallback(void)
{
	int	 a = policy_action_find(av_remove_fallback());

	if (a < 0)
		log_panic("[av] remove_fallback: unknown action %s",
		    av_remove_fallback());
	return (a);
}

/* decide_refuse - a refused recipient's 554 with its status's text */

static void
decide_refuse(struct pl_ctx *c, struct pl_rcpt *p, struct buf *text,
    struct buf *virus)
{
	const char	*vars[TEMPLATE_NVARS];
	const struct policy_decision *d = &p->dec;

	buf_reset(text);
	buf_reset(virus);
	decide_vars(c, d, d->reject_slot, vars, virus);
	template_render_line(d->group->st[d->reject_slot].reject_text, vars,
	    text);
	if (text->data[0] == '5' && text->data[1] == '.')
		fate_set(p->r, FATE_REFUSED, 554, "%s", buf_str(text));
	else
		fate_set(p->r, FATE_REFUSED, 554, "5.7.1 %s", buf_str(text));
	p->r->why |= FATE_BY_POLICY | (d->dsn ? 0 : FATE_NODSN);
}

/* decide_on_error - [server] on_error for a recipient whose group depends
 * on a check that failed (failed: the families that depend on one) */

static void
decide_on_error(struct pl_ctx *c, struct pl_rcpt *p, unsigned int failed)
{
	const struct policy_group *g;

	g = policy_group_find(policy_current, p->r->addr, c->m->sender,
	    c->view.client_addr);
	if (!(policy_needs(g) & failed))
		return;			/* its statuses do not depend on it */
	if (server_conf.on_error == ON_ERROR_ACCEPT)
		p->unchecked = 1;	/* decided on the other checks */
	else if (server_conf.on_error == ON_ERROR_REJECT)
		fate_set(p->r, FATE_REFUSED, 554, "5.3.0 Message could not be "
		    "checked (%s)", c->m->qid);
	else
		fate_set(p->r, FATE_DEFERRED, 451, "4.3.0 Temporary failure "
		    "while checking the message (%s), try again later",
		    c->m->qid);
}

/* decide_checks_failed - on_error where a failed check matters; 1 when
 * the whole message is then held back (an SMTP upstream) */

static int
decide_checks_failed(struct pl_ctx *c)
{
	struct buf	*names = buf_new(64);
	unsigned int	 failed;
	size_t		 i;

	failed = checks_failed_families(c->f, names);
	(void)snprintf(c->info_error, sizeof(c->info_error),
	    "not processed (%s check failed)", buf_str(names));
	buf_free(names);
	if (failed == 0)
		return (0);
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->rc[i].r->fate == FATE_PENDING &&
		    c->rc[i].info == INFO_NONE)
			decide_on_error(c, &c->rc[i], failed);
	if (c->si->lmtp ||
	    fate_count(c->m->rcpts, c->m->nrcpts, FATE_DEFERRED) == 0)
		return (0);
	/* One reply covers all: deliver nothing, decide nothing (a
	 * notification would go out again on the retry). */
	for (i = 0; i < c->m->nrcpts; i++)
		fate_hold(&c->m->rcpts[i], "4.3.0 Temporary failure (%s)",
		    c->m->qid);
	return (1);
}

/* decide_all - each protected recipient's decision */

void
decide_all(struct pl_ctx *c)
{
	struct buf	*text, *virus;
	struct pl_rcpt	*p;
	struct policy_decision *d;
	size_t		 i;

	if (decide_checks_failed(c))
		return;
	text = buf_new(256);
	virus = buf_new(64);
	for (i = 0; i < c->m->nrcpts; i++) {
		p = &c->rc[i];
		if (p->r->fate != FATE_PENDING || p->info != INFO_NONE)
			continue;
		d = &p->dec;
		policy_decide(policy_current, p->r->addr, &c->view,
		    pipeline_findings(c, p), d);
		p->decided = 1;
		if ((d->remove || d->rename) && decide_variant(c, p->pass,
		    d->rename) < 0)
			policy_decision_av_action(d, decide_av_fallback());
		if (d->replace)
			decide_replaced(c, p);
		if (d->tempfail) {
			fate_set(p->r, FATE_DEFERRED, 451, "4.7.0 Message held "
			    "back (%s), try again later (%s)",
			    policy_status_name(d->tempfail_slot), c->m->qid);
			p->r->why |= FATE_BY_POLICY;
		} else if (d->reject) {
			decide_refuse(c, p, text, virus);
		}
	}
	buf_free(text);
	buf_free(virus);
}
