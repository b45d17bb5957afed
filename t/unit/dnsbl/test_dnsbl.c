/* test_dnsbl.c - dnsbl/dnsbl.c: whole runs against real and silent DNS */

#include <sys/wait.h>

#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dnsbl_private.h"
#include "dnstest.h"
#include "findings.h"
#include "timeutil.h"

#define P_UNBOUND	15340
#define P_SILENT	15341
#define P_GARBAGE	15342

DT_SERVERS(
	{ "unbound", P_UNBOUND, 0, "" },
	{ "silent", P_SILENT, 0, "" },
	{ "garbage", P_GARBAGE, 0, "" })

#define ZONES								\
	"[dnsbl]\n"							\
	"bl1.test = 60\n"						\
	"bl2.test = 50\n"						\
	"bl3.test = 40 127.0.0.4\n"					\
	"refuse.test = 100\n"						\
	"bogus.test = 100\n"						\
	"[surbl]\n"							\
	"multi.surbl.test = 100\n"

static void
config(const char *resolver, const char *timeout)
{
	struct buf	*c = buf_new(512);

	buf_printf(c, "[dns]\nresolver = %s\ntimeout = %s\n"
	    "query_timeout = 300ms\nreceived_hops = 2\n" ZONES, resolver,
	    timeout);
	dt_config(buf_str(c));
	buf_free(c);
}

#define MSG(received, body)						\
	"Received: from client.example (client.example [192.0.2.3])\r\n"\
	"\tby mx.winnow.test (Postfix) with ESMTP id X1\r\n"		\
	received							\
	"From: a@pass.spf.test\r\nSubject: test\r\n\r\n" body

static struct findings *
check(const char *client, const char *sender, const char *data,
    unsigned int families)
{
	struct findings	*f = findings_new();
	struct dnsbl_opts o = { families, 0 };
	struct msg_view	 v;
	struct buf	*why = buf_new(64);

	v = dt_view(client, sender, "helo.example", data);
	cr_assert_eq(dnsbl_finish(dnsbl_start(&v, &o, why), f, why), WN_OK,
	    "%s", buf_str(why));
	buf_free(why);
	return (f);
}

/*
 * What the dnsbl families found, compactly, per family with its state
 * ("dnsbl=bl1.test(60),timeout; rdns=ok; spf=pass; surbl=none"): an
 * observation for these tests only; what winnowd writes is
 * findings_render_dns (findings/findings_render.c).
 */
/* observe_list - "zone(rating),...", state marks, or "none" */

static void
observe_list(struct buf *out, const struct finding_list *l,
    enum check_state st)
{
	size_t	 i, start = buf_len(out);

	for (i = 0; i < l->count && i < FINDINGS_MAX_ITEMS; i++) {
		if (buf_len(out) > start)
			buf_putc(out, ',');
		buf_append_safe(out, l->item[i].name, strlen(l->item[i].name));
		buf_printf(out, "(%d)", l->item[i].weight);
	}
	if (l->count > FINDINGS_MAX_ITEMS)
		buf_printf(out, ",+%u", l->count - FINDINGS_MAX_ITEMS);
	if (st == CHECK_TIMEOUT || st == CHECK_ERROR || st == CHECK_LIMIT) {
		if (buf_len(out) > start)
			buf_putc(out, ',');
		buf_puts(out, st == CHECK_TIMEOUT ? "timeout" :
		    st == CHECK_ERROR ? "error" : "limit");
	}
	if (buf_len(out) == start)
		buf_puts(out, "none");
}

/* observe_rdns - the header word of an rDNS result */

static const char *
observe_rdns(enum rdns_result r, enum check_state st)
{
	if (st == CHECK_TIMEOUT)
		return ("timeout");
	switch (r) {
	case RDNS_OK:
		return ("ok");
	case RDNS_MISMATCH:
		return ("mismatch");
	case RDNS_NONE:
		return ("none");
	case RDNS_TEMPERROR:
		return ("temperror");
	default:
		return ("not-checked");
	}
}

/* observe - every family that ran, with its state */

