/*
 * uds_private.h - what the files of uds/ share, and nobody else
 *
 *	uds_wire.c	the packet format (public: uds_wire.h)
 *	uds_norm.c	a text as normalised word hashes and link domains
 *	uds_sig.c	a message's items (public: uds_sig.h)
 *	uds_key.c	the key file: hashing key, client name and secret
 *	uds_srv.c	the servers: addresses, the RTT and failure record
 *			every child shares, the choice of the next server
 *	uds_xchg.c	one request's round trips: send, wait, next server
 *	uds_conf.c	[uds] and uds_load()
 *	uds.c		the check of one message (public: uds.h)
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_UDS_PRIVATE_H
#define WINNOW_UDS_PRIVATE_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "uds_wire.h"

/*
 * uds_norm.c
 */
struct uds_norm {
	uint8_t		 key[16];	/* the word key */
	uint64_t	*word;		/* word hashes in text order */
	size_t		 nwords, cap;
	char		**domain;	/* registrable link domains, unique */
	size_t		 ndomains;
};

/* Load the public suffix data (master, before fork). */
void	uds_norm_init(void);

/* The length of a text without its trailing signature and footers. */
size_t	uds_norm_body(const char *, size_t);

/* Append the words and link domains of a text (its body: see above). */
void	uds_norm_text(struct uds_norm *, const char *, size_t);

/* Sort the domains. */
void	uds_norm_sort(struct uds_norm *);

/* Free what uds_norm_text allocated. */
void	uds_norm_free(struct uds_norm *);

/*
 * uds_key.c
 */
struct uds_keyfile {
	uint8_t		 hash_key[UDS_KEY_LEN];
	int		 have_client;
	char		 client[UDS_WIRE_NAME_MAX + 1];
	uint8_t		 secret[UDS_KEY_LEN];
};

/* Read a key file; WN_OK, or WN_PERM / WN_TEMP with why (FILE:LINE). */
int	uds_key_read(const char *path, struct uds_keyfile *, struct buf *why);

/* Parse a key file's text (path only for messages). */
int	uds_key_parse(const char *text, size_t len, const char *path,
	    struct uds_keyfile *, struct buf *why);

/* The hashing key every site gets without a key file (public). */
void	uds_key_default(struct uds_keyfile *);

/* Decode 64 hex digits into 32 bytes; 0 or -1. */
int	uds_key_hex(const char *, size_t, uint8_t *);

/*
 * uds_srv.c
 */
#define UDS_MAX_SERVERS	16
#define UDS_SRV_NAME	96

/* What every child knows about a server (shared memory, atomics). */
struct uds_srv_stat {
	char		 name[UDS_SRV_NAME];	/* "host:port" */
	uint32_t	 srtt_us;	/* smoothed RTT, 0: never answered */
	uint32_t	 fails;		/* timeouts since the last answer */
	uint64_t	 retry_ms;	/* while failing: when to try again */
	uint64_t	 answered;	/* replies in all */
	uint64_t	 timeouts;	/* timeouts in all */
};

struct uds_server {
	char		*name;		/* as configured */
	struct sockaddr_storage addr;
	socklen_t	 addrlen;
	int		 fd;		/* this process's socket, -1 */
	struct uds_srv_stat *st;	/* shared */
};

struct uds_srvset {
	struct uds_server *srv;
	size_t		 n;
	struct uds_srv_stat *shared;	/* UDS_MAX_SERVERS, MAP_SHARED */
};

/* Resolve a list of HOST[:PORT] into a new set with shared records (kept
 * from old for servers of the same name).  NULL with why. */
struct uds_srvset *uds_srv_new(const char *list, const struct uds_srvset *old,
		    struct buf *why);

/* Free a set (its shared memory stays for the children that use it). */
void	uds_srv_free(struct uds_srvset *);

/* Check a list's syntax (conf_check_fn). */
int	uds_srv_check(const char *, struct buf *why);

/* This process's socket to a server (made on first use); -1 with why. */
int	uds_srv_fd(struct uds_server *, struct buf *why);

/* Close this process's sockets (after fork, before reuse). */
void	uds_srv_close(struct uds_srvset *);

/* The order to ask servers in: healthy ones fastest first, then those
 * still failing (soonest retry first).  Returns n. */
size_t	uds_srv_order(const struct uds_srvset *, uint64_t now_ms,
	    size_t *order);

/* Record an answer after rtt_us, or a timeout. */
void	uds_srv_answered(struct uds_server *, uint64_t rtt_us);
void	uds_srv_timeout(struct uds_server *, uint64_t now_ms,
	    unsigned int reprobe_ms);

/* Whether a failing server is due for a probe; claims it (only one
 * process probes it per reprobe interval). */
int	uds_srv_probe_due(struct uds_server *, uint64_t now_ms,
	    unsigned int reprobe_ms);

/*
 * uds_xchg.c
 */
#define UDS_XCHG_TIMEOUT	(-100)	/* no server answered in time */

struct uds_xchg {
	struct uds_srvset *set;
	uint8_t		 pkt[UDS_WIRE_MAX];
	size_t		 len;
	uint32_t	 id;
	size_t		 order[UDS_MAX_SERVERS];
	size_t		 norder, next;	/* servers to ask, the next one */
	struct uds_server *cur;		/* asked last, NULL: none yet */
	uint64_t	 sent_us;
	unsigned int	 server_timeout_ms;
	unsigned int	 reprobe_ms;
	int		 tries;
	struct uds_server *probe;	/* a failing server probed by PING */
	uint32_t	 probe_id;
	uint64_t	 probe_us;
};

/* Pack req (signed with key when it writes) and send it to the best
 * server; WN_OK, or WN_TEMP with why when no socket could send. */
int	uds_xchg_start(struct uds_xchg *, struct uds_srvset *,
	    struct uds_req *, const uint8_t *key,
	    unsigned int server_timeout_ms, unsigned int reprobe_ms,
	    struct buf *why);

/* Wait for the reply until deadline_ms, asking the next server after each
 * server timeout; WN_OK with the reply, UDS_XCHG_TIMEOUT, or WN_TEMP. */
int	uds_xchg_wait(struct uds_xchg *, uint64_t deadline_ms,
	    struct uds_reply *, struct buf *why);

/* Send to one given server and wait (tools: probe, writes to each). */
int	uds_xchg_one(struct uds_server *, struct uds_req *, const uint8_t *key,
	    unsigned int timeout_ms, struct uds_reply *, uint64_t *rtt_us,
	    struct buf *why);

/*
 * uds_conf.c
 */
struct uds_conf {
	int		 enable;
	char		*servers;
	char		*write_servers;
	unsigned int	 timeout_ms;
	unsigned int	 server_timeout_ms;
	unsigned int	 reprobe_ms;
	char		*key_file;
	unsigned int	 max_points;
};

extern struct uds_conf uds_conf;

/* What uds_load() built from [uds] (read-only after fork). */
struct uds_state {
	struct uds_srvset *servers;
	struct uds_srvset *writers;	/* write_servers, else servers */
	struct uds_keyfile key;
	struct uds_sigkey *sigkey;
};

extern struct uds_state *uds_state;

#endif /* WINNOW_UDS_PRIVATE_H */
