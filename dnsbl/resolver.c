/*
 * resolver.c - the DNS queries of one message, all in flight at once
 *
 * A resolver lives for one message.  Queries are sent at once over UDP to
 * the first configured server; each attempt waits [dns] query_timeout,
 * then the query goes to the next server (round robin) until [dns] retries
 * more attempts were made.  Every query ends by the message's deadline at
 * the latest: what is still pending then completes as DNSANS_TIMEOUT.
 *
 * Spoofing: each server has its own UDP socket, connect()ed to it (the
 * kernel drops datagrams from anyone else), opened for this message (a
 * fresh random source port), and every query carries a random id unique
 * among the pending ones; an answer must match id and question exactly
 * (dnsmsg_parse), else it is counted as ignored and the query waits on.
 *
 * At most [dns] max_inflight queries are out at once; the others wait
 * for answers to make room (a burst of hundreds of datagrams would
 * overflow the resolver's socket buffer and come back as timeouts).
 *
 * A truncated answer makes the query ask the same server again over TCP
 * (its own connection, the usual two-byte length framing), within the same
 * attempt budget.  SERVFAIL-like answers and ICMP unreachables move on to
 * the next server at once when there is another one; FORMERR or NOTIMP
 * to a query with EDNS0 has it asked again without.
 *
 * The per-child cache answers first; a question asked twice in one message
 * is sent once (later askers share the first one's answer).  Callbacks run
 * only from resolver_wait()/resolver_run(), never from resolver_submit(),
 * and may submit more queries.
 *
 * resolver_cancel() may be called from another thread: it sets a flag and
 * writes an eventfd the poll loop watches, so the owner wakes at once.
 * The eventfd outlives its resolver and serves the next one (a new one per
 * message was two system calls); a forked child closes its parent's.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "randpool.h"
#include "timeutil.h"
#include "xalloc.h"

/* dnsbl */
#include "dnsbl_private.h"

#define RQ_NEW		0	/* not sent yet */
#define RQ_UDP		1	/* waiting for a datagram */
#define RQ_TCP_CONNECT	2
#define RQ_TCP_WRITE	3
#define RQ_TCP_READ	4
#define RQ_DONE		5

#define RESOLVER_UDP_MAX 65535

struct rquery {
	char		 name[DNS_NAME_MAX + 1];
	uint16_t	 type;
	uint16_t	 id;
	int		 state;
	int		 tcp;		/* the answer was truncated */
	unsigned int	 attempt;	/* attempts started */
	unsigned int	 errors;	/* attempts that failed at once */
	size_t		 server;	/* of the current attempt */
	uint64_t	 timer;		/* current attempt gives up */
	int		 fd;		/* TCP socket or -1 */
	unsigned char	*wire;		/* the query packet */
	size_t		 wire_len;
	unsigned char	*in;		/* TCP answer being read */
	size_t		 in_len, in_want;
	struct dnsans	*ans;
	resolver_cb	*cb;
	void		*arg;
	int		 primary;	/* -1, or the query we share */
	int		 cb_due;	/* done; callback not run yet */
	int		 started;	/* counted in inflight */
	int		 noedns;	/* asked again without EDNS0 */
};

struct resolver {
	struct resolver_conf conf;
	struct dnscache	*cache;
	uint64_t	 deadline;
	int		 udp[DNSBL_MAX_SERVERS];
	int		 wake;		/* eventfd */
	int		 cancelled;	/* atomic */
	struct rquery	**q;
	size_t		 nq, capq;
	size_t		 pending;	/* not RQ_DONE */
	size_t		 inflight;	/* sent, not done */
	size_t		 due;		/* cb_due set */
	unsigned char	*rbuf;
	struct resolver_stats stats;
};

static void	resolver_attempt(struct resolver *, struct rquery *,
		    uint64_t);

/* The eventfd kept for the next resolver. */
static pthread_mutex_t	 resolver_wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t	 resolver_wake_once = PTHREAD_ONCE_INIT;
static int		 resolver_wake_kept = -1;

/* resolver_wake_forked - the child does not share its parent's */

static void
resolver_wake_forked(void)
{
	(void)pthread_mutex_init(&resolver_wake_mu, NULL);
	if (resolver_wake_kept >= 0)
		(void)close(resolver_wake_kept);
	resolver_wake_kept = -1;
}

