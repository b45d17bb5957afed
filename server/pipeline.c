/*
 * pipeline.c - from a spooled message to per-recipient replies
 *
 * The path of one message after DATA (DESIGN.md):
 *
 *   checks     each check module reads the message and writes findings;
 *              families that no recipient's group wants are skipped;
 *   policy     each protected recipient's group decides its statuses and
 *              actions (policy_decide); refused recipients get 554 with
 *              the status's reject text at once;
 *   plan       each recipient's resulting message (our headers, its
 *              group's modifications) is built; recipients with identical
 *              results, and the addresses they are redirected to, share
 *              one downstream transaction; copies (copy, archive_to) go in
 *              transactions of their own, best effort (split.h);
 *   prepare    every transaction up to the final dot (envelope, DATA,
 *              body);
 *   store      quarantine and archive_dir copies, written durably, only
 *              once nothing needs a temporary failure;
 *   commit     the final dots, only if nothing needs a temporary failure
 *              (nor has message_deadline run out);
 *   answer     the replies;
 *   after      once the session has written them (notice_after_reply):
 *              the DSN for refused recipients and the notifications, for
 *              final outcomes only, so they never delay the answer.  Each
 *              is written durably into spool_dir/outq before the answer
 *              and committed there once the answer is out (a crash before
 *              it: the upstream retries, no second DSN); one that cannot
 *              be sent then (or whose child dies first) is sent by a
 *              child between sessions, every notice_retry, for up to
 *              notice_lifetime (notice_retry).
 *
 * For an SMTP upstream one reply covers all recipients, so any temporary
 * failure aborts every transaction before its dot and the whole message is
 * answered 4xx (no recipient gets a copy, no duplicates on retry); recipients
 * refused permanently (by the downstream or by policy) while others were
 * accepted get a DSN from us - unless their status forbids one (spam and
 * blacklisted mail by default: backscatter) - and the upstream gets 250.
 * When every recipient is refused the reply is the first refusal.  For an
 * LMTP upstream every recipient gets the reply its own outcome deserves.
 *
 * Quarantine and drop answer 250 without a downstream copy: a deliberate
 * disposal, logged in the message's summary line.  A quarantine or archive
 * that cannot be written is a temporary failure (451), never a silent pass.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "archive.h"
#include "quar.h"
#include "spool.h"

/* checks */
#include "av.h"
#include "content.h"
#include "dnsbl.h"

/* policy */
#include "edit.h"
#include "findings.h"
#include "mail.h"
#include "notify.h"
#include "policy.h"
#include "split.h"
#include "template.h"

/* smtp */
#include "dsn.h"
#include "notice.h"
#include "reinject.h"
#include "trace.h"

/* server */
#include "server.h"

#define INFO_NONE	0
#define INFO_NOT_PROT	1
#define INFO_SIZE	2
#define INFO_ERROR	3
#define INFO_BYPASS	4	/* msg->bypass says why */

static const char *const pl_info_text[] = {
	NULL, "not protected", "not scanned (size)", "not processed",
	"bypassed"
};

/*
 * The checks run in one fixed order, each only when some filtered
 * recipient's group wants its family (policy_needs):
 *
 *   content_parse    the one MIME parse; its decoded text goes into the
 *                    view so the URL extraction of SURBL reads it
 *   dnsbl_start      every DNS query of the message goes out at once
 *   content_analyze  rules, formal mail, the classifier (local CPU)
 *   av_check         libclamav and the attachment filter (local CPU)
 *   dnsbl_finish     the answers, waiting at most the DNS deadline
 *
 * so the network round trips overlap the local work.
 */
/* One downstream transaction, parallel to a split_txn. */
struct pl_txn {
	struct reinject_txn txn;
	struct reinject	*conn;
	struct rcpt	**rcpts;	/* what reinject fills in */
	struct rcpt	**extra;	/* our own rcpts for non-recipients */
	size_t		 n;
	int		 committed;	/* the downstream has a copy */
};

struct pl_ctx {
	const struct sess_info *si;
	struct msg	*m;
	const char	*data;
	size_t		 len, header_len;
	struct findings	*f;
	struct msg_view	 view;
	struct mail	*mail;		/* the view's index (ours to free) */
	const char	**addrs;	/* recipients' addresses */
	int		*info;		/* per recipient, INFO_* */
	char		 error_check[32];
	struct policy_decision *dec;	/* per recipient */
	int		*decided;	/* dec[i] is valid */
	int		*nodsn;		/* a refusal without DSN */
	int		*quarantined;	/* stored in the quarantine */
	int		*dropped;	/* discarded by policy */
	struct edit	**edits;	/* every edit made, to free */
	size_t		 nedits;
	struct split	*sp;
	struct pl_txn	*txns;		/* parallel to sp->txns */
	char		*quar_id;
	unsigned int	 narchived;
	uint64_t	 deadline;	/* message_deadline, absolute; 0 none */
	struct buf	*removed;	/* AV-flagged parts replaced */
	size_t		 removed_hlen;
	int		 removed_state;	/* 0 not tried, 1 made, -1 impossible */
	struct buf	*why;
};

const struct sess_hooks	 pipeline_hooks = {
	pipeline_run, notice_after_reply
};

/* pl_later - keep a DSN or notification for after the reply */

static void
pl_later(const char *qid, const char *what, char **to, size_t nto,
    struct buf *data)
{
	struct buf	*why = buf_new(128);

