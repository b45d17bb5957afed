/*
 * pipe_relay.c - one transaction to winnowd and its answers back
 *
 * winnow-pipe has the whole message before it calls winnowd (the session
 * spooled it), so a failure at any point can still be handed to on_error
 * with the message intact.  The conversation is the one winnowd expects
 * from Postfix: greeting, LHLO or EHLO, XFORWARD (the client attributes
 * Exim passed on our command line, and our queue id), then MAIL, RCPT...
 * and DATA in one pipelined write, the body dot-stuffed (server/stuff.c),
 * the final dot, and the replies, read with server/reply.c's bounded
 * parser.
 *
 * What counts as winnowd failing - and so goes to on_error - is anything
 * that is not an answer: no connection, no 220, a timeout, a closed
 * connection, a malformed reply, or 421 (winnowd is going away or has no
 * free child).  Every other reply is winnowd's answer and is passed on as
 * it is, 4xx and 5xx included.
 *
 * An SMTP upstream gets one reply for the whole message, so recipients
 * that winnowd refused while accepting others cannot be expressed: then
 * the message goes no further (no final dot) and the upstream gets a 4xx.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "endpoint.h"
#include "log.h"
#include "status.h"
#include "stream.h"
#include "xalloc.h"

/* spool */
#include "spool.h"

/* smtp */
#include "dotstuff.h"
#include "listener.h"
#include "msg.h"
#include "reply.h"
#include "sess.h"
#include "smtp_conf.h"

/* pipe-client */
#include "pipe.h"

#define RELAY_PIPELINING	0x01
#define RELAY_SIZE		0x02
#define RELAY_8BITMIME		0x04
#define RELAY_SMTPUTF8		0x08
#define RELAY_DSN		0x10
#define RELAY_XFORWARD		0x20

#define RELAY_QUIT_TIMEOUT	2000	/* ms: we do not wait long to part */
#define RELAY_CHUNK		65536

struct relay {
	struct stream	*st;
	const char	*peer;		/* connect_to, for messages */
	int		 lmtp;
	unsigned int	 ext;		/* RELAY_* offered by winnowd */
	struct reply	 reply;
	struct buf	*cmd;
	struct msg	*m;
	char		*accepted;	/* per recipient: 2xx at RCPT */
	size_t		 naccepted;
};

/* relay_fail - say why winnowd gave no answer */

static int
relay_fail(struct relay *r, struct buf *why, const char *what)
{
	buf_printf(why, "%s %s: %s", what, r->peer, stream_strerror(r->st));
	return (PIPE_RELAY_FAILED);
}

/* relay_read - one reply; a 421 is a failure, not an answer */

static int
relay_read(struct relay *r, const char *what, struct buf *why)
{
	struct buf	*tmp;

	if (reply_read(r->st, &r->reply, why) != WN_OK) {
		buf_printf(why, " (%s %s)", what, r->peer);
		return (PIPE_RELAY_FAILED);
	}
	if (r->reply.code == 421) {
		tmp = buf_new(128);
		reply_format(&r->reply, tmp);
		buf_printf(why, "%s answered %s with \"%s\"", r->peer, what,
		    buf_str(tmp));
		buf_free(tmp);
		return (PIPE_RELAY_FAILED);
	}
	return (PIPE_RELAY_OK);
}

/* relay_send - flush the queued commands */

static int
relay_send(struct relay *r, struct buf *why)
{
	if (stream_write(r->st, r->cmd->data, buf_len(r->cmd)) < 0 ||
	    stream_flush(r->st) < 0)
		return (relay_fail(r, why, "sending to"));
	buf_reset(r->cmd);
	return (PIPE_RELAY_OK);
}

/* relay_ext - note the extensions in an LHLO/EHLO reply */

