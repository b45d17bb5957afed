/*
 * dnsbl_conf.c - [dns], [dnsbl], [surbl] and [spf], and dnsbl_load()
 *
 * [dns] holds the resolver and the limits of the DNS stage; [dnsbl] and
 * [surbl] are free-form "zone = rating [code ...]" lists; [spf] switches
 * SPF and holds its RFC 7208 limits.  The handlers of the free-form
 * sections validate every line (zone name, rating 0..1000, codes) and,
 * when the whole file is good, keep the parsed zones; dnsbl_load() then
 * builds a new struct dnsbl_cfg (zones, resolver addresses, public-suffix
 * data) and swaps it in, so a failed reload changes nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

/* external */
#include <libpsl.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl.h"
#include "dnsbl_private.h"

#define DNSBL_RATING_MAX	1000
#define DNSBL_MAX_ZONES		64
#define DNSBL_RESOLV_CONF	"/etc/resolv.conf"

unsigned int	 dnsbl_timeout_ms;
unsigned int	 dnsbl_query_timeout_ms;
unsigned int	 dnsbl_retries;
char		*dnsbl_resolver;
unsigned int	 dnsbl_cache_size;
unsigned int	 dnsbl_cache_max_ttl_ms;
unsigned int	 dnsbl_cache_neg_ttl_ms;
unsigned int	 dnsbl_received_hops;
unsigned int	 dnsbl_max_queries;
unsigned int	 dnsbl_max_inflight;
unsigned int	 dnsbl_max_surbl_domains;
size_t		 dnsbl_surbl_scan_size;
unsigned int	 dnsbl_edns_size;
int		 dnsbl_rdns_enable;
unsigned int	 dnsbl_rdns_max_names;
char		*dnsbl_psl_file;
int		 spfc_enable;
unsigned int	 spfc_max_mech;
unsigned int	 spfc_max_void;
unsigned int	 spfc_max_mx;
unsigned int	 spfc_max_ptr;
char		*spfc_receiver;

struct dnsbl_cfg *dnsbl_cfg;

/* Zones as the last applied file had them (dnsbl_load copies them). */
struct dnsbl_zones {
	struct dnsbl_zone *z;
	size_t		 n;
};
static struct dnsbl_zones dnsbl_conf_dnsbl, dnsbl_conf_surbl;

/* dnsbl_conf_check_servers - [dns] resolver must parse */

static int
dnsbl_conf_check_servers(const char *value, struct buf *why)
{
	struct resolver_conf rc;

	if (value[0] == '\0')
		return (0);
	return (resolver_parse_servers(value, &rc, why));
}

static const struct conf_param dnsbl_dns_params[] = {
	{ "timeout", CONF_TIME, "5s", &dnsbl_timeout_ms, 100, 120000, NULL,
	    NULL, "deadline for all DNS of one message (DNSBL, rDNS, SPF, "
	    "SURBL)" },
	{ "query_timeout", CONF_TIME, "1s", &dnsbl_query_timeout_ms, 20,
	    60000, NULL, NULL, "wait for one answer before asking again "
	    "(the next server)" },
	{ "retries", CONF_UINT, "2", &dnsbl_retries, 0, 10, NULL, NULL,
	    "attempts per query after the first" },
	{ "resolver", CONF_STR, "", &dnsbl_resolver, 0, 0, NULL,
	    dnsbl_conf_check_servers, "recursive resolvers, IP[:port] list "
	    "(empty: the nameservers of /etc/resolv.conf)" },
	{ "cache_size", CONF_UINT, "10000", &dnsbl_cache_size, 0, 10000000,
	    NULL, NULL, "answers each child caches (0: no cache)" },
	{ "cache_max_ttl", CONF_TIME, "1h", &dnsbl_cache_max_ttl_ms, 0,
	    86400000, NULL, NULL, "longest time an answer is cached" },
	{ "cache_max_negative_ttl", CONF_TIME, "15m", &dnsbl_cache_neg_ttl_ms,
	    0, 86400000, NULL, NULL, "longest time NXDOMAIN/NODATA is "
	    "cached" },
	{ "received_hops", CONF_UINT, "1", &dnsbl_received_hops, 0, 20, NULL,
	    NULL, "Received: headers (newest first) whose IPs go to the "
	    "DNSBLs besides the client (0: none)" },
	{ "max_queries", CONF_UINT, "300", &dnsbl_max_queries, 10, 10000,
	    NULL, NULL, "DNS queries one message may send" },
	{ "max_inflight", CONF_UINT, "100", &dnsbl_max_inflight, 1, 10000,
	    NULL, NULL, "queries of one message out at once (the rest wait "
	    "for answers)" },
	{ "max_surbl_domains", CONF_UINT, "20", &dnsbl_max_surbl_domains, 0,
	    1000, NULL, NULL, "URL domains of one message looked up in "
	    "[surbl] zones" },
	{ "surbl_scan_size", CONF_SIZE, "2M", &dnsbl_surbl_scan_size, 1024,
	    1ULL << 30, NULL, NULL, "text bytes searched for URLs" },
	{ "edns_size", CONF_UINT, "1232", &dnsbl_edns_size, 0, 4096, NULL,
	    NULL, "EDNS0 UDP payload size advertised (0: no EDNS0)" },
	{ "rdns", CONF_BOOL, "yes", &dnsbl_rdns_enable, 0, 0, NULL, NULL,
	    "check the client's reverse DNS (FCrDNS)" },
	{ "rdns_max_names", CONF_UINT, "5", &dnsbl_rdns_max_names, 1, 20,
	    NULL, NULL, "PTR names of the client checked forward" },
	{ "public_suffix_list", CONF_STR, "", &dnsbl_psl_file, 0, 0, NULL,
	    NULL, "public suffix list file (empty: newest of libpsl's and "
	    "the system's)" },
	{ NULL }
};

