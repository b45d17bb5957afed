/*
 * dnscache.c - the per-child DNS answer cache
 *
 * Each child keeps the answers it got, for as long as their TTL says and
 * at most [dns] cache_max_ttl (cache_max_negative_ttl for NXDOMAIN and
 * NODATA, whose TTL comes from the zone's SOA; see dnsmsg.c).  SERVFAILs
 * and timeouts are never cached.  The cache holds at most max_entries
 * answers; when full, the least recently used one goes.  Lookups on an
 * expired entry remove it.
 *
 * A hash table with chaining (FNV-1a over type and name, a power-of-two
 * number of buckets, at least twice max_entries) finds entries; a doubly
 * linked list keeps them in order of use.  A mutex makes the cache safe
 * for the DNS worker thread of one message and whoever else looks.
 *
 * Times are monotonic milliseconds given by the caller, so tests can move
 * the clock.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "log.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl_private.h"

struct dnscache_ent {
	struct dnscache_ent *hnext;		/* hash chain */
	struct dnscache_ent *prev, *next;	/* use order, newest first */
	uint32_t	 hash;
	uint16_t	 type;
	uint64_t	 expires;		/* monotonic ms */
	struct dnsans	*ans;
	char		 name[];
};

struct dnscache {
	pthread_mutex_t	 lock;
	size_t		 max, count, nbuckets;
	unsigned int	 max_ttl, max_neg_ttl;	/* seconds */
	struct dnscache_ent **bucket;
	struct dnscache_ent *head, *tail;
	struct dnscache_stats stats;
};

/* dnscache_hash - FNV-1a over the type and the name */

static uint32_t
dnscache_hash(const char *name, uint16_t type)
{
	uint32_t	 h = 2166136261u;

	h = (h ^ (type & 0xff)) * 16777619u;
	h = (h ^ (type >> 8)) * 16777619u;
	while (*name != '\0')
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return (h);
}

/* dnscache_new - an empty cache; max_entries 0 caches nothing */

struct dnscache *
dnscache_new(size_t max_entries, unsigned int max_ttl_s,
    unsigned int max_neg_ttl_s)
{
	struct dnscache	*c;

	c = xcalloc(1, sizeof(*c));
	if (pthread_mutex_init(&c->lock, NULL) != 0)
		log_fatal("dnscache_new: pthread_mutex_init failed");
	c->max = max_entries;
	c->max_ttl = max_ttl_s;
	c->max_neg_ttl = max_neg_ttl_s;
	c->nbuckets = 16;
	while (c->nbuckets < max_entries * 2 && c->nbuckets < (1u << 24))
		c->nbuckets *= 2;
	c->bucket = xcalloc(c->nbuckets, sizeof(*c->bucket));
	return (c);
}

/* dnscache_unlink - take an entry out of both structures and free it */

static void
dnscache_unlink(struct dnscache *c, struct dnscache_ent *e)
{
	struct dnscache_ent **pp;

	for (pp = &c->bucket[e->hash & (c->nbuckets - 1)]; *pp != e;
	    pp = &(*pp)->hnext)
		if (*pp == NULL)
			log_panic("dnscache_unlink: entry not in its bucket");
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->count--;
	dnsans_free(e->ans);
	free(e);
}

/* dnscache_flush_locked - drop everything */

static void
dnscache_flush_locked(struct dnscache *c)
{
	while (c->head != NULL)
		dnscache_unlink(c, c->head);
}

/* dnscache_free - release the cache; NULL is a no-op */

void
dnscache_free(struct dnscache *c)
{
	if (c == NULL)
		return;
	dnscache_flush_locked(c);
	free(c->bucket);
	(void)pthread_mutex_destroy(&c->lock);
	free(c);
}

/* dnscache_find - the entry for a question, or NULL */

