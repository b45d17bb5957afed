/*
 * stream.c - buffered socket I/O with timeouts
 *
 * Reads go straight into a 64 KiB buffer with read(2); only when the kernel
 * has nothing do we poll(2), with the smaller of the per-operation timeout and
 * the time left before the deadline.  After we wrote to the peer, its answer
 * cannot have come yet: the first read then waits in poll(2) instead of
 * failing with EAGAIN first (one system call less per round trip).  Output collects in a struct buf and is
 * written when the caller flushes or the buffer passes STREAM_WHIGH, which
 * keeps both sides of a relay at a few system calls per message.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "stream.h"
#include "timeutil.h"
#include "xalloc.h"

#define STREAM_RSIZE	(64 * 1024)
#define STREAM_WHIGH	(64 * 1024)

struct stream {
	int		 fd;
	char		*rbuf;
	size_t		 rpos, rlen;	/* unconsumed input is rbuf[rpos..rlen) */
	struct buf	*wbuf;
	unsigned int	 timeout_ms;
	uint64_t	 deadline;
	enum stream_err	 err;
	int		 wrote;		/* written since the last read */
	char		 errtext[96];
};

/* stream_new - wrap a descriptor */

struct stream *
stream_new(int fd)
{
	struct stream	*s;
	int		 fl;

	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->rbuf = xmalloc(STREAM_RSIZE);
	s->wbuf = buf_new(4096);
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return (s);
}

/* stream_free - close and free */

void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		(void)close(s->fd);
	free(s->rbuf);
	buf_free(s->wbuf);
	free(s);
}

/* stream_fd - the descriptor */

int
stream_fd(const struct stream *s)
{
	return (s->fd);
}

/* stream_set_timeout - per-wait timeout */

void
stream_set_timeout(struct stream *s, unsigned int ms)
{
	s->timeout_ms = ms;
}

/* stream_set_deadline - absolute deadline */

void
stream_set_deadline(struct stream *s, uint64_t deadline_ms)
{
	s->deadline = deadline_ms;
}

/* stream_fail - record the first error */

static int
stream_fail(struct stream *s, enum stream_err err, const char *what)
{
	if (s->err == STREAM_OK) {
		s->err = err;
		if (err == STREAM_IOERR)
			(void)snprintf(s->errtext, sizeof(s->errtext), "%s: %s",
			    what, strerror(errno));
		else
			(void)snprintf(s->errtext, sizeof(s->errtext), "%s",
			    what);
	}
	return (-1);
}

/* stream_wait - poll for events within the timeout and deadline */

static int
stream_wait(struct stream *s, short events)
{
	struct pollfd	 pfd;
	uint64_t	 left, wait;
	const char	*what;
	int		 n;

	for (;;) {
		wait = s->timeout_ms ? s->timeout_ms : UINT64_MAX;
		left = time_left_ms(s->deadline);
		/* Say which limit ran out: the caller's deadline is not the
		 * peer being slow. */
		what = "timeout";
		if (s->deadline != 0 && left <= wait) {
			wait = left;
			what = "deadline passed";
		}
		if (wait == 0)
			return (stream_fail(s, STREAM_TIMEOUT, what));
		pfd.fd = s->fd;
		pfd.events = events;
		n = poll(&pfd, 1, wait == UINT64_MAX ? -1 :
		    (wait > 86400000 ? 86400000 : (int)wait));
		if (n > 0)
			return (0);
		if (n == 0)
			return (stream_fail(s, STREAM_TIMEOUT, what));
		if (errno != EINTR)
			return (stream_fail(s, STREAM_IOERR, "poll"));
	}
}

/* stream_fill - read more input */

ssize_t
stream_fill(struct stream *s)
{
	ssize_t	 n;

	if (s->err != STREAM_OK)
		return (-1);
	if (s->rpos > 0 && s->rpos == s->rlen)
		s->rpos = s->rlen = 0;
	if (s->rlen == STREAM_RSIZE) {
		if (s->rpos == 0)
			log_panic("stream_fill: read buffer full");
		memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
		s->rlen -= s->rpos;
		s->rpos = 0;
	}
	/* The peer answers what we wrote: wait for it first.  Past the
	 * deadline the read goes first, so input already there is taken as
	 * before. */
	if (s->wrote && time_left_ms(s->deadline) > 0 &&
	    stream_wait(s, POLLIN) < 0)
		return (-1);
	for (;;) {
		n = read(s->fd, s->rbuf + s->rlen, STREAM_RSIZE - s->rlen);
		if (n > 0) {
			s->rlen += (size_t)n;
			s->wrote = 0;
			return (n);
		}
		if (n == 0)
			return (stream_fail(s, STREAM_EOF, "connection closed"));
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (stream_fail(s, STREAM_IOERR, "read"));
		if (stream_wait(s, POLLIN) < 0)
			return (-1);
	}
}

