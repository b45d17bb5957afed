/* test_endpoint.c - unit tests for lib/endpoint.c and lib/stream.c */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "endpoint.h"
#include "stream.h"
#include "testutil.h"
#include "timeutil.h"

Test(endpoint, parse_forms)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(32);

	cr_assert_eq(endpoint_parse("tcp:127.0.0.1:25", &ep, 0, why), 0);
	cr_assert_eq(ep.kind, ENDPOINT_TCP);
	cr_assert_str_eq(ep.host, "127.0.0.1");
	cr_assert_str_eq(ep.port, "25");
	endpoint_free(&ep);
	cr_assert_eq(endpoint_parse("tcp:[::1]:10025", &ep, 0, why), 0);
	cr_assert_str_eq(ep.host, "::1");
	endpoint_free(&ep);
	cr_assert_eq(endpoint_parse("unix:/run/x.sock", &ep, 0, why), 0);
	cr_assert_str_eq(ep.path, "/run/x.sock");
	endpoint_free(&ep);
	cr_assert_eq(endpoint_parse("exec:/usr/sbin/sendmail -bs", &ep, 1,
	    why), 0);
	cr_assert_str_eq(ep.argv[1], "-bs");
	endpoint_free(&ep);
	buf_free(why);
}

Test(endpoint, parse_errors)
{
	static const char *const bad[] = {
		"tcp:host", "tcp::25", "tcp:h:0", "tcp:h:65536", "tcp:h:2x",
		"tcp:::1:25", "unix:relative", "exec:/bin/sh", "exec:rel",
		"smtp:x", ""
	};
	struct endpoint	 ep;
	struct buf	*why = buf_new(32);
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(why);
		cr_assert_eq(endpoint_parse(bad[i], &ep, i == 7 ? 0 : 0, why),
		    -1, "accepted %s", bad[i]);
		cr_assert_gt(buf_len(why), 0);
	}
	buf_free(why);
}

Test(endpoint, listen_connect_unix_and_stream_lines)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(32), *line = buf_new(32);
	struct stream	*st;
	char		 spec[300];
	int		 lfd, cfd, afd, crlf;

	(void)snprintf(spec, sizeof(spec), "unix:%s/s", tu_tmpdir());
	cr_assert_eq(endpoint_parse(spec, &ep, 0, why), 0);
	cr_assert_geq((lfd = endpoint_listen(&ep, 4, why)), 0, "%s",
	    buf_str(why));
	cr_assert_geq((cfd = endpoint_connect(&ep, 1000, why)), 0);
	cr_assert_geq((afd = accept(lfd, NULL, NULL)), 0);
	cr_assert_eq(write(cfd, "one\r\ntwo\nthree", 14), 14);
	st = stream_new(afd);
	stream_set_timeout(st, 200);
	cr_assert_eq(stream_getline(st, line, 100, &crlf), 3);
	cr_assert_str_eq(buf_str(line), "one");
	cr_assert(crlf);
	cr_assert_eq(stream_getline(st, line, 100, &crlf), 3);
	cr_assert_not(crlf);
	cr_assert_eq(stream_getline(st, line, 100, &crlf), -1);
	cr_assert_eq(stream_error(st), STREAM_TIMEOUT);
	stream_free(st);
	close(cfd);
	close(lfd);
	endpoint_free(&ep);
	buf_free(why);
	buf_free(line);
}

Test(endpoint, stream_line_limit)
{
	struct buf	*line = buf_new(32);
	struct stream	*st;
	int		 sv[2], crlf;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[1], "0123456789\r\nok\r\n", 16), 16);
	st = stream_new(sv[0]);
	cr_assert_eq(stream_getline(st, line, 5, &crlf), STREAM_TOOLONG);
	cr_assert_eq(stream_getline(st, line, 5, &crlf), 2);
	cr_assert_str_eq(buf_str(line), "ok");
	close(sv[1]);
	cr_assert_eq(stream_getline(st, line, 5, &crlf), -1);
	cr_assert_eq(stream_error(st), STREAM_EOF);
	stream_free(st);
	buf_free(line);
}

Test(endpoint, connect_refused_and_timeout_are_errors)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(32);

	cr_assert_eq(endpoint_parse("tcp:127.0.0.1:1", &ep, 0, why), 0);
	cr_assert_eq(endpoint_connect(&ep, 500, why), -1);
	cr_assert(strstr(buf_str(why), "refused") != NULL, "%s",
	    buf_str(why));
	endpoint_free(&ep);
	buf_free(why);
}

