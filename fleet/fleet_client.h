/*
 * fleet_client.h - a blocking connection to the fleet's Redis, for
 * winnowctl
 *
 * winnowctl asks and prints, so it may wait; each connect is bounded by
 * [fleet] connect_timeout.  With sentinel:// the sentinels are asked in
 * turn for the primary, and the primary is checked (ROLE) before use.
 * The daemon never uses this: its fleet process is asynchronous
 * (server/fleet.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_CLIENT_H
#define WINNOW_FLEET_CLIENT_H

#include "buf.h"

struct redisContext;
struct fleet_url;

/* Connect (AUTH with password unless NULL, SELECT the database); NULL
 * with why. */
struct redisContext *fleet_client_connect(const struct fleet_url *,
		    const char *password, unsigned int timeout_ms,
		    struct buf *why);

/* Connect as [fleet] says; NULL with why (also when no fleet is set). */
struct redisContext *fleet_client_open(struct buf *why);

/* Close; NULL is a no-op. */
void		 fleet_client_close(struct redisContext *);

#endif /* WINNOW_FLEET_CLIENT_H */
