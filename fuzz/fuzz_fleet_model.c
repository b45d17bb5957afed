/*
 * fuzz_fleet_model.c - what shared learning reads back from the fleet's
 * Redis (fleet/fleet_model.h)
 *
 * The first byte chooses the parser, the rest is its input: 0 a stream
 * id, 1 a version number, 2 a version's metadata, 3 a RESP answer (what
 * hiredis makes of the bytes) whose array elements are taken as entries
 * of the learning stream, as XRANGE returns them.  What parses must
 * format back to what parses the same.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "fleet_model.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_sid - an id parses only to what formats to it */

static void
fuzz_sid(const char *s, size_t n, struct buf *why)
{
	struct fleet_sid a, b;
	char		 f[48];

	if (fleet_sid_parse(s, n, &a, why) < 0)
		return;
	fleet_sid_format(&a, f, sizeof(f));
	if (fleet_sid_parse(f, strlen(f), &b, why) < 0 ||
	    fleet_sid_cmp(&a, &b) != 0)
		abort();
}

/* fuzz_version - a version is 1..2^63-1 */

static void
fuzz_version(const char *s, size_t n, struct buf *why)
{
	uint64_t	 v;

	if (fleet_version_parse(s, n, &v, why) == 0 &&
	    (v == 0 || v > INT64_MAX))
		abort();
}

/* fuzz_mver - metadata parses, formats and parses the same */

static void
fuzz_mver(const char *s, size_t n, struct buf *why)
{
	struct fleet_mver a, b;
	struct buf	*t;

	if (fleet_mver_parse(s, n, &a, why) < 0)
		return;
	t = buf_new(256);
	fleet_mver_format(&a, t);
	if (fleet_mver_parse(buf_str(t), buf_len(t), &b, why) < 0 ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	buf_free(t);
}

/* fuzz_huge - an array count above 4096: hiredis 0.14 believes it and
 * allocates for it (the fleet's Redis is trusted that far; XRANGE asks
 * for learn_batch entries), which is not what is fuzzed here */

static int
fuzz_huge(const char *s, size_t n)
{
	size_t	 i, j;
	unsigned long v;

	for (i = 0; i < n; i++) {
		if (s[i] != '*')
			continue;
		v = 0;
		for (j = i + 1; j < n && s[j] >= '0' && s[j] <= '9' &&
		    v <= 4096; j++)
			v = v * 10 + (unsigned long)(s[j] - '0');
		if (v > 4096)
			return (1);
	}
	return (0);
}

/* fuzz_entries - a RESP answer's elements as stream entries */

static void
fuzz_entries(const char *s, size_t n, struct buf *why)
{
	struct fleet_example ex;
	redisReader	*rd = redisReaderCreate();
	redisReply	*r = NULL;
	size_t		 i;
	int		 rc;

	if (fuzz_huge(s, n)) {
		redisReaderFree(rd);
		return;
	}
	if (redisReaderFeed(rd, s, n) == REDIS_OK &&
	    redisReaderGetReply(rd, (void **)&r) == REDIS_OK && r != NULL) {
		if (r->type == REDIS_REPLY_ARRAY)
			for (i = 0; i < r->elements; i++) {
				rc = fleet_example_parse(r->element[i], &ex,
				    why);
				if (rc == 0 && (ex.len > FLEET_LEARN_MAX ||
				    (ex.len > 0 && ex.msg == NULL) ||
				    (ex.spam != 0 && ex.spam != 1)))
					abort();
			}
		else
			(void)fleet_example_parse(r, &ex, why);
		freeReplyObject(r);
	}
	redisReaderFree(rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	*why;
	const char	*s = (const char *)data + 1;

	if (size < 1)
		return (0);
	why = buf_new(64);
	switch (data[0] % 4) {
	case 0:
		fuzz_sid(s, size - 1, why);
		break;
	case 1:
		fuzz_version(s, size - 1, why);
		break;
	case 2:
		fuzz_mver(s, size - 1, why);
		break;
	case 3:
		fuzz_entries(s, size - 1, why);
		break;
	}
	buf_free(why);
	return (0);
}
