/*
 * fuzz_wordlist.c - the word lists (obscene words) against hostile text
 *
 * The input is a list (up to the first NUL: one entry a line, as the
 * shipped files) and a text to count its words in.  wordlist_count must
 * stay within the text and must not depend on ASCII letter case: the
 * same text with its ASCII letters upper-cased counts the same (this
 * holds the ASCII fast path of wordlist_fold and wordlist_count to what
 * glib's case folding says).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*nul = memchr(data, '\0', size);
	struct wordlist	*wl;
	char		*list, *upper, first[64];
	size_t		 llen, tlen, i;
	unsigned int	 n, m;

	if (nul == NULL)
		return (0);
	llen = (size_t)(nul - (const char *)data);
	list = malloc(llen + 1);
	memcpy(list, data, llen);
	list[llen] = '\0';
	wl = wordlist_from_text(list);
	tlen = size - llen - 1;
	upper = malloc(tlen + 1);
	memcpy(upper, nul + 1, tlen);
	upper[tlen] = '\0';
	n = wordlist_count(wl, nul + 1, tlen, first, sizeof(first));
	if (n > tlen || (n > 0 && memchr(first, '\0', sizeof(first)) == NULL))
		abort();
	for (i = 0; i < tlen; i++)
		if (upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (char)(upper[i] - 32);
	m = wordlist_count(wl, upper, tlen, NULL, 0);
	if (m != n)
		abort();
	wordlist_free(wl);
	free(upper);
	free(list);
	return (0);
}
