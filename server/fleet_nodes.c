/*
 * fleet_nodes.c - the fleet process's view of the other nodes: this
 * node's status into Redis, every node's heartbeat and status out of it,
 * into [stats] dir/fleet/nodes (stats/sfleet.h) for the control API, the
 * dashboard, winnowctl status and the monitor, none of which talks to
 * Redis
 *
 * Every heartbeat: SET this node's status key (fleet/fleet_status.h: its
 * problems as the monitor judges them now, without the quarantine's
 * walk, and its messages of the last 5 minutes), SMEMBERS the nodes,
 * then GET each
 * one's heartbeat and status, pipelined; when the last answer is in the
 * view is written.  A round still waiting for answers holds the next
 * back.  While Redis is away the view says so, with the nodes last seen
 * marked "unknown": a node is never called down for what this node
 * cannot see.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <jansson.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "policy.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "live.h"
#include "monitor.h"
#include "sfleet.h"
#include "sstatus.h"
#include "stats_conf.h"

/* fleet */
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_status.h"

/* server */
#include "server.h"

_Static_assert(sizeof(((struct fleet_alert *)0)->id) ==
    sizeof(((struct monitor_problem *)0)->id) &&
    sizeof(((struct fleet_alert *)0)->text) ==
    sizeof(((struct monitor_problem *)0)->text), "alerts copied whole");

/* An answer kept past its callback: a string, or none (nil, an error). */
struct fleet_nodes_val {
	char		*s;
	size_t		 len;
};

static struct {
	int		 busy;		/* a round waits for answers */
	size_t		 left;		/* its answers still to come */
	int		 failed;
	size_t		 n;
	char		**names;
	struct fleet_nodes_val *beat, *status;	/* the round's answers */
	json_t		*last;		/* the nodes last seen */
	char		 path[4096];
	int		 said;		/* the view cannot be written: said */
} fn;

/* fleet_nodes_save - write the view */

static void
fleet_nodes_save(const char *redis, const char *error, json_t *nodes)
{
	struct buf	*why = buf_new(128);
	char		 dir[4096];
	json_t		*j;

	if (fn.path[0] == '\0') {
		sfleet_path(stats_conf_dir(smtp_conf.spool_dir), fn.path,
		    sizeof(fn.path));
		(void)snprintf(dir, sizeof(dir), "%s/fleet",
		    stats_conf_dir(smtp_conf.spool_dir));
		(void)mkdir(dir, 0770);
	}
	j = json_pack("{s:s, s:I, s:I, s:s, s:O}", "self", fleet_node(),
	    "updated_ms", (json_int_t)time_wall_ms(), "heartbeat_ms",
	    (json_int_t)fleet_conf.heartbeat, "redis", redis, "nodes", nodes);
	if (error != NULL)
		(void)json_object_set_new(j, "error", json_string(error));
	if (sfleet_save(fn.path, j, why) < 0) {
		if (!fn.said)
			log_warn("fleet: the nodes' view: %s", buf_str(why));
		fn.said = 1;
	} else
		fn.said = 0;
	json_decref(j);
	buf_free(why);
}

/* fleet_nodes_status - this node's status as JSON text (fleet_status.h) */

static void
fleet_nodes_status(struct buf *out)
{
	struct monitor_problem p[MONITOR_MAX];
	struct fleet_status st;
	struct sstatus_where w;
	struct sstatus	 s;
	size_t		 i, n;

	w.stats_dir = stats_conf_dir(smtp_conf.spool_dir);
	w.spool_dir = smtp_conf.spool_dir;
	w.quarantine_dir = "";		/* not its walk, every heartbeat */
	w.spool_reserve = smtp_conf.spool_reserve;
	sstatus_gather(&s, server_live, &w);
	n = monitor_judge(&s, p, MONITOR_MAX);
	memset(&st, 0, sizeof(st));
	st.generation = s.info.generation;
	st.started = s.info.started;
	st.messages_5m = s.m5_msgs;
	for (i = 0; i < n && st.nalerts < FLEET_STATUS_ALERTS; i++) {
		if (strncmp(p[i].id, "node-down:", 10) == 0)
			continue;	/* the others' are theirs */
		/* the same sizes as monitor_problem's, NUL-terminated */
		_Static_assert(sizeof(st.alert[0].id) == sizeof(p[0].id),
		    "alert ids of the fleet and the monitor differ");
		memcpy(st.alert[st.nalerts].id, p[i].id, sizeof(p[i].id));
		(void)snprintf(st.alert[st.nalerts].severity,
		    sizeof(st.alert[0].severity), "%s",
		    sstatus_code_name(p[i].severity));
		memcpy(st.alert[st.nalerts].text, p[i].text,
		    sizeof(p[i].text));
		st.nalerts++;
	}
	fleet_status_format(&st, out);
}

/* fleet_nodes_node - one node of the view from its answers */

