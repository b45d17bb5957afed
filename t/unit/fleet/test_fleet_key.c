/* test_fleet_key.c - unit tests for fleet/fleet_key.c */

#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "sstore.h"
#include "svec.h"

Test(fleet_key, keys)
{
	char	 k[FLEET_KEY_MAX];

	fleet_key_stats("n1", k, sizeof(k));
	cr_assert_str_eq(k, "winnow:fleet:stats:n1");
	fleet_key_beat("n1", k, sizeof(k));
	cr_assert_str_eq(k, "winnow:fleet:node:n1");
	fleet_key_epoch("n1", k, sizeof(k));
	cr_assert_str_eq(k, "winnow:fleet:epoch:n1");
}

Test(fleet_key, fields_both_ways)
{
	struct buf	*why = buf_new(64);
	char		 f[FLEET_FIELD_MAX];
	int64_t		 ts;
	int		 res;

	fleet_field_format(SRES_MINUTE, 1700000040, f, sizeof(f));
	cr_assert_str_eq(f, "1:1700000040");
	cr_assert_eq(fleet_field_parse(f, strlen(f), &res, &ts, why), 0);
	cr_assert_eq(res, SRES_MINUTE);
	cr_assert_eq(ts, 1700000040);
	fleet_field_format(SRES_DAY, 86400 * 3, f, sizeof(f));
	cr_assert_eq(fleet_field_parse(f, strlen(f), &res, &ts, why), 0);
	cr_assert_eq(res, SRES_DAY);
	cr_assert_eq(ts, 86400 * 3);
	cr_assert_eq(fleet_field_parse("2:0", 3, &res, &ts, why), 0);
	buf_free(why);
}

Test(fleet_key, bad_fields)
{
	static const char *const bad[] = {
		"", "1", "1:", "0:60", "4:60", "1:61", "2:60", "3:3600",
		"1:-60", "1:060", "1: 60", "1:60 ", "x:60", "1;60",
		"1:99999999999999999999", "1:1099511627820", NULL
	};
	struct buf	*why = buf_new(64);
	int64_t		 ts;
	size_t		 i;
	int		 res;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(fleet_field_parse(bad[i], strlen(bad[i]), &res,
		    &ts, why), -1, "%s", bad[i]);
	}
	/* the length is what counts, not a NUL */
	cr_assert_eq(fleet_field_parse("1:60", 3, &res, &ts, why), -1);
	buf_free(why);
}

Test(fleet_key, bucket_values)
{
	struct svec	*v = svec_new(), *w = svec_new();
	struct buf	*packed = buf_new(64), *why = buf_new(64);
	uint32_t	 key;

	key = SKEY(SM_RECEIVED, 0, 0, 0);
	svec_add(v, key, 41);
	svec_add(v, key, 1);
	svec_pack(v, packed);
	cr_assert_eq(fleet_bucket_parse(packed->data, buf_len(packed), w,
	    why), 0, "%s", buf_str(why));
	cr_assert_eq(svec_get(w, key), 42);
	svec_free(w);
	w = svec_new();
	cr_assert_eq(fleet_bucket_parse("", 0, w, why), -1);
	cr_assert_eq(fleet_bucket_parse(packed->data, buf_len(packed) - 1, w,
	    why), -1);
	svec_free(w);
	svec_free(v);
	buf_free(packed);
	buf_free(why);
}

Test(fleet_key, heartbeats)
{
	struct fleet_beat b, c;
	struct buf	*t = buf_new(64), *why = buf_new(64);

	memset(&b, 0, sizeof(b));
	b.time_ms = 1700000000123;
	b.interval_ms = 10000;
	b.started = 1699999999;
	b.pid = 4242;
	b.published = 1700000000 - 20;
	(void)strcpy(b.version, "0.1.0");
	fleet_beat_format(&b, t);
	buf_printf(t, " rounds=3 future=x");
	cr_assert_eq(fleet_beat_parse(buf_str(t), buf_len(t), &c, why), 0,
	    "%s", buf_str(why));
	cr_assert_eq(c.time_ms, b.time_ms);
	cr_assert_eq(c.interval_ms, 10000);
	cr_assert_eq(c.started, b.started);
	cr_assert_eq(c.pid, 4242);
	cr_assert_eq(c.published, b.published);
	cr_assert_str_eq(c.version, "0.1.0");
	/* up until 3 heartbeats have passed */
	cr_assert_eq(fleet_beat_down(&c, b.time_ms + 30000), 0);
	cr_assert_eq(fleet_beat_down(&c, b.time_ms + 30001), 1);
	cr_assert_eq(fleet_beat_parse("interval=5", 10, &c, why), -1);
	cr_assert_eq(fleet_beat_parse("time=5 interval=0", 17, &c, why), -1);
	cr_assert_eq(fleet_beat_parse("time=5 interval=x", 17, &c, why), -1);
	cr_assert_eq(fleet_beat_parse("time=5 interval=9 junk", 22, &c, why),
	    -1);
	cr_assert_eq(fleet_beat_parse("time=5  interval=9", 18, &c, why), 0);
	buf_free(t);
	buf_free(why);
}

Test(fleet_key, primary_addresses)
{
	struct fleet_addr a;
	struct buf	*why = buf_new(64);

	cr_assert_eq(fleet_primary_parse("127.0.0.1", 9, "6380", 4, &a, why),
	    0);
	cr_assert_str_eq(a.host, "127.0.0.1");
	cr_assert_eq(a.port, 6380);
	cr_assert_eq(fleet_primary_parse("::1", 3, "1", 1, &a, why), 0);
	cr_assert_eq(fleet_primary_parse("", 0, "1", 1, &a, why), -1);
	cr_assert_eq(fleet_primary_parse("h;x", 3, "1", 1, &a, why), -1);
	cr_assert_eq(fleet_primary_parse("1.2.3.4", 7, "0", 1, &a, why), -1);
	cr_assert_eq(fleet_primary_parse("1.2.3.4", 7, "65536", 5, &a, why),
	    -1);
	buf_free(why);
}

Test(fleet_key, a_nul_in_the_primary_address)
{
	struct fleet_addr a;
	struct buf	*why = buf_new(64);

	/* found by fuzz_fleet: strchr() finds the NUL of its set */
	cr_assert_eq(fleet_primary_parse("\0001.2.3.4", 8, "1", 1, &a, why),
	    -1);
	buf_free(why);
}
