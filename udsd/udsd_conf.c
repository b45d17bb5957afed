/*
 * udsd_conf.c - [udsd] of winnow-udsd.conf, and the clients file
 *
 * winnow-udsd reads its own file (default /etc/winnow/winnow-udsd.conf):
 * it runs on hosts that need not run winnowd, and winnowd -t need not know
 * its keys.  One parameter table, as everywhere in winnow: winnow-udsd -d
 * prints it with the defaults, -n what the file changes, -t checks it.
 *
 * The clients file names who may write, one client per line:
 *
 *	# NAME  SECRET (64 hex digits)  [OPERATIONS]
 *	mx1     6f1c...e0  add,delete,ham
 *	trap    91aa...4b  add
 *
 * OPERATIONS default to add,delete,ham.  The same name and secret go into
 * that client's [uds] key_file (winnowctl uds keygen writes both lines).
 * A file anyone but its owner may read is refused.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* external */
#include <sodium.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define CLIENTS_MAX	10000

struct udsd_conf udsd_conf;

static const char *const udsd_store_names[] = { "lmdb", "redis", NULL };
static int	udsd_store_idx;

/* udsd_check_listen - conf check: ADDR:PORT list */

static int
udsd_check_listen(const char *v, struct buf *why)
{
	char	**l;
	size_t	 i, n;
	int	 rc = 0;

	n = conf_list_split(v, &l);
	if (n == 0) {
		buf_printf(why, "%s", "no address to listen on");
		rc = -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		const char *c = strrchr(l[i], ':');

		if (c == NULL || c == l[i] || atoi(c + 1) <= 0 ||
		    atoi(c + 1) > 65535 || (l[i][0] == '[' && c[-1] != ']')) {
			buf_printf(why, "\"%s\" is not ADDRESS:PORT "
			    "([V6]:PORT)", l[i]);
			rc = -1;
		}
	}
	conf_list_free(l);
	return (rc);
}

/* udsd_check_redis - conf check: an endpoint (tcp: or unix:) */

static int
udsd_check_redis(const char *v, struct buf *why)
{
	struct endpoint	 ep;

	if (endpoint_parse(v, &ep, 0, why) < 0)
		return (-1);
	endpoint_free(&ep);
	return (0);
}

