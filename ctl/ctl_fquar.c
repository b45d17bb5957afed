/*
 * ctl_fquar.c - winnowctl quarantine list --fleet, and show, release,
 * delete and learn --node: the fleet's quarantine
 *
 * The list is every node's index (fleet/fleet_quar.h) as its fleet
 * process last wrote it, each entry with its node; the entries of a node
 * whose heartbeat went quiet (fleet_beat_down) are shown unavailable.
 * show, release, delete and learn of another node's entry go to that
 * node's control API - the address its heartbeat says - with the fleet secret
 * ([fleet] secret_file, the same file on every node) as the bearer token,
 * so the owning node does the release with its own lock: two admins
 * releasing at once through two nodes send the message once.  A node that
 * is down answers nothing: exit 75 naming it, until it is back.  With
 * --raw (the control API's own forwarding) the node's answer is printed
 * as it is, and two more requests go there: "message" (the stored bytes)
 * and "explain" (the owning node's scan of them); they have no command of
 * their own here, the dashboard and the API are what ask for them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

/* lib */
#include "buf.h"
#include "secret.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_quar.h"

/* ctl */
#include "ctl.h"
#include "ctl_entry.h"

struct ctl_fq {
	json_t		*all;		/* entries */
	json_t		*nodes;
	struct buf	*skipped;
	const char	*status;	/* a recipient's status, or NULL */
	int		 released;	/* -1 any */
};

/* ctl_fq_beat - a node's heartbeat; 1 up, 0 down or none (b zeroed) */

static int
ctl_fq_beat(redisContext *c, const char *node, struct fleet_beat *b)
{
	struct buf	*why = buf_new(64);
	redisReply	*r;
	char		 key[FLEET_KEY_MAX];
	int		 up = 0;

	memset(b, 0, sizeof(*b));
	fleet_key_beat(node, key, sizeof(key));
	r = redisCommand(c, "GET %s", key);
	if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    fleet_beat_parse(r->str, r->len, b, why) == 0)
		up = !fleet_beat_down(b, time_wall_ms());
	else
		memset(b, 0, sizeof(*b));
	if (r != NULL)
		freeReplyObject(r);
	buf_free(why);
	return (up);
}

/* ctl_fq_rcpts - the recipients with their statuses, as the local list
 * gives them ({"address", "spam", "av"}) */

static json_t *
ctl_fq_rcpts(const struct fleet_qent *e)
{
	json_t		*a = json_array();
	const char	*to = e->to, *st = e->status, *p, *sl;
	char		*addr, *spam, *av;
	size_t		 n, m;

	while (*to != '\0') {
		p = strstr(to, ", ");
		n = p != NULL ? (size_t)(p - to) : strlen(to);
		m = strcspn(st, " ");
		addr = xstrndup(to, n);
		sl = memchr(st, '/', m);
		spam = xstrndup(st, sl != NULL ? (size_t)(sl - st) : m);
		av = sl != NULL ? xstrndup(sl + 1, m - (size_t)(sl - st) - 1) :
		    xstrdup("");
		(void)json_array_append_new(a, json_pack("{s:s%, s:s, s:s}",
		    "address", addr, n, "spam", spam, "av", av));
		free(addr);
		free(spam);
		free(av);
		to += n + (p != NULL ? 2 : 0);
		st += m + (st[m] == ' ' ? 1 : 0);
	}
	return (a);
}

/* ctl_fq_match - whether an entry passes the filters */

static int
ctl_fq_match(const struct ctl_fq *l, const struct fleet_qent *e)
{
	const char	*p;
	size_t		 n = l->status != NULL ? strlen(l->status) : 0;

	if (l->released >= 0 && (e->releases > 0) != l->released)
		return (0);
	if (l->status == NULL)
		return (1);
	for (p = e->status; *p != '\0'; p += strcspn(p, " /"),
	    p += *p != '\0') {
		if (strncasecmp(p, l->status, n) == 0 && (p[n] == '\0' ||
		    p[n] == ' ' || p[n] == '/'))
			return (1);
	}
	return (0);
}

/* ctl_fq_node - one node's entries into l */

