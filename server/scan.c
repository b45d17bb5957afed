/*
 * scan.c - what winnowd would decide about a message, without delivering it
 *
 * The control API's POST /api/v1/scan (and a quarantined message's
 * explanation) runs here, in a process forked for the one message
 * (ctljob.c): the pasted text is untrusted input, parsed outside the
 * control process as it is parsed in a child.  The path is the child's
 * up to the decision: the same table of checks (checks_run: content, av,
 * DNS), the same decision for each recipient's group (decide_all,
 * policy_decide), and the same X-Winnow-Checks text and score
 * (policy_summary) - only plan, delivery and the answer upstream are left
 * out.  The classifier's strongest features come from the content check's
 * parse while it is still there (the pipeline's peek hook).
 *
 * The answer, one JSON object on fd:
 *
 *   {"queue_id", "size", "score" (when a scoring check ran), "checks",
 *    "recipients": [{"address", "group", "status", "av", "action",
 *                    "list", "reply", "info"}],
 *    "classifier": {"p_spam", "points", "toward_spam": [{"feature",
 *                   "weight"}], "toward_ham": [...]},
 *    "findings": findings_json(), "failed": "av, dns" or "",
 *    "text": the decoded text of the message, as the checks read it}
 *
 * or {"error": "..."} for a request that names no message.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* checks */
#include "content.h"

/* policy */
#include "findings.h"
#include "policy.h"
#include "verdict.h"

/* smtp */
#include "fate.h"
#include "msg.h"
#include "smtp_conf.h"

/* stats */
#include "sjson.h"

/* server */
#include "checks.h"
#include "control.h"
#include "pipeline.h"
#include "server.h"

#define SCAN_TOP	10
#define SCAN_TEXT_MAX	(200 * 1024)	/* of the decoded text */

/* scan_write - the answer, then leave */

static void __attribute__((noreturn))
scan_write(int fd, json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	size_t	 len = s != NULL ? strlen(s) : 0, off = 0;
	ssize_t	 n;

	while (off < len && (n = write(fd, s + off, len - off)) > 0)
		off += (size_t)n;
	free(s);
	json_decref(j);
	server_child_exit();
	_exit(0);
}

/* scan_crlf - the message as it would arrive: bare LF becomes CRLF */

static struct buf *
scan_crlf(const char *text, size_t len)
{
	struct buf	*b = buf_new(len + len / 16 + 16);
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			buf_putc(b, '\r');
		buf_putc(b, text[i]);
	}
	return (b);
}

/* scan_contribs - features as a JSON array */

static json_t *
scan_contribs(const struct content_contrib *c, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		(void)json_array_append_new(a, json_pack("{s:o, s:f}",
		    "feature", sjson_str(c[i].name), "weight", c[i].weight));
	return (a);
}

/* scan_peek - the content check's parse, before it is freed: the
 * classifier's strongest features each way */

static void
scan_peek(struct pl_ctx *c, const struct check *k, void *h)
{
	struct content_contrib sp[SCAN_TOP], hm[SCAN_TOP];
	size_t		 ns = SCAN_TOP, nh = SCAN_TOP;
	json_t		*cl = c->peek_arg;

	if (strcmp(k->name, "content") != 0 || h == NULL)
		return;
	if (c->view.text != NULL)
		(void)json_object_set_new(cl, "text", json_stringn_nocheck(
		    c->view.text, c->view.text_len > SCAN_TEXT_MAX ?
		    SCAN_TEXT_MAX : c->view.text_len));
	(void)content_explain(h, sp, &ns, hm, &nh);
	(void)json_object_set_new(cl, "toward_spam", scan_contribs(sp, ns));
	(void)json_object_set_new(cl, "toward_ham", scan_contribs(hm, nh));
}

/* scan_rcpt - one recipient's decision */

static json_t *
scan_rcpt(struct pl_ctx *c, size_t i)
{
	const struct pl_rcpt *p = &c->rc[i];
	const struct policy_decision *d = &p->dec;
	const char	*info = pipeline_info(c, p);
	json_t		*j;

	j = json_pack("{s:o}", "address", sjson_str(p->r->addr));
	if (p->decided) {
		(void)json_object_set_new(j, "group", sjson_str(
		    d->group->name));
		(void)json_object_set_new(j, "status", json_string(
		    findings_spam_name(d->spam)));
		(void)json_object_set_new(j, "av", json_string(d->av ==
		    AV_NOT_SCANNED ? "not-scanned" : findings_av_name(d->av)));
		(void)json_object_set_new(j, "action", json_string(
		    policy_action_name(d->action)));
		if (d->list != NULL)
			(void)json_object_set_new(j, "list",
			    json_string(d->list));
	}
	if (info != NULL)
		(void)json_object_set_new(j, "info", sjson_str(info));
	if (p->r->fate != FATE_PENDING)
		(void)json_object_set_new(j, "reply", sjson_str(
		    buf_str(p->r->reply)));
	return (j);
}

/* scan_answer - the decisions and the explanation */

