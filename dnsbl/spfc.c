/*
 * spfc.c - SPF with libspf2, over our resolver
 *
 * libspf2 is synchronous and, left alone, reads /etc/resolv.conf and
 * blocks in res_query().  Here it gets a DNS layer of our own
 * (SPF_dns_server_t with our lookup function) that hands each question to
 * the message's resolver and drives that resolver until the answer is in.
 * The evaluation runs in the message's DNS worker thread (dnsbl.c): while
 * libspf2 waits for one answer, the same poll loop receives every other
 * answer of the message (DNSBL, rDNS, SURBL), so SPF's chain of lookups
 * never stalls them, and the content checks in the main thread go on.
 * After the deadline every lookup answers TRY_AGAIN at once, so libspf2
 * finishes with temperror within microseconds.
 *
 * Limits (RFC 7208 4.6.4), enforced in the layer because libspf2 counts
 * DNS mechanisms per record (an include starts again from zero) and only
 * from the eleventh: every query libspf2 makes is a "term" except the
 * first TXT lookup (the sender's record), the address lookups of names an
 * MX or PTR answer just gave (libspf2 bounds those by max_mx/max_ptr), and
 * type SPF(99), which RFC 7208 retired and we answer NODATA locally.  More
 * than [spf] max_dns_mechanisms terms, or more than max_void_lookups
 * terms that return NXDOMAIN/NODATA, is permerror; from then on lookups
 * are not sent.  The explanation lookup libspf2 makes after a fail is not
 * a term: a stop caused by that last TXT lookup is forgiven.
 *
 * Results: libspf2 leaves INVALID when it found no usable record; that is
 * mapped to temperror after a DNS failure, permerror when a record failed
 * to compile, none otherwise (spfc_map).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* external */
#include <spf2/spf.h>
#include <spf2/spf_dns.h>

/* lib */
#include "log.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl_private.h"

#define SPFC_MAX_FOLLOW	32

struct spfc_layer {
	SPF_dns_server_t dns;		/* libspf2 sees this; hook: us */
	struct resolver	*res;
	const struct spfc_req *req;
	struct spfc_out	*out;
	int		 top_done;	/* the sender's TXT was asked */
	char		*follow[SPFC_MAX_FOLLOW]; /* last MX/PTR names */
	size_t		 nfollow;
	unsigned int	 calls;		/* lookups libspf2 asked */
	int		 temp;		/* a lookup failed for now */
	int		 stopped;	/* a limit was exceeded */
	unsigned int	 stop_call;	/* at which call */
	int		 stop_type;
	char		 stop_why[64];
};

/* spfc_log_error - libspf2's fatal errors are bugs in it: abort */

static void	spfc_log_error(const char *, int, const char *)
		    __attribute__((noreturn));

static void
spfc_log_error(const char *file, int line, const char *msg)
{
	log_panic("libspf2: %s:%d: %s", file ? file : "?", line, msg);
}

/* spfc_log_debug - libspf2's warnings, info and debug output */

static void
spfc_log_debug(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	log_debug("libspf2: %s", msg);
}

/* spfc_init - route libspf2's output to our log */

void
spfc_init(void)
{
	SPF_error_handler = spfc_log_error;
	SPF_warning_handler = spfc_log_debug;
	SPF_info_handler = spfc_log_debug;
	SPF_debug_handler = spfc_log_debug;
}

/* spfc_result_name - RFC 7208 result names */

const char *
spfc_result_name(enum spf_result r)
{
	static const char *const names[] = {
		"not-checked", "pass", "fail", "softfail", "neutral", "none",
		"temperror", "permerror"
	};

	if ((unsigned int)r >= sizeof(names) / sizeof(names[0]))
		return ("?");
	return (names[r]);
}

/* spfc_map - libspf2's result and our observations to a result */

enum spf_result
spfc_map(int spf_result, int dns_temp, int broken_record, int over_limit)
{
	if (over_limit)
		return (SPF_PERMERROR);
	switch (spf_result) {
	case SPF_RESULT_PASS:
		return (SPF_PASS);
	case SPF_RESULT_FAIL:
		return (SPF_FAIL);
	case SPF_RESULT_SOFTFAIL:
		return (SPF_SOFTFAIL);
	case SPF_RESULT_NEUTRAL:
		return (SPF_NEUTRAL);
	case SPF_RESULT_NONE:
		return (SPF_NONE);
	case SPF_RESULT_TEMPERROR:
		return (SPF_TEMPERROR);
	case SPF_RESULT_PERMERROR:
		return (SPF_PERMERROR);
	default:
		if (dns_temp)
			return (SPF_TEMPERROR);
		return (broken_record ? SPF_PERMERROR : SPF_NONE);
	}
}

/* spfc_is_follow - whether a name came in the last MX/PTR answer */

