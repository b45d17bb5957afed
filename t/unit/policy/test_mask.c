/* test_mask.c - unit tests for policy/mask.c */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mask.h"
#include "testutil.h"

static struct buf	*why;

static void
setup(void)
{
	why = buf_new(128);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(mask, .init = setup, .fini = teardown);

/* parse - a list that must parse */

static struct mask_list *
parse(const char *text, const char *dom, int flags)
{
	struct mask_list *ml;

	buf_reset(why);
	ml = mask_list_parse(text, dom, flags, 0, why);
	cr_assert_not_null(ml, "\"%s\": %s", text, buf_str(why));
	return (ml);
}

/* bad - a list that must fail, with this text in the reason */

static void
bad(const char *text, const char *dom, int flags, const char *reason)
{
	buf_reset(why);
	cr_assert_null(mask_list_parse(text, dom, flags, 0, why), "%s", text);
	cr_assert(strstr(buf_str(why), reason) != NULL, "\"%s\": got \"%s\", "
	    "wanted \"%s\"", text, buf_str(why), reason);
}

Test(mask, glob)
{
	cr_assert(mask_glob("*", ""));
	cr_assert(mask_glob("*", "anything"));
	cr_assert(mask_glob("a?c", "abc"));
	cr_assert_not(mask_glob("a?c", "ac"));
	cr_assert(mask_glob("*@*.example.com", "u@mx.EXAMPLE.com"));
	cr_assert_not(mask_glob("*@*.example.com", "u@example.com"));
	cr_assert(mask_glob("news-*@example.org", "news-daily@example.org"));
	cr_assert(mask_glob("a*b*c", "axxbyyc"));
	cr_assert_not(mask_glob("a*b*c", "axxbyy"));
	cr_assert(mask_glob("**a", "bba"));
	cr_assert_not(mask_glob("", "x"));
	cr_assert(mask_glob("", ""));
}

Test(mask, exact_domain_and_case)
{
	struct mask_list *ml = parse("User@Example.COM, @sales.example.com",
	    NULL, 0);

	cr_assert_eq(mask_list_count(ml), 2);
	cr_assert(mask_list_match(ml, "user@example.com", NULL));
	cr_assert(mask_list_match(ml, "USER@example.com", NULL));
	cr_assert_not(mask_list_match(ml, "other@example.com", NULL));
	cr_assert(mask_list_match(ml, "anyone@SALES.example.com", NULL));
	cr_assert_not(mask_list_match(ml, "anyone@x.sales.example.com", NULL));
	cr_assert_not(mask_list_match(ml, "", NULL));
	mask_list_free(ml);
}

Test(mask, separators)
{
	struct mask_list *ml = parse("a@x.test b@x.test,c@x.test;d@x.test\n"
	    "\te@x.test ,; f@x.test", NULL, 0);

	cr_assert_eq(mask_list_count(ml), 6);
	cr_assert(mask_list_match(ml, "f@x.test", NULL));
	cr_assert(mask_list_match(ml, "a@x.test", NULL));
	mask_list_free(ml);
}

Test(mask, default_domain)
{
	struct mask_list *ml = parse("postmaster abuse", "example.com", 0);

	cr_assert(mask_list_match(ml, "postmaster@example.com", NULL));
	cr_assert(mask_list_match(ml, "Abuse@Example.com", NULL));
	cr_assert_not(mask_list_match(ml, "postmaster@other.com", NULL));
	mask_list_free(ml);
	bad("postmaster", NULL, 0, "default_domain");
	bad("postmaster", "", 0, "default_domain");
}

Test(mask, null_sender_and_star)
{
	struct mask_list *ml = parse("<>", NULL, 0);

	cr_assert(mask_list_match(ml, "", NULL));
	cr_assert(mask_list_match(ml, NULL, NULL));
	cr_assert_not(mask_list_match(ml, "a@b.test", NULL));
	mask_list_free(ml);
	ml = parse("*", NULL, 0);
	cr_assert(mask_list_match(ml, "a@b.test", NULL));
	cr_assert(mask_list_match(ml, "", NULL));
	mask_list_free(ml);
}

Test(mask, regex_keeps_commas)
{
	struct mask_list *ml = parse("re:^[a-z]{1,3}@(x|y)\\.test$ z@z.test",
	    NULL, 0);

	cr_assert_eq(mask_list_count(ml), 2);
	cr_assert(mask_list_match(ml, "ab@x.test", NULL));
	cr_assert(mask_list_match(ml, "AB@Y.TEST", NULL));
	cr_assert_not(mask_list_match(ml, "abcd@x.test", NULL));
	cr_assert(mask_list_match(ml, "z@z.test", NULL));
	mask_list_free(ml);
	bad("re:([a", NULL, 0, "bad regular expression");
	bad("re:(a{1,100}){1,100}", NULL, 0, "too large");
	bad("re:((a{1,20}){1,20}){1,20}", NULL, 0, "too large");
	bad("re:(a)\\1", NULL, 0, "back-references");
	bad("re:G++++++++++++++++++++++++G", NULL, 0, "too large");
	bad("re:a{2}*", NULL, 0, "too large");
	mask_list_free(parse("re:^[a-z]{1,64}@[a-z.-]{1,255}$ "
	    "re:(x{1,10}|y{1,10}){1,10}", NULL, 0));
	bad("re:", NULL, 0, "empty regular expression");
}

Test(mask, ip_v4_v6_and_mapped)
{
	struct mask_list *ml = parse("ip:192.0.2.0/24 ip:2001:db8::/32 "
	    "ip:198.51.100.7 ip:10.0.0.0/9", NULL, MASK_ALLOW_IP);

	cr_assert(mask_list_match(ml, "x@y.test", "192.0.2.200"));
	cr_assert_not(mask_list_match(ml, "x@y.test", "192.0.3.1"));
	cr_assert(mask_list_match(ml, "x@y.test", "2001:db8:1::5"));
	cr_assert(mask_list_match(ml, "x@y.test", "IPv6:2001:DB8::1"));
	cr_assert_not(mask_list_match(ml, "x@y.test", "2001:db9::1"));
	cr_assert(mask_list_match(ml, "x@y.test", "::ffff:192.0.2.9"));
	cr_assert(mask_list_match(ml, "x@y.test", "198.51.100.7"));
	cr_assert_not(mask_list_match(ml, "x@y.test", "198.51.100.8"));
	cr_assert(mask_list_match(ml, "x@y.test", "10.127.255.255"));
	cr_assert_not(mask_list_match(ml, "x@y.test", "10.128.0.0"));
	cr_assert_not(mask_list_match(ml, "x@y.test", NULL));
	cr_assert_not(mask_list_match(ml, "x@y.test", "not-an-ip"));
	mask_list_free(ml);
}

Test(mask, ip_errors)
{
	bad("ip:192.0.2.0/24", NULL, 0, "ip: masks match the client");
	bad("ip:192.0.2.0/33", NULL, MASK_ALLOW_IP, "not an IP address");
	bad("ip:2001:db8::/129", NULL, MASK_ALLOW_IP, "not an IP address");
	bad("ip:300.0.0.1", NULL, MASK_ALLOW_IP, "not an IP address");
	bad("ip:1.2.3.4/", NULL, MASK_ALLOW_IP, "not an IP address");
	bad("ip:", NULL, MASK_ALLOW_IP, "not an IP address");
}

Test(mask, plain_errors)
{
	bad("@", NULL, 0, "not a domain");
	bad("a@", NULL, 0, "no domain");
	bad("a@b\x01.test", NULL, 0, "control character");
}

Test(mask, file_items)
{
	struct mask_list *ml;
	const char	*p;
	char		 item[600];

	p = tu_write_file("list.txt", "# senders we trust\n"
	    "\n"
	    "  friend@good.test  \n"
	    "@partner.test, other@good.test\n"
	    "re:^news (weekly|daily)@x\\.test$\n"
	    "ip:203.0.113.0/24\n");
	(void)snprintf(item, sizeof(item), "file:%s boss@x.test", p);
	ml = parse(item, NULL, MASK_ALLOW_IP | MASK_ALLOW_FILE);
	cr_assert_eq(mask_list_count(ml), 6);
	cr_assert(mask_list_match(ml, "friend@good.test", NULL));
	cr_assert(mask_list_match(ml, "x@partner.test", NULL));
	cr_assert(mask_list_match(ml, "other@good.test", NULL));
	cr_assert(mask_list_match(ml, "news weekly@x.test", NULL));
	cr_assert(mask_list_match(ml, "z@z.test", "203.0.113.3"));
	cr_assert(mask_list_match(ml, "boss@x.test", NULL));
	cr_assert_not(mask_list_match(ml, "stranger@good.test", NULL));
	mask_list_free(ml);
}

Test(mask, file_errors_have_line_numbers)
{
	const char	*p;
	char		 item[600], want[600];

	p = tu_write_file("bad.txt", "ok@x.test\n# fine\nip:999.1.1.1\n");
	(void)snprintf(item, sizeof(item), "file:%s", p);
	(void)snprintf(want, sizeof(want), "%s:3: item \"ip:999.1.1.1\"", p);
	bad(item, NULL, MASK_ALLOW_IP | MASK_ALLOW_FILE, want);

	p = tu_write_file("nest.txt", "file:/etc/passwd\n");
	(void)snprintf(item, sizeof(item), "file:%s", p);
	bad(item, NULL, MASK_ALLOW_FILE, "do not nest");
	bad("file:/nonexistent/list", NULL, MASK_ALLOW_FILE, "cannot open");
	bad("file:relative.txt", NULL, MASK_ALLOW_FILE, "absolute");
	bad("file:/dev/zero", NULL, MASK_ALLOW_FILE, "not a regular file");
	bad("file:/tmp", NULL, MASK_ALLOW_FILE, "not a regular file");
	(void)snprintf(item, sizeof(item), "file:%s", p);
	bad(item, NULL, 0, "not allowed here");
}

Test(mask, file_size_limit)
{
	struct mask_list *ml;
	const char	*p;
	char		 item[600];

	p = tu_write_file("big.txt", "a@b.test\nc@d.test\ne@f.test\n");
	(void)snprintf(item, sizeof(item), "file:%s", p);
	cr_assert_null(mask_list_parse(item, NULL, MASK_ALLOW_FILE, 10, why));
	cr_assert(strstr(buf_str(why), "max_file_size") != NULL);
	buf_reset(why);
	ml = mask_list_parse(item, NULL, MASK_ALLOW_FILE, 100, why);
	cr_assert_not_null(ml);
	mask_list_free(ml);
}

Test(mask, empty_lists_match_nothing)
{
	struct mask_list *ml = parse("", NULL, 0);

	cr_assert_eq(mask_list_count(ml), 0);
	cr_assert_not(mask_list_match(ml, "a@b.test", "192.0.2.1"));
	cr_assert_not(mask_list_match(NULL, "a@b.test", NULL));
	mask_list_free(ml);
	mask_list_free(NULL);
	ml = mask_list_parse(NULL, NULL, 0, 0, why);
	cr_assert_eq(mask_list_count(ml), 0);
	mask_list_free(ml);
}

Test(mask, many_addresses_by_search)
{
	struct buf	*text = buf_new(1 << 20);
	struct mask_list *ml;
	char		 a[64];
	int		 i;

	for (i = 0; i < 20000; i++)
		buf_printf(text, "user%d@example.com\n", i);
	ml = parse(buf_str(text), NULL, 0);
	cr_assert_eq(mask_list_count(ml), 20000);
	for (i = 0; i < 20000; i += 997) {
		(void)snprintf(a, sizeof(a), "USER%d@example.com", i);
		cr_assert(mask_list_match(ml, a, NULL), "%s", a);
	}
	cr_assert_not(mask_list_match(ml, "user20000@example.com", NULL));
	cr_assert_not(mask_list_match(ml, "user1@example.org", NULL));
	mask_list_free(ml);
	buf_free(text);
}

Test(mask, long_address)
{
	struct mask_list *ml = parse("*@long.test", NULL, 0);
	char		 a[2000];

	memset(a, 'x', sizeof(a));
	memcpy(a + sizeof(a) - 11, "@long.test", 11);
	cr_assert(mask_list_match(ml, a, NULL));
	mask_list_free(ml);
}