	if (notice_later(qid, what, to, nto, data, why) != WN_OK)
		log_error("%s: %s to <%s>: %s; sent once only, not kept for "
		    "a retry", qid, what, to[0], buf_str(why));
	buf_free(why);
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

/* pl_view - what the checks and the policy read */

static void
pl_view(struct pl_ctx *c)
{
	struct msg_view	*v = &c->view;
	size_t		 i;

	c->addrs = xcalloc(c->m->nrcpts + 1, sizeof(*c->addrs));
	for (i = 0; i < c->m->nrcpts; i++)
		c->addrs[i] = c->m->rcpts[i].addr;
	memset(v, 0, sizeof(*v));
	v->queue_id = c->m->qid;
	v->client_addr = pl_client(c);
	v->client_name = c->m->xf.name;
	v->helo = c->m->xf.helo ? c->m->xf.helo : c->si->helo;
	v->sender = c->m->sender;
	v->rcpts = c->addrs;
	v->nrcpts = c->m->nrcpts;
	v->data = c->data;
	v->len = c->len;
	v->header_len = c->header_len;
	/* The one index of the message every check reads (none for a message
	 * too big to be filtered: nothing reads it then). */
	if (smtp_size_filtered(c->len))
		v->mail = c->mail = mail_new(c->data, c->len, NULL);
	/* The checks stop a quarter of message_deadline early, so a stalled
	 * DNS server or a slow scan still leaves time to reinject the message
	 * (marked with the timeout) instead of failing it. */
	v->deadline_ms = c->deadline == 0 ? 0 :
	    c->deadline - server_conf.message_deadline / 4;
}

/* pl_needs - the check families the filtered recipients' groups want */

static unsigned int
pl_needs(struct pl_ctx *c)
{
	const struct policy_group *g;
	unsigned int	 need = 0;
	size_t		 i;

	for (i = 0; i < c->m->nrcpts; i++) {
		if (c->info[i] != INFO_NONE)
			continue;
		g = policy_group_find(policy_current, c->addrs[i],
		    c->m->sender, c->view.client_addr);
		need |= policy_needs(g);
	}
	return (need);
}

/* pl_run_checks - run every check a group wants; WN_OK or WN_TEMP */

static int
pl_run_checks(struct pl_ctx *c)
{
	unsigned int	 need = pl_needs(c);
	struct content_msg *cm = NULL;
	struct dnsbl_run *run = NULL;
	struct dnsbl_opts dopts;
	int		 rc = WN_OK;

	if (need & (POLICY_NEED_SPAM | POLICY_NEED_DNS)) {
		cm = content_parse(&c->view);
		c->view.text = content_text(cm, &c->view.text_len);
	}
	if (need & POLICY_NEED_AV) {
		/* The scan process is forked from us: do that before the DNS
		 * checks start their SPF thread. */
		buf_reset(c->why);
		if (av_ready(c->why) < 0)
			log_warn("%s: %s", c->m->qid, buf_str(c->why));
	}
	if (need & POLICY_NEED_DNS) {
		memset(&dopts, 0, sizeof(dopts));
		/* Only the families some group counts. */
		dopts.families = DNSBL_F_DNSBL |
		    ((need & POLICY_NEED_RDNS) ? DNSBL_F_RDNS : 0) |
		    ((need & POLICY_NEED_SPF) ? DNSBL_F_SPF : 0) |
		    ((need & POLICY_NEED_SURBL) ? DNSBL_F_SURBL : 0);
		buf_reset(c->why);
		run = dnsbl_start(&c->view, &dopts, c->why);
	}
	if (need & POLICY_NEED_SPAM) {
		buf_reset(c->why);
		if (content_analyze(cm, &c->view, c->f, c->why) != WN_OK) {
			log_warn("%s: content check failed: %s", c->m->qid,
			    buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "content");
			rc = WN_TEMP;
		}
	}
	if ((need & POLICY_NEED_AV) && rc == WN_OK) {
		buf_reset(c->why);
		if (av_check(&c->view, c->f, c->why) != WN_OK) {
			log_warn("%s: av check failed: %s", c->m->qid,
			    buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "av");
			rc = WN_TEMP;
		} else if (c->f->av == AV_ERROR) {
			log_warn("%s: virus scan: %s", c->m->qid,
			    buf_str(c->why));
		}
	}
	if (run != NULL) {
		buf_reset(c->why);
		if (rc != WN_OK)
			dnsbl_abort(run);
		else if (dnsbl_finish(run, c->f, c->why) != WN_OK) {
			log_warn("%s: DNS checks failed: %s", c->m->qid,
			    buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "dns");
			rc = WN_TEMP;
		}
	}
	/* The decoded text lives in cm: nothing after the checks reads it. */
	c->view.text = NULL;
	c->view.text_len = 0;
	content_msg_free(cm);
	return (rc);
}

/* pl_vars - the macros of a reject text or notification */

static void
pl_vars(struct pl_ctx *c, const struct policy_decision *d, int slot,
    const char *vars[TEMPLATE_NVARS], struct buf *virus)
{
	unsigned int	 i, n;

	memset(vars, 0, TEMPLATE_NVARS * sizeof(*vars));
	n = c->f->viruses.count < FINDINGS_MAX_ITEMS ? c->f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	if (d->av != AV_NOT_SCANNED)
		for (i = 0; i < n; i++)
			buf_printf(virus, "%s%s", i ? ", " : "",
			    c->f->viruses.item[i].name);
	vars[TEMPLATE_SENDER] = c->m->sender[0] ? c->m->sender : "<>";
	vars[TEMPLATE_STATUS] = policy_status_name(slot);
	vars[TEMPLATE_ACTION] = policy_action_name(d->action);
	vars[TEMPLATE_VIRUS] = buf_str(virus);
	vars[TEMPLATE_QUEUE_ID] = c->m->qid;
	vars[TEMPLATE_GROUP] = d->group->name;
	vars[TEMPLATE_HOSTNAME] = smtp_conf.hostname;
	vars[TEMPLATE_CLIENT] = c->view.client_addr;
}

/* pl_removed - the message with the AV-flagged parts replaced by a notice
 * (made once per message); 0, or -1 when that cannot be done safely */

static int
pl_removed(struct pl_ctx *c)
{
	if (c->removed_state == 0) {
		c->removed = buf_new(c->len + 1024);
		buf_reset(c->why);
		if (av_remove_parts(&c->view, c->f, c->removed, c->why) ==
		    WN_OK) {
			c->removed_state = 1;
			c->removed_hlen = edit_header_len(c->removed->data,
			    buf_len(c->removed));
		} else {
			log_warn("%s: cannot remove the flagged parts (%s); "
			    "using [av] remove_fallback", c->m->qid,
			    buf_str(c->why));
			c->removed_state = -1;
		}
	}
	return (c->removed_state > 0 ? 0 : -1);
}

/* pl_av_fallback - [av] remove_fallback as a policy action */

static int
pl_av_fallback(void)
{
	switch (av_remove_fallback(av_opts_default())) {
	case AV_ACT_PASS:
		return (POLICY_ACCEPT);
	case AV_ACT_REJECT:
		return (POLICY_REJECT);
	case AV_ACT_DROP:
		return (POLICY_DROP);
	case AV_ACT_TEMPFAIL:
		return (POLICY_TEMPFAIL);
	default:
		return (POLICY_QUARANTINE);
	}
}

/* pl_decide - each protected recipient's decision; refusals answered */

static void
pl_decide(struct pl_ctx *c)
{
	const char	*vars[TEMPLATE_NVARS];
	struct policy_decision *d;
	struct buf	*text = buf_new(256), *virus = buf_new(64);
	struct rcpt	*r;
	size_t		 i;

	for (i = 0; i < c->m->nrcpts; i++) {
		r = &c->m->rcpts[i];
		if (r->code != 0 || c->info[i] != INFO_NONE)
			continue;
		d = &c->dec[i];
		policy_decide(policy_current, r->addr, &c->view, c->f, d);
		c->decided[i] = 1;
		if (d->remove && pl_removed(c) < 0)
			policy_decision_av_action(d, pl_av_fallback());
		if (d->tempfail) {
			pl_set(r, 451, "4.7.0 Message held back (%s), try again "
			    "later (%s)", policy_status_name(d->tempfail_slot),
			    c->m->qid);
			continue;
		}
		if (!d->reject)
			continue;
		buf_reset(text);
		buf_reset(virus);
		pl_vars(c, d, d->reject_slot, vars, virus);
		template_render_line(d->group->st[d->reject_slot].reject_text,
		    vars, text);
		if (text->data[0] == '5' && text->data[1] == '.')
			pl_set(r, 554, "%s", buf_str(text));
		else
			pl_set(r, 554, "5.7.1 %s", buf_str(text));
		c->nodsn[i] = !d->dsn;
	}
	buf_free(text);
	buf_free(virus);
}

/* pl_received - our trace header (one time stamp per message: every copy
 * made of it is the same) */

static void
pl_received(struct pl_ctx *c, struct edit *e, const struct rcpt *only)
{
	struct buf	*v = buf_new(256);

	trace_received(v, c->si, c->m->qid, only != NULL ? only->addr : NULL,
	    c->m->arrival);
	edit_add_header(e, "Received", buf_str(v));
	buf_free(v);
}

/* pl_edit_of - a new edit of the message (or of its cleaned copy), kept
 * for freeing */

static struct edit *
pl_edit_of(struct pl_ctx *c, int removed)
{
	struct edit	*e;

	if (removed && c->removed_state > 0)
		e = edit_new(c->removed->data, buf_len(c->removed),
		    c->removed_hlen);
	else
		e = edit_new(c->data, c->len, c->header_len);

	c->edits = xreallocarray(c->edits, c->nedits + 1, sizeof(*c->edits));
	c->edits[c->nedits++] = e;
	return (e);
}

/* pl_edit - a new edit of the message as received */

static struct edit *
pl_edit(struct pl_ctx *c)
{
	return (pl_edit_of(c, 0));
}

/* pl_rcpt_edit - the message one recipient gets */

static struct edit *
pl_rcpt_edit(struct pl_ctx *c, size_t i)
{
	struct rcpt	*r = &c->m->rcpts[i];
	const struct policy_decision *d;
	struct edit	*e = pl_edit_of(c, c->decided[i] && c->dec[i].remove);
	struct buf	*t;

	pl_received(c, e, c->m->nrcpts == 1 ? r : NULL);
	if (c->decided[i]) {
		d = &c->dec[i];
		policy_edit(e, &d, 1, c->f);
		return (e);
	}
	if (c->info[i] == INFO_ERROR) {
		t = buf_new(64);
		buf_printf(t, "not processed (%s check failed)",
		    c->error_check);
		edit_add_header(e, "X-Winnow-Info", buf_str(t));
		buf_free(t);
	} else if (c->info[i] == INFO_BYPASS) {
		edit_add_header(e, "X-Winnow-Info", c->m->bypass);
	} else if (c->info[i] != INFO_NONE) {
		edit_add_header(e, "X-Winnow-Info", pl_info_text[c->info[i]]);
	}
	/* Only we write X-Winnow-*: drop what the sender put there. */
	edit_remove_prefix(e, "X-Winnow-");
	return (e);
}

/* pl_shared_edit - one message for every decided recipient (split off) */

static struct edit *
pl_shared_edit(struct pl_ctx *c)
{
	const struct policy_decision **all;
	struct edit	*e;
	size_t		 i, n = 0;
	int		 removed = 0;

	/* One message for all: if anyone's copy has parts removed, every
	 * copy does (the safe side). */
	for (i = 0; i < c->m->nrcpts; i++)
		removed |= c->decided[i] && c->dec[i].remove;
	e = pl_edit_of(c, removed);

	all = xcalloc(c->m->nrcpts + 1, sizeof(*all));
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->decided[i] && (c->dec[i].deliver ||
		    c->m->rcpts[i].code == 0))
			all[n++] = &c->dec[i];
	pl_received(c, e, c->m->nrcpts == 1 ? &c->m->rcpts[0] : NULL);
	policy_edit(e, all, n, c->f);
	free(all);
	return (e);
}

