/*
 * api.c - what the control process answers: the table of routes
 *
 *   GET /metrics          Prometheus text exposition (stats/prom.c)
 *   GET /api/v1/status    winnowctl status --json (stats/sstatus.c)
 *   GET /api/v1/stats     winnowctl stats --format json: ?period= &by=
 *                         &unit= as its options (stats/squery.c)
 *   GET /api/v1/history   the last verdicts: ?n= (default 50) &status=
 *                         &since=SEQ (only newer ones; the answer's
 *                         "next" is the SEQ to ask with next time)
 *
 * A route is one row: method, path, handler, and whether it will need a
 * credential once the API has authentication (issue 13 adds it in
 * api_dispatch, and its routes to the table).  Errors are JSON
 * {"error": "..."} with 400, 404 or 405.  Handlers read the live file the
 * master made (inherited) and the store, as winnowctl does.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

/* lib */
#include "buf.h"

/* policy */
#include "policy.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "history.h"
#include "live.h"
#include "prom.h"
#include "sjson.h"
#include "squery.h"
#include "sstatus.h"
#include "stats_conf.h"
#include "svec.h"

/* server */
#include "control.h"
#include "server.h"

struct api_route {
	const char	*method;
	const char	*path;
	void		(*fn)(struct control_req *);
	int		 auth;		/* will need a credential */
};

/* api_json - a JSON answer (takes the reference) */

static void
api_json(struct control_req *r, json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));

	buf_puts(r->body, s != NULL ? s : "{}");
	buf_putc(r->body, '\n');
	free(s);
	json_decref(j);
	r->type = "application/json";
}

/* api_error - {"error": text} with a status */

static void
api_error(struct control_req *r, int status, const char *text)
{
	r->status = status;
	buf_reset(r->body);
	api_json(r, json_pack("{s:o}", "error", sjson_str(text)));
}

/* api_where - where the status looks */

static void
api_where(struct sstatus_where *w)
{
	w->stats_dir = stats_conf_dir(smtp_conf.spool_dir);
	w->spool_dir = smtp_conf.spool_dir;
	w->quarantine_dir = policy_conf.quarantine_dir;
	w->spool_reserve = smtp_conf.spool_reserve;
}

/* api_metrics - GET /metrics */

static void
api_metrics(struct control_req *r)
{
	struct sstatus_where w;
	struct sstatus	 s;
	struct svec	*v = svec_new();

	api_where(&w);
	sstatus_gather(&s, server_live, &w);
	live_counted(server_live, v);
	prom_render(v, &s, r->body);
	svec_free(v);
	r->type = "text/plain; version=0.0.4; charset=utf-8";
}

/* api_status - GET /api/v1/status */

static void
api_status(struct control_req *r)
{
	struct sstatus_where w;
	struct sstatus	 s;
	int		 code;

	api_where(&w);
	sstatus_gather(&s, server_live, &w);
	api_json(r, sstatus_json(&s, &code));
}

/* api_stats - GET /api/v1/stats */

static void
api_stats(struct control_req *r)
{
	struct squery	 q;
	struct sseries	*ss;
	struct stable	*tb;
	struct buf	*why = buf_new(128);
	const char	*period = control_arg(r, "period");
	const char	*by = control_arg(r, "by");
	const char	*unit = control_arg(r, "unit");
	char		 path[4096];

	if (squery_period(period ? period : "day", (int64_t)time(NULL), &q,
	    why) < 0 || squery_by(by ? by : "status", &q.by, why) < 0 ||
	    squery_unit(unit ? unit : "messages", &q.unit, why) < 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, buf_str(why));
		buf_free(why);
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/store",
	    stats_conf_dir(smtp_conf.spool_dir));
	if ((ss = squery_run(&q, path, server_live, why)) == NULL) {
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, buf_str(why));
		buf_free(why);
		return;
	}
	tb = squery_table(&q, ss);
	api_json(r, squery_json(&q, tb, ss->problems));
	squery_table_free(tb);
	squery_free(ss);
	buf_free(why);
}

struct api_hist {
	json_t		*all;
	size_t		 max;
};

/* api_hist_add - keep the last max entries */

static void
api_hist_add(const struct history_entry *e, void *arg)
{
	struct api_hist	*h = arg;

	(void)json_array_append_new(h->all, history_json(e));
	if (json_array_size(h->all) > h->max)
		(void)json_array_remove(h->all, 0);
}

/* api_history - GET /api/v1/history */

static void
api_history(struct control_req *r)
{
	struct history_filter f;
	struct api_hist	 h;
	struct buf	*why = buf_new(128);
	const char	*n = control_arg(r, "n");
	const char	*since = control_arg(r, "since");
	char		*end;
	unsigned long long from = 0;
	long		 max = 50;
	uint64_t	 next;

	if (n != NULL && ((max = strtol(n, &end, 10)) < 1 || max > 100000 ||
	    *end != '\0')) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "n: a number from 1 to "
		    "100000");
		buf_free(why);
		return;
	}
	if (since != NULL && ((from = strtoull(since, &end, 10)) == 0 ||
	    *end != '\0') && strcmp(since, "0") != 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "since: a sequence number");
		buf_free(why);
		return;
	}
	if (history_filter_parse(control_arg(r, "status"), &f, why) < 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, buf_str(why));
		buf_free(why);
		return;
	}
	h.all = json_array();
	h.max = (size_t)max;
	next = history_each(server_live, (uint64_t)from, &f, api_hist_add, &h);
	api_json(r, json_pack("{s:I, s:o}", "next", (json_int_t)next,
	    "entries", h.all));
	buf_free(why);
}

static const struct api_route api_routes[] = {
	{ "GET", "/metrics", api_metrics, 0 },
	{ "GET", "/api/v1/status", api_status, 1 },
	{ "GET", "/api/v1/stats", api_stats, 1 },
	{ "GET", "/api/v1/history", api_history, 1 },
	{ NULL, NULL, NULL, 0 }
};

/* api_dispatch - the route of a request, or an error */

void
api_dispatch(struct control_req *r)
{
	const struct api_route *rt;
	int		 path_known = 0;

	for (rt = api_routes; rt->path != NULL; rt++) {
		if (strcmp(rt->path, r->path) != 0)
			continue;
		path_known = 1;
		if (strcmp(rt->method, r->method) != 0 &&
		    !(strcmp(r->method, "HEAD") == 0 &&
		    strcmp(rt->method, "GET") == 0))
			continue;
		/* issue 13: if (rt->auth && !control_auth(r)) 401 */
		rt->fn(r);
		return;
	}
	if (path_known)
		api_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	else
		api_error(r, MHD_HTTP_NOT_FOUND, "no such resource");
}
