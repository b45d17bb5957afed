/*
 * status.h - the three outcomes of an expected run-time failure
 *
 * Leaves return one of these and, when the caller passed a struct buf *why,
 * leave a one-line reason in it.  WN_TEMP means "try again later" and maps to
 * a 4xx reply (or the on_error policy); WN_PERM means the input itself is bad
 * and retrying will not help (5xx).  Modules with richer meaning add their own
 * codes below -100.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_STATUS_H
#define WINNOW_STATUS_H

#define WN_OK	0		/* done */
#define WN_TEMP	(-1)		/* temporary failure: retry later (4xx) */
#define WN_PERM	(-2)		/* permanent failure: the input is bad (5xx) */

/* Name of a WN_* status for log lines. */
const char	*wn_status_str(int);

#endif /* WINNOW_STATUS_H */
