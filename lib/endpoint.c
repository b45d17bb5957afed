/*
 * endpoint.c - "tcp:HOST:PORT", "unix:PATH" and "exec:COMMAND ARGS"
 *
 * Connects are non-blocking with poll(2) so a dead downstream costs at most
 * the configured timeout, never the kernel's minutes-long SYN retry.  Every
 * TCP socket gets TCP_NODELAY: SMTP is request/response, and Nagle plus
 * delayed ACK would otherwise add about 40 ms to each message.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* endpoint_parse - split an endpoint specification */

int
endpoint_parse(const char *s, struct endpoint *ep, int allow_exec,
    struct buf *why)
{
	const char	*hp, *colon, *close;
	struct sockaddr_un sun;
	size_t		 n;

	memset(ep, 0, sizeof(*ep));
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/') {
			buf_printf(why, "\"%s\": unix: needs an absolute path",
			    s);
			return (-1);
		}
		if (strlen(s + 5) >= sizeof(sun.sun_path)) {
			buf_printf(why, "\"%s\": socket path too long", s);
			return (-1);
		}
		ep->kind = ENDPOINT_UNIX;
		ep->path = xstrdup(s + 5);
	} else if (strncmp(s, "exec:", 5) == 0) {
		if (!allow_exec) {
			buf_printf(why, "\"%s\": exec: is not allowed here", s);
			return (-1);
		}
		if ((n = conf_words_split(s + 5, &ep->argv)) == 0 ||
		    ep->argv[0][0] != '/') {
			buf_printf(why, "\"%s\": exec: needs an absolute "
			    "command path", s);
			conf_list_free(ep->argv);
			ep->argv = NULL;
			return (-1);
		}
		ep->kind = ENDPOINT_EXEC;
	} else if (strncmp(s, "tcp:", 4) == 0) {
		hp = s + 4;
		if (*hp == '[') {
			if ((close = strchr(hp, ']')) == NULL ||
			    close[1] != ':') {
				buf_printf(why, "\"%s\": expected "
				    "tcp:[IPV6]:PORT", s);
				return (-1);
			}
			ep->host = xstrndup(hp + 1, (size_t)(close - hp - 1));
			colon = close + 1;
		} else {
			if ((colon = strrchr(hp, ':')) == NULL ||
			    colon == hp) {
				buf_printf(why, "\"%s\": expected "
				    "tcp:HOST:PORT", s);
				return (-1);
			}
			ep->host = xstrndup(hp, (size_t)(colon - hp));
			if (strchr(ep->host, ':') != NULL) {
				buf_printf(why, "\"%s\": put IPv6 addresses in "
				    "brackets: tcp:[::1]:PORT", s);
				endpoint_free(ep);
				return (-1);
			}
		}
		if (colon[1] == '\0' || strspn(colon + 1, "0123456789") !=
		    strlen(colon + 1) || atoi(colon + 1) < 1 ||
		    atoi(colon + 1) > 65535) {
			buf_printf(why, "\"%s\": bad port", s);
			endpoint_free(ep);
			return (-1);
		}
		ep->port = xstrdup(colon + 1);
		ep->kind = ENDPOINT_TCP;
	} else {
		buf_printf(why, "\"%s\": expected tcp:HOST:PORT or unix:PATH%s",
		    s, allow_exec ? " or exec:COMMAND ARGS" : "");
		return (-1);
	}
	ep->text = xstrdup(s);
	return (0);
}

/* endpoint_free - free the parts */

void
endpoint_free(struct endpoint *ep)
{
	if (ep == NULL)
		return;
	free(ep->text);
	free(ep->host);
	free(ep->port);
	free(ep->path);
	conf_list_free(ep->argv);
	memset(ep, 0, sizeof(*ep));
}

/* endpoint_check - validator for tcp:/unix: parameters */

int
endpoint_check(const char *s, struct buf *why)
{
	struct endpoint	 ep;

	if (endpoint_parse(s, &ep, 0, why) < 0)
		return (-1);
	endpoint_free(&ep);
	return (0);
}

/* endpoint_check_exec - validator that also accepts exec: */

int
endpoint_check_exec(const char *s, struct buf *why)
{
	struct endpoint	 ep;

	if (endpoint_parse(s, &ep, 1, why) < 0)
		return (-1);
	endpoint_free(&ep);
	return (0);
}

/* endpoint_resolve - addresses of a TCP endpoint */

static struct addrinfo *
endpoint_resolve(const struct endpoint *ep, int passive, struct buf *why)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	if ((rc = getaddrinfo(ep->host, ep->port, &hints, &res)) != 0) {
		buf_printf(why, "%s: cannot resolve \"%s\": %s", ep->text,
		    ep->host, gai_strerror(rc));
		return (NULL);
	}
	return (res);
}

/* endpoint_unix_addr - fill a sockaddr_un */

static socklen_t
endpoint_unix_addr(const struct endpoint *ep, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	(void)snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", ep->path);
	return ((socklen_t)sizeof(*sun));
}

/* endpoint_listen - bind and listen */

