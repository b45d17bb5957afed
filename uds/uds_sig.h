/*
 * uds_sig.h - the signatures of a message: all that UDS ever sends
 *
 * A message is asked about (and learned) as a set of items (uds_wire.h):
 *
 *	text	the decoded text (msg_view.text) normalised into words:
 *		lower case, digits read as the letters they stand for
 *		("v1agra"), a word's vowels after its first letter and
 *		doubled letters dropped (a skeleton that misspellings rarely
 *		change), numbers, short words and link targets left out, each
 *		CJK character a word of its own.  Its digest is keyed BLAKE2b
 *		of the word sequence (the exact match), and UDS_SHINGLES
 *		min-hashes over every window of three words give a
 *		similarity that survives words swapped, inserted, replaced
 *		and paragraphs reordered: two texts share each min-hash with
 *		the probability of their windows' Jaccard similarity.
 *	links	the sorted set of registrable domains of the links (libpsl),
 *		so changed paths and tracking ids do not matter;
 *	attachment, image
 *		keyed BLAKE2b of a part's decoded bytes (exact), for parts
 *		of at least UDS_PART_MIN bytes: small parts (logos, icons,
 *		signatures) are shared by too much legitimate mail; of a
 *		larger part than UDS_PART_MAX, its first UDS_PART_MAX bytes.
 *
 * Every hash is keyed by the site's hashing key ([uds] key_file), so a
 * digest reveals nothing about the text to whoever sees it without the
 * key, and every client and reporter of one store must share that key.
 *
 * The text's trailing signature and mailing-list footers (after a "-- "
 * or a line of dashes or underscores, when fewer than 60 words follow) are
 * left out: a list puts the same footer under its spam and its ham, and
 * short ham that was mostly footer looked like the list's spam.  Texts of
 * fewer than UDS_MIN_WORDS words then get no text item (the window sizes,
 * thresholds and the footer rule were chosen on the development corpus
 * with bench/uds_sim: see bench/README-uds.md); a links item needs
 * UDS_MIN_DOMAINS domains.  Only the first UDS_MAX_WORDS words count, so
 * a huge text costs a bounded time.
 *
 * The functions are pure (no I/O, no clock): the same text and key always
 * give the same items.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_UDS_SIG_H
#define WINNOW_UDS_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "uds_wire.h"

#define UDS_MIN_WORDS		8
#define UDS_MIN_SHINGLE_WORDS	8
#define UDS_MAX_WORDS		20000
#define UDS_MIN_DOMAINS		2
#define UDS_MAX_DOMAINS		64
#define UDS_PART_MIN		1024
#define UDS_PART_MAX		(4 << 20)	/* bytes of a part hashed */

/* The keys every hash of a site is made with, derived from its one
 * hashing key. */
struct uds_sigkey {
	uint8_t		 word[16];	/* SipHash-2-4 of words */
	uint8_t		 digest[32];	/* BLAKE2b of digests */
	uint64_t	 mul[UDS_SHINGLES];	/* the min-hash functions: */
	uint64_t	 add[UDS_SHINGLES];	/* h * mul[i] + add[i] */
};

/* The items of one message. */
struct uds_sigset {
	unsigned int	 nitems;
	struct uds_item	 item[UDS_WIRE_MAX_ITEMS];
	unsigned int	 words;		/* normalised words of the text */
	unsigned int	 domains;	/* distinct link domains */
	unsigned int	 parts;		/* parts hashed */
	unsigned int	 skipped;	/* parts too small or over the limit */
};

/* Derive a site's keys from its hashing key (UDS_KEY_LEN bytes). */
void		 uds_sigkey_derive(struct uds_sigkey *, const uint8_t *key);

/* An empty set. */
void		 uds_sigset_init(struct uds_sigset *);

/* Add the text and links items of a decoded text (UTF-8). */
void		 uds_sig_text(const struct uds_sigkey *, struct uds_sigset *,
		    const char *text, size_t len);

/* Add an attachment or image item (UDS_KIND_ATTACH, UDS_KIND_IMAGE) of a
 * part's decoded bytes; 1 if added, 0 if too small or the set is full. */
int		 uds_sig_part(const struct uds_sigkey *, struct uds_sigset *,
		    unsigned int kind, const void *, size_t len);

/* The item of a kind in a set, or NULL (the first, for parts). */
const struct uds_item *uds_sigset_find(const struct uds_sigset *,
		    unsigned int kind);

/* Hex of a digest (33 bytes with the NUL) for logs and tools. */
void		 uds_sig_hex(const uint8_t *digest, char *out);

#endif /* WINNOW_UDS_SIG_H */
