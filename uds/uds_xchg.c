/*
 * uds_xchg.c - one request's round trips: send, wait, try the next server
 *
 * uds_xchg_start() packs the request under a fresh random id and sends it
 * to the first server of uds_srv_order(); it returns at once, so the
 * check's round trip overlaps the other checks.  uds_xchg_wait() then
 * polls that server's socket until its reply, until [uds] server_timeout
 * passes since the send (the server is marked failing and the request goes
 * to the next one), or until the caller's deadline.  A datagram that does
 * not parse or carries another id (a late answer to an earlier message) is
 * dropped and the wait goes on; a refused port (ICMP) counts as a timeout
 * at once.
 *
 * A failing server that is due for a re-probe gets a PING beside the real
 * request, from the child that claimed the probe; if its answer is there
 * by the time the request is answered, the server is healthy again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

/* external */
#include <sodium.h>

/* lib */
#include "buf.h"
#include "status.h"
#include "timeutil.h"

/* uds */
#include "uds_private.h"

/* xchg_send - send the packet to the next server that takes it */

static int
xchg_send(struct uds_xchg *x, struct buf *why)
{
	struct uds_server *s;
	ssize_t		 n;
	uint64_t	 t;
	int		 fd;

	while (x->next < x->norder) {
		s = &x->set->srv[x->order[x->next++]];
		if ((fd = uds_srv_fd(s, why)) < 0)
			continue;
		/* the clock starts before the send: on loopback the answer
		 * may be back before send() returns */
		t = time_now_us();
		n = send(fd, x->pkt, x->len, 0);
		if (n == (ssize_t)x->len) {
			x->cur = s;
			x->sent_us = t;
			x->tries++;
			return (WN_OK);
		}
		/* ECONNREFUSED of an earlier datagram, or no route */
		buf_printf(why, "%s%s: send: %s", buf_len(why) ? "; " : "",
		    s->name, n < 0 ? strerror(errno) : "short");
		uds_srv_timeout(s, time_now_ms(), x->reprobe_ms);
	}
	x->cur = NULL;
	return (WN_TEMP);
}

/* xchg_probe - PING one failing server that is due for it */

static void
xchg_probe(struct uds_xchg *x)
{
	struct uds_req	 q;
	struct uds_server *s;
	uint8_t		 pkt[UDS_WIRE_HEADER];
	uint64_t	 now = time_now_ms();
	size_t		 i;
	int		 fd;

	for (i = 0; i < x->set->n; i++) {
		s = &x->set->srv[i];
		if (s == x->cur || !uds_srv_probe_due(s, now, x->reprobe_ms))
			continue;
		memset(&q, 0, sizeof(q));
		q.op = UDS_OP_PING;
		q.id = randombytes_random();
		x->probe_us = time_now_us();
		if ((fd = uds_srv_fd(s, NULL)) < 0 ||
		    uds_wire_pack_req(&q, NULL, pkt, NULL) < 0 ||
		    send(fd, pkt, UDS_WIRE_HEADER, 0) != UDS_WIRE_HEADER)
			return;
		x->probe = s;
		x->probe_id = q.id;
		return;
	}
}

/* uds_xchg_start - pack and send a request */

int
uds_xchg_start(struct uds_xchg *x, struct uds_srvset *set, struct uds_req *q,
    const uint8_t *key, unsigned int server_timeout_ms,
    unsigned int reprobe_ms, struct buf *why)
{
	int	 n;

	memset(x, 0, sizeof(*x));
	x->set = set;
	x->server_timeout_ms = server_timeout_ms;
	x->reprobe_ms = reprobe_ms;
	q->id = x->id = randombytes_random();
	if (uds_wire_op_writes(q->op))
		q->time = (uint32_t)time(NULL);
	if ((n = uds_wire_pack_req(q, key, x->pkt, why)) < 0)
		return (WN_PERM);
	x->len = (size_t)n;
	x->norder = uds_srv_order(set, time_now_ms(), x->order);
	if (x->norder == 0) {
		buf_printf(why, "%s", "no UDS servers configured");
		return (WN_PERM);
	}
	if (xchg_send(x, why) != WN_OK)
		return (WN_TEMP);
	xchg_probe(x);
	return (WN_OK);
}

