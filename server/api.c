/*
 * api.c - what the control process answers: the table of routes
 *
 *   GET  /metrics                  Prometheus text (stats/prom.c)
 *   GET  /api/v1/session           {"authenticated", "via", "csrf"}
 *   POST /api/v1/login             {"secret"}: a dashboard session
 *   POST /api/v1/logout
 *   GET  /api/v1/status            winnowctl status --json; ?format=text
 *   GET  /api/v1/stats             winnowctl stats: ?period= &by= &unit=
 *                                  &format=json|csv|text (squery.c)
 *   GET  /api/v1/history           the last verdicts: ?n= (default 50)
 *                                  &status= &q= (text in the envelope,
 *                                  client, queue id or checks) &since=SEQ
 *                                  (only newer ones; "next" is the SEQ to
 *                                  ask with next time) &format=text
 *   GET  /api/v1/history/SEQ       one verdict and why: its checks one by
 *                                  one, and its quarantine entry if any
 *   quarantine, scan, learn        api_quar.c
 *   reload, config, lists          api_admin.c
 *   GET  /, /NAME.js ...           the dashboard (web.c)
 *
 * A route is one row: method, path ("*" is one segment, r->arg), handler,
 * and who may call it (ctlauth.c: anyone, anyone when public_metrics, a
 * credential, or a credential or the fleet secret - another node's
 * show, message, release, delete, learn and explain of an entry of ours,
 * ctl/ctl_fquar.c).  A POST
 * also passes the CSRF guard.  Errors are JSON
 * {"error": "..."} with 400, 401, 403, 404, 405, 409, 413, 415, 421, 429 or
 * 5xx.  Handlers read the live file the master made (inherited) and the
 * store, as winnowctl does.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

/* lib */
#include "buf.h"

/* spool */
#include "quar.h"

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
#include "api_private.h"
#include "control.h"
#include "server.h"

enum api_who {
	API_ANYONE,		/* no credential */
	API_METRICS,		/* no credential when public_metrics */
	API_AUTH,		/* a credential */
	API_FLEET,		/* a credential, or the fleet secret */
};

struct api_route {
	const char	*method;
	const char	*path;
	void		(*fn)(struct control_req *);
	enum api_who	 who;
};

/* api_json - a JSON answer (takes the reference) */

void
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

void
api_error(struct control_req *r, int status, const char *text)
{
	r->status = status;
	buf_reset(r->body);
	api_json(r, json_pack("{s:o}", "error", sjson_str(text)));
}

/* api_body - the body as a JSON object (400 if it is not one) */

json_t *
api_body(struct control_req *r)
{
	json_error_t	 e;
	json_t		*j;
	char		 msg[256];

	if (buf_len(r->in) == 0)
		return (json_object());
	j = json_loadb(r->in->data, buf_len(r->in), JSON_REJECT_DUPLICATES,
	    &e);
	if (j == NULL || !json_is_object(j)) {
		(void)snprintf(msg, sizeof(msg), "the body is not a JSON "
		    "object%s%s", j == NULL ? ": " : "", j == NULL ? e.text :
		    "");
		json_decref(j);
		api_error(r, MHD_HTTP_BAD_REQUEST, msg);
		return (NULL);
	}
	return (j);
}

/* api_text - a text answer */

static void
api_text(struct control_req *r, const struct buf *b)
{
	buf_reset(r->body);
	buf_append(r->body, b->data, buf_len(b));
	r->type = "text/plain; charset=utf-8";
}

/* api_where - where the status looks */

void
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

/* api_format - the format argument, or dflt; NULL after a 400 */

static const char *
api_format(struct control_req *r, const char *dflt, const char *allowed)
{
	const char	*f = control_arg(r, "format");
	char		 want[32];

	if (f == NULL)
		return (dflt);
	(void)snprintf(want, sizeof(want), " %s ", f);
	if (strlen(f) < 16 && strstr(allowed, want) != NULL)
		return (f);
	api_error(r, MHD_HTTP_BAD_REQUEST, "format: one of json, text, csv "
	    "where the path has it");
	return (NULL);
}

/* api_fleet_asked - whether the request wants the fleet (fleet=1) */

