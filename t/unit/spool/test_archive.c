/* test_archive.c - unit tests for spool/archive.c */

#include <sys/stat.h>
#include <sys/uio.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "archive.h"
#include "buf.h"
#include "testutil.h"

Test(archive, envelope_then_message_in_a_day_directory)
{
	struct buf	*why = buf_new(64);
	const char	*rcpts[] = { "a@x.test", "b@x.test" };
	struct iovec	 iov[2];
	char		 dir[512], path[700], *data;
	size_t		 len;

	(void)snprintf(dir, sizeof(dir), "%s/arch", tu_tmpdir());
	iov[0].iov_base = "Subject: s\r\n\r\n";
	iov[0].iov_len = 14;
	iov[1].iov_base = "body\r\n";
	iov[1].iov_len = 6;
	/* 2023-11-14 22:13:20 UTC */
	cr_assert_eq(archive_store(dir, 1700000000, "Q1-in", "s@x.test",
	    rcpts, 2, iov, 2, why), WN_OK, "%s", buf_str(why));
	(void)snprintf(path, sizeof(path), "%s/20231114/Q1-in.eml", dir);
	data = tu_read_file(path, &len);
	cr_assert_str_eq(data, "X-Envelope-From: <s@x.test>\r\n"
	    "X-Envelope-To: <a@x.test>,\r\n\t<b@x.test>\r\n"
	    "Subject: s\r\n\r\nbody\r\n");
	free(data);
	/* The same name again (a retry of the same transaction) is fine. */
	cr_assert_eq(archive_store(dir, 1700000000, "Q1-in", "s@x.test",
	    rcpts, 2, iov, 2, why), WN_OK);
	cr_assert_eq(archive_store("/nonexistent/dir/x", 1700000000, "Q2-in",
	    "", rcpts, 1, iov, 2, why), WN_TEMP);
	buf_free(why);
}

Test(archive, purge_removes_whole_days_that_ended_before)
{
	struct buf	*why = buf_new(64);
	const char	*rcpts[] = { "a@x.test" };
	struct iovec	 iov[1];
	char		 dir[512], path[700];
	size_t		 days, files;

	(void)snprintf(dir, sizeof(dir), "%s/arch", tu_tmpdir());
	iov[0].iov_base = "Subject: s\r\n\r\nbody\r\n";
	iov[0].iov_len = 20;
	/* 2023-11-14, twice, and 2023-11-15 (1700000000 + 1 day) */
	cr_assert_eq(archive_store(dir, 1700000000, "Q1-in", "s@x.test",
	    rcpts, 1, iov, 1, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(archive_store(dir, 1700000000, "Q2-in", "s@x.test",
	    rcpts, 1, iov, 1, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(archive_store(dir, 1700086400, "Q3-in", "s@x.test",
	    rcpts, 1, iov, 1, why), WN_OK, "%s", buf_str(why));
	(void)snprintf(path, sizeof(path), "%s/notes", dir);
	cr_assert_eq(mkdir(path, 0700), 0);

	/* 2023-11-15 00:00 UTC exactly: the 14th has just ended */
	cr_assert_eq(archive_purge(dir, 1699920000 + 86400, 1, &days, &files,
	    why), WN_OK);
	cr_assert_eq(days, 1);
	(void)snprintf(path, sizeof(path), "%s/20231114/Q1-in.eml", dir);
	cr_assert_eq(access(path, F_OK), 0, "a dry run removed it");
	cr_assert_eq(archive_purge(dir, 1699920000 + 86400 - 1, 0, &days,
	    &files, why), WN_OK);
	cr_assert_eq(days, 0, "a day not yet over went");
	cr_assert_eq(archive_purge(dir, 1699920000 + 86400, 0, &days, &files,
	    why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(days, 1);
	cr_assert_eq(files, 2);
	(void)snprintf(path, sizeof(path), "%s/20231114", dir);
	cr_assert_neq(access(path, F_OK), 0);
	(void)snprintf(path, sizeof(path), "%s/20231115/Q3-in.eml", dir);
	cr_assert_eq(access(path, F_OK), 0);
	(void)snprintf(path, sizeof(path), "%s/notes", dir);
	cr_assert_eq(access(path, F_OK), 0, "not a day: must stay");
	buf_free(why);
}

Test(archive, purge_of_a_missing_archive_is_nothing_to_do)
{
	struct buf	*why = buf_new(64);
	size_t		 days = 9, files = 9;

	cr_assert_eq(archive_purge("/nonexistent/winnow-archive", 2000000000,
	    0, &days, &files, why), WN_OK);
	cr_assert_eq(days, 0);
	cr_assert_eq(files, 0);
	buf_free(why);
}
