/* test_sstore.c - unit tests for stats/sstore.c */

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "sstore.h"
#include "status.h"
#include "svec.h"
#include "testutil.h"

static char		 path[700];
static struct buf	*why, *problems;
static struct svec	*v;

static void
setup(void)
{
	why = buf_new(64);
	problems = buf_new(64);
	v = svec_new();
	(void)snprintf(path, sizeof(path), "%s/store", tu_tmpdir());
}

static void
teardown(void)
{
	svec_free(v);
	buf_free(why);
	buf_free(problems);
}

TestSuite(sstore, .init = setup, .fini = teardown);

struct seen {
	int		 n;
	int		 res[64];
	int64_t		 ts[64];
	uint64_t	 got[64];
	uint64_t	 sum;
};

static void
record(int res, int64_t ts, const struct svec *x, void *arg)
{
	struct seen	*s = arg;
	uint64_t	 val = svec_get(x, SKEY(SM_RECEIVED, 0, 0, 0));

	if (s->n < 64) {
		s->res[s->n] = res;
		s->ts[s->n] = ts;
		s->got[s->n] = val;
	}
	s->n++;
	s->sum += val;
}

/* put - a record with n received messages */

static void
put(int res, int64_t ts, uint64_t n)
{
	svec_reset(v);
	svec_add(v, SKEY(SM_RECEIVED, 0, 0, 0), n);
	cr_assert_eq(sstore_append(path, res, ts, v, why), WN_OK, "%s",
	    buf_str(why));
}

Test(sstore, crc32_is_ieee)
{
	cr_assert_eq(sstore_crc32(0, "123456789", 9), 0xcbf43926U);
}

Test(sstore, missing_file_is_empty)
{
	struct seen	 s = { 0 };

	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.n, 0);
}

Test(sstore, append_and_load)
{
	struct seen	 s = { 0 };

	put(SRES_MINUTE, 600, 3);
	put(SRES_HOUR, 3600, 4);
	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.res[1], SRES_HOUR);
	cr_assert_eq(s.ts[1], 3600);
	cr_assert_eq(s.got[0], 3);
	cr_assert_eq(buf_len(problems), 0);
}

Test(sstore, damage_is_skipped_and_named)
{
	struct seen	 s = { 0 };
	struct stat	 st;
	int		 fd;

	put(SRES_MINUTE, 60, 1);
	cr_assert_eq(stat(path, &st), 0);
	put(SRES_MINUTE, 120, 2);
	put(SRES_MINUTE, 180, 4);
	/* flip a byte inside the second record's counters */
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, "\x7f", 1, st.st_size + 24), 1);
	/* and cut the last record short */
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(ftruncate(fd, st.st_size - 3), 0);
	(void)close(fd);
	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.sum, 1);
	cr_assert(strstr(buf_str(problems), path) != NULL, "%s",
	    buf_str(problems));
	cr_assert(strstr(buf_str(problems), "bad checksum") != NULL, "%s",
	    buf_str(problems));
	cr_assert(strstr(buf_str(problems), "truncated") != NULL, "%s",
	    buf_str(problems));
	/* appending after damage still gives a readable record */
	put(SRES_MINUTE, 240, 8);
	memset(&s, 0, sizeof(s));
	buf_reset(problems);
	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.sum, 9);
}

