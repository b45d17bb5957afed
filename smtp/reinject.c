/*
 * reinject.c - SMTP/LMTP client to the forward endpoint
 *
 * A transaction goes in two steps so that several can be made ready before
 * any is committed: reinject_prepare() sends XFORWARD, MAIL, RCPT and DATA
 * (one pipelined write when the downstream offers PIPELINING, always for
 * LMTP), then the body - but not the final dot; reinject_commit() sends
 * the dot and reads the outcome.  A transaction that must not happen is
 * abandoned with RSET before DATA, or by closing the connection after it:
 * the final dot is never sent on an error path, so the downstream never
 * delivers a half message.
 *
 * One idle connection per child is cached and reused (a real peer: Postfix
 * smtpd reinjection), after a zero-timeout poll proves it was not closed or
 * sent a 421 meanwhile.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "endpoint.h"
#include "log.h"
#include "status.h"
#include "stream.h"
#include "timeutil.h"
#include "xalloc.h"

/* smtp */
#include "dotstuff.h"
#include "fate.h"
#include "msg.h"
#include "reinject.h"
#include "reply.h"
#include "smtp_conf.h"

/* Extensions the downstream offered. */
#define EXT_PIPELINING	0x01
#define EXT_SIZE	0x02
#define EXT_8BITMIME	0x04
#define EXT_SMTPUTF8	0x08
#define EXT_DSN		0x10
#define EXT_XFORWARD	0x20

/* XFORWARD attributes the downstream accepts. */
#define XF_NAME		0x01
#define XF_ADDR		0x02
#define XF_PORT		0x04
#define XF_PROTO	0x08
#define XF_HELO		0x10
#define XF_IDENT	0x20
#define XF_SOURCE	0x40

#define XF_CMD_MAX	500	/* one XFORWARD command, below 512 */

struct reinject {
	struct stream	*st;
	pid_t		 pid;		/* exec: child, or 0 */
	int		 errfd;		/* exec: its stderr (memfd), or -1 */
	int		 lmtp;
	unsigned int	 ext;
	unsigned int	 xf_attrs;
	unsigned int	 ntxn;
	uint64_t	 last_used;
	int		 broken;	/* must not carry another transaction */
	struct reply	 reply;
	struct buf	*cmd;
	struct buf	*why;
};

static struct endpoint	 reinject_ep;
static int		 reinject_ep_ok;
static struct reinject	*reinject_cache;

/* reinject_init - parse the forward endpoint for this process */

int
reinject_init(struct buf *why)
{
	if (reinject_ep_ok)
		endpoint_free(&reinject_ep);
	reinject_ep_ok = 0;
	if (endpoint_parse(smtp_conf.forward, &reinject_ep, 1, why) < 0)
		return (-1);
	reinject_ep_ok = 1;
	return (0);
}

/* reinject_txn_init - fresh result fields */

void
reinject_txn_init(struct reinject_txn *t)
{
	memset(t, 0, sizeof(*t));
	t->last = buf_new(128);
}

/* reinject_txn_free - release result fields */

void
reinject_txn_free(struct reinject_txn *t)
{
	buf_free(t->last);
	t->last = NULL;
}

/* reinject_peer - name of the downstream for logs */

const char *
reinject_peer(const struct reinject *r)
{
	(void)r;
	return (reinject_ep_ok ? reinject_ep.text : "(none)");
}

/* reinject_peer_host - the downstream's host name for a DSN, or NULL
 * (unix: and exec: downstreams have none) */

const char *
reinject_peer_host(void)
{
	return (reinject_ep_ok && reinject_ep.kind == ENDPOINT_TCP ?
	    reinject_ep.host : NULL);
}

/* reinject_reap - wait for an exec: command; say how it ended, if badly */