/* pl_add_list - addresses of a list into transactions of a kind */

static void
pl_add_list(struct pl_ctx *c, struct edit *e, int kind, char *const *to,
    size_t nto, size_t owner)
{
	size_t	 k;

	for (k = 0; k < nto; k++)
		(void)split_add(c->sp, e, kind, to[k], owner, 0);
}

/* pl_plan_rcpt - the transactions one recipient takes part in */

static void
pl_plan_rcpt(struct pl_ctx *c, size_t i, struct edit *shared)
{
	const struct policy_decision *d = &c->dec[i];
	const struct policy_status *st;
	struct rcpt	*r = &c->m->rcpts[i];
	struct edit	*e;
	int		 k, kind;

	if (!c->decided[i]) {
		if (r->code == 0)
			(void)split_add(c->sp, pl_rcpt_edit(c, i),
			    SPLIT_DELIVER, r->addr, i, 1);
		return;
	}
	e = shared != NULL ? shared : pl_rcpt_edit(c, i);
	if (d->deliver && r->code == 0)
		(void)split_add(c->sp, e, SPLIT_DELIVER, r->addr, i, 1);
	for (k = 0; k < 2; k++) {
		if ((st = d->st[k]) == NULL || st->nto == 0)
			continue;
		if (st->action == POLICY_COPY)
			kind = SPLIT_EXTRA;
		else if (st->action == POLICY_REDIRECT)
			kind = d->reject ? SPLIT_EXTRA : SPLIT_DELIVER;
		else
			continue;
		pl_add_list(c, e, kind, st->to, st->nto, i);
	}
}

