/*
 * pipeline.c - from a spooled message to per-recipient replies
 *
 * The path of one message after DATA (DESIGN.md): the checks read it and
 * write findings; the policy decides, per recipient, what the downstream
 * gets (here: whether the recipient is protected and the message small
 * enough to filter, which headers we add); recipients with identical
 * results share one downstream transaction; then delivery, in two phases:
 *
 *   prepare  every transaction up to the final dot (envelope, DATA, body);
 *   commit   the final dots, only if nothing needs a temporary failure.
 *
 * For an SMTP upstream one reply covers all recipients, so any temporary
 * failure aborts every transaction before its dot and the whole message is
 * answered 4xx (no recipient gets a copy, no duplicates on retry); recipients
 * refused permanently while others were accepted get a DSN from us and the
 * upstream gets 250.  For an LMTP upstream every recipient gets the reply
 * its own outcome deserves.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "spool.h"

/* policy */
#include "edit.h"
#include "findings.h"
#include "policy.h"

/* server */
#include "server.h"

#define INFO_NONE	0
#define INFO_NOT_PROT	1
#define INFO_SIZE	2
#define INFO_ERROR	3

static const char *const pl_info_text[] = {
	NULL, "not protected", "not scanned (size)", "not processed"
};

/*
 * The checks, in order.  Each is a check_fn (findings.h); modules plug in
 * here as they are wired into the pipeline.
 */
struct pl_check {
	const char	*name;
	check_fn	*fn;
};

static const struct pl_check pl_checks[] = {
	{ NULL, NULL }
};

/* One downstream transaction: recipients with identical results. */
struct pl_group {
	struct edit	*edit;
	struct rcpt	**rcpts;
	size_t		 n;
	struct reinject_txn txn;
	struct reinject	*conn;
	int		 committed;	/* the downstream has a copy */
};

struct pl_ctx {
	const struct sess_info *si;
	struct msg	*m;
	const char	*data;
	size_t		 len, header_len;
	struct findings	*f;
	int		*info;		/* per recipient, INFO_* */
	char		 error_check[32];
	struct pl_group	*groups;
	size_t		 ngroups;
	struct buf	*why;
};

/* pl_eightbit - does the message contain bytes above 127? */

static int
pl_eightbit(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] & 0x80)
			return (1);
	return (0);
}

/* pl_set - give a recipient a reply of our own */

