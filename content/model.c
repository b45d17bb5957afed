/*
 * model.c - the model file: fixed size, mapped read-only, replaced whole
 *
 * Layout (little-endian, as written by this host; the endian field refuses
 * files from hosts of the other byte order):
 *
 *	0	struct model_hdr (MODEL_HDR_SIZE bytes): magic "WNCMODEL",
 *		version, endian mark, bits, feature version, messages learned
 *		(spam, ham), updates, time of the last learn, checksum of the
 *		weights, header size
 *	128	2^bits IEEE-754 single-precision weights
 *
 * The size depends only on bits, so a model never grows as it learns.
 *
 * Readers (the children) map the file PROT_READ/MAP_SHARED: every child
 * shares the same page-cache pages.  A learner works on a private copy and
 * model_save() writes a new file beside the old one (mkstemp in the same
 * directory), fsyncs it, renames it over the old name and fsyncs the
 * directory.  rename(2) is atomic, so a reader opening the path gets the
 * old model or the new one, never a mix, and a reader that mapped the old
 * file keeps a valid mapping until it unmaps it.  model_changed() tells a
 * reader when the path names a new file.
 *
 * Every load checks the magic, version, endian mark, size against bits,
 * feature version and the weights' checksum, so a truncated or foreign
 * file is refused with a reason rather than misread.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
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

#include "content_private.h"

#define MODEL_ENDIAN	0x01020304U

_Static_assert(sizeof(struct model_hdr) == MODEL_HDR_SIZE,
    "model header size");

/* model_checksum - FNV-1a over the weights, folded to 32 bits */

static uint32_t
model_checksum(const float *w, size_t n)
{
	const uint64_t	*p = (const uint64_t *)(const void *)w;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i, words = n / 2;

	for (i = 0; i < words; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return ((uint32_t)(h ^ (h >> 32)));
}

/* model_bytes - file size for 2^bits weights */

static size_t
model_bytes(unsigned int bits)
{
	return (MODEL_HDR_SIZE + ((size_t)1 << bits) * sizeof(float));
}

/* model_new - an empty writable model */

struct model *
model_new(unsigned int bits)
{
	struct model	*m;
	char		*base;

	if (bits < MODEL_BITS_MIN || bits > MODEL_BITS_MAX)
		log_panic("model_new: bits %u out of range", bits);
	m = xcalloc(1, sizeof(*m));
	m->size = model_bytes(bits);
	base = xcalloc(1, m->size);
	m->hdr = (struct model_hdr *)(void *)base;
	m->w = (float *)(void *)(base + MODEL_HDR_SIZE);
	m->bits = bits;
	m->mask = (uint32_t)((1ULL << bits) - 1);
	(void)memcpy(m->hdr->magic, MODEL_MAGIC, 8);
	m->hdr->version = MODEL_VERSION;
	m->hdr->endian = MODEL_ENDIAN;
	m->hdr->bits = bits;
	m->hdr->features = TOK_FEATURE_VERSION;
	m->hdr->hdr_size = MODEL_HDR_SIZE;
	return (m);
}

/* model_check - validate a header against the bytes that follow it */

static int
model_check(const char *path, const struct model_hdr *h, size_t size,
    struct buf *why)
{
	if (size < MODEL_HDR_SIZE || memcmp(h->magic, MODEL_MAGIC, 8) != 0) {
		buf_printf(why, "%s: not a winnow content model", path);
		return (-1);
	}
	if (h->endian != MODEL_ENDIAN) {
		buf_printf(why, "%s: written on a host of other byte order",
		    path);
		return (-1);
	}
	if (h->version != MODEL_VERSION || h->hdr_size != MODEL_HDR_SIZE) {
		buf_printf(why, "%s: model format %u, this build reads %u",
		    path, h->version, MODEL_VERSION);
		return (-1);
	}
	if (h->bits < MODEL_BITS_MIN || h->bits > MODEL_BITS_MAX ||
	    size != model_bytes(h->bits)) {
		buf_printf(why, "%s: size %zu does not match 2^%u weights "
		    "(truncated?)", path, size, h->bits);
		return (-1);
	}
	if (h->features != TOK_FEATURE_VERSION) {
		buf_printf(why, "%s: features version %u, this build uses %u "
		    "(relearn or install the matching content DB)", path,
		    h->features, TOK_FEATURE_VERSION);
		return (-1);
	}
	if (model_checksum((const float *)(const void *)((const char *)h +
	    MODEL_HDR_SIZE), (size_t)1 << h->bits) != h->checksum) {
		buf_printf(why, "%s: checksum mismatch (damaged file)", path);
		return (-1);
	}
	return (0);
}

/* model_open - open and stat a model file */

static int
model_open(const char *path, struct stat *st, struct buf *why)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, st) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* model_wrap - fill a struct model around bytes at base */

