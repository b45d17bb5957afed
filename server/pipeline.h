/*
 * pipeline.h - the stages of one message in a winnowd child
 *
 * pipeline_run (pipeline.c) is the spine; each stage has a file of its own:
 *
 *   checks.c   the table of checks: each reads the message and writes its
 *              findings; a check that fails records so in its own findings;
 *              one AV pass per option set the recipients' groups use
 *              (avsets.h)
 *   decide.c   each filtered recipient's group decides its statuses and
 *              actions (policy_decide); refusals and holds get their replies
 *   plan.c     each recipient's resulting message (our headers, its group's
 *              modifications) and the downstream transactions: identical
 *              results share one; copies go in their own (split.h)
 *   deliver.c  prepare every transaction up to the final dot, store the
 *              quarantine and archive copies, then commit (or abort) them
 *   report.c   the one reply for an SMTP upstream and the summary line
 *   notices.c  the DSN for refused recipients and the notifications, kept
 *              for after the reply (smtp/notice.h)
 *   learnmail.c  report addresses: learned, not delivered
 *   mreply.c   on a milter connection, instead of plan, deliver and
 *              report: the decisions as one milter answer (smtp/milter.h)
 *
 * A recipient's outcome is its fate (smtp/fate.h); what the pipeline knows
 * about it besides is one struct pl_rcpt.  This header is private to
 * server/.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_PIPELINE_H
#define WINNOW_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "checks.h"
#include "findings.h"
#include "milter.h"
#include "msg.h"
#include "policy.h"
#include "reinject.h"
#include "sess.h"

struct edit;
struct mail;
struct split;

/* Why a recipient is not filtered. */
enum pl_info {
	INFO_NONE = 0,		/* filtered */
	INFO_NOT_PROT,		/* not in a protected domain */
	INFO_SIZE,		/* over filter_size_limit */
	INFO_BYPASS,		/* msg->bypass says why */
	INFO_REPORT,		/* a report address (learnmail.c) */
};

/* What the pipeline knows about one recipient besides its fate. */
struct pl_rcpt {
	struct rcpt	*r;		/* the envelope recipient and its fate */
	enum pl_info	 info;
	int		 decided;	/* dec is valid */
	int		 unchecked;	/* a check its group needs failed and
					 * on_error = accept: decided on the
					 * rest, marked "not processed" */
	size_t		 pass;		/* its AV pass (c->passes) */
	struct policy_decision dec;
	struct buf	*replaced;	/* action replace: its notice */
	size_t		 replaced_hlen;
};

/* A copy of the message made for an AV action, once per pass. */
struct pl_variant {
	struct buf	*b;
	size_t		 hlen;
	int		 state;		/* 0 not tried, 1 made, -1 impossible */
};

/* One AV pass: the option set of some recipients' groups (avsets.h),
 * the findings they are decided on (the first pass's are c->f; another
 * pass's are a copy of them with its own AV part), and the copies of the
 * message made from those findings. */
struct pl_pass {
	size_t		 set;
	struct findings	*f;
	struct pl_variant removed;	/* flagged parts replaced */
	struct pl_variant renamed;	/* flagged parts renamed */
};

/* One downstream transaction, parallel to a split_txn. */
struct pl_txn {
	struct reinject_txn txn;
	struct reinject	*conn;
	struct rcpt	**rcpts;	/* what reinject fills in */
	struct rcpt	**extra;	/* our own rcpts for non-recipients */
	size_t		 n;
	int		 committed;	/* the downstream has a copy */
};

/* One message on its way through the stages. */
struct pl_ctx {
	const struct sess_info *si;
	struct msg	*m;
	const char	*data;
	size_t		 len, header_len;
	struct findings	*f;
	struct msg_view	 view;
	struct mail	*mail;		/* the view's index (ours to free) */
	const char	**addrs;	/* recipients' addresses */
	struct pl_rcpt	*rc;		/* per recipient */
	char		 info_error[128];	/* "not processed (av check
						 * failed)" */
	struct edit	**edits;	/* every edit made, to free */
	size_t		 nedits;
	struct split	*sp;
	struct pl_txn	*txns;		/* parallel to sp->txns */
	char		*quar_id;
	char		*backup_id;	/* the STATUS.backup copy's entry */
	unsigned int	 narchived;
	size_t		 dsn_mark;	/* notice_mark() before our DSN */
	size_t		 ndsn;		/* refusals a kept DSN reports */
	uint64_t	 deadline;	/* message_deadline, absolute; 0 none */
	struct pl_pass	*passes;	/* at least one */
	size_t		 npasses;
	struct buf	*why;
	/* for the statistics (count.c) */
	uint64_t	 t0_us;		/* time_now_us() at the end of DATA */
	uint64_t	 check_us[CHECKS_MAX];	/* time in each check */
	unsigned char	 check_ran[CHECKS_MAX];
	int		 quar_failed;	/* the quarantine copy failed */
	unsigned int	 narchive_failed;
	/* a look at each check's handle before it is freed (scan.c: the
	 * classifier's features); NULL in the children */
	void		(*peek)(struct pl_ctx *, const struct check *,
			    void *handle);
	void		*peek_arg;
};

