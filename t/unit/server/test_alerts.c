/* test_alerts.c - unit tests for server/alerts.c: mail once per change */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "control.h"
#include "live.h"
#include "reinject.h"
#include "server.h"
#include "stats_conf.h"
#include "testutil.h"
#include "xalloc.h"

/* count - occurrences of s in text */

static int
count(const char *text, const char *s)
{
	int	 n = 0;

	while ((text = strstr(text, s)) != NULL) {
		n++;
		text++;
	}
	return (n);
}

Test(alerts, a_problem_starts_and_ends_one_mail_each)
{
	struct buf	*why = buf_new(64);
	struct tu_sink	*sink;
	struct live_info in;
	char		 sp[600], mon[700], *rx;

	conf_reset();
	server_register_all();
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(tu_tmpdir());
	(void)snprintf(mon, sizeof(mon), "%s/stats", tu_tmpdir());
	(void)mkdir(mon, 0700);
	(void)snprintf(mon, sizeof(mon), "%s/stats/monitor", tu_tmpdir());
	(void)mkdir(mon, 0700);
	(void)snprintf(sp, sizeof(sp), "%s/sink", tu_tmpdir());
	sink = tu_sink_start(sp, 0);
	free(smtp_conf.forward);
	smtp_conf.forward = xmalloc(strlen(sp) + 6);
	(void)snprintf(smtp_conf.forward, strlen(sp) + 6, "unix:%s", sp);
	free(monitor_conf.alert_to);
	monitor_conf.alert_to = xstrdup("admin@example.org");
	monitor_conf.digest_hour = 24;
	monitor_conf.check_off = 0;	/* no AV database here */
	cr_assert_eq(server_conf_finish(why), 0);
	cr_assert_eq(reinject_init(why), 0, "%s", buf_str(why));
	server_live = live_create(NULL, 8, (gid_t)-1, why);
	memset(&in, 0, sizeof(in));	/* pid 0: the master is not running */
	live_set_info(server_live, &in);
	alerts_tick();
	alerts_tick();
	rx = tu_sink_received(sink);
	cr_assert_eq(count(rx, "RCPT TO:<admin@example.org>"), 1, "%s", rx);
	cr_assert(strstr(rx, "[critical] master-down: winnowd is not "
	    "running") != NULL, "%s", rx);
	cr_assert(strstr(rx, "MAIL FROM:<>") != NULL);
	free(rx);
	in.master_pid = getpid();
	live_set_info(server_live, &in);
	alerts_tick();
	alerts_tick();
	rx = tu_sink_received(sink);
	cr_assert_eq(count(rx, "RCPT TO:<admin@example.org>"), 2, "%s", rx);
	cr_assert(strstr(rx, "Subject: [winnow] resolved on ") != NULL, "%s",
	    rx);
	free(rx);
	buf_free(why);
}
