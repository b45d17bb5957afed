/*
 * mock_winnowd.c - a scripted SMTP/LMTP server standing in for winnowd
 *
 * Only what the tests of winnow-pipe need: line-based commands, DATA up to
 * CRLF.CRLF, and the scripted replies (see mock_winnowd.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "mock_winnowd.h"

struct mock_winnowd {
	struct mock_winnowd_script sc;
	int		 lfd;
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	struct buf	*rx;
	unsigned int	 sessions;
};

struct mock_conn {
	struct mock_winnowd *mw;
	int		 fd;
	int		 lmtp;
	unsigned int	 nrcpt, naccepted;
	char		 in[65536];
	size_t		 have;
};

/* mock_say - write a reply; 0 when the script says hang up */

static int
mock_say(struct mock_conn *c, const char *s, const char *dflt)
{
	const char	*t = s != NULL ? s : dflt;
	size_t		 len = strlen(t);

	if (s != NULL && *s == '\0')
		return (0);
	return (write(c->fd, t, len) == (ssize_t)len);
}

/* mock_record - keep what was received */

static void
mock_record(struct mock_winnowd *mw, const char *p, size_t len)
{
	pthread_mutex_lock(&mw->lock);
	buf_append(mw->rx, p, len);
	pthread_mutex_unlock(&mw->lock);
}

/* mock_data - read the message up to the final dot; 0 on EOF */

static int
mock_data(struct mock_conn *c)
{
	char	*end;
	ssize_t	 n;
	size_t	 used;

	for (;;) {
		c->in[c->have] = '\0';
		if (c->have >= 3 && memcmp(c->in, ".\r\n", 3) == 0)
			end = c->in;
		else if ((end = strstr(c->in, "\r\n.\r\n")) != NULL)
			end += 2;
		if (end != NULL) {
			used = (size_t)(end - c->in) + 3;
			mock_record(c->mw, c->in, used);
			memmove(c->in, c->in + used, c->have - used);
			c->have -= used;
			return (1);
		}
		if (c->have > sizeof(c->in) / 2) {
			/* Keep the tail that may hold a split "\r\n.\r". */
			used = c->have - 4;
			mock_record(c->mw, c->in, used);
			memmove(c->in, c->in + used, 4);
			c->have = 4;
		}
		n = read(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have);
		if (n <= 0)
			return (0);
		c->have += (size_t)n;
	}
}

/* mock_final - the replies after the dot */

static int
mock_final(struct mock_conn *c)
{
	const struct mock_winnowd_script *sc = &c->mw->sc;
	unsigned int	 i, n = c->lmtp ? c->naccepted : 1;

	if (sc->final_delay_ms > 0)
		(void)usleep(sc->final_delay_ms * 1000);
	for (i = 0; i < n; i++)
		if (!mock_say(c, i < MOCK_MAX ? sc->final[i] : NULL,
		    "250 2.0.0 Ok: queued\r\n"))
			return (0);
	c->nrcpt = c->naccepted = 0;
	return (1);
}

/* mock_command - answer one command line; 0 to hang up */

static int
mock_command(struct mock_conn *c, const char *line)
{
	const struct mock_winnowd_script *sc = &c->mw->sc;
	const char	*r;

	if (strncasecmp(line, "LHLO", 4) == 0 ||
	    strncasecmp(line, "EHLO", 4) == 0) {
		c->lmtp = (line[0] == 'L' || line[0] == 'l');
		return (mock_say(c, sc->hello, "250-mock.test\r\n"
		    "250-PIPELINING\r\n250-SIZE 10000000\r\n250-8BITMIME\r\n"
		    "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE\r\n"));
	}
	if (strncasecmp(line, "MAIL", 4) == 0)
		return (mock_say(c, sc->mail, "250 2.1.0 Ok\r\n"));
	if (strncasecmp(line, "RCPT", 4) == 0) {
		r = c->nrcpt < MOCK_MAX ? sc->rcpt[c->nrcpt] : NULL;
		c->nrcpt++;
		if (r == NULL || r[0] == '2')
			c->naccepted++;
		return (mock_say(c, r, "250 2.1.5 Ok\r\n"));
	}
	if (strncasecmp(line, "DATA", 4) == 0) {
		if (!mock_say(c, sc->data, "354 go ahead\r\n"))
			return (0);
		if (sc->data != NULL && sc->data[0] != '3')
			return (1);
		return (mock_data(c) && mock_final(c));
	}
	if (strncasecmp(line, "QUIT", 4) == 0) {
		(void)mock_say(c, NULL, "221 2.0.0 Bye\r\n");
		return (0);
	}
	if (strncasecmp(line, "RSET", 4) == 0)
		c->nrcpt = c->naccepted = 0;
	return (mock_say(c, NULL, "250 2.0.0 Ok\r\n"));
}

