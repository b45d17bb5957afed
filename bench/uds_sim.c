/*
 * uds_sim.c - what UDS's signatures can tell apart, without a server
 *
 *   uds_sim [-k BYTE] [-m MAX_IDS] [-l VOTES] [-x VOTES] STOREDIR CHECKDIR...
 *
 * Signs every message below STOREDIR as winnowd would (content/'s decoded
 * text, then uds_sig under a hashing key of 32 bytes BYTE, default 7) into
 * an in-memory index built like winnow-udsd's (exact digests; each shingle
 * value naming the MAX_IDS texts that had it last, default 8), then signs
 * every message of each CHECKDIR and prints, per directory, how many would
 * hit by the exact text digest, by the link set, and by shingles at vote
 * thresholds 4 to 16 ("all" adds the exact hits).  -l lists every message
 * with at least VOTES votes (and every link-set hit); -x every message
 * with a text item and fewer than VOTES.
 *
 * For tuning the normaliser and the thresholds, and for the largest vote a
 * ham message gets under several keys (bench/uds-bench); the detection
 * figures quoted come from real servers.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

#include "content.h"
#include "mailsrc.h"

#include "uds_sig.h"

#define MAX_IDS		16
#define NTH		6

struct ent {
	uint64_t	 key;	/* shingle value, or 8 digest bytes ^ kind */
	uint32_t	 id;
};

static struct ent	*shg, *dig;
static size_t		 nshg, ndig, capshg, capdig;
static struct uds_sigkey key;
static size_t		 max_ids = 8;
static const int	 th[NTH] = { 4, 6, 8, 10, 12, 16 };

/* d8 - a digest and its kind as one number */

static uint64_t
d8(const uint8_t *d, int kind)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | d[i];
	return (v ^ (uint64_t)kind);
}

/* push - one index entry */

static void
push(struct ent **a, size_t *n, size_t *cap, uint64_t k, uint32_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*a = xreallocarray(*a, *cap, sizeof(**a));
	}
	(*a)[*n].key = k;
	(*a)[(*n)++].id = id;
}

/* cmp - by key, newest first */

static int
cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->key != y->key)
		return (x->key < y->key ? -1 : 1);
	return (x->id < y->id ? 1 : x->id > y->id ? -1 : 0);
}

/* find - the first entry of a key */

static const struct ent *
find(const struct ent *a, size_t n, uint64_t k)
{
	size_t	 lo = 0, hi = n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (a[m].key < k)
			lo = m + 1;
		else
			hi = m;
	}
	return (lo < n && a[lo].key == k ? &a[lo] : NULL);
}

/* sign - the items of a message */

static void
sign(const char *data, size_t len, struct uds_sigset *s)
{
	struct msg_view	 v;
	struct content_msg *cm;

	content_view_init(&v, data, len);
	cm = content_parse(&v);
	v.text = content_text(cm, &v.text_len);
	uds_sigset_init(s);
	uds_sig_text(&key, s, v.text, v.text_len);
	content_msg_free(cm);
}

/* votes - the best stored text's votes for a text item's shingles */

static unsigned int
votes(const struct uds_item *it)
{
	static uint32_t	 ids[UDS_SHINGLES * MAX_IDS];
	const struct ent *e;
	unsigned int	 i, j, n = 0, best = 0, c;
	size_t		 k;

	for (i = 0; i < it->nshingles; i++)
		if ((e = find(shg, nshg, it->shingle[i])) != NULL)
			for (k = 0; k < max_ids && e + k < shg + nshg &&
			    e[k].key == it->shingle[i]; k++)
				ids[n++] = e[k].id;
	for (i = 0; i < n; i++) {
		for (c = 0, j = 0; j < n; j++)
			c += ids[j] == ids[i];
		if (c > best)
			best = c;
	}
	return (best);
}

/* store - index every message of a directory */

