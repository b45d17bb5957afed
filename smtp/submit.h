/*
 * submit.h - send a message winnow made itself downstream
 *
 * DSNs, notifications and quarantine releases go to the forward endpoint
 * like any filtered message, through the same reinjection code
 * (reinject.h), in one transaction of their own.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SUBMIT_H
#define WINNOW_SUBMIT_H

#include <stddef.h>
#include <sys/uio.h>

#include "buf.h"
#include "fate.h"

/* Send the content (segments, CRLF lines, no dot-stuffing) from sender
 * ("" for <>) to rcpts.  WN_OK when every recipient was accepted after the
 * final dot; WN_TEMP when a recipient was refused temporarily or the
 * connection failed (after a lost final reply the message may have been
 * delivered all the same); WN_PERM when the others were refused
 * permanently.  why holds the first refusal.  fates_r (may be NULL) gets
 * each recipient's fate (FATE_DELIVERED: it has the message). */
int	submit_message(const char *qid, const char *sender,
	    char *const *rcpts, size_t nrcpts, const struct iovec *segs,
	    size_t nsegs, int eightbit, enum fate *fates_r,
	    struct buf *why);

#endif /* WINNOW_SUBMIT_H */
