/*
 * samples.c - the messages learned, kept so the model can be rebuilt
 *
 * Every message winnowctl learn, quarantine learn, release --learn-ham or
 * a report address learns is also written to [content] samples_dir, in
 * spam/ or ham/, under a name made of a hash of its bytes: the same
 * message learned again is the same file (its time is renewed), and a
 * message learned as the other class moves there.  Each class keeps at
 * most samples_max files, the oldest going first, so the store stays
 * bounded.  "winnowctl learn --rebuild" starts again from the shipped
 * model and learns every kept sample in the order they were learned -
 * what a tokenizer change needs, since a model's weights only mean
 * something to the tokenizer that made them.
 *
 * Samples are a convenience, not mail: a file is written under a
 * temporary name and renamed (never half there), but not fsync'd, so a
 * crash may lose the last few.  Files root writes take the directory's
 * owner (owner.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "owner.h"
#include "status.h"
#include "xalloc.h"

#include "content_private.h"

static const char *const samples_class[2] = { "ham", "spam" };

/* One sample found in a class directory. */
struct sample_ent {
	char		 name[40];
	int		 spam;
	struct timespec	 mtime;
};

/* samples_hash - FNV-1a, 64 bits, of the message */

static uint64_t
samples_hash(const char *data, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/* samples_dir - DIR/CLASS, made if missing; -1 with why */

static int
samples_dir(int spam, char *out, size_t size, struct buf *why)
{
	const char	*top = content_conf.samples_dir;

	if (snprintf(out, size, "%s/%s", top, samples_class[spam]) >=
	    (int)size) {
		buf_printf(why, "%s: path too long", top);
		return (-1);
	}
	if ((owner_mkdir(top, 0755) < 0 && errno != EEXIST) ||
	    (owner_mkdir(out, 0755) < 0 && errno != EEXIST)) {
		buf_printf(why, "mkdir %s: %s", out, strerror(errno));
		return (-1);
	}
	return (0);
}

/* samples_write - NAME.tmp, then renamed to NAME */

static int
samples_write(const char *dir, const char *name, const char *data,
    size_t len, struct buf *why)
{
	char	 tmp[PATH_MAX + 64], path[PATH_MAX + 64];
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	(void)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		buf_printf(why, "create %s: %s", tmp, strerror(errno));
		return (WN_TEMP);
	}
	owner_like_dir(fd, dir);
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			buf_printf(why, "write %s: %s", tmp, strerror(errno));
			(void)close(fd);
			(void)unlink(tmp);
			return (WN_TEMP);
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		buf_printf(why, "write %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* content_sample_keep - keep a learned message */

int
content_sample_keep(const char *data, size_t len, int spam, struct buf *why)
{
	char	 dir[PATH_MAX], other[PATH_MAX], name[40];

	if (content_conf.samples_dir == NULL ||
	    content_conf.samples_dir[0] == '\0' ||
	    content_conf.samples_max == 0)
		return (WN_OK);
	spam = spam != 0;
	(void)snprintf(name, sizeof(name), "%016llx.eml",
	    (unsigned long long)samples_hash(data, len));
	if (samples_dir(spam, dir, sizeof(dir), why) < 0)
		return (WN_TEMP);
	/* Learned as the other class before: it was a mistake. */
	if (snprintf(other, sizeof(other), "%s/%s/%s",
	    content_conf.samples_dir, samples_class[!spam], name) <
	    (int)sizeof(other))
		(void)unlink(other);
	return (samples_write(dir, name, data, len, why));
}

/* samples_list - the samples of both classes, or of one (spam 0/1) */

static struct sample_ent *
samples_list(int only, size_t *n_r, struct buf *why)
{
	struct sample_ent *v = NULL;
	struct dirent	*de;
	struct stat	 st;
	char		 dir[PATH_MAX], path[PATH_MAX + 64];
	size_t		 n = 0, l;
	DIR		*d;
	int		 k;

	for (k = 0; k < 2; k++) {
		if (only >= 0 && k != only)
			continue;
		(void)snprintf(dir, sizeof(dir), "%s/%s",
		    content_conf.samples_dir, samples_class[k]);
		if ((d = opendir(dir)) == NULL) {
			if (errno != ENOENT)
				buf_printf(why, "%s: %s", dir,
				    strerror(errno));
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			l = strlen(de->d_name);
			if (de->d_name[0] == '.' || l < 5 || l >= 40 ||
			    strcmp(de->d_name + l - 4, ".eml") != 0)
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", dir,
			    de->d_name);
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			v = xreallocarray(v, n + 1, sizeof(*v));
			(void)snprintf(v[n].name, sizeof(v[n].name), "%s",
			    de->d_name);
			v[n].spam = k;
			v[n].mtime = st.st_mtim;
			n++;
		}
		(void)closedir(d);
	}
	*n_r = n;
	return (v);
}

/* samples_cmp - oldest first, then by name */

static int
samples_cmp(const void *a, const void *b)
{
	const struct sample_ent *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return (x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1);
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return (x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/* content_samples_prune - at most samples_max per class, oldest go */

int
content_samples_prune(size_t *removed_r, struct buf *why)
{
	struct sample_ent *v;
	char		 path[PATH_MAX];
	size_t		 n, i;
	int		 k, rc = WN_OK;

	*removed_r = 0;
	if (content_conf.samples_dir == NULL ||
	    content_conf.samples_dir[0] == '\0')
		return (WN_OK);
	for (k = 0; k < 2; k++) {
		v = samples_list(k, &n, why);
		if (n > content_conf.samples_max) {
			qsort(v, n, sizeof(*v), samples_cmp);
			for (i = 0; i < n - content_conf.samples_max; i++) {
				(void)snprintf(path, sizeof(path), "%s/%s/%s",
				    content_conf.samples_dir,
				    samples_class[k], v[i].name);
				if (unlink(path) < 0 && errno != ENOENT) {
					buf_printf(why, "unlink %s: %s", path,
					    strerror(errno));
					rc = WN_TEMP;
				} else {
					(*removed_r)++;
				}
			}
		}
		free(v);
	}
	return (rc);
}

/* samples_read - one sample's bytes */

static char *
samples_read(const char *path, size_t *len_r, struct buf *why)
{
	struct buf	*b;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	b = buf_new(8192);
	while ((n = read(fd, buf_reserve(b, 65536), 65536)) > 0)
		buf_commit(b, (size_t)n);
	(void)close(fd);
	if (n < 0) {
		buf_printf(why, "read %s: %s", path, strerror(errno));
		buf_free(b);
		return (NULL);
	}
	*len_r = buf_len(b);
	return (buf_finish(b));
}

/* content_samples_each - every kept sample, oldest first */

int
content_samples_each(content_sample_fn *fn, void *arg, size_t *n_r,
    struct buf *why)
{
	struct sample_ent *v;
	char		 path[PATH_MAX], *data;
	size_t		 n, i, len;
	int		 rc = WN_OK;

	*n_r = 0;
	if (content_conf.samples_dir == NULL ||
	    content_conf.samples_dir[0] == '\0')
		return (WN_OK);
	v = samples_list(-1, &n, why);
	if (buf_len(why) > 0)
		rc = WN_TEMP;
	qsort(v, n, sizeof(*v), samples_cmp);
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s/%s",
		    content_conf.samples_dir, samples_class[v[i].spam],
		    v[i].name);
		if ((data = samples_read(path, &len, why)) == NULL) {
			rc = WN_TEMP;
			continue;
		}
		(*n_r)++;
		if (fn(data, len, v[i].spam, arg) != 0) {
			free(data);
			break;
		}
		free(data);
	}
	free(v);
	return (rc);
}
