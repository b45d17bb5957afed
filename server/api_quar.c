/*
 * api_quar.c - the control API's quarantine, scan and learn routes
 *
 *   GET  /api/v1/quarantine          entries, newest first: ?status=
 *                                    &q= (sender, recipient, subject, id)
 *                                    &released=yes|no &n= (default 500);
 *                                    ?fleet=1: every node's, from the
 *                                    fleet's index (status and released
 *                                    filters only), each with its node
 *                                    (a node in no fleet: its own)
 *   GET  /api/v1/quarantine/ID       its info file, and its header block
 *   GET  /api/v1/quarantine/ID/message  the message as text/plain
 *   POST /api/v1/quarantine/ID/release  {"to": "a@b, ..", "force": true}
 *   POST /api/v1/quarantine/ID/delete
 *   POST /api/v1/quarantine/ID/learn    {"as": "spam"|"ham"}
 *   POST /api/v1/quarantine/ID/explain  the scan of the stored message
 *                                    with its envelope: why, and its text
 *   POST /api/v1/scan                {"message", "sender", "recipients",
 *                                    "client", "helo"}: scan.c
 *   POST /api/v1/learn               {"as": "spam"|"ham", "message"}
 *
 * A release and learning run winnowctl (ctljob.c), the very code of
 * "winnowctl quarantine release" and "winnowctl learn", so the API and
 * the command line cannot differ: a release holds the entry's lock from
 * the check to the record (two releases send once), learning locks the
 * model.  Every state change is logged with who asked (an audit trail).
 * IDs from the path are checked (quar_id_ok) before they name a file.
 *
 * In a fleet, show, message, release, delete, learn and explain take
 * ?node=NODE: an entry of another node is sent to that node's control
 * API by winnowctl quarantine --node (ctl/ctl_fquar.c, with the fleet
 * secret), which answers as if asked here - the message its bytes, learn
 * its model (which the fleet's shared learning then brings to the
 * others), explain the scan of its stored message - and logs the change
 * as asked by that fleet node (by the name its winnowctl sends in
 * X-Winnow-Node); a node that is down is 503 naming it.  The
 * message comes back as it is (ctljob_body), up to [server]
 * message_size_limit and 64 KiB more; a larger one is a 502.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* spool */
#include "quar.h"

/* fleet */
#include "fleet_conf.h"

/* policy */
#include "policy.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "sjson.h"

/* server */
#include "api_private.h"
#include "control.h"

#define API_QUAR_LIST_MAX	500
#define API_HEADER_MAX		65536
#define API_MESSAGE_SLACK	65536	/* another node's message, past the
					 * size limit: its added header */

static const char *const api_auth_names[] = {
	"nobody", "a unix-socket peer", "the bearer token",
	"a dashboard session", "a fleet node"
};

/* api_asker - who asked, for the audit trail: how the request was
 * authenticated and from where; a fleet node also by the name its
 * winnowctl sends (X-Winnow-Node, ctl/ctl_remote.c), when it is one.
 * The name is what the holder of the fleet secret says it is. */

static const char *
api_asker(const struct control_req *r, char *out, size_t size)
{
	const char	*node = control_header(r, "X-Winnow-Node");
	struct buf	*why = buf_new(64);

	if (r->auth == CONTROL_AUTH_FLEET && node != NULL &&
	    fleet_node_check(node, why) == 0)
		(void)snprintf(out, size, "fleet node %s (%s)", node, r->peer);
	else
		(void)snprintf(out, size, "%s (%s)", api_auth_names[r->auth],
		    r->peer);
	buf_free(why);
	return (out);
}

/* api_argv - a NULL-terminated copy of the arguments */

char **
api_argv(const char *first, ...)
{
	const char	*s;
	char		**v = xcalloc(24, sizeof(*v));
	size_t		 n = 0;
	va_list		 ap;

	va_start(ap, first);
	for (s = first; s != NULL && n < 23; s = va_arg(ap, const char *))
		v[n++] = xstrdup(s);
	va_end(ap);
	return (v);
}

/* api_argv_add - one more argument */

