/*
 * ctl_share.h - winnowctl's learned examples into the fleet
 *
 * With [fleet] redis set, every example winnowctl learns (learn, the
 * quarantine's learn and release --learn-ham, and so the control API's
 * and the dashboard's learning, which run winnowctl) is appended to the
 * fleet's learning stream before winnowctl says it is done; when Redis is
 * away it is parked on this node and the fleet process sends it later
 * (fleet/fleet_learn.h).  Without a fleet this does nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CTL_SHARE_H
#define WINNOW_CTL_SHARE_H

#include <stddef.h>

struct ctl_share;

/* Start sharing (NULL: no fleet configured). */
struct ctl_share *ctl_share_open(void);

/* Share one learned example. */
void		 ctl_share_msg(struct ctl_share *, const char *data,
		    size_t len, int spam);

/* Say where the examples went (unless quiet, and always what was lost)
 * and close; -1 when one could be neither sent nor parked.  NULL is a
 * no-op returning 0. */
int		 ctl_share_close(struct ctl_share *, int quiet);

#endif /* WINNOW_CTL_SHARE_H */
