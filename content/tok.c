/*
 * tok.c - the features the learner sees
 *
 * From the decoded text: case-folded Unicode words (CJK and Thai letters
 * one by one, since those scripts do not separate words), word pairs within
 * a window of TOK_WINDOW words tagged with their distance (orthogonal
 * sparse bigrams), and character 4-grams of the first TOK_NGRAM_CHARS
 * characters with white space collapsed.  From the headers: Subject words
 * and pairs, From/Reply-To/Message-ID domains, From display-name words,
 * host names and /24 networks in Received (up to its "for" clause: the
 * recipient says who got the mail, not who sent it), the mailer,
 * Content-Types and charsets of every part, attachment extensions, header
 * names present, recipient counts (header names that only delivery and
 * mailbox software add are left out).  From the links: host and
 * registrable domain of every target, and whether one is the sender's own
 * domain; whether the text names the To: address.  Sender alignment:
 * which of Message-ID, List-Unsubscribe, Errors-To, Sender and Bounces-To
 * name the From: domain, whether the text names an address there, and
 * whether opt-out links go to it or elsewhere.  Every feature but the
 * text's words, pairs and n-grams goes in TOK_META_REPEAT times (see
 * tok_push).  From the analysis: every rule that fired, and words of
 * hidden HTML text.
 *
 * A feature is a 64-bit hash of its kind and value; the learner folds it
 * to a weight index.  Names are kept only for explanations (winnowctl
 * classify), so the normal path allocates nothing per feature.
 *
 * Changing anything here changes what a model's weights mean: bump
 * TOK_FEATURE_VERSION so old model files are refused, not misread.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <glib.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

#include "content_private.h"

#define TOK_WINDOW		4	/* words in an OSB window */
#define TOK_NGRAM		4	/* characters in an n-gram */
#define TOK_NGRAM_CHARS		2000	/* characters of text n-grammed */
#define TOK_MAX_WORDS		4000	/* words of text used */
#define TOK_WORD_MAX		40	/* bytes of a word kept */
#define TOK_HIDDEN_WORDS	200	/* words of hidden text used */
#define TOK_RECEIVED_MAX	8	/* Received headers used */
#define TOK_HEADER_NAMES	64	/* header names used */
#define TOK_META_REPEAT		8	/* copies of a non-text feature */
#define TOK_TEXT_ADDRS		32	/* addresses in the text compared */

#define K1	0x9e3779b97f4a7c15ULL
#define K2	0xc2b2ae3d27d4eb4fULL
#define K3	0x165667b19e3779f9ULL

/* Feature kinds: each is the seed of its hashes. */
enum tok_kind {
	TK_BIAS = 1, TK_WORD, TK_PAIR, TK_NGRAM, TK_SUBJ, TK_SUBJ_PAIR,
	TK_FROM_DOM, TK_FROM_NAME, TK_REPLYTO, TK_MID, TK_RCVD, TK_RCVD_NET,
	TK_MAILER, TK_MAILER_WORD, TK_CTYPE, TK_CHARSET, TK_ATT, TK_HDR,
	TK_NRCPT, TK_URL_HOST, TK_URL_DOM, TK_NURL, TK_RULE, TK_HIDDEN,
	TK_LONGWORD, TK_NUMBER, TK_TOPTYPE, TK_REPLYTO_SAME, TK_LINKS_OWN,
	TK_RCPT_IN_TEXT, TK_ALIGN, TK_UNSUB_LINK,
};

static const char *const tok_kind_name[] = {
	[TK_BIAS] = "bias", [TK_WORD] = "word", [TK_PAIR] = "pair",
	[TK_NGRAM] = "ngram", [TK_SUBJ] = "subj", [TK_SUBJ_PAIR] = "subjpair",
	[TK_FROM_DOM] = "from", [TK_FROM_NAME] = "fromname",
	[TK_REPLYTO] = "replyto", [TK_MID] = "msgid", [TK_RCVD] = "rcvd",
	[TK_RCVD_NET] = "rcvdnet", [TK_MAILER] = "mailer",
	[TK_MAILER_WORD] = "mailerword", [TK_CTYPE] = "ctype",
	[TK_CHARSET] = "charset", [TK_ATT] = "attach", [TK_HDR] = "header",
	[TK_NRCPT] = "rcpts", [TK_URL_HOST] = "urlhost",
	[TK_URL_DOM] = "urldomain", [TK_NURL] = "urls", [TK_RULE] = "rule",
	[TK_HIDDEN] = "hidden", [TK_LONGWORD] = "longword",
	[TK_NUMBER] = "number", [TK_TOPTYPE] = "toptype",
	[TK_REPLYTO_SAME] = "replyto_same", [TK_LINKS_OWN] = "links_own",
	[TK_RCPT_IN_TEXT] = "rcpt_in_text", [TK_ALIGN] = "align",
	[TK_UNSUB_LINK] = "unsub_link",
};

