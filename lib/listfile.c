/*
 * listfile.c - reading a list file an admin keeps (file:PATH items)
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listfile.h"

/* listfile_open - an absolute, regular file of at most max_size bytes */

enum listfile_fail
listfile_open(struct listfile *lf, const char *path, off_t max_size)
{
	struct stat	 st;
	int		 fd, saved;

	memset(lf, 0, sizeof(*lf));
	if (*path != '/')
		return (LISTFILE_RELATIVE);
	/* O_NONBLOCK: opening a FIFO with no writer must not wait */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return (LISTFILE_OPEN);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return (LISTFILE_NOT_REGULAR);
	}
	if (max_size > 0 && st.st_size > max_size) {
		(void)close(fd);
		return (LISTFILE_TOO_LARGE);
	}
	if (fcntl(fd, F_SETFL, 0) < 0 || (lf->fp = fdopen(fd, "r")) == NULL) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return (LISTFILE_OPEN);
	}
	return (LISTFILE_OK);
}

/* listfile_next - the next line, refusing one with a NUL byte */

int
listfile_next(struct listfile *lf, enum listfile_fail *fail)
{
	ssize_t		 n;

	errno = 0;
	if ((n = getline(&lf->line, &lf->cap, lf->fp)) < 0) {
		if (!ferror(lf->fp))
			return (0);
		*fail = LISTFILE_READ;
		return (-1);
	}
	lf->len = (size_t)n;
	lf->no++;
	if (memchr(lf->line, '\0', lf->len) != NULL) {
		*fail = LISTFILE_NUL;
		return (-1);
	}
	return (1);
}

/* listfile_close - close and free */

void
listfile_close(struct listfile *lf)
{
	if (lf->fp != NULL)
		(void)fclose(lf->fp);
	free(lf->line);
	memset(lf, 0, sizeof(*lf));
}