static int
api_fleet_asked(struct control_req *r)
{
	const char	*v = control_arg(r, "fleet");

	return (v != NULL && strcmp(v, "1") == 0);
}

/* api_status - GET /api/v1/status */

static void
api_status(struct control_req *r)
{
	struct sstatus_where w;
	struct sstatus	 s;
	struct buf	*out;
	const char	*f;
	int		 code;

	if ((f = api_format(r, "json", " json text ")) == NULL)
		return;
	api_where(&w);
	sstatus_gather(&s, server_live, &w);
	if (strcmp(f, "text") == 0) {
		out = buf_new(2048);
		sstatus_text(&s, out, &code);
		api_text(r, out);
		buf_free(out);
	} else {
		api_json(r, sstatus_json(&s, &code));
	}
	(void)snprintf(r->extra, sizeof(r->extra), "%d", code);
}

/* api_stats - GET /api/v1/stats */

static void
api_stats(struct control_req *r)
{
	struct squery	 q;
	struct sseries	*ss;
	struct stable	*tb;
	struct buf	*why = buf_new(128), *out;
	const char	*period = control_arg(r, "period");
	const char	*by = control_arg(r, "by");
	const char	*unit = control_arg(r, "unit");
	const char	*f;
	char		 path[4096];

	if ((f = api_format(r, "json", " json text csv ")) == NULL) {
		buf_free(why);
		return;
	}
	if (squery_period(period ? period : "day", (int64_t)time(NULL), &q,
	    why) < 0 || squery_by(by ? by : "status", &q.by, why) < 0 ||
	    squery_unit(unit ? unit : "messages", &q.unit, why) < 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, buf_str(why));
		buf_free(why);
		return;
	}
	if (api_fleet_asked(r)) {
		if (strcmp(f, "json") != 0)
			api_error(r, MHD_HTTP_BAD_REQUEST, "fleet: JSON only");
		else
			api_fleet_stats(r, period ? period : "day", by ? by :
			    "status", unit ? unit : "messages");
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
	if (strcmp(f, "json") == 0) {
		api_json(r, squery_json(&q, tb, ss->problems));
	} else {
		out = buf_new(4096);
		if (strcmp(f, "csv") == 0) {
			squery_csv(&q, tb, out);
			r->type = "text/csv; charset=utf-8";
			buf_reset(r->body);
			buf_append(r->body, out->data, buf_len(out));
		} else {
			squery_text(&q, tb, out);
			api_text(r, out);
		}
		buf_free(out);
	}
	squery_table_free(tb);
	squery_free(ss);
	buf_free(why);
}

struct api_hist {
	json_t		*all;
	struct buf	*text;		/* format=text, else NULL */
	size_t		 max;
	const char	*q;		/* search text, or NULL */
	uint64_t	 seq;		/* one entry only, or 0 */
};

/* api_hist_match - whether an entry has the search text */

static int
api_hist_match(const struct history_entry *e, const char *q)
{
	return (q == NULL || strcasestr(e->sender, q) != NULL ||
	    strcasestr(e->rcpts, q) != NULL || strcasestr(e->qid, q) != NULL ||
	    strcasestr(e->upstream, q) != NULL ||
	    strcasestr(e->client, q) != NULL ||
	    strcasestr(e->checks, q) != NULL ||
	    strcasestr(e->statuses, q) != NULL);
}

/* api_hist_add - keep the last max matching entries */