char **
api_argv_add(char **v, const char *s)
{
	size_t	 n = 0;

	while (v[n] != NULL)
		n++;
	if (n < 23)
		v[n] = xstrdup(s);
	return (v);
}

/* api_ctl - winnowctl [-c CONFIG] with its first arguments */

char **
api_ctl(void)
{
	char	**v = api_argv(control_winnowctl(), NULL);

	if (control_config() != NULL) {
		v = api_argv_add(v, "-c");
		v = api_argv_add(v, control_config());
	}
	return (v);
}

/* api_quar_id - the path's entry id; NULL after a 400 */

static const char *
api_quar_id(struct control_req *r)
{
	if (!quar_id_ok(r->arg)) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "not a quarantine id");
		return (NULL);
	}
	return (r->arg);
}

static int	api_release_map(int);

/* api_fleet_map - winnowctl quarantine --node's exit status as HTTP: as
 * a local one (75: the node is down, or Redis away), but a failure with
 * no meaning of its own is the other node's (502), and a configuration
 * that cannot be read is ours (500) */

static int
api_fleet_map(int ex)
{
	switch (ex) {
	case EX_OK:
	case EX_USAGE:
	case EX_DATAERR:
	case EX_NOINPUT:
	case EX_TEMPFAIL:
		return (api_release_map(ex));
	case EX_CONFIG:
		return (MHD_HTTP_INTERNAL_SERVER_ERROR);
	default:
		return (MHD_HTTP_BAD_GATEWAY);
	}
}

/* api_quar_opts - winnowctl quarantine CMD's options for what a body
 * asks of a release (to, force) or of learning (as), after argv */

static char **
api_quar_opts(char **argv, const char *cmd, json_t *body)
{
	const char	*to, *as;

	if (body == NULL)
		return (argv);
	if (strcmp(cmd, "learn") == 0) {
		if ((as = json_string_value(json_object_get(body, "as"))) !=
		    NULL && (strcmp(as, "spam") == 0 || strcmp(as, "ham") ==
		    0))
			argv = api_argv_add(argv, strcmp(as, "spam") == 0 ?
			    "--spam" : "--ham");
		return (argv);
	}
	if (strcmp(cmd, "release") != 0)
		return (argv);
	if ((to = json_string_value(json_object_get(body, "to"))) != NULL &&
	    to[0] != '\0') {
		argv = api_argv_add(argv, "--to");
		argv = api_argv_add(argv, to);
	}
	if (json_is_true(json_object_get(body, "force")))
		argv = api_argv_add(argv, "--force");
	return (argv);
}

/* api_quar_node_argv - winnowctl quarantine CMD ID --node NODE --raw,
 * with what body asks of a release (to, force) or of learning (as) */

char **
api_quar_node_argv(char **argv, const char *cmd, const char *id,
    const char *node, json_t *body)
{
	argv = api_argv_add(argv, "quarantine");
	argv = api_argv_add(argv, cmd);
	argv = api_argv_add(argv, id);
	argv = api_argv_add(argv, "--node");
	argv = api_argv_add(argv, node);
	argv = api_argv_add(argv, "--raw");
	return (api_quar_opts(argv, cmd, body));
}

/* api_quar_elsewhere - ?node=NODE of another node: the request is sent
 * there (winnowctl quarantine --node NODE --raw CMD ID ...) and 1 is
 * returned; 0 when the entry is ours.  A change (not show, message or
 * explain) is logged here too, with who asked. */

static int
api_quar_elsewhere(struct control_req *r, const char *cmd, const char *id,
    json_t *body)
{
	const char	*node = control_arg(r, "node");
	char		**argv, who[160];

	if (node == NULL || node[0] == '\0' || !fleet_conf_on() ||
	    strcmp(node, fleet_node()) == 0)
		return (0);
	if (r->auth == CONTROL_AUTH_FLEET) {
		/* Another node sends only what is ours: no relaying. */
		api_error(r, MHD_HTTP_BAD_REQUEST, "this node is not that "
		    "node");
		return (1);
	}
	argv = api_quar_node_argv(api_fleet_ctl(), cmd, id, node, body);
	if (strcmp(cmd, "release") == 0 || strcmp(cmd, "delete") == 0 ||
	    strcmp(cmd, "learn") == 0)
		log_notice("control: quarantine %s of %s on node %s asked by "
		    "%s", cmd, id, node, api_asker(r, who, sizeof(who)));
	if (strcmp(cmd, "message") == 0)
		api_fleet_body(r, argv, api_fleet_map,
		    "text/plain; charset=utf-8", smtp_conf.message_size_limit +
		    API_MESSAGE_SLACK);
	else
		api_fleet_json(r, argv, api_fleet_map);
	return (1);
}

