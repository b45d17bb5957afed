/* test_outq.c - unit tests for spool/outq.c */

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "outq.h"
#include "testutil.h"

static char		 dir[512];
static struct buf	*why;

static void
setup(void)
{
	static int	 n;

	why = buf_new(64);
	(void)snprintf(dir, sizeof(dir), "%s/outq%d", tu_tmpdir(), n++);
	cr_assert_eq(mkdir(dir, 0700), 0);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(outq, .init = setup, .fini = teardown);

/* files - how many entries dir has whose name ends in suffix ("" all) */

static int
files(const char *suffix)
{
	struct dirent	*de;
	DIR		*d = opendir(dir);
	size_t		 n, k = strlen(suffix);
	int		 count = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] != '.' && n >= k &&
		    strcmp(de->d_name + n - k, suffix) == 0)
			count++;
	}
	(void)closedir(d);
	return (count);
}

struct seen {
	int		 calls;
	int		 rc;
	char		 qid[32], what[64], to[2][64], data[256];
	size_t		 nto, len;
	int		 eightbit;
	time_t		 made;
};

static int
record(const struct outq_item *it, void *arg)
{
	struct seen	*s = arg;
	size_t		 i;

	s->calls++;
	(void)snprintf(s->qid, sizeof(s->qid), "%s", it->qid);
	(void)snprintf(s->what, sizeof(s->what), "%s", it->what);
	for (i = 0; i < it->nto && i < 2; i++)
		(void)snprintf(s->to[i], sizeof(s->to[i]), "%s", it->to[i]);
	cr_assert_null(it->to[it->nto]);
	s->nto = it->nto;
	s->len = it->len;
	(void)snprintf(s->data, sizeof(s->data), "%.*s", (int)it->len,
	    it->data);
	s->eightbit = it->eightbit;
	s->made = it->made;
	return (s->rc);
}

static char *const two[] = { "a@x.test", "b@x.test", NULL };
static const char msg[] = "Subject: dsn\r\n\r\n\r\nbody\r\n";

Test(outq, a_held_item_is_skipped_then_removed_when_done)
{
	struct outq_item *it;
	struct seen	 s = { .rc = WN_OK };

	cr_assert_eq(outq_put(dir, "Q1", "DSN", two, 2, msg, sizeof(msg) - 1,
	    1, &it, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(files(""), 1);
	cr_assert_eq(files(".tmp"), 0);
	/* Its maker holds it: a visitor in another process leaves it. */
	if (fork() == 0)
		_exit(outq_each(dir, record, &s, why) == 0 ? 0 : 1);
	{
		int	 st;

		cr_assert_gt(wait(&st), 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	outq_done(it, 1);
	cr_assert_eq(files(""), 0);
	cr_assert_eq(outq_each(dir, record, &s, why), 0);
	cr_assert_eq(s.calls, 0);
}

Test(outq, a_kept_item_comes_back_whole_until_sent)
{
	struct outq_item *it;
	struct seen	 s = { .rc = WN_TEMP };

	cr_assert_eq(outq_put(dir, "Q2", "admin notification (spam)", two, 2,
	    msg, sizeof(msg) - 1, 0, &it, why), WN_OK, "%s", buf_str(why));
	outq_done(it, 0);			/* not sent: keep it */
	cr_assert_eq(outq_each(dir, record, &s, why), 1);
	cr_assert_eq(s.calls, 1);
	cr_assert_str_eq(s.qid, "Q2");
	cr_assert_str_eq(s.what, "admin notification (spam)");
	cr_assert_eq(s.nto, 2);
	cr_assert_str_eq(s.to[0], "a@x.test");
	cr_assert_str_eq(s.to[1], "b@x.test");
	/* the message byte for byte, blank lines in it and all */
	cr_assert_eq(s.len, sizeof(msg) - 1);
	cr_assert_str_eq(s.data, msg);
	cr_assert_eq(s.eightbit, 0);
	cr_assert(s.made > 0 && s.made <= time(NULL));
	cr_assert_eq(files(""), 1, "WN_TEMP keeps it");
	s.rc = WN_PERM;
	cr_assert_eq(outq_each(dir, record, &s, why), 1);
	cr_assert_eq(files(""), 0, "WN_PERM removes it");
}

Test(outq, line_breaks_in_a_header_value_cannot_add_a_recipient)
{
	struct outq_item *it;
	struct seen	 s = { .rc = WN_OK };
	char *const	 evil[] = { "a@x.test\nto evil@y.test", NULL };

	cr_assert_eq(outq_put(dir, "Q3", "DSN\r\nto evil2@y.test", evil, 1,
	    msg, sizeof(msg) - 1, 0, &it, why), WN_OK);
	outq_done(it, 0);
	cr_assert_eq(outq_each(dir, record, &s, why), 1);
	cr_assert_eq(s.nto, 1);
	cr_assert_str_eq(s.to[0], "a@x.test to evil@y.test");
	cr_assert_str_eq(s.what, "DSN  to evil2@y.test");
}

Test(outq, broken_files_are_set_aside_and_stale_tmp_removed)
{
	char		 path[700];
	struct seen	 s = { .rc = WN_OK };
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/Q4.abcdef", dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	(void)fputs("winnow-outq 1\nqid Q4\n", fp);	/* no recipient */
	(void)fclose(fp);
	(void)snprintf(path, sizeof(path), "%s/Q5.abcdef.tmp", dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	(void)fclose(fp);
	cr_assert_eq(outq_each(dir, record, &s, why), 0);
	cr_assert_eq(s.calls, 0);
	cr_assert_eq(files(".broken"), 1);
	cr_assert_eq(files(".tmp"), 1, "a fresh .tmp may have a live maker");
	{
		struct timespec	 old[2] = { { 1000, 0 }, { 1000, 0 } };

		cr_assert_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	}
	cr_assert_eq(outq_each(dir, record, &s, why), 0);
	cr_assert_eq(files(".tmp"), 0);
	cr_assert_eq(files(".broken"), 1, "kept for the admin");
}

Test(outq, an_unwritable_directory_is_a_temporary_failure)
{
	struct outq_item *it = (void *)1;

	cr_assert_eq(outq_put("/nonexistent/outq", "Q6", "DSN", two, 2, msg,
	    sizeof(msg) - 1, 0, &it, why), WN_TEMP);
	cr_assert_null(it);
	cr_assert_not_null(strstr(buf_str(why), "/nonexistent/outq"));
	cr_assert_eq(outq_each("/nonexistent/outq", record, NULL, why), -1);
}
