/* test_uds_sig.c - unit tests for uds/uds_sig.c and uds/uds_norm.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "buf.h"
#include "uds_private.h"
#include "uds_sig.h"

static struct uds_sigkey k1, k2;

static const char text_a[] =
"Dear friend, we have a special offer for you today only. Our company\n"
"sells the finest watches at prices that nobody else can match anywhere\n"
"in the world. Every order ships within two days and comes with a full\n"
"guarantee of your money back.\n"
"\n"
"Visit our shop now and receive a free gift with every purchase above\n"
"fifty dollars. This offer ends soon, so do not wait any longer.\n"
"\n"
"Click http://www.shop.example.com/offer?id=123 for the catalogue or\n"
"write to sales@shop.example.com with your questions.\n";

static const char text_b[] =
"Hi Anna, the meeting about the quarterly budget moved to Thursday at\n"
"ten in the small conference room. Please bring the spreadsheets from\n"
"last week and the notes of the review so that we can settle the open\n"
"points about travel costs before the board meets next month. Thanks.\n";

static void
setup(void)
{
	uint8_t	 key[UDS_KEY_LEN];

	cr_assert(sodium_init() >= 0);
	memset(key, 1, sizeof(key));
	uds_sigkey_derive(&k1, key);
	memset(key, 2, sizeof(key));
	uds_sigkey_derive(&k2, key);
}

TestSuite(uds_sig, .init = setup);

/* sign - the items of a text under a key */

static void
sign(const struct uds_sigkey *k, const char *t, struct uds_sigset *s)
{
	uds_sigset_init(s);
	uds_sig_text(k, s, t, strlen(t));
}

/* shared - the shingles two texts' text items share */

static unsigned int
shared(const char *a, const char *b)
{
	struct uds_sigset x, y;
	const struct uds_item *p, *q;
	unsigned int	 i, n = 0;

	sign(&k1, a, &x);
	sign(&k1, b, &y);
	p = uds_sigset_find(&x, UDS_KIND_TEXT);
	q = uds_sigset_find(&y, UDS_KIND_TEXT);
	cr_assert_not_null(p);
	cr_assert_not_null(q);
	for (i = 0; i < UDS_SHINGLES; i++)
		n += p->shingle[i] == q->shingle[i];
	return (n);
}

/* same_digest - whether two texts have the same text digest */

static int
same_digest(const char *a, const char *b)
{
	struct uds_sigset x, y;
	const struct uds_item *p, *q;

	sign(&k1, a, &x);
	sign(&k1, b, &y);
	p = uds_sigset_find(&x, UDS_KIND_TEXT);
	q = uds_sigset_find(&y, UDS_KIND_TEXT);
	return (p != NULL && q != NULL && memcmp(p->digest, q->digest,
	    UDS_DIGEST_LEN) == 0);
}

Test(uds_sig, items_of_a_text)
{
	struct uds_sigset s;
	const struct uds_item *t;

	sign(&k1, text_a, &s);
	cr_assert_eq(s.nitems, 1, "links need two domains");
	t = uds_sigset_find(&s, UDS_KIND_TEXT);
	cr_assert_not_null(t);
	cr_assert_eq(t->nshingles, UDS_SHINGLES);
	cr_assert_gt(s.words, 60);
	cr_assert_eq(s.domains, 1);
}

Test(uds_sig, deterministic_and_keyed)
{
	struct uds_sigset a, b, c;

	sign(&k1, text_a, &a);
	sign(&k1, text_a, &b);
	sign(&k2, text_a, &c);
	cr_assert_eq(memcmp(a.item, b.item, sizeof(a.item[0])), 0);
	cr_assert_neq(memcmp(a.item[0].digest, c.item[0].digest,
	    UDS_DIGEST_LEN), 0);
	cr_assert_neq(a.item[0].shingle[0], c.item[0].shingle[0]);
}

Test(uds_sig, normalisation_reads_through_disguises)
{
	cr_assert(same_digest("Receive your FREE viagra today, friends of "
	    "the night and the day",
	    "R3c1eve   your free V1AGRA today!!! Frieends of the night "
	    "and\nthe day"));
	/* numbers and words under three letters do not count */
	cr_assert(same_digest("only 99 dollars for the best watches in "
	    "town this week", "only 12345 dollars for the best watches in "
	    "town this week"));
	/* link paths and addresses do not count */
	cr_assert(same_digest("visit http://a.example.com/x1 now for the "
	    "best watches in town this week",
	    "visit https://a.example.com/other?id=9 now for the best watches "
	    "in town this week mail@x.example.com"));
	cr_assert_not(same_digest("the best watches in town this week at "
	    "lowest prices", "the best clocks in town this week at lowest "
	    "prices"));
}

Test(uds_sig, quotes_signatures_and_footers_do_not_count)
{
	char	 buf[4096];

	(void)snprintf(buf, sizeof(buf), "%s\n> quoted words of another "
	    "message that the reply carries along\n-- \nJohn Smith\nSales, "
	    "Example Inc.\n", text_b);
	cr_assert(same_digest(text_b, buf));
	(void)snprintf(buf, sizeof(buf), "%s\n______________________________"
	    "_________________\nSome-list mailing list\nSome-list@lists."
	    "example.org\nhttps://lists.example.org/listinfo/some-list\n",
	    text_b);
	cr_assert(same_digest(text_b, buf));
}