static void
relay_ext(struct relay *r)
{
	static const struct {
		const char	*kw;
		unsigned int	 bit;
	} kws[] = {
		{ "PIPELINING", RELAY_PIPELINING }, { "SIZE", RELAY_SIZE },
		{ "8BITMIME", RELAY_8BITMIME }, { "SMTPUTF8", RELAY_SMTPUTF8 },
		{ "DSN", RELAY_DSN }, { "XFORWARD", RELAY_XFORWARD },
	};
	const char	*line = buf_str(r->reply.text), *nl;
	size_t		 n, i;

	r->ext = r->lmtp ? RELAY_PIPELINING : 0;	/* RFC 2033 */
	while ((nl = strchr(line, '\n')) != NULL) {
		line = nl + 1;
		n = strcspn(line, " \n");
		for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
			if (strlen(kws[i].kw) == n &&
			    strncasecmp(line, kws[i].kw, n) == 0)
				r->ext |= kws[i].bit;
	}
}

/* relay_open - connect, read the greeting, say LHLO or EHLO */

static int
relay_open(struct relay *r, struct buf *why)
{
	struct endpoint	 ep;
	int		 fd;

	if (endpoint_parse(client_conf.connect_to, &ep, 0, why) < 0)
		return (PIPE_RELAY_FAILED);
	fd = endpoint_connect(&ep, client_conf.connect_timeout, why);
	endpoint_free(&ep);
	if (fd < 0)
		return (PIPE_RELAY_FAILED);
	r->st = stream_new(fd);
	stream_set_timeout(r->st, client_conf.connect_timeout);
	if (relay_read(r, "the connection", why) != PIPE_RELAY_OK)
		return (PIPE_RELAY_FAILED);
	if (r->reply.code != 220) {
		buf_printf(why, "%s greeted with ", r->peer);
		reply_format(&r->reply, why);
		return (PIPE_RELAY_FAILED);
	}
	stream_set_timeout(r->st, client_conf.command_timeout);
	buf_printf(r->cmd, "%s %s\r\n", r->lmtp ? "LHLO" : "EHLO",
	    smtp_conf.hostname);
	if (relay_send(r, why) != PIPE_RELAY_OK ||
	    relay_read(r, r->lmtp ? "LHLO" : "EHLO", why) != PIPE_RELAY_OK)
		return (PIPE_RELAY_FAILED);
	if (r->reply.code != 250) {
		buf_printf(why, "%s refused %s: ", r->peer,
		    r->lmtp ? "LHLO" : "EHLO");
		reply_format(&r->reply, why);
		if (r->lmtp)
			buf_puts(why, " (is its listener smtp: only?)");
		return (PIPE_RELAY_FAILED);
	}
	relay_ext(r);
	return (PIPE_RELAY_OK);
}

/* relay_xforward_one - queue "XFORWARD NAME=value" if there is a value */

static int
relay_xforward_one(struct relay *r, const char *name, const char *value)
{
	size_t	 len;

	if (value == NULL || *value == '\0')
		return (0);
	len = strlen(value);
	buf_printf(r->cmd, "XFORWARD %s=", name);
	addr_xtext_encode(value, len > 255 ? 255 : len, r->cmd);
	buf_puts(r->cmd, "\r\n");
	return (1);
}

/* relay_xforward - queue XFORWARD commands for the transaction's client
 * attributes, and our queue id as IDENT when there is none (winnowd logs
 * it as upstream_id=, which ties its log line to ours); returns how many */

static int
relay_xforward(struct relay *r)
{
	const struct xforward *xf = &r->m->xf;
	int	 n = 0;

	if (!(r->ext & RELAY_XFORWARD))
		return (0);
	if (xf->set) {
		n += relay_xforward_one(r, "NAME", xf->name);
		n += relay_xforward_one(r, "ADDR", xf->addr);
		n += relay_xforward_one(r, "PORT", xf->port);
		n += relay_xforward_one(r, "PROTO", xf->proto);
		n += relay_xforward_one(r, "HELO", xf->helo);
		n += relay_xforward_one(r, "SOURCE", xf->source);
	}
	n += relay_xforward_one(r, "IDENT", xf->set && xf->ident != NULL ?
	    xf->ident : r->m->qid);
	return (n);
}

