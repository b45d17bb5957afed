/*
 * control.c - the control process: HTTP in a libuv loop, and the monitor
 *
 * The master binds [control] listen as root (so a port below 1024 or a
 * socket in /run works), forks this process, which drops privileges like
 * a child and runs a libuv loop.  HTTP is libmicrohttpd's: Debian ships
 * it, it is small, it parses requests with its own limits, and it can run
 * without threads of its own - with MHD_USE_EPOLL it keeps one epoll
 * descriptor that a uv_poll watches, and MHD_get_timeout() feeds a
 * uv_timer, so every request is answered in the loop's thread.  (h2o's
 * libuv binding would fit as well, but Debian has no development package
 * of it.)  No HTTP is parsed here.
 *
 * The answers come from api.c's table of routes; the monitor runs every
 * [monitor] interval in the loop's thread pool (alerts.c), since mailing
 * an alert waits on the downstream.
 *
 * Who may ask is ctlauth.c's business; the listener is loopback or a unix
 * socket (0660, the children's group) unless allow_remote says otherwise.
 * A request's body is read up to [control] max_body (413 past it).  A
 * route that blocks (ctljob.c) suspends its connection until the job is
 * done; a reload is asked of the master through a pipe once its answer
 * has gone out (the master then restarts this process, reconfigured).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include <microhttpd.h>
#include <uv.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"
#include "log.h"
#include "proctitle.h"
#include "secret.h"
#include "status.h"
#include "xalloc.h"

/* smtp */
#include "reinject.h"

/* stats */
#include "stats_conf.h"

/* server */
#include "control.h"
#include "server.h"

static int		 control_listen_fd = -1;
static char		*control_bound;		/* what control_listen_fd is */
static int		 control_pipe[2] = { -1, -1 };	/* reload asks */
static char		*control_config_path;
static char		 control_exe[4096];
static char		 control_ctl[4096];
static struct MHD_Daemon *control_mhd;
static uv_poll_t	 control_poll;
static uv_timer_t	 control_mhd_timer;
static uv_timer_t	 control_mon_timer;
static uv_signal_t	 control_sigterm;

/* One connection's request while it is read and answered. */
struct control_conn {
	struct control_req r;
	int		 answered;	/* the job is done: queue the answer */
};

/* control_wanted - whether there is anything for the process to do */

int
control_wanted(void)
{
	return (control_conf.listen[0] != '\0' ||
	    monitor_conf.alert_to[0] != '\0');
}

/* control_fd - the listener, or -1 */

int
control_fd(void)
{
	return (control_listen_fd);
}

/* control_loopback - whether a TCP host is a loopback address */

static int
control_loopback(const char *host)
{
	return (strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "localhost") == 0);
}

/* control_paths - this program, winnowctl beside it, the configuration */

static void
control_paths(const char *config)
{
	char	*slash;
	ssize_t	 n;

	free(control_config_path);
	control_config_path = config == NULL ? NULL :
	    (control_config_path = realpath(config, NULL)) != NULL ?
	    control_config_path : xstrdup(config);
	if ((n = readlink("/proc/self/exe", control_exe,
	    sizeof(control_exe) - 1)) < 0)
		n = 0;
	control_exe[n] = '\0';
	(void)snprintf(control_ctl, sizeof(control_ctl), "%s", control_exe);
	if ((slash = strrchr(control_ctl, '/')) != NULL)
		(void)snprintf(slash + 1, sizeof(control_ctl) - (size_t)(slash +
		    1 - control_ctl), "winnowctl");
}

/* control_secret - make the secret when there is none (as root) */

static void
control_secret(unsigned int gid, int drop)
{
	char		 s[SECRET_LEN + 1];
	struct buf	*why = buf_new(128);
	struct stat	 st;

	if (control_conf.secret_file[0] == '\0' ||
	    stat(control_conf.secret_file, &st) == 0 || errno != ENOENT) {
		buf_free(why);
		return;
	}
	secret_make(s);
	if (secret_write(control_conf.secret_file, s, drop ? (gid_t)gid :
	    (gid_t)-1, why) != WN_OK)
		log_error("control: %s; the API takes only unix-socket peers "
		    "of the right group", buf_str(why));
	else
		log_notice("control: made a new secret in %s (winnowctl "
		    "control-secret prints it)", control_conf.secret_file);
	explicit_bzero(s, sizeof(s));
	buf_free(why);
}

