/*
 * svec.c - a set of counters keyed by metric and dimensions
 *
 * An open-addressing hash table of (key, value) pairs that doubles when
 * half full; key 0 marks an empty slot (no metric is 0).  Group names are a
 * small array searched linearly: a site has a handful of groups.
 *
 * The packed form is the unit of the statistics store (sstore.c), so
 * svec_unpack is a parser of possibly damaged input: every length is
 * checked against what is left, and fuzz/fuzz_sstore.c feeds it garbage.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* findings, policy: the names of the statuses and actions */
#include "findings.h"
#include "policy.h"

/* stats */
#include "svec.h"

#define SVEC_VERSION	1

const unsigned int svec_bucket_ms[SLAT_NBUCKETS - 1] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000
};

struct svec_cell {
	uint32_t	 key;
	uint64_t	 val;
};

struct svec {
	struct svec_cell *cell;
	size_t		 cap;		/* a power of two */
	size_t		 n;
	char		**group;
	unsigned int	 ngroups;
};

/* svec_hash - spread a key over the table */

static size_t
svec_hash(uint32_t k, size_t cap)
{
	k ^= k >> 16;
	k *= 0x7feb352dU;
	k ^= k >> 15;
	k *= 0x846ca68bU;
	k ^= k >> 16;
	return ((size_t)k & (cap - 1));
}

/* svec_new - an empty vector */

struct svec *
svec_new(void)
{
	struct svec	*v = xcalloc(1, sizeof(*v));

	v->cap = 64;
	v->cell = xcalloc(v->cap, sizeof(*v->cell));
	return (v);
}

/* svec_reset - forget every counter and group */

void
svec_reset(struct svec *v)
{
	unsigned int	 i;

	memset(v->cell, 0, v->cap * sizeof(*v->cell));
	v->n = 0;
	for (i = 0; i < v->ngroups; i++)
		free(v->group[i]);
	v->ngroups = 0;
}

/* svec_free - release a vector */

void
svec_free(struct svec *v)
{
	if (v == NULL)
		return;
	svec_reset(v);
	free(v->group);
	free(v->cell);
	free(v);
}

/* svec_find - the slot of a key, or the empty slot where it would go */

static struct svec_cell *
svec_find(const struct svec *v, uint32_t key)
{
	size_t	 i = svec_hash(key, v->cap);

	while (v->cell[i].key != 0 && v->cell[i].key != key)
		i = (i + 1) & (v->cap - 1);
	return (&v->cell[i]);
}

/* svec_grow - double the table */

static void
svec_grow(struct svec *v)
{
	struct svec_cell *old = v->cell;
	size_t		 i, oldcap = v->cap;

	v->cap *= 2;
	v->cell = xcalloc(v->cap, sizeof(*v->cell));
	for (i = 0; i < oldcap; i++)
		if (old[i].key != 0)
			*svec_find(v, old[i].key) = old[i];
	free(old);
}

/* svec_add - add to a counter */

void
svec_add(struct svec *v, uint32_t key, uint64_t n)
{
	struct svec_cell *c;

	if (key == 0)
		log_panic("svec_add: key 0");
	if ((v->n + 1) * 2 > v->cap)
		svec_grow(v);
	c = svec_find(v, key);
	if (c->key == 0) {
		c->key = key;
		v->n++;
	}
	c->val += n;
}

/* svec_get - a counter's value */

uint64_t
svec_get(const struct svec *v, uint32_t key)
{
	return (svec_find(v, key)->val);
}

/* svec_group - the index of a group name, added if new */

unsigned int
svec_group(struct svec *v, const char *name)
{
	unsigned int	 i;
	size_t		 len = strlen(name);

	if (len > SVEC_NAME_MAX)
		len = SVEC_NAME_MAX;
	for (i = 0; i < v->ngroups; i++)
		if (strncmp(v->group[i], name, len) == 0 &&
		    v->group[i][len] == '\0')
			return (i);
	/* The last index is kept for "other". */
	if (v->ngroups >= SVEC_MAX_GROUPS - 1 && strcmp(name, "other") != 0)
		return (svec_group(v, "other"));
	v->group = xreallocarray(v->group, v->ngroups + 1, sizeof(char *));
	v->group[v->ngroups] = xstrndup(name, len);
	return (v->ngroups++);
}

/* svec_group_name - the name of a group index */

const char *
svec_group_name(const struct svec *v, unsigned int i)
{
	return (i < v->ngroups ? v->group[i] : "?");
}

/* svec_ngroups - how many group names */

unsigned int
svec_ngroups(const struct svec *v)
{
	return (v->ngroups);
}

/* svec_merge - add src into dst, groups matched by name */

void
svec_merge(struct svec *dst, const struct svec *src)
{
	unsigned int	 map[SVEC_MAX_GROUPS], i, m;
	size_t		 k;
	uint32_t	 key;

	for (i = 0; i < src->ngroups; i++)
		map[i] = svec_group(dst, src->group[i]);
	for (k = 0; k < src->cap; k++) {
		if ((key = src->cell[k].key) == 0)
			continue;
		m = SKEY_METRIC(key);
		if (SMETRIC_HAS_GROUP(m) && SKEY_A(key) < src->ngroups)
			key = SKEY(m, map[SKEY_A(key)], SKEY_B(key),
			    SKEY_C(key));
		svec_add(dst, key, src->cell[k].val);
	}
}

