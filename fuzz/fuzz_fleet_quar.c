/*
 * fuzz_fleet_quar.c - a quarantine index entry as another node (or
 * anyone with the Redis) wrote it: the field (an id), a newline, the
 * value
 *
 * What parses must format back to a value that parses to the same entry,
 * and format the same again; its id and strings hold no NUL, space or
 * control character where the encoder would not let one through.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fleet_quar.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_same - two entries are equal */

static int
fuzz_same(const struct fleet_qent *a, const struct fleet_qent *b)
{
	return (strcmp(a->id, b->id) == 0 && a->time == b->time &&
	    a->size == b->size && a->releases == b->releases &&
	    strcmp(a->from, b->from) == 0 && strcmp(a->to, b->to) == 0 &&
	    strcmp(a->status, b->status) == 0 &&
	    strcmp(a->subject, b->subject) == 0 &&
	    strcmp(a->upstream, b->upstream) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	const char	*nl = memchr(s, '\n', size);
	struct fleet_qent a, b;
	struct buf	*why, *t, *u;
	size_t		 idlen;

	if (nl == NULL)
		return (0);
	idlen = (size_t)(nl - s);
	why = buf_new(64);
	if (fleet_qent_parse(s, idlen, nl + 1, size - idlen - 1, &a, why) <
	    0) {
		fleet_qent_free(&a);
		buf_free(why);
		return (0);
	}
	if (strlen(a.id) != idlen)
		abort();
	t = buf_new(128);
	u = buf_new(128);
	fleet_qent_format(&a, t);
	if (fleet_qent_parse(a.id, strlen(a.id), buf_str(t), buf_len(t), &b,
	    why) < 0 || !fuzz_same(&a, &b))
		abort();
	fleet_qent_format(&b, u);
	if (buf_len(t) != buf_len(u) || memcmp(buf_str(t), buf_str(u),
	    buf_len(t)) != 0)
		abort();
	fleet_qent_free(&a);
	fleet_qent_free(&b);
	buf_free(t);
	buf_free(u);
	buf_free(why);
	return (0);
}
