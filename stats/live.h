/*
 * live.h - the figures of a running winnowd, in one shared file
 *
 * The master makes the live file ([stats] dir/live) before its first fork
 * and maps it MAP_SHARED; its children inherit the mapping and write into
 * it without a system call or a lock; winnowctl and the control process
 * map the same file read-only.  It holds:
 *
 *   the header       what the master publishes: pid, start, configuration
 *                    generation and the last reload's result, the AV
 *                    database and the content model it loaded, when every
 *                    child got busy, the last rollup's result;
 *   the scoreboard   one slot per child: state, since when busy, on which
 *                    message (the master's pool works from it too);
 *   the counters     one table of (key, value) counters (svec.h keys)
 *                    that every child adds to with atomic additions,
 *                    cumulative since the master started, and beside it
 *                    the part of each already written to the store
 *                    ("flushed"), so a reader adds store + (counted -
 *                    flushed) and sees every message exactly once;
 *   the groups       the names behind the group dimension of the keys;
 *   the history      a ring of the last verdicts (history.h).
 *
 * Concurrency: counters only grow (atomic add, relaxed); a new key is
 * claimed with a compare-and-swap.  Group names and history entries are
 * published after they are written (release) and carry a sequence number
 * a reader checks before and after copying.  The master changes the
 * "flushed" column and appends to the store between two increments of
 * flush_seq (odd while it works), so a reader that saw the same even value
 * before reading the store and after reading the counters has a consistent
 * picture (live_begin_read / live_end_read).  Header strings are guarded
 * the same way by info_seq.
 *
 * The file is allocated in full when it is made (posix_fallocate), so a
 * full disk can never turn a write into the mapping into SIGBUS; when the
 * file cannot be made, the master falls back to anonymous shared memory
 * (winnow keeps filtering and counting; only readers in other processes
 * cannot see it) and says so.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_LIVE_H
#define WINNOW_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "svec.h"

/*
 * The scoreboard: one slot per child (see server/master.c and child.c: a
 * child writes its own slot's state; the master reads every slot).
 */
enum child_state {
	CHILD_FREE = 0,		/* slot unused */
	CHILD_STARTING,		/* forked, not yet accepting */
	CHILD_IDLE,		/* waiting for a connection */
	CHILD_BUSY,		/* in a session */
};

#define SCOREBOARD_SLOTS	8192
#define LIVE_QID_MAX		24

struct slot {
	volatile pid_t		 pid;
	volatile uint32_t	 generation;
	volatile int		 state;		/* enum child_state */
	volatile int		 served;	/* has taken a connection */
	volatile int		 stopping;	/* the master asked it to go */
	volatile uint32_t	 nbusy;		/* times it became busy: the
						 * master sees the pool move */
	char			 peer[64];	/* the client it serves, "" */
	volatile uint32_t	 messages;	/* messages filtered */
	volatile uint64_t	 busy_since;	/* time_now_ms() at connect */
	volatile uint64_t	 msg_since;	/* at the message's DATA end */
	volatile char		 qid[LIVE_QID_MAX];	/* the message, "" */
};

struct scoreboard {
	volatile unsigned int	 nslots;	/* high-water mark of slots */
	struct slot		 slot[SCOREBOARD_SLOTS];
};

/* Idle (or starting) children not asked to stop, per the scoreboard. */
unsigned int	scoreboard_idle(const struct scoreboard *);

/* Busy children serving this client address. */
unsigned int	scoreboard_peer_count(const struct scoreboard *, const char *);

#define LIVE_TEXT_MAX		256

/* What the master publishes (copied out by live_info). */
struct live_info {
	pid_t		 master_pid;
	int64_t		 started;	/* unix time */
	uint32_t	 generation;	/* 1, then +1 per reload or new AV
					 * engine */
	int64_t		 reload_time;	/* 0: never reloaded */
	int		 reload_ok;
	char		 reload_text[LIVE_TEXT_MAX];
	unsigned int	 max_children;
	int64_t		 saturated_since;	/* unix time every child got
						 * busy at max_children; 0 */
	unsigned int	 av_signatures;	/* 0: no virus scanning */
	unsigned int	 av_version;
	int64_t		 av_time;	/* the database's build time, 0 */
	char		 model_path[LIVE_TEXT_MAX];	/* "" none */
	int64_t		 model_mtime;
	int64_t		 flush_time;	/* last rollup attempt, 0 none */
	int		 flush_ok;
	char		 flush_text[LIVE_TEXT_MAX];	/* why it failed */
	uint64_t	 flush_pending;	/* counters not yet in the store */
};

