/*
 * ctlauth.c - who may use the control API
 *
 * Every request but /metrics (when [control] public_metrics) and the
 * dashboard's static files needs one of:
 *
 *   peer     a unix-socket peer whose SO_PEERCRED is root, our user or
 *            our group (or has our group among its SO_PEERGROUPS), as
 *            Postfix trusts its group-protected local sockets;
 *   token    "Authorization: Bearer SECRET", the per-install secret of
 *            [control] secret_file (lib/secret.h), compared in constant
 *            time; re-read when the file changes (winnowctl
 *            control-secret --rotate), which also ends every session;
 *   fleet    "Authorization: Bearer SECRET" with the fleet secret of
 *            [fleet] secret_file (the same file on every node): another
 *            node sending show, release or delete of one of our
 *            quarantine entries (api.c's API_FLEET routes, nothing else);
 *   cookie   the dashboard's session: POST /api/v1/login with the secret
 *            sets "winnow_session", HttpOnly and SameSite=Strict, valid
 *            for [control] session_lifetime.
 *
 * Loopback is not a credential (a reverse proxy on the host would make it
 * one for the world).  Requests whose Host: is not localhost, a loopback
 * address or one of allowed_hosts are refused: a browser that was made to
 * resolve evil.example to 127.0.0.1 (DNS rebinding) says evil.example.
 *
 * State changes are POST only, with Content-Type application/json (an HTML
 * form cannot send that), an Origin, if any, that is our own Host, and for
 * a session its CSRF token in X-CSRF-Token (a synchroniser token, OWASP).
 *
 * Sessions outlive the control process (a reload restarts it): they are
 * kept in the control process's directory, [stats] dir/monitor/sessions
 * (0600, the children's user), rewritten at each login and logout.
 *
 * A client (by address) that fails [control] login_failures times in a
 * minute - a wrong secret at login or in a token - gets 429 until the
 * minute is over, and each failure is logged.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "secret.h"
#include "status.h"
#include "timeutil.h"

/* fleet */
#include "fleet_conf.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "sjson.h"
#include "stats_conf.h"

/* server */
#include "control.h"

#define CTLAUTH_SESSIONS	64
#define CTLAUTH_CLIENTS		64
#define CTLAUTH_WINDOW_MS	60000
#define CTLAUTH_COOKIE		"winnow_session"

struct ctlauth_session {
	char		 id[SECRET_LEN + 1];	/* "" free */
	char		 csrf[SECRET_LEN + 1];
	uint64_t	 expires;		/* ctlauth_now() */
	uint64_t	 used;
};

struct ctlauth_client {
	char		 addr[64];
	uint64_t	 since;		/* the window's start */
	unsigned int	 fails;
};

static struct ctlauth_session ctlauth_sessions[CTLAUTH_SESSIONS];
static struct ctlauth_client ctlauth_clients[CTLAUTH_CLIENTS];
static char		 ctlauth_secret[SECRET_LEN + 1];
static struct stat	 ctlauth_st;		/* of the file we read */
static int		 ctlauth_warned;
static int		 ctlauth_restored;

/* ctlauth_now - wall-clock milliseconds (sessions are saved) */

static uint64_t
ctlauth_now(void)
{
	return ((uint64_t)time_wall_ms());
}

/* ctlauth_file - where the sessions are kept */

static void
ctlauth_file(char *path, size_t len, const char *suffix)
{
	(void)snprintf(path, len, "%s/monitor/sessions%s",
	    stats_conf_dir(smtp_conf.spool_dir), suffix);
}

/* ctlauth_save - write the live sessions (atomically) */

