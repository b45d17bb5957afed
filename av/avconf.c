/*
 * avconf.c - the [av] parameters and the option sets built from them
 *
 * Engine-wide parameters (database, limits, heuristics, temporary
 * directory) are plain globals in struct avconf that av_engine_load()
 * reads.  What a recipient group may change (mode, actions, filter lists,
 * notice) lives in a struct av_opts: the [av] values make the default set,
 * and the policy copies it and applies a group's own values by name with
 * av_opts_set(), the same names as in [av].
 *
 * A glob list may name files (file:PATH, one or more globs a line, '#'
 * starting a comment line), read when the configuration is loaded (at
 * start-up and on every reload), as the group masks' file: lists are.
 *
 * Defaults follow clamd.conf where ClamAV has one (MaxScanSize 400M,
 * MaxFileSize 100M, MaxRecursion 17, MaxFiles 10000, MaxScanTime 120s),
 * and the error status defaults to tempfail: unscanned mail is never
 * delivered because the scanner failed.
 *
 * SPDX-License-Identifier: MIT
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "listfile.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* av */
#include "av.h"
#include "av_private.h"

struct avconf	 avconf;

/* remove_fallback: the policy actions that can stand in for "remove" as
 * the admin may write them, and the policy's name of each. */
static const char *const avconf_fallback_names[] = {
	"quarantine", "accept", "pass", "reject", "drop", "discard", "tempfail",
	NULL
};
static const char *const avconf_fallback_policy[] = {
	"quarantine", "accept", "accept", "reject", "drop", "drop", "tempfail"
};

const char *const avconf_mode_names[] = { "message", "combined", NULL };

#define AVCONF_NOTICE_DEFAULT \
	"This part of the message ({file}, {type}) was removed by the mail " \
	"filter: {status} ({names})."

static int	avconf_check_tmpdir(const char *, struct buf *);
static int	avconf_check_globs(const char *, struct buf *);
static int	avconf_check_suffix(const char *, struct buf *);

#define AVCONF_GLOBS_FILE_MAX	(16 * 1024 * 1024)

#define A(field)	(&avconf.field)