static struct dnscache_ent *
dnscache_find(struct dnscache *c, const char *name, uint16_t type,
    uint32_t hash)
{
	struct dnscache_ent *e;

	for (e = c->bucket[hash & (c->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == hash && e->type == type &&
		    strcmp(e->name, name) == 0)
			return (e);
	return (NULL);
}

/* dnscache_touch - move an entry to the front of the use order */

static void
dnscache_touch(struct dnscache *c, struct dnscache_ent *e)
{
	if (c->head == e)
		return;
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = NULL;
	e->next = c->head;
	c->head->prev = e;
	c->head = e;
}

/* dnscache_get - a copy of a live answer, or NULL */

struct dnsans *
dnscache_get(struct dnscache *c, const char *name, uint16_t type,
    uint64_t now_ms)
{
	struct dnscache_ent *e;
	struct dnsans	*a = NULL;

	if (c == NULL)
		return (NULL);
	(void)pthread_mutex_lock(&c->lock);
	e = dnscache_find(c, name, type, dnscache_hash(name, type));
	if (e != NULL && now_ms >= e->expires) {
		dnscache_unlink(c, e);
		c->stats.expired++;
		e = NULL;
	}
	if (e != NULL) {
		dnscache_touch(c, e);
		a = dnsans_dup(e->ans);
		a->ttl = (uint32_t)((e->expires - now_ms + 999) / 1000);
		c->stats.hits++;
	} else
		c->stats.misses++;
	(void)pthread_mutex_unlock(&c->lock);
	return (a);
}

/* dnscache_put - remember a cacheable answer */

void
dnscache_put(struct dnscache *c, const char *name, uint16_t type,
    const struct dnsans *a, uint64_t now_ms)
{
	struct dnscache_ent *e;
	uint32_t	 hash, ttl;
	size_t		 len;

	if (c == NULL || c->max == 0 || !a->cacheable || a->ttl == 0)
		return;
	switch (a->status) {
	case DNSANS_OK:
		ttl = a->ttl < c->max_ttl ? a->ttl : c->max_ttl;
		break;
	case DNSANS_NODATA:
	case DNSANS_NXDOMAIN:
		ttl = a->ttl < c->max_neg_ttl ? a->ttl : c->max_neg_ttl;
		break;
	default:
		return;
	}
	if (ttl == 0)
		return;
	hash = dnscache_hash(name, type);
	len = strlen(name);
	(void)pthread_mutex_lock(&c->lock);
	if ((e = dnscache_find(c, name, type, hash)) != NULL)
		dnscache_unlink(c, e);
	while (c->count >= c->max && c->tail != NULL) {
		dnscache_unlink(c, c->tail);
		c->stats.evictions++;
	}
	e = xcalloc(1, sizeof(*e) + len + 1);
	memcpy(e->name, name, len + 1);
	e->hash = hash;
	e->type = type;
	e->expires = now_ms + (uint64_t)ttl * 1000;
	e->ans = dnsans_dup(a);
	e->hnext = c->bucket[hash & (c->nbuckets - 1)];
	c->bucket[hash & (c->nbuckets - 1)] = e;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
	c->count++;
	c->stats.inserts++;
	(void)pthread_mutex_unlock(&c->lock);
}

/* dnscache_count - entries held (live or not yet noticed expired) */

size_t
dnscache_count(struct dnscache *c)
{
	size_t	 n;

	if (c == NULL)
		return (0);
	(void)pthread_mutex_lock(&c->lock);
	n = c->count;
	(void)pthread_mutex_unlock(&c->lock);
	return (n);
}

/* dnscache_flush - drop every entry */

void
dnscache_flush(struct dnscache *c)
{
	if (c == NULL)
		return;
	(void)pthread_mutex_lock(&c->lock);
	dnscache_flush_locked(c);
	(void)pthread_mutex_unlock(&c->lock);
}

/* dnscache_get_stats - counters since creation */

void
dnscache_get_stats(struct dnscache *c, struct dnscache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	(void)pthread_mutex_lock(&c->lock);
	*st = c->stats;
	(void)pthread_mutex_unlock(&c->lock);
}
