/*
 * milter.c - one milter connection from an MTA, served in this process
 *
 * A table-driven loop over packets (milter_wire.c): each command has a
 * handler and, where the protocol wants one, a reply - unless we
 * negotiated that the MTA need not wait for it (SMFIP_NR_*).  MACRO
 * packets never get a reply.  The message is rebuilt into a spool as the
 * SMTP session would have received it: a header line per SMFIC_HEADER
 * ("Name: value", folds normalised to CRLF), the empty line at SMFIC_EOH,
 * the body chunks as they come.  At SMFIC_BODYEOB the deliver hook fills
 * the answer (milter_answer.c), which goes out as modifications and one
 * final reply; then the connection waits for the next message (MAIL), an
 * abort (SMFIC_ABORT: forget the message) or the end (SMFIC_QUIT).
 *
 * Limits: a packet over MILTER_PKT_MAX ends the connection; a message over
 * message_size_limit is refused at its end with 552 (the bytes past the
 * limit are read and dropped, so the protocol stays in step); past
 * max_recipients a RCPT gets 452.  A wait for the MTA's next packet lasts
 * at most command_timeout.
 *
 * Why our own implementation rather than Sendmail's libmilter: libmilter
 * runs one process with a thread per connection and owns the accept loop,
 * while winnowd's pool gives each connection a process of its own - the
 * scoreboard, max_children, max_messages recycling, the per-child AV and
 * content state and crash isolation all assume that.  The protocol is
 * small (15 commands, a dozen replies), and one parser that we fuzz
 * (fuzz/fuzz_milter.c) costs less than a second threading model.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "log.h"
#include "status.h"
#include "stream.h"
#include "xalloc.h"

/* spool */
#include "spool.h"

/* smtp */
#include "milter.h"
#include "milter_wire.h"
#include "msg.h"
#include "smtp_conf.h"

/* The actions we use, and the replies we can do without. */
#define MILTER_WANT_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | \
				 SMFIF_CHGBODY | SMFIF_ADDRCPT | \
				 SMFIF_DELRCPT | SMFIF_QUARANTINE | \
				 SMFIF_SETSYMLIST)
#define MILTER_WANT_PROTO	(SMFIP_NR_CONN | SMFIP_NR_HELO | \
				 SMFIP_NR_MAIL | SMFIP_NR_DATA | \
				 SMFIP_NR_UNKN | SMFIP_NR_HDR | \
				 SMFIP_NR_EOH | SMFIP_NR_BODY | \
				 SMFIP_NOUNKNOWN | SMFIP_NODATA)

#define MILTER_NMACROS	16

static const struct {
	int		 stage;
	const char	*names;
} milter_symlist[] = {
	{ SMFIM_CONNECT, "j {daemon_name} {client_addr} {client_name}" },
	{ SMFIM_ENVFROM, "{i} {auth_authen} {auth_type}" },
	{ SMFIM_EOM, "{i}" },
};

struct milter_macro {
	char		*name;		/* without braces */
	char		*value;
};

struct milter {
	struct stream	*st;
	const char	*peer;
	const struct milter_hooks *hooks;
	uint32_t	 version, actions, proto;
	int		 negotiated;
	char		*client_name, *client_addr, *helo;
	struct milter_macro macros[MILTER_NMACROS];
	struct msg	*msg;
	int		 eoh;		/* the empty line is spooled */
	int		 too_big;	/* past message_size_limit */
	int		 spool_failed;
	size_t		 size;
	unsigned int	 accepted;
	int		 quit;
	int		 tcp;		/* TCP_QUICKACK works */
	struct buf	*out;		/* replies not yet written */
	struct buf	*pkt;		/* a packet too big for the
					 * stream's buffer, gathered */
	struct buf	*why;
};

typedef int	milter_fn(struct milter *, const struct milter_pkt *);

static int	milter_send(struct milter *);

/* milter_reply - queue a reply without data */

