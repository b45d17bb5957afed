/*
 * pipe_deliver.c - what winnow-pipe's session does with each message
 *
 * The session (smtp/sess.c) has received and spooled a message; this
 * decides where it goes:
 *
 *   larger than [policy] filter_size_limit  straight to [server] forward,
 *       unfiltered (pipe_forward.c), marked "X-Winnow-Info: not scanned
 *       (size)", as winnowd would;
 *   otherwise                               to winnowd (pipe_relay.c), and
 *       winnowd's replies go back to the MTA as they are;
 *   winnowd unreachable, failing, too slow  [client] on_error: tempfail
 *       (4xx), reject (5xx), or accept: to forward unfiltered, marked "X-Winnow-Info: not processed (filter unavailable)".
 *
 * on_error applies only to recipients winnowd left without an answer.
 * When that happened after the final dot, winnowd may already have
 * delivered the message; the log says so, because a tempfail or accept then
 * may deliver it twice (a duplicate is the price of never losing mail).
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

/* spool */
#include "spool.h"

/* smtp */
#include "msg.h"
#include "notice.h"
#include "sess.h"
#include "smtp_conf.h"

/* pipe-client */
#include "pipe.h"

#define PIPE_BYPASS_TEXT	"not processed (filter unavailable)"

const struct pipe_client_info *pipe_client_info;

static const char *const pipe_on_error_text[] = {
	"tempfail", "reject", "accept"
};

/* pipe_qualify - add a domain to a bare address */

char *
pipe_qualify(const char *addr, const char *domain)
{
	const char	*p;
	int		 quoted = 0;
	char		*out;
	size_t		 len;

	if (addr[0] == '\0' || domain == NULL || domain[0] == '\0')
		return (NULL);
	for (p = addr; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '@')
			return (NULL);
	}
	len = strlen(addr) + strlen(domain) + 2;
	out = xmalloc(len);
	(void)snprintf(out, len, "%s@%s", addr, domain);
	return (out);
}

/* pipe_qualify_msg - qualify the sender and every recipient */

static void
pipe_qualify_msg(struct msg *m)
{
	char	*q;
	size_t	 k;

	if ((q = pipe_qualify(m->sender, client_conf.default_domain)) != NULL) {
		free(m->sender);
		m->sender = q;
	}
	for (k = 0; k < m->nrcpts; k++) {
		q = pipe_qualify(m->rcpts[k].addr, client_conf.default_domain);
		if (q != NULL) {
			free(m->rcpts[k].addr);
			m->rcpts[k].addr = q;
		}
	}
}

/* pipe_xforward_from_args - the command line's client attributes become
 * the transaction's, for the unfiltered paths too */

static void
pipe_xforward_from_args(struct msg *m)
{
	const struct pipe_client_info *ci = pipe_client_info;

	if (m->xf.set || ci == NULL)
		return;
	if (ci->addr == NULL && ci->name == NULL && ci->helo == NULL &&
	    ci->ident == NULL && ci->proto == NULL)
		return;
	m->xf.name = ci->name ? xstrdup(ci->name) : NULL;
	m->xf.addr = ci->addr ? xstrdup(ci->addr) : NULL;
	m->xf.helo = ci->helo ? xstrdup(ci->helo) : NULL;
	m->xf.ident = ci->ident ? xstrdup(ci->ident) : NULL;
	m->xf.proto = ci->proto ? xstrdup(ci->proto) : NULL;
	m->xf.set = 1;
}

/* pipe_log - the one summary line of a message winnowd answered */

static void
pipe_log(const struct sess_info *si, const struct msg *m,
    const struct buf *reply_r)
{
	struct buf	*l = buf_new(512);
	size_t		 k;

	buf_printf(l, "%s: from=<", m->qid);
	buf_append_safe(l, m->sender, strlen(m->sender));
	buf_printf(l, "> nrcpt=%zu filter=%s", m->nrcpts,
	    client_conf.connect_to);
	for (k = 0; si->lmtp && k < m->nrcpts; k++) {
		buf_puts(l, " to=<");
		buf_append_safe(l, m->rcpts[k].addr, strlen(m->rcpts[k].addr));
		buf_puts(l, "> \"");
		buf_append_safe(l, buf_str(m->rcpts[k].reply),
		    buf_len(m->rcpts[k].reply));
		buf_puts(l, "\"");
	}
	if (!si->lmtp) {
		buf_puts(l, " reply=\"");
		buf_append_safe(l, buf_str(reply_r), buf_len(reply_r));
		buf_puts(l, "\"");
	}
	log_info("%s", buf_str(l));
	buf_free(l);
}

/* pipe_on_error - winnowd gave no answer for some recipients */

static void
pipe_on_error(const struct sess_info *si, struct msg *m,
    struct buf *reply_r, int after_dot, const struct buf *why)
{
	struct buf	*text = buf_new(256);
	size_t		 k;
	enum fate	 f;

	log_warn("%s: filter %s unavailable: %s; on_error = %s%s", m->qid,
	    client_conf.connect_to, buf_str(why),
	    pipe_on_error_text[client_conf.on_error], after_dot ? " (this "
	    "happened after the end of the data: the filter may have "
	    "delivered the message already, so it may arrive twice)" : "");
	buf_reset(reply_r);
	if (client_conf.on_error == CLIENT_ON_ERROR_ACCEPT) {
		pipe_forward(si, m, PIPE_BYPASS_TEXT, reply_r);
		buf_free(text);
		return;
	}
	if (client_conf.on_error == CLIENT_ON_ERROR_REJECT) {
		f = FATE_REFUSED;
		buf_printf(text, "554 5.3.0 Message refused: the content "
		    "filter is unavailable (%s)", m->qid);
	} else {
		f = FATE_DEFERRED;
		buf_printf(text, "451 4.3.0 Content filter unavailable, try "
		    "again later (%s)", m->qid);
	}
	for (k = 0; k < m->nrcpts; k++)
		if (m->rcpts[k].fate == FATE_PENDING)
			fate_set_line(&m->rcpts[k], f, buf_str(text));
	if (!si->lmtp)
		buf_puts(reply_r, buf_str(text));
	buf_free(text);
}

const struct sess_hooks	 pipe_hooks = {
	pipe_deliver, notice_after_reply, NULL
};

/* pipe_deliver - the session's deliver hook */

void
pipe_deliver(const struct sess_info *si, struct msg *m, struct buf *reply_r)
{
	struct buf	*why = buf_new(256);
	size_t		 len;
	int		 after_dot = 0;

	pipe_qualify_msg(m);
	pipe_xforward_from_args(m);
	(void)spool_data(m->spool, &len);
	if (!smtp_size_filtered(len)) {
		log_info("%s: %zu bytes, over [policy] filter_size_limit "
		    "(%zu): delivering unfiltered to %s", m->qid, len,
		    smtp_conf.filter_size_limit, smtp_conf.forward);
		pipe_forward(si, m, "not scanned (size)", reply_r);
	} else if (pipe_relay(si, m, reply_r, &after_dot, why) ==
	    PIPE_RELAY_OK) {
		pipe_log(si, m, reply_r);
	} else {
		pipe_on_error(si, m, reply_r, after_dot, why);
	}
	buf_free(why);
}
