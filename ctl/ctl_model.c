/*
 * ctl_model.c - winnowctl model list|rollback: the fleet's model
 * versions (fleet/fleet_model.h)
 *
 * A rollback publishes a copy of an older version as the newest, so
 * every node installs it as it installs any new version; the examples
 * applied since are not applied again (the stream id applied up to stays
 * where it is), and what is learned afterwards is applied on top of it.
 *
 * SPDX-License-Identifier: MIT
 */
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
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_model.h"

/* ctl */
#include "ctl.h"

static const char ctl_model_help[] =
"Usage: winnowctl [-c FILE] model list [--json]\n"
"       winnowctl [-c FILE] model rollback VERSION\n"
"\n"
"The content model versions of the fleet ([fleet] redis): every version\n"
"one node made by applying the examples learned on any node (winnowctl\n"
"learn, the quarantine's learn) to the version before.  list shows them,\n"
"newest first (* marks the one every node runs), with when and by which\n"
"node each was made, how many examples it applied and how many spam and\n"
"ham its model has learned in all.  The fleet keeps [fleet]\n"
"model_versions of them.\n"
"\n"
"rollback publishes a copy of VERSION as the newest version: every node\n"
"installs it within [fleet] learn_interval, and children map it within\n"
"[content] model_check_interval.  Examples learned before the rollback\n"
"are not applied again; those learned afterwards are applied to it.\n"
"\n"
"Exit status: 0 done; 64 usage error; 65 no such version; 69 Redis\n"
"cannot be reached.\n";

/* ctl_model_err - say what went wrong with a command's answer */

static void
ctl_model_err(redisContext *c, const redisReply *r, const char *what)
{
	(void)fprintf(stderr, "winnowctl model: %s: %s\n", what, r == NULL ?
	    c->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
	    "unexpected answer");
}

/* ctl_model_head - the newest version, 0 when none; -1 on failure */

static int
ctl_model_head(redisContext *c, uint64_t *head_r)
{
	struct buf	*why = buf_new(64);
	redisReply	*r = redisCommand(c, "GET %s", FLEET_KEY_MHEAD);
	int		 rc = 0;

	*head_r = 0;
	if (r == NULL || (r->type != REDIS_REPLY_NIL &&
	    (r->type != REDIS_REPLY_STRING ||
	    fleet_version_parse(r->str, r->len, head_r, why) < 0))) {
		ctl_model_err(c, r, FLEET_KEY_MHEAD);
		rc = -1;
	}
	if (r != NULL)
		freeReplyObject(r);
	buf_free(why);
	return (rc);
}

/* ctl_model_cmp - newest first */

static int
ctl_model_cmp(const void *a, const void *b)
{
	const struct fleet_mver *x = a, *y = b;

	return (x->version < y->version ? 1 : x->version > y->version ? -1 :
	    0);
}

/* ctl_model_list - winnowctl model list */

