/*
 * sstatus.h - the state of a running winnowd, gathered in one place
 *
 * "winnowctl status", the control API's /api/v1/status, the Prometheus
 * gauges and the monitor's conditions all start from one struct sstatus,
 * filled by sstatus_gather() from the live file (live.h), the store
 * (sstore.h, for the last 5 minutes and the last hour), the spool
 * directory (free space, outq) and the quarantine directory.  Gathering
 * only reads: it never locks or touches a queue file.
 *
 * Exit codes follow the Nagios plugin convention (SSTATUS_OK 0, WARNING
 * 1, CRITICAL 2, UNKNOWN 3): the worst problem the monitor finds
 * (monitor.h); CRITICAL when the master is not running (or stopped);
 * UNKNOWN when there is no live file to say so.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SSTATUS_H
#define WINNOW_SSTATUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "live.h"
#include "sfleet.h"

struct json_t;

enum { SSTATUS_OK = 0, SSTATUS_WARNING, SSTATUS_CRITICAL, SSTATUS_UNKNOWN };

/* Where to look (from the configuration the caller loaded). */
struct sstatus_where {
	const char	*stats_dir;
	const char	*spool_dir;
	const char	*quarantine_dir;	/* "" none */
	uint64_t	 spool_reserve;		/* bytes */
};

struct sstatus {
	int64_t		 now;		/* unix time */
	int		 live_ok;	/* the live file could be read */
	int		 stopped;	/* it went at a clean stop */
	char		 live_why[256];
	int		 master_alive;
	struct live_info info;
	unsigned int	 busy, idle, starting;
	uint64_t	 oldest_busy_ms;	/* 0 none */
	pid_t		 oldest_pid;
	char		 oldest_qid[LIVE_QID_MAX];
	/* the last 5 minutes */
	uint64_t	 m5_msgs;
	uint64_t	 m5_down_msgs;		/* with a downstream deferral */
	uint64_t	 m5_dns_checked, m5_dns_timeout;
	uint64_t	 m5_crashes;
	/* the last hour */
	uint64_t	 h1_msgs, h1_infected;
	/* disk */
	int		 spool_ok;
	uint64_t	 spool_free, spool_reserve;
	size_t		 outq_n;
	int64_t		 outq_oldest;		/* unix time, 0 none */
	int		 quar_ok;
	size_t		 quar_n;
	uint64_t	 quar_bytes;
	/* what the groups want */
	int		 av_needed, spam_needed;
	/* the store */
	int		 store_ok;
	char		 store_problem[512];	/* the first, "" none */
	size_t		 store_nproblems;
	/* the fleet's nodes down, as the fleet process saw them last
	 * (sfleet.h; none when there is no fresh view) */
	size_t		 fleet_ndown;
	char		 fleet_down[8][SFLEET_NAME_MAX];
	int64_t		 fleet_quiet_ms[8];
};

/* Gather everything; l may be NULL (the live file is opened and closed
 * here then). */
void		 sstatus_gather(struct sstatus *, const struct live *l,
		    const struct sstatus_where *);

/* The status as JSON (with the monitor's problems) and its exit code. */
struct json_t	*sstatus_json(const struct sstatus *, int *code_r);

/* The status as text for a terminal, and its exit code. */
void		 sstatus_text(const struct sstatus *, struct buf *out,
		    int *code_r);

/* "ok", "warning", "critical", "unknown". */
const char	*sstatus_code_name(int);

#endif /* WINNOW_SSTATUS_H */
