/*
 * udsd.h - winnow-udsd's internal interfaces
 *
 * winnow-udsd answers UDS requests (uds/uds_wire.h) over UDP, IPv4 and
 * IPv6, on one libuv event loop: nothing in the loop blocks (LMDB reads
 * are memory-mapped, Redis is asynchronous), so one core serves every
 * client.  What is known lives behind one store interface with two real
 * backends: LMDB, one file on this host (the default), and Redis, shared by
 * several udsd or shared with the fleet's other data.
 *
 *	main.c		command line, start-up, privilege drop, signals
 *	udsd_conf.c	[udsd] and the clients file
 *	udsd_acl.c	networks allowed to ask (CIDR lists)
 *	udsd_rate.c	token buckets: per source address, per client
 *	udsd_replay.c	writes seen in the replay window
 *	udsd_net.c	the UDP sockets: batches in (recvmmsg), batches out
 *			(sendmmsg)
 *	udsd_req.c	one datagram: checks, authentication, dispatch, reply
 *	udsd_match.c	what a lookup means: votes of shingles, thresholds,
 *			the results (shared by both backends)
 *	udsd_lmdb.c	the LMDB store
 *	udsd_keyset.c	the LMDB store's keys in memory (misses cost no
 *			B-tree search)
 *	udsd_redis.c	the Redis store (hiredis)
 *
 * Stored data, the same in both backends (all integers big-endian):
 *	record	 key: kind, 16-byte digest; value: u8 version, u8 flag,
 *		 u16 zero, u32 count (weight reported), u32 hits, u32
 *		 created, u32 touched (Unix seconds: last report or hit)
 *	shingle	 key: the 64-bit min-hash; value: up to max_ids 16-byte
 *		 digests of the texts that had it, newest first
 * A record expires ttl after it was last touched; a shingle entry goes
 * with the last record it names (LMDB: the sweep; Redis: key TTLs
 * refreshed on every report and hit).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_UDSD_H
#define WINNOW_UDSD_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "uds_wire.h"

/*
 * udsd_conf.c
 */
struct udsd_conf {
	char		*listen;
	char		*store;		/* "lmdb" or "redis" */
	char		*lmdb_path;
	size_t		 lmdb_size;
	char		*redis;		/* tcp:HOST:PORT or unix:PATH */
	char		*redis_prefix;
	unsigned int	 redis_timeout_ms;
	char		*allow;
	char		*clients_file;
	char		*user;
	char		*pidfile;
	unsigned int	 ttl_ms;
	unsigned int	 threshold;
	unsigned int	 votes;
	unsigned int	 max_ids;
	unsigned int	 query_rate;
	unsigned int	 query_burst;
	unsigned int	 write_rate;
	unsigned int	 write_burst;
	unsigned int	 replay_window_ms;
	unsigned int	 sweep_interval_ms;
	unsigned int	 sweep_batch;
	unsigned int	 sync_interval_ms;
};

extern struct udsd_conf udsd_conf;

/* Register [udsd]. */
void	udsd_conf_register(void);

/* The store's name ("lmdb", "redis") after conf_load. */
const char *udsd_conf_store(void);

/* One client of the clients file. */
struct udsd_client {
	char		 name[UDS_WIRE_NAME_MAX + 1];
	uint8_t		 secret[UDS_KEY_LEN];
	unsigned int	 ops;		/* bit 1 << UDS_OP_* it may do */
};

struct udsd_clients {
	struct udsd_client *c;
	size_t		 n;
};

/* Read the clients file ("NAME SECRET [add,delete,ham]" per line);
 * NULL with why (FILE:LINE). */
struct udsd_clients *udsd_clients_load(const char *path, struct buf *why);
void	udsd_clients_free(struct udsd_clients *);
const struct udsd_client *udsd_clients_find(const struct udsd_clients *,
	    const char *name);

/*
 * udsd_acl.c
 */
struct udsd_acl;

/* Parse "CIDR ..." (IPv4, IPv6, a bare address is /32 or /128); NULL with
 * why. */
struct udsd_acl	*udsd_acl_parse(const char *, struct buf *why);
int	udsd_acl_check(const char *, struct buf *why);	/* conf_check_fn */
int	udsd_acl_match(const struct udsd_acl *, const struct sockaddr *);
void	udsd_acl_free(struct udsd_acl *);

/*
 * udsd_rate.c
 */
struct udsd_rate;

/* A table of token buckets, rate per second, burst tokens at most. */
struct udsd_rate *udsd_rate_new(size_t slots, unsigned int rate,
	    unsigned int burst);
void	udsd_rate_free(struct udsd_rate *);

/* Take one token for key (len bytes) at now_ms: 1, or 0 when empty. */
int	udsd_rate_take(struct udsd_rate *, const void *key, size_t len,
	    uint64_t now_ms);

/*
 * udsd_replay.c
 */
struct udsd_replay;

struct udsd_replay *udsd_replay_new(size_t max);
void	udsd_replay_free(struct udsd_replay *);

/* Whether (client, id, time) was seen within window_ms; records it if
 * not.  Returns 1 when it is a replay (or the cache is full: refuse). */
int	udsd_replay_seen(struct udsd_replay *, const char *client, uint32_t id,
	    uint32_t time, uint64_t now_ms, unsigned int window_ms);

/*
 * udsd_keyset.c: the keys of an LMDB store, in memory
 */
struct udsd_keyset;

