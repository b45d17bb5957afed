/*
 * av.c - the libclamav engine's life cycle, per-child set-up
 *
 * The master builds an engine (cl_init once, cl_engine_new, cl_load of the
 * database and the extra files, limits, cl_engine_compile) and installs it
 * only when all of that worked; children forked afterwards share its pages
 * copy-on-write.  A reload builds the next engine beside the current one,
 * so a database that fails to load leaves the current one serving, and
 * the master holds two engines for as long as the build takes.
 *
 * Each child reseeds rand(), which libclamav uses for temporary file
 * names (after fork every child would otherwise make the same names), and
 * gets its own temporary directory, "winnow-av.<pid>.XXXXXX" under
 * temp_directory, that the engine copy in that child points at.  A
 * child that dies without cleaning up (a signal, a fatal error) leaves it:
 * the master removes it when it reaps that child (av_tmp_reaped()), and
 * av_tmp_sweep() at start-up removes what a previous master left.
 *
 * Database change detection compares the names, sizes, inodes and mtimes
 * of the database files (by ClamAV's extensions) and the extra files with
 * what they were at the last av_load() attempt, so a broken update is tried
 * once, not at every check.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <clamav.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"
#include "av_private.h"

#define AV_TMP_PREFIX	"winnow-av."

/* One database file as it was seen. */
struct avdb_file {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
};

struct avdb_snap {
	struct avdb_file *f;
	size_t		 n, cap;
};

static struct av_engine	*av_cur;		/* the installed engine */
static unsigned long	 av_generation;		/* of the last engine built */
static struct avdb_snap	*av_snap;		/* files at the last attempt */
static struct av_opts	*av_builtin;		/* before any av_load */
static struct buf	*av_load_errors;	/* libclamav errors in a load */
static int		 av_loading;

static char		 av_tmpdir[PATH_MAX];
static pid_t		 av_tmp_pid;
static const struct av_engine *av_tmp_engine;	/* engine given av_tmpdir */

/* av_cl_msg - libclamav's messages into our log */

static void
av_cl_msg(enum cl_msg severity, const char *fullmsg, const char *msg,
    void *ctx)
{
	size_t	 len;

	(void)fullmsg;
	(void)ctx;
	if (msg == NULL)
		return;
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (av_loading && severity == CL_MSG_ERROR) {
		if (av_load_errors->len == 0)
			buf_append_safe(av_load_errors, msg, len);
		log_info("av: libclamav: %.*s", (int)len, msg);
	} else if (av_loading && severity == CL_MSG_WARN)
		log_info("av: libclamav: %.*s", (int)len, msg);
	else if (log_verbose > 1)
		log_debug("av: libclamav: %.*s", (int)len, msg);
}

/* av_cl_init - cl_init() once per process */

static int
av_cl_init(struct buf *why)
{
	static int	 done;
	cl_error_t	 rc;

	if (done)
		return (WN_OK);
	cl_set_clcb_msg(av_cl_msg);
	if ((rc = cl_init(CL_INIT_DEFAULT)) != CL_SUCCESS) {
		buf_printf(why, "cl_init: %s", cl_strerror(rc));
		return (WN_TEMP);
	}
	av_load_errors = buf_new(128);
	log_debug("av: libclamav's logical signatures are parsed by %s",
	    avsscanf_bound() ? "winnow's sscanf fast path (avsscanf.c)" :
	    "glibc's sscanf: this program does not export avsscanf.c's");
	done = 1;
	return (WN_OK);
}

/* av_db_ext - is this a file name ClamAV loads from a database directory? */

static int
av_db_ext(const char *name)
{
	static const char *const ext[] = {
		".cvd", ".cld", ".cud", ".hdb", ".hdu", ".hsb", ".hsu", ".mdb",
		".mdu", ".msb", ".msu", ".ndb", ".ndu", ".ldb", ".ldu", ".idb",
		".fp", ".sfp", ".ign", ".ign2", ".cdb", ".cat", ".crb", ".pdb",
		".gdb", ".wdb", ".ftm", ".cfg", ".cbc", ".imp", ".pwdb", ".yar",
		".yara", ".info", ".db", NULL
	};
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	if (dot == NULL || name[0] == '.')
		return (0);
	for (i = 0; ext[i] != NULL; i++)
		if (strcasecmp(dot, ext[i]) == 0)
			return (1);
	return (0);
}

