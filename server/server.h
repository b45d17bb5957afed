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

#endif /* WINNOW_SERVER_H */
