/*
 * udsd_req.c - one datagram: who sent it, may it, what it asks, the reply
 *
 * The order of the checks is the order of their cost, so that a flood is
 * turned away by the cheapest one that can:
 *
 *	1. the source address is in [udsd] allow, else no answer at all (no
 *	   reflection towards strangers, spoofed or not);
 *	2. the source has a token of query_rate, else no answer (a flood
 *	   from one address costs it its own answers, nobody else's);
 *	3. the datagram fits UDS_WIRE_MAX and parses (uds_wire.c), else it
 *	   is counted and answered UDS_ST_BAD when its header was readable
 *	   (the answer is never longer than what came);
 *	4. a write names a client of the clients file that may do it, its
 *	   MAC is right under that client's secret, its clock within
 *	   replay_window, and it was not seen before, else UDS_ST_DENIED;
 *	   it has a token of the client's write_rate, else UDS_ST_RATE;
 *	5. the store answers (UDS_ST_UNAVAILABLE when it cannot).
 *
 * Refusals are logged at most once a second per reason, so a flood of
 * bad datagrams cannot flood the log either.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define REQ_RATE_SLOTS	65536
#define REQ_REPLAY_MAX	200000
#define REQ_LOG_EVERY	1000	/* ms between log lines of one reason */
#define REQ_LOG_REASONS	16

uint64_t	 udsd_stat[UDS_STAT_STORE_UP + 1];

static struct udsd_store *req_store;
static struct udsd_acl	*req_acl;
static struct udsd_clients *req_clients;
static struct udsd_rate	*req_src_rate, *req_write_rate;
static struct udsd_replay *req_replay;
static uint64_t		 req_start_ms;
static struct udsd_job	*req_free;	/* jobs to reuse */

/* A job on the free list keeps its next pointer in priv. */

/* req_job_get - a job from the pool */

static struct udsd_job *
req_job_get(void)
{
	struct udsd_job	*j = req_free;

	if (j != NULL)
		req_free = j->priv;
	else
		j = xmalloc(sizeof(*j));
	j->priv = NULL;
	return (j);
}

/* req_job_put - back to the pool */

static void
req_job_put(struct udsd_job *j)
{
	j->priv = req_free;
	req_free = j;
}

/* req_addr - an address for log lines */

static const char *
req_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	const void	*a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return ("?");
	if (inet_ntop(sa->sa_family, a, buf, (socklen_t)len) == NULL)
		return ("?");
	return (buf);
}

/* req_log - a refusal, at most once a second per reason */

static void
req_log(int kind, const struct sockaddr *sa, const char *fmt,
    const char *arg)
{
	static struct {
		const char	*fmt;
		uint64_t	 last, skipped;
	}		 seen[REQ_LOG_REASONS];
	char		 ab[INET6_ADDRSTRLEN];
	uint64_t	 now = time_now_ms();
	size_t		 i;

	for (i = 0; i < REQ_LOG_REASONS && seen[i].fmt != NULL &&
	    seen[i].fmt != fmt; i++)
		;
	if (i == REQ_LOG_REASONS)
		i = 0;			/* more reasons than slots: share */
	if (seen[i].fmt == fmt && now - seen[i].last < REQ_LOG_EVERY) {
		seen[i].skipped++;
		return;
	}
	log_warn("%s: %s: %s%s", req_addr(sa, ab, sizeof(ab)),
	    uds_wire_stat_name((unsigned)kind), fmt, arg);
	if (seen[i].fmt == fmt && seen[i].skipped > 0)
		log_warn("(and %llu more like it in the last second)",
		    (unsigned long long)seen[i].skipped);
	seen[i].fmt = fmt;
	seen[i].last = now;
	seen[i].skipped = 0;
}

/* req_done - the store answered: count, queue the reply, free the job */