/* av_snap_add - record one file (missing files count too) */

static void
av_snap_add(struct avdb_snap *s, const char *path)
{
	struct avdb_file *f;
	struct stat	 st;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->f = xreallocarray(s->f, s->cap, sizeof(*s->f));
	}
	f = &s->f[s->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	if (stat(path, &st) < 0) {
		f->size = -1;
		return;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
}

/* av_snap_cmp - order files by path */

static int
av_snap_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct avdb_file *)a)->path,
	    ((const struct avdb_file *)b)->path));
}

/* av_snap_free - release a snapshot */

static void
av_snap_free(struct avdb_snap *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->f[i].path);
	free(s->f);
	free(s);
}

/* av_snap_take - the database files as they are now */

static struct avdb_snap *
av_snap_take(void)
{
	struct avdb_snap *s = xcalloc(1, sizeof(*s));
	struct dirent	*de;
	struct stat	 st;
	char		**extra, path[PATH_MAX];
	size_t		 i, n, first;
	DIR		*d;

	if (avconf.database[0] != '\0' && stat(avconf.database, &st) == 0 &&
	    S_ISDIR(st.st_mode) && (d = opendir(avconf.database)) != NULL) {
		first = s->n;
		while ((de = readdir(d)) != NULL) {
			if (!av_db_ext(de->d_name) ||
			    snprintf(path, sizeof(path), "%s/%s",
			    avconf.database, de->d_name) >= (int)sizeof(path))
				continue;
			av_snap_add(s, path);
		}
		(void)closedir(d);
		/* s->f is NULL while the directory has no database file:
		 * qsort wants a valid pointer even for zero elements. */
		if (s->n - first > 1)
			qsort(s->f + first, s->n - first, sizeof(*s->f),
			    av_snap_cmp);
	} else if (avconf.database[0] != '\0')
		av_snap_add(s, avconf.database);
	n = conf_list_split(avconf.extra_signatures, &extra);
	for (i = 0; i < n; i++)
		av_snap_add(s, extra[i]);
	conf_list_free(extra);
	return (s);
}

/* av_snap_equal - same files, same sizes and times? */

static int
av_snap_equal(const struct avdb_snap *a, const struct avdb_snap *b)
{
	size_t	 i;

	if (a->n != b->n)
		return (0);
	for (i = 0; i < a->n; i++) {
		const struct avdb_file *x = &a->f[i], *y = &b->f[i];

		if (strcmp(x->path, y->path) != 0 || x->size != y->size ||
		    x->dev != y->dev || x->ino != y->ino ||
		    x->mtime.tv_sec != y->mtime.tv_sec ||
		    x->mtime.tv_nsec != y->mtime.tv_nsec)
			return (0);
	}
	return (1);
}

/* av_db_changed - did the database change since the last av_load()? */

int
av_db_changed(void)
{
	struct avdb_snap *now;
	int		 changed;

	if (av_snap == NULL)
		return (1);
	now = av_snap_take();
	changed = !av_snap_equal(av_snap, now);
	av_snap_free(now);
	return (changed);
}

/* av_db_check_interval - for the master's timer */

unsigned int
av_db_check_interval(void)
{
	return (avconf.db_check_interval);
}

/* av_engine_free - release an engine */

static void
av_engine_free(struct av_engine *e)
{
	if (e == NULL)
		return;
	if (e->cl != NULL)
		(void)cl_engine_free(e->cl);
	av_opts_free(e->opts);
	free(e);
}

/* av_engine_limits - the scan limits and temporary directory */

