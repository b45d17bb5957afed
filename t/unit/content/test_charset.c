/* test_charset.c - unit tests for content/charset.c */

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

TestSuite(charset, .init = setup, .fini = teardown);

Test(charset, utf8_passes_through)
{
	cr_assert_eq(charset_to_utf8("utf-8", "caf\xc3\xa9", 5, out), 0);
	cr_assert_str_eq(buf_str(out), "caf\xc3\xa9");
}

Test(charset, ascii_label_with_8bit_is_windows_1252)
{
	/* labelled us-ascii, really Latin-1 / cp1252 */
	cr_assert_eq(charset_to_utf8("us-ascii", "caf\xe9 \x80", 6, out), 0);
	cr_assert_str_eq(buf_str(out), "caf\xc3\xa9 \xe2\x82\xac");
}

Test(charset, unlabelled_valid_utf8_stays)
{
	cr_assert_eq(charset_to_utf8(NULL, "\xd0\x9f\xd1\x80", 4, out), 0);
	cr_assert_str_eq(buf_str(out), "\xd0\x9f\xd1\x80");
}

Test(charset, broken_utf8_label_falls_back)
{
	cr_assert_eq(charset_to_utf8("utf-8", "na\xefve", 5, out), 0);
	cr_assert_str_eq(buf_str(out), "na\xc3\xafve");
}

Test(charset, koi8r_to_utf8)
{
	/* "Привет" in KOI8-R */
	cr_assert_eq(charset_to_utf8("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 6,
	    out), 0);
	cr_assert_str_eq(buf_str(out),
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
}

Test(charset, gmime_alias_ks_c_5601)
{
	/* "한" (U+D55C) in EUC-KR/CP949 is c7 d1 */
	cr_assert_eq(charset_to_utf8("ks_c_5601-1987", "\xc7\xd1", 2, out),
	    0);
	cr_assert_str_eq(buf_str(out), "\xed\x95\x9c");
}

Test(charset, iso_2022_jp_with_shift_state)
{
	/* ESC $ B 0l ESC ( B = U+4E00 ("一") */
	const char jis[] = "\x1b$B0l\x1b(B!";

	cr_assert_eq(charset_to_utf8("iso-2022-jp", jis, strlen(jis), out),
	    0);
	cr_assert_str_eq(buf_str(out), "\xe4\xb8\x80!");
}

Test(charset, utf16_with_bom)
{
	cr_assert_eq(charset_to_utf8("utf-16", "\xff\xfeh\0i\0", 6, out), 0);
	cr_assert_str_eq(buf_str(out), "hi");
}

Test(charset, invalid_bytes_become_replacement_chars)
{
	/* 0x80 is not a character in Shift_JIS as a lead byte alone */
	cr_assert_eq(charset_to_utf8("shift_jis", "a\x80z", 3, out), 0);
	cr_assert(strstr(buf_str(out), "a") != NULL);
	cr_assert(strstr(buf_str(out), "z") != NULL);
	cr_assert(g_utf8_validate(out->data, (gssize)out->len, NULL));
}

Test(charset, unknown_charset_is_reported_and_text_kept)
{
	cr_assert_eq(charset_to_utf8("x-no-such-charset", "hello \xe9", 7,
	    out), -1);
	cr_assert_str_eq(buf_str(out), "hello \xc3\xa9");
}

Test(charset, line_ends_and_nul_are_normalised)
{
	cr_assert_eq(charset_to_utf8(NULL, "a\r\nb\rc\0d", 8, out), 0);
	cr_assert_eq(out->len, 7);
	cr_assert_eq(memcmp(out->data, "a\nb\nc d", 7), 0);
}

Test(charset, appends_after_existing_text)
{
	buf_puts(out, "x\r");
	cr_assert_eq(charset_to_utf8(NULL, "y\r\n", 3, out), 0);
	cr_assert_str_eq(buf_str(out), "x\ry\n");
}

Test(charset, eastern_labels)
{
	cr_assert(charset_is_eastern("GB2312"));
	cr_assert(charset_is_eastern("big5"));
	cr_assert(charset_is_eastern("ISO-2022-JP-2"));
	cr_assert(charset_is_eastern("euc-kr"));
	cr_assert(charset_is_eastern("tis-620"));
	cr_assert_not(charset_is_eastern("iso-8859-1"));
	cr_assert_not(charset_is_eastern("koi8-r"));
	cr_assert_not(charset_is_eastern(NULL));
}

Test(charset, counts_letters_and_eastern_code_points)
{
	size_t	 letters = 0, eastern = 0;
	const char *s = "ab \xe4\xb8\x80\xe4\xba\x8c 1 \xe0\xb8\x81";

	charset_count(s, strlen(s), &letters, &eastern);
	cr_assert_eq(eastern, 3);	/* two Han, one Thai */
	cr_assert_eq(letters, 5);
}

Test(charset, eastern_languages_of_labels_and_text)
{
	cr_assert_eq(charset_eastern_lang("GB2312"), FINDINGS_LANG_ZH);
	cr_assert_eq(charset_eastern_lang("big5-hkscs"), FINDINGS_LANG_ZH);
	cr_assert_eq(charset_eastern_lang("Shift_JIS"), FINDINGS_LANG_JA);
	cr_assert_eq(charset_eastern_lang("iso-2022-jp-2"), FINDINGS_LANG_JA);
	cr_assert_eq(charset_eastern_lang("ks_c_5601-1987"), FINDINGS_LANG_KO);
	cr_assert_eq(charset_eastern_lang("windows-874"), FINDINGS_LANG_TH);
	cr_assert_eq(charset_eastern_lang("iso-8859-1"), 0);
	cr_assert_eq(charset_eastern_lang(NULL), 0);
	/* Thai */
	cr_assert_eq(charset_langs("\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1", 9),
	    FINDINGS_LANG_TH);
	cr_assert_eq(charset_langs("plain text", 10), 0);
}
