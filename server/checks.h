/*
 * checks.h - the table of checks (server/checks.c)
 *
 * Adding a check is one row here and one member of struct findings.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CHECKS_H
#define WINNOW_CHECKS_H

#include "buf.h"
#include "findings.h"

/* What a check does to the process it runs in. */
#define CHECK_FORKS		0x01	/* may fork (before any thread) */
#define CHECK_THREADS		0x02	/* starts a thread */
#define CHECK_TEXT		0x04	/* fills msg_view.text at start */
#define CHECK_READS_TEXT	0x08	/* reads msg_view.text */
#define CHECK_PER_SET		0x10	/* runs once per AV option set the
					 * recipients' groups use (again, into
					 * a copy of the findings, for each
					 * set after the first) */
#define CHECK_ELSEWHERE		0x20	/* its work runs in another process
					 * from start to finish: started
					 * before the other checks, finished
					 * after them, so it overlaps them */

#define CHECKS_MAX		16

struct check {
	const char	*name;		/* in logs and X-Winnow-Info */
	unsigned int	 needs;		/* POLICY_NEED_* bits asking for it */
	unsigned int	 affects;	/* POLICY_NEED_* families whose
					 * statuses depend on it */
	unsigned int	 failed;	/* its FINDINGS_FAILED_* bit */
	unsigned int	 flags;		/* CHECK_* */
	/* life cycle */
	void		(*conf_register)(void);
	int		(*load)(struct buf *why);
	void		(*child_init)(void);
	void		(*child_exit)(void);	/* may be NULL */
	/* per message: start returns a handle, NULL when it failed (why) */
	void		*(*start)(struct msg_view *, unsigned int need,
			    struct buf *why);
	int		(*finish)(void *, struct msg_view *, unsigned int need,
			    struct findings *, struct buf *why);
	void		(*done)(void *, struct msg_view *);	/* after
					 * every check finished; may be NULL */
};

/* The table, ended by a row with a NULL name. */
extern const struct check checks_table[];

/* Panic unless the table keeps the process rules (fork before threads,
 * text before its readers); once at start-up. */
void	checks_validate(void);

/* The families (POLICY_NEED_*) whose statuses depend on a check that
 * failed, and the failed checks' names ("av, dns") into names. */
unsigned int	checks_failed_families(const struct findings *,
		    struct buf *names);

#endif /* WINNOW_CHECKS_H */