static int
ctl_model_list(redisContext *c, int json)
{
	struct fleet_mver *v;
	struct buf	*why = buf_new(64);
	redisReply	*r;
	json_t		*arr = NULL;
	uint64_t	 head;
	size_t		 i, n = 0;
	char		 when[32], sid[48], *s;
	time_t		 t;

	if (ctl_model_head(c, &head) < 0) {
		buf_free(why);
		return (EX_UNAVAILABLE);
	}
	r = redisCommand(c, "HGETALL %s", FLEET_KEY_MMETA);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		ctl_model_err(c, r, FLEET_KEY_MMETA);
		if (r != NULL)
			freeReplyObject(r);
		buf_free(why);
		return (EX_UNAVAILABLE);
	}
	v = xcalloc(r->elements / 2 + 1, sizeof(*v));
	for (i = 0; i + 1 < r->elements; i += 2) {
		buf_reset(why);
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING ||
		    fleet_mver_parse(r->element[i + 1]->str,
		    r->element[i + 1]->len, &v[n], why) < 0 ||
		    fleet_version_parse(r->element[i]->str,
		    r->element[i]->len, &v[n].version, why) < 0) {
			(void)fprintf(stderr, "winnowctl model: warning: "
			    "version %s: %s\n", r->element[i]->type ==
			    REDIS_REPLY_STRING ? r->element[i]->str : "?",
			    buf_len(why) ? buf_str(why) : "not a string");
			continue;
		}
		n++;
	}
	freeReplyObject(r);
	qsort(v, n, sizeof(*v), ctl_model_cmp);
	if (json)
		arr = json_array();
	else if (n == 0)
		(void)printf("the fleet has no model versions yet\n");
	else
		(void)printf("  %-8s %-19s %-20s %8s %8s %8s %s\n", "VERSION",
		    "TIME", "NODE", "EXAMPLES", "SPAM", "HAM", "FROM");
	for (i = 0; i < n; i++) {
		fleet_sid_format(&v[i].upto, sid, sizeof(sid));
		if (arr != NULL) {
			(void)json_array_append_new(arr, json_pack("{s:I,s:I,"
			    "s:s,s:I,s:I,s:I,s:s,s:I,s:b,s:b}", "version",
			    (json_int_t)v[i].version, "time_ms",
			    (json_int_t)v[i].time_ms, "node", v[i].node,
			    "examples", (json_int_t)v[i].examples, "spam",
			    (json_int_t)v[i].nspam, "ham",
			    (json_int_t)v[i].nham, "upto", sid, "from",
			    (json_int_t)v[i].from, "rollback", v[i].rollback,
			    "head", v[i].version == head));
			continue;
		}
		t = (time_t)(v[i].time_ms / 1000);
		(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    localtime(&t));
		(void)printf("%c %-8" PRIu64 " %-19s %-20s %8" PRIu64 " %8"
		    PRIu64 " %8" PRIu64 " %s%" PRIu64 "\n", v[i].version ==
		    head ? '*' : ' ', v[i].version, when, v[i].node,
		    v[i].examples, v[i].nspam, v[i].nham, v[i].rollback ?
		    "rollback of " : "", v[i].from);
	}
	if (arr != NULL) {
		s = json_dumps(arr, JSON_INDENT(1));
		(void)printf("%s\n", s);
		free(s);
		json_decref(arr);
	}
	free(v);
	buf_free(why);
	return (EX_OK);
}

/* ctl_model_rollback - winnowctl model rollback VERSION */

