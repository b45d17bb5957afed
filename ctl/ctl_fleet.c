/*
 * ctl_fleet.c - winnowctl fleet nodes, stats --fleet, history --fleet:
 * what the fleet's Redis holds
 *
 * The figures of each node are its buckets as its fleet process wrote
 * them (fleet/fleet_key.h); the fleet's are the same buckets of every
 * node added into one series, by the same code that sums a store
 * (stats/squery.c), so the fleet's total is the nodes' sum exactly.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

/* lib */
#include "buf.h"
#include "timeutil.h"

/* stats */
#include "squery.h"
#include "svec.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_key.h"

/* ctl */
#include "ctl.h"

static const char ctl_fleet_help[] =
"Usage: winnowctl [-c FILE] fleet nodes [--json]\n"
"       winnowctl [-c FILE] fleet forget NODE\n"
"\n"
"nodes: the nodes of the fleet ([fleet] redis) with their last heartbeat;\n"
"a node quiet for 3 of its heartbeats is shown down.\n"
"\n"
"forget: take a node that is down out of the fleet for good - out of the\n"
"nodes (no more node-down alerts about it) with its heartbeat, status,\n"
"statistics and quarantine index; its own store and quarantine stay.  A\n"
"node that is up is refused (exit 75): stop it first.  A node still\n"
"configured comes back by itself when it starts again.\n";

/* ctl_fleet_open - the fleet's Redis, or NULL (said on stderr) */

redisContext *
ctl_fleet_open(const char *cmd)
{
	struct buf	*why = buf_new(128);
	redisContext	*c;

	if ((c = fleet_client_open(why)) == NULL)
		(void)fprintf(stderr, "winnowctl %s: %s\n", cmd, buf_str(why));
	buf_free(why);
	return (c);
}

/* ctl_fleet_nodes_list - the node names, sorted; NULL on failure */

static redisReply *
ctl_fleet_nodes_list(redisContext *c, const char *cmd)
{
	redisReply	*r = redisCommand(c, "SORT %s ALPHA", FLEET_KEY_NODES);

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		(void)fprintf(stderr, "winnowctl %s: %s\n", cmd, r == NULL ?
		    c->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected answer");
		if (r != NULL)
			freeReplyObject(r);
		return (NULL);
	}
	return (r);
}

/* ctl_fleet_node - one node's line */

static void
ctl_fleet_node(redisContext *c, const char *node, int64_t now, json_t *arr)
{
	struct fleet_beat b;
	struct buf	*why = buf_new(64);
	redisReply	*r;
	char		 key[FLEET_KEY_MAX];
	const char	*state;
	int		 ok;

	fleet_key_beat(node, key, sizeof(key));
	r = redisCommand(c, "GET %s", key);
	ok = r != NULL && r->type == REDIS_REPLY_STRING &&
	    fleet_beat_parse(r->str, r->len, &b, why) == 0;
	state = !ok ? "down" : fleet_beat_down(&b, now) ? "down" : "up";
	if (arr != NULL)
		(void)json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:I,"
		    "s:I,s:s}", "node", node, "state", state, "last_ms",
		    (json_int_t)(ok ? b.time_ms : 0), "age_ms",
		    (json_int_t)(ok ? now - b.time_ms : -1), "interval_ms",
		    (json_int_t)(ok ? b.interval_ms : 0), "version",
		    ok ? b.version : ""));
	else if (ok)
		(void)printf("%-24s %-4s last heartbeat %.1fs ago (every "
		    "%.0fs), winnowd %s\n", node, state, (double)(now -
		    b.time_ms) / 1000, (double)b.interval_ms / 1000, b.version);
	else
		(void)printf("%-24s %-4s %s\n", node, state, r != NULL &&
		    r->type == REDIS_REPLY_NIL ? "no heartbeat for long" :
		    buf_str(why));
	if (r != NULL)
		freeReplyObject(r);
	buf_free(why);
}

/* ctl_fleet_main - winnowctl fleet nodes */

