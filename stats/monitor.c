/*
 * monitor.c - judge the conditions, keep what is open, word the alerts
 *
 * Judging is a pure function of a gathered status and the [monitor]
 * thresholds, so "winnowctl monitor --print", "winnowctl status" and the
 * control process's alerts always agree.  The state file is small JSON
 * written atomically (a new file, rename).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "status.h"
#include "timeutil.h"

/* policy */
#include "template.h"

/* stats */
#include "monitor.h"
#include "sjson.h"
#include "sstatus.h"
#include "stats_conf.h"

#define MON_5M		"in the last 5 minutes"

/* monitor_add - one problem (printf text) */

static void
monitor_add(struct monitor_problem *p, size_t *n, size_t max, const char *id,
    int severity, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
monitor_add(struct monitor_problem *p, size_t *n, size_t max, const char *id,
    int severity, const char *fmt, ...)
{
	va_list	 ap;

	if (*n >= max)
		return;
	memset(&p[*n], 0, sizeof(p[*n]));
	(void)snprintf(p[*n].id, sizeof(p[*n].id), "%s", id);
	p[*n].severity = severity;
	va_start(ap, fmt);
	(void)vsnprintf(p[*n].text, sizeof(p[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* monitor_dur - a duration in words ("3d 4h", "12m") */

static const char *
monitor_dur(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		(void)snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		(void)snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		(void)snprintf(buf, len, "%lldm", (long long)(s / 60));
	else
		(void)snprintf(buf, len, "%llds", (long long)s);
	return (buf);
}

/* monitor_rate - whether part/all is over a percentage (enough data) */

static int
monitor_rate(uint64_t part, uint64_t all, unsigned int pct)
{
	return (pct > 0 && all >= monitor_conf.min_messages &&
	    part * 100 > (uint64_t)pct * all);
}

/* monitor_ages - the AV database and the model */

static void
monitor_ages(const struct sstatus *s, struct monitor_problem *p, size_t *n,
    size_t max)
{
	const struct monitor_conf *mc = &monitor_conf;
	char		 d1[32], d2[32];
	int64_t		 age, lim;

	lim = mc->av_database_max_age / 1000;
	age = s->now - s->info.av_time;
	if (lim > 0 && s->info.av_signatures > 0 && s->info.av_time > 0 &&
	    age > lim)
		monitor_add(p, n, max, "av-database-age", age > 3 * lim ?
		    SSTATUS_CRITICAL : SSTATUS_WARNING, "the virus database "
		    "(version %u) is %s old (av_database_max_age %s): is "
		    "freshclam running?", s->info.av_version,
		    monitor_dur(age, d1, sizeof(d1)),
		    monitor_dur(lim, d2, sizeof(d2)));
	lim = mc->model_max_age / 1000;
	age = s->now - s->info.model_mtime;
	if (lim > 0 && s->info.model_path[0] != '\0' && age > lim)
		monitor_add(p, n, max, "model-age", SSTATUS_WARNING, "the "
		    "content model %s is %s old (model_max_age %s)",
		    s->info.model_path, monitor_dur(age, d1, sizeof(d1)),
		    monitor_dur(lim, d2, sizeof(d2)));
}

/* monitor_load - children, downstream, DNS, outbreaks */

static void
monitor_load(const struct sstatus *s, struct monitor_problem *p, size_t *n,
    size_t max)
{
	const struct monitor_conf *mc = &monitor_conf;
	char		 d1[32];

	if (mc->all_busy_for > 0 && s->info.saturated_since > 0 &&
	    (s->now - s->info.saturated_since) * 1000 >=
	    (int64_t)mc->all_busy_for)
		monitor_add(p, n, max, "all-busy", SSTATUS_CRITICAL, "all %u "
		    "children have been busy for %s: new connections get 421; "
		    "raise max_children if the machine has room",
		    s->info.max_children, monitor_dur(s->now -
		    s->info.saturated_since, d1, sizeof(d1)));
	if (monitor_rate(s->m5_down_msgs, s->m5_msgs,
	    mc->downstream_tempfail_rate))
		monitor_add(p, n, max, "downstream-tempfail", SSTATUS_CRITICAL,
		    "%llu of %llu messages met a temporary failure downstream "
		    MON_5M " (downstream_tempfail_rate %u%%)",
		    (unsigned long long)s->m5_down_msgs,
		    (unsigned long long)s->m5_msgs,
		    mc->downstream_tempfail_rate);
	if (monitor_rate(s->m5_dns_timeout, s->m5_dns_checked,
	    mc->dns_timeout_rate))
		monitor_add(p, n, max, "dns-timeouts", SSTATUS_WARNING, "the "
		    "DNS checks of %llu of %llu messages timed out " MON_5M
		    " (dns_timeout_rate %u%%): is the resolver well?",
		    (unsigned long long)s->m5_dns_timeout,
		    (unsigned long long)s->m5_dns_checked,
		    mc->dns_timeout_rate);
	if (monitor_rate(s->h1_infected, s->h1_msgs, mc->infected_share))
		monitor_add(p, n, max, "infected-share", SSTATUS_WARNING,
		    "%llu of %llu messages in the last hour were infected "
		    "(infected_share %u%%): an outbreak?",
		    (unsigned long long)s->h1_infected,
		    (unsigned long long)s->h1_msgs, mc->infected_share);
	if (mc->child_crashes > 0 && s->m5_crashes >= mc->child_crashes)
		monitor_add(p, n, max, "child-crashes", SSTATUS_CRITICAL,
		    "%llu children crashed " MON_5M " (child_crashes %u): see "
		    "the log", (unsigned long long)s->m5_crashes,
		    mc->child_crashes);
}

/* monitor_disk - spool space, outq, the store */

static void
monitor_disk(const struct sstatus *s, struct monitor_problem *p, size_t *n,
    size_t max)
{
	const struct monitor_conf *mc = &monitor_conf;
	char		 d1[32];

	if (s->spool_ok && s->spool_free < 2 * s->spool_reserve)
		monitor_add(p, n, max, "spool-space", s->spool_free <
		    s->spool_reserve ? SSTATUS_CRITICAL : SSTATUS_WARNING,
		    "%llu MB free in the spool, spool_reserve is %llu MB%s",
		    (unsigned long long)(s->spool_free >> 20),
		    (unsigned long long)(s->spool_reserve >> 20),
		    s->spool_free < s->spool_reserve ? ": new mail gets 452" :
		    "");
	if (mc->outq_max_age > 0 && s->outq_oldest > 0 && (s->now -
	    s->outq_oldest) * 1000 > (int64_t)mc->outq_max_age)
		monitor_add(p, n, max, "outq-age", SSTATUS_WARNING, "%zu DSNs "
		    "or notifications wait in the outq, the oldest for %s: is "
		    "the downstream refusing them?", s->outq_n,
		    monitor_dur(s->now - s->outq_oldest, d1, sizeof(d1)));
	if (!s->store_ok || s->store_nproblems > 0)
		monitor_add(p, n, max, "statistics", SSTATUS_WARNING, "%s",
		    s->store_problem[0] ? s->store_problem :
		    "the statistics store has a problem");
}

/* monitor_fleet - the fleet's nodes gone quiet, one problem each (so
 * each starts and ends on its own) */

static void
monitor_fleet(const struct sstatus *s, struct monitor_problem *p,
    size_t *n, size_t max)
{
	char		 id[sizeof(p->id)], d[32];
	size_t		 i;

	for (i = 0; i < s->fleet_ndown; i++) {
		(void)snprintf(id, sizeof(id), "node-down:%s",
		    s->fleet_down[i]);
		if (s->fleet_quiet_ms[i] < 0)
			(void)snprintf(d, sizeof(d), "long");
		else
			(void)monitor_dur(s->fleet_quiet_ms[i] / 1000, d,
			    sizeof(d));
		monitor_add(p, n, max, id, SSTATUS_CRITICAL, "fleet node %s "
		    "is down: no heartbeat for %s", s->fleet_down[i], d);
	}
}

/* monitor_judge - every problem of a status */

size_t
monitor_judge(const struct sstatus *s, struct monitor_problem *p, size_t max)
{
	size_t	 n = 0;

	if (!s->live_ok || !s->master_alive) {
		monitor_add(p, &n, max, "master-down", SSTATUS_CRITICAL,
		    "winnowd is not running%s%s", s->live_ok || s->stopped ?
		    "" : ": ", s->live_ok || s->stopped ? "" : s->live_why);
		return (n);
	}
	monitor_ages(s, p, &n, max);
	monitor_load(s, p, &n, max);
	monitor_disk(s, p, &n, max);
	monitor_fleet(s, p, &n, max);
	if (monitor_conf.check_off && s->av_needed &&
	    s->info.av_signatures == 0)
		monitor_add(p, &n, max, "check-off", SSTATUS_WARNING, "no "
		    "virus database is loaded: a group wants av_checks, but "
		    "only the attachment filter runs ([av] database)");
	if (monitor_conf.check_off && s->spam_needed &&
	    s->info.model_path[0] == '\0')
		monitor_add(p, &n, max, "check-off", SSTATUS_WARNING, "no "
		    "content model is loaded: the classifier is off ([content] "
		    "model)");
	return (n);
}

/* monitor_worst - the worst severity */

int
monitor_worst(const struct monitor_problem *p, size_t n)
{
	int	 w = SSTATUS_OK;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i].severity > w)
			w = p[i].severity;
	return (w);
}

/* monitor_json - problems as a JSON array */

struct json_t *
monitor_json(const struct monitor_problem *p, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		(void)json_object_set_new(o, "id", json_string(p[i].id));
		(void)json_object_set_new(o, "severity",
		    json_string(sstatus_code_name(p[i].severity)));
		(void)json_object_set_new(o, "text", sjson_str(p[i].text));
		if (p[i].since > 0)
			(void)json_object_set_new(o, "since",
			    json_integer(p[i].since));
		(void)json_array_append_new(a, o);
	}
	return (a);
}

/* monitor_state_load - the state file */

int
monitor_state_load(const char *path, struct monitor_state *st,
    struct buf *why)
{
	json_error_t	 err;
	json_t		*o, *a, *e;
	size_t		 i;

	memset(st, 0, sizeof(*st));
	if ((o = json_load_file(path, 0, &err)) == NULL) {
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return (WN_OK);
		buf_printf(why, "%s: %s (starting afresh)", path, err.text);
		return (WN_TEMP);
	}
	st->digest_day = json_integer_value(json_object_get(o, "digest_day"));
	a = json_object_get(o, "open");
	json_array_foreach(a, i, e) {
		struct monitor_problem *p;
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *text = json_string_value(json_object_get(e,
		    "text"));

		if (st->n == MONITOR_MAX || id == NULL)
			break;
		p = &st->open[st->n++];
		(void)snprintf(p->id, sizeof(p->id), "%s", id);
		(void)snprintf(p->text, sizeof(p->text), "%s", text ? text :
		    "");
		p->severity = (int)json_integer_value(json_object_get(e,
		    "severity"));
		p->since = json_integer_value(json_object_get(e, "since"));
	}
	json_decref(o);
	return (WN_OK);
}

/* monitor_state_save - the state file, atomically */

int
monitor_state_save(const char *path, const struct monitor_state *st,
    struct buf *why)
{
	json_t	*o = json_object(), *a = json_array();
	char	 tmp[4096];
	size_t	 i;
	int	 rc = WN_OK;

	for (i = 0; i < st->n; i++) {
		json_t *e = json_object();

		(void)json_object_set_new(e, "id", json_string(st->open[i].id));
		(void)json_object_set_new(e, "severity",
		    json_integer(st->open[i].severity));
		(void)json_object_set_new(e, "text",
		    sjson_str(st->open[i].text));
		(void)json_object_set_new(e, "since",
		    json_integer(st->open[i].since));
		(void)json_array_append_new(a, e);
	}
	(void)json_object_set_new(o, "open", a);
	(void)json_object_set_new(o, "digest_day",
	    json_integer(st->digest_day));
	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (json_dump_file(o, tmp, JSON_INDENT(1)) < 0 ||
	    rename(tmp, path) < 0) {
		buf_printf(why, "cannot write %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		rc = WN_TEMP;
	}
	json_decref(o);
	return (rc);
}

/* monitor_find - a problem by id and text's kind in a list, or NULL */

static const struct monitor_problem *
monitor_find(const struct monitor_problem *p, size_t n, const char *id)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].id, id) == 0)
			return (&p[i]);
	return (NULL);
}

