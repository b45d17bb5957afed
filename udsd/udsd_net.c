/*
 * udsd_net.c - the UDP sockets: datagrams in batches, replies in batches
 *
 * Each listen address is one non-blocking UDP socket (IPv6 ones
 * IPV6_V6ONLY, so "0.0.0.0:7060 [::]:7060" are two sockets) watched by a
 * libuv poll handle.  When one is readable, recvmmsg() takes up to
 * NET_BATCH datagrams at once, each into its own UDS_WIRE_MAX + 1 byte
 * buffer (MSG_TRUNC says a datagram was longer: it is counted and dropped,
 * never parsed); every datagram is served; the store writes what the batch
 * matched (flush); and the replies queued meanwhile go out in one
 * sendmmsg().  A few rounds per wake-up, so one busy socket cannot starve
 * the other or the timers.  Replies that a store gives later (Redis) are
 * queued the same way and sent by a check handle at the end of the loop
 * iteration.  A full socket send buffer drops replies (UDP: the client
 * asks again or times out), counted, never blocking the loop.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* external */
#include <uv.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define NET_BATCH	64	/* datagrams per recvmmsg */
#define NET_ROUNDS	4	/* recvmmsg calls per wake-up */
#define NET_MAX_SOCKS	8
#define NET_OUT		256	/* replies queued before a send */
#define NET_OUT_SIZE	320	/* the longest reply (STATS) fits */
#define NET_RCVBUF	(4 << 20)

struct net_sock {
	int		 fd;
	uv_poll_t	 poll;
	char		 name[64];
};

struct net_out {
	int		 fd;
	struct sockaddr_storage to;
	socklen_t	 tolen;
	size_t		 len;
	uint8_t		 buf[NET_OUT_SIZE];
};

static struct net_sock	 net_sock[NET_MAX_SOCKS];
static size_t		 net_nsocks;
static uv_check_t	 net_check;
static struct udsd_store *net_store;

static struct net_out	 net_out[NET_OUT];
static size_t		 net_nout;
uint64_t		 udsd_net_dropped;

/* Receive buffers of one batch. */
static uint8_t		 net_in[NET_BATCH][UDS_WIRE_MAX + 1];
static struct sockaddr_storage net_from[NET_BATCH];
static struct iovec	 net_iov[NET_BATCH];
static struct mmsghdr	 net_msg[NET_BATCH];

/* udsd_net_flush - send every queued reply */

void
udsd_net_flush(void)
{
	struct mmsghdr	 m[NET_OUT];
	struct iovec	 iov[NET_OUT];
	size_t		 i = 0, j, n;
	int		 sent;

	while (i < net_nout) {
		/* a run of replies on the same socket */
		for (n = 0; i + n < net_nout && net_out[i + n].fd ==
		    net_out[i].fd; n++) {
			iov[n].iov_base = net_out[i + n].buf;
			iov[n].iov_len = net_out[i + n].len;
			memset(&m[n], 0, sizeof(m[n]));
			m[n].msg_hdr.msg_name = &net_out[i + n].to;
			m[n].msg_hdr.msg_namelen = net_out[i + n].tolen;
			m[n].msg_hdr.msg_iov = &iov[n];
			m[n].msg_hdr.msg_iovlen = 1;
		}
		for (j = 0; j < n; j += (size_t)sent) {
			sent = sendmmsg(net_out[i].fd, m + j,
			    (unsigned int)(n - j), MSG_DONTWAIT);
			if (sent <= 0) {
				if (sent < 0 && errno == EINTR) {
					sent = 0;
					continue;
				}
				/* full buffer or a refused destination:
				 * skip one, go on with the rest */
				udsd_net_dropped++;
				sent = 1;
			}
		}
		i += n;
	}
	net_nout = 0;
}

/* udsd_net_reply - queue a job's reply */

void
udsd_net_reply(struct udsd_job *job)
{
	struct net_out	*o;
	int		 len;

	if (net_nout == NET_OUT)
		udsd_net_flush();
	o = &net_out[net_nout];
	if ((len = uds_wire_pack_reply(&job->reply, o->buf)) <= 0 ||
	    (size_t)len > sizeof(o->buf))
		return;
	o->fd = job->fd;
	o->len = (size_t)len;
	memcpy(&o->to, &job->from, job->fromlen);
	o->tolen = job->fromlen;
	net_nout++;
}

/* net_readable - a socket has datagrams: serve them in batches */

