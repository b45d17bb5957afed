/*
 * fleet_conf.c - [fleet] parameters, the Redis URL, the node's name
 *
 * The URL parser is strict (every part checked, lengths bounded) because
 * -t must say what is wrong with it rather than leave the fleet process
 * to find out.  The node name ends up inside Redis keys, so it is held to
 * a small alphabet.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "xalloc.h"

/* fleet */
#include "fleet_conf.h"

struct fleet_conf	 fleet_conf;

/* fleet_conf_check_url - -t: the URL parses */

static int
fleet_conf_check_url(const char *v, struct buf *why)
{
	struct fleet_url u;

	if (*v == '\0')
		return (0);
	return (fleet_url_parse(v, &u, why));
}

/* fleet_conf_check_node - -t: the node name fits in keys */

static int
fleet_conf_check_node(const char *v, struct buf *why)
{
	if (*v == '\0')
		return (0);
	return (fleet_node_check(v, why));
}

/* fleet_conf_check_password - the password file is readable (by root:
 * a file only root may read is right, and winnowctl run by another user -
 * the control process's jobs - must still load the configuration; it is
 * handed the password, or parks what it learns for the fleet process) */

static int
fleet_conf_check_password(const char *v, struct buf *why)
{
	if (*v == '\0' || access(v, R_OK) == 0 || (errno == EACCES &&
	    geteuid() != 0))
		return (0);
	buf_printf(why, "%s: %s", v, strerror(errno));
	return (-1);
}

/* fleet_conf_check_control - -t: control_url is http://HOST:PORT */

static int
fleet_conf_check_control(const char *v, struct buf *why)
{
	return (fleet_control_check(v, why));
}

#define F(f)	(&fleet_conf.f)
static const struct conf_param fleet_params[] = {
	{ "redis", CONF_STR, "", F(redis), 0, 0, NULL, fleet_conf_check_url,
	    "the Redis the fleet shares: redis://HOST[:PORT][/DB] or "
	    "sentinel://HOST[:PORT],HOST[:PORT]/MASTER[/DB] (empty: no "
	    "fleet, the node works alone)" },
	{ "password_file", CONF_STR, "", F(password_file), 0, 0, NULL,
	    fleet_conf_check_password, "a file whose first line is the "
	    "Redis password (AUTH), read before privileges are dropped "
	    "(empty: none)" },
	{ "node", CONF_STR, "", F(node), 0, 0, NULL, fleet_conf_check_node,
	    "this node's name in the fleet: 1 to 64 letters, digits, dots, "
	    "dashes, underscores (empty: the host name)" },
	{ "heartbeat", CONF_TIME, "10s", F(heartbeat), 1000, 3600000, NULL,
	    NULL, "how often the node says it is up; quiet for 3 of these, "
	    "winnowctl fleet nodes and the dashboard show it down and the "
	    "other nodes' monitor raises node-down:NODE" },
	{ "publish_interval", CONF_TIME, "5s", F(publish_interval), 200,
	    3600000, NULL, NULL, "how often the statistics store and the "
	    "verdict history are looked at for what Redis has not yet got" },
	{ "history_max", CONF_UINT, "10000", F(history_max), 100, 10000000,
	    NULL, NULL, "verdicts of all nodes the fleet's history stream "
	    "keeps (about; Redis trims it in whole blocks)" },
	{ "connect_timeout", CONF_TIME, "2s", F(connect_timeout), 100,
	    60000, NULL, NULL, "how long a connection to Redis or a sentinel "
	    "may take before the next is tried; a batch unanswered for 5 "
	    "times this drops the connection (a hung Redis)" },
	{ "learn_interval", CONF_TIME, "1s", F(learn_interval), 100,
	    3600000, NULL, NULL, "how often the fleet process looks for "
	    "examples to apply (when it holds the lease) and for a newer "
	    "model version to install" },
	{ "learn_batch", CONF_UINT, "1000", F(learn_batch), 1, 1000000,
	    NULL, NULL, "learned examples applied into one new model "
	    "version, at most" },
	{ "lease_time", CONF_TIME, "30s", F(lease_time), 1000, 3600000,
	    NULL, NULL, "how long the lease of the node applying the fleet's "
	    "examples lasts unless renewed: after a node dies, another goes "
	    "on after this" },
	{ "model_versions", CONF_UINT, "10", F(model_versions), 1, 1000,
	    NULL, NULL, "model versions the fleet keeps for winnowctl model "
	    "rollback (each the size of the model file)" },
	{ "quarantine_max", CONF_UINT, "10000", F(quarantine_max), 0,
	    1000000, NULL, NULL, "quarantine entries of this node the "
	    "fleet's index holds, the newest (0: none, the quarantine is "
	    "not shared)" },
	{ "control_url", CONF_STR, "", F(control_url), 0, 0, NULL,
	    fleet_conf_check_control, "the address other nodes reach this "
	    "node's control API at, http://HOST:PORT, said in its heartbeat "
	    "(empty: [control] listen when it is a TCP address other than "
	    "0.0.0.0 or [::])" },
	{ "secret_file", CONF_STR, "", F(secret_file), 0, 0, NULL,
	    fleet_conf_check_password, "the fleet secret, one line of 64 hex "
	    "digits (openssl rand -hex 32), the same file on every node, "
	    "readable by winnowd's group: quarantine show, message, release, "
	    "delete, learn and explain of another node's entry are sent to "
	    "that node's control API with it, and this node's API takes it "
	    "for those (empty: neither)" },
	{ NULL }
};
#undef F