static unsigned int
store(const char *dir)
{
	struct buf	*why = buf_new(64);
	struct mailsrc	*ms;
	struct uds_sigset s;
	const char	*data, *name;
	size_t		 len, i;
	uint32_t	 id = 0;
	int		 c, a;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		log_fatal("%s", buf_str(why));
	while ((c = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (c < 0)
			continue;
		sign(data, len, &s);
		id++;
		for (i = 0; i < s.nitems; i++) {
			const struct uds_item *it = &s.item[i];

			push(&dig, &ndig, &capdig, d8(it->digest, it->kind),
			    id);
			for (a = 0; a < it->nshingles; a++)
				push(&shg, &nshg, &capshg, it->shingle[a], id);
		}
	}
	mailsrc_close(ms);
	buf_free(why);
	qsort(shg, nshg, sizeof(*shg), cmp);
	qsort(dig, ndig, sizeof(*dig), cmp);
	return (id);
}

/* check - the table line of one directory */

static void
check(const char *dir, int list, int miss)
{
	struct buf	*why = buf_new(64);
	struct mailsrc	*ms;
	struct uds_sigset s;
	const char	*data, *name;
	unsigned long	 n = 0, nosig = 0, ex = 0, ln = 0, sh[NTH] = { 0 },
			 all[NTH] = { 0 };
	size_t		 len, i;
	int		 c;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		log_fatal("%s", buf_str(why));
	while ((c = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		const struct uds_item *t, *l;
		unsigned int v = 0;
		int e, li;

		if (c < 0)
			continue;
		sign(data, len, &s);
		n++;
		t = uds_sigset_find(&s, UDS_KIND_TEXT);
		l = uds_sigset_find(&s, UDS_KIND_LINKS);
		nosig += t == NULL && l == NULL;
		e = t != NULL && find(dig, ndig, d8(t->digest, UDS_KIND_TEXT));
		li = l != NULL && find(dig, ndig, d8(l->digest,
		    UDS_KIND_LINKS));
		if (t != NULL && t->nshingles)
			v = votes(t);
		ex += e;
		ln += li;
		for (i = 0; i < NTH; i++) {
			sh[i] += v >= (unsigned int)th[i];
			all[i] += e || v >= (unsigned int)th[i];
		}
		if (list > 0 && (e || li || v >= (unsigned int)list))
			(void)printf("  %s e=%d l=%d v=%u words=%u\n", name, e,
			    li, v, s.words);
		if (miss > 0 && !e && t != NULL && v < (unsigned int)miss)
			(void)printf("  miss %s words=%u v=%u\n", name, s.words,
			    v);
	}
	mailsrc_close(ms);
	buf_free(why);
	(void)printf("%-40.40s %6lu %6lu %6lu %6lu", dir, n, nosig, ex, ln);
	for (i = 0; i < NTH; i++)
		(void)printf("  %5lu %4lu", sh[i], all[i]);
	(void)printf("\n");
}

int
main(int argc, char **argv)
{
	struct buf	*why = buf_new(128);
	uint8_t		 hk[UDS_KEY_LEN];
	int		 c, a, kb = 7, list = 0, miss = 0;
	unsigned int	 n;
	size_t		 i;

	while ((c = getopt(argc, argv, "k:m:l:x:")) != -1) {
		switch (c) {
		case 'k':
			kb = atoi(optarg);
			break;
		case 'm':
			max_ids = strtoul(optarg, NULL, 10);
			if (max_ids < 1 || max_ids > MAX_IDS)
				max_ids = 8;
			break;
		case 'l':
			list = atoi(optarg);
			break;
		case 'x':
			miss = atoi(optarg);
			break;
		default:
			return (64);
		}
	}
	if (argc - optind < 2) {
		(void)fprintf(stderr, "usage: uds_sim [-k BYTE] [-m MAX_IDS] "
		    "[-l VOTES] [-x VOTES] STOREDIR CHECKDIR...\n");
		return (64);
	}
	log_init("uds_sim");
	log_to_stderr();
	content_conf_register();
	if (conf_load(NULL, why) != WN_OK || content_load(why) != WN_OK)
		log_fatal("%s", buf_str(why));
	memset(hk, kb, sizeof(hk));
	uds_sigkey_derive(&key, hk);
	n = store(argv[optind]);
	(void)printf("store: %u messages, %zu digests, %zu shingles\n", n,
	    ndig, nshg);
	(void)printf("%-40s %6s %6s %6s %6s", "dir", "msgs", "nosig", "exact",
	    "links");
	for (i = 0; i < NTH; i++)
		(void)printf("  v>=%-2d all", th[i]);
	(void)printf("\n");
	for (a = optind + 1; a < argc; a++)
		check(argv[a], list, miss);
	return (0);
}