/* resolver_wake_setup - register the fork handler */

static void
resolver_wake_setup(void)
{
	if (pthread_atfork(NULL, NULL, resolver_wake_forked) != 0)
		log_fatal("resolver: pthread_atfork failed");
}

/* resolver_wake_get - the kept eventfd, or a new one; -1 on error */

static int
resolver_wake_get(void)
{
	int	 fd;

	(void)pthread_once(&resolver_wake_once, resolver_wake_setup);
	(void)pthread_mutex_lock(&resolver_wake_mu);
	fd = resolver_wake_kept;
	resolver_wake_kept = -1;
	(void)pthread_mutex_unlock(&resolver_wake_mu);
	if (fd < 0)
		fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return (fd);
}

/* resolver_wake_put - keep the eventfd (drained) for the next resolver */

static void
resolver_wake_put(int fd, int written)
{
	uint64_t	 drain;

	if (written && read(fd, &drain, sizeof(drain)) < 0 &&
	    errno != EAGAIN) {
		(void)close(fd);
		return;
	}
	(void)pthread_mutex_lock(&resolver_wake_mu);
	if (resolver_wake_kept < 0) {
		resolver_wake_kept = fd;
		fd = -1;
	}
	(void)pthread_mutex_unlock(&resolver_wake_mu);
	if (fd >= 0)
		(void)close(fd);
}

/* resolver_new - a resolver for one message */

struct resolver *
resolver_new(const struct resolver_conf *conf, struct dnscache *cache,
    uint64_t deadline_ms, struct buf *why)
{
	struct resolver	*r;
	size_t		 i;

	if (conf->nservers == 0 || conf->nservers > DNSBL_MAX_SERVERS) {
		buf_printf(why, "no DNS server configured");
		return (NULL);
	}
	r = xcalloc(1, sizeof(*r));
	r->conf = *conf;
	if (r->conf.max_inflight == 0)
		r->conf.max_inflight = 100;
	if (r->conf.max_queries == 0)
		r->conf.max_queries = 300;
	r->cache = cache;
	r->deadline = deadline_ms;
	for (i = 0; i < DNSBL_MAX_SERVERS; i++)
		r->udp[i] = -1;
	if ((r->wake = resolver_wake_get()) < 0) {
		buf_printf(why, "eventfd: %s", strerror(errno));
		free(r);
		return (NULL);
	}
	r->rbuf = xmalloc(RESOLVER_UDP_MAX);
	return (r);
}

/* resolver_free - close everything; NULL is a no-op */

void
resolver_free(struct resolver *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nq; i++) {
		if (r->q[i]->fd >= 0)
			(void)close(r->q[i]->fd);
		free(r->q[i]->wire);
		free(r->q[i]->in);
		dnsans_free(r->q[i]->ans);
		free(r->q[i]);
	}
	free(r->q);
	for (i = 0; i < DNSBL_MAX_SERVERS; i++)
		if (r->udp[i] >= 0)
			(void)close(r->udp[i]);
	resolver_wake_put(r->wake,
	    __atomic_load_n(&r->cancelled, __ATOMIC_SEQ_CST));
	free(r->rbuf);
	free(r);
}

/* resolver_cancel - make everything time out now (any thread) */