/* pl_plan - every transaction of the message */

static void
pl_plan(struct pl_ctx *c)
{
	struct edit	*shared = NULL, *orig;
	char		**arch = NULL;
	size_t		 i, t, narch = 0, ntx;
	int		 any = 0;

	c->sp = split_new();
	for (i = 0; i < c->m->nrcpts; i++)
		any |= c->decided[i];
	if (!policy_conf.split_by_result && any)
		shared = pl_shared_edit(c);
	for (i = 0; i < c->m->nrcpts; i++)
		pl_plan_rcpt(c, i, shared);
	if (policy_conf.archive_to != NULL && policy_conf.archive_to[0])
		narch = conf_list_split(policy_conf.archive_to, &arch);
	/* Archive copies serve every recipient: they go once any of them
	 * has a final outcome. */
	if (narch > 0 && policy_conf.archive != POLICY_ARCHIVE_OUTGOING) {
		orig = pl_edit(c);	/* the message as received */
		for (i = 0; i < c->m->nrcpts; i++)
			pl_add_list(c, orig, SPLIT_EXTRA, arch, narch, i);
	}
	if (narch > 0 && policy_conf.archive != POLICY_ARCHIVE_INCOMING) {
		ntx = c->sp->n;
		for (t = 0; t < ntx; t++)
			if (c->sp->txns[t].kind == SPLIT_DELIVER)
				for (i = 0; i < c->m->nrcpts; i++)
					pl_add_list(c, c->sp->txns[t].edit,
					    SPLIT_EXTRA, arch, narch, i);
	}
	conf_list_free(arch);
	c->txns = xcalloc(c->sp->n + 1, sizeof(*c->txns));
}

/* pl_txn_rcpts - the reinject recipients of a transaction */

static void
pl_txn_rcpts(struct pl_ctx *c, size_t ti)
{
	const struct split_txn *st = &c->sp->txns[ti];
	struct pl_txn	*t = &c->txns[ti];
	struct rcpt	*r;
	size_t		 k;

	t->n = st->n;
	t->rcpts = xcalloc(st->n + 1, sizeof(*t->rcpts));
	t->extra = xcalloc(st->n + 1, sizeof(*t->extra));
	for (k = 0; k < st->n; k++) {
		if (st->rcpts[k].own >= 0) {
			t->rcpts[k] = &c->m->rcpts[st->rcpts[k].own];
			continue;
		}
		r = xcalloc(1, sizeof(*r));
		r->addr = xstrdup(st->rcpts[k].addr);
		r->reply = buf_new(64);
		t->extra[k] = t->rcpts[k] = r;
	}
}

/* pl_prepare - open and prepare every transaction */

static void
pl_prepare(struct pl_ctx *c)
{
	struct pl_txn	*t;
	size_t		 i, k;
	int		 eightbit, extra;

	/* Only a message without BODY= needs looking at (reinject_mail_cmd
	 * then declares BODY=8BITMIME for 8-bit content). */
	eightbit = c->m->body == BODY_UNSPEC && mem_has_8bit(c->data, c->len);

	for (i = 0; i < c->sp->n; i++) {
		t = &c->txns[i];
		extra = c->sp->txns[i].kind == SPLIT_EXTRA;
		pl_txn_rcpts(c, i);
		reinject_txn_init(&t->txn);
		t->txn.msg = c->m;
		t->txn.sender = c->m->sender;
		t->txn.rcpts = t->rcpts;
		t->txn.nrcpts = t->n;
		t->txn.size = edit_size(c->sp->txns[i].edit);
		t->txn.nsegs = edit_segments(c->sp->txns[i].edit,
		    &t->txn.segs);
		t->txn.eightbit = eightbit;
		buf_reset(c->why);
		if ((t->conn = reinject_open(c->why)) == NULL) {
			for (k = 0; k < t->n; k++)
				pl_set(t->rcpts[k], 451, "4.4.1 Downstream "
				    "unavailable: %s", buf_str(c->why));
			continue;
		}
		reinject_set_deadline(t->conn, c->deadline);
		buf_reset(c->why);
		/* Copies go to whoever takes them; deliveries follow the
		 * upstream's reply rules. */
		if (reinject_prepare(t->conn, &t->txn, c->si->lmtp || extra,
		    c->why) != WN_OK) {
			for (k = 0; k < t->n; k++)
				pl_set(t->rcpts[k], 451, "4.4.2 Downstream "
				    "failed: %s", buf_str(c->why));
			reinject_abort(t->conn, &t->txn);
			reinject_release(t->conn, 0);
			t->conn = NULL;
		}
	}
}

