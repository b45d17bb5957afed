/*
 * alerts.c - the monitor in the control process: judge, remember, mail
 *
 * Every [monitor] interval: gather the status, judge it (stats/monitor.c),
 * hold the problems against the state file ([stats] dir/monitor/state),
 * and mail [monitor] alert_to - once for the problems that started, once
 * for those that ended, and the daily digest of what is open at
 * digest_hour.  The mail goes downstream like a DSN (smtp/submit.h), from
 * the null sender.  The state is saved only when every mail went out, so
 * a downstream that is down delays an alert instead of losing it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/uio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"

/* policy */
#include "policy.h"
#include "template.h"

/* smtp */
#include "smtp_conf.h"
#include "submit.h"

/* stats */
#include "monitor.h"
#include "sstatus.h"
#include "stats_conf.h"

/* server */
#include "control.h"
#include "server.h"

static struct template	*alerts_template;
static int		 alerts_template_tried;

/* alerts_tmpl - the admin's template, or NULL for the built-in one */

static const struct template *
alerts_tmpl(void)
{
	struct buf	*why;

	if (alerts_template_tried || monitor_conf.template[0] == '\0')
		return (alerts_template);
	alerts_template_tried = 1;
	why = buf_new(128);
	if ((alerts_template = template_load(monitor_conf.template, 65536,
	    why)) == NULL)
		log_error("monitor: template %s: %s; using the built-in text",
		    monitor_conf.template, buf_str(why));
	buf_free(why);
	return (alerts_template);
}

/* alerts_send - one alert mail; WN_OK when every recipient took it */

static int
alerts_send(const char *kind, const struct monitor_problem *p, size_t n,
    int64_t now)
{
	struct buf	*msg = buf_new(2048), *why = buf_new(128);
	struct iovec	 seg;
	char		 from[512], **to;
	size_t		 nto, i;
	int		 rc;

	if (monitor_conf.alert_from[0] != '\0')
		(void)snprintf(from, sizeof(from), "%s",
		    monitor_conf.alert_from);
	else
		(void)snprintf(from, sizeof(from), "winnow@%s",
		    smtp_conf.hostname);
	nto = conf_list_split(monitor_conf.alert_to, &to);
	monitor_mail(kind, p, n, now, alerts_tmpl(), from,
	    monitor_conf.alert_to, smtp_conf.hostname, msg);
	seg.iov_base = msg->data;
	seg.iov_len = buf_len(msg);
	rc = submit_message("monitor", "", to, nto, &seg, 1,
	    mem_has_8bit(msg->data, buf_len(msg)), NULL, why);
	if (rc == WN_OK) {
		for (i = 0; i < n; i++)
			log_notice("monitor: %s mailed to %s: %s: %s", kind,
			    monitor_conf.alert_to, p[i].id, p[i].text);
	} else {
		log_warn("monitor: cannot mail the %s alert to %s: %s (will "
		    "try again)", kind, monitor_conf.alert_to, buf_str(why));
	}
	conf_list_free(to);
	buf_free(msg);
	buf_free(why);
	return (rc);
}

/* alerts_tick - one round of the monitor */

void
alerts_tick(void)
{
	struct monitor_problem p[MONITOR_MAX], started[MONITOR_MAX];
	struct monitor_problem ended[MONITOR_MAX];
	struct monitor_state st;
	struct sstatus_where w;
	struct sstatus	 s;
	struct buf	*why = buf_new(128);
	char		 path[4096];
	size_t		 n, ns, ne;
	int64_t		 now = (int64_t)time(NULL);
	int		 ok = 1;

	w.stats_dir = stats_conf_dir(smtp_conf.spool_dir);
	w.spool_dir = smtp_conf.spool_dir;
	w.quarantine_dir = policy_conf.quarantine_dir;
	w.spool_reserve = smtp_conf.spool_reserve;
	sstatus_gather(&s, server_live, &w);
	n = monitor_judge(&s, p, MONITOR_MAX);
	(void)snprintf(path, sizeof(path), "%s/monitor/state", w.stats_dir);
	if (monitor_state_load(path, &st, why) != WN_OK)
		log_warn("monitor: %s", buf_str(why));
	monitor_update(&st, p, n, now, started, &ns, ended, &ne);
	if (ns > 0)
		ok &= alerts_send("problem", started, ns, now) == WN_OK;
	if (ne > 0)
		ok &= alerts_send("resolved", ended, ne, now) == WN_OK;
	if (ok && monitor_digest_due(&st, now, monitor_conf.digest_hour))
		ok &= alerts_send("digest", st.open, st.n, now) == WN_OK;
	buf_reset(why);
	if (ok && (ns > 0 || ne > 0 || st.n > 0) &&
	    monitor_state_save(path, &st, why) != WN_OK)
		log_warn("monitor: %s", buf_str(why));
	buf_free(why);
}