int
ctl_fleet_main(int argc, char **argv)
{
	redisContext	*c;
	redisReply	*r;
	json_t		*arr = NULL;
	int64_t		 now;
	char		*s;
	size_t		 i;
	int		 json = argc == 3 && strcmp(argv[2], "--json") == 0;

	if (argc == 3 && strcmp(argv[1], "forget") == 0)
		return (ctl_fforget_main(argv[2]));
	if (argc < 2 || strcmp(argv[1], "nodes") != 0 || (argc > 2 && !json)) {
		(void)fputs(ctl_fleet_help, argc >= 2 && (strcmp(argv[1],
		    "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout :
		    stderr);
		return (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) ? EX_OK : EX_USAGE);
	}
	if ((c = ctl_fleet_open("fleet")) == NULL)
		return (EX_UNAVAILABLE);
	if ((r = ctl_fleet_nodes_list(c, "fleet")) == NULL) {
		fleet_client_close(c);
		return (EX_UNAVAILABLE);
	}
	now = time_wall_ms();
	if (json)
		arr = json_array();
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			ctl_fleet_node(c, r->element[i]->str, now, arr);
	if (json) {
		s = json_dumps(arr, JSON_INDENT(1));
		(void)printf("%s\n", s);
		free(s);
		json_decref(arr);
	}
	freeReplyObject(r);
	fleet_client_close(c);
	return (EX_OK);
}

/* ctl_fleet_load - a node's buckets into its series and the fleet's */

static int
ctl_fleet_load(redisContext *c, const char *node, const struct squery *q,
    struct sseries *mine, struct sseries *all)
{
	struct buf	*why = buf_new(64);
	struct svec	*v;
	redisReply	*r;
	char		 key[FLEET_KEY_MAX];
	int64_t		 ts;
	size_t		 i;
	int		 res;

	fleet_key_stats(node, key, sizeof(key));
	if ((r = redisCommand(c, "HGETALL %s", key)) == NULL ||
	    r->type != REDIS_REPLY_ARRAY) {
		(void)fprintf(stderr, "winnowctl stats: %s: %s\n", key,
		    r == NULL ? c->errstr : "not a hash");
		if (r != NULL)
			freeReplyObject(r);
		buf_free(why);
		return (-1);
	}
	for (i = 0; i + 1 < r->elements; i += 2) {
		v = svec_new();
		buf_reset(why);
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING ||
		    fleet_field_parse(r->element[i]->str, r->element[i]->len,
		    &res, &ts, why) < 0 || fleet_bucket_parse(
		    r->element[i + 1]->str, r->element[i + 1]->len, v, why) <
		    0)
			buf_printf(mine->problems, "%s: %s\n", key,
			    buf_len(why) ? buf_str(why) : "not a string");
		else {
			squery_put(q, mine, ts, v);
			squery_put(q, all, ts, v);
		}
		svec_free(v);
	}
	freeReplyObject(r);
	buf_free(why);
	return (0);
}

/* ctl_fleet_table - one series printed or put into obj */

static void
ctl_fleet_table(const struct squery *q, const struct sseries *ss,
    const char *title, const char *format, json_t *obj, const char *name)
{
	struct stable	*tb = squery_table(q, ss);
	struct buf	*out = buf_new(4096);
	const char	*p, *nl;

	for (p = buf_str(ss->problems); *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		(void)fprintf(stderr, "winnowctl: warning: %.*s\n",
		    (int)(nl - p), p);
	}
	if (obj != NULL)
		(void)json_object_set_new(obj, name, squery_json(q, tb,
		    ss->problems));
	else {
		if (strcmp(format, "csv") == 0)
			squery_csv(q, tb, out);
		else {
			(void)printf("%s\n", title);
			squery_text(q, tb, out);
		}
		(void)fwrite(out->data, 1, buf_len(out), stdout);
		(void)printf("\n");
	}
	squery_table_free(tb);
	buf_free(out);
}