/* api_quar_read - an entry's info; NULL after a 404 or 500 */

static struct quar_info *
api_quar_read(struct control_req *r, const char *id)
{
	struct quar_info *qi = NULL;
	struct buf	*why = buf_new(128);
	int		 rc;

	rc = quar_read(policy_conf.quarantine_dir, id, &qi, why);
	if (rc != WN_OK)
		api_error(r, rc == WN_PERM ? MHD_HTTP_NOT_FOUND :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, buf_str(why));
	buf_free(why);
	return (rc == WN_OK ? qi : NULL);
}

/* api_quar_summary - what the list shows of an entry */

static json_t *
api_quar_summary(const struct quar_info *qi)
{
	json_t	*j, *rc = json_array();
	size_t	 i;

	for (i = 0; i < qi->nrcpts; i++)
		(void)json_array_append_new(rc, json_pack("{s:o, s:o, s:o, "
		    "s:o, s:o}", "address", sjson_str(qi->rcpts[i].addr),
		    "group", sjson_str(qi->rcpts[i].group ? qi->rcpts[i].group :
		    ""), "spam", sjson_str(qi->rcpts[i].spam ?
		    qi->rcpts[i].spam : ""), "av", sjson_str(qi->rcpts[i].av ?
		    qi->rcpts[i].av : ""), "action", sjson_str(
		    qi->rcpts[i].action ? qi->rcpts[i].action : "")));
	j = json_pack("{s:s, s:I, s:o, s:o, s:o, s:I, s:o, s:I}", "id", qi->id,
	    "time", (json_int_t)qi->time, "sender", sjson_str(qi->sender),
	    "subject", sjson_str(qi->subject ? qi->subject : ""),
	    "client", sjson_str(qi->client_addr ? qi->client_addr : ""),
	    "size", (json_int_t)qi->size, "recipients", rc,
	    "releases", (json_int_t)qi->nreleases);
	if (qi->nreleases > 0)
		(void)json_object_set_new(j, "released_to",
		    sjson_str(qi->released_to ? qi->released_to : ""));
	return (j);
}

struct api_qlist {
	json_t		*all;
	const char	*status, *q;
	int		 released;	/* -1 any */
};

/* api_qlist_add - one entry, when it matches */

static void
api_qlist_add(const struct quar_info *qi, void *arg)
{
	struct api_qlist *l = arg;
	size_t		 i;
	int		 hit;

	if (l->released >= 0 && (qi->nreleases > 0) != l->released)
		return;
	if (l->status != NULL) {
		for (i = 0, hit = 0; i < qi->nrcpts && !hit; i++)
			hit = (qi->rcpts[i].spam && strcasecmp(
			    qi->rcpts[i].spam, l->status) == 0) ||
			    (qi->rcpts[i].av && strcasecmp(qi->rcpts[i].av,
			    l->status) == 0);
		if (!hit)
			return;
	}
	if (l->q != NULL) {
		hit = strcasestr(qi->sender, l->q) != NULL ||
		    strcasestr(qi->id, l->q) != NULL || (qi->subject &&
		    strcasestr(qi->subject, l->q) != NULL);
		for (i = 0; i < qi->nrcpts && !hit; i++)
			hit = strcasestr(qi->rcpts[i].addr, l->q) != NULL;
		if (!hit)
			return;
	}
	(void)json_array_insert_new(l->all, 0, api_quar_summary(qi));
}

/* api_quar_fleet - GET /api/v1/quarantine?fleet=1: every node's entries
 * from the fleet's index (winnowctl quarantine list --fleet --json), each
 * with "node" and "available" */

