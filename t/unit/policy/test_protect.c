/* test_protect.c - unit tests for policy/protect.c: protected_domains */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "protect.h"
#include "testutil.h"

static struct buf	*warn, *why;

static void
setup(void)
{
	warn = buf_new(64);
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(warn);
	buf_free(why);
}

TestSuite(protect, .init = setup, .fini = teardown);

/* parse - a set that must parse */

static struct protect *
parse(const char *text)
{
	struct protect	*p;

	buf_reset(warn);
	buf_reset(why);
	p = protect_parse(text, 0, warn, why);
	cr_assert_not_null(p, "%s", buf_str(why));
	return (p);
}

Test(protect, empty_is_all)
{
	struct protect	*p = parse("");

	cr_assert(protect_all(p));
	cr_assert(protect_match(p, "example.com"));
	cr_assert(protect_match(p, NULL));
	protect_free(p);
	cr_assert(protect_match(NULL, "x.test"));
}

Test(protect, star_is_all)
{
	struct protect	*p = parse("example.com, *");

	cr_assert(protect_all(p));
	cr_assert(protect_match(p, "other.test"));
	cr_assert_str_empty(buf_str(warn));
	protect_free(p);
}

Test(protect, exact_suffix_glob)
{
	struct protect	*p = parse("b.test a.test .sub.test *.star.test "
	    "*wild.test q?.test @at.test");

	cr_assert_not(protect_all(p));
	cr_assert(protect_match(p, "a.test"));
	cr_assert(protect_match(p, "B.TEST"));
	cr_assert_not(protect_match(p, "x.a.test"));
	cr_assert(protect_match(p, "sub.test"));
	cr_assert(protect_match(p, "deep.x.sub.test"));
	cr_assert_not(protect_match(p, "notsub.test"));
	cr_assert(protect_match(p, "star.test"));
	cr_assert(protect_match(p, "a.star.test"));
	cr_assert(protect_match(p, "wild.test"));
	cr_assert(protect_match(p, "verywild.test"));
	cr_assert(protect_match(p, "mx.wild.test"));
	cr_assert(protect_match(p, "q1.test"));
	cr_assert_not(protect_match(p, "q12.test"));
	cr_assert(protect_match(p, "at.test"));
	cr_assert_not(protect_match(p, NULL));
	cr_assert_not(protect_match(p, ""));
	cr_assert_str_empty(buf_str(warn));
	protect_free(p);
}

Test(protect, never_matching_items_warn)
{
	struct protect	*p = parse("user@example.com ok.test bad..test "
	    "trailing.test. sl/ash.test");

	cr_assert(strstr(buf_str(warn), "\"user@example.com\" is an address")
	    != NULL, "%s", buf_str(warn));
	cr_assert(strstr(buf_str(warn), "\"bad..test\"") != NULL);
	cr_assert(strstr(buf_str(warn), "\"trailing.test.\"") != NULL);
	cr_assert(strstr(buf_str(warn), "\"sl/ash.test\"") != NULL);
	cr_assert(strstr(buf_str(warn), "ok.test") == NULL);
	cr_assert(protect_match(p, "ok.test"));
	protect_free(p);
}

Test(protect, file_items)
{
	const char	*f = tu_write_file("p.txt", "# comment\n  a.test\n"
	    "b.test; c.test\n*\n");
	char		 text[512];
	struct protect	*p;

	(void)snprintf(text, sizeof(text), "file:%s", f);
	p = parse(text);
	cr_assert(protect_all(p));
	protect_free(p);
	f = tu_write_file("p2.txt", "a.test\nbad@x.test\n");
	(void)snprintf(text, sizeof(text), "file:%s", f);
	p = parse(text);
	cr_assert(protect_match(p, "a.test"));
	cr_assert_not(protect_match(p, "c.test"));
	cr_assert(strstr(buf_str(warn), ":2: protected_domains item") != NULL,
	    "%s", buf_str(warn));
	protect_free(p);
}

Test(protect, empty_file_is_all)
{
	const char	*f = tu_write_file("e.txt", "# nothing yet\n");
	char		 text[512];
	struct protect	*p;

	(void)snprintf(text, sizeof(text), "file:%s", f);
	p = parse(text);
	cr_assert(protect_all(p));
	protect_free(p);
}

Test(protect, bad_files)
{
	cr_assert_null(protect_parse("file:/nonexistent/x", 0, warn, why));
	cr_assert(strstr(buf_str(why), "/nonexistent/x") != NULL);
	buf_reset(why);
	cr_assert_null(protect_parse("file:rel", 0, warn, why));
	cr_assert(strstr(buf_str(why), "absolute") != NULL);
}

Test(protect, many_exact_domains)
{
	struct buf	*b = buf_new(1024 * 64);
	struct protect	*p;
	int		 i;

	for (i = 0; i < 5000; i++)
		buf_printf(b, "d%d.test\n", i);
	p = parse(buf_str(b));
	cr_assert(protect_match(p, "d0.test"));
	cr_assert(protect_match(p, "d4999.test"));
	cr_assert_not(protect_match(p, "d5000.test"));
	buf_reset(b);
	protect_describe(p, b);
	cr_assert(strstr(buf_str(b), "5000 items: ") == buf_str(b), "%s",
	    buf_str(b));
	cr_assert(strstr(buf_str(b), "and 4992 more") != NULL, "%s",
	    buf_str(b));
	protect_free(p);
	buf_free(b);
}
