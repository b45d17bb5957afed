/*
 * learnmail.c - report addresses: learn what reporters send, then drop it
 *
 * [policy] report_spam and report_ham name addresses (e.g.
 * spam-report@example.com) that users forward misjudged mail to.  Mail
 * to them is not delivered: each message attached to it (message/rfc822,
 * in place or encoded) - or, when nothing is attached, the message itself
 * - is learned as spam or ham into [content] model and kept as a sample,
 * and the recipient gets 250 "learned".  Only configured reporters may do
 * that (report_senders, and report_clients when set): anyone else gets
 * 554, so nobody outside can poison the model.  A model that cannot be
 * written now is a temporary failure (451): the upstream tries again, and
 * learning the same message twice changes nothing.
 *
 * In a fleet ([fleet] redis) what a report teaches is also the fleet's:
 * each learned message is parked whole in [stats] dir/fleet/learn/ (the
 * outbox winnowctl uses while Redis is away, fleet/fleet_learn.h), and
 * the fleet process sends it to the learning stream, so every node's
 * model learns it.  Children never talk to Redis, so they always park.
 * The local model learns first; a message that cannot be parked is a
 * temporary failure too (451), and the retry learns it again (no change)
 * and parks it.
 *
 * The learner locks the model file, so reports in several children are
 * learned one after the other; winnowd's children need write access to
 * the model's directory and to samples_dir (the package's /var/lib/winnow
 * belongs to them).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* mail */
#include "mail.h"

/* checks */
#include "content.h"

/* policy */
#include "policy.h"

/* stats */
#include "stats_conf.h"

/* fleet */
#include "fleet_conf.h"
#include "fleet_learn.h"

/* smtp */
#include "fate.h"
#include "smtp_conf.h"

/* server */
#include "pipeline.h"

#define LEARNMAIL_MAX	100	/* attached messages learned per report */

/* One message to learn: its bytes (into the report, or decoded). */
struct learnmail_item {
	const char	*data;
	size_t		 len;
	struct buf	*own;		/* decoded, when it was encoded */
};

/* learnmail_items - the attached messages of a report */

static size_t
learnmail_items(const struct pl_ctx *c, struct learnmail_item *it)
{
	const struct mail *m = c->mail;
	const struct mail_part *p, *q;
	unsigned int	 i;
	size_t		 n = 0;

	for (i = 0; m != NULL && i < m->nparts && n < LEARNMAIL_MAX; i++) {
		p = &m->part[i];
		if ((p->flags & MAIL_PART_MESSAGE) && i + 1 < m->nparts &&
		    m->part[i + 1].parent == i) {
			q = &m->part[i + 1];
			it[n].data = m->data + q->hdr_start;
			it[n].len = q->body_end - q->hdr_start;
			it[n++].own = NULL;
		} else if (p->flags & MAIL_PART_ENCODED_MSG) {
			it[n].own = buf_new(p->body_end - p->body_start + 1);
			(void)maildec_part(m, i, it[n].own, 0);
			it[n].data = it[n].own->data;
			it[n].len = buf_len(it[n].own);
			n++;
		}
	}
	if (n == 0) {
		it[0].data = c->data;
		it[0].len = c->len;
		it[0].own = NULL;
		n = 1;
	}
	return (n);
}

/* learnmail_park - hand the learned messages to the fleet process;
 * WN_OK (also with no fleet) or WN_TEMP with why */

static int
learnmail_park(const struct learnmail_item *it, size_t n, int spam,
    struct buf *why)
{
	char		 dir[4096];
	size_t		 i;

	if (!fleet_conf_on())
		return (WN_OK);
	fleet_learn_dir(stats_conf_dir(smtp_conf.spool_dir), dir,
	    sizeof(dir));
	for (i = 0; i < n; i++)
		if (fleet_learn_park(dir, it[i].data, it[i].len, spam, why) !=
		    WN_OK)
			return (WN_TEMP);
	return (WN_OK);
}

/* learnmail_learn - learn the report's messages as spam or ham; WN_OK or
 * WN_TEMP with why */

static int
learnmail_learn(const struct pl_ctx *c, int spam, size_t *n_r,
    struct buf *why)
{
	struct learnmail_item *it;
	struct content_learner *l;
	size_t		 i, n, pruned;
	int		 rc = WN_OK;

	it = calloc(LEARNMAIL_MAX + 1, sizeof(*it));
	if (it == NULL)
		log_fatal("learnmail: out of memory");
	n = learnmail_items(c, it);
	if ((l = content_learner_open(content_model_path(),
	    content_default_model_path(), 0, why)) == NULL) {
		rc = WN_TEMP;
		goto out;
	}
	for (i = 0; i < n; i++)
		(void)content_learner_learn(l, it[i].data, it[i].len, spam);
	if ((rc = content_learner_commit(l, why)) != WN_OK)
		rc = WN_TEMP;
	content_learner_close(l);
	if (rc != WN_OK || (rc = learnmail_park(it, n, spam, why)) != WN_OK)
		goto out;
	for (i = 0; i < n; i++) {
		buf_reset(why);
		if (content_sample_keep(it[i].data, it[i].len, spam, why) !=
		    WN_OK)
			log_warn("%s: report: cannot keep the sample: %s",
			    c->m->qid, buf_str(why));
	}
	buf_reset(why);
	(void)content_samples_prune(&pruned, why);
	*n_r = n;
out:
	for (i = 0; i < n; i++)
		buf_free(it[i].own);
	free(it);
	return (rc);
}

/* learnmail_is_report - whether a recipient is a report address */

int
learnmail_is_report(const char *rcpt)
{
	return (policy_report_kind(rcpt) >= 0);
}

/* learnmail_run - every report recipient: refused, learned or deferred */

void
learnmail_run(struct pl_ctx *c)
{
	struct pl_rcpt	*p;
	size_t		 i, n = 0;
	int		 kind, done = -1, rc = WN_OK;

	for (i = 0; i < c->m->nrcpts; i++) {
		p = &c->rc[i];
		if (p->info != INFO_REPORT || p->r->fate != FATE_PENDING)
			continue;
		kind = policy_report_kind(p->r->addr);
		if (!policy_reporter_ok(c->m->sender, c->view.client_addr)) {
			log_notice("%s: report to <%s> from <%s> [%s] refused: "
			    "not a reporter (report_senders, report_clients)",
			    c->m->qid, p->r->addr, c->m->sender,
			    c->view.client_addr ? c->view.client_addr : "?");
			fate_set(p->r, FATE_REFUSED, 554, "5.7.1 <%s>: reports "
			    "are taken from configured reporters only",
			    p->r->addr);
			p->r->why |= FATE_BY_POLICY | FATE_NODSN;
			continue;
		}
		/* Two report addresses of one kind: one learning. */
		if (done != kind) {
			buf_reset(c->why);
			rc = learnmail_learn(c, kind == 1, &n, c->why);
			done = kind;
			if (rc == WN_OK)
				log_info("%s: report from <%s>: %zu message(s) "
				    "learned as %s", c->m->qid, c->m->sender,
				    n, kind == 1 ? "spam" : "ham");
			else
				log_error("%s: report: cannot learn: %s",
				    c->m->qid, buf_str(c->why));
		}
		if (rc == WN_OK)
			fate_set(p->r, FATE_DISPOSED, 250, "2.0.0 Ok: %zu "
			    "message(s) learned as %s (%s)", n, kind == 1 ?
			    "spam" : "ham", c->m->qid);
		else
			fate_set(p->r, FATE_DEFERRED, 451, "4.3.0 Cannot learn "
			    "the report now, try again later (%s)",
			    c->m->qid);
	}
}