int
endpoint_listen(const struct endpoint *ep, int backlog, struct buf *why)
{
	struct addrinfo	*res, *ai;
	struct sockaddr_un sun;
	struct stat	 st;
	int		 fd = -1, on = 1;

	if (ep->kind == ENDPOINT_UNIX) {
		if (lstat(ep->path, &st) == 0 && S_ISSOCK(st.st_mode))
			(void)unlink(ep->path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    bind(fd, (struct sockaddr *)&sun,
		    endpoint_unix_addr(ep, &sun)) < 0 ||
		    chmod(ep->path, 0666) < 0 || listen(fd, backlog) < 0) {
			buf_printf(why, "%s: %s", ep->text, strerror(errno));
			if (fd >= 0)
				(void)close(fd);
			return (-1);
		}
		return (fd);
	}
	if (ep->kind != ENDPOINT_TCP) {
		buf_printf(why, "%s: cannot listen on an exec: endpoint",
		    ep->text);
		return (-1);
	}
	if ((res = endpoint_resolve(ep, 1, why)) == NULL)
		return (-1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		buf_reset(why);
		buf_printf(why, "%s: %s", ep->text, strerror(errno));
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

/* endpoint_connect_one - non-blocking connect with a timeout */

static int
endpoint_connect_one(int fd, const struct sockaddr *sa, socklen_t len,
    unsigned int timeout_ms)
{
	struct pollfd	 pfd;
	socklen_t	 elen = sizeof(int);
	int		 n, err = 0;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return (-1);
	if (connect(fd, sa, len) == 0)
		return (0);
	if (errno != EINPROGRESS && errno != EAGAIN)
		return (-1);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do {
		n = poll(&pfd, 1, timeout_ms ? (int)timeout_ms : -1);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return (-1);
	}
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return (-1);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}

/* endpoint_connect - connect to a TCP or UNIX endpoint */

int
endpoint_connect(const struct endpoint *ep, unsigned int timeout_ms,
    struct buf *why)
{
	struct addrinfo	*res, *ai;
	struct sockaddr_un sun;
	int		 fd = -1, on = 1;

	if (ep->kind == ENDPOINT_UNIX) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    endpoint_connect_one(fd, (struct sockaddr *)&sun,
		    endpoint_unix_addr(ep, &sun), timeout_ms) < 0) {
			buf_printf(why, "connect to %s: %s", ep->text,
			    strerror(errno));
			if (fd >= 0)
				(void)close(fd);
			return (-1);
		}
		return (fd);
	}
	if (ep->kind != ENDPOINT_TCP)
		log_panic("endpoint_connect: %s is not tcp: or unix:", ep->text);
	if ((res = endpoint_resolve(ep, 0, why)) == NULL)
		return (-1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (endpoint_connect_one(fd, ai->ai_addr, ai->ai_addrlen,
		    timeout_ms) == 0)
			break;
		buf_reset(why);
		buf_printf(why, "connect to %s: %s", ep->text, strerror(errno));
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

/* endpoint_spawn_signals - the signal state a command expects at exec */

static void
endpoint_spawn_signals(void)
{
	sigset_t	 none;
	int		 sig;

	/*
	 * Handlers fall back to the default at exec, but an ignored signal
	 * stays ignored and a blocked one stays blocked: winnowd's children
	 * ignore SIGPIPE and SIGINT, and an MTA run with either ignored or
	 * blocked (its alarms, its children's exits) misbehaves.
	 */
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);	/* EINVAL for KILL, STOP */
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* endpoint_spawn - run an exec: endpoint on a socketpair */

int
endpoint_spawn(const struct endpoint *ep, pid_t *pid_r, int *err_r,
    struct buf *why)
{
	int	 sv[2], err = -1;
	pid_t	 pid;

	if (ep->kind != ENDPOINT_EXEC)
		log_panic("endpoint_spawn: %s is not exec:", ep->text);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		buf_printf(why, "socketpair: %s", strerror(errno));
		return (-1);
	}
	/* A bounded memory file for its stderr: sized, then sealed, so a
	 * chatty command cannot grow it (its writes past the end fail). */
	if (err_r != NULL &&
	    (err = memfd_create("winnow-exec-stderr", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) >= 0 &&
	    (ftruncate(err, ENDPOINT_STDERR_MAX) < 0 ||
	    fcntl(err, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
	    F_SEAL_SEAL) < 0)) {
		(void)close(err);
		err = -1;
	}
	switch ((pid = fork())) {
	case -1:
		buf_printf(why, "fork: %s", strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		if (err >= 0)
			(void)close(err);
		return (-1);
	case 0:
		endpoint_spawn_signals();
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 ||
		    (err >= 0 && dup2(err, 2) < 0))
			_exit(127);
		execv(ep->argv[0], ep->argv);
		log_error("exec %s: %s", ep->argv[0], strerror(errno));
		_exit(127);
	default:
		break;
	}
	(void)close(sv[1]);
	*pid_r = pid;
	if (err_r != NULL)
		*err_r = err;
	return (sv[0]);
}

/* endpoint_stderr - a command's stderr memory file on one line */

void
endpoint_stderr(int err, size_t max, struct buf *out)
{
	char	 b[1024];
	ssize_t	 n;
	size_t	 i, start = buf_len(out);
	int	 space = 1;

	if (err < 0)
		return;
	if (max > sizeof(b))
		max = sizeof(b);
	if ((n = pread(err, b, max, 0)) <= 0)
		return;
	for (i = 0; i < (size_t)n && b[i] != '\0'; i++) {
		/* runs of control characters and spaces become one space */
		if ((unsigned char)b[i] < 0x20 || b[i] == 0x7f || b[i] == ' ') {
			if (!space)
				buf_putc(out, ' ');
			space = 1;
			continue;
		}
		buf_putc(out, b[i]);
		space = 0;
	}
	if (buf_len(out) > start && space)
		buf_truncate(out, buf_len(out) - 1);
}
