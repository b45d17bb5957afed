/*
 * fleet_client.c - a blocking hiredis connection: sentinels, AUTH, SELECT
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

/* fleet */
#include "fleet_client.h"
#include "fleet_conf.h"
#include "fleet_key.h"

/* fleet_client_tcp - connect to one address within the timeout */

static redisContext *
fleet_client_tcp(const struct fleet_addr *a, unsigned int ms,
    struct buf *why)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	redisContext	*c;

	c = redisConnectWithTimeout(a->host, (int)a->port, tv);
	if (c == NULL || c->err) {
		buf_printf(why, "%s:%u: %s", a->host, a->port,
		    c ? c->errstr : "cannot connect");
		redisFree(c);
		return (NULL);
	}
	(void)redisSetTimeout(c, tv);
	return (c);
}

/* fleet_client_ask - one command whose answer must not be an error */

static redisReply *
fleet_client_ask(redisContext *c, struct buf *why, const char *what,
    const char *fmt, const char *arg)
{
	redisReply	*r = redisCommand(c, fmt, arg);

	if (r == NULL) {
		buf_printf(why, "%s: %s", what, c->errstr);
		return (NULL);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		buf_printf(why, "%s: %.*s", what, (int)r->len, r->str);
		freeReplyObject(r);
		return (NULL);
	}
	return (r);
}

/* fleet_client_primary - ask the sentinels for the primary */

static int
fleet_client_primary(const struct fleet_url *u, unsigned int ms,
    struct fleet_addr *a, struct buf *why)
{
	redisContext	*c;
	redisReply	*r;
	size_t		 i;

	for (i = 0; i < u->naddr; i++) {
		if (i > 0)
			buf_printf(why, "; ");
		if ((c = fleet_client_tcp(&u->addr[i], ms, why)) == NULL)
			continue;
		r = fleet_client_ask(c, why, "sentinel",
		    "SENTINEL get-master-addr-by-name %s", u->master);
		redisFree(c);
		if (r == NULL)
			continue;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_STRING &&
		    fleet_primary_parse(r->element[0]->str,
		    r->element[0]->len, r->element[1]->str,
		    r->element[1]->len, a, why) == 0) {
			freeReplyObject(r);
			return (0);
		}
		buf_printf(why, "%s:%u does not know primary \"%s\"",
		    u->addr[i].host, u->addr[i].port, u->master);
		freeReplyObject(r);
	}
	return (-1);
}

/* fleet_client_connect - connect, authenticate, select */

redisContext *
fleet_client_connect(const struct fleet_url *u, const char *password,
    unsigned int ms, struct buf *why)
{
	struct fleet_addr a = u->addr[0];
	redisContext	*c;
	redisReply	*r;
	char		 db[16];

	if (u->sentinel && fleet_client_primary(u, ms, &a, why) < 0)
		return (NULL);
	if ((c = fleet_client_tcp(&a, ms, why)) == NULL)
		return (NULL);
	if (password != NULL) {
		if ((r = fleet_client_ask(c, why, "AUTH", "AUTH %s",
		    password)) == NULL)
			goto fail;
		freeReplyObject(r);
	}
	(void)snprintf(db, sizeof(db), "%u", u->db);
	if ((r = fleet_client_ask(c, why, "SELECT", "SELECT %s", db)) == NULL)
		goto fail;
	freeReplyObject(r);
	return (c);
fail:
	redisFree(c);
	return (NULL);
}

/* fleet_client_open - connect as [fleet] says */

redisContext *
fleet_client_open(struct buf *why)
{
	struct fleet_url u;
	redisContext	*c;
	char		*pw;

	if (!fleet_conf_on()) {
		buf_printf(why, "no fleet: [fleet] redis is not set");
		return (NULL);
	}
	if (fleet_url_parse(fleet_conf.redis, &u, why) < 0 ||
	    fleet_password(&pw, why) < 0)
		return (NULL);
	c = fleet_client_connect(&u, pw, fleet_conf.connect_timeout, why);
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return (c);
}

/* fleet_client_close - close */

void
fleet_client_close(redisContext *c)
{
	if (c != NULL)
		redisFree(c);
}
