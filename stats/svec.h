/*
 * svec.h - a set of counters: what winnowd counted, by key
 *
 * Every figure winnowd keeps is a 64-bit counter named by a 32-bit key:
 * a metric and up to three small dimensions (SKEY).  The message, recipient
 * and byte counters carry a group, a spam status, an AV status and an
 * action; the others a check, a reply class, a histogram bucket.  A struct
 * svec holds any number of them (a hash table), together with the names of
 * the groups its keys refer to: a group is a small index into the vector's
 * own name table, so vectors from different processes or days merge by
 * group name (svec_merge).
 *
 * The key values and the dimension codes below are part of the statistics
 * store's format (sstore.h): they never change meaning; new metrics get new
 * numbers.  The spam and AV codes are enum spam_status and enum av_status
 * (findings.h), the action codes enum policy_action (policy.h); each has
 * one code more for a recipient that was not filtered (SPAM_UNFILTERED,
 * ACTION_NONE).
 *
 * Packed form (svec_pack / svec_unpack), all integers big-endian:
 *
 *	u8  version (1)
 *	u16 number of group names; each: u8 length (1..SVEC_NAME_MAX), bytes
 *	u32 number of counters; each: u32 key, then the value as an unsigned
 *	    LEB128 varint (at most 10 bytes)
 *
 * svec_unpack checks everything (a known metric, a group index in range,
 * printable names, no bytes left over) and never trusts a length: a store
 * file may be damaged.  Allocation failure is fatal; nothing else fails.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SVEC_H
#define WINNOW_SVEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The metrics (stable numbers). */
enum smetric {
	SM_MSGS = 1,		/* messages: group, spam/av, action */
	SM_RCPTS = 2,		/* recipients: group, spam/av, action */
	SM_BYTES = 3,		/* bytes: group, spam/av, action */
	SM_RECEIVED = 4,	/* messages through the filter */
	SM_RECEIVED_BYTES = 5,	/* their bytes */
	SM_REPLY = 6,		/* replies upstream: class (2, 4, 5), where
				 * (SREPLY_*) */
	SM_FATE = 7,		/* recipients: enum fate, by policy (0/1) */
	SM_DOWNSTREAM = 8,	/* SDOWN_* */
	SM_CHECK = 9,		/* checks: SCHECK_*, enum check_state */
	SM_CHECK_LAT = 10,	/* check time: SLAT_*, bucket */
	SM_CHECK_LAT_SUM = 11,	/* check time in microseconds: SLAT_* */
	SM_MSG_LAT = 12,	/* whole-message time: bucket */
	SM_MSG_LAT_SUM = 13,	/* whole-message time in microseconds */
	SM_NOTICE = 14,		/* DSNs and notifications sent: retry (0
				 * first try, 1 from the queue), WN_ result
				 * (0 ok, 1 temp, 2 perm) */
	SM_QUAR = 15,		/* quarantine writes: 0 ok, 1 failed */
	SM_ARCHIVE = 16,	/* archive writes: 0 ok, 1 failed */
	SM_CHILD_EXIT = 17,	/* children ended: 0 normally, 1 crashed */
	SM_NMETRICS
};

#define SKEY(m, a, b, c)	((uint32_t)(m) << 24 | (uint32_t)(a) << 16 | \
				 (uint32_t)(b) << 8 | (uint32_t)(c))
#define SKEY_METRIC(k)		((unsigned int)((k) >> 24))
#define SKEY_A(k)		((unsigned int)((k) >> 16) & 0xff)
#define SKEY_B(k)		((unsigned int)((k) >> 8) & 0xff)
#define SKEY_C(k)		((unsigned int)(k) & 0xff)
/* The message counters: group, spam and AV status, action. */
#define SKEY_CELL(m, g, spam, av, act) \
	SKEY(m, g, (unsigned)(spam) << 4 | (unsigned)(av), act)
#define SKEY_SPAM(k)		(SKEY_B(k) >> 4)
#define SKEY_AV(k)		(SKEY_B(k) & 0xf)
/* Whether a metric's first dimension is a group. */
#define SMETRIC_HAS_GROUP(m)	((m) >= SM_MSGS && (m) <= SM_BYTES)

