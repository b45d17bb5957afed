/* test_monitor.c - unit tests for stats/monitor.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "monitor.h"
#include "sstatus.h"
#include "stats_conf.h"
#include "status.h"
#include "template.h"
#include "testutil.h"

static struct sstatus	 s;
static struct monitor_problem p[MONITOR_MAX];
static struct buf	*why;

static void
setup(void)
{
	why = buf_new(64);
	conf_reset();
	stats_conf_register();		/* the defaults */
	memset(&s, 0, sizeof(s));
	s.now = 1700000000;
	s.live_ok = s.master_alive = 1;
	s.info.max_children = 10;
	s.spool_ok = 1;
	s.spool_free = 10ULL << 30;
	s.spool_reserve = 64ULL << 20;
	s.store_ok = 1;
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(monitor, .init = setup, .fini = teardown);

/* has - the problem with this id, or NULL */

static const struct monitor_problem *
has(size_t n, const char *id)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].id, id) == 0)
			return (&p[i]);
	return (NULL);
}

Test(monitor, all_well)
{
	size_t	 n = monitor_judge(&s, p, MONITOR_MAX);

	cr_assert_eq(n, 0, "%s", n ? p[0].text : "");
	cr_assert_eq(monitor_worst(p, n), SSTATUS_OK);
}

Test(monitor, master_down_is_all_that_counts)
{
	size_t	 n;

	s.master_alive = 0;
	s.spool_free = 0;
	n = monitor_judge(&s, p, MONITOR_MAX);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(p[0].id, "master-down");
	cr_assert_eq(p[0].severity, SSTATUS_CRITICAL);
}

Test(monitor, each_threshold)
{
	const struct monitor_problem *x;
	size_t	 n;

	s.info.av_signatures = 100;
	s.info.av_time = s.now - 3 * 86400;		/* over 2d */
	s.info.saturated_since = s.now - 120;		/* over 1m */
	s.m5_msgs = 100;
	s.m5_down_msgs = 11;				/* over 10% */
	s.m5_dns_checked = 20;
	s.m5_dns_timeout = 11;				/* over 50% */
	s.h1_msgs = 40;
	s.h1_infected = 21;				/* over 50% */
	s.m5_crashes = 3;
	s.outq_n = 2;
	s.outq_oldest = s.now - 7200;			/* over 1h */
	s.spool_free = 100ULL << 20;			/* under 2x */
	s.spam_needed = 1;				/* no model */
	n = monitor_judge(&s, p, MONITOR_MAX);
	cr_assert_eq(n, 9, "%zu problems", n);
	cr_assert_eq(has(n, "av-database-age")->severity, SSTATUS_WARNING);
	cr_assert(strstr(has(n, "av-database-age")->text, "3d 0h old") != NULL,
	    "%s", has(n, "av-database-age")->text);
	cr_assert_not_null(has(n, "all-busy"));
	cr_assert_not_null(has(n, "downstream-tempfail"));
	cr_assert_not_null(has(n, "dns-timeouts"));
	cr_assert_not_null(has(n, "infected-share"));
	cr_assert_not_null(has(n, "child-crashes"));
	cr_assert_not_null(has(n, "outq-age"));
	x = has(n, "spool-space");
	cr_assert_eq(x->severity, SSTATUS_WARNING);
	cr_assert_not_null(has(n, "check-off"));
	cr_assert_null(has(n, "model-age"), "model_max_age is off");
	cr_assert_eq(monitor_worst(p, n), SSTATUS_CRITICAL);
}

Test(monitor, rates_need_enough_messages)
{
	s.m5_msgs = 5;
	s.m5_down_msgs = 5;
	cr_assert_eq(monitor_judge(&s, p, MONITOR_MAX), 0);
	s.info.av_signatures = 100;
	s.info.av_time = s.now - 7 * 86400;
	cr_assert_eq(monitor_judge(&s, p, MONITOR_MAX), 1);
	cr_assert_eq(p[0].severity, SSTATUS_CRITICAL, "3 x av max age");
	s.spool_free = 1 << 20;
	(void)monitor_judge(&s, p, MONITOR_MAX);
	cr_assert_eq(has(2, "spool-space")->severity, SSTATUS_CRITICAL);
}

Test(monitor, state_started_ended_and_since)
{
	struct monitor_problem a[2], st[MONITOR_MAX], en[MONITOR_MAX];
	struct monitor_state ms, back;
	char		 path[600];
	size_t		 ns, ne;

	memset(&ms, 0, sizeof(ms));
	memset(a, 0, sizeof(a));
	(void)snprintf(a[0].id, sizeof(a[0].id), "all-busy");
	(void)snprintf(a[1].id, sizeof(a[1].id), "outq-age");
	monitor_update(&ms, a, 2, 100, st, &ns, en, &ne);
	cr_assert_eq(ns, 2);
	cr_assert_eq(ne, 0);
	monitor_update(&ms, a, 1, 200, st, &ns, en, &ne);
	cr_assert_eq(ns, 0);
	cr_assert_eq(ne, 1);
	cr_assert_str_eq(en[0].id, "outq-age");
	cr_assert_eq(ms.open[0].since, 100, "since is kept");
	(void)snprintf(path, sizeof(path), "%s/state", tu_tmpdir());
	cr_assert_eq(monitor_state_save(path, &ms, why), WN_OK);
	cr_assert_eq(monitor_state_load(path, &back, why), WN_OK);
	cr_assert_eq(back.n, 1);
	cr_assert_str_eq(back.open[0].id, "all-busy");
	cr_assert_eq(back.open[0].since, 100);
	(void)tu_write_file("broken", "{not json");
	(void)snprintf(path, sizeof(path), "%s/broken", tu_tmpdir());
	cr_assert_eq(monitor_state_load(path, &back, why), WN_TEMP);
	cr_assert_eq(back.n, 0);
}