/* relay_mail_cmd - MAIL with the parameters winnowd takes */

static void
relay_mail_cmd(struct relay *r, const char *data, size_t len)
{
	const struct msg *m = r->m;

	buf_printf(r->cmd, "MAIL FROM:<%s>", m->sender);
	if (r->ext & RELAY_SIZE)
		buf_printf(r->cmd, " SIZE=%zu", len);
	if ((r->ext & RELAY_8BITMIME) && (m->body == BODY_8BITMIME ||
	    (m->body == BODY_UNSPEC && mem_has_8bit(data, len))))
		buf_puts(r->cmd, " BODY=8BITMIME");
	else if ((r->ext & RELAY_8BITMIME) && m->body == BODY_7BIT)
		buf_puts(r->cmd, " BODY=7BIT");
	if ((r->ext & RELAY_SMTPUTF8) && m->smtputf8)
		buf_puts(r->cmd, " SMTPUTF8");
	if ((r->ext & RELAY_DSN) && m->ret != NULL)
		buf_printf(r->cmd, " RET=%s", m->ret);
	if ((r->ext & RELAY_DSN) && m->envid != NULL)
		buf_printf(r->cmd, " ENVID=%s", m->envid);
	buf_puts(r->cmd, "\r\n");
}

/* relay_rcpt_cmd - one RCPT */

static void
relay_rcpt_cmd(struct relay *r, const struct rcpt *rc)
{
	buf_printf(r->cmd, "RCPT TO:<%s>", rc->addr);
	if ((r->ext & RELAY_DSN) && rc->notify != NULL)
		buf_printf(r->cmd, " NOTIFY=%s", rc->notify);
	if ((r->ext & RELAY_DSN) && rc->orcpt != NULL)
		buf_printf(r->cmd, " ORCPT=%s", rc->orcpt);
	buf_puts(r->cmd, "\r\n");
}

/* relay_set - give a recipient winnowd's reply (a reply out of place
 * defers it: fate.h) */

static void
relay_set(struct rcpt *rc, enum fate_stage stage, const struct reply *rp)
{
	(void)fate_from_reply(rc, stage, rp);
}

/* relay_envelope - XFORWARD, MAIL, RCPT and DATA; returns OK with
 * *go set when the message data may follow */

static int
relay_envelope(struct relay *r, const char *data, size_t len, int *go,
    struct buf *why)
{
	struct msg	*m = r->m;
	int		 nxf, i, pipelined = (r->ext & RELAY_PIPELINING) != 0;
	size_t		 k;

	*go = 0;
	nxf = relay_xforward(r);
	relay_mail_cmd(r, data, len);
	for (k = 0; pipelined && k < m->nrcpts; k++)
		relay_rcpt_cmd(r, &m->rcpts[k]);
	if (pipelined)
		buf_puts(r->cmd, "DATA\r\n");
	if (relay_send(r, why) != PIPE_RELAY_OK)
		return (PIPE_RELAY_FAILED);
	for (i = 0; i < nxf; i++) {
		if (relay_read(r, "XFORWARD", why) != PIPE_RELAY_OK)
			return (PIPE_RELAY_FAILED);
		if (r->reply.code / 100 != 2)
			log_warn("%s: %s refused XFORWARD (%d): the client "
			    "attributes are lost", m->qid, r->peer,
			    r->reply.code);
	}
	if (relay_read(r, "MAIL", why) != PIPE_RELAY_OK)
		return (PIPE_RELAY_FAILED);
	if (r->reply.code / 100 != 2) {
		for (k = 0; k < m->nrcpts; k++)
			relay_set(&m->rcpts[k], FATE_AT_RCPT, &r->reply);
		if (!pipelined)
			return (PIPE_RELAY_OK);
	}
	for (k = 0; k < m->nrcpts; k++) {
		if (!pipelined) {
			relay_rcpt_cmd(r, &m->rcpts[k]);
			if (relay_send(r, why) != PIPE_RELAY_OK)
				return (PIPE_RELAY_FAILED);
		}
		if (relay_read(r, "RCPT", why) != PIPE_RELAY_OK)
			return (PIPE_RELAY_FAILED);
		if (m->rcpts[k].fate != FATE_PENDING)
			continue;		/* MAIL was refused */
		if (r->reply.code / 100 == 2) {
			r->accepted[k] = 1;
			r->naccepted++;
		} else {
			relay_set(&m->rcpts[k], FATE_AT_RCPT, &r->reply);
		}
	}
	if (!pipelined && r->naccepted > 0) {
		buf_puts(r->cmd, "DATA\r\n");
		if (relay_send(r, why) != PIPE_RELAY_OK)
			return (PIPE_RELAY_FAILED);
	}
	if ((pipelined || r->naccepted > 0) &&
	    relay_read(r, "DATA", why) != PIPE_RELAY_OK)
		return (PIPE_RELAY_FAILED);
	if (r->naccepted == 0)
		return (PIPE_RELAY_OK);
	if (r->reply.code != 354) {
		for (k = 0; k < m->nrcpts; k++)
			if (r->accepted[k])
				relay_set(&m->rcpts[k], FATE_AT_DATA,
				    &r->reply);
		return (PIPE_RELAY_OK);
	}
	*go = 1;
	return (PIPE_RELAY_OK);
}

