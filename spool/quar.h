/*
 * quar.h - the quarantine store
 *
 * A quarantined message is two files in the quarantine directory:
 *
 *	ID.eml		the message exactly as it was received
 *	ID.json		its info: id, time, client, sender, recipients with
 *			their group, statuses and action, the findings, and
 *			every release
 *
 * quar_store() makes an entry durable before winnowd answers 250: each file
 * is written under a temporary name, fsync'd and renamed, the message
 * first; then the directory is fsync'd.  The info file is the commit
 * record: an entry exists exactly when ID.json does, so a crash part-way
 * leaves at worst an ID.eml or a *.tmp that nothing lists and
 * quar_purge() removes.  Rewrites of the info (a release) go the same way.
 *
 * The same format keeps backups (STATUS.backup: a copy of a message that
 * was still delivered) in [policy] backup_dir; info->kind says which.
 * A file root writes takes the directory's owner (owner.h), so entries a
 * root release rewrote stay readable for the tools that run as winnowd's
 * user.
 *
 * IDs are winnowd queue ids (hex); anything given by a user is checked with
 * quar_id_ok() before it becomes part of a path.
 *
 * Fallible calls return WN_OK, WN_TEMP (the store could not be read or
 * written: try again) or WN_PERM (no such entry, or a broken one), with the
 * reason in why.  Allocation failure is fatal.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_QUAR_H
#define WINNOW_QUAR_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "buf.h"
#include "status.h"

struct json_t;

/* One recipient as the info file records it. */
struct quar_rcpt {
	char		*addr;
	char		*group;
	char		*spam;		/* spam status name */
	char		*av;		/* AV status name, or NULL */
	char		*action;	/* the recipient's combined action */
};

/* What an entry says about its message. */
struct quar_info {
	char		*id;
	char		*queue_id;
	char		*upstream_id;	/* the upstream's queue id (XFORWARD
					 * IDENT), NULL or "" if unknown */
	char		*kind;		/* "quarantine" (withheld) or "backup"
					 * (kept and delivered); NULL:
					 * quarantine */
	time_t		 time;
	char		*client_addr;	/* may be NULL */
	char		*client_name;
	char		*helo;
	char		*sender;	/* "" for <> */
	char		*subject;	/* header-safe, may be "" */
	size_t		 size;
	struct quar_rcpt *rcpts;
	size_t		 nrcpts;
	struct json_t	*findings;	/* quar_store only: what the checks
					 * found (findings_json), or NULL */
	size_t		 nreleases;	/* how often it was released */
	time_t		 released;	/* last release, 0 if never */
	char		*released_to;	/* its recipients, ", " between */
	char		*json;		/* quar_read: the info file's text */
};

/* Store a message and its info (info->id names the entry; if that name
 * is taken, "-2", "-3".. is appended and info->id updated). */
int		 quar_store(const char *dir, struct quar_info *info,
		    const char *data, size_t len, struct buf *why);

/* Read an entry's info. */
int		 quar_read(const char *dir, const char *id,
		    struct quar_info **info_r, struct buf *why);

/* Read an entry's message (caller frees *data_r). */
int		 quar_message(const char *dir, const char *id, char **data_r,
		    size_t *len_r, struct buf *why);

/* Free an info; NULL is a no-op. */
void		 quar_info_free(struct quar_info *);

/* Call fn for the info of every entry, oldest first.  Entries whose info
 * cannot be read are reported through why and skipped. */
typedef void	 quar_each_fn(const struct quar_info *, void *arg);
int		 quar_each(const char *dir, quar_each_fn *fn, void *arg,
		    struct buf *why);

/* Lock an entry for a release (flock on its info file; another release
 * waits); returns the descriptor to give to quar_unlock, or -1 (why). */
int		 quar_lock(const char *dir, const char *id, struct buf *why);
void		 quar_unlock(int fd);

/* Record a release to the given recipients (", " between), durably. */
int		 quar_mark_released(const char *dir, const char *id,
		    const char *to, struct buf *why);

/* Remove an entry: the info first (it stops existing), then the message. */
int		 quar_delete(const char *dir, const char *id, struct buf *why);

/* Remove entries received at cutoff or before, and leftovers of
 * interrupted writes older than an hour.  *removed_r counts entries. */
int		 quar_purge(const char *dir, time_t cutoff, size_t *removed_r,
		    struct buf *why);

/* Whether a string is a valid entry id (letters, digits, '-'). */
int		 quar_id_ok(const char *);

/* Write a file durably: NAME.tmp, fsync, rename to NAME, fsync the
 * directory (made, mode 0700, if missing).  Exclusive: WN_PERM if NAME
 * exists. */
int		 quar_write_file(const char *dir, const char *name,
		    const struct iovec *, int iovcnt, struct buf *why);

/* For tests: see every file-system step ("write NAME", "fsync NAME",
 * "rename NAME", "fsync-dir DIR"); a hook that returns -1 for
 * "fsync-dir" makes that step fail as a real EIO would (fault tests).
 * NULL turns it off. */
void		 quar_set_trace(int (*fn)(const char *step, void *arg),
		    void *arg);

#endif /* WINNOW_QUAR_H */