static void
observe(const struct findings *f, struct buf *out)
{
	const char	*sep = "";

	if (f->dnsbl_state != CHECK_NOT_RUN) {
		buf_puts(out, "dnsbl=");
		observe_list(out, &f->dnsbl, f->dnsbl_state);
		sep = "; ";
	}
	if (f->rdns_state != CHECK_NOT_RUN) {
		buf_printf(out, "%srdns=%s", sep, observe_rdns(f->rdns,
		    f->rdns_state));
		sep = "; ";
	}
	if (f->spf_state != CHECK_NOT_RUN) {
		buf_printf(out, "%sspf=%s", sep, f->spf_state == CHECK_TIMEOUT ?
		    "timeout" : spfc_result_name(f->spf));
		sep = "; ";
	}
	if (f->surbl_state != CHECK_NOT_RUN) {
		buf_printf(out, "%ssurbl=", sep);
		observe_list(out, &f->surbl, f->surbl_state);
	}
}

static const char *
render(const struct findings *f)
{
	static char	 out[1024];
	struct buf	*b = buf_new(256);

	observe(f, b);
	(void)snprintf(out, sizeof(out), "%s", buf_str(b));
	buf_free(b);
	return (out);
}

Test(dnsbl, ratings_add_up_to_blacklisted)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("192.0.2.1", "a@pass.spf.test", MSG("", "hi\r\n"),
	    DNSBL_F_ALL);
	cr_assert_eq(f->dnsbl_rating, 110);
	cr_assert_geq(f->dnsbl_rating, FINDINGS_DNSBL_BLACKLIST);
	cr_assert_eq(f->dnsbl.count, 2);
	cr_assert_str_eq(f->dnsbl.item[0].detail, "192.0.2.1=127.0.0.2");
	cr_assert_str_eq(f->dnsbl.item[1].detail, "192.0.2.1=127.0.0.3");
	cr_assert_eq(f->dns_state, CHECK_DONE);
	cr_assert_eq(f->rdns, RDNS_OK);
	cr_assert_eq(f->spf, SPF_PASS);
	cr_assert_str_eq(render(f), "dnsbl=bl1.test(60),bl2.test(50); "
	    "rdns=ok; spf=pass; surbl=none");
	findings_free(f);
}

Test(dnsbl, a_lower_sum_is_a_sign)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("192.0.2.2", "a@fail.spf.test", MSG("", "x\r\n"),
	    DNSBL_F_ALL);
	cr_assert_eq(f->dnsbl_rating, 40);
	cr_assert_eq(f->spf, SPF_FAIL);
	cr_assert_str_eq(render(f), "dnsbl=bl3.test(40); rdns=ok; spf=fail; "
	    "surbl=none");
	findings_free(f);
}

Test(dnsbl, received_hops_are_checked_too)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("192.0.2.3", "a@softfail.spf.test", MSG(
	    "Received: from relay.example ([192.0.2.10]) by client.example\r\n"
	    "Received: from origin.example ([198.51.100.7]) by relay\r\n",
	    "x\r\n"), DNSBL_F_DNSBL | DNSBL_F_SPF);
	cr_assert_eq(f->dnsbl_rating, 60, "only the first two hops");
	cr_assert_str_eq(f->dnsbl.item[0].detail, "192.0.2.10=127.0.0.2");
	cr_assert_str_eq(render(f), "dnsbl=bl1.test(60); spf=softfail");
	findings_free(f);
}

Test(dnsbl, ipv6_clients)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("2001:db8::1", "a@pass.spf.test", "Subject: x\r\n\r\nx\r\n",
	    DNSBL_F_ALL);
	cr_assert_eq(f->dnsbl_rating, 60);
	cr_assert_eq(f->rdns, RDNS_MISMATCH);
	cr_assert_eq(f->spf, SPF_PASS);
	findings_free(f);
}

Test(dnsbl, private_clients_are_not_looked_up)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("10.1.2.3", "a@pass.spf.test", "Subject: x\r\n\r\nx\r\n",
	    DNSBL_F_ALL);
	cr_assert_eq(f->dnsbl_state, CHECK_NOT_RUN);
	cr_assert_eq(f->rdns_state, CHECK_NOT_RUN);
	cr_assert_eq(f->spf_state, CHECK_NOT_RUN);
	cr_assert_eq(f->surbl_state, CHECK_DONE);
	cr_assert_str_eq(render(f), "surbl=none");
	findings_free(f);
}

