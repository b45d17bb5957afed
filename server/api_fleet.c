/*
 * api_fleet.c - the control API's fleet: GET /api/v1/fleet/nodes,
 * /api/v1/stats?fleet=1 and /api/v1/history?fleet=1
 *
 * The control process never talks to Redis.  The nodes come from the
 * view the fleet process writes every heartbeat (stats/sfleet.h); the
 * fleet's figures and verdicts from winnowctl stats|history --fleet run
 * as a job (ctljob.c), whose Redis connection and reads are bounded by
 * [fleet] connect_timeout and the job by [control] job_timeout, so the
 * loop never waits and no request hangs.  winnowctl adds the fleet's
 * figures from every node's buckets by the code that sums a store, so
 * the fleet's total is the nodes' sum exactly.
 *
 * [fleet] password_file may be root's only: the control process reads
 * it as root when it starts (control_prepare) and hands it to winnowctl
 * on its standard input (--fleet-password-stdin).
 *
 * When Redis is away every answer is a 503 that says why: the nodes'
 * answer still carries the nodes last seen (state "unknown").
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
#include "timeutil.h"
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "sfleet.h"
#include "squery.h"
#include "stats_conf.h"

/* fleet */
#include "fleet_conf.h"

/* server */
#include "api_private.h"
#include "control.h"
#include "server.h"

/* [fleet] password_file's password and a newline, read as root
 * (winnowctl, run as the control process's user, may not read the file):
 * the standard input of every fleet job; NULL when there is none. */
static char	*api_fleet_in;
static size_t	 api_fleet_inlen;

/* api_fleet_prepare - read the password while root */

void
api_fleet_prepare(void)
{
	struct buf	*why = buf_new(128);
	char		*pw = NULL;

	if (fleet_conf_on() && fleet_password(&pw, why) < 0)
		log_error("control: fleet: %s", buf_str(why));
	if (pw != NULL) {
		api_fleet_inlen = strlen(pw) + 1;
		api_fleet_in = xmalloc(api_fleet_inlen + 1);
		(void)snprintf(api_fleet_in, api_fleet_inlen + 1, "%s\n", pw);
		explicit_bzero(pw, api_fleet_inlen - 1);
		free(pw);
	}
	buf_free(why);
}

/* api_fleet_run - winnowctl with argv's arguments, the password on its
 * standard input */

static void
api_fleet_run(struct control_req *r, char **argv, ctljob_answer_fn *fn)
{
	ctljob_command_answer(r, argv, api_fleet_in, api_fleet_inlen, fn);
}

/* api_fleet_json - a winnowctl of the fleet whose JSON is the answer
 * (ctljob_json), the password on its standard input */

void
api_fleet_json(struct control_req *r, char **argv, ctljob_map_fn *map)
{
	ctljob_json(r, argv, api_fleet_in, api_fleet_inlen, map);
}

/* api_fleet_body - a winnowctl of the fleet whose output is the answer's
 * body as it is (ctljob_body), the password on its standard input */

void
api_fleet_body(struct control_req *r, char **argv, ctljob_map_fn *map,
    const char *type, size_t max)
{
	ctljob_body(r, argv, api_fleet_in, api_fleet_inlen, map, type, max);
}

/* api_fleet_ctl - winnowctl [-c CONFIG] [--fleet-password-stdin] */

char **
api_fleet_ctl(void)
{
	char	**argv = api_ctl();

	return (api_fleet_in != NULL ? api_argv_add(argv,
	    "--fleet-password-stdin") : argv);
}

/* api_fleet_on - whether there is a fleet; a 404 when not */

static int
api_fleet_on(struct control_req *r)
{
	if (fleet_conf_on())
		return (1);
	api_error(r, MHD_HTTP_NOT_FOUND, "no fleet: [fleet] redis is not "
	    "set");
	return (0);
}

/* api_fleet_nodes - GET /api/v1/fleet/nodes: the fleet process's view */

void
api_fleet_nodes(struct control_req *r)
{
	struct buf	*why = buf_new(128);
	const char	*redis;
	char		 path[4096], text[256];
	json_t		*j;

	if (!api_fleet_on(r))
		goto out;
	sfleet_path(stats_conf_dir(smtp_conf.spool_dir), path, sizeof(path));
	if ((j = sfleet_load(path, time_wall_ms(), why)) == NULL) {
		buf_reset(why);
		buf_printf(why, "the fleet process has not written its view "
		    "of the nodes (%s): is it running?", path);
		api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, buf_str(why));
		goto out;
	}
	redis = json_string_value(json_object_get(j, "redis"));
	if (!json_is_true(json_object_get(j, "fresh"))) {
		(void)snprintf(text, sizeof(text), "the fleet process has "
		    "not looked at the nodes for %lld s: is it running?",
		    (long long)json_integer_value(json_object_get(j,
		    "age_ms")) / 1000);
		(void)json_object_set_new(j, "error", json_string(text));
		r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	} else if (redis == NULL || strcmp(redis, "ok") != 0) {
		(void)snprintf(text, sizeof(text), "Redis is unavailable: %s",
		    json_string_value(json_object_get(j, "error")) ?
		    json_string_value(json_object_get(j, "error")) : "?");
		(void)json_object_set_new(j, "error", json_string(text));
		r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	api_json(r, j);
out:
	buf_free(why);
}

