/*
 * notice.h - the messages we send after the reply: DSNs, notifications
 *
 * The deliver hook decides them (notice_later) before the upstream is
 * answered; the session's after-reply hook sends them (notice_after_reply)
 * once the answer is out.  With a queue (notice_init with a spool
 * directory) each is durable in spool_dir/outq before the answer, and what
 * could not be sent is tried again between sessions (notice_retry).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_NOTICE_H
#define WINNOW_NOTICE_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"

/* Keep messages durably in spool_dir/outq, retried every retry_ms for up
 * to lifetime_ms (spool_dir NULL: no queue, each is sent once). */
void		 notice_init(const char *spool_dir, unsigned int retry_ms,
		    unsigned int lifetime_ms);

/* Keep a message (CRLF lines) for after the reply; takes to (a
 * conf_list_split-style array) and data.  With a queue it is written
 * durably now: WN_TEMP with why when that failed (the message is then
 * sent once only unless the caller answers 4xx). */
int		 notice_later(const char *qid, const char *what, char **to,
		    size_t nto, struct buf *data, struct buf *why);

/* A mark in the list of kept messages, and taking back everything kept
 * since a mark (their outq files removed): a DSN kept durably before the
 * final dots, when the answer then was not 250 after all. */
size_t		 notice_mark(void);
void		 notice_cancel_from(size_t mark);

/* Send the kept messages (answered: the reply reached the upstream; if
 * not, they are dropped, as the upstream sends the message again). */
void		 notice_after_reply(int answered);

/* Call fn after every send: from the queue (retry) or first, and its
 * WN_ result (statistics; NULL: nobody). */
void		 notice_count(void (*fn)(int retry, int rc));

/* Between sessions: send what outq holds that is due, ending early when
 * *stop is set, calling busy(1) / busy(0) around any send; returns the
 * milliseconds until the next look. */
unsigned int	 notice_retry(const volatile sig_atomic_t *stop,
		    void (*busy)(int));

#endif /* WINNOW_NOTICE_H */
