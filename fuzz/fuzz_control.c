/*
 * fuzz_control.c - the control API's handling of a request
 *
 * The input is one request as libmicrohttpd hands it to us, its fields
 * separated by NUL bytes: method, path, then name/value pairs of headers
 * ("H:Host"), query arguments ("Q:n") and cookies ("C:winnow_session")
 * until an empty name, then the body.  It goes through api_dispatch as a
 * request does: the Host check, the credential (the input may carry the
 * right bearer token, "SECRET" standing for it, or the fleet secret,
 * "FLEET" standing for it, with any X-Winnow-Node), the route table with its
 * "*" segments, the CSRF guard and the handlers with their JSON bodies.
 * Jobs (a scan, a release) answer 503 here instead of starting, and the
 * quarantine is a directory of our own holding one entry, AB12, put back
 * before every input (a delete takes it).  Every answer must be a
 * known HTTP status with a body, and JSON ones must parse.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "control.h"
#include "fleet_conf.h"
#include "fleet_conf.h"
#include "live.h"
#include "policy.h"
#include "quar.h"
#include "secret.h"
#include "server.h"
#include "smtp_conf.h"
#include "xalloc.h"

#define FIELDS	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static char	 secret[SECRET_LEN + 1], fleet_secret[SECRET_LEN + 1];

/* LLVMFuzzerInitialize - a configuration, a live file, a secret */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char		 dir[] = "/tmp/fuzz_control.XXXXXX", path[256];
	struct buf	*why = buf_new(64);

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	server_register_all();
	if (conf_load(NULL, why) != 0)
		abort();
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(dir);
	(void)snprintf(path, sizeof(path), "%s/q", dir);
	free(policy_conf.quarantine_dir);
	policy_conf.quarantine_dir = xstrdup(path);
	(void)snprintf(path, sizeof(path), "%s/secret", dir);
	free(control_conf.secret_file);
	control_conf.secret_file = xstrdup(path);
	secret_make(secret);
	if (secret_write(path, secret, (gid_t)-1, why) != 0)
		abort();
	/* a fleet (never reached: its jobs answer 503 here) and its
	 * secret, so another node's requests take their own path */
	(void)snprintf(path, sizeof(path), "%s/fleet-secret", dir);
	free(fleet_conf.secret_file);
	fleet_conf.secret_file = xstrdup(path);
	secret_make(fleet_secret);
	if (secret_write(path, fleet_secret, (gid_t)-1, why) != 0)
		abort();
	free(fleet_conf.redis);
	fleet_conf.redis = xstrdup("redis://127.0.0.1:1");
	/* a fleet (never reached: its jobs answer 503 here) and its
	 * secret, so another node's requests take their own path */
	(void)snprintf(path, sizeof(path), "%s/fleet-secret", dir);
	free(fleet_conf.secret_file);
	fleet_conf.secret_file = xstrdup(path);
	secret_make(fleet_secret);
	if (secret_write(path, fleet_secret, (gid_t)-1, why) != 0)
		abort();
	free(fleet_conf.redis);
	fleet_conf.redis = xstrdup("redis://127.0.0.1:1");
	server_live = live_create(NULL, 16, (gid_t)-1, why);
	ctljob_disabled = 1;
	buf_free(why);
	return (0);
}

/* fz_entry - the quarantine's one entry, AB12, there */

static void
fz_entry(void)
{
	static char	 addr[] = "r@example.com", group[] = "All",
			 spam[] = "spam", action[] = "quarantine";
	static const char msg[] = "From: a@example.org\r\nTo: r@example.com"
	    "\r\nSubject: held\r\n\r\nheld\r\n";
	struct quar_rcpt rc = { addr, group, spam, NULL, action };
	struct quar_info qi, *got;
	struct buf	*why = buf_new(64);
	char		 id[] = "AB12", empty[] = "", sender[] = "a@example.org";

	if (quar_read(policy_conf.quarantine_dir, id, &got, why) == WN_OK) {
		quar_info_free(got);
		buf_free(why);
		return;
	}
	memset(&qi, 0, sizeof(qi));
	qi.id = xstrdup(id);		/* quar_store may rename it */
	qi.queue_id = id;
	qi.time = 1;
	qi.client_name = empty;
	qi.helo = empty;
	qi.sender = sender;
	qi.subject = empty;
	qi.size = sizeof(msg) - 1;
	qi.rcpts = &rc;
	qi.nrcpts = 1;
	buf_reset(why);
	if (quar_store(policy_conf.quarantine_dir, &qi, msg, sizeof(msg) - 1,
	    why) != WN_OK)
		abort();
	free(qi.id);
	buf_free(why);
}

/* next - the next NUL-terminated field, or NULL at the end */

static const char *
next(char **p, char *end)
{
	char	*s = *p;

	if (s >= end)
		return (NULL);
	*p = s + strlen(s) + 1;
	return (s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct control_req r;
	const char	*fake[FIELDS + 2], *m, *path, *name, *val;
	char		*in = malloc(len + 1), *p = in, *end = in + len, *auth;
	json_t		*j;
	size_t		 n = 0;

	fz_entry();
	memcpy(in, data, len);
	in[len] = '\0';
	m = next(&p, end);
	path = next(&p, end);
	if (m == NULL || path == NULL) {
		free(in);
		return (0);
	}
	auth = NULL;
	while ((name = next(&p, end)) != NULL && name[0] != '\0' &&
	    (val = next(&p, end)) != NULL && n < FIELDS) {
		if ((strcmp(val, "SECRET") == 0 || strcmp(val, "FLEET") ==
		    0) && auth == NULL) {
			auth = malloc(SECRET_LEN + 8);
			(void)snprintf(auth, SECRET_LEN + 8, "Bearer %s",
			    val[0] == 'S' ? secret : fleet_secret);
			val = auth;
		} else if (strcmp(val, "SECRET") == 0 || strcmp(val,
		    "FLEET") == 0)
			val = auth;	/* the first one's, once made */
		fake[n++] = name;
		fake[n++] = val;
	}
	fake[n] = NULL;
	memset(&r, 0, sizeof(r));
	r.fake = fake;
	r.method = m;
	r.path = path;
	(void)snprintf(r.peer, sizeof(r.peer), "127.0.0.1");
	r.in = buf_new(64);
	if (p < end)
		buf_append(r.in, p, (size_t)(end - p));
	r.body = buf_new(256);
	r.status = 200;
	r.type = "application/json";
	api_dispatch(&r);
	if (r.status < 200 || r.status > 599 || r.type == NULL)
		abort();
	if (strcmp(r.type, "application/json") == 0) {
		j = json_loadb(r.body->data, buf_len(r.body), 0, NULL);
		if (j == NULL)
			abort();
		json_decref(j);
	}
	buf_free(r.in);
	buf_free(r.body);
	free(auth);
	free(in);
	return (0);
}
