/*
 * smtp-lat.c - per-message latency of an SMTP server, one message at a time
 *
 *   smtp-lat [-n COUNT] [-l BYTES] HOST PORT
 *
 * Sends COUNT messages of BYTES over one connection (MAIL, RCPT, DATA, the
 * message, the dot; no pipelining) and prints, in microseconds, the median,
 * the 90th and 99th percentile and the maximum of the time from MAIL to the
 * reply after the dot.  A bench tool, not part of winnow.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char	 rbuf[65536];
static size_t	 rlen;

/* now_us - monotonic microseconds */

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

/* reply - read one whole reply; return its code */

static int
reply(int fd)
{
	char	*nl;
	ssize_t	 n;
	int	 code;

	for (;;) {
		while ((nl = memchr(rbuf, '\n', rlen)) != NULL) {
			size_t	 len = (size_t)(nl - rbuf) + 1;
			int	 last = len > 3 && rbuf[3] == ' ';

			code = atoi(rbuf);
			memmove(rbuf, rbuf + len, rlen - len);
			rlen -= len;
			if (last || len <= 5)
				return (code);
		}
		if ((n = read(fd, rbuf + rlen, sizeof(rbuf) - rlen)) <= 0) {
			fprintf(stderr, "smtp-lat: connection lost\n");
			exit(1);
		}
		rlen += (size_t)n;
	}
}

/* cmd - send a command and check the reply class */

static void
cmd(int fd, const char *s, size_t len, int want)
{
	int	 code;

	if (write(fd, s, len) != (ssize_t)len) {
		perror("write");
		exit(1);
	}
	if (want && (code = reply(fd)) / 100 != want / 100) {
		fprintf(stderr, "smtp-lat: got %d after %.20s\n", code, s);
		exit(1);
	}
}

/* cmp - for qsort */

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	double		*lat, t0;
	char		*msg;
	size_t		 size = 4096, i, mlen;
	int		 c, n = 1000, fd, on = 1;

	while ((c = getopt(argc, argv, "n:l:")) != -1) {
		if (c == 'n')
			n = atoi(optarg);
		else if (c == 'l')
			size = (size_t)atol(optarg);
		else
			return (64);
	}
	if (argc - optind != 2 || n < 1) {
		fprintf(stderr, "usage: smtp-lat [-n COUNT] [-l BYTES] HOST "
		    "PORT\n");
		return (64);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	inet_pton(AF_INET, argv[optind], &sin.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		return (1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	msg = malloc(size + 64);
	mlen = (size_t)snprintf(msg, 64, "Subject: latency\r\n\r\n");
	while (mlen + 80 < size) {
		memset(msg + mlen, 'x', 76);
		memcpy(msg + mlen + 76, "\r\n", 2);
		mlen += 78;
	}
	memcpy(msg + mlen, ".\r\n", 3);
	mlen += 3;
	lat = calloc((size_t)n, sizeof(*lat));
	if (reply(fd) != 220)
		return (1);
	cmd(fd, "EHLO lat.example\r\n", 18, 250);
	for (i = 0; i < (size_t)n; i++) {
		t0 = now_us();
		cmd(fd, "MAIL FROM:<a@lat.example>\r\n", 27, 250);
		cmd(fd, "RCPT TO:<b@lat.example>\r\n", 25, 250);
		cmd(fd, "DATA\r\n", 6, 354);
		cmd(fd, msg, mlen, 250);
		lat[i] = now_us() - t0;
	}
	cmd(fd, "QUIT\r\n", 6, 0);
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("median_us %.0f p90_us %.0f p99_us %.0f max_us %.0f\n",
	    lat[n / 2], lat[n * 9 / 10], lat[n * 99 / 100], lat[n - 1]);
	return (0);
}