static const struct conf_param udsd_params[] = {
	{ "listen", CONF_STR, "127.0.0.1:7060 [::1]:7060", &udsd_conf.listen,
	    0, 0, NULL, udsd_check_listen, "UDP addresses, ADDRESS:PORT "
	    "([V6]:PORT); 0.0.0.0:7060 [::]:7060 for every interface" },
	{ "store", CONF_ENUM, "lmdb", &udsd_store_idx, 0, 0, udsd_store_names,
	    NULL, "lmdb (one file on this host) or redis (shared)" },
	{ "lmdb_path", CONF_STR, "/var/lib/winnow/uds.lmdb",
	    &udsd_conf.lmdb_path, 0, 0, NULL, NULL, "the LMDB file (and "
	    "FILE-lock beside it)" },
	{ "lmdb_size", CONF_SIZE, "1G", &udsd_conf.lmdb_size, 1 << 20,
	    1ULL << 40, NULL, NULL, "largest size of the LMDB file (address "
	    "space, not disk: about 1 KiB per text signature)" },
	{ "redis", CONF_STR, "tcp:127.0.0.1:6379", &udsd_conf.redis, 0, 0,
	    NULL, udsd_check_redis, "the Redis server (tcp:HOST:PORT or "
	    "unix:PATH) when store = redis" },
	{ "redis_prefix", CONF_STR, "wuds:", &udsd_conf.redis_prefix, 0, 0,
	    NULL, NULL, "prefix of every key udsd writes in Redis" },
	{ "redis_timeout", CONF_TIME, "2s", &udsd_conf.redis_timeout_ms, 100,
	    60000, NULL, NULL, "a Redis that answers nothing this long is "
	    "dropped (lookups answer unknown until it is back)" },
	{ "allow", CONF_STR, "127.0.0.0/8 ::1", &udsd_conf.allow, 0, 0, NULL,
	    udsd_acl_check, "networks that may ask (CIDR); others get no "
	    "answer at all" },
	{ "clients_file", CONF_STR, "", &udsd_conf.clients_file, 0, 0, NULL,
	    NULL, "who may write: NAME SECRET [add,delete,ham] per line "
	    "(mode 0600); empty: nobody" },
	{ "user", CONF_STR, "", &udsd_conf.user, 0, 0, NULL, NULL, "run as "
	    "this user after binding and opening the store (empty: stay)" },
	{ "pidfile", CONF_STR, "", &udsd_conf.pidfile, 0, 0, NULL, NULL,
	    "write the process id here (empty: none)" },
	{ "ttl", CONF_TIME, "30d", &udsd_conf.ttl_ms, 60000, 4294967295U,
	    NULL, NULL, "a signature neither reported nor matched this long "
	    "is forgotten (a hit sets the clock back); at most 49d" },
	{ "threshold", CONF_UINT, "1", &udsd_conf.threshold, 1, 1000000,
	    NULL, NULL, "weight of reports before a signature counts as "
	    "known spam (below: answered below-threshold)" },
	{ "votes", CONF_UINT, "8", &udsd_conf.votes, 2, UDS_SHINGLES, NULL,
	    NULL, "shingles of 32 a text must share with a known one to "
	    "match it (see bench/uds-bench: 8 had no false hit on the "
	    "development ham)" },
	{ "max_ids", CONF_UINT, "8", &udsd_conf.max_ids, 1, UDSD_MAX_IDS,
	    NULL, NULL, "texts one shingle remembers (newest first)" },
	{ "query_rate", CONF_UINT, "20000", &udsd_conf.query_rate, 1,
	    100000000, NULL, NULL, "requests per second one source address "
	    "may send (more are dropped unanswered)" },
	{ "query_burst", CONF_UINT, "40000", &udsd_conf.query_burst, 1,
	    100000000, NULL, NULL, "requests one source may send at once "
	    "beyond its rate" },
	{ "write_rate", CONF_UINT, "200", &udsd_conf.write_rate, 1, 1000000,
	    NULL, NULL, "reports per second one client may send (more are "
	    "refused: rate-limited)" },
	{ "write_burst", CONF_UINT, "2000", &udsd_conf.write_burst, 1,
	    10000000, NULL, NULL, "reports one client may send at once" },
	{ "replay_window", CONF_TIME, "5m", &udsd_conf.replay_window_ms, 1000,
	    86400000, NULL, NULL, "a write's clock may be this far from ours; "
	    "the same write is refused within it" },
	{ "sweep_interval", CONF_TIME, "1s", &udsd_conf.sweep_interval_ms, 10,
	    3600000, NULL, NULL, "LMDB: how often a slice of the store is "
	    "checked for expired signatures" },
	{ "sweep_batch", CONF_UINT, "2000", &udsd_conf.sweep_batch, 10,
	    10000000, NULL, NULL, "LMDB: entries checked per slice (bounds "
	    "the time a slice takes from lookups)" },
	{ "sync_interval", CONF_TIME, "5s", &udsd_conf.sync_interval_ms, 100,
	    3600000, NULL, NULL, "LMDB: how often the file is flushed to "
	    "disk (a crash loses at most this much)" },
	{ NULL }
};

static const struct conf_section udsd_section = {
	"udsd", 0, udsd_params, NULL, "winnow-udsd: the UDS server"
};

/* udsd_conf_register - register [udsd] */

void
udsd_conf_register(void)
{
	conf_register(&udsd_section);
}

/* udsd_conf_store - the store's name after conf_load */

const char *
udsd_conf_store(void)
{
	return (udsd_store_names[udsd_store_idx]);
}

/* clients_ops - "add,delete,ham" as op bits; 0 on error */

static unsigned int
clients_ops(const char *s)
{
	unsigned int	 ops = 0;
	char		**v;
	size_t		 i, n;

	n = conf_list_split(s, &v);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "add") == 0)
			ops |= 1U << UDS_OP_ADD;
		else if (strcmp(v[i], "delete") == 0)
			ops |= 1U << UDS_OP_DELETE;
		else if (strcmp(v[i], "ham") == 0)
			ops |= 1U << UDS_OP_HAM;
		else {
			ops = 0;
			break;
		}
	}
	conf_list_free(v);
	return (ops);
}

