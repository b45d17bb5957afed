/*
 * avcache.c - the verdict cache every child shares, and the memory of
 * messages that hit a limit
 *
 * One table in shared memory, made by the master before it forks (an
 * anonymous MAP_SHARED mapping, so every child and every scan process
 * forked from a child reads and writes the same pages, and the table
 * outlives any child: a recycled child finds what its predecessors
 * scanned).  Two kinds of entry live in it:
 *
 *   object	an object libclamav scanned (a decoded MIME part, the raw
 *		message) and its verdict: clean, or the names found.  Keyed
 *		by the SHA-256 of its bytes, how it was scanned (with or
 *		without libclamav's mail parser) and the engine epoch (the
 *		engine's build number and database version), so a reload
 *		never answers from an older database; the master also
 *		empties the table when it installs a new engine.  Scans
 *		that did not complete (a limit, a time-out, an error) are
 *		never stored.
 *   limit	a message (its digest without the trace fields in front:
 *		a retry through a before-queue proxy gets a new Received:
 *		line) that hit a scan limit or the time limit, with the
 *		names, for [av] limit_memory: a retry is answered from here
 *		at once instead of paying the scan again.
 *
 * The table is set-associative: AVCACHE_WAYS entries per set, the set
 * chosen by the key, the least recently used entry of a full set
 * replaced, so its size is fixed ([av] cache_entries).  Each set has a
 * spin lock taken with a bounded number of tries; a set that stays busy
 * (its holder was killed while it held it, which a scan process killed
 * at its time bound can be) is skipped: a miss, never a wait.  Entries
 * are copied in and out under the lock, and each carries a check value of
 * its contents, so an entry torn by a writer that was killed midway, or
 * written while the master emptied the table, is never read as valid.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <clamav.h>

/* lib */
#include "log.h"
#include "timeutil.h"

/* av */
#include "av_private.h"

#define AVCACHE_MAGIC	0x77696e6e6f776176ULL	/* "winnowav" */
#define AVCACHE_WAYS	4
#define AVCACHE_TRIES	2000

struct avcache_ent {
	uint64_t	 stamp;		/* ms: last use (object), expiry
					 * (limit) */
	uint64_t	 epoch;
	uint64_t	 check;		/* avcache_check() of the rest */
	uint8_t		 kind;		/* 0: empty */
	uint8_t		 pad[7];
	unsigned char	 key[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES];	/* '\n'-separated; "" clean */
};

struct avcache_set {
	uint32_t	 lock;
	uint32_t	 pad;
	struct avcache_ent e[AVCACHE_WAYS];
};

struct avcache_hdr {
	uint64_t	 magic;
	uint64_t	 nsets;
	uint64_t	 count[AVCACHE_COUNTERS];
};

static struct avcache_hdr *avcache;		/* NULL: no cache */
void		(*avcache_test_hook)(void);		/* under a lock */
static size_t		 avcache_size;		/* bytes mapped */

/* avcache_check - FNV-1a over what an entry says */

