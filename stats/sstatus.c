/*
 * sstatus.c - gather the state of a running winnowd; show it
 *
 * Everything is read, nothing written: the live file's header and
 * scoreboard, the store's last hour (and the counters not yet in it),
 * statvfs of the spool, the outq and quarantine directories by name and
 * size (the outq files' "time" lines for their age; no file is locked,
 * so a retry in progress is not disturbed).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "timeutil.h"

/* policy */
#include "policy.h"

/* stats */
#include "live.h"
#include "monitor.h"
#include "sfleet.h"
#include "sjson.h"
#include "squery.h"
#include "sstatus.h"
#include "svec.h"
#include "tally.h"

/* sstatus_code_name - a Nagios code's word */

const char *
sstatus_code_name(int c)
{
	static const char *const names[] = {
		"ok", "warning", "critical", "unknown"
	};

	return (c >= 0 && c <= SSTATUS_UNKNOWN ? names[c] : "unknown");
}

/* sstatus_children - busy, idle, the oldest busy session */

static void
sstatus_children(struct sstatus *s, const struct live *l)
{
	const struct scoreboard *sb = live_scoreboard_ro(l);
	uint64_t	 now = time_now_ms(), since;
	unsigned int	 i, n = sb->nslots;
	size_t		 k;

	if (n > SCOREBOARD_SLOTS)
		n = SCOREBOARD_SLOTS;
	for (i = 0; i < n; i++) {
		const struct slot *sl = &sb->slot[i];

		switch (sl->state) {
		case CHILD_BUSY:
			s->busy++;
			since = sl->busy_since;
			if (since != 0 && since <= now && (s->oldest_busy_ms ==
			    0 || now - since > s->oldest_busy_ms)) {
				s->oldest_busy_ms = now - since;
				s->oldest_pid = sl->pid;
				for (k = 0; k + 1 < LIVE_QID_MAX; k++)
					s->oldest_qid[k] = sl->qid[k];
				s->oldest_qid[LIVE_QID_MAX - 1] = '\0';
			}
			break;
		case CHILD_IDLE:
			s->idle++;
			break;
		case CHILD_STARTING:
			s->starting++;
			break;
		}
	}
}

/* sstatus_recent - the last 5 minutes and the last hour from the store
 * and the live counters */

static void
sstatus_recent(struct sstatus *s, const struct live *l, const char *dir)
{
	struct squery	 q;
	struct sseries	*ss;
	struct buf	*why = buf_new(64);
	char		 path[4096];
	size_t		 i, b5;
	const char	*nl;

	memset(&q, 0, sizeof(q));
	q.step = SQ_MINUTE;
	q.to = s->now - s->now % 60 + 60;
	q.from = q.to - 3600;
	(void)snprintf(path, sizeof(path), "%s/store", dir);
	s->store_ok = 1;
	if ((ss = squery_run(&q, path, l, why)) == NULL) {
		s->store_ok = 0;
		(void)snprintf(s->store_problem, sizeof(s->store_problem),
		    "%s", buf_str(why));
		buf_free(why);
		return;
	}
	for (nl = buf_str(ss->problems); (nl = strchr(nl, '\n')) != NULL;
	    nl++)
		s->store_nproblems++;
	if (s->store_nproblems > 0)
		(void)snprintf(s->store_problem, sizeof(s->store_problem),
		    "%.*s", (int)strcspn(buf_str(ss->problems), "\n"),
		    buf_str(ss->problems));
	b5 = ss->n > 5 ? ss->n - 5 : 0;
	for (i = 0; i < ss->n; i++) {
		const struct svec *v = ss->v[i];
		uint64_t	 all, to;

		if (v == NULL)
			continue;
		all = svec_sum(v, SM_MSGS, -1, -1, -1, -1);
		s->h1_msgs += all;
		s->h1_infected += svec_sum(v, SM_MSGS, -1, -1, AV_INFECTED, -1);
		if (i < b5)
			continue;
		s->m5_msgs += svec_sum(v, SM_RECEIVED, -1, -1, -1, -1);
		s->m5_down_msgs += svec_sum(v, SM_DOWNSTREAM,
		    SDOWN_MSG_TEMPFAIL, -1, -1, -1);
		to = svec_sum(v, SM_CHECK, SCHECK_DNSBL, CHECK_TIMEOUT, -1,
		    -1);
		s->m5_dns_timeout += to;
		s->m5_dns_checked += svec_sum(v, SM_CHECK, SCHECK_DNSBL, -1,
		    -1, -1);
		s->m5_crashes += svec_sum(v, SM_CHILD_EXIT, 1, -1, -1, -1);
	}
	squery_free(ss);
	buf_free(why);
}

/* sstatus_outq - queued DSNs and notifications, and the oldest's age */

