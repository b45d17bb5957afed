/*
 * dnsbl_private.h - what the files of dnsbl/ share, and nobody else
 *
 *	ipaddr.c	IP literals: parse, public or not, reverse for DNS
 *	dnsmsg.c	DNS packets with ldns: build a query, check and
 *			digest an answer into a struct dnsans
 *	dnscache.c	the per-child answer cache (TTLs, negative caching,
 *			bounded, least recently used out first)
 *	resolver.c	one message's queries over UDP/TCP sockets and poll
 *	rbl.c		DNSBL zones: codes, ratings, Received: parsing
 *	rdns.c		PTR and forward confirmation of the client
 *	spfc.c		libspf2 over our resolver
 *	urlx.c		URLs and domains from text and HTML
 *	surbl.c		registered domains (public suffixes), URI lists
 *	dnsbl.c		the run: worker thread, findings, rendering
 *	dnsbl_conf.c	[dns], [dnsbl], [surbl], [spf] and dnsbl_load()
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_DNSBL_PRIVATE_H
#define WINNOW_DNSBL_PRIVATE_H

#include <sys/socket.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "findings.h"

/* DNS types and classes we use (values from RFC 1035 / 3596). */
#define DNS_T_A		1
#define DNS_T_NS	2
#define DNS_T_CNAME	5
#define DNS_T_SOA	6
#define DNS_T_PTR	12
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28
#define DNS_T_SPF	99

#define DNS_NAME_MAX	253	/* text form, without the final dot */
#define DNSBL_MAX_SERVERS 8
#define DNSBL_MAX_IPS	24	/* client + received_hops (max 20) */

/*
 * ipaddr.c
 */
struct ipaddr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 a[16];		/* AF_INET: a[0..3] */
};

/* Parse "1.2.3.4", "2001:db8::1", "IPv6:...", "[...]"; IPv4-mapped IPv6
 * becomes IPv4.  0 or -1. */
int	ipaddr_parse(const char *, size_t len, struct ipaddr *);

/* Whether an address may be looked up: not private, loopback, link-local,
 * unspecified, multicast, CGNAT or reserved. */
int	ipaddr_is_public(const struct ipaddr *);

/* "4.3.2.1" or 32 dot-separated nibbles, for DNSBL and PTR names. */
void	ipaddr_reverse(const struct ipaddr *, char *, size_t);

/* The usual text form. */
void	ipaddr_str(const struct ipaddr *, char *, size_t);

int	ipaddr_equal(const struct ipaddr *, const struct ipaddr *);

/*
 * dnsmsg.c: answers as their users want them
 */
enum dnsans_status {
	DNSANS_OK = 0,		/* records of the type asked */
	DNSANS_NODATA,		/* the name exists, no such records */
	DNSANS_NXDOMAIN,	/* no such name */
	DNSANS_SERVFAIL,	/* SERVFAIL, REFUSED, ... or unreachable */
	DNSANS_TIMEOUT,		/* no usable answer by the deadline */
	DNSANS_LIMIT,		/* not sent: [dns] max_queries reached */
};

struct dnsrr {
	uint16_t	 type;
	uint16_t	 pref;		/* MX preference */
	size_t		 len;		/* bytes, without the NUL */
	/* A: 4 bytes; AAAA: 16; PTR, MX, CNAME: lower-case name without
	 * the final dot; TXT: its strings joined; NUL-terminated always */
	unsigned char	*data;
};

struct dnsans {
	enum dnsans_status status;
	int		 rcode;
	uint32_t	 ttl;		/* seconds it may be cached */
	int		 cacheable;
	size_t		 nrr;
	struct dnsrr	*rr;
};

#define DNSMSG_OK	0	/* *ans_r is the answer */
#define DNSMSG_TRUNC	1	/* ours, truncated: ask again over TCP */
#define DNSMSG_IGNORE	2	/* not an answer to this question */

/* Wire form of a query (RD set; EDNS0 when edns_size > 0); the caller
 * frees *wire_r.  -1 if the name is not a valid domain name. */
int	dnsmsg_query(const char *name, uint16_t type, uint16_t id,
	    unsigned int edns_size, unsigned char **wire_r, size_t *len_r);

/* Check that wire answers exactly (id, name, type, class IN) and digest it
 * (CNAME chains followed, TTL for caching from the records or from the SOA
 * of a negative answer).  Malformed or mismatched packets are IGNORE. */
int	dnsmsg_parse(const unsigned char *wire, size_t len, uint16_t id,
	    const char *name, uint16_t type, struct dnsans **ans_r);

/* The query id a packet claims; -1 if it is too short. */
int	dnsmsg_id(const unsigned char *wire, size_t len);

/* Normalise a query name into out (lower case, no final dot); -1 if it is
 * not a usable domain name. */
int	dnsmsg_name(const char *in, char *out, size_t size);