static void
req_done(struct udsd_job *job)
{
	size_t	 i;

	if (job->reply.status == UDS_ST_OK) {
		for (i = 0; i < job->reply.nitems; i++)
			if (job->reply.item[i].result == UDS_R_HIT &&
			    job->req.op == UDS_OP_CHECK)
				udsd_stat[UDS_STAT_HITS]++;
		if (uds_wire_op_writes(job->req.op))
			udsd_stat[UDS_STAT_WRITES]++;
	}
	udsd_net_reply(job);
	req_job_put(job);
}

/* req_stats - the STATS reply */

static void
req_stats(struct udsd_job *job)
{
	struct uds_reply *a = &job->reply;
	uint64_t	 sigs, shingles;
	unsigned int	 id;

	req_store->ops->count(req_store, &sigs, &shingles);
	udsd_stat[UDS_STAT_UPTIME] = (time_now_ms() - req_start_ms) / 1000;
	udsd_stat[UDS_STAT_SIGNATURES] = sigs;
	udsd_stat[UDS_STAT_SHINGLES] = shingles;
	udsd_stat[UDS_STAT_STORE_UP] = (uint64_t)req_store->ops->up(req_store);
	for (id = 1; id <= UDS_STAT_STORE_UP; id++) {
		a->stat[a->nstats].id = (uint8_t)id;
		a->stat[a->nstats++].value = udsd_stat[id];
	}
}

/* req_refuse - answer a write with a refusal */

static void
req_refuse(struct udsd_job *job, unsigned int status, int kind,
    const struct sockaddr *sa, const char *what)
{
	udsd_stat[kind]++;
	req_log(kind, sa, what, job->req.client);
	job->reply.status = (uint8_t)status;
	req_done(job);
}

/* req_write - authenticate a write, then hand it to the store */

static void
req_write(struct udsd_job *job, const uint8_t *pkt,
    const struct sockaddr *sa)
{
	const struct udsd_client *c;
	uint64_t	 now = time_now_ms();
	uint32_t	 t = udsd_now();
	uint32_t	 skew;

	c = udsd_clients_find(req_clients, job->req.client);
	if (c == NULL) {
		req_refuse(job, UDS_ST_DENIED, UDS_STAT_DENIED, sa,
		    "write from an unknown client ");
		return;
	}
	if (!(c->ops & (1U << job->req.op))) {
		req_refuse(job, UDS_ST_DENIED, UDS_STAT_DENIED, sa,
		    "operation not allowed to ");
		return;
	}
	if (!uds_wire_verify(pkt, &job->req, c->secret)) {
		req_refuse(job, UDS_ST_DENIED, UDS_STAT_DENIED, sa,
		    "bad MAC (not the secret) of ");
		return;
	}
	skew = job->req.time > t ? job->req.time - t : t - job->req.time;
	if ((uint64_t)skew * 1000 > udsd_conf.replay_window_ms) {
		req_refuse(job, UDS_ST_DENIED, UDS_STAT_DENIED, sa,
		    "clock outside replay_window (or replayed late): ");
		return;
	}
	if (udsd_replay_seen(req_replay, job->req.client, job->req.id,
	    job->req.time, now, udsd_conf.replay_window_ms)) {
		req_refuse(job, UDS_ST_DENIED, UDS_STAT_DENIED, sa,
		    "replayed write of ");
		return;
	}
	if (!udsd_rate_take(req_write_rate, c->name, strlen(c->name), now)) {
		req_refuse(job, UDS_ST_RATE, UDS_STAT_RATE, sa,
		    "over write_rate: ");
		return;
	}
	req_store->ops->write(req_store, job);
}

/* req_rate_key - the bytes of a source address (not its port) */

static size_t
req_rate_key(const struct sockaddr *sa, const void **key)
{
	if (sa->sa_family == AF_INET) {
		*key = &((const struct sockaddr_in *)sa)->sin_addr;
		return (4);
	}
	*key = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	return (16);
}

/* udsd_req_handle - serve one datagram */