/* svec_count - counters in use */

size_t
svec_count(const struct svec *v)
{
	return (v->n);
}

/* svec_at - the i-th counter in use */

void
svec_at(const struct svec *v, size_t i, uint32_t *key_r, uint64_t *val_r)
{
	size_t	 k;

	for (k = 0; k < v->cap; k++) {
		if (v->cell[k].key == 0)
			continue;
		if (i-- == 0) {
			*key_r = v->cell[k].key;
			*val_r = v->cell[k].val;
			return;
		}
	}
	log_panic("svec_at: index out of range");
}

/* svec_sum - the sum of a metric's counters matching some dimensions */

uint64_t
svec_sum(const struct svec *v, unsigned int metric, int a, int spam, int av,
    int c)
{
	uint64_t	 sum = 0;
	uint32_t	 key;
	size_t		 k;

	for (k = 0; k < v->cap; k++) {
		if ((key = v->cell[k].key) == 0 || SKEY_METRIC(key) != metric)
			continue;
		if ((a >= 0 && SKEY_A(key) != (unsigned)a) ||
		    (c >= 0 && SKEY_C(key) != (unsigned)c))
			continue;
		if (SMETRIC_HAS_GROUP(metric) ?
		    ((spam >= 0 && SKEY_SPAM(key) != (unsigned)spam) ||
		    (av >= 0 && SKEY_AV(key) != (unsigned)av)) :
		    (spam >= 0 && SKEY_B(key) != (unsigned)spam))
			continue;
		sum += v->cell[k].val;
	}
	return (sum);
}

/* svec_put_u32 - a big-endian 32-bit integer */

static void
svec_put_u32(struct buf *out, uint32_t x)
{
	unsigned char	 b[4] = { x >> 24, x >> 16, x >> 8, x };

	buf_append(out, b, 4);
}

/* svec_pack - the packed form */

void
svec_pack(const struct svec *v, struct buf *out)
{
	unsigned char	 b[10];
	unsigned int	 i;
	size_t		 k, n, len;
	uint64_t	 x;

	buf_putc(out, SVEC_VERSION);
	buf_putc(out, (int)(v->ngroups >> 8));
	buf_putc(out, (int)(v->ngroups & 0xff));
	for (i = 0; i < v->ngroups; i++) {
		len = strlen(v->group[i]);
		buf_putc(out, (int)len);
		buf_append(out, v->group[i], len);
	}
	svec_put_u32(out, (uint32_t)v->n);
	for (k = 0; k < v->cap; k++) {
		if (v->cell[k].key == 0)
			continue;
		svec_put_u32(out, v->cell[k].key);
		x = v->cell[k].val;
		n = 0;
		do {
			b[n] = x & 0x7f;
			x >>= 7;
			if (x != 0)
				b[n] |= 0x80;
			n++;
		} while (x != 0);
		buf_append(out, b, n);
	}
}

struct svec_in {
	const unsigned char *p;
	size_t		 left;
	struct buf	*why;
};

/* svec_take - n bytes of the input, or NULL (why filled) */

static const unsigned char *
svec_take(struct svec_in *in, size_t n, const char *what)
{
	const unsigned char *p = in->p;

	if (in->left < n) {
		buf_printf(in->why, "truncated in %s", what);
		return (NULL);
	}
	in->p += n;
	in->left -= n;
	return (p);
}

/* svec_varint - an unsigned LEB128 value */

static int
svec_varint(struct svec_in *in, uint64_t *x_r)
{
	const unsigned char *p;
	uint64_t	 x = 0;
	unsigned int	 shift = 0;

	do {
		if ((p = svec_take(in, 1, "a counter value")) == NULL)
			return (-1);
		if (shift == 63 && (*p & 0x7e) != 0) {
			buf_puts(in->why, "a counter value over 64 bits");
			return (-1);
		}
		x |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
	} while ((*p & 0x80) && shift < 70);
	if (*p & 0x80) {
		buf_puts(in->why, "a counter value over 10 bytes");
		return (-1);
	}
	*x_r = x;
	return (0);
}

/* svec_unpack_groups - the group names; their indexes in v into map */

