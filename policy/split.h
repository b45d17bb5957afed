/*
 * split.h - recipients grouped into downstream transactions
 *
 * Recipients whose resulting message is the same go downstream in one
 * transaction; different results become separate transactions.  "The same"
 * is decided by edit_key(): two edits with equal keys produce equal bytes.
 *
 * A transaction is of one of two kinds.  SPLIT_DELIVER carries recipients'
 * own copies and the addresses a recipient was redirected to: their
 * outcome is that recipient's outcome.  SPLIT_EXTRA carries copies (the
 * copy action, archive_to): best effort, logged, never a recipient's
 * outcome.  The kinds never share a transaction, so a failing copy cannot
 * hold back a delivery.
 *
 * Within a transaction an address appears once: a second request for it
 * adds an owner (the recipients whose obligation it is).  The split keeps
 * pointers to the edits it is given; the caller keeps them alive and frees
 * them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SPLIT_H
#define WINNOW_SPLIT_H

#include <stddef.h>
#include <sys/types.h>

struct edit;

#define SPLIT_DELIVER	0
#define SPLIT_EXTRA	1

struct split_rcpt {
	char		*addr;
	ssize_t		 own;		/* the recipient this address is, -1 */
	size_t		*owners;	/* recipient indexes it serves */
	size_t		 nowners;
};

struct split_txn {
	struct edit	*edit;		/* the first edit given for it */
	int		 kind;
	struct split_rcpt *rcpts;
	size_t		 n;
};

struct split {
	struct split_txn *txns;
	size_t		 n;
};

/* An empty split. */
struct split	*split_new(void);

/* Put addr into the transaction of message e and kind, serving recipient
 * owner; own says addr is that recipient itself.  Returns the index of the
 * transaction. */
size_t		 split_add(struct split *, struct edit *e, int kind,
		    const char *addr, size_t owner, int own);

/* Free it (not the edits); NULL is a no-op. */
void		 split_free(struct split *);

#endif /* WINNOW_SPLIT_H */
