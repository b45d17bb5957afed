/*
 * notify.h - notifications: who gets which, and their text
 *
 * A status may ask (STATUS.notify) for a notification to the sender, to the
 * recipients concerned and to the admins ([policy] notify_admin).  For one
 * message, recipients in the same group with the same status share one
 * notification of each kind.  The text comes from the status's template
 * for that kind, or the built-in one (notify_builtin_text: the same text
 * the shipped template files hold).
 *
 * Never to a null sender, and never to the sender of a message that is
 * itself automatic (Auto-Submitted other than "no", Precedence bulk, junk
 * or list, or a MAILER-DAEMON sender): notifications must not answer
 * bounces or feed loops (RFC 3834).
 *
 * The server sends each notification downstream with the null sender, and
 * only for recipients whose outcome is final (not for those that got a
 * temporary failure: the upstream will try again and the notification
 * would repeat).  Building them cannot fail.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_NOTIFY_H
#define WINNOW_NOTIFY_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "findings.h"
#include "policy.h"

/* What the macros and the envelope are made of. */
struct notify_info {
	const char	*queue_id;
	const char	*sender;	/* envelope sender, "" for <> */
	const char	*header;	/* the message's header section */
	size_t		 header_len;
	const char	*client;	/* original client IP, or NULL */
	const char	*hostname;	/* ours */
	const char	*from;		/* From: address */
	const char	*admin;		/* notify_admin list */
	time_t		 arrival;
	const struct findings *f;
};

/* One notification, ready to send with MAIL FROM:<>. */
struct notify_msg {
	int		 who;		/* POLICY_NOTIFY_* */
	int		 slot;		/* the status it is about */
	char		**to;		/* envelope recipients */
	size_t		 nto;
	struct buf	*data;		/* the message, CRLF lines */
	int		 eightbit;
};

/* Build the notifications that the decisions of recipients rcpts[0..n)
 * ask for (d[i] NULL: recipient i is not concerned).  Returns how many,
 * with the array in *out (free with notify_msgs_free). */
size_t		 notify_build(const struct notify_info *,
		    const char *const *rcpts,
		    const struct policy_decision *const *d, size_t n,
		    struct notify_msg **out);

void		 notify_msgs_free(struct notify_msg *, size_t n);

/* The built-in template text for POLICY_NOTIFY_SENDER, _RECIPIENTS or
 * _ADMIN. */
const char	*notify_builtin_text(int who);

/* Whether a message is itself automatic (see above). */
int		 notify_is_automatic(const char *sender, const char *header,
		    size_t len);

/* The unfolded value of the first header field name into out (nothing if
 * there is none); returns 1 if found. */
int		 notify_header_value(const char *header, size_t len,
		    const char *name, struct buf *out);

#endif /* WINNOW_NOTIFY_H */
