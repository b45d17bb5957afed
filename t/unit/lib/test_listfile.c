/* test_listfile.c - unit tests for lib/listfile.c */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "listfile.h"
#include "testutil.h"

/* put - write n bytes to tmpdir/name, its path into path */

static void
put(char *path, size_t size, const char *name, const char *text, size_t n)
{
	FILE	*fp;

	(void)snprintf(path, size, "%s/%s", tu_tmpdir(), name);
	cr_assert_not_null(fp = fopen(path, "w"));
	cr_assert_eq(fwrite(text, 1, n, fp), n);
	cr_assert_eq(fclose(fp), 0);
}

Test(listfile, lines_numbered_with_their_newlines)
{
	struct listfile		 lf;
	enum listfile_fail	 fail = LISTFILE_OK;
	char			 path[600];

	put(path, sizeof(path), "l", "a@b\n# c\nlast", 12);
	cr_assert_eq(listfile_open(&lf, path, 0), LISTFILE_OK);
	cr_assert_eq(listfile_next(&lf, &fail), 1);
	cr_assert_str_eq(lf.line, "a@b\n");
	cr_assert_eq(lf.no, 1);
	cr_assert_eq(listfile_next(&lf, &fail), 1);
	cr_assert_str_eq(lf.line, "# c\n");
	cr_assert_eq(listfile_next(&lf, &fail), 1);
	cr_assert_str_eq(lf.line, "last");
	cr_assert_eq(lf.len, 4);
	cr_assert_eq(lf.no, 3);
	cr_assert_eq(listfile_next(&lf, &fail), 0);
	cr_assert_eq(fail, LISTFILE_OK);
	listfile_close(&lf);
}

Test(listfile, what_is_refused_says_why)
{
	struct listfile		 lf;
	enum listfile_fail	 fail = LISTFILE_OK;
	char			 path[600];

	cr_assert_eq(listfile_open(&lf, "relative/list", 0),
	    LISTFILE_RELATIVE);
	(void)snprintf(path, sizeof(path), "%s/none", tu_tmpdir());
	cr_assert_eq(listfile_open(&lf, path, 0), LISTFILE_OPEN);
	cr_assert_eq(errno, ENOENT);
	(void)snprintf(path, sizeof(path), "%s/dir", tu_tmpdir());
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_assert_eq(listfile_open(&lf, path, 0), LISTFILE_NOT_REGULAR);
	(void)snprintf(path, sizeof(path), "%s/fifo", tu_tmpdir());
	cr_assert_eq(mkfifo(path, 0600), 0);
	/* a FIFO with no writer: refused at once, not waited on */
	cr_assert_eq(listfile_open(&lf, path, 0), LISTFILE_NOT_REGULAR);
	put(path, sizeof(path), "big", "0123456789", 10);
	cr_assert_eq(listfile_open(&lf, path, 9), LISTFILE_TOO_LARGE);
	cr_assert_eq(listfile_open(&lf, path, 10), LISTFILE_OK);
	listfile_close(&lf);
	put(path, sizeof(path), "nul", "ok\nbi\0nary\n", 11);
	cr_assert_eq(listfile_open(&lf, path, 0), LISTFILE_OK);
	cr_assert_eq(listfile_next(&lf, &fail), 1);
	cr_assert_eq(listfile_next(&lf, &fail), -1);
	cr_assert_eq(fail, LISTFILE_NUL);
	cr_assert_eq(lf.no, 2);
	listfile_close(&lf);
}
