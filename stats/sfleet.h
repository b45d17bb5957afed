/*
 * sfleet.h - the fleet's nodes as this node's fleet process last saw them
 *
 * Only the fleet process talks to Redis.  Every heartbeat it writes what
 * it read of the fleet - each node's heartbeat, status and alerts - into
 * [stats] dir/fleet/nodes (JSON, a new file renamed into place), or that
 * Redis is unavailable and why; the control API, the dashboard, winnowctl
 * status and the monitor read that file, so none of them waits for Redis.
 *
 *	{"self": NODE, "updated_ms": MS, "heartbeat_ms": MS,
 *	 "redis": "ok" | "unavailable", "error": WHY, "seen_ms": MS,
 *	 "nodes": [{"node", "state": "up"|"down"|"unknown", "last_ms",
 *	   "age_ms", "interval_ms", "version", "generation", "started",
 *	   "messages_5m", "rate", "alerts": [monitor problems]}]}
 *
 * A file not rewritten for SFLEET_STALE heartbeats (the fleet process is
 * gone or stuck) is stale: its nodes say nothing about now.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SFLEET_H
#define WINNOW_SFLEET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct json_t;

#define SFLEET_STALE	3
#define SFLEET_NAME_MAX	72	/* [fleet] node: up to 64 */

/* [stats] dir/fleet/nodes */
void		 sfleet_path(const char *stats_dir, char *, size_t);

/* Write the view whole; 0, or -1 with why. */
int		 sfleet_save(const char *path, struct json_t *,
		    struct buf *why);

/* Read the view and add "fresh" (true/false) and "age_ms" (since it was
 * written) as of now_ms; NULL with why (missing, or not a view). */
struct json_t	*sfleet_load(const char *path, int64_t now_ms,
		    struct buf *why);

/* The nodes a fresh view with Redis answering shows down, this node
 * aside: up to max names (and how long each has been quiet, ms). */
size_t		 sfleet_down(const struct json_t *,
		    char (*names)[SFLEET_NAME_MAX], int64_t *quiet_ms,
		    size_t max);

#endif /* WINNOW_SFLEET_H */
