/*
 * dotstuff.h - canonical CRLF framing and dot-stuffing for output
 *
 * Everything winnow sends as message data goes through here, whatever
 * produced it, so a downstream only ever sees CRLF line ends and stuffed
 * dots.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_DOTSTUFF_H
#define WINNOW_DOTSTUFF_H

#include <stddef.h>

#include "buf.h"

struct dotstuff {
	int		 bol;		/* at beginning of a line */
	int		 cr;		/* last byte was a CR not yet resolved */
};

/* Start of the data. */
void	dotstuff_init(struct dotstuff *);

/* Append len bytes to out with every bare CR or LF made CRLF and every
 * line starting with '.' stuffed. */
void	dotstuff_feed(struct dotstuff *, struct buf *out, const char *,
	    size_t);

/* Close the data: a final CRLF if needed, then ".\r\n". */
void	dotstuff_finish(struct dotstuff *, struct buf *out);

#endif /* WINNOW_DOTSTUFF_H */