static const struct conf_param dnsbl_spf_params[] = {
	{ "enable", CONF_BOOL, "yes", &spfc_enable, 0, 0, NULL, NULL,
	    "check SPF of MAIL FROM (HELO for a null sender)" },
	{ "max_dns_mechanisms", CONF_UINT, "10", &spfc_max_mech, 1, 100,
	    NULL, NULL, "DNS-querying terms per check (RFC 7208: 10)" },
	{ "max_void_lookups", CONF_UINT, "2", &spfc_max_void, 0, 100, NULL,
	    NULL, "terms answering NXDOMAIN/NODATA (RFC 7208: 2)" },
	{ "max_mx", CONF_UINT, "10", &spfc_max_mx, 1, 100, NULL, NULL,
	    "MX names looked up per mx term (RFC 7208: 10)" },
	{ "max_ptr", CONF_UINT, "10", &spfc_max_ptr, 1, 100, NULL, NULL,
	    "PTR names looked up per ptr term (RFC 7208: 10)" },
	{ "receiver", CONF_STR, "", &spfc_receiver, 0, 0, NULL, NULL,
	    "host name for the %{r} macro (empty: this host's name)" },
	{ NULL }
};

/* dnsbl_zone_parse - "rating [code ...]" */

int
dnsbl_zone_parse(const char *value, struct dnsbl_zone *z, struct buf *why)
{
	char		**w = NULL;
	struct in_addr	 a;
	unsigned int	 v;
	size_t		 n, i;
	int		 rc = -1;

	memset(z, 0, sizeof(*z));
	if ((n = conf_list_split(value, &w)) == 0) {
		buf_printf(why, "no rating");
		goto out;
	}
	if (conf_parse_uint(w[0], 0, DNSBL_RATING_MAX, &z->rating, why) < 0)
		goto out;
	z->codes = xcalloc(n, sizeof(*z->codes));
	for (i = 1; i < n; i++) {
		if (w[i][0] == '&') {
			char *end;

			v = (unsigned int)strtoul(w[i] + 1, &end, 0);
			if (*end != '\0' || v == 0 || v > 255) {
				buf_printf(why, "bad code mask \"%s\" (want &1 "
				    "to &255)", w[i]);
				goto out;
			}
			z->codes[z->ncodes++] = (struct rbl_code){
			    RBL_CODE_MASK, v };
			continue;
		}
		if (inet_pton(AF_INET, w[i], &a) != 1 ||
		    (ntohl(a.s_addr) >> 24) != 127) {
			buf_printf(why, "bad return code \"%s\" (want "
			    "127.x.y.z or &mask)", w[i]);
			goto out;
		}
		z->codes[z->ncodes++] = (struct rbl_code){ RBL_CODE_EXACT,
		    ntohl(a.s_addr) };
	}
	rc = 0;
out:
	if (rc < 0)
		XFREE(&z->codes);
	conf_list_free(w);
	return (rc);
}

/* dnsbl_zones_free - free a zone array */

static void
dnsbl_zones_free(struct dnsbl_zone *z, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(z[i].name);
		free(z[i].codes);
	}
	free(z);
}

/* dnsbl_conf_zones - handler of [dnsbl] and [surbl] */

static void
dnsbl_conf_zones(const struct conf_entry *e, size_t n, int apply,
    struct conf_errors *err, struct dnsbl_zones *dst)
{
	struct dnsbl_zone *z;
	struct buf	*why = buf_new(64);
	char		 name[DNS_NAME_MAX + 1];
	size_t		 i, ok = 0;

	z = xcalloc(n + 1, sizeof(*z));
	if (n > DNSBL_MAX_ZONES)
		conf_error(err, &e[DNSBL_MAX_ZONES], "[%s] has more than %d "
		    "zones", e[0].section, DNSBL_MAX_ZONES);
	for (i = 0; i < n; i++) {
		buf_reset(why);
		if (dnsmsg_name(e[i].name, name, sizeof(name)) < 0 ||
		    strchr(name, '.') == NULL || strlen(name) > 180) {
			conf_error(err, &e[i], "[%s] \"%s\" is not a DNS zone "
			    "name", e[i].section, e[i].name);
			continue;
		}
		if (dnsbl_zone_parse(e[i].value, &z[ok], why) < 0) {
			conf_error(err, &e[i], "[%s] %s: %s", e[i].section,
			    e[i].name, buf_str(why));
			continue;
		}
		z[ok++].name = xstrdup(name);
	}
	buf_free(why);
	if (!apply) {
		dnsbl_zones_free(z, ok);
		return;
	}
	dnsbl_zones_free(dst->z, dst->n);
	dst->z = z;
	dst->n = ok;
}