static int
ctl_model_rollback(redisContext *c, const char *arg)
{
	struct fleet_mver m;
	struct buf	*why = buf_new(64), *meta = NULL;
	redisReply	*r = NULL, *d = NULL;
	uint64_t	 v, nv, head;
	char		 key[FLEET_KEY_MAX], num[24], vs[24];
	const char	*argv[3];
	size_t		 alen[3];
	int		 rc = EX_UNAVAILABLE, i, ok;

	if (fleet_version_parse(arg, strlen(arg), &v, why) < 0) {
		(void)fprintf(stderr, "winnowctl model: %s\n", buf_str(why));
		buf_free(why);
		return (EX_USAGE);
	}
	(void)snprintf(vs, sizeof(vs), "%" PRIu64, v);
	fleet_key_model(v, key, sizeof(key));
	if (ctl_model_head(c, &head) < 0)
		goto out;
	r = redisCommand(c, "HGET %s %s", FLEET_KEY_MMETA, vs);
	d = redisCommand(c, "GET %s", key);
	if (r == NULL || d == NULL) {
		ctl_model_err(c, NULL, "rollback");
		goto out;
	}
	if (r->type != REDIS_REPLY_STRING || d->type != REDIS_REPLY_STRING ||
	    fleet_mver_parse(r->str, r->len, &m, why) < 0) {
		(void)fprintf(stderr, "winnowctl model: the fleet has no "
		    "version %s%s%s (winnowctl model list)\n", vs,
		    buf_len(why) ? ": " : "", buf_str(why));
		rc = EX_DATAERR;
		goto out;
	}
	freeReplyObject(r);
	if ((r = redisCommand(c, "INCR %s", FLEET_KEY_MSEQ)) == NULL ||
	    r->type != REDIS_REPLY_INTEGER || r->integer <= 0) {
		ctl_model_err(c, r, FLEET_KEY_MSEQ);
		goto out;
	}
	nv = (uint64_t)r->integer;
	freeReplyObject(r);
	r = NULL;
	m.version = nv;
	m.time_ms = time_wall_ms();
	(void)snprintf(m.node, sizeof(m.node), "%s", fleet_node());
	m.examples = 0;
	m.from = v;
	m.rollback = 1;
	/* What is applied stays applied: the head's stream id. */
	if ((r = redisCommand(c, "GET %s", FLEET_KEY_MUPTO)) != NULL &&
	    r->type == REDIS_REPLY_STRING)
		(void)fleet_sid_parse(r->str, r->len, &m.upto, why);
	if (r != NULL)
		freeReplyObject(r);
	r = NULL;
	meta = buf_new(256);
	fleet_mver_format(&m, meta);
	fleet_key_model(nv, key, sizeof(key));
	(void)snprintf(num, sizeof(num), "%" PRIu64, nv);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = d->str;
	alen[0] = 3;
	alen[1] = strlen(key);
	alen[2] = d->len;
	(void)redisAppendCommand(c, "MULTI");
	(void)redisAppendCommandArgv(c, 3, argv, alen);
	(void)redisAppendCommand(c, "HSET %s %s %s", FLEET_KEY_MMETA, num,
	    buf_str(meta));
	(void)redisAppendCommand(c, "SET %s %s", FLEET_KEY_MHEAD, num);
	(void)redisAppendCommand(c, "EXEC");
	ok = 1;
	for (i = 0; i < 5; i++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK) {
			ctl_model_err(c, NULL, "rollback");
			r = NULL;
			goto out;
		}
		if (r->type == REDIS_REPLY_ERROR ||
		    (i == 4 && r->type != REDIS_REPLY_ARRAY)) {
			ctl_model_err(c, r, "rollback");
			ok = 0;
		}
		freeReplyObject(r);
		r = NULL;
	}
	if (!ok)
		goto out;
	(void)printf("version %" PRIu64 " is version %" PRIu64 " again (was "
	    "%" PRIu64 "); every node installs it within [fleet] "
	    "learn_interval\n", nv, v, head);
	log_notice("fleet: model rolled back to version %" PRIu64 " as "
	    "version %" PRIu64, v, nv);
	rc = EX_OK;
out:
	if (r != NULL)
		freeReplyObject(r);
	if (d != NULL)
		freeReplyObject(d);
	buf_free(meta);
	buf_free(why);
	return (rc);
}

/* ctl_model_main - winnowctl model */

int
ctl_model_main(int argc, char **argv)
{
	struct buf	*why;
	redisContext	*c;
	int		 rc, json = 0, help;

	help = argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0);
	if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc <= 3)
		json = argc == 3 && strcmp(argv[2], "--json") == 0;
	if (help || argc < 2 || (strcmp(argv[1], "list") == 0 && argc == 3 &&
	    !json) || (strcmp(argv[1], "list") == 0 && argc > 3) ||
	    (strcmp(argv[1], "rollback") == 0 && argc != 3) ||
	    (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "rollback") != 0)) {
		(void)fputs(ctl_model_help, help ? stdout : stderr);
		return (help ? EX_OK : EX_USAGE);
	}
	why = buf_new(128);
	if ((c = fleet_client_open(why)) == NULL) {
		(void)fprintf(stderr, "winnowctl model: %s\n", buf_str(why));
		buf_free(why);
		return (EX_UNAVAILABLE);
	}
	buf_free(why);
	if (strcmp(argv[1], "list") == 0)
		rc = ctl_model_list(c, json);
	else
		rc = ctl_model_rollback(c, argv[2]);
	fleet_client_close(c);
	return (rc);
}