static void
net_readable(uv_poll_t *h, int status, int events)
{
	struct net_sock	*s = h->data;
	int		 n, i, round;

	(void)events;
	if (status < 0)
		return;
	for (round = 0; round < NET_ROUNDS; round++) {
		for (i = 0; i < NET_BATCH; i++) {
			net_iov[i].iov_base = net_in[i];
			net_iov[i].iov_len = sizeof(net_in[i]);
			memset(&net_msg[i].msg_hdr, 0,
			    sizeof(net_msg[i].msg_hdr));
			net_msg[i].msg_hdr.msg_name = &net_from[i];
			net_msg[i].msg_hdr.msg_namelen = sizeof(net_from[i]);
			net_msg[i].msg_hdr.msg_iov = &net_iov[i];
			net_msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(s->fd, net_msg, NET_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			udsd_req_handle(net_in[i], net_msg[i].msg_len,
			    (net_msg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0,
			    (struct sockaddr *)&net_from[i],
			    net_msg[i].msg_hdr.msg_namelen, s->fd);
		net_store->ops->flush(net_store);
		udsd_net_flush();
		if (n < NET_BATCH)
			break;
	}
}

/* net_after - end of a loop iteration: replies the store gave later */

static void
net_after(uv_check_t *h)
{
	(void)h;
	if (net_nout > 0)
		udsd_net_flush();
}

/* net_parse - "ADDR:PORT" or "[V6]:PORT" into an address */

static int
net_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    struct buf *why)
{
	char		 host[64];
	const char	*c = strrchr(s, ':');
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	size_t		 hl;
	int		 port;

	memset(ss, 0, sizeof(*ss));
	if (c == NULL || (port = atoi(c + 1)) <= 0 || port > 65535)
		goto bad;
	hl = (size_t)(c - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return (0);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return (0);
	}
bad:
	buf_printf(why, "listen: \"%s\" is not an IP ADDRESS:PORT", s);
	return (-1);
}

/* net_bind - one listening socket */

static int
net_bind(const char *addr, struct net_sock *s, struct buf *why)
{
	struct sockaddr_storage ss;
	socklen_t	 len;
	int		 fd, one = 1, rcv = NET_RCVBUF;

	if (net_parse(addr, &ss, &len, why) < 0)
		return (-1);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0) {
		buf_printf(why, "socket: %s", strerror(errno));
		return (-1);
	}
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		buf_printf(why, "bind %s: %s", addr, strerror(errno));
		(void)close(fd);
		return (-1);
	}
	s->fd = fd;
	(void)snprintf(s->name, sizeof(s->name), "%s", addr);
	return (0);
}

/* udsd_net_bind - bind every listen address (before privileges go) */

int
udsd_net_bind(struct buf *why)
{
	char	**v;
	size_t	 i, n;

	n = conf_list_split(udsd_conf.listen, &v);
	for (i = 0; i < n; i++) {
		if (net_nsocks == NET_MAX_SOCKS) {
			buf_printf(why, "listen: more than %d addresses",
			    NET_MAX_SOCKS);
			conf_list_free(v);
			return (WN_PERM);
		}
		if (net_bind(v[i], &net_sock[net_nsocks], why) < 0) {
			conf_list_free(v);
			return (WN_TEMP);
		}
		net_nsocks++;
	}
	conf_list_free(v);
	return (WN_OK);
}

/* udsd_net_start - watch the sockets on the loop */

int
udsd_net_start(uv_loop_t *loop, struct udsd_store *st, struct buf *why)
{
	size_t	 i;
	int	 rc;

	net_store = st;
	for (i = 0; i < net_nsocks; i++) {
		struct net_sock *s = &net_sock[i];

		if ((rc = uv_poll_init(loop, &s->poll, s->fd)) < 0) {
			buf_printf(why, "%s: %s", s->name, uv_strerror(rc));
			return (WN_TEMP);
		}
		s->poll.data = s;
		if ((rc = uv_poll_start(&s->poll, UV_READABLE,
		    net_readable)) < 0) {
			buf_printf(why, "%s: %s", s->name, uv_strerror(rc));
			return (WN_TEMP);
		}
		log_info("listening on udp %s", s->name);
	}
	(void)uv_check_init(loop, &net_check);
	(void)uv_check_start(&net_check, net_after);
	uv_unref((uv_handle_t *)&net_check);
	return (WN_OK);
}

/* udsd_net_stop - stop watching; the sockets close with the process */

void
udsd_net_stop(void)
{
	size_t	 i;

	udsd_net_flush();
	for (i = 0; i < net_nsocks; i++)
		(void)uv_poll_stop(&net_sock[i].poll);
	(void)uv_check_stop(&net_check);
}
