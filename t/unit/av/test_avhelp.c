/* test_avhelp.c - unit tests for av/avhelp.c: the scan process */

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	buf_puts(m, "From: a@example.org\r\nSubject: x\r\n\r\nhello\r\n");
}

static void
teardown(void)
{
	av_child_exit();
	av_unload();
	conf_reset();
	findings_free(f);
	buf_free(m);
	buf_free(why);
}

TestSuite(avhelp, .init = setup, .fini = teardown, .timeout = 60);

/* check - av_check of the test message */

static void
check(void)
{
	struct msg_view	 v;

	avt_view(&v, m);
	buf_reset(why);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
}

/* hang - a scan that never ends */

static void
hang(void)
{
	for (;;)
		(void)pause();
}

Test(avhelp, one_scan_process_serves_many_messages)
{
	pid_t	 pid;
	int	 i;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	cr_assert_eq(avhelp_pid(), 0);
	check();
	cr_assert_eq(f->av, AV_CLEAN);
	pid = avhelp_pid();
	cr_assert_gt(pid, 0);
	for (i = 0; i < 20; i++) {
		check();
		cr_assert_eq(f->av, AV_CLEAN);
	}
	cr_assert_eq(avhelp_pid(), pid);
	av_child_exit();
	cr_assert_eq(avhelp_pid(), 0);
	cr_assert_neq(kill(pid, 0), 0, "scan process still there");
}

Test(avhelp, a_killed_scan_process_is_replaced)
{
	pid_t	 pid;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	check();
	pid = avhelp_pid();
	cr_assert_eq(kill(pid, SIGKILL), 0);
	usleep(50000);
	/* Dead while idle: the next message is scanned by a new process. */
	check();
	cr_assert_eq(f->av, AV_CLEAN, "%s", buf_str(why));
	cr_assert_neq(avhelp_pid(), pid);
	cr_assert_gt(avhelp_pid(), 0);
}

Test(avhelp, a_new_engine_gets_a_new_scan_process)
{
	pid_t	 pid;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	check();
	pid = avhelp_pid();
	cr_assert_eq(av_load(why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(avhelp_pid(), 0);
	check();
	cr_assert_gt(avhelp_pid(), 0);
	cr_assert_neq(avhelp_pid(), pid);
}

Test(avhelp, a_forked_child_starts_its_own)
{
	pid_t	 pid, kid;
	int	 status;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	check();
	pid = avhelp_pid();
	if ((kid = fork()) == 0) {
		av_child_init();
		if (avhelp_pid() != 0)
			_exit(1);
		check();
		_exit(f->av == AV_CLEAN && avhelp_pid() != 0 &&
		    avhelp_pid() != pid ? 0 : 2);
	}
	cr_assert_eq(waitpid(kid, &status, 0), kid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d",
	    status);
	/* Ours is untouched. */
	cr_assert_eq(avhelp_pid(), pid);
	check();
	cr_assert_eq(f->av, AV_CLEAN);
	cr_assert_eq(avhelp_pid(), pid);
}

Test(avhelp, timeout_then_recovery)
{
	uint64_t	 t0;

	/* Without the memory of limit hits, which would answer the retry of
	 * the same message without a scan (test_avscan). */
	cr_assert_eq(avt_conf("max_scan_time = 300ms\nkill_grace = 100ms\n"
	    "limit_memory = 0\n", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	avscan_test_hook = hang;
	t0 = time_now_ms();
	check();
	avscan_test_hook = NULL;
	cr_assert_lt(time_now_ms() - t0, 2000);
	cr_assert_eq(f->av_state, CHECK_TIMEOUT);
	cr_assert_eq(avhelp_pid(), 0);
	check();
	cr_assert_eq(f->av, AV_CLEAN);
}

Test(avhelp, the_scan_process_keeps_none_of_the_childs_descriptors)
{
	struct dirent	*de;
	struct stat	 st, ps;
	char		 dir[64], path[320];
	int		 pfd[2], n = 0, leaked = 0;
	DIR		*d;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	cr_assert_eq(pipe(pfd), 0);	/* as if a session were open */
	cr_assert_eq(fstat(pfd[0], &ps), 0);
	check();
	(void)snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)avhelp_pid());
	cr_assert_not_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && st.st_ino == ps.st_ino &&
		    st.st_dev == ps.st_dev)
			leaked++;
	}
	(void)closedir(d);
	cr_assert_eq(leaked, 0);
	cr_assert_leq(n, 5, "%d descriptors", n);	/* 0-2, socket, memfd */
	(void)close(pfd[0]);
	(void)close(pfd[1]);
}

Test(avhelp, options_travel_to_the_scan_process)
{
	struct av_opts	*o = av_opts_copy(av_opts_default()), back;
	struct buf	*b = buf_new(256);
	size_t		 cut;

	cr_assert_eq(av_opts_set(o, "mode", "combined", why), WN_OK);
	cr_assert_eq(av_opts_set(o, "filter_names", "*.exe *.pdf.exe", why),
	    WN_OK);
	cr_assert_eq(av_opts_set(o, "filter_exclude_real_types", "text/*",
	    why), WN_OK);
	cr_assert_eq(av_opts_set(o, "filter_max_size", "5M", why), WN_OK);
	cr_assert_eq(avhelp_opts_pack(o, b), 0);
	cr_assert_eq(avhelp_opts_unpack((unsigned char *)b->data, b->len,
	    &back), 0);
	cr_assert_eq(back.mode, AV_MODE_COMBINED);
	cr_assert_eq(back.max_size, 5u << 20);
	cr_assert_str_eq(back.incl[AVFILT_NAME][1], "*.pdf.exe");
	cr_assert_null(back.incl[AVFILT_NAME][2]);
	cr_assert_null(back.incl[AVFILT_TYPE]);
	cr_assert_str_eq(back.excl[AVFILT_REAL][0], "text/*");
	avconf_opts_clear(&back);
	for (cut = 0; cut < b->len; cut++)
		cr_assert_eq(avhelp_opts_unpack((unsigned char *)b->data, cut,
		    &back), -1, "cut at %zu", cut);
	buf_putc(b, 0);
	cr_assert_eq(avhelp_opts_unpack((unsigned char *)b->data, b->len,
	    &back), -1);
	av_opts_free(o);
	buf_free(b);
}
