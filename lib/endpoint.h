/*
 * endpoint.h - "tcp:HOST:PORT", "unix:PATH" and "exec:COMMAND ARGS"
 *
 * The one syntax for every place winnow listens or connects: winnowd's
 * listen and forward, winnow-pipe's connect_to, the control API.  IPv6
 * hosts go in brackets: tcp:[::1]:10025.  exec: splits its command at white
 * space (no shell is involved, so nothing from a message can reach one).
 *
 * Fallible calls return a descriptor or -1 and leave a reason in why.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_ENDPOINT_H
#define WINNOW_ENDPOINT_H

#include <sys/types.h>

#include "buf.h"

enum endpoint_kind {
	ENDPOINT_TCP,
	ENDPOINT_UNIX,
	ENDPOINT_EXEC,
};

struct endpoint {
	enum endpoint_kind kind;
	char		*text;		/* as configured, for logs */
	char		*host;		/* TCP: host without brackets */
	char		*port;		/* TCP */
	char		*path;		/* UNIX */
	char		**argv;		/* EXEC: NULL-terminated */
};

/* Parse s; exec: is accepted only when allow_exec.  0 or -1. */
int	endpoint_parse(const char *s, struct endpoint *, int allow_exec,
	    struct buf *why);

/* Free what endpoint_parse allocated (the struct itself is the caller's). */
void	endpoint_free(struct endpoint *);

/* Bind and listen (TCP: SO_REUSEADDR, IPv6-only for v6 addresses; UNIX: a
 * stale socket file is replaced, mode 0666).  Returns the descriptor. */
int	endpoint_listen(const struct endpoint *, int backlog, struct buf *why);

/* Connect with a timeout (TCP: every address of the host in turn, with
 * TCP_NODELAY).  Returns a non-blocking descriptor. */
int	endpoint_connect(const struct endpoint *, unsigned int timeout_ms,
	    struct buf *why);

/* Start an exec: endpoint with a socketpair on its stdin and stdout.
 * Returns our end; *pid_r is the child to reap.  With err_r, its stderr
 * goes to a memory file of at most ENDPOINT_STDERR_MAX bytes (writes past
 * that fail) whose descriptor is *err_r (-1 if none could be made: then
 * stderr is inherited); endpoint_stderr() reads it. */
#define ENDPOINT_STDERR_MAX	65536
int	endpoint_spawn(const struct endpoint *, pid_t *pid_r, int *err_r,
	    struct buf *why);

/* What a command wrote to its stderr memory file, on one line (control
 * characters as spaces, at most max bytes), appended to out. */
void	endpoint_stderr(int err_fd, size_t max, struct buf *out);

/* conf_check_fn-style validators for configuration tables. */
int	endpoint_check(const char *, struct buf *why);
int	endpoint_check_exec(const char *, struct buf *why);

#endif /* WINNOW_ENDPOINT_H */