static void
sstatus_outq(struct sstatus *s, const char *spool_dir)
{
	char		 dir[4096], path[4096 + 256], head[512], *t;
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	int		 fd;
	long long	 made;

	(void)snprintf(dir, sizeof(dir), "%s/outq", spool_dir);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '.') != NULL)
			continue;	/* NAME.tmp, NAME.broken */
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		n = read(fd, head, sizeof(head) - 1);
		(void)close(fd);
		if (n <= 0)
			continue;
		head[n] = '\0';
		s->outq_n++;
		if ((t = strstr(head, "\ntime ")) != NULL &&
		    sscanf(t + 6, "%lld", &made) == 1 && made > 0 &&
		    (s->outq_oldest == 0 || made < s->outq_oldest))
			s->outq_oldest = made;
	}
	(void)closedir(d);
}

/* sstatus_fleet - the fleet's nodes down (sfleet.h) */

static void
sstatus_fleet(struct sstatus *s, const char *stats_dir)
{
	struct buf	*why = buf_new(64);
	char		 path[4096];
	json_t		*j;

	sfleet_path(stats_dir, path, sizeof(path));
	if (access(path, F_OK) == 0 && (j = sfleet_load(path,
	    time_wall_ms(), why)) !=
	    NULL) {
		s->fleet_ndown = sfleet_down(j, s->fleet_down,
		    s->fleet_quiet_ms, sizeof(s->fleet_down) /
		    sizeof(s->fleet_down[0]));
		json_decref(j);
	}
	buf_free(why);
}

/* sstatus_quarantine - entries and bytes in the quarantine */

static void
sstatus_quarantine(struct sstatus *s, const char *dir)
{
	char		 path[4096 + 256];
	struct dirent	*de;
	struct stat	 st;
	size_t		 len;
	DIR		*d;

	if (dir == NULL || dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	s->quar_ok = 1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strcmp(de->d_name + len - 5, ".json") == 0)
			s->quar_n++;
		if (strcmp(de->d_name + len - 5, ".json") == 0 ||
		    (len > 4 && strcmp(de->d_name + len - 4, ".eml") == 0))
			s->quar_bytes += (uint64_t)st.st_size;
	}
	(void)closedir(d);
}

/* sstatus_needs - whether some group wants the AV / spam checks */

static void
sstatus_needs(struct sstatus *s)
{
	size_t	 i;

	for (i = 0; policy_current != NULL && i < policy_current->ngroups;
	    i++) {
		s->av_needed |= policy_current->groups[i]->av_checks;
		s->spam_needed |= policy_current->groups[i]->spam_checks;
	}
}

/* sstatus_gather - everything */

void
sstatus_gather(struct sstatus *s, const struct live *l,
    const struct sstatus_where *w)
{
	struct live	*own = NULL;
	struct statvfs	 vfs;
	struct buf	*why = buf_new(64);

	memset(s, 0, sizeof(*s));
	s->now = (int64_t)time(NULL);
	if (l == NULL && (l = own = live_open(w->stats_dir, why)) == NULL) {
		(void)snprintf(s->live_why, sizeof(s->live_why), "%s",
		    buf_str(why));
		s->stopped = live_stopped(w->stats_dir);
	}
	if (l != NULL) {
		s->live_ok = 1;
		live_info(l, &s->info);
		s->master_alive = live_master_alive(l);
		sstatus_children(s, l);
	}
	sstatus_recent(s, s->master_alive ? l : NULL, w->stats_dir);
	if (l != NULL && !s->info.flush_ok && s->info.flush_text[0] != '\0') {
		s->store_ok = 0;
		(void)snprintf(s->store_problem, sizeof(s->store_problem),
		    "statistics not written: %s", s->info.flush_text);
	}
	s->spool_reserve = w->spool_reserve;
	if (statvfs(w->spool_dir, &vfs) == 0) {
		s->spool_ok = 1;
		s->spool_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	}
	sstatus_outq(s, w->spool_dir);
	sstatus_quarantine(s, w->quarantine_dir);
	sstatus_needs(s);
	sstatus_fleet(s, w->stats_dir);
	if (own != NULL)
		live_close(own, 0, NULL);
	buf_free(why);
}

/* sstatus_code - the exit code of a status with its problems */

static int
sstatus_code(const struct sstatus *s, struct monitor_problem *p, size_t *n)
{
	*n = monitor_judge(s, p, MONITOR_MAX);
	if (!s->live_ok && !s->stopped)
		return (SSTATUS_UNKNOWN);
	return (monitor_worst(p, *n));
}

/* sstatus_rate - a percentage, or 0 */

static double
sstatus_rate(uint64_t part, uint64_t all)
{
	return (all == 0 ? 0.0 : 100.0 * (double)part / (double)all);
}

/* sstatus_json - the status as JSON */

