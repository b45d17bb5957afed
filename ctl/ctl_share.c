/*
 * ctl_share.c - winnowctl's learned examples into the fleet: the stream
 * when Redis answers, parked on this node when it does not
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include <hiredis/hiredis.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "stats_conf.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_conf.h"
#include "fleet_learn.h"

/* ctl */
#include "ctl_share.h"

struct ctl_share {
	redisContext	*c;
	int		 away;		/* Redis failed: park the rest */
	struct buf	*why;		/* why it is away */
	char		 dir[4096];
	unsigned long	 sent, parked, large, lost;
};

/* ctl_share_open - start sharing, if there is a fleet */

struct ctl_share *
ctl_share_open(void)
{
	struct ctl_share *s;

	if (!fleet_conf_on())
		return (NULL);
	s = xcalloc(1, sizeof(*s));
	s->why = buf_new(128);
	fleet_learn_dir(stats_conf_dir(smtp_conf.spool_dir), s->dir,
	    sizeof(s->dir));
	return (s);
}

/* ctl_share_park - keep it for the fleet process */

static void
ctl_share_park(struct ctl_share *s, const char *data, size_t len, int spam)
{
	struct buf	*why = buf_new(128);

	if (fleet_learn_park(s->dir, data, len, spam, why) == WN_OK)
		s->parked++;
	else {
		if (s->lost++ == 0)
			(void)fprintf(stderr, "winnowctl: cannot keep a "
			    "learned message for the fleet (this node has "
			    "learned it): %s\n", buf_str(why));
		log_error("fleet: a learned message is on this node only: %s",
		    buf_str(why));
	}
	buf_free(why);
}

/* ctl_share_msg - share one learned example */

void
ctl_share_msg(struct ctl_share *s, const char *data, size_t len, int spam)
{
	struct buf	*why;
	int		 rc;

	if (s == NULL)
		return;
	if (!s->away && s->c == NULL &&
	    (s->c = fleet_client_open(s->why)) == NULL)
		s->away = 1;
	if (s->away) {
		ctl_share_park(s, data, len, spam);
		return;
	}
	why = buf_new(128);
	rc = fleet_learn_add(s->c, data, len, spam, fleet_node(), why);
	if (rc == WN_OK)
		s->sent++;
	else if (rc == WN_PERM) {
		if (s->large++ == 0)
			(void)fprintf(stderr, "winnowctl: %s: learned on this "
			    "node only\n", buf_str(why));
	} else {
		buf_reset(s->why);
		buf_puts(s->why, buf_str(why));
		s->away = 1;
		fleet_client_close(s->c);
		s->c = NULL;
		ctl_share_park(s, data, len, spam);
	}
	buf_free(why);
}

/* ctl_share_close - report and close */

int
ctl_share_close(struct ctl_share *s, int quiet)
{
	int	 rc;

	if (s == NULL)
		return (0);
	if (!quiet && s->sent > 0)
		(void)printf("fleet: Redis has %lu learned message%s; every "
		    "node's model gets %s within a few seconds\n", s->sent,
		    s->sent == 1 ? "" : "s", s->sent == 1 ? "it" : "them");
	if (s->parked > 0) {
		(void)printf("fleet: learned locally only: %lu message%s kept "
		    "in %s for the fleet (Redis: %s); the fleet process sends "
		    "them when Redis is back\n", s->parked, s->parked == 1 ?
		    "" : "s", s->dir, buf_str(s->why));
		log_warn("fleet: %lu learned message%s parked: %s", s->parked,
		    s->parked == 1 ? "" : "s", buf_str(s->why));
	}
	rc = s->lost > 0 ? -1 : 0;
	fleet_client_close(s->c);
	buf_free(s->why);
	free(s);
	return (rc);
}