static void
ctlauth_save(void)
{
	char		 path[4096], tmp[4096];
	uint64_t	 now = ctlauth_now();
	size_t		 i;
	FILE		*fp;
	int		 fd;

	ctlauth_file(path, sizeof(path), "");
	ctlauth_file(tmp, sizeof(tmp), ".tmp");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("control: cannot save the sessions in %s: %s", tmp,
		    strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	for (i = 0; i < CTLAUTH_SESSIONS; i++)
		if (ctlauth_sessions[i].id[0] != '\0' &&
		    ctlauth_sessions[i].expires > now)
			(void)fprintf(fp, "%s %s %llu\n", ctlauth_sessions[i].id,
			    ctlauth_sessions[i].csrf, (unsigned long long)
			    ctlauth_sessions[i].expires);
	if (fclose(fp) != 0 || rename(tmp, path) < 0)
		log_warn("control: cannot save the sessions in %s: %s", path,
		    strerror(errno));
}

/* ctlauth_restore - the sessions of the last control process */

static void
ctlauth_restore(void)
{
	char		 path[4096], id[SECRET_LEN + 2], csrf[SECRET_LEN + 2];
	unsigned long long exp;
	size_t		 n = 0;
	FILE		*fp;

	ctlauth_restored = 1;
	ctlauth_file(path, sizeof(path), "");
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (n < CTLAUTH_SESSIONS && fscanf(fp, "%65s %65s %llu", id, csrf,
	    &exp) == 3) {
		if (strlen(id) != SECRET_LEN || strlen(csrf) != SECRET_LEN)
			continue;
		memcpy(ctlauth_sessions[n].id, id, SECRET_LEN + 1);
		memcpy(ctlauth_sessions[n].csrf, csrf, SECRET_LEN + 1);
		ctlauth_sessions[n].expires = exp;
		n++;
	}
	(void)fclose(fp);
}

/* ctlauth_reset - forget sessions and failures */

void
ctlauth_reset(void)
{
	memset(ctlauth_sessions, 0, sizeof(ctlauth_sessions));
	memset(ctlauth_clients, 0, sizeof(ctlauth_clients));
	ctlauth_secret[0] = '\0';
	memset(&ctlauth_st, 0, sizeof(ctlauth_st));
}

/* ctlauth_load - the secret, re-read when its file changed; NULL when
 * there is none (no token is then right) */

static const char *
ctlauth_load(void)
{
	struct stat	 st;
	struct buf	*why;

	if (stat(control_conf.secret_file, &st) < 0) {
		st.st_ino = 0;
		st.st_mtim.tv_sec = 0;
	}
	if (ctlauth_secret[0] != '\0' && st.st_ino == ctlauth_st.st_ino &&
	    st.st_mtim.tv_sec == ctlauth_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == ctlauth_st.st_mtim.tv_nsec &&
	    st.st_size == ctlauth_st.st_size)
		return (ctlauth_secret);
	why = buf_new(128);
	if (ctlauth_secret[0] != '\0') {
		log_notice("control: %s changed: every dashboard session "
		    "ends", control_conf.secret_file);
		memset(ctlauth_sessions, 0, sizeof(ctlauth_sessions));
		ctlauth_save();
	}
	ctlauth_secret[0] = '\0';
	if (secret_read(control_conf.secret_file, ctlauth_secret, why) !=
	    WN_OK) {
		ctlauth_secret[0] = '\0';
		if (!ctlauth_warned++)
			log_error("control: %s; only unix-socket peers of "
			    "the right group get in", buf_str(why));
	} else {
		ctlauth_st = st;
		ctlauth_warned = 0;
	}
	buf_free(why);
	return (ctlauth_secret[0] != '\0' ? ctlauth_secret : NULL);
}

/* ctlauth_client - a client's failure record (the oldest is reused) */

static struct ctlauth_client *
ctlauth_client(const char *addr)
{
	struct ctlauth_client *c, *old = &ctlauth_clients[0];
	uint64_t	 now = time_now_ms();

	for (c = ctlauth_clients; c < ctlauth_clients + CTLAUTH_CLIENTS; c++) {
		if (strcmp(c->addr, addr) == 0) {
			if (now - c->since >= CTLAUTH_WINDOW_MS) {
				c->since = now;
				c->fails = 0;
			}
			return (c);
		}
		if (c->since < old->since)
			old = c;
	}
	memset(old, 0, sizeof(*old));
	(void)snprintf(old->addr, sizeof(old->addr), "%s", addr);
	old->since = now;
	return (old);
}

/* ctlauth_limited - whether a client used up its failures */

static int
ctlauth_limited(struct control_req *r)
{
	struct ctlauth_client *c = ctlauth_client(r->peer);

	if (c->fails < control_conf.login_failures)
		return (0);
	r->status = MHD_HTTP_TOO_MANY_REQUESTS;
	buf_reset(r->body);
	api_json(r, json_pack("{s:s, s:I}", "error", "too many failed logins "
	    "from this address: wait a minute", "retry_after",
	    (json_int_t)((CTLAUTH_WINDOW_MS - (time_now_ms() - c->since)) /
	    1000 + 1)));
	r->status = MHD_HTTP_TOO_MANY_REQUESTS;
	return (MHD_HTTP_TOO_MANY_REQUESTS);
}

/* ctlauth_failed - count and log a wrong secret */

static int
ctlauth_failed(struct control_req *r, const char *what)
{
	struct ctlauth_client *c = ctlauth_client(r->peer);

	c->fails++;
	log_warn("control: %s from %s (%u in the last minute%s)", what,
	    r->peer, c->fails, c->fails >= control_conf.login_failures ?
	    "; refusing this address until the minute is over" : "");
	api_error(r, MHD_HTTP_UNAUTHORIZED, "wrong secret");
	return (MHD_HTTP_UNAUTHORIZED);
}

/* ctlauth_host_ok - a Host: we answer to (DNS rebinding) */

static int
ctlauth_host_ok(const char *host)
{
	char		 name[256], **list;
	size_t		 n, i, len;
	int		 ok = 0;

	if (host == NULL)
		return (1);		/* HTTP/1.0: no browser sends that */
	len = strlen(host);
	if (len >= sizeof(name))
		return (0);
	memcpy(name, host, len + 1);
	/* Without the port: "[::1]:10027", "localhost:10027". */
	if (name[0] == '[') {
		char *e = strchr(name, ']');

		if (e == NULL)
			return (0);
		*e = '\0';
		memmove(name, name + 1, strlen(name + 1) + 1);
	} else if (strchr(name, ':') != NULL) {
		*strchr(name, ':') = '\0';
	}
	if (strcasecmp(name, "localhost") == 0 || strcmp(name, "::1") == 0)
		return (1);
	if (strncmp(name, "127.", 4) == 0 &&
	    strspn(name, "0123456789.") == strlen(name))
		return (1);
	n = conf_list_split(control_conf.allowed_hosts, &list);
	for (i = 0; i < n && !ok; i++)
		ok = strcasecmp(list[i], name) == 0;
	conf_list_free(list);
	return (ok);
}

/* ctlauth_cookie - the session a request's cookie names, or NULL */

static struct ctlauth_session *
ctlauth_cookie(struct control_req *r)
{
	struct ctlauth_session *s;
	const char	*id;
	uint64_t	 now = ctlauth_now();

	if (!ctlauth_restored)
		ctlauth_restore();
	if ((id = control_cookie(r, CTLAUTH_COOKIE)) == NULL)
		return (NULL);
	for (s = ctlauth_sessions; s < ctlauth_sessions + CTLAUTH_SESSIONS;
	    s++) {
		if (s->id[0] == '\0' || !secret_equal(s->id, id))
			continue;
		if (now >= s->expires) {
			memset(s, 0, sizeof(*s));
			return (NULL);
		}
		s->used = now;
		return (s);
	}
	return (NULL);
}

/* ctlauth_fleet - whether a token is the fleet secret ([fleet]
 * secret_file, read each time: another node's requests are few) */

static int
ctlauth_fleet(const char *tok)
{
	char		 secret[SECRET_LEN + 1];
	struct buf	*why;
	int		 ok;

	if (!fleet_conf_on() || fleet_conf.secret_file[0] == '\0')
		return (0);
	why = buf_new(64);
	ok = secret_read(fleet_conf.secret_file, secret, why) == WN_OK &&
	    secret_equal(tok, secret);
	if (buf_len(why) > 0)
		log_warn("control: the fleet secret: %s", buf_str(why));
	explicit_bzero(secret, sizeof(secret));
	buf_free(why);
	return (ok);
}

/* ctlauth_check - who asks */

int
ctlauth_check(struct control_req *r)
{
	const char	*h, *secret;

	r->auth = CONTROL_AUTH_NONE;
	if (!r->unix_peer && !ctlauth_host_ok(control_header(r, "Host"))) {
		log_warn("control: refused a request from %s for Host %s "
		    "(not ours: DNS rebinding? [control] allowed_hosts)",
		    r->peer, control_header(r, "Host"));
		api_error(r, MHD_HTTP_MISDIRECTED_REQUEST, "this server does "
		    "not answer to that Host");
		return (MHD_HTTP_MISDIRECTED_REQUEST);
	}
	if (r->peer_trusted) {
		r->auth = CONTROL_AUTH_PEER;
		return (0);
	}
	if ((h = control_header(r, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0) {
			api_error(r, MHD_HTTP_UNAUTHORIZED, "Authorization: "
			    "Bearer SECRET is the one scheme");
			return (MHD_HTTP_UNAUTHORIZED);
		}
		if (ctlauth_limited(r))
			return (MHD_HTTP_TOO_MANY_REQUESTS);
		secret = ctlauth_load();
		h += 7;
		h += strspn(h, " ");
		if (secret != NULL && secret_equal(h, secret)) {
			r->auth = CONTROL_AUTH_TOKEN;
			return (0);
		}
		if (ctlauth_fleet(h)) {
			r->auth = CONTROL_AUTH_FLEET;
			return (0);
		}
		return (ctlauth_failed(r, "wrong bearer token"));
	}
	(void)ctlauth_load();		/* a rotation ends sessions */
	if (ctlauth_cookie(r) != NULL)
		r->auth = CONTROL_AUTH_COOKIE;
	return (0);
}

/* ctlauth_origin_ok - an Origin header, if any, is our own Host */

static int
ctlauth_origin_ok(struct control_req *r)
{
	const char	*o = control_header(r, "Origin");
	const char	*host = control_header(r, "Host");

	if (o == NULL)
		return (1);
	if (host == NULL)
		return (0);
	if (strncmp(o, "http://", 7) == 0)
		o += 7;
	else if (strncmp(o, "https://", 8) == 0)
		o += 8;
	else
		return (0);
	return (strcasecmp(o, host) == 0);
}

/* ctlauth_csrf - may this POST change something */

int
ctlauth_csrf(struct control_req *r)
{
	struct ctlauth_session *s;
	const char	*ct = control_header(r, "Content-Type");
	const char	*tok;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';')) {
		api_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "send "
		    "Content-Type: application/json");
		return (MHD_HTTP_UNSUPPORTED_MEDIA_TYPE);
	}
	if (!ctlauth_origin_ok(r)) {
		log_warn("control: refused a POST %s from %s with Origin %s "
		    "(cross-site request forgery?)", r->path, r->peer,
		    control_header(r, "Origin"));
		api_error(r, MHD_HTTP_FORBIDDEN, "cross-origin requests are "
		    "refused");
		return (MHD_HTTP_FORBIDDEN);
	}
	if (r->auth != CONTROL_AUTH_COOKIE)
		return (0);
	s = ctlauth_cookie(r);
	tok = control_header(r, "X-CSRF-Token");
	if (s == NULL || tok == NULL || !secret_equal(tok, s->csrf)) {
		log_warn("control: refused a POST %s from %s without the "
		    "session's CSRF token", r->path, r->peer);
		api_error(r, MHD_HTTP_FORBIDDEN, "missing or wrong "
		    "X-CSRF-Token (reload the page)");
		return (MHD_HTTP_FORBIDDEN);
	}
	return (0);
}

