/*
 * dotstuff.c - canonical CRLF framing and dot-stuffing for output
 *
 * Everything winnowd sends as message data goes through here, whatever
 * produced it (the spool, a modified message, a DSN), so the downstream
 * only ever sees CRLF line ends and stuffed dots: we can never be the hop
 * that smuggles a second message, even if a bug upstream of this function
 * let a bare LF through.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

/* lib */
#include "buf.h"

/* smtp */
#include "dotstuff.h"

/* stuff_init - start of the data */

void
dotstuff_init(struct dotstuff *st)
{
	st->bol = 1;
	st->cr = 0;
}

/* stuff_feed - append bytes, canonicalised and dot-stuffed */

void
dotstuff_feed(struct dotstuff *st, struct buf *out, const char *p, size_t len)
{
	size_t	 i = 0, start;

	while (i < len) {
		if (st->cr) {
			/* A CR was seen: CRLF either way, eat a following LF. */
			buf_append(out, "\r\n", 2);
			st->cr = 0;
			st->bol = 1;
			if (p[i] == '\n') {
				i++;
				continue;
			}
		}
		if (st->bol && p[i] == '.')
			buf_putc(out, '.');
		st->bol = 0;
		start = i;
		while (i < len && p[i] != '\r' && p[i] != '\n')
			i++;
		buf_append(out, p + start, i - start);
		if (i == len)
			break;
		if (p[i] == '\r') {
			st->cr = 1;
		} else {
			buf_append(out, "\r\n", 2);
			st->bol = 1;
		}
		i++;
	}
}

/* stuff_finish - terminate the last line and add the final dot */

void
dotstuff_finish(struct dotstuff *st, struct buf *out)
{
	if (st->cr || !st->bol)
		buf_append(out, "\r\n", 2);
	buf_append(out, ".\r\n", 3);
	st->cr = 0;
	st->bol = 1;
}