struct dnsans	*dnsans_new(enum dnsans_status);
void		 dnsans_add(struct dnsans *, uint16_t type, uint16_t pref,
		    const void *data, size_t len);
struct dnsans	*dnsans_dup(const struct dnsans *);
void		 dnsans_free(struct dnsans *);
const char	*dnsans_status_str(enum dnsans_status);

/*
 * dnscache.c
 */
struct dnscache;

struct dnscache_stats {
	unsigned long	 hits, misses, inserts, evictions, expired;
};

struct dnscache	*dnscache_new(size_t max_entries, unsigned int max_ttl_s,
		    unsigned int max_neg_ttl_s);
void		 dnscache_free(struct dnscache *);

/* A copy of a live entry, or NULL. */
struct dnsans	*dnscache_get(struct dnscache *, const char *name,
		    uint16_t type, uint64_t now_ms);

/* Remember a cacheable answer (TTL clamped to the maxima). */
void		 dnscache_put(struct dnscache *, const char *name,
		    uint16_t type, const struct dnsans *, uint64_t now_ms);
size_t		 dnscache_count(struct dnscache *);
void		 dnscache_flush(struct dnscache *);
void		 dnscache_get_stats(struct dnscache *,
		    struct dnscache_stats *);

/*
 * resolver.c
 */
struct resolver_conf {
	struct sockaddr_storage server[DNSBL_MAX_SERVERS];
	socklen_t	 server_len[DNSBL_MAX_SERVERS];
	size_t		 nservers;
	unsigned int	 query_timeout_ms;	/* one attempt */
	unsigned int	 retries;	/* attempts after the first */
	unsigned int	 max_queries;		/* sent per resolver */
	unsigned int	 max_inflight;	/* sent, not answered */
	unsigned int	 edns_size;		/* 0: no EDNS0 */
};

struct resolver_stats {
	unsigned int	 queries;	/* submitted */
	unsigned int	 sent;		/* sent (without retries) */
	unsigned int	 answered;	/* usable answers from servers */
	unsigned int	 cached;	/* answered from the cache */
	unsigned int	 shared;	/* same question asked again */
	unsigned int	 timeouts;
	unsigned int	 failures;	/* SERVFAIL etc., unreachable */
	unsigned int	 ignored;	/* spoofed, mismatched, garbage */
	unsigned int	 tcp;		/* truncated: asked over TCP */
	unsigned int	 limited;	/* not sent: max_queries */
};

struct resolver;

/* Called once per query, from resolver_wait/resolver_run, with the
 * answer (owned by the resolver until resolver_free). */
typedef void	resolver_cb(const struct dnsans *, void *arg);

/* A resolver for one message: sockets opened lazily, every query bounded
 * by deadline_ms.  -1 with why if it cannot work at all. */
struct resolver	*resolver_new(const struct resolver_conf *,
		    struct dnscache *, uint64_t deadline_ms, struct buf *why);
void		 resolver_free(struct resolver *);

/* Queue a query; returns its handle (>= 0).  cb may be NULL. */
int		 resolver_submit(struct resolver *, const char *name,
		    uint16_t type, resolver_cb *cb, void *arg);

/* Run until query h is answered (or the deadline); its answer. */
const struct dnsans *resolver_wait(struct resolver *, int h);

/* Send what was queued, without waiting for anything. */
void		 resolver_kick(struct resolver *);

/* Run until every query is answered or the deadline has passed. */
void		 resolver_run(struct resolver *);

/* The answer of h, or NULL while it is pending. */
const struct dnsans *resolver_answer(struct resolver *, int h);

/* Make every pending and future query time out now (any thread). */
void		 resolver_cancel(struct resolver *);
int		 resolver_cancelled(struct resolver *);
uint64_t	 resolver_deadline(const struct resolver *);
void		 resolver_get_stats(const struct resolver *,
		    struct resolver_stats *);

/* Parse "IP[:port], [IPv6]:port, ..." into conf; -1 with why. */
int		 resolver_parse_servers(const char *, struct resolver_conf *,
		    struct buf *why);

/* The nameservers of a resolv.conf file (127.0.0.1 when none). */
int		 resolver_read_resolv_conf(const char *path,
		    struct resolver_conf *, struct buf *why);

/*
 * Configuration (dnsbl_conf.c)
 */
#define RBL_CODE_EXACT	0	/* the answer equals value */
#define RBL_CODE_MASK	1	/* the last octet has a bit of value */

struct rbl_code {
	int		 kind;
	uint32_t	 value;
};

struct dnsbl_zone {
	char		*name;		/* lower case, no final dot */
	unsigned int	 rating;
	size_t		 ncodes;	/* 0: any 127.0.0.0/8 answer */
	struct rbl_code	*codes;
	int		 warned_refused;	/* per child: logged once */
	int		 warned_bogus;
};