static int
spfc_is_follow(const struct spfc_layer *l, const char *name)
{
	char	 norm[DNS_NAME_MAX + 1];
	size_t	 i;

	if (dnsmsg_name(name, norm, sizeof(norm)) < 0)
		return (0);
	for (i = 0; i < l->nfollow; i++)
		if (strcmp(l->follow[i], norm) == 0)
			return (1);
	return (0);
}

/* spfc_set_follow - remember the names of an MX or PTR answer */

static void
spfc_set_follow(struct spfc_layer *l, const struct dnsans *a)
{
	size_t	 i;

	for (i = 0; i < l->nfollow; i++)
		free(l->follow[i]);
	l->nfollow = 0;
	for (i = 0; i < a->nrr && l->nfollow < SPFC_MAX_FOLLOW; i++)
		if (a->rr[i].type == DNS_T_MX || a->rr[i].type == DNS_T_PTR)
			l->follow[l->nfollow++] = xstrdup((char *)
			    a->rr[i].data);
}

/* spfc_rr - build libspf2's record set from our answer */

static SPF_dns_rr_t *
spfc_rr(SPF_dns_server_t *dns, const char *domain, ns_type type,
    const struct dnsans *a)
{
	SPF_dns_rr_t	*rr;
	SPF_dns_stat_t	 herrno;
	size_t		 i;
	int		 n = 0;

	switch (a == NULL ? DNSANS_NODATA : a->status) {
	case DNSANS_OK:
		herrno = NETDB_SUCCESS;
		break;
	case DNSANS_NODATA:
		herrno = NO_DATA;
		break;
	case DNSANS_NXDOMAIN:
		herrno = HOST_NOT_FOUND;
		break;
	default:
		herrno = TRY_AGAIN;
		break;
	}
	rr = SPF_dns_rr_new_init(dns, domain, type, a ? (int)a->ttl : 0,
	    herrno);
	if (rr == NULL)
		log_fatal("SPF_dns_rr_new_init: out of memory");
	for (i = 0; herrno == NETDB_SUCCESS && i < a->nrr; i++) {
		if (a->rr[i].type != (uint16_t)type)
			continue;
		if (SPF_dns_rr_buf_realloc(rr, n, a->rr[i].len + 1 +
		    sizeof(SPF_dns_rr_data_t)) != SPF_E_SUCCESS)
			log_fatal("SPF_dns_rr_buf_realloc: out of memory");
		memcpy(rr->rr[n], a->rr[i].data, a->rr[i].len);
		((char *)rr->rr[n])[a->rr[i].len] = '\0';
		n++;
	}
	rr->num_rr = n;
	if (herrno == NETDB_SUCCESS && n == 0)
		rr->herrno = NO_DATA;
	return (rr);
}

/* spfc_stop - a limit was exceeded at this call */

static void
spfc_stop(struct spfc_layer *l, int type, const char *why)
{
	l->stopped = 1;
	l->stop_call = l->calls;
	l->stop_type = type;
	(void)snprintf(l->stop_why, sizeof(l->stop_why), "%s", why);
}

/* spfc_lookup - libspf2's DNS lookup, answered by our resolver */

static SPF_dns_rr_t *
spfc_lookup(SPF_dns_server_t *dns, const char *domain, ns_type type,
    int should_cache)
{
	struct spfc_layer *l = dns->hook;
	const struct dnsans *a;
	int		 term, h;

	(void)should_cache;
	l->calls++;
	if (type == DNS_T_SPF || l->stopped || domain == NULL)
		return (spfc_rr(dns, domain, type, NULL));
	term = 1;
	if (type == DNS_T_TXT && !l->top_done) {
		term = 0;
		l->top_done = 1;
	} else if ((type == DNS_T_A || type == DNS_T_AAAA) &&
	    spfc_is_follow(l, domain))
		term = 0;
	if (term && ++l->out->terms > l->req->max_mech) {
		spfc_stop(l, type, "too many DNS lookups");
		return (spfc_rr(dns, domain, type, NULL));
	}
	l->out->lookups++;
	h = resolver_submit(l->res, domain, (uint16_t)type, NULL, NULL);
	a = resolver_wait(l->res, h);
	if (a->status == DNSANS_TIMEOUT)
		l->out->timeout = 1;
	if (a->status >= DNSANS_SERVFAIL)
		l->temp = 1;
	if (type == DNS_T_MX || type == DNS_T_PTR)
		spfc_set_follow(l, a);
	if (term && (a->status == DNSANS_NXDOMAIN ||
	    a->status == DNSANS_NODATA) &&
	    ++l->out->voids > l->req->max_void)
		spfc_stop(l, type, "too many void lookups");
	return (spfc_rr(dns, domain, type, a));
}

/* spfc_broken - whether libspf2 reported a broken record */

