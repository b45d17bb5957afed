/* test_udsd_acl.c - unit tests for udsd/udsd_acl.c */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "udsd.h"

/* sa - a socket address from text */

static const struct sockaddr *
sa(const char *ip)
{
	static struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else {
		cr_assert_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
	}
	return ((const struct sockaddr *)&ss);
}

Test(udsd_acl, networks)
{
	struct buf	*why = buf_new(64);
	struct udsd_acl	*a = udsd_acl_parse("127.0.0.0/8 10.1.2.0/23 "
	    "2001:db8::/33 ::1 192.0.2.7", why);

	cr_assert_not_null(a, "%s", buf_str(why));
	cr_assert(udsd_acl_match(a, sa("127.9.9.9")));
	cr_assert(udsd_acl_match(a, sa("10.1.3.255")));
	cr_assert_not(udsd_acl_match(a, sa("10.1.4.0")));
	cr_assert(udsd_acl_match(a, sa("2001:db8:7fff::1")));
	cr_assert_not(udsd_acl_match(a, sa("2001:db8:8000::1")));
	cr_assert(udsd_acl_match(a, sa("::1")));
	cr_assert_not(udsd_acl_match(a, sa("::2")));
	cr_assert(udsd_acl_match(a, sa("192.0.2.7")));
	cr_assert_not(udsd_acl_match(a, sa("192.0.2.8")));
	/* a v4 client on a dual-stack socket */
	cr_assert(udsd_acl_match(a, sa("::ffff:127.0.0.1")));
	cr_assert_not(udsd_acl_match(a, sa("::ffff:8.8.8.8")));
	udsd_acl_free(a);
	a = udsd_acl_parse("", why);
	cr_assert_not(udsd_acl_match(a, sa("127.0.0.1")), "empty: nobody");
	udsd_acl_free(a);
	buf_free(why);
}

Test(udsd_acl, bad_lists)
{
	struct buf	*why = buf_new(64);

	cr_assert_lt(udsd_acl_check("10.0.0.0/33", why), 0);
	cr_assert_lt(udsd_acl_check("::1/129", why), 0);
	cr_assert_lt(udsd_acl_check("example.com", why), 0);
	cr_assert_lt(udsd_acl_check("10.0.0.0/", why), 0);
	cr_assert_lt(udsd_acl_check("10.0.0.0/8x", why), 0);
	cr_assert_eq(udsd_acl_check("0.0.0.0/0 ::/0", why), 0);
	buf_free(why);
}
