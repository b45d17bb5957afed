/*
 * testutil.c - helpers shared by the criterion unit tests
 *
 * criterion forks a process per test, so each test gets its own temporary
 * directory, removed by an atexit handler in that process.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "log.h"
#include "xalloc.h"

#include "testutil.h"

static char	 tu_dir[256];

/* tu_cleanup - remove the temporary directory */

static void
tu_cleanup(void)
{
	char	 cmd[300];

	if (tu_dir[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tu_dir);
	if (system(cmd) != 0)
		(void)fprintf(stderr, "could not remove %s\n", tu_dir);
}

/* tu_tmpdir - a private directory for this test */

const char *
tu_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");

	if (tu_dir[0] != '\0')
		return (tu_dir);
	(void)snprintf(tu_dir, sizeof(tu_dir), "%s/winnow-unit.XXXXXX",
	    base ? base : "/tmp");
	if (mkdtemp(tu_dir) == NULL)
		log_fatal("mkdtemp %s failed", tu_dir);
	(void)atexit(tu_cleanup);
	return (tu_dir);
}

/* tu_write_file - create a file with some text */

const char *
tu_write_file(const char *name, const char *text)
{
	static char	 path[512];
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", tu_tmpdir(), name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fputs(text, fp) == EOF || fclose(fp) == EOF)
		log_fatal("cannot write %s", path);
	return (path);
}

/* tu_read_file - slurp a file */

char *
tu_read_file(const char *path, size_t *len_r)
{
	FILE	*fp;
	char	*data;
	long	 len;

	if ((fp = fopen(path, "rb")) == NULL)
		log_fatal("cannot open %s", path);
	(void)fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	data = xmalloc((size_t)len + 1);
	if (fread(data, 1, (size_t)len, fp) != (size_t)len)
		log_fatal("cannot read %s", path);
	data[len] = '\0';
	(void)fclose(fp);
	*len_r = (size_t)len;
	return (data);
}

/* tu_srcdir - top of the source tree */

const char *
tu_srcdir(void)
{
	const char	*d = getenv("WINNOW_SRCDIR");

	return (d != NULL ? d : ".");
}

/*
 * The test downstream.  One thread per connection; the transcript of all
 * connections goes to one buffer under a mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "buf.h"

struct tu_sink {
	int		 lfd;
	int		 lmtp;
	pthread_mutex_t	 mu;
	struct buf	**rx;		/* per connection, in accept order */
	size_t		 nrx;
};

struct tu_conn {
	struct tu_sink	*sink;
	int		 fd;
	struct buf	*rx;		/* this connection's transcript */
};

/* tu_say - write a reply */

static void
tu_say(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s));
}

/* tu_sink_conn - serve one downstream connection */

static void *
tu_sink_conn(void *arg)
{
	struct tu_conn	*c = arg;
	char		 buf[65536];
	size_t		 have = 0, len;
	ssize_t		 n;
	char		*nl;
	int		 indata = 0, nrcpt = 0, i;

	tu_say(c->fd, "220 sink.test ESMTP\r\n");
	while ((n = read(c->fd, buf + have, sizeof(buf) - have - 1)) > 0) {
		pthread_mutex_lock(&c->sink->mu);
		buf_append(c->rx, buf + have, (size_t)n);
		pthread_mutex_unlock(&c->sink->mu);
		have += (size_t)n;
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			len = (size_t)(nl - buf) + 1;
			if (indata) {
				if (len == 3 && buf[0] == '.') {
					indata = 0;
					for (i = 0; i < (c->sink->lmtp ?
					    nrcpt : 1); i++)
						tu_say(c->fd, "250 2.0.0 Ok: "
						    "queued\r\n");
					nrcpt = 0;
				}
			} else if (strncasecmp(buf, "EHLO", 4) == 0 ||
			    strncasecmp(buf, "LHLO", 4) == 0) {
				tu_say(c->fd, "250-sink.test\r\n250-PIPELINING"
				    "\r\n250-8BITMIME\r\n250-DSN\r\n250 "
				    "XFORWARD NAME ADDR PROTO HELO\r\n");
			} else if (strncasecmp(buf, "RCPT", 4) == 0) {
				nrcpt++;
				tu_say(c->fd, "250 2.1.5 Ok\r\n");
			} else if (strncasecmp(buf, "DATA", 4) == 0) {
				indata = 1;
				tu_say(c->fd, "354 go ahead\r\n");
			} else if (strncasecmp(buf, "QUIT", 4) == 0) {
				tu_say(c->fd, "221 2.0.0 Bye\r\n");
			} else {
				if (strncasecmp(buf, "RSET", 4) == 0)
					nrcpt = 0;
				tu_say(c->fd, "250 2.0.0 Ok\r\n");
			}
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	(void)close(c->fd);
	free(c);
	return (NULL);
}

/* tu_sink_main - accept connections */

static void *
tu_sink_main(void *arg)
{
	struct tu_sink	*s = arg;
	struct tu_conn	*c;
	pthread_t	 t;
	int		 fd;

	while ((fd = accept(s->lfd, NULL, NULL)) >= 0) {
		c = xmalloc(sizeof(*c));
		c->sink = s;
		c->fd = fd;
		c->rx = buf_new(4096);
		pthread_mutex_lock(&s->mu);
		s->rx = xreallocarray(s->rx, s->nrx + 1, sizeof(*s->rx));
		s->rx[s->nrx++] = c->rx;
		pthread_mutex_unlock(&s->mu);
		if (pthread_create(&t, NULL, tu_sink_conn, c) == 0)
			(void)pthread_detach(t);
	}
	return (NULL);
}

/* tu_sink_start - start the test downstream */

struct tu_sink *
tu_sink_start(const char *path, int lmtp)
{
	struct sockaddr_un sun;
	struct tu_sink	*s;
	pthread_t	 t;

	s = xcalloc(1, sizeof(*s));
	s->lmtp = lmtp;
	pthread_mutex_init(&s->mu, NULL);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	(void)unlink(path);
	if ((s->lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(s->lfd, 16) < 0)
		log_fatal("tu_sink_start: %s", path);
	if (pthread_create(&t, NULL, tu_sink_main, s) != 0)
		log_fatal("tu_sink_start: pthread_create");
	(void)pthread_detach(t);
	return (s);
}

/* tu_sink_received - a copy of the transcript, connection after
 * connection (so that transactions prepared side by side on several
 * connections read the same in every run) */

char *
tu_sink_received(struct tu_sink *s)
{
	struct buf	*all = buf_new(4096);
	size_t		 i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nrx; i++)
		buf_append(all, s->rx[i]->data, buf_len(s->rx[i]));
	pthread_mutex_unlock(&s->mu);
	return (buf_finish(all));
}
