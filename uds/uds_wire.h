/*
 * uds_wire.h - the UDS packet format, shared by winnowd's client,
 * winnowctl and winnow-udsd
 *
 * One UDP datagram carries one request or one reply, at most UDS_WIRE_MAX
 * bytes (below the IPv6 minimum MTU, so nothing is ever fragmented).
 * Every field is packed and unpacked one at a time, in network byte order;
 * no struct is ever copied to or from the wire.  The unpacker is bounded by
 * the datagram, reads every byte exactly once and refuses anything it does
 * not fully understand (wrong magic or version, a count past its limit, a
 * byte left over), with the reason in why.
 *
 *   header, every packet (8 bytes):
 *	"WU"		magic
 *	u8  version	UDS_WIRE_VERSION; a server answers another version
 *			with UDS_ST_VERSION
 *	u8  op		UDS_OP_*; a reply has UDS_OP_REPLY set
 *	u32 id		the client's random request id, echoed in the reply
 *
 *   request bodies:
 *	CHECK		u8 nitems, nitems x item
 *	ADD, DELETE,	u8 flag (UDS_FLAG_*), u16 weight, u8 nitems,
 *	HAM		nitems x item, auth
 *	STATS, PING	nothing
 *   item:		u8 kind (UDS_KIND_*), u8 nshingles (0 or
 *			UDS_SHINGLES), 16-byte digest, nshingles x u64
 *   auth:		u8 namelen (1..UDS_WIRE_NAME_MAX), the client's name,
 *			u32 time (Unix seconds), 16-byte MAC: BLAKE2b-128
 *			keyed with the client's 32-byte secret over every
 *			byte before the MAC
 *
 *   reply body:	u8 status (UDS_ST_*), then
 *	CHECK, ADD,	u8 nitems, per item u8 result (UDS_R_*), u8 votes
 *	DELETE, HAM	(shingles that matched, UDS_VOTES_EXACT for the
 *			digest itself), u8 flag, u8 zero, u32 count, u32 hits
 *	STATS		u8 n, n x (u8 counter id UDS_STAT_*, u64 value)
 *	PING		u8 store (1: the store answers, 0: it does not)
 *   A reply whose status is not UDS_ST_OK has no more body.
 *
 * Replies are not signed: a client talks to each server over a connected
 * socket (the kernel drops datagrams from any other address) and takes
 * only the reply carrying its request's random id.
 *
 * Errors: the pack functions return the length written, or -1 with why
 * when the request cannot be encoded (too many items, a bad name); the
 * unpack functions return WN_OK or WN_PERM with why.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_UDS_WIRE_H
#define WINNOW_UDS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define UDS_WIRE_VERSION	1
#define UDS_WIRE_MAX		1232	/* bytes per datagram */
#define UDS_WIRE_HEADER		8
#define UDS_WIRE_MAX_ITEMS	16	/* items per request */
#define UDS_WIRE_NAME_MAX	32	/* a client's name */
#define UDS_WIRE_MAX_STATS	32	/* counters in a STATS reply */
#define UDS_DIGEST_LEN		16	/* bytes of a digest */
#define UDS_SHINGLES		32	/* min-hashes of a text */
#define UDS_MAC_LEN		16
#define UDS_KEY_LEN		32	/* a secret or a hashing key */
#define UDS_VOTES_EXACT		255	/* votes of a digest match */
#define UDS_DEFAULT_PORT	7060	/* the port the seed's UDS used */

/* Operations. */
#define UDS_OP_CHECK	1	/* look items up (read-only) */
#define UDS_OP_ADD	2	/* add weight to items (spam) */
#define UDS_OP_DELETE	3	/* take weight away (0: remove) */
#define UDS_OP_HAM	4	/* mark items and their near matches
				 * ham-confirmed */
#define UDS_OP_STATS	5	/* the server's counters */
#define UDS_OP_PING	6	/* an empty round trip (RTT probes) */
#define UDS_OP_REPLY	0x80

/* What an item is a digest of. */
#define UDS_KIND_TEXT	1	/* the normalised text (with shingles) */
#define UDS_KIND_LINKS	2	/* the set of link domains */
#define UDS_KIND_ATTACH	3	/* an attachment's decoded bytes */
#define UDS_KIND_IMAGE	4	/* an image's decoded bytes */
#define UDS_KIND_MAX	4

/* Flags of writes and of stored signatures. */
#define UDS_FLAG_SPAM	0
#define UDS_FLAG_HAM	1	/* ham-confirmed: never counts */

/* Reply status. */
#define UDS_ST_OK		0
#define UDS_ST_DENIED		1	/* not allowed: unknown client, bad
					 * MAC, stale time, replay */
#define UDS_ST_RATE		2	/* over the client's write rate */
#define UDS_ST_BAD		3	/* the request did not parse */
#define UDS_ST_UNAVAILABLE	4	/* the store does not answer */
#define UDS_ST_VERSION		5	/* another wire version */
#define UDS_ST_MAX		5

