/* test_fleet_status.c - unit tests for fleet/fleet_status.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "fleet_key.h"
#include "fleet_status.h"

Test(fleet_status, both_ways)
{
	struct fleet_status a, b;
	struct buf	*t = buf_new(256), *why = buf_new(64);
	char		 k[FLEET_KEY_MAX];

	fleet_key_status("mx1", k, sizeof(k));
	cr_assert_str_eq(k, "winnow:fleet:status:mx1");
	memset(&a, 0, sizeof(a));
	a.generation = 7;
	a.started = 1700000000;
	a.messages_5m = 1234;
	a.nalerts = 2;
	(void)strcpy(a.alert[0].id, "spool-space");
	(void)strcpy(a.alert[0].severity, "critical");
	(void)strcpy(a.alert[0].text, "free space \"under\" 1 GB");
	(void)strcpy(a.alert[1].id, "model-age");
	(void)strcpy(a.alert[1].severity, "warning");
	fleet_status_format(&a, t);
	cr_assert_eq(fleet_status_parse(t->data, buf_len(t), &b, why), 0,
	    "%s", buf_str(why));
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	buf_free(t);
	buf_free(why);
}

Test(fleet_status, foreign_values_are_no_status)
{
	static const char *const bad[] = {
		"", "[]", "{}", "null", "{\"generation\":1}",
		"{\"generation\":-1,\"started\":0,\"messages_5m\":0,"
		"\"alerts\":[]}",
		"{\"generation\":4294967296,\"started\":0,\"messages_5m\":0,"
		"\"alerts\":[]}",
		"{\"generation\":1,\"started\":0,\"messages_5m\":\"9\","
		"\"alerts\":[]}",
		"{\"generation\":1,\"started\":0,\"messages_5m\":0,"
		"\"alerts\":[1]}",
		"{\"generation\":1,\"started\":0,\"messages_5m\":0,"
		"\"alerts\":[{\"id\":\"x\",\"severity\":\"warning\"}]}",
		"{\"generation\":1,\"started\":0,\"messages_5m\":0,"
		"\"alerts\":[{\"id\":\"node-down:0123456789012345678901234567"
		"890123456789012345678901234567890123456789x\","
		"\"severity\":\"warning\",\"text\":\"\"}]}",
		"{\"generation\":1,\"started\":0,\"messages_5m\":0,"
		"\"alerts\":[{\"id\":\"a\\u0000b\",\"severity\":\"warning\","
		"\"text\":\"\"}]}",
		"{\"generation\":1,\"generation\":2,\"started\":0,"
		"\"messages_5m\":0,\"alerts\":[]}",
		NULL
	};
	static const char ok[] = "{\"generation\":1,\"started\":2,"
	    "\"messages_5m\":3,\"alerts\":[],\"more\":\"ignored\"}";
	struct fleet_status st;
	struct buf	*why = buf_new(64);
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(fleet_status_parse(bad[i], strlen(bad[i]), &st,
		    why), -1, "%s", bad[i]);
		cr_assert(buf_len(why) > 0);
	}
	cr_assert_eq(fleet_status_parse(ok, strlen(ok), &st, why), 0);
	cr_assert_eq(st.messages_5m, 3);
	buf_free(why);
}