static void
milter_reply(struct milter *m, int cmd)
{
	milter_wire_pack(m->out, cmd, NULL, 0);
}

/* milter_continue - SMFIR_CONTINUE unless the MTA does not wait for it */

static void
milter_continue(struct milter *m, uint32_t noreply)
{
	if (noreply == 0 || !(m->proto & noreply))
		milter_reply(m, SMFIR_CONTINUE);
}

/* milter_macro - a macro's value, or NULL */

static const char *
milter_macro(const struct milter *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < MILTER_NMACROS && m->macros[i].name != NULL; i++)
		if (strcmp(m->macros[i].name, name) == 0)
			return (m->macros[i].value);
	return (NULL);
}

/* milter_macro_set - remember a macro (the first MILTER_NMACROS names) */

static void
milter_macro_set(struct milter *m, const char *name, const char *value)
{
	char	*n;
	size_t	 i, len = strlen(name);

	if (len >= 2 && name[0] == '{' && name[len - 1] == '}')
		n = xstrndup(name + 1, len - 2);
	else
		n = xstrdup(name);
	for (i = 0; i < MILTER_NMACROS && m->macros[i].name != NULL; i++)
		if (strcmp(m->macros[i].name, n) == 0)
			break;
	if (i == MILTER_NMACROS || strlen(value) > 255) {
		free(n);
		return;
	}
	if (m->macros[i].name == NULL)
		m->macros[i].name = n;
	else
		free(n);
	free(m->macros[i].value);
	m->macros[i].value = xstrdup(value);
}

/* milter_reset - forget the message */

static void
milter_reset(struct milter *m)
{
	msg_free(m->msg);
	m->msg = NULL;
	m->eoh = m->too_big = m->spool_failed = 0;
	m->size = 0;
}

/* milter_forget - forget the connection (SMFIC_QUIT_NC) */

static void
milter_forget(struct milter *m)
{
	size_t	 i;

	milter_reset(m);
	free(m->client_name);
	free(m->client_addr);
	free(m->helo);
	m->client_name = m->client_addr = m->helo = NULL;
	for (i = 0; i < MILTER_NMACROS; i++) {
		free(m->macros[i].name);
		free(m->macros[i].value);
		m->macros[i].name = m->macros[i].value = NULL;
	}
}

/* milter_bad - a packet we cannot take: log and end the connection */

static int
milter_bad(struct milter *m, const struct milter_pkt *p, const char *what)
{
	log_warn("milter from [%s]: bad %c packet (%s): closing the "
	    "connection", m->peer, p->cmd >= 0x20 && p->cmd < 0x7f ? p->cmd :
	    '?', what);
	return (-1);
}

/* milter_optneg - SMFIC_OPTNEG: what we want of what the MTA offers */

static int
milter_optneg(struct milter *m, const struct milter_pkt *p)
{
	unsigned char	 v[12];
	uint32_t	 w[3];
	struct buf	*b;
	size_t		 i;
	int		 k;

	if (p->len < 12)
		return (milter_bad(m, p, "shorter than 12 bytes"));
	m->version = milter_wire_u32(p->data);
	if (m->version < 2)
		return (milter_bad(m, p, "protocol version below 2"));
	if (m->version > MILTER_VERSION)
		m->version = MILTER_VERSION;
	m->actions = milter_wire_u32(p->data + 4) & MILTER_WANT_ACTIONS;
	m->proto = milter_wire_u32(p->data + 8) & MILTER_WANT_PROTO;
	if (m->version < 6)
		m->actions &= ~(uint32_t)SMFIF_SETSYMLIST;
	m->negotiated = 1;
	w[0] = m->version;
	w[1] = m->actions;
	w[2] = m->proto;
	for (k = 0; k < 3; k++) {
		v[k * 4] = (unsigned char)(w[k] >> 24);
		v[k * 4 + 1] = (unsigned char)(w[k] >> 16);
		v[k * 4 + 2] = (unsigned char)(w[k] >> 8);
		v[k * 4 + 3] = (unsigned char)w[k];
	}
	b = buf_new(256);
	buf_append(b, v, sizeof(v));
	for (i = 0; (m->actions & SMFIF_SETSYMLIST) &&
	    i < sizeof(milter_symlist) / sizeof(milter_symlist[0]); i++) {
		v[0] = v[1] = v[2] = 0;
		v[3] = (unsigned char)milter_symlist[i].stage;
		buf_append(b, v, 4);
		buf_append(b, milter_symlist[i].names,
		    strlen(milter_symlist[i].names) + 1);
	}
	milter_wire_pack(m->out, SMFIR_OPTNEG, b->data, buf_len(b));
	buf_free(b);
	log_debug("milter from [%s]: version %u, actions 0x%x, steps 0x%x",
	    m->peer, m->version, m->actions, m->proto);
	return (0);
}

