/*
 * framer.h - DATA from the wire to canonical message bytes
 *
 * An explicit state machine whose only end of data is CRLF.CRLF (see the
 * top of framer.c for the smuggling sequences it defeats).  It removes the
 * dot-stuffing, makes every line end CRLF, and counts; the caller drains
 * out.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FRAMER_H
#define WINNOW_FRAMER_H

#include <stddef.h>

#include "buf.h"

struct framer {
	int		 state;
	size_t		 line_len;	/* bytes in the current line so far */
	size_t		 max_line;	/* 0: no limit */
	size_t		 size;		/* canonical bytes produced */
	size_t		 max_size;	/* 0: no limit */
	int		 bare_seen;	/* a bare CR or LF was normalised */
	int		 too_long;	/* a line exceeded max_line */
	int		 too_big;	/* size exceeded max_size */
	int		 done;		/* end of data seen */
	struct buf	*out;		/* canonical bytes (caller drains) */
};

/* Set up a framer for one DATA phase. */
void	framer_init(struct framer *, struct buf *out, size_t max_line,
	    size_t max_size);

/* Consume wire bytes up to and including the end-of-data line; returns
 * how many were consumed (less than len only when done). */
size_t	framer_feed(struct framer *, const char *, size_t len);

#endif /* WINNOW_FRAMER_H */