/* api_fleet_failed - a winnowctl that could not answer: 503 and why
 * (what it said, its last line), or 504 when it was killed */

static void
api_fleet_failed(struct control_req *r, int ex, const struct buf *out)
{
	struct buf	*why = buf_new(256);
	const char	*s = buf_str(out), *end, *nl;

	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (nl = end; nl > s && nl[-1] != '\n'; nl--)
		;
	if (ex < 0)
		buf_printf(why, "reading the fleet was stopped");
	else
		buf_printf(why, "the fleet cannot be read: %.*s",
		    (int)(end - nl), nl);
	api_error(r, ex < 0 ? MHD_HTTP_GATEWAY_TIMEOUT :
	    MHD_HTTP_SERVICE_UNAVAILABLE, buf_str(why));
	buf_free(why);
}

/* api_fleet_stats_done - winnowctl stats --fleet --format json's JSON
 * (what it warned of on standard error comes first, and is in the
 * JSON's "problems" too) */

static void
api_fleet_stats_done(struct control_req *r, int ex, const struct buf *out)
{
	const char	*s = buf_str(out), *p;
	json_error_t	 e;
	json_t		*j = NULL;

	if (ex != 0) {
		api_fleet_failed(r, ex, out);
		return;
	}
	p = s[0] == '{' ? s : strstr(s, "\n{");
	if (p != NULL && p != s)
		p++;
	if (p == NULL || (j = json_loads(p, 0, &e)) == NULL) {
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "winnowctl stats "
		    "--fleet said no JSON");
		return;
	}
	r->status = MHD_HTTP_OK;
	api_json(r, j);
}

/* api_fleet_stats - GET /api/v1/stats?fleet=1 */

void
api_fleet_stats(struct control_req *r, const char *period, const char *by,
    const char *unit)
{
	char	**argv;

	if (!api_fleet_on(r))
		return;
	argv = api_fleet_ctl();
	argv = api_argv_add(argv, "stats");
	argv = api_argv_add(argv, "--fleet");
	argv = api_argv_add(argv, "--format");
	argv = api_argv_add(argv, "json");
	argv = api_argv_add(argv, "--period");
	argv = api_argv_add(argv, period);
	argv = api_argv_add(argv, "--by");
	argv = api_argv_add(argv, by);
	argv = api_argv_add(argv, "--unit");
	argv = api_argv_add(argv, unit);
	api_fleet_run(r, argv, api_fleet_stats_done);
}

/* api_fleet_history_done - winnowctl history --fleet --json's lines,
 * each {"node", "entry"}, as entries with their node */

static void
api_fleet_history_done(struct control_req *r, int ex, const struct buf *out)
{
	const char	*p, *nl;
	json_error_t	 e;
	json_t		*all, *j, *en;

	if (ex != 0) {
		api_fleet_failed(r, ex, out);
		return;
	}
	all = json_array();
	for (p = buf_str(out); *p != '\0'; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (*p != '{' || (j = json_loadb(p, (size_t)(nl - p), 0,
		    &e)) == NULL)
			continue;
		en = json_object_get(j, "entry");
		if (json_is_object(en) && json_is_string(json_object_get(j,
		    "node"))) {
			(void)json_object_set(en, "node", json_object_get(j,
			    "node"));
			(void)json_array_append(all, en);
		}
		json_decref(j);
	}
	r->status = MHD_HTTP_OK;
	api_json(r, json_pack("{s:o}", "entries", all));
}

/* api_fleet_history - GET /api/v1/history?fleet=1 */

void
api_fleet_history(struct control_req *r, long n)
{
	char	**argv, num[24];

	if (!api_fleet_on(r))
		return;
	(void)snprintf(num, sizeof(num), "%ld", n);
	argv = api_fleet_ctl();
	argv = api_argv_add(argv, "history");
	argv = api_argv_add(argv, "--fleet");
	argv = api_argv_add(argv, "--json");
	argv = api_argv_add(argv, "-n");
	argv = api_argv_add(argv, num);
	api_fleet_run(r, argv, api_fleet_history_done);
}