static uint64_t
avcache_check(const struct avcache_ent *e)
{
	const unsigned char *p;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	h = (h ^ e->kind) * 0x100000001b3ULL;
	for (i = 0; i < 8; i++)
		h = (h ^ ((e->epoch >> (i * 8)) & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < AVCACHE_KEY; i++)
		h = (h ^ e->key[i]) * 0x100000001b3ULL;
	for (p = (const unsigned char *)e->names; p < (const unsigned char *)
	    e->names + AVCACHE_NAMES && *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (h);
}

/* avcache_setup - make (or remake) the table for entries entries and
 * empty it; 0 entries: no cache (master, before fork) */

void
avcache_setup(size_t entries)
{
	size_t	 nsets, size;
	void	*p;

	nsets = (entries + AVCACHE_WAYS - 1) / AVCACHE_WAYS;
	size = nsets > 0 ? sizeof(struct avcache_hdr) +
	    nsets * sizeof(struct avcache_set) : 0;
	if (avcache != NULL && size == avcache_size) {
		avcache_clear();
		return;
	}
	if (avcache != NULL)
		(void)munmap(avcache, avcache_size);
	avcache = NULL;
	avcache_size = 0;
	if (size == 0)
		return;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_error("av: cannot map the verdict cache (%zu bytes): %s; "
		    "scanning without it", size, strerror(errno));
		return;
	}
	avcache = p;
	avcache_size = size;
	avcache->magic = AVCACHE_MAGIC;
	avcache->nsets = nsets;
}

/* avcache_clear - empty the table (a new engine: nothing in it holds) */

void
avcache_clear(void)
{
	struct avcache_set *s;
	uint64_t	 i;

	if (avcache == NULL)
		return;
	s = (struct avcache_set *)(avcache + 1);
	/* Locks too: a set whose holder died is usable again (a live
	 * writer finishing now writes an entry of the old epoch, or a torn
	 * one that its check value rejects). */
	for (i = 0; i < avcache->nsets; i++) {
		memset(s[i].e, 0, sizeof(s[i].e));
		__atomic_store_n(&s[i].lock, 0, __ATOMIC_RELEASE);
	}
	memset(avcache->count, 0, sizeof(avcache->count));
}

/* avcache_on - is there a table? */

int
avcache_on(void)
{
	return (avcache != NULL);
}

/* avcache_digest - the SHA-256 of some bytes; -1 when it cannot be made */

int
avcache_digest(const void *data, size_t len, unsigned char key[AVCACHE_KEY])
{
	unsigned int	 olen = AVCACHE_KEY;

	if (cl_hash_data("sha256", data, len, key, &olen) == NULL ||
	    olen != AVCACHE_KEY)
		return (-1);
	return (0);
}

/* avcache_set_of - the set a key belongs to */

static struct avcache_set *
avcache_set_of(const unsigned char *key)
{
	uint64_t	 h;

	memcpy(&h, key, sizeof(h));
	return ((struct avcache_set *)(avcache + 1) + h % avcache->nsets);
}

/* avcache_lock - take a set's lock in a bounded number of tries */

static int
avcache_lock(struct avcache_set *s)
{
	int	 i;

	for (i = 0; i < AVCACHE_TRIES; i++) {
		if (!__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
			return (0);
		if (i > 16)
			(void)sched_yield();
	}
	return (-1);
}

/* avcache_unlock - release it */

static void
avcache_unlock(struct avcache_set *s)
{
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

/* avcache_count - bump a counter */

static void
avcache_count(int which)
{
	__atomic_add_fetch(&avcache->count[which], 1, __ATOMIC_RELAXED);
}

/* avcache_get - look an entry up: 1 and its names (into names, size
 * bytes) when it is there and current, else 0 */

int
avcache_get(int kind, uint64_t epoch, const unsigned char *key,
    char *names, size_t size)
{
	struct avcache_set *s;
	struct avcache_ent *e;
	uint64_t	 now = time_now_ms();
	int		 i, hit = 0;

	if (avcache == NULL)
		return (0);
	s = avcache_set_of(key);
	if (avcache_lock(s) < 0) {
		avcache_count(AVCACHE_BUSY);
		return (0);
	}
	for (i = 0; i < AVCACHE_WAYS && !hit; i++) {
		e = &s->e[i];
		if (e->kind != kind || e->epoch != epoch ||
		    memcmp(e->key, key, AVCACHE_KEY) != 0)
			continue;
		if (e->names[AVCACHE_NAMES - 1] != '\0' ||
		    e->check != avcache_check(e)) {
			e->kind = 0;		/* torn */
			break;
		}
		if (kind == AVCACHE_LIMIT && e->stamp <= now) {
			e->kind = 0;		/* expired */
			break;
		}
		if (kind != AVCACHE_LIMIT)
			e->stamp = now;
		(void)strncpy(names, e->names, size);
		names[size - 1] = '\0';
		hit = 1;
	}
	avcache_unlock(s);
	avcache_count(hit ? AVCACHE_HITS : AVCACHE_MISSES);
	return (hit);
}

/* avcache_put - store an entry (names "" for clean; names that do not
 * fit are not stored); ttl: ms a limit entry lives */

void
avcache_put(int kind, uint64_t epoch, const unsigned char *key,
    const char *names, uint64_t ttl)
{
	struct avcache_set *s;
	struct avcache_ent *e, *victim = NULL;
	uint64_t	 now = time_now_ms();
	size_t		 nl = strlen(names);
	int		 i;

	if (avcache == NULL || nl >= AVCACHE_NAMES)
		return;
	s = avcache_set_of(key);
	if (avcache_lock(s) < 0) {
		avcache_count(AVCACHE_BUSY);
		return;
	}
	for (i = 0; i < AVCACHE_WAYS; i++) {
		e = &s->e[i];
		if (e->kind == kind && e->epoch == epoch &&
		    memcmp(e->key, key, AVCACHE_KEY) == 0) {
			victim = e;		/* the same: refresh */
			break;
		}
		if (victim == NULL || e->kind == 0 || (victim->kind != 0 &&
		    e->stamp < victim->stamp))
			victim = e;
	}
	if (victim->kind != 0 && memcmp(victim->key, key, AVCACHE_KEY) != 0)
		avcache_count(AVCACHE_EVICTIONS);
	memset(victim, 0, sizeof(*victim));
	victim->kind = (uint8_t)kind;
	victim->epoch = epoch;
	victim->stamp = kind == AVCACHE_LIMIT ? now + ttl : now;
	memcpy(victim->key, key, AVCACHE_KEY);
	memcpy(victim->names, names, nl + 1);
	victim->check = avcache_check(victim);
	if (avcache_test_hook != NULL)
		avcache_test_hook();
	avcache_unlock(s);
	avcache_count(AVCACHE_STORES);
}

/* avcache_counters - the shared counters (zeros without a table) */

void
avcache_counters(uint64_t out[AVCACHE_COUNTERS])
{
	int	 i;

	for (i = 0; i < AVCACHE_COUNTERS; i++)
		out[i] = avcache != NULL ? __atomic_load_n(&avcache->count[i],
		    __ATOMIC_RELAXED) : 0;
}

/* avcache_capacity - entries the table holds (0: no cache) */

size_t
avcache_capacity(void)
{
	return (avcache != NULL ? avcache->nsets * AVCACHE_WAYS : 0);
}
