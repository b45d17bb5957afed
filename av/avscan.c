/*
 * avscan.c - one message in the scan process: MIME walk, filter, libclamav
 *
 * This runs in the scan process (avhelp.c), never in the child itself:
 * everything that reads untrusted bytes for the AV check (libmagic,
 * libclamav and its unpackers) does.  The MIME structure comes with the
 * request, from the message index the child already has (avmime.c): the
 * scan process only decodes the parts it was given.  It reports its
 * findings as records while it goes, so what was found before a kill is
 * kept.  libclamav's own MaxScanTime is set to the time left before each
 * scan, which normally ends a long scan cleanly before the child's hard
 * bound kills the process.
 *
 * Record format, one after another on the socket (an internal format
 * between two processes of one program, still unpacked with every bound
 * checked):
 *
 *	kind(1) status(1) state(1) part(4, big-endian)
 *	name-length(1) name detail-length(1) detail
 *
 *	'C' part = number of MIME leaf parts walked; must come first
 *	'N' a name (virus, heuristic, filter rule, limit) with its status and
 *	    check state, in part (or AVSCAN_WHOLE: no single part)
 *	'E' the end of this message's records
 *
 * Status of a name: Heuristics.Encrypted.* is encrypted; Heuristics.Limits.*
 * (libclamav's AlertExceedsMax, always on) and our Winnow.Limits.* are
 * error with CHECK_LIMIT, or CHECK_TIMEOUT for the time limit; other
 * Heuristics.* and PUA.* are suspicious; anything else is infected.
 *
 *	'S' part = objects libclamav scanned (every layer, counted by its
 *	    pre-scan callback); name = "SCANS HITS": objects handed to it,
 *	    objects the verdict cache answered
 *
 * Mode "message" scans the objects the message index already decoded:
 * each leaf part once, from memory (cl_scanmap: no temporary files, no
 * second MIME parse), then the raw message without libclamav's mail
 * parser (for signatures of the mail target and the header).  The mail
 * parser reads the raw message too only where the index says it must
 * (AVMIME_F_PARSER) or a text part carries an embedded uuencoded or BinHex
 * block, which only that parser extracts: the scan never covers less than
 * libclamav's own parse of the message did.  Mode "combined" scans the
 * whole message with the mail parser, then each leaf.  A name found in a
 * part is placed there (so remove can work); a name only the raw message
 * explains stays "unplaced".
 *
 * Each object's digest is looked up in the verdict cache the children
 * share (avcache.c) before it is scanned, and a complete scan's verdict is
 * stored there.  The bytes scanned count against max_scan_size across the
 * whole message, as they did when libclamav parsed the message in one call.
 * A zip or rar member larger than max_file_size (libclamav scans only its
 * head, and says nothing) is reported as the limit
 * Heuristics.Limits.Exceeded.MaxFileSize through libclamav's metadata
 * callback, never as clean.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <clamav.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* av */
#include "av_private.h"

#define AVSCAN_NAMES_PER_SCAN	16
#define AVSCAN_REC_HDR		8	/* kind status state part(4) nlen */

void		(*avscan_test_hook)(void);

/* A growable list of names (only in the scan process). */
struct avscan_names {
	char		**v;
	size_t		 n, cap;
};

/* State of the scan process. */
struct avscan_ctx {
	const struct msg_view *view;
	const struct avmime *parts;	/* the leaves, from the index */
	const struct av_opts *opts;
	const struct av_engine *eng;
	uint64_t	 deadline;
	int		 fd;
	struct buf	*out;		/* records not yet written */
	struct avscan_names cur;	/* names of the scan in progress */
	struct avscan_names seen;	/* names found in parts */
	struct buf	*error;		/* libclamav error of the last scan */
	int		 timed_out;
	int		 need_parser;	/* a text part with an embedded file */
	size_t		 used;		/* bytes scanned (max_scan_size) */
	unsigned int	 objects;	/* pre-scan callbacks */
	unsigned int	 scans;		/* objects handed to libclamav */
	unsigned int	 hits;		/* answered by the verdict cache */
	uint64_t	 cpu_start;	/* CPU time (ms) when the message began */
	int		 cpu_out;	/* max_scan_cpu spent: skip the rest */
};

struct av_scan_stats avscan_last;

/* avscan_rank - order of statuses, worst last */