/* milter_macros - SMFIC_MACRO: the stage, then name/value pairs */

static int
milter_macros(struct milter *m, const struct milter_pkt *p)
{
	const char	*v[129];
	int		 n, i;

	if (p->len < 1)
		return (milter_bad(m, p, "no stage"));
	if (p->len == 1)
		return (0);
	if ((n = milter_wire_strings(p->data + 1, p->len - 1, v, 128)) < 0 ||
	    n % 2 != 0)
		return (milter_bad(m, p, "not name/value pairs"));
	for (i = 0; i < n; i += 2)
		milter_macro_set(m, v[i], v[i + 1]);
	return (0);
}

/* milter_connect - SMFIC_CONNECT: the client's name and address */

static int
milter_connect(struct milter *m, const struct milter_pkt *p)
{
	const char	*host, *addr, *end = p->data + p->len;
	size_t		 hl;

	if ((host = memchr(p->data, '\0', p->len)) == NULL ||
	    host + 2 > end)
		return (milter_bad(m, p, "no host name"));
	hl = (size_t)(host - p->data);
	host = p->data;
	addr = NULL;
	if (host[hl + 1] != 'U') {
		/* family, port (2 bytes), address, NUL */
		if (host + hl + 4 >= end || end[-1] != '\0')
			return (milter_bad(m, p, "no address"));
		addr = host + hl + 4;
		if (strncasecmp(addr, "IPv6:", 5) == 0)
			addr += 5;
	}
	free(m->client_name);
	free(m->client_addr);
	/* "[192.0.2.1]" or "unknown": no name (NAME=[UNAVAILABLE]) */
	m->client_name = hl == 0 || host[0] == '[' ||
	    strcmp(host, "unknown") == 0 || hl > 255 ? NULL : xstrdup(host);
	/* Only an IP address is a client address ('L' is a unix socket's
	 * path): without one the checks use the MTA's own address. */
	m->client_addr = addr != NULL && (host[hl + 1] == '4' ||
	    host[hl + 1] == '6') && strlen(addr) <= 255 ? xstrdup(addr) : NULL;
	milter_continue(m, SMFIP_NR_CONN);
	return (0);
}

/* milter_helo - SMFIC_HELO */

static int
milter_helo(struct milter *m, const struct milter_pkt *p)
{
	const char	*v[1];

	if (milter_wire_strings(p->data, p->len, v, 1) != 1)
		return (milter_bad(m, p, "not one string"));
	free(m->helo);
	m->helo = strlen(v[0]) <= 255 ? xstrdup(v[0]) : NULL;
	milter_continue(m, SMFIP_NR_HELO);
	return (0);
}

/* milter_esmtp_param - one MAIL parameter we keep (the rest are the MTA's
 * business: it checked them) */

