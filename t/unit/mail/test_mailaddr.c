/* test_mailaddr.c - unit tests for mail/mailaddr.c: address lists and
 * message ids */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"

static struct mail_addrs l;

static void
teardown(void)
{
	mailaddr_clear(&l);
}

TestSuite(mailaddr, .fini = teardown);

/* parse - a fresh list from a value */

static void
parse(const char *v)
{
	mailaddr_clear(&l);
	mailaddr_parse(&l, v);
}

Test(mailaddr, mailboxes)
{
	parse("\"Doe, John\" <john@example.com>, jane@example.org (Jane),\r\n"
	    "\t=?utf-8?q?J=C3=B6rg?= <jorg@example.net>");
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.v[0].name, "Doe, John");
	cr_assert_str_eq(l.v[0].addr, "john@example.com");
	cr_assert_str_eq(l.v[1].name, "Jane", "a name in a comment");
	cr_assert_str_eq(l.v[1].addr, "jane@example.org");
	cr_assert_str_eq(l.v[2].name, "J\xc3\xb6rg");
}

Test(mailaddr, lenient_forms)
{
	parse("user@example.com <user@example.com>");
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.v[0].addr, "user@example.com");
	cr_assert_str_eq(l.v[0].name, "user@example.com");
	parse("<<a@b.example>>, nodomain, John Q. Public <jqp@x.example>");
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.v[0].addr, "a@b.example");
	cr_assert_str_eq(l.v[1].addr, "nodomain", "without a domain");
	cr_assert_str_eq(l.v[2].name, "John Q. Public");
	parse("<@route.example,@r2.example:a@b.example>");
	cr_assert_str_eq(l.v[0].addr, "a@b.example", "an obsolete route");
	parse("a@b.example. (trailing dot)");
	cr_assert_str_eq(l.v[0].addr, "a@b.example");
}

Test(mailaddr, groups)
{
	parse("Friends: a@x.example, b@y.example;, c@z.example");
	cr_assert_eq(l.n, 2);
	cr_assert_null(l.v[0].addr);
	cr_assert_str_eq(l.v[0].name, "Friends");
	cr_assert_eq(l.v[0].nmembers, 2);
	cr_assert_str_eq(l.v[0].member[1].addr, "b@y.example");
	parse("undisclosed-recipients:;");
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.v[0].nmembers, 0);
}

Test(mailaddr, what_does_not_parse_is_skipped)
{
	parse("@@@, ok@example.com");
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.v[0].addr, "ok@example.com");
	parse("");
	cr_assert_eq(l.n, 0);
}

Test(mailaddr, every_field_of_a_name)
{
	static const char msg[] = "To: a@x.example\r\nCc: c@x.example\r\n"
	    "to: b@x.example\r\n\r\n";
	struct mail	*m = mail_new(msg, sizeof(msg) - 1, NULL);

	mailaddr_fields(&l, m, 0, "To");
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[1].addr, "b@x.example");
	mail_free(m);
}

Test(mailaddr, message_ids)
{
	char	*id;

	id = mailaddr_msgid(" <abc.def@Mail.Example.COM> (comment)");
	cr_assert_str_eq(id, "abc.def@Mail.Example.COM");
	free(id);
	id = mailaddr_msgid("<no at sign>");
	cr_assert_str_eq(id, "no at sign");
	free(id);
}
