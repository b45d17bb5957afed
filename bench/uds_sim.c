/*
 * uds_sim.c - what UDS's signatures can tell apart, without a server
 *
 *   uds_sim [-t VOTES] STOREDIR CHECKDIR...
 *
 * Signs every message below STOREDIR as winnowd would (content/'s decoded
 * text, then uds_sig with the public key) into an in-memory index built
 * like winnow-udsd's (exact digests; each shingle value pointing at the
 * last text that had it), then signs every message of each CHECKDIR and
 * prints, per directory and per vote threshold, how many would hit: by
 * exact text, by shingles (votes of the best text >= threshold), by the
 * link set, and in all.  For tuning thresholds and the normaliser; the
 * figures that bench/uds-bench quotes come from a real winnow-udsd.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
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

#define NT	32

struct ent {
	uint64_t	 key;	/* shingle value, or first 8 digest bytes */
	uint32_t	 id;
};

static struct ent	*shg, *dig;
static size_t		 nshg, ndig, capshg, capdig;
static struct uds_sigkey key;
static unsigned int	 sizes[100000];
static unsigned int	 qsize;
static double		 best_cs;

static uint64_t
d8(const uint8_t *d, int kind)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | d[i];
	return (v ^ (uint64_t)kind);
}

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

static int
cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->key != y->key)
		return (x->key < y->key ? -1 : 1);
	return (x->id < y->id ? 1 : x->id > y->id ? -1 : 0);	/* newest */
}

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

/* votes - the best text's votes for a set's shingles */

static unsigned int
votes(const struct uds_item *it)
{
	uint32_t	 ids[NT];
	unsigned int	 i, j, n = 0, best = 0, c;
	const struct ent *e;

	uint32_t	*idv = ids;
	static uint32_t	 many[NT * 64];
	size_t		 k, lim = getenv("SIM_MULTI") ? (size_t)atoi(getenv("SIM_MULTI")) : 1;

	idv = many;
	for (i = 0; i < it->nshingles; i++)
		if ((e = find(shg, nshg, it->shingle[i])) != NULL)
			for (k = 0; k < lim && e + k < shg + nshg &&
			    e[k].key == it->shingle[i]; k++)
				idv[n++] = e[k].id;
	best_cs = 0;
	for (i = 0; i < n; i++) {
		double J, cs, S, Q;

		for (c = 0, j = 0; j < n; j++)
			c += idv[j] == idv[i];
		if (c > best)
			best = c;
		J = c / 32.0;
		S = sizes[idv[i]];
		Q = qsize;
		cs = J * (S + Q) / ((1 + J) * S);
		if (c >= (unsigned)(getenv("SIM_VMIN") ? atoi(getenv("SIM_VMIN")) : 6) && cs > best_cs)
			best_cs = cs;
	}
	return (best);
}

int
main(int argc, char **argv)
{
	struct buf	*why = buf_new(128);
	struct mailsrc	*ms;
	struct uds_sigset s;
	const char	*data, *name;
	size_t		 len, i;
	uint32_t	 id = 0;
	uint8_t		 hk[32];
	int		 c, a, th[] = { 4, 6, 8, 10, 12, 16 };
	int		 th2[] = { 50, 60, 70, 80, 90, 100 };
	unsigned int	 nth = sizeof(th) / sizeof(th[0]);

	while ((c = getopt(argc, argv, "")) != -1)
		return (64);
	if (argc - optind < 2) {
		fprintf(stderr, "usage: uds_sim STOREDIR CHECKDIR...\n");
		return (64);
	}
	log_init("uds_sim");
	log_to_stderr();
	content_conf_register();
	if (conf_load(NULL, why) != WN_OK || content_load(why) != WN_OK) {
		fprintf(stderr, "%s\n", buf_str(why));
		return (1);
	}
	memset(hk, getenv("SIM_KEY") ? atoi(getenv("SIM_KEY")) : 7, sizeof(hk));
	uds_sigkey_derive(&key, hk);
	if ((ms = mailsrc_open(argv[optind], why)) == NULL)
		return (1);
	while ((c = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		const struct uds_item *it;

		if (c < 0)
			continue;
		sign(data, len, &s);
		id++;
		sizes[id] = s.words;
		for (i = 0; i < s.nitems; i++) {
			it = &s.item[i];
			push(&dig, &ndig, &capdig, d8(it->digest, it->kind),
			    id);
			for (a = 0; a < it->nshingles; a++)
				push(&shg, &nshg, &capshg, it->shingle[a], id);
		}
	}
	mailsrc_close(ms);
	qsort(shg, nshg, sizeof(*shg), cmp);
	qsort(dig, ndig, sizeof(*dig), cmp);
	printf("store: %u messages, %zu digests, %zu shingles\n", id, ndig,
	    nshg);
	printf("%-40s %6s %6s %6s %6s", "dir", "msgs", "nosig", "exact",
	    "links");
	for (i = 0; i < nth; i++)
		printf("  v>=%-2d all", th[i]);
	printf("\n");
	for (a = optind + 1; a < argc; a++) {
		unsigned long n = 0, nosig = 0, ex = 0, ln = 0, sh[16] = { 0 },
		    any[16] = { 0 };

		if ((ms = mailsrc_open(argv[a], why)) == NULL)
			return (1);
		while ((c = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
			const struct uds_item *t, *l;
			unsigned int v = 0;
			int e = 0, li = 0;

			if (c < 0)
				continue;
			sign(data, len, &s);
			n++;
			t = uds_sigset_find(&s, UDS_KIND_TEXT);
			l = uds_sigset_find(&s, UDS_KIND_LINKS);
			if (t == NULL && l == NULL)
				nosig++;
			if (t != NULL && find(dig, ndig, d8(t->digest,
			    UDS_KIND_TEXT)))
				e = 1;
			if (l != NULL && find(dig, ndig, d8(l->digest,
			    UDS_KIND_LINKS)))
				li = 1;
			qsize = s.words;
			best_cs = 0;
			if (t != NULL && t->nshingles)
				v = votes(t);
			if (getenv("SIM_CS") != NULL) {
				/* thresholds are containment percentages */
				for (i = 0; i < nth; i++) {
					sh[i] += best_cs * 100 >= th2[i];
					any[i] += e || best_cs * 100 >= th2[i];
				}
				ex += e;
				ln += li;
				continue;
			}
			ex += e;
			ln += li;
			for (i = 0; i < nth; i++) {
				sh[i] += v >= (unsigned)th[i];
				any[i] += e || v >= (unsigned)th[i] || (getenv("SIM_LINKS") && li);
			}
			if (getenv("SIM_SHOW") != NULL && (e || li ||
			    v >= (unsigned)atoi(getenv("SIM_SHOW"))))
				printf("  %s e=%d l=%d v=%u words=%u\n", name, e, li, v, s.words);
			if (getenv("SIM_MISS") != NULL && !e && t != NULL &&
			    t->nshingles && v < (unsigned)atoi(getenv("SIM_MISS")))
				printf("  miss %s words=%u v=%u\n", name, s.words, v);
		}
		mailsrc_close(ms);
		printf("%-40.40s %6lu %6lu %6lu %6lu", argv[a], n, nosig, ex,
		    ln);
		for (i = 0; i < nth; i++)
			printf("  %5lu %4lu", sh[i], any[i]);
		printf("\n");
	}
	return (0);
}
