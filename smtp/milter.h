/*
 * milter.h - one milter connection from an MTA (Sendmail, Postfix)
 *
 * The MTA connects once per SMTP session (Postfix smtpd_milters, Sendmail
 * INPUT_MAIL_FILTER) and tells us about it step by step: the connection,
 * HELO, MAIL, each RCPT, each header, the body in chunks, the end of the
 * message - and again for every further message of the session.  We build
 * the same struct msg an SMTP session builds (msg.h): the envelope, the
 * client as XFORWARD attributes (address, name, HELO; the MTA's queue id
 * {i} as IDENT), and the message - "Name: value" header lines, an empty
 * line, the body - in a spool.  At the end of the message the program's
 * deliver hook decides, and puts its decision into a struct milter_answer:
 * modifications (headers, recipients, the body, the MTA's quarantine) and
 * one final reply (accept, reject or tempfail with a reply line, discard).
 * Only then does the MTA answer its client: until it reads our reply it
 * still owns the message.
 *
 * A milter answers for the message, not per recipient: there is one
 * resulting message, and the MTA sends it to whichever recipients are left
 * once we added or deleted some (what the program makes of different
 * decisions per recipient is its business; see server/mreply.c).
 *
 * Negotiation (version 6, and 2 to 5 with what they offer): we ask for the
 * actions we use and skip the replies we do not need (no reply for
 * connect, HELO, MAIL, DATA, headers and body chunks when the MTA allows
 * it); RCPT is answered, so max_recipients can refuse extras.  With
 * SMFIF_SETSYMLIST we ask for the macros we use: j, {daemon_name},
 * {client_addr}, {client_name}, {i}, {auth_authen}, {auth_type}.
 *
 * A malformed packet (a length that lies, strings without their NUL, a
 * command out of place) ends the connection: the MTA then applies its
 * default action (Postfix milter_default_action, Sendmail F=), which is
 * tempfail by default - nothing is lost.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MILTER_H
#define WINNOW_MILTER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "msg.h"
#include "sess.h"

struct milter_answer;

/* What the program does with a received message (required): put the
 * modifications and the final reply into the answer. */
typedef void	milter_deliver_fn(const struct sess_info *, struct msg *,
		    struct milter_answer *);

struct milter_hooks {
	milter_deliver_fn *deliver;
	sess_after_fn	*after_reply;	/* NULL: nothing */
};

/* The final reply to one message. */
enum milter_final {
	MILTER_ACCEPT = 0,	/* accepted, with the modifications */
	MILTER_REJECT,		/* 5xx: the reply line, if any */
	MILTER_TEMPFAIL,	/* 4xx: the reply line, if any */
	MILTER_DISCARD,		/* accepted and thrown away */
};

/* Serve a connection; returns the number of messages accepted.  The
 * descriptor is closed. */
unsigned int	milter_run(int fd, const char *peer,
		    const struct milter_hooks *);

/*
 * The answer to one message (milter_answer.c).  Every modification needs
 * an action the MTA granted in the negotiation (SMFIF_*, milter_wire.h);
 * one it did not grant is refused (-1) and not sent.  Modifications go out
 * only with MILTER_ACCEPT.  Header values may be folded with CRLF or LF
 * (sent as LF TAB/SPACE, as the MTAs want); text must not come from the
 * message unchecked (the caller's header-safe text).
 */

/* An empty answer under these granted actions (MILTER_ACCEPT, no
 * modification). */
struct milter_answer *milter_answer_new(uint32_t actions);
void		 milter_answer_free(struct milter_answer *);

/* The granted actions (SMFIF_*). */
uint32_t	 milter_answer_actions(const struct milter_answer *);

/* A header: added at the end (SMFIR_ADDHEADER, index unused), inserted
 * at index among all fields (0: the top; SMFIR_INSHEADER), or the index-th
 * field of that name changed (1-based; an empty value deletes it;
 * SMFIR_CHGHEADER).  0, or -1 when not granted. */
#define MILTER_HDR_ADD	0
#define MILTER_HDR_INS	1
#define MILTER_HDR_CHG	2
int		 milter_answer_header(struct milter_answer *, int op,
		    uint32_t index, const char *name, const char *value);

/* A recipient added (add != 0) or deleted (the address as the MTA gave
 * it, without angle brackets is fine).  0, or -1 when not granted. */
int		 milter_answer_rcpt(struct milter_answer *, int add,
		    const char *addr);

/* The new body (CRLF line ends), sent in chunks.  0, or -1. */
int		 milter_answer_body(struct milter_answer *, const char *,
		    size_t);

/* Hold the message in the MTA's quarantine with a reason.  0, or -1. */
int		 milter_answer_quarantine(struct milter_answer *,
		    const char *reason);

/* The final reply: line is the whole reply ("554 5.7.1 ...") or NULL for
 * the MTA's own text; its code must match the final (5xx for a reject,
 * 4xx for a tempfail; a panic otherwise). */
void		 milter_answer_final(struct milter_answer *,
		    enum milter_final, const char *line);

/* What was decided (for logs and tests). */
enum milter_final milter_answer_get_final(const struct milter_answer *);
const char	*milter_answer_line(const struct milter_answer *);
size_t		 milter_answer_nmods(const struct milter_answer *);

/* The packets to send: the modifications (only for an accept) and the
 * final reply, appended to out. */
void		 milter_answer_pack(const struct milter_answer *,
		    struct buf *out);

#endif /* WINNOW_MILTER_H */