static void
api_hist_add(const struct history_entry *e, void *arg)
{
	struct api_hist	*h = arg;

	if ((h->seq != 0 && e->seq != h->seq) || !api_hist_match(e, h->q))
		return;
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
	const char	*fmt;
	char		*end;
	unsigned long long from = 0;
	long		 max = 50;
	uint64_t	 next;
	size_t		 i;

	memset(&h, 0, sizeof(h));
	if ((fmt = api_format(r, "json", " json text ")) == NULL)
		goto out;
	if (n != NULL && ((max = strtol(n, &end, 10)) < 1 || max > 100000 ||
	    *end != '\0')) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "n: a number from 1 to "
		    "100000");
		goto out;
	}
	if (since != NULL && ((from = strtoull(since, &end, 10)) == 0 ||
	    *end != '\0') && strcmp(since, "0") != 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "since: a sequence number");
		goto out;
	}
	if (history_filter_parse(control_arg(r, "status"), &f, why) < 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, buf_str(why));
		goto out;
	}
	if (api_fleet_asked(r)) {
		if (strcmp(fmt, "json") != 0 || since != NULL ||
		    control_arg(r, "status") != NULL || control_arg(r, "q"))
			api_error(r, MHD_HTTP_BAD_REQUEST, "fleet: JSON and "
			    "n only");
		else
			api_fleet_history(r, max);
		goto out;
	}
	h.all = json_array();
	h.max = (size_t)max;
	h.q = control_arg(r, "q");
	if (h.q != NULL && h.q[0] == '\0')
		h.q = NULL;
	next = history_each(server_live, (uint64_t)from, &f, api_hist_add, &h);
	if (strcmp(fmt, "text") == 0) {
		buf_reset(why);
		for (i = 0; i < json_array_size(h.all); i++) {
			struct history_entry e;

			if (api_hist_entry(json_integer_value(json_object_get(
			    json_array_get(h.all, i), "seq")), &e) == 0)
				history_render_text(&e, why);
		}
		api_text(r, why);
		json_decref(h.all);
	} else {
		api_json(r, json_pack("{s:I, s:o}", "next", (json_int_t)next,
		    "entries", h.all));
	}
out:
	buf_free(why);
}

struct api_one {
	uint64_t	 seq;
	struct history_entry *e;
	int		 found;
};

/* api_one_add - the entry with the number */

static void
api_one_add(const struct history_entry *e, void *arg)
{
	struct api_one	*o = arg;

	if (e->seq == o->seq) {
		*o->e = *e;
		o->found = 1;
	}
}

/* api_hist_entry - the ring's entry with a number; 0, or -1 when it is
 * gone (or never was) */

int
api_hist_entry(json_int_t seq, struct history_entry *e)
{
	struct history_filter f = { -1, -1 };
	struct api_one	 o;

	if (seq <= 0)
		return (-1);
	o.seq = (uint64_t)seq;
	o.e = e;
	o.found = 0;
	(void)history_each(server_live, (uint64_t)seq, &f, api_one_add, &o);
	return (o.found ? 0 : -1);
}

/* api_history_one - GET /api/v1/history/SEQ: the entry and why */

static void
api_history_one(struct control_req *r)
{
	struct history_entry e;
	char		*end, *item, *save, *copy, *eq, *q;
	json_t		*j, *items;
	long long	 seq = strtoll(r->arg, &end, 10);
	struct quar_info *qi = NULL;
	struct buf	*why;

	if (*end != '\0' || seq <= 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "not a history number");
		return;
	}
	if (api_hist_entry(seq, &e) < 0) {
		api_error(r, MHD_HTTP_NOT_FOUND, "no such verdict in the "
		    "history (it keeps the last [stats] history)");
		return;
	}
	j = history_json(&e);
	items = json_array();
	copy = strdup(e.checks);
	for (item = strtok_r(copy, ";", &save); item != NULL;
	    item = strtok_r(NULL, ";", &save)) {
		item += strspn(item, " ");
		if (*item == '\0')
			continue;
		eq = strchr(item, '=');
		if (eq != NULL)
			*eq++ = '\0';
		(void)json_array_append_new(items, json_pack("{s:o, s:o}",
		    "check", sjson_str(item), "result", sjson_str(eq ? eq :
		    "")));
	}
	free(copy);
	(void)json_object_set_new(j, "explain", items);
	/* "... quarantined as ID": the entry holds what the checks found */
	if ((q = strstr(e.reply, "quarantined as ")) != NULL) {
		char	 id[64];

		(void)sscanf(q + 15, "%63[A-Za-z0-9-]", id);
		why = buf_new(64);
		if (quar_id_ok(id) && quar_read(policy_conf.quarantine_dir, id,
		    &qi, why) == WN_OK)
			(void)json_object_set_new(j, "quarantine_id",
			    json_string(id));
		quar_info_free(qi);
		buf_free(why);
	}
	api_json(r, j);
}

