/*
 * sstore.c - the statistics store: append, read, compact, lock
 *
 * The reader takes the whole file into memory and walks it with every
 * length checked against what is left; a bad magic, header, checksum or
 * vector skips to the next magic and says where and why.  The writer
 * appends one record with one write(2) and, when that does not land whole
 * (a full disk), cuts the file back to where it was, so a failed append
 * leaves no half record behind.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* stats */
#include "sstore.h"
#include "svec.h"

#define SSTORE_MAGIC	"WNS1"
#define SSTORE_HDR	20		/* magic, res, pad, ts, len */
#define SSTORE_FILE_MAX	((size_t)1 << 30)

/* sstore_crc32 - CRC-32, reflected, polynomial 0xEDB88320 */

uint32_t
sstore_crc32(uint32_t crc, const void *data, size_t len)
{
	static uint32_t	 tab[256];
	const unsigned char *p = data;
	uint32_t	 c;
	size_t		 i;
	int		 k;

	if (tab[1] == 0) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			tab[i] = c;
		}
	}
	crc = ~crc;
	for (i = 0; i < len; i++)
		crc = tab[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return (~crc);
}

/* sstore_res_seconds - the length of a resolution's bucket */

int64_t
sstore_res_seconds(int res)
{
	switch (res) {
	case SRES_MINUTE:
		return (60);
	case SRES_HOUR:
		return (3600);
	case SRES_DAY:
		return (86400);
	}
	return (0);
}

/* sstore_put - big-endian integers */

static void
sstore_put(unsigned char *p, uint64_t x, int n)
{
	while (n-- > 0) {
		p[n] = (unsigned char)(x & 0xff);
		x >>= 8;
	}
}

/* sstore_get - big-endian integers */

static uint64_t
sstore_get(const unsigned char *p, int n)
{
	uint64_t	 x = 0;
	int		 i;

	for (i = 0; i < n; i++)
		x = x << 8 | p[i];
	return (x);
}

/* sstore_record - one record into out */

static void
sstore_record(struct buf *out, int res, int64_t ts, const struct svec *v)
{
	unsigned char	 h[SSTORE_HDR], c[4];
	size_t		 start = buf_len(out), plen;

	buf_append(out, h, sizeof(h));		/* filled below */
	svec_pack(v, out);
	plen = buf_len(out) - start - SSTORE_HDR;
	memcpy(h, SSTORE_MAGIC, 4);
	h[4] = (unsigned char)res;
	h[5] = h[6] = h[7] = 0;
	sstore_put(h + 8, (uint64_t)ts, 8);
	sstore_put(h + 16, plen, 4);
	memcpy(out->data + start, h, sizeof(h));
	sstore_put(c, sstore_crc32(0, out->data + start + 4,
	    SSTORE_HDR - 4 + plen), 4);
	buf_append(out, c, 4);
}

/* sstore_write_all - write len bytes; -1 with errno (ENOSPC for a short
 * write that made no progress) */

static int
sstore_write_all(int fd, const void *p, size_t len)
{
	const char	*c = p;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0) {
			errno = ENOSPC;
			return (-1);
		}
		c += n;
		len -= (size_t)n;
	}
	return (0);
}

/* sstore_append - one record at the end of the file */

int
sstore_append(const char *path, int res, int64_t ts, const struct svec *v,
    struct buf *why)
{
	struct buf	*rec = buf_new(1024);
	struct stat	 st;
	int		 fd, rc = WN_OK;

	sstore_record(rec, res, ts, v);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) < 0) {
		buf_printf(why, "cannot open %s: %s", path, strerror(errno));
		buf_free(rec);
		return (WN_TEMP);
	}
	if (fstat(fd, &st) < 0) {
		buf_printf(why, "fstat %s: %s", path, strerror(errno));
		rc = WN_TEMP;
	} else if (sstore_write_all(fd, rec->data, buf_len(rec)) < 0 ||
	    fdatasync(fd) < 0) {
		buf_printf(why, "cannot write %zu bytes to %s: %s",
		    buf_len(rec), path, strerror(errno));
		/* no half record may stay behind */
		if (ftruncate(fd, st.st_size) < 0)
			buf_printf(why, "; and cannot cut it back to %lld "
			    "bytes: %s", (long long)st.st_size,
			    strerror(errno));
		rc = WN_TEMP;
	}
	(void)close(fd);
	buf_free(rec);
	return (rc);
}

/* sstore_read_file - the whole file; NULL with why (*len_r 0, no error,
 * for a missing file) */

