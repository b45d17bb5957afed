/*
 * av_private.h - what the files of av/ share (never included from outside)
 *
 *   avconf.c	the [av] parameter table and the option sets built from it
 *   avmime.c	the leaf parts of the message index (mail/) with their raw
 *		offsets, and that list across to the scan process
 *   avfilt.c	the attachment filter: globs, declared and real type, size
 *   avscan.c	one message in the scan process: walk, filter, libclamav,
 *		findings as records
 *   avhelp.c	the scan process itself: started by the child, fed
 *		messages, killed at the hard time bound, restarted
 *   avcache.c	the verdict cache all children share, and the memory of
 *		messages that hit a limit
 *   avedit.c	"remove": replacing flagged parts in the raw bytes
 *   avhdr.c	the X-Winnow-Virus header text
 *   avcheck.c	the check of one message: handed to the scan process at
 *		start, its findings at finish (av_check())
 *   av.c	engine life cycle, per-child set-up
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_AV_PRIVATE_H
#define WINNOW_AV_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <clamav.h>

#include "buf.h"
#include "findings.h"
#include "mail.h"
#include "av.h"

/* The [av] section's values (set by conf_load, read-only in children). */
struct avconf {
	char		*database;
	char		*extra_signatures;
	char		*temp_directory;
	int		 mode;
	size_t		 max_scan_size;
	size_t		 max_file_size;
	unsigned int	 max_recursion;
	unsigned int	 max_files;
	unsigned int	 max_scan_time;		/* ms */
	unsigned int	 kill_grace;		/* ms */
	unsigned int	 max_scan_cpu;		/* ms; 0: no bound */
	unsigned int	 max_mime_parts;
	unsigned int	 max_mime_depth;
	size_t		 magic_bytes;
	unsigned int	 db_check_interval;	/* ms */
	int		 detect_pua;
	int		 phishing;
	int		 alert_encrypted;
	int		 alert_broken;
	int		 alert_macros;
	int		 bytecode;
	int		 remove_fallback;	/* a fallback name index */
	char		*filter[3];		/* names, types, real types */
	char		*filter_exclude[3];
	size_t		 filter_max_size;
	char		*remove_notice;
	char		*rename_suffix;
	unsigned int	 cache_entries;		/* 0: no verdict cache */
	unsigned int	 limit_memory;		/* ms; 0: none */
};

extern struct avconf avconf;

/* Filter lists: 0 file names, 1 declared types, 2 real (libmagic) types. */
#define AVFILT_NAME	0
#define AVFILT_TYPE	1
#define AVFILT_REAL	2
#define AVFILT_KINDS	3

struct av_opts {
	enum av_mode	 mode;
	char		**incl[AVFILT_KINDS];	/* NULL-terminated glob lists */
	char		**excl[AVFILT_KINDS];
	size_t		 max_size;		/* decoded bytes; 0: no limit */
	char		*notice;
	char		*rename_suffix;		/* action rename: ".vir" */
};

/* A compiled engine and what was built with it. */
struct avdb_snap;

struct av_engine {
	unsigned long	 gen;		/* 1, 2, ...: which build this is */
	struct cl_engine *cl;		/* NULL: no database, filter only */
	struct cl_scan_options scanopts;
	unsigned int	 sigs;
	unsigned int	 version;	/* database version (daily) */
	int64_t		 db_time;	/* its build time, 0 unknown */
	struct av_opts	*opts;		/* the [av] defaults */
};

/* avconf.c */
extern const char *const avconf_mode_names[];
void		 avconf_limits(void);
void		 avconf_opts_init(struct av_opts *);
void		 avconf_opts_clear(struct av_opts *);
struct av_opts	*avconf_opts_build(struct buf *why);

/* avmime.c */
#define AVMIME_SECTION_MAX	48
#define AVMIME_LIMIT_PARTS	1
#define AVMIME_LIMIT_DEPTH	2
#define AVMIME_F_PARSER		0x01	/* libclamav's mail parser must read
					 * the message too (the index found
					 * no message, or structure readers
					 * may read differently) */

