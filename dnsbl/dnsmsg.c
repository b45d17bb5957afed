/*
 * dnsmsg.c - DNS packets with ldns: build a query, check and digest answers
 *
 * ldns does the wire format; this file decides what an answer means.  A
 * packet is only taken as the answer to a query when it is a response
 * (QR), to a standard query, carrying our id and exactly our question
 * (name compared case-insensitively, type, class IN); anything else is
 * ignored as spoofed, stale or garbage, and the query keeps waiting.
 *
 * The records kept are those of the type asked, owned by the query name or
 * by the end of a CNAME chain starting there (at most DNSMSG_MAX_CNAME
 * links).  The TTL for caching is the smallest TTL of the records used; a
 * negative answer (NXDOMAIN, NODATA) may be cached for min(SOA TTL, SOA
 * MINIMUM) when the authority section carries the zone's SOA (RFC 2308),
 * and not at all without one.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* external */
#include <ldns/ldns.h>

/* lib */
#include "log.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl_private.h"

#define DNSMSG_MAX_CNAME	8
#define DNSMSG_MAX_RR		512

/* dnsans_new - an empty answer */

struct dnsans *
dnsans_new(enum dnsans_status status)
{
	struct dnsans	*a;

	a = xcalloc(1, sizeof(*a));
	a->status = status;
	return (a);
}

/* dnsans_add - append one record */

void
dnsans_add(struct dnsans *a, uint16_t type, uint16_t pref, const void *data,
    size_t len)
{
	struct dnsrr	*rr;

	if ((a->nrr & (a->nrr - 1)) == 0 || a->nrr == 0)
		a->rr = xreallocarray(a->rr, a->nrr ? a->nrr * 2 : 1,
		    sizeof(*a->rr));
	rr = &a->rr[a->nrr++];
	rr->type = type;
	rr->pref = pref;
	rr->len = len;
	rr->data = xmemdup(data, len);
}

/* dnsans_dup - deep copy */

struct dnsans *
dnsans_dup(const struct dnsans *src)
{
	struct dnsans	*a;
	size_t		 i;

	a = dnsans_new(src->status);
	a->rcode = src->rcode;
	a->ttl = src->ttl;
	a->cacheable = src->cacheable;
	for (i = 0; i < src->nrr; i++)
		dnsans_add(a, src->rr[i].type, src->rr[i].pref,
		    src->rr[i].data, src->rr[i].len);
	return (a);
}

/* dnsans_free - release an answer; NULL is a no-op */

void
dnsans_free(struct dnsans *a)
{
	size_t	 i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nrr; i++)
		free(a->rr[i].data);
	free(a->rr);
	free(a);
}

/* dnsans_status_str - name of a status, for logs and findings */

const char *
dnsans_status_str(enum dnsans_status s)
{
	static const char *const names[] = {
		"ok", "nodata", "nxdomain", "servfail", "timeout", "limit"
	};

	if ((unsigned int)s >= sizeof(names) / sizeof(names[0]))
		return ("?");
	return (names[s]);
}

/* dnsmsg_name - normalise and validate a query name */

int
dnsmsg_name(const char *in, char *out, size_t size)
{
	size_t	 len, i, label = 0;

	len = strlen(in);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX || len >= size)
		return (-1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return (-1);
			label = 0;
		} else if (c <= ' ' || c >= 0x7f || c == '\\' || ++label > 63)
			return (-1);
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		return (-1);
	out[len] = '\0';
	return (0);
}

/* dnsmsg_query - wire form of a recursive query */

int
dnsmsg_query(const char *name, uint16_t type, uint16_t id,
    unsigned int edns_size, unsigned char **wire_r, size_t *len_r)
{
	ldns_rdf	*dname;
	ldns_pkt	*pkt;
	uint8_t		*wire = NULL;
	size_t		 len = 0;
	ldns_status	 st;

	if ((dname = ldns_dname_new_frm_str(name)) == NULL)
		return (-1);
	if ((pkt = ldns_pkt_query_new(dname, (ldns_rr_type)type,
	    LDNS_RR_CLASS_IN, LDNS_RD)) == NULL)
		log_fatal("ldns_pkt_query_new: out of memory");
	ldns_pkt_set_id(pkt, id);
	if (edns_size > 0)
		ldns_pkt_set_edns_udp_size(pkt, (uint16_t)edns_size);
	st = ldns_pkt2wire(&wire, pkt, &len);
	ldns_pkt_free(pkt);
	if (st != LDNS_STATUS_OK) {
		free(wire);
		return (-1);
	}
	*wire_r = wire;
	*len_r = len;
	return (0);
}

