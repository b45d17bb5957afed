/*
 * mailtext.c - header text to UTF-8: RFC 2047 encoded words, raw 8-bit
 *
 * Encoded words are found leniently, as mail clients write them: also
 * glued to other text ("Re:=?utf-8?q?...?="), with white space inside
 * their payload, or with an RFC 2231 language ("=?utf-8*en?q?...?=").
 * White space between two encoded words is dropped.  Runs of encoded words
 * with the same charset and encoding are decoded as one payload before the
 * charset conversion, so a character split across two words comes out
 * whole; as in GMime 3.2, whose output the classifier learned, a base64
 * word that ends in '=' ends its run's payload (the words after it in the
 * same run decode to nothing).
 *
 * UTF-8 payloads have their invalid bytes replaced by '?'; other charsets
 * go through iconv ('?' for what it cannot convert), or when iconv does
 * not know the charset, through the 8-bit fallback: raw 8-bit text is
 * taken as UTF-8 when it is valid, else as windows-1252, whichever leaves
 * fewer bytes unconverted.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "mail_private.h"

#define MAILTEXT_CS_MAX	64	/* longest charset label kept */

/* One token of header text. */
struct mailtext_tok {
	const char	*text;		/* payload for encoded words */
	size_t		 len;
	char		 enc;		/* 'B', 'Q', or 0 for plain text */
	char		 eightbit;	/* plain text with 8-bit bytes */
	char		 cs[MAILTEXT_CS_MAX];	/* iconv name, encoded words */
};

struct mailtext_toks {
	struct mailtext_tok *v;
	size_t		 n, cap;
};

/* mailtext_add - append a token */

static struct mailtext_tok *
mailtext_add(struct mailtext_toks *t, const char *text, size_t len)
{
	struct mailtext_tok *k;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	k = &t->v[t->n++];
	memset(k, 0, sizeof(*k));
	k->text = text;
	k->len = len;
	return (k);
}

/* mailtext_word - fill k if word is an encoded word; 0 if it is not */

static int
mailtext_word(const char *w, size_t len, struct mailtext_tok *k)
{
	const char	*cs = w + 2, *q, *payload, *end;
	char		 label[MAILTEXT_CS_MAX], *star;
	size_t		 n;

	if (len < 7 || strncmp(w, "=?", 2) != 0 ||
	    strncmp(w + len - 2, "?=", 2) != 0)
		return (0);
	if (*cs == '?' || *cs == '*')
		return (0);			/* no charset */
	if ((q = memchr(cs, '?', len - 2)) == NULL || q[2] != '?')
		return (0);
	if (q[1] == 'B' || q[1] == 'b')
		k->enc = 'B';
	else if (q[1] == 'Q' || q[1] == 'q')
		k->enc = 'Q';
	else
		return (0);
	payload = q + 3;
	end = w + len - 2;
	if (payload > end)
		return (0);
	n = (size_t)(q - cs) < sizeof(label) ? (size_t)(q - cs) :
	    sizeof(label) - 1;
	memcpy(label, cs, n);
	label[n] = '\0';
	if ((star = strchr(label, '*')) != NULL)
		*star = '\0';			/* an RFC 2231 language */
	(void)mailcs_iconv_name(label, k->cs, sizeof(k->cs));
	k->text = payload;
	k->len = (size_t)(end - payload);
	return (1);
}

/* mailtext_push - append a word: an encoded word, or plain text */

static void
mailtext_push(struct mailtext_toks *t, const char *lw, size_t lwlen,
    const char *word, size_t n, int ascii, int *encoded)
{
	struct mailtext_tok k;

	memset(&k, 0, sizeof(k));
	if (mailtext_word(word, n, &k)) {
		/* white space between encoded words is not text */
		if (!*encoded && lwlen > 0)
			(void)mailtext_add(t, lw, lwlen);
		*mailtext_add(t, NULL, 0) = k;
		*encoded = 1;
		return;
	}
	if (lwlen > 0)
		(void)mailtext_add(t, lw, lwlen);
	mailtext_add(t, word, n)->eightbit = !ascii;
	*encoded = 0;
}

/* mailtext_tokenize - split unstructured text (phrase 0) or a phrase */

