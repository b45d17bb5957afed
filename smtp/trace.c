/*
 * trace.c - our Received: trace field
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "timeutil.h"

/* smtp */
#include "sess.h"
#include "smtp_conf.h"
#include "trace.h"

/* trace_received - the value of our Received: field */

void
trace_received(struct buf *v, const struct sess_info *si, const char *qid,
    const char *for_addr, time_t when)
{
	char		 date[64];
	const char	*helo = si->helo ? si->helo : "unknown";

	time_rfc5322(date, sizeof(date), when);
	buf_puts(v, "from ");
	buf_append(v, helo, strlen(helo) > 255 ? 255 : strlen(helo));
	/* RFC 5321 4.4 TCP-info: an address literal; none for a local
	 * (unix socket) peer. */
	if (strchr(si->peer_addr, ':') != NULL)
		buf_printf(v, " ([IPv6:%s])", si->peer_addr);
	else if (strcmp(si->peer_addr, "local") != 0)
		buf_printf(v, " ([%s])", si->peer_addr);
	buf_printf(v, " by %s (winnow) with %s id %s", smtp_conf.hostname,
	    si->lmtp ? "LMTP" : si->esmtp ? "ESMTP" : "SMTP", qid);
	if (for_addr != NULL)
		buf_printf(v, " for <%s>", for_addr);
	buf_printf(v, "; %s", date);
}
