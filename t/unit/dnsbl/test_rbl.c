/* test_rbl.c - unit tests for dnsbl/rbl.c: codes, ratings, Received: */

#include <sys/socket.h>

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "dnsbl_private.h"

static struct dnsans *
a_of(const char *const *codes)
{
	struct dnsans	*a = dnsans_new(DNSANS_OK);
	struct ipaddr	 ip;
	size_t		 i;

	for (i = 0; codes[i] != NULL; i++) {
		cr_assert_eq(ipaddr_parse(codes[i], strlen(codes[i]), &ip), 0);
		dnsans_add(a, DNS_T_A, 0, ip.a, 4);
	}
	return (a);
}

static struct dnsbl_zone
zone(const char *value)
{
	struct dnsbl_zone z;
	struct buf	*why = buf_new(32);

	cr_assert_eq(dnsbl_zone_parse(value, &z, why), 0, "%s", buf_str(why));
	buf_free(why);
	return (z);
}

Test(rbl, any_127_code_lists)
{
	struct dnsbl_zone z = zone("60");

	cr_assert(rbl_code_match(&z, 0x7f000002));
	cr_assert(rbl_code_match(&z, 0x7f00000b));
	cr_assert(rbl_code_match(&z, 0x7f010203));
	cr_assert_not(rbl_code_match(&z, 0x7fffff02), "refusal codes");
	cr_assert_not(rbl_code_match(&z, 0xc0000263), "outside 127/8");
	free(z.codes);
}

Test(rbl, code_filters)
{
	struct dnsbl_zone z = zone("100 127.0.0.2 127.0.0.3 &8");

	cr_assert_eq(z.rating, 100);
	cr_assert_eq(z.ncodes, 3);
	cr_assert(rbl_code_match(&z, 0x7f000002));
	cr_assert(rbl_code_match(&z, 0x7f000003));
	cr_assert_not(rbl_code_match(&z, 0x7f000004));
	cr_assert(rbl_code_match(&z, 0x7f000008));
	cr_assert(rbl_code_match(&z, 0x7f00001a), "bit 8 of 0x1a");
	cr_assert_not(rbl_code_match(&z, 0x7f000011));
	free(z.codes);
}

Test(rbl, bad_zone_values)
{
	struct dnsbl_zone z;
	struct buf	*why = buf_new(32);
	const char	*bad[] = { "", "x", "-5", "1001", "60 10.0.0.2",
	    "60 127.0.0", "60 &0", "60 &256", "60 &x", NULL };
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(dnsbl_zone_parse(bad[i], &z, why), -1,
		    "accepted \"%s\"", bad[i]);
		cr_assert_gt(buf_len(why), 0);
	}
	buf_free(why);
}

Test(rbl, S4_classify_answers)
{
	struct dnsbl_zone z = zone("60"), zf = zone("60 127.0.0.4");
	const char	*listed[] = { "127.0.0.2", NULL };
	const char	*refused[] = { "127.255.255.254", NULL };
	const char	*bogus[] = { "192.0.2.99", NULL };
	const char	*mixed[] = { "127.255.255.252", "127.0.0.4", NULL };
	const char	*pbl[] = { "127.0.0.11", NULL };
	struct dnsans	*a;
	uint32_t	 code;

	a = a_of(listed);
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_LISTED);
	cr_assert_eq(code, 0x7f000002);
	dnsans_free(a);
	a = a_of(refused);
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_REFUSED);
	cr_assert_eq(code, 0x7ffffffe);
	dnsans_free(a);
	a = a_of(bogus);
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_BOGUS);
	dnsans_free(a);
	a = a_of(mixed);
	cr_assert_eq(rbl_classify(&zf, a, &code), RBL_LISTED);
	cr_assert_eq(code, 0x7f000004);
	dnsans_free(a);
	a = a_of(pbl);
	cr_assert_eq(rbl_classify(&zf, a, &code), RBL_CLEAN,
	    "a code the zone line does not count");
	dnsans_free(a);
	a = dnsans_new(DNSANS_NXDOMAIN);
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_CLEAN);
	a->status = DNSANS_NODATA;
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_CLEAN);
	a->status = DNSANS_TIMEOUT;
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_UNKNOWN);
	a->status = DNSANS_SERVFAIL;
	cr_assert_eq(rbl_classify(&z, a, &code), RBL_UNKNOWN);
	dnsans_free(a);
	free(z.codes);
	free(zf.codes);
}

Test(rbl, ratings_add_up_per_zone)
{
	struct dnsbl_zone z[4];
	int		 listed[4] = { 1, 0, 1, 1 };

	memset(z, 0, sizeof(z));
	z[0].rating = 60;
	z[1].rating = 50;
	z[2].rating = 30;
	z[3].rating = 10;
	cr_assert_eq(rbl_rating(z, listed, 4), 100);
	listed[0] = 0;
	cr_assert_eq(rbl_rating(z, listed, 4), 40);
	cr_assert_eq(rbl_rating(z, listed, 0), 0);
}

