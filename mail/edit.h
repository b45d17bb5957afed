/*
 * edit.h - what the filter changes in a message, as a list of segments
 *
 * A message goes downstream as a sequence of byte ranges: header lines we
 * add, the original header fields we keep (inbound X-Winnow-* are dropped so
 * senders cannot spoof our verdict), header fields we rewrite (a tagged
 * Subject), and the original body.  Untouched bytes are never copied or
 * re-encoded: they are ranges of the spool, so the downstream receives them
 * byte for byte.
 *
 * An edit points into the message data it was made for; that data must
 * outlive it.  Text added with edit_add_header() is made header-safe (no
 * CR, LF or NUL from the message can reach the output) and folded below
 * 998 bytes per line.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_EDIT_H
#define WINNOW_EDIT_H

#include <stddef.h>
#include <sys/uio.h>

#include "buf.h"

struct edit;

/* An edit of data (len bytes, header_len of them the header section).
 * Data whose first line is neither a header field nor empty has no header
 * section: the fields added go on top of it with an empty line after. */
struct edit	*edit_new(const char *data, size_t len, size_t header_len);

/* Free it; NULL is a no-op. */
void		 edit_free(struct edit *);

/* Add a header field "Name: value" at the top (value may be untrusted). */
void		 edit_add_header(struct edit *, const char *name,
		    const char *value);

/* Add a header field verbatim (already CRLF-terminated and safe: our own
 * text, such as the Received: trace line). */
void		 edit_add_raw(struct edit *, const char *, size_t);

/* Drop every original header field whose name starts with prefix
 * (case-insensitive), e.g. "X-Winnow-". */
void		 edit_remove_prefix(struct edit *, const char *prefix);

/* Put tag in front of the Subject (adding a Subject if there is none);
 * a Subject that already starts with the tag is left alone. */
void		 edit_subject_tag(struct edit *, const char *tag);

/* The segments to send, in order; valid until the edit is changed or
 * freed. */
size_t		 edit_segments(struct edit *, const struct iovec **);

/* A string that is equal for two edits exactly when they produce the same
 * output (used to send identical results in one transaction). */
const char	*edit_key(struct edit *);

/* Total bytes of output. */
size_t		 edit_size(struct edit *);

#endif /* WINNOW_EDIT_H */