static int
ctl_fq_node(redisContext *c, const char *node, struct ctl_fq *l)
{
	struct fleet_beat b;
	struct fleet_qent e;
	struct buf	*why = buf_new(64);
	redisReply	*r, *f, *v;
	char		 key[FLEET_KEY_MAX];
	size_t		 i;
	int		 up;

	up = ctl_fq_beat(c, node, &b);
	(void)json_array_append_new(l->nodes, json_pack("{s:s, s:s, s:s}",
	    "node", node, "state", up ? "up" : "down", "control",
	    b.control));
	fleet_key_quar(node, key, sizeof(key));
	r = redisCommand(c, "HGETALL %s", key);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		(void)fprintf(stderr, "winnowctl quarantine: %s: %s\n", key,
		    r == NULL ? c->errstr : r->type == REDIS_REPLY_ERROR ?
		    r->str : "not a hash");
		if (r != NULL)
			freeReplyObject(r);
		buf_free(why);
		return (r == NULL ? -1 : 0);
	}
	for (i = 0; i + 1 < r->elements; i += 2) {
		f = r->element[i];
		v = r->element[i + 1];
		buf_reset(why);
		if (f->type != REDIS_REPLY_STRING || v->type !=
		    REDIS_REPLY_STRING || fleet_qent_parse(f->str, f->len,
		    v->str, v->len, &e, why) < 0) {
			buf_printf(l->skipped, "%s%s: %s", buf_len(l->skipped) ?
			    "; " : "", node, buf_len(why) ? buf_str(why) :
			    "not a string");
			fleet_qent_free(&e);
			continue;
		}
		if (ctl_fq_match(l, &e))
			(void)json_array_append_new(l->all, json_pack("{s:s, "
			    "s:s, s:I, s:s, s:s, s:I, s:I, s:o, s:s, s:s, "
			    "s:b}", "node", node, "id", e.id, "time",
			    (json_int_t)e.time, "sender", e.from, "subject",
			    e.subject, "size", (json_int_t)e.size, "releases",
			    (json_int_t)e.releases, "recipients",
			    ctl_fq_rcpts(&e), "status", e.status, "upstream",
			    e.upstream, "available", up));
		fleet_qent_free(&e);
	}
	freeReplyObject(r);
	buf_free(why);
	return (0);
}

/* ctl_fq_cmp - oldest first, then by node and id */

static int
ctl_fq_cmp(const void *a, const void *b)
{
	json_t * const	*x = a, * const *y = b;
	json_int_t	 s = json_integer_value(json_object_get(*x, "time"));
	json_int_t	 t = json_integer_value(json_object_get(*y, "time"));
	int		 c;

	if (s != t)
		return (s < t ? -1 : 1);
	if ((c = strcmp(json_string_value(json_object_get(*x, "node")),
	    json_string_value(json_object_get(*y, "node")))) != 0)
		return (c);
	return (strcmp(json_string_value(json_object_get(*x, "id")),
	    json_string_value(json_object_get(*y, "id"))));
}

/* ctl_fq_line - one entry as "list --fleet" prints it */