/* xchg_read - take the datagrams waiting on fd; 1 when the one with id
 * came (into reply), -1 when the port was refused, else 0 */

static int
xchg_read(int fd, uint32_t id, unsigned int op, struct uds_reply *reply)
{
	uint8_t		 pkt[UDS_WIRE_MAX + 1];
	ssize_t		 n;

	for (;;) {
		n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < 0)
			return (errno == ECONNREFUSED ? -1 : 0);
		if (uds_wire_unpack_reply(pkt, (size_t)n, reply, NULL) ==
		    WN_OK && reply->id == id && reply->op == op)
			return (1);
	}
}

/* xchg_probe_read - the probe's answer, if it is there */

static void
xchg_probe_read(struct uds_xchg *x)
{
	struct uds_reply r;

	if (x->probe == NULL || x->probe->fd < 0)
		return;
	if (xchg_read(x->probe->fd, x->probe_id, UDS_OP_PING, &r) == 1) {
		uds_srv_answered(x->probe, time_now_us() - x->probe_us);
		x->probe = NULL;
	}
}

/* uds_xchg_wait - the reply, asking the next server after each timeout */

int
uds_xchg_wait(struct uds_xchg *x, uint64_t deadline_ms,
    struct uds_reply *reply, struct buf *why)
{
	struct pollfd	 pfd[2];
	uint64_t	 now, try_end, until;
	unsigned int	 op = x->pkt[3];
	int		 rc, np;

	while (x->cur != NULL) {
		now = time_now_ms();
		try_end = x->sent_us / 1000 + x->server_timeout_ms;
		until = try_end < deadline_ms ? try_end : deadline_ms;
		pfd[0].fd = x->cur->fd;
		pfd[0].events = POLLIN;
		np = 1;
		if (x->probe != NULL && x->probe != x->cur &&
		    x->probe->fd >= 0) {
			pfd[1].fd = x->probe->fd;
			pfd[1].events = POLLIN;
			np = 2;
		}
		if (poll(pfd, (nfds_t)np, until > now ? (int)(until - now) :
		    0) < 0 && errno != EINTR) {
			buf_printf(why, "poll: %s", strerror(errno));
			return (WN_TEMP);
		}
		if (np == 2 && pfd[1].revents)
			xchg_probe_read(x);
		rc = xchg_read(x->cur->fd, x->id, op, reply);
		if (rc == 1) {
			uds_srv_answered(x->cur, time_now_us() - x->sent_us);
			xchg_probe_read(x);
			return (WN_OK);
		}
		now = time_now_ms();
		if (rc == 0 && now < try_end && now < deadline_ms)
			continue;
		if (rc < 0 || now >= try_end)
			uds_srv_timeout(x->cur, now, x->reprobe_ms);
		if (now >= deadline_ms)
			break;
		if (xchg_send(x, why) != WN_OK)
			break;
	}
	return (UDS_XCHG_TIMEOUT);
}

/* uds_xchg_one - one request to one server, waiting up to timeout_ms */

int
uds_xchg_one(struct uds_server *s, struct uds_req *q, const uint8_t *key,
    unsigned int timeout_ms, struct uds_reply *reply, uint64_t *rtt_us,
    struct buf *why)
{
	struct uds_srvset one;
	struct uds_xchg	 x;
	int		 rc;

	memset(&one, 0, sizeof(one));
	one.srv = s;
	one.n = 1;
	rc = uds_xchg_start(&x, &one, q, key, timeout_ms, 0, why);
	if (rc != WN_OK)
		return (rc);
	rc = uds_xchg_wait(&x, time_now_ms() + timeout_ms, reply, why);
	if (rc == WN_OK && rtt_us != NULL)
		*rtt_us = time_now_us() - x.sent_us;
	return (rc);
}
