/* test_mailhdr.c - unit tests for mail/mailhdr.c: the end of the header,
 * field look-ups and values */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"

static struct mail	*m;
static struct buf	*b;

static void
setup(void)
{
	b = buf_new(64);
}

static void
teardown(void)
{
	mail_free(m);
	m = NULL;
	buf_free(b);
}

TestSuite(mailhdr, .init = setup, .fini = teardown);

/* idx - index a string */

static void
idx(const char *s)
{
	mail_free(m);
	m = mail_new(s, strlen(s), NULL);
}

Test(mailhdr, the_end_of_the_header_section)
{
	cr_assert_eq(mailhdr_len("A: b\r\n\r\nbody", 12), 8);
	cr_assert_eq(mailhdr_len("A: b\n\nbody", 10), 6);
	cr_assert_eq(mailhdr_len("A: b\r\n\nbody", 11), 7, "LF then CRLF");
	cr_assert_eq(mailhdr_len("\r\nbody", 6), 2);
	cr_assert_eq(mailhdr_len("\nbody", 5), 1);
	cr_assert_eq(mailhdr_len("A: b\r\n", 6), 6, "no empty line");
	cr_assert_eq(mailhdr_len("A: b\r\n \r\nc", 10), 10,
	    "white space is not an empty line");
	cr_assert_eq(mailhdr_len("", 0), 0);
}

Test(mailhdr, fields_and_their_names)
{
	idx("Subject: one\r\nX-Long: a\r\n\tb\r\n c\r\nsubject : two\r\n"
	    "bad line\r\nTo: x@y\r\n\r\nbody: no\r\n");
	cr_assert_eq(m->part[0].nfields, 4, "the bad line is dropped");
	cr_assert_not_null(mailhdr_first(m, 0, "SUBJECT"));
	mailhdr_raw(m, mailhdr_first(m, 0, "subject"), b);
	cr_assert_str_eq(buf_str(b), " one\r\n");
	buf_reset(b);
	mailhdr_raw(m, mailhdr_last(m, 0, "Subject"), b);
	cr_assert_str_eq(buf_str(b), " two\r\n", "blanks before the colon");
	cr_assert_null(mailhdr_first(m, 0, "body"));
	cr_assert_null(mailhdr_first(m, 7, "To"), "no such part");
	buf_reset(b);
	mailhdr_unfold(m, mailhdr_first(m, 0, "x-long"), b);
	cr_assert_str_eq(buf_str(b), "a\tb c");
	cr_assert(mailhdr_is(m, mailhdr_first(m, 0, "To"), "to"));
	cr_assert_not(mailhdr_is_mime(m, mailhdr_first(m, 0, "To")));
}

Test(mailhdr, values_are_read_up_to_a_nul)
{
	static const char msg[] = "Subject: a\0b\r\nTo: c\r\n\r\n";

	m = mail_new(msg, sizeof(msg) - 1, NULL);
	mailhdr_raw(m, mailhdr_first(m, 0, "Subject"), b);
	cr_assert_eq(b->len, 2);
	cr_assert_str_eq(buf_str(b), " a");
	cr_assert_not_null(mailhdr_first(m, 0, "To"));
}

Test(mailhdr, decoded_text)
{
	idx("Subject: =?utf-8?q?caf=C3=A9?= =?iso-8859-1?b?Y2Fm6Q==?=\r\n"
	    " and more\r\nX-Raw: caf\xe9\r\n\r\n");
	mailhdr_text(m, mailhdr_first(m, 0, "Subject"), b);
	cr_assert_str_eq(buf_str(b), "caf\xc3\xa9" "caf\xc3\xa9 and more");
	buf_reset(b);
	mailhdr_text(m, mailhdr_first(m, 0, "X-Raw"), b);
	cr_assert_str_eq(buf_str(b), "caf\xc3\xa9", "raw 8-bit: windows-1252");
}

Test(mailhdr, content_fields_belong_to_the_part)
{
	idx("From: a@b\r\nContent-Type: text/html\r\n"
	    "content-transfer-encoding: base64\r\n\r\nPGI+\r\n");
	cr_assert(mailhdr_is_mime(m, mailhdr_first(m, 0, "Content-Type")));
	cr_assert_eq(m->part[0].cte, MAIL_CTE_BASE64);
	buf_reset(b);
	cr_assert_eq(maildec_part(m, 0, b, 0), 3);
	cr_assert_str_eq(buf_str(b), "<b>");
}
