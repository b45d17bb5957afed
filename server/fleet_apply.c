/*
 * fleet_apply.c - the fleet process's shared learning: send the examples
 * parked on this node, apply the fleet's new examples when this node
 * holds the lease, and install the newest model version
 *
 * Every learn_interval, on a blocking connection of its own (bounded by
 * connect_timeout; after a failure it waits FLEET_APPLY_PAUSE_MS, so a
 * Redis that is away costs the heartbeats at most one timeout now and
 * then):
 *
 * 1. Parked examples (fleet/fleet_learn.h) go to the stream.
 * 2. The lease (SET NX PX lease_time, renewed while held) says which node
 *    applies.  The holder reads the examples past the stream id the
 *    newest version was made up to, learns them into a copy of the
 *    newest version (or of the shipped model when there is none), and
 *    publishes the result in one MULTI/EXEC under WATCH of the lease and
 *    the head: the model's bytes, its metadata, the head and the stream
 *    id applied up to go in together or not at all.  A holder killed
 *    while applying publishes nothing; its lease runs out and the next
 *    holder starts from the same stream id, so every example is applied
 *    exactly once.  Examples applied are trimmed from the stream, and
 *    versions beyond model_versions are deleted (never the head).
 * 3. Every node installs a head newer than the one it installed as its
 *    [content] model, atomically and under the learners' lock; children
 *    map it within model_check_interval as they map any learned model.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* content */
#include "content.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_learn.h"
#include "fleet_model.h"

/* server */
#include "server.h"

#define FLEET_APPLY_PAUSE_MS	5000
#define FLEET_APPLY_REPLAY	200	/* parked examples per round */

static struct fleet_apply {
	redisContext	*c;
	uint64_t	 pause_until;
	int		 warned;
	char		 dir[4096];	/* parked examples */
	char		 work[4200];	/* the lease holder's model */
	char		 me[128];	/* the lease's value */
	uint64_t	 installed;	/* the version installed here */
	int		 holding;
	int		 replay_warned;
} fa;

/* fleet_apply_init - paths and the lease's value */

void
fleet_apply_init(const char *stats_dir)
{
	fleet_learn_dir(stats_dir, fa.dir, sizeof(fa.dir));
	(void)snprintf(fa.work, sizeof(fa.work), "%s/fleet/model.work",
	    stats_dir);
	(void)snprintf(fa.me, sizeof(fa.me), "%s:%ld", fleet_node(),
	    (long)getpid());
}

/* fleet_apply_cmd - one command; NULL with why on a broken connection or
 * an error answer */

static redisReply *
fleet_apply_cmd(struct buf *why, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(fa.c, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		buf_printf(why, "%s", fa.c->errstr);
		return (NULL);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		buf_printf(why, "%.*s", (int)r->len, r->str);
		freeReplyObject(r);
		return (NULL);
	}
	return (r);
}

/* fleet_apply_version - a string reply as a version, 0 when nil */

static int
fleet_apply_version(const redisReply *r, uint64_t *v_r, struct buf *why)
{
	*v_r = 0;
	if (r->type == REDIS_REPLY_NIL)
		return (0);
	if (r->type != REDIS_REPLY_STRING)
		return (-1);
	return (fleet_version_parse(r->str, r->len, v_r, why));
}

/* fleet_apply_lease - take or renew the lease; 1 held, 0 not, -1 error */

static int
fleet_apply_lease(struct buf *why)
{
	redisReply	*r;
	int		 held;

	if ((r = fleet_apply_cmd(why, "SET %s %s NX PX %u", FLEET_KEY_LEASE,
	    fa.me, fleet_conf.lease_time)) == NULL)
		return (-1);
	held = r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	if (held)
		return (1);
	if ((r = fleet_apply_cmd(why, "GET %s", FLEET_KEY_LEASE)) == NULL)
		return (-1);
	held = r->type == REDIS_REPLY_STRING && strcmp(r->str, fa.me) == 0;
	freeReplyObject(r);
	if (!held)
		return (0);
	if ((r = fleet_apply_cmd(why, "PEXPIRE %s %u", FLEET_KEY_LEASE,
	    fleet_conf.lease_time)) == NULL)
		return (-1);
	freeReplyObject(r);
	return (1);
}

/* fleet_apply_base - a learner on the head version (or the shipped
 * model when there is none); NULL with why */