static void
milter_esmtp_param(struct msg *msg, const char *s)
{
	const char	*eq = strchr(s, '=');

	if (strcasecmp(s, "SMTPUTF8") == 0)
		msg->smtputf8 = 1;
	if (eq == NULL || strlen(eq + 1) > 500)
		return;
	if (strncasecmp(s, "BODY=", 5) == 0)
		msg->body = strcasecmp(eq + 1, "8BITMIME") == 0 ?
		    BODY_8BITMIME : BODY_7BIT;
	else if (strncasecmp(s, "SIZE=", 5) == 0)
		msg->size_decl = (size_t)strtoull(eq + 1, NULL, 10);
	else if (strncasecmp(s, "RET=", 4) == 0 && msg->ret == NULL)
		msg->ret = xstrdup(eq + 1);
	else if (strncasecmp(s, "ENVID=", 6) == 0 && msg->envid == NULL)
		msg->envid = xstrdup(eq + 1);
}

/* milter_path - "<addr>" (or a bare address) as the address, or NULL */

static char *
milter_path(struct milter *m, const char *s)
{
	const char	*params;
	char		*addr;

	buf_reset(m->why);
	if (s[0] != '<') {
		/* Sendmail without angle brackets for some mailers. */
		if (strlen(s) > 500 || strpbrk(s, " \t<>") != NULL)
			return (NULL);
		return (xstrdup(s));
	}
	if (addr_parse_path(s, &addr, &params, m->why) < 0)
		return (NULL);
	return (addr);
}

/* milter_mail - SMFIC_MAIL: a new message */

static int
milter_mail(struct milter *m, const struct milter_pkt *p)
{
	const char	*v[32];
	char		 qid[20], *addr;
	int		 n, i;

	if ((n = milter_wire_strings(p->data, p->len, v, 32)) < 1)
		return (milter_bad(m, p, "no sender"));
	if ((addr = milter_path(m, v[0])) == NULL)
		return (milter_bad(m, p, "bad sender address"));
	milter_reset(m);
	qid_new(qid, sizeof(qid));
	m->msg = msg_new(qid);
	m->msg->sender = addr;
	for (i = 1; i < n; i++)
		milter_esmtp_param(m->msg, v[i]);
	m->msg->xf.set = 1;
	m->msg->xf.addr = m->client_addr ? xstrdup(m->client_addr) : NULL;
	m->msg->xf.name = m->client_name ? xstrdup(m->client_name) : NULL;
	m->msg->xf.helo = m->helo ? xstrdup(m->helo) : NULL;
	m->msg->xf.proto = xstrdup("ESMTP");
	milter_continue(m, SMFIP_NR_MAIL);
	return (0);
}

/* milter_rcpt - SMFIC_RCPT: one recipient */

static int
milter_rcpt(struct milter *m, const struct milter_pkt *p)
{
	const char	*v[32];
	struct rcpt	*r;
	char		*addr;
	int		 n, i;

	if ((n = milter_wire_strings(p->data, p->len, v, 32)) < 1)
		return (milter_bad(m, p, "no recipient"));
	if (m->msg == NULL)
		return (milter_bad(m, p, "RCPT before MAIL"));
	if ((addr = milter_path(m, v[0])) == NULL || addr[0] == '\0') {
		free(addr);
		return (milter_bad(m, p, "bad recipient address"));
	}
	if (m->msg->nrcpts >= smtp_conf.max_recipients) {
		free(addr);
		milter_wire_pack_str(m->out, SMFIR_REPLYCODE, "452 4.5.3 Too "
		    "many recipients for the filter (max_recipients)",
		    (char *)NULL);
		return (0);
	}
	r = msg_add_rcpt(m->msg, addr);
	free(addr);
	for (i = 1; i < n; i++) {
		if (strncasecmp(v[i], "NOTIFY=", 7) == 0 && r->notify == NULL &&
		    strlen(v[i]) < 64)
			r->notify = xstrdup(v[i] + 7);
		else if (strncasecmp(v[i], "ORCPT=", 6) == 0 &&
		    r->orcpt == NULL && strlen(v[i]) < 500)
			r->orcpt = xstrdup(v[i] + 6);
	}
	milter_reply(m, SMFIR_CONTINUE);
	return (0);
}

