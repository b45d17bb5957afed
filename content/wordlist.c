/*
 * wordlist.c - word lists of the content DB (obscene words)
 *
 * A list file has one entry per line, UTF-8; '#' starts a comment line.
 * An entry is a whole word ("shit"), or a stem with a trailing '*'
 * ("fuck*") that matches every word starting with it.  Entries and text are
 * compared case-folded, with Russian "ё" read as "е".  Stems match only at
 * the start of a word, so a list must spell out prefixed forms itself
 * ("заеб*"): matching inside words would hit innocent words.
 *
 * The lists are loaded by the master (content_load) and shared read-only.
 * Lookups hash the word (or each listed stem length of it) into an open
 * addressing table, so a message costs one probe per word and stem length.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* external */
#include <glib.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "xalloc.h"

#include "content_private.h"

#define WORD_MAX		96		/* bytes of a folded word */
#define WORDLIST_SCAN_MAX	(256 * 1024)	/* text bytes examined */

struct wordlist {
	char		**slot;		/* open addressing, "=" + word or
					 * "*" + stem */
	size_t		 nslots;	/* power of two */
	size_t		 n;
	uint64_t	 stemlens;	/* bit L: a stem of L chars exists */
};

/* wordlist_ascii_alpha - an ASCII letter (what g_unichar_isalpha says of
 * the ASCII range, without a call and a table look-up per character) */

static int
wordlist_ascii_alpha(char ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
}

/* wordlist_fold - case-fold one word into out; returns bytes, 0 if too
 * long; lens[i] gets the byte length after i+1 characters */

static size_t
wordlist_fold(const char *w, size_t len, char *out, unsigned char *lens,
    size_t *nchars)
{
	const char	*p = w, *end = w + len;
	gunichar	 c;
	size_t		 n = 0, k = 0;
	int		 l;

	while (p < end) {
		if ((unsigned char)*p < 0x80 && *p != '\0') {
			/* ASCII: glib's answers without its tables (a NUL
			 * goes on to glib, which refuses it) */
			if (n + 6 >= WORD_MAX)
				return (0);
			out[n] = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
			n++;
			p++;
			if (lens != NULL && k < WORD_MAX)
				lens[k] = (unsigned char)n;
			k++;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2)
			return (0);
		p = g_utf8_next_char(p);
		c = g_unichar_tolower(c);
		if (c == 0x0451)
			c = 0x0435;		/* ё -> е */
		if (n + 6 >= WORD_MAX)
			return (0);
		l = g_unichar_to_utf8(c, out + n);
		n += (size_t)l;
		if (lens != NULL && k < WORD_MAX)
			lens[k] = (unsigned char)n;
		k++;
	}
	out[n] = '\0';
	if (nchars != NULL)
		*nchars = k;
	return (n);
}

/* wordlist_find - the slot for a key ("=word" or "*stem") */

static char **
wordlist_find(const struct wordlist *wl, const char *key, size_t len)
{
	size_t	 i;

	i = (size_t)tok_hash(key, len, 0x77) & (wl->nslots - 1);
	while (wl->slot[i] != NULL) {
		if (strncmp(wl->slot[i], key, len) == 0 &&
		    wl->slot[i][len] == '\0')
			break;
		i = (i + 1) & (wl->nslots - 1);
	}
	return (&wl->slot[i]);
}

/* wordlist_grow - double the table */

static void
wordlist_grow(struct wordlist *wl)
{
	char	**old = wl->slot, **s;
	size_t	 n = wl->nslots, i;

	wl->nslots = n ? n * 2 : 64;
	wl->slot = xcalloc(wl->nslots, sizeof(*wl->slot));
	for (i = 0; i < n; i++)
		if (old[i] != NULL) {
			s = wordlist_find(wl, old[i], strlen(old[i]));
			*s = old[i];
		}
	free(old);
}

/* wordlist_add - add one entry line */

static void
wordlist_add(struct wordlist *wl, const char *line, size_t len)
{
	char		 key[WORD_MAX + 2];
	size_t		 n, nchars = 0;
	int		 stem = 0;
	char		**s;

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r'))
		len--;
	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	if (len == 0 || *line == '#')
		return;
	if (line[len - 1] == '*') {
		stem = 1;
		len--;
	}
	if (len == 0 || (n = wordlist_fold(line, len, key + 1, NULL,
	    &nchars)) == 0)
		return;
	key[0] = stem ? '*' : '=';
	if ((wl->n + 1) * 2 > wl->nslots)
		wordlist_grow(wl);
	s = wordlist_find(wl, key, n + 1);
	if (*s != NULL)
		return;
	*s = xstrndup(key, n + 1);
	wl->n++;
	if (stem && nchars < 64)
		wl->stemlens |= 1ULL << nchars;
}

