/* test_cidr.c - unit tests for lib/cidr.c */

#include <sys/socket.h>

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "cidr.h"

/* in - whether text is in the network spec */

static int
in(const char *spec, const char *text)
{
	struct cidr	 c;
	unsigned char	 a[16];
	int		 fam;

	cr_assert_eq(cidr_parse(spec, &c), 0, "%s", spec);
	cr_assert_neq(fam = cidr_addr_parse(text, a), 0, "%s", text);
	return (cidr_match(&c, fam, a));
}

Test(cidr, networks_and_addresses)
{
	cr_assert(in("127.0.0.0/8", "127.1.2.3"));
	cr_assert_not(in("127.0.0.0/8", "128.0.0.1"));
	cr_assert(in("192.0.2.0/25", "192.0.2.127"));
	cr_assert_not(in("192.0.2.0/25", "192.0.2.128"));
	cr_assert(in("192.0.2.77", "192.0.2.77"));
	cr_assert_not(in("192.0.2.77", "192.0.2.78"));
	cr_assert(in("::1", "::1"));
	cr_assert(in("2001:db8::/32", "2001:db8:ffff::1"));
	cr_assert_not(in("2001:db8::/32", "2001:db9::1"));
	cr_assert(in("0.0.0.0/0", "203.0.113.5"));
	/* host bits in the spec are cleared */
	cr_assert(in("10.1.2.3/8", "10.200.0.1"));
	/* a dual-stack listener's view of an IPv4 client */
	cr_assert(in("127.0.0.0/8", "::ffff:127.0.0.1"));
	cr_assert_not(in("::1", "127.0.0.1"));
}

Test(cidr, bad_networks)
{
	struct cidr	 c;
	unsigned char	 a[16];

	cr_assert_eq(cidr_parse("", &c), -1);
	cr_assert_eq(cidr_parse("localhost", &c), -1);
	cr_assert_eq(cidr_parse("192.0.2.0/33", &c), -1);
	cr_assert_eq(cidr_parse("192.0.2.0/", &c), -1);
	cr_assert_eq(cidr_parse("192.0.2.0/-1", &c), -1);
	cr_assert_eq(cidr_parse("::/129", &c), -1);
	cr_assert_eq(cidr_parse("192.0.2/24", &c), -1);
	cr_assert_eq(cidr_addr_parse("local", a), 0);
	cr_assert_eq(cidr_addr_parse("192.0.2.1/32", a), 0);
}

Test(cidr, lists_with_local)
{
	struct buf	*why = buf_new(64);
	struct cidr_list *l;

	cr_assert_not_null(l = cidr_list_parse("127.0.0.0/8 ::1, local",
	    why));
	cr_assert(cidr_list_match(l, "127.0.0.1"));
	cr_assert(cidr_list_match(l, "::1"));
	cr_assert(cidr_list_match(l, "local"));
	cr_assert_not(cidr_list_match(l, "192.0.2.1"));
	cr_assert_not(cidr_list_match(l, "not an address"));
	cidr_list_free(l);

	cr_assert_not_null(l = cidr_list_parse("192.0.2.0/24", why));
	cr_assert_not(cidr_list_match(l, "local"));
	cr_assert(cidr_list_match(l, "192.0.2.200"));
	cidr_list_free(l);

	cr_assert_not_null(l = cidr_list_parse("", why));
	cr_assert_not(cidr_list_match(l, "127.0.0.1"));
	cr_assert_not(cidr_list_match(l, "local"));
	cidr_list_free(l);

	cr_assert_null(cidr_list_parse("127.0.0.1 mx.example.org", why));
	cr_assert(strstr(buf_str(why), "\"mx.example.org\" is not") != NULL,
	    "%s", buf_str(why));
	cidr_list_free(NULL);
	buf_free(why);
}