/* tok_mix - finalise 64 bits */

static inline uint64_t
tok_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return (x);
}

/* tok_hash - a seeded 64-bit hash of bytes */

uint64_t
tok_hash(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t	 h = seed ^ (len * K1), v;

	while (len >= 8) {
		(void)memcpy(&v, p, 8);
		h = (h ^ tok_mix(v)) * K1;
		h = (h << 27) | (h >> 37);
		p += 8;
		len -= 8;
	}
	v = 0;
	(void)memcpy(&v, p, len);
	h ^= tok_mix(v ^ K2);
	return (tok_mix(h));
}

/* tok_init - an empty feature list */

void
tok_init(struct tok_list *tl, int keep_names)
{
	memset(tl, 0, sizeof(*tl));
	tl->names = keep_names;
	if (keep_names)
		tl->namebuf = buf_new(4096);
}

/* tok_reset - empty it for the next message */

void
tok_reset(struct tok_list *tl)
{
	tl->n = 0;
	buf_reset(tl->namebuf);
}

/* tok_free - release it */

void
tok_free(struct tok_list *tl)
{
	free(tl->h);
	free(tl->noff);
	buf_free(tl->namebuf);
	memset(tl, 0, sizeof(*tl));
}

/* tok_push1 - append one hash (and its name in explain mode) */

static void
tok_push1(struct tok_list *tl, uint64_t h, enum tok_kind k, const char *a,
    size_t alen, const char *b, size_t blen, unsigned int copy)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 1024;
		tl->h = xreallocarray(tl->h, tl->cap, sizeof(*tl->h));
		if (tl->names)
			tl->noff = xreallocarray(tl->noff, tl->cap,
			    sizeof(*tl->noff));
	}
	if (tl->names) {
		tl->noff[tl->n] = tl->namebuf->len;
		buf_puts(tl->namebuf, tok_kind_name[k]);
		buf_putc(tl->namebuf, ':');
		buf_append(tl->namebuf, a, alen);
		if (b != NULL) {
			buf_putc(tl->namebuf, ' ');
			buf_append(tl->namebuf, b, blen);
		}
		if (copy > 0)
			buf_printf(tl->namebuf, " #%u", copy + 1);
		buf_putc(tl->namebuf, '\0');
	}
	tl->h[tl->n++] = h;
}

/*
 * tok_push - append a feature; all but text words, word pairs, n-grams and
 * hidden words go in TOK_META_REPEAT times
 *
 * A message has thousands of text features and a few dozen about its
 * sender, headers, structure, links and odd tokens (long numbers, long
 * words), and every feature enters the learner with the same value.
 * Repeating the few under distinct hashes lets them weigh as much as that
 * many words (and learn that much faster): in cross-validation this
 * lowered (1-AUC) by a third and put the newsletters people asked for
 * further from spam.
 */

static void
tok_push(struct tok_list *tl, uint64_t h, enum tok_kind k, const char *a,
    size_t alen, const char *b, size_t blen)
{
	unsigned int	 c, n;

	n = k == TK_WORD || k == TK_PAIR || k == TK_NGRAM || k == TK_HIDDEN ||
	    k == TK_BIAS ? 1 : TOK_META_REPEAT;
	tok_push1(tl, h, k, a, alen, b, blen, 0);
	for (c = 1; c < n; c++)
		tok_push1(tl, tok_mix(h + (uint64_t)c * K2), k, a, alen, b,
		    blen, c);
}

/* tok_feat - one feature of a kind and a value */

