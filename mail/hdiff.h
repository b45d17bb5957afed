/*
 * hdiff.h - the header changes that turn one header section into another
 *
 * A milter cannot send a new message, only changes to the MTA's copy: header
 * fields inserted, changed or deleted, a new body.  hdiff compares the
 * header section the MTA has (as rebuilt from its SMFIC_HEADER packets)
 * with the one our edit produced (mail/edit.h: fields added at the top,
 * inbound X-Winnow-* dropped, a Subject rewritten) and lists the
 * operations, in the order they must be applied:
 *
 *   first every change and deletion, from the last field up, each naming
 *   its field by name and occurrence (the 2nd "Received", 1-based) - going
 *   from the bottom, no operation moves a field a later one names;
 *   then every insertion, from the top down, each at its index in the
 *   resulting section (0: the top).
 *
 * Fields are compared byte for byte; a field that is gone and followed in
 * the result by a new field of the same name becomes a change.  Values are
 * the bytes after "Name:" without the final CRLF (folds kept).  Any
 * two header sections give a correct list; edits give a short one.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_HDIFF_H
#define WINNOW_HDIFF_H

#include <stddef.h>

enum hdiff_op { HDIFF_CHANGE, HDIFF_DELETE, HDIFF_INSERT };

struct hdiff {
	enum hdiff_op	 op;
	size_t		 index;		/* occurrence (from 1) or
					 * position (from 0) */
	char		*name;
	char		*value;		/* "" for a deletion */
};

/* The operations from the header section old to new (each up to and
 * including its empty line, or the whole text when there is none); returns
 * how many, the array in *ops_r (free with hdiff_free). */
size_t	hdiff_make(const char *old, size_t oldlen, const char *new,
	    size_t newlen, struct hdiff **ops_r);

/* Free n operations; NULL is a no-op. */
void	hdiff_free(struct hdiff *, size_t n);

#endif /* WINNOW_HDIFF_H */
