/* test_live.c - unit tests for stats/live.c */

#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "history.h"
#include "live.h"
#include "svec.h"
#include "testutil.h"

static struct buf	*why;
static char		 dir[512];

static void
setup(void)
{
	why = buf_new(64);
	(void)snprintf(dir, sizeof(dir), "%s/stats", tu_tmpdir());
	(void)mkdir(dir, 0750);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(live, .init = setup, .fini = teardown);

Test(live, a_file_readers_can_map)
{
	struct live	*l = live_create(dir, 100, (gid_t)-1, why), *r;
	struct live_info in, out;
	struct svec	*v = svec_new();

	cr_assert_not(live_is_private(l), "%s", buf_str(why));
	memset(&in, 0, sizeof(in));
	in.master_pid = getpid();
	in.generation = 7;
	(void)snprintf(in.model_path, sizeof(in.model_path), "/m");
	live_set_info(l, &in);
	live_add(l, SKEY_CELL(SM_MSGS, live_group(l, "sales"), 2, 1, 0), 3);
	r = live_open(dir, why);
	cr_assert_not_null(r, "%s", buf_str(why));
	live_info(r, &out);
	cr_assert_eq(out.generation, 7);
	cr_assert_str_eq(out.model_path, "/m");
	cr_assert(live_master_alive(r));
	live_counted(r, v);
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_MSGS, svec_group(v, "sales"), 2,
	    1, 0)), 3);
	cr_assert_not(live_replaced(r, dir));
	live_close(r, 0, NULL);
	live_close(l, 1, dir);
	cr_assert_null(live_open(dir, why));
	cr_assert(strstr(buf_str(why), "is winnowd running") != NULL);
	svec_free(v);
}

Test(live, counts_from_many_processes_add_up)
{
	struct live	*l = live_create(dir, 100, (gid_t)-1, why);
	struct svec	*v = svec_new();
	pid_t		 pid[4];
	int		 i, k, st;

	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			for (k = 0; k < 10000; k++) {
				live_add(l, SKEY(SM_RECEIVED, 0, 0, 0), 1);
				live_add(l, SKEY(SM_REPLY, 2, k % 7, 0), 2);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		cr_assert_eq(waitpid(pid[i], &st, 0), pid[i]);
	live_counted(l, v);
	cr_assert_eq(svec_get(v, SKEY(SM_RECEIVED, 0, 0, 0)), 40000);
	cr_assert_eq(svec_sum(v, SM_REPLY, 2, -1, -1, -1), 80000);
	svec_free(v);
	live_close(l, 0, NULL);
}

Test(live, flushed_part_is_not_counted_twice)
{
	struct live	*l = live_create(dir, 100, (gid_t)-1, why);
	struct svec	*snap = svec_new(), *rest = svec_new();
	uint64_t	 seq;

	live_add(l, SKEY(SM_RECEIVED, 0, 0, 0), 5);
	seq = live_begin_read(l);
	live_flush_begin(l);
	cr_assert_not(live_end_read(l, seq), "a rollup ran meanwhile");
	live_unflushed_snapshot(l, snap);
	live_add(l, SKEY(SM_RECEIVED, 0, 0, 0), 2);	/* during the write */
	live_flush_commit(l);
	live_flush_end(l);
	cr_assert_eq(svec_get(snap, SKEY(SM_RECEIVED, 0, 0, 0)), 5);
	live_unflushed(l, rest);
	cr_assert_eq(svec_get(rest, SKEY(SM_RECEIVED, 0, 0, 0)), 2);
	seq = live_begin_read(l);
	cr_assert(live_end_read(l, seq));
	svec_free(snap);
	svec_free(rest);
	live_close(l, 0, NULL);
}

Test(live, groups_past_the_table_are_other)
{
	struct live	*l = live_create(NULL, 10, (gid_t)-1, why);
	char		 name[16];
	unsigned int	 i, id = 0;

	cr_assert(live_is_private(l));
	for (i = 0; i < 300; i++) {
		(void)snprintf(name, sizeof(name), "g%u", i);
		id = live_group(l, name);
	}
	cr_assert_eq(id, 255);
	cr_assert_eq(live_group(l, "g7"), 7);
	live_close(l, 0, NULL);
}

Test(live, refuses_a_file_of_another_kind)
{
	char	 path[600];
	int	 fd;

	(void)snprintf(path, sizeof(path), "%s/live", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "WNLIVE1\0garbage", 15), 15);
	(void)close(fd);
	cr_assert_null(live_open(dir, why));
	cr_assert(strstr(buf_str(why), "not a live file") != NULL, "%s",
	    buf_str(why));
	/* a truncated real one too */
	live_close(live_create(dir, 50, (gid_t)-1, why), 0, NULL);
	cr_assert_eq(truncate(path, 5000), 0);
	buf_reset(why);
	cr_assert_null(live_open(dir, why));
}

Test(live, an_unwritable_dir_gives_private_memory)
{
	struct live	*l = live_create("/nonexistent/dir", 10, (gid_t)-1,
			    why);

	cr_assert(live_is_private(l));
	cr_assert(strstr(buf_str(why), "/nonexistent/dir") != NULL);
	live_add(l, SKEY(SM_RECEIVED, 0, 0, 0), 1);
	live_close(l, 0, NULL);
}

Test(live, scoreboard_idle)
{
	struct live	*l = live_create(NULL, 10, (gid_t)-1, why);
	struct scoreboard *sb = live_scoreboard(l);

	sb->nslots = 3;
	sb->slot[0].state = CHILD_IDLE;
	sb->slot[1].state = CHILD_BUSY;
	sb->slot[2].state = CHILD_STARTING;
	cr_assert_eq(scoreboard_idle(sb), 2);
	sb->slot[2].stopping = 1;
	cr_assert_eq(scoreboard_idle(sb), 1);
	live_close(l, 0, NULL);
}
