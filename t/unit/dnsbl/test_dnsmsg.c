/* test_dnsmsg.c - unit tests for dnsbl/dnsmsg.c (packets made with ldns) */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <ldns/ldns.h>

#include "dnsbl_private.h"

/* pkt - a response to (qname, qtype) with id, rcode and records */

static unsigned char *
pkt(uint16_t id, const char *qname, ldns_rr_type qtype, int rcode,
    const char *const *ans, const char *const *auth, int tc, size_t *len)
{
	ldns_pkt	*p;
	ldns_rr		*rr;
	uint8_t		*wire;
	size_t		 i;

	p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	ldns_pkt_set_tc(p, tc);
	for (i = 0; ans != NULL && ans[i] != NULL; i++) {
		cr_assert_eq(ldns_rr_new_frm_str(&rr, ans[i], 0, NULL, NULL),
		    LDNS_STATUS_OK, "rr %s", ans[i]);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	for (i = 0; auth != NULL && auth[i] != NULL; i++) {
		cr_assert_eq(ldns_rr_new_frm_str(&rr, auth[i], 0, NULL, NULL),
		    LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
	}
	cr_assert_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return (wire);
}

Test(dnsmsg, query_is_a_recursive_question)
{
	unsigned char	*w;
	size_t		 len;
	ldns_pkt	*p;

	cr_assert_eq(dnsmsg_query("1.2.0.192.bl1.test", DNS_T_A, 0x1234, 1232,
	    &w, &len), 0);
	cr_assert_eq(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
	cr_assert_eq(ldns_pkt_id(p), 0x1234);
	cr_assert(ldns_pkt_rd(p));
	cr_assert_not(ldns_pkt_qr(p));
	cr_assert_eq(ldns_pkt_qdcount(p), 1);
	cr_assert_eq(ldns_pkt_edns_udp_size(p), 1232);
	cr_assert_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p),
	    0)), LDNS_RR_TYPE_A);
	ldns_pkt_free(p);
	free(w);
	cr_assert_eq(dnsmsg_query("a..b", DNS_T_A, 1, 0, &w, &len), -1);
}