/* milter_spool - append message bytes (dropped past the size limit) */

static void
milter_spool(struct milter *m, const char *p, size_t len)
{
	if (m->msg->spool == NULL)
		m->msg->spool = spool_new(smtp_conf.spool_dir,
		    smtp_conf.spool_memory_limit);
	m->size += len;
	if (smtp_conf.message_size_limit != 0 &&
	    m->size > smtp_conf.message_size_limit)
		m->too_big = 1;
	if (m->too_big || m->spool_failed)
		return;
	buf_reset(m->why);
	if (spool_write(m->msg->spool, p, len, m->why) != WN_OK) {
		log_warn("%s: spool: %s", m->msg->qid, buf_str(m->why));
		m->spool_failed = 1;
	}
}

/* milter_crlf - append text with every line end made CRLF */

static void
milter_crlf(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' || *s == '\r')
			buf_puts(b, "\r\n");
		else
			buf_putc(b, *s);
	}
}

/* milter_header - SMFIC_HEADER: one header field */

static int
milter_header(struct milter *m, const struct milter_pkt *p)
{
	const char	*v[2];
	struct buf	*b;

	if (milter_wire_strings(p->data, p->len, v, 2) != 2 || v[0][0] == '\0')
		return (milter_bad(m, p, "not a name and a value"));
	if (m->msg == NULL)
		return (milter_bad(m, p, "header before MAIL"));
	b = buf_new(strlen(v[0]) + strlen(v[1]) + 8);
	buf_puts(b, v[0]);
	buf_puts(b, (m->proto & SMFIP_HDR_LEADSPC) ? ":" : ": ");
	milter_crlf(b, v[1]);
	buf_puts(b, "\r\n");
	milter_spool(m, b->data, buf_len(b));
	buf_free(b);
	milter_continue(m, SMFIP_NR_HDR);
	return (0);
}

/* milter_eoh - SMFIC_EOH: the empty line after the headers */

static int
milter_eoh(struct milter *m, const struct milter_pkt *p)
{
	if (m->msg == NULL)
		return (milter_bad(m, p, "end of headers before MAIL"));
	if (!m->eoh)
		milter_spool(m, "\r\n", 2);
	m->eoh = 1;
	milter_continue(m, SMFIP_NR_EOH);
	return (0);
}

/* milter_body - SMFIC_BODY: a body chunk */

static int
milter_body(struct milter *m, const struct milter_pkt *p)
{
	if (m->msg == NULL)
		return (milter_bad(m, p, "body before MAIL"));
	if (!m->eoh)
		milter_spool(m, "\r\n", 2);
	m->eoh = 1;
	if (p->len > 0)
		milter_spool(m, p->data, p->len);
	if (p->cmd == SMFIC_BODY)
		milter_continue(m, SMFIP_NR_BODY);
	return (0);
}

/* milter_refuse - answer the end of a message we could not take */

static void
milter_refuse(struct milter *m, const char *line)
{
	milter_wire_pack_str(m->out, SMFIR_REPLYCODE, line, (char *)NULL);
}

/* milter_eom - SMFIC_BODYEOB: decide and answer */

