/* test_resolver.c - dnsbl/resolver.c against real and misbehaving servers */

#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dnsbl_private.h"
#include "dnstest.h"
#include "timeutil.h"

#define P_UNBOUND	15310
#define P_SILENT	15311
#define P_GARBAGE	15312
#define P_SPOOF		15313
#define P_REFUSED	15314
#define P_TRUNCATE	15315
#define P_NXDOMAIN	15316
#define P_NOEDNS	15317

DT_SERVERS(
	{ "unbound", P_UNBOUND, 0, "" },
	{ "silent", P_SILENT, 0, "" },
	{ "garbage", P_GARBAGE, 0, "" },
	{ "spoof", P_SPOOF, 0, "" },
	{ "refused", P_REFUSED, 0, "" },
	{ "truncate", P_TRUNCATE, 0, "" },
	{ "nxdomain", P_NXDOMAIN, 0, "" },
	{ "noedns", P_NOEDNS, 0, "" })

static struct resolver_conf
conf(const char *servers, unsigned int qtimeout, unsigned int retries)
{
	struct resolver_conf c;
	struct buf	*why = buf_new(64);

	memset(&c, 0, sizeof(c));
	cr_assert_eq(resolver_parse_servers(servers, &c, why), 0, "%s",
	    buf_str(why));
	c.query_timeout_ms = qtimeout;
	c.retries = retries;
	c.max_queries = 300;
	c.edns_size = 1232;
	buf_free(why);
	return (c);
}

static struct resolver *
res_new(const char *servers, unsigned int qtimeout, unsigned int retries,
    struct dnscache *cache, unsigned int deadline)
{
	struct resolver_conf c = conf(servers, qtimeout, retries);
	struct resolver	*r;

	r = resolver_new(&c, cache, time_now_ms() + deadline, NULL);
	cr_assert_not_null(r);
	return (r);
}

Test(resolver, answers_from_unbound)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15310", 1000, 2, NULL, 5000);
	const struct dnsans *a;
	int		 h1, h2, h3;

	h1 = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	h2 = resolver_submit(r, "5.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	h3 = resolver_submit(r, "pass.spf.test", DNS_T_TXT, NULL, NULL);
	resolver_run(r);
	a = resolver_answer(r, h1);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_eq(memcmp(a->rr[0].data, "\x7f\0\0\x02", 4), 0);
	a = resolver_answer(r, h2);
	cr_assert_eq(a->status, DNSANS_NXDOMAIN);
	cr_assert_eq(a->ttl, 300);
	a = resolver_answer(r, h3);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_str_eq((char *)a->rr[0].data,
	    "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
	resolver_free(r);
}

static int	 cb_count;

static void
count_cb(const struct dnsans *a, void *arg)
{
	(void)a;
	(void)arg;
	cb_count++;
}

Test(resolver, many_queries_at_once_share_one_round_trip)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15310", 1000, 2, NULL, 5000);
	struct resolver_stats st;
	char		 name[64];
	uint64_t	 t0 = time_now_ms();
	int		 i;

	for (i = 0; i < 200; i++) {
		(void)snprintf(name, sizeof(name), "%d.2.0.192.bl%d.test",
		    i % 50, 1 + i / 50 % 3);
		(void)resolver_submit(r, name, DNS_T_A, count_cb, NULL);
	}
	resolver_run(r);
	resolver_get_stats(r, &st);
	cr_assert_eq(cb_count, 200);
	cr_assert_eq(st.queries, 200);
	cr_assert_eq(st.shared, 50, "repeated questions asked once");
	cr_assert_eq(st.sent, 150);
	cr_assert_eq(st.answered, 150);
	cr_assert_lt(time_now_ms() - t0, 1000);
	resolver_free(r);
}

Test(resolver, a_large_burst_is_paced_and_nothing_is_lost)
{
	struct resolver_conf c = conf("127.0.0.1:15310", 3000, 0);
	struct resolver	*r;
	struct resolver_stats st;
	char		 name[64];
	uint64_t	 t0 = time_now_ms();
	int		 i;

	/* 600 datagrams at once overflow unbound's socket buffer; paced
	 * 100 at a time none is dropped (a drop would wait 3 s and time
	 * out, no retries). */
	c.max_queries = 1000;
	c.max_inflight = 100;
	r = resolver_new(&c, NULL, time_now_ms() + 2500, NULL);
	for (i = 0; i < 600; i++) {
		(void)snprintf(name, sizeof(name), "%d.burst.bl1.test", i);
		(void)resolver_submit(r, name, DNS_T_A, NULL, NULL);
	}
	resolver_run(r);
	resolver_get_stats(r, &st);
	cr_assert_eq(st.answered, 600, "answered %u, timeouts %u",
	    st.answered, st.timeouts);
	cr_assert_lt(time_now_ms() - t0, 1500);
	resolver_free(r);
}

