/*
 * spool.h - storage for the bytes of one message
 *
 * A spool owns a message from DATA to the final reply.  Small messages stay
 * in memory; past mem_max bytes the spool moves them to an unnamed file
 * (O_TMPFILE) in the spool directory, so a crash or kill -9 can never leave
 * a file behind.  The spool is not the system of record: winnowd answers 250
 * only after the downstream took the message, so nothing here is fsync'd.
 *
 * The bytes are the message as received after dot-unstuffing and CRLF
 * normalisation.  After spool_commit() they are readable as one contiguous
 * block (memory, or a read-only mapping of the file).
 *
 * Fallible calls return WN_OK or WN_TEMP and leave a reason in why.
 * Allocation failure is fatal.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SPOOL_H
#define WINNOW_SPOOL_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "buf.h"
#include "status.h"

struct spool;

/* Create an empty spool keeping up to mem_max bytes in memory; dir is where
 * larger messages go. */
struct spool	*spool_new(const char *dir, size_t mem_max);

/* Append len bytes of message data. */
int		 spool_write(struct spool *, const void *, size_t len,
		    struct buf *why);

/* Finish writing; after this the data can be read, not written. */
int		 spool_commit(struct spool *, struct buf *why);

/* The whole message as one block (only after spool_commit). */
const char	*spool_data(const struct spool *, size_t *len);

/* Bytes written so far. */
off_t		 spool_size(const struct spool *);

/* Whether the message went to a file. */
int		 spool_on_disk(const struct spool *);

/* Release memory, unmap and close the file.  NULL is a no-op. */
void		 spool_free(struct spool *);

/* Whether dir has room for need bytes plus reserve (statvfs); WN_OK, or
 * WN_TEMP with the reason. */
int		 spool_space_check(const char *dir, size_t need, size_t reserve,
		    struct buf *why);

/* Durable files (the quarantine, the archive, the queue of our own
 * messages): every byte of iov to fd, or -1 with errno; and an fsync of
 * dir, so a rename in it survives a crash (WN_TEMP with why if not). */
int		 spool_writev_all(int fd, const struct iovec *iov, int iovcnt);
int		 spool_fsync_dir(const char *dir, struct buf *why);

#endif /* WINNOW_SPOOL_H */
