/*
 * dnstest.h - DNS servers and configuration for the dnsbl/ unit tests
 *
 * A test file that needs servers lists them with DT_SERVERS(...) (kind,
 * port pairs); criterion's PRE_ALL hook starts them in the runner process
 * before any test forks, POST_ALL stops them, so the tests need nothing
 * started by hand.  Kinds: "unbound" (t/dns/run-unbound: the test zones)
 * and the fakedns.py modes ("silent", "garbage", "spoof", "refused",
 * "nxdomain", "truncate", "slow").  Each test binary has its own ports in
 * 15300-15399 so binaries may run at the same time.  With
 * WINNOW_DNS_EXTERNAL=1 in the environment the hooks start nothing (the
 * servers were started by hand, e.g. to run the tests under valgrind).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_DNSTEST_H
#define WINNOW_DNSTEST_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "buf.h"
#include "conf.h"
#include "dnsbl.h"
#include "status.h"
#include "testutil.h"

struct dt_server {
	const char	*kind;
	int		 port;
	int		 pid;		/* fake servers */
	char		 dir[128];	/* unbound */
};

/* dt_start - start one server; abort the run if it cannot */

static inline void
dt_start(struct dt_server *s)
{
	char	 cmd[512], line[512];
	FILE	*fp;

	if (strcmp(s->kind, "unbound") == 0) {
		(void)snprintf(s->dir, sizeof(s->dir), "%s/winnow-dns.%d.%d",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		    (int)getpid(), s->port);
		(void)snprintf(cmd, sizeof(cmd), "%s/t/dns/run-unbound start "
		    "-p %d -d %s -t 600", tu_srcdir(), s->port, s->dir);
	} else
		(void)snprintf(cmd, sizeof(cmd), "%s/t/dns/run-fake start %s "
		    "%d 600", tu_srcdir(), s->kind, s->port);
	if ((fp = popen(cmd, "r")) == NULL ||
	    fgets(line, sizeof(line), fp) == NULL || pclose(fp) != 0) {
		(void)fprintf(stderr, "dnstest: cannot start %s on %d\n",
		    s->kind, s->port);
		exit(1);
	}
	if (strstr(line, "pid=") != NULL)
		s->pid = atoi(strstr(line, "pid=") + 4);
}

/* dt_stop - stop one server by its pid */

static inline void
dt_stop(struct dt_server *s)
{
	char	 cmd[512];

	if (strcmp(s->kind, "unbound") == 0)
		(void)snprintf(cmd, sizeof(cmd), "%s/t/dns/run-unbound stop %s",
		    tu_srcdir(), s->dir);
	else
		(void)snprintf(cmd, sizeof(cmd), "%s/t/dns/run-fake stop %d",
		    tu_srcdir(), s->pid);
	if (system(cmd) != 0)
		(void)fprintf(stderr, "dnstest: stopping %s failed\n", s->kind);
}

static struct dt_server *dt_get_servers(void);

/* The servers of a test file: DT_SERVERS({ "unbound", 15310 }, ...). */
#define DT_SERVERS(...)							\
	static struct dt_server dt_servers[] = { __VA_ARGS__,		\
	    { NULL, 0, 0, "" } };					\
	static struct dt_server *					\
	dt_get_servers(void)						\
	{								\
		return (dt_servers);					\
	}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	struct dt_server *s;

	(void)set;
	if (getenv("WINNOW_DNS_EXTERNAL") != NULL)
		return;
	for (s = dt_get_servers(); s->kind != NULL; s++)
		dt_start(s);
}

ReportHook(POST_ALL)(struct criterion_global_stats *st)
{
	struct dt_server *s;

	(void)st;
	if (getenv("WINNOW_DNS_EXTERNAL") != NULL)
		return;
	for (s = dt_get_servers(); s->kind != NULL; s++)
		dt_stop(s);
}

/* dt_config - register, load a config text and build the dnsbl data */

static inline void
dt_config(const char *text)
{
	struct buf	*err = buf_new(256);

	conf_reset();
	dnsbl_conf_register();
	if (conf_load(tu_write_file("winnow.conf", text), err) != WN_OK)
		cr_assert_fail("config: %s", buf_str(err));
	buf_reset(err);
	if (dnsbl_load(err) != WN_OK)
		cr_assert_fail("dnsbl_load: %s", buf_str(err));
	dnsbl_child_init();
	buf_free(err);
}

/* A message view with a client, a sender and some data. */
static inline struct msg_view
dt_view(const char *client, const char *sender, const char *helo,
    const char *data)
{
	struct msg_view	 v;
	const char	*sep;

	memset(&v, 0, sizeof(v));
	v.queue_id = "TEST1";
	v.client_addr = client;
	v.sender = sender;
	v.helo = helo;
	v.data = data;
	v.len = data ? strlen(data) : 0;
	if (data != NULL) {
		sep = strstr(data, "\r\n\r\n");
		v.header_len = sep ? (size_t)(sep - data) + 4 : v.len;
	}
	return (v);
}

#endif /* WINNOW_DNSTEST_H */
