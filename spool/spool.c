/*
 * spool.c - storage for the bytes of one message
 *
 * Memory first, an unnamed file past the threshold.  Writes to the file are
 * gathered in a 64 KiB buffer so a message arriving in small reads costs few
 * system calls.  Every write error (ENOSPC, EIO, EFBIG) becomes WN_TEMP: our
 * failure, never the sender's, so the upstream retries.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* spool */
#include "spool.h"

#define SPOOL_WBUF	(64 * 1024)

struct spool {
	char		*dir;
	size_t		 mem_max;
	struct buf	*mem;		/* the message, or the write buffer */
	int		 fd;		/* -1 while in memory */
	off_t		 size;
	int		 committed;
	void		*map;		/* mapping of the file after commit */
};

/* spool_new - an empty spool */

struct spool *
spool_new(const char *dir, size_t mem_max)
{
	struct spool	*sp;

	sp = xcalloc(1, sizeof(*sp));
	sp->dir = xstrdup(dir);
	sp->mem_max = mem_max;
	sp->mem = buf_new(mem_max < 65536 ? mem_max : 65536);
	sp->fd = -1;
	return (sp);
}

/* spool_file_open - create the unnamed file for a large message */

static int
spool_file_open(struct spool *sp, struct buf *why)
{
	char	 path[4096];
	int	 n;

	sp->fd = open(sp->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (sp->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR ||
	    errno == EINVAL)) {
		/* No O_TMPFILE on this file system: create and unlink. */
		n = snprintf(path, sizeof(path), "%s/spool.XXXXXX", sp->dir);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			buf_printf(why, "spool directory name too long");
			return (WN_TEMP);
		}
		if ((sp->fd = mkostemp(path, O_CLOEXEC)) >= 0)
			(void)unlink(path);
	}
	if (sp->fd < 0) {
		buf_printf(why, "create spool file in %s: %s", sp->dir,
		    strerror(errno));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* spool_file_flush - write the gathered bytes to the file */

static int
spool_file_flush(struct spool *sp, struct buf *why)
{
	const char	*p = sp->mem->data;
	size_t		 left = buf_len(sp->mem);
	ssize_t		 n;

	while (left > 0) {
		if ((n = write(sp->fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			buf_printf(why, "write spool file in %s: %s", sp->dir,
			    strerror(errno));
			return (WN_TEMP);
		}
		p += n;
		left -= (size_t)n;
	}
	buf_reset(sp->mem);
	return (WN_OK);
}

/* spool_write - append message data, moving to disk past the threshold */

int
spool_write(struct spool *sp, const void *data, size_t len, struct buf *why)
{
	if (sp->committed)
		log_panic("spool_write: spool already committed");

	if (sp->fd < 0 && buf_len(sp->mem) + len > sp->mem_max &&
	    spool_file_open(sp, why) != WN_OK)
		return (WN_TEMP);

	buf_append(sp->mem, data, len);
	sp->size += (off_t)len;
	if (sp->fd >= 0 && buf_len(sp->mem) >= SPOOL_WBUF)
		return (spool_file_flush(sp, why));
	return (WN_OK);
}

/* spool_commit - finish writing and make the data readable */

int
spool_commit(struct spool *sp, struct buf *why)
{
	if (sp->committed)
		log_panic("spool_commit: spool already committed");
	sp->committed = 1;
	if (sp->fd < 0)
		return (WN_OK);
	if (spool_file_flush(sp, why) != WN_OK)
		return (WN_TEMP);
	if (sp->size == 0)
		return (WN_OK);
	sp->map = mmap(NULL, (size_t)sp->size, PROT_READ, MAP_PRIVATE, sp->fd,
	    0);
	if (sp->map == MAP_FAILED) {
		sp->map = NULL;
		buf_printf(why, "map spool file: %s", strerror(errno));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* spool_data - the message as one block */

const char *
spool_data(const struct spool *sp, size_t *len)
{
	if (!sp->committed)
		log_panic("spool_data: spool not committed");
	*len = (size_t)sp->size;
	if (sp->fd < 0)
		return (sp->mem->data);
	return (sp->map != NULL ? sp->map : "");
}

/* spool_size - bytes written */

off_t
spool_size(const struct spool *sp)
{
	return (sp->size);
}

/* spool_on_disk - whether the message went to a file */

int
spool_on_disk(const struct spool *sp)
{
	return (sp->fd >= 0);
}

/* spool_free - release everything */

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->map != NULL)
		(void)munmap(sp->map, (size_t)sp->size);
	if (sp->fd >= 0)
		(void)close(sp->fd);
	buf_free(sp->mem);
	free(sp->dir);
	free(sp);
}

/* spool_space_check - is there room in the spool directory? */

int
spool_space_check(const char *dir, size_t need, size_t reserve,
    struct buf *why)
{
	struct statvfs	 st;
	unsigned long long avail;

	if (statvfs(dir, &st) < 0) {
		buf_printf(why, "statvfs %s: %s", dir, strerror(errno));
		return (WN_TEMP);
	}
	avail = (unsigned long long)st.f_bavail * st.f_frsize;
	if (avail < (unsigned long long)need + reserve) {
		buf_printf(why, "%s has %llu bytes free, need %zu plus "
		    "spool_reserve %zu", dir, avail, need, reserve);
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* spool_writev_all - write every byte of an iovec array */

int
spool_writev_all(int fd, const struct iovec *iov, int iovcnt)
{
	const char	*p;
	size_t		 left;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < iovcnt; i++) {
		p = iov[i].iov_base;
		left = iov[i].iov_len;
		while (left > 0) {
			if ((n = write(fd, p, left)) < 0) {
				if (errno == EINTR)
					continue;
				return (-1);
			}
			p += n;
			left -= (size_t)n;
		}
	}
	return (0);
}

/* spool_fsync_dir - make renames in a directory durable */

int
spool_fsync_dir(const char *dir, struct buf *why)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_printf(why, "open %s: %s", dir, strerror(errno));
		return (WN_TEMP);
	}
	if (fsync(fd) < 0) {
		buf_printf(why, "fsync %s: %s", dir, strerror(errno));
		(void)close(fd);
		return (WN_TEMP);
	}
	(void)close(fd);
	return (WN_OK);
}
