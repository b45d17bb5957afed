/*
 * listfile.h - reading a list file an admin keeps (file:PATH items)
 *
 * Masks, protected domains, attachment-name filters and reject texts may
 * name a file of lines instead of listing items in place.  Each such file
 * must be an absolute path to a regular file, no larger than a limit (it
 * is read whole at every reload, so a FIFO or a huge file would stall
 * it), and no line may hold a NUL byte (a binary file named by mistake).
 * This reads it line by line and says which of those failed; the caller
 * words the error for its parameter.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_LISTFILE_H
#define WINNOW_LISTFILE_H

#include <stdio.h>
#include <sys/types.h>

/* What went wrong; errno is kept for LISTFILE_OPEN and LISTFILE_READ. */
enum listfile_fail {
	LISTFILE_OK = 0,
	LISTFILE_RELATIVE,		/* the path is not absolute */
	LISTFILE_OPEN,			/* fopen failed */
	LISTFILE_NOT_REGULAR,		/* a directory, FIFO, device... */
	LISTFILE_TOO_LARGE,		/* over the caller's limit */
	LISTFILE_NUL,			/* a line holds a NUL byte */
	LISTFILE_READ			/* a read error */
};

struct listfile {
	FILE		*fp;
	char		*line;		/* the current line, with its newline */
	size_t		 cap;
	size_t		 len;		/* its length */
	unsigned int	 no;		/* its number, from 1 */
};

/* Open path for reading; max_size 0 is no limit.  LISTFILE_OK or why
 * not (nothing to close then). */
enum listfile_fail listfile_open(struct listfile *, const char *path,
		    off_t max_size);

/* The next line into lf->line: 1, 0 at the end, or -1 with *fail set
 * (LISTFILE_NUL or LISTFILE_READ). */
int		 listfile_next(struct listfile *, enum listfile_fail *fail);

/* Close and free. */
void		 listfile_close(struct listfile *);

#endif
