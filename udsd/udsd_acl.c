/*
 * udsd_acl.c - the networks allowed to ask: CIDR lists
 *
 * "127.0.0.0/8 ::1 10.0.0.0/8 2001:db8::/32": a bare address is one host.
 * An IPv4-mapped IPv6 source (::ffff:a.b.c.d, from a dual-stack socket)
 * matches the IPv4 entries.  A source no entry matches gets no answer at
 * all: winnow-udsd never answers strangers, so it cannot be used to
 * reflect traffic at a spoofed address outside the list.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "xalloc.h"

/* udsd */
#include "udsd.h"

struct acl_net {
	int		 family;
	uint8_t		 a[16];
	unsigned int	 bits;
};

struct udsd_acl {
	struct acl_net	*n;
	size_t		 count;
};

/* acl_parse_one - "ADDR[/BITS]" */

static int
acl_parse_one(const char *s, struct acl_net *n, struct buf *why)
{
	char		 host[64], *slash, *end;
	unsigned long	 bits;

	if (strlen(s) >= sizeof(host)) {
		buf_printf(why, "\"%s\" is not an address", s);
		return (-1);
	}
	memcpy(host, s, strlen(s) + 1);	/* length checked above */
	if ((slash = strchr(host, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, host, n->a) == 1) {
		n->family = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, host, n->a) == 1) {
		n->family = AF_INET6;
		n->bits = 128;
	} else {
		buf_printf(why, "\"%s\" is not an address", s);
		return (-1);
	}
	if (slash != NULL) {
		bits = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits > n->bits) {
			buf_printf(why, "\"%s\": bad prefix length", s);
			return (-1);
		}
		n->bits = (unsigned int)bits;
	}
	return (0);
}

/* udsd_acl_parse - a list of networks */

struct udsd_acl *
udsd_acl_parse(const char *list, struct buf *why)
{
	struct udsd_acl	*acl = xcalloc(1, sizeof(*acl));
	char		**v;
	size_t		 i, n;

	n = conf_list_split(list, &v);
	acl->n = xcalloc(n ? n : 1, sizeof(*acl->n));
	for (i = 0; i < n; i++) {
		if (acl_parse_one(v[i], &acl->n[i], why) < 0) {
			conf_list_free(v);
			udsd_acl_free(acl);
			return (NULL);
		}
	}
	acl->count = n;
	conf_list_free(v);
	return (acl);
}

/* udsd_acl_check - conf check of a list */

int
udsd_acl_check(const char *list, struct buf *why)
{
	struct udsd_acl	*acl = udsd_acl_parse(list, why);

	if (acl == NULL)
		return (-1);
	udsd_acl_free(acl);
	return (0);
}

/* udsd_acl_free - NULL is a no-op */

void
udsd_acl_free(struct udsd_acl *acl)
{
	if (acl == NULL)
		return;
	free(acl->n);
	free(acl);
}

/* acl_prefix - whether the first bits of a and b agree */

static int
acl_prefix(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0);
}

/* udsd_acl_match - whether a source address is in the list */

int
udsd_acl_match(const struct udsd_acl *acl, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const uint8_t	*a;
	int		 fam = sa->sa_family;
	size_t		 i;

	if (fam == AF_INET)
		a = (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	else if (fam == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			a += 12;
			fam = AF_INET;
		}
	} else
		return (0);
	for (i = 0; i < acl->count; i++)
		if (acl->n[i].family == fam && acl_prefix(acl->n[i].a, a,
		    acl->n[i].bits))
			return (1);
	return (0);
}
