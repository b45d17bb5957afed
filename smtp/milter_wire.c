/*
 * milter_wire.c - framing and unframing of milter packets
 *
 * The parser trusts no length: a packet's length must be at least one (the
 * command byte) and at most the caller's limit, and the packet is taken
 * only when all of it is there.  Strings are taken only when they end in
 * NUL inside the packet.  The session closes the connection on any error
 * here (a peer that lies about lengths cannot be resynchronised).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <string.h>

/* lib */
#include "buf.h"

/* smtp */
#include "milter_wire.h"

/* milter_wire_u32 - a big-endian number */

uint32_t
milter_wire_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return ((uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | (uint32_t)u[3]);
}

/* milter_wire_parse - one packet off the front of a buffer */

ssize_t
milter_wire_parse(const char *p, size_t len, size_t max,
    struct milter_pkt *pkt, struct buf *why)
{
	uint32_t	 n;

	if (len < 4)
		return (0);
	n = milter_wire_u32(p);
	if (n == 0) {
		buf_puts(why, "packet of length 0");
		return (-1);
	}
	if (n > max) {
		buf_printf(why, "packet of %lu bytes (the limit is %zu)",
		    (unsigned long)n, max);
		return (-1);
	}
	if (len - 4 < n)
		return (0);
	pkt->cmd = (unsigned char)p[4];
	pkt->data = p + 5;
	pkt->len = n - 1;
	return ((ssize_t)n + 4);
}

/* milter_wire_strings - NUL-terminated strings of a packet */

int
milter_wire_strings(const char *data, size_t len, const char **v, int max)
{
	const char	*end;
	int		 n = 0;

	if (len == 0)
		return (0);
	if (data[len - 1] != '\0')
		return (-1);
	while (len > 0) {
		if (n == max)
			return (-1);
		end = memchr(data, '\0', len);	/* NUL at the end */
		v[n++] = data;
		len -= (size_t)(end - data) + 1;
		data = end + 1;
	}
	return (n);
}

/* milter_wire_hdr - the length and command of a reply */

static void
milter_wire_hdr(struct buf *b, int cmd, size_t len)
{
	unsigned char	 h[5];
	uint32_t	 n = (uint32_t)len + 1;

	h[0] = (unsigned char)(n >> 24);
	h[1] = (unsigned char)(n >> 16);
	h[2] = (unsigned char)(n >> 8);
	h[3] = (unsigned char)n;
	h[4] = (unsigned char)cmd;
	buf_append(b, h, sizeof(h));
}

/* milter_wire_pack - a reply with data */

void
milter_wire_pack(struct buf *b, int cmd, const void *data, size_t len)
{
	milter_wire_hdr(b, cmd, len);
	if (len > 0)
		buf_append(b, data, len);
}

/* milter_wire_strlen - the bytes of a NULL-ended string list with NULs */

static size_t
milter_wire_strlen(va_list ap)
{
	const char	*s;
	size_t		 n = 0;

	while ((s = va_arg(ap, const char *)) != NULL)
		n += strlen(s) + 1;
	return (n);
}

/* milter_wire_strout - append the strings of a list with their NULs */

static void
milter_wire_strout(struct buf *b, va_list ap)
{
	const char	*s;

	while ((s = va_arg(ap, const char *)) != NULL)
		buf_append(b, s, strlen(s) + 1);
}

/* milter_wire_pack_str - a reply of strings */

void
milter_wire_pack_str(struct buf *b, int cmd, ...)
{
	va_list		 ap;

	va_start(ap, cmd);
	milter_wire_hdr(b, cmd, milter_wire_strlen(ap));
	va_end(ap);
	va_start(ap, cmd);
	milter_wire_strout(b, ap);
	va_end(ap);
}

/* milter_wire_pack_u32_str - a reply of a number and strings */

void
milter_wire_pack_u32_str(struct buf *b, int cmd, uint32_t v, ...)
{
	unsigned char	 u[4];
	va_list		 ap;

	va_start(ap, v);
	milter_wire_hdr(b, cmd, 4 + milter_wire_strlen(ap));
	va_end(ap);
	u[0] = (unsigned char)(v >> 24);
	u[1] = (unsigned char)(v >> 16);
	u[2] = (unsigned char)(v >> 8);
	u[3] = (unsigned char)v;
	buf_append(b, u, sizeof(u));
	va_start(ap, v);
	milter_wire_strout(b, ap);
	va_end(ap);
}