struct avmime_part {
	unsigned int	 index;		/* document order, from 0 */
	char		 section[AVMIME_SECTION_MAX];	/* IMAP-like "2.1" */
	size_t		 hdr_start;	/* first byte of its header block */
	size_t		 body_start;	/* first byte of the encoded body */
	size_t		 body_end;	/* end of the body (the CRLF before a
					 * boundary belongs to the boundary) */
	int		 offsets_ok;	/* the three above are usable */
	enum mail_cte	 cte;		/* how the body is encoded */
	char		*filename;	/* decoded, UTF-8; NULL if none */
	char		*ctype;		/* "type/subtype", lower case */
};

struct avmime {
	const char	*data;		/* the message (not ours) */
	size_t		 len;
	struct avmime_part *part;
	size_t		 nparts, cap;
	int		 limit;		/* AVMIME_LIMIT_* or 0 */
	int		 editable;	/* all leaf offsets usable, in order */
	int		 flags;		/* AVMIME_F_* */
};

struct avmime	*avmime_from_mail(const struct mail *);
struct avmime	*avmime_parse(const char *, size_t, unsigned int max_parts,
		    unsigned int max_depth);
struct avmime	*avmime_view(const struct msg_view *);
/* part edits (avedit.c): 1, with why, when the findings forbid one */
int		 av_edit_refused(const struct findings *, struct buf *why);
int		 avmime_decode(const struct avmime *, size_t, struct buf *);
void		 avmime_pack(const struct avmime *, struct buf *);
struct avmime	*avmime_unpack(const unsigned char *, size_t, size_t *used,
		    const char *data, size_t len);
void		 avmime_free(struct avmime *);

/* avcache.c */
#define AVCACHE_KEY		32	/* SHA-256 */
#define AVCACHE_NAMES		200	/* bytes of names per entry */
#define AVCACHE_OBJECT		1	/* an object, scanned without the mail
					 * parser */
#define AVCACHE_OBJECT_MAIL	2	/* an object, with the mail parser */
#define AVCACHE_LIMIT		3	/* a message that hit a limit */
#define AVCACHE_HITS		0	/* counters */
#define AVCACHE_MISSES		1
#define AVCACHE_STORES		2
#define AVCACHE_EVICTIONS	3
#define AVCACHE_BUSY		4
#define AVCACHE_COUNTERS	5

void		 avcache_setup(size_t entries);
void		 avcache_clear(void);
int		 avcache_on(void);
int		 avcache_digest(const void *, size_t,
		    unsigned char key[AVCACHE_KEY]);
int		 avcache_get(int kind, uint64_t epoch, const unsigned char *key,
		    char *names, size_t size);
void		 avcache_put(int kind, uint64_t epoch, const unsigned char *key,
		    const char *names, uint64_t ttl);
void		 avcache_counters(uint64_t out[AVCACHE_COUNTERS]);
size_t		 avcache_capacity(void);

/* Test seam: called while avcache_put holds a set's lock. */
extern void	(*avcache_test_hook)(void);

/* avfilt.c */
struct avfilt_info {
	const char	*name;		/* file name or NULL */
	const char	*type;		/* declared type or NULL */
	const char	*real;		/* libmagic type or NULL */
	size_t		 size;		/* decoded bytes */
};

int		 avfilt_active(const struct av_opts *);
int		 avfilt_needs_real(const struct av_opts *);
int		 avfilt_match(const struct av_opts *,
		    const struct avfilt_info *, struct buf *reason);
int		 avfilt_glob(const char *pattern, const char *s);
void		 avfilt_norm_name(const char *, struct buf *);
void		 avfilt_magic_init(void);
void		 avfilt_real_type(const void *, size_t, struct buf *);