/* relay_body - the message, dot-stuffed, and the final dot; *after_dot
 * is set once the dot may have left */

static int
relay_body(struct relay *r, const char *data, size_t len, int *after_dot,
    struct buf *why)
{
	struct dotstuff	 sf;
	size_t		 off, n;

	dotstuff_init(&sf);
	for (off = 0; off < len; off += n) {
		n = len - off > RELAY_CHUNK ? RELAY_CHUNK : len - off;
		dotstuff_feed(&sf, r->cmd, data + off, n);
		if (stream_write(r->st, r->cmd->data, buf_len(r->cmd)) < 0)
			return (relay_fail(r, why, "sending the message to"));
		buf_reset(r->cmd);
	}
	dotstuff_finish(&sf, r->cmd);
	*after_dot = 1;
	return (relay_send(r, why));
}

/* relay_outcome - the replies to the final dot */

static int
relay_outcome(struct relay *r, struct buf *reply_r, struct buf *why)
{
	struct msg	*m = r->m;
	size_t		 k;

	stream_set_timeout(r->st, client_conf.data_timeout);
	if (!r->lmtp) {
		if (relay_read(r, "the end of data", why) != PIPE_RELAY_OK)
			return (PIPE_RELAY_FAILED);
		for (k = 0; k < m->nrcpts; k++)
			relay_set(&m->rcpts[k], FATE_AT_DOT, &r->reply);
		/* The one reply, as the recipients' fate says it (a reply out
		 * of place became 451). */
		if (m->nrcpts > 0)
			buf_puts(reply_r, buf_str(m->rcpts[0].reply));
		return (PIPE_RELAY_OK);
	}
	/* LMTP: one reply per accepted recipient, in RCPT order. */
	for (k = 0; k < m->nrcpts; k++) {
		if (!r->accepted[k])
			continue;
		if (relay_read(r, "the end of data", why) != PIPE_RELAY_OK)
			return (PIPE_RELAY_FAILED);
		relay_set(&m->rcpts[k], FATE_AT_DOT, &r->reply);
	}
	return (PIPE_RELAY_OK);
}

/* relay_first_refusal - the reply for a refused SMTP message: the first
 * temporary refusal if there is one (the client retries), else the first */

static const char *
relay_first_refusal(const struct relay *r)
{
	const struct msg *m = r->m;
	const char	*first = NULL, *s;
	size_t		 k;

	for (k = 0; k < m->nrcpts; k++) {
		if (r->accepted[k] || m->rcpts[k].fate == FATE_PENDING)
			continue;
		s = buf_str(m->rcpts[k].reply);
		if (m->rcpts[k].fate == FATE_DEFERRED)
			return (s);
		if (first == NULL)
			first = s;
	}
	return (first);
}

