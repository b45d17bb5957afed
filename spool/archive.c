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

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "owner.h"
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
	if (owner_mkdir(dir, 0700) < 0 && errno != EEXIST) {
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

/* archive_day - the start (UTC) of a YYYYMMDD directory name; -1 if the
 * name is not one */

static time_t
archive_day(const char *name)
{
	struct tm	 tm;
	int		 i;

	for (i = 0; i < 8; i++)
		if (name[i] < '0' || name[i] > '9')
			return (-1);
	if (name[8] != '\0')
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (name[0] - '0') * 1000 + (name[1] - '0') * 100 +
	    (name[2] - '0') * 10 + (name[3] - '0') - 1900;
	tm.tm_mon = (name[4] - '0') * 10 + (name[5] - '0') - 1;
	tm.tm_mday = (name[6] - '0') * 10 + (name[7] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31)
		return (-1);
	return (timegm(&tm));
}

/* archive_rm_day - remove one day's directory and its files */

static int
archive_rm_day(const char *path, size_t *files_r, struct buf *why)
{
	char		 f[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	int		 rc = WN_OK;

	if ((d = opendir(path)) == NULL) {
		buf_printf(why, "opendir %s: %s", path, strerror(errno));
		return (WN_TEMP);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(f, sizeof(f), "%s/%s", path, de->d_name) >=
		    (int)sizeof(f) || unlink(f) < 0) {
			buf_printf(why, "%sunlink %s/%s: %s", buf_len(why) ?
			    "; " : "", path, de->d_name, strerror(errno));
			rc = WN_TEMP;
			continue;
		}
		(*files_r)++;
	}
	(void)closedir(d);
	if (rc == WN_OK && rmdir(path) < 0) {
		buf_printf(why, "rmdir %s: %s", path, strerror(errno));
		rc = WN_TEMP;
	}
	return (rc);
}

/* archive_purge - remove the days that ended before a time */

int
archive_purge(const char *dir, time_t before, int dry_run, size_t *days_r,
    size_t *files_r, struct buf *why)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	time_t		 day;
	int		 rc = WN_OK;

	*days_r = *files_r = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return (WN_OK);		/* nothing archived yet */
		buf_printf(why, "opendir %s: %s", dir, strerror(errno));
		return (WN_TEMP);
	}
	while ((de = readdir(d)) != NULL) {
		if ((day = archive_day(de->d_name)) == (time_t)-1 ||
		    day + 86400 > before)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || lstat(path, &st) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		(*days_r)++;
		if (dry_run)
			continue;
		if (archive_rm_day(path, files_r, why) != WN_OK)
			rc = WN_TEMP;
	}
	(void)closedir(d);
	return (rc);
}
