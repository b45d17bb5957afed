/* test_head.c - unit tests for content/head.c: the message's own fields */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
static struct content_msg *cm;

static void
teardown(void)
{
	mime_free(cm);
	cm = NULL;
}

TestSuite(head, .fini = teardown);

static void
parse(const char *msg)
{
	mime_free(cm);
	cm = mime_parse(msg, strlen(msg), &lim);
}

Test(head, subject_addresses_and_id)
{
	parse("From: \"Ann\" <ann@example.com>\nTo: a@x.example, b@x.example\n"
	    "Cc: c@x.example\nReply-To: r@y.example\n"
	    "Message-ID: <id1@first.example>\nMessage-ID: <id2@last.example>\n"
	    "Subject: first\nSubject: =?utf-8?q?last?=\n\nbody\n");
	cr_assert_str_eq(cm->subject, "last", "the last Subject");
	cr_assert_eq(cm->from.n, 1);
	cr_assert_str_eq(cm->from.v[0].name, "Ann");
	cr_assert_eq(cm->to.n, 2);
	cr_assert_eq(cm->cc.n, 1);
	cr_assert_str_eq(cm->reply_to.v[0].addr, "r@y.example");
	cr_assert_str_eq(cm->msgid, "id2@last.example");
}

Test(head, raw_8bit_subject_in_the_declared_charset)
{
	parse("Subject: \xf0\xd2\xc9\xd7\xc5\xd4\nContent-Type: text/plain; "
	    "charset=koi8-r\n\nx\n");
	cr_assert_str_eq(cm->subject, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	    "\xd0\xb5\xd1\x82");
	parse("Subject: caf\xe9\n\nx\n");
	cr_assert_str_eq(cm->subject, "caf\xc3\xa9", "no charset: guessed");
}

Test(head, first_values_of_the_messages_own_fields)
{
	const char	*v;

	parse("X-Mailer: One\nX-Mailer: Two\nAuto-Submitted:\n auto-replied\n"
	    "Content-Type: text/plain\n\nbody\n");
	cr_assert_str_eq(mime_header(cm, "x-mailer"), "One");
	v = mime_header(cm, "Auto-Submitted");
	cr_assert_str_eq(v, "auto-replied");
	cr_assert_eq(mime_header(cm, "AUTO-SUBMITTED"), v, "kept, not redone");
	cr_assert_null(mime_header(cm, "Content-Type"),
	    "a Content-* field is the body part's");
	cr_assert_null(mime_header(cm, "X-None"));
}

Test(head, an_attached_messages_subject)
{
	struct mail	*m;
	struct buf	*s;
	const char	*msg = "Content-Type: message/rfc822\n\n"
	    "Subject: inner\n\ntext\n";

	m = mail_new(msg, strlen(msg), NULL);
	cr_assert_null(head_subject(m, 0));
	cr_assert_not_null(s = head_subject(m, 1));
	cr_assert_str_eq(buf_str(s), "inner");
	buf_free(s);
	mail_free(m);
}

Test(head, not_a_message_has_none)
{
	parse("plain words, no header at all\n");
	cr_assert_str_eq(cm->subject, "");
	cr_assert_eq(cm->from.n, 0);
	cr_assert_null(mime_header(cm, "Subject"));
}
