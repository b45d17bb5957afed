/*
 * reinject.h - the SMTP/LMTP client towards the forward endpoint
 *
 * A two-phase downstream transaction: reinject_prepare() sends the
 * envelope, DATA and the body but not the final dot; reinject_commit()
 * sends the dot and reads the replies.  The dot is never sent on an error
 * path, and a reply lost after the dot is reported honestly as "may be
 * delivered twice".  Connections are cached and reused between messages
 * (forward_reuse_time, forward_reuse_limit).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_REINJECT_H
#define WINNOW_REINJECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"
#include "msg.h"

struct reinject;

/* One downstream transaction's envelope and content. */


struct reinject_txn {
	const struct msg *msg;
	const char	*sender;	/* usually msg->sender */
	struct rcpt	**rcpts;	/* recipients to deliver */
	size_t		 nrcpts;
	const struct iovec *segs;	/* the content, in order */
	size_t		 nsegs;
	size_t		 size;		/* total bytes of the segments */
	int		 eightbit;	/* content has 8-bit bytes */
	/* results */
	int		 prepared;	/* DATA accepted, body sent, no dot */
	int		 naccepted;	/* recipients accepted at RCPT */
	int		 ntempfail;	/* recipients temp-failed so far */
	struct reinject	*conn;		/* connection carrying it */
	struct buf	*last;		/* last downstream reply, for logs */
};

/* Set up / release a transaction's result fields. */
void		 reinject_txn_init(struct reinject_txn *);
void		 reinject_txn_free(struct reinject_txn *);

/* Get a connection to the forward endpoint (the cached one if it is still
 * good).  Connecting, the greeting and EHLO, and every later wait on it
 * end at deadline_ms on the monotonic clock (0: none; message_deadline in
 * winnowd).  NULL with why on failure. */
struct reinject	*reinject_open(uint64_t deadline_ms, struct buf *why);

/* Give a connection back: cached for reuse when reusable, else closed. */
void		 reinject_release(struct reinject *, int reusable);

/* Close every cached connection (QUIT). */
void		 reinject_close_all(void);

/* Send the envelope and, if any recipient is accepted (and none was
 * temp-failed, unless allow_tempfail), DATA and the body, without the final
 * dot.  Each recipient's code and reply are set from the downstream.  WN_OK when the
 * envelope phase completed (look at the per-recipient results), WN_TEMP on
 * a connection failure or timeout (why). */
int		 reinject_prepare(struct reinject *, struct reinject_txn *,
		    int allow_tempfail, struct buf *why);

/* Send the final dot and read the reply (SMTP: one, LMTP: one per accepted
 * recipient) into the per-recipient results.  WN_OK or WN_TEMP (why; the
 * message may or may not have been delivered). */
int		 reinject_commit(struct reinject *, struct reinject_txn *,
		    struct buf *why);

/* Abandon a transaction: RSET before DATA, or drop the connection after
 * DATA so the downstream discards the message. */
void		 reinject_abort(struct reinject *, struct reinject_txn *);

/* The downstream's host for a DSN's Remote-MTA, or NULL. */
const char	*reinject_peer_host(void);

/* The downstream's name for logs ("tcp:127.0.0.1:10026"). */
const char	*reinject_peer(const struct reinject *);

/* Initialise per-process state (parse the forward endpoint). */
int		 reinject_init(struct buf *why);

#endif /* WINNOW_REINJECT_H */
