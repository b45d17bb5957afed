/*
 * udsd_rate.c - token buckets per key: source addresses, client names
 *
 * A fixed table of slots, chosen by a keyed hash of the key (SipHash with
 * a random key per process, so a flooder cannot pick addresses that share
 * a victim's slot).  A slot holds one key; another key that hashes there
 * takes it over only when the holder has been idle for a second, so a
 * busy client keeps its bucket while an idle one lends its slot.  When a
 * slot is busy with another key, the newcomer tries the next slot, then
 * shares the holder's bucket.  One flooding source therefore drains only
 * its own bucket; a flood from very many spoofed sources (more than the
 * table has slots) can drain the buckets it lands on, never more memory
 * or time than one slot each.
 *
 * Buckets fill at rate tokens per second up to burst; a request takes one.
 * Memory is fixed (slots * 48 bytes); nothing is allocated per request.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* external */
#include <sodium.h>

/* lib */
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define RATE_KEY_MAX	32
#define RATE_IDLE_MS	1000

struct rate_slot {
	uint8_t		 key[RATE_KEY_MAX];
	uint8_t		 keylen;
	uint64_t	 last_ms;	/* last refill */
	uint32_t	 tokens_milli;	/* tokens x 1000 */
};

struct udsd_rate {
	struct rate_slot *slot;
	size_t		 n;
	unsigned int	 rate, burst;
	uint8_t		 hkey[crypto_shorthash_siphash24_KEYBYTES];
};

/* udsd_rate_new - a table of n slots */

struct udsd_rate *
udsd_rate_new(size_t n, unsigned int rate, unsigned int burst)
{
	struct udsd_rate *r = xcalloc(1, sizeof(*r));

	r->slot = xcalloc(n, sizeof(*r->slot));
	r->n = n;
	r->rate = rate;
	r->burst = burst > 0 ? burst : 1;
	randombytes_buf(r->hkey, sizeof(r->hkey));
	return (r);
}

/* udsd_rate_free - NULL is a no-op */

void
udsd_rate_free(struct udsd_rate *r)
{
	if (r == NULL)
		return;
	free(r->slot);
	free(r);
}

/* rate_refill - tokens earned since the last refill */

static void
rate_refill(const struct udsd_rate *r, struct rate_slot *s, uint64_t now)
{
	uint64_t	 t;

	if (now <= s->last_ms)
		return;
	t = s->tokens_milli + (now - s->last_ms) * r->rate;
	s->tokens_milli = t > (uint64_t)r->burst * 1000 ? r->burst * 1000 :
	    (uint32_t)t;
	s->last_ms = now;
}

/* udsd_rate_take - one token for key at now */

int
udsd_rate_take(struct udsd_rate *r, const void *key, size_t len,
    uint64_t now)
{
	uint8_t		 h[crypto_shorthash_siphash24_BYTES];
	struct rate_slot *s = NULL, *cand;
	uint64_t	 idx;
	int		 i;

	if (len > RATE_KEY_MAX)
		len = RATE_KEY_MAX;
	(void)crypto_shorthash_siphash24(h, key, len, r->hkey);
	memcpy(&idx, h, sizeof(idx));
	for (i = 0; i < 2 && s == NULL; i++) {
		cand = &r->slot[(idx + (uint64_t)i) % r->n];
		if (cand->keylen == len && memcmp(cand->key, key, len) == 0)
			s = cand;
		else if (cand->keylen == 0 || now - cand->last_ms >=
		    RATE_IDLE_MS) {
			/* a free or idle slot: this key's, bucket full */
			memcpy(cand->key, key, len);
			cand->keylen = (uint8_t)len;
			cand->tokens_milli = r->burst * 1000;
			cand->last_ms = now;
			s = cand;
		}
	}
	if (s == NULL)
		s = &r->slot[idx % r->n];	/* shares the holder's bucket */
	rate_refill(r, s, now);
	if (s->tokens_milli < 1000)
		return (0);
	s->tokens_milli -= 1000;
	return (1);
}