Test(dnsbl, urls_in_the_raw_body)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("192.0.2.3", "a@pass.spf.test", MSG("",
	    "Cheap stuff at hxxp://www.spam-example[.]com/now\r\n"),
	    DNSBL_F_ALL);
	cr_assert_eq(f->surbl_rating, 100);
	cr_assert_str_eq(render(f), "dnsbl=none; rdns=ok; spf=pass; "
	    "surbl=multi.surbl.test(100)");
	findings_free(f);
}

Test(dnsbl, families_can_be_switched_off)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("192.0.2.1", "a@pass.spf.test", MSG("", "x\r\n"),
	    DNSBL_F_SPF);
	cr_assert_eq(f->dnsbl_state, CHECK_NOT_RUN);
	cr_assert_eq(f->dnsbl_rating, 0);
	cr_assert_eq(f->rdns_state, CHECK_NOT_RUN);
	cr_assert_eq(f->surbl_state, CHECK_NOT_RUN);
	cr_assert_str_eq(render(f), "spf=pass");
	findings_free(f);
}

Test(dnsbl, S3_a_silent_resolver_costs_the_deadline_and_says_timeout)
{
	struct findings	*f;
	uint64_t	 t0;

	config("127.0.0.1:15341", "600ms");
	t0 = time_now_ms();
	f = check("192.0.2.1", "a@pass.spf.test", MSG("",
	    "http://spam-example.com/\r\n"), DNSBL_F_ALL);
	cr_assert_geq(time_now_ms() - t0, 590);
	cr_assert_lt(time_now_ms() - t0, 800, "took %llu ms",
	    (unsigned long long)(time_now_ms() - t0));
	cr_assert_eq(f->dns_state, CHECK_TIMEOUT);
	cr_assert_eq(f->dnsbl_state, CHECK_TIMEOUT);
	cr_assert_eq(f->rdns_state, CHECK_TIMEOUT);
	cr_assert_eq(f->spf_state, CHECK_TIMEOUT);
	cr_assert_eq(f->spf, SPF_TEMPERROR);
	cr_assert_eq(f->surbl_state, CHECK_TIMEOUT);
	cr_assert_eq(f->dnsbl_rating, 0);
	cr_assert_str_eq(render(f), "dnsbl=timeout; rdns=timeout; "
	    "spf=timeout; surbl=timeout");
	findings_free(f);
}

Test(dnsbl, S3_a_garbage_resolver_says_timeout)
{
	struct findings	*f;
	uint64_t	 t0;

	config("127.0.0.1:15342", "500ms");
	t0 = time_now_ms();
	f = check("192.0.2.1", "a@pass.spf.test", MSG("", "x\r\n"),
	    DNSBL_F_ALL);
	cr_assert_lt(time_now_ms() - t0, 700);
	cr_assert_eq(f->dns_state, CHECK_TIMEOUT);
	cr_assert_eq(f->dnsbl_rating, 0, "spoofed listings never count");
	cr_assert_eq(f->dnsbl.count, 0);
	findings_free(f);
}

Test(dnsbl, the_view_deadline_is_honoured)
{
	struct findings	*f = findings_new();
	struct msg_view	 v;
	struct buf	*why = buf_new(64);
	uint64_t	 t0;

	config("127.0.0.1:15341", "10s");
	v = dt_view("192.0.2.1", "a@pass.spf.test", NULL, MSG("", "x\r\n"));
	t0 = time_now_ms();
	v.deadline_ms = t0 + 300;
	cr_assert_eq(dnsbl_check(&v, f, why), WN_OK);
	cr_assert_lt(time_now_ms() - t0, 450);
	cr_assert_eq(f->dns_state, CHECK_TIMEOUT);
	findings_free(f);
	buf_free(why);
}

Test(dnsbl, answers_arrive_while_the_caller_works)
{
	struct findings	*f = findings_new();
	struct msg_view	 v;
	struct dnsbl_run *run;
	struct buf	*why = buf_new(64);
	uint64_t	 t0;

	config("127.0.0.1:15340", "3s");
	v = dt_view("192.0.2.1", "a@include.spf.test", NULL,
	    MSG("", "x\r\n"));
	run = dnsbl_start(&v, NULL, why);
	usleep(300000);			/* the local checks */
	t0 = time_now_ms();
	cr_assert_eq(dnsbl_finish(run, f, why), WN_OK);
	cr_assert_lt(time_now_ms() - t0, 20, "nothing left to wait for");
	cr_assert_eq(f->dnsbl_rating, 110);
	cr_assert_eq(f->spf, SPF_FAIL);
	findings_free(f);
	buf_free(why);
}