/* relay_smtp_mixed - an SMTP upstream cannot hear "some yes, some no":
 * defer the whole message (returns 1 and the reply) */

static int
relay_smtp_mixed(struct relay *r, struct buf *reply_r)
{
	struct msg	*m = r->m;
	const char	*first;
	size_t		 k;

	if ((first = relay_first_refusal(r)) == NULL)
		return (0);
	if (first[0] == '4') {
		buf_puts(reply_r, first);
	} else {
		log_warn("%s: %s accepted some recipients and refused "
		    "others (%s); an SMTP client cannot be told so: "
		    "deferring the message", m->qid, r->peer, first);
		buf_printf(reply_r, "451 4.3.0 The filter refused some "
		    "recipients (%s), try again later", m->qid);
	}
	for (k = 0; k < m->nrcpts; k++) {
		if (m->rcpts[k].fate != FATE_DELIVERED)
			fate_reset(&m->rcpts[k]);
		fate_set_line(&m->rcpts[k], FATE_DEFERRED, buf_str(reply_r));
	}
	return (1);
}

/* relay_quit - part politely when the conversation is still in step */

static void
relay_quit(struct relay *r)
{
	if (r->st == NULL || stream_error(r->st) != STREAM_OK)
		return;
	stream_set_timeout(r->st, RELAY_QUIT_TIMEOUT);
	buf_reset(r->cmd);
	if (stream_puts(r->st, "QUIT\r\n") == 0 && stream_flush(r->st) == 0)
		(void)reply_read(r->st, &r->reply, r->cmd);
}

/* pipe_relay - hand one transaction to winnowd */

int
pipe_relay(const struct sess_info *si, struct msg *m, struct buf *reply_r,
    int *after_dot, struct buf *why)
{
	struct relay	 r;
	const char	*data;
	size_t		 len, k;
	int		 rc, go = 0, in_step = 1;

	memset(&r, 0, sizeof(r));
	r.peer = client_conf.connect_to;
	r.lmtp = si->lmtp;
	r.m = m;
	r.cmd = buf_new(4096);
	r.accepted = xcalloc(m->nrcpts + 1, 1);
	reply_init(&r.reply);
	*after_dot = 0;
	for (k = 0; k < m->nrcpts; k++)
		fate_reset(&m->rcpts[k]);
	data = spool_data(m->spool, &len);

	rc = relay_open(&r, why);
	if (rc == PIPE_RELAY_OK)
		rc = relay_envelope(&r, data, len, &go, why);
	if (rc == PIPE_RELAY_OK && go && !r.lmtp &&
	    relay_smtp_mixed(&r, reply_r)) {
		in_step = 0;			/* in DATA: drop, no dot */
		go = 0;
	}
	if (rc == PIPE_RELAY_OK && go) {
		rc = relay_body(&r, data, len, after_dot, why);
		if (rc == PIPE_RELAY_OK)
			rc = relay_outcome(&r, reply_r, why);
	} else if (rc == PIPE_RELAY_OK && !r.lmtp && buf_len(reply_r) == 0) {
		/* Refused before the data: MAIL's, RCPT's or DATA's reply. */
		for (k = 0; k < m->nrcpts; k++)
			r.accepted[k] = 0;
		buf_puts(reply_r, relay_first_refusal(&r) != NULL ?
		    relay_first_refusal(&r) : "451 4.3.0 No answer from the "
		    "filter");
	}
	if (rc == PIPE_RELAY_OK && in_step)
		relay_quit(&r);
	if (rc != PIPE_RELAY_OK && !r.lmtp)
		for (k = 0; k < m->nrcpts; k++)
			fate_reset(&m->rcpts[k]);	/* one reply: none */
	reply_free(&r.reply);
	stream_free(r.st);
	buf_free(r.cmd);
	free(r.accepted);
	return (rc);
}
