/*
 * av.h - anti-virus scanning with libclamav, and the attachment filter
 *
 * The module has three parts:
 *
 *   engine	The master compiles one libclamav engine from [av] database
 *		(a ClamAV database directory or file) plus [av]
 *		extra_signatures, before it forks, so every child shares the
 *		compiled signatures copy-on-write.  A reload builds a second
 *		engine and installs it only when it loaded; a broken database
 *		leaves the old engine serving.
 *   check	av_check() walks the leaf parts of the message index (mail/:
 *		msg_view.mail, or an index made for the view), applies the
 *		attachment filter, and scans with libclamav: the whole
 *		message with libclamav's own mail parser (mode "message"),
 *		or that and then every decoded leaf part ("combined").  All
 *		of it runs in the child's scan process (forked from the
 *		child, kept from message to message), so a hung or crashing
 *		parser (libclamav, libmagic) cannot hold the child beyond
 *		max_scan_time + kill_grace: the child kills it and records
 *		the error status.
 *   remove	Replacing the infected or filtered parts with a text
 *		notice while every other byte of the message stays as it
 *		was (for the policy's "remove" action), or giving them
 *		another file name ("rename", avrename.c).
 *
 * The module reports facts (the AV status, the names found and where);
 * what happens to a message - per status, per virus name, and when remove
 * cannot be done - is the policy's ([policy] and [group] infected.action,
 * virus_name_action; [av] remove_fallback names the fallback action).
 *
 * Life cycle (see findings.h for the common shape):
 *
 *   master:	av_conf_register(); conf_load(); av_load(why) (fatal at
 *		start-up when it fails); av_tmp_sweep(); fork children.
 *		Every db_check_interval: if av_db_changed(), av_load(why);
 *		on WN_OK replace the children gracefully, else log why and
 *		keep serving with the old engine.  On SIGHUP: conf_load(),
 *		av_load(why), same rule.
 *   child:	av_child_init() after fork (then av_ready() to have the
 *		scan process at once rather than at the first message);
 *		per message av_check() (or av_check_opts() with a group's
 *		options, or its halves av_check_start() and
 *		av_check_finish() around the child's other work), and when
 *		the policy's action is "remove", av_remove_parts(); at exit
 *		av_child_exit().
 *
 * Statuses: clean, infected (a signature), suspicious (Heuristics.* and
 * PUA.* names), encrypted (Heuristics.Encrypted.*: a password-protected
 * archive or document), error (the scan failed, crashed, timed out or hit a
 * limit: av_state says CHECK_ERROR, CHECK_TIMEOUT or CHECK_LIMIT), filtered
 * (the attachment filter).  The message status is the worst one found, in
 * the order infected > error > suspicious > encrypted > filtered > clean:
 * error outranks everything an admin may let through, so a part that could
 * not be scanned is never delivered because another status said "pass".
 *
 * Errors: av_check() returns WN_OK whenever it filled the findings, even
 * with the error status (why then says what went wrong, for the one log
 * line); the error status has its own action in the policy (error.action,
 * default tempfail), so a scanner failure cannot deliver unscanned mail.
 * WN_TEMP means the check could not run at all.  av_load() and
 * av_remove_parts()
 * return WN_OK, WN_TEMP or WN_PERM with why filled.  Allocation failure is
 * fatal.
 *
 * Memory: the engine and the default options belong to the module; option
 * sets made with av_opts_copy() belong to the caller (av_opts_free).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_AV_H
#define WINNOW_AV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "findings.h"

/* What the scan covers. */
enum av_mode {
	AV_MODE_MESSAGE = 0,	/* each decoded leaf of the index, and the raw
				 * message (libclamav's mail parser only
				 * where the index says it must) */
	AV_MODE_COMBINED,	/* the whole message with libclamav's mail
				 * parser, then each decoded leaf part */
};

/* Options a recipient group may set (mode, filter lists, notice). */
struct av_opts;

/* A compiled libclamav engine with the options it was built with. */
struct av_engine;

/* Register the [av] section (master, before conf_load). */
void		 av_conf_register(void);

/* Build an engine and the default options from the current [av]
 * configuration; NULL with why filled when the database does not load. */
struct av_engine *av_engine_load(struct buf *why);

/* Make an engine the current one; the previous one is freed (children
 * forked earlier keep their copy). */
void		 av_engine_install(struct av_engine *);

/* av_engine_load() then av_engine_install(): the life-cycle entry point.
 * On failure the current engine stays; returns WN_OK or WN_TEMP. */
int		 av_load(struct buf *why);

/* Free the current engine (exit, tests). */
void		 av_unload(void);

/* "ClamAV 1.0.5, database 27100 of 2024-12-01" (or ", no database")
 * for the version header. */
void		 av_describe(struct buf *out);

/* Signatures in the current engine (0 when scanning is off). */
unsigned int	 av_signatures(void);