/* clients_line - one line: NAME SECRET [OPS] */

static int
clients_line(struct udsd_clients *cl, char *line, struct buf *why)
{
	char		*name, *secret, *ops, *save = NULL;
	struct udsd_client *c;
	size_t		 nl;

	if ((name = strtok_r(line, " \t", &save)) == NULL || name[0] == '#')
		return (0);
	secret = strtok_r(NULL, " \t", &save);
	ops = strtok_r(NULL, "", &save);
	nl = strlen(name);
	if (nl == 0 || nl > UDS_WIRE_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != nl) {
		buf_printf(why, "\"%s\" is not a client name", name);
		return (-1);
	}
	if (udsd_clients_find(cl, name) != NULL) {
		buf_printf(why, "client %s twice", name);
		return (-1);
	}
	if (cl->n >= CLIENTS_MAX) {
		buf_printf(why, "more than %d clients", CLIENTS_MAX);
		return (-1);
	}
	cl->c = xreallocarray(cl->c, cl->n + 1, sizeof(*cl->c));
	c = &cl->c[cl->n];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, nl);
	if (secret == NULL || sodium_hex2bin(c->secret, sizeof(c->secret),
	    secret, strlen(secret), NULL, &nl, NULL) != 0 ||
	    nl != UDS_KEY_LEN || strlen(secret) != 2 * UDS_KEY_LEN) {
		buf_printf(why, "client %s: the secret must be 64 hex digits",
		    name);
		return (-1);
	}
	while (ops != NULL && (*ops == ' ' || *ops == '\t'))
		ops++;
	c->ops = ops == NULL || *ops == '\0' ? (1U << UDS_OP_ADD |
	    1U << UDS_OP_DELETE | 1U << UDS_OP_HAM) : clients_ops(ops);
	if (c->ops == 0) {
		buf_printf(why, "client %s: operations are add, delete, ham",
		    name);
		return (-1);
	}
	cl->n++;
	return (0);
}

/* udsd_clients_load - read the clients file */

struct udsd_clients *
udsd_clients_load(const char *path, struct buf *why)
{
	struct udsd_clients *cl = xcalloc(1, sizeof(*cl));
	struct buf	*lwhy;
	struct stat	 sb;
	char		 line[512];
	FILE		*fp;
	int		 ln = 0;

	if (path == NULL || path[0] == '\0')
		return (cl);
	if ((fp = fopen(path, "re")) == NULL) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		free(cl);
		return (NULL);
	}
	if (fstat(fileno(fp), &sb) == 0 && (sb.st_mode & (S_IRWXG |
	    S_IRWXO))) {
		buf_printf(why, "%s: mode %03o lets others read the secrets "
		    "(chmod 600 it)", path, (unsigned int)sb.st_mode & 0777);
		(void)fclose(fp);
		free(cl);
		return (NULL);
	}
	lwhy = buf_new(64);
	while (fgets(line, sizeof(line), fp) != NULL) {
		ln++;
		line[strcspn(line, "\r\n")] = '\0';
		if (clients_line(cl, line, lwhy) < 0) {
			buf_printf(why, "%s:%d: %s", path, ln, buf_str(lwhy));
			buf_free(lwhy);
			(void)fclose(fp);
			udsd_clients_free(cl);
			return (NULL);
		}
	}
	buf_free(lwhy);
	(void)fclose(fp);
	return (cl);
}

/* udsd_clients_free - NULL is a no-op */

void
udsd_clients_free(struct udsd_clients *cl)
{
	if (cl == NULL)
		return;
	if (cl->c != NULL)
		sodium_memzero(cl->c, cl->n * sizeof(*cl->c));
	free(cl->c);
	free(cl);
}

/* udsd_clients_find - a client by name */

const struct udsd_client *
udsd_clients_find(const struct udsd_clients *cl, const char *name)
{
	size_t	 i;

	for (i = 0; cl != NULL && i < cl->n; i++)
		if (strcmp(cl->c[i].name, name) == 0)
			return (&cl->c[i]);
	return (NULL);
}
