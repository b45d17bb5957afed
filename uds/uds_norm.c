/*
 * uds_norm.c - a decoded text as normalised word hashes and link domains
 *
 * Quoted lines (">" first) are left out, then the trailing signature and
 * mailing-list footers (uds_norm_body).  The rest is cut into tokens at
 * white space and at the characters that
 * delimit links in text (<>"'()[]{}).  A token that is a link (http://,
 * https://, ftp://, www.) gives its host's registrable domain (libpsl) to
 * the link set and no words, so a spammer's changed paths, tracking ids
 * and link texts move nothing; a mail address gives nothing.  The other
 * tokens are cut into words at every ASCII character that is not a letter
 * or digit; bytes of UTF-8 sequences are letters, and a character of U+3000
 * or above (CJK, which has no spaces) is a word of its own.
 *
 * A word then becomes its skeleton: lower case, the digits a spammer puts
 * for letters read as those letters (0 o, 1 i, 3 e, 4 a, 5 s, 7 t) when
 * the word has a letter, every vowel after the first character and every
 * repeated character dropped - "Recieve", "receive" and "r3ceive" are all
 * "rcv".  Numbers alone, words under three bytes and words over forty
 * (encoded junk) are left out.  What is kept is hashed with SipHash-2-4
 * under the site's word key.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <libpsl.h>
#include <sodium.h>

/* lib */
#include "xalloc.h"

/* uds */
#include "uds_private.h"
#include "uds_sig.h"

#define NORM_WORD_MIN	3
#define NORM_WORD_MAX	40
#define NORM_HOST_MAX	253
#define NORM_FOOTER_MAX	60	/* words after a separator that may go */
#define NORM_FOOTER_ROUNDS 3

static const psl_ctx_t	*norm_psl;

/* norm_psl_ctx - the public suffix data, loaded on first use */

static const psl_ctx_t *
norm_psl_ctx(void)
{
	if (norm_psl == NULL && (norm_psl = psl_latest(NULL)) == NULL)
		norm_psl = psl_builtin();
	return (norm_psl);
}

/* uds_norm_init - load what the normaliser needs (before fork) */

void
uds_norm_init(void)
{
	(void)norm_psl_ctx();
}

/* norm_delim - whether a byte ends a token */

static int
norm_delim(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v' || c == '<' || c == '>' || c == '"' ||
	    c == '\'' || c == '(' || c == ')' || c == '[' || c == ']' ||
	    c == '{' || c == '}' || c == '\0');
}

/* norm_prefix - whether a token starts with a prefix, case ignored */

static int
norm_prefix(const char *t, size_t n, const char *prefix)
{
	size_t	 pl = strlen(prefix);

	return (n >= pl && strncasecmp(t, prefix, pl) == 0);
}

/* norm_add_domain - the registrable domain of a host into the set */

static void
norm_add_domain(struct uds_norm *nm, const char *host, size_t n)
{
	char		 h[NORM_HOST_MAX + 1];
	const char	*reg;
	size_t		 i;

	while (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n > NORM_HOST_MAX || memchr(host, '.', n) == NULL ||
	    nm->ndomains >= UDS_MAX_DOMAINS)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];

		h[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	h[n] = '\0';
	reg = psl_registrable_domain(norm_psl_ctx(), h);
	if (reg == NULL)
		reg = h;	/* an IP address, or a public suffix itself */
	for (i = 0; i < nm->ndomains; i++)
		if (strcmp(nm->domain[i], reg) == 0)
			return;
	nm->domain = xreallocarray(nm->domain, nm->ndomains + 1,
	    sizeof(*nm->domain));
	nm->domain[nm->ndomains++] = xstrdup(reg);
}

/* norm_link - a link token: its host into the domain set */

