/*
 * urlx.c - URLs and domains from text and HTML
 *
 * What is found, best first (surbl.c checks the first [dns]
 * max_surbl_domains registered domains in this order):
 *	URLX_SCHEME	hosts of http(s)/ftp URLs, including the usual
 *			defanged spellings (hxxp, h**p, "[:]//"), and of
 *			protocol-relative link targets (href=//host)
 *	URLX_WWW	www.host without a scheme
 *	URLX_BARE	example.com in running text or after an '@', kept
 *			only when its last label is a real top-level domain
 * Hosts are normalised by urlx_host_norm(): "[.]", "(.)", "{.}",
 * "[dot]" and "(dot)" become dots, %-escapes and HTML numeric entities
 * are decoded, user info and port are dropped, Unicode names become
 * punycode (IDNA2008 with UTS #46 mapping, so ideographic full stops are
 * dots too), and numeric IPv4 forms (3232235777, 0xc0.0250.1.1) become a
 * dotted quad.  Whatever does not normalise to a valid name is dropped.
 *
 * Input is untrusted and may be huge: at most max_scan bytes are looked
 * at, at most max_hosts distinct hosts are kept, and every scan is a
 * single forward pass.
 *
 * What is scanned is the decoded text content/ extracted from every part
 * (msg_view.text: visible text, then each HTML part's link targets), or
 * without it the text parts of the message index (urlx_mail), decoded by
 * their transfer encoding, HTML character references resolved; the MIME
 * structure is mail/'s, this file reads none of its own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <idn2.h>
#include <libpsl.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* dnsbl */
#include "dnsbl_private.h"

#define URLX_HOST_RAW	512	/* longest raw host text considered */
#define URLX_MAX_DEPTH	8	/* MIME nesting urlx_message() indexes */
#define URLX_MAX_PARTS	256	/* MIME parts urlx_message() indexes */

struct urlx_host {
	char		*name;
	int		 kind;
	size_t		 seq;
};

struct urlx {
	const psl_ctx_t	*psl;
	size_t		 max_hosts, max_scan, scanned;
	struct urlx_host *h;
	size_t		 nh;
	size_t		*order;		/* by kind, by position */
	size_t		*slot;		/* hash set of names */
	size_t		 nslot;
	int		 full;
};

/* urlx_new - an empty collector */

struct urlx *
urlx_new(const void *psl, size_t max_hosts, size_t max_scan)
{
	struct urlx	*u;

	u = xcalloc(1, sizeof(*u));
	u->psl = psl;
	u->max_hosts = max_hosts;
	u->max_scan = max_scan;
	u->h = xcalloc(max_hosts + 1, sizeof(*u->h));
	u->nslot = 16;
	while (u->nslot < max_hosts * 2)
		u->nslot *= 2;
	u->slot = xcalloc(u->nslot, sizeof(*u->slot));	/* 0 = empty */
	return (u);
}

/* urlx_free - release it; NULL is a no-op */

void
urlx_free(struct urlx *u)
{
	size_t	 i;

	if (u == NULL)
		return;
	for (i = 0; i < u->nh; i++)
		free(u->h[i].name);
	free(u->h);
	free(u->order);
	free(u->slot);
	free(u);
}

/* urlx_hash - FNV-1a */

static size_t
urlx_hash(const char *s)
{
	uint32_t	 h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return (h);
}

/* urlx_add - keep a normalised host, or upgrade its kind */

static void
urlx_add(struct urlx *u, const char *name, int kind)
{
	size_t	 i, idx;

	for (i = urlx_hash(name) & (u->nslot - 1); u->slot[i] != 0;
	    i = (i + 1) & (u->nslot - 1)) {
		idx = u->slot[i] - 1;
		if (strcmp(u->h[idx].name, name) == 0) {
			if (kind < u->h[idx].kind)
				u->h[idx].kind = kind;
			return;
		}
	}
	if (u->nh >= u->max_hosts) {
		u->full = 1;
		return;
	}
	u->h[u->nh].name = xstrdup(name);
	u->h[u->nh].kind = kind;
	u->h[u->nh].seq = u->nh;
	u->slot[i] = ++u->nh;
	XFREE(&u->order);
}

/* urlx_cmp - order hosts by kind, then by appearance */