/* control_bind - listen on [control] listen (master, as root) */

int
control_bind(const char *config, unsigned int gid, int drop,
    struct buf *why)
{
	struct endpoint	 ep;
	int		 fd;

	control_paths(config);
	if (control_pipe[0] < 0 && pipe2(control_pipe, O_CLOEXEC |
	    O_NONBLOCK) < 0)
		log_fatal("control: pipe: %s", strerror(errno));
	if (control_conf.listen[0] != '\0')
		control_secret(gid, drop);
	if (control_bound != NULL && strcmp(control_bound,
	    control_conf.listen) == 0)
		return (0);
	if (control_listen_fd >= 0)
		(void)close(control_listen_fd);
	control_listen_fd = -1;
	free(control_bound);
	control_bound = NULL;
	if (control_conf.listen[0] == '\0')
		return (0);
	if (endpoint_parse(control_conf.listen, &ep, 0, why) < 0)
		return (-1);
	if (ep.kind == ENDPOINT_TCP && !control_loopback(ep.host) &&
	    !control_conf.allow_remote) {
		buf_printf(why, "[control] listen %s is not a loopback address "
		    "and the API has no TLS: set allow_remote = yes only "
		    "behind a TLS proxy", ep.text);
		endpoint_free(&ep);
		return (-1);
	}
	if ((fd = endpoint_listen(&ep, 64, why)) < 0) {
		endpoint_free(&ep);
		return (-1);
	}
	/* A unix socket is for root and the children's group only. */
	if (ep.kind == ENDPOINT_UNIX && ((drop && chown(ep.path, (uid_t)-1,
	    (gid_t)gid) < 0) || chmod(ep.path, 0660) < 0)) {
		buf_printf(why, "cannot restrict %s: %s", ep.path,
		    strerror(errno));
		(void)close(fd);
		endpoint_free(&ep);
		return (-1);
	}
	endpoint_free(&ep);
	control_listen_fd = fd;
	control_bound = xstrdup(control_conf.listen);
	return (0);
}

/* control_close_fds - a child of the master needs none of ours */

void
control_close_fds(void)
{
	if (control_listen_fd >= 0)
		(void)close(control_listen_fd);
	if (control_pipe[0] >= 0)
		(void)close(control_pipe[0]);
	if (control_pipe[1] >= 0)
		(void)close(control_pipe[1]);
}

/* control_reload_fd - what the master polls for reload requests */

int
control_reload_fd(void)
{
	return (control_pipe[0]);
}

/* control_reload_asked - drain the pipe; 1 when a reload was asked */

int
control_reload_asked(void)
{
	char	 junk[64];
	int	 asked = 0;

	while (control_pipe[0] >= 0 && read(control_pipe[0], junk,
	    sizeof(junk)) > 0)
		asked = 1;
	return (asked);
}

/* control_config - winnowd's configuration file, NULL for defaults */

const char *
control_config(void)
{
	return (control_config_path);
}

/* control_winnowd - this program */

const char *
control_winnowd(void)
{
	return (control_exe);
}

/* control_winnowctl - winnowctl, installed beside winnowd */

const char *
control_winnowctl(void)
{
	return (control_ctl);
}

/* control_fake - a made-up request's header ('H') or argument ('Q') */

static const char *
control_fake(const struct control_req *r, int kind, const char *name)
{
	const char *const *f;

	for (f = r->fake; f != NULL && f[0] != NULL && f[1] != NULL; f += 2)
		if (f[0][0] == kind && f[0][1] == ':' && (kind == 'H' ?
		    strcasecmp(f[0] + 2, name) : strcmp(f[0] + 2, name)) == 0)
			return (f[1]);
	return (NULL);
}

/* control_arg - a query argument */

const char *
control_arg(const struct control_req *r, const char *name)
{
	if (r->conn == NULL)
		return (control_fake(r, 'Q', name));
	return (MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name));
}

/* control_cookie - a request cookie */

const char *
control_cookie(const struct control_req *r, const char *name)
{
	if (r->conn == NULL)
		return (control_fake(r, 'C', name));
	return (MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name));
}

/* control_header - a request header */

const char *
control_header(const struct control_req *r, const char *name)
{
	if (r->conn == NULL)
		return (control_fake(r, 'H', name));
	return (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name));
}

