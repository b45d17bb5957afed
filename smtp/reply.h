/*
 * reply.h - SMTP/LMTP replies from a peer we talk to as a client
 *
 * A bounded parser for a hostile peer: every refusal is explained in why.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_REPLY_H
#define WINNOW_REPLY_H

#include <stddef.h>

#include "buf.h"
#include "stream.h"

#define REPLY_MAX_LINES	100
#define REPLY_MAX_LINE	2048

struct reply {
	int		 code;		/* 3 digits; 0 if none */
	char		 enh[16];	/* "2.0.0" if present, else "" */
	struct buf	*text;		/* the lines' text (after the code and
					 * the enhanced code), joined with \n */
	unsigned int	 nlines;
};

/* Parse one reply line: code, whether more lines follow, where the text
 * starts.  0 or -1 if it is not a reply line. */
int	reply_parse_line(const char *, size_t len, int *code, int *more,
	    const char **text);

void	reply_init(struct reply *);
void	reply_free(struct reply *);

/* Add one line to a reply being read; returns 1 when the reply is
 * complete, 0 when more lines are needed, -1 on a malformed reply (why). */
int	reply_add_line(struct reply *, const char *, size_t, struct buf *why);

/* Read one whole reply from a stream; WN_OK or WN_TEMP with why. */
int	reply_read(struct stream *, struct reply *, struct buf *why);

/* One line, header- and log-safe: "250 2.0.0 text" (first line only). */
void	reply_format(const struct reply *, struct buf *out);

#endif /* WINNOW_REPLY_H */
