/* test_mime.c - unit tests for content/mime.c: the MIME walk, header
 * decoding, limits */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"
#include "testutil.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
static struct content_msg *cm;

static void
setup(void)
{
	mime_init();
	html_init();
}

static void
teardown(void)
{
	mime_free(cm);
	cm = NULL;
}

TestSuite(mime, .init = setup, .fini = teardown);

static struct content_msg *
parse(const char *msg)
{
	cm = mime_parse(msg, strlen(msg), &lim);
	return (cm);
}

static int
has_part(const char *type)
{
	unsigned int	 i;

	for (i = 0; i < cm->nparts; i++)
		if (strcmp(cm->parts[i].type, type) == 0)
			return (1);
	return (0);
}

Test(mime, plain_message)
{
	parse("From: a@example.com\nSubject: hi\n\nHello\nworld\n");
	cr_assert_str_eq(cm->subject, "hi");
	cr_assert_str_eq(buf_str(cm->text), "Hello\nworld\n");
	cr_assert_eq(cm->plain_parts, 1);
	cr_assert_eq(cm->limits, 0);
}

Test(mime, mbox_from_line_is_skipped)
{
	parse("From a@example.com  Thu Aug 22 13:17:22 2002\n"
	    "Subject: s\n\nbody\n");
	cr_assert_str_eq(cm->subject, "s");
	cr_assert_str_eq(buf_str(cm->text), "body\n");
}

Test(mime, crlf_message)
{
	parse("Subject: crlf\r\n\r\nline one\r\nline two\r\n");
	cr_assert_str_eq(buf_str(cm->text), "line one\nline two\n");
}

Test(mime, base64_and_quoted_printable_parts)
{
	parse("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=BB\n\n"
	    "--BB\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ=\n"
	    "--BB\nContent-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nau lait\n"
	    "--BB--\n");
	cr_assert(strstr(buf_str(cm->text), "Hello world") != NULL);
	cr_assert(strstr(buf_str(cm->text), "caf\xc3\xa9 au lait") != NULL);
	cr_assert_eq(cm->plain_parts, 2);
}

Test(mime, alternative_html_gives_text_and_links)
{
	parse("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=\"a\"\n\n"
	    "--a\nContent-Type: text/html; charset=us-ascii\n\n"
	    "<p>Go <a href=\"http://www.example.com/\">there</a></p>\n"
	    "--a--\n");
	cr_assert_str_eq(buf_str(cm->text),
	    "Go there\nhttp://www.example.com/\n");
	cr_assert_eq(cm->html_parts, 1);
	cr_assert_eq(cm->nurls, 1);
}

Test(mime, urls_in_plain_text)
{
	parse("Subject: x\n\nsee http://a.example.com/p?q=1, and "
	    "(www.b.example.org) or HTTPS://C.example.net/\n");
	cr_assert_eq(cm->nurls, 3);
	cr_assert_str_eq(cm->urls[0], "http://a.example.com/p?q=1");
	cr_assert_str_eq(cm->urls[1], "www.b.example.org");
	cr_assert_str_eq(cm->urls[2], "HTTPS://C.example.net/");
}

Test(mime, attached_message_is_walked)
{
	parse("Subject: outer\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\nContent-Type: text/plain\n\nouter text\n"
	    "--o\nContent-Type: message/rfc822\n\n"
	    "Subject: inner subject\nContent-Type: text/plain\n\ninner text\n"
	    "--o--\n");
	cr_assert(strstr(buf_str(cm->text), "outer text") != NULL);
	cr_assert(strstr(buf_str(cm->text), "inner subject") != NULL);
	cr_assert(strstr(buf_str(cm->text), "inner text") != NULL);
	cr_assert(has_part("message/rfc822"));
}

