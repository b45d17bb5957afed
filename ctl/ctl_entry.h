/*
 * ctl_entry.h - what winnowctl quarantine and archive share: entries in
 * the quarantine format (spool/quar.h), filtered, listed, shown and sent
 *
 * The quarantine ([policy] quarantine_dir) and the backups (backup_dir,
 * STATUS.backup) are the same kind of store; the two subcommands differ
 * in what they call an entry and what sending it means (a release once,
 * a resend as often as asked).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CTL_ENTRY_H
#define WINNOW_CTL_ENTRY_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"

struct quar_info;
struct mask_list;

/* The filters of "list" (all must match). */
struct ctl_filter {
	const char	*status;
	struct mask_list *sender, *rcpt;
	time_t		 older, newer;	/* 0: none */
	int		 released;	/* -1 any, 0 no, 1 yes */
	int		 json;
	size_t		 n;
	struct buf	*out;		/* --json: the entries so far */
};

/* The getopt_long codes of the filter options, for a command's own
 * option table: --status 's', --sender 'f', --recipient 'r',
 * --older-than 'o', --newer-than 'n', --released 'R', --not-released
 * 'N', --json 'j'. */
#define CTL_FILTER_OPTIONS \
	{ "status", required_argument, NULL, 's' }, \
	{ "sender", required_argument, NULL, 'f' }, \
	{ "recipient", required_argument, NULL, 'r' }, \
	{ "older-than", required_argument, NULL, 'o' }, \
	{ "newer-than", required_argument, NULL, 'n' }, \
	{ "released", no_argument, NULL, 'R' }, \
	{ "not-released", no_argument, NULL, 'N' }, \
	{ "json", no_argument, NULL, 'j' }

/* Start a filter; apply one option code (0, or -1 with a message printed
 * on stderr after "winnowctl WHO: "); free it. */
void		 ctl_filter_init(struct ctl_filter *);
int		 ctl_filter_opt(struct ctl_filter *, int code, const char *arg,
		    const char *who);
void		 ctl_filter_free(struct ctl_filter *);

/* Whether an entry passes the filters. */
int		 ctl_filter_match(const struct ctl_filter *,
		    const struct quar_info *);

/* Whether a recipient of the entry has a status (spam or AV name). */
int		 ctl_entry_has_status(const struct quar_info *, const char *);

/* One line for "list": ID, date, <sender> -> recipients, [statuses],
 * the Subject, the upstream's queue id, "released" once released. */
void		 ctl_entry_line(const struct quar_info *, FILE *);

/* The entry for a person: who sent what to whom, when, from where, how
 * each recipient was judged and why (the findings), its releases. */
void		 ctl_entry_show(const struct quar_info *, FILE *);

/* Send an entry's message downstream ([server] forward) from its sender
 * to the addresses, marked "X-Winnow-Info: INFO"; the recipients that
 * took it are recorded in the entry when record is set.  A sysexits(3)
 * code; who prefixes the messages. */
int		 ctl_entry_send(const char *dir, const struct quar_info *,
		    char *const *to, size_t nto, const char *info, int record,
		    const char *who);

/* Untrusted text made safe for the terminal (into b). */
const char	*ctl_safe(struct buf *b, const char *);

/* Can we use a store at all?  EX_OK, or EX_NOPERM (77) after a hint on
 * stderr saying which user owns it; a store that does not exist yet is
 * fine.  write: we are going to change it.  An entry's own info file
 * (id not NULL) is checked too. */
int		 ctl_entry_access(const char *dir, const char *id, int write,
		    const char *who);

#endif /* WINNOW_CTL_ENTRY_H */
