/*
 * pipe_io.c - where the MTA's session comes from: stdin/stdout or a socket
 *
 * The session code reads and writes one socket (lib/stream.h), but an MTA
 * that executes us (Exim's lmtp transport with command =) gives us two
 * pipes.  Two small threads join them to a socketpair: one copies stdin
 * into it, one copies its output to stdout.  They add no buffering of their
 * own beyond one read, so the MTA sees replies as soon as the session
 * flushes them, and they never parse anything.
 *
 * Socket mode is a plain pre-accept loop: one child process per
 * connection, at most max_connections at once (more are told 421 and
 * closed), so a slow or stuck session never holds up another.  SIGTERM
 * stops accepting; sessions in progress finish on their own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "endpoint.h"
#include "log.h"
#include "xalloc.h"

/* smtp */
#include "dotstuff.h"
#include "listener.h"
#include "msg.h"
#include "reply.h"
#include "sess.h"
#include "smtp_conf.h"

/* pipe-client */
#include "pipe.h"

#define PIPE_IO_CHUNK		65536
#define PIPE_IO_BACKLOG		128
#define PIPE_IO_BUSY \
	"421 4.3.2 Too many connections to winnow-pipe, try again later\r\n"

struct pipe_copy {
	int	 from, to;
	int	 shut_to;		/* shutdown(to, SHUT_WR) at EOF */
};

static volatile sig_atomic_t	 pipe_io_stop;
static volatile sig_atomic_t	 pipe_io_child_exited;

/* pipe_io_wait - wait until fd is ready for events (fd may be
 * non-blocking when the MTA made it so) */

static int
pipe_io_wait(int fd, short events)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = fd;
	pfd.events = events;
	do {
		n = poll(&pfd, 1, -1);
	} while (n < 0 && errno == EINTR);
	return (n > 0 ? 0 : -1);
}

/* pipe_io_write_all - write everything, or fail */

static int
pipe_io_write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (pipe_io_wait(fd, POLLOUT) < 0)
				return (-1);
		} else {
			return (-1);
		}
	}
	return (0);
}

/* pipe_io_copy - copy one direction until EOF; after a write error keep
 * reading (and dropping) so the other side never blocks on us */

static void *
pipe_io_copy(void *arg)
{
	struct pipe_copy *c = arg;
	char		*b = xmalloc(PIPE_IO_CHUNK);
	ssize_t		 n;
	int		 broken = 0;

	for (;;) {
		n = read(c->from, b, PIPE_IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (pipe_io_wait(c->from, POLLIN) < 0)
				break;
			continue;
		}
		if (n <= 0)
			break;
		if (!broken && pipe_io_write_all(c->to, b, (size_t)n) < 0)
			broken = 1;
	}
	if (c->shut_to)
		(void)shutdown(c->to, SHUT_WR);
	free(b);
	return (NULL);
}

/* pipe_io_stdio - one session on stdin and stdout */

int
pipe_io_stdio(int in_fd, int out_fd, int proto)
{
	struct pipe_copy up, down;
	pthread_t	 t_up, t_down;
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("socketpair: %s", strerror(errno));
		return (EX_OSERR);
	}
	up.from = in_fd;
	up.to = sv[1];
	up.shut_to = 1;
	down.from = sv[1];
	down.to = out_fd;
	down.shut_to = 0;
	if (pthread_create(&t_up, NULL, pipe_io_copy, &up) != 0 ||
	    pthread_create(&t_down, NULL, pipe_io_copy, &down) != 0) {
		log_error("cannot start the stdin/stdout threads");
		return (EX_OSERR);
	}
	(void)sess_run(sv[0], proto, "local", &pipe_hooks);	/* closes sv[0] */
	/* The session is over: everything it wrote reaches stdout before we
	 * exit.  The stdin thread may wait for an EOF that never comes; the
	 * exit ends it. */
	(void)pthread_join(t_down, NULL);
	(void)pthread_detach(t_up);
	return (EX_OK);
}

/* pipe_io_on_signal - note SIGTERM/SIGINT and SIGCHLD */

static void
pipe_io_on_signal(int sig)
{
	if (sig == SIGCHLD)
		pipe_io_child_exited = 1;
	else
		pipe_io_stop = 1;
}