/* pl_worse - combine two outcomes: temporary beats delivered beats refused */

static int
pl_worse(int have, int code)
{
	if (have == 0)
		return (code);
	if (have / 100 == 4 || code / 100 == 4)
		return (have / 100 == 4 ? have : code);
	if (have / 100 == 2 || code / 100 == 2)
		return (have / 100 == 2 ? have : code);
	return (have);
}

/* pl_redirects - redirected recipients take their targets' outcome */

static void
pl_redirects(struct pl_ctx *c, int final)
{
	const struct split_txn *st;
	const struct split_rcpt *sr;
	struct rcpt	*owner, *tr;
	size_t		 i, k, o;
	int		*code;

	code = xcalloc(c->m->nrcpts + 1, sizeof(*code));
	for (i = 0; i < c->sp->n; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_DELIVER)
			continue;
		for (k = 0; k < st->n; k++) {
			sr = &st->rcpts[k];
			tr = c->txns[i].rcpts[k];
			for (o = 0; o < sr->nowners; o++) {
				owner = &c->m->rcpts[sr->owners[o]];
				if ((ssize_t)sr->owners[o] == sr->own)
					continue;
				if (sr->own >= 0 &&
				    strcasecmp(owner->addr, sr->addr) == 0) {
					/* The same recipient twice. */
					owner->code = tr->code;
					buf_reset(owner->reply);
					buf_puts(owner->reply,
					    buf_str(tr->reply));
					continue;
				}
				code[sr->owners[o]] = pl_worse(
				    code[sr->owners[o]], tr->code);
			}
		}
	}
	for (i = 0; i < c->m->nrcpts; i++) {
		owner = &c->m->rcpts[i];
		if (code[i] == 0 || (owner->code != 0 && owner->code / 100 !=
		    2 && owner->code / 100 != 4))
			continue;
		if (code[i] / 100 == 4)
			pl_set(owner, 451, "4.3.0 Policy redirect deferred, "
			    "try again later (%s)", c->m->qid);
		else if (code[i] / 100 == 5) {
			pl_set(owner, 554, "5.3.0 Message not delivered: the "
			    "policy redirect was refused (%s)", c->m->qid);
			c->nodsn[i] = c->decided[i] && !c->dec[i].dsn;
		}
		else if (final)
			pl_set(owner, 250, "2.0.0 Ok: redirected by policy "
			    "(%s)", c->m->qid);
		else
			owner->code = code[i];	/* so far, so good */
	}
	free(code);
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

/* pl_quarantine - store the message for its quarantined recipients */

static int
pl_quarantine(struct pl_ctx *c)
{
	struct quar_info qi;
	struct buf	*subj = buf_new(128);
	const struct policy_decision *d;
	size_t		 i, n = 0;
	int		 rc;

	memset(&qi, 0, sizeof(qi));
	qi.rcpts = xcalloc(c->m->nrcpts + 1, sizeof(*qi.rcpts));
	for (i = 0; i < c->m->nrcpts; i++) {
		if (!c->decided[i] || !c->dec[i].quarantine ||
		    c->m->rcpts[i].code / 100 == 4)
			continue;
		d = &c->dec[i];
		qi.rcpts[n].addr = (char *)c->m->rcpts[i].addr;
		qi.rcpts[n].group = d->group->name;
		qi.rcpts[n].spam = (char *)findings_spam_name(d->spam);
		qi.rcpts[n].av = d->av != AV_NOT_SCANNED ?
		    (char *)findings_av_name(d->av) : NULL;
		qi.rcpts[n].action = (char *)policy_action_name(d->action);
		n++;
	}
	if (n == 0) {
		free(qi.rcpts);
		buf_free(subj);
		return (WN_OK);
	}
	(void)notify_header_value(c->data, c->header_len, "Subject", subj);
	qi.id = xstrdup(c->m->qid);
	qi.queue_id = c->m->qid;
	qi.time = c->m->arrival;
	qi.client_addr = (char *)c->view.client_addr;
	qi.client_name = c->m->xf.name;
	qi.helo = (char *)c->view.helo;
	qi.sender = c->m->sender;
	qi.subject = (char *)buf_str(subj);
	qi.nrcpts = n;
	qi.findings = findings_json(c->f);
	buf_reset(c->why);
	rc = quar_store(policy_conf.quarantine_dir, &qi, c->data, c->len,
	    c->why);
	json_decref(qi.findings);
	if (rc == WN_OK)
		c->quar_id = qi.id;
	else
		free(qi.id);
	free(qi.rcpts);
	buf_free(subj);
	return (rc);
}

/* pl_archive - copies in archive_dir */

