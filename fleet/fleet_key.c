/*
 * fleet_key.c - the fleet's keys, bucket fields and heartbeats, both ways
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"

/* stats */
#include "sstore.h"
#include "svec.h"

/* fleet */
#include "fleet_conf.h"
#include "fleet_key.h"

#define FLEET_TS_MAX	((int64_t)1 << 40)	/* year 36812 */

/* fleet_key_beat - the heartbeat key of a node */

void
fleet_key_beat(const char *node, char *out, size_t n)
{
	(void)snprintf(out, n, "winnow:fleet:node:%s", node);
}

/* fleet_key_status - the status key of a node */

void
fleet_key_status(const char *node, char *out, size_t n)
{
	(void)snprintf(out, n, "winnow:fleet:status:%s", node);
}

/* fleet_key_epoch - the epoch key of a node */

void
fleet_key_epoch(const char *node, char *out, size_t n)
{
	(void)snprintf(out, n, "winnow:fleet:epoch:%s", node);
}

/* fleet_key_stats - the statistics hash of a node */

void
fleet_key_stats(const char *node, char *out, size_t n)
{
	(void)snprintf(out, n, "winnow:fleet:stats:%s", node);
}

/* fleet_field_format - a bucket's field */

void
fleet_field_format(int res, int64_t ts, char *out, size_t n)
{
	(void)snprintf(out, n, "%d:%" PRId64, res, ts);
}

/* fleet_key_num - a decimal number without sign or leading zeros, of n
 * bytes, at most max */

int
fleet_key_num(const char *s, size_t n, int64_t max, int64_t *v_r)
{
	int64_t	 v = 0;
	size_t	 i;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return (-1);
	}
	*v_r = v;
	return (0);
}

/* fleet_field_parse - "RES:TS" */

int
fleet_field_parse(const char *s, size_t len, int *res_r, int64_t *ts_r,
    struct buf *why)
{
	int64_t	 ts;

	if (len < 3 || s[0] < '1' || s[0] > '3' || s[1] != ':' ||
	    fleet_key_num(s + 2, len - 2, FLEET_TS_MAX, &ts) < 0 ||
	    ts % sstore_res_seconds(s[0] - '0') != 0) {
		buf_printf(why, "bad bucket field \"");
		buf_append_safe(why, s, len > 40 ? 40 : len);
		buf_printf(why, "\"");
		return (-1);
	}
	*res_r = s[0] - '0';
	*ts_r = ts;
	return (0);
}

/* fleet_bucket_parse - a bucket's counters */

int
fleet_bucket_parse(const void *data, size_t len, struct svec *v,
    struct buf *why)
{
	if (len == 0) {
		buf_printf(why, "empty bucket value");
		return (-1);
	}
	return (svec_unpack(v, data, len, why) == 0 ? 0 : -1);
}

/* fleet_beat_format - a heartbeat as text */

void
fleet_beat_format(const struct fleet_beat *b, struct buf *out)
{
	buf_printf(out, "time=%" PRId64 " interval=%u started=%" PRId64
	    " pid=%ld published=%" PRId64 " version=%s", b->time_ms,
	    b->interval_ms, b->started, b->pid, b->published,
	    b->version[0] != '\0' ? b->version : "-");
	if (b->control[0] != '\0')
		buf_printf(out, " control=%s", b->control);
}

/* fleet_beat_word - one "name=value" word of a heartbeat */

static int
fleet_beat_word(const char *w, size_t n, struct fleet_beat *b, int *seen)
{
	const char	*eq = memchr(w, '=', n);
	size_t		 kl, vl, k;
	int64_t		 v;

	if (eq == NULL)
		return (-1);
	kl = (size_t)(eq - w);
	vl = n - kl - 1;
	if (kl == 7 && memcmp(w, "version", 7) == 0) {
		if (vl == 0 || vl >= sizeof(b->version))
			return (-1);
		for (k = 0; k < vl; k++)
			if (eq[1 + k] <= ' ' || eq[1 + k] > '~')
				return (-1);
		memset(b->version, 0, sizeof(b->version));
		memcpy(b->version, eq + 1, vl);
		return (0);
	}
	if (kl == 7 && memcmp(w, "control", 7) == 0) {
		if (vl == 0 || vl >= sizeof(b->control))
			return (-1);
		for (k = 0; k < vl; k++)
			if (eq[1 + k] <= ' ' || eq[1 + k] > '~')
				return (-1);
		memset(b->control, 0, sizeof(b->control));
		memcpy(b->control, eq + 1, vl);
		return (0);
	}
	if (!(kl == 4 && memcmp(w, "time", 4) == 0) &&
	    !(kl == 8 && memcmp(w, "interval", 8) == 0) &&
	    !(kl == 7 && memcmp(w, "started", 7) == 0) &&
	    !(kl == 3 && memcmp(w, "pid", 3) == 0) &&
	    !(kl == 9 && memcmp(w, "published", 9) == 0))
		return (0);			/* a newer node's word */
	if (fleet_key_num(eq + 1, vl, INT64_C(1) << 50, &v) < 0)
		return (-1);
	switch (w[0]) {
	case 't':
		b->time_ms = v;
		*seen |= 1;
		break;
	case 'i':
		if (v == 0 || v > UINT32_MAX)
			return (-1);
		b->interval_ms = (unsigned int)v;
		*seen |= 2;
		break;
	case 's':
		b->started = v;
		break;
	case 'p':
		if (kl == 3)
			b->pid = (long)v;
		else
			b->published = v;
		break;
	}
	return (0);
}

/* fleet_beat_parse - a heartbeat's text */

int
fleet_beat_parse(const char *s, size_t len, struct fleet_beat *b,
    struct buf *why)
{
	size_t	 i = 0, j;
	int	 seen = 0;

	memset(b, 0, sizeof(*b));
	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		for (j = i; j < len && s[j] != ' '; j++)
			;
		if (fleet_beat_word(s + i, j - i, b, &seen) < 0) {
			buf_printf(why, "bad heartbeat word \"");
			buf_append_safe(why, s + i, j - i > 40 ? 40 : j - i);
			buf_printf(why, "\"");
			return (-1);
		}
		i = j;
	}
	if (seen != 3) {
		buf_printf(why, "heartbeat without time= or interval=");
		return (-1);
	}
	return (0);
}

/* fleet_beat_down - quiet past FLEET_BEATS_DOWN heartbeats */

int
fleet_beat_down(const struct fleet_beat *b, int64_t now_ms)
{
	return (now_ms - b->time_ms > (int64_t)FLEET_BEATS_DOWN *
	    b->interval_ms);
}

/* fleet_primary_parse - the primary's address as a sentinel gave it */

int
fleet_primary_parse(const char *ip, size_t iplen, const char *port,
    size_t portlen, struct fleet_addr *a, struct buf *why)
{
	int64_t	 p;
	size_t	 i;

	for (i = 0; i < iplen; i++)
		if (ip[i] == '\0' ||
		    strchr("0123456789abcdefABCDEF.:", ip[i]) == NULL)
			break;
	if (iplen == 0 || iplen >= sizeof(a->host) || i < iplen ||
	    fleet_key_num(port, portlen, 65535, &p) < 0 || p == 0) {
		buf_printf(why, "a sentinel named a bad primary address");
		return (-1);
	}
	memcpy(a->host, ip, iplen);
	a->host[iplen] = '\0';
	a->port = (unsigned int)p;
	return (0);
}
