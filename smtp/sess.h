/*
 * sess.h - one SMTP/LMTP session from the upstream
 *
 * The session frames DATA into a spool and hands the transaction to the
 * program's deliver hook, which must give every recipient an outcome (and,
 * for SMTP, the one reply); only then does the session answer.  winnowd's
 * hook runs the checks, the policy and the reinjection (server/
 * pipeline.c); winnow-pipe's relays the message to winnowd
 * (pipe-client/).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SESS_H
#define WINNOW_SESS_H

#include "buf.h"
#include "msg.h"

/* Who is talking to us, for the deliver hook. */
struct sess_info {
	const char	*peer_addr;	/* who connected to us */
	const char	*helo;		/* what it said in HELO/EHLO/LHLO */
	int		 lmtp;		/* the upstream speaks LMTP */
	int		 esmtp;
	int		 milter;	/* a milter connection (milter.h) */
};

/* What the session does with a received message (required): give every
 * recipient a code and reply; for SMTP also *reply_r, the one reply. */
typedef void	sess_deliver_fn(const struct sess_info *, struct msg *,
		    struct buf *reply_r);

/* What it does once the replies to a message are written and flushed
 * (answered: they reached the upstream); optional. */
typedef void	sess_after_fn(int answered);

/* The session itself refused a message (too big, a line too long, bare
 * line ends, no storage): the reply's code; optional (statistics). */
typedef void	sess_refused_fn(int code);

struct sess_hooks {
	sess_deliver_fn	*deliver;
	sess_after_fn	*after_reply;	/* NULL: nothing */
	sess_refused_fn	*refused;	/* NULL: nothing */
};

/* Serve a connection with these hooks; returns the number of messages
 * accepted.  The descriptor is closed.  peer is the client's address as
 * text, or "local" for a unix-domain socket or a pipe; XFORWARD is offered
 * and accepted only when it is in [server] xforward_hosts. */
unsigned int	sess_run(int fd, int proto, const char *peer,
		    const struct sess_hooks *);

#endif /* WINNOW_SESS_H */
