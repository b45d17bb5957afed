/* test_fleet_model.c - unit tests for fleet/fleet_model.c */

#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "buf.h"
#include "fleet_model.h"

Test(fleet_model, stream_ids)
{
	struct buf	*why = buf_new(64);
	struct fleet_sid a, b;
	char		 f[48];

	cr_assert_eq(fleet_sid_parse("1796611752379-3", 15, &a, why), 0);
	cr_assert_eq(a.ms, UINT64_C(1796611752379));
	cr_assert_eq(a.seq, 3);
	fleet_sid_format(&a, f, sizeof(f));
	cr_assert_str_eq(f, "1796611752379-3");
	cr_assert_eq(fleet_sid_parse("1796611752379-12", 16, &b, why), 0);
	cr_assert_eq(fleet_sid_cmp(&a, &b), -1);
	cr_assert_eq(fleet_sid_cmp(&b, &a), 1);
	cr_assert_eq(fleet_sid_cmp(&a, &a), 0);
	cr_assert_eq(fleet_sid_parse("0-0", 3, &b, why), 0);
	cr_assert_eq(fleet_sid_cmp(&b, &a), -1);
	cr_assert_eq(fleet_sid_parse("18446744073709551615-1", 22, &b, why),
	    0);
	buf_free(why);
}

Test(fleet_model, bad_stream_ids)
{
	static const char *const bad[] = {
		"", "-", "1-", "-1", "1", "1--1", "a-1", "1-b", "1 -1",
		"18446744073709551616-0", "1-2-3", NULL
	};
	struct buf	*why = buf_new(64);
	struct fleet_sid id;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(fleet_sid_parse(bad[i], strlen(bad[i]), &id,
		    why), -1, "%s", bad[i]);
		cr_assert(buf_len(why) > 0);
	}
	buf_free(why);
}

Test(fleet_model, versions_and_keys)
{
	struct buf	*why = buf_new(64);
	char		 k[128];
	uint64_t	 v;

	cr_assert_eq(fleet_version_parse("42", 2, &v, why), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(fleet_version_parse("0", 1, &v, why), -1);
	cr_assert_eq(fleet_version_parse("", 0, &v, why), -1);
	cr_assert_eq(fleet_version_parse("-1", 2, &v, why), -1);
	cr_assert_eq(fleet_version_parse("9223372036854775808", 19, &v, why),
	    -1);
	cr_assert_eq(fleet_version_parse("9223372036854775807", 19, &v, why),
	    0);
	fleet_key_model(7, k, sizeof(k));
	cr_assert_str_eq(k, "winnow:fleet:model:7");
	buf_free(why);
}

Test(fleet_model, metadata_both_ways)
{
	struct buf	*why = buf_new(64), *t = buf_new(256);
	struct fleet_mver a, b;

	memset(&a, 0, sizeof(a));
	a.version = 9;
	a.time_ms = 1796611752379;
	(void)strcpy(a.node, "node-1.example");
	a.examples = 7;
	a.nspam = 1200;
	a.nham = 1100;
	a.upto.ms = 1796611752379;
	a.upto.seq = 3;
	a.from = 8;
	fleet_mver_format(&a, t);
	cr_assert_str_eq(buf_str(t), "time=1796611752379 node=node-1.example "
	    "examples=7 spam=1200 ham=1100 upto=1796611752379-3 from=8");
	cr_assert_eq(fleet_mver_parse(buf_str(t), buf_len(t), &b, why), 0);
	b.version = 9;		/* the hash field, not the text */
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	a.rollback = 1;
	buf_reset(t);
	fleet_mver_format(&a, t);
	cr_assert(strstr(buf_str(t), " rollback=1") != NULL);
	cr_assert_eq(fleet_mver_parse(buf_str(t), buf_len(t), &b, why), 0);
	cr_assert_eq(b.rollback, 1);
	/* a newer node's words are ignored */
	cr_assert_eq(fleet_mver_parse("time=1 node=n future=yes x=1", 28, &b,
	    why), 0);
	buf_free(t);
	buf_free(why);
}

Test(fleet_model, bad_metadata)
{
	static const char *const bad[] = {
		"", "time=1", "node=n", "time=1 node=", "time=1 node=a/b",
		"time=1 node=n upto=1", "time=1 node=n word", "time=x node=n",
		NULL
	};
	struct buf	*why = buf_new(64);
	struct fleet_mver m;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(fleet_mver_parse(bad[i], strlen(bad[i]), &m,
		    why), -1, "%s", bad[i]);
	}
	cr_assert_eq(fleet_mver_parse("time=1 node=n\0x", 15, &m, why), -1);
	buf_free(why);
}

Test(fleet_model, classes)
{
	cr_assert_eq(fleet_class_parse("spam", 4), 1);
	cr_assert_eq(fleet_class_parse("ham", 3), 0);
	cr_assert_eq(fleet_class_parse("Spam", 4), -1);
	cr_assert_eq(fleet_class_parse("hamx", 4), -1);
	cr_assert_eq(fleet_class_parse("", 0), -1);
}

/* resp - the reply hiredis makes of RESP text */

static redisReply *
resp(const char *s, size_t n)
{
	redisReader	*rd = redisReaderCreate();
	void		*r = NULL;

	cr_assert_eq(redisReaderFeed(rd, s, n), REDIS_OK);
	cr_assert_eq(redisReaderGetReply(rd, &r), REDIS_OK);
	cr_assert_not_null(r);
	redisReaderFree(rd);
	return (r);
}

Test(fleet_model, stream_entries)
{
	static const char xr[] =
	    "*3\r\n"
	    "*2\r\n$3\r\n5-1\r\n*6\r\n$5\r\nclass\r\n$4\r\nspam\r\n"
	    "$4\r\nnode\r\n$2\r\nn1\r\n$3\r\nmsg\r\n$5\r\nS: x\n\r\n"
	    "*2\r\n$3\r\n6-0\r\n*4\r\n$5\r\nclass\r\n$5\r\nmaybe\r\n"
	    "$3\r\nmsg\r\n$1\r\nx\r\n"
	    "*2\r\n$3\r\nbad\r\n*0\r\n";
	struct buf	*why = buf_new(64);
	struct fleet_example ex;
	redisReply	*r = resp(xr, sizeof(xr) - 1);

	cr_assert_eq(r->elements, 3);
	cr_assert_eq(fleet_example_parse(r->element[0], &ex, why), 0);
	cr_assert_eq(ex.id.ms, 5);
	cr_assert_eq(ex.id.seq, 1);
	cr_assert_eq(ex.spam, 1);
	cr_assert_eq(ex.len, 5);
	cr_assert_eq(memcmp(ex.msg, "S: x\n", 5), 0);
	/* an entry with an id that is no example: skipped, not stuck */
	cr_assert_eq(fleet_example_parse(r->element[1], &ex, why), 1);
	cr_assert_eq(ex.id.ms, 6);
	cr_assert_eq(fleet_example_parse(r->element[2], &ex, why), -1);
	cr_assert_eq(fleet_example_parse(r, &ex, why), -1);
	cr_assert_eq(fleet_example_parse(NULL, &ex, why), -1);
	freeReplyObject(r);
	buf_free(why);
}