static void
norm_link(struct uds_norm *nm, const char *t, size_t n)
{
	const char	*p, *end = t + n, *at, *h;
	size_t		 skip;

	if (norm_prefix(t, n, "http://"))
		skip = 7;
	else if (norm_prefix(t, n, "https://"))
		skip = 8;
	else if (norm_prefix(t, n, "ftp://"))
		skip = 6;
	else
		skip = 0;		/* www. */
	h = t + skip;
	for (p = h; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
		;
	/* user:password@host */
	if ((at = memchr(h, '@', (size_t)(p - h))) != NULL)
		h = at + 1;
	end = p;
	for (p = h; p < end && *p != ':'; p++)
		;
	norm_add_domain(nm, h, (size_t)(p - h));
}

/* norm_is_address - whether a token is a mail address (x@y.z) */

static int
norm_is_address(const char *t, size_t n)
{
	const char	*at = memchr(t, '@', n);

	return (at != NULL && at > t &&
	    memchr(at, '.', n - (size_t)(at - t)) != NULL);
}

/* norm_push - one word hash */

static void
norm_push(struct uds_norm *nm, uint64_t h)
{
	if (nm->nwords == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 256;
		nm->word = xreallocarray(nm->word, nm->cap,
		    sizeof(*nm->word));
	}
	nm->word[nm->nwords++] = h;
}

/* norm_hash - SipHash of bytes under the word key */

static uint64_t
norm_hash(const struct uds_norm *nm, const unsigned char *p, size_t n)
{
	unsigned char	 out[crypto_shorthash_siphash24_BYTES];
	uint64_t	 h = 0;
	size_t		 i;

	(void)crypto_shorthash_siphash24(out, p, n, nm->key);
	for (i = 0; i < sizeof(out); i++)
		h = h << 8 | out[i];
	return (h);
}

/* norm_leet - the letter a digit stands for in a word, or 0 */

static int
norm_leet(unsigned char c)
{
	switch (c) {
	case '0':
		return ('o');
	case '1':
		return ('i');
	case '3':
		return ('e');
	case '4':
		return ('a');
	case '5':
		return ('s');
	case '7':
		return ('t');
	default:
		return (0);
	}
}

/* norm_vowel - a vowel after a skeleton's first character */

static int
norm_vowel(unsigned char c)
{
	return (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	    c == 'y');
}

/* norm_word - one word: its skeleton's hash, unless it is left out */

static void
norm_word(struct uds_norm *nm, const unsigned char *w, size_t n)
{
	unsigned char	 sk[NORM_WORD_MAX];
	size_t		 i, k = 0;
	int		 letter = 0, c;

	if (n < NORM_WORD_MIN || n > NORM_WORD_MAX)
		return;
	for (i = 0; i < n; i++)
		if (!(w[i] >= '0' && w[i] <= '9'))
			letter = 1;
	if (!letter)
		return;			/* a number */
	for (i = 0; i < n; i++) {
		c = w[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		else if (c >= '0' && c <= '9' && norm_leet((unsigned char)c))
			c = norm_leet((unsigned char)c);
		if (k > 0 && (norm_vowel((unsigned char)c) || sk[k - 1] == c))
			continue;
		sk[k++] = (unsigned char)c;
	}
	norm_push(nm, norm_hash(nm, sk, k));
}

/* norm_utf8_len - bytes of the UTF-8 sequence a lead byte starts (1 for a
 * stray continuation byte) */

static size_t
norm_utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return (4);
	if (c >= 0xe0)
		return (3);
	if (c >= 0xc0)
		return (2);
	return (1);
}

/* norm_words - the words of a token that is neither link nor address */

static void
norm_words(struct uds_norm *nm, const unsigned char *t, size_t n)
{
	size_t	 i = 0, start = 0, cl;

	while (i < n && nm->nwords < UDS_MAX_WORDS) {
		unsigned char c = t[i];

		if (c >= 0xe3) {
			/* U+3000 and above: a word of its own */
			if (i > start)
				norm_word(nm, t + start, i - start);
			cl = norm_utf8_len(c);
			if (cl > n - i)
				cl = n - i;
			norm_push(nm, norm_hash(nm, t + i, cl));
			i += cl;
			start = i;
		} else if (c >= 0x80 || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			i++;
		} else {
			if (i > start)
				norm_word(nm, t + start, i - start);
			start = ++i;
		}
	}
	if (i > start && nm->nwords < UDS_MAX_WORDS)
		norm_word(nm, t + start, i - start);
}

/* norm_link_at - where a link starts inside a token ("URL:http://..."),
 * or NULL */

static const char *
norm_link_at(const char *t, size_t n)
{
	static const char *const pre[] = { "http://", "https://", "ftp://",
	    "www." };
	const char	*best = NULL, *p;
	size_t		 i, k;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		k = strlen(pre[i]);
		for (p = t; p + k <= t + n && (best == NULL || p < best); p++)
			if (strncasecmp(p, pre[i], k) == 0) {
				best = p;
				break;
			}
	}
	return (best);
}

/* norm_token - one token: its words, up to a link in it, then the link;
 * a mail address gives nothing */