static int
svec_unpack_groups(struct svec *v, struct svec_in *in, unsigned int *map,
    unsigned int *n_r)
{
	const unsigned char *p;
	char		 name[SVEC_NAME_MAX + 1];
	unsigned int	 i, n, len, k;

	if ((p = svec_take(in, 2, "the group count")) == NULL)
		return (-1);
	n = (unsigned)p[0] << 8 | p[1];
	if (n > SVEC_MAX_GROUPS) {
		buf_printf(in->why, "%u groups (at most %d)", n,
		    SVEC_MAX_GROUPS);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((p = svec_take(in, 1, "a group name")) == NULL)
			return (-1);
		len = *p;
		if (len == 0 || len > SVEC_NAME_MAX) {
			buf_printf(in->why, "a group name of %u bytes", len);
			return (-1);
		}
		if ((p = svec_take(in, len, "a group name")) == NULL)
			return (-1);
		for (k = 0; k < len; k++)
			if (p[k] < 0x21 || p[k] == 0x7f) {
				buf_puts(in->why, "a group name with a "
				    "control byte or space");
				return (-1);
			}
		memcpy(name, p, len);
		name[len] = '\0';
		map[i] = svec_group(v, name);
	}
	*n_r = n;
	return (0);
}

/* svec_unpack - decode a packed vector, checking everything */

int
svec_unpack(struct svec *v, const void *data, size_t len, struct buf *why)
{
	struct svec_in	 in = { data, len, why };
	const unsigned char *p;
	unsigned int	 map[SVEC_MAX_GROUPS], ng, m;
	uint32_t	 i, n, key;
	uint64_t	 x;

	if ((p = svec_take(&in, 1, "the version")) == NULL)
		return (WN_PERM);
	if (*p != SVEC_VERSION) {
		buf_printf(why, "unknown version %u", *p);
		return (WN_PERM);
	}
	if (svec_unpack_groups(v, &in, map, &ng) < 0 ||
	    (p = svec_take(&in, 4, "the counter count")) == NULL)
		return (WN_PERM);
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (n > in.left / 5) {
		buf_printf(why, "%u counters in %zu bytes", n, in.left);
		return (WN_PERM);
	}
	for (i = 0; i < n; i++) {
		if ((p = svec_take(&in, 4, "a key")) == NULL ||
		    svec_varint(&in, &x) < 0)
			return (WN_PERM);
		key = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		m = SKEY_METRIC(key);
		if (m == 0 || m >= SM_NMETRICS) {
			buf_printf(why, "unknown metric %u", m);
			return (WN_PERM);
		}
		if (SMETRIC_HAS_GROUP(m)) {
			if (SKEY_A(key) >= ng) {
				buf_printf(why, "group index %u of %u",
				    SKEY_A(key), ng);
				return (WN_PERM);
			}
			key = SKEY(m, map[SKEY_A(key)], SKEY_B(key),
			    SKEY_C(key));
		}
		svec_add(v, key, x);
	}
	if (in.left != 0) {
		buf_printf(why, "%zu bytes after the counters", in.left);
		return (WN_PERM);
	}
	return (WN_OK);
}

/* svec_spam_name - a spam status code's name */

const char *
svec_spam_name(unsigned int s)
{
	if (s < SPAM_STATUS_COUNT)
		return (findings_spam_name((enum spam_status)s));
	return (s == SPAM_UNFILTERED ? "unfiltered" : "?");
}

/* svec_av_name - an AV status code's name */

const char *
svec_av_name(unsigned int s)
{
	return (s < AV_STATUS_COUNT ? findings_av_name((enum av_status)s) :
	    "?");
}

/* The enum policy_action of each action code (-1: ACTION_NONE); a code
 * never changes meaning, new actions take new codes. */
static const int svec_actions[SACTION_N] = {
	POLICY_ACCEPT, POLICY_COPY, POLICY_REMOVE, POLICY_REDIRECT,
	POLICY_DROP, POLICY_QUARANTINE, POLICY_REJECT, POLICY_TEMPFAIL,
	-1, POLICY_RENAME, POLICY_REPLACE
};
_Static_assert(SACTION_N == POLICY_NACTIONS + 1,
    "every policy action needs a stable action code");

/* svec_action_code - the code an action is counted under */

unsigned int
svec_action_code(int action)
{
	unsigned int	 a;

	for (a = 0; a < SACTION_N; a++)
		if (svec_actions[a] == action)
			return (a);
	return (ACTION_NONE);
}

/* svec_action_name - an action code's name */

const char *
svec_action_name(unsigned int a)
{
	if (a >= SACTION_N)
		return ("?");
	if (svec_actions[a] < 0)
		return ("none");
	return (policy_action_name(svec_actions[a]));
}

/* svec_check_name - a counted check's name */

const char *
svec_check_name(unsigned int c)
{
	static const char *const names[SCHECK_N] = {
		"content", "av", "dnsbl", "rdns", "spf", "surbl", "uds"
	};

	return (c < SCHECK_N ? names[c] : "?");
}

/* svec_lat_name - a timed check's name */

const char *
svec_lat_name(unsigned int c)
{
	static const char *const names[SLAT_N] = {
		"content", "av", "dns", "uds"
	};

	return (c < SLAT_N ? names[c] : "?");
}

/* svec_bucket - the histogram bucket of a duration */

unsigned int
svec_bucket(uint64_t us)
{
	unsigned int	 i;

	for (i = 0; i < SLAT_NBUCKETS - 1; i++)
		if (us <= (uint64_t)svec_bucket_ms[i] * 1000)
			return (i);
	return (SLAT_NBUCKETS - 1);
}
