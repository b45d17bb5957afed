/*
 * sess.c - one SMTP/LMTP session from the upstream
 *
 * A table-driven command loop.  Replies are queued and written only when
 * the peer has nothing more for us to read, which is all PIPELINING needs
 * and keeps a pipelined MAIL/RCPT/DATA group at one segment each way.
 *
 * The transaction (struct msg) lives from MAIL to the reply after DATA.
 * DATA is framed strictly (framer.c) into a spool; the program's deliver
 * hook (sess.h) then decides the replies - winnowd checks and reinjects -
 * and only then do we answer: the upstream owns the message until it reads
 * our 250.
 *
 * Every reply carries an enhanced status code.  Protocol errors count
 * towards max_errors, after which we say 421 and hang up.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "log.h"
#include "status.h"
#include "stream.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "spool.h"

/* smtp */
#include "framer.h"
#include "msg.h"
#include "sess.h"
#include "smtp_conf.h"

#define SESS_LINE_MAX	2048	/* longest command line (Postfix's limit) */
#define SESS_SPOOL_CHUNK (64 * 1024)
#define SESS_RATE_WINDOW 10000	/* ms of DATA before data_min_rate counts */

struct sess {
	struct stream	*st;
	int		 proto_fixed;	/* listener's protocol */
	int		 lmtp, esmtp;
	int		 greeted;
	char		*helo;
	const char	*peer;
	int		 xforward_ok;	/* peer in xforward_hosts */
	struct xforward	 xf;		/* for the next transaction */
	struct msg	*msg;
	unsigned int	 nerrors;
	unsigned int	 accepted;	/* messages answered with a 2xx */
	int		 quit;
	struct buf	*line;
	struct buf	*why;
	const struct sess_hooks *hooks;
	uint64_t	 session_end;	/* session_time_limit, absolute */
	uint64_t	 txn_end;	/* transaction_time_limit, absolute */
	int		 too_slow;	/* DATA came below data_min_rate */
};

typedef int	sess_fn(struct sess *, const char *);


/* sess_deadline - when waiting for the client must end (0: never): the
 * session's limit, or the transaction's when it comes first */

static uint64_t
sess_deadline(const struct sess *s)
{
	if (s->txn_end != 0 && (s->session_end == 0 ||
	    s->txn_end < s->session_end))
		return (s->txn_end);
	return (s->session_end);
}

/* sess_limit_name - which limit a deadline that passed was */

static const char *
sess_limit_name(const struct sess *s)
{
	uint64_t	 d = sess_deadline(s);

	if (d == 0 || time_now_ms() < d)
		return (NULL);
	return (d == s->txn_end ? "transaction_time_limit" :
	    "session_time_limit");
}

/* sess_reply - queue one reply line */

