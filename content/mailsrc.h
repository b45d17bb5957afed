/*
 * mailsrc.h - read messages from a file, an mbox or a directory tree
 *
 * For `winnowctl learn`, `winnowctl classify` and the benchmarks.  A path
 * may name one message (RFC 5322, optionally with an mbox "From " line in
 * front), an mbox (several messages, each starting with a "From <addr>
 * <date>" line; ">From " quoting is undone), or a directory: every regular
 * file below it, in name order, hidden files left out (Maildir cur/ and
 * new/, MH folders, unpacked corpora), each file read as above.
 *
 * Files are mapped read-only; the bytes mailsrc_next() returns stay valid
 * until the next call.  Errors: mailsrc_open() returns NULL with why;
 * mailsrc_next() returns -1 with why for a file it cannot read and goes on
 * with the next one on the following call.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MAILSRC_H
#define WINNOW_MAILSRC_H

#include <stddef.h>

#include "buf.h"

struct mailsrc;

/* Open a file or directory of messages. */
struct mailsrc	*mailsrc_open(const char *path, struct buf *why);

/* The next message: 1 and its bytes and a name ("file" or "file:N" for
 * the Nth message of an mbox), 0 at the end, -1 for an unreadable file. */
int		 mailsrc_next(struct mailsrc *, const char **data,
		    size_t *len, const char **name, struct buf *why);

/* How far through the source we are, 0.0 .. 1.0. */
double		 mailsrc_progress(const struct mailsrc *);

/* Number of files (1 for a single file or mbox). */
size_t		 mailsrc_files(const struct mailsrc *);

/* Close it. NULL is a no-op. */
void		 mailsrc_close(struct mailsrc *);

#endif /* WINNOW_MAILSRC_H */