/* wordlist_add_text - add every line of a text */

static void
wordlist_add_text(struct wordlist *wl, const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		wordlist_add(wl, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

/* wordlist_new - an empty list */

static struct wordlist *
wordlist_new(void)
{
	struct wordlist	*wl;

	wl = xcalloc(1, sizeof(*wl));
	wordlist_grow(wl);
	return (wl);
}

/* wordlist_from_text - a list from a string */

struct wordlist *
wordlist_from_text(const char *text)
{
	struct wordlist	*wl = wordlist_new();

	wordlist_add_text(wl, text, strlen(text));
	return (wl);
}

/* wordlist_load - the union of the list files named in paths */

struct wordlist *
wordlist_load(const char *paths, struct buf *why)
{
	struct wordlist	*wl = wordlist_new();
	struct buf	*data = buf_new(4096);
	char		**files = NULL, *p;
	size_t		 nfiles, i, n;
	FILE		*fp;

	nfiles = conf_list_split(paths ? paths : "", &files);
	for (i = 0; i < nfiles; i++) {
		if ((fp = fopen(files[i], "r")) == NULL) {
			buf_printf(why, "word list %s: %s", files[i],
			    strerror(errno));
			goto fail;
		}
		buf_reset(data);
		for (;;) {
			p = buf_reserve(data, 4096);
			if ((n = fread(p, 1, 4096, fp)) == 0)
				break;
			buf_commit(data, n);
		}
		if (ferror(fp)) {
			buf_printf(why, "word list %s: read error", files[i]);
			(void)fclose(fp);
			goto fail;
		}
		(void)fclose(fp);
		wordlist_add_text(wl, data->data, data->len);
	}
	conf_list_free(files);
	buf_free(data);
	return (wl);
fail:
	conf_list_free(files);
	buf_free(data);
	wordlist_free(wl);
	return (NULL);
}

/* wordlist_match - whether one word (or a prefix of it) is listed */

static int
wordlist_match(const struct wordlist *wl, const char *w, size_t len)
{
	char		 key[WORD_MAX + 2];
	unsigned char	 lens[WORD_MAX];
	size_t		 n, nchars = 0, l;

	if ((n = wordlist_fold(w, len, key + 1, lens, &nchars)) == 0)
		return (0);
	key[0] = '=';
	if (*wordlist_find(wl, key, n + 1) != NULL)
		return (1);
	key[0] = '*';
	for (l = 1; l <= nchars && l < 64 && l <= WORD_MAX; l++)
		if ((wl->stemlens & (1ULL << l)) &&
		    *wordlist_find(wl, key, (size_t)lens[l - 1] + 1) != NULL)
			return (1);
	return (0);
}

/* wordlist_count - listed words in a text */

unsigned int
wordlist_count(const struct wordlist *wl, const char *text, size_t len,
    char *first, size_t firstsize)
{
	const char	*p = text, *end, *w;
	unsigned int	 count = 0;
	gunichar	 c;

	if (wl == NULL || wl->n == 0)
		return (0);
	if (len > WORDLIST_SCAN_MAX)
		len = WORDLIST_SCAN_MAX;
	end = text + len;
	while (p < end) {
		/* skip to a letter (ASCII ones without glib's tables) */
		if ((unsigned char)*p < 0x80) {
			if (!wordlist_ascii_alpha(*p)) {
				p++;
				continue;
			}
			c = (gunichar)(unsigned char)*p;
		} else
			c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			p++;
			continue;
		}
		if (!g_unichar_isalpha(c)) {
			p = g_utf8_next_char(p);
			continue;
		}
		w = p;
		while (p < end) {
			if ((unsigned char)*p < 0x80) {
				if (!wordlist_ascii_alpha(*p))
					break;
				p++;
				continue;
			}
			c = g_utf8_get_char_validated(p, end - p);
			if (c == (gunichar)-1 || c == (gunichar)-2 ||
			    !g_unichar_isalpha(c))
				break;
			p = g_utf8_next_char(p);
		}
		if (p - w < WORD_MAX - 16 && wordlist_match(wl, w,
		    (size_t)(p - w))) {
			if (count == 0 && first != NULL && firstsize > 0)
				(void)snprintf(first, firstsize, "%.*s",
				    (int)(p - w), w);
			count++;
		}
	}
	return (count);
}

/* wordlist_size - number of entries */

size_t
wordlist_size(const struct wordlist *wl)
{
	return (wl ? wl->n : 0);
}

/* wordlist_free - release a list */

void
wordlist_free(struct wordlist *wl)
{
	size_t	 i;

	if (wl == NULL)
		return;
	for (i = 0; i < wl->nslots; i++)
		free(wl->slot[i]);
	free(wl->slot);
	free(wl);
}