struct dnsbl_cfg {
	struct dnsbl_zone *dnsbl;
	size_t		 ndnsbl;
	struct dnsbl_zone *surbl;
	size_t		 nsurbl;
	struct resolver_conf res;
	void		*psl;		/* psl_ctx_t */
};

extern struct dnsbl_cfg *dnsbl_cfg;	/* built by dnsbl_load() */

extern unsigned int	 dnsbl_timeout_ms;
extern unsigned int	 dnsbl_query_timeout_ms;
extern unsigned int	 dnsbl_retries;
extern char		*dnsbl_resolver;
extern unsigned int	 dnsbl_cache_size;
extern unsigned int	 dnsbl_cache_max_ttl_ms;
extern unsigned int	 dnsbl_cache_neg_ttl_ms;
extern unsigned int	 dnsbl_received_hops;
extern unsigned int	 dnsbl_max_queries;
extern unsigned int	 dnsbl_max_inflight;
extern unsigned int	 dnsbl_max_surbl_domains;
extern size_t		 dnsbl_surbl_scan_size;
extern unsigned int	 dnsbl_edns_size;
extern int		 dnsbl_rdns_enable;
extern unsigned int	 dnsbl_rdns_max_names;
extern char		*dnsbl_psl_file;
extern int		 spfc_enable;
extern unsigned int	 spfc_max_mech;
extern unsigned int	 spfc_max_void;
extern unsigned int	 spfc_max_mx;
extern unsigned int	 spfc_max_ptr;
extern char		*spfc_receiver;

/* Parse "rating [code ...]" of a zone line into z (name not set). */
int	dnsbl_zone_parse(const char *value, struct dnsbl_zone *z,
	    struct buf *why);
void	dnsbl_cfg_free(struct dnsbl_cfg *);

/*
 * The run of one message (dnsbl.c); the worker thread owns everything
 * below "results" until it ends.
 */
/* What one zone said about a message (DNSBL: IPs; SURBL: domains). */
struct rbl_result {
	int		 listed;	/* some item is listed here */
	uint32_t	 code;		/* first listing answer */
	size_t		 item;		/* the IP or domain it listed */
	unsigned int	 refused;	/* 127.255.255.x answers */
	unsigned int	 bogus;		/* answers outside 127/8 */
};

struct family {
	unsigned int	 asked, timeouts, failures, limited;
};

struct dnsbl_run {
	char		 qid[64];
	struct msg_view	 view;		/* copy; points into the
					 * server's memory (dnsbl.h) */
	char		*sender, *helo;
	unsigned int	 families;
	uint64_t	 start_ms, deadline_ms;
	struct dnsbl_cfg *cfg;

	struct ipaddr	 client;
	int		 have_client;	/* parsed and public */
	struct ipaddr	 ips[DNSBL_MAX_IPS];	/* client first */
	size_t		 nips;

	int		 thread_started;	/* handed to the worker */
	int		 in_caller;	/* no SPF: sent by dnsbl_start,
					 * read by dnsbl_finish, no worker */
	int		 orphaned;	/* finish gave up: worker frees */
	int		 worker_done;	/* these two under dnsbl.c's
					 * worker mutex */
	struct resolver	*res;
	struct buf	*err;		/* local failure (WN_TEMP) */

	/* results */
	struct family	 f_dnsbl, f_rdns, f_surbl;
	struct rbl_result *rbl;		/* per [dnsbl] zone */
	struct rbl_q	*rblq;
	enum rdns_result rdns;
	struct rdns_state *rdns_st;
	enum spf_result	 spf;
	enum check_state spf_state;
	char		 spf_why[128];
	char		**domains;	/* SURBL: reduced domains / IPs */
	size_t		 ndomains;
	int		 surbl_limit;	/* max_surbl_domains was hit */
	struct rbl_result *surbl;	/* per [surbl] zone */
	struct rbl_q	*surblq;
	uint64_t	 done_ms;
};

/* Count an answer in a family's tallies (dnsbl.c). */
void	dnsbl_family_note(struct family *, const struct dnsans *);

/*
 * rbl.c
 */
#define RBL_LISTED	0
#define RBL_CLEAN	1
#define RBL_REFUSED	2	/* 127.255.255.x: the list refused us */
#define RBL_BOGUS	3	/* answer outside 127.0.0.0/8 */
#define RBL_UNKNOWN	4	/* timeout, failure, limit */

struct rbl_q {
	struct dnsbl_run *run;
	int		 uri;		/* a [surbl] zone, else [dnsbl] */
	size_t		 zone;
	size_t		 item;		/* IP or domain index */
};

/* What one A answer of a zone means; *code_r gets the first code. */
int	rbl_classify(const struct dnsbl_zone *, const struct dnsans *,
	    uint32_t *code_r);

