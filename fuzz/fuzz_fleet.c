/*
 * fuzz_fleet.c - what the fleet's Redis (or a sentinel) hands back
 *
 * The first byte chooses the parser, the rest is its input: 0 a bucket
 * field ("RES:TS"), 1 a heartbeat, 2 a bucket's packed counters, 3 a
 * sentinel's answer (address, a newline, port), 4 a [fleet] redis URL.
 * What parses must format back to the same thing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "svec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_field - a field parses only to what formats to it */

static void
fuzz_field(const char *s, size_t n, struct buf *why)
{
	char	 f[FLEET_FIELD_MAX];
	int64_t	 ts;
	int	 res;

	if (fleet_field_parse(s, n, &res, &ts, why) < 0)
		return;
	fleet_field_format(res, ts, f, sizeof(f));
	if (strlen(f) != n || memcmp(f, s, n) != 0)
		abort();
}

/* fuzz_beat - a heartbeat parses, formats and parses the same */

static void
fuzz_beat(const char *s, size_t n, struct buf *why)
{
	struct fleet_beat a, b;
	struct buf	*t;

	if (fleet_beat_parse(s, n, &a, why) < 0)
		return;
	t = buf_new(128);
	fleet_beat_format(&a, t);
	if (a.version[0] == '\0')
		(void)strcpy(a.version, "-");
	if (fleet_beat_parse(buf_str(t), buf_len(t), &b, why) < 0 ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	(void)fleet_beat_down(&a, INT64_MAX / 2);
	buf_free(t);
}

/* fuzz_bucket - counters unpack, pack and unpack the same */

static void
fuzz_bucket(const char *s, size_t n, struct buf *why)
{
	struct svec	*v = svec_new(), *w;
	struct buf	*p;

	if (fleet_bucket_parse(s, n, v, why) == 0) {
		p = buf_new(64);
		w = svec_new();
		svec_pack(v, p);
		if (fleet_bucket_parse(p->data, buf_len(p), w, why) < 0 ||
		    svec_count(w) != svec_count(v))
			abort();
		svec_free(w);
		buf_free(p);
	}
	svec_free(v);
}

/* fuzz_primary - a sentinel's answer */

static void
fuzz_primary(const char *s, size_t n, struct buf *why)
{
	struct fleet_addr a;
	const char	*nl = memchr(s, '\n', n);

	if (nl == NULL)
		return;
	if (fleet_primary_parse(s, (size_t)(nl - s), nl + 1,
	    n - (size_t)(nl - s) - 1, &a, why) == 0 &&
	    (a.port == 0 || a.port > 65535 || strlen(a.host) !=
	    (size_t)(nl - s)))
		abort();
}

/* fuzz_url - the URL parser never overruns */

static void
fuzz_url(const char *s, size_t n, struct buf *why)
{
	struct fleet_url u;
	char		*z = malloc(n + 1);
	size_t		 i;

	memcpy(z, s, n);
	z[n] = '\0';
	if (fleet_url_parse(z, &u, why) == 0) {
		if (u.naddr == 0 || u.naddr > FLEET_MAX_HOSTS ||
		    (u.sentinel && u.master[0] == '\0') || u.db > 15)
			abort();
		for (i = 0; i < u.naddr; i++)
			if (u.addr[i].port == 0 || u.addr[i].host[0] == '\0')
				abort();
	}
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	*why;
	const char	*s = (const char *)data + 1;

	if (size < 1)
		return (0);
	why = buf_new(64);
	switch (data[0] % 5) {
	case 0:
		fuzz_field(s, size - 1, why);
		break;
	case 1:
		fuzz_beat(s, size - 1, why);
		break;
	case 2:
		fuzz_bucket(s, size - 1, why);
		break;
	case 3:
		fuzz_primary(s, size - 1, why);
		break;
	case 4:
		fuzz_url(s, size - 1, why);
		break;
	}
	buf_free(why);
	return (0);
}
