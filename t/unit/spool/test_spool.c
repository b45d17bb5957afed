/* test_spool.c - unit tests for spool/spool.c */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "spool.h"
#include "status.h"
#include "testutil.h"

static struct spool	*sp;
static struct buf	*why;

static void
setup(void)
{
	sp = spool_new(tu_tmpdir(), 16);
	why = buf_new(64);
}

static void
teardown(void)
{
	spool_free(sp);
	buf_free(why);
}

TestSuite(spool, .init = setup, .fini = teardown);

Test(spool, small_message_stays_in_memory)
{
	const char	*d;
	size_t		 len;

	cr_assert_eq(spool_write(sp, "Subject: x\r\n", 12, why), WN_OK);
	cr_assert_eq(spool_size(sp), 12);
	cr_assert_not(spool_on_disk(sp));
	cr_assert_eq(spool_commit(sp, why), WN_OK);
	d = spool_data(sp, &len);
	cr_assert_eq(len, 12);
	cr_assert_eq(memcmp(d, "Subject: x\r\n", 12), 0);
}

Test(spool, large_message_goes_to_an_unnamed_file)
{
	char		 block[1000];
	const char	*d;
	size_t		 len, i;
	char		 cmd[512];

	for (i = 0; i < sizeof(block); i++)
		block[i] = (char)('a' + i % 26);
	for (i = 0; i < 200; i++)
		cr_assert_eq(spool_write(sp, block, sizeof(block), why), WN_OK);
	cr_assert(spool_on_disk(sp));
	cr_assert_eq(spool_commit(sp, why), WN_OK, "%s", buf_str(why));
	d = spool_data(sp, &len);
	cr_assert_eq(len, 200000);
	for (i = 0; i < 200; i++)
		cr_assert_eq(memcmp(d + i * 1000, block, 1000), 0);
	/* The file has no name: the directory stays empty. */
	(void)snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"",
	    tu_tmpdir());
	cr_assert_eq(system(cmd), 0);
}

Test(spool, unwritable_dir_is_temporary_failure)
{
	struct spool	*bad = spool_new("/nonexistent-winnow", 4);

	cr_assert_eq(spool_write(bad, "0123456789", 10, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "/nonexistent-winnow") != NULL);
	spool_free(bad);
}

Test(spool, write_after_commit_is_a_bug, .signal = SIGABRT)
{
	cr_assert_eq(spool_commit(sp, why), WN_OK);
	(void)spool_write(sp, "late\r\n", 6, why);
}

Test(spool, space_check)
{
	cr_assert_eq(spool_space_check(tu_tmpdir(), 1, 0, why), WN_OK);
	cr_assert_eq(spool_space_check(tu_tmpdir(), (size_t)1 << 62, 0, why),
	    WN_TEMP);
	cr_assert(strstr(buf_str(why), "spool_reserve") != NULL);
}
