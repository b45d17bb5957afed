/*
 * fleet_pub.h - what a node owes the fleet's Redis: commands built from
 * its statistics store and its verdict history, and the cursor that says
 * how far Redis has them
 *
 * The cursor lives in [stats] dir/fleet/cursor (written whole: a new
 * file, fsync, rename) and names the store file (inode) and the offset up
 * to which its records are in Redis, the master whose live file the
 * history came from and the next verdict to send.  A batch is built from
 * the cursor and carries the cursor that holds once Redis has answered
 * every command of it; until then nothing moves, so a batch lost with the
 * connection is built again, whole, next time.
 *
 * Statistics: the store only grows between compactions, so the records
 * past the offset name the buckets that changed; each of those is sent as
 * the sum of all its records in the file (HSET: the same value twice is
 * no change).  A compaction writes a new file (another inode): then the
 * node's whole hash is replaced in one MULTI/EXEC, so a reader never sees
 * a minute both as itself and inside its hour.
 *
 * History: up to max verdicts from the live file's ring past the cursor,
 * each an XADD to the fleet's capped stream.
 *
 * Epoch: a random number, kept in the cursor and in the node's epoch key
 * (fleet_key.h).  A Redis that lost the node's keys (a new, emptied or
 * unsaved Redis; another database) does not hold it: the node then sends
 * its whole store and ring again (fleet_cursor_restart).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_PUB_H
#define WINNOW_FLEET_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct live;

struct fleet_cursor {
	uint64_t	 ino;		/* the store file */
	uint64_t	 off;		/* its records before this are in */
	int64_t		 published;	/* newest bucket start sent */
	int64_t		 started;	/* the master of the live file */
	long		 pid;
	uint64_t	 hist;		/* next verdict to send */
	uint64_t	 epoch;		/* what the node's epoch key holds */
};

struct fleet_cmd {
	int		 argc;
	char		**argv;
	size_t		*len;
};

struct fleet_batch {
	size_t		 n, cap;
	struct fleet_cmd *cmd;
	size_t		 buckets;	/* bucket values in it */
	size_t		 verdicts;	/* history entries in it */
	int		 full;		/* the whole hash is replaced */
	struct fleet_cursor next;	/* once every command is answered */
};

/* Read the cursor (missing: all zero, from the start); 0, or -1 with why
 * (a damaged file: start again from zero, which only sends more). */
int		 fleet_cursor_load(const char *path, struct fleet_cursor *,
		    struct buf *why);

/* Write it durably; 0, or -1 with why. */
int		 fleet_cursor_save(const char *path,
		    const struct fleet_cursor *, struct buf *why);

/* Forget what Redis was sent: all of it again, under a new epoch. */
void		 fleet_cursor_restart(struct fleet_cursor *);

/* Start a batch from cur. */
void		 fleet_batch_init(struct fleet_batch *,
		    const struct fleet_cursor *cur);
void		 fleet_batch_free(struct fleet_batch *);

/* Add a command (the lengths of binary arguments in len, or 0: strlen). */
void		 fleet_batch_add(struct fleet_batch *, int argc,
		    const char *const *argv, const size_t *len);

/* The statistics the store at path has and Redis has not, for node.
 * WN_OK (maybe nothing to send) or WN_TEMP with why (the file cannot be
 * read, or has a damaged record past the cursor: try again later). */
int		 fleet_pub_stats(struct fleet_batch *, const char *path,
		    const char *node, struct buf *why);

/* Up to max verdicts past the cursor from the live file l, for node,
 * into a stream capped at about maxlen entries. */
void		 fleet_pub_history(struct fleet_batch *, const struct live *l,
		    const char *node, unsigned int maxlen, size_t max);

#endif /* WINNOW_FLEET_PUB_H */