Test(resolver, the_cache_answers_the_second_time)
{
	struct dnscache	*c = dnscache_new(100, 3600, 900);
	struct resolver	*r;
	struct resolver_stats st;
	int		 h;

	r = res_new("127.0.0.1:15310", 1000, 2, c, 5000);
	(void)resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	(void)resolver_submit(r, "5.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	resolver_run(r);
	resolver_free(r);
	r = res_new("127.0.0.1:15310", 1000, 2, c, 5000);
	h = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	(void)resolver_submit(r, "5.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	resolver_run(r);
	resolver_get_stats(r, &st);
	cr_assert_eq(st.cached, 2, "positive and negative answers cached");
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(resolver_answer(r, h)->status, DNSANS_OK);
	resolver_free(r);
	dnscache_free(c);
}

Test(resolver, S3_truncated_answers_are_asked_again_over_tcp)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15310", 1000, 2, NULL, 5000);
	struct resolver_stats st;
	const struct dnsans *a;
	int		 h;

	h = resolver_submit(r, "big.good.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	resolver_get_stats(r, &st);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_eq(a->nrr, 100);
	cr_assert_eq(st.tcp, 1);
	resolver_free(r);
}

Test(resolver, S3_tcp_fallback_with_a_server_that_always_truncates)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15315", 1000, 1, NULL, 5000);
	const struct dnsans *a;
	int		 h;

	h = resolver_submit(r, "x.truncate.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_eq(a->nrr, 1);
	resolver_free(r);
}

Test(resolver, servers_without_edns_are_asked_again_plainly)
{
	struct resolver	*r;
	const struct dnsans *a;
	int		 h;

	r = res_new("127.0.0.1:15317", 1000, 0, NULL, 3000);
	h = resolver_submit(r, "x.noedns.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_OK, "%s", dnsans_status_str(a->status));
	resolver_free(r);
}

Test(resolver, S3_a_silent_server_times_out_at_the_deadline)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15311", 200, 5, NULL, 700);
	struct resolver_stats st;
	uint64_t	 t0 = time_now_ms();
	int		 h, i;

	for (i = 0; i < 20; i++)
		h = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_TXT + i,
		    NULL, NULL);
	resolver_run(r);
	cr_assert_eq(resolver_answer(r, h)->status, DNSANS_TIMEOUT);
	cr_assert_geq(time_now_ms() - t0, 690);
	cr_assert_lt(time_now_ms() - t0, 800, "took %llu ms",
	    (unsigned long long)(time_now_ms() - t0));
	resolver_get_stats(r, &st);
	cr_assert_eq(st.timeouts, 20);
	resolver_free(r);
}

Test(resolver, retries_give_up_before_the_deadline)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15311", 100, 2, NULL, 5000);
	uint64_t	 t0 = time_now_ms();
	int		 h;

	h = resolver_submit(r, "x.test", DNS_T_A, NULL, NULL);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_TIMEOUT);
	/* Three attempts of 100 ms each. */
	cr_assert_geq(time_now_ms() - t0, 290);
	cr_assert_lt(time_now_ms() - t0, 450);
	resolver_free(r);
}

Test(resolver, garbage_is_ignored)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15312", 300, 0, NULL, 600);
	struct resolver_stats st;
	int		 h;

	h = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_TIMEOUT);
	resolver_get_stats(r, &st);
	cr_assert_geq(st.ignored, 4, "ignored %u", st.ignored);
	cr_assert_eq(st.answered, 0);
	resolver_free(r);
}

Test(resolver, spoofed_answers_lose_to_the_real_one)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15313", 1000, 0, NULL, 2000);
	struct resolver_stats st;
	const struct dnsans *a;
	int		 h;

	h = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_NXDOMAIN, "got %s",
	    dnsans_status_str(a->status));
	resolver_get_stats(r, &st);
	cr_assert_geq(st.ignored, 4);
	resolver_free(r);
}

