/*
 * secret.h - the control API's per-install secret
 *
 * One line of 64 hexadecimal digits (32 random bytes from getrandom) in a
 * file readable by root and the children's group only (0640).  winnowd's
 * master makes it when it is missing (as root, at start-up); winnowctl
 * control-secret prints it or, with --rotate, replaces it.  A rewrite is
 * atomic (a temporary file in the same directory, fsync, rename), so a
 * reader sees the old secret or the new one, never a part.
 *
 * Fallible calls return WN_OK, WN_TEMP (the file system failed) or WN_PERM
 * (no such file, or not a secret), with the reason in why.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SECRET_H
#define WINNOW_SECRET_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "status.h"

#define SECRET_LEN	64		/* hex digits */

/* A new random secret: SECRET_LEN hex digits and a NUL into out. */
void		 secret_make(char out[SECRET_LEN + 1]);

/* Read the secret of path into out. */
int		 secret_read(const char *path, char out[SECRET_LEN + 1],
		    struct buf *why);

/* Write secret to path atomically, mode 0640, group gid ((gid_t)-1:
 * keep the caller's). */
int		 secret_write(const char *path, const char *secret, gid_t gid,
		    struct buf *why);

/* Compare two strings in time that depends on their lengths only; 1 when
 * equal. */
int		 secret_equal(const char *a, const char *b);

#endif /* WINNOW_SECRET_H */