#define SPAM_UNFILTERED		6	/* after the six spam statuses */
#define SSPAM_N			7
#define SAV_N			7	/* not-scanned .. filtered */
/* Action codes: the eight actions of the first store (accept copy remove
 * redirect drop quarantine reject tempfail, 0..7), ACTION_NONE, then the
 * actions added since (rename, replace); svec_action_code() maps an enum
 * policy_action to its code. */
#define ACTION_NONE		8	/* after the eight first actions */
#define SACTION_N		11

enum { SREPLY_DATA = 0, SREPLY_SESSION = 1 };

enum {
	SDOWN_TEMPFAIL = 1,	/* recipients the downstream deferred */
	SDOWN_REFUSED = 2,	/* recipients it refused */
	SDOWN_MSG_TEMPFAIL = 3,	/* messages with a downstream deferral */
};

/* The checks as counted (the families of findings.h). */
enum {
	SCHECK_CONTENT = 0, SCHECK_AV, SCHECK_DNSBL, SCHECK_RDNS, SCHECK_SPF,
	SCHECK_SURBL, SCHECK_UDS, SCHECK_N
};

/* The timed checks (rows of the server's table of checks). */
enum { SLAT_CONTENT = 0, SLAT_AV, SLAT_DNS, SLAT_UDS, SLAT_N };

/* Latency histogram buckets: upper bounds in milliseconds; the last bucket
 * (SLAT_NBUCKETS - 1) is everything above. */
#define SLAT_NBUCKETS		14
extern const unsigned int svec_bucket_ms[SLAT_NBUCKETS - 1];

#define SVEC_NAME_MAX		63	/* bytes of a group name */
#define SVEC_MAX_GROUPS		255

struct svec;

struct svec	*svec_new(void);
void		 svec_free(struct svec *);
void		 svec_reset(struct svec *);

/* Add n to a counter (created at 0). */
void		 svec_add(struct svec *, uint32_t key, uint64_t n);

/* A counter's value (0 if absent). */
uint64_t	 svec_get(const struct svec *, uint32_t key);

/* The index of a group name, added if new (names longer than
 * SVEC_NAME_MAX are cut; past SVEC_MAX_GROUPS names every new one is
 * "other"). */
unsigned int	 svec_group(struct svec *, const char *name);

/* A group index's name ("?" when out of range), and how many there are. */
const char	*svec_group_name(const struct svec *, unsigned int);
unsigned int	 svec_ngroups(const struct svec *);

/* Add every counter of src to dst, matching groups by name. */
void		 svec_merge(struct svec *dst, const struct svec *src);

/* Counters in use, and the i-th of them (in no particular order). */
size_t		 svec_count(const struct svec *);
void		 svec_at(const struct svec *, size_t i, uint32_t *key_r,
		    uint64_t *val_r);

/* Sum of every counter of one metric whose dimensions match: a, b, c of -1
 * match anything; spam and av (for the cell metrics, -1 anything) match
 * within the second dimension. */
uint64_t	 svec_sum(const struct svec *, unsigned int metric, int a,
		    int spam, int av, int c);

/* Encode into out (appended). */
void		 svec_pack(const struct svec *, struct buf *out);

/* Decode len bytes into v (added to what it holds); WN_OK, or WN_PERM with
 * why when the bytes are not a valid packed vector (v may then hold part
 * of them: use a fresh one). */
int		 svec_unpack(struct svec *v, const void *data, size_t len,
		    struct buf *why);

/* Names of the dimensions (never NULL). */
const char	*svec_spam_name(unsigned int);
const char	*svec_av_name(unsigned int);
const char	*svec_action_name(unsigned int);
unsigned int	 svec_action_code(int policy_action);
const char	*svec_check_name(unsigned int);	/* SCHECK_* */
const char	*svec_lat_name(unsigned int);	/* SLAT_* */

/* The bucket of a duration in microseconds. */
unsigned int	 svec_bucket(uint64_t us);

#endif /* WINNOW_SVEC_H */
