/*
 * rollup.c - the master's part of the statistics: the live file and the
 * store
 *
 * Before the first fork the master makes [stats] dir (readable by the
 * children's group, so winnowctl and the control process can read it),
 * takes the store's lock (one winnowd per store), compacts the store
 * once and makes the live file the children count into (stats/live.h).
 * From then on its loop calls rollup_tick(): at every flush_interval
 * boundary of the wall clock it writes what was counted since the last
 * flush as one minute record (stats/sstore.h), and every
 * compact_interval it rewrites the store.  At a clean stop it writes the
 * rest.
 *
 * Nothing here may stop the mail: a directory that cannot be made, a
 * store that another process holds, a full disk - each is logged once
 * and the counters stay in memory (the next flush writes them, attributed
 * to its own minute); winnowctl status reports it.  A master that was
 * killed (kill -9) leaves its live file behind: the next one writes what
 * it had not, before it makes its own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "live.h"
#include "sstore.h"
#include "stats_conf.h"
#include "svec.h"

/* server */
#include "server.h"

struct live		*server_live;

static char		 rollup_dir[PATH_MAX];
static char		 rollup_store[PATH_MAX];
static int		 rollup_lock_fd = -1;
static gid_t		 rollup_gid = (gid_t)-1;
static uint64_t		 rollup_next_flush;	/* time_now_ms() */
static uint64_t		 rollup_next_compact;
static int64_t		 rollup_last;		/* unix time of the last
						 * flush (or the start) */
static int64_t		 rollup_time;
static int		 rollup_ok = 1;
static char		 rollup_text[LIVE_TEXT_MAX];

/* rollup_dir_make - [stats] dir, its monitor/ for the control process
 * and fleet/ for the fleet process; 0 or -1 with why */

