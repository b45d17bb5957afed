/*
 * ipaddr.c - IP literals: parse, public or not, reverse for DNS
 *
 * Addresses come from XFORWARD and from Received: headers, i.e. from the
 * message, so the parser accepts only what inet_pton accepts after the
 * usual decorations ("[...]", "IPv6:") are stripped.  IPv4-mapped IPv6
 * addresses become IPv4 so that DNSBLs see the address they list.
 *
 * "Public" is what a DNSBL may be asked about: private (RFC 1918, ULA),
 * loopback, link-local, unspecified, CGNAT, multicast and reserved ranges
 * are never queried.  The documentation prefixes (192.0.2.0/24,
 * 2001:db8::/32, ...) count as public: they are not private, never appear
 * in real traffic, and the tests use them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "log.h"

/* dnsbl */
#include "dnsbl_private.h"

/* ipaddr_parse - parse an IP literal with optional decorations */

int
ipaddr_parse(const char *s, size_t len, struct ipaddr *ip)
{
	char		 tmp[INET6_ADDRSTRLEN + 8];
	struct in6_addr	 a6;
	struct in_addr	 a4;
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
		s++, len -= 2;
	if (len >= 5 && strncasecmp(s, "IPv6:", 5) == 0)
		s += 5, len -= 5;
	if (len == 0 || len >= sizeof(tmp))
		return (-1);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, tmp, &a4) == 1) {
		ip->family = AF_INET;
		memcpy(ip->a, &a4, 4);
		return (0);
	}
	if (inet_pton(AF_INET6, tmp, &a6) != 1)
		return (-1);
	if (memcmp(a6.s6_addr, mapped, 12) == 0) {
		ip->family = AF_INET;
		memcpy(ip->a, a6.s6_addr + 12, 4);
		return (0);
	}
	ip->family = AF_INET6;
	memcpy(ip->a, a6.s6_addr, 16);
	return (0);
}

/* ipaddr_in - whether an address is in prefix/bits */

static int
ipaddr_in(const unsigned char *a, const unsigned char *prefix,
    unsigned int bits)
{
	unsigned int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, prefix, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((a[full] ^ prefix[full]) & (0xff << (8 - rest)) & 0xff) == 0);
}

/* ipaddr_is_public - whether a DNS list may be asked about it */

int
ipaddr_is_public(const struct ipaddr *ip)
{
	static const struct {
		unsigned char	 p[4];
		unsigned int	 bits;
	} v4[] = {
		{ { 0, 0, 0, 0 }, 8 },		/* "this" network */
		{ { 10, 0, 0, 0 }, 8 },		/* RFC 1918 */
		{ { 100, 64, 0, 0 }, 10 },	/* CGNAT, RFC 6598 */
		{ { 127, 0, 0, 0 }, 8 },	/* loopback */
		{ { 169, 254, 0, 0 }, 16 },	/* link-local */
		{ { 172, 16, 0, 0 }, 12 },	/* RFC 1918 */
		{ { 192, 0, 0, 0 }, 24 },	/* IETF protocol assignments */
		{ { 192, 168, 0, 0 }, 16 },	/* RFC 1918 */
		{ { 224, 0, 0, 0 }, 4 },	/* multicast */
		{ { 240, 0, 0, 0 }, 4 },	/* reserved, broadcast */
	};
	static const struct {
		unsigned char	 p[16];
		unsigned int	 bits;
	} v6[] = {
		{ { 0 }, 128 },					/* :: */
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 },
		{ { 0xfe, 0x80 }, 10 },			/* link-local */
		{ { 0xfe, 0xc0 }, 10 },			/* site-local */
		{ { 0xfc }, 7 },				/* ULA */
		{ { 0xff }, 8 },				/* multicast */
		{ { 0 }, 96 },				/* ::/96 */
		{ { 0x01, 0x00 }, 64 },			/* discard */
	};
	size_t	 i;

	if (ip->family == AF_INET) {
		for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
			if (ipaddr_in(ip->a, v4[i].p, v4[i].bits))
				return (0);
		return (1);
	}
	if (ip->family != AF_INET6)
		return (0);
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		if (ipaddr_in(ip->a, v6[i].p, v6[i].bits))
			return (0);
	return (1);
}

/* ipaddr_reverse - the label sequence of a reverse or DNSBL name */

void
ipaddr_reverse(const struct ipaddr *ip, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, o = 0;

	if (size < 1)
		log_panic("ipaddr_reverse: no room");
	if (ip->family == AF_INET) {
		(void)snprintf(out, size, "%u.%u.%u.%u", ip->a[3], ip->a[2],
		    ip->a[1], ip->a[0]);
		return;
	}
	if (size < 64)
		log_panic("ipaddr_reverse: buffer too small for IPv6");
	for (i = 16; i-- > 0;) {
		out[o++] = hex[ip->a[i] & 0x0f];
		out[o++] = '.';
		out[o++] = hex[ip->a[i] >> 4];
		out[o++] = (i > 0) ? '.' : '\0';
	}
}

/* ipaddr_str - text form */

void
ipaddr_str(const struct ipaddr *ip, char *out, size_t size)
{
	if (inet_ntop(ip->family, ip->a, out, (socklen_t)size) == NULL)
		(void)snprintf(out, size, "?");
}

/* ipaddr_equal - same family and bytes */

int
ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return (a->family == b->family &&
	    memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16) == 0);
}