void
resolver_cancel(struct resolver *r)
{
	uint64_t	 one = 1;

	__atomic_store_n(&r->cancelled, 1, __ATOMIC_SEQ_CST);
	if (write(r->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("resolver_cancel: eventfd write: %s",
		    strerror(errno));
}

/* resolver_cancelled - whether resolver_cancel was called */

int
resolver_cancelled(struct resolver *r)
{
	return (__atomic_load_n(&r->cancelled, __ATOMIC_SEQ_CST));
}

/* resolver_deadline - when everything ends */

uint64_t
resolver_deadline(const struct resolver *r)
{
	return (r->deadline);
}

/* resolver_get_stats - counters of this message */

void
resolver_get_stats(const struct resolver *r, struct resolver_stats *st)
{
	*st = r->stats;
}

/* resolver_complete - a query has its answer (takes ans) */

static void
resolver_complete(struct resolver *r, struct rquery *q, struct dnsans *ans)
{
	size_t	 i;

	if (q->state == RQ_DONE)
		log_panic("resolver_complete: %s completed twice", q->name);
	if (q->fd >= 0) {
		(void)close(q->fd);
		q->fd = -1;
	}
	q->state = RQ_DONE;
	q->ans = ans;
	q->cb_due = 1;
	r->due++;
	r->pending--;
	if (q->started) {
		q->started = 0;
		r->inflight--;
	}
	if (ans->status == DNSANS_TIMEOUT)
		r->stats.timeouts++;
	else if (ans->status == DNSANS_SERVFAIL)
		r->stats.failures++;
	/* Those who asked the same question get the same answer. */
	for (i = 0; i < r->nq; i++)
		if (r->q[i]->state != RQ_DONE && r->q[i]->primary >= 0 &&
		    r->q[r->q[i]->primary] == q) {
			r->q[i]->state = RQ_DONE;
			r->q[i]->ans = dnsans_dup(ans);
			r->q[i]->cb_due = 1;
			r->due++;
			r->pending--;
		}
}

/* resolver_new_id - a random id no pending query uses */

static uint16_t
resolver_new_id(struct resolver *r)
{
	uint16_t	 id;
	size_t		 i;

	for (;;) {
		id = randpool_u16();
		for (i = 0; i < r->nq; i++)
			if (r->q[i]->state != RQ_DONE && r->q[i]->primary < 0 &&
			    r->q[i]->id == id)
				break;
		if (i == r->nq)
			return (id);
	}
}

/* resolver_submit - queue a query; returns its handle */

int
resolver_submit(struct resolver *r, const char *name, uint16_t type,
    resolver_cb *cb, void *arg)
{
	struct rquery	*q;
	struct dnsans	*cached;
	size_t		 i;
	int		 h;

	if (r->nq == r->capq) {
		r->capq = r->capq ? r->capq * 2 : 64;
		r->q = xreallocarray(r->q, r->capq, sizeof(*r->q));
	}
	q = xcalloc(1, sizeof(*q));
	h = (int)r->nq;
	r->q[r->nq++] = q;
	q->type = type;
	q->fd = -1;
	q->cb = cb;
	q->arg = arg;
	q->primary = -1;
	q->state = RQ_NEW;
	r->pending++;
	r->stats.queries++;
	if (dnsmsg_name(name, q->name, sizeof(q->name)) < 0) {
		(void)snprintf(q->name, sizeof(q->name), "(invalid)");
		r->stats.queries--;
		resolver_complete(r, q, dnsans_new(DNSANS_NXDOMAIN));
		return (h);
	}
	for (i = 0; i + 1 < r->nq; i++) {
		struct rquery *o = r->q[i];

		if (o->primary >= 0 || o->type != type ||
		    strcmp(o->name, q->name) != 0)
			continue;
		r->stats.shared++;
		if (o->state == RQ_DONE)
			resolver_complete(r, q, dnsans_dup(o->ans));
		else
			q->primary = (int)i;
		return (h);
	}
	if ((cached = dnscache_get(r->cache, q->name, type,
	    time_now_ms())) != NULL) {
		r->stats.cached++;
		resolver_complete(r, q, cached);
		return (h);
	}
	if (r->stats.sent >= r->conf.max_queries || resolver_cancelled(r) ||
	    time_now_ms() >= r->deadline) {
		if (r->stats.sent >= r->conf.max_queries)
			r->stats.limited++;
		resolver_complete(r, q, dnsans_new(r->stats.sent >=
		    r->conf.max_queries ? DNSANS_LIMIT : DNSANS_TIMEOUT));
		return (h);
	}
	q->id = resolver_new_id(r);
	if (dnsmsg_query(q->name, type, q->id, r->conf.edns_size, &q->wire,
	    &q->wire_len) < 0) {
		resolver_complete(r, q, dnsans_new(DNSANS_NXDOMAIN));
		return (h);
	}
	r->stats.sent++;
	return (h);
}

/* resolver_answer - the answer of a query, NULL while pending */

const struct dnsans *
resolver_answer(struct resolver *r, int h)
{
	if (h < 0 || (size_t)h >= r->nq)
		log_panic("resolver_answer: bad handle %d", h);
	return (r->q[h]->state == RQ_DONE ? r->q[h]->ans : NULL);
}

/* resolver_udp_socket - the connected UDP socket of a server */

static int
resolver_udp_socket(struct resolver *r, size_t s)
{
	const struct sockaddr *sa;
	int	 fd;

	if (r->udp[s] >= 0)
		return (r->udp[s]);
	sa = (const struct sockaddr *)&r->conf.server[s];
	if ((fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0) {
		log_warn("DNS: UDP socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, sa, r->conf.server_len[s]) < 0) {
		log_warn("DNS: connect UDP: %s", strerror(errno));
		(void)close(fd);
		return (-1);
	}
	r->udp[s] = fd;
	return (fd);
}

/* resolver_tcp_start - open the TCP connection of an attempt */

static int
resolver_tcp_start(struct resolver *r, struct rquery *q)
{
	const struct sockaddr *sa = (const struct sockaddr *)
	    &r->conf.server[q->server];
	int	 fd;

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (connect(fd, sa, r->conf.server_len[q->server]) < 0 &&
	    errno != EINPROGRESS) {
		(void)close(fd);
		return (-1);
	}
	q->fd = fd;
	q->state = RQ_TCP_CONNECT;
	q->in_len = 0;
	q->in_want = 2;
	q->in = xrealloc(q->in, 2);
	return (0);
}

/* resolver_fail_attempt - an attempt ended; try again or give up */

static void
resolver_fail_attempt(struct resolver *r, struct rquery *q, uint64_t now,
    int immediate, int rcode)
{
	struct dnsans	*a;

	if (q->fd >= 0) {
		(void)close(q->fd);
		q->fd = -1;
	}
	if (immediate)
		q->errors++;
	if (q->attempt <= r->conf.retries && now < r->deadline &&
	    !resolver_cancelled(r)) {
		q->server = (q->server + 1) % r->conf.nservers;
		resolver_attempt(r, q, now);
		return;
	}
	/* Out of attempts: a failure if every attempt failed outright. */
	if (q->errors >= q->attempt) {
		a = dnsans_new(DNSANS_SERVFAIL);
		a->rcode = rcode;
	} else
		a = dnsans_new(DNSANS_TIMEOUT);
	resolver_complete(r, q, a);
}

/* resolver_attempt - start one attempt of a query */

static void
resolver_attempt(struct resolver *r, struct rquery *q, uint64_t now)
{
	uint64_t	 wait;
	int		 fd;

	q->attempt++;
	wait = r->conf.query_timeout_ms * (q->tcp ? 2 : 1);
	q->timer = now + wait < r->deadline ? now + wait : r->deadline;
	if (q->tcp) {
		if (resolver_tcp_start(r, q) < 0)
			resolver_fail_attempt(r, q, now, 1, 0);
		return;
	}
	q->state = RQ_UDP;
	if ((fd = resolver_udp_socket(r, q->server)) < 0 ||
	    (send(fd, q->wire, q->wire_len, 0) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != ENOBUFS))
		resolver_fail_attempt(r, q, now, 1, 0);
}

/* resolver_accept - a usable packet for query q arrived */

static void
resolver_accept(struct resolver *r, struct rquery *q,
    const unsigned char *p, size_t len, uint64_t now)
{
	struct dnsans	*a;
	int		 rc;

	rc = dnsmsg_parse(p, len, q->id, q->name, q->type, &a);
	if (rc == DNSMSG_IGNORE) {
		r->stats.ignored++;
		if (q->state >= RQ_TCP_CONNECT && q->state <= RQ_TCP_READ)
			resolver_fail_attempt(r, q, now, 1, 0);
		return;
	}
	if (rc == DNSMSG_TRUNC) {
		if (q->tcp) {		/* truncated over TCP: broken */
			r->stats.ignored++;
			resolver_fail_attempt(r, q, now, 1, 0);
			return;
		}
		r->stats.tcp++;
		q->tcp = 1;
		q->attempt--;		/* the same attempt, over TCP */
		resolver_attempt(r, q, now);
		return;
	}
	/* An old server that does not know EDNS0: ask it again plainly. */
	if (a->status == DNSANS_SERVFAIL && !q->noedns &&
	    r->conf.edns_size > 0 && (a->rcode == 1 || a->rcode == 4)) {
		dnsans_free(a);
		free(q->wire);
		q->wire = NULL;
		q->noedns = 1;
		if (dnsmsg_query(q->name, q->type, q->id, 0, &q->wire,
		    &q->wire_len) < 0)
			log_panic("resolver_accept: %s worked with EDNS0",
			    q->name);
		q->attempt--;
		resolver_attempt(r, q, now);
		return;
	}
	if (a->status == DNSANS_SERVFAIL && r->conf.nservers > 1 &&
	    q->attempt <= r->conf.retries) {
		rc = a->rcode;
		dnsans_free(a);
		resolver_fail_attempt(r, q, now, 1, rc);
		return;
	}
	r->stats.answered++;
	if (a->status != DNSANS_SERVFAIL)
		dnscache_put(r->cache, q->name, q->type, a, time_now_ms());
	resolver_complete(r, q, a);
}

/* resolver_find_id - the pending UDP query with this id */

static struct rquery *
resolver_find_id(struct resolver *r, int id)
{
	size_t	 i;

	for (i = 0; i < r->nq; i++)
		if (r->q[i]->state == RQ_UDP && r->q[i]->id == id)
			return (r->q[i]);
	return (NULL);
}

/* resolver_udp_read - drain one server's socket */

static void
resolver_udp_read(struct resolver *r, size_t s, uint64_t now)
{
	struct rquery	*q;
	ssize_t		 n;
	size_t		 i;

	for (;;) {
		n = recv(r->udp[s], r->rbuf, RESOLVER_UDP_MAX, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n < 0) {
			/* ICMP unreachable and the like: this server is
			 * not answering; its queries move on. */
			for (i = 0; i < r->nq; i++)
				if (r->q[i]->state == RQ_UDP &&
				    r->q[i]->server == s)
					resolver_fail_attempt(r, r->q[i], now,
					    1, 0);
			return;
		}
		if ((q = resolver_find_id(r, dnsmsg_id(r->rbuf,
		    (size_t)n))) == NULL) {
			r->stats.ignored++;
			continue;
		}
		resolver_accept(r, q, r->rbuf, (size_t)n, now);
	}
}

/* resolver_tcp_io - progress of one TCP query */

static void
resolver_tcp_io(struct resolver *r, struct rquery *q, short revents,
    uint64_t now)
{
	unsigned char	 hdr[2];
	struct iovec	 iov[2];
	socklen_t	 sl = sizeof(int);
	ssize_t		 n;
	int		 err = 0;

	if (q->state == RQ_TCP_CONNECT) {
		if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0 ||
		    err != 0) {
			resolver_fail_attempt(r, q, now, 1, 0);
			return;
		}
		hdr[0] = (unsigned char)(q->wire_len >> 8);
		hdr[1] = (unsigned char)q->wire_len;
		iov[0].iov_base = hdr;
		iov[0].iov_len = 2;
		iov[1].iov_base = q->wire;
		iov[1].iov_len = q->wire_len;
		/* A query is small: the socket buffer takes it whole. */
		if ((n = writev(q->fd, iov, 2)) != (ssize_t)q->wire_len + 2) {
			resolver_fail_attempt(r, q, now, 1, 0);
			return;
		}
		q->state = RQ_TCP_READ;
		return;
	}
	if (q->state != RQ_TCP_READ || !(revents & (POLLIN | POLLHUP |
	    POLLERR)))
		return;
	n = read(q->fd, q->in + q->in_len, q->in_want - q->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		resolver_fail_attempt(r, q, now, 1, 0);
		return;
	}
	q->in_len += (size_t)n;
	if (q->in_len < q->in_want)
		return;
	if (q->in_want == 2) {
		q->in_want = 2 + (((size_t)q->in[0] << 8) | q->in[1]);
		if (q->in_want < 2 + 12) {
			resolver_fail_attempt(r, q, now, 1, 0);
			return;
		}
		q->in = xrealloc(q->in, q->in_want);
		return;
	}
	resolver_accept(r, q, q->in + 2, q->in_len - 2, now);
}

/* resolver_timers - start new queries, retry or end the late ones */

static uint64_t
resolver_timers(struct resolver *r, uint64_t now)
{
	uint64_t	 next = r->deadline;
	size_t		 i;
	struct rquery	*q;

	for (i = 0; i < r->nq; i++) {
		q = r->q[i];
		if (q->state == RQ_DONE || q->primary >= 0)
			continue;
		if (now >= r->deadline || resolver_cancelled(r)) {
			resolver_complete(r, q, dnsans_new(DNSANS_TIMEOUT));
			continue;
		}
		if (q->state == RQ_NEW) {
			/* Pace bursts: a resolver's socket buffer holds only
			 * so many datagrams ([dns] max_inflight). */
			if (r->inflight >= r->conf.max_inflight)
				continue;
			q->server = 0;
			q->started = 1;
			r->inflight++;
			resolver_attempt(r, q, now);
		} else if (now >= q->timer)
			resolver_fail_attempt(r, q, now, 0, 0);
		if (q->state != RQ_DONE && q->timer < next)
			next = q->timer;
	}
	return (next);
}

/* resolver_dispatch - run the callbacks of completed queries */

static void
resolver_dispatch(struct resolver *r)
{
	size_t	 i;

	while (r->due > 0) {
		for (i = 0; i < r->nq; i++) {
			if (!r->q[i]->cb_due)
				continue;
			r->q[i]->cb_due = 0;
			r->due--;
			if (r->q[i]->cb != NULL)
				r->q[i]->cb(r->q[i]->ans, r->q[i]->arg);
		}
	}
}

/* resolver_poll - wait for sockets or the next timer, then handle them */

static void
resolver_poll(struct resolver *r, uint64_t next, uint64_t now)
{
	struct pollfd	*pfd;
	struct rquery	**who;
	size_t		 i, n = 0, s;
	uint64_t	 drain;
	int		 rc, ms;

	pfd = xcalloc(1 + DNSBL_MAX_SERVERS + r->nq, sizeof(*pfd));
	who = xcalloc(1 + DNSBL_MAX_SERVERS + r->nq, sizeof(*who));
	pfd[n++] = (struct pollfd){ r->wake, POLLIN, 0 };
	for (s = 0; s < r->conf.nservers; s++)
		if (r->udp[s] >= 0)
			pfd[n++] = (struct pollfd){ r->udp[s], POLLIN, 0 };
	for (i = 0; i < r->nq; i++) {
		if (r->q[i]->fd < 0 || r->q[i]->state == RQ_DONE)
			continue;
		who[n] = r->q[i];
		pfd[n++] = (struct pollfd){ r->q[i]->fd,
		    r->q[i]->state == RQ_TCP_CONNECT ? POLLOUT : POLLIN, 0 };
	}
	ms = next > now ? (int)(next - now < 60000 ? next - now : 60000) : 0;
	rc = poll(pfd, n, ms);
	if (rc < 0 && errno != EINTR)
		log_warn("DNS: poll: %s", strerror(errno));
	now = time_now_ms();
	if (rc > 0 && (pfd[0].revents & POLLIN) &&
	    read(r->wake, &drain, sizeof(drain)) < 0 && errno != EAGAIN)
		log_warn("DNS: eventfd read: %s", strerror(errno));
	for (i = 1; rc > 0 && i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (who[i] == NULL) {
			for (s = 0; s < r->conf.nservers; s++)
				if (r->udp[s] == pfd[i].fd)
					resolver_udp_read(r, s, now);
		} else if (who[i]->state != RQ_DONE && who[i]->fd == pfd[i].fd)
			resolver_tcp_io(r, who[i], pfd[i].revents, now);
	}
	free(pfd);
	free(who);
}

/* resolver_step - one round: timers, callbacks; 0 when nothing is left */

static int
resolver_step(struct resolver *r, int h)
{
	uint64_t	 now, next;

	resolver_dispatch(r);
	if (h >= 0 && r->q[h]->state == RQ_DONE)
		return (0);
	if (r->pending == 0)
		return (0);
	now = time_now_ms();
	next = resolver_timers(r, now);
	if (r->due > 0)
		return (1);
	if (r->pending == 0)
		return (1);
	resolver_poll(r, next, now);
	return (1);
}

/* resolver_kick - send what was queued without waiting */

void
resolver_kick(struct resolver *r)
{
	if (r->pending > 0)
		(void)resolver_timers(r, time_now_ms());
}

/* resolver_wait - run until query h is answered */

const struct dnsans *
resolver_wait(struct resolver *r, int h)
{
	if (h < 0 || (size_t)h >= r->nq)
		log_panic("resolver_wait: bad handle %d", h);
	while (resolver_step(r, h))
		;
	resolver_dispatch(r);
	return (r->q[h]->ans);
}

/* resolver_run - run until every query is answered */

void
resolver_run(struct resolver *r)
{
	while (resolver_step(r, -1))
		;
	resolver_dispatch(r);
}

/* resolver_add_server - append one server address to conf */

static int
resolver_add_server(struct resolver_conf *conf, const char *host,
    const char *port, struct buf *why)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	if (conf->nservers >= DNSBL_MAX_SERVERS) {
		buf_printf(why, "more than %d DNS servers", DNSBL_MAX_SERVERS);
		return (-1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		buf_printf(why, "bad DNS server address \"%s\" port \"%s\": %s",
		    host, port, gai_strerror(rc));
		return (-1);
	}
	memcpy(&conf->server[conf->nservers], res->ai_addr, res->ai_addrlen);
	conf->server_len[conf->nservers++] = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

/* resolver_parse_one - "IP", "IP:port", "[IPv6]:port" or bare IPv6 */

static int
resolver_parse_one(const char *item, struct resolver_conf *conf,
    struct buf *why)
{
	char		 host[INET6_ADDRSTRLEN + 32];
	const char	*port = "53", *colon, *close;
	size_t		 len;

	if (item[0] == '[') {
		if ((close = strchr(item, ']')) == NULL ||
		    (close[1] != '\0' && close[1] != ':')) {
			buf_printf(why, "bad DNS server \"%s\"", item);
			return (-1);
		}
		len = (size_t)(close - item - 1);
		if (close[1] == ':')
			port = close + 2;
		item++;
	} else if ((colon = strchr(item, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		len = (size_t)(colon - item);
		port = colon + 1;
	} else
		len = strlen(item);
	if (len == 0 || len >= sizeof(host)) {
		buf_printf(why, "bad DNS server \"%s\"", item);
		return (-1);
	}
	memcpy(host, item, len);
	host[len] = '\0';
	return (resolver_add_server(conf, host, port, why));
}

/* resolver_parse_servers - a [dns] resolver list */

int
resolver_parse_servers(const char *list, struct resolver_conf *conf,
    struct buf *why)
{
	char	*copy, *item, *save = NULL;
	int	 rc = 0;

	conf->nservers = 0;
	copy = xstrdup(list);
	for (item = strtok_r(copy, " \t,;", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, " \t,;", &save))
		rc = resolver_parse_one(item, conf, why);
	free(copy);
	if (rc == 0 && conf->nservers == 0) {
		buf_printf(why, "empty DNS server list");
		rc = -1;
	}
	return (rc);
}

/* resolver_read_resolv_conf - nameserver lines of resolv.conf */

int
resolver_read_resolv_conf(const char *path, struct resolver_conf *conf,
    struct buf *why)
{
	char	 line[512], *p, *addr;
	FILE	*fp;

	conf->nservers = 0;
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			p = line + strspn(line, " \t");
			if (strncmp(p, "nameserver", 10) != 0 ||
			    (p[10] != ' ' && p[10] != '\t'))
				continue;
			addr = p + 10 + strspn(p + 10, " \t");
			addr[strcspn(addr, " \t\r\n#;")] = '\0';
			if (*addr == '\0' || conf->nservers >= 3)
				continue;
			if (resolver_add_server(conf, addr, "53", why) < 0) {
				log_warn("%s: ignoring nameserver %s: %s", path,
				    addr, buf_str(why));
				buf_reset(why);
			}
		}
		(void)fclose(fp);
	}
	/* Like the C library: no nameserver means the local host. */
	if (conf->nservers == 0)
		return (resolver_add_server(conf, "127.0.0.1", "53", why));
	return (0);
}
