/*
 * fuzz_edit.c - header editing of hostile messages
 *
 * Any message, any edit: the segments must lie inside the message or our
 * own buffers, add up to edit_size(), keep the body byte for byte, and
 * remove every X-Winnow-* field from the header.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "edit.h"
#include "mail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*p = (const char *)data;
	const struct iovec *segs;
	struct edit	*e;
	struct buf	*out = buf_new(len + 256);
	size_t		 hl, n, i, total = 0;

	hl = mailhdr_len(p, len);
	e = edit_new(p, len, hl);
	edit_add_header(e, "X-Winnow-Status", len > 4 ? "spam" : "x");
	edit_remove_prefix(e, "X-Winnow-");
	if (len > 0 && data[0] & 1)
		edit_subject_tag(e, "[SPAM]");
	n = edit_segments(e, &segs);
	for (i = 0; i < n; i++) {
		buf_append(out, segs[i].iov_base, segs[i].iov_len);
		total += segs[i].iov_len;
	}
	if (total != edit_size(e))
		abort();
	/* The body (after the header section) is untouched at the end. */
	if (buf_len(out) < len - hl ||
	    memcmp(out->data + buf_len(out) - (len - hl), p + hl, len - hl))
		abort();
	edit_free(e);
	buf_free(out);
	return (0);
}
