/*
 * decide.c - each filtered recipient's statuses and actions
 *
 * The group of each protected recipient decides from the findings
 * (policy_decide).  A refusal gets 554 and the status's reject text at
 * once, a hold 451; a recipient whose AV action is "remove" gets the
 * message with the flagged parts replaced, made once per message - or,
 * when that cannot be done safely, [av] remove_fallback.
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
#include "policy.h"
#include "template.h"

/* smtp */
#include "fate.h"
#include "smtp_conf.h"

/* server */
#include "checks.h"
#include "pipeline.h"
#include "server.h"

/* decide_vars - the macros of a reject text or notification */

void
decide_vars(struct pl_ctx *c, const struct policy_decision *d, int slot,
    const char **vars, struct buf *virus)
{
	unsigned int	 i, n;

	memset(vars, 0, TEMPLATE_NVARS * sizeof(*vars));
	n = c->f->viruses.count < FINDINGS_MAX_ITEMS ? c->f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	if (d->av != AV_NOT_SCANNED)
		for (i = 0; i < n; i++)
			buf_printf(virus, "%s%s", i ? ", " : "",
			    c->f->viruses.item[i].name);
	vars[TEMPLATE_SENDER] = c->m->sender[0] ? c->m->sender : "<>";
	vars[TEMPLATE_STATUS] = policy_status_name(slot);
	vars[TEMPLATE_ACTION] = policy_action_name(d->action);
	vars[TEMPLATE_VIRUS] = buf_str(virus);
	vars[TEMPLATE_QUEUE_ID] = c->m->qid;
	vars[TEMPLATE_GROUP] = d->group->name;
	vars[TEMPLATE_HOSTNAME] = smtp_conf.hostname;
	vars[TEMPLATE_CLIENT] = c->view.client_addr;
}

/* decide_removed - the message with the AV-flagged parts replaced by a
 * notice (made once per message); 0, or -1 when that cannot be done
 * safely */

static int
decide_removed(struct pl_ctx *c)
{
	if (c->removed_state == 0) {
		c->removed = buf_new(c->len + 1024);
		buf_reset(c->why);
		if (av_remove_parts(&c->view, c->f, c->removed, c->why) ==
		    WN_OK) {
			c->removed_state = 1;
			c->removed_hlen = mailhdr_len(c->removed->data,
			    buf_len(c->removed));
		} else {
			log_warn("%s: cannot remove the flagged parts (%s); "
			    "using [av] remove_fallback", c->m->qid,
			    buf_str(c->why));
			c->removed_state = -1;
		}
	}
	return (c->removed_state > 0 ? 0 : -1);
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
		policy_decide(policy_current, p->r->addr, &c->view, c->f, d);
		p->decided = 1;
		if (d->remove && decide_removed(c) < 0)
			policy_decision_av_action(d, decide_av_fallback());
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
