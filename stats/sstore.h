/*
 * sstore.h - the statistics store: an append-only file of counter records
 *
 * One file, [stats] dir/store, holds every minute, hour and day of
 * counters: a sequence of records, each a resolution, the start of its
 * bucket (unix time, UTC) and a packed counter vector (svec.h):
 *
 *	"WNS1"		magic
 *	u8		resolution (SRES_MINUTE, SRES_HOUR, SRES_DAY)
 *	u8, u16		zero
 *	i64		bucket start, seconds
 *	u32		length of the packed vector
 *	...		the packed vector
 *	u32		CRC-32 of everything after the magic up to here
 *
 * Every event is in exactly one record's counters: summing the records
 * that fall into a period gives the period's figures at any resolution at
 * least as coarse as theirs.  Several records may share a bucket (the
 * master writes one per flush); readers add them up.
 *
 * Why an append-only file and not LMDB: the store is written once a
 * minute by one process and read whole by the tools, a few megabytes at
 * most (2 days of minutes, 60 of hours, 3 years of days); an append is one
 * write(2) that either lands whole or is cut back, and every reader
 * parses with bounds checks and a checksum, so a damaged or truncated file
 * costs the damaged records and a message naming the file and offset -
 * never a crash.  LMDB maps its file and follows page numbers in it: a
 * truncated or scribbled data file can make any reader, the master
 * included, die of SIGBUS or read wild pages.
 *
 * Compaction (sstore_compact, the master, hourly and at start) rewrites
 * the file atomically (a new file, fsync, rename): records of one bucket
 * merged, minutes older than 2 days folded into hours, hours older than
 * 60 days into days, days older than 3 years dropped.  A file with damaged
 * records is first kept beside as store.damaged-TIME.
 *
 * Errors: WN_TEMP with why (I/O, full disk: the caller keeps its figures
 * and tries again); problems found while reading go into a buffer, one
 * line each ("FILE: offset N: reason"), and reading goes on.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SSTORE_H
#define WINNOW_SSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct svec;

enum { SRES_MINUTE = 1, SRES_HOUR = 2, SRES_DAY = 3 };

#define SSTORE_KEEP_MINUTES	(2 * 86400)
#define SSTORE_KEEP_HOURS	(60 * 86400)
#define SSTORE_KEEP_DAYS	(3 * 365 * 86400)
#define SSTORE_RECORD_MAX	(16 * 1024 * 1024)

/* The seconds of a resolution's bucket. */
int64_t		 sstore_res_seconds(int res);

/* Append a record (one write; cut back if it did not land whole).
 * WN_OK or WN_TEMP with why. */
int		 sstore_append(const char *path, int res, int64_t ts,
		    const struct svec *, struct buf *why);

/* Read every record, calling fn for each good one; damaged or truncated
 * parts are skipped and described in problems (may be NULL).  A missing
 * file is an empty store.  WN_OK, or WN_TEMP with why when the file
 * cannot be read at all. */
typedef void	 sstore_fn(int res, int64_t ts, const struct svec *,
		    void *arg);
int		 sstore_load(const char *path, sstore_fn *fn, void *arg,
		    struct buf *problems, struct buf *why);

/* The same over len bytes in memory (path names them in problems). */
void		 sstore_parse(const char *path, const char *data, size_t len,
		    sstore_fn *fn, void *arg, struct buf *problems);

/* Rewrite the file: merge, fold by age (now: unix time), drop what is
 * too old.  problems gets what was wrong with the old file (its damaged
 * copy is kept beside).  WN_OK, or WN_TEMP with why (the old file stays). */
int		 sstore_compact(const char *path, int64_t now,
		    struct buf *problems, struct buf *why);

/* Take the store's lock (dir/lock, a POSIX record lock: held by this
 * process only, not by its children).  The descriptor, or -1 with why
 * naming the process that holds it. */
int		 sstore_lock(const char *dir, struct buf *why);

/* CRC-32 (IEEE 802.3) of len bytes, continuing from crc (0 to start). */
uint32_t	 sstore_crc32(uint32_t crc, const void *, size_t len);

#endif /* WINNOW_SSTORE_H */
