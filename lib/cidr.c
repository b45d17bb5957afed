/*
 * cidr.c - IP networks and lists of them
 *
 * The network parser is the one the policy's ip: masks used (it moved here
 * so smtp/ can use it: [server] xforward_hosts); it accepts only what
 * inet_pton accepts, plus a prefix length within the family's bits.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "cidr.h"
#include "conf.h"
#include "xalloc.h"

#define CIDR_LOCAL	"local"		/* unix-domain and pipe peers */

struct cidr_list {
	struct cidr	*v;
	size_t		 n;
	int		 local;		/* "local" is on the list */
};

/* cidr_parse - "192.0.2.0/24", "2001:db8::/32" or one address */

int
cidr_parse(const char *text, struct cidr *c)
{
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*slash = strchr(text, '/');
	size_t		 hl = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long	 bits;
	unsigned int	 max, i;
	char		*end;

	if (hl == 0 || hl >= sizeof(host))
		return (-1);
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		return (-1);
	}
	bits = max;
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1]))
			return (-1);
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || bits > max)
			return (-1);
	}
	c->bits = (unsigned int)bits;
	/* Clear the host bits so that comparisons are plain. */
	for (i = 0; i < max / 8; i++) {
		if (i * 8 >= c->bits)
			c->addr[i] = 0;
		else if (i * 8 + 8 > c->bits)
			c->addr[i] &= (unsigned char)(0xff << (8 - (c->bits -
			    i * 8)));
	}
	return (0);
}

/* cidr_match - is the address (family, 4 or 16 bytes) inside? */

int
cidr_match(const struct cidr *c, int family, const unsigned char *a)
{
	unsigned int	 full = c->bits / 8, rest = c->bits % 8;

	if (family != c->family)
		return (0);
	if (memcmp(a, c->addr, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return ((a[full] & (unsigned char)(0xff << (8 - rest))) ==
	    c->addr[full]);
}

/* cidr_addr_parse - an address as text; IPv4-mapped IPv6 becomes IPv4 */

int
cidr_addr_parse(const char *text, unsigned char addr[16])
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1)
		return (AF_INET);
	if (inet_pton(AF_INET6, text, addr) != 1)
		return (0);
	if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		return (AF_INET);
	}
	return (AF_INET6);
}

/* cidr_list_parse - networks and "local", separated by spaces or commas */

struct cidr_list *
cidr_list_parse(const char *text, struct buf *why)
{
	struct cidr_list *l = xcalloc(1, sizeof(*l));
	char		**items;
	size_t		 i, n;

	n = conf_list_split(text != NULL ? text : "", &items);
	l->v = xcalloc(n + 1, sizeof(*l->v));
	for (i = 0; i < n; i++) {
		if (strcmp(items[i], CIDR_LOCAL) == 0) {
			l->local = 1;
			continue;
		}
		if (cidr_parse(items[i], &l->v[l->n]) < 0) {
			buf_printf(why, "\"%s\" is not an IP address, a network "
			    "(192.0.2.0/24, 2001:db8::/32) or \"local\"",
			    items[i]);
			conf_list_free(items);
			cidr_list_free(l);
			return (NULL);
		}
		l->n++;
	}
	conf_list_free(items);
	return (l);
}

/* cidr_list_match - is the peer on the list? */

int
cidr_list_match(const struct cidr_list *l, const char *peer)
{
	unsigned char	 a[16];
	size_t		 i;
	int		 fam;

	if (l == NULL || peer == NULL)
		return (0);
	if (strcmp(peer, CIDR_LOCAL) == 0)
		return (l->local);
	if ((fam = cidr_addr_parse(peer, a)) == 0)
		return (0);
	for (i = 0; i < l->n; i++)
		if (cidr_match(&l->v[i], fam, a))
			return (1);
	return (0);
}

/* cidr_list_free - release a list */

void
cidr_list_free(struct cidr_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l);
}
