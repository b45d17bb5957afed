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
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"
#include "notify.h"
#include "policy.h"
#include "template.h"

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

/* notices_dsn_words - the DSN's Subject and text from [policy]
 * template_dsn; 0, or -1 for the built-in words */

static int
notices_dsn_words(struct pl_ctx *c, const struct dsn_rcpt *dr, size_t n,
    struct buf *subj, struct buf *body)
{
	const struct template *t = policy_current->dsn_tmpl;
	const char	*vars[TEMPLATE_NVARS], *p, *e;
	struct buf	*rcpts, *hdr, *subject;
	char		 date[64];
	size_t		 i;

	if (t == NULL)
		return (-1);
	rcpts = buf_new(128);
	hdr = buf_new(256);
	subject = buf_new(128);
	for (i = 0; i < n; i++)
		buf_printf(rcpts, "%s%s", i ? ", " : "", dr[i].addr);
	(void)notify_header_value(c->data, c->header_len, "Subject", subject);
	time_rfc5322(date, sizeof(date), c->m->arrival);
	memset(vars, 0, sizeof(vars));
	vars[TEMPLATE_SENDER] = c->m->sender;
	vars[TEMPLATE_RECIPIENTS] = buf_str(rcpts);
	vars[TEMPLATE_SUBJECT] = buf_str(subject);
	vars[TEMPLATE_QUEUE_ID] = c->m->qid;
	vars[TEMPLATE_DATE] = date;
	vars[TEMPLATE_HOSTNAME] = smtp_conf.hostname;
	vars[TEMPLATE_CLIENT] = c->view.client_addr;
	template_render(t, vars, hdr, body);
	/* The template's Subject (folded lines and all), if it set one. */
	for (p = buf_str(hdr); *p != '\0'; p = e + 2) {
		if ((e = strstr(p, "\r\n")) == NULL)
			break;
		while (e != NULL && (e[2] == ' ' || e[2] == '\t'))
			e = strstr(e + 2, "\r\n");
		if (e == NULL)
			break;
		if (strncasecmp(p, "Subject:", 8) == 0) {
			p += 8 + strspn(p + 8, " ");
			buf_append(subj, p, (size_t)(e - p));
			break;
		}
	}
	buf_free(rcpts);
	buf_free(hdr);
	buf_free(subject);
	return (0);
}

/* notices_dsn - keep a DSN to the sender for the refused recipients not
 * reported yet (durable before the answer: smtp/notice.h); when it cannot
 * be kept durably it is dropped (must_keep) or sent once */

int
notices_dsn(struct pl_ctx *c, int must_keep)
{
	struct dsn_rcpt	*dr;
	struct dsn_text	 text;
	struct buf	*body, *what, *why, *subj, *words;
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
	subj = buf_new(128);
	words = buf_new(1024);
	memset(&text, 0, sizeof(text));
	if (notices_dsn_words(c, dr, n, subj, words) == 0) {
		text.subject = buf_len(subj) > 0 ? buf_str(subj) : NULL;
		text.body = buf_str(words);
	}
	/* Refusals by our own policy come from us, not the downstream. */
	dsn_build_text(body, c->m, c->data, c->len, c->header_len, dr, n,
	    npolicy == n ? smtp_conf.hostname : reinject_peer_host(),
	    c->m->qid, text.body != NULL ? &text : NULL);
	buf_free(subj);
	buf_free(words);
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
