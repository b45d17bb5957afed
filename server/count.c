/*
 * count.c - one message into the statistics and the verdict history
 *
 * The report stage calls count_message() once per message, after the
 * summary line is written, with the same score and X-Winnow-Checks text;
 * this file only translates what the pipeline knows (struct pl_ctx, the
 * recipients' fates, the check table's timings) into struct tally_msg
 * (stats/tally.h says what is counted) - no stage counts anything
 * itself.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"
#include "policy.h"

/* smtp */
#include "fate.h"

/* stats */
#include "svec.h"
#include "tally.h"

/* server */
#include "checks.h"
#include "pipeline.h"
#include "server.h"

/* count_fate - a recipient's fate as counted */

static int
count_fate(enum fate f)
{
	switch (f) {
	case FATE_DELIVERED:
	case FATE_ACCEPTED:
		return (SFATE_DELIVERED);
	case FATE_DISPOSED:
		return (SFATE_DISPOSED);
	case FATE_REFUSED:
		return (SFATE_REFUSED);
	default:
		return (SFATE_DEFERRED);
	}
}

/* count_state - a check family's state, a failed check as an error */

static unsigned char
count_state(enum check_state st, int failed)
{
	if (failed && (st == CHECK_NOT_RUN || st == CHECK_DONE))
		return (CHECK_ERROR);
	return ((unsigned char)st);
}

/* count_checks - states and timings of the checks */

static void
count_checks(const struct pl_ctx *c, struct tally_msg *t)
{
	const struct findings *f = c->f;
	const struct check *k;
	size_t		 i;
	int		 slat;

	t->state[SCHECK_CONTENT] = count_state(f->content_state,
	    f->failed & FINDINGS_FAILED_CONTENT);
	t->state[SCHECK_AV] = count_state(f->av_state,
	    f->failed & FINDINGS_FAILED_AV);
	t->state[SCHECK_DNSBL] = count_state(f->dnsbl_state,
	    f->failed & FINDINGS_FAILED_DNS);
	t->state[SCHECK_RDNS] = (unsigned char)f->rdns_state;
	t->state[SCHECK_SPF] = (unsigned char)f->spf_state;
	t->state[SCHECK_SURBL] = (unsigned char)f->surbl_state;
	t->state[SCHECK_UDS] = count_state(f->uds_state,
	    f->failed & FINDINGS_FAILED_UDS);
	for (i = 0, k = checks_table; k->name != NULL; k++, i++) {
		slat = strcmp(k->name, "content") == 0 ? SLAT_CONTENT :
		    strcmp(k->name, "av") == 0 ? SLAT_AV :
		    strcmp(k->name, "dns") == 0 ? SLAT_DNS :
		    strcmp(k->name, "uds") == 0 ? SLAT_UDS : -1;
		if (slat < 0 || !c->check_ran[i])
			continue;
		t->check_ran[slat] = 1;
		t->check_us[slat] = c->check_us[i];
	}
}

/* count_safe - untrusted text made safe for the history (as in the log) */

static char *
count_safe(const char *s)
{
	struct buf	*b = buf_new(64);

	if (s != NULL)
		buf_append_safe(b, s, strlen(s));
	return (buf_finish(b));
}

/* count_message - the message into the statistics */

void
count_message(struct pl_ctx *c, const struct buf *reply,
    const char *checks_text, int has_score, double score)
{
	struct tally_rcpt *rc;
	struct tally_msg t;
	struct buf	*client;
	const struct msg *m = c->m;
	char		*sender, *upstream;
	size_t		 i;

	if (server_live == NULL)
		return;
	rc = xcalloc(m->nrcpts + 1, sizeof(*rc));
	for (i = 0; i < m->nrcpts; i++) {
		const struct pl_rcpt *p = &c->rc[i];

		rc[i].addr = count_safe(p->r->addr);
		rc[i].group = p->decided ? p->dec.group->name : NULL;
		rc[i].spam = p->decided ? (int)p->dec.spam : SPAM_UNFILTERED;
		rc[i].av = p->decided ? (int)p->dec.av : 0;
		rc[i].action = p->decided ?
		    (int)svec_action_code(p->dec.action) : ACTION_NONE;
		rc[i].fate = count_fate(p->r->fate);
		rc[i].by_policy = (p->r->why & FATE_BY_POLICY) != 0;
		rc[i].downstream = (p->r->why & FATE_DOWNSTREAM) != 0;
		rc[i].code = p->r->code;
	}
	client = buf_new(64);
	if (m->xf.name != NULL)
		buf_append_safe(client, m->xf.name, strlen(m->xf.name));
	buf_printf(client, "[%s]", c->view.client_addr != NULL ?
	    c->view.client_addr : "");
	memset(&t, 0, sizeof(t));
	t.qid = m->qid;
	t.upstream = upstream = m->xf.ident != NULL ? count_safe(m->xf.ident) :
	    NULL;
	t.client = buf_str(client);
	t.sender = sender = count_safe(m->sender);
	t.size = c->len;
	t.rc = rc;
	t.nrcpts = m->nrcpts;
	t.lmtp = c->si->lmtp;
	t.reply = c->si->lmtp ? NULL : buf_str(reply);
	t.has_score = has_score;
	t.score = score;
	t.checks = checks_text;
	t.duration_us = time_now_us() - c->t0_us;
	count_checks(c, &t);
	t.quarantine = c->quar_failed ? -1 : c->quar_id != NULL ? 1 : 0;
	t.archived = c->narchived;
	t.archive_failed = c->narchive_failed;
	tally_message(server_live, &t);
	buf_free(client);
	for (i = 0; i < m->nrcpts; i++)
		free((char *)rc[i].addr);
	free(rc);
	free(sender);
	free(upstream);
}

/* count_refused - the session refused a message itself */

void
count_refused(int code)
{
	tally_session_reply(server_live, code);
}

/* count_notice - a DSN or notification went out, or did not */

void
count_notice(int retry, int rc)
{
	tally_notice(server_live, retry, rc);
}
