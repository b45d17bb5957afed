/*
 * modules.c - the one place that knows every module's life cycle
 *
 * Registration of configuration sections (before conf_load), loading of
 * shared read-only data in the master (after each successful conf_load,
 * before fork), and per-child initialisation (after fork).  The check
 * modules' life cycle comes from the table of checks (checks.c); the rest
 * is spelled out here.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"

/* modules */
#include "av.h"
#include "content.h"
#include "dnsbl.h"

/* policy */
#include "policy.h"

/* stats */
#include "stats_conf.h"

/* fleet */
#include "fleet_conf.h"

/* smtp */
#include "client_conf.h"
#include "notice.h"
#include "reinject.h"

/* server */
#include "avsets.h"
#include "checks.h"
#include "control.h"
#include "pipeline.h"
#include "server.h"



/* server_register_all - every [section] of every module */

void
server_register_all(void)
{
	const struct check *k;

	server_conf_register();
	policy_conf_register();
	policy_set_av_checker(avsets_check);
	stats_conf_register();
	control_conf_register();
	fleet_conf_register();
	for (k = checks_table; k->name != NULL; k++)
		k->conf_register();
	client_conf_register();
}

/* modules_version_info - the AV side of X-Winnow-Version, after every
 * engine load */

static void
modules_version_info(void)
{
	struct buf	*v = buf_new(64);

	av_describe(v);
	policy_set_version_info(buf_str(v));
	buf_free(v);
}

/* server_load_modules - build every module's shared data (master) */

int
server_load_modules(int startup, struct buf *why)
{
	const struct check *k;

	struct buf	*prot;

	checks_validate();
	for (k = checks_table; k->name != NULL; k++)
		if (k->load(why) != WN_OK)
			return (-1);
	if (startup)
		av_tmp_sweep();
	if (avsets_build(why) < 0)
		return (-1);
	modules_version_info();
	/* At start and on every reload: which recipients are filtered. */
	prot = buf_new(128);
	policy_protected_describe(prot);
	log_info("protected domains: %s", buf_str(prot));
	buf_free(prot);
	return (0);
}

/* server_check_databases - periodic look for new AV signatures (master);
 * returns 1 when a new engine was installed and children must change */

int
server_check_databases(void)
{
	static uint64_t	 last;
	struct buf	*why;
	unsigned int	 every = av_db_check_interval();
	int		 changed = 0;

	if (every == 0 || time_now_ms() - last < every)
		return (0);
	last = time_now_ms();
	if (!av_db_changed())
		return (0);
	why = buf_new(128);
	if (av_load(why) == WN_OK) {
		log_info("av: new signatures loaded; replacing the children");
		modules_version_info();
		buf_reset(why);
		if (avsets_build(why) < 0)
			log_error("av: the groups' option sets: %s",
			    buf_str(why));
		changed = 1;
	} else {
		log_error("av: the changed database does not load, keeping "
		    "the previous engine: %s", buf_str(why));
	}
	buf_free(why);
	return (changed);
}

static void	server_conf_warnings(void);

/* server_load_config - read the file (or defaults) and derive values */

int
server_load_config(const char *path, struct buf *why)
{
	if (conf_load(path, why) != WN_OK)
		return (-1);
	if (server_conf_finish(why) < 0)
		return (-1);
	server_conf_warnings();
	return (0);
}

/* server_conf_warnings - what the file does that works but should change
 * (deprecated keys): one warning each (winnowd -t prints them too) */

static void
server_conf_warnings(void)
{
	const char	*w = conf_warnings(), *nl;

	while (*w != '\0') {
		nl = strchr(w, '\n');
		log_warn("%.*s", (int)(nl != NULL ? nl - w : (long)strlen(w)),
		    w);
		if (nl == NULL)
			break;
		w = nl + 1;
	}
}

/* server_child_init - per-child set-up of every module */

void
server_child_init(void)
{
	const struct check *k;
	struct buf	*why = buf_new(128);

	if (reinject_init(why) < 0)
		log_fatal("forward: %s", buf_str(why));
	notice_init(smtp_conf.spool_dir, server_conf.notice_retry,
	    server_conf.notice_lifetime);
	notice_count(count_notice);
	for (k = checks_table; k->name != NULL; k++)
		k->child_init();
	buf_free(why);
}

/* server_child_gone - a child died without its own clean-up (a signal, a
 * fatal error): remove what it left behind, its AV temporary directory */

void
server_child_gone(pid_t pid)
{
	av_tmp_reaped(pid);
}

/* server_child_exit - per-child clean-up of every module */

void
server_child_exit(void)
{
	const struct check *k;

	for (k = checks_table; k->name != NULL; k++)
		if (k->child_exit != NULL)
			k->child_exit();
}
