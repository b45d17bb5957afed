/*
 * dsn.h - RFC 3464 delivery status notifications
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_DSN_H
#define WINNOW_DSN_H

#include <stddef.h>

#include "buf.h"
#include "msg.h"

struct dsn_rcpt {
	const char	*addr;
	const char	*orcpt;		/* xtext or NULL */
	const char	*reply;		/* the refusal's reply line */
	int		 code;
};

/* The human part of a DSN from the admin's template ([policy]
 * template_dsn, rendered by the server): a Subject (header-safe, NULL for
 * the built-in one) and the text (CRLF lines, NULL for the built-in one);
 * the refused recipients and their replies follow it either way. */
struct dsn_text {
	const char	*subject;
	const char	*body;
};

/* Build a DSN for failed recipients of msg into out (headers and body,
 * CRLF); remote names the host that refused them (the downstream, or us
 * when our policy did). */
void	dsn_build(struct buf *out, const struct msg *, const char *data,
	    size_t len, size_t header_len, const struct dsn_rcpt *, size_t n,
	    const char *remote, const char *qid);

/* The same in the admin's words (text NULL: the built-in ones). */
void	dsn_build_text(struct buf *out, const struct msg *, const char *data,
	    size_t len, size_t header_len, const struct dsn_rcpt *, size_t n,
	    const char *remote, const char *qid, const struct dsn_text *text);

/* Whether a recipient wants a failure DSN (NOTIFY absent or has FAILURE). */
int	dsn_wanted(const struct rcpt *);

#endif /* WINNOW_DSN_H */