/* The scan process's malloc (avhelp.c): freed memory is kept for the next
 * object instead of faulted in again (libclamav allocates and fills about
 * 4 MB of per-scan arrays for every object with 5,000 logical signatures;
 * glibc's default trims it and maps it anew); bench/av_floor -m too. */
#define AVHELP_TRIM_THRESHOLD	(32 * 1024 * 1024)
#define AVHELP_MMAP_THRESHOLD	(4 * 1024 * 1024)

/* avsscanf.c: sscanf's fast path for libclamav's logical signatures */
int		 avsscanf_fast(const char *, const char *, unsigned int [2]);
int		 avsscanf_bound(void);

/* avscan.c */
#define AVSCAN_WHOLE	0xffffffffu	/* a finding of the whole message */
#define AVSCAN_ERROR_NAME	"Winnow.Scan.Error"
#define AVSCAN_TIME_NAME	"Winnow.Limits.Exceeded.ScanTime"
#define AVSCAN_CPU_NAME		"Winnow.Limits.Exceeded.ScanCpu"

enum av_status	 avscan_classify(const char *name, enum check_state *);
int		 avscan_rank(enum av_status);
enum av_status	 avscan_worst(enum av_status, enum av_status);
void		 avscan_reset(struct findings *);
void		 avscan_finish(struct findings *);
void		 avscan_state(struct findings *, enum check_state);
void		 avscan_serve(const struct msg_view *, const struct avmime *,
		    const struct av_opts *, const struct av_engine *,
		    uint64_t deadline, int fd);
void		 avscan_fail(struct findings *, const char *name);
void		 avscan_warm(const struct av_engine *);
void		 avscan_remembered(struct findings *, const char *name);
void		 avscan_error_why(const struct findings *, struct buf *why);
int		 avscan_complete(const void *, size_t);
void		 avscan_pack(struct buf *, int kind, enum av_status,
		    enum check_state, uint32_t part, const char *name,
		    const char *detail);
int		 avscan_unpack(const void *, size_t, struct findings *,
		    struct buf *why);
void		 avscan_found(int fd, const char *name, void *ctx);
cl_error_t	 avscan_prescan(int fd, const char *type, void *ctx);
cl_error_t	 avscan_meta(const char *ctype, unsigned long csize,
		    const char *name, unsigned long real, int encrypted,
		    unsigned int pos, void *ctx);
uint64_t	 avscan_epoch(const struct av_engine *);
extern struct av_scan_stats avscan_last;	/* of the last unpack */

/* Test seam: called in the scan process before each message (the value
 * it had when the scan process was started). */
extern void	(*avscan_test_hook)(void);

/* avhelp.c: a message handed to the scan process (avhelp_begin), whose
 * records avhelp_end waits for */
struct avhelp_job {
	uint64_t	 start;		/* ms, when it was handed over */
	uint64_t	 kill_at;	/* ms: the scan process is killed then */
	int		 sent;		/* 0 sent, 1 out of time, -1 failed */
	const char	*failed;	/* not handed over: the name to record */
};
int		 avhelp_begin(const struct msg_view *, const struct avmime *,
		    const struct av_opts *, const struct av_engine *,
		    uint64_t deadline, uint64_t kill_at, struct avhelp_job *,
		    struct buf *why);
void		 avhelp_end(struct avhelp_job *, struct findings *,
		    struct buf *why);
void		 avhelp_stop(void);
int		 avhelp_ready(const struct av_engine *, struct buf *why);
pid_t		 avhelp_pid(void);
int		 avhelp_opts_pack(const struct av_opts *, struct buf *);
int		 avhelp_opts_unpack(const unsigned char *, size_t,
		    struct av_opts *);

/* av.c */
const struct av_engine *av_engine_current(void);
void		 av_tmp_make(void);
const char	*av_child_tmpdir(void);
void		 av_tmp_clean(void);

#endif /* WINNOW_AV_PRIVATE_H */
