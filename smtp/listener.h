/*
 * listener.h - the addresses a program accepts sessions on
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_LISTENER_H
#define WINNOW_LISTENER_H

#include "buf.h"
#include "endpoint.h"

/* One configured listener. */
struct listener {
	struct endpoint	 ep;
	int		 proto;		/* enum proto (smtp_conf.h) */
	int		 fd;
};

/* Parse a listen list ("smtp:tcp:HOST:PORT unix:PATH milter:tcp:...") into
 * an array;
 * returns the count, or -1 with why. */
int	listeners_parse(const char *, struct listener **, struct buf *why);

/* Free parsed listeners (their descriptors are not closed). */
void	listeners_free(struct listener *, int n);

#endif /* WINNOW_LISTENER_H */
