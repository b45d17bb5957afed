/*
 * trace.h - our Received: trace field
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_TRACE_H
#define WINNOW_TRACE_H

#include <time.h>

#include "buf.h"
#include "sess.h"

/* The value of our Received: field for a message of this session (RFC
 * 5321 4.4): "from HELO ([ADDR]) by HOST (winnow) with ESMTP id QID
 * [for <ADDR>]; DATE".  when is the one time stamp of the message, so
 * every copy made of it carries the same field. */
void	trace_received(struct buf *out, const struct sess_info *,
	    const char *qid, const char *for_addr, time_t when);

#endif /* WINNOW_TRACE_H */