Test(sstore, garbage_file)
{
	struct seen	 s = { 0 };
	const char	*p = tu_write_file("junk", "this is not a store at "
			    "all, WNS1 but no record either");

	cr_assert_eq(sstore_load(p, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.n, 0);
	cr_assert(strstr(buf_str(problems), "no record") != NULL);
}

Test(sstore, compaction_merges_folds_and_drops)
{
	struct seen	 s = { 0 };
	int64_t		 now = 400 * 86400LL * 3, day = 86400;
	char		 kept[800];
	int		 fd;

	put(SRES_MINUTE, now - 60, 1);			/* stays */
	put(SRES_MINUTE, now - 60, 2);			/* merged with it */
	put(SRES_MINUTE, now - 3 * day + 120, 4);	/* into an hour */
	put(SRES_MINUTE, now - 3 * day + 3000, 8);	/* the same hour */
	put(SRES_HOUR, now - 70 * day, 16);		/* into a day */
	put(SRES_DAY, now - 4 * 365 * day, 32);		/* dropped */
	cr_assert_eq(sstore_compact(path, now, problems, why), WN_OK, "%s",
	    buf_str(why));
	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.sum, 31);
	cr_assert_eq(s.res[0], SRES_DAY);
	cr_assert_eq(s.ts[0] % day, 0);
	cr_assert_eq(s.res[1], SRES_HOUR);
	cr_assert_eq(s.got[1], 12);
	cr_assert_eq(s.res[2], SRES_MINUTE);
	cr_assert_eq(s.got[2], 3);
	cr_assert_eq(buf_len(problems), 0);
	/* a damaged file: compacted all the same, the damage kept aside */
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert_eq(write(fd, "WNS1\x01garbage", 12), 12);
	(void)close(fd);
	cr_assert_eq(sstore_compact(path, now, problems, why), WN_OK);
	cr_assert(strstr(buf_str(problems), "kept as") != NULL, "%s",
	    buf_str(problems));
	(void)snprintf(kept, sizeof(kept), "%s.damaged-%lld", path,
	    (long long)now);
	cr_assert_eq(access(kept, F_OK), 0);
	memset(&s, 0, sizeof(s));
	buf_reset(problems);
	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(buf_len(problems), 0, "%s", buf_str(problems));
	cr_assert_eq(s.sum, 31);
}

Test(sstore, a_full_disk_leaves_the_file_as_it_was)
{
	char		 dir[600], full[700];
	struct seen	 s = { 0 };
	struct stat	 st;
	char		 block[4096];
	int		 fd;
	unsigned int	 i;

	(void)snprintf(dir, sizeof(dir), "%s/small", tu_tmpdir());
	cr_assert_eq(mkdir(dir, 0700), 0);
	/* in a mount namespace of this test's own: nothing leaks out */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
		cr_skip_test("cannot mount a tmpfs here: %s", strerror(errno));
	(void)snprintf(path, sizeof(path), "%s/store", dir);
	put(SRES_MINUTE, 60, 1);
	(void)snprintf(full, sizeof(full), "%s/filler", dir);
	fd = open(full, O_WRONLY | O_CREAT, 0600);
	memset(block, 'x', sizeof(block));
	while (write(fd, block, sizeof(block)) > 0)
		;
	(void)close(fd);
	cr_assert_eq(stat(path, &st), 0);
	svec_reset(v);
	for (i = 1; i < 3000; i++)	/* a record bigger than what is left */
		svec_add(v, SKEY(SM_REPLY, i >> 8, i & 0xff, 1), i);
	cr_assert_eq(sstore_append(path, SRES_MINUTE, 120, v, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "No space") != NULL, "%s",
	    buf_str(why));
	cr_assert_eq(sstore_load(path, record, &s, problems, why), WN_OK);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(buf_len(problems), 0, "%s", buf_str(problems));
	cr_assert_eq(sstore_compact(path, 1000, problems, why), WN_TEMP);
	(void)unlink(full);
	put(SRES_MINUTE, 180, 2);
	(void)umount(dir);
}

Test(sstore, one_master_per_store)
{
	int	 fd = sstore_lock(tu_tmpdir(), why), st;
	pid_t	 pid;

	cr_assert(fd >= 0, "%s", buf_str(why));
	if ((pid = fork()) == 0) {
		struct buf *w = buf_new(64);

		_exit(sstore_lock(tu_tmpdir(), w) < 0 &&
		    strstr(buf_str(w), "in use by process") != NULL ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