Test(dnsbl, abort_returns_at_once)
{
	struct msg_view	 v;
	struct dnsbl_run *run;
	uint64_t	 t0;

	config("127.0.0.1:15341", "5s");
	v = dt_view("192.0.2.1", "a@pass.spf.test", NULL, MSG("", "x\r\n"));
	run = dnsbl_start(&v, NULL, NULL);
	usleep(50000);
	t0 = time_now_ms();
	dnsbl_abort(run);
	cr_assert_lt(time_now_ms() - t0, 100);
	dnsbl_abort(NULL);
}

/* The worker thread is kept from one run to the next; a forked process
 * (a child of the master) has none and starts its own; an aborted run
 * leaves it ready for the next. */
Test(dnsbl, one_worker_serves_every_run_and_a_fork_starts_its_own)
{
	struct findings	*f;
	struct msg_view	 v;
	pid_t		 pid;
	int		 i, st;

	config("127.0.0.1:15340", "3s");
	for (i = 0; i < 3; i++) {
		dnsbl_cache_flush();
		f = check("192.0.2.1", "a@pass.spf.test", MSG("", "hi\r\n"),
		    DNSBL_F_ALL);
		cr_assert_str_eq(render(f), "dnsbl=bl1.test(60),bl2.test(50); "
		    "rdns=ok; spf=pass; surbl=none");
		findings_free(f);
	}
	v = dt_view("192.0.2.1", "a@pass.spf.test", NULL, MSG("", "x\r\n"));
	dnsbl_abort(dnsbl_start(&v, NULL, NULL));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dnsbl_child_init();
		f = findings_new();
		v = dt_view("192.0.2.1", "a@pass.spf.test", NULL,
		    MSG("", "hi\r\n"));
		(void)dnsbl_finish(dnsbl_start(&v, NULL, NULL), f,
		    buf_new(64));
		_exit(strcmp(render(f), "dnsbl=bl1.test(60),bl2.test(50); "
		    "rdns=ok; spf=pass; surbl=none") == 0 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the forked process's run: status %d", st);
	dnsbl_cache_flush();
	f = check("192.0.2.1", "a@pass.spf.test", MSG("", "hi\r\n"),
	    DNSBL_F_ALL);
	cr_assert_eq(f->dns_state, CHECK_DONE);
	cr_assert_eq(f->dnsbl_rating, 110);
	findings_free(f);
}

Test(dnsbl, a_failing_list_is_an_error_state)
{
	struct findings	*f;

	dt_config("[dns]\nresolver = 127.0.0.1:15340\n[dnsbl]\n"
	    "bl1.test = 60\nrefused.test = 30\n");
	f = check("192.0.2.1", "", MSG("", "x\r\n"), DNSBL_F_DNSBL);
	cr_assert_eq(f->dnsbl_state, CHECK_ERROR);
	cr_assert_eq(f->dnsbl_rating, 60);
	cr_assert_str_eq(render(f), "dnsbl=bl1.test(60),error");
	findings_free(f);
}

Test(dnsbl, the_cache_serves_the_next_message)
{
	struct findings	*f;

	config("127.0.0.1:15340", "3s");
	f = check("192.0.2.2", "a@pass.spf.test", MSG("", "x\r\n"),
	    DNSBL_F_ALL);
	findings_free(f);
	/* Same questions against a silent server: all from the cache. */
	{
		struct buf *c = buf_new(256);

		buf_printf(c, "[dns]\nresolver = 127.0.0.1:15341\ntimeout = "
		    "300ms\nreceived_hops = 2\n" ZONES);
		conf_reset();
		dnsbl_conf_register();
		cr_assert_eq(conf_load(tu_write_file("w2.conf", buf_str(c)),
		    NULL), WN_OK);
		cr_assert_eq(dnsbl_load(NULL), WN_OK);	/* cache kept */
		buf_free(c);
	}
	f = check("192.0.2.2", "a@pass.spf.test", MSG("", "x\r\n"),
	    DNSBL_F_ALL);
	cr_assert_eq(f->dns_state, CHECK_DONE);
	cr_assert_eq(f->dnsbl_rating, 40);
	cr_assert_eq(f->spf, SPF_PASS);
	findings_free(f);
	dnsbl_cache_flush();
	f = check("192.0.2.2", "a@pass.spf.test", MSG("", "x\r\n"),
	    DNSBL_F_ALL);
	cr_assert_eq(f->dns_state, CHECK_TIMEOUT);
	findings_free(f);
}

Test(dnsbl, without_load_it_is_a_temporary_failure)
{
	struct findings	*f = findings_new();
	struct msg_view	 v = dt_view("192.0.2.1", "", NULL, NULL);
	struct buf	*why = buf_new(64);

	cr_assert_eq(dnsbl_finish(dnsbl_start(&v, NULL, why), f, why),
	    WN_TEMP);
	cr_assert_gt(buf_len(why), 0);
	cr_assert_eq(f->dns_state, CHECK_ERROR);
	findings_free(f);
	buf_free(why);
}


/* Without SPF (here: a private client) there is no chain of round trips:
 * the queries go out from dnsbl_start on the caller's thread and
 * dnsbl_finish reads the answers - no worker, no hand-over. */
Test(dnsbl, without_spf_the_caller_runs_the_queries_itself)
{
	struct findings	*f = findings_new();
	struct msg_view	 v;
	struct dnsbl_run *run;
	struct buf	*why = buf_new(64);

	config("127.0.0.1:15340", "3s");
	v = dt_view("10.1.2.3", "a@pass.spf.test", NULL, MSG("",
	    "Cheap stuff at hxxp://www.spam-example[.]com/now\r\n"));
	run = dnsbl_start(&v, NULL, why);
	cr_assert(run->in_caller);
	cr_assert_not(run->thread_started);
	cr_assert_eq(dnsbl_finish(run, f, why), WN_OK, "%s", buf_str(why));
	cr_assert_str_eq(render(f), "dnsbl=none; surbl=multi.surbl.test(100)");
	findings_free(f);

	/* A public client with SPF off: DNSBL and rDNS, still no worker. */
	f = findings_new();
	v = dt_view("192.0.2.1", "a@pass.spf.test", NULL, MSG("", "x\r\n"));
	run = dnsbl_start(&v, &(struct dnsbl_opts){ .families =
	    DNSBL_F_DNSBL | DNSBL_F_RDNS }, why);
	cr_assert(run->in_caller);
	cr_assert_eq(dnsbl_finish(run, f, why), WN_OK, "%s", buf_str(why));
	cr_assert_str_eq(render(f), "dnsbl=bl1.test(60),bl2.test(50); "
	    "rdns=ok");
	findings_free(f);

	/* With SPF the worker runs the chain while the caller works. */
	f = findings_new();
	run = dnsbl_start(&v, NULL, why);
	cr_assert_not(run->in_caller);
	cr_assert(run->thread_started);
	cr_assert_eq(dnsbl_finish(run, f, why), WN_OK, "%s", buf_str(why));
	findings_free(f);
	buf_free(why);
}

/* The caller's own run keeps the deadline, and an abort frees it at once. */
Test(dnsbl, S3_without_spf_a_silent_resolver_costs_the_deadline)
{
	struct findings	*f;
	struct msg_view	 v;
	uint64_t	 t0;

	config("127.0.0.1:15341", "400ms");
	t0 = time_now_ms();
	f = check("10.1.2.3", "a@pass.spf.test", MSG("",
	    "http://spam-example.com/\r\n"), DNSBL_F_ALL);
	cr_assert_geq(time_now_ms() - t0, 390);
	cr_assert_lt(time_now_ms() - t0, 600);
	cr_assert_eq(f->surbl_state, CHECK_TIMEOUT);
	cr_assert_str_eq(render(f), "dnsbl=timeout; surbl=timeout");
	findings_free(f);

	v = dt_view("10.1.2.3", "a@pass.spf.test", NULL, MSG("",
	    "http://spam-example.com/\r\n"));
	t0 = time_now_ms();
	dnsbl_abort(dnsbl_start(&v, NULL, NULL));
	cr_assert_lt(time_now_ms() - t0, 100);
}
