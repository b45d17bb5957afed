/*
 * uds_srv.c - the UDS servers: addresses, a shared record, which to ask
 *
 * [uds] servers names the servers; uds_load() resolves them in the master
 * and gives each a record in memory that every child shares (MAP_SHARED,
 * made before the first fork, like the scoreboard): its smoothed RTT, the
 * timeouts since its last answer, and while it fails, when to try it
 * again.  A child updates a record with atomic operations and no lock, and
 * reads all of them to choose: the healthy servers fastest first, then
 * those still failing, soonest retry first - so the fastest server takes
 * the traffic, a dead one is left alone after one timeout, and one child
 * re-probes it once per reprobe interval (uds_srv_probe_due claims the
 * probe with a compare-and-swap, so a pool of children does not stampede).
 *
 * A reload builds a new set; records of servers with the same name carry
 * over.  The old mapping stays with the children that still use it.
 *
 * Each process opens its own connected UDP socket per server on first use
 * (the kernel then drops datagrams from any other address), non-blocking.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <netdb.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "xalloc.h"

/* uds */
#include "uds_private.h"

#define SRV_UNKNOWN_RTT	(UINT32_MAX / 2)	/* never answered */

/* srv_split - HOST[:PORT], [V6][:PORT] or a bare IPv6 address */

static int
srv_split(const char *s, char *host, size_t hlen, char *port, size_t plen,
    struct buf *why)
{
	const char	*c, *h = s, *p = NULL;
	size_t		 n;