/* control_peer - who is connected: the address, and for a unix socket
 * whether its credentials are root's, ours or our group's */

static void
control_peer(struct control_req *r)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);
	gid_t		 groups[256];
	int		 fd, i, n;

	(void)snprintf(r->peer, sizeof(r->peer), "unknown");
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, r->peer, sizeof(r->peer));
	else if (sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, r->peer, sizeof(r->peer));
	if (sa->sa_family != AF_UNIX)
		return;
	r->unix_peer = 1;
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	fd = ci->connect_fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return;
	(void)snprintf(r->peer, sizeof(r->peer), "unix:uid=%ld",
	    (long)uc.uid);
	r->peer_trusted = uc.uid == 0 || uc.uid == getuid() ||
	    uc.gid == getgid();
	len = sizeof(groups);
	if (!r->peer_trusted && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS,
	    groups, &len) == 0) {
		n = (int)(len / sizeof(groups[0]));
		for (i = 0; i < n; i++)
			if (groups[i] == getgid())
				r->peer_trusted = 1;
	}
}

/* control_respond - queue the answer of a request */

static enum MHD_Result
control_respond(struct control_conn *cc)
{
	struct control_req *r = &cc->r;
	struct MHD_Response *resp;
	enum MHD_Result	 rc;
	size_t		 i;

	resp = MHD_create_response_from_buffer(buf_len(r->body),
	    r->body->data, MHD_RESPMEM_MUST_COPY);
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->type);
	for (i = 0; web_headers[i][0] != NULL; i++)
		(void)MHD_add_response_header(resp, web_headers[i][0],
		    web_headers[i][1]);
	if (r->cookie[0] != '\0')
		(void)MHD_add_response_header(resp, "Set-Cookie", r->cookie);
	if (r->extra[0] != '\0')
		(void)MHD_add_response_header(resp, "X-Winnow-Code", r->extra);
	/* A connection that was suspended for a job is not used again:
	 * libmicrohttpd in our loop does not always watch a resumed
	 * connection for its next request, which would then hang. */
	if (cc->answered)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	if (r->status == MHD_HTTP_UNAUTHORIZED)
		(void)MHD_add_response_header(resp, "WWW-Authenticate",
		    "Bearer realm=\"winnow\"");
	rc = MHD_queue_response(r->conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return (rc);
}

/* control_answer - libmicrohttpd's callback: the headers (first call),
 * pieces of the body, then the end (answered, or suspended for a job) */

static enum MHD_Result
control_answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct control_conn *cc = *state;
	struct control_req *r;

	(void)cls;
	(void)version;
	if (cc == NULL) {
		cc = xcalloc(1, sizeof(*cc));
		r = &cc->r;
		r->conn = conn;
		r->method = method;
		r->path = url;
		r->in = buf_new(256);
		r->body = buf_new(4096);
		r->status = MHD_HTTP_OK;
		r->type = "application/json";
		control_peer(r);
		*state = cc;
		return (MHD_YES);
	}
	r = &cc->r;
	if (*upload_size != 0) {
		if (r->too_big || buf_len(r->in) + *upload_size >
		    control_conf.max_body) {
			r->too_big = 1;
			buf_reset(r->in);
		} else
			buf_append(r->in, upload, *upload_size);
		*upload_size = 0;
		return (MHD_YES);
	}
	if (r->too_big) {
		/* What came past max_body was read and dropped. */
		buf_reset(r->in);
		api_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "the request body is "
		    "larger than [control] max_body");
		return (control_respond(cc));
	}
	if (cc->answered)
		return (control_respond(cc));
	api_dispatch(r);
	if (r->job != NULL) {
		MHD_suspend_connection(conn);
		return (MHD_YES);
	}
	return (control_respond(cc));
}

/* control_job_done - a job's answer is ready: resume its connection */

void
control_job_done(struct control_req *r)
{
	struct control_conn *cc = (struct control_conn *)(void *)r;

	r->job = NULL;
	cc->answered = 1;
	MHD_resume_connection(r->conn);
	(void)MHD_run(control_mhd);
}

/* control_completed - a request is over: ask for the reload it wanted,
 * free it */

static void
control_completed(void *cls, struct MHD_Connection *conn, void **state,
    enum MHD_RequestTerminationCode toe)
{
	struct control_conn *cc = *state;

