/*
 * control.h - winnowd's control process: the HTTP listener and the monitor
 *
 * One unprivileged process of winnowd, which the master starts (and
 * restarts) when [control] listen is set or [monitor] alert_to is: a
 * libuv event loop serving HTTP on the listener the master bound
 * (control.c, with libmicrohttpd), answering from the table of routes in
 * api.c, and judging the [monitor] conditions every interval, mailing
 * alerts (alerts.c).  Everything it shows comes from the live file and
 * the store, as winnowctl's does (stats/).
 *
 * This header is private to server/.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CONTROL_H
#define WINNOW_CONTROL_H

#include <stddef.h>

#include "buf.h"

struct MHD_Connection;

/* [control] (control.c). */
struct control_conf {
	char		*listen;	/* "" none */
	int		 allow_remote;	/* a listener off loopback is allowed */
};

extern struct control_conf control_conf;

void	control_conf_register(void);

/*
 * The master's side (control.c).
 */

/* Whether a control process is wanted (listen or alert_to set). */
int	control_wanted(void);

/* Bind [control] listen (again, when it changed: reload); 0, or -1 with
 * why (the process then runs without a listener). */
int	control_bind(unsigned int gid, int drop, struct buf *why);

/* The listening descriptor, or -1; closed in children. */
int	control_fd(void);

/* In the forked, unprivileged process: run until told to stop. */
void	control_main(void) __attribute__((noreturn));

/*
 * One request (api.c answers it).
 */
struct control_req {
	struct MHD_Connection *conn;
	const char	*method;
	const char	*path;		/* without the query */
	int		 status;	/* HTTP status of the answer */
	const char	*type;		/* its Content-Type */
	struct buf	*body;
};

/* A query argument, or NULL. */
const char	*control_arg(const struct control_req *, const char *name);

/* Answer a request from the route table (api.c). */
void	api_dispatch(struct control_req *);

/*
 * The monitor (alerts.c), every [monitor] interval: judge, mail what
 * started, what ended, and the daily digest.  Blocking (mail goes out
 * through the downstream): the loop runs it in its thread pool.
 */
void	alerts_tick(void);

#endif /* WINNOW_CONTROL_H */