static void
api_quar_fleet(struct control_req *r, const struct api_qlist *l)
{
	char	**argv;

	argv = api_fleet_ctl();
	argv = api_argv_add(argv, "quarantine");
	argv = api_argv_add(argv, "list");
	argv = api_argv_add(argv, "--fleet");
	argv = api_argv_add(argv, "--json");
	if (l->status != NULL) {
		argv = api_argv_add(argv, "--status");
		argv = api_argv_add(argv, l->status);
	}
	if (l->released >= 0)
		argv = api_argv_add(argv, l->released ? "--released" :
		    "--not-released");
	api_fleet_json(r, argv, api_fleet_map);
}

/* api_quar_list - GET /api/v1/quarantine */

void
api_quar_list(struct control_req *r)
{
	struct api_qlist l;
	struct buf	*why = buf_new(128);
	const char	*rel = control_arg(r, "released");
	const char	*n = control_arg(r, "n");
	long		 max = n != NULL ? atol(n) : API_QUAR_LIST_MAX;
	size_t		 total;

	memset(&l, 0, sizeof(l));
	l.all = json_array();
	l.status = control_arg(r, "status");
	if (l.status != NULL && l.status[0] == '\0')
		l.status = NULL;
	l.q = control_arg(r, "q");
	if (l.q != NULL && l.q[0] == '\0')
		l.q = NULL;
	l.released = rel == NULL || rel[0] == '\0' ? -1 :
	    strcmp(rel, "yes") == 0;
	if (max < 1)
		max = API_QUAR_LIST_MAX;
	if (fleet_conf_on() && control_arg(r, "fleet") != NULL &&
	    strcmp(control_arg(r, "fleet"), "1") == 0) {
		api_quar_fleet(r, &l);
		json_decref(l.all);
		buf_free(why);
		return;
	}
	if (quar_each(policy_conf.quarantine_dir, api_qlist_add, &l, why) !=
	    WN_OK) {
		json_decref(l.all);
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, buf_str(why));
		buf_free(why);
		return;
	}
	total = json_array_size(l.all);
	while (json_array_size(l.all) > (size_t)max)
		(void)json_array_remove(l.all, json_array_size(l.all) - 1);
	api_json(r, json_pack("{s:I, s:o, s:o}", "total", (json_int_t)total,
	    "entries", l.all, "skipped", sjson_str(buf_str(why))));
	buf_free(why);
}

/* api_quar_show - GET /api/v1/quarantine/ID: the info and the header */

void
api_quar_show(struct control_req *r)
{
	struct quar_info *qi;
	struct buf	*why;
	const char	*id;
	char		*data;
	size_t		 len, hlen;
	json_t		*j, *info;

	if ((id = api_quar_id(r)) == NULL ||
	    api_quar_elsewhere(r, "show", id, NULL) ||
	    (qi = api_quar_read(r, id)) == NULL)
		return;
	info = json_loads(qi->json, 0, NULL);
	j = api_quar_summary(qi);
	if (info != NULL) {
		(void)json_object_set(j, "findings",
		    json_object_get(info, "findings"));
		(void)json_object_set(j, "info", info);
		json_decref(info);
	}
	why = buf_new(128);
	if (quar_message(policy_conf.quarantine_dir, id, &data, &len, why) ==
	    WN_OK) {
		hlen = mailhdr_len(data, len);
		if (hlen > API_HEADER_MAX)
			hlen = API_HEADER_MAX;
		/* Text only: JSON carries it, the dashboard shows it as
		 * text; bytes that are not UTF-8 become U+FFFD there. */
		(void)json_object_set_new(j, "headers",
		    json_stringn_nocheck(data, hlen));
		(void)json_object_set_new(j, "message_size",
		    json_integer((json_int_t)len));
		free(data);
	}
	quar_info_free(qi);
	buf_free(why);
	api_json(r, j);
}

/* api_quar_message - GET /api/v1/quarantine/ID/message: the raw message,
 * as text/plain (never as HTML: nosniff and the CSP stand guard) */

