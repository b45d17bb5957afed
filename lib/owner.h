/*
 * owner.h - files that root writes into directories another user owns
 *
 * winnowd's children write the quarantine, the archive and the learned
 * samples as the unprivileged user ([server] user); an admin often runs
 * winnowctl as root.  A file root makes there (a release rewriting an info
 * file, a directory made on first use) must belong to the directory's
 * owner, or the tools that run as that user can no longer read it.  For
 * any other caller these functions change nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_OWNER_H
#define WINNOW_OWNER_H

#include <sys/types.h>

/* When we are root, give an open file the owner and group of dir. */
void	owner_like_dir(int fd, const char *dir);

/* mkdir(path, mode); when we are root, the new directory gets its parent
 * directory's owner and group.  0, or -1 with errno (EEXIST included). */
int	owner_mkdir(const char *path, mode_t mode);

#endif /* WINNOW_OWNER_H */
