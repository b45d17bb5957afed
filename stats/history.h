/*
 * history.h - the ring of the last verdicts
 *
 * Each message a child filters leaves one fixed-size entry in the live
 * file's ring (live.h): when, its queue ids, client, envelope, size, each
 * recipient group's statuses, the score, the X-Winnow-Checks text, the
 * actions, the reply and how long it took.  Texts are cut to their field
 * (a recipient list ends "+N more") and are the same header-safe text the
 * log line has.  The ring keeps the last [stats] history entries (default
 * 10,000); the oldest is overwritten.
 *
 * A writer claims the next sequence number with an atomic increment,
 * zeroes the entry's seq, fills it and stores seq last (release).  A
 * reader copies an entry and keeps it only when seq was the number it
 * expected both before and after the copy, so a torn entry is skipped,
 * never shown.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_HISTORY_H
#define WINNOW_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct live;
struct json_t;

struct history_entry {
	volatile uint64_t seq;		/* its number; 0 while written */
	int64_t		 time_ms;	/* unix ms at the answer */
	uint32_t	 size;
	uint32_t	 nrcpt;
	uint32_t	 duration_ms;
	int32_t		 score10;	/* score x 10; HISTORY_NO_SCORE */
	uint16_t	 spam_mask;	/* 1 << spam code of some recipient */
	uint16_t	 av_mask;	/* 1 << AV code */
	uint16_t	 action_mask;	/* 1 << action code */
	uint16_t	 reply_code;	/* the SMTP reply's (first) code */
	char		 qid[24];
	char		 upstream[48];	/* the upstream's queue id */
	char		 client[80];	/* "name[addr]" */
	char		 sender[160];
	char		 rcpts[240];	/* "a@x, b@y, +3 more" */
	char		 statuses[120];	/* "All=spam/clean" per group */
	char		 actions[64];	/* "quarantine" or "a, b" */
	char		 checks[240];	/* X-Winnow-Checks */
	char		 reply[160];
};

#define HISTORY_NO_SCORE	INT32_MIN
#define HISTORY_DEFAULT		10000

/* Cut-off copying: text into a field of size n (NUL-terminated, cut with
 * "..." at the end when too long). */
void		 history_copy(char *dst, size_t n, const char *src);

/* Add an entry (filled by the caller but its seq) to the ring. */
void		 history_add(struct live *, const struct history_entry *);

/* A filter: only entries with this spam or AV status (code, -1 any). */
struct history_filter {
	int		 spam;
	int		 av;
};

/* Parse a status name (spam or AV, as in svec.h) into a filter; 0, or -1
 * with why. */
int		 history_filter_parse(const char *, struct history_filter *,
		    struct buf *why);

/* Call fn for every matching entry numbered from `from` on (0: the
 * oldest kept), oldest first; returns the number to ask from next time
 * (for --follow). */
typedef void	 history_fn(const struct history_entry *, void *arg);
uint64_t	 history_each(const struct live *, uint64_t from,
		    const struct history_filter *, history_fn *, void *arg);

/* One entry as a text line / as JSON (caller owns the reference). */
void		 history_render_text(const struct history_entry *,
		    struct buf *out);
struct json_t	*history_json(const struct history_entry *);

#endif /* WINNOW_HISTORY_H */