void
udsd_req_handle(const uint8_t *p, size_t len, int truncated,
    const struct sockaddr *sa, socklen_t salen, int fd)
{
	struct udsd_job	*job;
	const void	*key;
	size_t		 klen;
	unsigned int	 op, version;
	uint32_t	 id;

	if (!udsd_acl_match(req_acl, sa)) {
		udsd_stat[UDS_STAT_DENIED]++;
		req_log(UDS_STAT_DENIED, sa, "source not in allow", "");
		return;
	}
	klen = req_rate_key(sa, &key);
	if (!udsd_rate_take(req_src_rate, key, klen, time_now_ms())) {
		udsd_stat[UDS_STAT_RATE]++;
		req_log(UDS_STAT_RATE, sa, "over query_rate, dropped", "");
		return;
	}
	if (truncated || len > UDS_WIRE_MAX ||
	    uds_wire_peek(p, len, &op, &id, &version) < 0 ||
	    (op & UDS_OP_REPLY)) {
		udsd_stat[UDS_STAT_BAD]++;
		req_log(UDS_STAT_BAD, sa, truncated || len > UDS_WIRE_MAX ?
		    "oversized datagram" : version != 0 && version !=
		    UDS_WIRE_VERSION ? "another wire version" :
		    "not a UDS request", "");
		if (version == 0 || (op & UDS_OP_REPLY) || truncated ||
		    len > UDS_WIRE_MAX || version == UDS_WIRE_VERSION)
			return;
		/* another version: say so, in as few bytes as came */
		job = req_job_get();
		memset(&job->reply, 0, sizeof(job->reply));
		job->reply.op = (uint8_t)(op & ~UDS_OP_REPLY);
		job->reply.id = id;
		job->reply.status = UDS_ST_VERSION;
		goto answer;
	}
	job = req_job_get();
	memset(&job->reply, 0, sizeof(job->reply));
	job->reply.op = (uint8_t)op;
	job->reply.id = id;
	if (uds_wire_unpack_req(p, len, &job->req, NULL) != WN_OK) {
		udsd_stat[UDS_STAT_BAD]++;
		req_log(UDS_STAT_BAD, sa, "malformed ", uds_wire_op_name(op));
		job->reply.status = UDS_ST_BAD;
		goto answer;
	}
	memcpy(&job->from, sa, salen);
	job->fromlen = salen;
	job->fd = fd;
	job->done = req_done;
	switch (op) {
	case UDS_OP_PING:
		job->reply.store_up = (uint8_t)req_store->ops->up(req_store);
		req_done(job);
		return;
	case UDS_OP_STATS:
		req_stats(job);
		req_done(job);
		return;
	case UDS_OP_CHECK:
		udsd_stat[UDS_STAT_CHECKS]++;
		req_store->ops->check(req_store, job);
		return;
	default:
		req_write(job, p, sa);
		return;
	}
answer:
	memcpy(&job->from, sa, salen);
	job->fromlen = salen;
	job->fd = fd;
	udsd_net_reply(job);
	req_job_put(job);
}

/* udsd_req_init - the allow list, clients, rate tables, replay cache */

int
udsd_req_init(struct udsd_store *st, struct buf *why)
{
	req_store = st;
	req_start_ms = time_now_ms();
	if (udsd_req_reload(why) < 0)
		return (WN_PERM);
	req_src_rate = udsd_rate_new(REQ_RATE_SLOTS, udsd_conf.query_rate,
	    udsd_conf.query_burst);
	req_write_rate = udsd_rate_new(4096, udsd_conf.write_rate,
	    udsd_conf.write_burst);
	req_replay = udsd_replay_new(REQ_REPLAY_MAX);
	return (WN_OK);
}

/* udsd_req_reload - re-read the allow list and the clients file */

int
udsd_req_reload(struct buf *why)
{
	struct udsd_acl	*acl;
	struct udsd_clients *cl;

	if ((acl = udsd_acl_parse(udsd_conf.allow, why)) == NULL)
		return (-1);
	if ((cl = udsd_clients_load(udsd_conf.clients_file, why)) == NULL) {
		udsd_acl_free(acl);
		return (-1);
	}
	udsd_acl_free(req_acl);
	udsd_clients_free(req_clients);
	req_acl = acl;
	req_clients = cl;
	return (0);
}