static const struct conf_param avconf_params[] = {
	{ "database", CONF_STR, "/var/lib/clamav", A(database), 0, 0, NULL,
	    NULL, "ClamAV database directory or file; empty: no virus "
	    "scanning (the attachment filter still works)" },
	{ "extra_signatures", CONF_STR, "", A(extra_signatures), 0, 0, NULL,
	    NULL, "more signature files (.ndb .hdb .ldb ...) loaded after "
	    "the database" },
	{ "mode", CONF_ENUM, "message", A(mode), 0, 0, avconf_mode_names,
	    NULL, "message: each decoded MIME part of the message index and "
	    "the raw message, once each; combined: the whole message with "
	    "libclamav's mail parser, then each decoded MIME part" },
	{ "temp_directory", CONF_STR, "/tmp", A(temp_directory), 0, 0, NULL,
	    avconf_check_tmpdir, "where each child makes its private "
	    "temporary directory for libclamav (winnow-av.PID.*; the master "
	    "removes a dead child's when it reaps it)" },
	{ "max_scan_size", CONF_SIZE, "400M", A(max_scan_size), 1024, 0, NULL,
	    NULL, "bytes libclamav may scan per message, archives included "
	    "(clamd MaxScanSize)" },
	{ "max_file_size", CONF_SIZE, "100M", A(max_file_size), 1024, 0, NULL,
	    NULL, "largest file libclamav scans (clamd MaxFileSize); a larger "
	    "one, an archive member too, gives the error status" },
	{ "max_recursion", CONF_UINT, "17", A(max_recursion), 1, 100, NULL,
	    NULL, "archive nesting depth (clamd MaxRecursion)" },
	{ "max_files", CONF_UINT, "10000", A(max_files), 1, 1000000, NULL,
	    NULL, "files in archives per scan (clamd MaxFiles)" },
	{ "max_scan_time", CONF_TIME, "120s", A(max_scan_time), 100, 3600000,
	    NULL, NULL, "time for the whole AV check of one message (clamd "
	    "MaxScanTime)" },
	{ "max_scan_cpu", CONF_TIME, "2s", A(max_scan_cpu), 0, 3600000,
	    NULL, NULL, "CPU time the scan of one message may take; past it "
	    "the rest is skipped and the message gets the limit status "
	    "(Winnow.Limits.Exceeded.ScanCpu; 0: no bound)" },
	{ "kill_grace", CONF_TIME, "2s", A(kill_grace), 10, 60000, NULL, NULL,
	    "after max_scan_time plus this, the scan process is killed" },
	{ "max_mime_parts", CONF_UINT, "1000", A(max_mime_parts), 1,
	    FINDINGS_AV_PARTS, NULL, NULL, "deprecated: use [content] "
	    "max_parts (one set of MIME limits for every check)" },
	{ "max_mime_depth", CONF_UINT, "100", A(max_mime_depth), 1, 1000,
	    NULL, NULL, "deprecated: use [content] max_depth" },
	{ "magic_bytes", CONF_SIZE, "256k", A(magic_bytes), 512, 16777216,
	    NULL, NULL, "bytes of each part libmagic reads for its real type" },
	{ "db_check_interval", CONF_TIME, "5m", A(db_check_interval), 0,
	    86400000, NULL, NULL, "how often the master looks for a newer "
	    "database (0: only on reload)" },
	{ "detect_pua", CONF_BOOL, "no", A(detect_pua), 0, 0, NULL, NULL,
	    "load PUA signatures (hits are suspicious)" },
	{ "phishing", CONF_BOOL, "yes", A(phishing), 0, 0, NULL, NULL,
	    "phishing signatures and URL checks (hits are suspicious)" },
	{ "alert_encrypted", CONF_BOOL, "yes", A(alert_encrypted), 0, 0, NULL,
	    NULL, "report password-protected archives and documents "
	    "(the encrypted status)" },
	{ "alert_broken", CONF_BOOL, "no", A(alert_broken), 0, 0, NULL, NULL,
	    "report broken executables (suspicious)" },
	{ "alert_macros", CONF_BOOL, "no", A(alert_macros), 0, 0, NULL, NULL,
	    "report Office documents with macros (suspicious)" },
	{ "bytecode", CONF_BOOL, "yes", A(bytecode), 0, 0, NULL, NULL,
	    "run the database's signed bytecode signatures" },
	{ "remove_fallback", CONF_ENUM, "quarantine", A(remove_fallback), 0,
	    0, avconf_fallback_names, NULL, "the policy action taken instead "
	    "when remove cannot be done (the finding is not in one part): "
	    "quarantine, accept, reject, drop or tempfail" },
	{ "filter_names", CONF_STR, "", A(filter[AVFILT_NAME]), 0, 0, NULL,
	    avconf_check_globs, "file name globs to filter, e.g. *.exe *.pdf.exe" },
	{ "filter_types", CONF_STR, "", A(filter[AVFILT_TYPE]), 0, 0, NULL,
	    avconf_check_globs, "declared MIME type globs to filter" },
	{ "filter_real_types", CONF_STR, "", A(filter[AVFILT_REAL]), 0, 0,
	    NULL, avconf_check_globs, "real (libmagic) MIME type globs to filter" },
	{ "filter_max_size", CONF_SIZE, "0", A(filter_max_size), 0, 0, NULL,
	    NULL, "filter parts larger than this once decoded (0: off)" },
	{ "filter_exclude_names", CONF_STR, "",
	    A(filter_exclude[AVFILT_NAME]), 0, 0, NULL, avconf_check_globs,
	    "file name globs never filtered" },
	{ "filter_exclude_types", CONF_STR, "",
	    A(filter_exclude[AVFILT_TYPE]), 0, 0, NULL, avconf_check_globs,
	    "declared MIME type globs never filtered" },
	{ "filter_exclude_real_types", CONF_STR, "",
	    A(filter_exclude[AVFILT_REAL]), 0, 0, NULL, avconf_check_globs,
	    "real MIME type globs never filtered" },
	{ "cache_entries", CONF_UINT, "65536", A(cache_entries), 0,
	    16777216, NULL, NULL, "objects whose verdicts the children "
	    "share (264 bytes each, shared memory; emptied when a new "
	    "database is loaded; 0: off)" },
	{ "limit_memory", CONF_TIME, "12h", A(limit_memory), 0, 604800000,
	    NULL, NULL, "how long a message that hit a scan limit is "
	    "remembered, so a retry gets the same answer without a scan "
	    "(a time limit hit twice becomes the limit status; 0: off)" },
	{ "remove_notice", CONF_STR, AVCONF_NOTICE_DEFAULT, A(remove_notice),
	    0, 0, NULL, NULL, "text of a removed part; {file} {type} {status} "
	    "{names} {part}" },
	{ "rename_suffix", CONF_STR, ".vir", A(rename_suffix), 0, 0, NULL,
	    avconf_check_suffix, "what the action rename appends to the file "
	    "name of a flagged part (letters, digits, '.', '_', '-')" },
	{ NULL }
};

