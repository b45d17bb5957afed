/*
 * fleet_status.h - a node's status key (fleet_key.h): what the Nodes
 * page shows of a node besides its heartbeat, made and parsed
 *
 * JSON: {"generation": N, "started": UNIX, "messages_5m": N,
 * "alerts": [{"id", "severity", "text"}]}.  What Redis hands back is
 * parsed with every type and length checked (fuzz/fuzz_fleet_status.c):
 * a foreign or damaged value is no status, never a crash.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_STATUS_H
#define WINNOW_FLEET_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FLEET_STATUS_ALERTS	16

/* A node's own alerts: their ids are the monitor's (stats/monitor.h,
 * MONITOR_ID_MAX). */
#define FLEET_ALERT_ID_MAX	80

struct fleet_alert {
	char		 id[FLEET_ALERT_ID_MAX];
	char		 severity[16];
	char		 text[256];
};

struct fleet_status {
	uint32_t	 generation;
	int64_t		 started;
	uint64_t	 messages_5m;
	size_t		 nalerts;
	struct fleet_alert alert[FLEET_STATUS_ALERTS];
};

/* The status as JSON text into out. */
void		 fleet_status_format(const struct fleet_status *,
		    struct buf *out);

/* Parse len bytes; 0, or -1 with why. */
int		 fleet_status_parse(const char *, size_t len,
		    struct fleet_status *, struct buf *why);

#endif /* WINNOW_FLEET_STATUS_H */