static json_t *
fleet_nodes_node(const char *name, const struct fleet_nodes_val *rb,
    const struct fleet_nodes_val *rs, int64_t now)
{
	struct fleet_status st;
	struct fleet_beat b;
	struct buf	*why = buf_new(64);
	json_t		*o, *a;
	size_t		 i;
	int		 ok;

	ok = rb->s != NULL && fleet_beat_parse(rb->s, rb->len, &b, why) ==
	    0;
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "node", name,
	    "state", ok && !fleet_beat_down(&b, now) ? "up" : "down",
	    "last_ms", (json_int_t)(ok ? b.time_ms : 0), "age_ms",
	    (json_int_t)(ok ? now - b.time_ms : -1), "interval_ms",
	    (json_int_t)(ok ? b.interval_ms : 0), "version", ok ? b.version :
	    "");
	if (!ok)
		(void)json_object_set_new(o, "why", json_string(rb->s ==
		    NULL ? "no heartbeat for long" : buf_str(why)));
	a = json_array();
	buf_reset(why);
	if (rs->s != NULL && fleet_status_parse(rs->s, rs->len, &st, why) ==
	    0) {
		(void)json_object_set_new(o, "generation", json_integer(
		    st.generation));
		(void)json_object_set_new(o, "started", json_integer(
		    st.started));
		(void)json_object_set_new(o, "messages_5m", json_integer(
		    (json_int_t)st.messages_5m));
		(void)json_object_set_new(o, "rate", json_real((double)
		    st.messages_5m / 300.0));
		for (i = 0; i < st.nalerts; i++)
			(void)json_array_append_new(a, json_pack("{s:s, s:s, "
			    "s:s}", "id", st.alert[i].id, "severity",
			    st.alert[i].severity, "text", st.alert[i].text));
	} else if (rs->s != NULL)
		log_debug("fleet: node %s: %s", name, buf_str(why));
	(void)json_object_set_new(o, "alerts", a);
	buf_free(why);
	return (o);
}

/* fleet_nodes_end - the round is over: write the view if it is whole */

static void
fleet_nodes_end(void)
{
	json_t		*nodes;
	int64_t		 now = time_wall_ms();
	size_t		 i;

	if (!fn.failed) {
		nodes = json_array();
		for (i = 0; i < fn.n; i++)
			(void)json_array_append_new(nodes, fleet_nodes_node(
			    fn.names[i], &fn.beat[i], &fn.status[i], now));
		fleet_nodes_save("ok", NULL, nodes);
		json_decref(fn.last);
		fn.last = nodes;
	}
	for (i = 0; i < fn.n; i++) {
		free(fn.names[i]);
		free(fn.beat[i].s);
		free(fn.status[i].s);
	}
	free(fn.names);
	free(fn.beat);
	free(fn.status);
	fn.names = NULL;
	fn.beat = fn.status = NULL;
	fn.n = 0;
	fn.busy = 0;
}

/* fleet_nodes_on_get - a node's heartbeat or status (arg: its slot) */

static void
fleet_nodes_on_get(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;
	struct fleet_nodes_val *v = arg;

	(void)ac;
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fn.failed = 1;
	else if (r->type == REDIS_REPLY_STRING) {
		/* hiredis frees the reply after the callback */
		v->s = xmalloc(r->len + 1);
		memcpy(v->s, r->str, r->len);
		v->s[r->len] = '\0';
		v->len = r->len;
	}
	if (--fn.left == 0)
		fleet_nodes_end();
}

/* fleet_nodes_cmp - by name */

static int
fleet_nodes_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* fleet_nodes_on_members - the nodes: ask for each one's keys */

static void
fleet_nodes_on_members(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;
	char		 key[FLEET_KEY_MAX];
	size_t		 i, n = 0;

	(void)arg;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		fn.busy = 0;
		return;
	}
	fn.names = xcalloc(r->elements + 1, sizeof(*fn.names));
	fn.beat = xcalloc(r->elements + 1, sizeof(*fn.beat));
	fn.status = xcalloc(r->elements + 1, sizeof(*fn.status));
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			fn.names[n++] = xstrdup(r->element[i]->str);
	qsort(fn.names, n, sizeof(*fn.names), fleet_nodes_cmp);
	fn.n = n;
	fn.failed = 0;
	fn.left = 2 * n + 1;
	for (i = 0; i < n; i++) {
		fleet_key_beat(fn.names[i], key, sizeof(key));
		fn.left -= redisAsyncCommand(ac, fleet_nodes_on_get,
		    &fn.beat[i], "GET %s", key) == REDIS_OK ? 0 : 1;
		fleet_key_status(fn.names[i], key, sizeof(key));
		fn.left -= redisAsyncCommand(ac, fleet_nodes_on_get,
		    &fn.status[i], "GET %s", key) == REDIS_OK ? 0 : 1;
	}
	if (fn.left != 2 * n + 1)
		fn.failed = 1;
	if (--fn.left == 0)
		fleet_nodes_end();
}

/* fleet_nodes_on_set - the status key's answer */

static void
fleet_nodes_on_set(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	(void)ac;
	(void)arg;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_debug("fleet: status: %.*s", (int)r->len, r->str);
}

/* fleet_nodes_beat - this node's status out, every node's in */

void
fleet_nodes_beat(redisAsyncContext *ac, const char *ttl_ms)
{
	struct buf	*st = buf_new(512);
	char		 key[FLEET_KEY_MAX];

	fleet_nodes_status(st);
	fleet_key_status(fleet_node(), key, sizeof(key));
	(void)redisAsyncCommand(ac, fleet_nodes_on_set, NULL, "SET %s %b PX "
	    "%s", key, st->data, buf_len(st), ttl_ms);
	buf_free(st);
	if (fn.busy)
		return;
	if (redisAsyncCommand(ac, fleet_nodes_on_members, NULL, "SMEMBERS %s",
	    FLEET_KEY_NODES) == REDIS_OK)
		fn.busy = 1;
}

/* fleet_nodes_away - Redis cannot be asked: say so, and why */

void
fleet_nodes_away(const char *why)
{
	json_t		*nodes = json_array(), *o, *c;
	size_t		 i;

	json_array_foreach(fn.last, i, o) {
		c = json_deep_copy(o);
		(void)json_object_set_new(c, "state", json_string("unknown"));
		(void)json_array_append_new(nodes, c);
	}
	fleet_nodes_save("unavailable", why[0] != '\0' ? why :
	    "not connected yet", nodes);
	json_decref(nodes);
}
