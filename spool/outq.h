/*
 * outq.h - the queue of messages winnow makes itself (DSNs, notifications)
 *
 * A DSN or a notification is decided before winnowd answers the message
 * and sent after the answer.  So that neither a crash in between nor a
 * downstream that is down at that moment loses it, it is first written
 * durably into the queue directory, one file per message:
 *
 *	winnow-outq 1
 *	qid QUEUE-ID
 *	what WHAT			(e.g. "DSN", "notification")
 *	eightbit 0|1
 *	time SECONDS			(when it was made)
 *	to ADDRESS			(one line per recipient)
 *
 *	the message, CRLF lines, as it goes downstream
 *
 * outq_put() writes NAME.tmp and fsyncs it, locked (flock) by its maker
 * and invisible to visitors; outq_commit() renames it to NAME and fsyncs
 * the directory - winnowd does that once its answer has reached the
 * upstream, so a crash before the answer (after which the upstream sends
 * the message again) leaves no second DSN behind.  The maker keeps the
 * lock until outq_done().  outq_each() visits the files nobody holds,
 * locked, so two processes never send the same one; the file is removed
 * when the callback says it is done with it (WN_OK or WN_PERM) and kept on
 * WN_TEMP, its mtime set to now: a file is visited again only when
 * min_age seconds have passed since its last try, however many processes
 * look.  A file that cannot be parsed is renamed NAME.broken (kept for the
 * admin, never sent) and logged; a NAME.tmp whose maker is gone (unlocked)
 * and an hour old is removed.
 *
 * Fallible calls return WN_OK or WN_TEMP with the reason in why;
 * allocation failure is fatal.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_OUTQ_H
#define WINNOW_OUTQ_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "status.h"

struct outq_item {
	char		*path;		/* its file */
	int		 fd;		/* open and locked */
	char		*qid;
	char		*what;
	char		**to;		/* NULL-terminated */
	size_t		 nto;
	int		 eightbit;
	time_t		 made;
	char		*data;		/* outq_each only: the message */
	size_t		 len;
};

/* Write a message into the queue durably, not yet visible (made: when it
 * was first made, 0 for now); *item_r holds it locked until outq_done().
 * WN_TEMP with why if it cannot be written. */
int		 outq_put(const char *dir, const char *qid, const char *what,
		    char *const *to, size_t nto, const char *data,
		    size_t len, int eightbit, time_t made,
		    struct outq_item **item_r, struct buf *why);

/* Make a put item visible to outq_each() (still locked). */
int		 outq_commit(struct outq_item *, struct buf *why);

/* Done with an item: remove its file (remove != 0) or leave it for
 * outq_each() (its try time now), then unlock and free. */
void		 outq_done(struct outq_item *, int remove);

/* Called for each queued message: WN_OK or WN_PERM removes it, WN_TEMP
 * keeps it; setting *end ends the pass after it. */
typedef int	 outq_fn(const struct outq_item *, void *arg, int *end);

/* Visit every queued message no other process holds and none tried in the
 * last min_age seconds.  Returns how many were visited, or -1 with why
 * when the directory cannot be read. */
int		 outq_each(const char *dir, unsigned int min_age, outq_fn *fn,
		    void *arg, struct buf *why);

#endif /* WINNOW_OUTQ_H */
