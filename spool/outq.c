/*
 * outq.c - the queue of messages winnow makes itself (see outq.h)
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

#include "outq.h"
#include "spool.h"

#define OUTQ_MAGIC	"winnow-outq 1\n"
#define OUTQ_TMP_AGE	3600	/* a NAME.tmp this old lost its maker */

/* outq_oneline - s with CR, LF and NUL made spaces (a header line) */

static void
outq_oneline(struct buf *b, const char *key, const char *s)
{
	buf_printf(b, "%s ", key);
	for (; *s != '\0'; s++)
		buf_putc(b, *s == '\r' || *s == '\n' ? ' ' : *s);
	buf_putc(b, '\n');
}

/* outq_item_new - an item for an open, locked file */

static struct outq_item *
outq_item_new(const char *path, int fd)
{
	struct outq_item *it = xcalloc(1, sizeof(*it));

	it->path = xstrdup(path);
	it->fd = fd;
	return (it);
}

/* outq_item_free - close (and so unlock) and free */

static void
outq_item_free(struct outq_item *it)
{
	size_t	 i;

	if (it == NULL)
		return;
	if (it->fd >= 0)
		(void)close(it->fd);	/* the lock goes with it */
	for (i = 0; i < it->nto; i++)
		free(it->to[i]);
	free(it->to);
	free(it->path);
	free(it->qid);
	free(it->what);
	free(it->data);
	free(it);
}

/* outq_put - write a message into the queue, durably, kept locked */

int
outq_put(const char *dir, const char *qid, const char *what,
    char *const *to, size_t nto, const char *data, size_t len, int eightbit,
    time_t made, struct outq_item **item_r, struct buf *why)
{
	struct outq_item *it;
	struct iovec	 iov[2];
	struct buf	*head;
	char		 tmp[PATH_MAX];
	size_t		 i;
	int		 fd;

	*item_r = NULL;
	if (snprintf(tmp, sizeof(tmp), "%s/%s.XXXXXX.tmp", dir, qid) >=
	    (int)sizeof(tmp)) {
		buf_printf(why, "queue directory name too long: %s", dir);
		return (WN_TEMP);
	}
	if ((fd = mkostemps(tmp, 4, O_CLOEXEC)) < 0) {
		buf_printf(why, "cannot create a file in %s: %s", dir,
		    strerror(errno));
		return (WN_TEMP);
	}
	(void)flock(fd, LOCK_EX);	/* a new file: nobody else holds it */
	head = buf_new(256);
	buf_puts(head, OUTQ_MAGIC);
	outq_oneline(head, "qid", qid);
	outq_oneline(head, "what", what);
	if (made == 0)
		made = time(NULL);
	buf_printf(head, "eightbit %d\ntime %lld\n", eightbit ? 1 : 0,
	    (long long)made);
	for (i = 0; i < nto; i++)
		outq_oneline(head, "to", to[i]);
	buf_putc(head, '\n');
	iov[0].iov_base = head->data;
	iov[0].iov_len = buf_len(head);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	if (spool_writev_all(fd, iov, 2) < 0 || fsync(fd) < 0) {
		buf_printf(why, "cannot write %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		(void)close(fd);
		buf_free(head);
		return (WN_TEMP);
	}
	buf_free(head);
	it = outq_item_new(tmp, fd);
	it->qid = xstrdup(qid);
	it->what = xstrdup(what);
	it->to = xcalloc(nto + 1, sizeof(*it->to));
	for (i = 0; i < nto; i++)
		it->to[i] = xstrdup(to[i]);
	it->nto = nto;
	it->eightbit = eightbit != 0;
	it->made = made;
	*item_r = it;
	return (WN_OK);
}

/* outq_commit - NAME.tmp becomes NAME, durably */

int
outq_commit(struct outq_item *it, struct buf *why)
{
	char		*path, *slash;
	size_t		 n = strlen(it->path);
	int		 rc;

	if (n < 4 || strcmp(it->path + n - 4, ".tmp") != 0)
		return (WN_OK);			/* committed already */
	path = xstrndup(it->path, n - 4);
	if (rename(it->path, path) < 0) {
		buf_printf(why, "cannot rename %s: %s", it->path,
		    strerror(errno));
		free(path);
		return (WN_TEMP);
	}
	free(it->path);
	it->path = path;
	slash = strrchr(path, '/');
	*slash = '\0';
	rc = spool_fsync_dir(path, why);
	*slash = '/';
	return (rc);
}

/* outq_done - remove or keep an item's file, unlock, free */

void
outq_done(struct outq_item *it, int remove)
{
	if (it == NULL)
		return;
	if (remove && unlink(it->path) < 0 && errno != ENOENT)
		log_warn("outq: cannot remove %s: %s", it->path,
		    strerror(errno));
	if (!remove)
		(void)futimens(it->fd, NULL);	/* tried now */
	outq_item_free(it);
}

/* outq_read - the whole file of an open descriptor */

static int
outq_read(int fd, char **data_r, size_t *len_r)
{
	struct stat	 st;
	size_t		 off = 0;
	ssize_t		 n;
	char		*p;

	if (fstat(fd, &st) < 0)
		return (-1);
	p = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = pread(fd, p + off, (size_t)st.st_size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* shorter than it said */
			free(p);
			return (-1);
		}
		off += (size_t)n;
	}
	p[off] = '\0';
	*data_r = p;
	*len_r = off;
	return (0);
}

