/*
 * ctl_remote.c - winnowctl status, stats, history, reload and quarantine
 * through the control API
 *
 * "winnowctl --url URL COMMAND" (or WINNOW_URL in the environment) runs
 * these commands against a winnowd's control API instead of its files, so
 * one set of commands works on this host and on another node: URL is
 * http://HOST:PORT or unix:PATH.  reload always goes through the API (of
 * [control] listen here when no URL is given).  The credential is the
 * secret of [control] secret_file when it can be read, or the one in
 * WINNOW_TOKEN; a unix-socket peer of root or winnowd's group needs none.
 * HTTP is libcurl's (Debian's libcurl4-openssl-dev): unix sockets, and
 * TLS for a node behind a proxy, without a client of our own.
 *
 * status and stats print the local commands' text (the API renders it with
 * the same code; status's Nagios exit code comes back in X-Winnow-Code);
 * history and quarantine list print the same fields from the JSON.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

/* lib */
#include "buf.h"
#include "endpoint.h"
#include "secret.h"
#include "status.h"
#include "xalloc.h"

/* stats */
#include "control_conf.h"
#include "sstatus.h"

/* ctl */
#include "ctl.h"

const char	*ctl_url;
const char	*ctl_token;
const char	*ctl_from_node;

struct ctl_resp {
	long		 status;
	struct buf	*body;
	int		 code;		/* X-Winnow-Code, -1 none */
};

/* ctl_remote_write - libcurl's body callback */

static size_t
ctl_remote_write(char *p, size_t size, size_t n, void *arg)
{
	buf_append(arg, p, size * n);
	return (size * n);
}

/* ctl_remote_header - libcurl's header callback: X-Winnow-Code */

static size_t
ctl_remote_header(char *p, size_t size, size_t n, void *arg)
{
	struct ctl_resp	*r = arg;

	if (size * n > 14 && strncasecmp(p, "X-Winnow-Code:", 14) == 0)
		r->code = atoi(p + 14);
	return (size * n);
}

/* ctl_remote_base - the URL's scheme and host, and its unix socket */

static void
ctl_remote_base(struct buf *base, struct buf *sock)
{
	struct endpoint	 ep;
	struct buf	*why = buf_new(64);
	const char	*u = ctl_url;

	if (u == NULL && (u = getenv("WINNOW_URL")) == NULL)
		u = control_conf.listen;
	if (strncmp(u, "unix:", 5) == 0) {
		buf_puts(sock, u + 5);
		buf_puts(base, "http://localhost");
	} else if (strncmp(u, "tcp:", 4) == 0 &&
	    endpoint_parse(u, &ep, 0, why) == 0) {
		buf_printf(base, strchr(ep.host, ':') ? "http://[%s]:%s" :
		    "http://%s:%s", ep.host, ep.port);
		endpoint_free(&ep);
	} else {
		buf_puts(base, u);
		while (buf_len(base) > 0 && base->data[buf_len(base) - 1] ==
		    '/')
			buf_truncate(base, buf_len(base) - 1);
	}
	buf_free(why);
}

/* ctl_remote_call - one request; 0, or -1 after saying why on stderr */

static int
ctl_remote_call(const char *method, const char *path, json_t *body,
    struct ctl_resp *r)
{
	struct curl_slist *h = NULL;
	struct buf	*base = buf_new(128), *sock = buf_new(64);
	struct buf	*why = buf_new(64), *hdr = buf_new(128);
	char		 secret[SECRET_LEN + 1], err[CURL_ERROR_SIZE] = "";
	const char	*tok = ctl_token != NULL ? ctl_token :
			    getenv("WINNOW_TOKEN");
	char		*text = NULL;
	CURL		*c;
	CURLcode	 rc;

