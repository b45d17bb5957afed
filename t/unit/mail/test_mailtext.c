/* test_mailtext.c - unit tests for mail/mailtext.c: RFC 2047 and raw
 * 8-bit header text */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"

static struct buf	*b;

static void
setup(void)
{
	b = buf_new(64);
}

static void
teardown(void)
{
	buf_free(b);
}

TestSuite(mailtext, .init = setup, .fini = teardown);

/* text - decode unstructured text */

static const char *
text(const char *s)
{
	buf_reset(b);
	mailtext_decode(s, b);
	return (buf_str(b));
}

Test(mailtext, encoded_words)
{
	cr_assert_str_eq(text("=?utf-8?B?0J/RgNC40LLQtdGC?= "
	    "=?iso-8859-1?Q?caf=E9?="), "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	    "\xd0\xb5\xd1\x82" "caf\xc3\xa9", "white space between words "
	    "dropped");
	cr_assert_str_eq(text("a =?utf-8?q?b_c?= d"), "a b c d");
	cr_assert_str_eq(text("Re:=?utf-8?q?x?="), "Re:x", "glued to text");
	cr_assert_str_eq(text("=?utf-8*en?q?lang?="), "lang", "RFC 2231 "
	    "language");
	cr_assert_str_eq(text("=?utf-8?x?bad?= =?utf-8?q?unclosed"),
	    "=?utf-8?x?bad?= =?utf-8?q?unclosed");
}

Test(mailtext, runs_are_decoded_as_one_payload)
{
	/* a character split over two words of one charset */
	cr_assert_str_eq(text("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?="),
	    "caf\xc3\xa9");
	/* GMime 3.2's quirk, kept: '=' ends a base64 run's payload */
	cr_assert_str_eq(text("=?utf-8?B?SGVsbG8=?= =?utf-8?B?V29ybGQ=?="),
	    "Hello");
}

Test(mailtext, charsets)
{
	cr_assert_str_eq(text("=?gb2312?B?xOO6ww==?="), "\xe4\xbd\xa0"
	    "\xe5\xa5\xbd", "gb2312 read as GBK");
	cr_assert_str_eq(text("=?x-bogus?q?abc?= tail"), "abc tail",
	    "an unknown charset: the 8-bit fallback");
	cr_assert_str_eq(text("=?utf-8?q?a=FFb?="), "a?b",
	    "bad UTF-8 bytes become '?'");
	cr_assert_str_eq(text("=?koi8-r?q?a=00b?="), "a",
	    "the text ends at a NUL");
}

Test(mailtext, raw_8bit)
{
	cr_assert_str_eq(text("caf\xc3\xa9"), "caf\xc3\xa9", "valid UTF-8");
	cr_assert_str_eq(text("caf\xe9 \x80"), "caf\xc3\xa9 \xe2\x82\xac",
	    "else windows-1252");
	buf_reset(b);
	mailtext_8bit("\x81", 1, b);
	cr_assert_str_eq(buf_str(b), "?", "neither reads it");
}

Test(mailtext, phrases)
{
	buf_reset(b);
	mailtext_phrase("=?utf-8?q?J=C3=B6rg?= \"Smith\" <x", b);
	cr_assert_str_eq(buf_str(b), "J\xc3\xb6rg \"Smith\" <x");
}