static void
mailtext_tokenize(const char *in, int phrase, struct mailtext_toks *t)
{
	const char	*p = in, *lw, *word;
	size_t		 lwlen;
	int		 encoded = 0, ascii;

#define NOTE(c)	do {						\
	if (!phrase || !mc_atom(c))				\
		ascii = ascii && mc_ascii(c);			\
} while (0)
	while (*p != '\0') {
		lw = p;
		while (mc_lwsp(*p))
			p++;
		lwlen = (size_t)(p - lw);
		if (*p == '\0') {
			if (lwlen > 0)
				(void)mailtext_add(t, lw, lwlen);
			break;
		}
		word = p;
		ascii = 1;
		if (phrase && !mc_atom(*p)) {
			if (lwlen > 0)
				(void)mailtext_add(t, lw, lwlen);
			while (*p != '\0' && !mc_lwsp(*p) && !mc_atom(*p)) {
				ascii = ascii && mc_ascii(*p);
				p++;
			}
			mailtext_add(t, word, (size_t)(p - word))->eightbit =
			    !ascii;
			encoded = 0;
			continue;
		}
		if (strncmp(p, "=?", 2) == 0) {
			/* an encoded word, perhaps glued to other text */
			for (p += 2; *p != '\0' && *p != '?'; p++)
				NOTE(*p);
			if (p[0] != '?' || p[1] == '\0' ||
			    strchr("BbQq", p[1]) == NULL || p[2] != '?')
				goto plain;
			for (p += 3; *p != '\0' && strncmp(p, "?=", 2) != 0;
			    p++)
				NOTE(*p);
			if (*p == '\0') {
				ascii = 1;	/* no end: plain from "=?" on */
				p = word + 2;
				goto plain;
			}
			p += 2;
			mailtext_push(t, lw, lwlen, word, (size_t)(p - word),
			    ascii, &encoded);
			continue;
		}
plain:
		/* stop at "=?" even inside a word */
		if (phrase)
			while (mc_atom(*p) && strncmp(p, "=?", 2) != 0)
				p++;
		else
			while (*p != '\0' && !mc_lwsp(*p) &&
			    strncmp(p, "=?", 2) != 0) {
				ascii = ascii && mc_ascii(*p);
				p++;
			}
		mailtext_push(t, lw, lwlen, word, (size_t)(p - word), ascii,
		    &encoded);
	}
#undef NOTE
}

/* mailtext_q - RFC 2047 "Q": '_' is a space, "=XX" a byte; a sequence
 * split across words goes on in the next (state, save) */

static size_t
mailtext_q(const unsigned char *in, size_t len, unsigned char *out,
    int *state, uint32_t *save)
{
	const unsigned char *end = in + len;
	unsigned char	*o = out, c, c1;

#define HEX(x)	((unsigned int)((x) >= 'A' ? (x) - 'A' + 10 : (x) - '0') & 0x0f)
	if (len == 0)
		return (0);
	if (*state > 0) {
		if (isxdigit(*in)) {
			if (*state == 1) {
				c = (unsigned char)toupper((int)(*save & 0xff));
				c1 = (unsigned char)toupper(*in++);
				*o++ = (unsigned char)(HEX(c) << 4 | HEX(c1));
				*state = 0;
				*save = 0;
			} else {
				*state = 0;
				*save = 0;
				goto equals;
			}
		} else {
			*o++ = '=';	/* the last word ended in a broken = */
			if (*state == 1)
				*o++ = (unsigned char)(*save & 0xff);
			*state = 0;
			*save = 0;
		}
	}
	while (in < end) {
		c = *in++;
		if (c == '_') {
			*o++ = ' ';
			continue;
		}
		if (c != '=') {
			*o++ = c;
			continue;
		}
equals:
		if (end - in >= 2) {
			if (isxdigit(in[0]) && isxdigit(in[1])) {
				c = (unsigned char)toupper(*in++);
				c1 = (unsigned char)toupper(*in++);
				*o++ = (unsigned char)(HEX(c) << 4 | HEX(c1));
			} else
				*o++ = '=';
		} else if (in < end) {
			if (isxdigit(*in)) {
				*save = *in;
				*state = 1;
				break;
			}
			*o++ = '=';
		} else {
			*save = 0;
			*state = 2;
			break;
		}
	}
#undef HEX
	return ((size_t)(o - out));
}

/* mailtext_utf8_fix - replace the first byte of every bad sequence by '?' */

static void
mailtext_utf8_fix(char *s, size_t len)
{
	size_t	 off = 0, bad;

	while (!mailcs_utf8_valid(s + off, len - off, &bad)) {
		s[off + bad] = '?';
		off += bad;
	}
}