static const struct api_route api_routes[] = {
	{ "GET", "/metrics", api_metrics, API_METRICS },
	{ "GET", "/api/v1/session", ctlauth_session, API_ANYONE },
	{ "POST", "/api/v1/login", ctlauth_login, API_ANYONE },
	{ "POST", "/api/v1/logout", ctlauth_logout, API_ANYONE },
	{ "GET", "/api/v1/status", api_status, API_AUTH },
	{ "GET", "/api/v1/stats", api_stats, API_AUTH },
	{ "GET", "/api/v1/history", api_history, API_AUTH },
	{ "GET", "/api/v1/history/*", api_history_one, API_AUTH },
	{ "GET", "/api/v1/fleet/nodes", api_fleet_nodes, API_AUTH },
	{ "GET", "/api/v1/quarantine", api_quar_list, API_AUTH },
	{ "GET", "/api/v1/quarantine/*", api_quar_show, API_FLEET },
	{ "GET", "/api/v1/quarantine/*/message", api_quar_message,
	    API_FLEET },
	{ "POST", "/api/v1/quarantine/*/release", api_quar_release,
	    API_FLEET },
	{ "POST", "/api/v1/quarantine/*/delete", api_quar_delete,
	    API_FLEET },
	{ "POST", "/api/v1/quarantine/*/learn", api_quar_learn, API_FLEET },
	{ "POST", "/api/v1/quarantine/*/explain", api_quar_explain,
	    API_FLEET },
	{ "POST", "/api/v1/scan", api_scan, API_AUTH },
	{ "POST", "/api/v1/learn", api_learn, API_AUTH },
	{ "POST", "/api/v1/reload", api_reload, API_AUTH },
	{ "GET", "/api/v1/config", api_config, API_AUTH },
	{ "POST", "/api/v1/config/check", api_config_check, API_AUTH },
	{ "GET", "/api/v1/lists", api_lists, API_AUTH },
	{ "POST", "/api/v1/lists", api_lists_save, API_AUTH },
	{ NULL, NULL, NULL, API_ANYONE }
};

/* api_match - whether a path fits a route's ("*" is one segment, which
 * goes into arg) */

static int
api_match(const char *pat, const char *path, char *arg, size_t argsz)
{
	size_t	 n;

	while (*pat != '\0' && *path != '\0') {
		if (*pat == '*') {
			n = strcspn(path, "/");
			if (n == 0 || n >= argsz)
				return (0);
			memcpy(arg, path, n);
			arg[n] = '\0';
			path += n;
			pat++;
			continue;
		}
		if (*pat++ != *path++)
			return (0);
	}
	return (*pat == '\0' && *path == '\0');
}

/* api_dispatch - the route of a request, or an error */

void
api_dispatch(struct control_req *r)
{
	const struct api_route *rt;
	int		 path_known = 0;

	if (ctlauth_check(r) != 0)
		return;
	for (rt = api_routes; rt->path != NULL; rt++) {
		if (!api_match(rt->path, r->path, r->arg, sizeof(r->arg)))
			continue;
		path_known = 1;
		if (strcmp(rt->method, r->method) != 0 &&
		    !(strcmp(r->method, "HEAD") == 0 &&
		    strcmp(rt->method, "GET") == 0))
			continue;
		if (r->auth == CONTROL_AUTH_FLEET && rt->who != API_FLEET) {
			api_error(r, MHD_HTTP_FORBIDDEN, "the fleet secret "
			    "opens a quarantine entry's show, message, "
			    "release, delete, learn and explain only");
			return;
		}
		if (r->auth == CONTROL_AUTH_NONE && (rt->who == API_AUTH ||
		    rt->who == API_FLEET ||
		    (rt->who == API_METRICS && !control_conf.public_metrics))) {
			api_error(r, MHD_HTTP_UNAUTHORIZED, "log in, or send "
			    "Authorization: Bearer SECRET (winnowctl "
			    "control-secret prints it)");
			return;
		}
		if (strcmp(r->method, "POST") == 0 && ctlauth_csrf(r) != 0)
			return;
		rt->fn(r);
		return;
	}
	if (path_known)
		api_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	else if (!web_serve(r))
		api_error(r, MHD_HTTP_NOT_FOUND, "no such resource");
}
