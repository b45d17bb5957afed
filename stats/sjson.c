/*
 * sjson.c - small helpers for the JSON the statistics code writes
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

/* lib */
#include "buf.h"

/* stats */
#include "sjson.h"

/* sjson_utf8_len - the length of a valid UTF-8 sequence at p, or 0 */

static size_t
sjson_utf8_len(const unsigned char *p, size_t left)
{
	size_t	 n, i;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return (0);
	if (n > left)
		return (0);
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return (0);
	return (n);
}

/* sjson_str - a JSON string of any bytes */

json_t *
sjson_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t		 len = strlen((const char *)p), i = 0, n;
	struct buf	*b;
	json_t		*j;

	if ((j = json_string((const char *)p)) != NULL)
		return (j);
	b = buf_new(len + 16);
	while (i < len) {
		if ((n = sjson_utf8_len(p + i, len - i)) == 0) {
			buf_printf(b, "\\x%02X", p[i]);
			i++;
		} else {
			buf_append(b, p + i, n);
			i += n;
		}
	}
	j = json_string(buf_str(b));
	buf_free(b);
	return (j != NULL ? j : json_string(""));
}

/* sjson_u64 - an unsigned counter as a JSON integer */

json_t *
sjson_u64(uint64_t x)
{
	return (json_integer(x > (uint64_t)INT64_MAX ? INT64_MAX :
	    (json_int_t)x));
}