static void
norm_token(struct uds_norm *nm, const char *t, size_t n)
{
	const char	*l = norm_link_at(t, n);

	if (l == NULL) {
		if (!norm_is_address(t, n))
			norm_words(nm, (const unsigned char *)t, n);
		return;
	}
	if (l > t)
		norm_words(nm, (const unsigned char *)t, (size_t)(l - t));
	norm_link(nm, l, n - (size_t)(l - t));
}

/* norm_separator - whether a line is a signature or footer separator:
 * "-- " (RFC 3676), or ten or more of one of - _ = * ~ and nothing else */

static int
norm_separator(const char *p, size_t n)
{
	size_t	 i;

	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' ||
	    p[n - 1] == '\t'))
		n--;
	if (n == 2 && p[0] == '-' && p[1] == '-')
		return (1);
	if (n < 10 || strchr("-_=*~", p[0]) == NULL)
		return (0);
	for (i = 1; i < n; i++)
		if (p[i] != p[0])
			return (0);
	return (1);
}

/* norm_words_in - the words of a range, counted roughly (runs of
 * letters), up to max */

static size_t
norm_words_in(const char *p, const char *end, size_t max)
{
	size_t	 n = 0;
	int	 in = 0;

	for (; p < end && n < max; p++) {
		int w = (unsigned char)*p >= 0x80 ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');

		n += w && !in;
		in = w;
	}
	return (n);
}

/* uds_norm_body - the text without its trailing signature and list
 * footers: from the last separator line, when fewer than
 * NORM_FOOTER_MAX words follow it (a mailing list puts the same footer
 * under spam and ham, so it must not make them alike; a message that is
 * nothing but a footer has no signature); repeated for stacked footers */

size_t
uds_norm_body(const char *text, size_t len)
{
	const char	*end = text + len, *p, *eol, *cut;
	int		 round;

	for (round = 0; round < NORM_FOOTER_ROUNDS; round++) {
		cut = NULL;
		for (p = text; p < end; p = eol + 1) {
			if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
				eol = end;
			if (norm_separator(p, (size_t)(eol - p)))
				cut = p;
			if (eol == end)
				break;
		}
		if (cut == NULL || norm_words_in(cut, end, NORM_FOOTER_MAX) >=
		    NORM_FOOTER_MAX)
			break;
		end = cut;
	}
	return ((size_t)(end - text));
}

/* norm_unquote - the text without quoted lines (">" first): a reply
 * carries the words of what it answers, a list's footer among them, and
 * a message quoting spam is not that spam; a copy the caller frees */

static char *
norm_unquote(const char *text, size_t len, size_t *len_r)
{
	const char	*p, *end = text + len, *eol, *q;
	char		*out = xmalloc(len + 1);
	size_t		 n = 0;

	for (p = text; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			;
		if (q == eol || *q != '>') {
			memcpy(out + n, p, (size_t)(eol - p));
			n += (size_t)(eol - p);
			if (eol < end)
				out[n++] = '\n';
		}
		if (eol == end)
			break;
	}
	*len_r = n;
	return (out);
}

/* uds_norm_text - the word hashes and link domains of a text */

void
uds_norm_text(struct uds_norm *nm, const char *text, size_t len)
{
	const char	*p, *end, *t;
	char		*own;

	own = norm_unquote(text, len, &len);
	p = own;
	len = uds_norm_body(own, len);
	end = own + len;

	while (p < end && nm->nwords < UDS_MAX_WORDS) {
		while (p < end && norm_delim((unsigned char)*p))
			p++;
		for (t = p; p < end && !norm_delim((unsigned char)*p); p++)
			;
		if (p == t)
			break;
		norm_token(nm, t, (size_t)(p - t));
	}
	free(own);
}

/* norm_cmp - order of domain names */

static int
norm_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* uds_norm_sort - put the domains in order (the set's one spelling) */

void
uds_norm_sort(struct uds_norm *nm)
{
	if (nm->ndomains > 1)
		qsort(nm->domain, nm->ndomains, sizeof(*nm->domain),
		    norm_cmp);
}

/* uds_norm_free - release the words and domains */

void
uds_norm_free(struct uds_norm *nm)
{
	size_t	 i;

	for (i = 0; i < nm->ndomains; i++)
		free(nm->domain[i]);
	free(nm->domain);
	free(nm->word);
	nm->domain = NULL;
	nm->word = NULL;
	nm->ndomains = nm->nwords = nm->cap = 0;
}
