/*
 * control_conf.c - [control] parameters: name, type, default, bounds
 *
 * The listener is on by default, on loopback, because the API has a
 * credential that no one chose: a random secret made on the machine
 * (lib/secret.h).  Unix-socket peers of root or the children's group need
 * none (SO_PEERCRED).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"

/* stats */
#include "control_conf.h"

struct control_conf	 control_conf;

/* control_check_listen - empty (none) or tcp:/unix: */

static int
control_check_listen(const char *s, struct buf *why)
{
	if (s[0] == '\0')
		return (0);
	if (strncmp(s, "exec:", 5) == 0) {
		buf_puts(why, "the control API listens on tcp: or unix: only");
		return (-1);
	}
	return (endpoint_check(s, why));
}

#define C(f)	(&control_conf.f)
static const struct conf_param control_params[] = {
	{ "listen", CONF_STR, "tcp:127.0.0.1:10027", C(listen), 0, 0, NULL,
	    control_check_listen,
	    "where the control process answers HTTP (the dashboard, /metrics, "
	    "/api/v1/...): tcp:HOST:PORT or unix:PATH (mode 0660, the "
	    "children's group); empty: no listener" },
	{ "allow_remote", CONF_BOOL, "no", C(allow_remote), 0, 0, NULL, NULL,
	    "allow a listen address that is not loopback (the API has no TLS: "
	    "put a TLS proxy in front, and name it in allowed_hosts)" },
	{ "secret_file", CONF_STR, SYSCONFDIR "/winnow/control.secret",
	    C(secret_file), 0, 0, NULL, NULL,
	    "the API's secret (bearer token and dashboard login), made at the "
	    "first start, mode 0640 for root and the children's group; "
	    "winnowctl control-secret prints or rotates it" },
	{ "session_lifetime", CONF_TIME, "8h", C(session_lifetime), 1000,
	    604800000, NULL, NULL,
	    "how long a dashboard login lasts" },
	{ "login_failures", CONF_UINT, "5", C(login_failures), 1, 1000, NULL,
	    NULL, "failed logins (or wrong tokens) a client may make in a "
	    "minute; more are refused with 429 until the minute is over" },
	{ "max_body", CONF_SIZE, "10M", C(max_body), 1024, 104857600, NULL,
	    NULL, "largest request body (a message to scan or learn, a list "
	    "file); larger ones get 413" },
	{ "web_dir", CONF_STR, DATADIR "/web", C(web_dir), 0, 0, NULL, NULL,
	    "the dashboard's files" },
	{ "chart_js", CONF_STR,
	    "/usr/share/javascript/chart.js/chart.min.js", C(chart_js), 0,
	    0, NULL, NULL, "Chart.js for the dashboard's charts (Debian's "
	    "libjs-chart.js); served as /vendor/chart.js" },
	{ "allowed_hosts", CONF_STR, "", C(allowed_hosts), 0, 0, NULL, NULL,
	    "names a browser may use in Host: besides localhost and loopback "
	    "addresses (requests naming any other host are refused: DNS "
	    "rebinding)" },
	{ "public_metrics", CONF_BOOL, "yes", C(public_metrics), 0, 0, NULL,
	    NULL, "answer /metrics without a token (for Prometheus; no: it "
	    "needs the secret as every other path)" },
	{ "job_timeout", CONF_TIME, "60s", C(job_timeout), 1000, 3600000,
	    NULL, NULL, "how long a scan, a release, learning or a -t check "
	    "may take before the request fails" },
	{ NULL }
};
#undef C

static const struct conf_section control_section = {
	"control", 0, control_params, NULL,
	"the control process: the dashboard, the JSON API, metrics, and the "
	"monitor"
};

/* control_conf_register - register [control] */

void
control_conf_register(void)
{
	conf_register(&control_section);
}