/* dnsmsg_id - the id a packet claims */

int
dnsmsg_id(const unsigned char *wire, size_t len)
{
	if (len < 12)
		return (-1);
	return ((wire[0] << 8) | wire[1]);
}

/* dnsmsg_dname_text - a domain name rdf as lower-case text, no final dot */

static char *
dnsmsg_dname_text(const ldns_rdf *rdf)
{
	char	*s;
	size_t	 len, i;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME ||
	    (s = ldns_rdf2str(rdf)) == NULL)
		return (NULL);
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return (s);
}

/* dnsmsg_add_rr - convert one record's data into the answer */

static void
dnsmsg_add_rr(struct dnsans *a, const ldns_rr *rr, uint16_t type)
{
	const ldns_rdf	*rdf;
	struct buf	*txt;
	char		*name;
	uint16_t	 pref = 0;
	size_t		 i, n;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		rdf = ldns_rr_rdf(rr, 0);
		n = (type == DNS_T_A) ? 4 : 16;
		if (rdf != NULL && ldns_rdf_size(rdf) == n)
			dnsans_add(a, type, 0, ldns_rdf_data(rdf), n);
		return;
	case DNS_T_MX:
		rdf = ldns_rr_rdf(rr, 0);
		if (rdf == NULL || ldns_rdf_size(rdf) != 2)
			return;
		pref = (uint16_t)((ldns_rdf_data(rdf)[0] << 8) |
		    ldns_rdf_data(rdf)[1]);
		rdf = ldns_rr_rdf(rr, 1);
		break;
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		rdf = ldns_rr_rdf(rr, 0);
		break;
	case DNS_T_TXT:
	case DNS_T_SPF:
		txt = buf_new(256);
		for (i = 0; i < ldns_rr_rd_count(rr); i++) {
			rdf = ldns_rr_rdf(rr, i);
			if (ldns_rdf_size(rdf) < 1)
				continue;
			n = ldns_rdf_data(rdf)[0];
			if (n + 1 > ldns_rdf_size(rdf))
				n = ldns_rdf_size(rdf) - 1;
			buf_append(txt, ldns_rdf_data(rdf) + 1, n);
		}
		/* A NUL would cut the record short for C-string users. */
		for (i = 0; i < txt->len; i++)
			if (txt->data[i] == '\0')
				txt->data[i] = '?';
		dnsans_add(a, type, 0, txt->data, txt->len);
		buf_free(txt);
		return;
	default:
		rdf = NULL;
		return;
	}
	if ((name = dnsmsg_dname_text(rdf)) == NULL)
		return;
	if (name[0] != '\0')
		dnsans_add(a, type, pref, name, strlen(name));
	free(name);
}

/* dnsmsg_collect - records of the type asked, following CNAMEs */

static uint32_t
dnsmsg_collect(struct dnsans *a, const ldns_rr_list *ans, ldns_rdf *qname,
    uint16_t type)
{
	ldns_rdf	*cur = ldns_rdf_clone(qname), *next;
	uint32_t	 ttl = UINT32_MAX;
	size_t		 i, n = ldns_rr_list_rr_count(ans), hops;
	const ldns_rr	*rr;

	for (hops = 0; hops <= DNSMSG_MAX_CNAME; hops++) {
		next = NULL;
		for (i = 0; i < n && a->nrr < DNSMSG_MAX_RR; i++) {
			rr = ldns_rr_list_rr(ans, i);
			if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			if (ldns_rr_get_type(rr) == (ldns_rr_type)type) {
				dnsmsg_add_rr(a, rr, type);
				if (ldns_rr_ttl(rr) < ttl)
					ttl = ldns_rr_ttl(rr);
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    next == NULL && ldns_rr_rdf(rr, 0) != NULL &&
			    ldns_rdf_get_type(ldns_rr_rdf(rr, 0)) ==
			    LDNS_RDF_TYPE_DNAME) {
				next = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
				if (ldns_rr_ttl(rr) < ttl)
					ttl = ldns_rr_ttl(rr);
			}
		}
		if (a->nrr > 0 || next == NULL || type == DNS_T_CNAME) {
			ldns_rdf_deep_free(next);
			break;
		}
		ldns_rdf_deep_free(cur);
		cur = next;
	}
	ldns_rdf_deep_free(cur);
	return (ttl);
}

