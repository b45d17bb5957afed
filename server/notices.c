/*
 * notices.c - the DSN and the notifications of a message
 *
 * Both are decided before the answer and sent after it (smtp/notice.h):
 * the DSN to the sender for recipients refused permanently while others
 * were accepted - unless their status forbids one (spam and blacklisted
 * mail by default: backscatter) or the sender is <> -, and the
 * notifications the statuses ask for, for final outcomes only (a retry
 * would notify again).
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
#include "xalloc.h"

/* policy */
#include "findings.h"
#include "notify.h"
#include "policy.h"

/* smtp */
#include "dsn.h"
#include "fate.h"
#include "notice.h"
#include "reinject.h"
#include "smtp_conf.h"

/* server */
#include "pipeline.h"
#include "server.h"

/* notices_later - keep a notification for after the reply */

static void
notices_later(const char *qid, const char *what, char **to, size_t nto,
    struct buf *data)
{
	struct buf	*why = buf_new(128);

	if (notice_later(qid, what, to, nto, data, why) != WN_OK)
		log_error("%s: %s to <%s>: %s; sent once only, not kept for "
		    "a retry", qid, what, to[0], buf_str(why));
	buf_free(why);
}

/* notices_dsn_rcpts - the refused recipients a DSN should report now */

static size_t
notices_dsn_rcpts(struct pl_ctx *c, struct dsn_rcpt *dr, size_t *npolicy)
{
	size_t	 i, n = 0;

	*npolicy = 0;
	for (i = 0; i < c->m->nrcpts; i++) {
		struct rcpt *r = &c->m->rcpts[i];

		if (r->fate != FATE_REFUSED || !dsn_wanted(r) ||
		    (r->why & (FATE_NODSN | FATE_DSN_KEPT)))
			continue;
		dr[n].addr = r->addr;
		dr[n].orcpt = r->orcpt;
		dr[n].reply = buf_str(r->reply);
		dr[n].code = r->code;
		*npolicy += (r->why & FATE_BY_POLICY) != 0;
		n++;
	}
	return (n);
}

/* notices_dsn - keep a DSN to the sender for the refused recipients not
 * reported yet (durable before the answer: smtp/notice.h); when it cannot
 * be kept durably it is dropped (must_keep) or sent once */

int
notices_dsn(struct pl_ctx *c, int must_keep)
{
	struct dsn_rcpt	*dr;
	struct buf	*body, *what, *why;
	char		**to;
	size_t		 i, n, npolicy;
	int		 rc;

	if (c->m->sender[0] == '\0')
		return (WN_OK);		/* never bounce a bounce */
	dr = xcalloc(c->m->nrcpts + 1, sizeof(*dr));
	if ((n = notices_dsn_rcpts(c, dr, &npolicy)) == 0) {
		free(dr);
		return (WN_OK);
	}
	body = buf_new(4096);
	/* Refusals by our own policy come from us, not the downstream. */
	dsn_build(body, c->m, c->data, c->len, c->header_len, dr, n,
	    npolicy == n ? smtp_conf.hostname : reinject_peer_host(),
	    c->m->qid);
	to = xcalloc(2, sizeof(*to));
	to[0] = xstrdup(c->m->sender);
	what = buf_new(64);
	why = buf_new(128);
	buf_printf(what, "DSN for %zu refused recipient(s)", n);
	rc = notice_later(c->m->qid, buf_str(what), to, 1, body, why);
	if (rc != WN_OK)
		log_error("%s: %s: %s; %s", c->m->qid, buf_str(what),
		    buf_str(why), must_keep ? "the message is deferred" :
		    "sent once only, not kept for a retry");
	if (rc != WN_OK && must_keep) {
		notice_cancel_from(notice_mark() - 1);
	} else {
		for (i = 0; i < c->m->nrcpts; i++)
			if (c->m->rcpts[i].fate == FATE_REFUSED)
				c->m->rcpts[i].why |= FATE_DSN_KEPT;
		c->ndsn += n;
	}
	buf_free(what);
	buf_free(why);
	free(dr);
	return (rc);
}

/* notices_dsn_cancel - the answer is not 250: no DSN from us */

void
notices_dsn_cancel(struct pl_ctx *c)
{
	notice_cancel_from(c->dsn_mark);
	c->ndsn = 0;
}

/* notices_notify - the notifications the decisions ask for */

void
notices_notify(struct pl_ctx *c)
{
	static const char *const who[] = { "sender", "recipients", "admin" };
	const struct policy_decision **d;
	struct notify_info ni;
	struct notify_msg *msgs;
	struct buf	*from = buf_new(64), *what = buf_new(64);
	size_t		 i, n, any = 0;

	d = xcalloc(c->m->nrcpts + 1, sizeof(*d));
	for (i = 0; i < c->m->nrcpts; i++) {
		/* Final outcomes only: a retry would notify again. */
		if (c->rc[i].decided && c->m->rcpts[i].fate != FATE_DEFERRED) {
			d[i] = &c->rc[i].dec;
			any |= (d[i]->st[0]->notify != 0 ||
			    (d[i]->st[1] != NULL && d[i]->st[1]->notify != 0));
		}
	}
	if (!any)
		goto out;
	memset(&ni, 0, sizeof(ni));
	if (policy_conf.notify_from != NULL && policy_conf.notify_from[0])
		buf_puts(from, policy_conf.notify_from);
	else
		buf_printf(from, "postmaster@%s", smtp_conf.hostname);
	ni.queue_id = c->m->qid;
	ni.sender = c->m->sender;
	ni.header = c->data;
	ni.header_len = c->header_len;
	ni.client = c->view.client_addr;
	ni.hostname = smtp_conf.hostname;
	ni.from = buf_str(from);
	ni.admin = policy_conf.notify_admin;
	ni.arrival = c->m->arrival;
	ni.f = c->f;
	n = notify_build(&ni, c->addrs, d, c->m->nrcpts, &msgs);
	for (i = 0; i < n; i++) {
		buf_reset(what);
		buf_printf(what, "%s notification (%s)", who[msgs[i].who],
		    policy_status_name(msgs[i].slot));
		notices_later(c->m->qid, buf_str(what), msgs[i].to,
		    msgs[i].nto, msgs[i].data);
		msgs[i].to = NULL;	/* the pending list has them now */
		msgs[i].data = NULL;
	}
	notify_msgs_free(msgs, n);
out:
	free(d);
	buf_free(from);
	buf_free(what);
}