/* ctlauth_new_session - a session for a good login */

static struct ctlauth_session *
ctlauth_new_session(void)
{
	struct ctlauth_session *s, *old = &ctlauth_sessions[0];
	uint64_t	 now = ctlauth_now();

	if (!ctlauth_restored)
		ctlauth_restore();
	for (s = ctlauth_sessions; s < ctlauth_sessions + CTLAUTH_SESSIONS;
	    s++) {
		if (s->id[0] == '\0' || now >= s->expires) {
			old = s;
			break;
		}
		if (s->used < old->used)
			old = s;
	}
	secret_make(old->id);
	secret_make(old->csrf);
	old->expires = now + control_conf.session_lifetime;
	old->used = now;
	ctlauth_save();
	return (old);
}

/* ctlauth_login - POST /api/v1/login {"secret": ...} */

void
ctlauth_login(struct control_req *r)
{
	struct ctlauth_session *s;
	const char	*secret, *given;
	json_t		*j;

	if (ctlauth_limited(r))
		return;
	if ((j = api_body(r)) == NULL)
		return;
	given = json_string_value(json_object_get(j, "secret"));
	secret = ctlauth_load();
	if (given == NULL || secret == NULL || !secret_equal(given, secret)) {
		json_decref(j);
		(void)ctlauth_failed(r, "failed login");
		return;
	}
	json_decref(j);
	s = ctlauth_new_session();
	(void)snprintf(r->cookie, sizeof(r->cookie), "%s=%s; Path=/; "
	    "HttpOnly; SameSite=Strict; Max-Age=%u", CTLAUTH_COOKIE, s->id,
	    control_conf.session_lifetime / 1000);
	log_notice("control: dashboard login from %s", r->peer);
	api_json(r, json_pack("{s:b, s:s, s:I}", "authenticated", 1, "csrf",
	    s->csrf, "expires_in", (json_int_t)(control_conf.session_lifetime /
	    1000)));
}

/* ctlauth_logout - POST /api/v1/logout */

void
ctlauth_logout(struct control_req *r)
{
	struct ctlauth_session *s = ctlauth_cookie(r);

	if (s != NULL) {
		memset(s, 0, sizeof(*s));
		ctlauth_save();
	}
	(void)snprintf(r->cookie, sizeof(r->cookie), "%s=; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=0", CTLAUTH_COOKIE);
	api_json(r, json_pack("{s:b}", "authenticated", 0));
}

/* ctlauth_session - GET /api/v1/session: who am I, and my CSRF token */

void
ctlauth_session(struct control_req *r)
{
	static const char *const via[] = { "none", "peer", "token", "cookie" };
	struct ctlauth_session *s = ctlauth_cookie(r);
	json_t		*j;

	j = json_pack("{s:b, s:s}", "authenticated",
	    r->auth != CONTROL_AUTH_NONE, "via", via[r->auth]);
	if (s != NULL && r->auth == CONTROL_AUTH_COOKIE) {
		(void)json_object_set_new(j, "csrf", json_string(s->csrf));
		(void)json_object_set_new(j, "expires_in", json_integer(
		    (json_int_t)((s->expires - ctlauth_now()) / 1000)));
	}
	api_json(r, j);
}