struct udsd_keyset *udsd_keyset_new(size_t hint);
void	udsd_keyset_free(struct udsd_keyset *);
void	udsd_keyset_add(struct udsd_keyset *, uint64_t);
void	udsd_keyset_del(struct udsd_keyset *, uint64_t);
/* Whether the key may be stored (never wrong when it says no). */
int	udsd_keyset_has(const struct udsd_keyset *, uint64_t);
size_t	udsd_keyset_count(const struct udsd_keyset *);

/*
 * Counters (udsd_req.c), by UDS_STAT_* id.
 */
extern uint64_t	udsd_stat[UDS_STAT_STORE_UP + 1];

/*
 * The store (udsd_match.c, udsd_lmdb.c, udsd_redis.c)
 */
#define UDSD_RECORD_LEN	20
#define UDSD_KEY_LEN	(1 + UDS_DIGEST_LEN)
#define UDSD_MAX_IDS	16

struct udsd_record {
	uint8_t		 flag;
	uint32_t	 count;
	uint32_t	 hits;
	uint32_t	 created;
	uint32_t	 touched;
};

/* One request in the store's hands. */
struct udsd_job;
typedef void	udsd_done_fn(struct udsd_job *);

struct udsd_job {
	struct uds_req	 req;
	struct uds_reply reply;
	struct sockaddr_storage from;
	socklen_t	 fromlen;
	int		 fd;		/* the socket to answer on */
	udsd_done_fn	*done;
	/* backend's scratch */
	void		*priv;
};

struct udsd_store;

struct udsd_store_ops {
	const char	*name;
	/* open at start-up (WN_OK, or WN_PERM/WN_TEMP with why) */
	int		(*open)(struct udsd_store *, uv_loop_t *, struct buf *);
	void		(*close)(struct udsd_store *);
	/* whether the store answers now */
	int		(*up)(struct udsd_store *);
	/* CHECK; ADD, DELETE, HAM: fill job->reply, then call job->done
	 * (at once or later) */
	void		(*check)(struct udsd_store *, struct udsd_job *);
	void		(*write)(struct udsd_store *, struct udsd_job *);
	/* signatures and shingle entries stored */
	void		(*count)(struct udsd_store *, uint64_t *sigs,
			    uint64_t *shingles);
	/* after each batch of datagrams (LMDB: hit updates in one write) */
	void		(*flush)(struct udsd_store *);
};

struct udsd_store {
	const struct udsd_store_ops *ops;
	void		*priv;
};

extern const struct udsd_store_ops udsd_lmdb_ops;
extern const struct udsd_store_ops udsd_redis_ops;

/* udsd_match.c: what the backends share */

/* Pack and unpack a record. */
void	udsd_record_pack(const struct udsd_record *, uint8_t *);
int	udsd_record_unpack(const uint8_t *, size_t, struct udsd_record *);

/* A record's store key: kind and digest. */
void	udsd_record_key(unsigned int kind, const uint8_t *digest,
	    uint8_t *key);

/* Whether a record is still alive at now (seconds). */
int	udsd_record_alive(const struct udsd_record *, uint32_t now);

/* The result of a record for an item: HIT, BELOW or HAM. */
void	udsd_result(const struct udsd_record *, unsigned int votes,
	    struct uds_res *);

/* Candidates of a text item: its shingles' stored digests, counted. */
struct udsd_cand {
	uint8_t		 digest[UDS_DIGEST_LEN];
	unsigned int	 votes;
	uint32_t	 shingles;	/* bit per shingle that voted */
};

struct udsd_votes {
	struct udsd_cand c[UDS_SHINGLES * UDSD_MAX_IDS];
	size_t		 n;
};

/* Count one shingle's stored digests (value of vlen bytes). */
void	udsd_votes_add(struct udsd_votes *, unsigned int shingle,
	    const uint8_t *value, size_t vlen);

/* Sort the candidates by votes; returns how many reach the threshold. */
size_t	udsd_votes_rank(struct udsd_votes *, unsigned int threshold);

/* A shingle's new value: digest in front of old (without duplicates),
 * at most max_ids; returns its length. */
size_t	udsd_shingle_push(const uint8_t *old, size_t oldlen,
	    const uint8_t *digest, unsigned int max_ids, uint8_t *out);

/* A shingle's value without the digests keep() refuses; returns its
 * length. */
size_t	udsd_shingle_filter(const uint8_t *val, size_t len,
	    int (*keep)(const uint8_t *digest, void *), void *arg,
	    uint8_t *out);

/* Now, in Unix seconds. */
uint32_t udsd_now(void);

/*
 * udsd_net.c
 */
/* Bind every listen address (before privileges are dropped); WN_OK, or
 * WN_TEMP / WN_PERM with why. */
int	udsd_net_bind(struct buf *why);

/* Start serving the bound sockets on the loop with this store. */
int	udsd_net_start(uv_loop_t *, struct udsd_store *, struct buf *why);

/* Send what is queued and stop watching the sockets. */
void	udsd_net_stop(void);

/* Replies dropped because a socket's send buffer was full. */
extern uint64_t	udsd_net_dropped;

/* Queue a reply to a job's sender (sent with the batch). */
void	udsd_net_reply(struct udsd_job *);

/* Send every queued reply now. */
void	udsd_net_flush(void);

/*
 * udsd_req.c
 */
/* Set up checks from the configuration (allow list, clients, limits). */
int	udsd_req_init(struct udsd_store *, struct buf *why);

/* Re-read the clients file and the allow list (SIGHUP); 0 or -1. */
int	udsd_req_reload(struct buf *why);

/* Serve one datagram from a sender. */
void	udsd_req_handle(const uint8_t *, size_t len, int truncated,
	    const struct sockaddr *, socklen_t, int fd);

#endif /* WINNOW_UDSD_H */