static void
sess_reply(struct sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sess_reply(struct sess *s, const char *fmt, ...)
{
	struct buf	*b = buf_new(128);
	va_list		 ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (buf_len(b) > 510)			/* RFC 5321 reply line limit */
		buf_truncate(b, 510);
	buf_puts(b, "\r\n");
	(void)stream_write(s->st, b->data, buf_len(b));
	buf_free(b);
}

/* sess_error - a protocol error reply, counted */

static int
sess_error(struct sess *s, const char *text)
{
	sess_reply(s, "%s", text);
	s->nerrors++;
	return (-1);
}

/* sess_reset - forget the transaction and the XFORWARD attributes */

static void
sess_reset(struct sess *s)
{
	msg_free(s->msg);
	s->msg = NULL;
	s->txn_end = 0;
	xforward_clear(&s->xf);
}

/* sess_greeting - HELO, EHLO and LHLO */

static int
sess_greeting(struct sess *s, const char *arg, int esmtp, int lmtp)
{
	if (lmtp && s->proto_fixed == PROTO_SMTP)
		return (sess_error(s, "500 5.5.1 This is an SMTP service: "
		    "use EHLO"));
	if (!lmtp && s->proto_fixed == PROTO_LMTP)
		return (sess_error(s, "500 5.5.1 This is an LMTP service: "
		    "use LHLO"));
	if (*arg == '\0')
		return (sess_error(s, lmtp ? "501 5.5.4 Syntax: LHLO hostname" :
		    esmtp ? "501 5.5.4 Syntax: EHLO hostname" :
		    "501 5.5.4 Syntax: HELO hostname"));
	sess_reset(s);
	free(s->helo);
	s->helo = xstrndup(arg, 255);
	s->lmtp = lmtp;
	s->esmtp = esmtp;
	s->greeted = 1;
	if (!esmtp) {
		sess_reply(s, "250 %s", smtp_conf.hostname);
		return (0);
	}
	sess_reply(s, "250-%s", smtp_conf.hostname);
	sess_reply(s, "250-PIPELINING");
	sess_reply(s, "250-SIZE %zu", smtp_conf.message_size_limit);
	sess_reply(s, "250-8BITMIME");
	sess_reply(s, "250-SMTPUTF8");
	sess_reply(s, "250-DSN");
	if (!s->xforward_ok) {
		sess_reply(s, "250 ENHANCEDSTATUSCODES");
		return (0);
	}
	sess_reply(s, "250-ENHANCEDSTATUSCODES");
	sess_reply(s, "250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE");
	return (0);
}

/* sess_helo - HELO */

static int
sess_helo(struct sess *s, const char *arg)
{
	return (sess_greeting(s, arg, 0, 0));
}

/* sess_ehlo - EHLO */

static int
sess_ehlo(struct sess *s, const char *arg)
{
	return (sess_greeting(s, arg, 1, 0));
}

/* sess_lhlo - LHLO */

static int
sess_lhlo(struct sess *s, const char *arg)
{
	return (sess_greeting(s, arg, 1, 1));
}

/* sess_prefix - match "FROM:" or "TO:" case-insensitively */

static const char *
sess_prefix(const char *arg, const char *prefix)
{
	size_t	 n = strlen(prefix);

	if (strncasecmp(arg, prefix, n) != 0)
		return (NULL);
	return (arg + n);
}

/* sess_envelope - " from=<...> to=<...>,<...> client=[...]" for a log
 * line about a message the session refuses itself */

static void
sess_envelope(const struct sess *s, const struct msg *m, struct buf *out)
{
	size_t	 i;

	buf_puts(out, " from=<");
	if (m->sender != NULL)
		buf_append_safe(out, m->sender, strlen(m->sender));
	buf_puts(out, ">");
	for (i = 0; i < m->nrcpts; i++) {
		buf_puts(out, i ? ",<" : " to=<");
		buf_append_safe(out, m->rcpts[i].addr,
		    strlen(m->rcpts[i].addr));
		buf_puts(out, ">");
	}
	buf_printf(out, " client=[%s]", s->peer);
}

/* sess_refused - log the session's own refusal of message m with its
 * envelope, and tell the hooks */

static void
sess_refused(struct sess *s, const struct msg *m, int code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
sess_refused(struct sess *s, const struct msg *m, int code, const char *fmt,
    ...)
{
	struct buf	*l = buf_new(256);
	va_list		 ap;

	buf_printf(l, "%s: ", m->qid);
	va_start(ap, fmt);
	buf_vprintf(l, fmt, ap);
	va_end(ap);
	sess_envelope(s, m, l);
	if (code / 100 == 4)
		log_warn("%s", buf_str(l));
	else
		log_info("%s", buf_str(l));
	buf_free(l);
	if (s->hooks->refused != NULL)
		s->hooks->refused(code);
}

/* sess_mail_params - check and record MAIL parameters */

static int
sess_mail_params(struct sess *s, struct msg *m, const char *params)
{
	const char	*k, *v;
	size_t		 kl, vl;
	struct buf	*tmp;
	unsigned long long size;

	while (addr_param_next(&params, &k, &kl, &v, &vl)) {
		if (!s->esmtp)
			return (sess_error(s, "555 5.5.4 Parameters need EHLO"));
		if (kl == 4 && strncasecmp(k, "SIZE", 4) == 0 && v != NULL &&
		    vl > 0 && vl < 20 && strspn(v, "0123456789") >= vl) {
			size = strtoull(v, NULL, 10);
			if (size > smtp_conf.message_size_limit) {
				sess_refused(s, m, 552, "rejected: SIZE=%llu "
				    "over message_size_limit (%zu):", size,
				    smtp_conf.message_size_limit);
				sess_reply(s, SMTP_REPLY_TOO_BIG " Message size "
				    "exceeds the limit of %zu bytes",
				    smtp_conf.message_size_limit);
				return (-1);
			}
			m->size_decl = (size_t)size;
		} else if (kl == 4 && strncasecmp(k, "BODY", 4) == 0 &&
		    v != NULL) {
			if (vl == 4 && strncasecmp(v, "7BIT", 4) == 0)
				m->body = BODY_7BIT;
			else if (vl == 8 && strncasecmp(v, "8BITMIME", 8) == 0)
				m->body = BODY_8BITMIME;
			else
				return (sess_error(s, "555 5.5.4 Unsupported "
				    "BODY type"));
		} else if (kl == 8 && strncasecmp(k, "SMTPUTF8", 8) == 0 &&
		    v == NULL) {
			m->smtputf8 = 1;
		} else if (kl == 3 && strncasecmp(k, "RET", 3) == 0 &&
		    v != NULL && ((vl == 4 && !strncasecmp(v, "FULL", 4)) ||
		    (vl == 4 && !strncasecmp(v, "HDRS", 4)))) {
			free(m->ret);
			m->ret = xstrndup(v, vl);
		} else if (kl == 5 && strncasecmp(k, "ENVID", 5) == 0 &&
		    v != NULL && vl > 0 && vl <= 200) {
			tmp = buf_new(vl);
			if (addr_xtext_decode(v, vl, tmp) < 0) {
				buf_free(tmp);
				return (sess_error(s, "501 5.5.4 Bad ENVID "
				    "(not xtext)"));
			}
			buf_free(tmp);
			free(m->envid);
			m->envid = xstrndup(v, vl);
		} else if (kl == 4 && strncasecmp(k, "AUTH", 4) == 0 &&
		    v != NULL) {
			continue;	/* RFC 4954: informational, ignored */
		} else {
			sess_reply(s, "555 5.5.4 Unsupported MAIL parameter "
			    "\"%.*s\"", (int)(kl > 40 ? 40 : kl), k);
			s->nerrors++;
			return (-1);
		}
	}
	return (0);
}

/* sess_mail - MAIL FROM */

static int
sess_mail(struct sess *s, const char *arg)
{
	const char	*p, *params;
	char		*addr, qid[20];
	struct msg	*m;

	if (!s->greeted)
		return (sess_error(s, "503 5.5.1 Send HELO/EHLO first"));
	if (s->msg != NULL)
		return (sess_error(s, "503 5.5.1 Nested MAIL command"));
	if ((p = sess_prefix(arg, "FROM:")) == NULL)
		return (sess_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>"));
	buf_reset(s->why);
	if (addr_parse_path(p, &addr, &params, s->why) < 0) {
		sess_reply(s, "501 5.1.7 Bad sender address: %s",
		    buf_str(s->why));
		s->nerrors++;
		return (-1);
	}
	qid_new(qid, sizeof(qid));
	m = msg_new(qid);
	m->sender = addr;
	if (sess_mail_params(s, m, params) < 0) {
		msg_free(m);
		return (-1);
	}
	buf_reset(s->why);
	if (spool_space_check(smtp_conf.spool_dir, m->size_decl,
	    smtp_conf.spool_reserve, s->why) != WN_OK) {
		sess_refused(s, m, 452, "refusing mail: %s:", buf_str(s->why));
		sess_reply(s, "452 4.3.1 Insufficient system storage");
		msg_free(m);
		return (0);
	}
	xforward_copy(&m->xf, &s->xf);
	s->msg = m;
	if (smtp_conf.transaction_time_limit != 0)
		s->txn_end = time_now_ms() + smtp_conf.transaction_time_limit;
	sess_reply(s, "250 2.1.0 Ok");
	return (0);
}

/* sess_notify_ok - is a NOTIFY value valid (RFC 3461)? */

static int
sess_notify_ok(const char *v, size_t vl)
{
	char	 tmp[64], *tok, *save;
	int	 never = 0, n = 0;

	if (vl == 0 || vl >= sizeof(tmp))
		return (0);
	memcpy(tmp, v, vl);
	tmp[vl] = '\0';
	for (tok = strtok_r(tmp, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), n++) {
		if (strcasecmp(tok, "NEVER") == 0)
			never = 1;
		else if (strcasecmp(tok, "SUCCESS") != 0 &&
		    strcasecmp(tok, "FAILURE") != 0 &&
		    strcasecmp(tok, "DELAY") != 0)
			return (0);
	}
	return (n > 0 && (!never || n == 1));
}

/* sess_orcpt_ok - is an ORCPT value "type;xtext"? */

static int
sess_orcpt_ok(const char *v, size_t vl)
{
	const char	*semi = memchr(v, ';', vl);
	struct buf	*tmp;
	int		 ok;

	if (semi == NULL || semi == v || vl > 500)
		return (0);
	tmp = buf_new(vl);
	ok = addr_xtext_decode(semi + 1, vl - (size_t)(semi + 1 - v), tmp) ==
	    0;
	buf_free(tmp);
	return (ok);
}

/* sess_rcpt - RCPT TO */

static int
sess_rcpt(struct sess *s, const char *arg)
{
	const char	*p, *params, *k, *v;
	char		*addr, *notify = NULL, *orcpt = NULL;
	size_t		 kl, vl;
	struct rcpt	*r;

	if (s->msg == NULL)
		return (sess_error(s, "503 5.5.1 Need MAIL command"));
	if ((p = sess_prefix(arg, "TO:")) == NULL)
		return (sess_error(s, "501 5.5.4 Syntax: RCPT TO:<address>"));
	buf_reset(s->why);
	if (addr_parse_path(p, &addr, &params, s->why) < 0) {
		sess_reply(s, "501 5.1.3 Bad recipient address: %s",
		    buf_str(s->why));
		s->nerrors++;
		return (-1);
	}
	if (addr[0] == '\0') {
		free(addr);
		return (sess_error(s, "501 5.1.3 Bad recipient address: "
		    "empty address"));
	}
	while (addr_param_next(&params, &k, &kl, &v, &vl)) {
		if (s->esmtp && kl == 6 && strncasecmp(k, "NOTIFY", 6) == 0 &&
		    v != NULL && sess_notify_ok(v, vl) && notify == NULL) {
			notify = xstrndup(v, vl);
		} else if (s->esmtp && kl == 5 &&
		    strncasecmp(k, "ORCPT", 5) == 0 && v != NULL &&
		    sess_orcpt_ok(v, vl) && orcpt == NULL) {
			orcpt = xstrndup(v, vl);
		} else {
			sess_reply(s, "555 5.5.4 Unsupported or bad RCPT "
			    "parameter \"%.*s\"", (int)(kl > 40 ? 40 : kl), k);
			s->nerrors++;
			free(addr);
			free(notify);
			free(orcpt);
			return (-1);
		}
	}
	if (s->msg->nrcpts >= smtp_conf.max_recipients) {
		sess_reply(s, "452 4.5.3 Too many recipients (max_recipients "
		    "= %u)", smtp_conf.max_recipients);
		free(addr);
		free(notify);
		free(orcpt);
		return (0);
	}
	r = msg_add_rcpt(s->msg, addr);
	r->notify = notify;
	r->orcpt = orcpt;
	free(addr);
	sess_reply(s, "250 2.1.5 Ok");
	return (0);
}

/* sess_too_slow - DATA below data_min_rate once it has lasted long enough
 * (a client that trickles a byte now and then to hold a child) */

static int
sess_too_slow(struct sess *s, uint64_t start, size_t got)
{
	uint64_t	 took = time_now_ms() - start;

	if (smtp_conf.data_min_rate == 0 || took < SESS_RATE_WINDOW ||
	    (uint64_t)got * 1000 / took >= smtp_conf.data_min_rate)
		return (0);
	s->too_slow = 1;
	return (1);
}

/* sess_receive - read the message data into the spool */

static int
sess_receive(struct sess *s, struct framer *fr, struct spool *sp,
    int *spool_failed)
{
	struct buf	*out = fr->out;
	const char	*p;
	size_t		 avail, n, got = 0;
	uint64_t	 start = time_now_ms();

	stream_set_timeout(s->st, smtp_conf.data_timeout);
	stream_set_deadline(s->st, sess_deadline(s));
	while (!fr->done) {
		p = stream_rdata(s->st, &avail);
		if (avail == 0) {
			if (sess_too_slow(s, start, got))
				return (-1);
			if (stream_fill(s->st) < 0)
				return (-1);
			continue;
		}
		got += avail;
		n = framer_feed(fr, p, avail);
		stream_rconsume(s->st, n);
		if (buf_len(out) >= SESS_SPOOL_CHUNK || fr->done) {
			if (!*spool_failed && !fr->too_big && !fr->too_long &&
			    spool_write(sp, out->data, buf_len(out), s->why) !=
			    WN_OK) {
				log_warn("%s: spool: %s", s->msg->qid,
				    buf_str(s->why));
				*spool_failed = 1;
			}
			buf_reset(out);
		}
	}
	return (0);
}

/* sess_lmtp_check - the deliver hook must leave every recipient with an
 * outcome (a bug otherwise: nothing may be answered without one) */

static void
sess_lmtp_check(const struct msg *m, size_t i)
{
	enum fate	 f = m->rcpts[i].fate;

	if (!fate_final(f) && f != FATE_DEFERRED)
		log_panic("%s: recipient %zu is %s after delivery", m->qid, i,
		    fate_name(f));
}

/* sess_answer_all - the same reply for every recipient (LMTP) or once */

static void
sess_answer_all(struct sess *s, const char *text)
{
	size_t	 i;

	if (!s->lmtp) {
		sess_reply(s, "%s", text);
		return;
	}
	for (i = 0; i < s->msg->nrcpts; i++)
		sess_reply(s, "%s", text);
}

/* sess_data_lost - the data did not come: too slow, too late, or the
 * connection went away; nothing was delivered */

static void
sess_data_lost(struct sess *s)
{
	const char	*limit = sess_limit_name(s);

	if (s->too_slow)
		log_warn("%s: message data from [%s] came slower than "
		    "data_min_rate (%u bytes/s); nothing was delivered",
		    s->msg->qid, s->peer, smtp_conf.data_min_rate);
	else if (limit != NULL)
		log_warn("%s: %s ran out while receiving message data from "
		    "[%s]; nothing was delivered", s->msg->qid, limit,
		    s->peer);
	else
		log_warn("%s: %s while receiving message data from [%s]; "
		    "nothing was delivered", s->msg->qid,
		    stream_strerror(s->st), s->peer);
	if (s->too_slow || stream_error(s->st) == STREAM_TIMEOUT) {
		stream_clear_error(s->st);
		stream_set_deadline(s->st, 0);
		sess_reply(s, "421 4.4.2 %s Error: %s", smtp_conf.hostname,
		    s->too_slow ? "data rate too low" : "timeout exceeded");
		(void)stream_flush(s->st);
	}
	s->quit = 1;
	sess_reset(s);
}

/* sess_data - DATA: receive, filter, reinject, answer */

static int
sess_data(struct sess *s, const char *arg)
{
	struct framer	 fr;
	struct sess_info si;
	struct buf	*out, *reply;
	int		 spool_failed = 0, rc;
	size_t		 i, ok = 0;

	if (s->msg == NULL)
		return (sess_error(s, "503 5.5.1 Need MAIL command"));
	if (s->msg->nrcpts == 0)
		return (sess_error(s, s->lmtp ? "503 5.5.1 No valid recipients"
		    : "503 5.5.1 Need RCPT command"));
	if (*arg != '\0')
		return (sess_error(s, "501 5.5.4 Syntax: DATA"));
	sess_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (stream_flush(s->st) < 0)
		return (-1);

	out = buf_new(SESS_SPOOL_CHUNK + 4096);
	s->msg->spool = spool_new(smtp_conf.spool_dir,
	    smtp_conf.spool_memory_limit);
	framer_init(&fr, out, smtp_conf.max_line_length,
	    smtp_conf.message_size_limit);
	rc = sess_receive(s, &fr, s->msg->spool, &spool_failed);
	buf_free(out);
	stream_set_timeout(s->st, smtp_conf.command_timeout);
	if (rc < 0) {
		sess_data_lost(s);
		return (0);
	}
	/* Our own work (checks, reinjection, the reply) is not the client's
	 * time: no limit of the session applies to it. */
	stream_set_deadline(s->st, 0);

	buf_reset(s->why);
	if (fr.too_big) {
		sess_refused(s, s->msg, 552, "rejected: message larger than "
		    "message_size_limit (%zu):", smtp_conf.message_size_limit);
		sess_answer_all(s, SMTP_REPLY_TOO_BIG " Message size exceeds "
		    "fixed limit");
	} else if (fr.too_long) {
		sess_refused(s, s->msg, 554, "rejected: a line longer than "
		    "max_line_length (%zu):", smtp_conf.max_line_length);
		sess_answer_all(s, SMTP_REPLY_LINE_LONG " Message has a line "
		    "longer than the limit");
	} else if (fr.bare_seen && smtp_conf.bare_newline == BARE_REJECT) {
		sess_refused(s, s->msg, 550, "rejected: bare CR or LF in "
		    "message data (bare_newline = reject):");
		sess_answer_all(s, "550 5.5.2 Message contains bare CR or LF");
	} else if (spool_failed ||
	    spool_commit(s->msg->spool, s->why) != WN_OK) {
		if (!spool_failed)
			log_warn("%s: spool: %s", s->msg->qid, buf_str(s->why));
		sess_refused(s, s->msg, 451, "deferred: the message could not "
		    "be stored:");
		sess_answer_all(s, "451 4.3.0 Local error: cannot store the "
		    "message, try again later");
	} else {
		si.peer_addr = s->peer;
		si.helo = s->helo;
		si.lmtp = s->lmtp;
		si.esmtp = s->esmtp;
		si.milter = 0;
		reply = buf_new(256);
		s->hooks->deliver(&si, s->msg, reply);
		if (!s->lmtp) {
			sess_reply(s, "%s", buf_str(reply));
			ok = (reply->data[0] == '2');
		} else {
			for (i = 0; i < s->msg->nrcpts; i++) {
				sess_lmtp_check(s->msg, i);
				sess_reply(s, "%s",
				    buf_str(s->msg->rcpts[i].reply));
				ok += fate_ok(s->msg->rcpts[i].fate);
			}
		}
		buf_free(reply);
		if (ok)
			s->accepted++;
		/* The answer first; then what may follow it (DSN, notices). */
		if (s->hooks->after_reply != NULL)
			s->hooks->after_reply(stream_flush(s->st) == 0);
	}
	sess_reset(s);
	return (0);
}

/* sess_rset - RSET */

static int
sess_rset(struct sess *s, const char *arg)
{
	(void)arg;
	sess_reset(s);
	sess_reply(s, "250 2.0.0 Ok");
	return (0);
}

/* sess_noop - NOOP */

static int
sess_noop(struct sess *s, const char *arg)
{
	(void)arg;
	sess_reply(s, "250 2.0.0 Ok");
	return (0);
}

/* sess_vrfy - VRFY: we cannot know, and say so (RFC 5321 252) */

static int
sess_vrfy(struct sess *s, const char *arg)
{
	(void)arg;
	sess_reply(s, "252 2.0.0 Cannot VRFY user, but will accept message "
	    "and attempt delivery");
	return (0);
}

/* sess_quit - QUIT */

static int
sess_quit(struct sess *s, const char *arg)
{
	(void)arg;
	sess_reply(s, "221 2.0.0 Bye");
	s->quit = 1;
	return (0);
}

/* sess_help - HELP */

static int
sess_help(struct sess *s, const char *arg)
{
	(void)arg;
	sess_reply(s, "214 2.0.0 winnow: see RFC 5321 and RFC 2033");
	return (0);
}

/* sess_unimpl - commands we know but do not offer */

static int
sess_unimpl(struct sess *s, const char *arg)
{
	(void)arg;
	return (sess_error(s, "502 5.5.1 Command not implemented"));
}

/* sess_xforward_attr - set one XFORWARD attribute */

static int
sess_xforward_attr(struct sess *s, const char *k, size_t kl, const char *v,
    size_t vl)
{
	static const char *const names[] = {
		"NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", NULL
	};
	char		**slot[7];
	struct buf	*dec;
	size_t		 i;

	slot[0] = &s->xf.name;
	slot[1] = &s->xf.addr;
	slot[2] = &s->xf.port;
	slot[3] = &s->xf.proto;
	slot[4] = &s->xf.helo;
	slot[5] = &s->xf.ident;
	slot[6] = &s->xf.source;
	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == kl && strncasecmp(k, names[i], kl) == 0)
			break;
	if (names[i] == NULL || v == NULL)
		return (-1);
	dec = buf_new(vl + 1);
	/* Postfix before 2.3 sent plain text: keep it if it is not xtext. */
	if (addr_xtext_decode(v, vl, dec) < 0) {
		buf_reset(dec);
		buf_append(dec, v, vl);
	}
	if (buf_len(dec) > 255 || memchr(dec->data, '\0', buf_len(dec))) {
		buf_free(dec);
		return (-1);
	}
	free(*slot[i]);
	*slot[i] = buf_finish(dec);
	return (0);
}

/* sess_xforward - XFORWARD (Postfix XFORWARD_README) */

static int
sess_xforward(struct sess *s, const char *arg)
{
	struct xforward	 saved;
	const char	*k, *v;
	size_t		 kl, vl;
	int		 n = 0;

	if (!s->xforward_ok) {
		/* Only a trusted MTA may speak for the client: anyone else
		 * could steer the DNS checks and the sender lists. */
		log_warn("XFORWARD from [%s] refused: not in [server] "
		    "xforward_hosts", s->peer);
		return (sess_error(s, "550 5.7.0 Error: insufficient "
		    "authorization"));
	}
	if (!s->greeted)
		return (sess_error(s, "503 5.5.1 Send HELO/EHLO first"));
	if (s->msg != NULL)
		return (sess_error(s, "503 5.5.1 Error: MAIL transaction in "
		    "progress"));
	memset(&saved, 0, sizeof(saved));
	xforward_copy(&saved, &s->xf);
	while (addr_param_next(&arg, &k, &kl, &v, &vl)) {
		if (sess_xforward_attr(s, k, kl, v, vl) < 0) {
			xforward_copy(&s->xf, &saved);
			xforward_clear(&saved);
			return (sess_error(s, "501 5.5.4 Bad XFORWARD "
			    "attribute"));
		}
		n++;
	}
	xforward_clear(&saved);
	if (n == 0)
		return (sess_error(s, "501 5.5.4 Syntax: XFORWARD attribute="
		    "value..."));
	s->xf.set = 1;
	sess_reply(s, "250 2.0.0 Ok");
	return (0);
}

static const struct {
	const char	*verb;
	sess_fn		*fn;
} sess_cmds[] = {
	{ "EHLO", sess_ehlo },
	{ "LHLO", sess_lhlo },
	{ "HELO", sess_helo },
	{ "MAIL", sess_mail },
	{ "RCPT", sess_rcpt },
	{ "DATA", sess_data },
	{ "RSET", sess_rset },
	{ "NOOP", sess_noop },
	{ "QUIT", sess_quit },
	{ "VRFY", sess_vrfy },
	{ "HELP", sess_help },
	{ "XFORWARD", sess_xforward },
	{ "EXPN", sess_unimpl },
	{ "BDAT", sess_unimpl },
	{ "STARTTLS", sess_unimpl },
	{ "AUTH", sess_unimpl },
	{ "ETRN", sess_unimpl },
	{ "TURN", sess_unimpl },
	{ "XCLIENT", sess_unimpl },
	{ NULL, NULL }
};

/* sess_dispatch - find and run one command */

static void
sess_dispatch(struct sess *s, char *line, size_t len)
{
	size_t	 vl, i;
	char	*arg;

	if (memchr(line, '\0', len) != NULL) {
		(void)sess_error(s, "500 5.5.2 Error: NUL in command");
		return;
	}
	vl = strcspn(line, " ");
	arg = line + vl;
	while (*arg == ' ')
		arg++;
	/* Trailing spaces are common and harmless. */
	while (len > 0 && line[len - 1] == ' ' && line + len - 1 >= arg)
		line[--len] = '\0';
	for (i = 0; sess_cmds[i].verb != NULL; i++)
		if (strlen(sess_cmds[i].verb) == vl &&
		    strncasecmp(line, sess_cmds[i].verb, vl) == 0)
			break;
	if (sess_cmds[i].verb == NULL) {
		(void)sess_error(s, "500 5.5.2 Error: command not recognized");
		return;
	}
	(void)sess_cmds[i].fn(s, arg);
}

/* sess_log_timeout - why we stop waiting for the next command */

static void
sess_log_timeout(const struct sess *s)
{
	const char	*limit = sess_limit_name(s);

	if (limit != NULL)
		log_warn("%s ran out for [%s] after %s; disconnecting (raise "
		    "it if this client is legitimate)", limit, s->peer,
		    s->msg ? "MAIL" : "commands");
	else
		log_info("timeout after %s from [%s]",
		    s->msg ? "MAIL" : "command", s->peer);
}

/* sess_run - serve one connection */

unsigned int
sess_run(int fd, int proto, const char *peer, const struct sess_hooks *hooks)
{
	struct sess	 s;
	ssize_t		 n;
	int		 crlf;

	if (hooks == NULL || hooks->deliver == NULL)
		log_panic("sess_run: no deliver hook");
	memset(&s, 0, sizeof(s));
	s.hooks = hooks;
	s.st = stream_new(fd);
	s.proto_fixed = proto;
	s.peer = peer;
	s.xforward_ok = smtp_xforward_allowed(peer);
	s.line = buf_new(512);
	s.why = buf_new(256);
	stream_set_timeout(s.st, smtp_conf.command_timeout);
	if (smtp_conf.session_time_limit != 0)
		s.session_end = time_now_ms() + smtp_conf.session_time_limit;
	log_debug("connect from [%s]", peer);

	sess_reply(&s, "220 %s %s winnow", smtp_conf.hostname,
	    proto == PROTO_LMTP ? "LMTP" : "ESMTP");
	while (!s.quit) {
		stream_set_deadline(s.st, 0);	/* our replies: not limited */
		if (stream_pending(s.st) == 0 && stream_flush(s.st) < 0)
			break;
		stream_set_deadline(s.st, sess_deadline(&s));
		n = stream_getline(s.st, s.line, SESS_LINE_MAX, &crlf);
		if (n == STREAM_TOOLONG) {
			(void)sess_error(&s, "500 5.5.2 Error: line too long");
		} else if (n < 0) {
			if (stream_error(s.st) == STREAM_TIMEOUT) {
				stream_clear_error(s.st);
				stream_set_deadline(s.st, 0);
				sess_log_timeout(&s);
				sess_reply(&s, "421 4.4.2 %s Error: timeout "
				    "exceeded", smtp_conf.hostname);
			} else if (s.msg != NULL) {
				log_info("lost connection from [%s] in a "
				    "transaction (%s)", peer,
				    stream_strerror(s.st));
			}
			break;
		} else {
			sess_dispatch(&s, s.line->data, (size_t)n);
		}
		if (s.nerrors >= smtp_conf.max_errors && !s.quit) {
			log_warn("too many errors (%u) from [%s]; raise "
			    "max_errors if this peer is legitimate",
			    s.nerrors, peer);
			sess_reply(&s, "421 4.7.0 %s Error: too many errors",
			    smtp_conf.hostname);
			break;
		}
	}
	(void)stream_flush(s.st);
	log_debug("disconnect from [%s] messages=%u errors=%u", peer,
	    s.accepted, s.nerrors);
	sess_reset(&s);
	free(s.helo);
	buf_free(s.line);
	buf_free(s.why);
	stream_free(s.st);
	return (s.accepted);
}