static void
tok_feat(struct tok_list *tl, enum tok_kind k, const char *v, size_t len)
{
	tok_push(tl, tok_hash(v, len, (uint64_t)k * K3), k, v, len, NULL, 0);
}

/* tok_feats - a feature from a C string */

static void
tok_feats(struct tok_list *tl, enum tok_kind k, const char *v)
{
	tok_feat(tl, k, v, strlen(v));
}

/* tok_add - one feature by prefix name (tests and callers outside) */

void
tok_add(struct tok_list *tl, const char *prefix, const char *v, size_t len)
{
	uint64_t	 seed = tok_hash(prefix, strlen(prefix), 0);

	tok_push(tl, tok_hash(v, len, seed), TK_BIAS, v, len, NULL, 0);
}

/* Words of a text, for pairs and names. */
struct tok_words {
	enum tok_kind	 word, pair;
	uint64_t	 ring[TOK_WINDOW];
	char		 wtext[TOK_WINDOW][TOK_WORD_MAX + 1];
	size_t		 wlen[TOK_WINDOW];
	unsigned int	 count;
};

/* tok_word - a folded word: its feature and pairs with the ones before */

static void
tok_word(struct tok_list *tl, struct tok_words *tw, const char *w, size_t len)
{
	uint64_t	 h;
	unsigned int	 d, slot, prev;
	size_t		 i, digits = 0;
	char		 shape[24];

	for (i = 0; i < len; i++)
		if (isdigit((unsigned char)w[i]))
			digits++;
	if (digits == len && len >= 5) {
		/* long numbers are mostly unique: keep their length */
		(void)snprintf(shape, sizeof(shape), "%zu", len);
		tok_feats(tl, TK_NUMBER, shape);
		w = shape;
		len = strlen(shape);
		h = tok_hash(w, len, 0x51);
	} else {
		h = tok_hash(w, len, (uint64_t)tw->word * K3);
		if (len > 1 || (unsigned char)w[0] >= 0x80)
			tok_push(tl, h, tw->word, w, len, NULL, 0);
	}
	slot = tw->count % TOK_WINDOW;
	for (d = 1; d < TOK_WINDOW && d <= tw->count; d++) {
		prev = (tw->count - d) % TOK_WINDOW;
		tok_push(tl, tok_mix(tw->ring[prev] * K1 + h * K2 + d +
		    (uint64_t)tw->pair * K3), tw->pair, tw->wtext[prev],
		    tw->wlen[prev], w, len);
	}
	tw->ring[slot] = h;
	if (tl->names) {
		(void)memcpy(tw->wtext[slot], w, len);
		tw->wtext[slot][len] = '\0';
		tw->wlen[slot] = len;
	}
	tw->count++;
}

/* tok_is_eastern - scripts without spaces between words */

static int
tok_is_eastern(gunichar c)
{
	return ((c >= 0x0e00 && c <= 0x0e7f) || (c >= 0x3040 && c <= 0x30ff) ||
	    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff));
}

/* tok_text - words and pairs of a text; n-grams of its start if ngram */

static void
tok_text(struct tok_list *tl, const char *s, size_t len, enum tok_kind word,
    enum tok_kind pair, unsigned int max_words, int ngram)
{
	struct tok_words tw;
	const char	*p = s, *end = s + len, *next;
	char		 w[TOK_WORD_MAX + 8], ng[TOK_NGRAM * 4];
	uint32_t	 win[TOK_NGRAM];
	size_t		 wl = 0, nchars = 0, i, o;
	gunichar	 c;
	int		 l, inword = 0, longword = 0, space = 1;