/* monitor_update - what started, what ended */

void
monitor_update(struct monitor_state *st, const struct monitor_problem *p,
    size_t n, int64_t now, struct monitor_problem *started,
    size_t *nstarted, struct monitor_problem *ended, size_t *nended)
{
	struct monitor_problem next[MONITOR_MAX];
	const struct monitor_problem *old;
	size_t		 i, k = 0;

	*nstarted = *nended = 0;
	for (i = 0; i < st->n; i++)
		if (monitor_find(p, n, st->open[i].id) == NULL)
			ended[(*nended)++] = st->open[i];
	for (i = 0; i < n && k < MONITOR_MAX; i++) {
		if (monitor_find(next, k, p[i].id) != NULL)
			continue;	/* one entry per id (check-off twice) */
		next[k] = p[i];
		if ((old = monitor_find(st->open, st->n, p[i].id)) != NULL) {
			next[k].since = old->since;
		} else {
			next[k].since = now;
			started[(*nstarted)++] = next[k];
		}
		k++;
	}
	memcpy(st->open, next, k * sizeof(next[0]));
	st->n = k;
}

/* monitor_digest_due - the daily digest at digest_hour, once */

int
monitor_digest_due(struct monitor_state *st, int64_t now,
    unsigned int digest_hour)
{
	struct tm	 tm;
	time_t		 t = (time_t)now;
	int64_t		 day;

	if (digest_hour > 23 || st->n == 0)
		return (0);
	(void)localtime_r(&t, &tm);
	day = (now + tm.tm_gmtoff) / 86400;
	if ((unsigned int)tm.tm_hour != digest_hour || st->digest_day == day)
		return (0);
	st->digest_day = day;
	return (1);
}

