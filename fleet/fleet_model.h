/*
 * fleet_model.h - shared learning: the keys and encodings of the fleet's
 * learning stream and its model versions
 *
 *	winnow:fleet:learn		stream of learned examples, each
 *					"class" (spam|ham), "node", "msg"
 *					(the raw message, at most
 *					FLEET_LEARN_MAX bytes)
 *	winnow:fleet:lease		the node applying examples:
 *					"NODE:PID" with a TTL (SET NX PX)
 *	winnow:fleet:model:seq		the last version number given out
 *	winnow:fleet:model:head		the newest version number
 *	winnow:fleet:model:upto		the stream id applied up to
 *	winnow:fleet:model:meta		hash: version -> "time=MS node=NODE
 *					examples=N spam=N ham=N upto=ID
 *					from=V", unknown words ignored
 *	winnow:fleet:model:V		the model file of version V
 *
 * Everything read back from Redis is parsed here with every length and
 * number checked (fuzz/fuzz_fleet_model.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_MODEL_H
#define WINNOW_FLEET_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FLEET_KEY_LEARN		"winnow:fleet:learn"
#define FLEET_KEY_LEASE		"winnow:fleet:lease"
#define FLEET_KEY_MSEQ		"winnow:fleet:model:seq"
#define FLEET_KEY_MHEAD		"winnow:fleet:model:head"
#define FLEET_KEY_MUPTO		"winnow:fleet:model:upto"
#define FLEET_KEY_MMETA		"winnow:fleet:model:meta"
/* A larger message is learned on its node only: the stream holds what a
 * classifier reads of a message, not archives. */
#define FLEET_LEARN_MAX		(2 * 1024 * 1024)

/* A stream id "MS-SEQ". */
struct fleet_sid {
	uint64_t	 ms, seq;
};

/* Parse a stream id of len bytes; 0, or -1 with why. */
int		 fleet_sid_parse(const char *, size_t len, struct fleet_sid *,
		    struct buf *why);

/* A stream id as text (at least 48 bytes). */
void		 fleet_sid_format(const struct fleet_sid *, char *, size_t);

/* -1, 0, 1 as a is before, equal to, after b. */
int		 fleet_sid_cmp(const struct fleet_sid *,
		    const struct fleet_sid *);

/* The key of version v's model. */
void		 fleet_key_model(uint64_t v, char *, size_t);

/* Parse a version number of len bytes (1..2^63); 0, or -1 with why. */
int		 fleet_version_parse(const char *, size_t len, uint64_t *v_r,
		    struct buf *why);

struct fleet_mver {
	uint64_t	 version;
	int64_t		 time_ms;	/* when it was published */
	char		 node[65];	/* who published it */
	uint64_t	 examples;	/* examples applied to make it */
	uint64_t	 nspam, nham;	/* the model's life counts */
	struct fleet_sid upto;		/* the stream applied up to */
	uint64_t	 from;		/* the version it was made from, 0 */
	int		 rollback;	/* a copy of from, published again */
};

/* A version's metadata as text. */
void		 fleet_mver_format(const struct fleet_mver *, struct buf *);

/* Parse a version's metadata of len bytes (time and node required); 0, or
 * -1 with why. */
int		 fleet_mver_parse(const char *, size_t len, struct fleet_mver *,
		    struct buf *why);

/* A learned example's class field: 1 spam, 0 ham, -1 neither. */
int		 fleet_class_parse(const char *, size_t len);

struct redisReply;

/* One entry of XRANGE over the learning stream. */
struct fleet_example {
	struct fleet_sid id;
	int		 spam;
	const char	*msg;		/* points into the reply */
	size_t		 len;
};

/* Parse an entry: 0; 1 when it has an id but is no example (skip it);
 * -1 with why when it is not a stream entry at all. */
int		 fleet_example_parse(const struct redisReply *,
		    struct fleet_example *, struct buf *why);

#endif /* WINNOW_FLEET_MODEL_H */