#undef A

static const struct conf_section avconf_section = {
	"av", 0, avconf_params, NULL,
	"anti-virus (libclamav) and attachment filter"
};

/* av_conf_register - register [av] */

void
av_conf_register(void)
{
	conf_register(&avconf_section);
	conf_deprecate("av", "max_mime_parts", "content", "max_parts");
	conf_deprecate("av", "max_mime_depth", "content", "max_depth");
}

/* avconf_limits - the MIME limits the deprecated names set: [content]
 * owns them (content_load sets them), but a program or test without the
 * content module still honours the old names */

void
avconf_limits(void)
{
	if (conf_is_set("av", "max_mime_parts") &&
	    !conf_is_set("content", "max_parts"))
		mail_limits.max_parts = avconf.max_mime_parts;
	if (conf_is_set("av", "max_mime_depth") &&
	    !conf_is_set("content", "max_depth"))
		mail_limits.max_depth = avconf.max_mime_depth;
}

/* avconf_check_tmpdir - the temporary directory must be absolute */

static int
avconf_check_tmpdir(const char *v, struct buf *why)
{
	if (v[0] != '/') {
		buf_printf(why, "\"%s\" is not an absolute path", v);
		return (-1);
	}
	return (0);
}

/* avconf_globs_file - the globs of a file: item, appended to *v */

static int
avconf_globs_file(const char *path, char ***v, size_t *n, struct buf *why)
{
	struct listfile		 lf;
	enum listfile_fail	 fail;
	char			**items;
	size_t			 k, m;
	int			 got;

	switch (listfile_open(&lf, path, AVCONF_GLOBS_FILE_MAX)) {
	case LISTFILE_OK:
		break;
	case LISTFILE_RELATIVE:
		buf_printf(why, "file:%s: the path must be absolute", path);
		return (-1);
	case LISTFILE_OPEN:
		buf_printf(why, "file:%s: %s", path, strerror(errno));
		return (-1);
	default:
		buf_printf(why, "file:%s: not a regular file of at most 16M",
		    path);
		return (-1);
	}
	while ((got = listfile_next(&lf, &fail)) != 0) {
		if (got < 0) {
			buf_printf(why, "%s:%u: %s", path, lf.no,
			    fail == LISTFILE_NUL ? "NUL byte in the line" :
			    strerror(errno));
			listfile_close(&lf);
			return (-1);
		}
		if (lf.line[strspn(lf.line, " \t")] == '#')
			continue;
		m = conf_list_split(lf.line, &items);
		*v = xreallocarray(*v, *n + m + 1, sizeof(**v));
		for (k = 0; k < m; k++) {
			(*v)[(*n)++] = items[k];
			items[k] = NULL;
		}
		(*v)[*n] = NULL;
		conf_list_free(items);
	}
	listfile_close(&lf);
	return (0);
}

