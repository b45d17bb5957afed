/*
 * stream.h - buffered socket I/O with timeouts
 *
 * A stream owns a non-blocking file descriptor and two buffers.  Reads wait
 * at most the per-operation timeout and never past the deadline (when one is
 * set); writes are collected and go out on stream_flush() or when the output
 * buffer is large, so a PIPELINING peer gets its replies in one segment and
 * we never trip over Nagle.
 *
 * Errors are sticky: after the first EOF, timeout or I/O error every call
 * fails fast with the same stream_error(), and stream_strerror() says what
 * happened ("timeout", "deadline passed", "connection closed", "write:
 * Broken pipe").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_STREAM_H
#define WINNOW_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

enum stream_err {
	STREAM_OK = 0,
	STREAM_EOF,		/* peer closed */
	STREAM_TIMEOUT,		/* timeout or deadline passed */
	STREAM_IOERR,		/* read/write/poll failed (see errno text) */
};

#define STREAM_TOOLONG	(-2)	/* stream_getline: line over the limit */

struct stream;

/* Wrap fd (made non-blocking); the stream closes it when freed. */
struct stream	*stream_new(int fd);

/* Close the descriptor and free the buffers.  NULL is a no-op. */
void		 stream_free(struct stream *);

/* The descriptor. */
int		 stream_fd(const struct stream *);

/* Timeout for each read or write wait, in milliseconds (0: none). */
void		 stream_set_timeout(struct stream *, unsigned int ms);

/* Absolute deadline on the monotonic clock (time_now_ms), 0: none. */
void		 stream_set_deadline(struct stream *, uint64_t deadline_ms);

/* Read one line ending in LF into line (CR LF or LF stripped; *crlf_r tells
 * which).  Returns the length, -1 on error, or STREAM_TOOLONG when the line
 * exceeded max bytes (the rest of it up to LF is read and dropped). */
ssize_t		 stream_getline(struct stream *, struct buf *line, size_t max,
		    int *crlf_r);

/* Bytes read but not yet consumed (a pipelining peer sent more). */
size_t		 stream_pending(const struct stream *);

/* Read more input into the buffer; returns bytes added, or -1. */
ssize_t		 stream_fill(struct stream *);

/* The unconsumed input bytes, and how many to drop after use. */
const char	*stream_rdata(const struct stream *, size_t *len);
void		 stream_rconsume(struct stream *, size_t n);

/* Drop everything buffered for reading (e.g. after a protocol error). */
void		 stream_rdiscard(struct stream *);

/* Queue bytes for output (flushed when the buffer grows large). */
int		 stream_write(struct stream *, const void *, size_t);
int		 stream_puts(struct stream *, const char *);
int		 stream_printf(struct stream *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Send everything queued; 0 or -1. */
int		 stream_flush(struct stream *);

/* Bytes queued for output. */
size_t		 stream_wpending(const struct stream *);

/* Wait up to ms for input without consuming it; 1 readable, 0 not, -1. */
int		 stream_poll_read(struct stream *, unsigned int ms);

/* Sticky error state, and a short text for logs. */
enum stream_err	 stream_error(const struct stream *);
const char	*stream_strerror(const struct stream *);

/* Clear a sticky timeout so the caller may continue (rarely right). */
void		 stream_clear_error(struct stream *);

#endif /* WINNOW_STREAM_H */