	memset(&tw, 0, sizeof(tw));
	tw.word = word;
	tw.pair = pair;
	while (p < end && tw.count < max_words) {
		if ((unsigned char)*p < 0x80) {
			c = (unsigned char)*p;
			next = p + 1;
			if (c >= 'A' && c <= 'Z')
				c += 32;
		} else {
			c = g_utf8_get_char_validated(p, end - p);
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				p++;
				continue;
			}
			next = g_utf8_next_char(p);
			c = g_unichar_tolower(c);
		}
		/* character n-grams over the start, white space collapsed */
		if (ngram && nchars < TOK_NGRAM_CHARS + TOK_NGRAM) {
			int	 sp = c == ' ' || c == '\n' || c == '\t' ||
			    c == '\r' || c == 0xa0;

			if (!sp || !space) {
				win[nchars % TOK_NGRAM] = sp ? ' ' : c;
				nchars++;
				if (nchars >= TOK_NGRAM) {
					uint64_t h = (uint64_t)TK_NGRAM * K3;

					o = 0;
					for (i = nchars - TOK_NGRAM; i < nchars;
					    i++) {
						h = (h + win[i % TOK_NGRAM]) *
						    K1;
						if (tl->names)
							o += (size_t)
							    g_unichar_to_utf8(
							    win[i % TOK_NGRAM],
							    ng + o);
					}
					tok_push(tl, tok_mix(h), TK_NGRAM, ng,
					    o, NULL, 0);
				}
			}
			space = sp;
		}
		if (c < 0x80 ? isalnum((int)c) : g_unichar_isalnum(c)) {
			if (tok_is_eastern(c)) {
				if (inword && wl > 0 && !longword)
					tok_word(tl, &tw, w, wl);
				inword = longword = 0;
				wl = 0;
				l = g_unichar_to_utf8(c, w);
				tok_word(tl, &tw, w, (size_t)l);
			} else {
				inword = 1;
				if (wl + 6 <= TOK_WORD_MAX) {
					if (c < 0x80)
						w[wl++] = (char)c;
					else
						wl += (size_t)g_unichar_to_utf8(
						    c, w + wl);
				} else
					longword = 1;
			}
		} else if (inword) {
			if (longword) {
				tok_feat(tl, TK_LONGWORD, w, 8);
			} else
				tok_word(tl, &tw, w, wl);
			inword = longword = 0;
			wl = 0;
		}
		p = next;
	}
	if (inword && wl > 0 && !longword)
		tok_word(tl, &tw, w, wl);
}

/* tok_lower - copy a string lower-cased into a fixed buffer */