static int
milter_eom(struct milter *m, const struct milter_pkt *p)
{
	struct milter_answer *a;
	struct sess_info si;
	const char	*id;
	int		 answered;

	if (m->msg == NULL)
		return (milter_bad(m, p, "end of message before MAIL"));
	(void)milter_body(m, p);
	if (m->msg->nrcpts == 0)
		return (milter_bad(m, p, "end of message without recipients"));
	if ((id = milter_macro(m, "i")) != NULL && m->msg->xf.ident == NULL)
		m->msg->xf.ident = xstrdup(id);
	buf_reset(m->why);
	if (m->too_big) {
		log_info("%s: rejected: message larger than "
		    "message_size_limit (%zu)", m->msg->qid,
		    smtp_conf.message_size_limit);
		milter_refuse(m, "552 5.3.4 Message size exceeds fixed limit");
	} else if (m->spool_failed ||
	    spool_commit(m->msg->spool, m->why) != WN_OK) {
		if (!m->spool_failed)
			log_warn("%s: spool: %s", m->msg->qid,
			    buf_str(m->why));
		milter_refuse(m, "451 4.3.0 Local error: cannot store the "
		    "message, try again later");
	} else {
		memset(&si, 0, sizeof(si));
		si.peer_addr = m->peer;
		si.helo = m->helo;
		si.esmtp = 1;
		si.milter = 1;
		a = milter_answer_new(m->actions);
		m->hooks->deliver(&si, m->msg, a);
		milter_answer_pack(a, m->out);
		if (milter_answer_get_final(a) == MILTER_ACCEPT)
			m->accepted++;
		milter_answer_free(a);
		answered = milter_send(m) == 0;
		if (m->hooks->after_reply != NULL)
			m->hooks->after_reply(answered);
	}
	milter_reset(m);
	return (0);
}

/* milter_abort - SMFIC_ABORT: forget the message, keep the connection */

static int
milter_abort(struct milter *m, const struct milter_pkt *p)
{
	(void)p;
	milter_reset(m);
	return (0);
}

/* milter_quit - SMFIC_QUIT and SMFIC_QUIT_NC */

static int
milter_quit(struct milter *m, const struct milter_pkt *p)
{
	if (p->cmd == SMFIC_QUIT_NC)
		milter_forget(m);
	else
		m->quit = 1;
	return (0);
}

/* milter_data - SMFIC_DATA and SMFIC_UNKNOWN: nothing to learn */

static int
milter_data(struct milter *m, const struct milter_pkt *p)
{
	milter_continue(m, p->cmd == SMFIC_DATA ? SMFIP_NR_DATA :
	    SMFIP_NR_UNKN);
	return (0);
}

static const struct {
	int		 cmd;
	milter_fn	*fn;
	int		 any;		/* allowed before OPTNEG */
} milter_cmds[] = {
	{ SMFIC_OPTNEG, milter_optneg, 1 },
	{ SMFIC_MACRO, milter_macros, 0 },
	{ SMFIC_CONNECT, milter_connect, 0 },
	{ SMFIC_HELO, milter_helo, 0 },
	{ SMFIC_MAIL, milter_mail, 0 },
	{ SMFIC_RCPT, milter_rcpt, 0 },
	{ SMFIC_DATA, milter_data, 0 },
	{ SMFIC_UNKNOWN, milter_data, 0 },
	{ SMFIC_HEADER, milter_header, 0 },
	{ SMFIC_EOH, milter_eoh, 0 },
	{ SMFIC_BODY, milter_body, 0 },
	{ SMFIC_BODYEOB, milter_eom, 0 },
	{ SMFIC_ABORT, milter_abort, 1 },
	{ SMFIC_QUIT, milter_quit, 1 },
	{ SMFIC_QUIT_NC, milter_quit, 1 },
	{ 0, NULL, 0 }
};

/* milter_dispatch - one packet to its handler */

static int
milter_dispatch(struct milter *m, const struct milter_pkt *p)
{
	size_t	 i;

	for (i = 0; milter_cmds[i].fn != NULL; i++) {
		if (milter_cmds[i].cmd != p->cmd)
			continue;
		if (!m->negotiated && !milter_cmds[i].any)
			return (milter_bad(m, p, "before the negotiation"));
		return (milter_cmds[i].fn(m, p));
	}
	return (milter_bad(m, p, "unknown command"));
}

/* milter_send - write the queued replies */

static int
milter_send(struct milter *m)
{
	if (buf_len(m->out) > 0) {
		if (stream_write(m->st, m->out->data, buf_len(m->out)) < 0)
			return (-1);
		buf_reset(m->out);
	}
	return (stream_flush(m->st));
}

