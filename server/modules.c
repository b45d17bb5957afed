/*
 * modules.c - the one place that knows every module's life cycle
 *
 * Registration of configuration sections (before conf_load), loading of
 * shared read-only data in the master (after each successful conf_load,
 * before fork), and per-child initialisation (after fork).  Check modules
 * plug in here and in pipeline.c's table of checks.
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

/* policy */
#include "policy.h"

/* server */
#include "server.h"

/* pipe-client: its [client] section lives in the same file */
#include "pipe.h"

/* server_register_all - every [section] of every module */

void
server_register_all(void)
{
	server_conf_register();
	policy_conf_register();
	pipe_conf_register();
}

/* server_load_config - read the file (or defaults) and derive values */

int
server_load_config(const char *path, struct buf *why)
{
	if (conf_load(path, why) != WN_OK)
		return (-1);
	if (server_conf_finish(why) < 0)
		return (-1);
	return (0);
}

/* server_child_init - per-child set-up of every module */

void
server_child_init(void)
{
	struct buf	*why = buf_new(128);

	if (reinject_init(why) < 0)
		log_fatal("forward: %s", buf_str(why));
	buf_free(why);
}
