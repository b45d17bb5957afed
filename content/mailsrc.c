/*
 * mailsrc.c - messages from a file, an mbox or a directory tree
 *
 * An mbox separator is a line "From <token> <weekday> ..." (the format
 * every mbox writer uses), not any line that starts with "From ", so a
 * single message whose body has a "From the desk of" line is not split.
 * A file counts as an mbox when a second separator follows the first.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "mailsrc.h"

#define MAILSRC_MAX_DEPTH	16	/* directory levels followed */

struct mailsrc {
	char		**files;
	size_t		 nfiles, cap, cur;	/* cur: next file to open */
	char		*map;			/* the open file */
	size_t		 maplen, off;		/* off: next message start */
	unsigned int	 msgno;			/* in the open file */
	int		 open;
	struct buf	*msg;			/* unquoted mbox message */
	char		 name[1100];
};

/* mailsrc_is_sep - whether a line at p is an mbox "From " separator */

static int
mailsrc_is_sep(const char *p, const char *end)
{
	static const char *const days[] = {
		"Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun ", NULL
	};
	const char	*q;
	size_t		 i;

	if (end - p < 20 || memcmp(p, "From ", 5) != 0)
		return (0);
	for (q = p + 5; q < end && *q != ' ' && *q != '\n'; q++)
		;
	while (q < end && *q == ' ')
		q++;
	if (end - q < 4)
		return (0);
	for (i = 0; days[i] != NULL; i++)
		if (memcmp(q, days[i], 4) == 0)
			return (1);
	return (0);
}

/* mailsrc_add - remember a file path */

static void
mailsrc_add(struct mailsrc *ms, const char *path)
{
	if (ms->nfiles == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 64;
		ms->files = xreallocarray(ms->files, ms->cap,
		    sizeof(*ms->files));
	}
	ms->files[ms->nfiles++] = xstrdup(path);
}

/* mailsrc_cmp - name order */

static int
mailsrc_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* mailsrc_walk - collect regular files below a directory */

static int
mailsrc_walk(struct mailsrc *ms, const char *dir, int depth, struct buf *why)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	char		*path;
	size_t		 n;
	int		 rc = 0;

	if (depth > MAILSRC_MAX_DEPTH)
		return (0);
	if ((d = opendir(dir)) == NULL) {
		buf_printf(why, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n = strlen(dir) + strlen(e->d_name) + 2;
		path = xmalloc(n);
		(void)snprintf(path, n, "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = mailsrc_walk(ms, path, depth + 1, why);
			else if (S_ISREG(st.st_mode))
				mailsrc_add(ms, path);
		}
		free(path);
	}
	(void)closedir(d);
	return (rc);
}

/* mailsrc_open - a file or a directory tree of messages */