static void
pl_set(struct rcpt *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
pl_set(struct rcpt *r, int code, const char *fmt, ...)
{
	va_list	 ap;

	r->code = code;
	buf_reset(r->reply);
	buf_printf(r->reply, "%d ", code);
	va_start(ap, fmt);
	buf_vprintf(r->reply, fmt, ap);
	va_end(ap);
}

/* pl_client - the original client: XFORWARD ADDR, else our peer */

static const char *
pl_client(const struct pl_ctx *c)
{
	const char	*a = c->m->xf.addr;

	if (a != NULL && strcasecmp(a, "[UNAVAILABLE]") != 0 &&
	    strcasecmp(a, "[TEMPUNAVAIL]") != 0)
		return (strncasecmp(a, "IPV6:", 5) == 0 ? a + 5 : a);
	return (c->si->peer_addr);
}

/* pl_run_checks - run every check; WN_OK or WN_TEMP */

static int
pl_run_checks(struct pl_ctx *c)
{
	struct msg_view	 v;
	const char	**rcpts;
	size_t		 i;
	int		 rc = WN_OK;

	memset(&v, 0, sizeof(v));
	rcpts = xcalloc(c->m->nrcpts + 1, sizeof(*rcpts));
	for (i = 0; i < c->m->nrcpts; i++)
		rcpts[i] = c->m->rcpts[i].addr;
	v.queue_id = c->m->qid;
	v.client_addr = pl_client(c);
	v.client_name = c->m->xf.name;
	v.helo = c->m->xf.helo ? c->m->xf.helo : c->si->helo;
	v.sender = c->m->sender;
	v.rcpts = rcpts;
	v.nrcpts = c->m->nrcpts;
	v.data = c->data;
	v.len = c->len;
	v.header_len = c->header_len;
	for (i = 0; pl_checks[i].name != NULL; i++) {
		buf_reset(c->why);
		if (pl_checks[i].fn(&v, c->f, c->why) != WN_OK) {
			log_warn("%s: %s check failed: %s", c->m->qid,
			    pl_checks[i].name, buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "%s", pl_checks[i].name);
			rc = WN_TEMP;
			break;
		}
	}
	free(rcpts);
	return (rc);
}

/* pl_received - our trace header */

static void
pl_received(struct pl_ctx *c, struct edit *e, const struct rcpt *only)
{
	struct buf	*v = buf_new(256);
	char		 date[64];
	const char	*helo = c->si->helo ? c->si->helo : "unknown";

	time_rfc5322(date, sizeof(date), time(NULL));
	buf_puts(v, "from ");
	buf_append(v, helo, strlen(helo) > 255 ? 255 : strlen(helo));
	/* RFC 5321 4.4 TCP-info: an address literal; none for a local
	 * (unix socket) peer. */
	if (strchr(c->si->peer_addr, ':') != NULL)
		buf_printf(v, " ([IPv6:%s])", c->si->peer_addr);
	else if (strcmp(c->si->peer_addr, "local") != 0)
		buf_printf(v, " ([%s])", c->si->peer_addr);
	buf_printf(v, " by %s (winnow) with %s id %s", server_hostname,
	    c->si->lmtp ? "LMTP" : c->si->esmtp ? "ESMTP" : "SMTP", c->m->qid);
	if (only != NULL)
		buf_printf(v, " for <%s>", only->addr);
	buf_printf(v, "; %s", date);
	edit_add_header(e, "Received", buf_str(v));
	buf_free(v);
}

/* pl_group_for - the transaction a recipient joins (by identical edit) */

static void
pl_group_for(struct pl_ctx *c, struct rcpt *r, struct edit *e)
{
	struct pl_group	*g;
	const char	*key = edit_key(e);
	size_t		 i;

	for (i = 0; i < c->ngroups; i++) {
		g = &c->groups[i];
		if (strcmp(edit_key(g->edit), key) == 0) {
			edit_free(e);
			g->rcpts = xreallocarray(g->rcpts, g->n + 1,
			    sizeof(*g->rcpts));
			g->rcpts[g->n++] = r;
			r->group = (int)i;
			return;
		}
	}
	c->groups = xreallocarray(c->groups, c->ngroups + 1,
	    sizeof(*c->groups));
	g = &c->groups[c->ngroups];
	memset(g, 0, sizeof(*g));
	g->edit = e;
	g->rcpts = xmalloc(sizeof(*g->rcpts));
	g->rcpts[0] = r;
	g->n = 1;
	r->group = (int)c->ngroups++;
}

/* pl_build_groups - decide each recipient's output and group them */

static void
pl_build_groups(struct pl_ctx *c)
{
	struct edit	*e;
	struct rcpt	*r;
	size_t		 i;

	for (i = 0; i < c->m->nrcpts; i++) {
		r = &c->m->rcpts[i];
		if (r->code != 0)
			continue;	/* already decided */
		e = edit_new(c->data, c->len, c->header_len);
		pl_received(c, e, c->m->nrcpts == 1 ? r : NULL);
		if (c->info[i] == INFO_ERROR) {
			struct buf *t = buf_new(64);

			buf_printf(t, "not processed (%s check failed)",
			    c->error_check);
			edit_add_header(e, "X-Winnow-Info", buf_str(t));
			buf_free(t);
		} else if (c->info[i] != INFO_NONE) {
			edit_add_header(e, "X-Winnow-Info",
			    pl_info_text[c->info[i]]);
		}
		/* Only we write X-Winnow-*: drop what the sender put there. */
		edit_remove_prefix(e, "X-Winnow-");
		pl_group_for(c, r, e);
	}
}

/* pl_prepare - open and prepare every transaction */

static void
pl_prepare(struct pl_ctx *c)
{
	struct pl_group	*g;
	size_t		 i, k;
	int		 eightbit = pl_eightbit(c->data, c->len);

	for (i = 0; i < c->ngroups; i++) {
		g = &c->groups[i];
		reinject_txn_init(&g->txn);
		g->txn.msg = c->m;
		g->txn.sender = c->m->sender;
		g->txn.rcpts = g->rcpts;
		g->txn.nrcpts = g->n;
		g->txn.size = edit_size(g->edit);
		g->txn.nsegs = edit_segments(g->edit, &g->txn.segs);
		g->txn.eightbit = eightbit;
		buf_reset(c->why);
		if ((g->conn = reinject_open(c->why)) == NULL) {
			for (k = 0; k < g->n; k++)
				pl_set(g->rcpts[k], 451, "4.4.1 Downstream "
				    "unavailable: %s", buf_str(c->why));
			continue;
		}
		buf_reset(c->why);
		if (reinject_prepare(g->conn, &g->txn, c->si->lmtp, c->why) !=
		    WN_OK) {
			for (k = 0; k < g->n; k++)
				pl_set(g->rcpts[k], 451, "4.4.2 Downstream "
				    "failed: %s", buf_str(c->why));
			reinject_abort(g->conn, &g->txn);
			reinject_release(g->conn, 0);
			g->conn = NULL;
		}
	}
}

/* pl_any - whether some recipient has a code in this class (2, 4, 5) */

static int
pl_any(const struct msg *m, int cls)
{
	size_t	 i;

	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].code / 100 == cls)
			return (1);
	return (0);
}