static const struct conf_section fleet_section = {
	"fleet", 0, fleet_params, NULL,
	"a fleet of nodes sharing statistics, history and health through "
	"Redis"
};

/* fleet_conf_register - register [fleet] */

void
fleet_conf_register(void)
{
	conf_register(&fleet_section);
}

/* fleet_conf_on - whether a fleet is configured */

int
fleet_conf_on(void)
{
	return (fleet_conf.redis != NULL && fleet_conf.redis[0] != '\0');
}

/* fleet_url_port - a decimal port 1..65535 of n bytes */

static int
fleet_url_port(const char *s, size_t n, unsigned int *port_r)
{
	unsigned int	 p = 0;
	size_t		 i;

	if (n == 0 || n > 5)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		p = p * 10 + (unsigned int)(s[i] - '0');
	}
	if (p == 0 || p > 65535)
		return (-1);
	*port_r = p;
	return (0);
}

/* fleet_url_host - one HOST[:PORT] of n bytes */

static int
fleet_url_host(const char *s, size_t n, unsigned int defport,
    struct fleet_addr *a, struct buf *why)
{
	const char	*h = s, *colon = NULL, *e = s + n, *p;
	size_t		 hl;

	if (n > 0 && *s == '[') {
		if ((p = memchr(s, ']', n)) == NULL)
			goto bad;
		h = s + 1;
		hl = (size_t)(p - h);
		if (p + 1 < e) {
			if (p[1] != ':')
				goto bad;
			colon = p + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hl = colon ? (size_t)(colon - s) : n;
	}
	if (hl == 0 || hl >= sizeof(a->host))
		goto bad;
	for (p = h; p < h + hl; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_:", *p) == NULL)
			goto bad;
	if (*s != '[' && memchr(h, ':', hl) != NULL)
		goto bad;
	memcpy(a->host, h, hl);
	a->host[hl] = '\0';
	a->port = defport;
	if (colon != NULL && fleet_url_port(colon + 1, (size_t)(e - colon - 1),
	    &a->port) < 0)
		goto bad;
	return (0);
bad:
	buf_printf(why, "bad host \"%.*s\": HOST, HOST:PORT or [IPv6]:PORT",
	    (int)n, s);
	return (-1);
}

/* fleet_url_db - a database number 0..15 */

static int
fleet_url_db(const char *s, unsigned int *db_r, struct buf *why)
{
	if (fleet_url_port(s, strlen(s), db_r) < 0 && strcmp(s, "0") != 0) {
		buf_printf(why, "bad database \"%s\": a number 0..15", s);
		return (-1);
	}
	if (strcmp(s, "0") == 0)
		*db_r = 0;
	if (*db_r > 15) {
		buf_printf(why, "bad database \"%s\": a number 0..15", s);
		return (-1);
	}
	return (0);
}

/* fleet_url_parse - a redis:// or sentinel:// URL */

int
fleet_url_parse(const char *url, struct fleet_url *u, struct buf *why)
{
	const char	*s, *slash, *comma, *end;
	size_t		 ml;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "redis://", 8) == 0)
		s = url + 8;
	else if (strncmp(url, "sentinel://", 11) == 0) {
		s = url + 11;
		u->sentinel = 1;
	} else {
		buf_printf(why, "\"%s\": redis://HOST:PORT/DB or "
		    "sentinel://HOST:PORT,HOST:PORT/MASTER", url);
		return (-1);
	}
	slash = strchr(s, '/');
	end = slash ? slash : s + strlen(s);
	while (s < end) {
		comma = memchr(s, ',', (size_t)(end - s));
		if (comma == NULL)
			comma = end;
		if (u->naddr == FLEET_MAX_HOSTS || (!u->sentinel &&
		    u->naddr == 1)) {
			buf_printf(why, "too many hosts in \"%s\" (%s)", url,
			    u->sentinel ? "at most 8 sentinels" :
			    "one Redis; several: sentinel://");
			return (-1);
		}
		if (fleet_url_host(s, (size_t)(comma - s), u->sentinel ?
		    FLEET_SENTINEL_PORT : FLEET_REDIS_PORT,
		    &u->addr[u->naddr++], why) < 0)
			return (-1);
		s = comma == end ? end : comma + 1;
		if (comma != end && s == end) {
			buf_printf(why, "empty host in \"%s\"", url);
			return (-1);
		}
	}
	if (u->naddr == 0) {
		buf_printf(why, "no host in \"%s\"", url);
		return (-1);
	}
	if (!u->sentinel)
		return (slash == NULL || slash[1] == '\0' ? 0 :
		    fleet_url_db(slash + 1, &u->db, why));
	if (slash == NULL || slash[1] == '\0') {
		buf_printf(why, "\"%s\": the sentinels' name of the primary "
		    "is missing (sentinel://HOST:PORT,.../MASTER)", url);
		return (-1);
	}
	s = slash + 1;
	slash = strchr(s, '/');
	ml = slash ? (size_t)(slash - s) : strlen(s);
	if (ml == 0 || ml >= sizeof(u->master) || strcspn(s, " \t") < ml) {
		buf_printf(why, "bad primary name in \"%s\"", url);
		return (-1);
	}
	memcpy(u->master, s, ml);
	u->master[ml] = '\0';
	return (slash == NULL ? 0 : fleet_url_db(slash + 1, &u->db, why));
}