static int
av_engine_limits(struct cl_engine *cl, struct buf *why)
{
	static const struct {
		enum cl_engine_field	 field;
		const char		*name;
	} names[] = {
		{ CL_ENGINE_MAX_SCANSIZE, "max_scan_size" },
		{ CL_ENGINE_MAX_FILESIZE, "max_file_size" },
		{ CL_ENGINE_MAX_RECURSION, "max_recursion" },
		{ CL_ENGINE_MAX_FILES, "max_files" },
		{ CL_ENGINE_MAX_SCANTIME, "max_scan_time" },
	};
	long long	 v[5];
	size_t		 i;
	cl_error_t	 rc;

	v[0] = (long long)avconf.max_scan_size;
	v[1] = (long long)avconf.max_file_size;
	v[2] = avconf.max_recursion;
	v[3] = avconf.max_files;
	v[4] = avconf.max_scan_time;
	for (i = 0; i < 5; i++) {
		if ((rc = cl_engine_set_num(cl, names[i].field, v[i])) !=
		    CL_SUCCESS) {
			buf_printf(why, "[av] %s: %s", names[i].name,
			    cl_strerror(rc));
			return (WN_TEMP);
		}
	}
	if ((rc = cl_engine_set_str(cl, CL_ENGINE_TMPDIR,
	    avconf.temp_directory)) != CL_SUCCESS) {
		buf_printf(why, "[av] temp_directory: %s", cl_strerror(rc));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* av_engine_scanopts - scan options from the configuration */

static void
av_engine_scanopts(struct cl_scan_options *o)
{
	memset(o, 0, sizeof(*o));
	/* All matches, so every name is reported (per-name actions) and a
	 * limit alert does not hide a virus found in the same message. */
	o->general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS;
	o->parse = ~(unsigned int)0;
	o->heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	if (avconf.alert_encrypted)
		o->heuristic |= CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE |
		    CL_SCAN_HEURISTIC_ENCRYPTED_DOC;
	if (avconf.alert_broken)
		o->heuristic |= CL_SCAN_HEURISTIC_BROKEN;
	if (avconf.alert_macros)
		o->heuristic |= CL_SCAN_HEURISTIC_MACROS;
	o->mail = 0;
	o->dev = 0;
}

/* av_engine_load_file - cl_load one database path */

static int
av_engine_load_file(struct cl_engine *cl, const char *path,
    unsigned int dbopts, unsigned int *sigs, struct buf *why)
{
	cl_error_t	 rc;

	buf_reset(av_load_errors);
	av_loading = 1;
	rc = cl_load(path, cl, sigs, dbopts);
	av_loading = 0;
	if (rc != CL_SUCCESS) {
		buf_printf(why, "cannot load %s: %s", path, cl_strerror(rc));
		if (av_load_errors->len > 0)
			buf_printf(why, " (%s)", buf_str(av_load_errors));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* av_engine_compile - load everything and compile */

static int
av_engine_compile(struct av_engine *e, struct buf *why)
{
	unsigned int	 dbopts = CL_DB_STDOPT;
	char		**extra;
	size_t		 i, n;
	cl_error_t	 rc;
	int		 err = WN_OK;

	if (!avconf.phishing)
		dbopts &= ~(unsigned int)(CL_DB_PHISHING | CL_DB_PHISHING_URLS);
	if (!avconf.bytecode)
		dbopts &= ~(unsigned int)CL_DB_BYTECODE;
	if (avconf.detect_pua)
		dbopts |= CL_DB_PUA;
	/* The parameter after the reason: winnowd -t and the log say which. */
	if (avconf.database[0] != '\0' && (err = av_engine_load_file(e->cl,
	    avconf.database, dbopts, &e->sigs, why)) != WN_OK)
		buf_puts(why, " ([av] database)");
	n = conf_list_split(avconf.extra_signatures, &extra);
	for (i = 0; i < n && err == WN_OK; i++)
		if ((err = av_engine_load_file(e->cl, extra[i], dbopts,
		    &e->sigs, why)) != WN_OK)
			buf_puts(why, " ([av] extra_signatures)");
	conf_list_free(extra);
	if (err != WN_OK)
		return (err);
	if (e->sigs == 0) {
		buf_printf(why, "no signatures in %s", avconf.database[0] ?
		    avconf.database : avconf.extra_signatures);
		return (WN_TEMP);
	}
	buf_reset(av_load_errors);
	av_loading = 1;
	rc = cl_engine_compile(e->cl);
	av_loading = 0;
	if (rc != CL_SUCCESS) {
		buf_printf(why, "cannot compile the AV engine: %s",
		    cl_strerror(rc));
		if (av_load_errors->len > 0)
			buf_printf(why, " (%s)", buf_str(av_load_errors));
		return (WN_TEMP);
	}
	return (WN_OK);
}


/* av_db_present - whether path is a database file, or a directory with
 * at least one file libclamav loads (by its extension) */

static int
av_db_present(const char *path)
{
	static const char *const ext[] = { "cvd", "cld", "cud", "hdb", "hsb",
	    "hdu", "hsu", "mdb", "msb", "mdu", "msu", "ndb", "ndu", "ldb",
	    "ldu", "idb", "fp", "sfp", "gdb", "pdb", "wdb", "cdb", "crb",
	    "cbc", "ftm", "ign", "ign2", "yar", "yara", "pwdb", "imp", "cat",
	    NULL };
	struct dirent	*de;
	struct stat	 st;
	const char	*dot;
	DIR		*d;
	int		 found = 0, i;

	if (stat(path, &st) < 0)
		return (0);
	if (!S_ISDIR(st.st_mode))
		return (1);
	if ((d = opendir(path)) == NULL)
		return (1);		/* let the load say what is wrong */
	while (!found && (de = readdir(d)) != NULL) {
		if ((dot = strrchr(de->d_name, '.')) == NULL)
			continue;
		for (i = 0; ext[i] != NULL && !found; i++)
			found = strcasecmp(dot + 1, ext[i]) == 0;
	}
	(void)closedir(d);
	return (found);
}
/* av_engine_load - build an engine from the current [av] values */

struct av_engine *
av_engine_load(struct buf *why)
{
	struct av_engine *e;
	uint64_t	 t0 = time_now_ms();
	int		 err;

	av_snap_free(av_snap);
	av_snap = av_snap_take();
	e = xcalloc(1, sizeof(*e));
	e->gen = ++av_generation;
	if ((e->opts = avconf_opts_build(why)) == NULL) {
		free(e);
		return (NULL);
	}
	avconf_limits();
	avfilt_magic_init();
	if (avconf.database[0] == '\0' && avconf.extra_signatures[0] == '\0')
		return (e);			/* filter only */
	if (avconf.extra_signatures[0] == '\0' && (av_cur == NULL ||
	    av_cur->cl == NULL) && !av_db_present(avconf.database)) {
		/* No database installed at all (a fresh machine, or
		 * freshclam's directory before its first download) and none
		 * loaded before: run, but say so loudly; messages get "not
		 * scanned", never "clean", and the periodic check picks the
		 * database up when it appears. */
		log_warn("av: no ClamAV database at %s: virus scanning is OFF "
		    "(messages are marked X-Winnow-Virus: not-scanned) until "
		    "one is installed there (clamav-freshclam) or [av] "
		    "database names one", avconf.database);
		return (e);
	}
	if (av_cl_init(why) != WN_OK) {
		av_engine_free(e);
		return (NULL);
	}
	if ((e->cl = cl_engine_new()) == NULL) {
		buf_puts(why, "cl_engine_new failed");
		av_engine_free(e);
		return (NULL);
	}
	cl_engine_set_clcb_virus_found(e->cl, avscan_found);
	cl_engine_set_clcb_pre_scan(e->cl, avscan_prescan);
	cl_engine_set_clcb_meta(e->cl, avscan_meta);
	if ((err = av_engine_limits(e->cl, why)) == WN_OK)
		err = av_engine_compile(e, why);
	if (err != WN_OK) {
		av_engine_free(e);
		return (NULL);
	}
	av_engine_scanopts(&e->scanopts);
	e->version = (unsigned int)cl_engine_get_num(e->cl,
	    CL_ENGINE_DB_VERSION, NULL);
	e->db_time = (int64_t)cl_engine_get_num(e->cl, CL_ENGINE_DB_TIME,
	    NULL);
	log_info("av: %u signatures (database version %u) compiled in "
	    "%llu ms", e->sigs, e->version,
	    (unsigned long long)(time_now_ms() - t0));
	return (e);
}

/* av_digest_warm - one SHA-256 here, in the master before it forks: the
 * first digest of a process fetches libcrypto's implementation (about
 * 0.7 ms), which every child's first message paid for its cache key;
 * children forked afterwards inherit it (0.07 ms) */

static void
av_digest_warm(void)
{
	unsigned char	 key[AVCACHE_KEY];

	(void)avcache_digest("", 0, key);
}

/* av_engine_install - make an engine current, free the previous one */

void
av_engine_install(struct av_engine *e)
{
	struct av_engine *old = av_cur;

	avhelp_stop();			/* it has the old engine */
	/* Verdicts of the old engine hold no more: an empty cache (the
	 * children forked after this share it). */
	avcache_setup(e != NULL && e->cl != NULL ? avconf.cache_entries : 0);
	av_cur = e;
	av_tmp_engine = NULL;
	av_engine_free(old);
	av_digest_warm();
}

/* av_load - build and install; keep the current engine on failure */

int
av_load(struct buf *why)
{
	struct av_engine *e;

	if ((e = av_engine_load(why)) == NULL)
		return (WN_TEMP);
	av_engine_install(e);
	return (WN_OK);
}

/* av_unload - free the current engine */

void
av_unload(void)
{
	av_engine_install(NULL);
	av_snap_free(av_snap);
	av_snap = NULL;
}

/* av_signatures - signatures of the current engine */

unsigned int
av_signatures(void)
{
	return (av_cur != NULL ? av_cur->sigs : 0);
}

/* av_describe - the engine and its database, for X-Winnow-Version */

void
av_describe(struct buf *out)
{
	struct tm	 tm;
	time_t		 t;
	char		 date[32];

	if (av_cur == NULL || av_cur->cl == NULL) {
		buf_printf(out, "ClamAV %s, no database", cl_retver());
		return;
	}
	buf_printf(out, "ClamAV %s, database %u", cl_retver(),
	    av_cur->version);
	if ((t = (time_t)av_cur->db_time) > 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(date, sizeof(date), "%Y-%m-%d", &tm) > 0)
		buf_printf(out, " of %s", date);
}

/* av_db_info - what the current engine was built from */

void
av_db_info(struct av_db_info *out)
{
	memset(out, 0, sizeof(*out));
	if (av_cur == NULL || av_cur->cl == NULL)
		return;
	out->signatures = av_cur->sigs;
	out->version = av_cur->version;
	out->time = av_cur->db_time;
}

/* av_engine_current - the installed engine, or NULL */

const struct av_engine *
av_engine_current(void)
{
	return (av_cur);
}

/* av_opts_default - the [av] options */

const struct av_opts *
av_opts_default(void)
{
	if (av_cur != NULL)
		return (av_cur->opts);
	if (av_builtin == NULL) {
		av_builtin = xmalloc(sizeof(*av_builtin));
		avconf_opts_init(av_builtin);
	}
	return (av_builtin);
}

/* av_rm_entry - nftw callback: remove one entry (not the top) */

static int
av_rm_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0)
		return (0);
	if (type == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return (0);
}

/* av_rm_tree - remove a directory tree we own */

static void
av_rm_tree(const char *dir, int keep_top)
{
	(void)nftw(dir, av_rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (!keep_top && rmdir(dir) < 0 && errno != ENOENT)
		log_warn("av: cannot remove %s: %s", dir, strerror(errno));
}

/* av_tmp_make - this process's temporary directory, given to the engine */

void
av_tmp_make(void)
{
	const struct av_engine *e = av_cur;

	if (av_tmp_pid != getpid()) {
		av_tmpdir[0] = '\0';
		av_tmp_engine = NULL;
		if (snprintf(av_tmpdir, sizeof(av_tmpdir), "%s/%s%ld.XXXXXX",
		    avconf.temp_directory, AV_TMP_PREFIX, (long)getpid()) >=
		    (int)sizeof(av_tmpdir) || mkdtemp(av_tmpdir) == NULL) {
			log_error("av: cannot make a temporary directory in "
			    "%s: %s; libclamav uses %s itself",
			    avconf.temp_directory, strerror(errno),
			    avconf.temp_directory);
			av_tmpdir[0] = '\0';
		}
		av_tmp_pid = getpid();
	}
	if (e != NULL && e->cl != NULL && av_tmp_engine != e &&
	    av_tmpdir[0] != '\0') {
		if (cl_engine_set_str(e->cl, CL_ENGINE_TMPDIR, av_tmpdir) !=
		    CL_SUCCESS)
			log_error("av: cannot set the engine's temporary "
			    "directory to %s", av_tmpdir);
		av_tmp_engine = e;
	}
}

/* av_child_tmpdir - this child's temporary directory ("" if none) */

const char *
av_child_tmpdir(void)
{
	return (av_tmp_pid == getpid() ? av_tmpdir : "");
}

/* av_tmp_clean - empty this child's temporary directory */

void
av_tmp_clean(void)
{
	struct dirent	*de;
	DIR		*d;
	int		 empty = 1;

	if (av_tmp_pid != getpid() || av_tmpdir[0] == '\0' ||
	    (d = opendir(av_tmpdir)) == NULL)
		return;
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	(void)closedir(d);
	if (!empty)
		av_rm_tree(av_tmpdir, 1);
}

/* av_child_init - reseed, own temporary directory, libraries ready */

void
av_child_init(void)
{
	unsigned int	 seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (unsigned int)(getpid() ^ time_now_us());
	srand(seed);
	if (av_tmp_pid == getpid())
		av_child_exit();	/* called again: start afresh, no leftover */
	av_tmp_pid = 0;
	av_tmp_make();
	avfilt_magic_init();
}

/* av_child_exit - remove this child's temporary directory */

void
av_child_exit(void)
{
	avhelp_stop();
	if (av_tmp_pid != getpid() || av_tmpdir[0] == '\0')
		return;
	av_rm_tree(av_tmpdir, 0);
	av_tmpdir[0] = '\0';
	av_tmp_pid = 0;
}

/* av_tmp_remove - remove the temporary directories of dead processes:
 * only pid's when it is not 0, else every one whose process is gone */

static void
av_tmp_remove(pid_t only)
{
	struct dirent	*de;
	char		 path[PATH_MAX], *end;
	long		 pid;
	DIR		*d;

	if ((d = opendir(avconf.temp_directory)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, AV_TMP_PREFIX,
		    sizeof(AV_TMP_PREFIX) - 1) != 0)
			continue;
		pid = strtol(de->d_name + sizeof(AV_TMP_PREFIX) - 1, &end, 10);
		if (pid <= 0 || *end != '.' || (only != 0 && pid != only) ||
		    (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s",
		    avconf.temp_directory, de->d_name) >= (int)sizeof(path))
			continue;
		log_info("av: removing %s left by process %ld", path, pid);
		av_rm_tree(path, 0);
	}
	(void)closedir(d);
}

/* av_tmp_sweep - remove temporary directories of dead children */

void
av_tmp_sweep(void)
{
	av_tmp_remove(0);
}

/* av_tmp_reaped - remove what one dead (reaped) child left */

void
av_tmp_reaped(pid_t pid)
{
	if (pid > 0)
		av_tmp_remove(pid);
}

/* av_ready - start the scan process ahead of the scan */

int
av_ready(struct buf *why)
{
	static const struct av_engine none;
	const struct av_engine *e = av_cur != NULL ? av_cur : &none;

	if (e->cl == NULL && !avfilt_active(av_opts_default()))
		return (0);
	return (avhelp_ready(e, why));
}