/* pl_commit - send the final dots (or abort them all) */

static void
pl_commit(struct pl_ctx *c)
{
	struct pl_group	*g;
	size_t		 i;
	int		 abort_all;

	/* SMTP upstream: one temporary failure holds back every copy. */
	abort_all = !c->si->lmtp && pl_any(c->m, 4);
	for (i = 0; i < c->ngroups; i++) {
		g = &c->groups[i];
		if (g->conn == NULL)
			continue;
		if (g->txn.prepared && abort_all) {
			reinject_abort(g->conn, &g->txn);
			reinject_release(g->conn, 0);
		} else if (g->txn.prepared) {
			buf_reset(c->why);
			if (reinject_commit(g->conn, &g->txn, c->why) == WN_OK) {
				g->committed = 1;
				reinject_release(g->conn, 1);
			} else {
				log_warn("%s: %s after end of data: %s "
				    "(the message may be delivered twice)",
				    c->m->qid, reinject_peer(g->conn),
				    buf_str(c->why));
				g->committed = 1;	/* perhaps */
				reinject_release(g->conn, 0);
			}
		} else {
			reinject_release(g->conn, 1);	/* RSET was sent */
		}
		g->conn = NULL;
	}
	if (!abort_all)
		return;
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->m->rcpts[i].code / 100 == 2)
			pl_set(&c->m->rcpts[i], 451, "4.3.0 Held back: another "
			    "recipient was refused temporarily (%s)",
			    c->m->qid);
}

/* pl_send_dsn - notify the sender of permanently refused recipients */