/* ctl_fleet_stats - winnowctl stats --fleet: the fleet, then each node */

int
ctl_fleet_stats(const struct squery *q, const char *format)
{
	struct sseries	*all, **each;
	redisContext	*c;
	redisReply	*r;
	json_t		*top = NULL, *nodes = NULL;
	struct buf	*title = buf_new(128);
	char		*s;
	size_t		 i;
	int		 rc = EX_OK;

	if ((c = ctl_fleet_open("stats")) == NULL)
		return (EX_UNAVAILABLE);
	if ((r = ctl_fleet_nodes_list(c, "stats")) == NULL) {
		fleet_client_close(c);
		return (EX_UNAVAILABLE);
	}
	all = squery_series(q);
	each = calloc(r->elements + 1, sizeof(*each));
	for (i = 0; i < r->elements && rc == EX_OK; i++) {
		each[i] = squery_series(q);
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    ctl_fleet_load(c, r->element[i]->str, q, each[i], all) < 0)
			rc = EX_UNAVAILABLE;
	}
	if (rc == EX_OK) {
		if (strcmp(format, "json") == 0) {
			top = json_object();
			nodes = json_object();
		}
		buf_printf(title, "fleet: %zu node%s", r->elements,
		    r->elements == 1 ? "" : "s");
		ctl_fleet_table(q, all, buf_str(title), format, top, "fleet");
		for (i = 0; i < r->elements; i++) {
			buf_reset(title);
			buf_printf(title, "node %s", r->element[i]->str);
			ctl_fleet_table(q, each[i], buf_str(title), format,
			    nodes, r->element[i]->str);
		}
		if (top != NULL) {
			(void)json_object_set_new(top, "nodes", nodes);
			s = json_dumps(top, JSON_INDENT(1) |
			    JSON_REAL_PRECISION(6));
			(void)printf("%s\n", s);
			free(s);
			json_decref(top);
		}
	}
	for (i = 0; i < r->elements; i++)
		squery_free(each[i]);
	free(each);
	squery_free(all);
	freeReplyObject(r);
	fleet_client_close(c);
	buf_free(title);
	return (rc);
}

/* ctl_fleet_history - winnowctl history --fleet: the last n verdicts of
 * every node, oldest first */

int
ctl_fleet_history(long n, int json)
{
	redisContext	*c;
	redisReply	*r, *e, *f;
	const char	*node, *text, *js;
	size_t		 i, k;
	char		 count[24];

	if ((c = ctl_fleet_open("history")) == NULL)
		return (EX_UNAVAILABLE);
	(void)snprintf(count, sizeof(count), "%ld", n == 0 ? 10000000L : n);
	r = redisCommand(c, "XREVRANGE %s + - COUNT %s", FLEET_KEY_HISTORY,
	    count);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		(void)fprintf(stderr, "winnowctl history: %s\n", r == NULL ?
		    c->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected answer");
		if (r != NULL)
			freeReplyObject(r);
		fleet_client_close(c);
		return (EX_UNAVAILABLE);
	}
	for (i = r->elements; i-- > 0;) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		f = e->element[1];
		node = text = js = NULL;
		for (k = 0; k + 1 < f->elements; k += 2) {
			if (f->element[k]->type != REDIS_REPLY_STRING ||
			    f->element[k + 1]->type != REDIS_REPLY_STRING)
				continue;
			if (strcmp(f->element[k]->str, "node") == 0)
				node = f->element[k + 1]->str;
			else if (strcmp(f->element[k]->str, "text") == 0)
				text = f->element[k + 1]->str;
			else if (strcmp(f->element[k]->str, "json") == 0)
				js = f->element[k + 1]->str;
		}
		if (node == NULL || (json ? js : text) == NULL)
			continue;
		if (json)
			(void)printf("{\"node\":\"%s\",\"entry\":%s}\n", node,
			    js);
		else
			(void)printf("%s %s\n", node, text);
	}
	freeReplyObject(r);
	fleet_client_close(c);
	return (EX_OK);
}