int
avscan_rank(enum av_status s)
{
	switch (s) {
	case AV_NOT_SCANNED:
		return (0);
	case AV_CLEAN:
		return (1);
	case AV_FILTERED:
		return (2);
	case AV_ENCRYPTED:
		return (3);
	case AV_SUSPICIOUS:
		return (4);
	case AV_LIMIT:
		return (5);
	case AV_ERROR:
		return (6);
	case AV_INFECTED:
		return (7);
	case AV_STATUS_COUNT:
		break;
	}
	log_panic("avscan_rank: bad status %d", (int)s);
}

/* avscan_worst - the worse of two statuses */

enum av_status
avscan_worst(enum av_status a, enum av_status b)
{
	return (avscan_rank(a) >= avscan_rank(b) ? a : b);
}

/* avscan_state_rank - order of check states, worst last */

static int
avscan_state_rank(enum check_state s)
{
	static const int rank[] = { 0, 1, 3, 2, 4 };

	if ((unsigned)s > CHECK_ERROR)
		log_panic("avscan_state_rank: bad state %d", (int)s);
	return (rank[s]);
}

/* avscan_state - raise the AV check state */

void
avscan_state(struct findings *f, enum check_state s)
{
	if (avscan_state_rank(s) > avscan_state_rank(f->av_state))
		f->av_state = s;
}

/* avscan_prefix - does s start with p? */

static int
avscan_prefix(const char *s, const char *p)
{
	return (strncmp(s, p, strlen(p)) == 0);
}

/* avscan_classify - status (and check state) of a name */

enum av_status
avscan_classify(const char *name, enum check_state *state)
{
	*state = CHECK_DONE;
	if (avscan_prefix(name, "Heuristics.Encrypted."))
		return (AV_ENCRYPTED);
	if (avscan_prefix(name, "Heuristics.Limits.") ||
	    avscan_prefix(name, "Winnow.Limits.")) {
		/* A time limit depends on the load: error, and limit only
		 * when the same message hits it again (av.c); every other
		 * limit repeats the same way: limit, a final status. */
		if (strstr(name, "ScanTime") != NULL) {
			*state = CHECK_TIMEOUT;
			return (AV_ERROR);
		}
		*state = CHECK_LIMIT;
		return (AV_LIMIT);
	}
	if (avscan_prefix(name, "Winnow.Scan.")) {
		*state = CHECK_ERROR;
		return (AV_ERROR);
	}
	if (avscan_prefix(name, "Heuristics.") || avscan_prefix(name, "PUA."))
		return (AV_SUSPICIOUS);
	return (AV_INFECTED);
}

/* avscan_reset - clear the AV part of the findings */

void
avscan_reset(struct findings *f)
{
	f->av_state = CHECK_NOT_RUN;
	f->av = AV_NOT_SCANNED;
	memset(&f->viruses, 0, sizeof(f->viruses));
	f->av_nparts = 0;
	memset(f->av_part, 0, sizeof(f->av_part));
	f->av_unplaced = AV_NOT_SCANNED;
}

/* avscan_finish - the message status from parts and unplaced findings */

void
avscan_finish(struct findings *f)
{
	enum av_status	 s = AV_NOT_SCANNED;
	unsigned int	 i;

	if (f->av_state == CHECK_NOT_RUN) {
		f->av = AV_NOT_SCANNED;
		return;
	}
	for (i = 0; i < f->av_nparts && i < FINDINGS_AV_PARTS; i++)
		s = avscan_worst(s, (enum av_status)f->av_part[i]);
	s = avscan_worst(s, f->av_unplaced);
	f->av = (s == AV_NOT_SCANNED) ? AV_CLEAN : s;
}

/* avscan_put_str - a length-prefixed string, truncated at 255 bytes */

static void
avscan_put_str(struct buf *b, const char *s)
{
	size_t	 n = s != NULL ? strlen(s) : 0;

	if (n > 255)
		n = 255;
	buf_putc(b, (int)n);
	buf_append(b, s != NULL ? s : "", n);
}

/* avscan_pack - append one record */

void
avscan_pack(struct buf *b, int kind, enum av_status status,
    enum check_state state, uint32_t part, const char *name,
    const char *detail)
{
	buf_putc(b, kind);
	buf_putc(b, (int)status);
	buf_putc(b, (int)state);
	buf_putc(b, (int)(part >> 24) & 0xff);
	buf_putc(b, (int)(part >> 16) & 0xff);
	buf_putc(b, (int)(part >> 8) & 0xff);
	buf_putc(b, (int)part & 0xff);
	avscan_put_str(b, name);
	avscan_put_str(b, detail);
}

