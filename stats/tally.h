/*
 * tally.h - what one message adds to the counters and the history
 *
 * The server's report stage describes each message once (struct
 * tally_msg: its recipients' groups, statuses, actions and fates, its
 * size, score, checks and timings) and tally_message() turns that into
 * counter additions (live.h) and one history entry (history.h).  What is
 * counted, exactly:
 *
 *   recipients   one per recipient, by group x spam status x AV status x
 *                action (SM_RCPTS), and by fate (SM_FATE);
 *   messages     one per message for each distinct (group, spam, AV,
 *                action) its recipients fall into (SM_MSGS), with the
 *                message's size in SM_BYTES: a message to one group counts
 *                once; one that two groups judged differently counts once
 *                for each (so the per-status totals are what the admin
 *                asks "how many messages were spam"); SM_RECEIVED counts
 *                every message once;
 *   replies      the end-of-data reply by class (one per message for SMTP,
 *                one per recipient for LMTP), and the session's own
 *                refusals (tally_session_reply);
 *   downstream   recipients the downstream deferred or refused, and
 *                messages with such a deferral;
 *   checks       each check family's state (done, timeout, limit, error)
 *                and each timed check's duration (a histogram), and the
 *                whole message's time from the end of DATA to the answer;
 *   copies       quarantine and archive writes (ok or failed), DSNs and
 *                notifications sent (tally_notice).
 *
 * Not filtered recipients (not protected, over the size limit, bypassed)
 * count with group "none", status "unfiltered" and action "none".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_TALLY_H
#define WINNOW_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "svec.h"

struct live;

/* A recipient's fate, as counted. */
enum { SFATE_DELIVERED = 0, SFATE_DISPOSED, SFATE_REFUSED, SFATE_DEFERRED,
    SFATE_N };

struct tally_rcpt {
	const char	*addr;
	const char	*group;		/* NULL: not filtered */
	int		 spam;		/* spam code, or SPAM_UNFILTERED */
	int		 av;		/* AV code (0: not scanned) */
	int		 action;	/* action code, or ACTION_NONE */
	int		 fate;		/* SFATE_* */
	int		 by_policy;	/* refused or deferred by our policy */
	int		 downstream;	/* the fate is the downstream's */
	int		 code;		/* its reply code */
};

struct tally_msg {
	const char	*qid;
	const char	*upstream;	/* the upstream's queue id, or NULL */
	const char	*client;	/* "name[addr]" */
	const char	*sender;
	size_t		 size;
	const struct tally_rcpt *rc;
	size_t		 nrcpts;
	int		 lmtp;
	const char	*reply;		/* SMTP: the one reply; LMTP: NULL */
	int		 has_score;
	double		 score;
	const char	*checks;	/* the X-Winnow-Checks text, or "" */
	uint64_t	 duration_us;	/* end of DATA to the answer */
	uint64_t	 check_us[SLAT_N];
	unsigned char	 check_ran[SLAT_N];
	unsigned char	 state[SCHECK_N];	/* enum check_state */
	int		 quarantine;	/* 0 none, 1 written, -1 failed */
	unsigned int	 archived;	/* copies written */
	unsigned int	 archive_failed;
};

/* Count a message and add its history entry. */
void	tally_message(struct live *, const struct tally_msg *);

/* A refusal by the session itself (message too big, bad line ends...). */
void	tally_session_reply(struct live *, int code);

/* A DSN or notification sent: from the queue (retry) or not; rc is the
 * WN_ result. */
void	tally_notice(struct live *, int retry, int rc);

/* A child ended: normally, or crashed (a signal or a non-zero exit). */
void	tally_child_exit(struct live *, int crashed);

/* The name of a SFATE_* code. */
const char *tally_fate_name(unsigned int);

#endif /* WINNOW_TALLY_H */
