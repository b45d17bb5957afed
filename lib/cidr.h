/*
 * cidr.h - IP networks and lists of them: "192.0.2.0/24", "2001:db8::/32",
 * one address
 *
 * A network is parsed with its host bits cleared, so matching is a plain
 * compare.  Addresses are in network byte order: 4 bytes for AF_INET, 16
 * for AF_INET6.  An IPv4-mapped IPv6 address ("::ffff:192.0.2.1", what a
 * dual-stack listener reports for an IPv4 client) matches as the IPv4
 * address it carries.
 *
 * A list is what an admin writes in a parameter such as [server]
 * xforward_hosts: networks separated by spaces or commas, and the word
 * "local" for peers on a unix-domain socket or a pipe (whose peer text is
 * "local").  Parsers fill why for a configuration error; nothing here
 * allocates except the list.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CIDR_H
#define WINNOW_CIDR_H

#include "buf.h"

struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	unsigned int	 bits;
};

/* Parse a network or one address; 0, or -1 when it is not one. */
int		 cidr_parse(const char *text, struct cidr *);

/* Whether an address (family, 4 or 16 bytes) is inside the network. */
int		 cidr_match(const struct cidr *, int family,
		    const unsigned char *addr);

/* Parse an address (text of inet_ntop), IPv4-mapped IPv6 made IPv4;
 * returns its family, or 0 when it is not an address. */
int		 cidr_addr_parse(const char *text, unsigned char addr[16]);

struct cidr_list;

/* Parse a list ("127.0.0.0/8 ::1 local"); NULL with why naming the bad
 * item.  An empty text is an empty list (nothing matches). */
struct cidr_list *cidr_list_parse(const char *text, struct buf *why);

/* Whether a peer (an address as text, or "local") is on the list. */
int		 cidr_list_match(const struct cidr_list *, const char *peer);

/* Free a list; NULL is a no-op. */
void		 cidr_list_free(struct cidr_list *);

#endif /* WINNOW_CIDR_H */