Test(resolver, refused_is_a_failure)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15314", 1000, 2, NULL, 2000);
	const struct dnsans *a;
	int		 h;

	h = resolver_submit(r, "x.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_SERVFAIL);
	resolver_free(r);
}

Test(resolver, next_server_after_a_refusal)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15314, 127.0.0.1:15316", 1000,
	    2, NULL, 2000);
	const struct dnsans *a;
	uint64_t	 t0 = time_now_ms();
	int		 h;

	h = resolver_submit(r, "x.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_NXDOMAIN);
	cr_assert_lt(time_now_ms() - t0, 500, "moved on at once");
	resolver_free(r);
}

Test(resolver, next_server_after_a_silent_one)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15311 127.0.0.1:15310", 150,
	    2, NULL, 3000);
	const struct dnsans *a;
	uint64_t	 t0 = time_now_ms();
	int		 h;

	h = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_OK);
	cr_assert_geq(time_now_ms() - t0, 140);
	cr_assert_lt(time_now_ms() - t0, 600);
	resolver_free(r);
}

Test(resolver, an_unreachable_port_fails_fast)
{
	/* Nothing listens on 15399: ICMP port unreachable. */
	struct resolver	*r;

	r = res_new("127.0.0.1:15399", 1000, 2, NULL, 5000);
	const struct dnsans *a;
	uint64_t	 t0 = time_now_ms();
	int		 h;

	h = resolver_submit(r, "x.test", DNS_T_A, NULL, NULL);
	a = resolver_wait(r, h);
	cr_assert_eq(a->status, DNSANS_SERVFAIL);
	cr_assert_lt(time_now_ms() - t0, 500);
	resolver_free(r);
}

Test(resolver, max_queries_limits_what_is_sent)
{
	struct resolver_conf c = conf("127.0.0.1:15310", 1000, 2);
	struct resolver	*r;
	struct resolver_stats st;
	char		 name[64];
	int		 i, h = -1;

	c.max_queries = 10;
	r = resolver_new(&c, NULL, time_now_ms() + 3000, NULL);
	for (i = 0; i < 15; i++) {
		(void)snprintf(name, sizeof(name), "%d.bl1.test", i);
		h = resolver_submit(r, name, DNS_T_A, NULL, NULL);
	}
	resolver_run(r);
	resolver_get_stats(r, &st);
	cr_assert_eq(st.sent, 10);
	cr_assert_eq(st.limited, 5);
	cr_assert_eq(resolver_answer(r, h)->status, DNSANS_LIMIT);
	resolver_free(r);
}

Test(resolver, invalid_names_are_nxdomain_without_a_query)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15310", 1000, 2, NULL, 3000);
	struct resolver_stats st;
	int		 h;

	h = resolver_submit(r, "bad..name", DNS_T_A, NULL, NULL);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_NXDOMAIN);
	resolver_get_stats(r, &st);
	cr_assert_eq(st.sent, 0);
	resolver_free(r);
}

static void *
cancel_later(void *arg)
{
	usleep(100000);
	resolver_cancel(arg);
	return (NULL);
}

Test(resolver, cancel_from_another_thread_ends_at_once)
{
	struct resolver	*r;

	r = res_new("127.0.0.1:15311", 1000, 5, NULL, 10000);
	pthread_t	 t;
	uint64_t	 t0 = time_now_ms();
	int		 h;

	h = resolver_submit(r, "x.test", DNS_T_A, NULL, NULL);
	cr_assert_eq(pthread_create(&t, NULL, cancel_later, r), 0);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_TIMEOUT);
	cr_assert_lt(time_now_ms() - t0, 400);
	(void)pthread_join(t, NULL);
	cr_assert(resolver_cancelled(r));
	resolver_free(r);
}

/* The eventfd a cancelled resolver leaves for the next one does not
 * cancel that one: it waits for its answers until its own deadline, gets
 * them from a live server, and its own cancel still ends it at once. */
