/*
 * pipe_forward.c - winnow-pipe's unfiltered path: straight to forward
 *
 * A message over filter_size_limit, or one winnowd could not take while
 * [client] on_error = accept, goes to [server] forward unfiltered, as
 * winnowd would send it: our Received: field, "X-Winnow-Info: WHY", and
 * no X-Winnow-* field of the sender's.  One downstream transaction carries
 * every recipient; in LMTP each gets its own outcome, in SMTP one reply
 * covers all (any temporary failure holds the message back entirely, so a
 * retry duplicates nothing); recipients refused permanently while others
 * were accepted get a DSN after the reply.  No check and no policy code is
 * linked here.
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

/* smtp */
#include "dsn.h"
#include "msg.h"
#include "notice.h"
#include "reinject.h"
#include "sess.h"
#include "smtp_conf.h"
#include "trace.h"

/* mail */
#include "edit.h"
#include "mail.h"

/* pipe-client */
#include "pipe.h"

/* pf_edit - the message as it goes downstream */

static struct edit *
pf_edit(const struct sess_info *si, const struct msg *m, const char *data,
    size_t len, const char *info)
{
	struct edit	*e = edit_new(data, len, mailhdr_len(data, len));
	struct buf	*v = buf_new(256);

	trace_received(v, si, m->qid, m->nrcpts == 1 ? m->rcpts[0].addr :
	    NULL, m->arrival);
	edit_add_header(e, "Received", buf_str(v));
	edit_add_header(e, "X-Winnow-Info", info);
	/* Only winnowd writes X-Winnow-*: drop what the sender put there. */
	edit_remove_prefix(e, "X-Winnow-");
	buf_free(v);
	return (e);
}

/* pf_send - one transaction to forward for the recipients without an
 * outcome yet; each of them gets one */

static void
pf_send(const struct sess_info *si, struct msg *m, struct edit *e,
    int eightbit)
{
	struct reinject_txn t;
	struct reinject	*conn;
	struct rcpt	**rp = xcalloc(m->nrcpts + 1, sizeof(*rp));
	struct buf	*why = buf_new(256);
	size_t		 i, n = 0;

	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].fate == FATE_PENDING)
			rp[n++] = &m->rcpts[i];
	reinject_txn_init(&t);
	if (n == 0)
		goto out;
	t.msg = m;
	t.sender = m->sender;
	t.rcpts = rp;
	t.nrcpts = n;
	t.size = edit_size(e);
	t.nsegs = edit_segments(e, &t.segs);
	t.eightbit = eightbit;
	if ((conn = reinject_open(0, why)) == NULL) {
		for (i = 0; i < n; i++)
			fate_hold(rp[i], "4.4.1 Downstream unavailable: %s",
			    buf_str(why));
		goto out;
	}
	if (reinject_prepare(conn, &t, si->lmtp, why) != WN_OK) {
		for (i = 0; i < n; i++)
			fate_hold(rp[i], "4.4.2 Downstream failed: %s",
			    buf_str(why));
		reinject_abort(conn, &t);
		reinject_release(conn, 0);
		goto out;
	}
	if (!t.prepared) {
		reinject_release(conn, 1);	/* RSET was sent */
	} else if (reinject_commit(conn, &t, why) == WN_OK) {
		reinject_release(conn, 1);
	} else {
		log_warn("%s: %s after end of data: %s (the message may be "
		    "delivered twice)", m->qid, reinject_peer(conn),
		    buf_str(why));
		reinject_release(conn, 0);
	}
out:
	/* SMTP: one temporary failure holds back every copy; the dot was
	 * then never sent (reinject_prepare refuses with a tempfail). */
	for (i = 0; i < n; i++)
		fate_hold(rp[i], "4.3.0 Temporary failure (%s)", m->qid);
	reinject_txn_free(&t);
	buf_free(why);
	free(rp);
}

/* pf_dsn - a DSN for the recipients refused while others were accepted */

