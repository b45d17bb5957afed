/* test_api.c - unit tests for server/api.c: the routes */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "control.h"
#include "history.h"
#include "live.h"
#include "server.h"
#include "svec.h"
#include "testutil.h"
#include "xalloc.h"

static struct control_req r;

static void
setup(void)
{
	struct buf	*why = buf_new(64);
	struct live_info in;

	conf_reset();
	server_register_all();
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(tu_tmpdir());
	server_live = live_create(NULL, 16, (gid_t)-1, why);
	memset(&in, 0, sizeof(in));
	in.master_pid = getpid();
	in.max_children = 3;
	live_set_info(server_live, &in);
	memset(&r, 0, sizeof(r));
	r.body = buf_new(1024);
	r.in = buf_new(64);
	r.status = 200;
	/* a unix-socket peer of our own group: no token needed (ctlauth.c) */
	r.unix_peer = 1;
	r.peer_trusted = 1;
	buf_free(why);
}

static void
teardown(void)
{
	buf_free(r.body);
	buf_free(r.in);
}

TestSuite(api, .init = setup, .fini = teardown);

/* ask - a request without a query */

static json_t *
ask(const char *method, const char *path)
{
	json_error_t	 err;

	buf_reset(r.body);
	r.status = 200;
	r.method = method;
	r.path = path;
	api_dispatch(&r);
	if (strncmp(r.type, "application/json", 16) != 0)
		return (NULL);
	return (json_loads(buf_str(r.body), 0, &err));
}

Test(api, metrics)
{
	live_add(server_live, SKEY_CELL(SM_MSGS, live_group(server_live,
	    "All"), 2, 0, 0), 3);
	cr_assert_null(ask("GET", "/metrics"));
	cr_assert_eq(r.status, 200);
	cr_assert(strncmp(r.type, "text/plain; version=0.0.4", 25) == 0);
	cr_assert(strstr(buf_str(r.body), "winnow_messages_total{group=\"All\","
	    "status=\"spam\",av=\"not-scanned\",action=\"accept\"} 3\n") !=
	    NULL, "%s", buf_str(r.body));
	cr_assert(strstr(buf_str(r.body), "winnow_up 1\n") != NULL);
}

Test(api, status_stats_history)
{
	struct history_entry e;
	json_t		*j;

	j = ask("GET", "/api/v1/status");
	cr_assert_not_null(j);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j,
	    "children"), "max")), 3);
	json_decref(j);
	live_add(server_live, SKEY_CELL(SM_MSGS, live_group(server_live,
	    "All"), 0, 0, 0), 2);
	j = ask("GET", "/api/v1/stats");
	cr_assert_eq(r.status, 200, "%s", buf_str(r.body));
	cr_assert_str_eq(json_string_value(json_object_get(j, "period")),
	    "day");
	cr_assert_eq(json_integer_value(json_object_get(j, "total")), 2);
	json_decref(j);
	memset(&e, 0, sizeof(e));
	(void)snprintf(e.qid, sizeof(e.qid), "Q9");
	history_add(server_live, &e);
	j = ask("GET", "/api/v1/history");
	cr_assert_eq(json_integer_value(json_object_get(j, "next")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "entries"), 0), "queue_id")), "Q9");
	json_decref(j);
}

Test(api, errors)
{
	json_t	*j;

	j = ask("GET", "/api/v1/nothing");
	cr_assert_eq(r.status, 404);
	cr_assert_not_null(json_object_get(j, "error"));
	json_decref(j);
	j = ask("POST", "/api/v1/status");
	cr_assert_eq(r.status, 405);
	json_decref(j);
	j = ask("GET", "/api/v1/../v1/status");
	cr_assert_eq(r.status, 404);
	json_decref(j);
}

Test(api, a_credential_is_needed)
{
	json_t	*j;

	r.peer_trusted = 0;
	r.unix_peer = 0;
	(void)snprintf(r.peer, sizeof(r.peer), "127.0.0.1");
	j = ask("GET", "/api/v1/status");
	cr_assert_eq(r.status, 401);
	json_decref(j);
	j = ask("GET", "/api/v1/session");
	cr_assert_eq(r.status, 200);
	cr_assert(json_is_false(json_object_get(j, "authenticated")));
	json_decref(j);
	j = ask("GET", "/metrics");
	cr_assert_eq(r.status, 200, "public by default");
	cr_assert_null(j);
}

Test(api, state_changes_need_json)
{
	json_t	*j;

	j = ask("POST", "/api/v1/reload");
	cr_assert_eq(r.status, 415, "no Content-Type: %s", buf_str(r.body));
	cr_assert_eq(r.reload, 0);
	json_decref(j);
}

Test(api, routes_take_one_segment)
{
	json_t	*j;

	j = ask("GET", "/api/v1/quarantine/a/b");
	cr_assert_eq(r.status, 404);
	json_decref(j);
	j = ask("GET", "/api/v1/history/0");
	cr_assert_eq(r.status, 400);
	json_decref(j);
}