Test(dnsmsg, names_are_normalised)
{
	char	 out[DNS_NAME_MAX + 1];
	char	 longlabel[80];

	cr_assert_eq(dnsmsg_name("Mail.Example.COM.", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "mail.example.com");
	cr_assert_eq(dnsmsg_name("", out, sizeof(out)), -1);
	cr_assert_eq(dnsmsg_name(".", out, sizeof(out)), -1);
	cr_assert_eq(dnsmsg_name("a..b", out, sizeof(out)), -1);
	cr_assert_eq(dnsmsg_name(".a.b", out, sizeof(out)), -1);
	cr_assert_eq(dnsmsg_name("a b.c", out, sizeof(out)), -1);
	cr_assert_eq(dnsmsg_name("a\\.b", out, sizeof(out)), -1);
	memset(longlabel, 'x', 64);
	longlabel[64] = '\0';
	cr_assert_eq(dnsmsg_name(longlabel, out, sizeof(out)), -1);
	longlabel[63] = '\0';
	cr_assert_eq(dnsmsg_name(longlabel, out, sizeof(out)), 0);
}

Test(dnsmsg, answer_with_records)
{
	const char *ans[] = { "1.2.0.192.bl1.test. 300 IN A 127.0.0.2",
	    "1.2.0.192.bl1.test. 200 IN A 127.0.0.4", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(7, "1.2.0.192.bl1.test.", LDNS_RR_TYPE_A, 0, ans, NULL, 0,
	    &len);
	cr_assert_eq(dnsmsg_parse(w, len, 7, "1.2.0.192.bl1.test", DNS_T_A,
	    &a), DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_eq(a->nrr, 2);
	cr_assert_eq(a->rr[0].len, 4);
	cr_assert_eq(memcmp(a->rr[1].data, "\x7f\x00\x00\x04", 4), 0);
	cr_assert_eq(a->ttl, 200);
	cr_assert(a->cacheable);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, question_is_compared_without_case)
{
	const char *ans[] = { "MiXeD.Test. 60 IN A 127.0.0.2", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(9, "MiXeD.Test.", LDNS_RR_TYPE_A, 0, ans, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 9, "mixed.test", DNS_T_A, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->nrr, 1);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, mismatches_are_ignored)
{
	const char *ans[] = { "x.test. 60 IN A 127.0.0.2", NULL };
	struct dnsans	*a;
	unsigned char	*w, q[64];
	size_t		 len, qlen;

	w = pkt(9, "x.test.", LDNS_RR_TYPE_A, 0, ans, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 10, "x.test", DNS_T_A, &a),
	    DNSMSG_IGNORE, "wrong id");
	cr_assert_eq(dnsmsg_parse(w, len, 9, "y.test", DNS_T_A, &a),
	    DNSMSG_IGNORE, "wrong name");
	cr_assert_eq(dnsmsg_parse(w, len, 9, "x.test", DNS_T_TXT, &a),
	    DNSMSG_IGNORE, "wrong type");
	cr_assert_eq(dnsmsg_parse(w, 11, 9, "x.test", DNS_T_A, &a),
	    DNSMSG_IGNORE, "too short");
	cr_assert_eq(dnsmsg_parse(w, len - 3, 9, "x.test", DNS_T_A, &a),
	    DNSMSG_IGNORE, "cut short");
	cr_assert_null(a);
	free(w);
	/* A query (QR clear) is not an answer. */
	{
		unsigned char *qw;

		cr_assert_eq(dnsmsg_query("x.test", DNS_T_A, 9, 0, &qw, &qlen),
		    0);
		memcpy(q, qw, qlen);
		free(qw);
		cr_assert_eq(dnsmsg_parse(q, qlen, 9, "x.test", DNS_T_A, &a),
		    DNSMSG_IGNORE);
	}
}

Test(dnsmsg, nxdomain_takes_the_soa_minimum)
{
	const char *auth[] = { "bl1.test. 3600 IN SOA ns.bl1.test. h.bl1.test. "
	    "1 3600 600 86400 300", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(1, "5.2.0.192.bl1.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
	    NULL, auth, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 1, "5.2.0.192.bl1.test", DNS_T_A,
	    &a), DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_NXDOMAIN);
	cr_assert_eq(a->ttl, 300);
	cr_assert(a->cacheable);
	dnsans_free(a);
	free(w);
	/* Without an SOA a negative answer is not cacheable. */
	w = pkt(1, "n.test.", LDNS_RR_TYPE_A, 0, NULL, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 1, "n.test", DNS_T_A, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_NODATA);
	cr_assert_not(a->cacheable);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, soa_ttl_caps_negative_ttl)
{
	const char *auth[] = { "t. 60 IN SOA ns.t. h.t. 1 3600 600 86400 900",
	    NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(1, "n.t.", LDNS_RR_TYPE_TXT, 0, NULL, auth, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 1, "n.t", DNS_T_TXT, &a), DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_NODATA);
	cr_assert_eq(a->ttl, 60);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, S3_servfail_and_refused)
{
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(3, "x.test.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, NULL, NULL,
	    0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 3, "x.test", DNS_T_A, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_SERVFAIL);
	cr_assert_eq(a->rcode, LDNS_RCODE_SERVFAIL);
	cr_assert_not(a->cacheable);
	dnsans_free(a);
	free(w);
	w = pkt(3, "x.test.", LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED, NULL, NULL,
	    0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 3, "x.test", DNS_T_A, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_SERVFAIL);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, S3_truncated_asks_for_tcp)
{
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(4, "big.test.", LDNS_RR_TYPE_A, 0, NULL, NULL, 1, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 4, "big.test", DNS_T_A, &a),
	    DNSMSG_TRUNC);
	cr_assert_null(a);
	free(w);
}

Test(dnsmsg, S3_follows_cname_chains)
{
	const char *ans[] = { "alias.test. 100 IN CNAME mid.test.",
	    "mid.test. 50 IN CNAME real.test.",
	    "real.test. 300 IN A 192.0.2.3",
	    "other.test. 300 IN A 192.0.2.4", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(5, "alias.test.", LDNS_RR_TYPE_A, 0, ans, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 5, "alias.test", DNS_T_A, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_eq(a->nrr, 1);
	cr_assert_eq(memcmp(a->rr[0].data, "\xc0\x00\x02\x03", 4), 0);
	cr_assert_eq(a->ttl, 50, "the smallest TTL of the chain");
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, records_of_other_owners_are_not_taken)
{
	const char *ans[] = { "evil.test. 100 IN A 127.0.0.2", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(6, "x.test.", LDNS_RR_TYPE_A, 0, ans, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 6, "x.test", DNS_T_A, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->status, DNSANS_NODATA);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, txt_strings_are_joined)
{
	const char *ans[] = { "s.test. 60 IN TXT \"v=spf1 ip4:192.0.2.0/24\" "
	    "\" -all\"", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(8, "s.test.", LDNS_RR_TYPE_TXT, 0, ans, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 8, "s.test", DNS_T_TXT, &a),
	    DNSMSG_OK);
	cr_assert_eq(a->nrr, 1);
	cr_assert_str_eq((char *)a->rr[0].data, "v=spf1 ip4:192.0.2.0/24 -all");
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, names_in_ptr_and_mx)
{
	const char *ptr[] = {
	    "3.2.0.192.in-addr.arpa. 60 IN PTR Mail.Good.Test.", NULL };
	const char *mx[] = { "m.test. 60 IN MX 10 MX1.m.test.", NULL };
	struct dnsans	*a;
	unsigned char	*w;
	size_t		 len;

	w = pkt(2, "3.2.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, ptr, NULL,
	    0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 2, "3.2.0.192.in-addr.arpa",
	    DNS_T_PTR, &a), DNSMSG_OK);
	cr_assert_str_eq((char *)a->rr[0].data, "mail.good.test");
	dnsans_free(a);
	free(w);
	w = pkt(2, "m.test.", LDNS_RR_TYPE_MX, 0, mx, NULL, 0, &len);
	cr_assert_eq(dnsmsg_parse(w, len, 2, "m.test", DNS_T_MX, &a),
	    DNSMSG_OK);
	cr_assert_str_eq((char *)a->rr[0].data, "mx1.m.test");
	cr_assert_eq(a->rr[0].pref, 10);
	dnsans_free(a);
	free(w);
}

Test(dnsmsg, answers_copy_and_free)
{
	struct dnsans	*a, *b;

	a = dnsans_new(DNSANS_OK);
	dnsans_add(a, DNS_T_A, 0, "\x7f\0\0\x02", 4);
	dnsans_add(a, DNS_T_A, 0, "\x7f\0\0\x03", 4);
	dnsans_add(a, DNS_T_A, 0, "\x7f\0\0\x04", 4);
	a->ttl = 42;
	b = dnsans_dup(a);
	dnsans_free(a);
	cr_assert_eq(b->nrr, 3);
	cr_assert_eq(b->ttl, 42);
	cr_assert_eq(b->rr[2].data[3], 4);
	dnsans_free(b);
	dnsans_free(NULL);
	cr_assert_str_eq(dnsans_status_str(DNSANS_TIMEOUT), "timeout");
}
