/*
 * rbl.c - DNS blocklists of IP addresses: codes, ratings, Received: hops
 *
 * Which IPs: the client (XFORWARD ADDR) and the IPs of the first [dns]
 * received_hops Received: headers (the newest first, as they are on top),
 * each once, never a private or loopback one (ipaddr_is_public).
 *
 * What an answer means: an A record in 127.0.0.0/8 is a listing, unless
 * it is 127.255.255.x, which lists use to say "query refused" or "rate
 * limit" (Spamhaus: 127.255.255.252..255): that is logged once per zone
 * and child and never counted.  Answers outside 127.0.0.0/8 (wildcarding
 * resolvers, hijacked NXDOMAIN) are logged the same way and ignored.  A
 * zone line may restrict the codes that count ("zen.example = 100
 * 127.0.0.2 127.0.0.3" or a bit mask "&8"); other codes are then clean.
 *
 * Ratings: every zone that lists any of the IPs adds its rating once; the
 * policy treats a sum of FINDINGS_DNSBL_BLACKLIST (100) or more as
 * Blacklisted and a lower sum as a spam sign.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* dnsbl */
#include "dnsbl_private.h"

/* What separates tokens of a Received: from clause. */
#define RBL_DELIMS	" \t\r\n()[]=,<>\";"

/* rbl_code_match - whether a listing code counts for a zone */

int
rbl_code_match(const struct dnsbl_zone *z, uint32_t code)
{
	size_t	 i;

	if ((code >> 24) != 127 || (code >> 8) == 0x7fffff)
		return (0);
	if (z->ncodes == 0)
		return (1);
	for (i = 0; i < z->ncodes; i++) {
		if (z->codes[i].kind == RBL_CODE_EXACT &&
		    z->codes[i].value == code)
			return (1);
		if (z->codes[i].kind == RBL_CODE_MASK &&
		    (code & 0xff & z->codes[i].value) != 0)
			return (1);
	}
	return (0);
}

/* rbl_classify - what one answer from a zone says */

int
rbl_classify(const struct dnsbl_zone *z, const struct dnsans *a,
    uint32_t *code_r)
{
	uint32_t	 code;
	size_t		 i;
	int		 res = RBL_CLEAN;

	*code_r = 0;
	if (a->status == DNSANS_NXDOMAIN || a->status == DNSANS_NODATA)
		return (RBL_CLEAN);
	if (a->status != DNSANS_OK)
		return (RBL_UNKNOWN);
	for (i = 0; i < a->nrr; i++) {
		if (a->rr[i].type != DNS_T_A || a->rr[i].len != 4)
			continue;
		code = ((uint32_t)a->rr[i].data[0] << 24) |
		    ((uint32_t)a->rr[i].data[1] << 16) |
		    ((uint32_t)a->rr[i].data[2] << 8) | a->rr[i].data[3];
		if (rbl_code_match(z, code)) {
			*code_r = code;
			return (RBL_LISTED);
		}
		if ((code >> 8) == 0x7fffff) {
			res = RBL_REFUSED;
			*code_r = code;
		} else if ((code >> 24) != 127 && res == RBL_CLEAN) {
			res = RBL_BOGUS;
			*code_r = code;
		}
	}
	return (res);
}

/* rbl_rating - the sum of the ratings of the listing zones */

unsigned int
rbl_rating(const struct dnsbl_zone *z, const int *listed, size_t n)
{
	unsigned int	 sum = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (listed[i])
			sum += z[i].rating;
	return (sum);
}

/* rbl_word_at - whether the word w (lower case) starts at p, bounded */

static int
rbl_word_at(const char *p, const char *end, const char *start,
    const char *w)
{
	size_t	 n = strlen(w);

	if ((size_t)(end - p) < n || strncasecmp(p, w, n) != 0)
		return (0);
	if (p > start && !isspace((unsigned char)p[-1]))
		return (0);
	return (p + n == end || isspace((unsigned char)p[n]));
}

/* rbl_try_ip - parse [start,end) as an IP literal */

static int
rbl_try_ip(const char *start, const char *end, struct ipaddr *ip)
{
	return (end > start && ipaddr_parse(start, (size_t)(end - start),
	    ip) == 0 ? 0 : -1);
}

/* rbl_received_ip - the connecting IP a Received: value records */

int
rbl_received_ip(const char *v, size_t len, struct ipaddr *ip)
{
	const char	*end = v + len, *p, *from, *q;
	int		 depth = 0;

	p = v;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (!rbl_word_at(p, end, v, "from"))
		return (-1);
	from = p + 4;
	/* The from clause ends at "by" or ";" outside comments. */
	for (p = from; p < end; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && (*p == ';' ||
		    rbl_word_at(p, end, v, "by")))
			break;
	}
	end = p;
	/* The bracketed literal is what the receiving MTA saw. */
	for (p = from; p < end; p++) {
		if (*p != '[' || (q = memchr(p, ']', (size_t)(end - p))) ==
		    NULL)
			continue;
		if (rbl_try_ip(p + 1, q, ip) == 0)
			return (0);
		p = q;
	}
	/* Else a bare address token ("(1.2.3.4)", "from 1.2.3.4"). */
	for (p = from; p < end; p = q) {
		while (p < end && strchr(RBL_DELIMS, *p) != NULL)
			p++;
		for (q = p; q < end && strchr(RBL_DELIMS, *q) == NULL;)
			q++;
		if (q > p && rbl_try_ip(p, q, ip) == 0)
			return (0);
	}
	return (-1);
}

