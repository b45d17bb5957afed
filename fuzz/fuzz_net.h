/*
 * fuzz_net.h - what the session fuzz targets share: a unix listener, a
 * downstream that says yes to everything, and the client thread that feeds
 * the input into a socketpair
 *
 * Header-only: each target that includes it is one translation unit.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FUZZ_NET_H
#define WINNOW_FUZZ_NET_H

#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define FUZZ_UNUSED	__attribute__((unused))

/* fuzz_listen_unix - a listening unix socket at path (abort if not) */

static FUZZ_UNUSED int
fuzz_listen_unix(const char *path)
{
	struct sockaddr_un sun;
	int		 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 16) < 0)
		abort();
	return (fd);
}

/* fuzz_drain - read until EOF */

static FUZZ_UNUSED void
fuzz_drain(int fd)
{
	char	 junk[4096];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

/* fuzz_sink_conn - one downstream connection: 250 to all, 354 to DATA */

static void *
fuzz_sink_conn(void *arg)
{
	int	 fd = (int)(intptr_t)arg, indata = 0;
	char	 buf[8192];
	size_t	 have = 0;
	ssize_t	 n;
	char	*nl;

	(void)write(fd, "220 sink ESMTP\r\n", 16);
	while ((n = read(fd, buf + have, sizeof(buf) - have - 1)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			size_t	 len = (size_t)(nl - buf) + 1;

			if (indata) {
				if (len == 3 && buf[0] == '.') {
					indata = 0;
					(void)write(fd, "250 ok\r\n", 8);
				}
			} else if (strncasecmp(buf, "EHLO", 4) == 0) {
				(void)write(fd, "250-sink\r\n250-PIPELINING\r\n"
				    "250-DSN\r\n250 XFORWARD NAME ADDR\r\n", 59);
			} else if (strncasecmp(buf, "DATA", 4) == 0) {
				indata = 1;
				(void)write(fd, "354 go\r\n", 8);
			} else if (strncasecmp(buf, "QUIT", 4) == 0) {
				(void)write(fd, "221 bye\r\n", 9);
			} else {
				(void)write(fd, "250 ok\r\n", 8);
			}
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* overlong line: drop it */
	}
	(void)close(fd);
	return (NULL);
}

/* fuzz_sink_main - accept downstream connections forever */

static void *
fuzz_sink_main(void *arg)
{
	int		 lfd = (int)(intptr_t)arg, fd;
	pthread_t	 t;

	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		if (pthread_create(&t, NULL, fuzz_sink_conn,
		    (void *)(intptr_t)fd) == 0)
			(void)pthread_detach(t);
	return (NULL);
}

/* fuzz_sink_start - the yes-saying downstream on a unix socket at path */

static FUZZ_UNUSED void
fuzz_sink_start(const char *path)
{
	pthread_t	 t;

	(void)pthread_create(&t, NULL, fuzz_sink_main,
	    (void *)(intptr_t)fuzz_listen_unix(path));
}

/* The client side of a session: the input, written whole, then EOF. */
struct fuzz_client {
	int		 fd;
	const uint8_t	*data;
	size_t		 len;
};

/* fuzz_client_main - write the input, half-close, read until EOF */

static FUZZ_UNUSED void *
fuzz_client_main(void *arg)
{
	struct fuzz_client *c = arg;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < c->len) {
		if ((n = write(c->fd, c->data + off, c->len - off)) <= 0)
			break;
		off += (size_t)n;
	}
	(void)shutdown(c->fd, SHUT_WR);
	fuzz_drain(c->fd);
	return (NULL);
}

#endif /* WINNOW_FUZZ_NET_H */
