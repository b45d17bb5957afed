/*
 * smtp_conf.h - the parameters of the protocol half: sessions, reinjection
 *
 * smtp/ is winnow's SMTP/LMTP engine, below every check: the session server
 * (sess.h), the strict DATA framer (framer.h), output dot-stuffing
 * (dotstuff.h), downstream replies (reply.h), the reinjection client
 * (reinject.h), DSNs (dsn.h), messages we send ourselves (submit.h),
 * listeners (listener.h), the transaction (msg.h) and the milter side
 * (milter.h, milter_wire.h).  It depends on lib/
 * and the message spool only, so winnow-pipe links it without any check
 * library.
 *
 * Its parameters live in [server] (winnowd's pool parameters are
 * registered there by winnowd itself; conf.h merges the two tables) plus
 * [policy] filter_size_limit, which decides whether a message is filtered
 * at all.  Set by the program before it forks or serves; read-only after.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SMTP_CONF_H
#define WINNOW_SMTP_CONF_H

#include <stddef.h>

#include "buf.h"

/* The replies to a message over a limit, for the session and for the
 * help text of the parameter (one text, so the two cannot disagree).  Too
 * large is the size (RFC 3463 5.3.4); a line too long is the content
 * (5.6.0, media error): the client cannot fix it by trying again. */
#define SMTP_REPLY_TOO_BIG	"552 5.3.4"
#define SMTP_REPLY_LINE_LONG	"554 5.6.0"

enum proto { PROTO_AUTO, PROTO_SMTP, PROTO_LMTP, PROTO_MILTER };
enum bare_newline { BARE_NORMALIZE, BARE_REJECT };

struct smtp_conf {
	/* our name */
	char		*myhostname;
	char		 hostname[256];		/* myhostname or gethostname */
	char		*syslog_facility;
	/* the upstream session */
	char		*spool_dir;
	size_t		 spool_memory_limit;
	size_t		 spool_reserve;
	size_t		 message_size_limit;
	unsigned int	 max_recipients;
	size_t		 max_line_length;
	int		 bare_newline;		/* enum bare_newline */
	unsigned int	 command_timeout;	/* ms */
	unsigned int	 data_timeout;		/* ms */
	unsigned int	 max_errors;
	unsigned int	 session_time_limit;	/* ms, 0: none */
	unsigned int	 transaction_time_limit;	/* ms, 0: none */
	unsigned int	 data_min_rate;		/* bytes/s, 0: none */
	char		*xforward_hosts;	/* who may send XFORWARD */
	/* the downstream */
	char		*forward;
	int		 forward_protocol;	/* PROTO_SMTP or PROTO_LMTP */
	unsigned int	 forward_connect_timeout;	/* ms */
	unsigned int	 forward_timeout;		/* ms */
	unsigned int	 forward_data_done_timeout;	/* ms */
	unsigned int	 forward_reuse_time;		/* ms */
	unsigned int	 forward_reuse_limit;
	/* [policy] */
	size_t		 filter_size_limit;	/* 0: no limit */
};

extern struct smtp_conf smtp_conf;

/* Register smtp/'s part of [server] and [policy]; before conf_load. */
void	smtp_conf_register(void);

/* After conf_load: derived values (the host name). */
void	smtp_conf_finish(void);

/* Whether a peer (the address as text, "local" for a unix socket or a
 * pipe) may send XFORWARD (xforward_hosts). */
int	smtp_xforward_allowed(const char *peer);

/* Whether a message of this size is filtered at all (filter_size_limit). */
int	smtp_size_filtered(size_t size);

#endif /* WINNOW_SMTP_CONF_H */
