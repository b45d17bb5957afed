/* test_avcache.c - unit tests for av/avcache.c: the shared verdict cache
 * and the memory of messages that hit a limit, and how the scan uses them */

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "timeutil.h"
#include "av_private.h"
#include "avtest.h"

static struct buf	*why;
static struct findings	*f;

static void
setup(void)
{
	why = buf_new(128);
	f = findings_new();
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	av_child_exit();
	av_unload();
	avcache_setup(0);
	conf_reset();
	findings_free(f);
	buf_free(why);
}

TestSuite(avcache, .init = setup, .fini = teardown, .timeout = 120);

/* load - configure and load the engine */

static void
load(const char *lines)
{
	buf_reset(why);
	cr_assert_eq(avt_conf(lines != NULL ? lines : "", why), WN_OK,
	    "load: %s", buf_str(why));
	av_child_init();
}

/* scan - av_check over a message, and what it cost */

static void
scan(const struct buf *m, struct av_scan_stats *st)
{
	struct msg_view	 v;

	avt_view(&v, m);
	buf_reset(why);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	av_last_stats(st);
}

/* key - a key made of one byte value */

static void
key(unsigned char *k, int c)
{
	memset(k, c, AVCACHE_KEY);
}

Test(avcache, stores_and_answers_by_key_kind_and_epoch)
{
	unsigned char	 k[AVCACHE_KEY], k2[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES];

	avcache_setup(64);
	cr_assert(avcache_on());
	key(k, 1);
	key(k2, 2);
	cr_assert_eq(avcache_get(AVCACHE_OBJECT, 7, k, names, sizeof(names)),
	    0);
	avcache_put(AVCACHE_OBJECT, 7, k, "", 0);
	avcache_put(AVCACHE_OBJECT, 7, k2, "Eicar\nOther\n", 0);
	cr_assert_eq(avcache_get(AVCACHE_OBJECT, 7, k, names, sizeof(names)),
	    1);
	cr_assert_str_eq(names, "");
	cr_assert_eq(avcache_get(AVCACHE_OBJECT, 7, k2, names,
	    sizeof(names)), 1);
	cr_assert_str_eq(names, "Eicar\nOther\n");
	/* Another epoch (a new database) or another kind: not there. */
	cr_assert_eq(avcache_get(AVCACHE_OBJECT, 8, k, names, sizeof(names)),
	    0);
	cr_assert_eq(avcache_get(AVCACHE_OBJECT_MAIL, 7, k, names,
	    sizeof(names)), 0);
	avcache_clear();
	cr_assert_eq(avcache_get(AVCACHE_OBJECT, 7, k, names, sizeof(names)),
	    0);
}

Test(avcache, is_bounded_and_keeps_the_recent)
{
	unsigned char	 k[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES];
	int		 i, found = 0;

	avcache_setup(16);
	cr_assert_eq(avcache_capacity(), 16);
	for (i = 0; i < 1000; i++) {
		key(k, 0);
		memcpy(k, &i, sizeof(i));
		avcache_put(AVCACHE_OBJECT, 1, k, "", 0);
	}
	for (i = 0; i < 1000; i++) {
		key(k, 0);
		memcpy(k, &i, sizeof(i));
		found += avcache_get(AVCACHE_OBJECT, 1, k, names,
		    sizeof(names));
	}
	cr_assert_leq(found, 16, "%d of 1000 kept in 16 entries", found);
	cr_assert_geq(found, 1);
	/* The last one stored is there. */
	i = 999;
	key(k, 0);
	memcpy(k, &i, sizeof(i));
	cr_assert(avcache_get(AVCACHE_OBJECT, 1, k, names, sizeof(names)));
}

Test(avcache, limit_entries_expire)
{
	unsigned char	 k[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES];

	avcache_setup(64);
	key(k, 3);
	avcache_put(AVCACHE_LIMIT, 1, k, "Winnow.Limits.Exceeded.MimeParts\n",
	    150);
	cr_assert(avcache_get(AVCACHE_LIMIT, 1, k, names, sizeof(names)));
	(void)usleep(300 * 1000);
	cr_assert_not(avcache_get(AVCACHE_LIMIT, 1, k, names, sizeof(names)));
}