static int
spfc_broken(SPF_response_t *resp)
{
	SPF_error_t	*e;
	int		 i;

	for (i = 0; i < SPF_response_messages(resp); i++) {
		e = SPF_response_message(resp, i);
		if (e == NULL || !SPF_error_errorp(e))
			continue;
		switch (SPF_error_code(e)) {
		case SPF_E_SUCCESS:
		case SPF_E_NOT_SPF:
		case SPF_E_DNS_ERROR:
			break;
		default:
			return (1);
		}
	}
	return (0);
}

/* spfc_domain - the domain of the identity checked, or NULL */

static const char *
spfc_domain(const struct spfc_req *req)
{
	const char	*at;

	if (req->sender != NULL && req->sender[0] != '\0') {
		at = strrchr(req->sender, '@');
		return (at != NULL ? at + 1 : NULL);
	}
	return (req->helo);
}

/* spfc_domain_ok - a multi-label domain name check_host() can use */

static int
spfc_domain_ok(const char *d)
{
	char	 norm[DNS_NAME_MAX + 1];

	return (d != NULL && d[0] != '[' && strchr(d, '.') != NULL &&
	    dnsmsg_name(d, norm, sizeof(norm)) == 0);
}

/* spfc_request - set up libspf2's request; -1 if the input is unusable */

static int
spfc_request(SPF_request_t *sr, const struct spfc_req *req)
{
	char	 ip[INET6_ADDRSTRLEN];

	ipaddr_str(req->ip, ip, sizeof(ip));
	if ((req->ip->family == AF_INET ? SPF_request_set_ipv4_str(sr, ip) :
	    SPF_request_set_ipv6_str(sr, ip)) != SPF_E_SUCCESS)
		return (-1);
	if (req->sender != NULL && req->sender[0] != '\0' &&
	    SPF_request_set_env_from(sr, req->sender) != 0)
		return (-1);
	if (req->helo != NULL && req->helo[0] != '\0' &&
	    SPF_request_set_helo_dom(sr, req->helo) != SPF_E_SUCCESS)
		return (-1);
	return (0);
}

/* spfc_eval - evaluate SPF for one message */

void
spfc_eval(struct resolver *res, const struct spfc_req *req,
    struct spfc_out *out)
{
	struct spfc_layer l;
	SPF_server_t	*server;
	SPF_request_t	*sr;
	SPF_response_t	*resp = NULL;
	size_t		 i;
	int		 result, over;

	memset(out, 0, sizeof(*out));
	if (!spfc_domain_ok(spfc_domain(req))) {
		out->result = SPF_NONE;
		(void)snprintf(out->why, sizeof(out->why), "no usable domain");
		return;
	}
	memset(&l, 0, sizeof(l));
	l.dns.lookup = spfc_lookup;
	l.dns.name = "winnow";
	l.dns.hook = &l;
	l.res = res;
	l.req = req;
	l.out = out;
	if ((server = SPF_server_new_dns(&l.dns, 0)) == NULL)
		log_fatal("SPF_server_new_dns: out of memory");
	SPF_server_set_max_dns_mech(server, (int)req->max_mech);
	SPF_server_set_max_dns_mx(server, (int)req->max_mx);
	SPF_server_set_max_dns_ptr(server, (int)req->max_ptr);
	if (req->receiver != NULL && req->receiver[0] != '\0')
		(void)SPF_server_set_rec_dom(server, req->receiver);
	if ((sr = SPF_request_new(server)) == NULL)
		log_fatal("SPF_request_new: out of memory");
	if (spfc_request(sr, req) < 0) {
		out->result = SPF_NONE;
		(void)snprintf(out->why, sizeof(out->why), "bad identity");
		goto out;
	}
	(void)SPF_request_query_mailfrom(sr, &resp);
	result = resp ? (int)SPF_response_result(resp) : SPF_RESULT_INVALID;
	over = l.stopped;
	/* The explanation lookup follows a fail-like result; not a term. */
	if (over && l.stop_call == l.calls && l.stop_type == DNS_T_TXT &&
	    (result == SPF_RESULT_FAIL || result == SPF_RESULT_SOFTFAIL ||
	    result == SPF_RESULT_NEUTRAL))
		over = 0;
	out->result = spfc_map(result, l.temp, resp ? spfc_broken(resp) : 0,
	    over);
	if (over)
		(void)snprintf(out->why, sizeof(out->why), "%s", l.stop_why);
	else if (resp != NULL && SPF_response_errcode(resp) != SPF_E_SUCCESS)
		(void)snprintf(out->why, sizeof(out->why), "%s",
		    SPF_strerror(SPF_response_errcode(resp)));
out:
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(sr);
	SPF_server_free(server);
	for (i = 0; i < l.nfollow; i++)
		free(l.follow[i]);
}
