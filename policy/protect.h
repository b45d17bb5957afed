/*
 * protect.h - protected_domains: which recipient domains are filtered
 *
 * A recipient whose domain is not protected passes unfiltered, marked
 * "X-Winnow-Info: not protected".  The list is [policy] protected_domains,
 * items separated by spaces, commas or semicolons:
 *
 *	*		every domain (as an empty list: the old products' way
 *			of saying "filter all mail")
 *	example.com	that domain
 *	.example.com	that domain and every domain below it; *.example.com
 *			says the same
 *	*example.com	a wildcard over the whole domain ('*' any run, '?'
 *			any one character): example.com, badexample.com,
 *			mx.example.com
 *	@example.com	the same as example.com
 *	file:PATH	the items of a file, one or more a line, '#' starting
 *			a comment line; files do not nest.  Read at start-up
 *			and on every reload, like the group masks' file:
 *
 * No items at all (the empty default, or only empty files) protects every
 * domain.  Matching ignores case; exact domains are found by binary
 * search, so a file of many thousands of domains costs little.
 *
 * An item that can never match a recipient's domain (an address, a
 * domain with a space, '/', ':', "..", or a trailing '.') is kept but
 * reported in warn, one line per item, so winnowd -t says so; a file that
 * cannot be read is an error (NULL with the reason in why).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_PROTECT_H
#define WINNOW_PROTECT_H

#include <stddef.h>

#include "buf.h"

struct protect;

/* Parse a protected_domains value; max_file_size bounds a file: item
 * (0: none).  NULL with why on an unreadable file or a bad path. */
struct protect	*protect_parse(const char *text, size_t max_file_size,
		    struct buf *warn, struct buf *why);

/* Whether a domain (the part after '@'; NULL or "" for an address
 * without one) is protected.  A NULL set protects everything. */
int		 protect_match(const struct protect *, const char *domain);

/* Whether the set protects every domain. */
int		 protect_all(const struct protect *);

/* A one-line description for the log: "all domains", or the items, the
 * first few of each file, and how many there are. */
void		 protect_describe(const struct protect *, struct buf *out);

/* Free it; NULL is a no-op. */
void		 protect_free(struct protect *);

#endif /* WINNOW_PROTECT_H */