static void
ctl_fq_line(json_t *e)
{
	struct buf	*b = buf_new(128);
	time_t		 t = (time_t)json_integer_value(json_object_get(e,
			    "time"));
	const char	*up = json_string_value(json_object_get(e, "upstream"));
	struct tm	 tm;
	char		 date[64];
	json_t		*x;
	size_t		 i;

	(void)localtime_r(&t, &tm);
	(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	(void)printf("%-12s %-18s %s  <%s> ->", json_string_value(
	    json_object_get(e, "node")), json_string_value(json_object_get(e,
	    "id")), date, ctl_safe(b, json_string_value(json_object_get(e,
	    "sender"))));
	json_array_foreach(json_object_get(e, "recipients"), i, x)
		(void)printf(" %s", ctl_safe(b, json_string_value(
		    json_object_get(x, "address"))));
	/* One ctl_safe per printf: they share b. */
	(void)printf("  [%s]", ctl_safe(b, json_string_value(
	    json_object_get(e, "status"))));
	(void)printf("  \"%s\"", ctl_safe(b, json_string_value(
	    json_object_get(e, "subject"))));
	if (up != NULL && up[0] != '\0')
		(void)printf("  upstream=%s", ctl_safe(b, up));
	(void)printf("%s%s\n", json_integer_value(json_object_get(e,
	    "releases")) > 0 ? "  released" : "", json_is_true(
	    json_object_get(e, "available")) ? "" : "  unavailable");
	buf_free(b);
}

/* ctl_fquar_list - quarantine list --fleet [--json] [--status S]
 * [--released|--not-released] */

int
ctl_fquar_list(int argc, char **argv)
{
	struct ctl_fq	 l;
	struct buf	*why = buf_new(128);
	redisContext	*c;
	redisReply	*r = NULL;
	json_t		**v, *o;
	size_t		 i, n;
	int		 k, json = 0, rc = EX_OK;
	char		*s;

	memset(&l, 0, sizeof(l));
	l.released = -1;
	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			json = 1;
		else if (strcmp(argv[k], "--fleet") == 0)
			continue;
		else if (strcmp(argv[k], "--status") == 0 && k + 1 < argc)
			l.status = argv[++k];
		else if (strcmp(argv[k], "--released") == 0)
			l.released = 1;
		else if (strcmp(argv[k], "--not-released") == 0)
			l.released = 0;
		else {
			(void)fprintf(stderr, "winnowctl quarantine: list "
			    "--fleet takes --json, --status STATUS, "
			    "--released, --not-released, not \"%s\"\n",
			    argv[k]);
			buf_free(why);
			return (EX_USAGE);
		}
	}
	if ((c = ctl_fleet_open("quarantine")) == NULL) {
		buf_free(why);
		return (EX_UNAVAILABLE);
	}
	l.all = json_array();
	l.nodes = json_array();
	l.skipped = buf_new(64);
	r = redisCommand(c, "SORT %s ALPHA", FLEET_KEY_NODES);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n", r == NULL ?
		    c->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected answer");
		rc = EX_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    fleet_node_check(r->element[i]->str, why) == 0 &&
		    ctl_fq_node(c, r->element[i]->str, &l) < 0) {
			rc = EX_UNAVAILABLE;
			goto out;
		}
	n = json_array_size(l.all);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(l.all, i));
	qsort(v, n, sizeof(*v), ctl_fq_cmp);
	(void)json_array_clear(l.all);
	/* JSON newest first, as the API's list; text oldest first. */
	for (i = 0; i < n; i++) {
		if (json)
			(void)json_array_append_new(l.all, v[n - 1 - i]);
		else {
			ctl_fq_line(v[i]);
			json_decref(v[i]);
		}
	}
	free(v);
	if (json) {
		o = json_pack("{s:I, s:O, s:O, s:s, s:s}", "total",
		    (json_int_t)n, "entries", l.all, "nodes", l.nodes,
		    "skipped", buf_str(l.skipped), "self", fleet_node());
		s = json_dumps(o, JSON_INDENT(1) | JSON_COMPACT);
		(void)printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	if (buf_len(l.skipped) > 0)
		(void)fprintf(stderr, "winnowctl quarantine: skipped: %s\n",
		    buf_str(l.skipped));
out:
	if (r != NULL)
		freeReplyObject(r);
	json_decref(l.all);
	json_decref(l.nodes);
	buf_free(l.skipped);
	fleet_client_close(c);
	buf_free(why);
	return (rc);
}

/* The requests --node sends: CMD, the API's method and the path after
 * /api/v1/quarantine/ID, and whether it needs --raw (no command of its
 * own prints it). */
static const struct ctl_fq_verb {
	const char	*cmd;
	const char	*method;
	const char	*tail;
	int		 raw_only;
} ctl_fq_verbs[] = {
	{ "show", "GET", "", 0 },
	{ "release", "POST", "/release", 0 },
	{ "delete", "POST", "/delete", 0 },
	{ "learn", "POST", "/learn", 0 },
	{ "message", "GET", "/message", 1 },
	{ "explain", "POST", "/explain", 1 },
	{ NULL, NULL, NULL, 0 }
};

/* ctl_fq_verb - CMD's row; NULL when --node does not send it */

static const struct ctl_fq_verb *
ctl_fq_verb(const char *cmd)
{
	const struct ctl_fq_verb *v;

	for (v = ctl_fq_verbs; v->cmd != NULL; v++)
		if (strcmp(v->cmd, cmd) == 0)
			return (v);
	return (NULL);
}

/* ctl_fquar_request - the API request of argv (CMD ID [OPTIONS], without
 * --node and --raw): method, path and body (NULL, or the caller's to
 * json_decref); 0, or -1 with why */

int
ctl_fquar_request(int argc, char **argv, struct ctl_fq_request *q,
    struct buf *why)
{
	const struct ctl_fq_verb *v;
	const char	*to = NULL, *as = NULL;
	int		 k, force = 0;