struct live;

/*
 * The master's side.
 */

/* Keep the memory of live files made from now on in dir (a tmpfs, e.g.
 * /dev/shm), dir/live being a symbolic link to it; NULL or "": in [stats]
 * dir itself. */
void		 live_memory_dir(const char *dir);

/* Make a fresh live file in dir (mode 0640, group gid unless -1) with
 * room for hist entries of history; when that fails, anonymous shared
 * memory (live_is_private() then says so, why says why).  Never NULL. */
struct live	*live_create(const char *dir, unsigned int hist, gid_t gid,
		    struct buf *why);

/* Whether the live data is only in this process tree (no file). */
int		 live_is_private(const struct live *);

/* The scoreboard in it. */
struct scoreboard *live_scoreboard(struct live *);

/* Publish the header (seqlocked; the master only). */
void		 live_set_info(struct live *, const struct live_info *);

/* A clean stop: unmap; a live file in the memory directory is removed
 * (dir/live is left dangling: "stopped"), one in dir itself is kept. */
void		 live_release(struct live *, const char *dir);

/* Whether dir/live is a link to a live file that is gone (a clean stop). */
int		 live_stopped(const char *dir);

/* Unmap (and with unlink_file, remove dir/live and what it links to). */
void		 live_close(struct live *, int unlink_file, const char *dir);

/*
 * Counting (any process that inherited the mapping).
 */

/* Add n to a counter (lock-free). */
void		 live_add(struct live *, uint32_t key, uint64_t n);

/* The live id of a group name (registered if new), for SKEY_CELL. */
unsigned int	 live_group(struct live *, const char *name);

/*
 * Rolling up (the master): snapshot what is counted but not yet in the
 * store, write it, then mark it flushed - between live_flush_begin and
 * live_flush_end.
 */
void		 live_flush_begin(struct live *);
/* The counted-but-not-flushed part as a vector (groups by name); the
 * snapshot it was taken from stays in the live object for
 * live_flush_commit. */
void		 live_unflushed_snapshot(struct live *, struct svec *out);
/* Mark the last snapshot as written to the store. */
void		 live_flush_commit(struct live *);
void		 live_flush_end(struct live *);

/*
 * Readers (winnowctl, the control process).
 */

/* Map dir/live read-only; NULL with why when there is none or it is not a
 * live file of this version. */
struct live	*live_open(const char *dir, struct buf *why);

/* Whether dir/live is now another file than the one mapped (a new
 * master made its own): a reader should open it again. */
int		 live_replaced(const struct live *, const char *dir);

/* Whether the master that made it still runs. */
int		 live_master_alive(const struct live *);

/* Copy the header out (retrying while the master changes it). */
void		 live_info(const struct live *, struct live_info *);

/* The scoreboard, read-only. */
const struct scoreboard *live_scoreboard_ro(const struct live *);

/* A consistent read of the store and the counters: note flush_seq before
 * (waits while a rollup runs), read the store, add live_unflushed (or
 * live_counted), then live_end_read tells whether to start again. */
uint64_t	 live_begin_read(const struct live *);
int		 live_end_read(const struct live *, uint64_t seq);

/* Every counter since the master started (Prometheus counters). */
void		 live_counted(const struct live *, struct svec *out);

/* What is counted but not yet in the store. */
void		 live_unflushed(const struct live *, struct svec *out);

/*
 * The history ring (history.c reads and writes entries through these).
 */
struct history_entry;

/* Entries in the ring, and the number the next one will get (1, 2, ...). */
unsigned int	 live_hist_cap(const struct live *);
uint64_t	 live_hist_next(const struct live *);

/* Claim the next sequence number and its entry (to be filled, then
 * published with live_hist_publish). */
struct history_entry *live_hist_claim(struct live *, uint64_t *seq_r);
void		 live_hist_publish(struct history_entry *, uint64_t seq);

/* The entry that holds (or held) sequence number seq. */
const struct history_entry *live_hist_at(const struct live *, uint64_t seq);

#endif /* WINNOW_LIVE_H */
