/*
 * test_pipe_io.c - unit tests for pipe-client/pipe_io.c
 *
 * A whole session on two pipes (as Exim's lmtp transport gives them), with
 * the message relayed to a scripted winnowd, and socket mode's limit on
 * sessions at once and its clean stop on SIGTERM.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "mock/mock_winnowd.h"
#include "pipe.h"
#include "msg.h"
#include "sess.h"
#include "reinject.h"
#include "smtp_conf.h"
#include "status.h"
#include "testutil.h"
#include "xalloc.h"

static char	 sock[300];

/* setup - winnow-pipe's configuration, relaying to the mock */

static void
setup(void)
{
	struct buf	*why = buf_new(64);
	size_t		 n;

	log_open_syslog(LOG_LOCAL7);
	conf_set_partial(1);
	smtp_conf_register();
	client_conf_register();
	cr_assert_eq(conf_load(NULL, why), WN_OK);
	smtp_conf_finish();
	(void)snprintf(sock, sizeof(sock), "%s/winnowd", tu_tmpdir());
	n = strlen(sock) + 6;
	free(client_conf.connect_to);
	client_conf.connect_to = xmalloc(n);
	(void)snprintf(client_conf.connect_to, n, "unix:%s", sock);
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(tu_tmpdir());
	smtp_conf.spool_reserve = 0;
	smtp_conf.command_timeout = 3000;
	(void)signal(SIGPIPE, SIG_IGN);
	buf_free(why);
}

TestSuite(pipe_io, .init = setup);

struct feeder {
	int		 fd;
	const char	*text;
	int		 close_after;
};

/* feed - write the client's side into the stdin pipe */

static void *
feed(void *arg)
{
	struct feeder	*f = arg;

	(void)write(f->fd, f->text, strlen(f->text));
	if (f->close_after)
		(void)close(f->fd);
	return (NULL);
}

/* session - run pipe_io_stdio on pipes; returns the output */

static char *
session(const char *input, int close_stdin, int *rc)
{
	int		 in[2], out[2];
	struct feeder	 f;
	pthread_t	 t;
	struct buf	*got = buf_new(1024);
	char		 b[4096];
	ssize_t		 n;

	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	f.fd = in[1];
	f.text = input;
	f.close_after = close_stdin;
	cr_assert_eq(pthread_create(&t, NULL, feed, &f), 0);
	*rc = pipe_io_stdio(in[0], out[1], PROTO_AUTO);
	(void)pthread_join(t, NULL);
	(void)close(out[1]);
	while ((n = read(out[0], b, sizeof(b))) > 0)
		buf_append(got, b, (size_t)n);
	(void)close(out[0]);
	return (buf_finish(got));
}

#define LMTP_IN "LHLO exim.test\r\nMAIL FROM:<a@example.org>\r\n" \
	"RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n" \
	"Subject: t\r\n\r\nhello\r\n.\r\nQUIT\r\n"

Test(pipe_io, lmtp_session_on_pipes)
{
	struct mock_winnowd_script sc = {
		.final = { "250 2.0.0 for b\r\n", "550 5.7.1 not for c\r\n" },
	};
	struct mock_winnowd *mw = mock_winnowd_start(sock, &sc);
	char		*out, *rx;
	int		 rc;

	out = session(LMTP_IN, 1, &rc);
	cr_assert_eq(rc, EX_OK);
	cr_assert(strncmp(out, "220 ", 4) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "354 "), "%s", out);
	cr_assert_not_null(strstr(out, "\r\n250 2.0.0 for b\r\n"
	    "550 5.7.1 not for c\r\n221 2.0.0 Bye\r\n"), "%s", out);
	rx = mock_winnowd_received(mw);
	cr_assert_not_null(strstr(rx, "\r\nhello\r\n.\r\n"), "%s", rx);
	free(rx);
	free(out);
	mock_winnowd_stop(mw);
}

Test(pipe_io, quit_ends_the_session_while_stdin_stays_open,
    .timeout = 10)
{
	char	*out;
	int	 rc;

	out = session("LHLO exim.test\r\nQUIT\r\n", 0, &rc);
	cr_assert_eq(rc, EX_OK);
	cr_assert_not_null(strstr(out, "221 2.0.0 Bye\r\n"), "%s", out);
	free(out);
}

Test(pipe_io, eof_on_stdin_ends_the_session, .timeout = 10)
{
	char	*out;
	int	 rc;

	out = session("LHLO exim.test\r\nMAIL FROM:<a@b.c>\r\n", 1, &rc);
	cr_assert_eq(rc, EX_OK);
	cr_assert_not_null(strstr(out, "250 2.1.0 Ok\r\n"), "%s", out);
	free(out);
}

/* dial - connect to the unix socket; returns the greeting's first line */

static int
dial(const char *path, char *greet, size_t len)
{
	struct sockaddr_un sun;
	int		 fd, i;
	ssize_t		 n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	for (i = 0; i < 100; i++) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		(void)usleep(20000);
	}
	cr_assert_lt(i, 100, "cannot connect to %s: %s", path,
	    strerror(errno));
	n = read(fd, greet, len - 1);
	greet[n > 0 ? n : 0] = '\0';
	return (fd);
}

Test(pipe_io, listen_limits_sessions_and_stops_on_sigterm, .timeout = 20)
{
	struct listener	*l;
	struct buf	*why = buf_new(64);
	char		 spec[320], path[300], g[256];
	pid_t		 pid;
	int		 n, fd1, fd2, fd3, status;

	(void)snprintf(path, sizeof(path), "%s/pipe.sock", tu_tmpdir());
	(void)snprintf(spec, sizeof(spec), "lmtp:unix:%s", path);
	n = listeners_parse(spec, &l, why);
	cr_assert_eq(n, 1, "%s", buf_str(why));
	if ((pid = fork()) == 0)
		_exit(pipe_io_listen(l, n, 1));
	fd1 = dial(path, g, sizeof(g));
	cr_assert(strncmp(g, "220 ", 4) == 0, "%s", g);
	cr_assert_not_null(strstr(g, "LMTP"), "%s", g);
	fd2 = dial(path, g, sizeof(g));
	cr_assert(strncmp(g, "421 4.3.2 ", 10) == 0, "%s", g);
	(void)close(fd2);
	/* When the first session ends, there is room again. */
	(void)write(fd1, "QUIT\r\n", 6);
	while (read(fd1, g, sizeof(g)) > 0)
		;
	(void)close(fd1);
	for (n = 0; n < 100; n++) {
		fd3 = dial(path, g, sizeof(g));
		(void)close(fd3);
		if (strncmp(g, "220 ", 4) == 0)
			break;
		(void)usleep(50000);
	}
	cr_assert(strncmp(g, "220 ", 4) == 0, "%s", g);
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == EX_OK);
	cr_assert_neq(access(path, F_OK), 0, "the socket was left behind");
	listeners_free(l, 1);
	buf_free(why);
}

Test(pipe_io, listen_on_a_bad_address_says_so)
{
	struct listener	*l;
	struct buf	*why = buf_new(64);
	int		 n;

	n = listeners_parse("unix:/nonexistent/dir/pipe.sock", &l, why);
	cr_assert_eq(n, 1);
	cr_assert_eq(pipe_io_listen(l, n, 1), EX_UNAVAILABLE);
	listeners_free(l, 1);
	buf_free(why);
}
