/*
 * dns-bench.c - driver of bench/dns-bench: resolver throughput and the
 * DNS-stage latency of messages (built and run by that script)
 *
 *   dns-bench-driver qps SERVER N
 *	N distinct queries through the resolver, a message's worth (300) in
 *	flight at a time, cache off: queries per second.
 *   dns-bench-driver rtt SERVER N
 *	N single queries one after another: the round trip, median/p99.
 *   dns-bench-driver msg SERVER N cold|warm [LOCAL_MS [FAMILIES]]
 *	N messages with 10 DNSBLs, rDNS, SPF and 20 URL domains in 2 URI
 *	lists: the time from dnsbl_start() to the return of dnsbl_finish(),
 *	median and p99; with LOCAL_MS the caller "works" that long between
 *	the two (the local checks) and the time added by dnsbl_finish() is
 *	reported instead.  cold flushes this child's cache before every
 *	message; warm primes it once.  FAMILIES (e.g. "dnsbl,surbl") limits
 *	the checks run (default all four).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* dnsbl */
#include "dnsbl.h"
#include "dnsbl_private.h"

/* bench_cmp - for qsort of microseconds */

static int
bench_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* bench_report - median and p99 of n samples (microseconds) */

static void
bench_report(const char *what, uint64_t *us, size_t n)
{
	qsort(us, n, sizeof(*us), bench_cmp);
	printf("%s: n=%zu median %.2f ms p99 %.2f ms max %.2f ms\n", what, n,
	    us[n / 2] / 1000.0, us[(n * 99) / 100 < n ? (n * 99) / 100 :
	    n - 1] / 1000.0, us[n - 1] / 1000.0);
}

/* bench_cpu_us - user + system CPU time of the process so far */

static uint64_t
bench_cpu_us(void)
{
	struct rusage	 ru;

	(void)getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
}

/* bench_conf - the resolver settings for a server */

static struct resolver_conf
bench_conf(const char *server)
{
	struct resolver_conf c;
	struct buf	*why = buf_new(64);

	memset(&c, 0, sizeof(c));
	if (resolver_parse_servers(server, &c, why) < 0)
		log_fatal("%s", buf_str(why));
	c.query_timeout_ms = 2000;
	c.retries = 1;
	c.max_queries = 10000;
	c.max_inflight = 100;
	c.edns_size = 1232;
	buf_free(why);
	return (c);
}

/* bench_qps - resolver throughput */

static void
bench_qps(const char *server, size_t n)
{
	struct resolver_conf c = bench_conf(server);
	struct resolver_stats st;
	struct resolver	*r;
	char		 name[64];
	size_t		 i = 0, j, ok = 0;
	uint64_t	 t0 = time_now_us(), dt;

	while (i < n) {
		r = resolver_new(&c, NULL, time_now_ms() + 5000, NULL);
		for (j = 0; j < 300 && i < n; j++, i++) {
			(void)snprintf(name, sizeof(name), "%zu.%zu.bl%zu.test",
			    i % 250, i / 250, 1 + i % 3);
			(void)resolver_submit(r, name, DNS_T_A, NULL, NULL);
		}
		resolver_run(r);
		resolver_get_stats(r, &st);
		ok += st.answered;
		resolver_free(r);
	}
	dt = time_now_us() - t0;
	printf("qps: %zu queries (%zu answered) in %.3f s = %.0f queries/s, "
	    "300 per resolver, 100 in flight\n", n, ok, dt / 1e6,
	    n / (dt / 1e6));
}

/* bench_rtt - one query at a time */

static void
bench_rtt(const char *server, size_t n)
{
	struct resolver_conf c = bench_conf(server);
	struct resolver	*r;
	uint64_t	*us = xcalloc(n, sizeof(*us)), t0;
	char		 name[64];
	size_t		 i;

	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "%zu.rtt.bl1.test", i);
		t0 = time_now_us();
		r = resolver_new(&c, NULL, time_now_ms() + 5000, NULL);
		(void)resolver_wait(r, resolver_submit(r, name, DNS_T_A, NULL,
		    NULL));
		resolver_free(r);
		us[i] = time_now_us() - t0;
	}
	bench_report("one round trip", us, n);
	free(us);
}

/* bench_message - the text of a message with 20 URL domains */

static char *
bench_message(void)
{
	struct buf	*b = buf_new(4096);
	int		 i;

	buf_puts(b, "Received: from client.example (client.example "
	    "[192.0.2.1])\r\n\tby mx.winnow.test (Postfix) with ESMTP id B1\r\n"
	    "From: a@include.spf.test\r\nSubject: offer\r\n\r\n");
	for (i = 0; i < 18; i++)
		buf_printf(b, "See http://www.shop%d-example.com/item?x=%d\r\n",
		    i, i);
	buf_puts(b, "and hxxp://spam-example[.]com/ or phish-example.net\r\n");
	return (buf_finish(b));
}

/* bench_msg - DNS-stage latency per message */

