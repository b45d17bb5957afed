/*
 * fuzz_milter.c - a whole milter connection from hostile bytes
 *
 * The input is what an MTA sends: milter packets (length, command, data).
 * First milter_wire_parse() takes it apart on its own (every packet, every
 * string list); then the input goes through a socketpair into the real
 * milter_run(), and messages that reach the end of the body go through
 * the real checks, policy and milter answer (server/mreply.c).  A DSN or
 * notification would go to an in-process downstream that says yes to
 * everything.  Lengths that lie, truncated or oversized packets must end
 * the connection, never crash.  Seeds: fuzz/corpus/fuzz_milter, recorded
 * conversations (negotiation, macros, a message with headers and body,
 * aborts, several messages on one connection).
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
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "reinject.h"
#include "server.h"
#include "xalloc.h"

#include "milter_wire.h"

#include "fuzz_net.h"

static char	 sink_path[128];

/* fuzz_init - configuration, spool directory and the downstream */

static void
fuzz_init(void)
{
	static char	 spool[128], fwd[160], conf[200];
	const char	*src = getenv("WINNOW_SRCDIR") ? getenv("WINNOW_SRCDIR") :
			    ".";
	FILE		*fp;
	struct buf	*why = buf_new(64);

	(void)signal(SIGPIPE, SIG_IGN);
	log_open_syslog(LOG_LOCAL7);		/* keep the fuzzer's output */
	(void)snprintf(spool, sizeof(spool), "/tmp/winnow-fuzz.%d", getpid());
	(void)mkdir(spool, 0700);
	(void)snprintf(sink_path, sizeof(sink_path), "%s/sink", spool);
	fuzz_sink_start(sink_path);

	/* DNS only to a dead loopback port: the fuzzer must never send a
	 * packet anywhere else; content with the shipped model, AV with the
	 * attachment filter only. */
	(void)snprintf(conf, sizeof(conf), "%s/winnow.conf", spool);
	if ((fp = fopen(conf, "w")) == NULL)
		abort();
	(void)fprintf(fp, "[dns]\nresolver = 127.0.0.1:9\ntimeout = 100ms\n"
	    "[content]\ndefault_model = %s/data/content.model\n"
	    "obscene_words = %s/data/obscene-en.txt\n[av]\ndatabase =\n"
	    "filter_names = *.exe\n", src, src);
	(void)fclose(fp);
	server_register_all();
	if (server_load_config(conf, why) < 0 ||
	    server_load_modules(1, why) < 0) {
		(void)fprintf(stderr, "fuzz_milter: %s\n", buf_str(why));
		abort();
	}
	server_child_init();
	(void)snprintf(fwd, sizeof(fwd), "unix:%s", sink_path);
	free(smtp_conf.forward);
	smtp_conf.forward = xstrdup(fwd);
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(spool);
	smtp_conf.spool_reserve = 0;
	smtp_conf.command_timeout = 2000;
	smtp_conf.data_timeout = 2000;
	smtp_conf.spool_memory_limit = 4096;	/* exercise the file path */
	if (reinject_init(why) < 0)
		abort();
	buf_free(why);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_packets - the packet parser alone over the input */

static void
fuzz_packets(const uint8_t *data, size_t len)
{
	struct milter_pkt p;
	struct buf	*why = buf_new(64);
	const char	*v[64];
	const char	*s = (const char *)data;
	ssize_t		 n;

	while ((n = milter_wire_parse(s, len, MILTER_PKT_MAX, &p, why)) > 0) {
		(void)milter_wire_strings(p.data, p.len, v, 64);
		if (p.len >= 4)
			(void)milter_wire_u32(p.data);
		s += n;
		len -= (size_t)n;
	}
	buf_free(why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int	 ready;
	struct fuzz_client c;
	pthread_t	 t;
	int		 sv[2];

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return (0);
	c.fd = sv[1];
	c.data = data;
	c.len = len;
	if (pthread_create(&t, NULL, fuzz_client_main, &c) != 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return (0);
	}
	fuzz_packets(data, len);
	(void)milter_run(sv[0], "192.0.2.1", &pipeline_milter_hooks);
	(void)pthread_join(t, NULL);
	(void)close(sv[1]);
	return (0);
}
