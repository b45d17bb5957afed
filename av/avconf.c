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
 * Defaults follow clamd.conf where ClamAV has one (MaxScanSize 400M,
 * MaxFileSize 100M, MaxRecursion 17, MaxFiles 10000, MaxScanTime 120s),
 * and the error status defaults to tempfail: unscanned mail is never
 * delivered because the scanner failed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* av */
#include "av.h"
#include "av_private.h"

struct avconf	 avconf;

/* Action names as the admin writes them; see avconf_act_value(). */
const char *const avconf_act_names[] = {
	"pass", "accept", "remove", "cure", "reject", "drop", "discard",
	"quarantine", "tempfail", NULL
};

static const enum av_action avconf_act_map[] = {
	AV_ACT_PASS, AV_ACT_PASS, AV_ACT_REMOVE, AV_ACT_REMOVE, AV_ACT_REJECT,
	AV_ACT_DROP, AV_ACT_DROP, AV_ACT_QUARANTINE, AV_ACT_TEMPFAIL
};

#define AVCONF_ACT_CURE	3	/* index of "cure" */

const char *const avconf_mode_names[] = { "message", "combined", NULL };

#define AVCONF_NOTICE_DEFAULT \
	"This part of the message ({file}, {type}) was removed by the mail " \
	"filter: {status} ({names})."

static int	avconf_check_tmpdir(const char *, struct buf *);
static int	avconf_check_fallback(const char *, struct buf *);

#define A(field)	(&avconf.field)

static const struct conf_param avconf_params[] = {
	{ "database", CONF_STR, "/var/lib/clamav", A(database), 0, 0, NULL,
	    NULL, "ClamAV database directory or file; empty: no virus "
	    "scanning (the attachment filter still works)" },
	{ "extra_signatures", CONF_STR, "", A(extra_signatures), 0, 0, NULL,
	    NULL, "more signature files (.ndb .hdb .ldb ...) loaded after "
	    "the database" },
	{ "mode", CONF_ENUM, "message", A(mode), 0, 0, avconf_mode_names,
	    NULL, "message: the whole message with libclamav's mail parser; "
	    "combined: that, then each decoded MIME part" },
	{ "temp_directory", CONF_STR, "/tmp", A(temp_directory), 0, 0, NULL,
	    avconf_check_tmpdir, "where each child makes its private "
	    "temporary directory for libclamav" },
	{ "max_scan_size", CONF_SIZE, "400M", A(max_scan_size), 1024, 0, NULL,
	    NULL, "bytes libclamav may scan per message, archives included "
	    "(clamd MaxScanSize)" },
	{ "max_file_size", CONF_SIZE, "100M", A(max_file_size), 1024, 0, NULL,
	    NULL, "largest file libclamav scans (clamd MaxFileSize)" },
	{ "max_recursion", CONF_UINT, "17", A(max_recursion), 1, 100, NULL,
	    NULL, "archive nesting depth (clamd MaxRecursion)" },
	{ "max_files", CONF_UINT, "10000", A(max_files), 1, 1000000, NULL,
	    NULL, "files in archives per scan (clamd MaxFiles)" },
	{ "max_scan_time", CONF_TIME, "120s", A(max_scan_time), 100, 3600000,
	    NULL, NULL, "time for the whole AV check of one message (clamd "
	    "MaxScanTime)" },
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
	    0, avconf_act_names, avconf_check_fallback, "when remove cannot "
	    "be done (the finding is not in one part)" },
	{ "filter_names", CONF_STR, "", A(filter[AVFILT_NAME]), 0, 0, NULL,
	    NULL, "file name globs to filter, e.g. *.exe *.pdf.exe" },
	{ "filter_types", CONF_STR, "", A(filter[AVFILT_TYPE]), 0, 0, NULL,
	    NULL, "declared MIME type globs to filter" },
	{ "filter_real_types", CONF_STR, "", A(filter[AVFILT_REAL]), 0, 0,
	    NULL, NULL, "real (libmagic) MIME type globs to filter" },
	{ "filter_max_size", CONF_SIZE, "0", A(filter_max_size), 0, 0, NULL,
	    NULL, "filter parts larger than this once decoded (0: off)" },
	{ "filter_exclude_names", CONF_STR, "",
	    A(filter_exclude[AVFILT_NAME]), 0, 0, NULL, NULL,
	    "file name globs never filtered" },
	{ "filter_exclude_types", CONF_STR, "",
	    A(filter_exclude[AVFILT_TYPE]), 0, 0, NULL, NULL, NULL },
	{ "filter_exclude_real_types", CONF_STR, "",
	    A(filter_exclude[AVFILT_REAL]), 0, 0, NULL, NULL, NULL },
	{ "remove_notice", CONF_STR, AVCONF_NOTICE_DEFAULT, A(remove_notice),
	    0, 0, NULL, NULL, "text of a removed part; {file} {type} {status} "
	    "{names} {part}" },
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