Test(avcache, is_shared_with_forked_processes)
{
	unsigned char	 k[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES];
	pid_t		 pid;
	int		 status;

	avcache_setup(64);
	key(k, 9);
	if ((pid = fork()) == 0) {
		avcache_put(AVCACHE_OBJECT, 1, k, "FromTheChild\n", 0);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(avcache_get(AVCACHE_OBJECT, 1, k, names, sizeof(names)));
	cr_assert_str_eq(names, "FromTheChild\n");
}

/* hold - the test hook: keep the set's lock until killed */

static void
hold(void)
{
	for (;;)
		(void)pause();
}

Test(avcache, a_lock_held_by_a_dead_process_costs_a_miss_not_a_wait)
{
	unsigned char	 k[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES];
	uint64_t	 t0;
	pid_t		 pid;
	int		 status;

	avcache_setup(4);		/* one set: every key is in it */
	key(k, 4);
	avcache_put(AVCACHE_OBJECT, 1, k, "", 0);
	if ((pid = fork()) == 0) {
		avcache_test_hook = hold;
		avcache_put(AVCACHE_OBJECT, 1, k, "", 0);
		_exit(0);
	}
	(void)usleep(200 * 1000);
	(void)kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	t0 = time_now_ms();
	cr_assert_not(avcache_get(AVCACHE_OBJECT, 1, k, names,
	    sizeof(names)));
	avcache_put(AVCACHE_OBJECT, 1, k, "", 0);	/* skipped */
	cr_assert_lt(time_now_ms() - t0, 1000);
	/* A new engine empties the table, lock and all. */
	avcache_setup(4);
	avcache_put(AVCACHE_OBJECT, 1, k, "", 0);
	cr_assert(avcache_get(AVCACHE_OBJECT, 1, k, names, sizeof(names)));
}

/* attach_msg - a message with a text part and one attachment */

static void
attach_msg(struct buf *m, const char *name, const void *data, size_t len)
{
	avt_msg_begin(m, "attachment");
	avt_msg_text(m, "Please see the attachment.\r\n");
	avt_msg_attach(m, "application/octet-stream", name, data, len);
	avt_msg_end(m);
}

Test(avcache, objects_are_counted_and_a_repeat_comes_from_the_cache)
{
	struct buf	*m = buf_new(4096), *e = buf_new(128);
	struct av_scan_stats st;

	load(NULL);
	avt_eicar(e);
	attach_msg(m, "eicar.com", e->data, e->len);
	scan(m, &st);
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	/* Two leaves and the raw message, each once. */
	cr_assert_eq(st.scans, 3, "scans %u", st.scans);
	cr_assert_geq(st.objects, 3, "objects %u", st.objects);
	cr_assert_eq(st.hits, 0);
	cr_assert_eq(f->av_part[1], AV_INFECTED);

	/* The same objects again, from a new scan process (a recycled
	 * child): answered by the shared cache, with the same verdict. */
	av_child_exit();
	av_child_init();
	scan(m, &st);
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	cr_assert(avt_has_name(f, "Eicar"), "%s", avt_names(f));
	cr_assert_eq(f->av_part[1], AV_INFECTED);
	cr_assert_eq(st.hits, 3, "hits %u", st.hits);
	cr_assert_eq(st.scans, 0, "scans %u", st.scans);
	cr_assert_eq(st.objects, 0);

	/* A reload empties it. */
	load(NULL);
	scan(m, &st);
	cr_assert_eq(st.hits, 0, "hits %u after a reload", st.hits);
	cr_assert_eq(f->av, AV_INFECTED);

	/* Without the cache every object is scanned every time. */
	teardown();
	setup();
	load("cache_entries = 0\n");
	scan(m, &st);
	scan(m, &st);
	cr_assert_eq(st.hits, 0);
	cr_assert_eq(st.scans, 3);
	cr_assert_eq(f->av, AV_INFECTED);
	buf_free(m);
	buf_free(e);
}

Test(avcache, a_zip_member_over_max_file_size_is_a_limit_never_clean)
{
	struct buf	*m = buf_new(65536), *e = buf_new(128);
	struct buf	*data = buf_new(300000), *z = buf_new(65536);
	struct avt_zentry ze;
	size_t		 i;

	/* EICAR in the tail of a member past max_file_size: libclamav
	 * scans its first max_file_size bytes and calls it clean. */
	load("max_file_size = 64k\n");
	avt_eicar(e);
	for (i = 0; i < 200000; i++)
		buf_putc(data, 'A');
	buf_append(data, e->data, e->len);
	ze.name = "big.txt";
	ze.data = data->data;
	ze.len = data->len;
	ze.deflate = 1;
	avt_zip(z, &ze, 1, NULL);
	cr_assert_lt(z->len, 64 * 1024);
	attach_msg(m, "big.zip", z->data, z->len);
	scan(m, &(struct av_scan_stats){ 0 });
	cr_assert_eq(f->av, AV_LIMIT, "%s: %s", findings_av_name(f->av),
	    avt_names(f));
	cr_assert(avt_has_name(f, "Heuristics.Limits.Exceeded.MaxFileSize"),
	    "%s", avt_names(f));
	cr_assert(strstr(buf_str(why), "max_file_size") != NULL, "why: %s",
	    buf_str(why));

	/* With room for it, the virus is found. */
	teardown();
	setup();
	load("max_file_size = 1M\n");
	scan(m, &(struct av_scan_stats){ 0 });
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	buf_free(m);
	buf_free(e);
	buf_free(data);
	buf_free(z);
}

Test(avcache, a_limit_hit_is_remembered_and_a_retry_costs_no_scan)
{
	struct buf	*m = buf_new(65536), *e = buf_new(128);
	struct buf	*z = buf_new(65536), *retry = buf_new(65536);
	struct av_scan_stats st;

	load(NULL);
	avt_eicar(e);
	avt_zip_nested(z, e->data, e->len, 25);
	avt_msg_begin(m, "deep");
	avt_msg_attach(m, "application/zip", "deep.zip", z->data, z->len);
	avt_msg_end(m);
	scan(m, &st);
	cr_assert_eq(f->av, AV_LIMIT, "%s", avt_names(f));
	cr_assert_eq(st.remembered, 0);
	cr_assert_gt(st.scans, 0);

	/* The retry, through a proxy that put a new Received: in front. */
	buf_puts(retry, "Received: from a.example by b.example; Mon, 7 Dec "
	    "2026 00:00:00 +0000\r\n\tfolded\r\n");
	buf_append(retry, m->data, m->len);
	scan(retry, &st);
	cr_assert_eq(st.remembered, 1);
	cr_assert_eq(st.scans, 0);
	cr_assert_eq(f->av, AV_LIMIT, "%s", avt_names(f));
	cr_assert_eq(f->av_state, CHECK_LIMIT);
	cr_assert(avt_has_name(f, "Heuristics.Limits.Exceeded.MaxRecursion"),
	    "%s", avt_names(f));
	cr_assert(strstr(buf_str(why), "max_recursion") != NULL, "why: %s",
	    buf_str(why));

	/* Another message is scanned. */
	buf_reset(m);
	avt_msg_begin(m, "fine");
	avt_msg_text(m, "hello\r\n");
	avt_msg_end(m);
	scan(m, &st);
	cr_assert_eq(f->av, AV_CLEAN);
	cr_assert_eq(st.remembered, 0);
	buf_free(m);
	buf_free(e);
	buf_free(z);
	buf_free(retry);
}

/* hang - a scan process that never finishes */

static void
hang(void)
{
	for (;;)
		(void)pause();
}

Test(avcache, a_time_limit_hit_twice_is_final)
{
	struct buf	*m = buf_new(4096);
	struct av_scan_stats st;

	load("max_scan_time = 300ms\nkill_grace = 100ms\n");
	avt_msg_begin(m, "slow");
	avt_msg_text(m, "hello\r\n");
	avt_msg_end(m);
	avscan_test_hook = hang;
	scan(m, &st);
	avscan_test_hook = NULL;
	/* The first time: error (the load may be to blame: tempfail). */
	cr_assert_eq(f->av, AV_ERROR, "%s", avt_names(f));
	cr_assert_eq(f->av_state, CHECK_TIMEOUT);
	/* The retry: the limit status at once, the same limit named. */
	scan(m, &st);
	cr_assert_eq(st.remembered, 1);
	cr_assert_eq(f->av, AV_LIMIT, "%s", avt_names(f));
	cr_assert(avt_has_name(f, "Winnow.Limits.Exceeded.ScanTime"), "%s",
	    avt_names(f));
	buf_free(m);
}

Test(avcache, text_with_an_embedded_uuencoded_file_is_still_found)
{
	struct buf	*m = buf_new(8192), *body = buf_new(4096);
	char		*data;
	size_t		 len;
	struct av_scan_stats st;

	/* clam.exe uuencoded in the text of a plain message (no MIME):
	 * only libclamav's mail parser extracts it. */
	load(NULL);
	data = tu_read_file("/usr/share/clamav-testfiles/clam.exe.mbox.uu",
	    &len);
	avt_lf2crlf(data, len, m);
	scan(m, &st);
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	free(data);

	/* The same in the text part of a MIME message. */
	data = tu_read_file("/usr/share/clamav-testfiles/clam.exe.mbox.uu",
	    &len);
	buf_reset(m);
	avt_msg_begin(m, "uu");
	avt_lf2crlf(strstr(data, "\n\n") + 2, len - (size_t)(strstr(data,
	    "\n\n") + 2 - data), body);
	avt_msg_text(m, buf_str(body));
	avt_msg_end(m);
	scan(m, &st);
	cr_assert_eq(f->av, AV_INFECTED, "%s", avt_names(f));
	free(data);
	buf_free(m);
	buf_free(body);
}

Test(avcache, a_time_limit_cut_short_by_the_message_deadline_is_not_kept)
{
	struct buf	*m = buf_new(4096);
	struct av_scan_stats st;
	struct msg_view	 v;

	load("max_scan_time = 20s\nkill_grace = 100ms\n");
	avt_msg_begin(m, "slow");
	avt_msg_text(m, "hello\r\n");
	avt_msg_end(m);
	avt_view(&v, m);
	v.deadline_ms = time_now_ms() + 300;	/* the message's own */
	avscan_test_hook = hang;
	buf_reset(why);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	avscan_test_hook = NULL;
	cr_assert_eq(f->av, AV_ERROR, "%s", avt_names(f));
	/* The retry is scanned: the load, not the message, may be why. */
	scan(m, &st);
	cr_assert_eq(st.remembered, 0);
	cr_assert_eq(f->av, AV_CLEAN, "%s", avt_names(f));
	buf_free(m);
}
