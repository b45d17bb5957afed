/*
 * web.c - the dashboard's files, and the headers of every answer
 *
 * The dashboard is static: web/index.html, app.js and app.css from
 * [control] web_dir, and Chart.js from Debian's libjs-chart.js ([control]
 * chart_js) as /vendor/chart.js - nothing from another origin, no build
 * step.  Only names of one path segment made of letters, digits, '-' and
 * '_' with a known extension are served, so no request reaches another
 * file.  They hold no data (everything comes from the API, which asks for
 * a credential), so they need none.
 *
 * Every answer, the API's too, carries a Content-Security-Policy that
 * allows scripts, styles and connections to this origin only and no
 * inline script or style: whatever a message's Subject or From says, the
 * dashboard inserts it as text (app.js), and should that ever slip, no
 * injected script runs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

/* lib */
#include "buf.h"
#include "log.h"

/* server */
#include "control.h"

#define WEB_FILE_MAX	(4 * 1024 * 1024)

const char *const web_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Cache-Control", "no-store" },
	{ "Cross-Origin-Resource-Policy", "same-origin" },
	{ NULL, NULL }
};

static const struct {
	const char	*ext;
	const char	*type;
} web_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ NULL, NULL }
};

/* web_type - the Content-Type of a served name, or NULL if we serve no
 * such name */

static const char *
web_type(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	if (dot == NULL || dot == name || strspn(name,
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") != (size_t)(dot - name))
		return (NULL);
	for (i = 0; web_types[i].ext != NULL; i++)
		if (strcmp(dot, web_types[i].ext) == 0)
			return (web_types[i].type);
	return (NULL);
}

/* web_read - a file into the answer */

static int
web_read(struct control_req *r, const char *path)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > WEB_FILE_MAX) {
		(void)close(fd);
		errno = EINVAL;
		return (-1);
	}
	buf_reset(r->body);
	while ((n = read(fd, buf_reserve(r->body, 65536), 65536)) > 0)
		buf_commit(r->body, (size_t)n);
	(void)close(fd);
	return (n < 0 ? -1 : 0);
}

/* web_serve - a dashboard file, or 0 when path is none of ours */

int
web_serve(struct control_req *r)
{
	char		 path[4096];
	const char	*name, *type;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		return (0);
	if (strcmp(r->path, "/vendor/chart.js") == 0) {
		(void)snprintf(path, sizeof(path), "%s",
		    control_conf.chart_js);
		type = "text/javascript; charset=utf-8";
	} else {
		name = strcmp(r->path, "/") == 0 ? "index.html" : r->path + 1;
		if (r->path[0] != '/' || (type = web_type(name)) == NULL)
			return (0);
		if (snprintf(path, sizeof(path), "%s/%s", control_conf.web_dir,
		    name) >= (int)sizeof(path))
			return (0);
	}
	if (web_read(r, path) < 0) {
		if (errno != ENOENT)
			log_warn("control: %s: %s", path, strerror(errno));
		api_error(r, MHD_HTTP_NOT_FOUND, errno == ENOENT &&
		    strcmp(r->path, "/") == 0 ? "the dashboard is not "
		    "installed ([control] web_dir)" : "no such file");
		return (1);
	}
	r->type = type;
	return (1);
}
