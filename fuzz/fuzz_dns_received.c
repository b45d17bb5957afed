/*
 * fuzz_dns_received.c - Received: headers and IP literals from a message
 *
 * The IPs that go to the DNSBLs come from the message's header block; a
 * hostile header must never crash the parser, overrun the IP array or
 * yield a non-public address.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsbl_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ipaddr	 ips[4], ip;
	char		 rev[80], txt[64];
	size_t		 n, i;

	n = rbl_received_ips((const char *)data, len, 20, ips, 0, 4);
	if (n > 4)
		abort();
	for (i = 0; i < n; i++) {
		if (!ipaddr_is_public(&ips[i]))
			abort();
		ipaddr_reverse(&ips[i], rev, sizeof(rev));
		ipaddr_str(&ips[i], txt, sizeof(txt));
	}
	if (rbl_received_ip((const char *)data, len, &ip) == 0)
		ipaddr_reverse(&ip, rev, sizeof(rev));
	if (ipaddr_parse((const char *)data, len, &ip) == 0)
		ipaddr_reverse(&ip, rev, sizeof(rev));
	return (0);
}