/* One read on a silent socket: what the sticky error says. */
static const char *
stream_silent_read(unsigned int timeout_ms, unsigned int deadline_in_ms,
    uint64_t *took_ms)
{
	static char	 text[64];
	struct stream	*st;
	struct buf	*line = buf_new(64);
	uint64_t	 t0;
	int		 sv[2], crlf;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	st = stream_new(sv[0]);
	stream_set_timeout(st, timeout_ms);
	t0 = time_now_ms();
	if (deadline_in_ms > 0)
		stream_set_deadline(st, t0 + deadline_in_ms);
	cr_assert_eq(stream_getline(st, line, 100, &crlf), -1);
	*took_ms = time_now_ms() - t0;
	cr_assert_eq(stream_error(st), STREAM_TIMEOUT);
	(void)snprintf(text, sizeof(text), "%s", stream_strerror(st));
	stream_free(st);
	(void)close(sv[1]);
	buf_free(line);
	return (text);
}

Test(endpoint, stream_timeout_and_deadline_named)
{
	uint64_t	 took;

	cr_assert_str_eq(stream_silent_read(50, 0, &took), "timeout");
	cr_assert_geq(took, 45);
	/* the deadline comes first: it is what ran out */
	cr_assert_str_eq(stream_silent_read(5000, 60, &took),
	    "deadline passed");
	cr_assert_geq(took, 55);
	cr_assert_lt(took, 2000);
	/* the per-operation timeout comes first */
	cr_assert_str_eq(stream_silent_read(50, 5000, &took), "timeout");
	cr_assert_lt(took, 2000);
}

Test(endpoint, spawn_exec)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(32), *line = buf_new(32);
	struct stream	*st;
	pid_t		 pid;
	int		 fd, crlf, status;

	cr_assert_eq(endpoint_parse("exec:/bin/cat", &ep, 1, why), 0);
	cr_assert_geq((fd = endpoint_spawn(&ep, &pid, NULL, why)), 0);
	st = stream_new(fd);
	stream_set_timeout(st, 2000);
	cr_assert_eq(stream_puts(st, "echo\r\n"), 0);
	cr_assert_eq(stream_flush(st), 0);
	cr_assert_eq(stream_getline(st, line, 100, &crlf), 4);
	stream_free(st);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	endpoint_free(&ep);
	buf_free(why);
	buf_free(line);
}

/* The command starts with no signal ignored or blocked, whatever the
 * caller (winnowd's child ignores SIGPIPE and SIGINT). */
Test(endpoint, spawn_exec_default_signals)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(32), *line = buf_new(64);
	struct stream	*st;
	sigset_t	 block;
	pid_t		 pid;
	unsigned long long mask;
	int		 fd, crlf, status, seen = 0;

	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGALRM);
	(void)sigaddset(&block, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &block, NULL);
	cr_assert_eq(endpoint_parse("exec:/bin/grep ^Sig[IB] /proc/self/status",
	    &ep, 1, why), 0);
	cr_assert_geq((fd = endpoint_spawn(&ep, &pid, NULL, why)), 0);
	st = stream_new(fd);
	stream_set_timeout(st, 2000);
	while (stream_getline(st, line, 200, &crlf) > 0) {
		mask = strtoull(strchr(buf_str(line), '\t') + 1, NULL, 16);
		/* Signals 32 and 33 are glibc's own; nobody can set them. */
		mask &= ~(3ULL << 31);
		cr_assert_eq(mask, 0, "%s", buf_str(line));
		seen++;
	}
	cr_assert_eq(seen, 2, "SigBlk and SigIgn");
	stream_free(st);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	endpoint_free(&ep);
	buf_free(why);
	buf_free(line);
}

/* An exec: command's stderr lands in a bounded memory file we can read. */
Test(endpoint, spawn_exec_stderr_is_kept_and_bounded)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(32), *out = buf_new(64);
	struct stat	 st;
	pid_t		 pid;
	int		 fd, err, status;

	cr_assert_eq(endpoint_parse("exec:/bin/ls /nonexistent/winnow-x",
	    &ep, 1, why), 0);
	cr_assert_geq((fd = endpoint_spawn(&ep, &pid, &err, why)), 0);
	cr_assert_geq(err, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	endpoint_stderr(err, 600, out);
	cr_assert_not_null(strstr(buf_str(out), "/nonexistent/winnow-x"),
	    "%s", buf_str(out));
	cr_assert_null(strchr(buf_str(out), '\n'), "one line");
	buf_reset(out);
	endpoint_stderr(err, 10, out);
	cr_assert_leq(buf_len(out), 10);
	(void)close(fd);
	(void)close(err);
	endpoint_free(&ep);

	/* a megabyte to stderr: the file stays at its size */
	cr_assert_eq(endpoint_parse("exec:/bin/dd if=/dev/zero of=/dev/stderr "
	    "bs=1048576 count=1", &ep, 1, why), 0);
	cr_assert_geq((fd = endpoint_spawn(&ep, &pid, &err, why)), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(fstat(err, &st), 0);
	cr_assert_eq(st.st_size, ENDPOINT_STDERR_MAX);
	(void)close(fd);
	(void)close(err);
	endpoint_free(&ep);
	buf_free(why);
	buf_free(out);
}
