/* test_mailparam.c - unit tests for mail/mailparam.c: types and
 * parameters */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"
#include "mail_private.h"

static struct mailparam_list l;

static void
teardown(void)
{
	mailparam_clear(&l);
}

TestSuite(mailparam, .fini = teardown);

/* param - parse a parameter list and find one */

static const char *
param(const char *list, const char *name)
{
	mailparam_clear(&l);
	mailparam_parse(list, &l);
	return (mailparam_find(&l, name));
}

Test(mailparam, type_and_subtype)
{
	const char	*p = " text / html ; charset=x";
	char		*t, *s;

	cr_assert_eq(mailparam_type(&p, &t, &s), 0);
	cr_assert_str_eq(t, "text");
	cr_assert_str_eq(s, "html");
	cr_assert_str_eq(p, " ; charset=x");
	free(t);
	free(s);
	p = "text";
	cr_assert_eq(mailparam_type(&p, &t, &s), -1);
	cr_assert_null(t);
	p = "(comment) multipart/mixed";
	cr_assert_eq(mailparam_type(&p, &t, &s), 0);
	cr_assert_str_eq(t, "multipart");
	free(t);
	free(s);
}

Test(mailparam, plain_quoted_and_lenient_values)
{
	cr_assert_str_eq(param("charset=utf-8; name=\"a b.pdf\"", "NAME"),
	    "a b.pdf");
	cr_assert_str_eq(param("name=my file.pdf; x=y", "name"), "my file.pdf",
	    "a value runs to the next ';'");
	cr_assert_str_eq(param("name=\"unclosed", "name"), "\"unclosed");
	cr_assert_str_eq(param("name=\"a\\\"b\"", "name"), "a\"b");
	cr_assert_null(param("name=; charset=x", "charset"),
	    "after a broken parameter the rest is not read");
	cr_assert_str_eq(param("a=1;; b=2", "b"), "2");
}

Test(mailparam, rfc2231_and_rfc2047)
{
	cr_assert_str_eq(param("filename*=iso-8859-1'en'r%E9sum%E9.pdf",
	    "filename"), "r\xc3\xa9sum\xc3\xa9.pdf");
	cr_assert_str_eq(param("name*1=\"b\"; name*0=\"a\"; name*2*=%43",
	    "name"), "abC", "pieces in the order of their numbers");
	cr_assert_str_eq(param("name=\"=?utf-8?q?caf=C3=A9?=.txt\"", "name"),
	    "caf\xc3\xa9.txt");
	cr_assert_str_eq(param("name*=us-ascii''%FF", "name"), "\xff",
	    "kept as it is when the charset cannot read it");
}

Test(mailparam, repeated_parameters_conflict)
{
	cr_assert_str_eq(param("charset=a; CHARSET=b; x=1; x=1", "charset"),
	    "a", "the first one counts");
	cr_assert_eq(l.conflicts, 1, "only different values conflict");
}

Test(mailparam, a_parameter_of_the_last_field)
{
	static const char msg[] = "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=x\r\n"
	    "Content-Type: multipart/report; report-type=\"disposition-"
	    "notification\"\r\n\r\n";
	struct mail	*m = mail_new(msg, sizeof(msg) - 1, NULL);
	struct buf	*b = buf_new(32);

	cr_assert(mailparam_get(m, 0, "Content-Type", "report-type", b));
	cr_assert_str_eq(buf_str(b), "disposition-notification");
	cr_assert_not(mailparam_get(m, 0, "Content-Type", "boundary", b));
	cr_assert_not(mailparam_get(m, 0, "Content-Disposition", "x", b));
	buf_free(b);
	mail_free(m);
}
