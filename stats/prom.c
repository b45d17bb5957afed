/*
 * prom.c - the Prometheus text exposition of winnowd's figures
 *
 * Counters (from the live counters):
 *   winnow_messages_total{group,status,av,action}     messages (tally.h)
 *   winnow_recipients_total{group,status,av,action}
 *   winnow_bytes_total{group,status,av,action}
 *   winnow_received_messages_total, winnow_received_bytes_total
 *   winnow_replies_total{class,source}     replies upstream: 2xx/4xx/5xx,
 *                                          after DATA or by the session
 *   winnow_recipient_fates_total{fate,by_policy}
 *   winnow_downstream_failures_total{kind}  tempfail/refused recipients
 *   winnow_downstream_tempfail_messages_total
 *   winnow_checks_total{check,state}
 *   winnow_check_duration_seconds{check}    histogram
 *   winnow_message_duration_seconds         histogram (end of DATA to the
 *                                           answer)
 *   winnow_notices_total{retry,result}      DSNs and notifications
 *   winnow_quarantine_writes_total{result}, winnow_archive_writes_total
 *   winnow_child_exits_total{crashed}
 * Gauges (from the status):
 *   winnow_up, winnow_start_time_seconds, winnow_config_generation,
 *   winnow_last_reload_success, winnow_children{state}, winnow_children_max,
 *   winnow_oldest_busy_seconds, winnow_av_signatures,
 *   winnow_av_database_version, winnow_av_database_age_seconds,
 *   winnow_model_age_seconds, winnow_spool_free_bytes,
 *   winnow_spool_reserve_bytes, winnow_outq_messages,
 *   winnow_outq_oldest_age_seconds, winnow_quarantine_messages,
 *   winnow_quarantine_bytes, winnow_problems{severity}
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"

/* stats */
#include "monitor.h"
#include "prom.h"
#include "sstatus.h"
#include "svec.h"
#include "tally.h"

/* prom_label - an escaped label value */

void
prom_label(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
}

/* prom_head - HELP and TYPE of a metric */

