/*
 * fuzz_mask.c - the address mask parser and matcher on arbitrary bytes
 *
 * The first byte picks the flags (ip: allowed or not; file: never - a fuzz
 * input must not name files to read); the rest is a list.  A list must
 * parse or fail with a reason, never crash; a parsed one must match
 * without crashing against addresses and client addresses made from the
 * input; and every string matches itself as a wildcard pattern.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mask.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const addrs[] = {
		"", "a@example.com", "postmaster@example.com", "x@y",
		"UPPER@EXAMPLE.COM", "@", "news-daily@list.example.org", NULL
	};
	static const char *const ips[] = {
		NULL, "192.0.2.1", "2001:db8::1", "::ffff:10.1.2.3", "junk",
		"IPv6:::1", NULL
	};
	struct mask_list *ml;
	struct buf	*why;
	char		*text, *half;
	size_t		 i, j;
	int		 flags;

	if (len == 0 || len > 65536)
		return (0);
	why = buf_new(128);
	flags = (data[0] & 1) ? MASK_ALLOW_IP : 0;
	text = malloc(len);
	memcpy(text, data + 1, len - 1);
	text[len - 1] = '\0';
	ml = mask_list_parse(text, (data[0] & 2) ? "example.com" : NULL,
	    flags, 1024, why);
	if (ml == NULL && buf_len(why) == 0)
		abort();		/* a failure must say why */
	if (ml != NULL) {
		for (i = 0; addrs[i] != NULL; i++)
			for (j = 0; j < sizeof(ips) / sizeof(ips[0]); j++)
				(void)mask_list_match(ml, addrs[i], ips[j]);
		(void)mask_list_match(ml, text, text);
		half = text + strlen(text) / 2;
		(void)mask_list_match(ml, half, NULL);
		mask_list_free(ml);
	}
	if (!mask_glob(text, text))
		abort();		/* everything matches itself */
	free(text);
	buf_free(why);
	return (0);
}