struct json_t *
sstatus_json(const struct sstatus *s, int *code_r)
{
	struct monitor_problem p[MONITOR_MAX];
	json_t		*o = json_object(), *x;
	size_t		 n;
	int		 code = sstatus_code(s, p, &n);

	(void)json_object_set_new(o, "status",
	    json_string(sstatus_code_name(code)));
	(void)json_object_set_new(o, "exit", json_integer(code));
	x = json_object();
	(void)json_object_set_new(x, "running", json_boolean(s->master_alive));
	(void)json_object_set_new(x, "pid", json_integer(s->info.master_pid));
	(void)json_object_set_new(x, "started", json_integer(s->info.started));
	(void)json_object_set_new(x, "uptime", json_integer(s->info.started ?
	    s->now - s->info.started : 0));
	(void)json_object_set_new(x, "generation",
	    json_integer(s->info.generation));
	(void)json_object_set_new(x, "last_reload", s->info.reload_time == 0 ?
	    json_null() : json_pack("{s:I, s:b, s:o}", "time",
	    (json_int_t)s->info.reload_time, "ok", s->info.reload_ok, "error",
	    sjson_str(s->info.reload_text)));
	if (!s->live_ok)
		(void)json_object_set_new(x, "error", sjson_str(s->live_why));
	(void)json_object_set_new(o, "master", x);
	x = json_pack("{s:i, s:i, s:i, s:i}", "busy", s->busy, "idle", s->idle,
	    "starting", s->starting, "max", s->info.max_children);
	(void)json_object_set_new(x, "oldest_busy", s->oldest_busy_ms == 0 ?
	    json_null() : json_pack("{s:i, s:o, s:f}", "pid", s->oldest_pid,
	    "queue_id", sjson_str(s->oldest_qid), "seconds",
	    s->oldest_busy_ms / 1000.0));
	(void)json_object_set_new(x, "all_busy_since",
	    json_integer(s->info.saturated_since));
	(void)json_object_set_new(o, "children", x);
	(void)json_object_set_new(o, "av", json_pack("{s:i, s:i, s:I, s:I}",
	    "signatures", s->info.av_signatures, "version",
	    s->info.av_version, "database_time", (json_int_t)s->info.av_time,
	    "age_seconds", (json_int_t)(s->info.av_time ? s->now -
	    s->info.av_time : -1)));
	(void)json_object_set_new(o, "model", json_pack("{s:o, s:I}", "path",
	    sjson_str(s->info.model_path), "age_seconds", (json_int_t)(
	    s->info.model_mtime ? s->now - s->info.model_mtime : -1)));
	(void)json_object_set_new(o, "last_5_minutes", json_pack("{s:I, s:I, "
	    "s:f, s:I, s:I, s:f, s:I}", "messages", (json_int_t)s->m5_msgs,
	    "downstream_tempfail", (json_int_t)s->m5_down_msgs,
	    "downstream_tempfail_rate", sstatus_rate(s->m5_down_msgs,
	    s->m5_msgs), "dns_checked", (json_int_t)s->m5_dns_checked,
	    "dns_timeouts", (json_int_t)s->m5_dns_timeout, "dns_timeout_rate",
	    sstatus_rate(s->m5_dns_timeout, s->m5_dns_checked),
	    "child_crashes", (json_int_t)s->m5_crashes));
	(void)json_object_set_new(o, "last_hour", json_pack("{s:I, s:I}",
	    "messages", (json_int_t)s->h1_msgs, "infected",
	    (json_int_t)s->h1_infected));
	(void)json_object_set_new(o, "spool", json_pack("{s:I, s:I}",
	    "free_bytes", (json_int_t)s->spool_free, "reserve_bytes",
	    (json_int_t)s->spool_reserve));
	(void)json_object_set_new(o, "outq", json_pack("{s:I, s:I}",
	    "messages", (json_int_t)s->outq_n, "oldest_age_seconds",
	    (json_int_t)(s->outq_oldest ? s->now - s->outq_oldest : 0)));
	(void)json_object_set_new(o, "quarantine", json_pack("{s:I, s:I}",
	    "messages", (json_int_t)s->quar_n, "bytes",
	    (json_int_t)s->quar_bytes));
	(void)json_object_set_new(o, "statistics", json_pack("{s:I, s:b, s:o}",
	    "last_flush", (json_int_t)s->info.flush_time, "ok",
	    s->store_ok && s->store_nproblems == 0, "problem",
	    sjson_str(s->store_problem)));
	(void)json_object_set_new(o, "problems", monitor_json(p, n));
	*code_r = code;
	return (o);
}

/* sstatus_age - seconds in words */