Test(resolver, the_next_resolver_after_a_cancel_is_not_cancelled)
{
	struct resolver	*r;
	pthread_t	 t;
	uint64_t	 t0;
	int		 h;

	r = res_new("127.0.0.1:15311", 1000, 5, NULL, 10000);
	h = resolver_submit(r, "x.test", DNS_T_A, NULL, NULL);
	resolver_cancel(r);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_TIMEOUT);
	resolver_cancel(r);		/* written, never read */
	resolver_free(r);

	r = res_new("127.0.0.1:15311", 100, 1, NULL, 350);
	t0 = time_now_ms();
	h = resolver_submit(r, "y.test", DNS_T_A, NULL, NULL);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_TIMEOUT);
	cr_assert_geq(time_now_ms() - t0, 150, "gave up after %llu ms",
	    (unsigned long long)(time_now_ms() - t0));
	cr_assert(!resolver_cancelled(r));
	resolver_free(r);

	r = res_new("127.0.0.1:15310", 1000, 2, NULL, 5000);
	h = resolver_submit(r, "1.2.0.192.bl1.test", DNS_T_A, NULL, NULL);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_OK);
	resolver_free(r);

	r = res_new("127.0.0.1:15311", 1000, 5, NULL, 10000);
	t0 = time_now_ms();
	h = resolver_submit(r, "z.test", DNS_T_A, NULL, NULL);
	cr_assert_eq(pthread_create(&t, NULL, cancel_later, r), 0);
	cr_assert_eq(resolver_wait(r, h)->status, DNSANS_TIMEOUT);
	cr_assert_lt(time_now_ms() - t0, 400);
	(void)pthread_join(t, NULL);
	resolver_free(r);
}

static struct resolver *chain_r;
static int	 chain_h = -1;

static void
chain_cb(const struct dnsans *a, void *arg)
{
	(void)arg;
	if (a->status == DNSANS_OK)
		chain_h = resolver_submit(chain_r, (char *)a->rr[0].data,
		    DNS_T_A, NULL, NULL);
}

Test(resolver, callbacks_may_submit_more)
{
	chain_r = res_new("127.0.0.1:15310", 1000, 2, NULL, 3000);
	(void)resolver_submit(chain_r, "3.2.0.192.in-addr.arpa", DNS_T_PTR,
	    chain_cb, NULL);
	resolver_run(chain_r);
	cr_assert_geq(chain_h, 0);
	cr_assert_eq(resolver_answer(chain_r, chain_h)->status, DNSANS_OK);
	cr_assert_eq(memcmp(resolver_answer(chain_r, chain_h)->rr[0].data,
	    "\xc0\x00\x02\x03", 4), 0);
	resolver_free(chain_r);
}

Test(resolver, server_lists)
{
	struct resolver_conf c;
	struct buf	*why = buf_new(64);
	struct sockaddr_in6 *s6;
	struct sockaddr_in *s4;

	cr_assert_eq(resolver_parse_servers("192.0.2.1, [2001:db8::53]:5353;"
	    "10.0.0.1:54 2001:db8::1", &c, why), 0, "%s", buf_str(why));
	cr_assert_eq(c.nservers, 4);
	s4 = (struct sockaddr_in *)&c.server[0];
	cr_assert_eq(ntohs(s4->sin_port), 53);
	s6 = (struct sockaddr_in6 *)&c.server[1];
	cr_assert_eq(s6->sin6_family, AF_INET6);
	cr_assert_eq(ntohs(s6->sin6_port), 5353);
	s4 = (struct sockaddr_in *)&c.server[2];
	cr_assert_eq(ntohs(s4->sin_port), 54);
	cr_assert_eq(((struct sockaddr *)&c.server[3])->sa_family, AF_INET6);
	cr_assert_eq(resolver_parse_servers("resolver.example", &c, why), -1);
	cr_assert_eq(resolver_parse_servers("1.2.3.4:x", &c, why), -1);
	cr_assert_eq(resolver_parse_servers("[::1", &c, why), -1);
	cr_assert_eq(resolver_parse_servers("", &c, why), -1);
	buf_free(why);
}

Test(resolver, resolv_conf)
{
	struct resolver_conf c;
	struct buf	*why = buf_new(64);
	const char	*p;

	p = tu_write_file("resolv.conf", "# comment\nsearch example.com\n"
	    "nameserver 192.0.2.53\nnameserver  2001:db8::53 # v6\n"
	    "nameserver bogus\noptions ndots:2\n");
	cr_assert_eq(resolver_read_resolv_conf(p, &c, why), 0);
	cr_assert_eq(c.nservers, 2);
	p = tu_write_file("empty.conf", "search example.com\n");
	cr_assert_eq(resolver_read_resolv_conf(p, &c, why), 0);
	cr_assert_eq(c.nservers, 1, "the local host by default");
	cr_assert_eq(resolver_read_resolv_conf("/nonexistent", &c, why), 0);
	cr_assert_eq(c.nservers, 1);
	buf_free(why);
}