static int
pl_archive(struct pl_ctx *c)
{
	const struct split_txn *st;
	const struct iovec *segs;
	const char	**to;
	struct iovec	 one;
	char		 name[64];
	size_t		 i, k, nsegs;
	int		 rc = WN_OK;

	if (policy_conf.archive_dir == NULL || !policy_conf.archive_dir[0])
		return (WN_OK);
	buf_reset(c->why);
	if (policy_conf.archive != POLICY_ARCHIVE_OUTGOING) {
		one.iov_base = (void *)c->data;
		one.iov_len = c->len;
		(void)snprintf(name, sizeof(name), "%s-in", c->m->qid);
		rc = archive_store(policy_conf.archive_dir, c->m->arrival,
		    name, c->m->sender, c->addrs, c->m->nrcpts, &one, 1,
		    c->why);
		c->narchived += rc == WN_OK;
	}
	if (policy_conf.archive == POLICY_ARCHIVE_INCOMING)
		return (rc);
	for (i = 0; i < c->sp->n && rc == WN_OK; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_DELIVER || !c->txns[i].txn.prepared)
			continue;
		to = xcalloc(st->n + 1, sizeof(*to));
		for (k = 0; k < st->n; k++)
			to[k] = st->rcpts[k].addr;
		nsegs = edit_segments(st->edit, &segs);
		(void)snprintf(name, sizeof(name), "%s-out-%zu", c->m->qid,
		    i + 1);
		rc = archive_store(policy_conf.archive_dir, c->m->arrival,
		    name, c->m->sender, to, st->n, segs, (int)nsegs, c->why);
		c->narchived += rc == WN_OK;
		free(to);
	}
	return (rc);
}

/* pl_hold_all - a temporary failure for every recipient not yet refused */

static void
pl_hold_all(struct pl_ctx *c, const char *why)
{
	size_t	 i;

	for (i = 0; i < c->m->nrcpts; i++)
		if (c->m->rcpts[i].code == 0 ||
		    c->m->rcpts[i].code / 100 == 2)
			pl_set(&c->m->rcpts[i], 451, "4.3.0 %s (%s)", why,
			    c->m->qid);
}

/* pl_store - quarantine and archive copies; -1 if nothing may go */

static int
pl_store(struct pl_ctx *c)
{
	size_t	 i;

	if (pl_archive(c) != WN_OK) {
		log_error("%s: archive_dir %s: %s", c->m->qid,
		    policy_conf.archive_dir, buf_str(c->why));
		pl_hold_all(c, "Cannot write the archive copy, try again "
		    "later");
		return (-1);
	}
	if (pl_quarantine(c) != WN_OK) {
		log_error("%s: quarantine_dir %s: %s", c->m->qid,
		    policy_conf.quarantine_dir, buf_str(c->why));
		for (i = 0; i < c->m->nrcpts; i++)
			if (c->decided[i] && c->dec[i].quarantine &&
			    (c->m->rcpts[i].code == 0 ||
			    c->m->rcpts[i].code / 100 == 2))
				pl_set(&c->m->rcpts[i], 451, "4.3.0 Cannot "
				    "write to the quarantine, try again later "
				    "(%s)", c->m->qid);
		return (0);
	}
	for (i = 0; i < c->m->nrcpts; i++) {
		if (!c->decided[i])
			continue;
		/* Refused or redirected ones may be quarantined too. */
		if (c->dec[i].quarantine && c->m->rcpts[i].code / 100 != 4)
			c->quarantined[i] = 1;
		if (c->m->rcpts[i].code != 0)
			continue;
		if (c->dec[i].quarantine) {
			pl_set(&c->m->rcpts[i], 250, "2.0.0 Ok: held in "
			    "quarantine as %s", c->quar_id);
		} else {
			c->dropped[i] = 1;
			pl_set(&c->m->rcpts[i], 250, "2.0.0 Ok: discarded by "
			    "policy (%s)", c->m->qid);
		}
	}
	return (0);
}

/* pl_extra_wanted - whether a copy transaction may be committed: some
 * recipient it serves has a final outcome */

static int
pl_extra_wanted(struct pl_ctx *c, size_t ti)
{
	const struct split_txn *st = &c->sp->txns[ti];
	size_t		 k, o;

	for (k = 0; k < st->n; k++)
		for (o = 0; o < st->rcpts[k].nowners; o++)
			if (c->m->rcpts[st->rcpts[k].owners[o]].code / 100 !=
			    4)
				return (1);
	return (0);
}

/* pl_commit_one - the final dot of one transaction, or its abort */

static void
pl_commit_one(struct pl_ctx *c, size_t i, int go)
{
	struct pl_txn	*t = &c->txns[i];

	if (t->conn == NULL)
		return;
	if (t->txn.prepared && !go) {
		reinject_abort(t->conn, &t->txn);
		reinject_release(t->conn, 0);
	} else if (t->txn.prepared) {
		buf_reset(c->why);
		if (reinject_commit(t->conn, &t->txn, c->why) == WN_OK) {
			t->committed = 1;
			reinject_release(t->conn, 1);
		} else {
			log_warn("%s: %s after end of data: %s (the message "
			    "may be delivered twice)", c->m->qid,
			    reinject_peer(t->conn), buf_str(c->why));
			t->committed = 1;	/* perhaps */
			reinject_release(t->conn, 0);
		}
	} else {
		reinject_release(t->conn, 1);	/* RSET was sent */
	}
	t->conn = NULL;
}

/* pl_late - message_deadline ran out before the final dots */

static void
pl_late(struct pl_ctx *c)
{
	size_t	 i;

	log_warn("%s: message_deadline (%us) ran out before the end of the "
	    "reinjection: nothing delivered, answering 451", c->m->qid,
	    server_conf.message_deadline / 1000);
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->m->rcpts[i].code / 100 == 2 || c->m->rcpts[i].code == 0)
			pl_set(&c->m->rcpts[i], 451, "4.4.7 Filtering took too "
			    "long, try again later (%s)", c->m->qid);
}

/* pl_commit - store copies, then send the final dots (or abort them) */

