/*
 * dsn.c - RFC 3464 delivery status notifications
 *
 * When an SMTP upstream hands us a message that the downstream accepts for
 * some recipients and permanently refuses for others, we answer 250 (the
 * accepted copies are delivered; a 4xx would duplicate them) and owe the
 * sender a bounce for the refused ones.  This builds it: a multipart/report
 * with a human part, the machine-readable delivery-status, and the original
 * (or only its header, for RET=HDRS or a large message).  It is never sent
 * to a null sender, and recipients that asked for NOTIFY=NEVER (or NOTIFY
 * without FAILURE) are left out.
 *
 * Everything written here is either our own text or envelope data that the
 * address parser has already cleared of control bytes; downstream reply
 * texts arrive escaped by reply_format().  The admin may word the human
 * part ([policy] template_dsn): the server renders that template (header-
 * safe) and passes its Subject and text in; the list of refused
 * recipients and the machine-readable parts stay ours.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "timeutil.h"

/* smtp */
#include "dsn.h"
#include "msg.h"
#include "smtp_conf.h"

#define DSN_FULL_MAX	(100 * 1024)	/* return whole messages up to this */

/* dsn_wanted - does this recipient want a failure notice? */

int
dsn_wanted(const struct rcpt *r)
{
	return (r->notify == NULL || strcasestr(r->notify, "FAILURE") != NULL);
}

/* dsn_status - the enhanced status code of a reply line, or a default */

static void
dsn_status(const char *reply, int code, char *out, size_t len)
{
	const char	*p = reply;
	size_t		 n;

	while (*p != '\0' && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	n = strspn(p, "0123456789.");
	if (n >= 5 && n < len && p[0] == '0' + code / 100 && p[1] == '.') {
		memcpy(out, p, n);
		out[n] = '\0';
		return;
	}
	(void)snprintf(out, len, "%d.0.0", code / 100);
}

/* dsn_8bit - whether text has 8-bit bytes (the admin's words may) */

static int
dsn_8bit(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] & 0x80)
			return (1);
	return (0);
}

/* dsn_build - the notification message in our words */

void
dsn_build(struct buf *out, const struct msg *m, const char *data, size_t len,
    size_t header_len, const struct dsn_rcpt *rc, size_t n,
    const char *remote, const char *qid)
{
	dsn_build_text(out, m, data, len, header_len, rc, n, remote, qid,
	    NULL);
}

/* dsn_build_text - the notification message */

void
dsn_build_text(struct buf *out, const struct msg *m, const char *data,
    size_t len, size_t header_len, const struct dsn_rcpt *rc, size_t n,
    const char *remote, const char *qid, const struct dsn_text *text)
{
	char		 date[64], arrival[64], status[32];
	struct buf	*orcpt = buf_new(64);
	size_t		 i;
	int		 full;

	time_rfc5322(date, sizeof(date), time(NULL));
	time_rfc5322(arrival, sizeof(arrival), m->arrival);
	full = (m->ret != NULL) ? strcasecmp(m->ret, "FULL") == 0 :
	    len <= DSN_FULL_MAX;

	buf_printf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n",
	    smtp_conf.hostname);
	buf_printf(out, "To: <%s>\r\n", m->sender);
	if (text != NULL && text->subject != NULL)
		buf_printf(out, "Subject: %s\r\n", text->subject);
	else
		buf_puts(out, "Subject: Undelivered Mail Returned to "
		    "Sender\r\n");
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "Message-ID: <%s.dsn@%s>\r\n", qid, smtp_conf.hostname);
	buf_puts(out, "Auto-Submitted: auto-replied\r\n");
	buf_puts(out, "MIME-Version: 1.0\r\n");
	buf_printf(out, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\r\n\tboundary=\"%s/%s\"\r\n",
	    qid, smtp_conf.hostname);
	buf_puts(out, "\r\nThis is a MIME-encapsulated message.\r\n\r\n");

	buf_printf(out, "--%s/%s\r\n", qid, smtp_conf.hostname);
	if (text != NULL && text->body != NULL &&
	    dsn_8bit(text->body, strlen(text->body)))
		buf_puts(out, "Content-Description: Notification\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	else
		buf_puts(out, "Content-Description: Notification\r\n"
		    "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	if (text != NULL && text->body != NULL) {
		buf_puts(out, text->body);
		if (buf_len(out) > 0 && out->data[buf_len(out) - 1] != '\n')
			buf_puts(out, "\r\n");
		buf_puts(out, "\r\n");
	} else {
		buf_printf(out, "This is the mail filter at host %s.\r\n\r\n",
		    smtp_conf.hostname);
		buf_puts(out, "Your message could not be delivered to one or "
		    "more recipients:\r\nthe next mail server refused them.  "
		    "The other recipients, if any,\r\nreceived the message."
		    "\r\n\r\n");
	}
	for (i = 0; i < n; i++)
		buf_printf(out, "<%s>: %s\r\n", rc[i].addr, rc[i].reply);
	buf_puts(out, "\r\n");

	buf_printf(out, "--%s/%s\r\n", qid, smtp_conf.hostname);
	buf_puts(out, "Content-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n");
	buf_printf(out, "Reporting-MTA: dns; %s\r\n", smtp_conf.hostname);
	buf_printf(out, "X-Winnow-Queue-ID: %s\r\n", qid);
	if (m->envid != NULL) {
		buf_reset(orcpt);
		if (addr_xtext_decode(m->envid, strlen(m->envid), orcpt) == 0) {
			buf_puts(out, "Original-Envelope-Id: ");
			buf_append_safe(out, orcpt->data, buf_len(orcpt));
			buf_puts(out, "\r\n");
		}
	}
	buf_printf(out, "Arrival-Date: %s\r\n", arrival);
	for (i = 0; i < n; i++) {
		dsn_status(rc[i].reply, rc[i].code, status, sizeof(status));
		buf_puts(out, "\r\n");
		buf_printf(out, "Final-Recipient: rfc822; %s\r\n", rc[i].addr);
		if (rc[i].orcpt != NULL) {
			buf_reset(orcpt);
			if (addr_xtext_decode(rc[i].orcpt, strlen(rc[i].orcpt),
			    orcpt) == 0 && strchr(buf_str(orcpt), ';')) {
				buf_puts(out, "Original-Recipient: ");
				buf_append_safe(out, orcpt->data,
				    buf_len(orcpt));
				buf_puts(out, "\r\n");
			}
		}
		buf_puts(out, "Action: failed\r\n");
		buf_printf(out, "Status: %s\r\n", status);
		if (remote != NULL)
			buf_printf(out, "Remote-MTA: dns; %s\r\n", remote);
		buf_printf(out, "Diagnostic-Code: smtp; %s\r\n", rc[i].reply);
	}
	buf_puts(out, "\r\n");

	buf_printf(out, "--%s/%s\r\n", qid, smtp_conf.hostname);
	if (full) {
		buf_puts(out, "Content-Description: Undelivered Message\r\n"
		    "Content-Type: message/rfc822\r\n\r\n");
		buf_append(out, data, len);
	} else {
		buf_puts(out, "Content-Description: Undelivered Message "
		    "Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n");
		buf_append(out, data, header_len);
	}
	if (buf_len(out) >= 2 && out->data[buf_len(out) - 1] != '\n')
		buf_puts(out, "\r\n");
	buf_printf(out, "\r\n--%s/%s--\r\n", qid, smtp_conf.hostname);
	buf_free(orcpt);
}
