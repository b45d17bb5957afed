/*
 * faultio.c - an LD_PRELOAD shim that fails file-system calls on demand
 *
 * For the fault-matrix tests (anchors-reliability.md section 8, row D7:
 * "fsync / rename returns EIO"): while the file named by
 * WINNOW_FAULT_SWITCH exists, the calls named in WINNOW_FAULT_OPS
 * (fsync, fdatasync, rename, renameat, write; separated by commas) fail
 * with WINNOW_FAULT_ERRNO (EIO or ENOSPC) when their path - the
 * descriptor's, read from /proc/self/fd - contains WINNOW_FAULT_PATH.
 * Each failure is recorded as "pid op path" in WINNOW_FAULT_LOG, so a
 * test knows the fault really happened.  Every other call goes to libc
 * unchanged, and with the switch file absent the shim costs one stat().
 *
 * winnowd forks its children without exec, so the master's LD_PRELOAD
 * reaches them; the switch lets a test turn the fault off to see the
 * daemon recover without a restart.  Built by the Makefile as
 * build/t/shim/faultio.so; never installed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAULTIO_LINE	(PATH_MAX + 64)

/* faultio_env - an environment value, "" when unset */

static const char *
faultio_env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL ? v : "");
}

/* faultio_op_on - is op one of WINNOW_FAULT_OPS? */

static int
faultio_op_on(const char *op)
{
	const char	*ops = faultio_env("WINNOW_FAULT_OPS");
	size_t		 n = strlen(op);

	while (*ops != '\0') {
		if (strncmp(ops, op, n) == 0 && (ops[n] == ',' ||
		    ops[n] == '\0'))
			return (1);
		ops = strchr(ops, ',');
		if (ops == NULL)
			break;
		ops++;
	}
	return (0);
}

/* faultio_errno - the errno to fail with */

static int
faultio_errno(void)
{
	return (strcmp(faultio_env("WINNOW_FAULT_ERRNO"), "ENOSPC") == 0 ?
	    ENOSPC : EIO);
}

/* faultio_log - record one injected failure (never through write()) */

static void
faultio_log(const char *op, const char *path)
{
	char		 line[FAULTIO_LINE];
	const char	*file = faultio_env("WINNOW_FAULT_LOG");
	int		 fd, n;

	if (*file == '\0')
		return;
	n = snprintf(line, sizeof(line), "%ld %s %s\n", (long)getpid(), op,
	    path);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	fd = (int)syscall(SYS_open, file, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	(void)syscall(SYS_write, fd, line, (size_t)n);
	(void)syscall(SYS_close, fd);
}

/* faultio_hit - fail op on path now?  Records the failure when so. */

static int
faultio_hit(const char *op, const char *path)
{
	const char	*sw = faultio_env("WINNOW_FAULT_SWITCH");
	const char	*want = faultio_env("WINNOW_FAULT_PATH");
	struct stat	 st;

	if (*sw == '\0' || path == NULL || !faultio_op_on(op))
		return (0);
	if (stat(sw, &st) < 0)
		return (0);
	if (*want != '\0' && strstr(path, want) == NULL)
		return (0);
	faultio_log(op, path);
	return (1);
}

/* faultio_fd_path - the path behind a descriptor, or NULL */

static const char *
faultio_fd_path(int fd, char *out, size_t len)
{
	char	 link[64];
	ssize_t	 n;

	(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, out, len - 1)) < 0)
		return (NULL);
	out[n] = '\0';
	return (out);
}

/* faultio_next - libc's own function of that name */

static void *
faultio_next(const char *name)
{
	void	*fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL)
		abort();
	return (fn);
}

/* fsync - fails while switched on for a matching path */

int
fsync(int fd)
{
	static int	(*next)(int);
	char		 path[PATH_MAX];

	if (next == NULL)
		next = (int (*)(int))faultio_next("fsync");
	if (faultio_op_on("fsync") &&
	    faultio_hit("fsync", faultio_fd_path(fd, path, sizeof(path)))) {
		errno = faultio_errno();
		return (-1);
	}
	return (next(fd));
}

/* fdatasync - as fsync */

int
fdatasync(int fd)
{
	static int	(*next)(int);
	char		 path[PATH_MAX];

	if (next == NULL)
		next = (int (*)(int))faultio_next("fdatasync");
	if (faultio_op_on("fdatasync") && faultio_hit("fdatasync",
	    faultio_fd_path(fd, path, sizeof(path)))) {
		errno = faultio_errno();
		return (-1);
	}
	return (next(fd));
}

/* rename - fails while switched on when the target matches */

int
rename(const char *from, const char *to)
{
	static int	(*next)(const char *, const char *);

	if (next == NULL)
		next = (int (*)(const char *, const char *))
		    faultio_next("rename");
	if (faultio_hit("rename", to)) {
		errno = faultio_errno();
		return (-1);
	}
	return (next(from, to));
}

/* renameat - as rename (the target path as given) */

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	static int	(*next)(int, const char *, int, const char *);

	if (next == NULL)
		next = (int (*)(int, const char *, int, const char *))
		    faultio_next("renameat");
	if (faultio_hit("renameat", to)) {
		errno = faultio_errno();
		return (-1);
	}
	return (next(fromfd, from, tofd, to));
}

/* write - fails while switched on for a matching path */

ssize_t
write(int fd, const void *p, size_t len)
{
	static ssize_t	(*next)(int, const void *, size_t);
	char		 path[PATH_MAX];

	if (next == NULL)
		next = (ssize_t (*)(int, const void *, size_t))
		    faultio_next("write");
	if (faultio_op_on("write") &&
	    faultio_hit("write", faultio_fd_path(fd, path, sizeof(path)))) {
		errno = faultio_errno();
		return (-1);
	}
	return (next(fd, p, len));
}
