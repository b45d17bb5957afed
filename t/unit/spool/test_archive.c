/* test_archive.c - unit tests for spool/archive.c */

#include <sys/uio.h>

#include <stdio.h>
#include <string.h>

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