void
api_quar_message(struct control_req *r)
{
	struct buf	*why;
	const char	*id;
	char		*data;
	size_t		 len;

	if ((id = api_quar_id(r)) == NULL ||
	    api_quar_elsewhere(r, "message", id, NULL))
		return;
	why = buf_new(128);
	if (quar_message(policy_conf.quarantine_dir, id, &data, &len, why) !=
	    WN_OK) {
		api_error(r, MHD_HTTP_NOT_FOUND, buf_str(why));
		buf_free(why);
		return;
	}
	buf_reset(r->body);
	buf_append(r->body, data, len);
	r->type = "text/plain; charset=utf-8";
	free(data);
	buf_free(why);
}

/* api_release_map - winnowctl quarantine's exit status as HTTP */

static int
api_release_map(int ex)
{
	switch (ex) {
	case EX_OK:
		return (MHD_HTTP_OK);
	case EX_USAGE:
		return (MHD_HTTP_BAD_REQUEST);
	case EX_DATAERR:
		return (MHD_HTTP_CONFLICT);	/* released already */
	case EX_NOINPUT:
		return (MHD_HTTP_NOT_FOUND);
	case EX_TEMPFAIL:
		return (MHD_HTTP_SERVICE_UNAVAILABLE);
	default:
		return (MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
}

/* api_quar_release - POST /api/v1/quarantine/ID/release */

void
api_quar_release(struct control_req *r)
{
	struct quar_info *qi;
	const char	*id;
	char		**argv, who[160];
	json_t		*j;

	if ((id = api_quar_id(r)) == NULL || (j = api_body(r)) == NULL)
		return;
	if (api_quar_elsewhere(r, "release", id, j) ||
	    (qi = api_quar_read(r, id)) == NULL) {
		json_decref(j);
		return;
	}
	quar_info_free(qi);
	argv = api_ctl();
	argv = api_argv_add(argv, "quarantine");
	argv = api_argv_add(argv, "--dir");
	argv = api_argv_add(argv, policy_conf.quarantine_dir);
	argv = api_argv_add(argv, "release");
	argv = api_argv_add(argv, id);
	argv = api_quar_opts(argv, "release", j);
	json_decref(j);
	log_notice("control: quarantine release of %s asked by %s", id,
	    api_asker(r, who, sizeof(who)));
	ctljob_command(r, argv, NULL, 0, NULL, api_release_map);
}

/* api_quar_delete - POST /api/v1/quarantine/ID/delete */

void
api_quar_delete(struct control_req *r)
{
	struct buf	*why;
	const char	*id;
	char		 who[160];
	int		 rc;

	if ((id = api_quar_id(r)) == NULL ||
	    api_quar_elsewhere(r, "delete", id, NULL))
		return;
	why = buf_new(128);
	rc = quar_delete(policy_conf.quarantine_dir, id, why);
	if (rc != WN_OK) {
		api_error(r, rc == WN_PERM ? MHD_HTTP_NOT_FOUND :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, buf_str(why));
	} else {
		log_notice("control: quarantine entry %s deleted by %s",
		    id, api_asker(r, who, sizeof(who)));
		api_json(r, json_pack("{s:s}", "deleted", id));
	}
	buf_free(why);
}

/* api_learn_as - "spam" or "ham" from the body; NULL after a 400 */

static const char *
api_learn_as(struct control_req *r, json_t *j)
{
	const char	*as = json_string_value(json_object_get(j, "as"));

	if (as == NULL || (strcmp(as, "spam") != 0 && strcmp(as, "ham") !=
	    0)) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "\"as\": \"spam\" or "
		    "\"ham\"");
		return (NULL);
	}
	return (strcmp(as, "spam") == 0 ? "--spam" : "--ham");
}

/* api_learn_file - winnowctl learn on a file */

static void
api_learn_file(struct control_req *r, const char *as, const char *path,
    const char *tmp)
{
	char	**argv = api_ctl();

	argv = api_argv_add(argv, "learn");
	argv = api_argv_add(argv, as);
	argv = api_argv_add(argv, "-q");
	argv = api_argv_add(argv, path);
	ctljob_command(r, argv, NULL, 0, tmp, NULL);
}