/* avscan_record - apply one 'N' record to the findings */

static void
avscan_record(struct findings *f, enum av_status st, enum check_state cs,
    uint32_t part, const char *name, const char *detail)
{
	findings_add(&f->viruses, name, detail, (int)st); /* weight: status */
	avscan_state(f, cs);
	if (part == AVSCAN_WHOLE)
		f->av_unplaced = avscan_worst(f->av_unplaced, st);
	else
		f->av_part[part] = (unsigned char)avscan_worst(
		    (enum av_status)f->av_part[part], st);
}

/* avscan_records - walk records, applying them to f unless it is NULL;
 * 1 complete, 0 cut short, -1 malformed */

static int
avscan_records(const void *data, size_t len, struct findings *f,
    struct buf *why)
{
	const unsigned char *p = data;
	char		 name[256], detail[256];
	size_t		 pos = 0, nl, dl;
	uint32_t	 part, nparts = 0;
	int		 counted = 0;

	while (pos < len) {
		if (len - pos < AVSCAN_REC_HDR)
			return (0);
		part = (uint32_t)p[pos + 3] << 24 | (uint32_t)p[pos + 4] << 16 |
		    (uint32_t)p[pos + 5] << 8 | p[pos + 6];
		nl = p[pos + 7];
		if (len - pos < AVSCAN_REC_HDR + nl + 1)
			return (0);
		dl = p[pos + AVSCAN_REC_HDR + nl];
		if (len - pos < AVSCAN_REC_HDR + nl + 1 + dl)
			return (0);
		if (p[pos + 1] >= AV_STATUS_COUNT || p[pos + 2] > CHECK_ERROR) {
			buf_puts(why, "bad status in scan result");
			return (-1);
		}
		memcpy(name, p + pos + AVSCAN_REC_HDR, nl);
		name[nl] = '\0';
		memcpy(detail, p + pos + AVSCAN_REC_HDR + nl + 1, dl);
		detail[dl] = '\0';
		switch (p[pos]) {
		case 'C':
			if (counted || part > FINDINGS_AV_PARTS) {
				buf_puts(why, "bad part count in scan result");
				return (-1);
			}
			nparts = part;
			if (f != NULL)
				f->av_nparts = part;
			counted = 1;
			break;
		case 'N':
			if (!counted || nl == 0 || memchr(name, '\0', nl) ||
			    (part != AVSCAN_WHOLE && part >= nparts)) {
				buf_puts(why, "bad name record in scan result");
				return (-1);
			}
			if (f != NULL)
				avscan_record(f, (enum av_status)p[pos + 1],
				    (enum check_state)p[pos + 2], part, name,
				    detail);
			break;
		case 'S':
			if (!counted) {
				buf_puts(why, "bad stats record in scan "
				    "result");
				return (-1);
			}
			if (f != NULL) {
				avscan_last.objects = part;
				if (sscanf(name, "%u %u", &avscan_last.scans,
				    &avscan_last.hits) != 2)
					avscan_last.scans = avscan_last.hits =
					    0;
			}
			break;
		case 'E':
			if (pos + AVSCAN_REC_HDR + nl + 1 + dl != len) {
				buf_puts(why, "data after the end of the scan "
				    "result");
				return (-1);
			}
			return (counted ? 1 : -1);
		default:
			buf_puts(why, "bad record in scan result");
			return (-1);
		}
		pos += AVSCAN_REC_HDR + nl + 1 + dl;
	}
	return (0);
}

/* avscan_unpack - apply records; 1 complete, 0 cut short, -1 malformed */

int
avscan_unpack(const void *data, size_t len, struct findings *f,
    struct buf *why)
{
	return (avscan_records(data, len, f, why));
}

/* avscan_complete - are the records complete (without applying them)? */

int
avscan_complete(const void *data, size_t len)
{
	return (avscan_records(data, len, NULL, NULL));
}

/* avscan_names_add - add a name unless it is there already */

static void
avscan_names_add(struct avscan_names *l, const char *name)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(name);
}

/* avscan_names_has - is a name in the list? */

static int
avscan_names_has(const struct avscan_names *l, const char *name)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return (1);
	return (0);
}

/* avscan_names_clear - empty a list */

