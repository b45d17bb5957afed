/*
 * fleet_model.c - shared learning's keys and encodings: stream ids,
 * version numbers and a version's metadata, as read back from Redis
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

/* lib */
#include "buf.h"

/* fleet */
#include "fleet_conf.h"
#include "fleet_model.h"

/* fleet_model_num - a decimal number of len bytes no larger than max */

static int
fleet_model_num(const char *s, size_t len, uint64_t max, uint64_t *v_r)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > 20)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*v_r = v;
	return (0);
}

/* fleet_sid_parse - a stream id "MS-SEQ" */

int
fleet_sid_parse(const char *s, size_t len, struct fleet_sid *id,
    struct buf *why)
{
	const char	*dash = memchr(s, '-', len);

	if (dash == NULL || fleet_model_num(s, (size_t)(dash - s),
	    UINT64_MAX, &id->ms) < 0 || fleet_model_num(dash + 1,
	    len - (size_t)(dash - s) - 1, UINT64_MAX, &id->seq) < 0) {
		buf_printf(why, "bad stream id \"");
		buf_append_safe(why, s, len > 40 ? 40 : len);
		buf_printf(why, "\"");
		return (-1);
	}
	return (0);
}

/* fleet_sid_format - a stream id as text */

void
fleet_sid_format(const struct fleet_sid *id, char *out, size_t n)
{
	(void)snprintf(out, n, "%" PRIu64 "-%" PRIu64, id->ms, id->seq);
}

/* fleet_sid_cmp - order of two stream ids */

int
fleet_sid_cmp(const struct fleet_sid *a, const struct fleet_sid *b)
{
	if (a->ms != b->ms)
		return (a->ms < b->ms ? -1 : 1);
	if (a->seq != b->seq)
		return (a->seq < b->seq ? -1 : 1);
	return (0);
}

/* fleet_key_model - the key of a version's model */

void
fleet_key_model(uint64_t v, char *out, size_t n)
{
	(void)snprintf(out, n, "winnow:fleet:model:%" PRIu64, v);
}

/* fleet_version_parse - a version number */

int
fleet_version_parse(const char *s, size_t len, uint64_t *v_r,
    struct buf *why)
{
	if (fleet_model_num(s, len, INT64_MAX, v_r) < 0 || *v_r == 0) {
		buf_printf(why, "bad model version \"");
		buf_append_safe(why, s, len > 40 ? 40 : len);
		buf_printf(why, "\"");
		return (-1);
	}
	return (0);
}

/* fleet_mver_format - a version's metadata as text */

void
fleet_mver_format(const struct fleet_mver *m, struct buf *out)
{
	char	 sid[48];

	fleet_sid_format(&m->upto, sid, sizeof(sid));
	buf_printf(out, "time=%" PRId64 " node=%s examples=%" PRIu64
	    " spam=%" PRIu64 " ham=%" PRIu64 " upto=%s from=%" PRIu64
	    "%s", m->time_ms, m->node, m->examples, m->nspam, m->nham, sid,
	    m->from, m->rollback ? " rollback=1" : "");
}

/* fleet_mver_word - one "name=value" word of a version's metadata */

static int
fleet_mver_word(const char *w, size_t n, struct fleet_mver *m, int *seen)
{
	const char	*eq = memchr(w, '=', n);
	struct buf	*why;
	size_t		 kl, vl;
	uint64_t	 v;
	int		 rc;

	if (eq == NULL)
		return (-1);
	kl = (size_t)(eq - w);
	vl = n - kl - 1;
	if (kl == 4 && memcmp(w, "node", 4) == 0) {
		char	 node[FLEET_NODE_MAX + 1];

		if (vl == 0 || vl > FLEET_NODE_MAX ||
		    memchr(eq + 1, '\0', vl) != NULL)
			return (-1);
		memcpy(node, eq + 1, vl);
		node[vl] = '\0';
		why = buf_new(16);
		rc = fleet_node_check(node, why);
		buf_free(why);
		if (rc < 0)
			return (-1);
		memset(m->node, 0, sizeof(m->node));
		memcpy(m->node, node, vl);
		*seen |= 2;
		return (0);
	}
	if (kl == 4 && memcmp(w, "upto", 4) == 0) {
		why = buf_new(16);
		rc = fleet_sid_parse(eq + 1, vl, &m->upto, why);
		buf_free(why);
		return (rc);
	}
	if (fleet_model_num(eq + 1, vl, INT64_MAX, &v) < 0)
		return (kl == 0 ? -1 : 0);	/* a newer node's word */
	if (kl == 4 && memcmp(w, "time", 4) == 0) {
		m->time_ms = (int64_t)v;
		*seen |= 1;
	} else if (kl == 8 && memcmp(w, "examples", 8) == 0)
		m->examples = v;
	else if (kl == 4 && memcmp(w, "spam", 4) == 0)
		m->nspam = v;
	else if (kl == 3 && memcmp(w, "ham", 3) == 0)
		m->nham = v;
	else if (kl == 4 && memcmp(w, "from", 4) == 0)
		m->from = v;
	else if (kl == 8 && memcmp(w, "rollback", 8) == 0)
		m->rollback = v != 0;
	return (0);
}

/* fleet_mver_parse - a version's metadata */

int
fleet_mver_parse(const char *s, size_t len, struct fleet_mver *m,
    struct buf *why)
{
	size_t	 i = 0, j;
	int	 seen = 0;

	memset(m, 0, sizeof(*m));
	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		for (j = i; j < len && s[j] != ' '; j++)
			;
		if (fleet_mver_word(s + i, j - i, m, &seen) < 0) {
			buf_printf(why, "bad model version word \"");
			buf_append_safe(why, s + i, j - i > 40 ? 40 : j - i);
			buf_printf(why, "\"");
			return (-1);
		}
		i = j;
	}
	if (seen != 3) {
		buf_printf(why, "model version without time= or node=");
		return (-1);
	}
	return (0);
}

/* fleet_class_parse - "spam" or "ham" */

int
fleet_class_parse(const char *s, size_t len)
{
	if (len == 4 && memcmp(s, "spam", 4) == 0)
		return (1);
	if (len == 3 && memcmp(s, "ham", 3) == 0)
		return (0);
	return (-1);
}

/* fleet_example_field - a field of an entry's field list, or NULL */

static const redisReply *
fleet_example_field(const redisReply *f, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    f->element[i]->len == n &&
		    memcmp(f->element[i]->str, name, n) == 0 &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			return (f->element[i + 1]);
	return (NULL);
}

/* fleet_example_parse - one entry of the learning stream */

int
fleet_example_parse(const redisReply *e, struct fleet_example *ex,
    struct buf *why)
{
	const redisReply *cls, *msg;

	memset(ex, 0, sizeof(*ex));
	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING) {
		buf_printf(why, "not a stream entry");
		return (-1);
	}
	if (fleet_sid_parse(e->element[0]->str, e->element[0]->len, &ex->id,
	    why) < 0)
		return (-1);
	if (e->element[1]->type != REDIS_REPLY_ARRAY)
		return (1);
	cls = fleet_example_field(e->element[1], "class");
	msg = fleet_example_field(e->element[1], "msg");
	if (cls == NULL || msg == NULL || msg->len > FLEET_LEARN_MAX ||
	    (ex->spam = fleet_class_parse(cls->str, cls->len)) < 0)
		return (1);
	ex->msg = msg->str;
	ex->len = msg->len;
	return (0);
}
