/*
 * fleet_learn.c - learned examples into the fleet's stream, or parked on
 * this node until Redis is back
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/* lib */
#include "buf.h"
#include "status.h"
#include "xalloc.h"

/* fleet */
#include "fleet_learn.h"
#include "fleet_model.h"

/* fleet_learn_dir - [stats] dir/fleet/learn */

void
fleet_learn_dir(const char *stats_dir, char *out, size_t n)
{
	(void)snprintf(out, n, "%s/fleet/learn", stats_dir);
}

/* fleet_learn_add - XADD one example */

int
fleet_learn_add(redisContext *c, const char *data, size_t len, int spam,
    const char *node, struct buf *why)
{
	const char	*argv[9];
	size_t		 alen[9];
	redisReply	*r;
	int		 i;

	if (len > FLEET_LEARN_MAX) {
		buf_printf(why, "a message of %zu bytes is larger than the "
		    "fleet takes (%d)", len, FLEET_LEARN_MAX);
		return (WN_PERM);
	}
	argv[0] = "XADD";
	argv[1] = FLEET_KEY_LEARN;
	argv[2] = "*";
	argv[3] = "class";
	argv[4] = spam ? "spam" : "ham";
	argv[5] = "node";
	argv[6] = node;
	argv[7] = "msg";
	argv[8] = data;
	for (i = 0; i < 8; i++)
		alen[i] = strlen(argv[i]);
	alen[8] = len;
	r = redisCommandArgv(c, 9, argv, alen);
	if (r == NULL) {
		buf_printf(why, "XADD: %s", c->errstr);
		return (WN_TEMP);
	}
	if (r->type != REDIS_REPLY_STRING) {
		buf_printf(why, "XADD: %.*s", r->type == REDIS_REPLY_ERROR ?
		    (int)r->len : 8, r->type == REDIS_REPLY_ERROR ? r->str :
		    "no id");
		freeReplyObject(r);
		return (WN_TEMP);
	}
	freeReplyObject(r);
	return (WN_OK);
}

/* fleet_learn_mkdir - make the parking directory (and fleet/) owned as
 * the directory above it is, and writable by its group, so the fleet
 * process may remove what root parked */

static int
fleet_learn_mkdir(const char *dir, struct buf *why)
{
	struct stat	 st;
	char		 up[4096], path[4096];
	char		*slash;
	int		 i;

	for (i = 1; i >= 0; i--) {
		(void)snprintf(path, sizeof(path), "%s", dir);
		if (i == 1 && (slash = strrchr(path, '/')) != NULL)
			*slash = '\0';
		(void)snprintf(up, sizeof(up), "%s", path);
		if ((slash = strrchr(up, '/')) != NULL)
			*slash = '\0';
		if (stat(up, &st) < 0) {
			buf_printf(why, "%s: %s", up, strerror(errno));
			return (WN_TEMP);
		}
		if (mkdir(path, 0770) == 0) {
			(void)chmod(path, 0770);
			if (geteuid() == 0)
				(void)chown(path, st.st_uid, st.st_gid);
		}
	}
	if (access(dir, W_OK) < 0) {
		buf_printf(why, "%s: %s", dir, strerror(errno));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* fleet_learn_park - keep one example for the fleet process */

int
fleet_learn_park(const char *dir, const char *data, size_t len, int spam,
    struct buf *why)
{
	static unsigned int n;
	struct timespec	 ts;
	char		 tmp[4200], name[4200];
	size_t		 off = 0;
	ssize_t		 w;
	int		 fd;

	if (fleet_learn_mkdir(dir, why) != WN_OK)
		return (WN_TEMP);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)snprintf(name, sizeof(name), "%s/%013lld%03ld-%ld-%u.%s", dir,
	    (long long)ts.tv_sec, ts.tv_nsec / 1000000, (long)getpid(), n++,
	    spam ? "spam" : "ham");
	(void)snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%u", dir,
	    (long)getpid(), n);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0) {
		buf_printf(why, "%s: %s", tmp, strerror(errno));
		return (WN_TEMP);
	}
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, name) < 0) {
		buf_printf(why, "%s: %s", tmp, strerror(errno));
		if (off < len)
			(void)close(fd);
		(void)unlink(tmp);
		return (WN_TEMP);
	}
	if (geteuid() == 0) {
		struct stat	 st;

		if (stat(dir, &st) == 0)
			(void)chown(name, st.st_uid, st.st_gid);
	}
	return (WN_OK);
}

/* fleet_learn_name_cmp - oldest first (names start with the time) */

static int
fleet_learn_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* fleet_learn_read - a parked file's bytes; NULL with why */

static char *
fleet_learn_read(const char *path, size_t *len_r, struct buf *why)
{
	struct stat	 st;
	char		*p;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return (NULL);
	}
	p = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		r = read(fd, p + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	(void)close(fd);
	*len_r = off;
	return (p);
}

/* fleet_learn_replay - send what was parked */

int
fleet_learn_replay(redisContext *c, const char *dir, const char *node,
    size_t max, size_t *sent_r, struct buf *why)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL;
	char		 path[4400];
	const char	*dot;
	size_t		 n = 0, cap = 0, i, len;
	char		*data;
	int		 rc = WN_OK, spam;

	*sent_r = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return (WN_OK);
		buf_printf(why, "%s: %s", dir, strerror(errno));
		return (WN_PERM);
	}
	/* What cannot be removed once sent would be sent again. */
	if (access(dir, W_OK) < 0) {
		buf_printf(why, "%s: %s", dir, strerror(errno));
		(void)closedir(d);
		return (WN_PERM);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (dot = strrchr(de->d_name, '.')) == NULL ||
		    (strcmp(dot, ".spam") != 0 && strcmp(dot, ".ham") != 0))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	(void)closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), fleet_learn_name_cmp);
	for (i = 0; i < n && i < max && rc == WN_OK; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		spam = strcmp(strrchr(names[i], '.'), ".spam") == 0;
		if ((data = fleet_learn_read(path, &len, why)) == NULL) {
			rc = WN_TEMP;
			break;
		}
		rc = fleet_learn_add(c, data, len, spam, node, why);
		free(data);
		if (rc == WN_PERM) {
			/* Too large for the fleet: this node has it. */
			buf_reset(why);
			rc = WN_OK;
		}
		if (rc == WN_OK) {
			(*sent_r)++;
			if (unlink(path) < 0) {
				buf_printf(why, "%s: %s (sent; it would be "
				    "sent again)", path, strerror(errno));
				rc = WN_PERM;
			}
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (rc);
}