/* mock_serve - one connection */

static void
mock_serve(struct mock_winnowd *mw, int fd)
{
	struct mock_conn *c = xcalloc(1, sizeof(*c));
	char		*nl, line[1024];
	ssize_t		 n;
	size_t		 len;
	int		 go;

	c->mw = mw;
	c->fd = fd;
	go = mock_say(c, mw->sc.greeting, "220 mock.test ESMTP\r\n");
	if (go && mw->sc.greeting != NULL && mw->sc.greeting[0] != '2')
		go = 0;
	while (go) {
		c->in[c->have] = '\0';
		if ((nl = strstr(c->in, "\r\n")) == NULL) {
			n = read(fd, c->in + c->have,
			    sizeof(c->in) - 1 - c->have);
			if (n <= 0)
				break;
			c->have += (size_t)n;
			continue;
		}
		len = (size_t)(nl - c->in) + 2;
		mock_record(mw, c->in, len);
		n = (ssize_t)(len - 2 < sizeof(line) - 1 ? len - 2 :
		    sizeof(line) - 1);
		memcpy(line, c->in, (size_t)n);
		line[n] = '\0';
		memmove(c->in, c->in + len, c->have - len);
		c->have -= len;
		go = mock_command(c, line);
	}
	(void)close(fd);
	free(c);
}

/* mock_main - accept and serve, one connection at a time */

static void *
mock_main(void *arg)
{
	struct mock_winnowd *mw = arg;
	int		 fd;

	while ((fd = accept(mw->lfd, NULL, NULL)) >= 0) {
		pthread_mutex_lock(&mw->lock);
		mw->sessions++;
		pthread_mutex_unlock(&mw->lock);
		mock_serve(mw, fd);
	}
	return (NULL);
}

/* mock_winnowd_start - listen and serve */

struct mock_winnowd *
mock_winnowd_start(const char *path, const struct mock_winnowd_script *sc)
{
	struct mock_winnowd *mw = xcalloc(1, sizeof(*mw));
	struct sockaddr_un sun;

	mw->sc = *sc;
	mw->rx = buf_new(4096);
	pthread_mutex_init(&mw->lock, NULL);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	(void)unlink(path);
	if ((mw->lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(mw->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(mw->lfd, 16) < 0 ||
	    pthread_create(&mw->thread, NULL, mock_main, mw) != 0) {
		(void)fprintf(stderr, "mock_winnowd: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
	return (mw);
}

/* mock_winnowd_received - a copy of what was received */

char *
mock_winnowd_received(struct mock_winnowd *mw)
{
	char	*s;

	pthread_mutex_lock(&mw->lock);
	s = xstrdup(buf_str(mw->rx));
	pthread_mutex_unlock(&mw->lock);
	return (s);
}

/* mock_winnowd_sessions - connections served */

unsigned int
mock_winnowd_sessions(struct mock_winnowd *mw)
{
	unsigned int	 n;

	pthread_mutex_lock(&mw->lock);
	n = mw->sessions;
	pthread_mutex_unlock(&mw->lock);
	return (n);
}

/* mock_winnowd_stop - stop accepting */

void
mock_winnowd_stop(struct mock_winnowd *mw)
{
	if (mw == NULL)
		return;
	(void)shutdown(mw->lfd, SHUT_RDWR);
	(void)close(mw->lfd);
}
