/*
 * sfleet.c - the fleet's nodes as this node's fleet process last saw
 * them: the view file's path, writing, reading and the nodes down
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"

#include "sfleet.h"

/* sfleet_path - [stats] dir/fleet/nodes */

void
sfleet_path(const char *stats_dir, char *out, size_t n)
{
	(void)snprintf(out, n, "%s/fleet/nodes", stats_dir);
}

/* sfleet_save - a new file, renamed into place */

int
sfleet_save(const char *path, json_t *j, struct buf *why)
{
	char	 tmp[4200];

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(j, tmp, JSON_COMPACT) < 0) {
		buf_printf(why, "%s: cannot write it", tmp);
		(void)unlink(tmp);
		return (-1);
	}
	if (rename(tmp, path) < 0) {
		buf_printf(why, "rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return (-1);
	}
	return (0);
}

/* sfleet_load - the view, with its freshness */

json_t *
sfleet_load(const char *path, int64_t now_ms, struct buf *why)
{
	json_error_t	 e;
	json_t		*j;
	json_int_t	 at, beat;

	if ((j = json_load_file(path, 0, &e)) == NULL) {
		buf_printf(why, "%s: %s", path, e.text);
		return (NULL);
	}
	if (!json_is_object(j) || !json_is_array(json_object_get(j,
	    "nodes"))) {
		buf_printf(why, "%s: not a view of the fleet", path);
		json_decref(j);
		return (NULL);
	}
	at = json_integer_value(json_object_get(j, "updated_ms"));
	beat = json_integer_value(json_object_get(j, "heartbeat_ms"));
	(void)json_object_set_new(j, "age_ms", json_integer(now_ms - at));
	(void)json_object_set_new(j, "fresh", json_boolean(now_ms - at <=
	    SFLEET_STALE * beat + 2000));
	return (j);
}

/* sfleet_down - the other nodes down, when the view can tell */

size_t
sfleet_down(const json_t *j, char (*names)[SFLEET_NAME_MAX],
    int64_t *quiet_ms, size_t max)
{
	const char	*self, *name, *state, *redis;
	json_t		*a, *o;
	size_t		 i, n = 0;

	redis = json_string_value(json_object_get(j, "redis"));
	if (!json_is_true(json_object_get(j, "fresh")) || redis == NULL ||
	    strcmp(redis, "ok") != 0)
		return (0);
	self = json_string_value(json_object_get(j, "self"));
	a = json_object_get(j, "nodes");
	json_array_foreach(a, i, o) {
		name = json_string_value(json_object_get(o, "node"));
		state = json_string_value(json_object_get(o, "state"));
		if (name == NULL || state == NULL || strcmp(state, "down") !=
		    0 || (self != NULL && strcmp(name, self) == 0) || n == max)
			continue;
		(void)snprintf(names[n], SFLEET_NAME_MAX, "%s", name);
		quiet_ms[n++] = json_integer_value(json_object_get(o,
		    "age_ms"));
	}
	return (n);
}