	r->status = 0;
	r->code = -1;
	r->body = buf_new(4096);
	ctl_remote_base(base, sock);
	buf_puts(base, path);
	if (tok == NULL && secret_read(control_conf.secret_file, secret,
	    why) == WN_OK)
		tok = secret;
	if ((c = curl_easy_init()) == NULL)
		return (-1);
	(void)curl_easy_setopt(c, CURLOPT_URL, buf_str(base));
	if (buf_len(sock) > 0)
		(void)curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		    buf_str(sock));
	if (tok != NULL) {
		buf_printf(hdr, "Authorization: Bearer %s", tok);
		h = curl_slist_append(h, buf_str(hdr));
	}
	if (ctl_from_node != NULL) {
		buf_reset(hdr);
		buf_printf(hdr, "X-Winnow-Node: %s", ctl_from_node);
		h = curl_slist_append(h, buf_str(hdr));
	}
	if (strcmp(method, "POST") == 0) {
		text = json_dumps(body ? body : json_object(), JSON_COMPACT);
		h = curl_slist_append(h, "Content-Type: application/json");
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	}
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ctl_remote_write);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, r->body);
	(void)curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ctl_remote_header);
	(void)curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	(void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		(void)fprintf(stderr, "winnowctl: %s: %s\n", buf_str(base),
		    err[0] ? err : curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(text);
	explicit_bzero(secret, sizeof(secret));
	buf_free(base);
	buf_free(sock);
	buf_free(why);
	buf_free(hdr);
	return (rc == CURLE_OK ? 0 : -1);
}

/* ctl_remote_json - the answer as JSON (NULL if it is not) */

static json_t *
ctl_remote_json(const struct ctl_resp *r)
{
	return (json_loadb(r->body->data, buf_len(r->body), 0, NULL));
}

/* ctl_remote_failed - an answer that is not 2xx: say its error */

static int
ctl_remote_failed(const struct ctl_resp *r, const char *cmd)
{
	json_t	*j;

	if (r->status >= 200 && r->status < 300)
		return (0);
	j = ctl_remote_json(r);
	(void)fprintf(stderr, "winnowctl %s: %ld: %s\n", cmd, r->status,
	    j && json_string_value(json_object_get(j, "error")) ?
	    json_string_value(json_object_get(j, "error")) :
	    buf_str(r->body));
	json_decref(j);
	return (1);
}

/* ctl_remote_q - a query argument, escaped */

static void
ctl_remote_q(struct buf *b, const char *name, const char *value)
{
	char	*e;

	if (value == NULL)
		return;
	e = curl_easy_escape(NULL, value, 0);
	buf_printf(b, "%c%s=%s", strchr(buf_str(b), '?') ? '&' : '?', name,
	    e != NULL ? e : "");
	curl_free(e);
}

/* ctl_remote_print - print a body and free the answer */

static void
ctl_remote_print(struct ctl_resp *r)
{
	(void)fwrite(r->body->data, 1, buf_len(r->body), stdout);
	buf_free(r->body);
}

/* ctl_remote_status - status [--json] */

static int
ctl_remote_status(int argc, char **argv)
{
	struct ctl_resp	 r;
	int		 json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (ctl_remote_call("GET", json ? "/api/v1/status" :
	    "/api/v1/status?format=text", NULL, &r) < 0) {
		(void)printf("winnowd UNKNOWN: the control API does not "
		    "answer\n");
		return (SSTATUS_UNKNOWN);
	}
	if (ctl_remote_failed(&r, "status")) {
		buf_free(r.body);
		return (SSTATUS_UNKNOWN);
	}
	ctl_remote_print(&r);
	return (r.code >= 0 ? r.code : SSTATUS_UNKNOWN);
}

/* ctl_remote_stats - stats [-p] [-b] [-u] [-f] */

static int
ctl_remote_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "by", required_argument, NULL, 'b' },
		{ "unit", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_resp	 r;
	struct buf	*p = buf_new(128);
	const char	*v[4] = { NULL, NULL, NULL, "text" };
	int		 c, rc = EX_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:b:u:f:", opts, NULL)) != -1) {
		if (c == '?')
			return (EX_USAGE);
		v[strchr("pbuf", c) - "pbuf"] = optarg;
	}
	buf_puts(p, "/api/v1/stats");
	ctl_remote_q(p, "period", v[0]);
	ctl_remote_q(p, "by", v[1]);
	ctl_remote_q(p, "unit", v[2]);
	ctl_remote_q(p, "format", v[3]);
	if (ctl_remote_call("GET", buf_str(p), NULL, &r) < 0)
		rc = EX_UNAVAILABLE;
	else if (ctl_remote_failed(&r, "stats"))
		rc = r.status == 400 ? EX_USAGE : EX_UNAVAILABLE;
	else
		ctl_remote_print(&r);
	buf_free(p);
	return (rc);
}

/* ctl_remote_history - history [-n N] [-s STATUS] [--json] [--follow] */