/* avconf_globs - a glob list from text, file: items read (NULL when
 * empty); -1 with why when a file cannot be read */

static int
avconf_globs(const char *text, char ***list_r, struct buf *why)
{
	char	**items, **v = NULL;
	size_t	 i, m, n = 0;
	int	 rc = 0;

	*list_r = NULL;
	m = conf_list_split(text, &items);
	for (i = 0; i < m && rc == 0; i++) {
		if (strncasecmp(items[i], "file:", 5) == 0) {
			rc = avconf_globs_file(items[i] + 5, &v, &n, why);
			continue;
		}
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = items[i];
		v[n] = NULL;
		items[i] = NULL;
	}
	conf_list_free(items);
	if (rc < 0 || n == 0) {
		conf_list_free(v);
		return (rc);
	}
	*list_r = v;
	return (0);
}

/* avconf_check_globs - conf check: file: lists can be read */

static int
avconf_check_globs(const char *value, struct buf *why)
{
	char	**l;

	if (avconf_globs(value, &l, why) < 0)
		return (-1);
	conf_list_free(l);
	return (0);
}

/* avconf_check_suffix - conf check: a safe file-name suffix */

static int
avconf_check_suffix(const char *value, struct buf *why)
{
	const char	*p;

	for (p = value; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '_' &&
		    *p != '-')
			break;
	if (*value == '\0' || *p != '\0' || strlen(value) > 16) {
		buf_printf(why, "\"%s\" is not a file-name suffix (1 to 16 "
		    "letters, digits, '.', '_', '-')", value);
		return (-1);
	}
	return (0);
}

/* avconf_opts_init - built-in defaults (what [av] gives when unset) */

void
avconf_opts_init(struct av_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = AV_MODE_MESSAGE;
	o->notice = xstrdup(AVCONF_NOTICE_DEFAULT);
	o->rename_suffix = xstrdup(".vir");
}

/* avconf_opts_clear - free what an option set holds */

void
avconf_opts_clear(struct av_opts *o)
{
	size_t	 i;

	for (i = 0; i < AVFILT_KINDS; i++) {
		conf_list_free(o->incl[i]);
		conf_list_free(o->excl[i]);
	}
	free(o->notice);
	free(o->rename_suffix);
	memset(o, 0, sizeof(*o));
}

/* av_opts_free - free a copy */

void
av_opts_free(struct av_opts *o)
{
	if (o == NULL)
		return;
	avconf_opts_clear(o);
	free(o);
}

/* avconf_globs_copy - duplicate a glob list */

