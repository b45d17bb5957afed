/* test_av.c - unit tests for av/av.c: engine life cycle and child set-up */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "timeutil.h"
#include "av_private.h"
#include "avtest.h"

/* A second signature, for reloads: the text below, anywhere. */
#define MARKER		"winnow-av-reload-marker"
#define MARKER_SIG	"Winnow-Reload-Marker:0:*:" \
	"77696e6e6f772d61762d72656c6f61642d6d61726b6572\n"

static struct buf	*why;
static struct findings	*f;

static void
setup(void)
{
	why = buf_new(256);
	f = findings_new();
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	av_child_exit();
	av_unload();
	conf_reset();
	findings_free(f);
	buf_free(why);
}

TestSuite(av, .init = setup, .fini = teardown, .timeout = 120);

/* reload - write a config and run the master's reload steps */

static int
reload(const char *lines)
{
	struct buf	*text = buf_new(512);
	const char	*path;
	int		 rc;

	buf_printf(text, "[av]\ntemp_directory = %s\n%s", tu_tmpdir(), lines);
	path = tu_write_file("reload.conf", buf_str(text));
	buf_free(text);
	buf_reset(why);
	if ((rc = conf_load(path, why)) != WN_OK)
		return (rc);
	return (av_load(why));
}

/* msg_with - a message whose body is some text */

static void
msg_with(struct buf *m, const char *body, size_t len)
{
	buf_reset(m);
	buf_puts(m, "From: a@example.org\r\nSubject: t\r\n\r\n");
	buf_append(m, body, len);
	buf_puts(m, "\r\n");
}

/* status_of - av_check of a message */

static enum av_status
status_of(const struct buf *m)
{
	struct msg_view	 v;

	avt_view(&v, m);
	if (av_check(&v, f, why) != WN_OK)
		return (AV_STATUS_COUNT);
	return (f->av);
}

/* write_file - a file in the test directory with some contents */

static const char *
write_file(const char *name, const char *text)
{
	return (tu_write_file(name, text));
}

Test(av, load_compiles_the_test_signatures)
{
	struct buf	*m = buf_new(256), *e = buf_new(128);

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_signatures(), 4);
	cr_assert_not_null(av_engine_current());
	cr_assert_eq(av_db_changed(), 0);
	av_child_init();
	avt_eicar(e);
	msg_with(m, e->data, e->len);
	cr_assert_eq(status_of(m), AV_INFECTED);
	msg_with(m, "hello", 5);
	cr_assert_eq(status_of(m), AV_CLEAN);
	buf_free(m);
	buf_free(e);
}

Test(av, a_broken_database_keeps_the_old_engine)
{
	struct buf	*m = buf_new(256), *e = buf_new(128);
	char		 dir[512], lines[1024];
	const struct av_engine *before;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	before = av_engine_current();
	(void)snprintf(dir, sizeof(dir), "%s/broken", tu_tmpdir());
	cr_assert_eq(mkdir(dir, 0700), 0);
	(void)write_file("broken/bad.ndb", "this is not a signature\n");
	(void)snprintf(lines, sizeof(lines), "database = %s\n", dir);
	cr_assert_eq(reload(lines), WN_TEMP);
	cr_assert_not_null(strstr(buf_str(why), "cannot load"), "%s",
	    buf_str(why));
	cr_assert_eq(av_engine_current(), before);
	cr_assert_eq(av_signatures(), 4);
	av_child_init();
	avt_eicar(e);
	msg_with(m, e->data, e->len);
	cr_assert_eq(status_of(m), AV_INFECTED);

	/* An empty directory or a missing one is no better. */
	(void)snprintf(dir, sizeof(dir), "%s/empty", tu_tmpdir());
	cr_assert_eq(mkdir(dir, 0700), 0);
	(void)snprintf(lines, sizeof(lines), "database = %s\n", dir);
	cr_assert_eq(reload(lines), WN_TEMP);
	cr_assert_eq(reload("database = /nonexistent/clamav\n"), WN_TEMP);
	cr_assert_eq(av_signatures(), 4);
	buf_free(m);
	buf_free(e);
}