static void
tok_lower(char *dst, size_t size, const char *src)
{
	size_t	 i;

	for (i = 0; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* tok_addr_domain - the domain of the first mailbox of a list */

static int
tok_addr_domain(const struct mail_addrs *l, char *dom, size_t size,
    const char **name)
{
	const char	*at;

	if (l->n < 1)
		return (-1);
	if (name != NULL)
		*name = l->v[0].name;
	if (l->v[0].addr == NULL || (at = strrchr(l->v[0].addr, '@')) == NULL)
		return (-1);
	tok_lower(dom, size, at + 1);
	return (0);
}

/* tok_received - host names and /24 networks of Received headers */

static void
tok_received(struct tok_list *tl, const char *v)
{
	const char	*p = v, *q;
	char		 t[128];
	size_t		 n, i;
	unsigned int	 a, b, c, d;
	int		 dots, alpha;

	while (*p != '\0') {
		while (*p != '\0' && !isalnum((unsigned char)*p))
			p++;
		for (q = p; *q != '\0' && (isalnum((unsigned char)*q) ||
		    *q == '.' || *q == '-'); q++)
			;
		n = (size_t)(q - p);
		if (n == 3 && strncasecmp(p, "for", 3) == 0)
			break;		/* the recipient: who got it, not who sent */
		if (n > 3 && n < sizeof(t)) {
			for (i = 0, dots = 0, alpha = 0; i < n; i++) {
				t[i] = (char)tolower((unsigned char)p[i]);
				dots += p[i] == '.';
				alpha += isalpha((unsigned char)p[i]) != 0;
			}
			t[n] = '\0';
			if (sscanf(t, "%u.%u.%u.%u", &a, &b, &c, &d) == 4 &&
			    !alpha) {
				(void)snprintf(t, sizeof(t), "%u.%u.%u", a, b,
				    c);
				tok_feats(tl, TK_RCVD_NET, t);
			} else if (dots >= 1 && alpha && t[n - 1] != '.')
				tok_feat(tl, TK_RCVD, t, n);
		}
		p = q;
	}
}

/*
 * Header names that delivery and mailbox software add after the filter has
 * seen a message: the MDA's Return-Path and Delivered-To, fetchmail's and
 * procmail's dates, the flags mail readers store.  winnowd never sees them
 * at SMTP time, but mail learned from mailboxes carries them, so as
 * features they would only teach the model when and where a message was
 * stored.
 */
static const char *const tok_store_headers[] = {
	"content-length", "delivered-to", "delivery-date", "envelope-to",
	"lines", "return-path", "status", "x-keywords", "x-original-to",
	"x-status", "x-uid", NULL
};

/* tok_store_header - whether a header name is added by mail storage */

static int
tok_store_header(const char *name)
{
	size_t	 i;

	for (i = 0; tok_store_headers[i] != NULL; i++)
		if (strcasecmp(name, tok_store_headers[i]) == 0)
			return (1);
	return (strncasecmp(name, "x-mozilla-status", 16) == 0);
}

/* tok_bucket - a small count as a coarse label */

static const char *
tok_bucket(unsigned int n)
{
	if (n == 0)
		return ("0");
	if (n == 1)
		return ("1");
	if (n <= 3)
		return ("2-3");
	if (n <= 10)
		return ("4-10");
	if (n <= 50)
		return ("11-50");
	return ("51+");
}

/* tok_headers - header features of the top message */

static void
tok_headers(const struct content_msg *cm, struct tok_list *tl)
{
	const struct mail *m = cm->mail;
	const struct mail_field *f;
	const struct mail_part *top;
	struct buf	*raw;
	const char	*v, *name, *at;
	char		 dom[256], rdom[256], low[64];
	unsigned int	 i, n;
	int		 nrcvd = 0, nrcpt;
	size_t		 j;

	if (!mime_is_message(cm))
		return;
	name = NULL;
	if (tok_addr_domain(&cm->from, dom, sizeof(dom), &name) == 0)
		tok_feats(tl, TK_FROM_DOM, dom);
	else
		dom[0] = '\0';
	if (name != NULL)
		tok_text(tl, name, strlen(name), TK_FROM_NAME, TK_FROM_NAME,
		    16, 0);
	if (tok_addr_domain(&cm->reply_to, rdom, sizeof(rdom), NULL) == 0) {
		tok_feats(tl, TK_REPLYTO, rdom);
		tok_feats(tl, TK_REPLYTO_SAME, strcmp(rdom, dom) == 0 ?
		    "yes" : "no");
	}
	if ((v = cm->msgid) != NULL && (at = strrchr(v, '@')) != NULL) {
		tok_lower(dom, sizeof(dom), at + 1);
		tok_feats(tl, TK_MID, dom);
	}
	nrcpt = (int)(cm->to.n + cm->cc.n);
	tok_feats(tl, TK_NRCPT, tok_bucket((unsigned int)nrcpt));
	if ((v = mime_header(cm, "X-Mailer")) != NULL ||
	    (v = mime_header(cm, "User-Agent")) != NULL) {
		tok_lower(dom, 48, v);
		tok_feats(tl, TK_MAILER, dom);
		tok_text(tl, v, strlen(v), TK_MAILER_WORD, TK_MAILER_WORD, 8,
		    0);
	}
	top = &m->part[0];
	(void)snprintf(low, sizeof(low), "%s/%s", top->type, top->subtype);
	tok_lower(dom, sizeof(dom), low);
	tok_feats(tl, TK_TOPTYPE, dom);
	/* the message's own fields (not its Content-* ones), in order */
	raw = buf_new(256);
	for (i = top->field, n = 0; i < top->field + top->nfields; i++) {
		f = &m->field[i];
		if (mailhdr_is_mime(m, f))
			continue;
		(void)snprintf(low, sizeof(low), "%.*s", (int)f->name_len,
		    m->data + f->name);
		if (strncasecmp(low, "X-Winnow", 8) == 0) {
			n++;
			continue;
		}
		if (n++ < TOK_HEADER_NAMES && !tok_store_header(low)) {
			tok_lower(low, sizeof(low), low);
			tok_feats(tl, TK_HDR, low);
		}
		if (mailhdr_is(m, f, "Received") && nrcvd++ <
		    TOK_RECEIVED_MAX) {
			buf_reset(raw);
			mailhdr_raw(m, f, raw);
			tok_received(tl, buf_str(raw));
		}
	}
	buf_free(raw);
	for (j = 0; j < cm->nparts; j++) {
		tok_feats(tl, TK_CTYPE, cm->parts[j].type);
		if (cm->parts[j].charset[0] != '\0')
			tok_feats(tl, TK_CHARSET, cm->parts[j].charset);
		if (cm->parts[j].filename != NULL &&
		    (v = strrchr(cm->parts[j].filename, '.')) != NULL &&
		    strlen(v) < 12) {
			tok_lower(low, sizeof(low), v + 1);
			tok_feats(tl, TK_ATT, low);
		}
	}
}

/* tok_urls - hosts and registrable domains of link targets */

static void
tok_urls(const struct content_msg *cm, struct tok_list *tl)
{
	char		 host[256], dom[256];
	unsigned int	 i;

	tok_feats(tl, TK_NURL, tok_bucket(cm->nurls));
	for (i = 0; i < cm->nurls; i++) {
		if (html_url_host(cm->urls[i], strlen(cm->urls[i]), host,
		    sizeof(host)) < 0)
			continue;
		tok_feats(tl, TK_URL_HOST, host);
		if (html_reg_domain(host, dom, sizeof(dom)) == 0 &&
		    strcmp(dom, host) != 0)
			tok_feats(tl, TK_URL_DOM, dom);
	}
}

/* tok_reg_domain - the registrable domain of a host, else the host */

static void
tok_reg_domain(const char *host, char *out, size_t size)
{
	if (html_reg_domain(host, out, size) < 0)
		(void)snprintf(out, size, "%s", host);
}

/* tok_value_domain - the domain of the first address or URL in a value */

static int
tok_value_domain(const char *v, char *dom, size_t size)
{
	const char	*p, *at, *sl;
	char		 host[256];
	size_t		 n;

	at = strchr(v, '@');
	sl = strstr(v, "//");
	if (at != NULL && (sl == NULL || at < sl))
		p = at + 1;
	else if (sl != NULL)
		p = sl + 2;
	else
		return (-1);
	for (n = 0; n + 1 < sizeof(host) && (isalnum((unsigned char)p[n]) ||
	    p[n] == '-' || p[n] == '.'); n++)
		host[n] = (char)tolower((unsigned char)p[n]);
	host[n] = '\0';
	if (n == 0 || strchr(host, '.') == NULL)
		return (-1);
	tok_reg_domain(host, dom, size);
	return (0);
}

/*
 * tok_text_names_domain - whether the text names an address in a domain
 * or one of its subdomains (the first TOK_TEXT_ADDRS addresses are read)
 */

static int
tok_text_names_domain(const char *text, const char *fdom)
{
	const char	*p, *at;
	size_t		 n, flen = strlen(fdom);
	unsigned int	 seen = 0;

	for (p = text; seen < TOK_TEXT_ADDRS && (at = strchr(p, '@')) != NULL;
	    p = at + 1) {
		for (n = 0; isalnum((unsigned char)at[1 + n]) ||
		    at[1 + n] == '-' || at[1 + n] == '.'; n++)
			;
		while (n > 0 && at[n] == '.')
			n--;		/* a full stop after the address */
		if (n == 0)
			continue;
		seen++;
		if (n >= flen && strncasecmp(at + 1 + n - flen, fdom, flen) ==
		    0 && (n == flen || at[n - flen] == '.'))
			return (1);
	}
	return (0);
}

/*
 * Headers that a sender's own mail system writes and a forger seldom
 * troubles to make agree with From: where bounces, list commands and
 * message ids go.  All are written before the mail leaves the sender, so
 * winnowd sees them at SMTP time.
 */
static const char *const tok_align_headers[] = {
	"Message-ID", "List-Unsubscribe", "Errors-To", "Sender",
	"Bounces-To", NULL
};

/*
 * tok_align - whether the sender's own headers and unsubscribe link name
 * the From: domain
 *
 * A mailing list or newsletter that is asked for runs its own bounce and
 * unsubscribe addresses under the domain it sends from, and its text gives
 * addresses there; bulk spam points them at someone else's.  Each header
 * that names the From: domain (registrable part) is a feature, and so is
 * a text that names an address in it.  Only agreement is a feature: a
 * header that disagrees is ordinary on mailing lists (Sender, Errors-To
 * of the list host), and as a "no" it pushed such ham towards spam in
 * cross-validation.  Links whose path reads like an opt-out give "own" or
 * "other".
 */

static void
tok_align(const struct content_msg *cm, struct tok_list *tl,
    const char *fdom)
{
	const char	*v;
	char		 dom[256], host[256];
	unsigned int	 i;
	int		 unsub = 0;

	for (i = 0; tok_align_headers[i] != NULL; i++) {
		if ((v = mime_header(cm, tok_align_headers[i])) == NULL ||
		    tok_value_domain(v, dom, sizeof(dom)) < 0 ||
		    strcmp(dom, fdom) != 0)
			continue;
		tok_feats(tl, TK_ALIGN, tok_align_headers[i]);
	}
	for (i = 0; i < cm->nurls && unsub != 2; i++) {
		v = cm->urls[i];
		if (strcasestr(v, "unsub") == NULL &&
		    strcasestr(v, "remove") == NULL &&
		    strcasestr(v, "optout") == NULL &&
		    strcasestr(v, "opt-out") == NULL)
			continue;
		if (html_url_host(v, strlen(v), host, sizeof(host)) < 0)
			continue;
		tok_reg_domain(host, dom, sizeof(dom));
		unsub = strcmp(dom, fdom) == 0 ? 2 : 1;
	}
	if (unsub > 0)
		tok_feats(tl, TK_UNSUB_LINK, unsub == 2 ? "own" : "other");
	if (tok_text_names_domain(buf_str(cm->text), fdom))
		tok_feats(tl, TK_ALIGN, "text");
}

/*
 * tok_sender_signs - what mail people asked for tends to show
 *
 * A newsletter links to its sender's own site and often names the
 * address it was sent to (unsubscribe links, "this mail was sent to");
 * spam that forges its From rarely does either.  Both are features, so
 * the learner decides how much they weigh.
 */

static void
tok_sender_signs(const struct content_msg *cm, struct tok_list *tl)
{
	const char	*a;
	char		 fdom[256], host[256], dom[256], rcpt[256];
	unsigned int	 i;
	int		 own = 0;

	if (!mime_is_message(cm))
		return;
	if (tok_addr_domain(&cm->from, host, sizeof(host), NULL) == 0) {
		tok_reg_domain(host, fdom, sizeof(fdom));
		tok_align(cm, tl, fdom);
		for (i = 0; i < cm->nurls && !own; i++) {
			if (html_url_host(cm->urls[i], strlen(cm->urls[i]),
			    host, sizeof(host)) < 0)
				continue;
			tok_reg_domain(host, dom, sizeof(dom));
			own = strcmp(dom, fdom) == 0;
		}
		if (cm->nurls > 0)
			tok_feats(tl, TK_LINKS_OWN, own ? "yes" : "no");
	}
	if (cm->to.n < 1 || (a = cm->to.v[0].addr) == NULL ||
	    strchr(a, '@') == NULL || strlen(a) < 6)
		return;
	tok_lower(rcpt, sizeof(rcpt), a);
	tok_feats(tl, TK_RCPT_IN_TEXT, strcasestr(buf_str(cm->text), rcpt) !=
	    NULL ? "yes" : "no");
}

/* tok_message - every feature of a parsed, rule-checked message */

void
tok_message(const struct content_msg *cm, struct tok_list *tl)
{
	int	 i;

	tok_feats(tl, TK_BIAS, "");
	tok_text(tl, cm->subject, strlen(cm->subject), TK_SUBJ, TK_SUBJ_PAIR,
	    64, 0);
	tok_headers(cm, tl);
	tok_urls(cm, tl);
	tok_sender_signs(cm, tl);
	for (i = 0; i < RULE_COUNT; i++)
		if (cm->rules & (1ULL << i))
			tok_feats(tl, TK_RULE, rules_table[i].name);
	if (cm->hidden->len > 0)
		tok_text(tl, cm->hidden->data, cm->hidden->len, TK_HIDDEN,
		    TK_HIDDEN, TOK_HIDDEN_WORDS, 0);
	tok_text(tl, cm->text->data, cm->text->len, TK_WORD, TK_PAIR,
	    TOK_MAX_WORDS, 1);
}