/* api_quar_learn - POST /api/v1/quarantine/ID/learn */

void
api_quar_learn(struct control_req *r)
{
	struct quar_info *qi;
	const char	*id, *as;
	char		 path[4096], who[160];
	json_t		*j;

	if ((id = api_quar_id(r)) == NULL || (j = api_body(r)) == NULL)
		return;
	if ((as = api_learn_as(r, j)) == NULL ||
	    api_quar_elsewhere(r, "learn", id, j) ||
	    (qi = api_quar_read(r, id)) == NULL) {
		json_decref(j);
		return;
	}
	quar_info_free(qi);
	(void)snprintf(path, sizeof(path), "%s/%s.eml",
	    policy_conf.quarantine_dir, id);
	log_notice("control: learning quarantine entry %s as %s, asked by %s",
	    id, as + 2, api_asker(r, who, sizeof(who)));
	api_learn_file(r, as, path, NULL);
	json_decref(j);
}

/* api_learn - POST /api/v1/learn {"as", "message"} */

void
api_learn(struct control_req *r)
{
	const char	*as, *msg;
	char		 path[4096], who[160];
	json_t		*j;
	size_t		 len, off = 0;
	ssize_t		 n;
	int		 fd;

	if ((j = api_body(r)) == NULL)
		return;
	if ((as = api_learn_as(r, j)) == NULL)
		goto out;
	if ((msg = json_string_value(json_object_get(j, "message"))) == NULL ||
	    (len = json_string_length(json_object_get(j, "message"))) == 0) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "\"message\": the message "
		    "to learn, as text");
		goto out;
	}
	(void)snprintf(path, sizeof(path), "%s/control-learn-XXXXXX",
	    smtp_conf.spool_dir);
	if ((fd = mkstemp(path)) < 0) {
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(errno));
		goto out;
	}
	while (off < len && (n = write(fd, msg + off, len - off)) > 0)
		off += (size_t)n;
	(void)close(fd);
	if (off < len) {
		(void)unlink(path);
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write "
		    "the message to the spool directory");
		goto out;
	}
	log_notice("control: learning a posted message as %s, asked by %s",
	    as + 2, api_asker(r, who, sizeof(who)));
	api_learn_file(r, as, path, path);
out:
	json_decref(j);
}

/* api_scan - POST /api/v1/scan */

void
api_scan(struct control_req *r)
{
	json_t	*j;

	if ((j = api_body(r)) == NULL)
		return;
	if (!json_is_string(json_object_get(j, "message"))) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "\"message\": the message "
		    "to scan, as text");
		json_decref(j);
		return;
	}
	ctljob_scan(r, j);
	json_decref(j);
}

/* api_quar_explain - POST /api/v1/quarantine/ID/explain: the stored
 * message scanned again with its envelope */

void
api_quar_explain(struct control_req *r)
{
	struct quar_info *qi;
	struct buf	*why;
	const char	*id;
	char		*data;
	size_t		 len, i;
	json_t		*j, *rc;

	if ((id = api_quar_id(r)) == NULL ||
	    api_quar_elsewhere(r, "explain", id, NULL) ||
	    (qi = api_quar_read(r, id)) == NULL)
		return;
	why = buf_new(128);
	if (quar_message(policy_conf.quarantine_dir, id, &data, &len, why) !=
	    WN_OK) {
		api_error(r, MHD_HTTP_NOT_FOUND, buf_str(why));
		quar_info_free(qi);
		buf_free(why);
		return;
	}
	rc = json_array();
	for (i = 0; i < qi->nrcpts; i++)
		(void)json_array_append_new(rc, json_string(
		    qi->rcpts[i].addr));
	j = json_pack("{s:o, s:o, s:o, s:s}", "message",
	    json_stringn_nocheck(data, len), "sender", sjson_str(qi->sender),
	    "recipients", rc, "client", qi->client_addr ? qi->client_addr :
	    "127.0.0.1");
	if (qi->helo != NULL)
		(void)json_object_set_new(j, "helo", sjson_str(qi->helo));
	ctljob_scan(r, j);
	json_decref(j);
	free(data);
	quar_info_free(qi);
	buf_free(why);
}
