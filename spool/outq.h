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
 * outq_put() writes NAME.tmp, fsyncs, renames it to NAME and fsyncs the
 * directory; the file stays locked (flock) by its maker until
 * outq_done().  outq_each() visits the files nobody holds, locked, so two
 * processes never send the same one; the file is removed when the
 * callback says it is done with it (WN_OK or WN_PERM) and kept for the
 * next visit on WN_TEMP.  A file that cannot be parsed is renamed
 * NAME.broken (kept for the admin, never sent) and logged.
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

/* Write a message into the queue durably; *item_r holds it locked until
 * outq_done().  WN_TEMP with why if it cannot be written. */
int		 outq_put(const char *dir, const char *qid, const char *what,
		    char *const *to, size_t nto, const char *data,
		    size_t len, int eightbit, struct outq_item **item_r,
		    struct buf *why);

/* Done with an item: remove its file (remove != 0) or leave it for
 * outq_each(), then unlock and free. */
void		 outq_done(struct outq_item *, int remove);

/* Called for each queued message: WN_OK or WN_PERM removes it, WN_TEMP
 * keeps it. */
typedef int	 outq_fn(const struct outq_item *, void *arg);

/* Visit every queued message no other process holds.  Returns how many
 * were visited, or -1 with why when the directory cannot be read. */
int		 outq_each(const char *dir, outq_fn *fn, void *arg,
		    struct buf *why);

#endif /* WINNOW_OUTQ_H */
