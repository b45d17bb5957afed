/*
 * fleet_conf.h - [fleet]: the Redis a fleet of winnowd nodes shares, and
 * this node's name in it
 *
 * Off by default (redis empty): every node then works alone.  The URL is
 * either one Redis server or the sentinels that know the primary:
 *
 *	redis://HOST[:PORT][/DB]		port 6379, db 0
 *	sentinel://HOST[:PORT],HOST[:PORT]/MASTER[/DB]	port 26379
 *
 * A HOST is a name, an IPv4 address or [IPv6].  The password (Redis AUTH)
 * is the first line of password_file, so it is never in winnow.conf.
 * The fleet secret (secret_file, lib/secret.h's format) is the bearer
 * token one node's winnowctl shows another node's control API when it
 * sends on a quarantine entry's show, release or delete (ctl_fquar.c);
 * control_url is where the others reach this node's API.
 * Both winnowd and winnowctl register the section.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_CONF_H
#define WINNOW_FLEET_CONF_H

#include "buf.h"

#define FLEET_MAX_HOSTS		8
#define FLEET_NODE_MAX		64
#define FLEET_REDIS_PORT	6379
#define FLEET_SENTINEL_PORT	26379
#define FLEET_CONTROL_MAX	200	/* an advertised address */

struct fleet_conf {
	char		*redis;		/* "": no fleet */
	char		*password_file;	/* "": no AUTH */
	char		*node;		/* "": the host name */
	unsigned int	 heartbeat;	/* ms between heartbeats */
	unsigned int	 publish_interval;	/* ms between publications */
	unsigned int	 history_max;	/* entries the fleet stream keeps */
	unsigned int	 connect_timeout;	/* ms */
	unsigned int	 learn_interval;	/* ms between model checks */
	unsigned int	 learn_batch;	/* examples per new version, at most */
	unsigned int	 lease_time;	/* ms the applier's lease lasts */
	unsigned int	 model_versions;	/* versions kept */
	unsigned int	 quarantine_max;	/* entries in the index */
	char		*control_url;	/* "": from [control] listen */
	char		*secret_file;	/* the fleet secret */
};

struct fleet_addr {
	char		 host[256];
	unsigned int	 port;
};

struct fleet_url {
	int		 sentinel;	/* sentinel:// */
	size_t		 naddr;
	struct fleet_addr addr[FLEET_MAX_HOSTS];
	unsigned int	 db;
	char		 master[128];	/* sentinel: the primary's name */
};

extern struct fleet_conf fleet_conf;

/* Register [fleet]. */
void		 fleet_conf_register(void);

/* Whether a fleet is configured. */
int		 fleet_conf_on(void);

/* Parse a redis:// or sentinel:// URL; 0, or -1 with why. */
int		 fleet_url_parse(const char *, struct fleet_url *,
		    struct buf *why);

/* Whether a node name is usable in keys (1..64 of [A-Za-z0-9._-]); 0, or
 * -1 with why. */
int		 fleet_node_check(const char *, struct buf *why);

/* This node's name: [fleet] node or the host name (a static buffer). */
const char	*fleet_node(void);

/* The password: the first line of password_file, NULL when none is set;
 * -1 with why when the file cannot be read (caller frees *pw_r).  One
 * given to fleet_password_set is used instead of the file. */
int		 fleet_password(char **pw_r, struct buf *why);

/* Whether an advertised control address is usable: "" or http://HOST:PORT
 * (printable, no space, shorter than FLEET_CONTROL_MAX); 0, or -1 with
 * why. */
int		 fleet_control_check(const char *, struct buf *why);

/* The password, as a caller got it (winnowctl --fleet-password-stdin:
 * the control process read the file as root before it dropped
 * privileges); copied. */
void		 fleet_password_set(const char *);

#endif /* WINNOW_FLEET_CONF_H */
