/*
 * fuzz_pipe.c - winnow-pipe between a hostile MTA and a hostile winnowd
 *
 * The input is split in two: the bytes the MTA sends (through a socketpair
 * into the real session, with winnow-pipe's pipe_deliver hook), and the
 * bytes "winnowd" answers with - written whole as soon as winnow-pipe
 * connects, then the connection is half-closed - so every shape of reply
 * (short, multi-line, malformed, 421, too many, too few) meets the real
 * relay (pipe_relay.c), and every failure meets on_error, whose mode the
 * first byte picks.  The unfiltered paths go to an in-process downstream
 * that says yes to everything.
 *
 * The fake winnowd writes from copies of the script, never from libFuzzer's
 * input: that is freed when a run returns, and a connection of the run may
 * still wait in the fake's backlog then (the use-after-free run-smoke
 * found in the harness itself).
 *
 * Layout: byte 0 on_error and protocol, byte 1..2 the MTA part's length
 * (little endian), then the MTA part, then winnowd's part.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "client_conf.h"
#include "listener.h"
#include "msg.h"
#include "notice.h"
#include "pipe.h"
#include "reinject.h"
#include "sess.h"
#include "smtp_conf.h"
#include "status.h"
#include "xalloc.h"

#include "fuzz_net.h"

static char		 winnowd_path[160], sink_path[160];
static int		 winnowd_fd = -1;
/* This run's script: a copy the harness owns (libFuzzer frees its input
 * when the run returns, and a connection of that run may still be in the
 * fake winnowd's backlog then). */
static uint8_t		*script;
static size_t		 script_len;
static pthread_mutex_t	 script_lock = PTHREAD_MUTEX_INITIALIZER;

/* winnowd_main - answer each connection with the script of the moment */

static void *
winnowd_main(void *arg)
{
	uint8_t	*mine;
	size_t	 off, len;
	ssize_t	 n;
	int	 fd;

	(void)arg;
	while ((fd = accept(winnowd_fd, NULL, NULL)) >= 0) {
		/* Our own copy: the harness may replace the script (and free
		 * the old one) while we write. */
		pthread_mutex_lock(&script_lock);
		len = script_len;
		mine = xmalloc(len + 1);
		if (len > 0)
			memcpy(mine, script, len);
		pthread_mutex_unlock(&script_lock);
		for (off = 0; off < len; off += (size_t)n)
			if ((n = write(fd, mine + off, len - off)) <= 0)
				break;
		free(mine);
		(void)shutdown(fd, SHUT_WR);
		fuzz_drain(fd);
		(void)close(fd);
	}
	return (NULL);
}

/* set_str - replace a configuration string */

static void
set_str(char **p, const char *prefix, const char *path)
{
	size_t	 n = strlen(prefix) + strlen(path) + 1;

	free(*p);
	*p = xmalloc(n);
	(void)snprintf(*p, n, "%s%s", prefix, path);
}

/* fuzz_init - configuration, the fake winnowd and the forward sink */

static void
fuzz_init(void)
{
	static char	 dir[128];
	struct buf	*why = buf_new(64);
	pthread_t	 t;

	(void)signal(SIGPIPE, SIG_IGN);
	log_open_syslog(LOG_LOCAL7);
	(void)snprintf(dir, sizeof(dir), "/tmp/winnow-fuzz-pipe.%d", getpid());
	(void)mkdir(dir, 0700);
	(void)snprintf(winnowd_path, sizeof(winnowd_path), "%s/winnowd", dir);
	(void)snprintf(sink_path, sizeof(sink_path), "%s/sink", dir);
	winnowd_fd = fuzz_listen_unix(winnowd_path);
	(void)pthread_create(&t, NULL, winnowd_main, NULL);
	fuzz_sink_start(sink_path);

	conf_set_partial(1);
	smtp_conf_register();
	client_conf_register();
	if (conf_load(NULL, why) != WN_OK)
		abort();
	smtp_conf_finish();
	notice_init(NULL, 0, 0);
	set_str(&smtp_conf.forward, "unix:", sink_path);
	set_str(&client_conf.connect_to, "unix:", winnowd_path);
	set_str(&smtp_conf.spool_dir, "", dir);
	set_str(&client_conf.default_domain, "", "fuzz.test");
	smtp_conf.spool_reserve = 0;
	smtp_conf.spool_memory_limit = 4096;
	smtp_conf.command_timeout = 1000;
	smtp_conf.data_timeout = 1000;
	smtp_conf.forward_timeout = 1000;
	smtp_conf.forward_data_done_timeout = 1000;
	client_conf.connect_timeout = 500;
	client_conf.command_timeout = 500;
	client_conf.data_timeout = 500;
	if (reinject_init(why) < 0)
		abort();
	buf_free(why);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int	 ready;
	struct fuzz_client c;
	pthread_t	 t;
	size_t		 mta;
	int		 sv[2];
	char		*q;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (len < 3)
		return (0);
	client_conf.on_error = data[0] % 3;
	mta = (size_t)data[1] | (size_t)data[2] << 8;
	if (mta > len - 3)
		mta = len - 3;
	pthread_mutex_lock(&script_lock);
	free(script);
	script_len = len - 3 - mta;
	script = xmalloc(script_len + 1);
	memcpy(script, data + 3 + mta, script_len);
	pthread_mutex_unlock(&script_lock);

	/* The address qualifier sees the MTA's bytes as one address. */
	q = xstrndup((const char *)data + 3, mta > 300 ? 300 : mta);
	free(pipe_qualify(q, client_conf.default_domain));
	free(q);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return (0);
	c.fd = sv[1];
	c.data = data + 3;
	c.len = mta;
	if (pthread_create(&t, NULL, fuzz_client_main, &c) != 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return (0);
	}
	(void)sess_run(sv[0], (data[0] & 4) ? PROTO_LMTP : PROTO_AUTO,
	    "local", &pipe_hooks);
	(void)pthread_join(t, NULL);
	(void)close(sv[1]);
	reinject_close_all();
	return (0);
}
