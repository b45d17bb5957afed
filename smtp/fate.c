/*
 * fate.c - what became of one recipient, and the reply that goes with it
 *
 * The one place that changes a recipient's fate.  A peer's reply enters
 * through fate_from_reply(), which is where a reply class that has no place
 * in the protocol (a well-formed 1xx, 3xx or 6xx to MAIL, RCPT or the final
 * dot) becomes a deferral instead of an outcome nobody expects.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"

/* smtp */
#include "fate.h"
#include "reply.h"

static const char *const fate_names[] = {
	"pending", "accepted", "delivered", "disposed", "refused", "deferred"
};

/* fate_name - a name for logs */

const char *
fate_name(enum fate f)
{
	if ((size_t)f >= sizeof(fate_names) / sizeof(fate_names[0]))
		return ("?");
	return (fate_names[f]);
}

/* fate_final - delivered, disposed or refused */

int
fate_final(enum fate f)
{
	return (f == FATE_DELIVERED || f == FATE_DISPOSED ||
	    f == FATE_REFUSED);
}

/* fate_ok - answered 2xx */

int
fate_ok(enum fate f)
{
	return (f == FATE_ACCEPTED || f == FATE_DELIVERED ||
	    f == FATE_DISPOSED);
}

/* fate_class - the reply class a fate answers with (0 while pending) */

static int
fate_class(enum fate f)
{
	if (fate_ok(f))
		return (2);
	if (f == FATE_REFUSED)
		return (5);
	if (f == FATE_DEFERRED)
		return (4);
	return (0);
}

/* fate_check - a reply of ours must match the fate it goes with */

static void
fate_check(const struct rcpt *r, enum fate f, int code)
{
	if (code / 100 != fate_class(f))
		log_panic("fate: %d for <%s> as %s", code, r->addr,
		    fate_name(f));
	if (r->fate == FATE_DELIVERED && f != FATE_DELIVERED)
		log_panic("fate: <%s> was delivered, cannot become %s",
		    r->addr, fate_name(f));
}

/* fate_set - a fate with a reply of our own */

void
fate_set(struct rcpt *r, enum fate f, int code, const char *fmt, ...)
{
	va_list	 ap;

	fate_check(r, f, code);
	r->fate = f;
	r->code = code;
	r->why &= ~FATE_DOWNSTREAM;
	buf_reset(r->reply);
	buf_printf(r->reply, "%d ", code);
	va_start(ap, fmt);
	buf_vprintf(r->reply, fmt, ap);
	va_end(ap);
}

/* fate_from_reply - a peer's reply for this recipient */

int
fate_from_reply(struct rcpt *r, enum fate_stage stage, const struct reply *rp)
{
	enum fate	 f;

	switch (stage == FATE_AT_DATA && rp->code / 100 == 2 ? 0 :
	    rp->code / 100) {
	case 2:
		f = stage == FATE_AT_RCPT ? FATE_ACCEPTED : FATE_DELIVERED;
		break;
	case 4:
		f = FATE_DEFERRED;
		break;
	case 5:
		f = FATE_REFUSED;
		break;
	default:
		/* Well-formed but out of place: nothing was delivered for
		 * this recipient, and the session is out of step. */
		fate_check(r, FATE_DEFERRED, 451);
		r->fate = FATE_DEFERRED;
		r->code = 451;
		r->why |= FATE_DOWNSTREAM;
		buf_reset(r->reply);
		buf_puts(r->reply, "451 4.5.0 Unexpected reply from the "
		    "downstream: ");
		reply_format(rp, r->reply);
		return (-1);
	}
	fate_check(r, f, rp->code);
	r->fate = f;
	r->code = rp->code;
	r->why |= FATE_DOWNSTREAM;
	buf_reset(r->reply);
	reply_format(rp, r->reply);
	return (0);
}

/* fate_set_line - a fate with a whole reply line of ours ("451 4.3.0 ...") */

void
fate_set_line(struct rcpt *r, enum fate f, const char *line)
{
	int	 code = 0;

	if (line[0] >= '1' && line[0] <= '9' && line[1] >= '0' &&
	    line[1] <= '9' && line[2] >= '0' && line[2] <= '9')
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	fate_check(r, f, code);
	r->fate = f;
	r->code = code;
	r->why &= ~FATE_DOWNSTREAM;
	buf_reset(r->reply);
	buf_puts(r->reply, line);
}

/* fate_reset - forget an outcome that was never answered (one reply was to
 * cover them all, and it did not come) */

void
fate_reset(struct rcpt *r)
{
	if (r->fate == FATE_DELIVERED)
		log_panic("fate: <%s> was delivered, cannot be forgotten",
		    r->addr);
	r->fate = FATE_PENDING;
	r->code = 0;
	r->why &= ~FATE_DOWNSTREAM;
	buf_reset(r->reply);
}

/* fate_copy - another recipient's fate and reply */

void
fate_copy(struct rcpt *r, const struct rcpt *from)
{
	fate_check(r, from->fate, from->code);
	r->fate = from->fate;
	r->code = from->code;
	r->why = (r->why & ~FATE_DOWNSTREAM) | (from->why & FATE_DOWNSTREAM);
	buf_reset(r->reply);
	buf_puts(r->reply, buf_str(from->reply));
}

/* fate_holdable - pending, accepted, or disposed (nothing went out) */

int
fate_holdable(enum fate f)
{
	return (f == FATE_PENDING || f == FATE_ACCEPTED || f == FATE_DISPOSED);
}

/* fate_hold - defer a recipient nothing has reached yet (451 and text);
 * others keep their fate */

void
fate_hold(struct rcpt *r, const char *fmt, ...)
{
	va_list	 ap;

	if (!fate_holdable(r->fate))
		return;
	r->fate = FATE_DEFERRED;
	r->code = 451;
	r->why &= ~FATE_DOWNSTREAM;
	buf_reset(r->reply);
	buf_puts(r->reply, "451 ");
	va_start(ap, fmt);
	buf_vprintf(r->reply, fmt, ap);
	va_end(ap);
}

/* fate_worse - deferred beats delivered beats refused */

enum fate
fate_worse(enum fate a, enum fate b)
{
	if (a == FATE_PENDING)
		return (b);
	if (b == FATE_PENDING)
		return (a);
	if (a == FATE_DEFERRED || b == FATE_DEFERRED)
		return (FATE_DEFERRED);
	if (fate_ok(a))
		return (a);
	if (fate_ok(b))
		return (b);
	return (a);
}

/* fate_first - the first recipient with this fate (FATE_DELIVERED: any
 * 2xx fate) */

const struct rcpt *
fate_first(const struct rcpt *r, size_t n, enum fate f)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (r[i].fate == f || (f == FATE_DELIVERED &&
		    fate_ok(r[i].fate)))
			return (&r[i]);
	return (NULL);
}

/* fate_count - how many recipients have this fate */

size_t
fate_count(const struct rcpt *r, size_t n, enum fate f)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		k += r[i].fate == f;
	return (k);
}
