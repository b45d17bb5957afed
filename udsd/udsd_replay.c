/*
 * udsd_replay.c - the writes seen within the replay window
 *
 * A signed write carries its client's name, a random 32-bit id and the
 * client's clock; udsd takes it only when that clock is within
 * replay_window of its own and the same (client, id, time) has not been
 * seen in that window.  A captured datagram sent again is refused, and
 * so is one older than the window, which the cache no longer remembers.
 *
 * The cache is a ring of the last max entries in arrival order plus an
 * open-addressing index into it; entries older than the window drop out
 * as the ring moves on.  When the ring is full of entries still inside the
 * window the write is refused (the per-client write rate keeps that from
 * happening to a well-behaved client).
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

struct replay_ent {
	uint64_t	 hash;		/* of client, id, time; 0: free */
	uint64_t	 seen_ms;
};

struct udsd_replay {
	struct replay_ent *ring;
	size_t		 max, head, used;
	uint32_t	*index;		/* ring position + 1; 0: empty */
	size_t		 isize;		/* power of two, > 2 * max */
	uint8_t		 hkey[crypto_shorthash_siphash24_KEYBYTES];
};

/* udsd_replay_new - a cache of max writes */

struct udsd_replay *
udsd_replay_new(size_t max)
{
	struct udsd_replay *r = xcalloc(1, sizeof(*r));

	r->max = max > 0 ? max : 1;
	r->ring = xcalloc(r->max, sizeof(*r->ring));
	for (r->isize = 16; r->isize <= 2 * r->max; r->isize *= 2)
		;
	r->index = xcalloc(r->isize, sizeof(*r->index));
	randombytes_buf(r->hkey, sizeof(r->hkey));
	return (r);
}

/* udsd_replay_free - NULL is a no-op */

void
udsd_replay_free(struct udsd_replay *r)
{
	if (r == NULL)
		return;
	free(r->ring);
	free(r->index);
	free(r);
}

/* replay_find - the index slot of a hash (its own, or the empty one) */

static size_t
replay_find(const struct udsd_replay *r, uint64_t h)
{
	size_t	 i = (size_t)h & (r->isize - 1);

	while (r->index[i] != 0 && r->ring[r->index[i] - 1].hash != h)
		i = (i + 1) & (r->isize - 1);
	return (i);
}

/* replay_unindex - take ring entry pos out of the index (backward-shift
 * deletion keeps the probe chains whole) */

static void
replay_unindex(struct udsd_replay *r, size_t pos)
{
	size_t	 i, j, home;

	if (r->ring[pos].hash == 0)
		return;
	i = replay_find(r, r->ring[pos].hash);
	r->ring[pos].hash = 0;
	if (r->index[i] != pos + 1)
		return;
	r->index[i] = 0;
	for (j = (i + 1) & (r->isize - 1); r->index[j] != 0;
	    j = (j + 1) & (r->isize - 1)) {
		home = (size_t)r->ring[r->index[j] - 1].hash & (r->isize - 1);
		/* may the entry at j move back to i? */
		if (((j - home) & (r->isize - 1)) >=
		    ((j - i) & (r->isize - 1))) {
			r->index[i] = r->index[j];
			r->index[j] = 0;
			i = j;
		}
	}
}

/* udsd_replay_seen - 1 for a replay (or a full cache), else remember it */

int
udsd_replay_seen(struct udsd_replay *r, const char *client, uint32_t id,
    uint32_t time, uint64_t now_ms, unsigned int window_ms)
{
	uint8_t		 buf[UDS_WIRE_NAME_MAX + 8], h8[8];
	struct replay_ent *e;
	size_t		 n = strlen(client), i;
	uint64_t	 h;

	memcpy(buf, client, n);
	memcpy(buf + n, &id, 4);
	memcpy(buf + n + 4, &time, 4);
	(void)crypto_shorthash_siphash24(h8, buf, n + 8, r->hkey);
	memcpy(&h, h8, sizeof(h));
	h |= 1;				/* 0 means free */
	i = replay_find(r, h);
	if (r->index[i] != 0 &&
	    now_ms - r->ring[r->index[i] - 1].seen_ms < 2ULL * window_ms)
		return (1);
	/* an old sighting of the same, out of the window: forget it */
	if (r->index[i] != 0)
		replay_unindex(r, r->index[i] - 1);
	/* make room: the oldest entry goes if it is out of the window */
	e = &r->ring[r->head];
	if (r->used == r->max) {
		if (e->hash != 0 && now_ms - e->seen_ms < 2ULL * window_ms)
			return (1);
		replay_unindex(r, r->head);
		r->used--;
	}
	e->hash = h;
	e->seen_ms = now_ms;
	r->index[replay_find(r, h)] = (uint32_t)(r->head + 1);
	r->head = (r->head + 1) % r->max;
	r->used++;
	return (0);
}
