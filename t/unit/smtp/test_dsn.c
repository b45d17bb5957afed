/* test_dsn.c - unit tests for server/dsn.c */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "dsn.h"
#include "msg.h"
#include "smtp_conf.h"
#include "xalloc.h"

static const char orig[] = "Subject: hi\r\nFrom: a@example.org\r\n\r\nbody\r\n";

static struct msg *
mk(const char *ret)
{
	struct msg	*m = msg_new("ABCDEF0123456789");

	m->sender = xstrdup("a@example.org");
	m->ret = ret ? xstrdup(ret) : NULL;
	m->envid = xstrdup("id+2B1");
	(void)snprintf(smtp_conf.hostname, sizeof(smtp_conf.hostname), "mx.test");
	return (m);
}

Test(dsn, structure)
{
	struct msg	*m = mk(NULL);
	struct buf	*out = buf_new(1024);
	struct dsn_rcpt	 r[2] = {
		{ "x@example.com", "rfc822;x+2Bo@example.com",
		    "550 5.1.1 <x@example.com>: unknown user", 550 },
		{ "y@example.com", NULL, "554 no enhanced code", 554 },
	};
	const char	*s;

	dsn_build(out, m, orig, sizeof(orig) - 1, 34, r, 2,
	    "tcp:127.0.0.1:10026", m->qid);
	s = buf_str(out);
	cr_assert(strstr(s, "Content-Type: multipart/report; "
	    "report-type=delivery-status;") != NULL);
	cr_assert(strstr(s, "To: <a@example.org>\r\n") != NULL);
	cr_assert(strstr(s, "Auto-Submitted: auto-replied\r\n") != NULL);
	cr_assert(strstr(s, "Original-Envelope-Id: id+1\r\n") != NULL, "%s", s);
	cr_assert(strstr(s, "Final-Recipient: rfc822; x@example.com\r\n"
	    "Original-Recipient: rfc822;x+o@example.com\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\n") != NULL, "%s", s);
	cr_assert(strstr(s, "Final-Recipient: rfc822; y@example.com\r\n"
	    "Action: failed\r\nStatus: 5.0.0\r\n") != NULL, "%s", s);
	cr_assert(strstr(s, "Content-Type: message/rfc822\r\n\r\nSubject: hi")
	    != NULL);
	cr_assert(strstr(s, "--ABCDEF0123456789/mx.test--\r\n") != NULL);
	msg_free(m);
	buf_free(out);
}

Test(dsn, ret_hdrs_returns_only_the_header)
{
	struct msg	*m = mk("HDRS");
	struct buf	*out = buf_new(1024);
	struct dsn_rcpt	 r = { "x@example.com", NULL, "550 5.1.1 no", 550 };

	dsn_build(out, m, orig, sizeof(orig) - 1, 34, &r, 1, "remote",
	    m->qid);
	cr_assert(strstr(buf_str(out), "text/rfc822-headers") != NULL);
	cr_assert(strstr(buf_str(out), "body\r\n") == NULL);
	msg_free(m);
	buf_free(out);
}

Test(dsn, notify)
{
	struct rcpt	 r;

	memset(&r, 0, sizeof(r));
	cr_assert(dsn_wanted(&r));
	r.notify = "NEVER";
	cr_assert_not(dsn_wanted(&r));
	r.notify = "SUCCESS,DELAY";
	cr_assert_not(dsn_wanted(&r));
	r.notify = "success,failure";
	cr_assert(dsn_wanted(&r));
}

Test(dsn, the_admins_words)
{
	struct msg	*m = mk(NULL);
	struct buf	*out = buf_new(1024);
	struct dsn_rcpt	 r = { "x@example.com", NULL, "554 5.7.1 refused",
			    554 };
	struct dsn_text	 t = { "Nicht zugestellt: hi",
			    "Diese Nachricht wurde abgelehnt.\r\n"
			    "Gr\xc3\xbc\xc3\x9f" "e\r\n" };
	const char	*s;

	dsn_build_text(out, m, orig, sizeof(orig) - 1, 34, &r, 1, "mx.test",
	    m->qid, &t);
	s = buf_str(out);
	cr_assert(strstr(s, "Subject: Nicht zugestellt: hi\r\n") != NULL, "%s",
	    s);
	cr_assert(strstr(s, "charset=utf-8\r\nContent-Transfer-Encoding: 8bit"
	    "\r\n\r\nDiese Nachricht wurde abgelehnt.\r\n") != NULL, "%s", s);
	/* The refused recipients follow the admin's words. */
	cr_assert(strstr(s, "e\r\n\r\n<x@example.com>: 554 5.7.1 refused\r\n")
	    != NULL, "%s", s);
	cr_assert(strstr(s, "Undelivered Mail Returned") == NULL);
	cr_assert(strstr(s, "Status: 5.7.1\r\n") != NULL);
	msg_free(m);
	buf_free(out);
}