static int
rollup_dir_make(uid_t uid, gid_t gid, int drop, struct buf *why)
{
	char		 mon[PATH_MAX + 16];
	struct stat	 st;
	int		 i;

	if (mkdir(rollup_dir, 0750) < 0 && errno != EEXIST) {
		buf_printf(why, "cannot create [stats] dir %s: %s", rollup_dir,
		    strerror(errno));
		return (-1);
	}
	if (stat(rollup_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(why, "[stats] dir %s is not a directory",
		    rollup_dir);
		return (-1);
	}
	if (drop && (st.st_gid != gid || (st.st_mode & 0777) != 0750) &&
	    (chown(rollup_dir, (uid_t)-1, gid) < 0 ||
	    chmod(rollup_dir, 0750) < 0)) {
		buf_printf(why, "cannot give [stats] dir %s to group %ld: %s",
		    rollup_dir, (long)gid, strerror(errno));
		return (-1);
	}
	/* monitor/ for the control process, fleet/ for the fleet
	 * process's cursor: theirs to write. */
	for (i = 0; i < 2; i++) {
		(void)snprintf(mon, sizeof(mon), "%s/%s", rollup_dir,
		    i == 0 ? "monitor" : "fleet");
		if (mkdir(mon, 0750) < 0 && errno != EEXIST) {
			buf_printf(why, "cannot create %s: %s", mon,
			    strerror(errno));
			return (-1);
		}
		if (drop && chown(mon, uid, gid) < 0) {
			buf_printf(why, "cannot give %s to the user: %s", mon,
			    strerror(errno));
			return (-1);
		}
	}
	return (0);
}

/* rollup_schedule - the next flush at a flush_interval boundary of the
 * wall clock */

static void
rollup_schedule(void)
{
	uint64_t	 wall = (uint64_t)time_wall_ms();
	uint64_t	 every = stats_conf.flush_interval;

	rollup_next_flush = time_now_ms() + (every - wall % every);
}

/* rollup_compact - rewrite the store; log what was wrong with it */

static void
rollup_compact(void)
{
	struct buf	*problems = buf_new(128), *why = buf_new(128);

	if (sstore_compact(rollup_store, (int64_t)time(NULL), problems,
	    why) != WN_OK)
		log_warn("statistics: cannot compact %s: %s (will try again)",
		    rollup_store, buf_str(why));
	else if (rollup_gid != (gid_t)-1)
		(void)chown(rollup_store, (uid_t)-1, rollup_gid);
	if (buf_len(problems) > 0) {
		/* one line per problem, the file and offset in each */
		char *line, *save = NULL;

		for (line = strtok_r(problems->data, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save))
			log_warn("statistics: %s", line);
	}
	rollup_next_compact = time_now_ms() + stats_conf.compact_interval;
	buf_free(problems);
	buf_free(why);
}

/* rollup_recover - what a master that was killed counted but never wrote
 * (its live file is still there): into the store now, so a kill -9 loses
 * only what its orphaned children count after this */

static void
rollup_recover(void)
{
	struct live_info in;
	struct live	*old;
	struct svec	*v;
	struct buf	*why = buf_new(128);
	int64_t		 ts;

	if ((old = live_open(rollup_dir, why)) == NULL) {
		buf_free(why);
		return;
	}
	live_info(old, &in);
	v = svec_new();
	if (in.master_pid != getpid() && !live_master_alive(old))
		live_unflushed(old, v);
	if (svec_count(v) > 0) {
		ts = in.flush_time > 0 ? in.flush_time : (int64_t)time(NULL);
		buf_reset(why);
		if (sstore_append(rollup_store, SRES_MINUTE, ts - ts % 60, v,
		    why) == WN_OK)
			log_notice("statistics: %llu messages counted by the "
			    "previous master (pid %ld) that it did not write; "
			    "written now", (unsigned long long)svec_sum(v,
			    SM_RECEIVED, -1, -1, -1, -1), (long)in.master_pid);
		else
			log_warn("statistics: the previous master's last "
			    "counters are lost: %s", buf_str(why));
	}
	svec_free(v);
	live_close(old, 0, NULL);
	buf_free(why);
}

/* rollup_start - the directory, the lock, the live file (before fork) */

void
rollup_start(uid_t uid, gid_t gid, int drop)
{
	struct buf	*why = buf_new(128);
	const char	*dir;

	dir = stats_conf_dir(smtp_conf.spool_dir);
	(void)snprintf(rollup_dir, sizeof(rollup_dir), "%s", dir);
	(void)snprintf(rollup_store, sizeof(rollup_store), "%s/store", dir);
	rollup_gid = drop ? gid : (gid_t)-1;
	rollup_last = (int64_t)time(NULL);
	if (rollup_dir_make(uid, gid, drop, why) < 0 ||
	    (rollup_lock_fd = sstore_lock(rollup_dir, why)) < 0) {
		log_error("statistics: %s; counting in memory only, nothing "
		    "is written", buf_str(why));
		rollup_ok = 0;
		(void)snprintf(rollup_text, sizeof(rollup_text), "%s",
		    buf_str(why));
		rollup_store[0] = '\0';
		server_live = live_create(NULL, stats_conf.history,
		    rollup_gid, why);
		buf_free(why);
		return;
	}
	rollup_recover();
	live_memory_dir(stats_conf.memory_dir);
	buf_reset(why);
	server_live = live_create(rollup_dir, stats_conf.history, rollup_gid,
	    why);
	if (live_is_private(server_live))
		log_warn("statistics: %s; counting in private memory, which "
		    "winnowctl cannot read", buf_str(why));
	rollup_compact();
	rollup_schedule();
	buf_free(why);
}

/* rollup_flush - write what was counted since the last flush */

static void
rollup_flush(void)
{
	struct svec	*v = svec_new();
	struct buf	*why = buf_new(128);
	int64_t		 now = (int64_t)time(NULL), mid;
	int		 rc = WN_OK;

	live_flush_begin(server_live);
	live_unflushed_snapshot(server_live, v);
	if (svec_count(v) > 0) {
		/* the minute in the middle of what this flush covers */
		mid = rollup_last + (now - rollup_last) / 2;
		rc = sstore_append(rollup_store, SRES_MINUTE, mid - mid % 60,
		    v, why);
		if (rc == WN_OK)
			live_flush_commit(server_live);
	}
	live_flush_end(server_live);
	rollup_time = now;
	if (rc == WN_OK) {
		if (!rollup_ok)
			log_notice("statistics: %s written again",
			    rollup_store);
		rollup_ok = 1;
		rollup_text[0] = '\0';
		rollup_last = now;
		if (rollup_gid != (gid_t)-1)
			(void)chown(rollup_store, (uid_t)-1, rollup_gid);
	} else {
		if (rollup_ok)
			log_warn("statistics: %s; the counters stay in memory "
			    "and are written when it works again",
			    buf_str(why));
		rollup_ok = 0;
		(void)snprintf(rollup_text, sizeof(rollup_text), "%s",
		    buf_str(why));
	}
	svec_free(v);
	buf_free(why);
}

/* rollup_tick - flush and compact when it is time (final: flush now) */

void
rollup_tick(int final)
{
	uint64_t	 now = time_now_ms();

	if (server_live == NULL || rollup_store[0] == '\0')
		return;
	if (final || now >= rollup_next_flush) {
		rollup_flush();
		rollup_schedule();
	}
	if (!final && now >= rollup_next_compact)
		rollup_compact();
}

/* rollup_stop - a clean stop: write the rest, let the live file go */

void
rollup_stop(void)
{
	rollup_tick(1);
	if (rollup_store[0] != '\0')
		live_release(server_live, rollup_dir);
	else
		live_close(server_live, 0, NULL);	/* memory only */
	server_live = NULL;
}

/* rollup_info - the last flush, for the live file's header */

void
rollup_info(struct live_info *in)
{
	in->flush_time = rollup_time;
	in->flush_ok = rollup_ok;
	(void)snprintf(in->flush_text, sizeof(in->flush_text), "%s",
	    rollup_text);
}