Test(mime, base64_encoded_attached_message_is_walked)
{
	/* "Subject: enc\n\nhidden inside\n" in base64 */
	parse("Subject: outer\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\nContent-Type: message/rfc822\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "U3ViamVjdDogZW5jCgpoaWRkZW4gaW5zaWRlCg==\n--o--\n");
	cr_assert(strstr(buf_str(cm->text), "hidden inside") != NULL);
}

Test(mime, rfc2047_subject)
{
	parse("Subject: =?utf-8?B?0J/RgNC40LLQtdGC?= =?iso-8859-1?Q?caf=E9?=\n"
	    "\nx\n");
	cr_assert_str_eq(cm->subject,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
	    "caf\xc3\xa9");
}

Test(mime, rfc2047_with_unknown_charset_never_fails)
{
	parse("Subject: =?x-bogus?Q?abc?= tail\n\nx\n");
	cr_assert(strstr(cm->subject, "tail") != NULL);
	cr_assert(g_utf8_validate(cm->subject, -1, NULL));
}

Test(mime, raw_8bit_subject_is_utf8)
{
	parse("Subject: caf\xe9\n\nx\n");
	cr_assert_str_eq(cm->subject, "caf\xc3\xa9");
}

Test(mime, rfc2231_filename)
{
	parse("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/pdf\nContent-Disposition: "
	    "attachment; filename*=iso-8859-1''r%E9sum%E9.pdf\n\nxx\n--b--\n");
	cr_assert(has_part("application/pdf"));
	cr_assert_not_null(cm->parts[1].filename);
	cr_assert_str_eq(cm->parts[1].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
	cr_assert(cm->parts[1].attachment);
}

Test(mime, eastern_charset_of_a_part)
{
	parse("Subject: x\nContent-Type: text/plain; charset=GB2312\n\n"
	    "\xc4\xe3\xba\xc3\n");
	cr_assert(cm->signs & CM_SIGN_EASTERN_CHARSET);
	cr_assert_str_eq(buf_str(cm->text), "\xe4\xbd\xa0\xe5\xa5\xbd\n");
	cr_assert_eq(cm->eastern_chars, 2);
}

Test(mime, unknown_charset_sign)
{
	parse("Subject: x\nContent-Type: text/plain; charset=x-martian\n\n"
	    "hi\n");
	cr_assert(cm->signs & CM_SIGN_CHARSET_UNKNOWN);
	cr_assert_str_eq(buf_str(cm->text), "hi\n");
}

Test(mime, rtf_attachment_becomes_text)
{
	parse("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/rtf; name=a.rtf\n\n"
	    "{\\rtf1\\ansi rich \\'e9}\n--b--\n");
	cr_assert(strstr(buf_str(cm->text), "rich \xc3\xa9") != NULL);
}

Test(mime, enriched_text_becomes_text)
{
	parse("Subject: x\nContent-Type: text/enriched\n\n"
	    "<bold>Now</bold> is the time\n");
	cr_assert(strstr(buf_str(cm->text), "Now is the time") != NULL);
}

Test(mime, gtube_in_octet_stream_attachment)
{
	parse("Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEkt"
	    "VUJFLVRFU1QtRU1BSUwqQy4zNFg=\n--b--\n");
	cr_assert(cm->rules & (1ULL << RULE_GTUBE));
}

Test(mime, part_limit_is_a_defined_outcome)
{
	struct content_limits small = { 20, 2, 8 * 1024 * 1024, 0, 0 };
	struct buf	*b = buf_new(1024);
	int		 i;

	buf_puts(b, "Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < 5; i++)
		buf_printf(b, "--b\nContent-Type: text/plain\n\npart%d\n", i);
	buf_puts(b, "--b--\n");
	cm = mime_parse(b->data, b->len, &small);
	buf_free(b);
	cr_assert(cm->limits & CM_LIMIT_PARTS);
	cr_assert(cm->rules & (1ULL << RULE_MIME_LIMIT));
	cr_assert_str_eq(cm->detail[RULE_MIME_LIMIT], "max_parts");
	cr_assert(strstr(buf_str(cm->text), "part1") != NULL);
	cr_assert(strstr(buf_str(cm->text), "part2") == NULL);
}

Test(mime, depth_limit_is_a_defined_outcome)
{
	struct content_limits shallow = { 2, 200, 8 * 1024 * 1024, 0, 0 };
	struct buf	*b = buf_new(1024);
	int		 i;

	buf_puts(b, "Subject: x\nMIME-Version: 1.0\n");
	for (i = 0; i < 6; i++)
		buf_printf(b, "Content-Type: multipart/mixed; boundary=b%d\n\n"
		    "--b%d\n", i, i);
	buf_puts(b, "Content-Type: text/plain\n\ndeep text\n");
	for (i = 5; i >= 0; i--)
		buf_printf(b, "--b%d--\n", i);
	cm = mime_parse(b->data, b->len, &shallow);
	buf_free(b);
	cr_assert(cm->limits & CM_LIMIT_DEPTH);
	cr_assert_str_eq(cm->detail[RULE_MIME_LIMIT], "max_depth");
	cr_assert(strstr(buf_str(cm->text), "deep text") == NULL);
}

Test(mime, size_limit_cuts_the_text)
{
	struct content_limits tiny = { 20, 200, 10, 0, 0 };

	parse("Subject: x\n\n");	/* warm up */
	mime_free(cm);
	cm = mime_parse("Subject: x\n\n0123456789abcdefghij\n", 33, &tiny);
	cr_assert(cm->limits & CM_LIMIT_SIZE);
	cr_assert_str_eq(buf_str(cm->text), "0123456789");
	cr_assert_str_eq(cm->detail[RULE_MIME_LIMIT], "max_decoded_size");
}

Test(mime, broken_structure_counts_as_critical)
{
	parse("Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n"
	    "no boundary at all\n");
	cr_assert_gt(cm->crit, 0);
}

Test(mime, multipart_without_body_reads_no_prologue)
{
	/* found by fuzz_mime: a multipart whose header block ends at its
	 * parent's boundary line has no prologue to read */
	parse("Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: multipart/alternative; boundary=x\n"
	    "--b\nContent-Type: text/plain\n\nafter\n--b--\n");
	cr_assert_str_eq(buf_str(cm->text), "after");
	cr_assert_eq(cm->nparts, 3);
}

Test(mime, garbage_and_empty_input)
{
	parse("");
	cr_assert_str_eq(cm->subject, "");
	mime_free(cm);
	cm = mime_parse("\0\xff\xfe\n\n\x01", 6, &lim);
	cr_assert(g_utf8_validate(cm->text->data, (gssize)cm->text->len,
	    NULL));
}

Test(mime, header_lookup)
{
	parse("Subject: x\nX-Mailer: Foo 1.0\nAuto-Submitted:\n auto-replied\n"
	    "\nbody\n");
	cr_assert_str_eq(mime_header(cm, "x-mailer"), "Foo 1.0");
	cr_assert_str_eq(mime_header(cm, "Auto-Submitted"), "auto-replied");
	cr_assert_null(mime_header(cm, "X-Nothing"));
}

Test(mime, deadline_stops_the_walk)
{
	static const char m[] = "Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n"
	    "--b--\n";
	struct content_limits late = { 20, 200, 8 * 1024 * 1024, 1, 0 };

	cm = mime_parse(m, sizeof(m) - 1, &late);
	cr_assert(cm->limits & CM_LIMIT_TIME);
	cr_assert_str_eq(cm->detail[RULE_MIME_LIMIT], "deadline");
	cr_assert_null(cm->lim);
}

Test(mime, long_links_are_cut_on_a_character_boundary)
{
	/* found by fuzz_mime: a link cut inside a UTF-8 sequence */
	struct buf	*b = buf_new(8192);
	int		 i;

	buf_puts(b, "Subject: x\nContent-Type: text/html; charset=utf-8\n\n"
	    "<a href=\"http://x.example/a");
	for (i = 0; i < 1500; i++)
		buf_puts(b, "\xc3\xbf");
	buf_puts(b, "\">y</a>");
	cm = mime_parse(b->data, b->len, &lim);
	buf_free(b);
	cr_assert_eq(cm->nurls, 1);
	cr_assert_leq(strlen(cm->urls[0]), 2048);
	cr_assert(g_utf8_validate(cm->text->data, (gssize)cm->text->len,
	    NULL));
}

Test(mime, word_attachments_unless_office_text_is_off)
{
	struct content_limits off = { 20, 200, 8 * 1024 * 1024, 0, 1 };
	char		 path[1024], *data;
	size_t		 len;
	struct content_msg *m;

	(void)snprintf(path, sizeof(path), "%s/t/data/content/"
	    "word-attachments.in", tu_srcdir());
	data = tu_read_file(path, &len);
	m = mime_parse(data, len, &lim);
	cr_assert(strstr(m->text->data, "Quarterly report") != NULL);
	cr_assert(strstr(m->text->data, "Old Word 6 letter") != NULL);
	mime_free(m);
	m = mime_parse(data, len, &off);
	cr_assert(strstr(m->text->data, "Quarterly report") == NULL);
	cr_assert(strstr(m->text->data, "Two documents attached.") != NULL);
	mime_free(m);
	free(data);
}
