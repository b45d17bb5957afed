/* test_avcheck.c - unit tests for av/avcheck.c: the check in two halves,
 * the scan overlapping the caller's work */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "timeutil.h"
#include "av_private.h"
#include "avtest.h"

static struct buf	*why, *m;
static struct findings	*f;

static void
setup(void)
{
	why = buf_new(128);
	m = buf_new(1024);
	f = findings_new();
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	avscan_test_hook = NULL;
	av_child_exit();
	av_unload();
	conf_reset();
	findings_free(f);
	buf_free(m);
	buf_free(why);
}

TestSuite(avcheck, .init = setup, .fini = teardown, .timeout = 60);

/* slow - the scan process takes 300 ms more for each message */

static void
slow(void)
{
	struct timespec	 ts = { 0, 300 * 1000 * 1000 };

	(void)nanosleep(&ts, NULL);
}

/* eicar_msg - a message with EICAR attached */

static void
eicar_msg(void)
{
	struct buf	*e = buf_new(128);

	avt_eicar(e);
	avt_msg_begin(m, "overlap");
	avt_msg_text(m, "see the attachment\r\n");
	avt_msg_attach(m, "application/octet-stream", "e.com", e->data,
	    e->len);
	avt_msg_end(m);
	buf_free(e);
}

Test(avcheck, start_returns_while_the_scan_runs_and_finish_has_its_findings)
{
	struct av_pending *p;
	struct msg_view	 v;
	uint64_t	 t0, started, finished;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	avscan_test_hook = slow;	/* taken when the process starts */
	cr_assert_eq(av_ready(why), 0, "%s", buf_str(why));
	eicar_msg();
	avt_view(&v, m);
	t0 = time_now_ms();
	p = av_check_start(&v, av_opts_default(), why);
	started = time_now_ms() - t0;
	cr_assert_not_null(p);
	cr_assert_eq(av_check_finish(p, f, why), WN_OK, "%s", buf_str(why));
	finished = time_now_ms() - t0;
	/* The 300 ms went by in the scan process, after start returned. */
	cr_assert_lt(started, 150, "start took %llu ms",
	    (unsigned long long)started);
	cr_assert_geq(finished, 300);
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	cr_assert(avt_has_name(f, "Eicar"), "%s", avt_names(f));
}

Test(avcheck, the_halves_find_what_av_check_finds)
{
	struct findings	*g = findings_new();
	struct msg_view	 v;
	char		*names;

	cr_assert_eq(avt_conf("cache_entries = 0\n", why), WN_OK, "%s",
	    buf_str(why));
	av_child_init();
	eicar_msg();
	avt_view(&v, m);
	cr_assert_eq(av_check(&v, g, why), WN_OK);
	buf_reset(why);
	cr_assert_eq(av_check_finish(av_check_start(&v, NULL, why), f, why),
	    WN_OK);
	cr_assert_eq(f->av, g->av);
	cr_assert_eq(f->av_state, g->av_state);
	cr_assert_eq(f->viruses.count, g->viruses.count);
	names = strdup(avt_names(g));	/* avt_names has one buffer */
	cr_assert_str_eq(avt_names(f), names);
	free(names);
	findings_free(g);
}

Test(avcheck, without_an_engine_or_a_filter_nothing_is_scanned)
{
	struct msg_view	 v;

	cr_assert_eq(avt_conf("database =\n", why), WN_OK, "%s",
	    buf_str(why));
	av_child_init();
	eicar_msg();
	avt_view(&v, m);
	cr_assert_eq(av_check_finish(av_check_start(&v, NULL, why), f, why),
	    WN_OK);
	cr_assert_eq(f->av, AV_NOT_SCANNED);
	cr_assert_eq(f->viruses.count, 0);
	cr_assert_eq(avhelp_pid(), 0);
}

Test(avcheck, the_warm_up_records_nothing_and_hides_nothing)
{
	struct av_scan_stats st;
	struct msg_view	 v;
	uint64_t	 c[AVCACHE_COUNTERS];

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	avcache_clear();
	/* The scan process warms up as it starts (avscan_warm), before it
	 * reads the first message. */
	cr_assert_eq(av_ready(why), 0, "%s", buf_str(why));
	eicar_msg();
	avt_view(&v, m);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	av_last_stats(&st);
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	/* Only the message's own objects went into the verdict cache. */
	avcache_counters(c);
	cr_assert_eq(c[AVCACHE_HITS], 0);
	cr_assert_leq(c[AVCACHE_STORES], st.scans, "%llu stores, %u scans",
	    (unsigned long long)c[AVCACHE_STORES], st.scans);
}
