/*
 * server.h - winnowd's internal interfaces
 *
 * winnowd is a master (master.c) that binds the listeners, loads the shared
 * data and keeps a pool of children (child.c).  Each child serves one
 * SMTP/LMTP session at a time with smtp/'s session server, whose deliver
 * hook is pipeline_run: the checks, the policy and the reinjection
 * downstream (smtp/reinject.h); only then does the session answer.
 *
 * This header is private to the program (and its tests and fuzz targets).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SERVER_H
#define WINNOW_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "listener.h"
#include "live.h"
#include "milter.h"
#include "msg.h"
#include "sess.h"
#include "smtp_conf.h"

/*
 * Configuration: [server] (server_conf.c; smtp/smtp_conf.c declares the
 * session and reinjection part).  Set by the master, read-only in children.
 */
enum on_error { ON_ERROR_TEMPFAIL, ON_ERROR_ACCEPT, ON_ERROR_REJECT };

struct server_conf {
	char		*listen;
	int		 protocol;		/* enum proto, default for listen */
	char		*user;
	char		*group;
	char		*pidfile;
	unsigned int	 start_children;
	unsigned int	 max_children;
	unsigned int	 min_spare;
	unsigned int	 max_spare;
	unsigned int	 max_messages;
	unsigned int	 max_messages_jitter;
	unsigned int	 max_idle;		/* ms */
	unsigned int	 exit_delay;		/* ms */
	unsigned int	 throttle_delay;	/* ms */
	unsigned int	 listen_backlog;
	unsigned int	 busy_grace;		/* ms */
	unsigned int	 max_connections_per_client;	/* 0: no limit */
	unsigned int	 message_deadline;	/* ms, 0: none */
	unsigned int	 notice_retry;		/* ms */
	unsigned int	 notice_lifetime;	/* ms */
	int		 on_error;		/* enum on_error */
	char		*log_level;		/* "info, dnsbl=debug" */
};

extern struct server_conf server_conf;

/* Register [server] (with smtp/'s part); call before conf_load. */
void	server_conf_register(void);

/* After conf_load: derived values (hostname); 0, or -1 with why. */
int	server_conf_finish(struct buf *why);

/* server_env.c: what the file being loaded needs of this machine -
 * spool_dir reachable and usable by the children's user, an exec: forward
 * program they can run and that needs no set-id bit under no_new_privs.
 * conf_load's final check (server_conf_register installs it), reading the
 * file's values with conf_value(); 0, or -1 with the path and the
 * permission missing in why. */
int	server_env_check(struct buf *why);

/* Set by winnowd -t: an exec: program that cannot run now is an error
 * there, a warning at start and on reload. */
extern int	server_env_test;

/*
 * pipeline.c - from a spooled message to per-recipient replies
 */

/* Run checks, policy and reinjection for msg; fills each recipient's code
 * and reply.  For SMTP the caller answers with pipeline's *reply_r.  When
 * msg->bypass is set, no check runs and every recipient not yet decided
 * goes downstream unfiltered with "X-Winnow-Info: <bypass>". */
void	pipeline_run(const struct sess_info *, struct msg *,
	    struct buf *reply_r);

/* The session hooks of a winnowd child: pipeline_run, and
 * notice_after_reply for the DSNs and notifications it decided. */
extern const struct sess_hooks pipeline_hooks;

/*
 * The milter side (milter_conf.c, pipeline.c, mreply.c): the same checks
 * and policy, answered with milter replies (smtp/milter.h).
 */
enum milter_quar { MILTER_QUAR_WINNOW, MILTER_QUAR_MTA };

struct milter_conf {
	int		 quarantine;		/* enum milter_quar */
};

extern struct milter_conf milter_conf;

/* Register the milter part of [server]. */
void	milter_conf_register(void);

/* After a load: warn about what a milter cannot do of the policy. */
void	milter_conf_check(void);

/* The hooks of a child's milter connection: the checks, the policy and
 * the answer (mreply.c), and notice_after_reply. */
extern const struct milter_hooks pipeline_milter_hooks;

/*
 * child.c and master.c
 */
/*
 * The scoreboard: one slot per child, in the live file the master shares
 * with its children (stats/live.h: MAP_SHARED, made before the first
 * fork), where winnowctl status reads it too.  A child writes its own
 * slot's state without a system call; it wakes the master (one byte on a
 * pipe) only when it takes a connection and too few idle children are
 * left, so the master sleeps through ordinary traffic.
 */

/* The live file: counters, scoreboard, history (NULL before the master
 * made it: unit tests). */
extern struct live	*server_live;

/* Run a child until it is used up, idle too long, or told to stop. */
void	child_main(struct listener *, int nlisteners,
	    struct scoreboard *, unsigned int slot, int wake_fd)
	    __attribute__((noreturn));

/* rollup.c: the statistics directory, the store's lock and the live file
 * (server_live), before the first fork; then flush and compact when it is
 * time (final: write everything now); and the last flush's result. */
void	rollup_start(uid_t uid, gid_t gid, int drop);
void	rollup_tick(int final);
void	rollup_stop(void);		/* a clean stop: write, let go */
void	rollup_info(struct live_info *);

/* fleet.c: the fleet process (started by the master when [fleet] redis
 * is set): prepare runs as root in the new process, main after the
 * privileges are dropped. */
int	fleet_wanted(void);
void	fleet_prepare(void);
void	fleet_main(void) __attribute__((noreturn));

/* fleet_quar.c: the fleet process's quarantine index (called from its
 * loop; fleet_quar_lost when the connection goes) and the control
 * address its heartbeat says */
struct redisAsyncContext;
void	fleet_quar_tick(struct redisAsyncContext *);
void	fleet_quar_lost(void);
const char *fleet_control_url(void);

/* fleet_nodes.c: the fleet process's view of the nodes (stats/sfleet.h):
 * each heartbeat, with Redis (ttl_ms the status key's life) or without */
void	fleet_nodes_beat(struct redisAsyncContext *, const char *ttl_ms);
void	fleet_nodes_away(const char *why);

/* fleet_apply.c: the fleet process's shared learning (called from its
 * loop every [fleet] learn_interval; blocking, bounded by connect_timeout) */
void	fleet_apply_init(const char *stats_dir);
void	fleet_apply_tick(void);
void	fleet_apply_stop(void);

/* A child's slot and title: a message's filtering starts (its queue id)
 * or a stage of it ends; no-ops outside a child. */
void	child_note_message(const char *qid);
void	child_note_stage(void);

/* Run the master: returns the process exit status.  ready (may be NULL)
 * is called once it listens, before its children start: until then a fatal
 * error still reaches the terminal that started it. */
int	master_main(const char *config_path, int foreground,
	    void (*ready)(void));

/* Load [server] and module sections from path (NULL: built-in defaults);
 * 0 or -1 with the errors in why. */
int	server_load_config(const char *path, struct buf *why);

/* Register every configuration section of every module. */
void	server_register_all(void);

/* Build the modules' shared data in the master (AV engine, DNS lists);
 * 0, or -1 with why (the previous data stays in use). */
int	server_load_modules(int startup, struct buf *why);

/* Look for new AV signatures now and then; 1 if a new engine is in. */
int	server_check_databases(void);

/* Per-child initialisation of modules (after fork), and clean-up. */
void	server_child_init(void);
void	server_child_exit(void);

/* What a child that died without its clean-up left behind: remove it
 * (the master, once the child is reaped, as the children's user). */
void	server_child_gone(pid_t);

#endif /* WINNOW_SERVER_H */
