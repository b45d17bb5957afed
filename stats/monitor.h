/*
 * monitor.h - conditions that need the admin, and the alerts about them
 *
 * monitor_judge() holds a gathered status (sstatus.h) against the
 * [monitor] thresholds (stats_conf.h) and lists the problems, each with a
 * stable id, a severity and one line of text:
 *
 *   master-down          winnowd is not running                 critical
 *   av-database-age      virus database older than max age      warning;
 *                                                       critical at 3x
 *   model-age            content model older than max age       warning
 *   all-busy             every child busy at max_children       critical
 *   downstream-tempfail  share of the last 5 minutes' messages  critical
 *   dns-timeouts         share of DNS checks that timed out     warning
 *   infected-share       share of the last hour that was
 *                        infected (an outbreak)                 warning
 *   outq-age             a DSN/notification waiting too long    warning
 *   spool-space          free space under twice spool_reserve   warning;
 *                        under spool_reserve                    critical
 *   child-crashes        children crashed in 5 minutes          critical
 *   check-off            a check some group wants cannot run    warning
 *   statistics           the store cannot be written, or is
 *                        damaged                                warning
 *
 * The control process (server/alerts.c) judges every [monitor] interval
 * and keeps what is open in a state file (monitor_state_*), so a problem
 * is mailed once when it starts and once when it ends, and a digest of
 * what is still open goes out daily at digest_hour - across restarts.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MONITOR_H
#define WINNOW_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct json_t;
struct sstatus;
struct template;

#define MONITOR_MAX	16
/* An id: "node-down:" and a node name of up to 64 bytes fit whole (two
 * long names sharing a prefix must not become one problem). */
#define MONITOR_ID_MAX	80

struct monitor_problem {
	char		 id[MONITOR_ID_MAX];
	int		 severity;	/* SSTATUS_WARNING or _CRITICAL */
	char		 text[256];
	int64_t		 since;		/* in monitor_state: unix time */
};

/* The problems of a status (at most MONITOR_MAX); returns how many. */
size_t		 monitor_judge(const struct sstatus *,
		    struct monitor_problem *, size_t max);

/* The worst severity among n problems (SSTATUS_OK if none). */
int		 monitor_worst(const struct monitor_problem *, size_t n);

/* What is open, as the state file keeps it. */
struct monitor_state {
	struct monitor_problem open[MONITOR_MAX];
	size_t		 n;
	int64_t		 digest_day;	/* local day number of the last
					 * digest (days since 1970) */
};

/* Read / write the state file (JSON); a missing file is an empty state.
 * WN_OK, or WN_TEMP with why (a damaged file reads as empty, with why). */
int		 monitor_state_load(const char *path, struct monitor_state *,
		    struct buf *why);
int		 monitor_state_save(const char *path,
		    const struct monitor_state *, struct buf *why);

/* Hold the judged problems against the state: started gets the new ones,
 * ended the ones that went away (copied with their since); the state then
 * holds the judged ones (their since kept).  Counts in *nstarted, *nended. */
void		 monitor_update(struct monitor_state *,
		    const struct monitor_problem *, size_t n, int64_t now,
		    struct monitor_problem *started, size_t *nstarted,
		    struct monitor_problem *ended, size_t *nended);

/* Whether the daily digest is due now (local hour digest_hour, not yet
 * sent today, something open); marks it sent. */
int		 monitor_digest_due(struct monitor_state *, int64_t now,
		    unsigned int digest_hour);

/* An alert mail: "problem", "resolved" or "digest" about the problems;
 * from the template (NULL: built-in).  The whole message, CRLF lines,
 * into out. */
void		 monitor_mail(const char *kind,
		    const struct monitor_problem *, size_t n, int64_t now,
		    const struct template *, const char *from, const char *to,
		    const char *hostname, struct buf *out);

/* The built-in alert template text. */
const char	*monitor_builtin_template(void);

/* The problems as a JSON array. */
struct json_t	*monitor_json(const struct monitor_problem *, size_t n);

#endif /* WINNOW_MONITOR_H */