/* Per-item results. */
#define UDS_R_MISS	0	/* not known */
#define UDS_R_HIT	1	/* known spam, reported threshold times */
#define UDS_R_BELOW	2	/* known, reported fewer times */
#define UDS_R_HAM	3	/* ham-confirmed */
#define UDS_R_UNKNOWN	4	/* the store could not tell */
#define UDS_R_MAX	4

/* STATS counters. */
#define UDS_STAT_UPTIME		1	/* seconds */
#define UDS_STAT_SIGNATURES	2	/* stored signatures (digests) */
#define UDS_STAT_SHINGLES	3	/* stored shingle entries */
#define UDS_STAT_CHECKS		4	/* CHECK requests answered */
#define UDS_STAT_HITS		5	/* items answered HIT */
#define UDS_STAT_WRITES		6	/* ADD, DELETE, HAM done */
#define UDS_STAT_DENIED		7	/* refused: ACL, auth, replay */
#define UDS_STAT_RATE		8	/* dropped or refused by a rate */
#define UDS_STAT_BAD		9	/* datagrams that did not parse */
#define UDS_STAT_UNAVAILABLE	10	/* answered while the store was
					 * down */
#define UDS_STAT_EXPIRED	11	/* signatures expired */
#define UDS_STAT_STORE_UP	12	/* 1 when the store answers */

struct uds_item {
	uint8_t		 kind;		/* UDS_KIND_* */
	uint8_t		 nshingles;	/* 0 or UDS_SHINGLES */
	uint8_t		 digest[UDS_DIGEST_LEN];
	uint64_t	 shingle[UDS_SHINGLES];
};

struct uds_req {
	uint8_t		 op;		/* UDS_OP_* */
	uint32_t	 id;
	uint8_t		 flag;		/* writes: UDS_FLAG_* */
	uint16_t	 weight;	/* writes */
	uint8_t		 nitems;
	struct uds_item	 item[UDS_WIRE_MAX_ITEMS];
	/* writes: who asks, when, and the MAC's place in the datagram */
	char		 client[UDS_WIRE_NAME_MAX + 1];
	uint32_t	 time;
	size_t		 mac_off;	/* set by unpack */
	uint8_t		 mac[UDS_MAC_LEN];
};

struct uds_res {
	uint8_t		 result;	/* UDS_R_* */
	uint8_t		 votes;
	uint8_t		 flag;
	uint32_t	 count;		/* weight reported in all */
	uint32_t	 hits;		/* times it matched a check */
};

struct uds_stat {
	uint8_t		 id;		/* UDS_STAT_* */
	uint64_t	 value;
};

struct uds_reply {
	uint8_t		 op;		/* the request's, without REPLY */
	uint32_t	 id;
	uint8_t		 status;	/* UDS_ST_* */
	uint8_t		 nitems;
	struct uds_res	 item[UDS_WIRE_MAX_ITEMS];
	uint8_t		 nstats;
	struct uds_stat	 stat[UDS_WIRE_MAX_STATS];
	uint8_t		 store_up;	/* PING */
};

/* Whether an operation writes (and so carries auth). */
int		 uds_wire_op_writes(unsigned int op);

/* Encode a request into out (UDS_WIRE_MAX bytes); a write is signed with
 * key (UDS_KEY_LEN bytes) under req->client and req->time.  Returns the
 * length, or -1 with why. */
int		 uds_wire_pack_req(const struct uds_req *, const uint8_t *key,
		    uint8_t *out, struct buf *why);

/* Decode a request of len bytes (the MAC is read, not checked: see
 * uds_wire_verify).  WN_OK or WN_PERM with why. */
int		 uds_wire_unpack_req(const uint8_t *, size_t len,
		    struct uds_req *, struct buf *why);

/* Whether the MAC of a decoded write is right under key: 1 or 0. */
int		 uds_wire_verify(const uint8_t *pkt, const struct uds_req *,
		    const uint8_t *key);

/* Read only the header: 0 with *op_r (REPLY bit included) and *id_r, or
 * -1 when len bytes are no UDS header of our version (*version_r says
 * which version it was, 0 if no UDS packet at all). */
int		 uds_wire_peek(const uint8_t *, size_t len, unsigned int *op_r,
		    uint32_t *id_r, unsigned int *version_r);

/* Encode a reply into out (UDS_WIRE_MAX bytes); returns its length. */
int		 uds_wire_pack_reply(const struct uds_reply *, uint8_t *out);

/* Decode a reply.  WN_OK or WN_PERM with why. */
int		 uds_wire_unpack_reply(const uint8_t *, size_t len,
		    struct uds_reply *, struct buf *why);

/* Names for logs and tools. */
const char	*uds_wire_op_name(unsigned int op);
const char	*uds_wire_kind_name(unsigned int kind);
const char	*uds_wire_status_name(unsigned int status);
const char	*uds_wire_result_name(unsigned int result);
const char	*uds_wire_stat_name(unsigned int id);

#endif /* WINNOW_UDS_WIRE_H */