static char *
sstore_read_file(const char *path, size_t *len_r, int *missing,
    struct buf *why)
{
	struct stat	 st;
	char		*data;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	*len_r = 0;
	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			*missing = 1;
			return (NULL);
		}
		buf_printf(why, "cannot open %s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > SSTORE_FILE_MAX) {
		buf_printf(why, "%s: not a regular file of at most 1 GB", path);
		(void)close(fd);
		return (NULL);
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* it shrank: take what is there */
		got += (size_t)n;
	}
	(void)close(fd);
	*len_r = got;
	return (data);
}

/* sstore_resync - the next magic after off, or len */

static size_t
sstore_resync(const char *data, size_t len, size_t off)
{
	const char	*p;

	if (off + 1 >= len)
		return (len);
	p = memmem(data + off + 1, len - off - 1, SSTORE_MAGIC, 4);
	return (p == NULL ? len : (size_t)(p - data));
}

/* sstore_problem - one line about a damaged place */

static void
sstore_problem(struct buf *problems, const char *path, size_t off,
    const char *fmt, const char *detail)
{
	if (problems == NULL)
		return;
	buf_printf(problems, "%s: offset %zu: ", path, off);
	buf_printf(problems, fmt, detail);
	buf_putc(problems, '\n');
}

/* sstore_one - check and decode the record at off; its length, or 0 when
 * it is damaged (problem said) */

static size_t
sstore_one(const char *path, const char *data, size_t len, size_t off,
    sstore_fn *fn, void *arg, struct buf *problems)
{
	const unsigned char *p = (const unsigned char *)data + off;
	struct buf	*why;
	struct svec	*v;
	size_t		 plen, total;
	int		 res;

	if (len - off < SSTORE_HDR + 4) {
		sstore_problem(problems, path, off, "%s", "truncated: the "
		    "last record is incomplete");
		return (0);
	}
	res = p[4];
	plen = (size_t)sstore_get(p + 16, 4);
	if (sstore_res_seconds(res) == 0 || p[5] || p[6] || p[7] ||
	    plen > SSTORE_RECORD_MAX) {
		sstore_problem(problems, path, off, "%s", "a damaged record "
		    "header (skipped)");
		return (0);
	}
	total = SSTORE_HDR + plen + 4;
	if (total > len - off) {
		sstore_problem(problems, path, off, "%s", "truncated: a record "
		    "runs past the end of the file (skipped)");
		return (0);
	}
	if (sstore_crc32(0, p + 4, SSTORE_HDR - 4 + plen) !=
	    (uint32_t)sstore_get(p + SSTORE_HDR + plen, 4)) {
		sstore_problem(problems, path, off, "%s", "bad checksum "
		    "(record skipped)");
		return (0);
	}
	why = buf_new(64);
	v = svec_new();
	if (svec_unpack(v, p + SSTORE_HDR, plen, why) != WN_OK) {
		sstore_problem(problems, path, off, "bad counters (%s; record "
		    "skipped)", buf_str(why));
		total = 0;
	} else {
		fn(res, (int64_t)sstore_get(p + 8, 8), v, arg);
	}
	svec_free(v);
	buf_free(why);
	return (total);
}

/* sstore_load - every good record of the file */

int
sstore_load(const char *path, sstore_fn *fn, void *arg, struct buf *problems,
    struct buf *why)
{
	char		*data;
	size_t		 len;
	int		 missing;

	data = sstore_read_file(path, &len, &missing, why);
	if (data == NULL)
		return (missing ? WN_OK : WN_TEMP);
	sstore_parse(path, data, len, fn, arg, problems);
	free(data);
	return (WN_OK);
}

/* sstore_parse - every good record of len bytes */

void
sstore_parse(const char *path, const char *data, size_t len, sstore_fn *fn,
    void *arg, struct buf *problems)
{
	size_t		 off = 0, next, n;

	while (off < len) {
		if (len - off < 4 || memcmp(data + off, SSTORE_MAGIC, 4) != 0) {
			next = sstore_resync(data, len, off);
			if (problems != NULL)
				buf_printf(problems, "%s: offset %zu: %zu "
				    "bytes that are no record (skipped)\n",
				    path, off, next - off);
			off = next;
			continue;
		}
		if ((n = sstore_one(path, data, len, off, fn, arg,
		    problems)) == 0) {
			off = sstore_resync(data, len, off);
			continue;
		}
		off += n;
	}
}

struct sstore_rec {
	int		 res;
	int64_t		 ts;
	struct svec	*v;
};

struct sstore_all {
	struct sstore_rec *r;
	size_t		 n, cap;
	int64_t		 now;
	size_t		 dropped;
};

/* sstore_keep - a record for compaction, folded by its age */