static struct model *
model_wrap(void *base, size_t size, const struct stat *st, const char *path,
    int mapped)
{
	struct model	*m;

	m = xcalloc(1, sizeof(*m));
	m->hdr = base;
	m->w = (float *)(void *)((char *)base + MODEL_HDR_SIZE);
	m->bits = m->hdr->bits;
	m->mask = (uint32_t)((1ULL << m->bits) - 1);
	m->size = size;
	m->mapped = mapped;
	m->dev = st->st_dev;
	m->ino = st->st_ino;
	m->path = xstrdup(path);
	return (m);
}

/* model_map - map a model file read-only */

struct model *
model_map(const char *path, struct buf *why)
{
	struct stat	 st;
	void		*base;
	int		 fd;

	if ((fd = model_open(path, &st, why)) < 0)
		return (NULL);
	if (st.st_size < MODEL_HDR_SIZE) {
		buf_printf(why, "%s: too short for a model", path);
		(void)close(fd);
		return (NULL);
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	(void)close(fd);
	if (base == MAP_FAILED) {
		buf_printf(why, "%s: mmap: %s", path, strerror(errno));
		return (NULL);
	}
	if (model_check(path, base, (size_t)st.st_size, why) < 0) {
		(void)munmap(base, (size_t)st.st_size);
		return (NULL);
	}
	return (model_wrap(base, (size_t)st.st_size, &st, path, 1));
}

/* model_load - read a model file into writable memory */

struct model *
model_load(const char *path, struct buf *why)
{
	struct stat	 st;
	char		*base;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = model_open(path, &st, why)) < 0)
		return (NULL);
	if (st.st_size < MODEL_HDR_SIZE ||
	    (size_t)st.st_size > model_bytes(MODEL_BITS_MAX)) {
		buf_printf(why, "%s: size %lld is not a model's", path,
		    (long long)st.st_size);
		(void)close(fd);
		return (NULL);
	}
	base = xmalloc((size_t)st.st_size);
	while (off < (size_t)st.st_size) {
		r = read(fd, base + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf_printf(why, "%s: read: %s", path,
			    r < 0 ? strerror(errno) : "short file");
			(void)close(fd);
			free(base);
			return (NULL);
		}
		off += (size_t)r;
	}
	(void)close(fd);
	if (model_check(path, (struct model_hdr *)(void *)base, off,
	    why) < 0) {
		free(base);
		return (NULL);
	}
	return (model_wrap(base, off, &st, path, 0));
}

/* model_from_bytes - a private writable model from a copy of bytes
 * (a fleet's version), checked as a file is */

struct model *
model_from_bytes(const void *data, size_t len, const char *what,
    struct buf *why)
{
	struct stat	 st;
	char		*base;

	if (len < MODEL_HDR_SIZE || len > model_bytes(MODEL_BITS_MAX)) {
		buf_printf(why, "%s: size %zu is not a model's", what, len);
		return (NULL);
	}
	base = xmalloc(len);
	memcpy(base, data, len);
	if (model_check(what, (struct model_hdr *)(void *)base, len,
	    why) < 0) {
		free(base);
		return (NULL);
	}
	memset(&st, 0, sizeof(st));
	return (model_wrap(base, len, &st, what, 0));
}

/* model_write_all - write everything or fail */

static int
model_write_all(int fd, const char *p, size_t len)
{
	ssize_t	 r;

	while (len > 0) {
		if ((r = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += r;
		len -= (size_t)r;
	}
	return (0);
}

/* model_save - atomically replace path with this model */

int
model_save(struct model *m, const char *path, struct buf *why)
{
	char		*tmp, *dcopy;
	const char	*dir;
	size_t		 n;
	int		 fd, dfd;

	if (m->mapped)
		log_panic("model_save: %s is mapped read-only", path);
	m->hdr->checksum = model_checksum(m->w, (size_t)1 << m->bits);
	n = strlen(path) + 16;
	tmp = xmalloc(n);
	(void)snprintf(tmp, n, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		buf_printf(why, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return (WN_TEMP);
	}
	(void)fchmod(fd, 0644);
	if (model_write_all(fd, (const char *)m->hdr, m->size) < 0 ||
	    fsync(fd) < 0) {
		buf_printf(why, "%s: %s", tmp, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		free(tmp);
		return (WN_TEMP);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		buf_printf(why, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		(void)unlink(tmp);
		free(tmp);
		return (WN_TEMP);
	}
	free(tmp);
	dcopy = xstrdup(path);
	dir = dirname(dcopy);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	free(dcopy);
	return (WN_OK);
}

/* model_changed - whether path is no longer the file m came from */

int
model_changed(const struct model *m, const char *path)
{
	struct stat	 st;

	if (stat(path, &st) < 0)
		return (0);		/* gone: keep what we have */
	return (st.st_dev != m->dev || st.st_ino != m->ino);
}

/* model_free - unmap or free a model */

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	if (m->mapped)
		(void)munmap(m->hdr, m->size);
	else
		free(m->hdr);
	free(m->path);
	free(m);
}
