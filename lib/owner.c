/*
 * owner.c - files that root writes into directories another user owns
 *
 * Only the owner and group change, never the mode, and only when root
 * writes into a directory root does not own; a failure to change them is
 * not an error of the write (the file is still there and correct), so it
 * is only logged.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "log.h"
#include "owner.h"

/* owner_like_dir - root's file takes the directory's owner */

void
owner_like_dir(int fd, const char *dir)
{
	struct stat	 st;

	if (geteuid() != 0 || stat(dir, &st) < 0 ||
	    (st.st_uid == 0 && st.st_gid == 0))
		return;
	if (fchown(fd, st.st_uid, st.st_gid) < 0)
		log_warn("chown in %s: %s", dir, strerror(errno));
}

/* owner_mkdir - mkdir, owned like the parent when root makes it */

int
owner_mkdir(const char *path, mode_t mode)
{
	char		 parent[PATH_MAX];
	struct stat	 st;
	const char	*slash;
	int		 saved;

	if (mkdir(path, mode) < 0)
		return (-1);
	if (geteuid() != 0 || (slash = strrchr(path, '/')) == NULL)
		return (0);
	(void)snprintf(parent, sizeof(parent), "%.*s",
	    slash == path ? 1 : (int)(slash - path), path);
	if (stat(parent, &st) == 0 && (st.st_uid != 0 || st.st_gid != 0) &&
	    chown(path, st.st_uid, st.st_gid) < 0) {
		saved = errno;
		log_warn("chown %s: %s", path, strerror(saved));
	}
	return (0);
}
