/*
 * secret.c - make, read, write and compare the control API's secret
 *
 * The secret is the only credential of the control API over TCP; it never
 * has a default (CWE-1392): it is made from getrandom(2) on the machine
 * that uses it.  Comparisons take the same time wherever two strings of
 * the same length differ, so a client cannot learn a prefix by timing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "secret.h"
#include "status.h"

/* secret_make - 32 random bytes as hex */

void
secret_make(char out[SECRET_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 rnd[SECRET_LEN / 2];
	size_t		 got = 0, i;
	ssize_t		 n;

	while (got < sizeof(rnd)) {
		n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[SECRET_LEN] = '\0';
}

/* secret_read - the secret of a file */

int
secret_read(const char *path, char out[SECRET_LEN + 1], struct buf *why)
{
	char		 line[SECRET_LEN + 4];
	ssize_t		 n;
	size_t		 i;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		buf_printf(why, "cannot read the control secret %s: %s", path,
		    strerror(errno));
		return (errno == ENOENT ? WN_PERM : WN_TEMP);
	}
	n = read(fd, line, sizeof(line) - 1);
	(void)close(fd);
	if (n < 0) {
		buf_printf(why, "read %s: %s", path, strerror(errno));
		return (WN_TEMP);
	}
	line[n] = '\0';
	for (i = 0; i < SECRET_LEN; i++)
		if (strchr("0123456789abcdef", line[i]) == NULL ||
		    line[i] == '\0')
			break;
	if (i != SECRET_LEN || (line[i] != '\0' && line[i] != '\n')) {
		buf_printf(why, "%s does not hold a control secret (%d hex "
		    "digits): make a new one with winnowctl control-secret "
		    "--rotate", path, SECRET_LEN);
		return (WN_PERM);
	}
	memcpy(out, line, SECRET_LEN);
	out[SECRET_LEN] = '\0';
	return (WN_OK);
}

/* secret_write - replace the file atomically */

int
secret_write(const char *path, const char *secret, gid_t gid,
    struct buf *why)
{
	char		 tmp[4096], line[SECRET_LEN + 2];
	int		 fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		buf_printf(why, "%s: name too long", path);
		return (WN_PERM);
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		buf_printf(why, "cannot create %s: %s", tmp, strerror(errno));
		return (WN_TEMP);
	}
	(void)snprintf(line, sizeof(line), "%s\n", secret);
	if ((gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) < 0) ||
	    fchmod(fd, 0640) < 0 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    fsync(fd) < 0) {
		buf_printf(why, "cannot write %s: %s", tmp, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		return (WN_TEMP);
	}
	(void)close(fd);
	if (rename(tmp, path) < 0) {
		buf_printf(why, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		(void)unlink(tmp);
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* secret_equal - constant-time string comparison */

int
secret_equal(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[lb ? i % lb : 0];
	return (d == 0);
}
