/*
 * fleet_key.h - what a fleet keeps in Redis: the keys and their encodings
 *
 *	winnow:fleet:nodes		set of node names
 *	winnow:fleet:node:NODE		the heartbeat (a string with a TTL):
 *					"time=MS interval=MS started=S pid=N
 *					version=V published=S
 *					control=URL", unknown words
 *					ignored; control= is where the
 *					node's control API is reached
 *					(fleet_quar.h), absent if nowhere
 *	winnow:fleet:status:NODE	the node's own state (a string with
 *					the heartbeat's TTL), JSON:
 *					{"generation", "started",
 *					"messages_5m", "alerts": [monitor
 *					problems]}, for the Nodes page
 *	winnow:fleet:epoch:NODE		the epoch of what the node sent
 *					(fleet_pub.h), hex
 *	winnow:fleet:stats:NODE		hash: field "RES:TS" (a bucket of the
 *					node's statistics store, sstore.h:
 *					resolution 1..3 and its start), value
 *					the bucket's counters in all, packed
 *					(svec.h)
 *	winnow:fleet:history		stream of all nodes' recent verdicts,
 *					each "node", "seq", "text", "json"
 *
 * A bucket's value is the sum of every record of that bucket in the
 * node's store, set whole (HSET), never incremented: writing it again
 * changes nothing, which is what makes a replay after an outage exact.
 * Everything read back from Redis is parsed here with every length and
 * number checked (fuzz/fuzz_fleet_key.c): Redis is shared, and a foreign
 * or damaged value must cost that value only.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_KEY_H
#define WINNOW_FLEET_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct svec;

#define FLEET_KEY_NODES		"winnow:fleet:nodes"
#define FLEET_KEY_HISTORY	"winnow:fleet:history"
#define FLEET_KEY_MAX		128
#define FLEET_FIELD_MAX		32
/* A node quiet for this many heartbeats is down. */
#define FLEET_BEATS_DOWN	3

/* The heartbeat key, the epoch key, the statistics hash and the status
 * key of a node. */
void		 fleet_key_beat(const char *node, char *, size_t);
void		 fleet_key_epoch(const char *node, char *, size_t);
void		 fleet_key_stats(const char *node, char *, size_t);
void		 fleet_key_status(const char *node, char *, size_t);

/* A decimal number of n bytes (no sign, no leading zero) at most max
 * into *v_r: 0, or -1 when it is not one. */
int		 fleet_key_num(const char *, size_t n, int64_t max,
		    int64_t *v_r);

/* A bucket's field: "RES:TS". */
void		 fleet_field_format(int res, int64_t ts, char *, size_t);

/* Parse a field of len bytes: a resolution of sstore.h and a start that
 * is a whole number of its buckets; 0, or -1 with why. */
int		 fleet_field_parse(const char *, size_t len, int *res_r,
		    int64_t *ts_r, struct buf *why);

/* Parse a bucket's value into v (fresh); 0, or -1 with why. */
int		 fleet_bucket_parse(const void *, size_t len, struct svec *v,
		    struct buf *why);

struct fleet_beat {
	int64_t		 time_ms;	/* when it was sent */
	unsigned int	 interval_ms;	/* the sender's heartbeat */
	int64_t		 started;	/* the sender's master started */
	long		 pid;		/* the sender's master */
	int64_t		 published;	/* its statistics are in to here */
	char		 version[32];
	char		 control[200];	/* "" none (FLEET_CONTROL_MAX) */
};

/* A heartbeat as text. */
void		 fleet_beat_format(const struct fleet_beat *, struct buf *out);

/* Parse a heartbeat of len bytes (time and interval required); 0, or -1
 * with why. */
int		 fleet_beat_parse(const char *, size_t len, struct fleet_beat *,
		    struct buf *why);

/* Whether a node whose last heartbeat is b is down at now_ms. */
int		 fleet_beat_down(const struct fleet_beat *, int64_t now_ms);

/* A sentinel's answer to "SENTINEL get-master-addr-by-name": the
 * primary's address and port, of their lengths; 0, or -1 with why. */
struct fleet_addr;
int		 fleet_primary_parse(const char *ip, size_t iplen,
		    const char *port, size_t portlen, struct fleet_addr *,
		    struct buf *why);

#endif /* WINNOW_FLEET_KEY_H */