static int
ctl_remote_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_resp	 r;
	struct buf	*p = buf_new(128);
	const char	*n = "20", *status = NULL;
	json_int_t	 next = 0;
	json_t		*j, *e;
	size_t		 i;
	int		 c, json = 0, follow = 0, rc = EX_OK;
	char		*s;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:s:fj", opts, NULL)) != -1) {
		if (c == 'n')
			n = optarg;
		else if (c == 's')
			status = optarg;
		else if (c == 'f')
			follow = 1;
		else if (c == 'j')
			json = 1;
		else
			return (EX_USAGE);
	}
	do {
		buf_reset(p);
		buf_puts(p, "/api/v1/history");
		ctl_remote_q(p, "n", next ? "100000" : n);
		ctl_remote_q(p, "status", status);
		if (next) {
			buf_printf(p, "&since=%lld", (long long)next);
		}
		if (ctl_remote_call("GET", buf_str(p), NULL, &r) < 0) {
			rc = EX_UNAVAILABLE;
			break;
		}
		if (ctl_remote_failed(&r, "history")) {
			rc = EX_UNAVAILABLE;
			buf_free(r.body);
			break;
		}
		j = ctl_remote_json(&r);
		next = json_integer_value(json_object_get(j, "next"));
		json_array_foreach(json_object_get(j, "entries"), i, e) {
			if (json) {
				s = json_dumps(e, JSON_COMPACT |
				    JSON_REAL_PRECISION(6));
				(void)printf("%s\n", s);
				free(s);
			} else {
				(void)printf("%s  %s %s <%s> -> %s  %s  %s\n",
				    json_string_value(json_object_get(e,
				    "time")), json_string_value(
				    json_object_get(e, "queue_id")),
				    json_string_value(json_object_get(e,
				    "client")), json_string_value(
				    json_object_get(e, "sender")),
				    json_string_value(json_object_get(e,
				    "recipients")), json_string_value(
				    json_object_get(e, "statuses")),
				    json_string_value(json_object_get(e,
				    "action")));
			}
		}
		json_decref(j);
		buf_free(r.body);
		(void)fflush(stdout);
		if (follow)
			(void)sleep(1);
	} while (follow);
	buf_free(p);
	return (rc);
}

/* ctl_remote_reload - reload, and wait for the new generation */

int
ctl_reload_main(int argc, char **argv)
{
	struct ctl_resp	 r;
	json_int_t	 gen;
	json_t		*j, *m;
	time_t		 end;

	if (argc > 1) {
		(void)fprintf(stderr, "Usage: winnowctl [--url URL] reload\n"
		    "Ask winnowd to read its configuration again (through the "
		    "control API)\nand wait for the result.\n");
		return (strcmp(argv[1], "--help") == 0 ? EX_OK : EX_USAGE);
	}
	if (ctl_remote_call("POST", "/api/v1/reload", NULL, &r) < 0)
		return (EX_UNAVAILABLE);
	if (ctl_remote_failed(&r, "reload")) {
		buf_free(r.body);
		return (EX_UNAVAILABLE);
	}
	j = ctl_remote_json(&r);
	gen = json_integer_value(json_object_get(j, "generation"));
	json_decref(j);
	buf_free(r.body);
	for (end = time(NULL) + 30; time(NULL) < end; ) {
		(void)usleep(200000);
		if (ctl_remote_call("GET", "/api/v1/config", NULL, &r) < 0)
			continue;	/* the control process restarts */
		m = ctl_remote_json(&r);
		buf_free(r.body);
		if (m != NULL && json_integer_value(json_object_get(m,
		    "generation")) > gen) {
			if (json_is_true(json_object_get(m, "reload_ok"))) {
				(void)printf("reloaded: configuration "
				    "generation %lld\n", (long long)
				    json_integer_value(json_object_get(m,
				    "generation")));
				json_decref(m);
				return (EX_OK);
			}
			(void)printf("the reload failed, the previous "
			    "configuration serves on: %s\n", json_string_value(
			    json_object_get(m, "reload_text")));
			json_decref(m);
			return (EX_CONFIG);
		}
		if (m != NULL && !json_is_true(json_object_get(m,
		    "reload_ok")) && json_integer_value(json_object_get(m,
		    "generation")) == gen && time(NULL) > end - 25) {
			(void)printf("the reload failed, the previous "
			    "configuration serves on: %s\n", json_string_value(
			    json_object_get(m, "reload_text")));
			json_decref(m);
			return (EX_CONFIG);
		}
		json_decref(m);
	}
	(void)fprintf(stderr, "winnowctl reload: no new generation after "
	    "30 s\n");
	return (EX_TEMPFAIL);
}