static int
rip(const char *value, char *out, size_t size)
{
	struct ipaddr	 ip;

	if (rbl_received_ip(value, strlen(value), &ip) < 0)
		return (-1);
	ipaddr_str(&ip, out, size);
	return (0);
}

Test(rbl, received_formats)
{
	char	 out[64];

	/* Postfix */
	cr_assert_eq(rip(" from mail.example.org (mail.example.org "
	    "[192.0.2.10]) by mx.example.com (Postfix) with ESMTPS id 4F; "
	    "Mon, 1 Jan 2024 00:00:00 +0000", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "192.0.2.10");
	/* Postfix, unknown rDNS, IPv6 */
	cr_assert_eq(rip("from helo.example (unknown [IPv6:2001:db8::7]) by mx",
	    out, sizeof(out)), 0);
	cr_assert_str_eq(out, "2001:db8::7");
	/* Exim */
	cr_assert_eq(rip("from [198.51.100.7] (helo=spammer) by mx.example "
	    "with esmtp (Exim 4.96)", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "198.51.100.7");
	cr_assert_eq(rip("from host.example ([203.0.113.5]:34567 helo=x) by y",
	    out, sizeof(out)), 0);
	cr_assert_str_eq(out, "203.0.113.5");
	/* Microsoft-style: bare address in a comment */
	cr_assert_eq(rip("from EXCH01.corp.example (198.51.100.20) by "
	    "EXCH02.corp.example (198.51.100.21) with Microsoft SMTP Server",
	    out, sizeof(out)), 0);
	cr_assert_str_eq(out, "198.51.100.20");
	/* The HELO may look like an address; the bracket literal wins. */
	cr_assert_eq(rip("from 192.0.2.200 (real.example [192.0.2.201]) by mx",
	    out, sizeof(out)), 0);
	cr_assert_str_eq(out, "192.0.2.201");
	/* "by" inside a comment does not end the from clause */
	cr_assert_eq(rip("from a.example (authenticated by x) ([192.0.2.9]) by "
	    "mx", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "192.0.2.9");
	/* No from clause, or no address in it */
	cr_assert_eq(rip("by mx.example with LMTP id x; date", out,
	    sizeof(out)), -1);
	cr_assert_eq(rip("from localhost by mx (Postfix, from userid 0)", out,
	    sizeof(out)), -1);
	cr_assert_eq(rip("from x.example by [192.0.2.1]", out, sizeof(out)),
	    -1, "the by clause's address is not the sender's");
}

Test(rbl, received_hops_in_order_unfolded_and_filtered)
{
	const char	*hdr =
	    "Return-Path: <a@example.org>\r\n"
	    "Received: from mx1.example (mx1.example [10.0.0.5])\r\n"
	    "\tby mx.example (Postfix) with ESMTP id A1;\r\n"
	    "\tMon, 1 Jan 2024 00:00:03 +0000\r\n"
	    "X-Other: from [192.0.2.77]\r\n"
	    "Received: from relay.example\r\n"
	    " (relay.example [192.0.2.10])\r\n"
	    "\tby mx1.example with ESMTP id B2\r\n"
	    "received : from a (b [192.0.2.10]) by c\r\n"
	    "Received: from origin (origin [198.51.100.7]) by relay\r\n"
	    "Received: from deep (deep [203.0.113.1]) by origin\r\n"
	    "Subject: hi\r\n\r\n";
	struct ipaddr	 ips[8];
	char		 out[64];
	size_t		 n;

	n = rbl_received_ips(hdr, strlen(hdr), 3, ips, 0, 8);
	cr_assert_eq(n, 1, "private hop skipped, duplicate folded");
	ipaddr_str(&ips[0], out, sizeof(out));
	cr_assert_str_eq(out, "192.0.2.10");
	n = rbl_received_ips(hdr, strlen(hdr), 4, ips, 0, 8);
	cr_assert_eq(n, 2);
	ipaddr_str(&ips[1], out, sizeof(out));
	cr_assert_str_eq(out, "198.51.100.7");
	n = rbl_received_ips(hdr, strlen(hdr), 0, ips, 0, 8);
	cr_assert_eq(n, 0, "received_hops = 0 looks at none");
	n = rbl_received_ips(hdr, strlen(hdr), 20, ips, 0, 2);
	cr_assert_eq(n, 2, "bounded by the array");
	/* An IP already present (the client) is not added again. */
	cr_assert_eq(ipaddr_parse("192.0.2.10", 10, &ips[0]), 0);
	n = rbl_received_ips(hdr, strlen(hdr), 3, ips, 1, 8);
	cr_assert_eq(n, 1);
}
