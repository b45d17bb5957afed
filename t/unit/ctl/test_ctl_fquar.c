/* test_ctl_fquar.c - unit tests for ctl/ctl_fquar.c: the request that
 * quarantine CMD ID --node sends to the owning node's control API */

#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "ctl.h"

static struct ctl_fq_request q;
static struct buf *why;

static void
setup(void)
{
	why = buf_new(64);
}

static void
teardown(void)
{
	json_decref(q.body);
	buf_free(why);
}

TestSuite(ctl_fquar, .init = setup, .fini = teardown);

/* req - ctl_fquar_request of the words of args (argv[0] "quarantine") */

static int
req(const char *args)
{
	static char	 text[256], *v[16];
	char		*p, *save = NULL;
	int		 n = 0;

	(void)snprintf(text, sizeof(text), "quarantine %s", args);
	for (p = strtok_r(text, " ", &save); p != NULL && n < 15;
	    p = strtok_r(NULL, " ", &save))
		v[n++] = p;
	v[n] = NULL;
	buf_reset(why);
	return (ctl_fquar_request(n, v, &q, why));
}

Test(ctl_fquar, show_release_delete_as_before)
{
	cr_assert_eq(req("show Q1"), 0, "%s", buf_str(why));
	cr_assert_str_eq(q.method, "GET");
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q1");
	cr_assert_null(q.body);
	cr_assert_eq(req("show Q1 --message --json"), 0, "%s", buf_str(why));
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q1");
	cr_assert_eq(req("delete Q1"), 0);
	cr_assert_str_eq(q.method, "POST");
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q1/delete");
	cr_assert_eq(q.more_ids, 0);
	cr_assert_eq(req("delete Q1 Q2 Q3"), 0, "%s", buf_str(why));
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q1/delete");
	cr_assert_eq(q.more_ids, 2);
	cr_assert_eq(req("release Q1 --to a@b.example --force"), 0);
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q1/release");
	cr_assert(json_is_true(json_object_get(q.body, "force")));
	cr_assert_str_eq(json_string_value(json_object_get(q.body, "to")),
	    "a@b.example");
	json_decref(q.body);
	cr_assert_eq(req("release Q1"), 0);
	cr_assert(json_is_false(json_object_get(q.body, "force")));
	cr_assert_null(json_object_get(q.body, "to"));
}

Test(ctl_fquar, learn_message_explain)
{
	cr_assert_eq(req("learn Q2 --spam"), 0, "%s", buf_str(why));
	cr_assert_str_eq(q.method, "POST");
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q2/learn");
	cr_assert_str_eq(json_string_value(json_object_get(q.body, "as")),
	    "spam");
	cr_assert_eq(q.raw_only, 0);
	json_decref(q.body);
	cr_assert_eq(req("learn Q2 --ham --ham"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(q.body, "as")),
	    "ham");
	json_decref(q.body);
	cr_assert_eq(req("message Q2"), 0);
	cr_assert_str_eq(q.method, "GET");
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q2/message");
	cr_assert_null(q.body);
	cr_assert_eq(q.raw_only, 1);
	cr_assert_eq(req("explain Q2"), 0);
	cr_assert_str_eq(q.method, "POST");
	cr_assert_str_eq(q.path, "/api/v1/quarantine/Q2/explain");
	cr_assert_eq(q.raw_only, 1);
}

Test(ctl_fquar, refused)
{
	cr_assert_eq(req("learn Q2"), -1, "learn needs --spam or --ham");
	cr_assert(strstr(buf_str(why), "--spam or --ham") != NULL);
	cr_assert_eq(req("learn Q2 --spam --ham"), -1);
	cr_assert_eq(req("learn Q2 --force"), -1);
	cr_assert_eq(req("show Q2 --to a@b.example"), -1);
	cr_assert_eq(req("explain Q2 --spam"), -1);
	cr_assert_eq(req("purge Q2"), -1);
	cr_assert_eq(req("list"), -1);
	cr_assert_eq(req("show"), -1);
	cr_assert_eq(req("show ../status"), -1, "no other path");
	cr_assert_eq(req("message Q2?x=1"), -1);
	cr_assert(strstr(buf_str(why), "not an entry's ID") != NULL);
}
