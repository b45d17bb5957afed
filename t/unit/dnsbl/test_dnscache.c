/* test_dnscache.c - unit tests for dnsbl/dnscache.c (the clock is ours) */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dnsbl_private.h"

static struct dnsans *
ans(enum dnsans_status st, uint32_t ttl, int cacheable)
{
	struct dnsans	*a = dnsans_new(st);

	if (st == DNSANS_OK)
		dnsans_add(a, DNS_T_A, 0, "\x7f\0\0\x02", 4);
	a->ttl = ttl;
	a->cacheable = cacheable;
	return (a);
}

Test(dnscache, hit_until_the_ttl_runs_out)
{
	struct dnscache	*c = dnscache_new(100, 3600, 900);
	struct dnsans	*a = ans(DNSANS_OK, 60, 1), *g;

	dnscache_put(c, "x.test", DNS_T_A, a, 1000);
	g = dnscache_get(c, "x.test", DNS_T_A, 1000 + 59999);
	cr_assert_not_null(g);
	cr_assert_eq(g->nrr, 1);
	cr_assert_eq(g->ttl, 1, "remaining TTL rounds up");
	dnsans_free(g);
	cr_assert_null(dnscache_get(c, "x.test", DNS_T_A, 1000 + 60000));
	cr_assert_eq(dnscache_count(c), 0, "expired entry removed");
	cr_assert_null(dnscache_get(c, "x.test", DNS_T_AAAA, 1000));
	dnsans_free(a);
	dnscache_free(c);
}

Test(dnscache, type_is_part_of_the_key)
{
	struct dnscache	*c = dnscache_new(100, 3600, 900);
	struct dnsans	*a = ans(DNSANS_OK, 60, 1), *g;

	dnscache_put(c, "x.test", DNS_T_A, a, 0);
	cr_assert_null(dnscache_get(c, "x.test", DNS_T_TXT, 0));
	cr_assert_null(dnscache_get(c, "y.test", DNS_T_A, 0));
	cr_assert_not_null(g = dnscache_get(c, "x.test", DNS_T_A, 0));
	dnsans_free(g);
	dnsans_free(a);
	dnscache_free(c);
}

Test(dnscache, negative_answers_are_cached_for_their_soa_ttl)
{
	struct dnscache	*c = dnscache_new(100, 3600, 900);
	struct dnsans	*nx = ans(DNSANS_NXDOMAIN, 300, 1);
	struct dnsans	*nd = ans(DNSANS_NODATA, 5000, 1), *g;

	dnscache_put(c, "nx.test", DNS_T_A, nx, 0);
	dnscache_put(c, "nd.test", DNS_T_TXT, nd, 0);
	g = dnscache_get(c, "nx.test", DNS_T_A, 299000);
	cr_assert_not_null(g);
	cr_assert_eq(g->status, DNSANS_NXDOMAIN);
	dnsans_free(g);
	cr_assert_null(dnscache_get(c, "nx.test", DNS_T_A, 300000));
	/* Capped at the negative maximum (900 s), not the SOA's 5000 s. */
	cr_assert_not_null(g = dnscache_get(c, "nd.test", DNS_T_TXT, 899000));
	cr_assert_eq(g->status, DNSANS_NODATA);
	dnsans_free(g);
	cr_assert_null(dnscache_get(c, "nd.test", DNS_T_TXT, 900000));
	dnsans_free(nx);
	dnsans_free(nd);
	dnscache_free(c);
}

Test(dnscache, positive_ttl_is_capped)
{
	struct dnscache	*c = dnscache_new(100, 10, 5);
	struct dnsans	*a = ans(DNSANS_OK, 86400, 1), *g;

	dnscache_put(c, "x.test", DNS_T_A, a, 0);
	cr_assert_not_null(g = dnscache_get(c, "x.test", DNS_T_A, 9999));
	dnsans_free(g);
	cr_assert_null(dnscache_get(c, "x.test", DNS_T_A, 10000));
	dnsans_free(a);
	dnscache_free(c);
}