/* outq_parse - the header of a queue file into it; -1 if broken */

static int
outq_parse(struct outq_item *it, const char *p, size_t len)
{
	const char	*end = p + len, *nl, *v;
	char		*line;
	long long	 t;
	int		 ok = -1;

	if (len < sizeof(OUTQ_MAGIC) - 1 ||
	    memcmp(p, OUTQ_MAGIC, sizeof(OUTQ_MAGIC) - 1) != 0)
		return (-1);
	p += sizeof(OUTQ_MAGIC) - 1;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == p) {			/* the blank line */
			p = nl + 1;
			ok = 0;
			break;
		}
		line = xstrndup(p, (size_t)(nl - p));
		p = nl + 1;
		if ((v = strchr(line, ' ')) == NULL) {
			free(line);
			return (-1);
		}
		v++;
		if (strncmp(line, "qid ", 4) == 0 && it->qid == NULL)
			it->qid = xstrdup(v);
		else if (strncmp(line, "what ", 5) == 0 && it->what == NULL)
			it->what = xstrdup(v);
		else if (strncmp(line, "eightbit ", 9) == 0)
			it->eightbit = strcmp(v, "1") == 0;
		else if (strncmp(line, "time ", 5) == 0 &&
		    sscanf(v, "%lld", &t) == 1)
			it->made = (time_t)t;
		else if (strncmp(line, "to ", 3) == 0 && *v != '\0') {
			it->to = xreallocarray(it->to, it->nto + 2,
			    sizeof(*it->to));
			it->to[it->nto++] = xstrdup(v);
			it->to[it->nto] = NULL;
		}
		free(line);
	}
	if (ok < 0 || it->qid == NULL || it->what == NULL || it->nto == 0 ||
	    it->made == 0)
		return (-1);
	it->len = (size_t)(end - p);
	it->data = xmalloc(it->len + 1);
	memcpy(it->data, p, it->len);
	it->data[it->len] = '\0';
	return (0);
}

/* outq_visit - lock, read and hand one file to fn; 1 if visited */

static int
outq_visit(const char *path, outq_fn *fn, void *arg, int *end)
{
	struct outq_item *it;
	struct stat	 st;
	char		*raw, broken[PATH_MAX];
	size_t		 len;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno != ENOENT)		/* ENOENT: done meanwhile */
			log_warn("outq: cannot open %s: %s", path,
			    strerror(errno));
		return (0);
	}
	/* Held by its maker or another visitor; or done and removed
	 * between our open and our lock. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 ||
	    st.st_nlink == 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return (0);
	}
	it = outq_item_new(path, fd);
	if (outq_read(fd, &raw, &len) < 0) {
		log_warn("outq: cannot read %s: %s", path, strerror(errno));
		outq_item_free(it);
		return (0);
	}
	if (outq_parse(it, raw, len) < 0) {
		free(raw);
		if (snprintf(broken, sizeof(broken), "%s.broken", path) <
		    (int)sizeof(broken) && rename(path, broken) == 0)
			log_error("outq: %s is not a queue file; renamed "
			    "*.broken, not sent", path);
		outq_item_free(it);
		return (0);
	}
	free(raw);
	rc = fn(it, arg, end);
	outq_done(it, rc != WN_TEMP);
	return (1);
}

/* outq_each - visit every queued message no other process holds */

int
outq_each(const char *dir, unsigned int min_age, outq_fn *fn, void *arg,
    struct buf *why)
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX];
	struct timespec	 ts;
	long long	 age;
	time_t		 now;
	size_t		 n;
	DIR		*d;
	int		 visited = 0, end = 0, fd;

	if ((d = opendir(dir)) == NULL) {
		buf_printf(why, "cannot read %s: %s", dir, strerror(errno));
		return (-1);
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts);	/* the mtimes' clock */
	now = ts.tv_sec;
	while (!end && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		n = strlen(de->d_name);
		if (n > 7 && strcmp(de->d_name + n - 7, ".broken") == 0)
			continue;
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n > 4 && strcmp(de->d_name + n - 4, ".tmp") == 0) {
			/* its maker died before its answer went out */
			if (st.st_mtime + OUTQ_TMP_AGE < now &&
			    (fd = open(path, O_RDONLY | O_CLOEXEC |
			    O_NOFOLLOW)) >= 0) {
				if (flock(fd, LOCK_EX | LOCK_NB) == 0)
					(void)unlink(path);
				(void)close(fd);
			}
			continue;
		}
		/* tried less than min_age ago (a time ahead of now: due) */
		age = (long long)(ts.tv_sec - st.st_mtim.tv_sec) * 1000 +
		    (ts.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
		if (age >= 0 && age < (long long)min_age * 1000)
			continue;
		visited += outq_visit(path, fn, arg, &end);
	}
	(void)closedir(d);
	return (visited);
}
