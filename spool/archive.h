/*
 * archive.h - copies of messages in an archive directory
 *
 * With [policy] archive_dir set, every incoming message (as received)
 * and/or every distinct outgoing message (as sent downstream) is written to
 * ARCHIVE_DIR/YYYYMMDD/NAME.eml, with its envelope in two header fields put
 * in front of it (X-Envelope-From, X-Envelope-To) - the message itself is
 * untouched after them.  Each file is written durably (see
 * quar_write_file) before winnowd answers, so an archive that cannot be
 * written makes the message wait (4xx) rather than pass unarchived.
 *
 * Returns WN_OK or WN_TEMP with the reason in why.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_ARCHIVE_H
#define WINNOW_ARCHIVE_H

#include <stddef.h>
#include <sys/uio.h>
#include <time.h>

#include "buf.h"
#include "status.h"

/* Write one archive file: name is "QUEUEID-in" or "QUEUEID-out-N". */
int	archive_store(const char *dir, time_t when, const char *name,
	    const char *sender, const char *const *rcpts, size_t nrcpts,
	    const struct iovec *, int iovcnt, struct buf *why);

/* Remove the day directories (YYYYMMDD, UTC) of dir whose day ended at or
 * before the time before, with their files; other names stay.  With
 * dry_run only count.  *days_r and *files_r say how many went.  A dir that
 * does not exist is WN_OK (nothing archived yet); WN_TEMP with why if
 * something could not be removed (the rest still is). */
int	archive_purge(const char *dir, time_t before, int dry_run,
	    size_t *days_r, size_t *files_r, struct buf *why);

#endif /* WINNOW_ARCHIVE_H */