/* monitor_builtin_template - the alert text */

const char *
monitor_builtin_template(void)
{
	return (
	    "Subject: [winnow] ${alert} on ${hostname}: ${subject}\n"
	    "\n"
	    "${if alert=problem}winnowd on ${hostname} has a new problem:"
	    "${endif}${if alert=resolved}A problem of winnowd on ${hostname} "
	    "is over:${endif}${if alert=digest}winnowd on ${hostname} still "
	    "has these problems:${endif}\n"
	    "\n"
	    "${problems}\n"
	    "\n"
	    "Date: ${date}\n"
	    "\n"
	    "\"winnowctl status\" shows the whole state; the thresholds are "
	    "in\n[monitor] of winnow.conf.\n");
}

/* monitor_mail - an alert message */

void
monitor_mail(const char *kind, const struct monitor_problem *p, size_t n,
    int64_t now, const struct template *t, const char *from, const char *to,
    const char *hostname, struct buf *out)
{
	static struct template *builtin;
	const char	*vars[TEMPLATE_NVARS];
	struct buf	*lines = buf_new(256), *subj = buf_new(128);
	struct buf	*hdr = buf_new(512), *body = buf_new(1024);
	struct buf	*why = buf_new(64);
	char		 date[64], since[64];
	size_t		 i;

	if (t == NULL) {
		if (builtin == NULL)
			builtin = template_parse(monitor_builtin_template(),
			    strlen(monitor_builtin_template()), "built-in "
			    "alert", 0, why);
		t = builtin;
	}
	for (i = 0; i < n; i++) {
		time_rfc5322(since, sizeof(since), (time_t)p[i].since);
		buf_printf(lines, "%s[%s] %s: %s%s%s\n", i ? "\n" : "",
		    sstatus_code_name(p[i].severity), p[i].id, p[i].text,
		    p[i].since > 0 ? "\n  since " : "",
		    p[i].since > 0 ? since : "");
	}
	if (n == 1)
		buf_puts(subj, p[0].text);
	else
		buf_printf(subj, "%zu problems", n);
	time_rfc5322(date, sizeof(date), (time_t)now);
	memset(vars, 0, sizeof(vars));
	vars[TEMPLATE_ALERT] = kind;
	vars[TEMPLATE_PROBLEMS] = buf_str(lines);
	vars[TEMPLATE_SUBJECT] = buf_str(subj);
	vars[TEMPLATE_HOSTNAME] = hostname;
	vars[TEMPLATE_DATE] = date;
	vars[TEMPLATE_STATUS] = kind;
	template_render(t, vars, hdr, body);
	if (!template_has_field(t, "From"))
		buf_printf(out, "From: winnow monitor <%s>\r\n", from);
	buf_puts(out, "To: ");
	template_header_value(out, 4, to, strlen(to));
	buf_puts(out, "\r\n");
	buf_append(out, hdr->data, buf_len(hdr));
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "Message-ID: <alert.%lld.%ld.%s@%s>\r\n",
	    (long long)now, (long)getpid(), kind, hostname);
	buf_printf(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n",
	    mem_has_8bit(body->data, buf_len(body)) ? "8bit" : "7bit");
	buf_append(out, body->data, buf_len(body));
	buf_free(lines);
	buf_free(subj);
	buf_free(hdr);
	buf_free(body);
	buf_free(why);
}