/* mailtext_8bit - text of unknown charset to UTF-8 */

void
mailtext_8bit(const char *in, size_t len, struct buf *out)
{
	static const char *const fallback[] = { "UTF-8", "windows-1252", NULL };
	const char	*best = fallback[0];
	size_t		 start = out->len, i;
	long		 bad, min = (long)len;
	void		*cd;

	for (i = 0; fallback[i] != NULL; i++) {
		if ((cd = mailcs_open(fallback[i])) == NULL)
			continue;
		bad = mailcs_convert(cd, in, len, out);
		mailcs_close(cd);
		if (bad == 0)
			return;
		buf_truncate(out, start);
		if (bad < min) {
			best = fallback[i];
			min = bad;
		}
	}
	if ((cd = mailcs_open(best)) == NULL) {
		for (i = 0; i < len; i++)
			buf_putc(out, mc_ascii(in[i]) ? in[i] : '?');
		return;
	}
	(void)mailcs_convert(cd, in, len, out);
	mailcs_close(cd);
}

/* mailtext_run - decode a run of encoded words with one charset */

static size_t
mailtext_run(const struct mailtext_toks *t, size_t i, struct buf *out)
{
	const struct mailtext_tok *k = &t->v[i];
	struct buf	*raw;
	unsigned char	*o;
	size_t		 j, total = 0;
	uint32_t	 save = 0;
	int		 state = 0;
	void		*cd;

	for (j = i; j < t->n && t->v[j].enc == k->enc &&
	    strcmp(t->v[j].cs, k->cs) == 0; j++)
		total += t->v[j].len;
	raw = buf_new(total + 8);
	for (; i < j; i++) {
		o = (unsigned char *)buf_reserve(raw, t->v[i].len + 4);
		buf_commit(raw, k->enc == 'B' ? maildec_base64_step(
		    (const unsigned char *)t->v[i].text, t->v[i].len, o,
		    &state, &save) : mailtext_q((const unsigned char *)
		    t->v[i].text, t->v[i].len, o, &state, &save));
	}
	if (mailctype_casecmp(k->cs, "UTF-8") == 0) {
		mailtext_utf8_fix(raw->data, raw->len);
		buf_append(out, raw->data, raw->len);
	} else if ((cd = mailcs_open(k->cs)) == NULL)
		mailtext_8bit(raw->data, raw->len, out);
	else {
		(void)mailcs_convert(cd, raw->data, raw->len, out);
		mailcs_close(cd);
	}
	buf_free(raw);
	return (j);
}

/* mailtext_render - decode the tokens into out */

static void
mailtext_render(const struct mailtext_toks *t, struct buf *out)
{
	size_t	 i = 0;

	while (i < t->n) {
		if (t->v[i].enc != 0)
			i = mailtext_run(t, i, out);
		else {
			if (t->v[i].eightbit)
				mailtext_8bit(t->v[i].text, t->v[i].len, out);
			else
				buf_append(out, t->v[i].text, t->v[i].len);
			i++;
		}
	}
}

/* mailtext_string - the decoded text is a string: it ends at a NUL (an
 * encoded word may decode to one) */

static void
mailtext_string(struct buf *out, size_t start)
{
	const char	*z;

	if ((z = memchr(out->data + start, '\0', out->len - start)) != NULL)
		buf_truncate(out, (size_t)(z - out->data));
}

/* mailtext_decode - unstructured header text to UTF-8 */

void
mailtext_decode(const char *text, struct buf *out)
{
	struct mailtext_toks t = { NULL, 0, 0 };
	size_t		 start = out->len;

	mailtext_tokenize(text, 0, &t);
	mailtext_render(&t, out);
	mailtext_string(out, start);
	free(t.v);
}

/* mailtext_decode_len - the same for len bytes (up to a NUL) */

void
mailtext_decode_len(const char *text, size_t len, struct buf *out)
{
	char	*s = xstrndup(text, len);

	mailtext_decode(s, out);
	free(s);
}

/* mailtext_phrase - a phrase (display name) to UTF-8 */

void
mailtext_phrase(const char *text, struct buf *out)
{
	struct mailtext_toks t = { NULL, 0, 0 };
	size_t		 start = out->len;

	mailtext_tokenize(text, 1, &t);
	mailtext_render(&t, out);
	mailtext_string(out, start);
	free(t.v);
}