static void
pl_commit(struct pl_ctx *c)
{
	size_t		 i;
	int		 abort_all, late;

	pl_redirects(c, 0);
	/* Past message_deadline the upstream may have given up on us (Postfix
	 * before the queue: smtpd_proxy_timeout), so no copy may go out. */
	late = c->deadline != 0 && time_now_ms() >= c->deadline;
	if (late)
		pl_late(c);
	/* SMTP upstream: one temporary failure holds back every copy. */
	abort_all = late || (!c->si->lmtp && pl_any(c->m, 4));
	if (!abort_all)
		abort_all = pl_store(c) < 0 || (!c->si->lmtp &&
		    pl_any(c->m, 4));
	if (!abort_all && c->deadline != 0 && time_now_ms() >= c->deadline) {
		pl_late(c);		/* the copies took it */
		abort_all = 1;
	}
	for (i = 0; i < c->sp->n; i++)
		if (c->sp->txns[i].kind == SPLIT_DELIVER)
			pl_commit_one(c, i, !abort_all);
	pl_redirects(c, 1);
	for (i = 0; i < c->sp->n; i++)
		if (c->sp->txns[i].kind == SPLIT_EXTRA)
			pl_commit_one(c, i, !abort_all &&
			    pl_extra_wanted(c, i));
	if (abort_all)
		pl_hold_all(c, "Held back: another recipient was refused "
		    "temporarily");
	for (i = 0; i < c->m->nrcpts; i++)
		if (c->m->rcpts[i].code == 0)	/* LMTP, held by a failure */
			pl_set(&c->m->rcpts[i], 451, "4.3.0 Temporary "
			    "failure (%s)", c->m->qid);
}

/* pl_extras_log - log what became of copies */

static void
pl_extras_log(struct pl_ctx *c)
{
	const struct split_txn *st;
	struct rcpt	*r;
	size_t		 i, k;

	for (i = 0; i < c->sp->n; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_EXTRA)
			continue;
		for (k = 0; k < st->n; k++) {
			r = c->txns[i].rcpts[k];
			if (r->code / 100 == 2 && c->txns[i].committed)
				log_info("%s: copy to <%s>: %s", c->m->qid,
				    r->addr, buf_str(r->reply));
			else if (r->code != 0)
				log_error("%s: copy to <%s> failed: %s",
				    c->m->qid, r->addr, buf_str(r->reply));
			else
				log_notice("%s: copy to <%s> not sent: the "
				    "message was not accepted", c->m->qid,
				    r->addr);
		}
	}
}

/* pl_send_dsn - a DSN to the sender for permanently refused recipients
 * (sent after the reply); returns how many recipients it reports */