/* avconf_check_fallback - remove cannot be its own fallback */

static int
avconf_check_fallback(const char *v, struct buf *why)
{
	if (strcasecmp(v, "remove") == 0 || strcasecmp(v, "cure") == 0) {
		buf_printf(why, "remove_fallback cannot be %s", v);
		return (-1);
	}
	return (0);
}

/* avconf_act_value - the action of a name index; notes "cure" */

enum av_action
avconf_act_value(int index, int *cured)
{
	if (index < 0 || (size_t)index >=
	    sizeof(avconf_act_map) / sizeof(avconf_act_map[0]))
		log_panic("avconf_act_value: bad index %d", index);
	if (cured != NULL)
		*cured = (index == AVCONF_ACT_CURE);
	return (avconf_act_map[index]);
}

/* av_action_parse - an action name */

int
av_action_parse(const char *s, enum av_action *act, int *cured,
    struct buf *why)
{
	int	 i;

	if (conf_parse_enum(s, avconf_act_names, &i, why) < 0)
		return (WN_PERM);
	*act = avconf_act_value(i, cured);
	return (WN_OK);
}

/* av_action_name - user-visible action name */

const char *
av_action_name(enum av_action a)
{
	static const char *const names[AV_ACT_COUNT] = {
		"pass", "remove", "reject", "drop", "quarantine", "tempfail"
	};

	if ((unsigned)a >= AV_ACT_COUNT)
		log_panic("av_action_name: bad action %d", (int)a);
	return (names[a]);
}

/* avconf_parse_overrides - "glob:action" items into an array */

static int
avconf_parse_overrides(const char *text, struct av_override **ovr_r,
    size_t *n_r, struct buf *why)
{
	struct av_override *ovr;
	char		**items, *colon;
	size_t		 n, i;
	int		 cured, rc = WN_OK;

	n = conf_list_split(text, &items);
	ovr = xcalloc(n + 1, sizeof(*ovr));
	for (i = 0; i < n && rc == WN_OK; i++) {
		if ((colon = strrchr(items[i], ':')) == NULL ||
		    colon == items[i]) {
			buf_printf(why, "\"%s\" is not GLOB:ACTION", items[i]);
			rc = WN_PERM;
			break;
		}
		*colon = '\0';
		if (av_action_parse(colon + 1, &ovr[i].act, &cured, why) !=
		    WN_OK) {
			rc = WN_PERM;
			break;
		}
		if (cured)
			log_warn("[av] virus_name_action %s: cure: ClamAV "
			    "cannot disinfect, using remove", items[i]);
		ovr[i].glob = xstrdup(items[i]);
	}
	conf_list_free(items);
	if (rc != WN_OK) {
		for (i = 0; i < n; i++)
			free(ovr[i].glob);
		free(ovr);
		return (rc);
	}
	*ovr_r = ovr;
	*n_r = n;
	return (WN_OK);
}

/* avconf_globs - a glob list from text (NULL when empty) */

static char **
avconf_globs(const char *text)
{
	char	**items;

	if (conf_list_split(text, &items) == 0) {
		conf_list_free(items);
		return (NULL);
	}
	return (items);
}

/* avconf_opts_init - built-in defaults (what [av] gives when unset) */

void
avconf_opts_init(struct av_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = AV_MODE_MESSAGE;
	o->action[AV_NOT_SCANNED] = AV_ACT_PASS;
	o->action[AV_CLEAN] = AV_ACT_PASS;
	o->action[AV_INFECTED] = AV_ACT_QUARANTINE;
	o->action[AV_SUSPICIOUS] = AV_ACT_QUARANTINE;
	o->action[AV_ENCRYPTED] = AV_ACT_PASS;
	o->action[AV_ERROR] = AV_ACT_TEMPFAIL;
	o->action[AV_FILTERED] = AV_ACT_REMOVE;
	o->fallback = AV_ACT_QUARANTINE;
	o->notice = xstrdup(AVCONF_NOTICE_DEFAULT);
}

/* avconf_opts_clear - free what an option set holds */

void
avconf_opts_clear(struct av_opts *o)
{
	size_t	 i;

	for (i = 0; i < o->novr; i++)
		free(o->ovr[i].glob);
	free(o->ovr);
	for (i = 0; i < AVFILT_KINDS; i++) {
		conf_list_free(o->incl[i]);
		conf_list_free(o->excl[i]);
	}
	free(o->notice);
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
	o->ovr = xcalloc(src->novr + 1, sizeof(*o->ovr));
	for (i = 0; i < src->novr; i++) {
		o->ovr[i].glob = xstrdup(src->ovr[i].glob);
		o->ovr[i].act = src->ovr[i].act;
	}
	for (i = 0; i < AVFILT_KINDS; i++) {
		o->incl[i] = avconf_globs_copy(src->incl[i]);
		o->excl[i] = avconf_globs_copy(src->excl[i]);
	}
	o->notice = xstrdup(src->notice);
	return (o);
}

