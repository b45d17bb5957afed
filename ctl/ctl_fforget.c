/*
 * ctl_fforget.c - winnowctl fleet forget NODE: a node taken out of the
 * fleet for good
 *
 * A node that stopped for good stays in the fleet's set, so every other
 * node keeps calling it down (a critical node-down problem) and lists its
 * quarantine entries as unavailable.  Forgetting it removes it from the
 * set and deletes what its fleet process keeps in Redis: the heartbeat,
 * the status, the epoch, the statistics and the quarantine index
 * (fleet/fleet_key.h, fleet/fleet_quar.h).  Its own store, quarantine and
 * the verdicts already in the fleet's history stay where they are.
 *
 * Only a node that is down can be forgotten: a node that is up would put
 * itself back at its next heartbeat.  The heartbeat key is WATCHed from
 * the check to the deletion, so a node that comes back in between is not
 * forgotten (exit 75, try again).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <hiredis/hiredis.h>

/* lib */
#include "buf.h"
#include "timeutil.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_quar.h"

/* ctl */
#include "ctl.h"

/* ctl_fforget_say - an answer that is not the expected one, on stderr */

static void
ctl_fforget_say(redisContext *c, redisReply *r)
{
	(void)fprintf(stderr, "winnowctl fleet forget: %s\n", r == NULL ?
	    c->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
	    "unexpected answer from Redis");
}

/* ctl_fforget_member - whether node is in the fleet's set: 1, 0, or -1
 * (said) */

static int
ctl_fforget_member(redisContext *c, const char *node)
{
	redisReply	*r;
	int		 res = -1;

	r = redisCommand(c, "SISMEMBER %s %s", FLEET_KEY_NODES, node);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		res = r->integer != 0;
	else
		ctl_fforget_say(c, r);
	if (r != NULL)
		freeReplyObject(r);
	return (res);
}

/* ctl_fforget_up - whether node's heartbeat says it is up: 1 (said), 0,
 * or -1 (said); a heartbeat that cannot be read counts as down, as the
 * Nodes page shows it */

static int
ctl_fforget_up(redisContext *c, const char *node)
{
	struct fleet_beat b;
	struct buf	*why = buf_new(64);
	redisReply	*r;
	char		 key[FLEET_KEY_MAX];
	int64_t		 now = time_wall_ms();
	int		 res = 0;

	fleet_key_beat(node, key, sizeof(key));
	r = redisCommand(c, "GET %s", key);
	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_NIL)) {
		ctl_fforget_say(c, r);
		res = -1;
	} else if (r->type == REDIS_REPLY_STRING && fleet_beat_parse(r->str,
	    r->len, &b, why) == 0 && !fleet_beat_down(&b, now)) {
		(void)fprintf(stderr, "winnowctl fleet forget: node %s is up "
		    "(last heartbeat %.1fs ago): stop its winnowd or take "
		    "[fleet] out of its configuration first\n", node,
		    (double)(now - b.time_ms) / 1000);
		res = 1;
	}
	if (r != NULL)
		freeReplyObject(r);
	buf_free(why);
	return (res);
}

/* ctl_fforget_drop - remove node and its keys in one transaction: 1
 * done, 0 the heartbeat changed meanwhile, -1 (said) */

static int
ctl_fforget_drop(redisContext *c, const char *node)
{
	void		(*keyf[])(const char *, char *, size_t) = {
		fleet_key_beat, fleet_key_status, fleet_key_epoch,
		fleet_key_stats, fleet_key_quar };
	char		 key[FLEET_KEY_MAX];
	redisReply	*r;
	size_t		 i;
	int		 res = -1;

	redisAppendCommand(c, "MULTI");
	redisAppendCommand(c, "SREM %s %s", FLEET_KEY_NODES, node);
	for (i = 0; i < sizeof(keyf) / sizeof(keyf[0]); i++) {
		keyf[i](node, key, sizeof(key));
		redisAppendCommand(c, "DEL %s", key);
	}
	redisAppendCommand(c, "EXEC");
	/* MULTI, the queued commands' QUEUED, then EXEC's answer */
	for (i = 0; i < sizeof(keyf) / sizeof(keyf[0]) + 2; i++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK) {
			ctl_fforget_say(c, NULL);
			return (-1);
		}
		if (r->type == REDIS_REPLY_ERROR) {
			ctl_fforget_say(c, r);
			freeReplyObject(r);
			return (-1);
		}
		freeReplyObject(r);
	}
	if (redisGetReply(c, (void **)&r) != REDIS_OK) {
		ctl_fforget_say(c, NULL);
		return (-1);
	}
	if (r->type == REDIS_REPLY_NIL)
		res = 0;
	else if (r->type == REDIS_REPLY_ARRAY)
		res = 1;
	else
		ctl_fforget_say(c, r);
	freeReplyObject(r);
	return (res);
}

/* ctl_fforget_run - the checks and the removal on an open connection: an
 * exit status */

static int
ctl_fforget_run(redisContext *c, const char *node)
{
	redisReply	*r;
	char		 key[FLEET_KEY_MAX];
	int		 n;

	fleet_key_beat(node, key, sizeof(key));
	if ((r = redisCommand(c, "WATCH %s", key)) == NULL ||
	    r->type == REDIS_REPLY_ERROR) {
		ctl_fforget_say(c, r);
		if (r != NULL)
			freeReplyObject(r);
		return (EX_UNAVAILABLE);
	}
	freeReplyObject(r);
	if ((n = ctl_fforget_member(c, node)) <= 0) {
		if (n == 0)
			(void)fprintf(stderr, "winnowctl fleet forget: no node "
			    "%s in the fleet (winnowctl fleet nodes lists "
			    "them)\n", node);
		return (n == 0 ? EX_DATAERR : EX_UNAVAILABLE);
	}
	if ((n = ctl_fforget_up(c, node)) != 0)
		return (n > 0 ? EX_TEMPFAIL : EX_UNAVAILABLE);
	if ((n = ctl_fforget_drop(c, node)) <= 0) {
		if (n == 0)
			(void)fprintf(stderr, "winnowctl fleet forget: node %s "
			    "sent a heartbeat meanwhile: not forgotten\n",
			    node);
		return (n == 0 ? EX_TEMPFAIL : EX_UNAVAILABLE);
	}
	(void)printf("forgot node %s: its heartbeat, status, statistics and "
	    "quarantine index are out of the fleet (its own store and "
	    "quarantine are untouched)\n", node);
	return (EX_OK);
}

/* ctl_fforget_main - winnowctl fleet forget NODE */

int
ctl_fforget_main(const char *node)
{
	struct buf	*why = buf_new(64);
	redisContext	*c;
	int		 res;

	if (fleet_node_check(node, why) < 0) {
		(void)fprintf(stderr, "winnowctl fleet forget: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_USAGE);
	}
	buf_free(why);
	if ((c = ctl_fleet_open("fleet forget")) == NULL)
		return (EX_UNAVAILABLE);
	res = ctl_fforget_run(c, node);
	fleet_client_close(c);
	return (res);
}
