/* test_mailctype.c - unit tests for mail/mailctype.c: character classes
 * and the lexical helpers */

#include <string.h>

#include <criterion/criterion.h>

#include "mail_private.h"

Test(mailctype, classes)
{
	cr_assert(mc_ctrl('\0') && mc_ctrl('\n') && mc_ctrl(0x7f));
	cr_assert_not(mc_ctrl((char)0x80), "8-bit bytes are characters");
	cr_assert(mc_lwsp('\r') && mc_lwsp('\t') && !mc_lwsp('x'));
	cr_assert(mc_blank(' ') && mc_blank('\t') && !mc_blank('\n'));
	cr_assert(mc_ttoken('a') && mc_ttoken('.') && !mc_ttoken('/') &&
	    !mc_ttoken(' ') && !mc_ttoken('='));
	cr_assert(mc_atom('/') && mc_atom('=') && !mc_atom('.') &&
	    !mc_atom('@') && mc_atom((char)0xe9));
	cr_assert(mc_dtext('a') && !mc_dtext(']') && !mc_dtext(' '));
}

Test(mailctype, comments_and_quotes)
{
	const char	*p = "  (a (nested) \\) comment) x";

	cr_assert(mailctype_skip_cfws(&p));
	cr_assert_str_eq(p, "x");
	p = " (unclosed";
	cr_assert_not(mailctype_skip_cfws(&p));
	cr_assert_str_eq(p, " (unclosed", "nothing moved");
	p = "\"a \\\" b\" rest";
	cr_assert(mailctype_skip_word(&p));
	cr_assert_str_eq(p, " rest");
	p = "\"open";
	cr_assert_not(mailctype_skip_quoted(&p));
	cr_assert_str_eq(p, "");
}

Test(mailctype, case)
{
	char	 s[] = "MiXeD-Case\xc9";

	cr_assert_eq(mailctype_casecmp("Content-TYPE", "content-type"), 0);
	cr_assert_neq(mailctype_casecmp("a", "b"), 0);
	cr_assert_eq(mailctype_ncasecmp("ABCx", "abcy", 3), 0);
	mailctype_lower(s);
	cr_assert_str_eq(s, "mixed-case\xc9", "ASCII only");
}