static void
avscan_names_clear(struct avscan_names *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

/* avscan_found - libclamav's callback for each name (all-match mode) */

void
avscan_found(int fd, const char *name, void *arg)
{
	struct avscan_ctx *c = arg;

	(void)fd;
	if (c != NULL && c->cpu_out && name != NULL &&
	    strcmp(name, "Detected.By.Callback") == 0)
		return;			/* our own stop (avscan_prescan) */
	if (c != NULL && name != NULL && c->cur.n < AVSCAN_NAMES_PER_SCAN)
		avscan_names_add(&c->cur, name);
}

/* avscan_cpu_ms - CPU time of this process, ms */

static uint64_t
avscan_cpu_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* avscan_prescan - libclamav's callback before each object (every layer):
 * counted, and the message's CPU budget (max_scan_cpu) checked */

cl_error_t
avscan_prescan(int fd, const char *type, void *arg)
{
	struct avscan_ctx *c = arg;

	(void)fd;
	(void)type;
	if (c == NULL)
		return (CL_CLEAN);
	if (!c->cpu_out && avconf.max_scan_cpu > 0 && avscan_cpu_ms() -
	    c->cpu_start > avconf.max_scan_cpu)
		c->cpu_out = 1;
	if (c->cpu_out) {
		/* Each further object (archive member) is skipped before
		 * any matching: the message's CPU stays bounded, and the
		 * limit says it was not all scanned.  CL_VIRUS, not
		 * CL_BREAK: libclamav would cache a layer that CL_BREAK
		 * ended as clean; its name for a callback's detection is
		 * dropped in avscan_found. */
		if (c->cur.n < AVSCAN_NAMES_PER_SCAN)
			avscan_names_add(&c->cur, AVSCAN_CPU_NAME);
		return (CL_VIRUS);
	}
	c->objects++;
	return (CL_CLEAN);
}

/* avscan_meta - libclamav's callback for each member of a zip or rar
 * archive, with its real size: a member larger than max_file_size would
 * be scanned only in part, without a word; it is a limit */

cl_error_t
avscan_meta(const char *ctype, unsigned long csize, const char *name,
    unsigned long real, int encrypted, unsigned int pos, void *arg)
{
	struct avscan_ctx *c = arg;

	(void)ctype;
	(void)csize;
	(void)name;
	(void)encrypted;
	(void)pos;
	if (c != NULL && real > avconf.max_file_size &&
	    c->cur.n < AVSCAN_NAMES_PER_SCAN)
		avscan_names_add(&c->cur, "Heuristics.Limits.Exceeded."
		    "MaxFileSize");
	return (CL_CLEAN);
}

/* avscan_epoch - what a cached verdict is valid for: the engine's build
 * and its database version */

uint64_t
avscan_epoch(const struct av_engine *e)
{
	return ((uint64_t)e->gen << 32 | e->version);
}

/* avscan_flush - write pending records to the pipe */

static void
avscan_flush(struct avscan_ctx *c)
{
	const char	*p = c->out->data;
	size_t		 left = c->out->len;
	ssize_t		 n;

	while (left > 0) {
		if ((n = write(c->fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);		/* the worker is gone */
		}
		p += n;
		left -= (size_t)n;
	}
	buf_reset(c->out);
}

/* avscan_emit - one name record in the scan process */

static void
avscan_emit(struct avscan_ctx *c, uint32_t part, const char *name,
    const char *detail)
{
	enum check_state cs;
	enum av_status	 st;

	st = avscan_classify(name, &cs);
	avscan_pack(c->out, 'N', st, cs, part, name, detail);
}

/* avscan_left - ms left before the deadline (0 when it passed) */

static uint64_t
avscan_left(const struct avscan_ctx *c)
{
	uint64_t	 now = time_now_ms();

	return (now >= c->deadline ? 0 : c->deadline - now);
}

/* avscan_one - libclamav over some bytes (with its mail parser when
 * mail is set); names go to c->cur */

static void
avscan_one(struct avscan_ctx *c, const void *data, size_t len, int mail)
{
	struct cl_scan_options opts = c->eng->scanopts;
	cl_fmap_t	*map;
	const char	*vn = NULL;
	unsigned long	 scanned = 0;
	uint64_t	 left;
	cl_error_t	 rc;

	if ((left = avscan_left(c)) == 0) {
		c->timed_out = 1;
		return;
	}
	if (c->cpu_out) {
		avscan_names_add(&c->cur, AVSCAN_CPU_NAME);
		return;
	}
	if (c->used >= avconf.max_scan_size) {
		avscan_names_add(&c->cur, "Heuristics.Limits.Exceeded."
		    "MaxScanSize");
		return;
	}
	if (!mail)
		opts.parse &= ~(unsigned int)CL_SCAN_PARSE_MAIL;
	(void)cl_engine_set_num(c->eng->cl, CL_ENGINE_MAX_SCANTIME,
	    (long long)(left > 0x7fffffff ? 0x7fffffff : left));
	(void)cl_engine_set_num(c->eng->cl, CL_ENGINE_MAX_SCANSIZE,
	    (long long)(avconf.max_scan_size - c->used));
	if ((map = cl_fmap_open_memory(data, len)) == NULL) {
		avscan_names_add(&c->cur, AVSCAN_ERROR_NAME);
		buf_puts(c->error, "cannot map data");
		return;
	}
	c->scans++;
	rc = cl_scanmap_callback(map, NULL, &vn, &scanned, c->eng->cl, &opts,
	    c);
	cl_fmap_close(map);
	c->used += (size_t)scanned * CL_COUNT_PRECISION;
	switch (rc) {
	case CL_CLEAN:
		break;
	case CL_VIRUS:
		if (c->cur.n == 0 && vn != NULL)
			avscan_names_add(&c->cur, vn);
		break;
	case CL_ETIMEOUT:
		avscan_names_add(&c->cur, "Heuristics.Limits.Exceeded."
		    "MaxScanTime");
		break;
	case CL_EMAXREC:
		avscan_names_add(&c->cur, "Heuristics.Limits.Exceeded."
		    "MaxRecursion");
		break;
	case CL_EMAXSIZE:
		avscan_names_add(&c->cur, "Heuristics.Limits.Exceeded."
		    "MaxScanSize");
		break;
	case CL_EMAXFILES:
		avscan_names_add(&c->cur, "Heuristics.Limits.Exceeded."
		    "MaxFiles");
		break;
	default:
		avscan_names_add(&c->cur, AVSCAN_ERROR_NAME);
		buf_puts(c->error, cl_strerror(rc));
		break;
	}
}

/* avscan_complete_names - may these names be remembered for the object:
 * the scan ran to its end (no limit, time-out or error) */

static int
avscan_complete_names(const struct avscan_ctx *c)
{
	enum check_state cs;
	size_t		 i;

	if (c->timed_out || c->error->len > 0 ||
	    c->cur.n >= AVSCAN_NAMES_PER_SCAN)
		return (0);
	for (i = 0; i < c->cur.n; i++) {
		(void)avscan_classify(c->cur.v[i], &cs);
		if (cs != CHECK_DONE)
			return (0);
	}
	return (1);
}

/* avscan_object - one object: the verdict cache, else libclamav (and the
 * verdict into the cache when the scan completed); names go to c->cur */

static void
avscan_object(struct avscan_ctx *c, const void *data, size_t len, int mail)
{
	unsigned char	 key[AVCACHE_KEY];
	char		 names[AVCACHE_NAMES], *p, *nl;
	struct buf	*joined;
	int		 kind = mail ? AVCACHE_OBJECT_MAIL : AVCACHE_OBJECT;
	int		 keyed = 0;
	size_t		 i;

	avscan_names_clear(&c->cur);
	buf_reset(c->error);
	if (len == 0)
		return;
	if (!c->cpu_out && avcache_on() && avcache_digest(data, len, key) ==
	    0) {
		keyed = 1;
		if (avcache_get(kind, avscan_epoch(c->eng), key, names,
		    sizeof(names))) {
			c->hits++;
			for (p = names; *p != '\0'; p = nl + 1) {
				if ((nl = strchr(p, '\n')) == NULL)
					nl = p + strlen(p) - 1;
				else
					*nl = '\0';
				avscan_names_add(&c->cur, p);
			}
			return;
		}
	}
	avscan_one(c, data, len, mail);
	if (!keyed || !avscan_complete_names(c))
		return;
	joined = buf_new(AVCACHE_NAMES);
	for (i = 0; i < c->cur.n; i++)
		buf_printf(joined, "%s\n", c->cur.v[i]);
	avcache_put(kind, avscan_epoch(c->eng), key, buf_str(joined), 0);
	buf_free(joined);
}

/* avscan_embedded - does decoded text carry a uuencoded, yEnc or BinHex
 * file (which only libclamav's mail parser extracts from a text body)?
 * The lines it looks for are the ones that parser starts on: "begin "
 * and three digits, "=ybegin ", BinHex's notice. */

static int
avscan_embedded(const char *p, size_t len)
{
	static const char bh[] = "(This file must be converted with BinHex";
	const char	*q, *end = p + len;

	for (q = p; q != NULL && q < end; ) {
		if ((size_t)(end - q) >= 10 && strncasecmp(q, "begin ", 6) ==
		    0 && q[6] >= '0' && q[6] <= '9' && q[7] >= '0' &&
		    q[7] <= '9' && q[8] >= '0' && q[8] <= '9')
			return (1);
		if ((size_t)(end - q) >= 8 && memcmp(q, "=ybegin ", 8) == 0)
			return (1);
		if ((q = memchr(q, '\n', (size_t)(end - q))) != NULL)
			q++;
	}
	return (memmem(p, len, bh, sizeof(bh) - 1) != NULL);
}

/* avscan_part_detail - "part 2 (name.zip)" */

static void
avscan_part_detail(const struct avmime_part *p, struct buf *d)
{
	buf_reset(d);
	buf_printf(d, "part %s", p->section);
	if (p->filename != NULL)
		buf_printf(d, " (%s)", p->filename);
}

/* avscan_part - filter and (when asked) scan one leaf part */

static void
avscan_part(struct avscan_ctx *c, const struct avmime *m, size_t i,
    int scan)
{
	const struct avmime_part *p = &m->part[i];
	struct avfilt_info info;
	struct buf	*content, *real, *reason, *detail, *name;
	size_t		 k;
	int		 need;

	need = scan || c->opts->max_size > 0 || avfilt_needs_real(c->opts);
	content = buf_new(need ? m->part[i].body_end - m->part[i].body_start +
	    64 : 16);
	real = buf_new(64);
	reason = buf_new(64);
	detail = buf_new(128);
	name = buf_new(128);
	avscan_part_detail(p, detail);
	if (need && avmime_decode(m, i, content) < 0)
		log_debug("av: %s: %s: cannot decode, scanning what there is",
		    c->view->queue_id ? c->view->queue_id : "-",
		    buf_str(detail));
	if (avfilt_needs_real(c->opts))
		avfilt_real_type(content->data, content->len, real);

	memset(&info, 0, sizeof(info));
	info.name = p->filename;
	info.type = p->ctype;
	info.real = real->len > 0 ? buf_str(real) : NULL;
	info.size = content->len;
	if (avfilt_active(c->opts) && avfilt_match(c->opts, &info, reason)) {
		buf_printf(name, "filter:%s", buf_str(reason));
		avscan_pack(c->out, 'N', AV_FILTERED, CHECK_DONE, (uint32_t)i,
		    buf_str(name), buf_str(detail));
	}
	if (scan && c->eng->cl != NULL && strncmp(p->ctype, "text/", 5) ==
	    0 && avscan_embedded(content->data, content->len))
		c->need_parser = 1;
	if (scan && c->eng->cl != NULL) {
		avscan_object(c, content->data, content->len, 1);
		for (k = 0; k < c->cur.n; k++) {
			avscan_emit(c, (uint32_t)i, c->cur.v[k],
			    buf_str(detail));
			avscan_names_add(&c->seen, c->cur.v[k]);
		}
		if (c->error->len > 0)
			log_warn("av: %s: %s: libclamav: %s",
			    c->view->queue_id ? c->view->queue_id : "-",
			    buf_str(detail), buf_str(c->error));
	}
	avscan_flush(c);
	buf_free(content);
	buf_free(real);
	buf_free(reason);
	buf_free(detail);
	buf_free(name);
}

/* avscan_walk - the MIME walk: counts, limits, each leaf */

static void
avscan_walk(struct avscan_ctx *c, int scan)
{
	const struct avmime *m = c->parts;
	size_t		 i;

	avscan_pack(c->out, 'C', AV_NOT_SCANNED, CHECK_DONE,
	    (uint32_t)m->nparts, NULL, NULL);
	if (m->limit == AVMIME_LIMIT_PARTS)
		avscan_emit(c, AVSCAN_WHOLE, "Winnow.Limits.Exceeded.MimeParts",
		    "message");
	else if (m->limit == AVMIME_LIMIT_DEPTH)
		avscan_emit(c, AVSCAN_WHOLE, "Winnow.Limits.Exceeded.MimeDepth",
		    "message");
	avscan_flush(c);
	for (i = 0; i < m->nparts && !c->timed_out; i++)
		avscan_part(c, m, i, scan);
}

/* avscan_whole - the raw message, with or without libclamav's mail
 * parser; its names are added to whole */

static void
avscan_whole(struct avscan_ctx *c, int mail, struct avscan_names *whole)
{
	size_t	 i;

	avscan_object(c, c->view->data, c->view->len, mail);
	for (i = 0; i < c->cur.n; i++)
		avscan_names_add(whole, c->cur.v[i]);
	if (c->error->len > 0)
		log_warn("av: %s: libclamav: %s", c->view->queue_id ?
		    c->view->queue_id : "-", buf_str(c->error));
}

/* avscan_serve - one message in the scan process: records to fd, then E */

void
avscan_serve(const struct msg_view *v, const struct avmime *parts,
    const struct av_opts *o, const struct av_engine *e, uint64_t deadline,
    int fd)
{
	struct avscan_names whole = { NULL, 0, 0 };
	struct avscan_ctx c;
	struct buf	*counts;
	size_t		 i;
	int		 scan_parts;

	memset(&c, 0, sizeof(c));
	c.view = v;
	c.parts = parts;
	c.opts = o;
	c.eng = e;
	c.deadline = deadline;
	c.fd = fd;
	c.out = buf_new(4096);
	c.error = buf_new(64);
	c.cpu_start = avscan_cpu_ms();
	if (avscan_test_hook != NULL)
		avscan_test_hook();

	/* Past a MIME limit the status is limit whatever the parser would
	 * find but a virus in the parts listed: the parser (slow on such a
	 * message) is not asked then. */
	if (e->cl != NULL && o->mode == AV_MODE_MESSAGE &&
	    parts->nparts > 0 && (!(parts->flags & AVMIME_F_PARSER) ||
	    parts->limit != 0)) {
		/* The index's objects, then the raw message: with the mail
		 * parser only when a text part needs it. */
		avscan_walk(&c, 1);
		if (!c.timed_out)
			avscan_whole(&c, c.need_parser, &whole);
	} else {
		if (e->cl != NULL)
			avscan_whole(&c, 1, &whole);
		scan_parts = e->cl != NULL && !c.timed_out &&
		    (o->mode == AV_MODE_COMBINED || whole.n > 0);
		if (scan_parts || avfilt_active(o))
			avscan_walk(&c, scan_parts);
		else
			avscan_pack(c.out, 'C', AV_NOT_SCANNED, CHECK_DONE, 0,
			    NULL, NULL);
	}
	for (i = 0; i < whole.n; i++)
		if (!avscan_names_has(&c.seen, whole.v[i]))
			avscan_emit(&c, AVSCAN_WHOLE, whole.v[i], "message");
	if (c.timed_out)
		avscan_emit(&c, AVSCAN_WHOLE, AVSCAN_TIME_NAME, "message");
	counts = buf_new(32);
	buf_printf(counts, "%u %u", c.scans, c.hits);
	avscan_pack(c.out, 'S', AV_NOT_SCANNED, CHECK_DONE, c.objects,
	    buf_str(counts), NULL);
	buf_free(counts);
	avscan_pack(c.out, 'E', AV_NOT_SCANNED, CHECK_DONE, 0, NULL, NULL);
	avscan_flush(&c);

	avscan_names_clear(&whole);
	free(whole.v);
	avscan_names_clear(&c.cur);
	free(c.cur.v);
	avscan_names_clear(&c.seen);
	free(c.seen.v);
	buf_free(c.out);
	buf_free(c.error);
}

/* avscan_warm - scan a few made-up objects of the kinds most mail carries
 * (a message's raw bytes, a text part, an HTML part) once, right after the
 * scan process starts and before its first message: libclamav's first
 * scan of each kind allocates and faults in its per-scan memory (its
 * matcher's tables, the HTML normaliser's), which cost the first messages
 * of every new scan process several milliseconds each.  Nothing is
 * recorded: no verdict cache, no findings. */

void
avscan_warm(const struct av_engine *e)
{
	static const char *const samples[] = {
	    "From: warm-up@localhost\r\nTo: warm-up@localhost\r\n"
	    "Subject: warm-up\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "text/plain; charset=us-ascii\r\n\r\nA few words of text to "
	    "warm the scanner up, http://www.example.com/ and more.\r\n",
	    "A few words of text to warm the scanner up, "
	    "http://www.example.com/ and more.\r\n",
	    "<html><head><title>warm-up</title><script>var x = 1;</script>"
	    "</head><body><p>A <b>few</b> words &amp; a <a href=\""
	    "http://www.example.com/\">link</a>.</p></body></html>\r\n",
	    NULL };
	struct avscan_ctx c;
	size_t		 i;

	if (e->cl == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.eng = e;
	c.fd = -1;
	c.deadline = time_now_ms() + 2000;
	c.out = buf_new(64);
	c.error = buf_new(64);
	c.cpu_start = avscan_cpu_ms();
	for (i = 0; samples[i] != NULL; i++)
		avscan_one(&c, samples[i], strlen(samples[i]), 0);
	avscan_names_clear(&c.cur);
	free(c.cur.v);
	buf_free(c.out);
	buf_free(c.error);
}

/* avscan_error_param - the [av] parameter behind a limit name, or NULL */

static const char *
avscan_error_param(const char *name)
{
	static const struct {
		const char	*suffix;
		const char	*param;
	} map[] = {
		{ "Limits.Exceeded.MaxScanTime", "max_scan_time" },
		{ "Limits.Exceeded.ScanCpu", "max_scan_cpu" },
		{ "Limits.Exceeded.ScanTime", "max_scan_time, kill_grace" },
		{ "Limits.Exceeded.MaxScanSize", "max_scan_size" },
		{ "Limits.Exceeded.MaxFileSize", "max_file_size" },
		{ "Limits.Exceeded.MaxRecursion", "max_recursion" },
		{ "Limits.Exceeded.MaxFiles", "max_files" },
		{ "Limits.Exceeded.MimeParts", "max_mime_parts" },
		{ "Limits.Exceeded.MimeDepth", "max_mime_depth" },
	};
	const char	*dot;
	size_t		 i;

	/* "Heuristics." or "Winnow." in front of the same suffixes */
	if ((dot = strchr(name, '.')) == NULL)
		return (NULL);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(dot + 1, map[i].suffix) == 0)
			return (map[i].param);
	return (NULL);
}

/* avscan_error_why - when the status is error and nothing said why yet
 * (a limit libclamav or the MIME walk reported in its records): name the
 * limit and the parameter that sets it, for the message's log line */

void
avscan_error_why(const struct findings *f, struct buf *why)
{
	const struct finding_item *it;
	const char	*param;
	unsigned int	 i, kept;

	if (why == NULL || buf_len(why) > 0 || (f->av != AV_ERROR &&
	    f->av != AV_LIMIT))
		return;
	kept = f->viruses.count < FINDINGS_MAX_ITEMS ? f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	for (i = 0; i < kept; i++) {
		it = &f->viruses.item[i];
		if (it->weight != (int)AV_ERROR && it->weight != (int)AV_LIMIT)
			continue;
		param = avscan_error_param(it->name);
		buf_printf(why, "%s: %s%s%s%s", f->av_state == CHECK_TIMEOUT ?
		    "time limit reached" : f->av_state == CHECK_LIMIT ?
		    "scan limit reached" : "scan failed", it->name,
		    param != NULL ? " (raise [av] " : "",
		    param != NULL ? param : "", param != NULL ? ")" : "");
		return;
	}
	buf_printf(why, "scan ended with the error status (%s)",
	    findings_state_name(f->av_state));
}

/* avscan_remembered - record a limit the memory of recent messages
 * answered: the message hit it before, so a time limit is now a limit too
 * (it would be hit again: a final status, not another retry) */

void
avscan_remembered(struct findings *f, const char *name)
{
	enum check_state cs;
	enum av_status	 st;

	st = avscan_classify(name, &cs);
	if (st == AV_ERROR && cs == CHECK_TIMEOUT) {
		st = AV_LIMIT;
		cs = CHECK_LIMIT;
	}
	avscan_record(f, st, cs, AVSCAN_WHOLE, name, "message (remembered)");
}

/* avscan_fail - record a scan that did not complete, as a whole-message
 * finding (so remove refuses) */

void
avscan_fail(struct findings *f, const char *name)
{
	enum check_state cs;
	enum av_status	 st;

	st = avscan_classify(name, &cs);
	avscan_record(f, st, cs, AVSCAN_WHOLE, name, "message");
}
