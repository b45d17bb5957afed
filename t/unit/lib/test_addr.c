/* test_addr.c - unit tests for lib/addr.c */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "addr.h"
#include "buf.h"

static int
path(const char *in, char **addr, const char **params)
{
	struct buf	*why = buf_new(32);
	int		 rc;

	rc = addr_parse_path(in, addr, params, why);
	buf_free(why);
	return (rc);
}

Test(addr, paths)
{
	char		*a;
	const char	*p;

	cr_assert_eq(path("<a@b.c> SIZE=10", &a, &p), 0);
	cr_assert_str_eq(a, "a@b.c");
	cr_assert_str_eq(p, "SIZE=10");
	free(a);
	cr_assert_eq(path("<>", &a, &p), 0);
	cr_assert_str_eq(a, "");
	free(a);
	cr_assert_eq(path(" <x@y>", &a, &p), 0);
	free(a);
	cr_assert_eq(path("x@y BODY=8BITMIME", &a, &p), 0);
	cr_assert_str_eq(a, "x@y");
	cr_assert_str_eq(p, "BODY=8BITMIME");
	free(a);
	cr_assert_eq(path("<@r1,@r2:u@d>", &a, &p), 0);
	cr_assert_str_eq(a, "u@d");
	free(a);
	cr_assert_eq(path("<\"a b>\"@c>", &a, &p), 0);
	cr_assert_str_eq(a, "\"a b>\"@c");
	free(a);
	cr_assert_eq(path("<postmaster>", &a, &p), 0);
	free(a);
}

Test(addr, bad_paths)
{
	static const char *const bad[] = {
		"<a@b", "<a\x01@b>", "<a@b>x", "<\"a@b>", "<@a>", "<a@>",
		"<a<b@c>", "<a b@c>"
	};
	char		*a;
	const char	*p;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(path(bad[i], &a, &p), -1, "accepted %s", bad[i]);
}

Test(addr, too_long)
{
	char		 in[ADDR_MAX + 20], *a;
	const char	*p;

	memset(in, 'a', sizeof(in));
	in[0] = '<';
	in[sizeof(in) - 3] = '@';
	in[sizeof(in) - 2] = '>';
	in[sizeof(in) - 1] = '\0';
	cr_assert_eq(path(in, &a, &p), -1);
}

Test(addr, domain)
{
	cr_assert_str_eq(addr_domain("a@b@c.d"), "c.d");
	cr_assert_null(addr_domain("local"));
	cr_assert_null(addr_domain("a@"));
}

Test(addr, xtext)
{
	struct buf	*b = buf_new(16);

	cr_assert_eq(addr_xtext_decode("a+2Bb+3Dc", 9, b), 0);
	cr_assert_str_eq(buf_str(b), "a+b=c");
	buf_reset(b);
	cr_assert_eq(addr_xtext_decode("bad+2", 5, b), -1);
	buf_reset(b);
	cr_assert_eq(addr_xtext_decode("bad+ZZ", 6, b), -1);
	buf_reset(b);
	cr_assert_eq(addr_xtext_decode("a=b", 3, b), -1);
	buf_reset(b);
	cr_assert_eq(addr_xtext_decode("a b", 3, b), -1);
	buf_reset(b);
	addr_xtext_encode("a+b= \x01", 6, b);
	cr_assert_str_eq(buf_str(b), "a+2Bb+3D+20+01");
	buf_free(b);
}

Test(addr, params)
{
	const char	*c = " SIZE=10  SMTPUTF8 RET=", *k, *v;
	size_t		 kl, vl;

	cr_assert_eq(addr_param_next(&c, &k, &kl, &v, &vl), 1);
	cr_assert_eq(kl, 4);
	cr_assert_eq(strncmp(v, "10", vl), 0);
	cr_assert_eq(addr_param_next(&c, &k, &kl, &v, &vl), 1);
	cr_assert_eq(kl, 8);
	cr_assert_null(v);
	cr_assert_eq(addr_param_next(&c, &k, &kl, &v, &vl), 1);
	cr_assert_not_null(v);
	cr_assert_eq(vl, 0);
	cr_assert_eq(addr_param_next(&c, &k, &kl, &v, &vl), 0);
}
