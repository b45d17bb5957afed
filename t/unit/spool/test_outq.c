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
record(const struct outq_item *it, void *arg, int *end)
{
	struct seen	*s = arg;
	size_t		 i;

	(void)end;
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

/* put_kept - an entry as winnowd leaves it after a failed send */

static void
put_kept(const char *qid, time_t made)
{
	struct outq_item *it;

	cr_assert_eq(outq_put(dir, qid, "DSN", two, 2, msg, sizeof(msg) - 1,
	    0, made, &it, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(outq_commit(it, why), WN_OK, "%s", buf_str(why));
	outq_done(it, 0);
}

/* age - set a file's last try to seconds ago */

static void
age(const char *suffix, time_t seconds)
{
	struct dirent	*de;
	struct timespec	 t[2];
	char		 path[800];
	DIR		*d = opendir(dir);
	size_t		 n, k = strlen(suffix);

	t[0].tv_sec = t[1].tv_sec = time(NULL) - seconds;
	t[0].tv_nsec = t[1].tv_nsec = 0;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < k ||
		    strcmp(de->d_name + n - k, suffix) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0);
	}
	(void)closedir(d);
}

/* visit_in_child - outq_each in another process; its visit count */

static int
visit_in_child(unsigned int min_age)
{
	struct seen	 s = { .rc = WN_OK };
	int		 st;
	pid_t		 pid;

	if ((pid = fork()) == 0)
		_exit(outq_each(dir, min_age, record, &s, why));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	return (WEXITSTATUS(st));
}

Test(outq, invisible_until_committed_and_skipped_while_held)
{
	struct outq_item *it;
	struct seen	 s = { .rc = WN_OK };

	cr_assert_eq(outq_put(dir, "Q1", "DSN", two, 2, msg, sizeof(msg) - 1,
	    1, 0, &it, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(files(".tmp"), 1);
	cr_assert_eq(visit_in_child(0), 0, "not committed: not visible");
	cr_assert_eq(outq_commit(it, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(files(".tmp"), 0);
	cr_assert_eq(files(""), 1);
	cr_assert_eq(visit_in_child(0), 0, "held by its maker");
	outq_done(it, 1);
	cr_assert_eq(files(""), 0);
	cr_assert_eq(outq_each(dir, 0, record, &s, why), 0);
	cr_assert_eq(s.calls, 0);
}

Test(outq, an_item_done_while_a_visitor_waits_is_not_sent_again)
{
	struct outq_item *it;
	struct seen	 s = { .rc = WN_OK };
	char		 path[800];
	int		 fd;

	cr_assert_eq(outq_put(dir, "Q7", "DSN", two, 2, msg, sizeof(msg) - 1,
	    0, 0, &it, why), WN_OK);
	cr_assert_eq(outq_commit(it, why), WN_OK);
	/* a visitor opened it before the maker removed it, then locks it */
	(void)snprintf(path, sizeof(path), "%s", it->path);
	cr_assert_geq(fd = open(path, O_RDONLY), 0);
	outq_done(it, 1);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	{
		struct stat	 st;

		cr_assert_eq(fstat(fd, &st), 0);
		cr_assert_eq(st.st_nlink, 0, "the visitor can tell it is gone");
	}
	(void)close(fd);
	cr_assert_eq(outq_each(dir, 0, record, &s, why), 0);
}

Test(outq, a_kept_item_comes_back_whole_until_sent)
{
	struct seen	 s = { .rc = WN_TEMP };

	put_kept("Q2", 0);
	age("", 10);
	cr_assert_eq(outq_each(dir, 5, record, &s, why), 1);
	cr_assert_eq(s.calls, 1);
	cr_assert_str_eq(s.qid, "Q2");
	cr_assert_str_eq(s.what, "DSN");
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
	age("", 10);
	cr_assert_eq(outq_each(dir, 5, record, &s, why), 1);
	cr_assert_eq(files(""), 0, "WN_PERM removes it");
}

Test(outq, a_file_tried_recently_waits_however_many_look)
{
	struct seen	 s = { .rc = WN_TEMP };

	put_kept("Q8", 1000);
	/* just tried (outq_done keeping it): not due for 60 seconds */
	cr_assert_eq(outq_each(dir, 60, record, &s, why), 0);
	cr_assert_eq(visit_in_child(60), 0);
	age("", 61);
	cr_assert_eq(outq_each(dir, 60, record, &s, why), 1);
	cr_assert_eq(s.made, 1000, "the first making time is kept");
	/* the try set its time: the next visitor leaves it */
	cr_assert_eq(visit_in_child(60), 0);
	cr_assert_eq(s.calls, 1);
}

static int
end_after_first(const struct outq_item *it, void *arg, int *end)
{
	int	*calls = arg;

	(void)it;
	(*calls)++;
	*end = 1;
	return (WN_TEMP);
}

Test(outq, a_pass_can_end_early)
{
	int	 calls = 0;

	put_kept("Q9", 0);
	put_kept("Q10", 0);
	cr_assert_eq(outq_each(dir, 0, end_after_first, &calls, why), 1);
	cr_assert_eq(calls, 1);
}

Test(outq, line_breaks_in_a_header_value_cannot_add_a_recipient)
{
	struct outq_item *it;
	struct seen	 s = { .rc = WN_OK };
	char *const	 evil[] = { "a@x.test\nto evil@y.test", NULL };

	cr_assert_eq(outq_put(dir, "Q3", "DSN\r\nto evil2@y.test", evil, 1,
	    msg, sizeof(msg) - 1, 0, 0, &it, why), WN_OK);
	cr_assert_eq(outq_commit(it, why), WN_OK);
	outq_done(it, 0);
	cr_assert_eq(outq_each(dir, 0, record, &s, why), 1);
	cr_assert_eq(s.nto, 1);
	cr_assert_str_eq(s.to[0], "a@x.test to evil@y.test");
	cr_assert_str_eq(s.what, "DSN  to evil2@y.test");
}

Test(outq, D4_broken_files_are_set_aside_and_stale_tmp_removed)
{
	struct outq_item *it;
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
	/* and one whose maker is alive, holding it */
	cr_assert_eq(outq_put(dir, "Q11", "DSN", two, 2, msg, sizeof(msg) - 1,
	    0, 0, &it, why), WN_OK);
	cr_assert_eq(outq_each(dir, 0, record, &s, why), 0);
	cr_assert_eq(s.calls, 0);
	cr_assert_eq(files(".broken"), 1);
	cr_assert_eq(files(".tmp"), 2, "a fresh .tmp may have a live maker");
	age(".tmp", 7200);
	cr_assert_eq(outq_each(dir, 0, record, &s, why), 0);
	cr_assert_eq(files(".tmp"), 1, "the held one stays, however old");
	cr_assert_eq(files(".broken"), 1, "kept for the admin");
	outq_done(it, 1);
	cr_assert_eq(files(".tmp"), 0);
}

Test(outq, an_unwritable_directory_is_a_temporary_failure)
{
	struct outq_item *it = (void *)1;

	cr_assert_eq(outq_put("/nonexistent/outq", "Q6", "DSN", two, 2, msg,
	    sizeof(msg) - 1, 0, 0, &it, why), WN_TEMP);
	cr_assert_null(it);
	cr_assert_not_null(strstr(buf_str(why), "/nonexistent/outq"));
	cr_assert_eq(outq_each("/nonexistent/outq", 0, record, NULL, why), -1);
}
