/*
 * msg.h - the transaction: envelope, recipients, XFORWARD, queue ids
 *
 * A struct msg lives from MAIL to the reply after DATA.  It owns the
 * envelope, the XFORWARD attributes of the transaction and the spool that
 * holds the message's bytes.  Each recipient (struct rcpt, fate.h) carries
 * its fate: what became of it, and the reply that goes with that.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MSG_H
#define WINNOW_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "fate.h"

struct spool;

struct xforward {
	int		 set;		/* an XFORWARD was received */
	char		*name, *addr, *port, *proto, *helo, *ident, *source;
};

enum body_type { BODY_UNSPEC, BODY_7BIT, BODY_8BITMIME };

struct msg {
	char		 qid[20];
	char		*sender;
	size_t		 size_decl;	/* SIZE= from MAIL, 0 if none */
	int		 body;		/* enum body_type */
	int		 smtputf8;
	char		*ret;		/* RET= */
	char		*envid;		/* ENVID= (xtext as received) */
	struct rcpt	*rcpts;
	size_t		 nrcpts;
	struct xforward	 xf;		/* attributes for this transaction */
	struct spool	*spool;
	const char	*bypass;	/* deliver unfiltered, marked with
					 * this X-Winnow-Info (not owned) */
	uint64_t	 start_ms;
	time_t		 arrival;
};

/* An empty transaction with this queue id. */
struct msg	*msg_new(const char *qid);

/* Free it, its recipients and its spool; NULL is a no-op. */
void		 msg_free(struct msg *);

/* Add a recipient (pending); the array may move. */
struct rcpt	*msg_add_rcpt(struct msg *, const char *addr);

/* Forget every XFORWARD attribute / copy them. */
void		 xforward_clear(struct xforward *);
void		 xforward_copy(struct xforward *, const struct xforward *);

/* The original client's address: XFORWARD ADDR when it is known, else
 * peer (without an "IPV6:" prefix). */
const char	*xforward_client(const struct xforward *, const char *peer);

/* A new queue id (hex, unique per host). */
void		 qid_new(char *buf, size_t len);

#endif /* WINNOW_MSG_H */
