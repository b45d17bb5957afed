/*
 * surbl.c - domains of a message's URLs in URI blocklists
 *
 * urlx.c finds the hosts; here each is reduced to its registered domain
 * with the public-suffix list (libpsl: "www.evil.example.co.uk" becomes
 * "example.co.uk", private rules included, so "x.blogspot.com" stays
 * itself), IPv4 hosts stay dotted quads (looked up reversed, as SURBL
 * wants) unless private.  The first [dns] max_surbl_domains distinct
 * domains, in urlx's order (links first, then www., then bare domains),
 * are looked up in every [surbl] zone; when there are more, the rest is
 * skipped, the check says CHECK_LIMIT and a line is logged.  Answers mean
 * what they mean for DNSBLs (rbl.c): 127.0.0.x counts (subject to the
 * zone's code filter), 127.255.255.x is a refusal, logged once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* external */
#include <libpsl.h>

/* lib */
#include "log.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl_private.h"

#define SURBL_COLLECT_MAX	1000	/* distinct hosts urlx keeps */

/* surbl_known_tld - whether the last label is a real top-level domain */

int
surbl_known_tld(void *psl, const char *host)
{
	const char	*tld = strrchr(host, '.');

	tld = tld ? tld + 1 : host;
	if (*tld == '\0' || psl == NULL)
		return (0);
	return (psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY |
	    PSL_TYPE_NO_STAR_RULE));
}

/* surbl_reduce - registered domain of a host, or the IPv4 itself */

int
surbl_reduce(void *psl, const char *host, char *out, size_t size)
{
	struct ipaddr	 ip;
	const char	*reg;

	if (ipaddr_parse(host, strlen(host), &ip) == 0) {
		if (ip.family != AF_INET || !ipaddr_is_public(&ip))
			return (-1);
		ipaddr_str(&ip, out, size);
		return (0);
	}
	if (psl == NULL ||
	    (reg = psl_registrable_domain(psl, host)) == NULL ||
	    strlen(reg) >= size)
		return (-1);
	memcpy(out, reg, strlen(reg) + 1);
	return (0);
}

/* surbl_collect - the domains of a run, best first, bounded */

static void
surbl_collect(struct dnsbl_run *run)
{
	struct urlx	*u;
	char		 dom[DNS_NAME_MAX + 1];
	const char	*host;
	size_t		 i, j, max = dnsbl_max_surbl_domains;

	u = urlx_new(run->cfg->psl, SURBL_COLLECT_MAX, dnsbl_surbl_scan_size);
	/* content/ decoded every part's text (and each HTML part's link
	 * targets) from the message index */
	if (run->view.text != NULL)
		urlx_text(u, run->view.text, run->view.text_len);
	else if (run->view.mail != NULL)
		urlx_mail(u, run->view.mail);
	else if (run->view.data != NULL)
		urlx_message(u, run->view.data, run->view.len);
	run->domains = xcalloc(max + 1, sizeof(*run->domains));
	for (i = 0; (host = urlx_host(u, i, NULL)) != NULL; i++) {
		if (surbl_reduce(run->cfg->psl, host, dom, sizeof(dom)) < 0)
			continue;
		for (j = 0; j < run->ndomains; j++)
			if (strcmp(run->domains[j], dom) == 0)
				break;
		if (j < run->ndomains)
			continue;
		if (run->ndomains >= max) {
			run->surbl_limit = 1;
			break;
		}
		run->domains[run->ndomains++] = xstrdup(dom);
	}
	if (run->surbl_limit || urlx_full(u))
		log_info("%s: more than %u URL domains; checked the first %zu "
		    "(see [dns] max_surbl_domains)", run->qid,
		    dnsbl_max_surbl_domains, run->ndomains);
	urlx_free(u);
}

/* surbl_submit - find the domains and queue their queries */

void
surbl_submit(struct dnsbl_run *run)
{
	char		 name[DNS_NAME_MAX + 2], rev[80];
	const char	*label;
	struct ipaddr	 ip;
	size_t		 d, z, k = 0;
	int		 n;

	surbl_collect(run);
	run->surblq = xcalloc(run->ndomains * run->cfg->nsurbl + 1,
	    sizeof(*run->surblq));
	for (d = 0; d < run->ndomains; d++) {
		label = run->domains[d];
		if (ipaddr_parse(label, strlen(label), &ip) == 0) {
			ipaddr_reverse(&ip, rev, sizeof(rev));
			label = rev;
		}
		for (z = 0; z < run->cfg->nsurbl; z++) {
			n = snprintf(name, sizeof(name), "%s.%s", label,
			    run->cfg->surbl[z].name);
			if (n < 0 || (size_t)n >= sizeof(name))
				continue;
			run->surblq[k] = (struct rbl_q){ run, 1, z, d };
			(void)resolver_submit(run->res, name, DNS_T_A,
			    rbl_answer, &run->surblq[k]);
			k++;
		}
	}
}
