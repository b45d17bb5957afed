/*
 * archive.c - copies of messages in an archive directory
 *
 * One directory per day keeps directories small and makes expiry a matter
 * of removing old day directories.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* spool */
#include "archive.h"
#include "quar.h"

#define ARCHIVE_MAX_IOV	1024

/* archive_store - one durable archive file */

int
archive_store(const char *dir, time_t when, const char *name,
    const char *sender, const char *const *rcpts, size_t nrcpts,
    const struct iovec *iov, int iovcnt, struct buf *why)
{
	char		 day[PATH_MAX], file[300];
	struct iovec	*all;
	struct buf	*env = buf_new(256);
	struct tm	 tm;
	size_t		 i;
	int		 rc, n;

	if (iovcnt < 0 || iovcnt >= ARCHIVE_MAX_IOV)
		log_panic("archive_store: %d segments", iovcnt);
	(void)gmtime_r(&when, &tm);
	n = snprintf(day, sizeof(day), "%s/%04d%02d%02d", dir,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (n < 0 || (size_t)n >= sizeof(day)) {
		buf_printf(why, "%s: path too long", dir);
		buf_free(env);
		return (WN_TEMP);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		buf_printf(why, "mkdir %s: %s", dir, strerror(errno));
		buf_free(env);
		return (WN_TEMP);
	}
	(void)snprintf(file, sizeof(file), "%s.eml", name);
	buf_puts(env, "X-Envelope-From: <");
	buf_append_safe(env, sender, strlen(sender));
	buf_puts(env, ">\r\nX-Envelope-To:");
	for (i = 0; i < nrcpts; i++) {
		buf_puts(env, i ? ",\r\n\t<" : " <");
		buf_append_safe(env, rcpts[i], strlen(rcpts[i]));
		buf_puts(env, ">");
	}
	buf_puts(env, "\r\n");
	all = xcalloc((size_t)iovcnt + 1, sizeof(*all));
	all[0].iov_base = env->data;
	all[0].iov_len = buf_len(env);
	memcpy(all + 1, iov, (size_t)iovcnt * sizeof(*iov));
	rc = quar_write_file(day, file, all, iovcnt + 1, why);
	if (rc == WN_PERM) {
		/* The same queue id twice: a retry of the same message. */
		buf_reset(why);
		rc = WN_OK;
	}
	free(all);
	buf_free(env);
	return (rc);
}