static void
sstatus_age(struct buf *out, int64_t s)
{
	if (s < 0)
		buf_puts(out, "unknown");
	else if (s >= 86400)
		buf_printf(out, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		buf_printf(out, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		buf_printf(out, "%lldm %llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		buf_printf(out, "%llds", (long long)s);
}

/* sstatus_text_master - the master's lines */

static void
sstatus_text_master(const struct sstatus *s, struct buf *out)
{
	buf_printf(out, "master:      pid %ld, %s, up ",
	    (long)s->info.master_pid, s->master_alive ? "running" :
	    "NOT RUNNING");
	sstatus_age(out, s->now - s->info.started);
	buf_printf(out, ", configuration generation %u\n",
	    s->info.generation);
	if (s->info.reload_time != 0) {
		buf_puts(out, "last reload: ");
		sstatus_age(out, s->now - s->info.reload_time);
		buf_printf(out, " ago, %s%s\n", s->info.reload_ok ? "ok" :
		    "FAILED: ", s->info.reload_ok ? "" : s->info.reload_text);
	}
	buf_printf(out, "children:    %u busy, %u idle", s->busy, s->idle);
	if (s->starting > 0)
		buf_printf(out, ", %u starting", s->starting);
	buf_printf(out, ", max %u", s->info.max_children);
	if (s->oldest_busy_ms > 0)
		buf_printf(out, "; oldest busy: pid %ld for %.1fs%s%s",
		    (long)s->oldest_pid, s->oldest_busy_ms / 1000.0,
		    s->oldest_qid[0] ? " on " : "", s->oldest_qid);
	buf_putc(out, '\n');
}

/* sstatus_text - the status for a terminal */

void
sstatus_text(const struct sstatus *s, struct buf *out, int *code_r)
{
	struct monitor_problem p[MONITOR_MAX];
	size_t		 n, i;
	int		 code = sstatus_code(s, p, &n);

	buf_printf(out, "winnowd %s\n", code == SSTATUS_OK ? "OK" :
	    code == SSTATUS_WARNING ? "WARNING" : code == SSTATUS_CRITICAL ?
	    "CRITICAL" : "UNKNOWN");
	if (s->stopped) {
		buf_puts(out, "master:      NOT RUNNING (stopped)\n");
	} else if (!s->live_ok) {
		buf_printf(out, "cannot read the live file: %s\n", s->live_why);
	} else {
		sstatus_text_master(s, out);
		if (s->info.av_signatures > 0) {
			buf_printf(out, "av:          %u signatures, database "
			    "version %u, ", s->info.av_signatures,
			    s->info.av_version);
			sstatus_age(out, s->info.av_time ? s->now -
			    s->info.av_time : -1);
			buf_puts(out, " old\n");
		} else {
			buf_puts(out, "av:          no virus database "
			    "loaded\n");
		}
		if (s->info.model_path[0] != '\0') {
			buf_printf(out, "model:       %s, ",
			    s->info.model_path);
			sstatus_age(out, s->now - s->info.model_mtime);
			buf_puts(out, " old\n");
		} else {
			buf_puts(out, "model:       none loaded\n");
		}
	}
	buf_printf(out, "last 5 min:  %llu messages; downstream tempfail "
	    "%.1f%% (%llu); DNS timeouts %.1f%% (%llu of %llu); %llu child "
	    "crashes\n", (unsigned long long)s->m5_msgs,
	    sstatus_rate(s->m5_down_msgs, s->m5_msgs),
	    (unsigned long long)s->m5_down_msgs,
	    sstatus_rate(s->m5_dns_timeout, s->m5_dns_checked),
	    (unsigned long long)s->m5_dns_timeout,
	    (unsigned long long)s->m5_dns_checked,
	    (unsigned long long)s->m5_crashes);
	buf_printf(out, "last hour:   %llu messages, %llu infected\n",
	    (unsigned long long)s->h1_msgs,
	    (unsigned long long)s->h1_infected);
	buf_printf(out, "spool:       %llu MB free, reserve %llu MB\n",
	    (unsigned long long)(s->spool_free >> 20),
	    (unsigned long long)(s->spool_reserve >> 20));
	buf_printf(out, "outq:        %zu waiting", s->outq_n);
	if (s->outq_oldest > 0) {
		buf_puts(out, ", oldest ");
		sstatus_age(out, s->now - s->outq_oldest);
	}
	buf_printf(out, "\nquarantine:  %zu messages, %llu kB\n", s->quar_n,
	    (unsigned long long)(s->quar_bytes >> 10));
	for (i = 0; i < n; i++)
		buf_printf(out, "%s: %s: %s\n", code == SSTATUS_UNKNOWN &&
		    i == 0 ? "UNKNOWN" : p[i].severity == SSTATUS_CRITICAL ?
		    "CRITICAL" : "WARNING", p[i].id, p[i].text);
	*code_r = code;
}
