/*
 * buf.h - the one growable byte buffer
 *
 * A struct buf is binary-safe, always keeps a NUL after its data (so
 * buf_str() is usable as a C string when the data has no NUL), checks for
 * size overflow on growth, and its handle stays put while the bytes move.
 * Growth never fails (allocation failure is fatal, see xalloc.h).
 *
 * buf_append_safe() is the only way untrusted text may reach a header, a log
 * line or a notification: it escapes CR, LF, NUL and other control bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_BUF_H
#define WINNOW_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;		/* bytes, NUL-terminated at data[len] */
	size_t	 len;		/* bytes in use */
	size_t	 size;		/* bytes allocated (> len) */
};

/* Allocate an empty buffer with room for about hint bytes. */
struct buf	*buf_new(size_t hint);

/* Free the buffer and its bytes.  NULL is a no-op. */
void		 buf_free(struct buf *);

/* Make the buffer empty, keeping its storage. NULL is a no-op. */
void		 buf_reset(struct buf *);

/* Append len bytes. */
void		 buf_append(struct buf *, const void *, size_t len);

/* Append a C string. */
void		 buf_puts(struct buf *, const char *);

/* Append one byte. */
void		 buf_putc(struct buf *, int);

/* Append formatted text. A NULL buffer is a no-op (for optional why). */
void		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 buf_vprintf(struct buf *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

/* Append untrusted text with CR, LF, NUL, DEL and C0 bytes escaped (\r, \n,
 * \xNN) so it can never break a header, log line or protocol line. */
void		 buf_append_safe(struct buf *, const void *, size_t len);

/* Make sure len more bytes fit; returns where they go (see buf_commit). */
char		*buf_reserve(struct buf *, size_t len);

/* Account for len bytes written at buf_reserve()'s pointer. */
void		 buf_commit(struct buf *, size_t len);

/* Drop the first n bytes (n is clamped to the length). */
void		 buf_consume(struct buf *, size_t n);

/* Cut the buffer down to len bytes (no-op if already shorter). */
void		 buf_truncate(struct buf *, size_t len);

/* The bytes as a NUL-terminated string ("" for a NULL buffer). */
const char	*buf_str(const struct buf *);

/* Number of bytes in use (0 for a NULL buffer). */
size_t		 buf_len(const struct buf *);

/* Hand the bytes to the caller (who frees them) and free the handle. */
char		*buf_finish(struct buf *);

/* Whether any of len bytes at p is above 127 (8-bit content). */
int		 mem_has_8bit(const void *p, size_t len);

/* A copy of a NUL-terminated string (NULL: "") that is valid UTF-8: bytes
 * that are not (overlong forms and surrogates included) become '?'. */
char		*str_utf8(const char *);

#endif /* WINNOW_BUF_H */
