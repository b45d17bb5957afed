/*
 * control.h - winnowd's control process: the HTTP listener, the API, the
 * dashboard and the monitor
 *
 * One unprivileged process of winnowd, which the master starts (and
 * restarts) when [control] listen is set or [monitor] alert_to is: a
 * libuv event loop serving HTTP on the listener the master bound
 * (control.c, with libmicrohttpd), answering from the table of routes in
 * api.c (ctlauth.c decides who may ask), serving the dashboard's files
 * (web.c), running what blocks - a scan, a release, learning, a -t check
 * - in the loop's thread pool one at a time (ctljob.c), and judging the
 * [monitor] conditions every interval, mailing alerts (alerts.c).
 * Everything it shows comes from the live file and the store, as
 * winnowctl's does (stats/).
 *
 * This header is private to server/.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CONTROL_H
#define WINNOW_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "control_conf.h"

struct MHD_Connection;
struct json_t;
struct ctljob;

/*
 * The master's side (control.c).
 */

/* Whether a control process is wanted (listen or alert_to set). */
int	control_wanted(void);

/* Bind [control] listen (again, when it changed: reload) and make the
 * secret file when it is missing; 0, or -1 with why (the process then
 * runs without a listener).  config is winnowd's configuration file (NULL:
 * built-in defaults), for the commands the API runs. */
int	control_bind(const char *config, unsigned int gid, int drop,
	    struct buf *why);

/* The listening descriptor, or -1; closed in children. */
int	control_fd(void);

/* In a child of the master: close the listener and the reload pipe. */
void	control_close_fds(void);

/* The pipe the control process asks the master to reload through: the
 * master polls control_reload_fd() and drains it with
 * control_reload_asked(), 1 when a reload was asked. */
int	control_reload_fd(void);
int	control_reload_asked(void);

/* In the forked, unprivileged process: run until told to stop. */
void	control_main(void) __attribute__((noreturn));

/* In the master's new control process, as root: what it must read
 * before privileges go ([fleet] password_file, for api_fleet.c). */
void	control_prepare(void);

/* api_fleet.c: read the fleet's password (control_prepare). */
void	api_fleet_prepare(void);

/* The configuration file and programs the control process runs. */
const char	*control_config(void);		/* NULL: defaults */
const char	*control_winnowd(void);		/* this program's path */
const char	*control_winnowctl(void);	/* winnowctl beside it */

/*
 * One request (api.c answers it).
 */
enum control_auth {
	CONTROL_AUTH_NONE = 0,
	CONTROL_AUTH_PEER,	/* a unix-socket peer of root or our group */
	CONTROL_AUTH_TOKEN,	/* Authorization: Bearer SECRET */
	CONTROL_AUTH_COOKIE,	/* a dashboard session */
	CONTROL_AUTH_FLEET,	/* Bearer, the fleet secret: another node */
};

struct control_req {
	struct MHD_Connection *conn;	/* NULL: made up by a test */
	const char *const *fake;	/* then its headers and arguments:
					 * "H:Name", value, "Q:name", value,
					 * "C:cookie", value, ..., NULL */
	const char	*method;
	const char	*path;		/* without the query */
	char		 peer[64];	/* client address, "unix" */
	int		 unix_peer;	/* connected over the unix socket */
	int		 peer_trusted;	/* SO_PEERCRED: root or our group */
	struct buf	*in;		/* the request body */
	int		 too_big;	/* the body passed max_body */
	/* set while answering */
	enum control_auth auth;
	char		 arg[256];	/* the path's "*" segment */
	int		 status;	/* HTTP status of the answer */
	const char	*type;		/* its Content-Type */
	struct buf	*body;
	char		 cookie[160];	/* Set-Cookie value, "" none */
	char		 extra[64];	/* X-Winnow-Code value, "" none */
	int		 reload;	/* ask the master once answered */
	struct ctljob	*job;		/* answered when the job is done */
};

/* A query argument, or NULL. */
const char	*control_arg(const struct control_req *, const char *name);

/* A request cookie, or NULL. */
const char	*control_cookie(const struct control_req *, const char *name);

/* A request header, or NULL. */
const char	*control_header(const struct control_req *, const char *name);

