/* test_rollup.c - unit tests for server/rollup.c */

#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "live.h"
#include "server.h"
#include "sstore.h"
#include "stats_conf.h"
#include "svec.h"
#include "testutil.h"
#include "xalloc.h"

static char	 store[600];

static void
setup(void)
{
	conf_reset();
	server_register_all();
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(tu_tmpdir());
	(void)snprintf(store, sizeof(store), "%s/stats/store", tu_tmpdir());
}

TestSuite(rollup, .init = setup);

static uint64_t	 got;

static void
sum(int res, int64_t ts, const struct svec *v, void *arg)
{
	(void)res;
	(void)ts;
	(void)arg;
	got += svec_get(v, SKEY(SM_RECEIVED, 0, 0, 0));
}

Test(rollup, counts_reach_the_store_once)
{
	struct buf	*why = buf_new(64);
	struct live	*r;
	struct svec	*rest = svec_new();

	rollup_start(getuid(), getgid(), 0);
	cr_assert_not_null(server_live);
	cr_assert_not(live_is_private(server_live));
	live_add(server_live, SKEY(SM_RECEIVED, 0, 0, 0), 4);
	rollup_tick(1);
	live_add(server_live, SKEY(SM_RECEIVED, 0, 0, 0), 1);
	rollup_tick(1);
	rollup_tick(1);			/* nothing new: no record */
	got = 0;
	cr_assert_eq(sstore_load(store, sum, NULL, NULL, why), 0);
	cr_assert_eq(got, 5);
	r = live_open(stats_conf_dir(smtp_conf.spool_dir), why);
	cr_assert_not_null(r, "%s", buf_str(why));
	live_unflushed(r, rest);
	cr_assert_eq(svec_count(rest), 0, "all of it is in the store");
	live_close(r, 0, NULL);
	/* the live file's memory is in /dev/shm, linked from the stats dir;
	 * a clean stop lets it go and the link says so */
	rollup_stop();
	cr_assert(live_stopped(stats_conf_dir(smtp_conf.spool_dir)));
	cr_assert_null(live_open(stats_conf_dir(smtp_conf.spool_dir), why));
	cr_assert(strstr(buf_str(why), "it stopped") != NULL, "%s",
	    buf_str(why));
	svec_free(rest);
	buf_free(why);
}

Test(rollup, a_store_in_use_means_memory_only)
{
	struct buf	*why = buf_new(64);
	char		 dir[600];
	pid_t		 pid;
	int		 p[2], st;
	char		 c;

	(void)snprintf(dir, sizeof(dir), "%s/stats", tu_tmpdir());
	(void)mkdir(dir, 0750);
	cr_assert_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		if (sstore_lock(dir, why) < 0)
			_exit(1);
		(void)write(p[1], "x", 1);
		(void)pause();
		_exit(0);
	}
	cr_assert_eq(read(p[0], &c, 1), 1);
	rollup_start(getuid(), getgid(), 0);
	cr_assert(live_is_private(server_live));
	live_add(server_live, SKEY(SM_RECEIVED, 0, 0, 0), 4);
	rollup_tick(1);
	(void)kill(pid, SIGTERM);
	(void)waitpid(pid, &st, 0);
	rollup_stop();
	got = 0;
	cr_assert_eq(sstore_load(store, sum, NULL, NULL, why), 0);
	cr_assert_eq(got, 0, "nothing written to another's store");
	buf_free(why);
}