static int
urlx_cmp(const void *a, const void *b, void *arg)
{
	const struct urlx_host *h = arg;
	const struct urlx_host *x = &h[*(const size_t *)a];
	const struct urlx_host *y = &h[*(const size_t *)b];

	if (x->kind != y->kind)
		return (x->kind < y->kind ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* urlx_count - hosts kept */

size_t
urlx_count(const struct urlx *u)
{
	return (u->nh);
}

/* urlx_full - whether max_hosts was reached */

int
urlx_full(const struct urlx *u)
{
	return (u->full);
}

/* urlx_host - the i-th best host */

const char *
urlx_host(const struct urlx *cu, size_t i, int *kind_r)
{
	struct urlx	*u = (struct urlx *)cu;	/* order: a cache */
	size_t		 j;

	if (i >= u->nh)
		return (NULL);
	if (u->order == NULL) {
		u->order = xcalloc(u->nh, sizeof(*u->order));
		for (j = 0; j < u->nh; j++)
			u->order[j] = j;
		qsort_r(u->order, u->nh, sizeof(*u->order), urlx_cmp, u->h);
	}
	if (kind_r != NULL)
		*kind_r = u->h[u->order[i]].kind;
	return (u->h[u->order[i]].name);
}

/* urlx_hexval - value of a hex digit, or -1 */

static int
urlx_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* urlx_dot_at - length of an obfuscated or plain dot at p, else 0 */

static size_t
urlx_dot_at(const char *p, const char *end)
{
	static const char *const dots[] = {
		"[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}", NULL
	};
	size_t	 i, n;

	if (p < end && *p == '.')
		return (1);
	for (i = 0; dots[i] != NULL; i++) {
		n = strlen(dots[i]);
		if ((size_t)(end - p) >= n && strncasecmp(p, dots[i], n) == 0)
			return (n);
	}
	return (0);
}

/* urlx_entity - decode "&#NN;" / "&#xNN;" at p (ASCII only); length */

static size_t
urlx_entity(const char *p, const char *end, int *c_r)
{
	const char	*q = p + 2;
	int		 hex = 0, v = 0, d, n = 0;

	if (end - p < 4 || p[0] != '&' || p[1] != '#')
		return (0);
	if (*q == 'x' || *q == 'X') {
		hex = 1;
		q++;
	}
	for (; q < end && n < 7; q++, n++) {
		d = hex ? urlx_hexval((unsigned char)*q) :
		    (isdigit((unsigned char)*q) ? *q - '0' : -1);
		if (d < 0)
			break;
		v = v * (hex ? 16 : 10) + d;
	}
	if (n == 0 || q >= end || v <= 0 || v > 0x7f)
		return (0);
	*c_r = v;
	return ((size_t)(q - p) + (*q == ';'));
}

/* urlx_unescape - decode %XX, &#NN; and obfuscated dots into b */

static void
urlx_unescape(const char *p, size_t len, struct buf *b)
{
	const char	*end = p + len;
	size_t		 n;
	int		 c;

	while (p < end) {
		if (*p == '%' && end - p >= 3 && urlx_hexval(p[1]) >= 0 &&
		    urlx_hexval(p[2]) >= 0) {
			buf_putc(b, urlx_hexval(p[1]) * 16 + urlx_hexval(p[2]));
			p += 3;
		} else if ((n = urlx_entity(p, end, &c)) > 0) {
			buf_putc(b, c);
			p += n;
		} else if ((n = urlx_dot_at(p, end)) > 0) {
			buf_putc(b, '.');
			p += n;
		} else
			buf_putc(b, *p++);
	}
}

/* urlx_ipv4_forms - decimal, hex and octal IPv4 spellings to a quad */

static int
urlx_ipv4_forms(const char *s, char *out, size_t size)
{
	struct in_addr	 a;
	size_t		 i;

	if (!isdigit((unsigned char)s[0]))
		return (-1);
	for (i = 0; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != 'x' && s[i] != 'X')
			return (-1);
	if (inet_aton(s, &a) == 0)
		return (-1);
	return (inet_ntop(AF_INET, &a, out, (socklen_t)size) ? 0 : -1);
}

/* urlx_ascii_ok - a valid lower-case ASCII host name */

static int
urlx_ascii_ok(char *s)
{
	size_t	 i, label = 0, len = strlen(s);

	if (len == 0 || len > DNS_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		s[i] = (char)tolower((unsigned char)s[i]);
		if (s[i] == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return (0);
		if (++label > 63)
			return (0);
	}
	return (label > 0 && strchr(s, '.') != NULL);
}

/* urlx_host_norm - one raw host to its canonical form */

int
urlx_host_norm(const char *raw, size_t len, char *out, size_t size)
{
	struct buf	*b;
	char		*s, *ascii = NULL, *at, *colon;
	size_t		 i, n;
	int		 rc = -1, nonascii = 0;

	if (len == 0 || len > URLX_HOST_RAW)
		return (-1);
	b = buf_new(len + 1);
	urlx_unescape(raw, len, b);
	s = b->data;
	if ((at = strrchr(s, '@')) != NULL)	/* user info */
		s = at + 1;
	if (s[0] == '[')			/* IPv6 literal: not listed */
		goto out;
	if ((colon = strchr(s, ':')) != NULL)	/* port */
		*colon = '\0';
	while (*s == '.')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			nonascii = 1;
		else if ((unsigned char)s[i] <= ' ' || s[i] == '/')
			goto out;
	if (n == 0)
		goto out;
	if (!nonascii && urlx_ipv4_forms(s, out, size) == 0) {
		rc = 0;
		goto out;
	}
	if (nonascii) {
		if (idn2_to_ascii_8z(s, &ascii, IDN2_NONTRANSITIONAL |
		    IDN2_NFC_INPUT) != IDN2_OK && idn2_to_ascii_8z(s, &ascii,
		    IDN2_TRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
			goto out;
		s = ascii;
	}
	if (!urlx_ascii_ok(s) || strlen(s) >= size)
		goto out;
	memcpy(out, s, strlen(s) + 1);
	rc = 0;
out:
	if (ascii != NULL)
		idn2_free(ascii);
	buf_free(b);
	return (rc);
}

/* urlx_hostch - whether c may be part of a raw host (before decoding) */

static int
urlx_hostch(unsigned char c)
{
	return (isalnum(c) || c >= 0x80 || c == '-' || c == '_' || c == '.' ||
	    c == '%' || c == '@' || c == ':' || c == '&' || c == '#' ||
	    c == ';');
}

/* urlx_take_host - read an authority at p into b; returns its end */

static const char *
urlx_take_host(const char *p, const char *end, struct buf *b)
{
	const char	*start = p;
	size_t		 n;

	buf_reset(b);
	while (p < end && (size_t)(p - start) < URLX_HOST_RAW) {
		if (*p != '.' && (n = urlx_dot_at(p, end)) > 0) {
			buf_putc(b, '.');
			p += n;
		} else if (urlx_hostch((unsigned char)*p)) {
			/* An entity's ';' belongs to it; a bare ';' ends. */
			if (*p == ';' && (b->len == 0 ||
			    !isalnum((unsigned char)b->data[b->len - 1])))
				break;
			buf_putc(b, *p++);
		} else
			break;
	}
	/* Trailing punctuation of the sentence is not part of the host. */
	while (b->len > 0 && strchr(".;:&#", b->data[b->len - 1]) != NULL)
		b->len--;
	b->data[b->len] = '\0';
	return (p);
}

/* urlx_emit - normalise a raw host and keep it */

static void
urlx_emit(struct urlx *u, const struct buf *raw, int kind)
{
	char	 host[DNS_NAME_MAX + 1], *tld;

	if (urlx_host_norm(raw->data, raw->len, host, sizeof(host)) < 0)
		return;
	if (kind == URLX_BARE) {
		if ((tld = strrchr(host, '.')) == NULL ||
		    !surbl_known_tld((void *)u->psl, host))
			return;
		/* A bare "1.2.3.4" is a version number more often than a
		 * link; only URLs with a scheme give IP hosts. */
		if (isdigit((unsigned char)tld[1]))
			return;
	}
	urlx_add(u, host, kind);
}

/* urlx_scheme_at - length of a URL scheme and its "://" at p, else 0 */

static size_t
urlx_scheme_at(const char *p, const char *end)
{
	static const char *const schemes[] = {
		"https", "http", "hxxps", "hxxp", "hxtps", "hxtp", "htxps",
		"htxp", "h**ps", "h**p", "h..ps", "h..p", "ftp", "ftps",
		NULL
	};
	static const char *const seps[] = {
		"://", "[:]//", "(:)//", "[://]", ":\\\\", ":/\\", NULL
	};
	size_t	 i, j, n, m;

	for (i = 0; schemes[i] != NULL; i++) {
		n = strlen(schemes[i]);
		if ((size_t)(end - p) <= n || strncasecmp(p, schemes[i], n))
			continue;
		for (j = 0; seps[j] != NULL; j++) {
			m = strlen(seps[j]);
			if ((size_t)(end - p - n) >= m &&
			    strncmp(p + n, seps[j], m) == 0)
				return (n + m);
		}
	}
	return (0);
}

/* urlx_wordch - characters that glue a word (so no URL starts inside) */

static int
urlx_wordch(unsigned char c)
{
	return (isalnum(c) || c >= 0x80 || c == '-' || c == '_' || c == '.');
}

/* urlx_text - scan text or HTML */

void
urlx_text(struct urlx *u, const char *text, size_t len)
{
	const char	*p, *end, *q;
	struct buf	*raw;
	size_t		 n;

	if (u->scanned >= u->max_scan)
		return;
	if (len > u->max_scan - u->scanned)
		len = u->max_scan - u->scanned;
	u->scanned += len;
	raw = buf_new(128);
	p = text;
	end = text + len;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		int	 boundary = (p == text ||
		    !urlx_wordch((unsigned char)p[-1]));

		if (boundary && (c == 'h' || c == 'H' || c == 'f' ||
		    c == 'F') && (n = urlx_scheme_at(p, end)) > 0) {
			p = urlx_take_host(p + n, end, raw);
			urlx_emit(u, raw, URLX_SCHEME);
			continue;
		}
		if (c == '/' && end - p > 2 && p[1] == '/' && p > text &&
		    (p[-1] == '=' || ((p[-1] == '"' || p[-1] == '\'') &&
		    p - 1 > text && p[-2] == '='))) {
			p = urlx_take_host(p + 2, end, raw);
			urlx_emit(u, raw, URLX_SCHEME);
			continue;
		}
		if (boundary && (c == 'w' || c == 'W') && end - p > 4 &&
		    strncasecmp(p, "www", 3) == 0 &&
		    urlx_dot_at(p + 3, end) > 0) {
			p = urlx_take_host(p, end, raw);
			urlx_emit(u, raw, URLX_WWW);
			continue;
		}
		if ((boundary || (p > text && p[-1] == '@')) &&
		    (isalnum(c) || c >= 0x80)) {
			q = urlx_take_host(p, end, raw);
			if (memchr(raw->data, '.', raw->len) != NULL &&
			    memchr(raw->data, '@', raw->len) == NULL)
				urlx_emit(u, raw, URLX_BARE);
			/* Resume inside "user@host" so the host is seen. */
			if ((n = raw->len) > 0 && memchr(raw->data, '@', n))
				q = p + (size_t)((char *)memchr(p, '@',
				    (size_t)(q - p)) - p) + 1;
			p = q > p ? q : p + 1;
			continue;
		}
		p++;
	}
	buf_free(raw);
}

/* urlx_html_refs - decode the character references links hide behind */

static void
urlx_html_refs(struct buf *b)
{
	static const struct {
		const char	*name;
		char		 c;
	} named[] = {
		{ "&amp;", '&' }, { "&colon;", ':' }, { "&period;", '.' },
		{ "&sol;", '/' }, { "&quot;", '"' }, { "&nbsp;", ' ' },
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&commat;", '@' },
	};
	char	*p = b->data, *end = b->data + b->len, *w = b->data;
	size_t	 i, n;
	int	 c;

	while (p < end) {
		if (*p != '&') {
			*w++ = *p++;
			continue;
		}
		if ((n = urlx_entity(p, end, &c)) > 0) {
			*w++ = (char)c;
			p += n;
			continue;
		}
		for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
			n = strlen(named[i].name);
			if ((size_t)(end - p) >= n &&
			    strncasecmp(p, named[i].name, n) == 0)
				break;
		}
		if (i < sizeof(named) / sizeof(named[0])) {
			*w++ = named[i].c;
			p += n;
		} else
			*w++ = *p++;
	}
	b->len = (size_t)(w - b->data);
	b->data[b->len] = '\0';
}

/* urlx_mail - scan the text parts of a message index */

void
urlx_mail(struct urlx *u, const struct mail *m)
{
	const struct mail_part *p;
	struct buf	*dec;
	unsigned int	 i;

	dec = buf_new(4096);
	for (i = 0; i < m->nparts && u->scanned < u->max_scan; i++) {
		p = &m->part[i];
		if (!(p->flags & MAIL_PART_LEAF) || strcmp(p->type, "text") != 0)
			continue;
		buf_reset(dec);
		(void)maildec_part(m, i, dec, u->max_scan - u->scanned);
		if (strcmp(p->subtype, "html") == 0)
			urlx_html_refs(dec);
		urlx_text(u, dec->data, dec->len);
	}
	buf_free(dec);
}

/* urlx_message - scan a raw message: index it (URLX_MAX_DEPTH,
 * URLX_MAX_PARTS) and scan its text parts */

void
urlx_message(struct urlx *u, const char *msg, size_t len)
{
	struct mail_limits lim = { URLX_MAX_PARTS, URLX_MAX_DEPTH };
	struct mail	*m;

	m = mail_new(msg, len, &lim);
	urlx_mail(u, m);
	mail_free(m);
}
