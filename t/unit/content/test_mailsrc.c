/* test_mailsrc.c - unit tests for content/mailsrc.c */

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mailsrc.h"
#include "testutil.h"

static struct buf *why;

static void
setup(void)
{
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(mailsrc, .init = setup, .fini = teardown);

/* all - read every message; returns the count, bodies joined by '|' */
static int
all(const char *path, struct buf *joined)
{
	struct mailsrc	*ms = mailsrc_open(path, why);
	const char	*d, *name;
	size_t		 len;
	int		 n = 0, r;

	cr_assert_not_null(ms, "%s", buf_str(why));
	while ((r = mailsrc_next(ms, &d, &len, &name, why)) != 0) {
		cr_assert_eq(r, 1, "%s", buf_str(why));
		if (joined != NULL) {
			buf_append(joined, d, len);
			buf_putc(joined, '|');
		}
		n++;
	}
	cr_assert_float_eq(mailsrc_progress(ms), 1.0, 1e-9);
	mailsrc_close(ms);
	return (n);
}

Test(mailsrc, single_message_with_from_line_is_one_message)
{
	struct buf *j = buf_new(64);

	cr_assert_eq(all(tu_write_file("one", "From a@b  Thu Aug 22 13:17:22 "
	    "2002\nSubject: x\n\nFrom the desk of the editor\nbody\n"), j), 1);
	cr_assert(strncmp(buf_str(j), "From a@b", 8) == 0);
	buf_free(j);
}

Test(mailsrc, mbox_is_split_and_unquoted)
{
	struct buf *j = buf_new(64);

	cr_assert_eq(all(tu_write_file("box", "From a@b Mon Jan  1 00:00:00 "
	    "2024\nSubject: 1\n\n>From here\n\nFrom c@d Tue Jan  2 00:00:00 "
	    "2024\nSubject: 2\n\ntwo\n"), j), 2);
	cr_assert_str_eq(buf_str(j), "Subject: 1\n\nFrom here\n\n|"
	    "Subject: 2\n\ntwo\n|");
	buf_free(j);
}

Test(mailsrc, directory_tree_in_name_order)
{
	char	 dir[512], sub[600];
	struct buf *j = buf_new(64);

	(void)snprintf(dir, sizeof(dir), "%s/md", tu_tmpdir());
	(void)mkdir(dir, 0755);
	(void)snprintf(sub, sizeof(sub), "%s/cur", dir);
	(void)mkdir(sub, 0755);
	tu_write_file("md/b", "B\n");
	tu_write_file("md/a", "A\n");
	tu_write_file("md/cur/c", "C\n");
	tu_write_file("md/.hidden", "H\n");
	cr_assert_eq(all(dir, j), 3);
	cr_assert_str_eq(buf_str(j), "A\n|B\n|C\n|");
	buf_free(j);
}

Test(mailsrc, empty_file_is_one_empty_message)
{
	cr_assert_eq(all(tu_write_file("empty", ""), NULL), 1);
}

Test(mailsrc, missing_path)
{
	cr_assert_null(mailsrc_open("/nonexistent/mail", why));
	cr_assert(strstr(buf_str(why), "/nonexistent/mail") != NULL);
}