/* Whether a 127.x code counts for a zone. */
int	rbl_code_match(const struct dnsbl_zone *, uint32_t code);

/* The IP of one Received: value ("from x (y [1.2.3.4]) by ..."). */
int	rbl_received_ip(const char *value, size_t len, struct ipaddr *);

/* IPs of the first hops Received: fields of an indexed message (mail.h),
 * appended to ips (max entries), duplicates and non-public skipped. */
struct mail;
size_t	rbl_received_mail(const struct mail *, unsigned int hops,
	    struct ipaddr *ips, size_t n, size_t max);

/* The same for a header block (indexed for the purpose). */
size_t	rbl_received_ips(const char *hdr, size_t len, unsigned int hops,
	    struct ipaddr *ips, size_t n, size_t max);

/* Sum of the ratings of the zones that list something. */
unsigned int rbl_rating(const struct dnsbl_zone *, const int *listed,
	    size_t nzones);

/* The resolver callback of DNSBL and SURBL queries (arg: struct rbl_q). */
void	rbl_answer(const struct dnsans *, void *arg);

/* The IP (DNSBL) or domain (SURBL) an rbl_q / rbl_result speaks of. */
void	rbl_item_name(const struct dnsbl_run *, int uri, size_t item,
	    char *, size_t);

/* "127.0.0.2" */
void	rbl_code_str(uint32_t code, char *, size_t);

/* Queue the DNSBL queries of a run. */
void	rbl_submit(struct dnsbl_run *);

/*
 * rdns.c
 */
void	rdns_submit(struct dnsbl_run *);

/*
 * spfc.c
 */
struct spfc_req {
	const char	*sender;	/* "" for <> */
	const char	*helo;
	const struct ipaddr *ip;
	unsigned int	 max_mech, max_void, max_mx, max_ptr;
	const char	*receiver;	/* %{r}; NULL: host name */
};

struct spfc_out {
	enum spf_result	 result;
	int		 timeout;	/* a lookup hit the deadline */
	unsigned int	 lookups;	/* DNS queries asked */
	unsigned int	 terms;		/* DNS-querying terms */
	unsigned int	 voids;
	char		 why[128];
};

/* Route libspf2's messages to our log (once per process). */
void	spfc_init(void);

/* Evaluate SPF synchronously over res (drives res while it waits). */
void	spfc_eval(struct resolver *, const struct spfc_req *,
	    struct spfc_out *);

/* Map libspf2's result and what our DNS layer saw to a result.  libspf2
 * leaves INVALID when it never got a record: temperror when DNS failed,
 * permerror when a record was broken, none otherwise. */
enum spf_result spfc_map(int spf_result, int dns_temp, int broken_record,
	    int over_limit);

const char *spfc_result_name(enum spf_result);

/*
 * urlx.c
 */
#define URLX_SCHEME	0	/* http://, hxxp://, href/src targets */
#define URLX_WWW	1	/* www.example.com without a scheme */
#define URLX_BARE	2	/* example.com in running text */

struct urlx;

/* A collector of at most max_hosts hosts from at most max_scan bytes;
 * psl (psl_ctx_t) tells real top-level domains for bare domains. */
struct urlx	*urlx_new(const void *psl, size_t max_hosts,
		    size_t max_scan);
void		 urlx_free(struct urlx *);

/* Scan decoded text or HTML for URLs and domains. */
void		 urlx_text(struct urlx *, const char *, size_t);

/* Scan the text parts of a message index (decoded by their transfer
 * encoding), or of a raw message indexed here. */
struct mail;
void		 urlx_mail(struct urlx *, const struct mail *);
void		 urlx_message(struct urlx *, const char *, size_t);

/* Hosts found (lower case, ASCII/punycode), best first (SCHEME, WWW, BARE,
 * each in order of appearance); duplicates removed. */
size_t		 urlx_count(const struct urlx *);
const char	*urlx_host(const struct urlx *, size_t, int *kind_r);

/* Whether the hosts list hit max_hosts. */
int		 urlx_full(const struct urlx *);

/* Normalise one host as found in a URL: obfuscations, %-encoding, IDN,
 * numeric IPv4 forms.  0 and out filled, or -1. */
int		 urlx_host_norm(const char *, size_t, char *out,
		    size_t size);

/*
 * surbl.c
 */

/* The registered domain of a host (or the dotted IPv4 itself) into out;
 * -1 when it has none (a public suffix, a private IP, no TLD). */
int	surbl_reduce(void *psl, const char *host, char *out, size_t size);

/* Whether a dotted name ends in a real top-level domain. */
int	surbl_known_tld(void *psl, const char *host);

/* Extract, reduce and queue the URI-list queries of a run. */
void	surbl_submit(struct dnsbl_run *);

#endif /* WINNOW_DNSBL_PRIVATE_H */
