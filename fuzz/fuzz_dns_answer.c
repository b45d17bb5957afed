/*
 * fuzz_dns_answer.c - DNS answers from a hostile server
 *
 * The first input byte picks the query type; the rest is a packet.  The
 * packet is checked against its own question (so the fuzzer reaches the
 * digesting code, not just the mismatch checks) and against a fixed one;
 * a digested answer then goes through everything an answer meets: the
 * DNSBL classifier, copying, the cache.  Nothing may crash, leak or read
 * out of bounds, whatever the bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dnsbl_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_digest - use an answer the way the checks do */

static void
fuzz_digest(struct dnsans *a, uint16_t type, const char *name)
{
	static struct dnscache *c;
	struct dnsbl_zone z;
	struct dnsans	*d;
	uint32_t	 code;

	if (c == NULL)
		c = dnscache_new(64, 3600, 900);
	memset(&z, 0, sizeof(z));
	(void)rbl_classify(&z, a, &code);
	d = dnsans_dup(a);
	dnscache_put(c, name, type, d, 0);
	dnsans_free(d);
	d = dnscache_get(c, name, type, 1);
	dnsans_free(d);
	dnsans_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint16_t types[] = {
		DNS_T_A, DNS_T_AAAA, DNS_T_TXT, DNS_T_PTR, DNS_T_MX,
		DNS_T_CNAME, DNS_T_SPF, DNS_T_NS
	};
	char		 name[DNS_NAME_MAX + 1], *s;
	struct dnsans	*a;
	ldns_pkt	*p = NULL;
	uint16_t	 type, id;
	int		 rc;

	if (len < 1 + 12)
		return (0);
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	data++;
	len--;
	id = (uint16_t)((data[0] << 8) | data[1]);

	/* Against a fixed question. */
	rc = dnsmsg_parse(data, len, id, "2.0.0.127.bl.example", type, &a);
	if (rc == DNSMSG_OK)
		fuzz_digest(a, type, "2.0.0.127.bl.example");

	/* Against the packet's own question, whatever it is. */
	if (ldns_wire2pkt(&p, data, len) == LDNS_STATUS_OK &&
	    ldns_pkt_question(p) != NULL &&
	    ldns_rr_list_rr_count(ldns_pkt_question(p)) > 0 &&
	    (s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(
	    ldns_pkt_question(p), 0)))) != NULL) {
		if (dnsmsg_name(s, name, sizeof(name)) == 0 &&
		    dnsmsg_parse(data, len, id, name, type, &a) == DNSMSG_OK)
			fuzz_digest(a, type, name);
		free(s);
	}
	ldns_pkt_free(p);
	return (0);
}