static void
reinject_reap(pid_t pid, int errfd)
{
	struct buf *err = buf_new(256);
	pid_t	 rc;
	int	 status = 0, i;

	/* Give the command a moment to exit on EOF, then insist. */
	for (i = 0; (rc = waitpid(pid, &status, WNOHANG)) == 0 && i < 50; i++)
		(void)usleep(20000);
	if (rc == 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		log_warn("%s: pid %ld was still running a second after its "
		    "session ended: killed", reinject_ep.text, (long)pid);
		rc = -1;
	}
	/*
	 * Its exit status and what it wrote to stderr are the trace of why
	 * a downstream command failed: "connection closed" alone does not
	 * say (sendmail's and Exim's own complaints go to stderr).
	 */
	buf_puts(err, "; stderr: ");
	i = (int)buf_len(err);
	endpoint_stderr(errfd, 600, err);
	if ((int)buf_len(err) == i)
		buf_reset(err);
	if (rc > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warn("%s: pid %ld exited with status %d%s",
		    reinject_ep.text, (long)pid, WEXITSTATUS(status),
		    buf_str(err));
	else if (rc > 0 && WIFSIGNALED(status))
		log_warn("%s: pid %ld terminated by signal %d%s",
		    reinject_ep.text, (long)pid, WTERMSIG(status),
		    buf_str(err));
	else if (buf_len(err) > 0)
		log_info("%s: pid %ld%s", reinject_ep.text, (long)pid,
		    buf_str(err));
	if (errfd >= 0)
		(void)close(errfd);
	buf_free(err);
}

/* reinject_close - drop a connection without QUIT */

static void
reinject_close(struct reinject *r)
{
	if (r == NULL)
		return;
	stream_free(r->st);
	if (r->pid > 0)
		reinject_reap(r->pid, r->errfd);
	reply_free(&r->reply);
	buf_free(r->cmd);
	buf_free(r->why);
	free(r);
}

/* reinject_quit - say goodbye politely, then close */

static void
reinject_quit(struct reinject *r)
{
	if (r == NULL)
		return;
	if (!r->broken && stream_error(r->st) == STREAM_OK) {
		stream_set_timeout(r->st, 2000);
		if (stream_puts(r->st, "QUIT\r\n") == 0 &&
		    stream_flush(r->st) == 0)
			(void)reply_read(r->st, &r->reply, r->why);
	}
	reinject_close(r);
}

/* reinject_ehlo_parse - note the extensions offered in an EHLO reply */

static void
reinject_ehlo_parse(struct reinject *r)
{
	const char	*line = buf_str(r->reply.text), *nl, *p;
	char		 kw[64];
	size_t		 n;

	r->ext = 0;
	r->xf_attrs = 0;
	/* The first line is the greeting text; keywords follow. */
	while ((nl = strchr(line, '\n')) != NULL) {
		line = nl + 1;
		n = strcspn(line, " \n");
		if (n >= sizeof(kw))
			continue;
		memcpy(kw, line, n);
		kw[n] = '\0';
		if (strcasecmp(kw, "PIPELINING") == 0)
			r->ext |= EXT_PIPELINING;
		else if (strcasecmp(kw, "SIZE") == 0)
			r->ext |= EXT_SIZE;
		else if (strcasecmp(kw, "8BITMIME") == 0)
			r->ext |= EXT_8BITMIME;
		else if (strcasecmp(kw, "SMTPUTF8") == 0)
			r->ext |= EXT_SMTPUTF8;
		else if (strcasecmp(kw, "DSN") == 0)
			r->ext |= EXT_DSN;
		else if (strcasecmp(kw, "XFORWARD") == 0) {
			r->ext |= EXT_XFORWARD;
			for (p = line + n; *p == ' '; ) {
				size_t	 an;

				p++;
				an = strcspn(p, " \n");
				if (an == 4 && strncasecmp(p, "NAME", 4) == 0)
					r->xf_attrs |= XF_NAME;
				else if (an == 4 && !strncasecmp(p, "ADDR", 4))
					r->xf_attrs |= XF_ADDR;
				else if (an == 4 && !strncasecmp(p, "PORT", 4))
					r->xf_attrs |= XF_PORT;
				else if (an == 5 && !strncasecmp(p, "PROTO", 5))
					r->xf_attrs |= XF_PROTO;
				else if (an == 4 && !strncasecmp(p, "HELO", 4))
					r->xf_attrs |= XF_HELO;
				else if (an == 5 && !strncasecmp(p, "IDENT", 5))
					r->xf_attrs |= XF_IDENT;
				else if (an == 6 && !strncasecmp(p, "SOURCE", 6))
					r->xf_attrs |= XF_SOURCE;
				p += an;
			}
		}
	}
	if (r->lmtp)
		r->ext |= EXT_PIPELINING;	/* RFC 2033 requires it */
}

/* reinject_command - send one command and read its reply */

static int
reinject_command(struct reinject *r, const char *cmd, struct buf *why)
{
	if (stream_puts(r->st, cmd) < 0 || stream_puts(r->st, "\r\n") < 0 ||
	    stream_flush(r->st) < 0) {
		buf_printf(why, "sending to %s: %s", reinject_ep.text,
		    stream_strerror(r->st));
		return (WN_TEMP);
	}
	if (reply_read(r->st, &r->reply, why) != WN_OK)
		return (WN_TEMP);
	return (WN_OK);
}

/* reinject_connect - open, greet and EHLO a new connection */

static struct reinject *
reinject_connect(uint64_t deadline_ms, struct buf *why)
{
	struct reinject	*r;
	unsigned int	 ctimeout = smtp_conf.forward_connect_timeout;
	uint64_t	 now = time_now_ms();
	int		 fd, errfd = -1;
	pid_t		 pid = 0;
	char		 cmd[300];

	if (!reinject_ep_ok) {
		buf_puts(why, "no forward endpoint configured");
		return (NULL);
	}
	if (deadline_ms != 0 && now >= deadline_ms) {
		buf_puts(why, "message_deadline ran out before connecting");
		return (NULL);
	}
	if (deadline_ms != 0 && deadline_ms - now < ctimeout)
		ctimeout = (unsigned int)(deadline_ms - now);
	if (reinject_ep.kind == ENDPOINT_EXEC)
		fd = endpoint_spawn(&reinject_ep, &pid, &errfd, why);
	else
		fd = endpoint_connect(&reinject_ep, ctimeout, why);
	if (fd < 0)
		return (NULL);
	r = xcalloc(1, sizeof(*r));
	r->st = stream_new(fd);
	/* The greeting and EHLO count against the message's deadline too. */
	stream_set_deadline(r->st, deadline_ms);
	r->pid = pid;
	r->errfd = errfd;
	r->lmtp = (smtp_conf.forward_protocol == PROTO_LMTP);
	reply_init(&r->reply);
	r->cmd = buf_new(1024);
	r->why = buf_new(128);
	stream_set_timeout(r->st, smtp_conf.forward_timeout);

	if (reply_read(r->st, &r->reply, why) != WN_OK)
		goto fail;
	if (r->reply.code != 220) {
		buf_printf(why, "%s greeted us with ", reinject_ep.text);
		reply_format(&r->reply, why);
		goto fail;
	}
	(void)snprintf(cmd, sizeof(cmd), "%s %s", r->lmtp ? "LHLO" : "EHLO",
	    smtp_conf.hostname);
	if (reinject_command(r, cmd, why) != WN_OK)
		goto fail;
	if (r->reply.code / 100 != 2 && !r->lmtp && r->reply.code / 100 == 5) {
		(void)snprintf(cmd, sizeof(cmd), "HELO %s", smtp_conf.hostname);
		if (reinject_command(r, cmd, why) != WN_OK)
			goto fail;
		if (r->reply.code / 100 == 2) {
			r->ext = 0;
			return (r);
		}
	}
	if (r->reply.code / 100 != 2) {
		buf_printf(why, "%s refused %s: ", reinject_ep.text,
		    r->lmtp ? "LHLO" : "EHLO");
		reply_format(&r->reply, why);
		goto fail;
	}
	reinject_ehlo_parse(r);
	return (r);
fail:
	r->broken = 1;
	reinject_close(r);
	return (NULL);
}

/* reinject_stale - whether a cached connection can no longer be used */

static int
reinject_stale(struct reinject *r)
{
	if (smtp_conf.forward_reuse_time == 0 ||
	    time_now_ms() - r->last_used > smtp_conf.forward_reuse_time)
		return (1);
	if (smtp_conf.forward_reuse_limit != 0 &&
	    r->ntxn >= smtp_conf.forward_reuse_limit)
		return (1);
	/* Anything to read now is a 421 or EOF: the peer gave up on us. */
	return (stream_poll_read(r->st, 0) != 0);
}

/* reinject_open - a ready connection, every wait on it bounded by the
 * deadline (0: none) */

struct reinject *
reinject_open(uint64_t deadline_ms, struct buf *why)
{
	struct reinject	*r = reinject_cache;

	reinject_cache = NULL;
	if (r != NULL) {
		if (!reinject_stale(r)) {
			stream_set_timeout(r->st, smtp_conf.forward_timeout);
			stream_set_deadline(r->st, deadline_ms);
			return (r);
		}
		reinject_quit(r);
	}
	return (reinject_connect(deadline_ms, why));
}

/* reinject_release - cache or close a connection */

void
reinject_release(struct reinject *r, int reusable)
{
	if (r == NULL)
		return;
	stream_set_deadline(r->st, 0);
	if (reusable && !r->broken && r->pid == 0 &&
	    stream_error(r->st) == STREAM_OK &&
	    smtp_conf.forward_reuse_time > 0 && reinject_cache == NULL) {
		r->last_used = time_now_ms();
		reinject_cache = r;
		return;
	}
	reinject_quit(r);
}

/* reinject_close_all - close the cached connection */

void
reinject_close_all(void)
{
	reinject_quit(reinject_cache);
	reinject_cache = NULL;
}

/* reinject_xforward_attr - add one attribute, starting a new command if
 * the current one would grow too long */

static void
reinject_xforward_attr(struct buf *cmds, size_t *start, const char *name,
    const char *value)
{
	struct buf	*v;

	if (value == NULL)
		return;
	v = buf_new(64);
	addr_xtext_encode(value, strlen(value) > 255 ? 255 : strlen(value), v);
	if (buf_len(cmds) > *start && buf_len(cmds) - *start + strlen(name) +
	    buf_len(v) + 2 > XF_CMD_MAX) {
		buf_puts(cmds, "\r\n");
		*start = buf_len(cmds);
	}
	if (buf_len(cmds) == *start)
		buf_puts(cmds, "XFORWARD");
	buf_printf(cmds, " %s=%s", name, buf_str(v));
	buf_free(v);
}

/* reinject_xforward - XFORWARD commands for the attributes we have and the
 * downstream accepts; returns how many commands */

static int
reinject_xforward(struct reinject *r, const struct xforward *xf,
    struct buf *out)
{
	struct buf	*cmds = buf_new(256);
	size_t		 start = 0;
	int		 n = 0;
	const char	*p;

	if (!(r->ext & EXT_XFORWARD) || !xf->set) {
		buf_free(cmds);
		return (0);
	}
	if (r->xf_attrs & XF_NAME)
		reinject_xforward_attr(cmds, &start, "NAME", xf->name);
	if (r->xf_attrs & XF_ADDR)
		reinject_xforward_attr(cmds, &start, "ADDR", xf->addr);
	if (r->xf_attrs & XF_PORT)
		reinject_xforward_attr(cmds, &start, "PORT", xf->port);
	if (r->xf_attrs & XF_PROTO)
		reinject_xforward_attr(cmds, &start, "PROTO", xf->proto);
	if (r->xf_attrs & XF_HELO)
		reinject_xforward_attr(cmds, &start, "HELO", xf->helo);
	if (r->xf_attrs & XF_IDENT)
		reinject_xforward_attr(cmds, &start, "IDENT", xf->ident);
	if (r->xf_attrs & XF_SOURCE)
		reinject_xforward_attr(cmds, &start, "SOURCE", xf->source);
	if (buf_len(cmds) > 0) {
		buf_puts(cmds, "\r\n");
		for (p = buf_str(cmds); (p = strstr(p, "\r\n")) != NULL; p += 2)
			n++;
		buf_append(out, cmds->data, buf_len(cmds));
	}
	buf_free(cmds);
	return (n);
}

/* reinject_mail_cmd - the MAIL command with the parameters we pass on */

static void
reinject_mail_cmd(struct reinject *r, const struct reinject_txn *t,
    struct buf *out)
{
	const struct msg *m = t->msg;

	buf_printf(out, "MAIL FROM:<%s>", t->sender);
	if (r->ext & EXT_SIZE)
		buf_printf(out, " SIZE=%zu", t->size);
	if ((r->ext & EXT_8BITMIME) && (m->body == BODY_8BITMIME ||
	    (m->body == BODY_UNSPEC && t->eightbit)))
		buf_puts(out, " BODY=8BITMIME");
	else if ((r->ext & EXT_8BITMIME) && m->body == BODY_7BIT)
		buf_puts(out, " BODY=7BIT");
	if ((r->ext & EXT_SMTPUTF8) && m->smtputf8)
		buf_puts(out, " SMTPUTF8");
	if ((r->ext & EXT_DSN) && m->ret != NULL && t->sender == m->sender)
		buf_printf(out, " RET=%s", m->ret);
	if ((r->ext & EXT_DSN) && m->envid != NULL && t->sender == m->sender)
		buf_printf(out, " ENVID=%s", m->envid);
	buf_puts(out, "\r\n");
}

/* reinject_rcpt_cmd - one RCPT command */

static void
reinject_rcpt_cmd(struct reinject *r, const struct rcpt *rc, struct buf *out)
{
	buf_printf(out, "RCPT TO:<%s>", rc->addr);
	if ((r->ext & EXT_DSN) && rc->notify != NULL)
		buf_printf(out, " NOTIFY=%s", rc->notify);
	if ((r->ext & EXT_DSN) && rc->orcpt != NULL)
		buf_printf(out, " ORCPT=%s", rc->orcpt);
	buf_puts(out, "\r\n");
}

/* reinject_set_rcpt - record a downstream reply for a recipient; a reply
 * of a class that has no place there breaks the connection (fate.h) */

static int
reinject_set_rcpt(struct reinject *r, struct reinject_txn *t,
    struct rcpt *rc, enum fate_stage stage, const struct reply *rp)
{
	int	 odd = fate_from_reply(rc, stage, rp) < 0;

	if (odd)
		r->broken = 1;
	buf_reset(t->last);
	reply_format(rp, t->last);
	return (odd ? -1 : 0);
}

/* reinject_odd - a reply of a class that has no place after MAIL or RCPT:
 * the session is out of step, so the transaction ends here */

static int
reinject_odd(struct reinject *r, const char *cmd, struct buf *why)
{
	int	 c = r->reply.code / 100;

	if (c == 2 || c == 4 || c == 5)
		return (0);
	r->broken = 1;
	buf_printf(why, "%s answered %s with ", reinject_ep.text, cmd);
	reply_format(&r->reply, why);
	return (1);
}

/* reinject_send - flush queued commands */

static int
reinject_send(struct reinject *r, const char *cmds, size_t len,
    struct buf *why)
{
	if (stream_write(r->st, cmds, len) < 0 || stream_flush(r->st) < 0) {
		buf_printf(why, "sending to %s: %s", reinject_ep.text,
		    stream_strerror(r->st));
		r->broken = 1;
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* reinject_read - read one reply, marking the connection broken on error */

static int
reinject_read(struct reinject *r, struct buf *why)
{
	if (reply_read(r->st, &r->reply, why) != WN_OK) {
		r->broken = 1;
		return (WN_TEMP);
	}
	if (r->reply.code == 421)
		r->broken = 1;		/* the server is going away */
	return (WN_OK);
}

/* reinject_rset - leave a transaction before DATA */

static void
reinject_rset(struct reinject *r)
{
	buf_reset(r->why);
	if (r->broken || reinject_command(r, "RSET", r->why) != WN_OK ||
	    r->reply.code / 100 != 2)
		r->broken = 1;
}

/* reinject_8bit_refused - 8-bit content for a downstream that does not
 * offer 8BITMIME (RFC 6152 3: convert or refuse).  We do not convert, so
 * every recipient is deferred, 451 4.6.3, and the upstream keeps the
 * message until the downstream is fixed; returns 1 if so */

static int
reinject_8bit_refused(struct reinject *r, struct reinject_txn *t,
    struct buf *why)
{
	size_t	 i, k;
	int	 eight = 0;

	if ((r->ext & EXT_8BITMIME) || t->msg->body == BODY_7BIT)
		return (0);
	for (i = 0; i < t->nsegs && !eight; i++)
		eight = mem_has_8bit(t->segs[i].iov_base, t->segs[i].iov_len);
	if (!eight)
		return (0);
	buf_printf(why, "%s does not offer 8BITMIME and the message has "
	    "8-bit content", reinject_ep.text);
	log_error("%s: %s; it stays with the upstream (451) until the "
	    "downstream offers 8BITMIME (winnow does not convert)",
	    t->msg->qid, buf_str(why));
	for (k = 0; k < t->nrcpts; k++)
		fate_set(t->rcpts[k], FATE_DEFERRED, 451, "4.6.3 The next hop "
		    "does not accept 8-bit data (8BITMIME), try again later");
	return (1);
}

/* reinject_envelope - XFORWARD, MAIL and RCPT with their replies */

static int
reinject_envelope(struct reinject *r, struct reinject_txn *t, int with_data,
    struct buf *why)
{
	struct buf	*cmds = r->cmd;
	int		 nxf, i, mail_code = 0, pipelined;
	size_t		 k;

	buf_reset(cmds);
	nxf = reinject_xforward(r, &t->msg->xf, cmds);
	pipelined = (r->ext & EXT_PIPELINING) != 0;
	if (!pipelined && nxf > 0) {
		if (reinject_send(r, cmds->data, buf_len(cmds), why) != WN_OK)
			return (WN_TEMP);
		for (i = 0; i < nxf; i++)
			if (reinject_read(r, why) != WN_OK)
				return (WN_TEMP);
		buf_reset(cmds);
		nxf = 0;
	}
	reinject_mail_cmd(r, t, cmds);
	if (pipelined)
		for (k = 0; k < t->nrcpts; k++)
			reinject_rcpt_cmd(r, t->rcpts[k], cmds);
	if (pipelined && with_data)
		buf_puts(cmds, "DATA\r\n");
	if (reinject_send(r, cmds->data, buf_len(cmds), why) != WN_OK)
		return (WN_TEMP);
	for (i = 0; i < nxf; i++) {
		if (reinject_read(r, why) != WN_OK)
			return (WN_TEMP);
		if (r->reply.code / 100 != 2) {
			buf_reset(r->why);
			reply_format(&r->reply, r->why);
			log_warn("%s: %s refused XFORWARD (%s); check "
			    "smtpd_authorized_xforward_hosts there",
			    t->msg->qid, reinject_ep.text, buf_str(r->why));
		}
	}
	if (reinject_read(r, why) != WN_OK)
		return (WN_TEMP);
	mail_code = r->reply.code;
	if (mail_code / 100 != 2)
		for (k = 0; k < t->nrcpts; k++)
			reinject_set_rcpt(r, t, t->rcpts[k], FATE_AT_RCPT,
			    &r->reply);
	if (reinject_odd(r, "MAIL", why))
		return (WN_TEMP);
	for (k = 0; k < t->nrcpts; k++) {
		if (!pipelined) {
			if (mail_code / 100 != 2)
				break;
			buf_reset(cmds);
			reinject_rcpt_cmd(r, t->rcpts[k], cmds);
			if (reinject_send(r, cmds->data, buf_len(cmds), why) !=
			    WN_OK)
				return (WN_TEMP);
		}
		if (reinject_read(r, why) != WN_OK)
			return (WN_TEMP);
		if (mail_code / 100 != 2)
			continue;	/* MAIL's reply already stands */
		reinject_set_rcpt(r, t, t->rcpts[k], FATE_AT_RCPT, &r->reply);
		if (reinject_odd(r, "RCPT", why))
			return (WN_TEMP);
		if (t->rcpts[k]->fate == FATE_ACCEPTED)
			t->naccepted++;
		else if (t->rcpts[k]->fate == FATE_DEFERRED)
			t->ntempfail++;
	}
	if (mail_code / 100 == 4)
		t->ntempfail = (int)t->nrcpts;
	if (pipelined && with_data && reinject_read(r, why) != WN_OK)
		return (WN_TEMP);
	return (WN_OK);
}

/* reinject_body - send the content, canonical and dot-stuffed, no dot */

static int
reinject_body(struct reinject *r, struct reinject_txn *t, struct buf *why)
{
	struct dotstuff	 st;
	struct buf	*out = r->cmd;
	size_t		 i, off, n;

	dotstuff_init(&st);
	for (i = 0; i < t->nsegs; i++) {
		for (off = 0; off < t->segs[i].iov_len; off += n) {
			n = t->segs[i].iov_len - off;
			if (n > 65536)
				n = 65536;
			buf_reset(out);
			dotstuff_feed(&st, out, (const char *)t->segs[i].iov_base + off, n);
			if (stream_write(r->st, out->data, buf_len(out)) < 0)
				goto fail;
		}
	}
	/* Terminate the last line now; the dot waits for the commit.  What
	 * is still queued (up to 64 KB) is not flushed here: it goes in the
	 * commit's write with the dot, one segment and one wake-up of the
	 * downstream fewer, and an abort drops it with the connection. */
	buf_reset(out);
	dotstuff_finish(&st, out);
	buf_truncate(out, buf_len(out) - 3);
	if (stream_write(r->st, out->data, buf_len(out)) < 0)
		goto fail;
	return (WN_OK);
fail:
	buf_printf(why, "sending message to %s: %s", reinject_ep.text,
	    stream_strerror(r->st));
	r->broken = 1;
	return (WN_TEMP);
}

/* reinject_prepare - envelope, DATA and body; everything but the dot */

int
reinject_prepare(struct reinject *r, struct reinject_txn *t,
    int allow_tempfail, struct buf *why)
{
	size_t	 k;
	int	 pipelined, want;

	t->conn = r;
	t->prepared = 0;
	t->naccepted = t->ntempfail = 0;
	if (reinject_8bit_refused(r, t, why))
		return (WN_TEMP);
	/* With PIPELINING, DATA goes in the same write as MAIL and RCPT: one
	 * round trip.  If the recipients' replies then say we must not send
	 * the message, only closing the connection can cancel a 354. */
	pipelined = (r->ext & EXT_PIPELINING) != 0;
	if (reinject_envelope(r, t, pipelined, why) != WN_OK)
		return (WN_TEMP);
	want = t->naccepted > 0 && (t->ntempfail == 0 || allow_tempfail);
	if (!pipelined) {
		if (!want) {
			reinject_rset(r);
			return (WN_OK);
		}
		if (reinject_command(r, "DATA", why) != WN_OK) {
			r->broken = 1;
			return (WN_TEMP);
		}
	}
	if (r->reply.code == 354 && !want) {
		r->broken = 1;		/* nothing was sent: drop it */
		return (WN_OK);
	}
	if (r->reply.code / 100 != 4 && r->reply.code / 100 != 5 &&
	    r->reply.code != 354) {
		/* Neither "go ahead" nor a refusal: nothing was delivered and
		 * the session is out of step (a 250 here must never become
		 * the recipients' answer). */
		r->broken = 1;
		if (!want)
			return (WN_OK);
		buf_printf(why, "%s answered DATA with ", reinject_ep.text);
		reply_format(&r->reply, why);
		return (WN_TEMP);
	}
	if (r->reply.code != 354) {
		if (want) {
			for (k = 0; k < t->nrcpts; k++) {
				if (t->rcpts[k]->fate != FATE_ACCEPTED)
					continue;
				reinject_set_rcpt(r, t, t->rcpts[k],
				    FATE_AT_DATA, &r->reply);
				if (t->rcpts[k]->fate == FATE_DEFERRED)
					t->ntempfail++;
			}
			t->naccepted = 0;
		}
		reinject_rset(r);
		return (WN_OK);
	}
	if (reinject_body(r, t, why) != WN_OK)
		return (WN_TEMP);
	t->prepared = 1;
	return (WN_OK);
}

/* reinject_commit - the final dot and the outcome */

int
reinject_commit(struct reinject *r, struct reinject_txn *t, struct buf *why)
{
	struct buf	*safe = NULL;
	size_t		 k, lost_from = t->nrcpts;
	int		 rc = WN_OK, odd = 0;

	if (!t->prepared)
		log_panic("reinject_commit: %s: transaction not prepared",
		    t->msg->qid);
	t->prepared = 0;
	r->ntxn++;
	stream_set_timeout(r->st, smtp_conf.forward_data_done_timeout);
	if (reinject_send(r, ".\r\n", 3, why) != WN_OK) {
		rc = WN_TEMP;
		lost_from = 0;
	} else if (r->lmtp) {
		/* One reply per recipient accepted at RCPT, in order. */
		for (k = 0; k < t->nrcpts; k++) {
			if (t->rcpts[k]->fate != FATE_ACCEPTED)
				continue;
			if (reinject_read(r, why) != WN_OK) {
				rc = WN_TEMP;
				lost_from = k;
				break;
			}
			if (reinject_set_rcpt(r, t, t->rcpts[k], FATE_AT_DOT,
			    &r->reply) < 0)
				odd = 1;
		}
	} else if (reinject_read(r, why) != WN_OK) {
		rc = WN_TEMP;
		lost_from = 0;
	} else {
		for (k = 0; k < t->nrcpts; k++)
			if (t->rcpts[k]->fate == FATE_ACCEPTED &&
			    reinject_set_rcpt(r, t, t->rcpts[k], FATE_AT_DOT,
			    &r->reply) < 0)
				odd = 1;
	}
	if (odd && rc == WN_OK) {
		/* Not an outcome: we cannot know what became of it. */
		buf_printf(why, "%s answered the end of data with %s",
		    reinject_ep.text, buf_str(t->last));
		rc = WN_TEMP;
	}
	/* Without a reply we cannot know: say so, the upstream retries. */
	for (k = lost_from; k < t->nrcpts; k++) {
		if (t->rcpts[k]->fate != FATE_ACCEPTED)
			continue;
		if (safe == NULL) {
			safe = buf_new(256);
			buf_append_safe(safe, buf_str(why), buf_len(why) > 200 ?
			    200 : buf_len(why));
		}
		fate_set(t->rcpts[k], FATE_DEFERRED, 451, "4.4.2 No reply from "
		    "the downstream after end of data (message may be "
		    "delivered twice): %s", buf_str(safe));
	}
	buf_free(safe);
	stream_set_timeout(r->st, smtp_conf.forward_timeout);
	return (rc);
}

/* reinject_abort - abandon a transaction */

void
reinject_abort(struct reinject *r, struct reinject_txn *t)
{
	if (r == NULL)
		return;
	if (t->prepared) {
		/* In DATA: only dropping the connection can cancel it. */
		t->prepared = 0;
		r->broken = 1;
	}
}