/* fleet_node_check - a name usable inside keys */

int
fleet_node_check(const char *s, struct buf *why)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > FLEET_NODE_MAX || strspn(s, "abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		buf_printf(why, "bad node name \"%s\": 1 to %d letters, "
		    "digits, dots, dashes, underscores", s, FLEET_NODE_MAX);
		return (-1);
	}
	return (0);
}

/* fleet_node - this node's name */

const char *
fleet_node(void)
{
	static char	 name[FLEET_NODE_MAX + 1];
	char		 host[256];
	size_t		 i;

	if (fleet_conf.node != NULL && fleet_conf.node[0] != '\0')
		return (fleet_conf.node);
	if (gethostname(host, sizeof(host)) < 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0' && i < FLEET_NODE_MAX; i++)
		name[i] = strchr("._-", host[i]) || isalnum((unsigned char)
		    host[i]) ? host[i] : '_';
	name[i] = '\0';
	return (name);
}

static char	*fleet_given_password;

/* fleet_password_set - the password as the caller got it */

void
fleet_password_set(const char *pw)
{
	if (fleet_given_password != NULL) {
		explicit_bzero(fleet_given_password,
		    strlen(fleet_given_password));
		free(fleet_given_password);
	}
	fleet_given_password = pw != NULL ? xstrdup(pw) : NULL;
}

/* fleet_password - the first line of password_file */

int
fleet_password(char **pw_r, struct buf *why)
{
	FILE	*f;
	char	 line[1024];
	size_t	 n;

	*pw_r = NULL;
	if (fleet_given_password != NULL) {
		*pw_r = xstrdup(fleet_given_password);
		return (0);
	}
	if (fleet_conf.password_file == NULL ||
	    fleet_conf.password_file[0] == '\0')
		return (0);
	if ((f = fopen(fleet_conf.password_file, "r")) == NULL) {
		buf_printf(why, "%s: %s", fleet_conf.password_file,
		    strerror(errno));
		return (-1);
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	(void)fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0) {
		buf_printf(why, "%s: empty (the first line is the password)",
		    fleet_conf.password_file);
		return (-1);
	}
	*pw_r = xstrdup(line);
	explicit_bzero(line, sizeof(line));
	return (0);
}

/* fleet_control_check - an advertised control address: empty, or
 * http://HOST:PORT of printable characters without spaces, in a
 * heartbeat's bounds */

int
fleet_control_check(const char *v, struct buf *why)
{
	size_t	 i, n = strlen(v);

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			break;
	if (n >= FLEET_CONTROL_MAX || i < n || strncmp(v, "http://", 7) !=
	    0 || n == 7) {
		buf_printf(why, "a control address is http://HOST:PORT "
		    "(printable, shorter than %d)", FLEET_CONTROL_MAX);
		return (-1);
	}
	return (0);
}