Test(dnscache, failures_and_uncacheable_answers_are_not_kept)
{
	struct dnscache	*c = dnscache_new(100, 3600, 900);
	struct dnsans	*sf = ans(DNSANS_SERVFAIL, 60, 1);
	struct dnsans	*to = ans(DNSANS_TIMEOUT, 60, 1);
	struct dnsans	*nc = ans(DNSANS_NXDOMAIN, 0, 0);
	struct dnsans	*z = ans(DNSANS_OK, 0, 1);

	dnscache_put(c, "a.test", DNS_T_A, sf, 0);
	dnscache_put(c, "b.test", DNS_T_A, to, 0);
	dnscache_put(c, "c.test", DNS_T_A, nc, 0);
	dnscache_put(c, "d.test", DNS_T_A, z, 0);
	cr_assert_eq(dnscache_count(c), 0);
	dnsans_free(sf);
	dnsans_free(to);
	dnsans_free(nc);
	dnsans_free(z);
	dnscache_free(c);
}

Test(dnscache, least_recently_used_goes_first)
{
	struct dnscache	*c = dnscache_new(3, 3600, 900);
	struct dnsans	*a = ans(DNSANS_OK, 60, 1), *g;
	struct dnscache_stats st;

	dnscache_put(c, "1.test", DNS_T_A, a, 0);
	dnscache_put(c, "2.test", DNS_T_A, a, 0);
	dnscache_put(c, "3.test", DNS_T_A, a, 0);
	g = dnscache_get(c, "1.test", DNS_T_A, 1);	/* 1 is now newest */
	dnsans_free(g);
	dnscache_put(c, "4.test", DNS_T_A, a, 1);	/* evicts 2 */
	cr_assert_eq(dnscache_count(c), 3);
	cr_assert_null(dnscache_get(c, "2.test", DNS_T_A, 2));
	cr_assert_not_null(g = dnscache_get(c, "1.test", DNS_T_A, 2));
	dnsans_free(g);
	cr_assert_not_null(g = dnscache_get(c, "3.test", DNS_T_A, 2));
	dnsans_free(g);
	cr_assert_not_null(g = dnscache_get(c, "4.test", DNS_T_A, 2));
	dnsans_free(g);
	dnscache_get_stats(c, &st);
	cr_assert_eq(st.evictions, 1);
	cr_assert_eq(st.inserts, 4);
	cr_assert_eq(st.hits, 4);
	cr_assert_eq(st.misses, 1);
	dnsans_free(a);
	dnscache_free(c);
}

Test(dnscache, replacing_and_flushing)
{
	struct dnscache	*c = dnscache_new(10, 3600, 900);
	struct dnsans	*a = ans(DNSANS_OK, 60, 1);
	struct dnsans	*n = ans(DNSANS_NXDOMAIN, 60, 1), *g;

	dnscache_put(c, "x.test", DNS_T_A, a, 0);
	dnscache_put(c, "x.test", DNS_T_A, n, 0);
	cr_assert_eq(dnscache_count(c), 1);
	g = dnscache_get(c, "x.test", DNS_T_A, 0);
	cr_assert_eq(g->status, DNSANS_NXDOMAIN);
	dnsans_free(g);
	dnscache_flush(c);
	cr_assert_eq(dnscache_count(c), 0);
	dnsans_free(a);
	dnsans_free(n);
	dnscache_free(c);
}

Test(dnscache, size_zero_caches_nothing)
{
	struct dnscache	*c = dnscache_new(0, 3600, 900);
	struct dnsans	*a = ans(DNSANS_OK, 60, 1);

	dnscache_put(c, "x.test", DNS_T_A, a, 0);
	cr_assert_null(dnscache_get(c, "x.test", DNS_T_A, 0));
	dnsans_free(a);
	dnscache_free(c);
	dnscache_free(NULL);
	cr_assert_null(dnscache_get(NULL, "x", DNS_T_A, 0));
}

Test(dnscache, many_entries_stay_bounded)
{
	struct dnscache	*c = dnscache_new(500, 3600, 900);
	struct dnsans	*a = ans(DNSANS_OK, 60, 1), *g;
	char		 name[32];
	int		 i, found = 0;

	for (i = 0; i < 5000; i++) {
		(void)snprintf(name, sizeof(name), "%d.test", i);
		dnscache_put(c, name, DNS_T_A, a, (uint64_t)i);
	}
	cr_assert_eq(dnscache_count(c), 500);
	for (i = 0; i < 5000; i++) {
		(void)snprintf(name, sizeof(name), "%d.test", i);
		if ((g = dnscache_get(c, name, DNS_T_A, 5000)) != NULL) {
			found++;
			cr_assert_geq(i, 4500, "old entry %d survived", i);
			dnsans_free(g);
		}
	}
	cr_assert_eq(found, 500);
	dnsans_free(a);
	dnscache_free(c);
}