/* pipe_io_peer - the numeric address of a connected socket's peer */

static void
pipe_io_peer(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		(void)inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, out,
		    (socklen_t)len);
	else
		(void)snprintf(out, len, "local");
}

/* pipe_io_reap - collect exited children; returns how many */

static unsigned int
pipe_io_reap(void)
{
	unsigned int	 n = 0;
	int		 status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		n++;
	return (n);
}

/* pipe_io_serve - fork a child for one accepted connection */

static int
pipe_io_serve(struct listener *l, int n, int i, int fd,
    const struct sockaddr_storage *ss)
{
	char	 peer[INET6_ADDRSTRLEN + 1];
	pid_t	 pid;
	int	 j;

	pipe_io_peer(ss, peer, sizeof(peer));
	if ((pid = fork()) < 0) {
		log_error("fork: %s; refusing a connection from [%s]",
		    strerror(errno), peer);
		(void)pipe_io_write_all(fd, PIPE_IO_BUSY, strlen(PIPE_IO_BUSY));
		return (-1);
	}
	if (pid > 0)
		return (0);
	for (j = 0; j < n; j++)
		(void)close(l[j].fd);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGCHLD, SIG_DFL);
	log_init("winnow-pipe");
	(void)sess_run(fd, l[i].proto, peer, &pipe_hooks);
	_exit(EX_OK);
}

/* pipe_io_accept - take one connection from listener i */

static void
pipe_io_accept(struct listener *l, int n, int i, unsigned int *active,
    unsigned int max)
{
	struct sockaddr_storage ss;
	socklen_t	 slen = sizeof(ss);
	int		 fd;

	memset(&ss, 0, sizeof(ss));
	fd = accept4(l[i].fd, (struct sockaddr *)&ss, &slen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			log_warn("accept on %s: %s", l[i].ep.text,
			    strerror(errno));
		return;
	}
	if (*active >= max) {
		log_warn("%u sessions in progress: refusing a connection on "
		    "%s with 421 (raise [client] max_connections if the host "
		    "can take more)", *active, l[i].ep.text);
		(void)pipe_io_write_all(fd, PIPE_IO_BUSY, strlen(PIPE_IO_BUSY));
	} else if (pipe_io_serve(l, n, i, fd, &ss) == 0) {
		(*active)++;
	}
	(void)close(fd);
}

/* pipe_io_listen - socket mode */

int
pipe_io_listen(struct listener *l, int n, unsigned int max)
{
	struct pollfd	*pfd;
	struct sigaction sa;
	struct buf	*why = buf_new(128);
	unsigned int	 active = 0, done;
	int		 i, k;

	for (i = 0; i < n; i++) {
		buf_reset(why);
		if ((l[i].fd = endpoint_listen(&l[i].ep, PIPE_IO_BACKLOG,
		    why)) < 0) {
			log_error("cannot listen: %s", buf_str(why));
			buf_free(why);
			return (EX_UNAVAILABLE);
		}
	}
	buf_free(why);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pipe_io_on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	pfd = xcalloc((size_t)n, sizeof(*pfd));
	for (i = 0; i < n; i++) {
		pfd[i].fd = l[i].fd;
		pfd[i].events = POLLIN;
		log_info("listening on %s%s", l[i].proto == PROTO_LMTP ?
		    "lmtp:" : l[i].proto == PROTO_SMTP ? "smtp:" : "",
		    l[i].ep.text);
	}
	while (!pipe_io_stop) {
		if (pipe_io_child_exited) {
			pipe_io_child_exited = 0;
			done = pipe_io_reap();
			active = done > active ? 0 : active - done;
		}
		if ((k = poll(pfd, (nfds_t)n, 1000)) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				pipe_io_accept(l, n, i, &active, max);
	}
	log_info("stopping: %u session(s) still in progress finish on their "
	    "own", active);
	for (i = 0; i < n; i++) {
		(void)close(l[i].fd);
		if (l[i].ep.kind == ENDPOINT_UNIX)
			(void)unlink(l[i].ep.path);
	}
	free(pfd);
	return (EX_OK);
}