/* ctl_remote_qline - one quarantine entry as "list" prints it */

static void
ctl_remote_qline(json_t *e)
{
	json_t		*rc, *x;
	time_t		 t = (time_t)json_integer_value(json_object_get(e,
			    "time"));
	struct tm	 tm;
	char		 date[64];
	size_t		 i;

	(void)localtime_r(&t, &tm);
	(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	(void)printf("%-18s %s  <%s> ->", json_string_value(json_object_get(e,
	    "id")), date, json_string_value(json_object_get(e, "sender")));
	rc = json_object_get(e, "recipients");
	json_array_foreach(rc, i, x)
		(void)printf(" %s", json_string_value(json_object_get(x,
		    "address")));
	(void)printf("  [");
	json_array_foreach(rc, i, x) {
		(void)printf("%s%s", i ? " " : "", json_string_value(
		    json_object_get(x, "spam")));
		if (json_string_value(json_object_get(x, "av"))[0] != '\0')
			(void)printf("/%s", json_string_value(
			    json_object_get(x, "av")));
	}
	(void)printf("]%s\n", json_integer_value(json_object_get(e,
	    "releases")) > 0 ? " released" : "");
}

/* ctl_remote_job - a POST the API runs as winnowctl (a release,
 * learning): its output printed, its exit status returned */

static int
ctl_remote_job(const char *path, json_t *body)
{
	struct ctl_resp	 r;
	json_t		*j, *e;
	int		 rc;

	if (ctl_remote_call("POST", path, body, &r) < 0) {
		buf_free(r.body);
		return (EX_UNAVAILABLE);
	}
	j = ctl_remote_json(&r);
	e = json_object_get(j, "exit");
	if (e != NULL) {
		(void)fputs(json_string_value(json_object_get(j, "output")) ?
		    json_string_value(json_object_get(j, "output")) : "",
		    r.status == 200 ? stdout : stderr);
		rc = (int)json_integer_value(e);
	} else {
		(void)ctl_remote_failed(&r, "quarantine");
		rc = r.status == 404 ? EX_NOINPUT : EX_UNAVAILABLE;
	}
	json_decref(j);
	buf_free(r.body);
	return (rc);
}

/* ctl_remote_change - quarantine release|learn ID [OPTIONS]: the request
 * the fleet's --node sends too (ctl_fquar_request), run by the API */

static int
ctl_remote_change(int argc, char **argv)
{
	struct ctl_fq_request q;
	struct buf	*why = buf_new(64);
	int		 rc;

	if (ctl_fquar_request(argc, argv, &q, why) < 0) {
		(void)fprintf(stderr, "winnowctl quarantine: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_USAGE);
	}
	buf_free(why);
	rc = ctl_remote_job(q.path, q.body);
	/* The API learns quietly (-q): say what was done. */
	if (rc == EX_OK && strcmp(argv[1], "learn") == 0)
		(void)printf("quarantine %s: learned as %s through the "
		    "control API\n", argv[2], json_string_value(
		    json_object_get(q.body, "as")));
	json_decref(q.body);
	return (rc);
}

/* ctl_remote_quarantine - quarantine list|show|release|learn|delete */

static int
ctl_remote_quarantine(int argc, char **argv)
{
	struct ctl_resp	 r;
	struct buf	*p = buf_new(128);
	json_t		*j, *b;
	size_t		 i;
	int		 k, rc = EX_OK, json = 0, message = 0;
	char		*s;

	if (argc < 2) {
		(void)fprintf(stderr, "winnowctl quarantine: list, show, "
		    "release, learn or delete\n");
		return (EX_USAGE);
	}
	if (strcmp(argv[1], "list") == 0) {
		buf_puts(p, "/api/v1/quarantine");
		for (k = 2; k < argc; k++) {
			if (strcmp(argv[k], "--json") == 0)
				json = 1;
			else if (strcmp(argv[k], "--status") == 0 &&
			    k + 1 < argc)
				ctl_remote_q(p, "status", argv[++k]);
			else if (strcmp(argv[k], "--released") == 0)
				ctl_remote_q(p, "released", "yes");
			else if (strcmp(argv[k], "--not-released") == 0)
				ctl_remote_q(p, "released", "no");
			else
				return (EX_USAGE);
		}
		if (ctl_remote_call("GET", buf_str(p), NULL, &r) < 0 ||
		    ctl_remote_failed(&r, "quarantine")) {
			buf_free(p);
			return (EX_UNAVAILABLE);
		}
		j = ctl_remote_json(&r);
		b = json_object_get(j, "entries");
		if (json) {
			s = json_dumps(b, JSON_INDENT(1));
			(void)printf("%s\n", s);
			free(s);
		} else {
			for (i = json_array_size(b); i > 0; i--)
				ctl_remote_qline(json_array_get(b, i - 1));
		}
		json_decref(j);
		buf_free(r.body);
	} else if (strcmp(argv[1], "show") == 0 && argc >= 3) {
		for (k = 3; k < argc; k++)
			message |= strcmp(argv[k], "--message") == 0;
		buf_printf(p, "/api/v1/quarantine/%s", argv[2]);
		if (ctl_remote_call("GET", buf_str(p), NULL, &r) < 0 ||
		    ctl_remote_failed(&r, "quarantine")) {
			buf_free(p);
			return (r.status == 404 ? EX_NOINPUT : EX_UNAVAILABLE);
		}
		j = ctl_remote_json(&r);
		s = json_dumps(json_object_get(j, "info"), JSON_INDENT(1));
		(void)printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
		buf_free(r.body);
		if (message) {
			buf_puts(p, "/message");
			if (ctl_remote_call("GET", buf_str(p), NULL, &r) == 0 &&
			    !ctl_remote_failed(&r, "quarantine")) {
				(void)printf("\n");
				ctl_remote_print(&r);
			}
		}
	} else if ((strcmp(argv[1], "release") == 0 || strcmp(argv[1],
	    "learn") == 0) && argc >= 3) {
		rc = ctl_remote_change(argc, argv);
	} else if (strcmp(argv[1], "delete") == 0 && argc >= 3) {
		for (k = 2; k < argc; k++) {
			buf_reset(p);
			buf_printf(p, "/api/v1/quarantine/%s/delete", argv[k]);
			if (ctl_remote_call("POST", buf_str(p), NULL, &r) < 0)
				return (EX_UNAVAILABLE);
			if (ctl_remote_failed(&r, "quarantine"))
				rc = r.status == 404 ? EX_NOINPUT :
				    EX_TEMPFAIL;
			else
				(void)printf("%s: deleted\n", argv[k]);
			buf_free(r.body);
		}
	} else {
		(void)fprintf(stderr, "winnowctl quarantine: through the API: "
		    "list, show ID, release ID, learn ID --spam|--ham, delete "
		    "ID...\n");
		rc = EX_USAGE;
	}
	buf_free(p);
	return (rc);
}

/* ctl_remote_raw - one request whose answer is printed as it is (the
 * control API's JSON): the exit status of winnowctl quarantine for its
 * HTTP status */

int
ctl_remote_raw(const char *method, const char *path, json_t *body)
{
	struct ctl_resp	 r;
	int		 ex;

	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
	if (ctl_remote_call(method, path, body, &r) < 0) {
		buf_free(r.body);
		return (EX_UNAVAILABLE);
	}
	ctl_remote_print(&r);
	switch (r.status) {
	case 200:
		ex = EX_OK;
		break;
	case 400:
		ex = EX_USAGE;
		break;
	case 404:
		ex = EX_NOINPUT;
		break;
	case 409:
		ex = EX_DATAERR;
		break;
	case 503:
		ex = EX_TEMPFAIL;
		break;
	default:
		ex = EX_UNAVAILABLE;
	}
	return (ex);
}

/* ctl_remote_main - a command through the API */

int
ctl_remote_main(const char *cmd, int argc, char **argv)
{
	int	 rc;

	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(cmd, "status") == 0)
		rc = ctl_remote_status(argc, argv);
	else if (strcmp(cmd, "stats") == 0)
		rc = ctl_remote_stats(argc, argv);
	else if (strcmp(cmd, "history") == 0)
		rc = ctl_remote_history(argc, argv);
	else if (strcmp(cmd, "quarantine") == 0)
		rc = ctl_remote_quarantine(argc, argv);
	else {
		(void)fprintf(stderr, "winnowctl: %s does not work through the "
		    "API (--url): status, stats, history, reload and "
		    "quarantine do\n", cmd);
		rc = EX_USAGE;
	}
	curl_global_cleanup();
	return (rc);
}