/* learnmail.c: whether a recipient is a report address; and every report
 * recipient's outcome (learned and dropped, refused, or deferred). */
int		 learnmail_is_report(const char *rcpt);
void		 learnmail_run(struct pl_ctx *);

/* checks.c: run every check a filtered recipient's group wants; one that
 * fails records so in the findings (findings.failed). */
void		 checks_run(struct pl_ctx *);

/* decide.c: each filtered recipient's decision; refusals and holds get
 * their replies at once. */
void		 decide_all(struct pl_ctx *);

/* decide.c: the macros of a reject text or notification. */
void		 decide_vars(struct pl_ctx *, const struct policy_decision *,
		    int slot, const char **vars, struct buf *virus);

/* plan.c: the message each recipient gets and every transaction. */
void		 plan_make(struct pl_ctx *);

/* deliver.c: open and prepare every transaction (no final dot). */
void		 deliver_prepare(struct pl_ctx *);

/* deliver.c: store the copies, then the final dots (or abort them); every
 * recipient has an outcome afterwards. */
void		 deliver_commit(struct pl_ctx *);

/* deliver.c: store the message for its quarantined recipients (sets
 * quar_id), or its backup copy for those whose status keeps one (sets
 * backup_id); WN_OK, or WN_TEMP with c->why. */
int		 deliver_quarantine(struct pl_ctx *);
int		 deliver_backup(struct pl_ctx *);

/* mreply.c: for a milter connection instead of plan, deliver and report:
 * the modifications and the final reply in the answer (every recipient
 * gets a final fate or a deferral), the summary's reply line in reply. */
void		 mreply_make(struct pl_ctx *, struct milter_answer *,
		    struct buf *reply);

/* deliver.c: log what became of the copies. */
void		 deliver_log_extras(struct pl_ctx *);

/* report.c: the one reply for an SMTP upstream (asks notices.c for the
 * DSN), and the summary line of the message. */
void		 report_smtp_reply(struct pl_ctx *, struct buf *reply);
void		 report_log(struct pl_ctx *, const struct buf *reply);

/* notices.c: keep a DSN (durably, for after the reply) for the recipients
 * refused permanently and not reported yet; WN_OK (c->ndsn counts them),
 * or WN_TEMP when it could not be kept durably (then dropped if
 * must_keep, else sent once). */
int		 notices_dsn(struct pl_ctx *, int must_keep);

/* notices.c: take back the DSN kept before the final dots when the answer
 * is not 250 after all. */
void		 notices_dsn_cancel(struct pl_ctx *);

/* count.c: the message into the statistics and the verdict history (after
 * the reply is known; checks_text is the X-Winnow-Checks text, score the
 * verdict's points when has_score). */
void		 count_message(struct pl_ctx *, const struct buf *reply,
		    const char *checks_text, int has_score, double score);

/* count.c: a message the session refused itself (its reply code), and a
 * DSN or notification sent (smtp/notice.h's counter). */
void		 count_refused(int code);
void		 count_notice(int retry, int rc);

/* notices.c: the notifications the decisions ask for (after the reply). */
void		 notices_notify(struct pl_ctx *);

/* pipeline.c: the X-Winnow-Info text of a recipient that is not filtered
 * or not completely checked (NULL when it is). */
const char	*pipeline_info(const struct pl_ctx *, const struct pl_rcpt *);

/* pipeline.c: a new edit of the message recipient p gets (the original
 * for NULL or when no AV action changed it: its parts removed or renamed,
 * or its notice), kept for freeing with the context. */
struct edit	*pipeline_edit(struct pl_ctx *, const struct pl_rcpt *p);

/* pipeline.c: the findings a recipient was decided on (its AV pass's). */
struct findings	*pipeline_findings(const struct pl_ctx *,
		    const struct pl_rcpt *);

#endif /* WINNOW_PIPELINE_H */