/* Answer a request from the route table (api.c). */
void	api_dispatch(struct control_req *);

/* api.c: answers for the route files (api_quar.c, api_admin.c). */
void	api_json(struct control_req *, struct json_t *);
void	api_error(struct control_req *, int status, const char *text);
/* The request body as a JSON object, or NULL after a 400 answer. */
struct json_t	*api_body(struct control_req *);

/*
 * Who asks (ctlauth.c).
 */

/* Judge a request: 0 and r->auth set (CONTROL_AUTH_NONE when it has no
 * credential), or an HTTP status with the answer made (a Host that is not
 * ours, a rate-limited client, a wrong token). */
int	ctlauth_check(struct control_req *);

/* A state change (POST) may go on: JSON, from our own origin, and with a
 * session's CSRF token; 0, or an HTTP status with the answer made. */
int	ctlauth_csrf(struct control_req *);

/* POST /api/v1/login, /api/v1/logout, GET /api/v1/session. */
void	ctlauth_login(struct control_req *);
void	ctlauth_logout(struct control_req *);
void	ctlauth_session(struct control_req *);

/* Forget every session and failure count (tests). */
void	ctlauth_reset(void);

/*
 * The dashboard's files (web.c): 1 when path was one (answered).
 */
int	web_serve(struct control_req *);

/* The headers every answer carries (the CSP among them), for control.c. */
extern const char *const web_headers[][2];

/*
 * Blocking work in the thread pool, one job at a time (ctljob.c).
 */

/* Run a program (argv[0] a path) with input on its stdin; its exit
 * status, and what it wrote (stdout and stderr) into r's answer as
 * {"exit": N, "output": "..."}, with the HTTP status map() gives the exit
 * status (NULL: 200 on 0, 500 otherwise).  The request is answered when
 * the program ends (or after [control] job_timeout, killed). */
typedef int	ctljob_map_fn(int exit_status);
void	ctljob_command(struct control_req *, char **argv, const char *input,
	    size_t len, const char *tmpfile, ctljob_map_fn *map);

/* The same, its answer made by fn from the exit status (-1: killed by a
 * signal) and what the program wrote. */
struct buf;
typedef void	ctljob_answer_fn(struct control_req *, int exit_status,
	    const struct buf *out);
void	ctljob_command_answer(struct control_req *, char **argv,
	    const char *input, size_t len, ctljob_answer_fn *fn);

/* Scan a message as winnowd would (scan.c, in a process of its own). */
void	ctljob_scan(struct control_req *, struct json_t *request);
/* A winnowctl of the fleet (another node's quarantine): its JSON on
 * stdout is the answer, its exit status mapped; it runs beside the other
 * jobs, as it may wait on a node that waits on us. */
void	ctljob_json(struct control_req *, char **argv, const char *input,
	    size_t len, ctljob_map_fn *map);
/* The same, but what it prints on stdout when it succeeds is the
 * answer's body as it is, of Content-Type type, up to max bytes (more:
 * a 502, never a body cut short); when it fails, its stdout's JSON or
 * its stderr's text is the answer, as ctljob_json's. */
void	ctljob_body(struct control_req *, char **argv, const char *input,
	    size_t len, ctljob_map_fn *map, const char *type, size_t max);

/* In the loop's thread: the job of a request finished; its answer is in
 * the request.  control.c resumes the connection. */
void	control_job_done(struct control_req *);

/* Jobs answer 503 instead of running (the fuzz target, unit tests). */
extern int	ctljob_disabled;

/* Run fn in the thread pool holding the one job lock (the monitor). */
void	ctljob_locked(void (*fn)(void));

/*
 * The scan itself (scan.c), in the forked process: the JSON answer of a
 * request {"message": TEXT, "sender": .., "recipients": [..], "client":
 * .., "helo": ..}, written to fd.
 */
void	scan_child(struct json_t *request, int fd) __attribute__((noreturn));

/*
 * The monitor (alerts.c), every [monitor] interval: judge, mail what
 * started, what ended, and the daily digest.  Blocking (mail goes out
 * through the downstream): the loop runs it in its thread pool.
 */
void	alerts_tick(void);

#endif /* WINNOW_CONTROL_H */
