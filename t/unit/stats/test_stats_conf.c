/* test_stats_conf.c - unit tests for stats/stats_conf.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "stats_conf.h"
#include "status.h"
#include "testutil.h"

Test(stats_conf, defaults_and_the_dir)
{
	conf_reset();
	stats_conf_register();
	cr_assert_eq(stats_conf.history, 10000);
	cr_assert_eq(stats_conf.flush_interval, 60000);
	cr_assert_eq(monitor_conf.digest_hour, 8);
	cr_assert_str_eq(monitor_conf.alert_to, "");
	cr_assert_str_eq(stats_conf_dir("/var/spool/winnow"),
	    "/var/spool/winnow/stats");
}

Test(stats_conf, a_file)
{
	struct buf	*why = buf_new(64);
	const char	*p = tu_write_file("w.conf", "[stats]\ndir = /x/y\n"
			    "history = 500\n[monitor]\nalert_to = a@b\n"
			    "av_database_max_age = 3d\n");

	conf_reset();
	conf_set_partial(1);
	stats_conf_register();
	cr_assert_eq(conf_load(p, why), WN_OK, "%s", buf_str(why));
	cr_assert_str_eq(stats_conf_dir("/ignored"), "/x/y");
	cr_assert_eq(stats_conf.history, 500);
	cr_assert_eq(monitor_conf.av_database_max_age, 3 * 86400000U);
	cr_assert_str_eq(monitor_conf.alert_to, "a@b");
	buf_free(why);
}

Test(stats_conf, bounds)
{
	struct buf	*why = buf_new(64);
	const char	*p = tu_write_file("w.conf", "[stats]\nhistory = 5\n");

	conf_reset();
	stats_conf_register();
	cr_assert_neq(conf_load(p, why), WN_OK);
	cr_assert(strstr(buf_str(why), "history") != NULL, "%s",
	    buf_str(why));
	buf_free(why);
}
