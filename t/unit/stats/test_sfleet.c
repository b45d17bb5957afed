/* test_sfleet.c - unit tests for stats/sfleet.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "sfleet.h"
#include "testutil.h"

/* view - a view written at 'at', Redis as said, with nodes */

static json_t *
view(const char *path, int64_t at, const char *redis, const char *nodes)
{
	struct buf	*why = buf_new(64);
	json_error_t	 e;
	json_t		*j;

	j = json_pack("{s:s, s:I, s:I, s:s, s:o}", "self", "mx1",
	    "updated_ms", (json_int_t)at, "heartbeat_ms", (json_int_t)10000,
	    "redis", redis, "nodes", json_loads(nodes, 0, &e));
	cr_assert_eq(sfleet_save(path, j, why), 0, "%s", buf_str(why));
	json_decref(j);
	j = sfleet_load(path, at + 5000, why);
	cr_assert_not_null(j, "%s", buf_str(why));
	buf_free(why);
	return (j);
}

Test(sfleet, path_save_load_and_down)
{
	const char	*dir = tu_tmpdir();
	char		 path[4096], names[4][SFLEET_NAME_MAX];
	int64_t		 quiet[4];
	json_t		*j;

	sfleet_path(dir, path, sizeof(path));
	cr_assert(strstr(path, "/fleet/nodes") != NULL);
	(void)snprintf(path, sizeof(path), "%s/nodes", dir);
	j = view(path, 1700000000000LL, "ok", "[{\"node\":\"mx1\",\"state\":"
	    "\"down\",\"age_ms\":1},{\"node\":\"mx2\",\"state\":\"up\","
	    "\"age_ms\":2},{\"node\":\"mx3\",\"state\":\"down\",\"age_ms\":"
	    "40000}]");
	cr_assert(json_is_true(json_object_get(j, "fresh")));
	cr_assert_eq(json_integer_value(json_object_get(j, "age_ms")), 5000);
	/* this node (mx1) is never its own alert */
	cr_assert_eq(sfleet_down(j, names, quiet, 4), 1);
	cr_assert_str_eq(names[0], "mx3");
	cr_assert_eq(quiet[0], 40000);
	cr_assert_eq(sfleet_down(j, names, quiet, 0), 0);
	json_decref(j);
}

Test(sfleet, nothing_down_when_it_cannot_tell)
{
	const char	*dir = tu_tmpdir();
	char		 path[4096], names[4][SFLEET_NAME_MAX];
	struct buf	*why = buf_new(64);
	int64_t		 quiet[4];
	json_t		*j;
	FILE		*f;

	(void)snprintf(path, sizeof(path), "%s/nodes", dir);
	j = view(path, 1000000, "unavailable", "[{\"node\":\"mx3\","
	    "\"state\":\"down\"}]");
	cr_assert_eq(sfleet_down(j, names, quiet, 4), 0);
	json_decref(j);
	/* a view not written for 3 heartbeats (and 2 s) is stale */
	j = view(path, 1000000, "ok", "[{\"node\":\"mx3\",\"state\":"
	    "\"down\"}]");
	json_decref(j);
	j = sfleet_load(path, 1000000 + 32001, why);
	cr_assert(json_is_false(json_object_get(j, "fresh")));
	cr_assert_eq(sfleet_down(j, names, quiet, 4), 0);
	json_decref(j);
	j = sfleet_load(path, 1000000 + 32000, why);
	cr_assert(json_is_true(json_object_get(j, "fresh")));
	cr_assert_eq(sfleet_down(j, names, quiet, 4), 1);
	json_decref(j);
	/* not a view; no file */
	f = fopen(path, "w");
	(void)fputs("{\"nodes\": 3}", f);
	(void)fclose(f);
	cr_assert_null(sfleet_load(path, 0, why));
	cr_assert(strstr(buf_str(why), "not a view") != NULL);
	(void)unlink(path);
	cr_assert_null(sfleet_load(path, 0, why));
	buf_free(why);
}
