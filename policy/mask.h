/*
 * mask.h - address masks and lists of them
 *
 * A mask list says which envelope addresses (and, for senders, which client
 * addresses) something applies to: a group's recipients and senders, a
 * white or black list.  It is parsed once, when the configuration is loaded
 * in the master, and only matched afterwards (read-only in the children).
 *
 * One list is a string of items separated by spaces, commas, semicolons or
 * newlines.  Items:
 *
 *	user@domain	that address
 *	@domain		any address at that domain
 *	user		a bare local part: user@default_domain
 *	<>		the null sender
 *	*, ?		wildcards (any run, any one character) over the whole
 *			address: "*@*.example.com", "news-*@example.org", "*"
 *	re:REGEX	POSIX extended regular expression searched in the
 *			address (anchor it with ^ and $); it runs to the next
 *			white space, so it may contain ',' and ';'.  At most
 *			1024 bytes and 5000 elements once bounded repetitions
 *			are expanded ("(a{1,100}){1,100}" is refused: compiled,
 *			it would take gigabytes); no back-references
 *	ip:CIDR		the client's IP address: 192.0.2.0/24, 2001:db8::/32,
 *			or one address; IPv4 masks also match IPv4-mapped IPv6
 *			clients (::ffff:192.0.2.1).  Only where the caller
 *			allows it (MASK_ALLOW_IP): senders and lists
 *	file:PATH	the masks in a file, one per line ('#' starts a comment
 *			line; a re: line runs to the end of the line); files do
 *			not nest.  Read when the list is parsed, i.e. at
 *			start-up and on every reload (SIGHUP)
 *
 * Matching ignores case.  Exact addresses and @domain items are looked up by
 * binary search, so long lists (files of thousands of addresses) cost
 * little; wildcards, regular expressions and CIDRs are tried in order.
 *
 * Errors fill why with one line: "item \"x\": reason", or for files
 * "PATH:LINE: reason".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MASK_H
#define WINNOW_MASK_H

#include <stddef.h>

#include "buf.h"

#define MASK_ALLOW_IP	0x01	/* ip: items are allowed */
#define MASK_ALLOW_FILE	0x02	/* file: items are allowed */

struct mask_list;

/* Parse a list (NULL or "" gives an empty list).  default_domain (may be
 * NULL or "") qualifies bare local parts; max_file_size bounds a file:
 * item (0: no bound).  NULL with the reason in why on a bad item. */
struct mask_list *mask_list_parse(const char *text,
		    const char *default_domain, int flags,
		    size_t max_file_size, struct buf *why);

/* Whether addr (an envelope address, "" for <>) or client_ip (may be
 * NULL) matches any item of the list.  An empty or NULL list matches
 * nothing. */
int		 mask_list_match(const struct mask_list *, const char *addr,
		    const char *client_ip);

/* Number of items (after reading files). */
size_t		 mask_list_count(const struct mask_list *);

/* Free a list; NULL is a no-op. */
void		 mask_list_free(struct mask_list *);

/* Case-insensitive wildcard match of a whole string ('*' and '?'). */
int		 mask_glob(const char *pattern, const char *s);

#endif /* WINNOW_MASK_H */