static struct content_learner *
fleet_apply_base(uint64_t head, struct buf *why)
{
	redisReply	*r;
	char		 key[FLEET_KEY_MAX];
	int		 rc;

	if (head == 0) {
		(void)unlink(fa.work);
		return (content_learner_open(fa.work,
		    content_default_model_path(), 0, why));
	}
	fleet_key_model(head, key, sizeof(key));
	if ((r = fleet_apply_cmd(why, "GET %s", key)) == NULL)
		return (NULL);
	if (r->type != REDIS_REPLY_STRING) {
		buf_printf(why, "version %" PRIu64 " has no model", head);
		freeReplyObject(r);
		return (NULL);
	}
	rc = content_model_install(fa.work, r->str, r->len, why);
	freeReplyObject(r);
	if (rc != WN_OK)
		return (NULL);
	return (content_learner_open(fa.work, NULL, 0, why));
}

/* fleet_apply_prune - delete versions beyond model_versions */

static void
fleet_apply_prune(uint64_t head)
{
	struct buf	*why = buf_new(64);
	redisReply	*r, *d;
	uint64_t	*v;
	size_t		 i, n = 0, keep;
	char		 key[FLEET_KEY_MAX], num[24];

	if ((r = fleet_apply_cmd(why, "HKEYS %s", FLEET_KEY_MMETA)) == NULL ||
	    r->type != REDIS_REPLY_ARRAY) {
		if (r != NULL)
			freeReplyObject(r);
		buf_free(why);
		return;
	}
	v = xcalloc(r->elements + 1, sizeof(*v));
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    fleet_version_parse(r->element[i]->str,
		    r->element[i]->len, &v[n], why) == 0)
			n++;
	freeReplyObject(r);
	/* Newest first; keep model_versions of them. */
	for (i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t	 j = i;

		for (; j > 0 && v[j - 1] < x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	keep = fleet_conf.model_versions;
	for (i = keep; i < n; i++) {
		if (v[i] == head)
			continue;
		fleet_key_model(v[i], key, sizeof(key));
		(void)snprintf(num, sizeof(num), "%" PRIu64, v[i]);
		if ((d = fleet_apply_cmd(why, "DEL %s", key)) != NULL)
			freeReplyObject(d);
		if ((d = fleet_apply_cmd(why, "HDEL %s %s", FLEET_KEY_MMETA,
		    num)) != NULL)
			freeReplyObject(d);
	}
	free(v);
	buf_free(why);
}

/* fleet_apply_publish - the new version, if the lease and the head are
 * still as they were; 1 published, 0 lost the race, -1 error */

static int
fleet_apply_publish(uint64_t head, const struct fleet_mver *m,
    const void *data, size_t len, struct buf *why)
{
	redisReply	*r;
	struct buf	*meta;
	char		 key[FLEET_KEY_MAX], num[24], sid[48], cur[24];
	const char	*argv[3];
	size_t		 alen[3];
	int		 ok, i;

	if ((r = fleet_apply_cmd(why, "WATCH %s %s", FLEET_KEY_LEASE,
	    FLEET_KEY_MHEAD)) == NULL)
		return (-1);
	freeReplyObject(r);
	if ((r = fleet_apply_cmd(why, "GET %s", FLEET_KEY_LEASE)) == NULL)
		return (-1);
	ok = r->type == REDIS_REPLY_STRING && strcmp(r->str, fa.me) == 0;
	freeReplyObject(r);
	if ((r = fleet_apply_cmd(why, "GET %s", FLEET_KEY_MHEAD)) == NULL)
		return (-1);
	(void)snprintf(cur, sizeof(cur), "%" PRIu64, head);
	if (head == 0)
		ok = ok && r->type == REDIS_REPLY_NIL;
	else
		ok = ok && r->type == REDIS_REPLY_STRING &&
		    strcmp(r->str, cur) == 0;
	freeReplyObject(r);
	if (!ok) {
		if ((r = fleet_apply_cmd(why, "UNWATCH")) != NULL)
			freeReplyObject(r);
		return (fa.c->err ? -1 : 0);
	}
	fleet_key_model(m->version, key, sizeof(key));
	(void)snprintf(num, sizeof(num), "%" PRIu64, m->version);
	fleet_sid_format(&m->upto, sid, sizeof(sid));
	meta = buf_new(256);
	fleet_mver_format(m, meta);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = data;
	for (i = 0; i < 2; i++)
		alen[i] = strlen(argv[i]);
	alen[2] = len;
	/* Pipelined: MULTI, the five writes, EXEC. */
	(void)redisAppendCommand(fa.c, "MULTI");
	(void)redisAppendCommandArgv(fa.c, 3, argv, alen);
	(void)redisAppendCommand(fa.c, "HSET %s %s %s", FLEET_KEY_MMETA, num,
	    buf_str(meta));
	(void)redisAppendCommand(fa.c, "SET %s %s", FLEET_KEY_MHEAD, num);
	(void)redisAppendCommand(fa.c, "SET %s %s", FLEET_KEY_MUPTO, sid);
	(void)redisAppendCommand(fa.c, "XTRIM %s MINID %s", FLEET_KEY_LEARN,
	    sid);
	(void)redisAppendCommand(fa.c, "EXEC");
	buf_free(meta);
	ok = 1;
	for (i = 0; i < 7; i++) {
		if (redisGetReply(fa.c, (void **)&r) != REDIS_OK) {
			buf_printf(why, "%s", fa.c->errstr);
			return (-1);
		}
		if (i == 6)
			ok = r->type == REDIS_REPLY_ARRAY;
		else if (r->type == REDIS_REPLY_ERROR) {
			buf_printf(why, "%.*s; ", (int)r->len, r->str);
			ok = 0;
		}
		freeReplyObject(r);
	}
	return (ok);
}

/* fleet_apply_examples - the lease holder: learn what is past the
 * applied stream id into a new version; -1 on a Redis failure */

static int
fleet_apply_examples(struct buf *why)
{
	struct content_learner *l = NULL;
	struct fleet_mver m;
	struct fleet_sid upto = { 0, 0 };
	struct fleet_example ex;
	redisReply	*r = NULL;
	const void	*data;
	size_t		 i, len;
	uint64_t	 head, t0 = time_now_ms();
	char		 sid[48];
	int		 rc = -1;

	if ((r = fleet_apply_cmd(why, "GET %s", FLEET_KEY_MUPTO)) == NULL)
		return (-1);
	if (r->type == REDIS_REPLY_STRING &&
	    fleet_sid_parse(r->str, r->len, &upto, why) < 0) {
		log_warn("fleet: %s: %s; applying from the stream's start",
		    FLEET_KEY_MUPTO, buf_str(why));
		buf_reset(why);
	}
	freeReplyObject(r);
	fleet_sid_format(&upto, sid, sizeof(sid));
	if ((r = fleet_apply_cmd(why, "XRANGE %s (%s + COUNT %u",
	    FLEET_KEY_LEARN, sid, fleet_conf.learn_batch)) == NULL)
		return (-1);
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		freeReplyObject(r);
		return (0);
	}
	{
		redisReply *h = fleet_apply_cmd(why, "GET %s",
		    FLEET_KEY_MHEAD);

		if (h == NULL)
			goto out;
		if (fleet_apply_version(h, &head, why) < 0) {
			log_warn("fleet: %s: %s", FLEET_KEY_MHEAD,
			    buf_str(why));
			freeReplyObject(h);
			rc = 0;
			goto out;
		}
		freeReplyObject(h);
	}
	if ((l = fleet_apply_base(head, why)) == NULL) {
		log_error("fleet: cannot start from version %" PRIu64 ": %s",
		    head, buf_str(why));
		rc = 0;
		goto out;
	}
	memset(&m, 0, sizeof(m));
	for (i = 0; i < r->elements; i++) {
		switch (fleet_example_parse(r->element[i], &ex, why)) {
		case 0:
			(void)content_learner_learn(l, ex.msg, ex.len,
			    ex.spam);
			m.examples++;
			m.upto = ex.id;
			break;
		case 1:
			fleet_sid_format(&ex.id, sid, sizeof(sid));
			log_warn("fleet: stream entry %s is not an example; "
			    "skipped", sid);
			m.upto = ex.id;
			break;
		default:
			log_warn("fleet: a damaged stream entry: %s",
			    buf_str(why));
			rc = 0;
			goto out;
		}
	}
	if (content_learner_commit(l, why) != WN_OK) {
		log_error("fleet: %s", buf_str(why));
		rc = 0;
		goto out;
	}
	freeReplyObject(r);
	r = NULL;
	if ((r = fleet_apply_cmd(why, "INCR %s", FLEET_KEY_MSEQ)) == NULL ||
	    r->type != REDIS_REPLY_INTEGER || r->integer <= 0)
		goto out;
	m.version = (uint64_t)r->integer;
	freeReplyObject(r);
	r = NULL;
	m.time_ms = time_wall_ms();
	(void)snprintf(m.node, sizeof(m.node), "%s", fleet_node());
	content_learner_counts(l, &m.nspam, &m.nham);
	m.from = head;
	content_learner_bytes(l, &data, &len);
	switch (fleet_apply_publish(head, &m, data, len, why)) {
	case 1:
		fleet_sid_format(&m.upto, sid, sizeof(sid));
		log_info("fleet: published model version %" PRIu64 " (%"
		    PRIu64 " examples up to %s on version %" PRIu64 ", %"
		    PRIu64 " ms)", m.version, m.examples, sid, head,
		    time_now_ms() - t0);
		fleet_apply_prune(m.version);
		rc = 0;
		break;
	case 0:
		log_notice("fleet: the lease or the head changed while "
		    "applying; version %" PRIu64 " dropped, the next holder "
		    "applies the same examples", m.version);
		rc = 0;
		break;
	default:
		break;
	}
out:
	if (r != NULL)
		freeReplyObject(r);
	content_learner_close(l);
	return (rc);
}