static void
pl_send_dsn(struct pl_ctx *c)
{
	struct dsn_rcpt	*dr;
	struct buf	*body;
	struct msg	*dm;
	struct rcpt	*to, *tp[1];
	struct reinject	*conn;
	struct reinject_txn t;
	struct edit_seg	 seg;
	size_t		 i, n = 0;

	if (c->m->sender[0] == '\0')
		return;			/* never bounce a bounce */
	dr = xcalloc(c->m->nrcpts, sizeof(*dr));
	for (i = 0; i < c->m->nrcpts; i++) {
		struct rcpt *r = &c->m->rcpts[i];

		if (r->code / 100 != 5 || !dsn_wanted(r))
			continue;
		dr[n].addr = r->addr;
		dr[n].orcpt = r->orcpt;
		dr[n].reply = buf_str(r->reply);
		dr[n].code = r->code;
		n++;
	}
	if (n == 0) {
		free(dr);
		return;
	}
	body = buf_new(4096);
	dsn_build(body, c->m, c->data, c->len, c->header_len, dr, n,
	    reinject_peer(NULL), c->m->qid);
	dm = msg_new(c->m->qid);
	dm->sender = xstrdup("");
	dm->body = pl_eightbit(body->data, buf_len(body)) ? BODY_8BITMIME :
	    BODY_7BIT;
	to = msg_add_rcpt(dm, c->m->sender);
	tp[0] = to;
	seg.p = body->data;
	seg.len = buf_len(body);
	reinject_txn_init(&t);
	t.msg = dm;
	t.sender = dm->sender;
	t.rcpts = tp;
	t.nrcpts = 1;
	t.segs = &seg;
	t.nsegs = 1;
	t.size = seg.len;
	buf_reset(c->why);
	if ((conn = reinject_open(c->why)) == NULL ||
	    reinject_prepare(conn, &t, 1, c->why) != WN_OK || !t.prepared ||
	    reinject_commit(conn, &t, c->why) != WN_OK || to->code / 100 != 2) {
		log_error("%s: could not send the DSN to <%s> for %zu refused "
		    "recipient(s): %s%s", c->m->qid, c->m->sender, n,
		    buf_str(c->why), buf_str(to->reply));
		if (conn != NULL) {
			reinject_abort(conn, &t);
			reinject_release(conn, 0);
		}
	} else {
		log_info("%s: sent DSN to <%s> for %zu refused recipient(s): "
		    "%s", c->m->qid, c->m->sender, n, buf_str(to->reply));
		reinject_release(conn, 1);
	}
	reinject_txn_free(&t);
	msg_free(dm);
	buf_free(body);
	free(dr);
}

/* pl_first - the reply of the first recipient with a code in a class */

static const char *
pl_first(const struct msg *m, int cls)
{
	size_t	 i;

	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].code / 100 == cls)
			return (buf_str(m->rcpts[i].reply));
	return (NULL);
}

/* pl_smtp_reply - the one reply for an SMTP upstream */

static void
pl_smtp_reply(struct pl_ctx *c, struct buf *reply)
{
	const char	*first;
	size_t		 i, nrefused = 0;

	if (pl_any(c->m, 4)) {
		first = pl_first(c->m, 4);
		buf_append(reply, first, strlen(first) > 400 ? 400 :
		    strlen(first));
		for (i = 0; i < c->ngroups; i++)
			if (c->groups[i].committed)
				log_warn("%s: a copy went downstream for some "
				    "recipients before another failed; the "
				    "upstream's retry may duplicate it",
				    c->m->qid);
		return;
	}
	if (!pl_any(c->m, 2)) {
		first = pl_first(c->m, 5);
		buf_append(reply, first, strlen(first) > 400 ? 400 :
		    strlen(first));
		return;
	}
	for (i = 0; i < c->m->nrcpts; i++)
		nrefused += (c->m->rcpts[i].code / 100 == 5);
	if (nrefused > 0)
		pl_send_dsn(c);
	first = pl_first(c->m, 2);
	buf_printf(reply, "250 2.0.0 Ok: filtered as %s", c->m->qid);
	if (nrefused > 0)
		buf_printf(reply, ", %zu recipient(s) refused downstream, "
		    "DSN sent", nrefused);
	buf_puts(reply, "; downstream said: ");
	buf_append(reply, first, strlen(first) > 200 ? 200 : strlen(first));
}

/* pl_log - the one summary line of the message */