/* stream_getline - read one LF-terminated line */

ssize_t
stream_getline(struct stream *s, struct buf *line, size_t max, int *crlf_r)
{
	const char	*start, *nl;
	size_t		 avail, n;
	int		 toolong = 0;

	buf_reset(line);
	for (;;) {
		start = s->rbuf + s->rpos;
		avail = s->rlen - s->rpos;
		nl = memchr(start, '\n', avail);
		n = nl ? (size_t)(nl - start) + 1 : avail;
		if (!toolong) {
			if (buf_len(line) + n > max + 2)
				toolong = 1;
			else
				buf_append(line, start, n);
		}
		s->rpos += n;
		if (nl != NULL)
			break;
		if (stream_fill(s) < 0)
			return (-1);
	}
	if (toolong) {
		buf_reset(line);
		return (STREAM_TOOLONG);
	}
	n = buf_len(line) - 1;			/* drop LF */
	*crlf_r = (n > 0 && line->data[n - 1] == '\r');
	if (*crlf_r)
		n--;
	buf_truncate(line, n);
	if (n > max) {
		buf_reset(line);
		return (STREAM_TOOLONG);
	}
	return ((ssize_t)n);
}

/* stream_pending - unconsumed input */

size_t
stream_pending(const struct stream *s)
{
	return (s->rlen - s->rpos);
}

/* stream_rdata - look at unconsumed input */

const char *
stream_rdata(const struct stream *s, size_t *len)
{
	*len = s->rlen - s->rpos;
	return (s->rbuf + s->rpos);
}

/* stream_rconsume - drop consumed input */

void
stream_rconsume(struct stream *s, size_t n)
{
	if (n > s->rlen - s->rpos)
		log_panic("stream_rconsume: %zu > %zu", n, s->rlen - s->rpos);
	s->rpos += n;
}

/* stream_rdiscard - drop all buffered input */

void
stream_rdiscard(struct stream *s)
{
	s->rpos = s->rlen = 0;
}

/* stream_flush - write everything queued */

int
stream_flush(struct stream *s)
{
	size_t	 off = 0, len = buf_len(s->wbuf);
	ssize_t	 n;

	if (s->err != STREAM_OK)
		return (-1);
	while (off < len) {
		n = write(s->fd, s->wbuf->data + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			s->wrote = 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			buf_consume(s->wbuf, off);
			return (stream_fail(s, STREAM_IOERR, "write"));
		}
		if (stream_wait(s, POLLOUT) < 0) {
			buf_consume(s->wbuf, off);
			return (-1);
		}
	}
	buf_reset(s->wbuf);
	return (0);
}

/* stream_write - queue output */

int
stream_write(struct stream *s, const void *p, size_t len)
{
	if (s->err != STREAM_OK)
		return (-1);
	buf_append(s->wbuf, p, len);
	if (buf_len(s->wbuf) >= STREAM_WHIGH)
		return (stream_flush(s));
	return (0);
}

/* stream_puts - queue a string */

int
stream_puts(struct stream *s, const char *str)
{
	return (stream_write(s, str, strlen(str)));
}

/* stream_printf - queue formatted output */

int
stream_printf(struct stream *s, const char *fmt, ...)
{
	va_list	 ap;

	if (s->err != STREAM_OK)
		return (-1);
	va_start(ap, fmt);
	buf_vprintf(s->wbuf, fmt, ap);
	va_end(ap);
	if (buf_len(s->wbuf) >= STREAM_WHIGH)
		return (stream_flush(s));
	return (0);
}

/* stream_wpending - queued output */

size_t
stream_wpending(const struct stream *s)
{
	return (buf_len(s->wbuf));
}

/* stream_poll_read - is input waiting (without consuming it)? */

int
stream_poll_read(struct stream *s, unsigned int ms)
{
	struct pollfd	 pfd;
	int		 n;

	if (s->rlen > s->rpos)
		return (1);
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	do {
		n = poll(&pfd, 1, (int)ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (stream_fail(s, STREAM_IOERR, "poll"));
	return (n > 0);
}

/* stream_error - the sticky error */

enum stream_err
stream_error(const struct stream *s)
{
	return (s->err);
}

/* stream_strerror - the error as text */

const char *
stream_strerror(const struct stream *s)
{
	return (s->err == STREAM_OK ? "no error" : s->errtext);
}

/* stream_clear_error - forget a sticky error */

void
stream_clear_error(struct stream *s)
{
	s->err = STREAM_OK;
	s->errtext[0] = '\0';
}
