/*
 * udsd_keyset.c - the keys an LMDB store holds, as a set in memory
 *
 * Most lookups are of keys the store does not have (ham is most mail, and
 * each of its 32 shingles is looked up).  A B-tree search costs a few
 * hundred nanoseconds even in cache; this set answers "not there" with one
 * probe of an open-addressed table of 64-bit keys (linear probing, at most
 * half full, backward-shift deletion), so LMDB is read only for keys that
 * are there.  Keys are the stores' own 64-bit values - a shingle's
 * min-hash, a record's keyed digest folded to 64 bits - placed by
 * Fibonacci hashing (the top bits of key * 2^64/phi: min-hashes are the
 * least of many values, small numbers whose own top bits are mostly 0).
 * A key that happens to be 0 is stored as 1: a collision only costs a
 * lookup in LMDB.
 *
 * Memory: 16 bytes per key at most (8 at best), 4 million keys in 64 MiB.
 * Growth doubles the table in one go (a few milliseconds per million
 * keys, on the rare report that crosses a power of two).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define KS_MIN	1024

struct udsd_keyset {
	uint64_t	*slot;
	size_t		 size;		/* a power of two, 2^bits */
	unsigned int	 bits;
	size_t		 used;
};

/* ks_key - a key as stored (never 0, which marks a free slot) */

static uint64_t
ks_key(uint64_t k)
{
	return (k == 0 ? 1 : k);
}

/* ks_home - a key's first slot: Fibonacci hashing */

static size_t
ks_home(const struct udsd_keyset *s, uint64_t k)
{
	return ((size_t)((k * 0x9e3779b97f4a7c15ULL) >> (64 - s->bits)));
}

/* udsd_keyset_new - an empty set for about hint keys */

struct udsd_keyset *
udsd_keyset_new(size_t hint)
{
	struct udsd_keyset *s = xcalloc(1, sizeof(*s));

	for (s->size = KS_MIN, s->bits = 10; s->size < 2 * hint;
	    s->size *= 2)
		s->bits++;
	s->slot = xcalloc(s->size, sizeof(*s->slot));
	return (s);
}

/* udsd_keyset_free - NULL is a no-op */

void
udsd_keyset_free(struct udsd_keyset *s)
{
	if (s == NULL)
		return;
	free(s->slot);
	free(s);
}

/* ks_find - the slot of k, or the free slot where it would go */

static size_t
ks_find(const struct udsd_keyset *s, uint64_t k)
{
	size_t	 i = ks_home(s, k);

	while (s->slot[i] != 0 && s->slot[i] != k)
		i = (i + 1) & (s->size - 1);
	return (i);
}

/* ks_grow - twice the table */

static void
ks_grow(struct udsd_keyset *s)
{
	uint64_t	*old = s->slot;
	size_t		 n = s->size, i;

	s->size *= 2;
	s->bits++;
	s->slot = xcalloc(s->size, sizeof(*s->slot));
	for (i = 0; i < n; i++)
		if (old[i] != 0)
			s->slot[ks_find(s, old[i])] = old[i];
	free(old);
}

/* udsd_keyset_add - put a key in */

void
udsd_keyset_add(struct udsd_keyset *s, uint64_t k)
{
	size_t	 i;

	k = ks_key(k);
	if (2 * (s->used + 1) > s->size)
		ks_grow(s);
	i = ks_find(s, k);
	if (s->slot[i] == 0) {
		s->slot[i] = k;
		s->used++;
	}
}

/* udsd_keyset_has - whether a key may be in the store */

int
udsd_keyset_has(const struct udsd_keyset *s, uint64_t k)
{
	return (s->slot[ks_find(s, ks_key(k))] != 0);
}

/* udsd_keyset_del - take a key out (backward-shift deletion) */

void
udsd_keyset_del(struct udsd_keyset *s, uint64_t k)
{
	size_t	 i = ks_find(s, ks_key(k)), j, home;

	if (s->slot[i] == 0)
		return;
	s->slot[i] = 0;
	s->used--;
	for (j = (i + 1) & (s->size - 1); s->slot[j] != 0;
	    j = (j + 1) & (s->size - 1)) {
		home = ks_home(s, s->slot[j]);
		if (((j - home) & (s->size - 1)) >=
		    ((j - i) & (s->size - 1))) {
			s->slot[i] = s->slot[j];
			s->slot[j] = 0;
			i = j;
		}
	}
}

/* udsd_keyset_count - keys in the set */

size_t
udsd_keyset_count(const struct udsd_keyset *s)
{
	return (s->used);
}