static void
sstore_keep(int res, int64_t ts, const struct svec *v, void *arg)
{
	struct sstore_all *a = arg;
	struct sstore_rec *r;

	if (res == SRES_MINUTE && ts < a->now - SSTORE_KEEP_MINUTES)
		res = SRES_HOUR;
	if (res == SRES_HOUR && ts < a->now - SSTORE_KEEP_HOURS)
		res = SRES_DAY;
	if (res == SRES_DAY && ts < a->now - SSTORE_KEEP_DAYS) {
		a->dropped++;
		return;
	}
	ts -= ((ts % sstore_res_seconds(res)) + sstore_res_seconds(res)) %
	    sstore_res_seconds(res);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->r = xreallocarray(a->r, a->cap, sizeof(*a->r));
	}
	r = &a->r[a->n++];
	r->res = res;
	r->ts = ts;
	r->v = svec_new();
	svec_merge(r->v, v);
}

/* sstore_cmp - by time, then resolution */

static int
sstore_cmp(const void *a, const void *b)
{
	const struct sstore_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return (x->ts < y->ts ? -1 : 1);
	return (x->res - y->res);
}

/* sstore_write_new - the merged records into path.new; 0 or -1 */

static int
sstore_write_new(const char *tmp, struct sstore_all *a, struct buf *why)
{
	struct buf	*out = buf_new(65536);
	size_t		 i, k;
	int		 fd, rc = 0;

	for (i = 0; i < a->n; i = k) {
		for (k = i + 1; k < a->n && a->r[k].ts == a->r[i].ts &&
		    a->r[k].res == a->r[i].res; k++)
			svec_merge(a->r[i].v, a->r[k].v);
		if (svec_count(a->r[i].v) > 0)
			sstore_record(out, a->r[i].res, a->r[i].ts, a->r[i].v);
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0) {
		buf_printf(why, "cannot create %s: %s", tmp, strerror(errno));
		buf_free(out);
		return (-1);
	}
	if (sstore_write_all(fd, out->data, buf_len(out)) < 0 ||
	    fsync(fd) < 0) {
		buf_printf(why, "cannot write %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (close(fd) < 0 && rc == 0) {
		buf_printf(why, "cannot write %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		(void)unlink(tmp);
	buf_free(out);
	return (rc);
}

/* sstore_sync_dir - make a rename durable */

static void
sstore_sync_dir(const char *path)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else
		*slash = '\0';
	if ((fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		(void)close(fd);
	}
}

/* sstore_compact - rewrite the file merged and folded */

int
sstore_compact(const char *path, int64_t now, struct buf *problems,
    struct buf *why)
{
	struct sstore_all a;
	char		 tmp[PATH_MAX], damaged[PATH_MAX];
	size_t		 i, plen = problems ? buf_len(problems) : 0;
	int		 rc = WN_OK;

	memset(&a, 0, sizeof(a));
	a.now = now;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >=
	    sizeof(tmp)) {
		buf_printf(why, "%s: path too long", path);
		return (WN_TEMP);
	}
	if (sstore_load(path, sstore_keep, &a, problems, why) != WN_OK)
		return (WN_TEMP);
	if (a.n > 0)		/* an empty store: a.r is NULL */
		qsort(a.r, a.n, sizeof(*a.r), sstore_cmp);
	if (sstore_write_new(tmp, &a, why) < 0) {
		rc = WN_TEMP;
		goto out;
	}
	if (problems != NULL && buf_len(problems) > plen) {
		/* Keep the damaged file for whoever wants to look. */
		(void)snprintf(damaged, sizeof(damaged), "%s.damaged-%lld",
		    path, (long long)now);
		if (link(path, damaged) == 0)
			buf_printf(problems, "%s: the damaged file is kept as "
			    "%s\n", path, damaged);
	}
	if (rename(tmp, path) < 0) {
		buf_printf(why, "rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		rc = WN_TEMP;
		goto out;
	}
	sstore_sync_dir(path);
out:
	for (i = 0; i < a.n; i++)
		svec_free(a.r[i].v);
	free(a.r);
	return (rc);
}

/* sstore_lock - the store's lock, or who holds it */

int
sstore_lock(const char *dir, struct buf *why)
{
	struct flock	 fl;
	char		 path[PATH_MAX];
	int		 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/lock", dir) >=
	    sizeof(path)) {
		buf_printf(why, "%s: path too long", dir);
		return (-1);
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		buf_printf(why, "cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return (fd);
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		buf_printf(why, "%s is in use by process %ld (another winnowd "
		    "with the same [stats] dir)", dir, (long)fl.l_pid);
	else
		buf_printf(why, "cannot lock %s: %s", path, strerror(errno));
	(void)close(fd);
	return (-1);
}