struct mailsrc *
mailsrc_open(const char *path, struct buf *why)
{
	struct mailsrc	*ms;
	struct stat	 st;

	if (stat(path, &st) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	ms = xcalloc(1, sizeof(*ms));
	ms->msg = buf_new(4096);
	if (S_ISDIR(st.st_mode)) {
		if (mailsrc_walk(ms, path, 0, why) < 0) {
			mailsrc_close(ms);
			return (NULL);
		}
		qsort(ms->files, ms->nfiles, sizeof(*ms->files), mailsrc_cmp);
	} else
		mailsrc_add(ms, path);
	return (ms);
}

/* mailsrc_unmap - close the current file */

static void
mailsrc_unmap(struct mailsrc *ms)
{
	if (ms->map != NULL && ms->maplen > 0)
		(void)munmap(ms->map, ms->maplen);
	ms->map = NULL;
	ms->maplen = ms->off = 0;
	ms->open = 0;
}

/* mailsrc_map - open the next file */

static int
mailsrc_map(struct mailsrc *ms, struct buf *why)
{
	const char	*path = ms->files[ms->cur++];
	struct stat	 st;
	int		 fd;

	ms->msgno = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return (-1);
	}
	ms->maplen = (size_t)st.st_size;
	ms->map = NULL;
	if (ms->maplen > 0 && (ms->map = mmap(NULL, ms->maplen, PROT_READ,
	    MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		buf_printf(why, "%s: mmap: %s", path, strerror(errno));
		ms->map = NULL;
		ms->maplen = 0;
		(void)close(fd);
		return (-1);
	}
	(void)close(fd);
	ms->off = 0;
	ms->open = 1;
	return (0);
}

/* mailsrc_next_sep - start of the next separator line after p, or end */

static const char *
mailsrc_next_sep(const char *p, const char *end)
{
	const char	*q = p;

	while (q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		q++;
		if (mailsrc_is_sep(q, end))
			return (q);
	}
	return (end);
}

/* mailsrc_unquote - undo mboxrd ">From " quoting into ms->msg */

static void
mailsrc_unquote(struct mailsrc *ms, const char *p, size_t len)
{
	const char	*end = p + len, *nl, *q;

	buf_reset(ms->msg);
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end - 1;
		for (q = p; q < nl && *q == '>'; q++)
			;
		if (q > p && end - q >= 5 && memcmp(q, "From ", 5) == 0)
			p++;
		buf_append(ms->msg, p, (size_t)(nl - p + 1));
		p = nl + 1;
	}
}

/* mailsrc_next - the next message */

int
mailsrc_next(struct mailsrc *ms, const char **data, size_t *len,
    const char **name, struct buf *why)
{
	const char	*start, *end, *next;
	int		 mbox;

	for (;;) {
		if (!ms->open) {
			if (ms->cur >= ms->nfiles)
				return (0);
			if (mailsrc_map(ms, why) < 0)
				return (-1);
		}
		if (ms->off < ms->maplen || (ms->maplen == 0 &&
		    ms->msgno == 0))
			break;
		mailsrc_unmap(ms);
	}
	start = ms->map ? ms->map + ms->off : "";
	end = ms->map ? ms->map + ms->maplen : start;
	next = mailsrc_is_sep(start, end) ? mailsrc_next_sep(start, end) :
	    end;
	mbox = next < end || ms->msgno > 0;
	ms->off += (size_t)(next - start);
	if (ms->maplen == 0)
		ms->off = 1;		/* an empty file is one empty message */
	ms->msgno++;
	if (mbox) {
		/* the separator line is not part of the message */
		const char *nl = memchr(start, '\n', (size_t)(next - start));

		start = nl != NULL ? nl + 1 : next;
		mailsrc_unquote(ms, start, (size_t)(next - start));
		*data = ms->msg->data;
		*len = ms->msg->len;
		(void)snprintf(ms->name, sizeof(ms->name), "%s:%u",
		    ms->files[ms->cur - 1], ms->msgno);
	} else {
		*data = start;
		*len = (size_t)(next - start);
		(void)snprintf(ms->name, sizeof(ms->name), "%s",
		    ms->files[ms->cur - 1]);
	}
	if (name != NULL)
		*name = ms->name;
	return (1);
}

/* mailsrc_progress - fraction done */

double
mailsrc_progress(const struct mailsrc *ms)
{
	double	 done;

	if (ms->nfiles == 0)
		return (1.0);
	done = ms->open ? (double)(ms->cur - 1) : (double)ms->cur;
	if (ms->open && ms->maplen > 0)
		done += (double)ms->off / (double)ms->maplen;
	return (done / (double)ms->nfiles);
}

/* mailsrc_files - number of files */

size_t
mailsrc_files(const struct mailsrc *ms)
{
	return (ms->nfiles);
}

/* mailsrc_close - release everything */

void
mailsrc_close(struct mailsrc *ms)
{
	size_t	 i;

	if (ms == NULL)
		return;
	mailsrc_unmap(ms);
	for (i = 0; i < ms->nfiles; i++)
		free(ms->files[i]);
	free(ms->files);
	buf_free(ms->msg);
	free(ms);
}
