/*
 * policy_private.h - what the files of policy/ share among themselves
 *
 * Not for use outside policy/ (the unit tests may).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_POLICY_PRIVATE_H
#define WINNOW_POLICY_PRIVATE_H

#include "findings.h"
#include "policy.h"

/* Something the policy owns and frees with itself. */
struct policy_obj {
	void		*p;
	void		(*free_fn)(void *);
	struct policy_obj *next;
};

/* Free a whole policy (groups, lists, templates); NULL is a no-op. */
void		 policy_free(struct policy *);

/* The spam status of a recipient in a group: trusted when the group
 * switched spam checks off or the sender is white-listed, blacklisted when
 * it is black-listed, else the verdict on the findings.  *list_r names the
 * list that decided, or is NULL. */
enum spam_status group_spam_status(const struct policy *,
		    const struct policy_group *, const struct msg_view *,
		    const struct findings *, const char **list_r);

/* The AV status of a recipient in a group (AV_NOT_SCANNED when the group
 * switched AV checks off). */
enum av_status	 group_av_status(const struct policy_group *,
		    const struct findings *);

/* The verdict on the findings alone (verdict_spam), at the group's
 * detection level and without network results if it has dns_checks = no. */
enum spam_status group_verdict(const struct policy_group *,
		    const struct findings *);

/* The verdict's points for X-Winnow-Score, as the group sees them. */
double		 group_points(const struct policy_group *,
		    const struct findings *);

#endif /* WINNOW_POLICY_PRIVATE_H */
