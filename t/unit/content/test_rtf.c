/* test_rtf.c - unit tests for content/rtf.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"

static struct buf *out;

static void
setup(void)
{
	mime_init();
	out = buf_new(64);
}

static void
teardown(void)
{
	buf_free(out);
}

TestSuite(rtf, .init = setup, .fini = teardown);

static const char *
rtf(const char *s)
{
	rtf_to_text(s, strlen(s), out);
	return (buf_str(out));
}

Test(rtf, plain_paragraphs)
{
	cr_assert_str_eq(rtf("{\\rtf1\\ansi\\deff0 Hello {\\b bold} world."
	    "\\par Second\\tab line.}"), "Hello bold world.\nSecond\tline.");
}

Test(rtf, tables_are_skipped)
{
	cr_assert_str_eq(rtf("{\\rtf1{\\fonttbl{\\f0\\froman Times;}}"
	    "{\\colortbl;\\red0\\green0\\blue0;}{\\stylesheet{\\s0 Normal;}}"
	    "{\\info{\\title secret}{\\author me}}Body}"), "Body");
}

Test(rtf, ignorable_destinations_are_skipped)
{
	cr_assert_str_eq(rtf("{\\rtf1 a{\\*\\generator Riched20;}"
	    "{\\*\\unknowndest junk}b}"), "ab");
}

Test(rtf, hex_bytes_in_the_ansi_code_page)
{
	cr_assert_str_eq(rtf("{\\rtf1\\ansi\\ansicpg1252 caf\\'e9 \\'80}"),
	    "caf\xc3\xa9 \xe2\x82\xac");
}

Test(rtf, hex_bytes_in_a_cyrillic_code_page)
{
	/* "Да" in cp1251 */
	cr_assert_str_eq(rtf("{\\rtf1\\ansi\\ansicpg1251 \\'c4\\'e0}"),
	    "\xd0\x94\xd0\xb0");
}

Test(rtf, font_charset_selects_the_code_page)
{
	cr_assert_str_eq(rtf("{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f1"
	    "\\fcharset204 Arial Cyr;}}{\\f1 \\'c4\\'e0}}"),
	    "\xd0\x94\xd0\xb0");
}

Test(rtf, unicode_with_fallback_skipping)
{
	/* \uc1: one fallback char after each \u */
	cr_assert_str_eq(rtf("{\\rtf1\\uc1 \\u1055?\\u1088?\\u-3913?}"),
	    "\xd0\x9f\xd1\x80\xef\x82\xb7");
}

Test(rtf, unicode_fallback_of_two)
{
	cr_assert_str_eq(rtf("{\\rtf1\\uc2 x\\u233\\'e9\\'e9y}"),
	    "x\xc3\xa9y");
}

Test(rtf, hyperlink_target_after_the_text)
{
	cr_assert_str_eq(rtf("{\\rtf1 See {\\field{\\*\\fldinst HYPERLINK "
	    "\"http://example.com/x\"}{\\fldrslt our site}}.}"),
	    "See our site.\nhttp://example.com/x\n");
}

Test(rtf, binary_data_is_skipped)
{
	cr_assert_str_eq(rtf("{\\rtf1 a{\\pict\\bin4 \x01}{}\x02}b}"), "ab");
}

Test(rtf, escaped_braces_and_backslash)
{
	cr_assert_str_eq(rtf("{\\rtf1 \\{x\\} \\\\ y}"), "{x} \\ y");
}

Test(rtf, unbalanced_and_truncated_input)
{
	cr_assert_str_eq(rtf("}}}{\\rtf1 {{{ text \\'"), " text ");
	buf_reset(out);
	cr_assert_str_eq(rtf("{\\rtf1 \\u"), "");
}

Test(rtf, deep_groups_are_bounded)
{
	struct buf	*in = buf_new(1024);
	int		 i;

	buf_puts(in, "{\\rtf1 ");
	for (i = 0; i < 10000; i++)
		buf_puts(in, "{\\b ");
	buf_puts(in, "deep");
	rtf_to_text(in->data, in->len, out);
	cr_assert_str_eq(buf_str(out), "deep");
	buf_free(in);
}

Test(rtf, control_bytes_and_raw_link_bytes_stay_out)
{
	/* found by fuzz_mime_rtf / fuzz_mime: NUL in text, raw 8-bit bytes in
	 * a HYPERLINK target */
	static const char in[] = "{\\rtf1 a\0b\\'00c{\\field{\\*\\fldinst "
	    "HYPERLINK \"http://x.example/\xb4\x91\"}{\\fldrslt d}}}";

	rtf_to_text(in, sizeof(in) - 1, out);
	cr_assert(g_utf8_validate(out->data, (gssize)out->len, NULL));
	cr_assert_null(memchr(out->data, '\0', out->len));
	cr_assert(strstr(buf_str(out), "abcd") != NULL);
}
