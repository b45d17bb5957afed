/*
 * uds.h - the UDS check: is this message known spam, asked over UDP
 *
 * The successor of the Urgent Detection System of the products winnow
 * replaces: a message's signatures (uds_sig.h: digests and min-hashes,
 * never its text, its sender or its recipients) go to one of the [uds]
 * servers (winnow-udsd) in one datagram, and the answer says which of them
 * are known spam, how closely, how often reported.  The check's points go
 * into the verdict like a DNSBL's (findings.uds_score, 0 .. [uds]
 * max_points).
 *
 * Life cycle (findings.h):
 *	uds_conf_register()	master, before conf_load: [uds]
 *	uds_load(why)		master, after each conf_load: the key file
 *				(read as root), the servers' addresses, the
 *				server record every child shares
 *	uds_child_init()	each child after fork
 * Per message:
 *	run = uds_start(view, why)	signatures of view->text (set it
 *				first) and the request, sent at once: the
 *				round trip overlaps the other checks
 *	uds_finish(run, findings, why)	waits for the answer at most until
 *				now + [uds] timeout, and the view's deadline,
 *				asking the next server after each [uds]
 *				server_timeout; frees run
 *
 * Errors: nothing a server does or fails to do makes the check fail: no
 * answer in time is uds_state CHECK_TIMEOUT ("uds=timeout"), a server
 * whose store is down answers "unknown", a refusal is CHECK_ERROR (logged);
 * none of them gives points.  uds_start returns NULL (why) only when this
 * process cannot make a socket.  With [uds] enable = no the check does
 * nothing (uds_state stays CHECK_NOT_RUN).
 *
 * Tools (winnowctl uds, winnowctl learn) use uds_message_sigs() and
 * uds_request() with the same configuration.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_UDS_H
#define WINNOW_UDS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "findings.h"
#include "uds_sig.h"
#include "uds_wire.h"

struct uds_run;

/* Register [uds] (master, before conf_load). */
void		 uds_conf_register(void);

/* Build the module's data from [uds]: the keys, the servers.  On reload
 * the new data replaces the old only when all of it loaded.  WN_OK, or
 * WN_PERM with why (a bad key file, a server that does not resolve). */
int		 uds_load(struct buf *why);

/* Per-child set-up after fork. */
void		 uds_child_init(void);

/* Release what uds_load built (exit, tests). */
void		 uds_unload(void);

/* Whether [uds] enable = yes and servers are configured. */
int		 uds_enabled(void);

/* Sign the message and send the request; NULL (why) if no socket. */
struct uds_run	*uds_start(const struct msg_view *, struct buf *why);

/* Wait for the answer and fill the uds part of findings; frees run. */
int		 uds_finish(struct uds_run *, struct findings *,
		    struct buf *why);

/* The points of an answer to a CHECK of set (what uds_finish records),
 * with the matched items into f->uds and f->uds_score. */
void		 uds_score(const struct uds_sigset *, const struct uds_reply *,
		    unsigned int max_points, struct findings *);

/* The signatures of a message under the configured hashing key: its
 * decoded text (view->text) and its attachments and images (the parts of
 * view->mail, or of an index made from view->data when the view has
 * none). */
void		 uds_message_sigs(const struct msg_view *, struct uds_sigset *);

/* [uds] max_points. */
unsigned int	 uds_max_points(void);

/* Whether reports can be sent: servers, and a client secret in the key
 * file; if not, why (empty when [uds] names no servers at all). */
int		 uds_can_write(struct buf *why);

/* The hashing key of a key file (winnowctl uds keygen -k); WN_OK or
 * WN_PERM / WN_TEMP with why. */
int		 uds_hash_key_read(const char *path, uint8_t *key,
		    struct buf *why);

/* What one server said to a request of uds_request. */
struct uds_outcome {
	const char	*server;	/* "host:port" */
	int		 rc;		/* WN_OK: reply is valid; else no
					 * answer (why says) */
	struct uds_reply reply;
	uint64_t	 rtt_us;
	const char	*why;
};

typedef void	 uds_outcome_fn(const struct uds_outcome *, void *arg);

/* Send op (UDS_OP_*) for set: a write (signed with the key file's client
 * secret) to every write server, CHECK to the best server (the next after
 * a timeout), STATS and PING to every server; fn gets each server's
 * outcome.  WN_OK when every server asked answered, WN_TEMP when some did
 * not, WN_PERM with why when the request cannot be made (no servers, no
 * client secret for a write). */
int		 uds_request(unsigned int op, const struct uds_sigset *,
		    unsigned int flag, unsigned int weight,
		    uds_outcome_fn *fn, void *arg, struct buf *why);

#endif /* WINNOW_UDS_H */
