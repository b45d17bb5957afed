/*
 * buf.c - the one growable byte buffer
 *
 * Capacity doubles (with an overflow check) so appends are amortised O(1).
 * The invariant data[len] == '\0' holds after every call, which is what makes
 * buf_str() safe; callers that write through buf_reserve() restore it with
 * buf_commit().
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* buf_new - allocate an empty buffer */

struct buf *
buf_new(size_t hint)
{
	struct buf	*b;

	b = xmalloc(sizeof(*b));
	b->size = hint < 16 ? 16 : hint + 1;
	b->data = xmalloc(b->size);
	b->len = 0;
	b->data[0] = '\0';
	return (b);
}

/* buf_free - release buffer and handle */

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	free(b);
}

/* buf_reset - empty the buffer */

void
buf_reset(struct buf *b)
{
	if (b == NULL)
		return;
	b->len = 0;
	b->data[0] = '\0';
}

/* buf_reserve - ensure room for len more bytes plus the NUL */

char *
buf_reserve(struct buf *b, size_t len)
{
	size_t	 need, nsize;

	if (len > SIZE_MAX - b->len - 1)
		log_panic("buf_reserve: size overflow (%zu + %zu)", b->len, len);
	need = b->len + len + 1;
	if (need > b->size) {
		nsize = b->size;
		while (nsize < need)
			nsize = nsize > SIZE_MAX / 2 ? need : nsize * 2;
		b->data = xrealloc(b->data, nsize);
		b->size = nsize;
	}
	return (b->data + b->len);
}

/* buf_commit - account for bytes written after buf_reserve */

void
buf_commit(struct buf *b, size_t len)
{
	if (len > b->size - b->len - 1)
		log_panic("buf_commit: %zu bytes exceed the reservation", len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* buf_append - append bytes */

void
buf_append(struct buf *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	memcpy(buf_reserve(b, len), p, len);
	buf_commit(b, len);
}

/* buf_puts - append a string */

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* buf_putc - append one byte */

void
buf_putc(struct buf *b, int c)
{
	*buf_reserve(b, 1) = (char)c;
	buf_commit(b, 1);
}

/* buf_vprintf - append formatted text */

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;

	if (b == NULL)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->size - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		log_panic("buf_vprintf: bad format \"%s\"", fmt);
	if ((size_t)n >= b->size - b->len) {
		buf_reserve(b, (size_t)n);
		(void)vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

/* buf_printf - append formatted text */

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* buf_append_safe - append untrusted text with control bytes escaped */

void
buf_append_safe(struct buf *b, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t	 i, start = 0;

	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] != 0x7f && s[i] != '\\')
			continue;
		buf_append(b, s + start, i - start);
		start = i + 1;
		switch (s[i]) {
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_putc(b, ' ');
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		default:
			buf_printf(b, "\\x%02x", s[i]);
			break;
		}
	}
	buf_append(b, s + start, len - start);
}

/* buf_consume - drop bytes from the front */

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

/* buf_truncate - shorten the buffer */

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* buf_str - the bytes as a string */

const char *
buf_str(const struct buf *b)
{
	return (b == NULL ? "" : b->data);
}

/* buf_len - bytes in use */

size_t
buf_len(const struct buf *b)
{
	return (b == NULL ? 0 : b->len);
}

/* buf_finish - give the bytes away and free the handle */

char *
buf_finish(struct buf *b)
{
	char	*p = b->data;

	free(b);
	return (p);
}

/* mem_has_8bit - whether any byte is above 127 */

int
mem_has_8bit(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (c[i] & 0x80)
			return (1);
	return (0);
}

/* str_utf8 - a copy that is valid UTF-8 (bad bytes become '?') */

char *
str_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	struct buf	*b = buf_new(strlen((const char *)p) + 1);
	size_t		 n, k;

	while (*p != '\0') {
		if (*p < 0x80) {
			buf_putc(b, *p++);
			continue;
		}
		n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		for (k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				break;
		/* Overlong forms and surrogates are not valid either. */
		if (n == 0 || k < n || (n == 2 && *p < 0xc2) ||
		    (n == 3 && *p == 0xe0 && p[1] < 0xa0) ||
		    (n == 3 && *p == 0xed && p[1] >= 0xa0) ||
		    (n == 4 && (*p > 0xf4 || (*p == 0xf0 && p[1] < 0x90) ||
		    (*p == 0xf4 && p[1] >= 0x90)))) {
			buf_putc(b, '?');
			p++;
			continue;
		}
		buf_append(b, p, n);
		p += n;
	}
	return (buf_finish(b));
}