static char **
avconf_globs_copy(char *const *l)
{
	char	**c;
	size_t	 n, i;

	if (l == NULL)
		return (NULL);
	for (n = 0; l[n] != NULL; n++)
		;
	c = xcalloc(n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = xstrdup(l[i]);
	return (c);
}

/* av_opts_copy - a private copy for a group */

struct av_opts *
av_opts_copy(const struct av_opts *src)
{
	struct av_opts	*o;
	size_t		 i;

	o = xmalloc(sizeof(*o));
	*o = *src;
	for (i = 0; i < AVFILT_KINDS; i++) {
		o->incl[i] = avconf_globs_copy(src->incl[i]);
		o->excl[i] = avconf_globs_copy(src->excl[i]);
	}
	o->notice = xstrdup(src->notice);
	o->rename_suffix = xstrdup(src->rename_suffix);
	return (o);
}

enum avconf_key_kind {
	AVK_MODE, AVK_INCL, AVK_EXCL, AVK_SIZE, AVK_NOTICE, AVK_SUFFIX
};

static const struct avconf_key {
	const char		*name;
	enum avconf_key_kind	 kind;
	int			 index;
} avconf_keys[] = {
	{ "mode", AVK_MODE, 0 },
	{ "filter_names", AVK_INCL, AVFILT_NAME },
	{ "filter_types", AVK_INCL, AVFILT_TYPE },
	{ "filter_real_types", AVK_INCL, AVFILT_REAL },
	{ "filter_exclude_names", AVK_EXCL, AVFILT_NAME },
	{ "filter_exclude_types", AVK_EXCL, AVFILT_TYPE },
	{ "filter_exclude_real_types", AVK_EXCL, AVFILT_REAL },
	{ "filter_max_size", AVK_SIZE, 0 },
	{ "remove_notice", AVK_NOTICE, 0 },
	{ "rename_suffix", AVK_SUFFIX, 0 },
};

/* av_opts_set - set one option by name */

int
av_opts_set(struct av_opts *o, const char *name, const char *value,
    struct buf *why)
{
	const struct avconf_key *k = NULL;
	char		**globs, ***l;
	size_t		 i, sz;
	int		 m;

	for (i = 0; i < sizeof(avconf_keys) / sizeof(avconf_keys[0]); i++)
		if (strcasecmp(avconf_keys[i].name, name) == 0)
			k = &avconf_keys[i];
	if (k == NULL) {
		buf_printf(why, "unknown AV option \"%s\"", name);
		return (WN_PERM);
	}
	switch (k->kind) {
	case AVK_MODE:
		if (conf_parse_enum(value, avconf_mode_names, &m, why) < 0)
			return (WN_PERM);
		o->mode = (enum av_mode)m;
		return (WN_OK);
	case AVK_INCL:
	case AVK_EXCL:
		if (avconf_globs(value, &globs, why) < 0)
			return (WN_PERM);
		l = k->kind == AVK_INCL ? &o->incl[k->index] :
		    &o->excl[k->index];
		conf_list_free(*l);
		*l = globs;
		return (WN_OK);
	case AVK_SUFFIX:
		if (avconf_check_suffix(value, why) < 0)
			return (WN_PERM);
		free(o->rename_suffix);
		o->rename_suffix = xstrdup(value);
		return (WN_OK);
	case AVK_SIZE:
		if (conf_parse_size(value, 0, 0, &sz, why) < 0)
			return (WN_PERM);
		o->max_size = sz;
		return (WN_OK);
	case AVK_NOTICE:
		free(o->notice);
		o->notice = xstrdup(value);
		return (WN_OK);
	}
	log_panic("av_opts_set: bad key kind %d", (int)k->kind);
}

/* avconf_opts_build - the default option set from the [av] values */

struct av_opts *
avconf_opts_build(struct buf *why)
{
	struct av_opts	*o;
	size_t		 i;

	o = xmalloc(sizeof(*o));
	avconf_opts_init(o);
	/* The actions per AV status and per virus name are the policy's
	 * ([policy] / [group] infected.action, virus_name_action). */
	o->mode = (enum av_mode)avconf.mode;
	for (i = 0; i < AVFILT_KINDS; i++) {
		if (avconf_globs(avconf.filter[i], &o->incl[i], why) < 0 ||
		    avconf_globs(avconf.filter_exclude[i], &o->excl[i],
		    why) < 0) {
			av_opts_free(o);
			return (NULL);
		}
	}
	o->max_size = avconf.filter_max_size;
	free(o->notice);
	o->notice = xstrdup(avconf.remove_notice);
	free(o->rename_suffix);
	o->rename_suffix = xstrdup(avconf.rename_suffix);
	return (o);
}

/* av_opts_mode - the scan mode of an option set */

enum av_mode
av_opts_mode(const struct av_opts *o)
{
	return (o->mode);
}

/* av_remove_fallback - the policy action to take when remove is
 * impossible */

const char *
av_remove_fallback(void)
{
	return (avconf_fallback_policy[avconf.remove_fallback]);
}
