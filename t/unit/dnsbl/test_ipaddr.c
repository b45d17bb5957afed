/* test_ipaddr.c - unit tests for dnsbl/ipaddr.c */

#include <sys/socket.h>

#include <string.h>

#include <criterion/criterion.h>

#include "dnsbl_private.h"

static struct ipaddr
ip(const char *s)
{
	struct ipaddr	 a;

	cr_assert_eq(ipaddr_parse(s, strlen(s), &a), 0, "parse %s", s);
	return (a);
}

Test(ipaddr, parses_plain_and_decorated)
{
	struct ipaddr	 a;
	char		 out[64];

	a = ip("192.0.2.1");
	cr_assert_eq(a.family, AF_INET);
	ipaddr_str(&a, out, sizeof(out));
	cr_assert_str_eq(out, "192.0.2.1");
	a = ip("[198.51.100.7]");
	ipaddr_str(&a, out, sizeof(out));
	cr_assert_str_eq(out, "198.51.100.7");
	a = ip("IPv6:2001:db8::1");
	cr_assert_eq(a.family, AF_INET6);
	ipaddr_str(&a, out, sizeof(out));
	cr_assert_str_eq(out, "2001:db8::1");
	a = ip("[IPv6:2001:DB8::1]");
	cr_assert_eq(a.family, AF_INET6);
	a = ip(" 192.0.2.9 ");
	ipaddr_str(&a, out, sizeof(out));
	cr_assert_str_eq(out, "192.0.2.9");
}

Test(ipaddr, mapped_ipv6_becomes_ipv4)
{
	struct ipaddr	 a = ip("::ffff:192.0.2.5");
	char		 out[64];

	cr_assert_eq(a.family, AF_INET);
	ipaddr_str(&a, out, sizeof(out));
	cr_assert_str_eq(out, "192.0.2.5");
}

Test(ipaddr, rejects_junk)
{
	struct ipaddr	 a;
	const char	*bad[] = { "", "[]", "1.2.3", "1.2.3.256",
	    "example.com", "1.2.3.4.5", "2001:db8::g", "[1.2.3.4", "IPv6:",
	    "0x7f.1.1.1", NULL };
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		cr_assert_eq(ipaddr_parse(bad[i], strlen(bad[i]), &a), -1,
		    "accepted %s", bad[i]);
}

Test(ipaddr, private_and_special_ranges_are_not_public)
{
	const char	*priv[] = { "10.1.2.3", "172.16.0.1",
	    "172.31.255.255", "192.168.1.1", "127.0.0.1", "127.0.0.2",
	    "0.0.0.0", "169.254.1.1", "100.64.0.1", "100.127.255.254",
	    "224.0.0.1", "255.255.255.255",
	    "240.0.0.1", "192.0.0.8", "::1", "::", "fe80::1", "fc00::1",
	    "fd12:3456::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
	    "fec0::1", "100::1", NULL };
	const char	*pub[] = { "192.0.2.1", "198.51.100.7", "203.0.113.9",
	    "8.8.8.8", "172.15.255.255", "172.32.0.0", "100.63.255.255",
	    "100.128.0.0", "11.0.0.1", "2001:db8::1", "2a00:1450::1",
	    "::ffff:192.0.2.1", NULL };
	struct ipaddr	 a;
	size_t		 i;

	for (i = 0; priv[i] != NULL; i++) {
		a = ip(priv[i]);
		cr_assert_not(ipaddr_is_public(&a), "%s is public", priv[i]);
	}
	for (i = 0; pub[i] != NULL; i++) {
		a = ip(pub[i]);
		cr_assert(ipaddr_is_public(&a), "%s is not public", pub[i]);
	}
}

Test(ipaddr, reverses_ipv4)
{
	struct ipaddr	 a = ip("192.0.2.1");
	char		 out[80];

	ipaddr_reverse(&a, out, sizeof(out));
	cr_assert_str_eq(out, "1.2.0.192");
	a = ip("10.200.3.44");
	ipaddr_reverse(&a, out, sizeof(out));
	cr_assert_str_eq(out, "44.3.200.10");
}

Test(ipaddr, reverses_ipv6_in_nibbles)
{
	struct ipaddr	 a = ip("2001:db8::1");
	char		 out[80];

	ipaddr_reverse(&a, out, sizeof(out));
	cr_assert_str_eq(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
	a = ip("2a00:1450:4001:82b::200e");
	ipaddr_reverse(&a, out, sizeof(out));
	cr_assert_str_eq(out, "e.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0."
	    "b.2.8.0.1.0.0.4.0.5.4.1.0.0.a.2");
	cr_assert_eq(strlen(out), 63);
}

Test(ipaddr, equality)
{
	struct ipaddr	 a = ip("192.0.2.1"), b = ip("::ffff:192.0.2.1"),
			 c = ip("192.0.2.2"), d = ip("2001:db8::1");

	cr_assert(ipaddr_equal(&a, &b));
	cr_assert_not(ipaddr_equal(&a, &c));
	cr_assert_not(ipaddr_equal(&a, &d));
}
