/* test_mailcs.c - unit tests for mail/mailcs.c: charset names, iconv,
 * UTF-8 validity */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"

/* name - the iconv name of a label */

static const char *
name(const char *label)
{
	static char	 out[64];

	return (mailcs_iconv_name(label, out, sizeof(out)));
}

Test(mailcs, labels_iconv_knows_by_another_name)
{
	cr_assert_str_eq(name("UTF8"), "UTF-8");
	cr_assert_str_eq(name("gb2312"), "GBK");
	cr_assert_str_eq(name("ks_c_5601-1987"), "EUC-KR");
	cr_assert_str_eq(name("ISO8859_1"), "iso-8859-1");
	cr_assert_str_eq(name("iso-2022-jp"), "iso-2022-jp");
	cr_assert_str_eq(name("windows-cp1252"), "CP1252");
	cr_assert_str_eq(name("microsoft-1251"), "CP1251");
	cr_assert_str_eq(name("SJIS"), "shift-jis");
	cr_assert_str_eq(name("KOI8-R"), "KOI8-R", "as given");
}

Test(mailcs, conversion_to_utf8)
{
	struct buf	*b = buf_new(16);

	cr_assert_eq(mailcs_to_utf8("iso-8859-1", "caf\xe9", 4, b), 0);
	cr_assert_str_eq(buf_str(b), "caf\xc3\xa9");
	buf_reset(b);
	cr_assert_eq(mailcs_to_utf8("utf-8", "a\xffz", 3, b), 1);
	cr_assert_str_eq(buf_str(b), "a?z");
	buf_reset(b);
	cr_assert_eq(mailcs_to_utf8("x-no-such-charset", "a", 1, b), -1);
	cr_assert_eq(b->len, 0);
	cr_assert_null(mailcs_open("x-no-such-charset"));
	mailcs_close(NULL);
	buf_free(b);
}

Test(mailcs, utf8_validity)
{
	size_t	 bad;

	cr_assert(mailcs_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, NULL));
	cr_assert_not(mailcs_utf8_valid("a\0b", 3, &bad));
	cr_assert_eq(bad, 1, "no NUL");
	cr_assert_not(mailcs_utf8_valid("\xc0\xaf", 2, NULL), "overlong");
	cr_assert_not(mailcs_utf8_valid("\xed\xa0\x80", 3, NULL),
	    "surrogate");
	cr_assert_not(mailcs_utf8_valid("\xf4\x90\x80\x80", 4, NULL),
	    "above U+10FFFF");
	cr_assert_not(mailcs_utf8_valid("ab\xe2\x82", 4, &bad));
	cr_assert_eq(bad, 2, "cut short");
}
