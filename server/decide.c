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
			c->removed_hlen = edit_header_len(c->removed->data,
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

/* decide_av_fallback - [av] remove_fallback as a policy action */

static int
decide_av_fallback(void)
{
	switch (av_remove_fallback(av_opts_default())) {
	case AV_ACT_PASS:
		return (POLICY_ACCEPT);
	case AV_ACT_REJECT:
		return (POLICY_REJECT);
	case AV_ACT_DROP:
		return (POLICY_DROP);
	case AV_ACT_TEMPFAIL:
		return (POLICY_TEMPFAIL);
	default:
		return (POLICY_QUARANTINE);
	}
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

/* decide_all - each protected recipient's decision */

void
decide_all(struct pl_ctx *c)
{
	struct buf	*text = buf_new(256), *virus = buf_new(64);
	struct pl_rcpt	*p;
	struct policy_decision *d;
	size_t		 i;

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
