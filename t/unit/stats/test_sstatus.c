/* test_sstatus.c - unit tests for stats/sstatus.c */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "live.h"
#include "policy.h"
#include "sstatus.h"
#include "stats_conf.h"
#include "svec.h"
#include "tally.h"
#include "testutil.h"

static struct buf	*why;
static char		 spool[512], stats[600], quar[512];
static struct sstatus_where w;

static void
setup(void)
{
	char	 outq[600];

	why = buf_new(64);
	conf_reset();
	stats_conf_register();
	policy_conf_register();
	(void)snprintf(spool, sizeof(spool), "%s/spool", tu_tmpdir());
	(void)snprintf(stats, sizeof(stats), "%s/stats", spool);
	(void)snprintf(quar, sizeof(quar), "%s/q", tu_tmpdir());
	(void)snprintf(outq, sizeof(outq), "%s/outq", spool);
	(void)mkdir(spool, 0700);
	(void)mkdir(stats, 0700);
	(void)mkdir(quar, 0700);
	(void)mkdir(outq, 0700);
	w.stats_dir = stats;
	w.spool_dir = spool;
	w.quarantine_dir = quar;
	w.spool_reserve = 1 << 20;
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(sstatus, .init = setup, .fini = teardown);

/* file - write text into dir/name */

static void
file(const char *dir, const char *name, const char *text)
{
	char	 path[700];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	(void)fputs(text, fp);
	(void)fclose(fp);
}

Test(sstatus, no_live_file_is_unknown)
{
	struct sstatus	 s;
	struct buf	*out = buf_new(256);
	int		 code;

	sstatus_gather(&s, NULL, &w);
	cr_assert_not(s.live_ok);
	sstatus_text(&s, out, &code);
	cr_assert_eq(code, SSTATUS_UNKNOWN);
	cr_assert(strstr(buf_str(out), "winnowd UNKNOWN") != NULL);
	buf_free(out);
}

Test(sstatus, a_running_master)
{
	struct live	*l = live_create(stats, 10, (gid_t)-1, why);
	struct live_info in;
	struct scoreboard *sb = live_scoreboard(l);
	struct sstatus	 s;
	json_t		*j;
	int		 code;
	char		 outq[600];

	memset(&in, 0, sizeof(in));
	in.master_pid = getpid();
	in.started = (int64_t)time(NULL) - 100;
	in.generation = 3;
	in.max_children = 4;
	in.reload_ok = 1;
	(void)snprintf(in.model_path, sizeof(in.model_path), "/m");
	in.model_mtime = (int64_t)time(NULL);
	live_set_info(l, &in);
	sb->nslots = 2;
	sb->slot[0].state = CHILD_BUSY;
	sb->slot[0].pid = 42;
	sb->slot[0].busy_since = 1;	/* long ago */
	(void)snprintf((char *)sb->slot[0].qid, LIVE_QID_MAX, "QID1");
	sb->slot[1].state = CHILD_IDLE;
	live_add(l, SKEY(SM_RECEIVED, 0, 0, 0), 20);
	live_add(l, SKEY(SM_DOWNSTREAM, SDOWN_MSG_TEMPFAIL, 0, 0), 5);
	live_add(l, SKEY_CELL(SM_MSGS, live_group(l, "All"), 0, 2, 0), 2);
	(void)snprintf(outq, sizeof(outq), "%s/outq", spool);
	file(outq, "ABC", "winnow-outq 1\nqid X\nwhat DSN\ntime 1000\n\n");
	file(outq, "ABC.tmp", "ignored");
	file(quar, "Q1.json", "{}");
	file(quar, "Q1.eml", "0123456789");
	sstatus_gather(&s, NULL, &w);
	cr_assert(s.live_ok && s.master_alive);
	cr_assert_eq(s.busy, 1);
	cr_assert_eq(s.idle, 1);
	cr_assert_eq(s.oldest_pid, 42);
	cr_assert_str_eq(s.oldest_qid, "QID1");
	cr_assert_eq(s.m5_msgs, 20);
	cr_assert_eq(s.m5_down_msgs, 5);
	cr_assert_eq(s.h1_infected, 2);
	cr_assert_eq(s.outq_n, 1);
	cr_assert_eq(s.outq_oldest, 1000);
	cr_assert_eq(s.quar_n, 1);
	cr_assert_eq(s.quar_bytes, 12);
	j = sstatus_json(&s, &code);
	cr_assert_eq(code, SSTATUS_CRITICAL, "25%% downstream tempfail");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(j,
	    "children"), "busy")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")),
	    "critical");
	cr_assert(json_array_size(json_object_get(j, "problems")) >= 2);
	json_decref(j);
	live_close(l, 0, NULL);
}