	if (s[0] == '[') {
		if ((c = strchr(s, ']')) == NULL) {
			buf_printf(why, "\"%s\": no ']'", s);
			return (-1);
		}
		h = s + 1;
		n = (size_t)(c - h);
		if (c[1] == ':')
			p = c + 2;
		else if (c[1] != '\0') {
			buf_printf(why, "\"%s\": junk after ']'", s);
			return (-1);
		}
	} else if ((c = strchr(s, ':')) != NULL && strchr(c + 1, ':') ==
	    NULL) {
		n = (size_t)(c - s);
		p = c + 1;
	} else
		n = strlen(s);		/* a host, or a bare IPv6 address */
	if (n == 0 || n >= hlen) {
		buf_printf(why, "\"%s\": no host", s);
		return (-1);
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (p == NULL)
		(void)snprintf(port, plen, "%d", UDS_DEFAULT_PORT);
	else if (strlen(p) == 0 || strlen(p) >= plen ||
	    strspn(p, "0123456789") != strlen(p) || atoi(p) < 1 ||
	    atoi(p) > 65535) {
		buf_printf(why, "\"%s\": bad port", s);
		return (-1);
	} else
		(void)snprintf(port, plen, "%s", p);
	return (0);
}

/* uds_srv_check - conf check of a server list */

int
uds_srv_check(const char *list, struct buf *why)
{
	char	**v, host[256], port[8];
	size_t	 i, n;
	int	 rc = 0;

	n = conf_list_split(list, &v);
	if (n > UDS_MAX_SERVERS) {
		buf_printf(why, "%zu servers (at most %d)", n,
		    UDS_MAX_SERVERS);
		rc = -1;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = srv_split(v[i], host, sizeof(host), port, sizeof(port),
		    why);
	conf_list_free(v);
	return (rc);
}

/* srv_resolve - one server's address */

static int
srv_resolve(struct uds_server *s, struct buf *why)
{
	struct addrinfo	 hints, *res;
	char		 host[256], port[8];
	int		 rc;

	if (srv_split(s->name, host, sizeof(host), port, sizeof(port),
	    why) < 0)
		return (-1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		buf_printf(why, "%s: %s", s->name, gai_strerror(rc));
		return (-1);
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	s->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

/* uds_srv_new - a set of servers with shared records */

struct uds_srvset *
uds_srv_new(const char *list, const struct uds_srvset *old, struct buf *why)
{
	struct uds_srvset *set = xcalloc(1, sizeof(*set));
	char		**v;
	size_t		 i, j, n;

	set->shared = mmap(NULL, UDS_MAX_SERVERS * sizeof(*set->shared),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (set->shared == MAP_FAILED)
		log_fatal("uds: mmap: %s", strerror(errno));
	n = conf_list_split(list, &v);
	if (n > UDS_MAX_SERVERS)
		n = UDS_MAX_SERVERS;
	set->srv = xcalloc(n ? n : 1, sizeof(*set->srv));
	for (i = 0; i < n; i++) {
		struct uds_server *s = &set->srv[set->n++];

		s->name = xstrdup(v[i]);
		s->fd = -1;
		s->st = &set->shared[i];
		(void)snprintf(s->st->name, sizeof(s->st->name), "%s",
		    s->name);
		for (j = 0; old != NULL && j < old->n; j++)
			if (strcmp(old->srv[j].name, s->name) == 0)
				*s->st = *old->srv[j].st;
		if (srv_resolve(s, why) < 0) {
			conf_list_free(v);
			uds_srv_free(set);
			return (NULL);
		}
	}
	conf_list_free(v);
	return (set);
}

/* uds_srv_close - this process's sockets */

void
uds_srv_close(struct uds_srvset *set)
{
	size_t	 i;

	for (i = 0; set != NULL && i < set->n; i++) {
		if (set->srv[i].fd >= 0)
			(void)close(set->srv[i].fd);
		set->srv[i].fd = -1;
	}
}

/* uds_srv_free - free a set; NULL is a no-op */

void
uds_srv_free(struct uds_srvset *set)
{
	size_t	 i;

	if (set == NULL)
		return;
	uds_srv_close(set);
	for (i = 0; i < set->n; i++)
		free(set->srv[i].name);
	free(set->srv);
	(void)munmap(set->shared, UDS_MAX_SERVERS * sizeof(*set->shared));
	free(set);
}

/* uds_srv_fd - this process's connected socket to a server */

int
uds_srv_fd(struct uds_server *s, struct buf *why)
{
	int	 fd;

	if (s->fd >= 0)
		return (s->fd);
	fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		buf_printf(why, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0) {
		buf_printf(why, "%s: connect: %s", s->name, strerror(errno));
		(void)close(fd);
		return (-1);
	}
	return (s->fd = fd);
}

/* srv_failing - whether a server timed out since its last answer */

static int
srv_failing(const struct uds_server *s)
{
	return (__atomic_load_n(&s->st->fails, __ATOMIC_RELAXED) > 0);
}

/* srv_key - the sort key: healthy by RTT, then failing by retry time */

static uint64_t
srv_key(const struct uds_server *s)
{
	uint32_t	 rtt = __atomic_load_n(&s->st->srtt_us,
			    __ATOMIC_RELAXED);

	if (srv_failing(s))
		return ((1ULL << 63) | (__atomic_load_n(&s->st->retry_ms,
		    __ATOMIC_RELAXED) & ((1ULL << 62) - 1)));
	return (rtt == 0 ? SRV_UNKNOWN_RTT : rtt);
}

/* uds_srv_order - the servers in the order to ask them */

size_t
uds_srv_order(const struct uds_srvset *set, uint64_t now_ms, size_t *order)
{
	uint64_t	 key[UDS_MAX_SERVERS], k;
	size_t		 i, j, o;

	(void)now_ms;
	for (i = 0; i < set->n; i++) {
		key[i] = srv_key(&set->srv[i]);
		order[i] = i;
	}
	/* insertion sort: a handful of servers, stable for equal keys */
	for (i = 1; i < set->n; i++) {
		o = order[i];
		k = key[o];
		for (j = i; j > 0 && key[order[j - 1]] > k; j--)
			order[j] = order[j - 1];
		order[j] = o;
	}
	return (set->n);
}

/* uds_srv_answered - a reply came after rtt_us */

void
uds_srv_answered(struct uds_server *s, uint64_t rtt_us)
{
	uint32_t	 old, rtt = rtt_us > UINT32_MAX / 2 ? UINT32_MAX / 2 :
			    (uint32_t)(rtt_us ? rtt_us : 1);

	old = __atomic_load_n(&s->st->srtt_us, __ATOMIC_RELAXED);
	/* RFC 6298's alpha of 1/8; races lose one sample, no more */
	__atomic_store_n(&s->st->srtt_us, old == 0 ? rtt :
	    (uint32_t)(((uint64_t)old * 7 + rtt) / 8), __ATOMIC_RELAXED);
	__atomic_store_n(&s->st->fails, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->st->answered, 1, __ATOMIC_RELAXED);
}

/* uds_srv_timeout - a server did not answer in time */

void
uds_srv_timeout(struct uds_server *s, uint64_t now_ms,
    unsigned int reprobe_ms)
{
	__atomic_fetch_add(&s->st->fails, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->st->timeouts, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->st->retry_ms, now_ms + reprobe_ms,
	    __ATOMIC_RELAXED);
}

/* uds_srv_probe_due - claim the re-probe of a failing server */

int
uds_srv_probe_due(struct uds_server *s, uint64_t now_ms,
    unsigned int reprobe_ms)
{
	uint64_t	 due;

	if (!srv_failing(s))
		return (0);
	due = __atomic_load_n(&s->st->retry_ms, __ATOMIC_RELAXED);
	if (due > now_ms)
		return (0);
	return (__atomic_compare_exchange_n(&s->st->retry_ms, &due,
	    now_ms + reprobe_ms, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}