static size_t
pf_dsn(const struct msg *m, const char *data, size_t len)
{
	struct dsn_rcpt	*dr;
	struct buf	*body, *why;
	char		**to;
	size_t		 i, n = 0;

	if (m->sender[0] == '\0')
		return (0);		/* never bounce a bounce */
	dr = xcalloc(m->nrcpts + 1, sizeof(*dr));
	for (i = 0; i < m->nrcpts; i++) {
		if (m->rcpts[i].fate != FATE_REFUSED ||
		    !dsn_wanted(&m->rcpts[i]))
			continue;
		dr[n].addr = m->rcpts[i].addr;
		dr[n].orcpt = m->rcpts[i].orcpt;
		dr[n].reply = buf_str(m->rcpts[i].reply);
		dr[n].code = m->rcpts[i].code;
		n++;
	}
	if (n > 0) {
		body = buf_new(4096);
		dsn_build(body, m, data, len, mailhdr_len(data, len), dr, n,
		    reinject_peer_host(), m->qid);
		to = xcalloc(2, sizeof(*to));
		to[0] = xstrdup(m->sender);
		why = buf_new(64);
		(void)notice_later(m->qid, "DSN", to, 1, body, why);
		buf_free(why);
	}
	free(dr);
	return (n);
}

/* pf_reply - the one reply for an SMTP upstream */

static void
pf_reply(const struct msg *m, const char *data, size_t len,
    struct buf *reply)
{
	const struct rcpt *r, *ok;
	size_t		 nrefused, ndsn;

	r = fate_first(m->rcpts, m->nrcpts, FATE_DEFERRED);
	ok = fate_first(m->rcpts, m->nrcpts, FATE_DELIVERED);
	if (r != NULL || ok == NULL) {
		if (r == NULL)
			r = fate_first(m->rcpts, m->nrcpts, FATE_REFUSED);
		buf_append(reply, buf_str(r->reply), buf_len(r->reply) > 400 ?
		    400 : buf_len(r->reply));
		return;
	}
	nrefused = fate_count(m->rcpts, m->nrcpts, FATE_REFUSED);
	ndsn = nrefused > 0 ? pf_dsn(m, data, len) : 0;
	buf_printf(reply, "250 2.0.0 Ok: filtered as %s", m->qid);
	if (nrefused > 0)
		buf_printf(reply, ", %zu recipient(s) refused downstream%s",
		    nrefused, ndsn > 0 ? ", DSN sent" : "");
	buf_puts(reply, "; downstream said: ");
	buf_append(reply, buf_str(ok->reply), buf_len(ok->reply) > 200 ? 200 :
	    buf_len(ok->reply));
}

/* pf_log - the one summary line of a message sent on unfiltered */

static void
pf_log(const struct sess_info *si, const struct msg *m, size_t len,
    const char *info, const struct buf *reply)
{
	struct buf	*l = buf_new(512);
	size_t		 i;

	buf_printf(l, "%s: from=<", m->qid);
	buf_append_safe(l, m->sender, strlen(m->sender));
	buf_printf(l, "> size=%zu nrcpt=%zu peer=[%s] proto=%s forward=%s "
	    "delay=%.3fs (%s)", len, m->nrcpts, si->peer_addr, si->lmtp ?
	    "LMTP" : "SMTP", smtp_conf.forward,
	    (double)(time_now_ms() - m->start_ms) / 1000.0, info);
	for (i = 0; i < m->nrcpts; i++) {
		buf_puts(l, " to=<");
		buf_append_safe(l, m->rcpts[i].addr, strlen(m->rcpts[i].addr));
		buf_puts(l, "> \"");
		buf_append_safe(l, buf_str(m->rcpts[i].reply),
		    buf_len(m->rcpts[i].reply));
		buf_puts(l, "\"");
	}
	if (!si->lmtp) {
		buf_puts(l, " reply=\"");
		buf_append_safe(l, buf_str(reply), buf_len(reply));
		buf_puts(l, "\"");
	}
	log_info("%s", buf_str(l));
	buf_free(l);
}

/* pipe_forward - deliver msg unfiltered, marked "X-Winnow-Info: info" */

void
pipe_forward(const struct sess_info *si, struct msg *m, const char *info,
    struct buf *reply_r)
{
	const char	*data;
	struct edit	*e;
	size_t		 len;
	int		 eightbit;

	data = spool_data(m->spool, &len);
	/* Only a message without BODY= needs looking at (reinject then
	 * declares BODY=8BITMIME for 8-bit content). */
	eightbit = m->body == BODY_UNSPEC && mem_has_8bit(data, len);
	e = pf_edit(si, m, data, len, info);
	pf_send(si, m, e, eightbit);
	if (!si->lmtp)
		pf_reply(m, data, len, reply_r);
	pf_log(si, m, len, info, reply_r);
	edit_free(e);
}