static void
bench_msg(const char *server, size_t n, int warm, unsigned int local_ms,
    const char *families)
{
	struct dnsbl_opts opts = { 0, 0 };
	struct findings	*f;
	struct msg_view	 v;
	struct buf	*why = buf_new(128), *conf = buf_new(1024), *out;
	uint64_t	*us = xcalloc(n, sizeof(*us)), t0;
	struct dnsbl_run *run;
	char		*msg = bench_message(), label[160];
	uint64_t	 cpu0 = 0;
	size_t		 i;
	int		 z;

	buf_printf(conf, "[dns]\nresolver = %s\ntimeout = 5s\n"
	    "query_timeout = 2s\nreceived_hops = 1\n[dnsbl]\n", server);
	for (z = 1; z <= 10; z++)
		buf_printf(conf, "bench%d.test = 20\n", z);
	buf_puts(conf, "[surbl]\nmulti.surbl.test = 100\nuribl.test = 50\n");
	{
		char	 path[] = "/tmp/winnow-dns-bench.XXXXXX";
		int	 fd = mkstemp(path);

		if (fd < 0 || write(fd, conf->data, conf->len) !=
		    (ssize_t)conf->len)
			log_fatal("cannot write %s", path);
		(void)close(fd);
		dnsbl_conf_register();
		if (conf_load(path, why) != WN_OK || dnsbl_load(why) != WN_OK)
			log_fatal("config: %s", buf_str(why));
		(void)unlink(path);
	}
	dnsbl_child_init();
	if (families == NULL || strstr(families, "dnsbl"))
		opts.families |= DNSBL_F_DNSBL;
	if (families == NULL || strstr(families, "rdns"))
		opts.families |= DNSBL_F_RDNS;
	if (families == NULL || strstr(families, "spf"))
		opts.families |= DNSBL_F_SPF;
	if (families == NULL || strstr(families, "surbl"))
		opts.families |= DNSBL_F_SURBL;
	memset(&v, 0, sizeof(v));
	v.queue_id = "BENCH";
	v.client_addr = "192.0.2.1";
	v.sender = "a@include.spf.test";
	v.helo = "client.example";
	v.data = msg;
	v.len = strlen(msg);
	v.header_len = (size_t)(strstr(msg, "\r\n\r\n") - msg) + 4;
	for (i = 0; i < n + (warm ? 1 : 0); i++) {
		if (i == (warm ? 1 : 0))
			cpu0 = bench_cpu_us();
		if (!warm)
			dnsbl_cache_flush();
		f = findings_new();
		t0 = time_now_us();
		run = dnsbl_start(&v, &opts, why);
		if (local_ms > 0) {
			usleep(local_ms * 1000);
			t0 = time_now_us();
		}
		if (dnsbl_finish(run, f, why) != WN_OK)
			log_fatal("dnsbl_finish: %s", buf_str(why));
		if (!warm || i > 0)
			us[warm ? i - 1 : i] = time_now_us() - t0;
		if (i == 0) {
			out = buf_new(256);
			dnsbl_render(f, out);
			printf("checks: %s\n", buf_str(out));
			buf_free(out);
		}
		if (f->dns_state != CHECK_DONE)
			log_fatal("message %zu: DNS state %s", i,
			    findings_state_name(f->dns_state));
		findings_free(f);
	}
	(void)snprintf(label, sizeof(label), "%s cache, %s", warm ? "warm" :
	    "cold", local_ms ? "added after local checks" : "DNS stage");
	if (local_ms)
		(void)snprintf(label + strlen(label), sizeof(label) -
		    strlen(label), " of %u ms", local_ms);
	if (families != NULL)
		(void)snprintf(label + strlen(label), sizeof(label) -
		    strlen(label), " (%s only)", families);
	(void)snprintf(label + strlen(label), sizeof(label) - strlen(label),
	    ", CPU %.3f ms/msg", (bench_cpu_us() - cpu0) / 1000.0 / n);
	bench_report(label, us, n);
	free(us);
	free(msg);
	buf_free(why);
	buf_free(conf);
}

int
main(int argc, char **argv)
{
	log_init("dns-bench");
	log_to_stderr();
	if (getenv("DNS_BENCH_VERBOSE") != NULL)
		log_verbose = 1;
	if (argc >= 4 && strcmp(argv[1], "qps") == 0)
		bench_qps(argv[2], (size_t)atol(argv[3]));
	else if (argc >= 4 && strcmp(argv[1], "rtt") == 0)
		bench_rtt(argv[2], (size_t)atol(argv[3]));
	else if (argc >= 5 && strcmp(argv[1], "msg") == 0)
		bench_msg(argv[2], (size_t)atol(argv[3]),
		    strcmp(argv[4], "warm") == 0,
		    argc > 5 ? (unsigned int)atoi(argv[5]) : 0,
		    argc > 6 ? argv[6] : NULL);
	else {
		(void)fprintf(stderr, "usage: %s qps|rtt SERVER N | msg SERVER "
		    "N cold|warm [LOCAL_MS [FAMILIES]]\n", argv[0]);
		return (64);
	}
	return (0);
}