Test(uds_sig, a_long_footer_is_text)
{
	char	 buf[8192];
	size_t	 n;
	int	 i;

	n = (size_t)snprintf(buf, sizeof(buf), "%s\n----------\n", text_b);
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "more words "
		    "of the body here %d\n", i);
	cr_assert_not(same_digest(text_b, buf));
}

Test(uds_sig, shingles_survive_what_spammers_do)
{
	char	 buf[8192];
	const char *p;

	/* paragraphs reordered */
	p = strstr(text_a, "\n\nVisit");
	(void)snprintf(buf, sizeof(buf), "%s\n\n%.*s\n", p + 2,
	    (int)(p - text_a), text_a);
	cr_assert_geq(shared(text_a, buf), 16, "reordered: %u",
	    shared(text_a, buf));
	/* random words appended (a hash buster) */
	(void)snprintf(buf, sizeof(buf), "%s\nmarmalade tractor velvet "
	    "quantum spruce lantern harbor pepper whistle orbit saddle\n",
	    text_a);
	cr_assert_geq(shared(text_a, buf), 16, "appended: %u",
	    shared(text_a, buf));
	/* unrelated texts share next to nothing */
	cr_assert_leq(shared(text_a, text_b), 2);
}

Test(uds_sig, short_texts)
{
	struct uds_sigset s;

	sign(&k1, "Hi, see you at noon.", &s);
	cr_assert_eq(s.nitems, 0);
	sign(&k1, "see http://a.example.com and http://www.b.example.org/x",
	    &s);
	cr_assert_eq(s.nitems, 1);
	cr_assert_eq(s.item[0].kind, UDS_KIND_LINKS);
	cr_assert_eq(s.domains, 2);
	sign(&k1, "eight words make a text item but shingles too", &s);
	cr_assert_eq(s.nitems, 1);
	cr_assert_eq(s.item[0].nshingles, UDS_SHINGLES);
	uds_sigset_init(&s);
	uds_sig_text(&k1, &s, NULL, 0);
	cr_assert_eq(s.nitems, 0);
}

Test(uds_sig, link_sets_are_registrable_domains)
{
	struct uds_sigset a, b, c;

	sign(&k1, "http://www.a.example.com/1 http://x.b.example.net/2", &a);
	sign(&k1, "HTTP://mail.example.com/3 https://b.example.net:8080/?x "
	    "http://www.example.com/", &b);
	sign(&k1, "http://www.a.example.com/1 http://x.b.example.org/2", &c);
	cr_assert_eq(a.nitems, 1);
	cr_assert_eq(memcmp(a.item[0].digest, b.item[0].digest,
	    UDS_DIGEST_LEN), 0);
	cr_assert_neq(memcmp(a.item[0].digest, c.item[0].digest,
	    UDS_DIGEST_LEN), 0);
}

Test(uds_sig, cjk_characters_are_words)
{
	struct uds_sigset s;

	/* 14 CJK characters, no spaces */
	sign(&k1, "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\xe4\xbd"
	    "\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\xe5\x85\x8d\xe8\xb4\xb9"
	    "\xe5\x8a\x9e\xe7\x90\x86\xe4\xbf\xa1\xe7\x94\xa8", &s);
	cr_assert_eq(s.words, 14, "%u", s.words);
	cr_assert_eq(s.nitems, 1);
}

Test(uds_sig, parts)
{
	struct uds_sigset s;
	static char	 img[4096], att[4096];
	unsigned int	 i;

	memset(img, 'x', sizeof(img));
	memset(att, 'x', sizeof(att));
	uds_sigset_init(&s);
	cr_assert_eq(uds_sig_part(&k1, &s, UDS_KIND_IMAGE, img, 100), 0);
	cr_assert_eq(s.skipped, 1);
	cr_assert_eq(uds_sig_part(&k1, &s, UDS_KIND_TEXT, img, sizeof(img)),
	    0);
	cr_assert_eq(uds_sig_part(&k1, &s, UDS_KIND_IMAGE, img, sizeof(img)),
	    1);
	cr_assert_eq(uds_sig_part(&k1, &s, UDS_KIND_ATTACH, att, sizeof(att)),
	    1);
	/* the same bytes as another kind are another signature */
	cr_assert_neq(memcmp(s.item[0].digest, s.item[1].digest,
	    UDS_DIGEST_LEN), 0);
	for (i = 2; i < UDS_WIRE_MAX_ITEMS; i++)
		cr_assert_eq(uds_sig_part(&k1, &s, UDS_KIND_ATTACH, att,
		    sizeof(att)), 1);
	cr_assert_eq(uds_sig_part(&k1, &s, UDS_KIND_ATTACH, att, sizeof(att)),
	    0, "the set is full");
	cr_assert_eq(s.nitems, UDS_WIRE_MAX_ITEMS);
}

Test(uds_sig, footers_cut_only_when_short)
{
	const char	 t[] = "body words\n-- \nsig\n";

	cr_assert_eq(uds_norm_body(t, strlen(t)), strlen("body words\n"));
	cr_assert_eq(uds_norm_body("no footer", 9), 9);
}

Test(uds_sig, words_are_bounded)
{
	size_t	 n = 200000, i;
	char	*big = malloc(n + 1);
	struct uds_sigset s;

	cr_assert_not_null(big);
	for (i = 0; i < n; i++)
		big[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 23);
	big[n] = '\0';
	sign(&k1, big, &s);
	cr_assert_eq(s.words, UDS_MAX_WORDS);
	free(big);
}
