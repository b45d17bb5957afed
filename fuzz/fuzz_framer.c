/*
 * fuzz_framer.c - DATA framing against a reference, plus output invariants
 *
 * A differential harness (research/anchors-reliability.md, section 5.2):
 * the end of data must be exactly where the first <CR><LF>.<CR><LF> is
 * (counting the DATA command's own CRLF), whatever the chunking; the output
 * must never contain a bare CR or LF; and stuffing the output again and
 * framing it must give the same bytes back.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "framer.h"
#include "dotstuff.h"

/* ref_end - offset just past the end of data, or 0 if there is none */

static size_t
ref_end(const char *p, size_t len)
{
	size_t	 i;

	if (len >= 3 && memcmp(p, ".\r\n", 3) == 0)
		return (3);
	for (i = 0; i + 5 <= len; i++)
		if (memcmp(p + i, "\r\n.\r\n", 5) == 0)
			return (i + 5);
	return (0);
}

/* canonical - no bare CR or LF */

static void
canonical(const struct buf *b)
{
	size_t	 i;

	for (i = 0; i < buf_len(b); i++) {
		if (b->data[i] == '\r' && (i + 1 == buf_len(b) ||
		    b->data[i + 1] != '\n'))
			abort();
		if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r'))
			abort();
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*p = (const char *)data;
	struct framer	 f, g;
	struct dotstuff	 st;
	struct buf	*out = buf_new(len + 16), *wire, *back;
	size_t		 off = 0, step, want, n;

	step = len > 0 ? (size_t)(data[0] % 7) + 1 : 1;
	framer_init(&f, out, 0, 0);
	while (off < len && !f.done) {
		n = len - off < step ? len - off : step;
		off += framer_feed(&f, p + off, n);
	}
	want = ref_end(p, len);
	if ((want != 0) != (f.done != 0) || (want != 0 && off != want))
		abort();
	canonical(out);

	/* Round trip: stuff a complete message and frame it again. */
	if (!f.done) {
		buf_free(out);
		return (0);
	}
	wire = buf_new(buf_len(out) + 16);
	back = buf_new(buf_len(out) + 16);
	dotstuff_init(&st);
	dotstuff_feed(&st, wire, out->data, buf_len(out));
	dotstuff_finish(&st, wire);
	framer_init(&g, back, 0, 0);
	if (framer_feed(&g, wire->data, buf_len(wire)) != buf_len(wire) ||
	    !g.done || g.bare_seen || buf_len(back) != buf_len(out) ||
	    memcmp(back->data, out->data, buf_len(out)) != 0)
		abort();
	buf_free(wire);
	buf_free(back);
	buf_free(out);
	return (0);
}