/* fleet_apply_install - install a head newer than the installed one;
 * -1 on a Redis failure */

static int
fleet_apply_install(struct buf *why)
{
	redisReply	*r;
	const char	*path = content_model_path();
	char		 key[FLEET_KEY_MAX];
	uint64_t	 head;
	int		 rc;

	if ((r = fleet_apply_cmd(why, "GET %s", FLEET_KEY_MHEAD)) == NULL)
		return (-1);
	rc = fleet_apply_version(r, &head, why);
	freeReplyObject(r);
	if (rc < 0) {
		log_warn("fleet: %s: %s", FLEET_KEY_MHEAD, buf_str(why));
		return (0);
	}
	if (head == 0 || head == fa.installed)
		return (0);
	if (path == NULL || *path == '\0') {
		if (fa.installed == 0)
			log_warn("fleet: [content] model is not set: the "
			    "fleet's model versions are not installed");
		fa.installed = head;
		return (0);
	}
	fleet_key_model(head, key, sizeof(key));
	if ((r = fleet_apply_cmd(why, "GET %s", key)) == NULL)
		return (-1);
	if (r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return (0);		/* pruned or not there yet */
	}
	rc = content_model_install(path, r->str, r->len, why);
	freeReplyObject(r);
	if (rc != WN_OK) {
		log_error("fleet: cannot install model version %" PRIu64
		    ": %s", head, buf_str(why));
		if (rc == WN_PERM)
			fa.installed = head;	/* not again */
		return (0);
	}
	log_info("fleet: installed model version %" PRIu64 " as %s", head,
	    path);
	fa.installed = head;
	return (0);
}