static void
pl_log(struct pl_ctx *c, const struct buf *reply)
{
	struct buf	*l = buf_new(512);
	const struct msg *m = c->m;
	size_t		 i;

	buf_printf(l, "%s: from=<", m->qid);
	buf_append_safe(l, m->sender, strlen(m->sender));
	buf_printf(l, "> size=%zu nrcpt=%zu client=", c->len, m->nrcpts);
	if (m->xf.name != NULL)
		buf_append_safe(l, m->xf.name, strlen(m->xf.name));
	buf_printf(l, "[%s] peer=[%s] proto=%s", pl_client(c),
	    c->si->peer_addr, c->si->lmtp ? "LMTP" : "SMTP");
	if (m->xf.ident != NULL) {
		buf_puts(l, " upstream_id=");
		buf_append_safe(l, m->xf.ident, strlen(m->xf.ident));
	}
	buf_printf(l, " delay=%.3fs", (double)(time_now_ms() - m->start_ms) /
	    1000.0);
	for (i = 0; i < m->nrcpts; i++) {
		buf_puts(l, " to=<");
		buf_append_safe(l, m->rcpts[i].addr,
		    strlen(m->rcpts[i].addr));
		buf_puts(l, ">");
		if (c->info[i] != INFO_NONE)
			buf_printf(l, " (%s)", pl_info_text[c->info[i]]);
		buf_puts(l, " \"");
		buf_append_safe(l, buf_str(m->rcpts[i].reply),
		    buf_len(m->rcpts[i].reply));
		buf_puts(l, "\"");
	}
	if (!c->si->lmtp) {
		buf_puts(l, " reply=\"");
		buf_append_safe(l, buf_str(reply), buf_len(reply));
		buf_puts(l, "\"");
	}
	log_info("%s", buf_str(l));
	buf_free(l);
}

/* pipeline_run - checks, policy, reinjection and the replies */

void
pipeline_run(const struct sess_info *si, struct msg *m, struct buf *reply_r)
{
	struct pl_ctx	 c;
	size_t		 i;
	int		 filtered = 0, size_ok;

	memset(&c, 0, sizeof(c));
	c.si = si;
	c.m = m;
	c.why = buf_new(256);
	c.data = spool_data(m->spool, &c.len);
	c.header_len = edit_header_len(c.data, c.len);
	c.f = findings_new();
	c.info = xcalloc(m->nrcpts + 1, sizeof(*c.info));

	size_ok = policy_size_filtered(c.len);
	for (i = 0; i < m->nrcpts; i++) {
		if (!size_ok)
			c.info[i] = INFO_SIZE;
		else if (!policy_protected(m->rcpts[i].addr))
			c.info[i] = INFO_NOT_PROT;
		else
			filtered = 1;
	}
	if (filtered && pl_run_checks(&c) != WN_OK) {
		for (i = 0; i < m->nrcpts; i++) {
			if (c.info[i] != INFO_NONE)
				continue;
			if (server_conf.on_error == ON_ERROR_ACCEPT)
				c.info[i] = INFO_ERROR;
			else if (server_conf.on_error == ON_ERROR_REJECT)
				pl_set(&m->rcpts[i], 554, "5.3.0 Message "
				    "could not be checked (%s)", m->qid);
			else
				pl_set(&m->rcpts[i], 451, "4.3.0 Temporary "
				    "failure while checking the message (%s), "
				    "try again later", m->qid);
		}
	}
	if (!si->lmtp && pl_any(m, 4)) {
		/* The whole message is tempfailed: deliver nothing. */
		for (i = 0; i < m->nrcpts; i++)
			if (m->rcpts[i].code == 0)
				pl_set(&m->rcpts[i], 451, "4.3.0 Temporary "
				    "failure (%s)", m->qid);
	}
	pl_build_groups(&c);
	pl_prepare(&c);
	pl_commit(&c);
	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].code == 0)
			log_panic("%s: recipient %zu has no outcome", m->qid,
			    i);
	if (!si->lmtp)
		pl_smtp_reply(&c, reply_r);
	pl_log(&c, reply_r);

	for (i = 0; i < c.ngroups; i++) {
		reinject_txn_free(&c.groups[i].txn);
		edit_free(c.groups[i].edit);
		free(c.groups[i].rcpts);
	}
	free(c.groups);
	free(c.info);
	findings_free(c.f);
	buf_free(c.why);
}