Test(av, an_empty_database_directory_is_watched_not_sorted)
{
	char	 dir[512], lines[1024];

	/* freshclam's directory before its first download: scanning off,
	 * and the snapshot of its (no) files is taken without sorting a
	 * NULL array (this binary's qsort aborts on one). */
	(void)snprintf(dir, sizeof(dir), "%s/fresh", tu_tmpdir());
	cr_assert_eq(mkdir(dir, 0700), 0);
	(void)snprintf(lines, sizeof(lines), "database = %s\n", dir);
	cr_assert_eq(reload(lines), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_signatures(), 0);
	cr_assert_eq(av_db_changed(), 0);
	(void)write_file("fresh/marker.ndb", MARKER_SIG);
	cr_assert_eq(av_db_changed(), 1);
	cr_assert_eq(av_load(why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_signatures(), 1);
}

Test(av, a_good_reload_installs_the_new_engine)
{
	struct buf	*m = buf_new(256);
	char		 lines[1024];
	const char	*extra;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	msg_with(m, MARKER, strlen(MARKER));
	cr_assert_eq(status_of(m), AV_CLEAN);
	extra = write_file("marker.ndb", MARKER_SIG);
	(void)snprintf(lines, sizeof(lines), "database = %s\n"
	    "extra_signatures = %s\n", avt_sigdir(), extra);
	cr_assert_eq(reload(lines), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_signatures(), 5);
	cr_assert_eq(status_of(m), AV_INFECTED);
	cr_assert(avt_has_name(f, "Winnow-Reload-Marker"), "%s",
	    avt_names(f));
	buf_free(m);
}

Test(av, database_changes_are_noticed_once)
{
	char		 lines[1024];
	const char	*extra;

	extra = write_file("marker.ndb", MARKER_SIG);
	(void)snprintf(lines, sizeof(lines), "database = %s\n"
	    "extra_signatures = %s\n", avt_sigdir(), extra);
	cr_assert_eq(reload(lines), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_db_changed(), 0);
	/* A broken update: noticed, tried once, then quiet. */
	(void)write_file("marker.ndb", "broken\n");
	cr_assert_eq(av_db_changed(), 1);
	cr_assert_eq(av_load(why), WN_TEMP);
	cr_assert_eq(av_db_changed(), 0);
	cr_assert_eq(av_signatures(), 5);
	/* Repaired: noticed again and loaded. */
	(void)write_file("marker.ndb", MARKER_SIG "Second-Marker:0:*:"
	    "7365636f6e642d6d61726b6572\n");
	cr_assert_eq(av_db_changed(), 1);
	cr_assert_eq(av_load(why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_signatures(), 6);
	cr_assert_eq(av_db_changed(), 0);
}

Test(av, children_get_their_own_temporary_directory_and_seed)
{
	int		 fds[2], i;
	char		 line[2][600];
	pid_t		 pid[2];
	struct stat	 st;
	ssize_t		 n;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	for (i = 0; i < 2; i++) {
		cr_assert_eq(pipe(fds), 0);
		if ((pid[i] = fork()) == 0) {
			char	 out[600];
			int	 len;

			av_child_init();
			len = snprintf(out, sizeof(out), "%s %d",
			    av_child_tmpdir(), rand());
			(void)write(fds[1], out, (size_t)len);
			av_child_exit();
			_exit(stat(av_child_tmpdir(), &st) == 0 ? 1 : 0);
		}
		(void)close(fds[1]);
		n = read(fds[0], line[i], sizeof(line[i]) - 1);
		cr_assert_gt(n, 0);
		line[i][n] = '\0';
		(void)close(fds[0]);
	}
	for (i = 0; i < 2; i++) {
		int	 status;

		cr_assert_eq(waitpid(pid[i], &status, 0), pid[i]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	cr_assert_not_null(strstr(line[0], "/winnow-av."));
	cr_assert_str_neq(line[0], line[1]);
	/* Different directories and different random numbers. */
	cr_assert_neq(strchr(line[0], ' ') - line[0], 0);
	cr_assert(strcmp(strchr(line[0], ' '), strchr(line[1], ' ')) != 0,
	    "same rand() after fork: %s / %s", line[0], line[1]);
	/* av_child_exit removed each directory. */
	*strchr(line[0], ' ') = '\0';
	cr_assert_neq(stat(line[0], &st), 0);
}

Test(av, sweep_removes_directories_of_dead_children_only)
{
	char		 dead[600], live[700];
	struct stat	 st;
	pid_t		 pid;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	if ((pid = fork()) == 0)
		_exit(0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	(void)snprintf(dead, sizeof(dead), "%s/winnow-av.%ld.Xy12Zq",
	    tu_tmpdir(), (long)pid);
	cr_assert_eq(mkdir(dead, 0700), 0);
	(void)snprintf(live, sizeof(live), "%s/left-behind", dead);
	cr_assert_eq(mkdir(live, 0700), 0);
	av_child_init();
	(void)snprintf(live, sizeof(live), "%s", av_child_tmpdir());
	av_tmp_sweep();
	cr_assert_neq(stat(dead, &st), 0);
	cr_assert_eq(stat(live, &st), 0);
}

/* worker - a child scanning in a loop while the master reloads */

static int
worker(int rounds)
{
	struct buf	*m = buf_new(256), *e = buf_new(128);
	int		 i, bad = 0;

	av_child_init();
	avt_eicar(e);
	for (i = 0; i < rounds; i++) {
		if (i % 2 == 0)
			msg_with(m, e->data, e->len);
		else
			msg_with(m, "nothing here", 12);
		if (status_of(m) != (i % 2 == 0 ? AV_INFECTED : AV_CLEAN))
			bad++;
	}
	av_child_exit();
	return (bad);
}

Test(av, S2_reload_under_load_fails_no_message, .timeout = 180)
{
	char		 good[1024], broken[1024];
	const char	*extra;
	pid_t		 pid[3];
	int		 i, status, failed = 0;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	extra = write_file("marker.ndb", MARKER_SIG);
	(void)snprintf(good, sizeof(good), "database = %s\n"
	    "extra_signatures = %s\n", avt_sigdir(), extra);
	(void)snprintf(broken, sizeof(broken), "database = %s\n"
	    "extra_signatures = %s/nothing.ndb\n", avt_sigdir(), tu_tmpdir());
	for (i = 0; i < 2; i++)
		if ((pid[i] = fork()) == 0)
			_exit(worker(40) == 0 ? 0 : 1);
	/* The master reloads while they work: good, broken, good... */
	for (i = 0; i < 6; i++) {
		int rc = reload(i % 2 == 0 ? good : broken);

		cr_assert_eq(rc, i % 2 == 0 ? WN_OK : WN_TEMP, "reload %d: %s",
		    i, buf_str(why));
		cr_assert_eq(av_signatures(), 5);
	}
	/* A child forked now serves with the new engine. */
	if ((pid[2] = fork()) == 0) {
		struct buf *m = buf_new(256);

		av_child_init();
		msg_with(m, MARKER, strlen(MARKER));
		_exit(status_of(m) == AV_INFECTED && worker(10) == 0 ? 0 : 1);
	}
	for (i = 0; i < 3; i++) {
		cr_assert_eq(waitpid(pid[i], &status, 0), pid[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	cr_assert_eq(failed, 0, "%d workers saw a wrong result", failed);
}

Test(av, engine_objects_can_be_built_and_swapped_by_hand)
{
	struct av_engine *a, *b;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	cr_assert_not_null(a = av_engine_load(why), "%s", buf_str(why));
	cr_assert_not_null(b = av_engine_load(why), "%s", buf_str(why));
	av_engine_install(a);
	cr_assert_eq(av_engine_current(), a);
	av_engine_install(b);
	cr_assert_eq(av_engine_current(), b);
	cr_assert_eq(av_signatures(), 4);
	av_unload();
	cr_assert_null(av_engine_current());
	cr_assert_eq(av_signatures(), 0);
}