static size_t
pl_send_dsn(struct pl_ctx *c)
{
	struct dsn_rcpt	*dr;
	struct buf	*body, *what;
	char		**to;
	size_t		 i, n = 0, npolicy = 0;

	if (c->m->sender[0] == '\0')
		return (0);		/* never bounce a bounce */
	dr = xcalloc(c->m->nrcpts, sizeof(*dr));
	for (i = 0; i < c->m->nrcpts; i++) {
		struct rcpt *r = &c->m->rcpts[i];

		if (r->code / 100 != 5 || !dsn_wanted(r) || c->nodsn[i])
			continue;
		dr[n].addr = r->addr;
		dr[n].orcpt = r->orcpt;
		dr[n].reply = buf_str(r->reply);
		dr[n].code = r->code;
		npolicy += c->decided[i] && c->dec[i].reject;
		n++;
	}
	if (n == 0) {
		free(dr);
		return (0);
	}
	body = buf_new(4096);
	/* Refusals by our own policy come from us, not the downstream. */
	dsn_build(body, c->m, c->data, c->len, c->header_len, dr, n,
	    npolicy == n ? smtp_conf.hostname : reinject_peer_host(), c->m->qid);
	to = xcalloc(2, sizeof(*to));
	to[0] = xstrdup(c->m->sender);
	what = buf_new(64);
	buf_printf(what, "DSN for %zu refused recipient(s)", n);
	pl_later(c->m->qid, buf_str(what), to, 1, body);
	buf_free(what);
	free(dr);
	return (n);
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

/* pl_downstream_ok - the first 2xx reply of a committed delivery */

static const char *
pl_downstream_ok(struct pl_ctx *c)
{
	const struct split_txn *st;
	size_t		 i, k;

	for (i = 0; i < c->sp->n; i++) {
		st = &c->sp->txns[i];
		if (st->kind != SPLIT_DELIVER || !c->txns[i].committed)
			continue;
		for (k = 0; k < st->n; k++)
			if (c->txns[i].rcpts[k]->code / 100 == 2)
				return (buf_str(c->txns[i].rcpts[k]->reply));
	}
	return (NULL);
}

/* pl_smtp_reply - the one reply for an SMTP upstream */

static void
pl_smtp_reply(struct pl_ctx *c, struct buf *reply)
{
	const char	*first;
	size_t		 i, nrefused = 0, npolicy = 0, nquar = 0, ndrop = 0;
	size_t		 ndsn = 0;

	if (pl_any(c->m, 4)) {
		first = pl_first(c->m, 4);
		buf_append(reply, first, strlen(first) > 400 ? 400 :
		    strlen(first));
		for (i = 0; i < c->sp->n; i++)
			if (c->txns[i].committed &&
			    c->sp->txns[i].kind == SPLIT_DELIVER)
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
	for (i = 0; i < c->m->nrcpts; i++) {
		if (c->m->rcpts[i].code / 100 == 5) {
			nrefused++;
			npolicy += c->decided[i] && c->dec[i].reject;
		} else if (c->quarantined[i]) {
			nquar++;
		} else if (c->dropped[i]) {
			ndrop++;
		}
	}
	if (nrefused > 0)
		ndsn = pl_send_dsn(c);
	buf_printf(reply, "250 2.0.0 Ok: filtered as %s", c->m->qid);
	if (nrefused > 0)
		buf_printf(reply, ", %zu recipient(s) refused %s%s", nrefused,
		    npolicy == nrefused ? "by policy" : npolicy == 0 ?
		    "downstream" : "by policy or downstream",
		    ndsn > 0 ? ", DSN sent" : "");
	if (nquar > 0)
		buf_printf(reply, ", %zu quarantined as %s", nquar,
		    c->quar_id);
	if (ndrop > 0)
		buf_printf(reply, ", %zu discarded", ndrop);
	if ((first = pl_downstream_ok(c)) != NULL) {
		buf_puts(reply, "; downstream said: ");
		buf_append(reply, first, strlen(first) > 200 ? 200 :
		    strlen(first));
	}
}

/* pl_notify - the notifications the decisions ask for (sent after the
 * reply) */

static void
pl_notify(struct pl_ctx *c)
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
		if (c->decided[i] && c->m->rcpts[i].code / 100 != 4) {
			d[i] = &c->dec[i];
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
		pl_later(c->m->qid, buf_str(what), msgs[i].to, msgs[i].nto,
		    msgs[i].data);
		msgs[i].to = NULL;	/* the pending list has them now */
		msgs[i].data = NULL;
	}
	notify_msgs_free(msgs, n);
out:
	free(d);
	buf_free(from);
	buf_free(what);
}

/* pl_log - the one summary line of the message */

static void
pl_log(struct pl_ctx *c, const struct buf *reply)
{
	struct buf	*l = buf_new(512);
	const struct msg *m = c->m;
	const struct policy_decision *d;
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
	if (c->narchived > 0)
		buf_printf(l, " archived=%u", c->narchived);
	/* what the scan or the attachment filter found, for the trace */
	for (i = 0; i < c->f->viruses.count && i < FINDINGS_MAX_ITEMS; i++) {
		buf_puts(l, i == 0 ? " virus=" : ",");
		buf_append_safe(l, c->f->viruses.item[i].name,
		    strlen(c->f->viruses.item[i].name));
	}
	for (i = 0; i < m->nrcpts; i++) {
		buf_puts(l, " to=<");
		buf_append_safe(l, m->rcpts[i].addr,
		    strlen(m->rcpts[i].addr));
		buf_puts(l, ">");
		if (c->info[i] == INFO_BYPASS)
			buf_printf(l, " (%s)", c->m->bypass);
		else if (c->info[i] != INFO_NONE)
			buf_printf(l, " (%s)", pl_info_text[c->info[i]]);
		if (c->decided[i]) {
			d = &c->dec[i];
			buf_printf(l, " group=%s status=%s", d->group->name,
			    findings_spam_name(d->spam));
			if (d->av != AV_NOT_SCANNED)
				buf_printf(l, "/%s", findings_av_name(d->av));
			if (d->list != NULL)
				buf_printf(l, " list=%s", d->list);
			buf_printf(l, " action=%s", policy_action_name(
			    d->action));
			if (c->quarantined[i])
				buf_printf(l, " quarantine=%s", c->quar_id);
		}
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

/* pl_free - release the context */

static void
pl_free(struct pl_ctx *c)
{
	size_t	 i, k;

	for (i = 0; c->sp != NULL && i < c->sp->n; i++) {
		struct pl_txn *t = &c->txns[i];

		if (t->txn.last != NULL)
			reinject_txn_free(&t->txn);
		for (k = 0; k < t->n; k++) {
			if (t->extra[k] == NULL)
				continue;
			free(t->extra[k]->addr);
			buf_free(t->extra[k]->reply);
			free(t->extra[k]);
		}
		free(t->rcpts);
		free(t->extra);
	}
	free(c->txns);
	split_free(c->sp);
	for (i = 0; i < c->nedits; i++)
		edit_free(c->edits[i]);
	free(c->edits);
	free(c->info);
	free(c->dec);
	free(c->decided);
	free(c->nodsn);
	free(c->quarantined);
	free(c->dropped);
	free(c->addrs);
	free(c->quar_id);
	mail_free(c->mail);
	findings_free(c->f);
	buf_free(c->removed);
	buf_free(c->why);
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
	c.header_len = mailhdr_len(c.data, c.len);
	c.f = findings_new();
	c.info = xcalloc(m->nrcpts + 1, sizeof(*c.info));
	c.dec = xcalloc(m->nrcpts + 1, sizeof(*c.dec));
	c.decided = xcalloc(m->nrcpts + 1, sizeof(*c.decided));
	c.nodsn = xcalloc(m->nrcpts + 1, sizeof(*c.nodsn));
	c.quarantined = xcalloc(m->nrcpts + 1, sizeof(*c.quarantined));
	c.dropped = xcalloc(m->nrcpts + 1, sizeof(*c.dropped));
	if (server_conf.message_deadline != 0)
		c.deadline = time_now_ms() + server_conf.message_deadline;
	pl_view(&c);

	size_ok = smtp_size_filtered(c.len);
	for (i = 0; i < m->nrcpts; i++) {
		if (m->bypass != NULL)
			c.info[i] = INFO_BYPASS;
		else if (!size_ok)
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
	pl_decide(&c);
	pl_plan(&c);
	pl_prepare(&c);
	pl_commit(&c);
	pl_extras_log(&c);
	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].code == 0)
			log_panic("%s: recipient %zu has no outcome", m->qid,
			    i);
	if (!si->lmtp)
		pl_smtp_reply(&c, reply_r);
	pl_log(&c, reply_r);
	pl_notify(&c);
	pl_free(&c);
}