/* dnsbl_conf_dnsbl_handler - [dnsbl] zone = rating */

static void
dnsbl_conf_dnsbl_handler(const struct conf_entry *e, size_t n, int apply,
    struct conf_errors *err)
{
	dnsbl_conf_zones(e, n, apply, err, &dnsbl_conf_dnsbl);
}

/* dnsbl_conf_surbl_handler - [surbl] zone = rating */

static void
dnsbl_conf_surbl_handler(const struct conf_entry *e, size_t n, int apply,
    struct conf_errors *err)
{
	dnsbl_conf_zones(e, n, apply, err, &dnsbl_conf_surbl);
}

static const struct conf_section dnsbl_sections[] = {
	{ "dns", 0, dnsbl_dns_params, NULL,
	    "the DNS stage: resolver, deadline, cache, limits" },
	{ "dnsbl", 0, NULL, dnsbl_conf_dnsbl_handler,
	    "IP blocklists: zone = rating [codes]; ratings of listing zones "
	    "add up, 100 or more is Blacklisted" },
	{ "surbl", 0, NULL, dnsbl_conf_surbl_handler,
	    "URI blocklists: zone = rating [codes]" },
	{ "spf", 0, dnsbl_spf_params, NULL, "SPF (RFC 7208) with libspf2" },
};

/* dnsbl_conf_register - register the four sections */

void
dnsbl_conf_register(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(dnsbl_sections) / sizeof(dnsbl_sections[0]);
	    i++)
		conf_register(&dnsbl_sections[i]);
}

/* dnsbl_zones_copy - a private copy of the applied zones */

static struct dnsbl_zone *
dnsbl_zones_copy(const struct dnsbl_zones *src)
{
	struct dnsbl_zone *z;
	size_t		 i;

	z = xcalloc(src->n + 1, sizeof(*z));
	for (i = 0; i < src->n; i++) {
		z[i] = src->z[i];
		z[i].name = xstrdup(src->z[i].name);
		z[i].codes = xcalloc(src->z[i].ncodes + 1, sizeof(*z->codes));
		memcpy(z[i].codes, src->z[i].codes, src->z[i].ncodes *
		    sizeof(*z->codes));
	}
	return (z);
}

/* dnsbl_cfg_free - free a configuration; NULL is a no-op */

void
dnsbl_cfg_free(struct dnsbl_cfg *c)
{
	if (c == NULL)
		return;
	dnsbl_zones_free(c->dnsbl, c->ndnsbl);
	dnsbl_zones_free(c->surbl, c->nsurbl);
	psl_free(c->psl);
	free(c);
}

/* dnsbl_load - build the configuration the children will use */

int
dnsbl_load(struct buf *why)
{
	struct dnsbl_cfg *c;
	int		 rc;

	c = xcalloc(1, sizeof(*c));
	c->dnsbl = dnsbl_zones_copy(&dnsbl_conf_dnsbl);
	c->ndnsbl = dnsbl_conf_dnsbl.n;
	c->surbl = dnsbl_zones_copy(&dnsbl_conf_surbl);
	c->nsurbl = dnsbl_conf_surbl.n;
	if (dnsbl_resolver != NULL && dnsbl_resolver[0] != '\0')
		rc = resolver_parse_servers(dnsbl_resolver, &c->res, why);
	else
		rc = resolver_read_resolv_conf(DNSBL_RESOLV_CONF, &c->res, why);
	if (rc < 0) {
		dnsbl_cfg_free(c);
		return (WN_PERM);
	}
	c->res.query_timeout_ms = dnsbl_query_timeout_ms;
	c->res.retries = dnsbl_retries;
	c->res.max_queries = dnsbl_max_queries;
	c->res.max_inflight = dnsbl_max_inflight;
	c->res.edns_size = dnsbl_edns_size;
	if (dnsbl_psl_file != NULL && dnsbl_psl_file[0] != '\0') {
		if ((c->psl = psl_load_file(dnsbl_psl_file)) == NULL) {
			buf_printf(why, "[dns] public_suffix_list: cannot load "
			    "%s", dnsbl_psl_file);
			dnsbl_cfg_free(c);
			return (WN_PERM);
		}
	} else if ((c->psl = psl_latest(NULL)) == NULL &&
	    (c->psl = (psl_ctx_t *)psl_builtin()) == NULL) {
		buf_printf(why, "no public suffix list (libpsl has none built "
		    "in; install publicsuffix or set [dns] "
		    "public_suffix_list)");
		dnsbl_cfg_free(c);
		return (WN_PERM);
	}
	spfc_init();
	dnsbl_cfg_free(dnsbl_cfg);
	dnsbl_cfg = c;
	return (WN_OK);
}
