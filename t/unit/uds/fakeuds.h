/*
 * fakeuds.h - a scripted UDS server for the uds/ unit tests
 *
 * fake_start(mode) binds a UDP socket on 127.0.0.1 (an ephemeral port,
 * fake_port()) and answers in a thread as mode says; fake_stop() ends it.
 * Every request it took is counted; CHECK answers give each item the
 * result fake_result (HIT with 20 votes by default).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FAKEUDS_H
#define WINNOW_FAKEUDS_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "uds_wire.h"

enum fake_mode {
	FAKE_ANSWER,		/* answer every request */
	FAKE_SILENT,		/* read and never answer */
	FAKE_WRONG_ID_FIRST,	/* a reply with another id, then the right */
	FAKE_UNAVAILABLE,	/* status UDS_ST_UNAVAILABLE */
	FAKE_GARBAGE_FIRST,	/* junk, then the right reply */
};

struct fake {
	int		 fd;
	int		 port;
	enum fake_mode	 mode;
	pthread_t	 t;
	volatile int	 stop;
	volatile int	 requests;
	struct uds_res	 result;
};

/* fake_run - the server thread */

static inline void *
fake_run(void *arg)
{
	struct fake	*f = arg;
	struct sockaddr_storage from;
	socklen_t	 fl;
	struct uds_req	 q;
	struct uds_reply a;
	struct pollfd	 pfd;
	uint8_t		 in[UDS_WIRE_MAX + 1], out[UDS_WIRE_MAX];
	ssize_t		 n;
	int		 len;
	unsigned int	 i;

	pfd.fd = f->fd;
	pfd.events = POLLIN;
	while (!f->stop) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		fl = sizeof(from);
		n = recvfrom(f->fd, in, sizeof(in), 0,
		    (struct sockaddr *)&from, &fl);
		if (n <= 0 || uds_wire_unpack_req(in, (size_t)n, &q, NULL) !=
		    WN_OK)
			continue;
		f->requests++;
		if (f->mode == FAKE_SILENT)
			continue;
		memset(&a, 0, sizeof(a));
		a.op = q.op;
		a.id = q.id;
		a.store_up = 1;
		a.nitems = q.nitems;
		for (i = 0; i < q.nitems; i++)
			a.item[i] = f->result;
		if (f->mode == FAKE_UNAVAILABLE)
			a.status = UDS_ST_UNAVAILABLE;
		if (f->mode == FAKE_WRONG_ID_FIRST) {
			a.id = q.id + 1;
			len = uds_wire_pack_reply(&a, out);
			(void)sendto(f->fd, out, (size_t)len, 0,
			    (struct sockaddr *)&from, fl);
			a.id = q.id;
		}
		if (f->mode == FAKE_GARBAGE_FIRST)
			(void)sendto(f->fd, "junk", 4, 0,
			    (struct sockaddr *)&from, fl);
		len = uds_wire_pack_reply(&a, out);
		(void)sendto(f->fd, out, (size_t)len, 0,
		    (struct sockaddr *)&from, fl);
	}
	return (NULL);
}

/* fake_start - a server on an ephemeral loopback port */

static inline struct fake *
fake_start(enum fake_mode mode)
{
	static struct fake fakes[4];
	static int	 nf;
	struct fake	*f = &fakes[nf++ % 4];
	struct sockaddr_in sin;
	socklen_t	 sl = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->result.result = UDS_R_HIT;
	f->result.votes = 20;
	f->result.count = 1;
	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)) <
	    0 || getsockname(f->fd, (struct sockaddr *)&sin, &sl) < 0)
		return (NULL);
	f->port = ntohs(sin.sin_port);
	if (pthread_create(&f->t, NULL, fake_run, f) != 0)
		return (NULL);
	return (f);
}

/* fake_stop - end the thread, close the port */

static inline void
fake_stop(struct fake *f)
{
	f->stop = 1;
	(void)pthread_join(f->t, NULL);
	(void)close(f->fd);
}

/* fake_closed_port - a loopback port nobody listens on */

static inline int
fake_closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t	 sl = sizeof(sin);
	int		 fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	(void)getsockname(fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	(void)close(fd);
	return (port);
}

#endif /* WINNOW_FAKEUDS_H */
