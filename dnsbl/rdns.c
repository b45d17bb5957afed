/*
 * rdns.c - reverse DNS of the client, forward-confirmed (FCrDNS)
 *
 * The PTR names of the client's address are looked up (at most [dns]
 * rdns_max_names of them) for A or AAAA records of the client's family;
 * the client is "ok" when one of them points back at it, "mismatch" when
 * PTRs exist but none confirms, "none" without a PTR, and "temperror" when
 * a lookup failed or hit the deadline before a confirmation was found.
 * The forward queries go out as soon as the PTR answer is in, alongside
 * everything else of the message.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

/* lib */
#include "log.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl_private.h"

struct rdns_state {
	struct dnsbl_run *run;
	unsigned int	 outstanding;	/* forward queries pending */
	int		 matched;
	int		 temp;		/* a lookup failed/timed out */
	int		 names;
};

/* rdns_settle - decide once nothing is outstanding */

static void
rdns_settle(struct rdns_state *st)
{
	if (st->outstanding > 0)
		return;
	if (st->matched)
		st->run->rdns = RDNS_OK;
	else if (st->temp)
		st->run->rdns = RDNS_TEMPERROR;
	else
		st->run->rdns = RDNS_MISMATCH;
}

/* rdns_forward - an A/AAAA answer for one PTR name */

static void
rdns_forward(const struct dnsans *a, void *arg)
{
	struct rdns_state *st = arg;
	const struct ipaddr *ip = &st->run->client;
	size_t		 i, n = ip->family == AF_INET ? 4 : 16;

	dnsbl_family_note(&st->run->f_rdns, a);
	st->outstanding--;
	if (a->status == DNSANS_OK) {
		for (i = 0; i < a->nrr; i++)
			if (a->rr[i].len == n &&
			    memcmp(a->rr[i].data, ip->a, n) == 0)
				st->matched = 1;
	} else if (a->status != DNSANS_NXDOMAIN &&
	    a->status != DNSANS_NODATA)
		st->temp = 1;
	rdns_settle(st);
}

/* rdns_ptr - the PTR answer: ask for every name's addresses */

static void
rdns_ptr(const struct dnsans *a, void *arg)
{
	struct rdns_state *st = arg;
	struct dnsbl_run *run = st->run;
	size_t		 i;

	dnsbl_family_note(&run->f_rdns, a);
	switch (a->status) {
	case DNSANS_OK:
		break;
	case DNSANS_NXDOMAIN:
	case DNSANS_NODATA:
		run->rdns = RDNS_NONE;
		return;
	default:
		run->rdns = RDNS_TEMPERROR;
		return;
	}
	for (i = 0; i < a->nrr && (unsigned int)st->names <
	    dnsbl_rdns_max_names; i++) {
		if (a->rr[i].type != DNS_T_PTR)
			continue;
		st->names++;
		st->outstanding++;
		(void)resolver_submit(run->res, (const char *)a->rr[i].data,
		    run->client.family == AF_INET ? DNS_T_A : DNS_T_AAAA,
		    rdns_forward, st);
	}
	if (st->names == 0)
		run->rdns = RDNS_NONE;
	if (a->nrr > dnsbl_rdns_max_names)
		log_info("%s: client has %zu PTR names, checked the first %u "
		    "(raise [dns] rdns_max_names to check more)", run->qid,
		    a->nrr, dnsbl_rdns_max_names);
}

/* rdns_submit - queue the PTR query of the client */

void
rdns_submit(struct dnsbl_run *run)
{
	char		 rev[80], name[128];

	run->rdns_st = xcalloc(1, sizeof(*run->rdns_st));
	run->rdns_st->run = run;
	run->rdns = RDNS_TEMPERROR;	/* until an answer says otherwise */
	ipaddr_reverse(&run->client, rev, sizeof(rev));
	(void)snprintf(name, sizeof(name), "%s.%s", rev,
	    run->client.family == AF_INET ? "in-addr.arpa" : "ip6.arpa");
	(void)resolver_submit(run->res, name, DNS_T_PTR, rdns_ptr,
	    run->rdns_st);
}