static json_t *
scan_answer(struct pl_ctx *c, json_t *cl)
{
	const struct policy_decision **d;
	struct buf	*checks = buf_new(256), *failed = buf_new(64);
	json_t		*j, *rc = json_array();
	double		 score = 0.0;
	size_t		 i, n = 0;
	int		 has_score = 0;

	d = xcalloc(c->m->nrcpts + 1, sizeof(*d));
	for (i = 0; i < c->m->nrcpts; i++) {
		if (c->rc[i].decided)
			d[n++] = &c->rc[i].dec;
		(void)json_array_append_new(rc, scan_rcpt(c, i));
	}
	if (n > 0)
		policy_summary(d, n, c->f, &has_score, &score, checks);
	(void)checks_failed_families(c->f, failed);
	j = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "queue_id", c->m->qid,
	    "size", (json_int_t)c->len, "checks", sjson_str(buf_str(checks)),
	    "recipients", rc, "findings", findings_json(c->f), "failed",
	    sjson_str(buf_str(failed)));
	if (has_score)
		(void)json_object_set_new(j, "score", json_real(
		    round(score * 10.0) / 10.0));
	if (json_object_get(cl, "text") != NULL) {
		(void)json_object_set(j, "text", json_object_get(cl, "text"));
		(void)json_object_del(cl, "text");
	}
	if (c->f->spam_score >= 0.0) {
		(void)json_object_set_new(cl, "p_spam",
		    json_real(c->f->spam_score));
		(void)json_object_set_new(cl, "points", json_real(
		    verdict_learner_points(c->f->spam_score)));
		(void)json_object_set_new(j, "classifier", json_incref(cl));
	}
	free(d);
	buf_free(checks);
	buf_free(failed);
	return (j);
}

/* scan_ctx - the context the pipeline's stages read */

static void
scan_ctx(struct pl_ctx *c, struct sess_info *si, struct msg *m,
    const struct buf *data)
{
	struct msg_view	*v = &c->view;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	c->si = si;
	c->m = m;
	c->why = buf_new(256);
	c->data = data->data;
	c->len = buf_len(data);
	c->header_len = mailhdr_len(c->data, c->len);
	c->f = findings_new();
	c->t0_us = time_now_us();
	c->passes = xcalloc(1, sizeof(*c->passes));	/* checks_passes */
	c->passes[0].f = c->f;
	c->npasses = 1;
	c->rc = xcalloc(m->nrcpts + 1, sizeof(*c->rc));
	c->addrs = xcalloc(m->nrcpts + 1, sizeof(*c->addrs));
	for (i = 0; i < m->nrcpts; i++) {
		c->rc[i].r = &m->rcpts[i];
		c->addrs[i] = m->rcpts[i].addr;
		if (!smtp_size_filtered(c->len))
			c->rc[i].info = INFO_SIZE;
		else if (!policy_protected(m->rcpts[i].addr))
			c->rc[i].info = INFO_NOT_PROT;
	}
	if (server_conf.message_deadline != 0)
		c->deadline = time_now_ms() + server_conf.message_deadline;
	v->queue_id = m->qid;
	v->client_addr = si->peer_addr;
	v->helo = si->helo;
	v->sender = m->sender;
	v->rcpts = c->addrs;
	v->nrcpts = m->nrcpts;
	v->data = c->data;
	v->len = c->len;
	v->header_len = c->header_len;
	if (smtp_size_filtered(c->len))
		v->mail = c->mail = mail_new(c->data, c->len, NULL);
	v->deadline_ms = c->deadline == 0 ? 0 :
	    c->deadline - server_conf.message_deadline / 4;
}

/* scan_str - a string member, or a default */

static const char *
scan_str(json_t *req, const char *key, const char *dflt)
{
	const char	*s = json_string_value(json_object_get(req, key));

	return (s != NULL ? s : dflt);
}

/* scan_child - the scan process */

void
scan_child(json_t *req, int fd)
{
	const struct check *k;
	struct sess_info si;
	struct pl_ctx	 c;
	struct msg	*m;
	struct buf	*data;
	json_t		*rcpts, *cl, *v;
	const char	*text;
	char		 qid[20];
	size_t		 i;

	log_init("winnowd/scan");
	if ((text = json_string_value(json_object_get(req, "message"))) ==
	    NULL || text[0] == '\0')
		scan_write(fd, json_pack("{s:s}", "error", "\"message\": the "
		    "message to scan, as text"));
	rcpts = json_object_get(req, "recipients");
	if (rcpts != NULL && !json_is_array(rcpts))
		scan_write(fd, json_pack("{s:s}", "error", "\"recipients\": a "
		    "list of addresses"));
	for (k = checks_table; k->name != NULL; k++)
		k->child_init();
	(void)snprintf(qid, sizeof(qid), "scan%lX", (unsigned long)getpid());
	m = msg_new(qid);
	m->sender = xstrdup(scan_str(req, "sender", ""));
	json_array_foreach(rcpts, i, v)
		if (json_is_string(v) && json_string_value(v)[0] != '\0')
			(void)msg_add_rcpt(m, json_string_value(v));
	if (m->nrcpts == 0)
		(void)msg_add_rcpt(m, "postmaster@scan.invalid");
	memset(&si, 0, sizeof(si));
	si.peer_addr = scan_str(req, "client", "127.0.0.1");
	si.helo = scan_str(req, "helo", "scan.invalid");
	si.lmtp = 1;		/* each recipient decided on its own */
	data = scan_crlf(text, json_string_length(json_object_get(req,
	    "message")));
	scan_ctx(&c, &si, m, data);
	cl = json_object();
	c.peek = scan_peek;
	c.peek_arg = cl;
	for (i = 0; i < m->nrcpts && c.rc[i].info != INFO_NONE; i++)
		;
	if (i < m->nrcpts)
		checks_run(&c);
	decide_all(&c);
	scan_write(fd, scan_answer(&c, cl));
}