/* dnsmsg_neg_ttl - how long a negative answer may be cached, or -1 */

static long
dnsmsg_neg_ttl(const ldns_rr_list *auth)
{
	const ldns_rr	*rr;
	const ldns_rdf	*min;
	uint32_t	 v;
	size_t		 i;

	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    (min = ldns_rr_rdf(rr, 6)) == NULL ||
		    ldns_rdf_size(min) != 4)
			continue;
		v = ldns_read_uint32(ldns_rdf_data(min));
		return ((long)(v < ldns_rr_ttl(rr) ? v : ldns_rr_ttl(rr)));
	}
	return (-1);
}

/* dnsmsg_question_ok - exactly our question */

static int
dnsmsg_question_ok(const ldns_pkt *pkt, ldns_rdf *qname, uint16_t type)
{
	const ldns_rr_list *q = ldns_pkt_question(pkt);
	const ldns_rr	*rr;

	if (ldns_pkt_qdcount(pkt) != 1 || q == NULL ||
	    ldns_rr_list_rr_count(q) != 1)
		return (0);
	rr = ldns_rr_list_rr(q, 0);
	return (ldns_rr_get_type(rr) == (ldns_rr_type)type &&
	    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	    ldns_dname_compare(ldns_rr_owner(rr), qname) == 0);
}

/* dnsmsg_digest - turn a checked packet into an answer */

static struct dnsans *
dnsmsg_digest(const ldns_pkt *pkt, ldns_rdf *qname, uint16_t type)
{
	struct dnsans	*a;
	uint32_t	 ttl;
	long		 neg;
	int		 rcode = ldns_pkt_get_rcode(pkt);

	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		a = dnsans_new(DNSANS_SERVFAIL);
		a->rcode = rcode;
		return (a);
	}
	a = dnsans_new(DNSANS_OK);
	a->rcode = rcode;
	if (rcode == LDNS_RCODE_NOERROR) {
		ttl = dnsmsg_collect(a, ldns_pkt_answer(pkt), qname, type);
		if (a->nrr > 0) {
			a->ttl = ttl;
			a->cacheable = ttl > 0;
			return (a);
		}
		a->status = DNSANS_NODATA;
	} else
		a->status = DNSANS_NXDOMAIN;
	if ((neg = dnsmsg_neg_ttl(ldns_pkt_authority(pkt))) > 0) {
		a->ttl = (uint32_t)neg;
		a->cacheable = 1;
	}
	return (a);
}

/* dnsmsg_parse - check a packet against a query and digest it */

int
dnsmsg_parse(const unsigned char *wire, size_t len, uint16_t id,
    const char *name, uint16_t type, struct dnsans **ans_r)
{
	ldns_pkt	*pkt = NULL;
	ldns_rdf	*qname;
	int		 rc = DNSMSG_IGNORE;

	*ans_r = NULL;
	if (dnsmsg_id(wire, len) != id || (wire[2] & 0x80) == 0 ||
	    (wire[2] & 0x78) != 0)
		return (DNSMSG_IGNORE);	/* not a response to a QUERY */
	if ((qname = ldns_dname_new_frm_str(name)) == NULL)
		return (DNSMSG_IGNORE);
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK) {
		/* A truncated packet may be cut mid-record: TCP will tell. */
		if (wire[2] & 0x02)
			rc = DNSMSG_TRUNC;
		goto out;
	}
	if (!dnsmsg_question_ok(pkt, qname, type))
		goto out;
	if (ldns_pkt_tc(pkt)) {
		rc = DNSMSG_TRUNC;
		goto out;
	}
	*ans_r = dnsmsg_digest(pkt, qname, type);
	rc = DNSMSG_OK;
out:
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(qname);
	return (rc);
}