enum avconf_key_kind {
	AVK_MODE, AVK_ACTION, AVK_FALLBACK, AVK_OVERRIDES, AVK_INCL, AVK_EXCL,
	AVK_SIZE, AVK_NOTICE
};

static const struct avconf_key {
	const char		*name;
	enum avconf_key_kind	 kind;
	int			 index;
} avconf_keys[] = {
	{ "mode", AVK_MODE, 0 },
	{ "infected_action", AVK_ACTION, AV_INFECTED },
	{ "suspicious_action", AVK_ACTION, AV_SUSPICIOUS },
	{ "encrypted_action", AVK_ACTION, AV_ENCRYPTED },
	{ "filtered_action", AVK_ACTION, AV_FILTERED },
	{ "on_error", AVK_ACTION, AV_ERROR },
	{ "remove_fallback", AVK_FALLBACK, 0 },
	{ "virus_name_action", AVK_OVERRIDES, 0 },
	{ "filter_names", AVK_INCL, AVFILT_NAME },
	{ "filter_types", AVK_INCL, AVFILT_TYPE },
	{ "filter_real_types", AVK_INCL, AVFILT_REAL },
	{ "filter_exclude_names", AVK_EXCL, AVFILT_NAME },
	{ "filter_exclude_types", AVK_EXCL, AVFILT_TYPE },
	{ "filter_exclude_real_types", AVK_EXCL, AVFILT_REAL },
	{ "filter_max_size", AVK_SIZE, 0 },
	{ "remove_notice", AVK_NOTICE, 0 },
};

/* avconf_set_action - one of the *_action keys or remove_fallback */

static int
avconf_set_action(struct av_opts *o, const struct avconf_key *k,
    const char *value, struct buf *why)
{
	enum av_action	 a;
	int		 cured;

	if (av_action_parse(value, &a, &cured, why) != WN_OK)
		return (WN_PERM);
	if (k->kind == AVK_FALLBACK) {
		if (a == AV_ACT_REMOVE) {
			buf_printf(why, "remove_fallback cannot be %s", value);
			return (WN_PERM);
		}
		o->fallback = a;
		return (WN_OK);
	}
	if (cured)
		log_warn("[av] %s = cure: ClamAV cannot disinfect, using "
		    "remove", k->name);
	o->action[k->index] = a;
	return (WN_OK);
}

/* av_opts_set - set one option by name */

int
av_opts_set(struct av_opts *o, const char *name, const char *value,
    struct buf *why)
{
	const struct avconf_key *k = NULL;
	struct av_override *ovr;
	size_t		 i, n, sz;
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
	case AVK_ACTION:
	case AVK_FALLBACK:
		return (avconf_set_action(o, k, value, why));
	case AVK_OVERRIDES:
		if (avconf_parse_overrides(value, &ovr, &n, why) != WN_OK)
			return (WN_PERM);
		for (i = 0; i < o->novr; i++)
			free(o->ovr[i].glob);
		free(o->ovr);
		o->ovr = ovr;
		o->novr = n;
		return (WN_OK);
	case AVK_INCL:
		conf_list_free(o->incl[k->index]);
		o->incl[k->index] = avconf_globs(value);
		return (WN_OK);
	case AVK_EXCL:
		conf_list_free(o->excl[k->index]);
		o->excl[k->index] = avconf_globs(value);
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
	/* The actions per AV status, and per virus name, are the policy's
	 * ([policy] / [group] infected.action, virus_name_action): winnowd
	 * decides them there.  These options keep the built-in defaults for
	 * av_decide()'s callers (tools, tests, a group's av_opts_set). */
	o->mode = (enum av_mode)avconf.mode;
	o->fallback = avconf_act_value(avconf.remove_fallback, NULL);
	if (o->fallback == AV_ACT_REMOVE) {
		buf_puts(why, "[av] remove_fallback cannot be remove");
		av_opts_free(o);
		return (NULL);
	}
	for (i = 0; i < AVFILT_KINDS; i++) {
		o->incl[i] = avconf_globs(avconf.filter[i]);
		o->excl[i] = avconf_globs(avconf.filter_exclude[i]);
	}
	o->max_size = avconf.filter_max_size;
	free(o->notice);
	o->notice = xstrdup(avconf.remove_notice);
	return (o);
}

/* av_opts_mode - the scan mode of an option set */

enum av_mode
av_opts_mode(const struct av_opts *o)
{
	return (o->mode);
}

/* av_opts_action - the action of one status */

enum av_action
av_opts_action(const struct av_opts *o, enum av_status s)
{
	if ((unsigned)s >= AV_STATUS_COUNT)
		log_panic("av_opts_action: bad status %d", (int)s);
	return (o->action[s]);
}

/* av_remove_fallback - the action when remove is impossible */

enum av_action
av_remove_fallback(const struct av_opts *o)
{
	return (o->fallback);
}