/* milter_more - send what is queued, then wait for more input; 0 or -1
 * (logged unless a clean end between messages) */

static int
milter_more(struct milter *m, size_t have)
{
	int	 on = 1;

	if (milter_send(m) < 0)
		return (-1);
	/*
	 * The MTA sends packets that get no reply (macros, and headers and
	 * body chunks with SMFIP_NR_*) one write at a time; with Nagle on
	 * its side each waits for our ACK of the one before, which the
	 * kernel delays (40 ms on Linux) while we have nothing to send.
	 * Ask for immediate ACKs before each read (the kernel forgets it);
	 * a unix socket refuses the option, harmlessly.
	 */
	if (m->tcp && setsockopt(stream_fd(m->st), IPPROTO_TCP, TCP_QUICKACK,
	    &on, sizeof(on)) < 0)
		m->tcp = 0;
	if (stream_fill(m->st) >= 0)
		return (0);
	if (stream_error(m->st) != STREAM_EOF || have > 0 || m->msg != NULL)
		log_info("milter from [%s]: %s%s", m->peer,
		    stream_strerror(m->st), m->msg != NULL ?
		    " in the middle of a message" : "");
	return (-1);
}

/* milter_next - the next packet, waiting for it: 1, 0 at the end or on
 * an error.  A packet that fits the stream's buffer is used in place
 * (*used bytes to consume after it); a larger one (a body chunk of 64 KiB
 * and its header) is gathered in m->pkt first. */

static int
milter_next(struct milter *m, struct milter_pkt *p, size_t *used)
{
	const char	*data;
	size_t		 len, want, n;
	ssize_t		 r;

	for (;;) {
		data = stream_rdata(m->st, &len);
		buf_reset(m->why);
		r = milter_wire_parse(data, len, MILTER_PKT_MAX, p, m->why);
		if (r < 0) {
			log_warn("milter from [%s]: %s: closing the "
			    "connection", m->peer, buf_str(m->why));
			return (0);
		}
		if (r > 0) {
			*used = (size_t)r;
			return (1);
		}
		if (len >= 4)
			break;		/* valid length, not all in */
		if (milter_more(m, len) < 0)
			return (0);
	}
	want = (size_t)milter_wire_u32(data) + 4;
	buf_reset(m->pkt);
	while (buf_len(m->pkt) < want) {
		data = stream_rdata(m->st, &len);
		n = want - buf_len(m->pkt) < len ? want - buf_len(m->pkt) : len;
		buf_append(m->pkt, data, n);
		stream_rconsume(m->st, n);
		if (buf_len(m->pkt) < want && milter_more(m, 1) < 0)
			return (0);
	}
	(void)milter_wire_parse(m->pkt->data, want, MILTER_PKT_MAX, p, m->why);
	*used = 0;
	return (1);
}

/* milter_run - serve one MTA connection */

unsigned int
milter_run(int fd, const char *peer, const struct milter_hooks *hooks)
{
	struct milter	 m;
	struct milter_pkt p;
	size_t		 used;

	memset(&m, 0, sizeof(m));
	m.st = stream_new(fd);
	m.peer = peer;
	m.hooks = hooks;
	m.tcp = 1;
	m.out = buf_new(1024);
	m.pkt = buf_new(1024);
	m.why = buf_new(128);
	stream_set_timeout(m.st, smtp_conf.command_timeout);
	while (!m.quit && milter_next(&m, &p, &used) > 0) {
		if (milter_dispatch(&m, &p) < 0)
			break;
		stream_rconsume(m.st, used);
	}
	if (buf_len(m.out) > 0 &&
	    stream_write(m.st, m.out->data, buf_len(m.out)) == 0)
		(void)stream_flush(m.st);
	milter_forget(&m);
	stream_free(m.st);
	buf_free(m.out);
	buf_free(m.pkt);
	buf_free(m.why);
	return (m.accepted);
}
