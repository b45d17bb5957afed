/*
 * fleet_learn.h - a learned example into the fleet: appended to its
 * stream (fleet_model.h), or parked on this node until Redis is back
 *
 * winnowctl learns every example into the local model first, then hands
 * it to the fleet here, synchronously: it reports that Redis has it, or
 * that it parked it in [stats] dir/fleet/learn/ for the fleet process to
 * send later (fleet_learn_replay).  A parked example is one file, the raw
 * message, named TIME-PID-N.spam or .ham and written whole (temporary
 * name, fsync, rename), so the replayer never reads half a message.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_LEARN_H
#define WINNOW_FLEET_LEARN_H

#include <stddef.h>

#include "buf.h"

struct redisContext;

/* The directory of parked examples below [stats] dir. */
void		 fleet_learn_dir(const char *stats_dir, char *, size_t);

/* Append one example to the stream as node: WN_OK, WN_PERM with why
 * (larger than FLEET_LEARN_MAX: it stays on this node), or WN_TEMP with
 * why (Redis failed: park it). */
int		 fleet_learn_add(struct redisContext *, const char *data,
		    size_t len, int spam, const char *node, struct buf *why);

/* Park one example for the fleet process; WN_OK or WN_TEMP with why. */
int		 fleet_learn_park(const char *dir, const char *data,
		    size_t len, int spam, struct buf *why);

/* Send up to max parked examples, oldest first, removing each Redis
 * took; *sent_r counts them.  WN_OK, WN_TEMP with why (Redis failed: the
 * rest stay parked), or WN_PERM with why (the directory cannot be read
 * or an example sent cannot be removed: nothing more is sent, so none
 * is sent twice). */
int		 fleet_learn_replay(struct redisContext *, const char *dir,
		    const char *node, size_t max, size_t *sent_r,
		    struct buf *why);

#endif /* WINNOW_FLEET_LEARN_H */