static void
prom_head(struct buf *out, const char *name, const char *type,
    const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* prom_cells - the message, recipient or byte counters */

static void
prom_cells(const struct svec *v, unsigned int metric, const char *name,
    const char *help, struct buf *out)
{
	uint32_t	 key;
	uint64_t	 val;
	size_t		 i;

	prom_head(out, name, "counter", help);
	for (i = 0; i < svec_count(v); i++) {
		svec_at(v, i, &key, &val);
		if (SKEY_METRIC(key) != metric)
			continue;
		buf_printf(out, "%s{group=\"", name);
		prom_label(out, svec_group_name(v, SKEY_A(key)));
		buf_printf(out, "\",status=\"%s\",av=\"%s\",action=\"%s\"} "
		    "%llu\n", svec_spam_name(SKEY_SPAM(key)),
		    svec_av_name(SKEY_AV(key)), svec_action_name(SKEY_C(key)),
		    (unsigned long long)val);
	}
}

/* prom_simple - a counter without labels */

static void
prom_simple(const struct svec *v, unsigned int metric, const char *name,
    const char *help, struct buf *out)
{
	prom_head(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, (unsigned long long)svec_sum(v,
	    metric, -1, -1, -1, -1));
}

/* prom_hist - a histogram from bucket counters and a sum in us */

static void
prom_hist(const struct svec *v, unsigned int mb, unsigned int ms, int a,
    const char *name, const char *label, struct buf *out)
{
	uint64_t	 cum = 0;
	unsigned int	 b;

	for (b = 0; b < SLAT_NBUCKETS; b++) {
		cum += a < 0 ? svec_sum(v, mb, (int)b, -1, -1, -1) :
		    svec_sum(v, mb, a, (int)b, -1, -1);
		buf_printf(out, "%s_bucket{%s%sle=\"", name, label,
		    label[0] ? "," : "");
		if (b + 1 < SLAT_NBUCKETS)
			buf_printf(out, "%g", svec_bucket_ms[b] / 1000.0);
		else
			buf_puts(out, "+Inf");
		buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
	}
	buf_printf(out, "%s_sum%s%s%s %.6f\n", name, label[0] ? "{" : "",
	    label, label[0] ? "}" : "", (double)svec_sum(v, ms, a, -1, -1, -1)
	    / 1e6);
	buf_printf(out, "%s_count%s%s%s %llu\n", name, label[0] ? "{" : "",
	    label, label[0] ? "}" : "", (unsigned long long)cum);
}

/* prom_counters - everything counted */

static void
prom_counters(const struct svec *v, struct buf *out)
{
	char		 label[64];
	unsigned int	 i, k;

	prom_cells(v, SM_MSGS, "winnow_messages_total", "Messages filtered, "
	    "once per group, status, AV status and action they got.", out);
	prom_cells(v, SM_RCPTS, "winnow_recipients_total", "Recipients "
	    "filtered.", out);
	prom_cells(v, SM_BYTES, "winnow_bytes_total", "Bytes of the messages "
	    "filtered.", out);
	prom_simple(v, SM_RECEIVED, "winnow_received_messages_total",
	    "Messages through the filter.", out);
	prom_simple(v, SM_RECEIVED_BYTES, "winnow_received_bytes_total",
	    "Bytes through the filter.", out);
	prom_head(out, "winnow_replies_total", "counter", "Replies to the "
	    "upstream by class: after DATA (data) or by the session itself "
	    "(session).");
	for (i = 2; i <= 5; i++)
		for (k = 0; k < 2; k++)
			buf_printf(out, "winnow_replies_total{class=\"%uxx\","
			    "source=\"%s\"} %llu\n", i, k ? "session" : "data",
			    (unsigned long long)svec_sum(v, SM_REPLY, (int)i,
			    (int)k, -1, -1));
	prom_head(out, "winnow_recipient_fates_total", "counter", "What became "
	    "of recipients.");
	for (i = 0; i < SFATE_N; i++)
		for (k = 0; k < 2; k++)
			buf_printf(out, "winnow_recipient_fates_total{fate="
			    "\"%s\",by_policy=\"%s\"} %llu\n",
			    tally_fate_name(i), k ? "yes" : "no",
			    (unsigned long long)svec_sum(v, SM_FATE, (int)i,
			    (int)k, -1, -1));
	prom_head(out, "winnow_downstream_failures_total", "counter",
	    "Recipients the downstream deferred or refused.");
	buf_printf(out, "winnow_downstream_failures_total{kind=\"tempfail\"} "
	    "%llu\nwinnow_downstream_failures_total{kind=\"refused\"} %llu\n",
	    (unsigned long long)svec_sum(v, SM_DOWNSTREAM, SDOWN_TEMPFAIL, -1,
	    -1, -1), (unsigned long long)svec_sum(v, SM_DOWNSTREAM,
	    SDOWN_REFUSED, -1, -1, -1));
	prom_head(out, "winnow_downstream_tempfail_messages_total", "counter",
	    "Messages with a temporary failure downstream.");
	buf_printf(out, "winnow_downstream_tempfail_messages_total %llu\n",
	    (unsigned long long)svec_sum(v, SM_DOWNSTREAM, SDOWN_MSG_TEMPFAIL,
	    -1, -1, -1));
	prom_head(out, "winnow_checks_total", "counter", "Checks by how far "
	    "they got (done, timeout, limit, error).");
	for (i = 0; i < SCHECK_N; i++)
		for (k = 1; k <= 4; k++)
			buf_printf(out, "winnow_checks_total{check=\"%s\","
			    "state=\"%s\"} %llu\n", svec_check_name(i),
			    k == 1 ? "done" : k == 2 ? "timeout" : k == 3 ?
			    "limit" : "error", (unsigned long long)svec_sum(v,
			    SM_CHECK, (int)i, (int)k, -1, -1));
	prom_head(out, "winnow_check_duration_seconds", "histogram", "Time in "
	    "each check per message.");
	for (i = 0; i < SLAT_N; i++) {
		(void)snprintf(label, sizeof(label), "check=\"%s\"",
		    svec_lat_name(i));
		prom_hist(v, SM_CHECK_LAT, SM_CHECK_LAT_SUM, (int)i,
		    "winnow_check_duration_seconds", label, out);
	}
	prom_head(out, "winnow_message_duration_seconds", "histogram", "Time "
	    "from the end of DATA to the answer.");
	prom_hist(v, SM_MSG_LAT, SM_MSG_LAT_SUM, -1,
	    "winnow_message_duration_seconds", "", out);
	prom_head(out, "winnow_notices_total", "counter", "DSNs and "
	    "notifications sent, first try or from the queue, and how it "
	    "went.");
	for (i = 0; i < 2; i++)
		for (k = 0; k < 3; k++)
			buf_printf(out, "winnow_notices_total{retry=\"%s\","
			    "result=\"%s\"} %llu\n", i ? "yes" : "no", k == 0 ?
			    "sent" : k == 1 ? "tempfail" : "failed",
			    (unsigned long long)svec_sum(v, SM_NOTICE, (int)i,
			    (int)k, -1, -1));
	prom_head(out, "winnow_quarantine_writes_total", "counter",
	    "Quarantine copies written or failed.");
	for (k = 0; k < 2; k++)
		buf_printf(out, "winnow_quarantine_writes_total{result=\"%s\"} "
		    "%llu\n", k ? "failed" : "ok", (unsigned long long)
		    svec_sum(v, SM_QUAR, (int)k, -1, -1, -1));
	prom_head(out, "winnow_archive_writes_total", "counter",
	    "Archive copies written or failed.");
	for (k = 0; k < 2; k++)
		buf_printf(out, "winnow_archive_writes_total{result=\"%s\"} "
		    "%llu\n", k ? "failed" : "ok", (unsigned long long)
		    svec_sum(v, SM_ARCHIVE, (int)k, -1, -1, -1));
	prom_head(out, "winnow_child_exits_total", "counter", "Children that "
	    "ended, normally or by a crash.");
	for (k = 0; k < 2; k++)
		buf_printf(out, "winnow_child_exits_total{crashed=\"%s\"} "
		    "%llu\n", k ? "yes" : "no", (unsigned long long)svec_sum(v,
		    SM_CHILD_EXIT, (int)k, -1, -1, -1));
}

/* prom_gauge - one gauge */

static void
prom_gauge(struct buf *out, const char *name, const char *help, double x)
{
	prom_head(out, name, "gauge", help);
	buf_printf(out, "%s %.17g\n", name, x);
}

/* prom_gauges - the status */

static void
prom_gauges(const struct sstatus *s, struct buf *out)
{
	struct monitor_problem p[MONITOR_MAX];
	size_t		 n = monitor_judge(s, p, MONITOR_MAX), i, w = 0, c = 0;

	prom_gauge(out, "winnow_up", "Whether the master runs.",
	    s->master_alive);
	prom_gauge(out, "winnow_start_time_seconds", "When the master "
	    "started (unix time).", (double)s->info.started);
	prom_gauge(out, "winnow_config_generation", "Configuration "
	    "generation (+1 per reload or new AV engine).",
	    s->info.generation);
	prom_gauge(out, "winnow_last_reload_success", "Whether the last reload "
	    "worked (1 if there was none).", s->info.reload_ok);
	prom_head(out, "winnow_children", "gauge", "Children by state.");
	buf_printf(out, "winnow_children{state=\"busy\"} %u\n"
	    "winnow_children{state=\"idle\"} %u\n"
	    "winnow_children{state=\"starting\"} %u\n", s->busy, s->idle,
	    s->starting);
	prom_gauge(out, "winnow_children_max", "max_children.",
	    s->info.max_children);
	prom_gauge(out, "winnow_oldest_busy_seconds", "How long the oldest "
	    "busy session has run.", s->oldest_busy_ms / 1000.0);
	prom_gauge(out, "winnow_av_signatures", "Virus signatures loaded.",
	    s->info.av_signatures);
	prom_gauge(out, "winnow_av_database_version", "Virus database "
	    "version.", s->info.av_version);
	prom_gauge(out, "winnow_av_database_age_seconds", "Age of the virus "
	    "database (-1 unknown).", s->info.av_time ? (double)(s->now -
	    s->info.av_time) : -1.0);
	prom_gauge(out, "winnow_model_age_seconds", "Age of the content model "
	    "file (-1 none).", s->info.model_path[0] ? (double)(s->now -
	    s->info.model_mtime) : -1.0);
	prom_gauge(out, "winnow_spool_free_bytes", "Free space in the spool.",
	    (double)s->spool_free);
	prom_gauge(out, "winnow_spool_reserve_bytes", "spool_reserve.",
	    (double)s->spool_reserve);
	prom_gauge(out, "winnow_outq_messages", "DSNs and notifications "
	    "waiting.", (double)s->outq_n);
	prom_gauge(out, "winnow_outq_oldest_age_seconds", "Age of the oldest "
	    "waiting (0 none).", s->outq_oldest ? (double)(s->now -
	    s->outq_oldest) : 0.0);
	prom_gauge(out, "winnow_quarantine_messages", "Messages in the "
	    "quarantine.", (double)s->quar_n);
	prom_gauge(out, "winnow_quarantine_bytes", "Bytes in the quarantine.",
	    (double)s->quar_bytes);
	for (i = 0; i < n; i++) {
		w += p[i].severity == SSTATUS_WARNING;
		c += p[i].severity == SSTATUS_CRITICAL;
	}
	prom_head(out, "winnow_problems", "gauge", "Open problems the monitor "
	    "sees, by severity.");
	buf_printf(out, "winnow_problems{severity=\"warning\"} %zu\n"
	    "winnow_problems{severity=\"critical\"} %zu\n", w, c);
}

/* prom_render - the whole exposition */

void
prom_render(const struct svec *counted, const struct sstatus *s,
    struct buf *out)
{
	prom_counters(counted, out);
	prom_gauges(s, out);
}
