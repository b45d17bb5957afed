/*
 * udsd_match.c - what a lookup means, the same for every backend
 *
 * A record answers an item by itself: ham-confirmed is HAM whatever its
 * count; reported threshold times or more is HIT; fewer is BELOW (known,
 * not yet counted: one reporter alone cannot make a signature count when
 * the site sets threshold above 1).
 *
 * A text that is not known exactly is looked up by its shingles: each of
 * its 32 min-hashes names the texts that had the same value, and a stored
 * text's votes are the shingles that name it (an estimate of the two
 * texts' Jaccard similarity, times 32).  Candidates are ranked by votes;
 * those with [udsd] votes or more are read in that order.  A shingle keeps
 * up to max_ids texts, newest first: a campaign's copies and a footer many
 * spams share do not push each other out.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"

/* udsd */
#include "udsd.h"

#define MATCH_VERSION	1

/* be32, put32 - big-endian integers */

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* udsd_now - Unix seconds */

uint32_t
udsd_now(void)
{
	return ((uint32_t)time(NULL));
}

/* udsd_record_pack - a record's value */

void
udsd_record_pack(const struct udsd_record *r, uint8_t *p)
{
	p[0] = MATCH_VERSION;
	p[1] = r->flag;
	p[2] = p[3] = 0;
	put32(p + 4, r->count);
	put32(p + 8, r->hits);
	put32(p + 12, r->created);
	put32(p + 16, r->touched);
}

/* udsd_record_unpack - a value as a record; -1 if it is none */

int
udsd_record_unpack(const uint8_t *p, size_t len, struct udsd_record *r)
{
	if (len != UDSD_RECORD_LEN || p[0] != MATCH_VERSION ||
	    p[1] > UDS_FLAG_HAM)
		return (-1);
	r->flag = p[1];
	r->count = be32(p + 4);
	r->hits = be32(p + 8);
	r->created = be32(p + 12);
	r->touched = be32(p + 16);
	return (0);
}

/* udsd_record_key - kind and digest */

void
udsd_record_key(unsigned int kind, const uint8_t *digest, uint8_t *key)
{
	key[0] = (uint8_t)kind;
	memcpy(key + 1, digest, UDS_DIGEST_LEN);
}

/* udsd_record_alive - not yet expired */

int
udsd_record_alive(const struct udsd_record *r, uint32_t now)
{
	return ((uint64_t)r->touched * 1000 + udsd_conf.ttl_ms >
	    (uint64_t)now * 1000);
}

/* udsd_result - an item's answer from its record */

void
udsd_result(const struct udsd_record *r, unsigned int votes,
    struct uds_res *res)
{
	res->votes = (uint8_t)votes;
	res->flag = r->flag;
	res->count = r->count;
	res->hits = r->hits;
	if (r->flag == UDS_FLAG_HAM)
		res->result = UDS_R_HAM;
	else if (r->count >= udsd_conf.threshold && r->count > 0)
		res->result = UDS_R_HIT;
	else
		res->result = UDS_R_BELOW;
}

/* udsd_votes_add - one shingle's digests into the tally */

void
udsd_votes_add(struct udsd_votes *v, unsigned int shingle,
    const uint8_t *value, size_t vlen)
{
	size_t		 i, j;
	uint32_t	 bit = (uint32_t)1 << (shingle & 31);

	for (i = 0; i + UDS_DIGEST_LEN <= vlen && i / UDS_DIGEST_LEN <
	    UDSD_MAX_IDS; i += UDS_DIGEST_LEN) {
		for (j = 0; j < v->n; j++)
			if (memcmp(v->c[j].digest, value + i,
			    UDS_DIGEST_LEN) == 0)
				break;
		if (j == v->n) {
			if (v->n == sizeof(v->c) / sizeof(v->c[0]))
				return;
			memcpy(v->c[j].digest, value + i, UDS_DIGEST_LEN);
			v->c[j].votes = 0;
			v->c[j].shingles = 0;
			v->n++;
		}
		if (!(v->c[j].shingles & bit)) {
			v->c[j].shingles |= bit;
			v->c[j].votes++;
		}
	}
}

/* votes_cmp - more votes first */

static int
votes_cmp(const void *a, const void *b)
{
	const struct udsd_cand *x = a, *y = b;

	return (x->votes < y->votes ? 1 : x->votes > y->votes ? -1 : 0);
}

/* udsd_votes_rank - candidates in order; how many reach the threshold */

size_t
udsd_votes_rank(struct udsd_votes *v, unsigned int threshold)
{
	size_t	 i;

	if (v->n > 1)
		qsort(v->c, v->n, sizeof(v->c[0]), votes_cmp);
	for (i = 0; i < v->n && v->c[i].votes >= threshold; i++)
		;
	return (i);
}

/* udsd_shingle_push - digest in front, no duplicate, at most max_ids */

size_t
udsd_shingle_push(const uint8_t *old, size_t oldlen, const uint8_t *digest,
    unsigned int max_ids, uint8_t *out)
{
	size_t	 i, n = UDS_DIGEST_LEN;

	memcpy(out, digest, UDS_DIGEST_LEN);
	for (i = 0; i + UDS_DIGEST_LEN <= oldlen &&
	    n / UDS_DIGEST_LEN < max_ids; i += UDS_DIGEST_LEN) {
		if (memcmp(old + i, digest, UDS_DIGEST_LEN) == 0)
			continue;
		memcpy(out + n, old + i, UDS_DIGEST_LEN);
		n += UDS_DIGEST_LEN;
	}
	return (n);
}

/* udsd_shingle_filter - the digests keep() wants */

size_t
udsd_shingle_filter(const uint8_t *val, size_t len,
    int (*keep)(const uint8_t *, void *), void *arg, uint8_t *out)
{
	size_t	 i, n = 0;

	for (i = 0; i + UDS_DIGEST_LEN <= len; i += UDS_DIGEST_LEN)
		if (keep(val + i, arg)) {
			memmove(out + n, val + i, UDS_DIGEST_LEN);
			n += UDS_DIGEST_LEN;
		}
	return (n);
}