/* fleet_apply_tick - one round: replay, apply if holding, install */

void
fleet_apply_tick(void)
{
	struct buf	*why;
	size_t		 sent;
	int		 held;

	if (time_now_ms() < fa.pause_until)
		return;
	why = buf_new(128);
	if (fa.c == NULL && (fa.c = fleet_client_open(why)) == NULL)
		goto fail;
	switch (fleet_learn_replay(fa.c, fa.dir, fleet_node(),
	    FLEET_APPLY_REPLAY, &sent, why)) {
	case WN_OK:
		break;
	case WN_PERM:
		if (!fa.replay_warned)
			log_error("fleet: parked examples: %s", buf_str(why));
		fa.replay_warned = 1;
		break;
	default:
		if (fa.c->err)
			goto fail;
		log_warn("fleet: parked examples: %s", buf_str(why));
		break;
	}
	if (sent > 0)
		log_info("fleet: sent %zu example%s learned while Redis was "
		    "away", sent, sent == 1 ? "" : "s");
	buf_reset(why);
	if ((held = fleet_apply_lease(why)) < 0)
		goto fail;
	if (held != fa.holding)
		log_info("fleet: %s the lease to apply learned examples",
		    held ? "took" : "does not hold");
	fa.holding = held;
	if (held && fleet_apply_examples(why) < 0)
		goto fail;
	if (fleet_apply_install(why) < 0)
		goto fail;
	fa.warned = 0;
	buf_free(why);
	return;
fail:
	if (!fa.warned)
		log_warn("fleet: learning: Redis: %s; trying again in %d s",
		    buf_str(why), FLEET_APPLY_PAUSE_MS / 1000);
	fa.warned = 1;
	fleet_client_close(fa.c);
	fa.c = NULL;
	fa.holding = 0;
	fa.pause_until = time_now_ms() + FLEET_APPLY_PAUSE_MS;
	buf_free(why);
}

/* fleet_apply_stop - close the connection */

void
fleet_apply_stop(void)
{
	fleet_client_close(fa.c);
	fa.c = NULL;
}