	(void)cls;
	(void)conn;
	if (cc == NULL)
		return;
	if (cc->r.reload && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK &&
	    write(control_pipe[1], "R", 1) != 1)
		log_error("control: cannot ask the master to reload: %s",
		    strerror(errno));
	buf_free(cc->r.in);
	buf_free(cc->r.body);
	free(cc);
	*state = NULL;
}

/* control_mhd_log - libmicrohttpd's complaints */

static void
control_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 msg[512];
	size_t	 n;

	(void)cls;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

static void	control_on_mhd_timer(uv_timer_t *);

/* control_mhd_run - let libmicrohttpd work, then wait as it says */

static void
control_mhd_run(void)
{
	MHD_UNSIGNED_LONG_LONG to;

	(void)MHD_run(control_mhd);
	if (MHD_get_timeout(control_mhd, &to) == MHD_YES)
		(void)uv_timer_start(&control_mhd_timer, control_on_mhd_timer,
		    to ? to : 1, 0);
	else
		(void)uv_timer_stop(&control_mhd_timer);
}

/* control_on_mhd_timer - libmicrohttpd's timeout is up */

static void
control_on_mhd_timer(uv_timer_t *t)
{
	(void)t;
	control_mhd_run();
}

/* control_on_poll - the epoll descriptor of libmicrohttpd is ready */

static void
control_on_poll(uv_poll_t *p, int status, int events)
{
	(void)p;
	(void)status;
	(void)events;
	control_mhd_run();
}

/* control_http_start - libmicrohttpd on our listener, in the loop */

static void
control_http_start(uv_loop_t *loop)
{
	const union MHD_DaemonInfo *di;

	if (control_listen_fd < 0)
		return;
	control_mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, control_answer, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, control_mhd_log, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, control_completed, NULL,
	    MHD_OPTION_LISTEN_SOCKET, control_listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_END);
	if (control_mhd == NULL)
		log_fatal("http: cannot start libmicrohttpd on %s",
		    control_conf.listen);
	di = MHD_get_daemon_info(control_mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL)
		log_fatal("http: libmicrohttpd has no epoll descriptor");
	if (uv_poll_init(loop, &control_poll, di->epoll_fd) != 0 ||
	    uv_poll_start(&control_poll, UV_READABLE, control_on_poll) != 0)
		log_fatal("http: cannot watch libmicrohttpd's descriptor");
	(void)uv_timer_init(loop, &control_mhd_timer);
	control_mhd_run();
	log_info("answering HTTP on %s", control_conf.listen);
}

/* control_on_monitor - time to judge (ctljob.c skips a round while the
 * last one still runs) */

static void
control_on_monitor(uv_timer_t *t)
{
	(void)t;
	ctljob_locked(alerts_tick);
}

/* control_on_term - SIGTERM: stop */

static void
control_on_term(uv_signal_t *s, int sig)
{
	(void)sig;
	uv_stop(s->loop);
}

/* control_prepare - as root, before privileges go */

void
control_prepare(void)
{
	api_fleet_prepare();
}

/* control_main - the control process */

void
control_main(void)
{
	uv_loop_t	*loop = uv_default_loop();
	struct buf	*why = buf_new(128);

	log_init("winnowd/control");
	proctitle_set("winnowd: control");
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	(void)signal(SIGPIPE, SIG_IGN);
	if (getppid() == 1)
		exit(EX_OK);
	(void)close(control_pipe[0]);
	control_pipe[0] = -1;
	if (reinject_init(why) < 0)
		log_warn("forward: %s; alerts cannot be mailed", buf_str(why));
	(void)uv_signal_init(loop, &control_sigterm);
	(void)uv_signal_start(&control_sigterm, control_on_term, SIGTERM);
	control_http_start(loop);
	if (monitor_conf.alert_to[0] != '\0') {
		(void)uv_timer_init(loop, &control_mon_timer);
		(void)uv_timer_start(&control_mon_timer, control_on_monitor,
		    1000, monitor_conf.interval);
	}
	(void)uv_run(loop, UV_RUN_DEFAULT);
	if (control_mhd != NULL)
		MHD_stop_daemon(control_mhd);
	buf_free(why);
	log_debug("stopped");
	exit(EX_OK);
}
