/*
 * replace.h - the notice that replaces a message (action "replace")
 *
 * The old gateways' message_*_warn templates: a recipient whose AV status
 * asks for "replace" gets, instead of the message, a short text/plain
 * message from the status's template_replace (or the built-in one, the
 * text of replace_builtin_text): the template's Subject and words, the
 * original's From, To, Cc, Date and Reply-To (re-encoded, header-safe),
 * a Message-ID of ours.  The original can be kept with STATUS.backup or
 * quarantined by another status.  Building it cannot fail.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_REPLACE_H
#define WINNOW_REPLACE_H

#include "buf.h"
#include "notify.h"
#include "policy.h"

/* Append the whole replacement message (header, empty line, body; CRLF)
 * for the recipients rcpts (", " between) under decision d to out;
 * returns 1 when the body has 8-bit text. */
int		 replace_build(const struct notify_info *, const char *rcpts,
		    const struct policy_decision *, struct buf *out);

/* The built-in template text. */
const char	*replace_builtin_text(void);

#endif /* WINNOW_REPLACE_H */