	memset(q, 0, sizeof(*q));
	if (argc < 3 || (v = ctl_fq_verb(argv[1])) == NULL) {
		buf_printf(why, "one of show, release, delete, learn, "
		    "message and explain, and an ID");
		return (-1);
	}
	if (argv[2][0] == '\0' || strpbrk(argv[2], "/?#%") != NULL) {
		buf_printf(why, "\"%s\" is not an entry's ID", argv[2]);
		return (-1);
	}
	for (k = 3; k < argc; k++) {
		if (strcmp(v->cmd, "show") == 0 && (strcmp(argv[k],
		    "--message") == 0 || strcmp(argv[k], "--json") == 0))
			continue;	/* how it prints, not what it asks */
		if (strcmp(v->cmd, "delete") == 0 && argv[k][0] != '-') {
			q->more_ids++;	/* delete ID...: one request each */
			continue;
		}
		if (strcmp(v->cmd, "release") == 0 && strcmp(argv[k],
		    "--force") == 0)
			force = 1;
		else if (strcmp(v->cmd, "release") == 0 && strcmp(argv[k],
		    "--to") == 0 && k + 1 < argc)
			to = argv[++k];
		else if (strcmp(v->cmd, "learn") == 0 && (strcmp(argv[k],
		    "--spam") == 0 || strcmp(argv[k], "--ham") == 0) &&
		    (as == NULL || strcmp(as, argv[k] + 2) == 0))
			as = argv[k] + 2;
		else {
			buf_printf(why, "%s does not take \"%s\"", v->cmd,
			    argv[k]);
			return (-1);
		}
	}
	if (strcmp(v->cmd, "learn") == 0 && as == NULL) {
		buf_printf(why, "learn takes --spam or --ham");
		return (-1);
	}
	q->method = v->method;
	q->raw_only = v->raw_only;
	if ((size_t)snprintf(q->path, sizeof(q->path), "/api/v1/quarantine/"
	    "%s%s", argv[2], v->tail) >= sizeof(q->path)) {
		buf_printf(why, "the ID is too long");
		return (-1);
	}
	if (strcmp(v->cmd, "release") == 0) {
		q->body = json_pack("{s:b}", "force", force);
		if (to != NULL)
			(void)json_object_set_new(q->body, "to",
			    json_string(to));
	} else if (as != NULL)
		q->body = json_pack("{s:s}", "as", as);
	return (0);
}

/* ctl_fq_raw - a request of ID, its answer as the API gives it */

static int
ctl_fq_raw(const struct ctl_fq_request *q)
{
	return (ctl_remote_raw(q->method, q->path, q->body));
}

/* ctl_fquar_node - show/release/delete of an entry of node: -1 when node
 * is this one (the caller does it here), else sent to the node's control
 * API, printed as the local command would (raw: its JSON as it is) */

int
ctl_fquar_node(const char *node, int raw, int argc, char **argv)
{
	struct fleet_beat b;
	struct ctl_fq_request q;
	struct buf	*why = buf_new(128);
	char		 secret[SECRET_LEN + 1];
	redisContext	*c;
	int		 up, rc;

	if (strcmp(node, fleet_node()) == 0) {
		buf_free(why);
		return (-1);
	}
	if (fleet_node_check(node, why) < 0) {
		(void)fprintf(stderr, "winnowctl quarantine: --node: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_USAGE);
	}
	if (ctl_fquar_request(argc, argv, &q, why) < 0 || (q.raw_only &&
	    !raw) || (raw && q.more_ids > 0)) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_len(why) ? buf_str(why) : q.more_ids > 0 ? "--raw "
		    "deletes one ID" : "message and explain --node are the "
		    "control API's (--raw): the dashboard shows them");
		json_decref(q.body);
		buf_free(why);
		return (EX_USAGE);
	}
	if ((c = ctl_fleet_open("quarantine")) == NULL) {
		json_decref(q.body);
		rc = EX_TEMPFAIL;
		goto out;
	}
	up = ctl_fq_beat(c, node, &b);
	fleet_client_close(c);
	if (!up) {
		if (b.time_ms == 0)
			(void)fprintf(stderr, "winnowctl quarantine: node %s "
			    "is unavailable (no heartbeat): try again when it "
			    "is back\n", node);
		else
			(void)fprintf(stderr, "winnowctl quarantine: node %s "
			    "is unavailable (last heartbeat %llds ago): try "
			    "again when it is back\n", node, (long long)
			    ((time_wall_ms() - b.time_ms) / 1000));
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (b.control[0] == '\0') {
		(void)fprintf(stderr, "winnowctl quarantine: node %s says no "
		    "control address ([fleet] control_url there)\n", node);
		rc = EX_CONFIG;
		goto out;
	}
	if (fleet_conf.secret_file[0] == '\0' || secret_read(
	    fleet_conf.secret_file, secret, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl quarantine: the fleet secret "
		    "([fleet] secret_file): %s\n", buf_len(why) ?
		    buf_str(why) : "not set");
		rc = EX_CONFIG;
		goto out;
	}
	ctl_url = b.control;
	ctl_token = secret;
	ctl_from_node = fleet_node();
	rc = raw ? ctl_fq_raw(&q) : ctl_remote_main("quarantine", argc,
	    argv);
	ctl_token = NULL;
	ctl_from_node = NULL;
out:
	explicit_bzero(secret, sizeof(secret));
	json_decref(q.body);
	buf_free(why);
	return (rc);
}
