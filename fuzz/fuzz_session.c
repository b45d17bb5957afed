/*
 * fuzz_session.c - a whole SMTP/LMTP session from hostile bytes
 *
 * The input is what an upstream client sends.  It goes through a socketpair
 * into the real sess_run(); messages that reach the end of DATA go through
 * the real pipeline and reinjection to an in-process downstream that says
 * yes to everything (a thread on a unix socket).  Limits stay at their
 * defaults, as in production (Dovecot's fuzz-smtp-server does the same).
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
#include "server.h"
#include "xalloc.h"

static char	 sink_path[128];

/* sink_conn - answer one downstream connection: 250 to all, 354 to DATA */

static void *
sink_conn(void *arg)
{
	int	 fd = (int)(intptr_t)arg, indata = 0;
	char	 buf[8192];
	size_t	 have = 0;
	ssize_t	 n;
	char	*nl;

	(void)write(fd, "220 sink ESMTP\r\n", 16);
	while ((n = read(fd, buf + have, sizeof(buf) - have - 1)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			size_t	 len = (size_t)(nl - buf) + 1;

			if (indata) {
				if (len == 3 && buf[0] == '.') {
					indata = 0;
					(void)write(fd, "250 ok\r\n", 8);
				}
			} else if (strncasecmp(buf, "EHLO", 4) == 0) {
				(void)write(fd, "250-sink\r\n250-PIPELINING\r\n"
				    "250-DSN\r\n250 XFORWARD NAME ADDR\r\n", 59);
			} else if (strncasecmp(buf, "DATA", 4) == 0) {
				indata = 1;
				(void)write(fd, "354 go\r\n", 8);
			} else if (strncasecmp(buf, "QUIT", 4) == 0) {
				(void)write(fd, "221 bye\r\n", 9);
			} else {
				(void)write(fd, "250 ok\r\n", 8);
			}
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* overlong line: drop it */
	}
	(void)close(fd);
	return (NULL);
}

/* sink_main - accept downstream connections forever */

static void *
sink_main(void *arg)
{
	int		 lfd = (int)(intptr_t)arg, fd;
	pthread_t	 t;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		if (pthread_create(&t, NULL, sink_conn, (void *)(intptr_t)fd)
		    == 0)
			(void)pthread_detach(t);
	}
	return (NULL);
}

/* client_main - write the input, then read replies until EOF */

struct client {
	int		 fd;
	const uint8_t	*data;
	size_t		 len;
};

static void *
client_main(void *arg)
{
	struct client	*c = arg;
	char		 junk[4096];
	size_t		 off = 0;
	ssize_t		 n;

	while (off < c->len) {
		if ((n = write(c->fd, c->data + off, c->len - off)) <= 0)
			break;
		off += (size_t)n;
	}
	(void)shutdown(c->fd, SHUT_WR);
	while (read(c->fd, junk, sizeof(junk)) > 0)
		;
	return (NULL);
}

/* fuzz_init - configuration, spool directory and the downstream */

static void
fuzz_init(void)
{
	static char	 spool[128], fwd[160], conf[200];
	const char	*src = getenv("WINNOW_SRCDIR") ? getenv("WINNOW_SRCDIR") :
			    ".";
	FILE		*fp;
	struct sockaddr_un sun;
	struct buf	*why = buf_new(64);
	pthread_t	 t;
	int		 lfd;

	(void)signal(SIGPIPE, SIG_IGN);
	log_open_syslog(LOG_LOCAL7);		/* keep the fuzzer's output */
	(void)snprintf(spool, sizeof(spool), "/tmp/winnow-fuzz.%d", getpid());
	(void)mkdir(spool, 0700);
	(void)snprintf(sink_path, sizeof(sink_path), "%s/sink", spool);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sink_path);
	(void)unlink(sink_path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 16) < 0)
		abort();
	(void)pthread_create(&t, NULL, sink_main, (void *)(intptr_t)lfd);

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
		(void)fprintf(stderr, "fuzz_session: %s\n", buf_str(why));
		abort();
	}
	server_child_init();
	(void)snprintf(fwd, sizeof(fwd), "unix:%s", sink_path);
	free(server_conf.forward);
	server_conf.forward = xstrdup(fwd);
	free(server_conf.spool_dir);
	server_conf.spool_dir = xstrdup(spool);
	server_conf.spool_reserve = 0;
	server_conf.command_timeout = 2000;
	server_conf.data_timeout = 2000;
	server_conf.spool_memory_limit = 4096;	/* exercise the file path */
	if (reinject_init(why) < 0)
		abort();
	buf_free(why);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int	 ready;
	struct client	 c;
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
	if (pthread_create(&t, NULL, client_main, &c) != 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return (0);
	}
	(void)sess_run(sv[0], (len > 0 && data[0] & 1) ? PROTO_AUTO :
	    PROTO_SMTP, "192.0.2.1");
	(void)pthread_join(t, NULL);
	(void)close(sv[1]);
	return (0);
}
