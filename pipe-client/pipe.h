/*
 * pipe.h - winnow-pipe's internal interfaces
 *
 * winnow-pipe is the client an MTA runs in front of winnowd (the kas-pipe
 * pattern): Exim's lmtp transport executes it and speaks LMTP on its stdin
 * and stdout, or it listens on a socket of its own.  Its session side is
 * winnowd's own (smtp/sess.c, with the strict DATA framer and the same
 * limits), so the MTA sees exactly the protocol winnowd speaks; only what
 * happens to a received message differs: pipe_deliver() relays it to
 * winnowd (pipe_relay.c) and passes each recipient's result back.  When
 * winnowd cannot be reached, fails or times out, [client] on_error decides
 * (tempfail, reject, or accept: deliver it unfiltered to [server] forward
 * (pipe_forward.c), marked "X-Winnow-Info: not processed").
 * Messages over [policy] filter_size_limit go to forward unfiltered.
 *
 * [client] is declared in smtp/client_conf.c and registered by winnowd
 * too, so one winnow.conf serves both programs and "winnowd -t" checks it
 * whole.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_PIPE_H
#define WINNOW_PIPE_H

#include <stddef.h>

#include "buf.h"
#include "client_conf.h"
#include "endpoint.h"
#include "listener.h"
#include "msg.h"
#include "sess.h"


/*
 * pipe_relay.c - one transaction to winnowd and its answers back
 */
#define PIPE_RELAY_OK		0	/* winnowd answered every recipient */
#define PIPE_RELAY_FAILED	(-1)	/* no (complete) answer: on_error */

/*
 * Relay msg to winnowd over the protocol the upstream speaks (LMTP for
 * LMTP, so each recipient gets winnowd's own reply for it; SMTP for SMTP,
 * so winnowd's one reply covers the message as it does for Postfix), with
 * msg's XFORWARD attributes.
 * Every recipient winnowd answered gets code and reply; for SMTP, *reply_r
 * gets the one reply.  PIPE_RELAY_FAILED leaves the recipients without an
 * answer at code 0, sets *after_dot when the final dot had been sent (the
 * message may have been delivered), and says why.
 */
int	pipe_relay(const struct sess_info *, struct msg *,
	    struct buf *reply_r, int *after_dot, struct buf *why);

/*
 * pipe_deliver.c - what winnow-pipe's session does with each message
 */
/* XFORWARD attributes from the command line (Exim passes what it knows
 * about the client as arguments); used when the MTA sent none itself. */
struct pipe_client_info {
	const char	*addr, *name, *helo, *ident, *proto;
};

/* Command-line client attributes for every transaction (may be NULL). */
extern const struct pipe_client_info *pipe_client_info;

/* The sess_deliver hook: size bypass, relay, on_error. */
void	pipe_deliver(const struct sess_info *, struct msg *,
	    struct buf *reply_r);

/* Qualify a bare address (no '@') with domain; returns a new string or
 * NULL when nothing changes (empty address, already qualified, no
 * domain). */
char	*pipe_qualify(const char *addr, const char *domain);

/*
 * pipe_forward.c - the unfiltered path
 */
/* Deliver msg to [server] forward unfiltered, marked "X-Winnow-Info:
 * info"; every recipient gets an outcome, and *reply_r the one reply for
 * SMTP.  DSNs for refused recipients are sent after the reply
 * (notice_after_reply). */
void	pipe_forward(const struct sess_info *, struct msg *, const char *info,
	    struct buf *reply_r);

/* The session hooks of winnow-pipe: pipe_deliver, notice_after_reply. */
extern const struct sess_hooks pipe_hooks;

/*
 * pipe_io.c - where the MTA's session comes from
 */
/* Serve one session on stdin/stdout (two pipes: a thread joins them to a
 * socketpair for the session).  Returns an exit status (sysexits). */
int	pipe_io_stdio(int in_fd, int out_fd, int proto);

/* Listen on the given listeners and serve each connection in a child
 * process, at most max_connections at once; returns when told to stop
 * (SIGTERM, SIGINT).  Returns an exit status (sysexits). */
int	pipe_io_listen(struct listener *, int n, unsigned int max_connections);

#endif /* WINNOW_PIPE_H */
