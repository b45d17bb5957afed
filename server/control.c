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
 * Authentication is issue 13's: today the listener is loopback or a unix
 * socket (0660, the children's group) unless allow_remote says otherwise,
 * and api.c's table marks the routes that will need a credential.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "xalloc.h"

/* smtp */
#include "reinject.h"

/* stats */
#include "stats_conf.h"

/* server */
#include "control.h"
#include "server.h"

struct control_conf	 control_conf;

static int		 control_listen_fd = -1;
static char		*control_bound;		/* what control_listen_fd is */
static struct MHD_Daemon *control_mhd;
static uv_poll_t	 control_poll;
static uv_timer_t	 control_mhd_timer;
static uv_timer_t	 control_mon_timer;
static uv_signal_t	 control_sigterm;
static uv_work_t	 control_work;
static int		 control_working;

/* control_check_listen - empty (none) or tcp:/unix: */

static int
control_check_listen(const char *s, struct buf *why)
{
	return (s[0] == '\0' ? 0 : endpoint_check(s, why));
}

#define C(f)	(&control_conf.f)
static const struct conf_param control_params[] = {
	{ "listen", CONF_STR, "", C(listen), 0, 0, NULL, control_check_listen,
	    "where the control process answers HTTP (/metrics, /api/v1/...): "
	    "tcp:127.0.0.1:10027 or unix:PATH (empty: no listener)" },
	{ "allow_remote", CONF_BOOL, "no", C(allow_remote), 0, 0, NULL, NULL,
	    "allow a listen address that is not loopback (there is no "
	    "authentication yet: put a proxy with one in front)" },
	{ NULL }
};
#undef C

static const struct conf_section control_section = {
	"control", 0, control_params, NULL,
	"the control process: HTTP for metrics and the API, and the monitor"
};

/* control_conf_register - register [control] */

void
control_conf_register(void)
{
	conf_register(&control_section);
}

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

/* control_bind - listen on [control] listen (master, as root) */

int
control_bind(unsigned int gid, int drop, struct buf *why)
{
	struct endpoint	 ep;
	int		 fd;

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
		    "and the API has no authentication yet: set allow_remote "
		    "= yes only behind a proxy that has one", ep.text);
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

/* control_arg - a query argument */

const char *
control_arg(const struct control_req *r, const char *name)
{
	if (r->conn == NULL)
		return (NULL);		/* a request made up by a test */
	return (MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name));
}

/* control_answer - one request, from the second call on (the first only
 * says the headers are in) */

static enum MHD_Result
control_answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	static int	 seen;
	struct control_req r;
	struct MHD_Response *resp;
	enum MHD_Result	 rc;

	(void)cls;
	(void)version;
	(void)upload;
	if (*state == NULL) {
		*state = &seen;
		return (MHD_YES);
	}
	if (*upload_size != 0) {
		*upload_size = 0;	/* no route takes a body yet */
		return (MHD_YES);
	}
	memset(&r, 0, sizeof(r));
	r.conn = conn;
	r.method = method;
	r.path = url;
	r.status = MHD_HTTP_OK;
	r.type = "application/json";
	r.body = buf_new(4096);
	api_dispatch(&r);
	resp = MHD_create_response_from_buffer(buf_len(r.body), r.body->data,
	    MHD_RESPMEM_MUST_COPY);
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r.type);
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	(void)MHD_add_response_header(resp, "X-Content-Type-Options",
	    "nosniff");
	rc = MHD_queue_response(conn, (unsigned int)r.status, resp);
	MHD_destroy_response(resp);
	buf_free(r.body);
	return (rc);
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
	control_mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, control_answer, NULL,
	    MHD_OPTION_LISTEN_SOCKET, control_listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
	    MHD_OPTION_EXTERNAL_LOGGER, control_mhd_log, NULL,
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

/* control_work_run - the monitor, in the thread pool */

static void
control_work_run(uv_work_t *w)
{
	(void)w;
	alerts_tick();
}

/* control_work_done - the monitor is done */

static void
control_work_done(uv_work_t *w, int status)
{
	(void)w;
	(void)status;
	control_working = 0;
}

/* control_on_monitor - time to judge (unless the last round still runs) */

static void
control_on_monitor(uv_timer_t *t)
{
	(void)t;
	if (control_working)
		return;
	control_working = 1;
	if (uv_queue_work(uv_default_loop(), &control_work, control_work_run,
	    control_work_done) != 0)
		control_working = 0;
}

/* control_on_term - SIGTERM: stop */

static void
control_on_term(uv_signal_t *s, int sig)
{
	(void)sig;
	uv_stop(s->loop);
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
