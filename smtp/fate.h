/*
 * fate.h - what became of one recipient, and the reply that goes with it
 *
 * A recipient's outcome is a type, not a reply code tested with "/ 100".
 * Every change of a recipient's fate goes through this module, which also
 * owns the one precedence rule used when outcomes combine (a redirected
 * recipient takes the worst outcome of its targets; a deferral anywhere
 * holds back an SMTP message): deferred beats delivered beats refused.
 *
 *   PENDING    nothing decided yet
 *   ACCEPTED   the downstream took the recipient (RCPT); the final dot is
 *              still to come - not an outcome yet
 *   DELIVERED  the downstream took the message (2xx after the dot)
 *   DISPOSED   our policy kept the message from the downstream on purpose
 *              (quarantined, dropped, redirected elsewhere); answered 2xx
 *   REFUSED    permanently refused, by our policy or downstream (5xx)
 *   DEFERRED   temporarily failed (4xx): the upstream tries again
 *
 * A peer's reply enters only through fate_from_reply(), which maps any
 * class that is not 2, 4 or 5 (a well-formed 1xx, 3xx or 6xx where none
 * may come) to DEFERRED with 451 4.5.0 and tells the caller to drop the
 * connection.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FATE_H
#define WINNOW_FATE_H

#include <stddef.h>

#include "buf.h"

struct reply;

enum fate {
	FATE_PENDING = 0,
	FATE_ACCEPTED,
	FATE_DELIVERED,
	FATE_DISPOSED,
	FATE_REFUSED,
	FATE_DEFERRED,
};

/* Why a recipient has the fate it has (bits). */
#define FATE_BY_POLICY		0x01	/* refused/deferred by our policy */
#define FATE_NODSN		0x02	/* a refusal that must not cause a DSN */
#define FATE_QUARANTINED	0x04	/* a copy is in the quarantine */
#define FATE_DROPPED		0x08	/* discarded by policy */
#define FATE_REDIRECTED		0x10	/* went to its redirect targets */
#define FATE_DSN_KEPT		0x20	/* a DSN reports its refusal */
#define FATE_DOWNSTREAM		0x40	/* the fate is the downstream's reply
					 * (or its failure), not ours: set by
					 * fate_from_reply, cleared by our
					 * own fate_set* and fate_hold */

struct rcpt {
	char		*addr;
	char		*notify;	/* NOTIFY= value, or NULL */
	char		*orcpt;		/* ORCPT= value (xtext), or NULL */
	enum fate	 fate;
	unsigned int	 why;		/* FATE_* bits */
	int		 code;		/* the reply's code (0 while pending) */
	struct buf	*reply;		/* its reply line ("250 2.0.0 ...") */
};

/* Where a peer's reply came (fate_from_reply): to MAIL or RCPT (2xx means
 * accepted), to DATA (only a refusal is an outcome there: 354 is the
 * caller's business), after the final dot (2xx means delivered). */
enum fate_stage { FATE_AT_RCPT, FATE_AT_DATA, FATE_AT_DOT };

/* Give a recipient a fate with a reply of our own: code and text (the
 * enhanced status code first, as in "4.3.0 Try again").  A fate that is
 * already final (delivered, disposed, refused) may only become deferred
 * while nothing was committed; anything else is a bug (panic). */
void	fate_set(struct rcpt *, enum fate, int code, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* The same with a whole reply line of ours ("451 4.3.0 ..."); its code
 * must match the fate. */
void	fate_set_line(struct rcpt *, enum fate, const char *line);

/* Back to pending, when one reply was to cover every recipient and it did
 * not come (never for a delivered recipient: a bug). */
void	fate_reset(struct rcpt *);

/* A peer's reply for this recipient at RCPT or after the dot; returns 0,
 * or -1 when the reply had no place there (a class other than 2, 4 or 5):
 * the recipient is then deferred with 451 4.5.0 and the caller must drop
 * the connection. */
int	fate_from_reply(struct rcpt *, enum fate_stage, const struct reply *);

/* Copy another recipient's fate and reply (the same address twice). */
void	fate_copy(struct rcpt *, const struct rcpt *);

/* Whether nothing has gone out for a recipient yet: pending, accepted at
 * RCPT (no dot sent), or disposed by policy (not yet answered). */
int	fate_holdable(enum fate);

/* Defer a holdable recipient (a message held back before any dot): 451
 * with the text (enhanced code first); others keep their fate. */
void	fate_hold(struct rcpt *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The worse of two outcomes, for combining: deferred beats delivered (or
 * accepted, or disposed) beats refused; pending counts as nothing. */
enum fate fate_worse(enum fate, enum fate);

/* Whether the fate answers 2xx (accepted, delivered, disposed). */
int	fate_ok(enum fate);

/* Whether it is final (delivered, disposed, refused). */
int	fate_final(enum fate);

/* The first recipient of n with this fate (or, for FATE_DELIVERED, any
 * 2xx fate), or NULL. */
const struct rcpt *fate_first(const struct rcpt *, size_t n, enum fate);

/* How many of n recipients have this fate. */
size_t	fate_count(const struct rcpt *, size_t n, enum fate);

/* A name for logs ("delivered"). */
const char *fate_name(enum fate);

#endif /* WINNOW_FATE_H */