/* rbl_add_ip - append a public IP not seen yet */

static size_t
rbl_add_ip(const struct ipaddr *ip, struct ipaddr *ips, size_t n, size_t max)
{
	size_t	 i;

	if (n >= max || !ipaddr_is_public(ip))
		return (n);
	for (i = 0; i < n; i++)
		if (ipaddr_equal(&ips[i], ip))
			return (n);
	ips[n] = *ip;
	return (n + 1);
}

/* rbl_received_mail - IPs of the first hops' Received: fields of an
 * indexed message */

size_t
rbl_received_mail(const struct mail *m, unsigned int hops,
    struct ipaddr *ips, size_t n, size_t max)
{
	const struct mail_part *top;
	struct ipaddr	 ip;
	struct buf	*val;
	unsigned int	 i, seen = 0;

	if (!m->message || m->nparts == 0)
		return (n);
	top = &m->part[0];
	val = buf_new(256);
	for (i = top->field; i < top->field + top->nfields && seen < hops;
	    i++) {
		if (!mailhdr_is(m, &m->field[i], "Received"))
			continue;
		buf_reset(val);
		mailhdr_unfold(m, &m->field[i], val);
		seen++;
		if (rbl_received_ip(buf_str(val), buf_len(val), &ip) == 0)
			n = rbl_add_ip(&ip, ips, n, max);
	}
	buf_free(val);
	return (n);
}

/* rbl_received_ips - the same for a header section of len bytes */

size_t
rbl_received_ips(const char *hdr, size_t len, unsigned int hops,
    struct ipaddr *ips, size_t n, size_t max)
{
	struct mail	*m = mail_new(hdr, len, NULL);

	n = rbl_received_mail(m, hops, ips, n, max);
	mail_free(m);
	return (n);
}

/* rbl_code_str - a code as a dotted quad */

void
rbl_code_str(uint32_t code, char *out, size_t size)
{
	(void)snprintf(out, size, "%u.%u.%u.%u", code >> 24,
	    (code >> 16) & 0xff, (code >> 8) & 0xff, code & 0xff);
}

/* rbl_item_name - the IP or domain an answer is about */

void
rbl_item_name(const struct dnsbl_run *run, int uri, size_t item, char *out,
    size_t size)
{
	if (uri)
		(void)snprintf(out, size, "%s", run->domains[item]);
	else
		ipaddr_str(&run->ips[item], out, size);
}

/* rbl_answer - one DNSBL or URI-list answer arrived */

void
rbl_answer(const struct dnsans *a, void *arg)
{
	struct rbl_q	*rq = arg;
	struct dnsbl_run *run = rq->run;
	struct dnsbl_zone *z = rq->uri ? &run->cfg->surbl[rq->zone] :
	    &run->cfg->dnsbl[rq->zone];
	struct rbl_result *res = rq->uri ? &run->surbl[rq->zone] :
	    &run->rbl[rq->zone];
	uint32_t	 code;
	char		 item[DNS_NAME_MAX + 1], cs[16];
	int		*warned = NULL;

	dnsbl_family_note(rq->uri ? &run->f_surbl : &run->f_dnsbl, a);
	switch (rbl_classify(z, a, &code)) {
	case RBL_LISTED:
		if (!res->listed) {
			res->listed = 1;
			res->code = code;
			res->item = rq->item;
		}
		return;
	case RBL_REFUSED:
		res->refused++;
		warned = &z->warned_refused;
		break;
	case RBL_BOGUS:
		res->bogus++;
		warned = &z->warned_bogus;
		break;
	default:
		return;
	}
	/* Once per zone and child: the list is unusable, not the mail. */
	if (__atomic_exchange_n(warned, 1, __ATOMIC_SEQ_CST))
		return;
	rbl_item_name(run, rq->uri, rq->item, item, sizeof(item));
	rbl_code_str(code, cs, sizeof(cs));
	log_warn("%s: %s %s answered %s for %s (%s): not counted", run->qid,
	    rq->uri ? "URI list" : "DNSBL", z->name, cs, item,
	    warned == &z->warned_refused ? "query refused or rate-limited; "
	    "check the resolver it sees" : "outside 127.0.0.0/8");
}

/* rbl_submit - queue one query per IP and zone */

void
rbl_submit(struct dnsbl_run *run)
{
	char		 rev[80], name[DNS_NAME_MAX + 2];
	size_t		 i, z, k = 0;
	int		 n;

	run->rblq = xcalloc(run->nips * run->cfg->ndnsbl + 1,
	    sizeof(*run->rblq));
	for (i = 0; i < run->nips; i++) {
		ipaddr_reverse(&run->ips[i], rev, sizeof(rev));
		for (z = 0; z < run->cfg->ndnsbl; z++) {
			n = snprintf(name, sizeof(name), "%s.%s", rev,
			    run->cfg->dnsbl[z].name);
			if (n < 0 || (size_t)n >= sizeof(name))
				continue;
			run->rblq[k] = (struct rbl_q){ run, 0, z, i };
			(void)resolver_submit(run->res, name, DNS_T_A,
			    rbl_answer, &run->rblq[k]);
			k++;
		}
	}
}