Test(monitor, digest_once_a_day_at_the_hour)
{
	struct monitor_state ms;
	struct tm	 tm;
	time_t		 t;

	memset(&ms, 0, sizeof(ms));
	ms.n = 1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 124;
	tm.tm_mon = 4;
	tm.tm_mday = 15;
	tm.tm_hour = 8;
	tm.tm_min = 5;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	cr_assert(monitor_digest_due(&ms, t, 8));
	cr_assert_not(monitor_digest_due(&ms, t + 60, 8));
	cr_assert_not(monitor_digest_due(&ms, t + 3600, 9), "sent today");
	cr_assert(monitor_digest_due(&ms, t + 86400, 8));
	cr_assert_not(monitor_digest_due(&ms, t + 2 * 86400, 24));
	ms.n = 0;
	cr_assert_not(monitor_digest_due(&ms, t + 2 * 86400, 8));
}

Test(monitor, mail_from_the_built_in_and_a_custom_template)
{
	struct monitor_problem a;
	struct template	*t;
	struct buf	*out = buf_new(1024);
	const char	*tx = "Subject: ALERT ${alert}\n\n${problems}\n";

	memset(&a, 0, sizeof(a));
	(void)snprintf(a.id, sizeof(a.id), "all-busy");
	(void)snprintf(a.text, sizeof(a.text), "all 10 children busy");
	a.severity = SSTATUS_CRITICAL;
	a.since = 1700000000;
	monitor_mail("problem", &a, 1, 1700000100, NULL, "w@h", "admin@x",
	    "h", out);
	cr_assert(strstr(buf_str(out), "Subject: [winnow] problem on h: all "
	    "10 children busy\r\n") != NULL, "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "To: admin@x\r\n") != NULL);
	cr_assert(strstr(buf_str(out), "Auto-Submitted: auto-generated") !=
	    NULL);
	cr_assert(strstr(buf_str(out), "[critical] all-busy: all 10 children "
	    "busy\r\n  since ") != NULL, "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "has a new problem") != NULL);
	buf_reset(out);
	t = template_parse(tx, strlen(tx), "t", 0, why);
	cr_assert_not_null(t, "%s", buf_str(why));
	monitor_mail("resolved", &a, 1, 1700000100, t, "w@h", "admin@x", "h",
	    out);
	cr_assert(strstr(buf_str(out), "Subject: ALERT resolved\r\n") != NULL,
	    "%s", buf_str(out));
	template_free(t);
	buf_free(out);
}

Test(monitor, fleet_nodes_down_one_problem_each)
{
	const struct monitor_problem *q;
	size_t	 n;

	s.fleet_ndown = 2;
	(void)strcpy(s.fleet_down[0], "mx2");
	s.fleet_quiet_ms[0] = 95000;
	(void)strcpy(s.fleet_down[1], "mx3");
	s.fleet_quiet_ms[1] = -1;	/* its heartbeat key is gone */
	n = monitor_judge(&s, p, MONITOR_MAX);
	cr_assert_eq(n, 2);
	cr_assert_not_null(q = has(n, "node-down:mx2"));
	cr_assert_eq(q->severity, SSTATUS_CRITICAL);
	cr_assert_str_eq(q->text, "fleet node mx2 is down: no heartbeat for "
	    "1m");
	cr_assert_not_null(q = has(n, "node-down:mx3"));
	cr_assert_str_eq(q->text, "fleet node mx3 is down: no heartbeat for "
	    "long");
}

Test(monitor, fleet_long_node_names_stay_two_problems)
{
	const char	*a = "filter-node-01.mail.example-hosting.com";
	const char	*b = "filter-node-01.mail.example-hosting.net";
	char		 want[MONITOR_ID_MAX];
	size_t		 n;

	s.fleet_ndown = 2;
	(void)strcpy(s.fleet_down[0], a);
	s.fleet_quiet_ms[0] = 5000;
	(void)strcpy(s.fleet_down[1], b);
	s.fleet_quiet_ms[1] = 5000;
	n = monitor_judge(&s, p, MONITOR_MAX);
	cr_assert_eq(n, 2);
	(void)snprintf(want, sizeof(want), "node-down:%s", a);
	cr_assert_not_null(has(n, want));
	(void)snprintf(want, sizeof(want), "node-down:%s", b);
	cr_assert_not_null(has(n, want));
}
