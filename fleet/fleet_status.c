/*
 * fleet_status.c - a node's status key: made and parsed (fleet_status.h)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"

#include "fleet_status.h"

/* fleet_status_format - the status as JSON */

void
fleet_status_format(const struct fleet_status *st, struct buf *out)
{
	json_t		*j, *a;
	char		*s;
	size_t		 i;

	a = json_array();
	for (i = 0; i < st->nalerts && i < FLEET_STATUS_ALERTS; i++)
		(void)json_array_append_new(a, json_pack("{s:s, s:s, s:s}",
		    "id", st->alert[i].id, "severity", st->alert[i].severity,
		    "text", st->alert[i].text));
	j = json_pack("{s:I, s:I, s:I, s:o}", "generation",
	    (json_int_t)st->generation, "started", (json_int_t)st->started,
	    "messages_5m", (json_int_t)st->messages_5m, "alerts", a);
	s = json_dumps(j, JSON_COMPACT);
	buf_puts(out, s != NULL ? s : "{}");
	free(s);
	json_decref(j);
}

/* fleet_status_str - a string member that fits; 0 or -1 */

static int
fleet_status_str(json_t *o, const char *name, char *out, size_t n)
{
	json_t		*v = json_object_get(o, name);

	if (!json_is_string(v) || json_string_length(v) >= n ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return (-1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return (0);
}

/* fleet_status_parse - a status from Redis */

int
fleet_status_parse(const char *s, size_t len, struct fleet_status *st,
    struct buf *why)
{
	json_error_t	 e;
	json_t		*j, *g, *t, *m, *a, *o;
	size_t		 i;
	int		 rc = -1;

	memset(st, 0, sizeof(*st));
	if ((j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &e)) == NULL) {
		buf_printf(why, "status: %s", e.text);
		return (-1);
	}
	g = json_object_get(j, "generation");
	t = json_object_get(j, "started");
	m = json_object_get(j, "messages_5m");
	a = json_object_get(j, "alerts");
	if (!json_is_object(j) || !json_is_integer(g) ||
	    json_integer_value(g) < 0 || json_integer_value(g) > UINT32_MAX ||
	    !json_is_integer(t) || json_integer_value(t) < 0 ||
	    !json_is_integer(m) || json_integer_value(m) < 0 ||
	    !json_is_array(a) || json_array_size(a) > FLEET_STATUS_ALERTS) {
		buf_printf(why, "status: not a node's status");
		goto out;
	}
	st->generation = (uint32_t)json_integer_value(g);
	st->started = json_integer_value(t);
	st->messages_5m = (uint64_t)json_integer_value(m);
	json_array_foreach(a, i, o) {
		if (!json_is_object(o) || fleet_status_str(o, "id",
		    st->alert[i].id, sizeof(st->alert[i].id)) < 0 ||
		    fleet_status_str(o, "severity", st->alert[i].severity,
		    sizeof(st->alert[i].severity)) < 0 ||
		    fleet_status_str(o, "text", st->alert[i].text,
		    sizeof(st->alert[i].text)) < 0) {
			buf_printf(why, "status: alert %zu is not one", i);
			goto out;
		}
		st->nalerts = i + 1;
	}
	rc = 0;
out:
	json_decref(j);
	return (rc);
}