/* What the current engine was built from (for status and alerts). */
struct av_db_info {
	unsigned int	 signatures;	/* 0: no virus scanning */
	unsigned int	 version;	/* the database's (daily) version */
	int64_t		 time;		/* its build time (unix), 0 unknown */
};
void		 av_db_info(struct av_db_info *);

/* 1 when the database files changed since the last av_load() attempt
 * (names, sizes, mtimes of the database directory and extra files). */
int		 av_db_changed(void);

/* How often the master should call av_db_changed() (ms, 0 = never). */
unsigned int	 av_db_check_interval(void);

/* Remove per-child temporary directories left by dead children (master). */
void		 av_tmp_sweep(void);

/* Remove the temporary directory of one child that died without cleaning
 * up (killed, or a fatal error), once it is reaped; the directory is
 * named after the child's pid.  Run it as the user the child ran as. */
void		 av_tmp_reaped(pid_t pid);

/* Per-child set-up after fork: reseed the random state libclamav uses for
 * temporary names and give this child its own temporary directory. */
void		 av_child_init(void);

/* Remove this child's temporary directory (child exit). */
void		 av_child_exit(void);

/* Make sure this child's scan process is running (it is forked from the
 * child): call before starting threads in the same message (dnsbl_start),
 * since forking next to a running thread is unsafe.  0 or -1 with why (the
 * check then reports the error status). */
int		 av_ready(struct buf *why);

/* The check with the [av] defaults. */
int		 av_check(const struct msg_view *, struct findings *,
		    struct buf *why);

/* The check with a group's options. */
int		 av_check_opts(const struct msg_view *, const struct av_opts *,
		    struct findings *, struct buf *why);
/* av_check_opts() in two halves, so the scan overlaps the caller's other
 * work: start hands the message to the scan process and returns at once
 * (never NULL: what went wrong is told by finish); finish waits for the
 * scan, fills the findings and frees the handle, returning as
 * av_check_opts().  The view must stay as it is in between, and no other
 * check of this process may start before finish. */
struct av_pending;
struct av_pending *av_check_start(const struct msg_view *,
		    const struct av_opts *, struct buf *why);
int		 av_check_finish(struct av_pending *, struct findings *,
		    struct buf *why);

/* [av] remove_fallback: the name of the policy action to take when
 * "remove" is impossible (av_remove_parts failed): accept, reject, drop,
 * quarantine or tempfail. */
const char	*av_remove_fallback(void);

/* Write into out the message with every part the findings flag (any
 * status but clean) replaced by a text/plain notice; all other bytes are
 * copied unchanged.  WN_PERM when that cannot be done safely: a finding
 * no part explains, a scan that did not complete, or a structure whose
 * part boundaries are ambiguous (why says which; use the fallback). */
int		 av_remove_parts(const struct msg_view *,
		    const struct findings *, struct buf *out,
		    struct buf *why);

/* The same with a group's notice text. */
int		 av_remove_parts_opts(const struct msg_view *,
		    const struct av_opts *, const struct findings *,
		    struct buf *out, struct buf *why);

/* Write into out the message with the file name of every part the
 * findings flag given the options' rename_suffix ([av] rename_suffix,
 * ".vir"): its name and filename parameters are rewritten, every other
 * byte is copied unchanged.  WN_PERM when that cannot be done safely (as
 * av_remove_parts). */
int		 av_rename_parts(const struct msg_view *,
		    const struct av_opts *, const struct findings *,
		    struct buf *out, struct buf *why);

/* The [av] options (valid until the next av_load/av_engine_install). */
const struct av_opts *av_opts_default(void);

/* A copy a group can change with av_opts_set(). */
struct av_opts	*av_opts_copy(const struct av_opts *);

/* Set one option by its [av] name: mode, filter_names, filter_types,
 * filter_real_types, filter_max_size, filter_exclude_names,
 * filter_exclude_types, filter_exclude_real_types, remove_notice.
 * Returns WN_PERM with why filled for an unknown name or a bad value. */
int		 av_opts_set(struct av_opts *, const char *name,
		    const char *value, struct buf *why);

/* Free a copy; NULL is a no-op. */
void		 av_opts_free(struct av_opts *);

/* What the last av_check() of this process cost. */
struct av_scan_stats {
	unsigned int	 objects;	/* objects libclamav scanned, every
					 * layer (archive members, ...) */
	unsigned int	 scans;		/* objects handed to libclamav */
	unsigned int	 hits;		/* objects the verdict cache answered */
	unsigned int	 ms;		/* wall time of the check */
	int		 remembered;	/* answered by the memory of messages
					 * that hit a limit, no scan */
};

void		 av_last_stats(struct av_scan_stats *);

/* The mode of a set of options. */
enum av_mode	 av_opts_mode(const struct av_opts *);

#endif /* WINNOW_AV_H */
