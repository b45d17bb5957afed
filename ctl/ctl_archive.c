/*
 * ctl_archive.c - winnowctl archive: the backups and the message archive
 *
 * Two stores, one tool, as the old gateways had over their archives:
 *
 *   backups	[policy] backup_dir: STATUS.backup = yes keeps a copy of a
 *		message that was still delivered, in the quarantine format
 *		(ID.eml + ID.json); an entry's ID is its queue id
 *   archive	[policy] archive_dir: every message as received and/or as
 *		sent, one directory per day (YYYYMMDD, UTC), each file with
 *		its envelope in front (archive.h); an entry's ID is
 *		DAY/NAME, e.g. 20240131/4F2A9C01-in
 *
 * "list" prints "ID STATUS SIZE DATE IP <SENDER> -> <RECIPIENT>, ..." for
 * both, "show" one entry, "resend" sends a copy downstream again (from its
 * sender to its recipients, or --to; the backups record it), "purge"
 * removes what is older than backup_keep and archive_keep (or
 * --older-than): whole days of the archive, since an archive is kept by
 * the day and a day half gone would only mislead.  winnow-purge.timer runs
 * the purge daily, as the user winnowd's children write both stores as.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* spool */
#include "archive.h"
#include "quar.h"

/* policy */
#include "edit.h"
#include "mail.h"
#include "mask.h"
#include "policy.h"

/* smtp */
#include "fate.h"
#include "reinject.h"
#include "submit.h"

/* ctl */
#include "ctl.h"
#include "ctl_entry.h"

#define ARCH_ENV_MAX	(256 * 1024)	/* envelope lines read at most */

static const char ctl_archive_help[] =
"Usage: winnowctl [-c FILE] archive [--dir DIR] [--backup-dir DIR] COMMAND\n"
"\n"
"The copies winnow keeps of messages it delivered: the backups\n"
"([policy] backup_dir, written for statuses with STATUS.backup = yes, in\n"
"the quarantine's format) and the archive ([policy] archive_dir, every\n"
"message as received and/or as sent, one directory per day YYYYMMDD in\n"
"UTC).  A backup's ID is its queue id; an archive file's is DAY/NAME, as\n"
"\"list\" prints it (20240131/4F2A9C01-in).\n"
"\n"
"Commands:\n"
"  list [--backup|--archive] [FILTERS] [--json]\n"
"        One line per copy, oldest first:\n"
"          ID STATUS SIZE DATE IP <SENDER> -> <RECIPIENT>, ...\n"
"        STATUS is the recipients' statuses for a backup, \"incoming\" or\n"
"        \"outgoing\" for an archive file (whose IP is not kept: \"-\").\n"
"        Filters as for winnowctl quarantine list: --status, --sender,\n"
"        --recipient, --older-than, --newer-than.  --json prints JSON.\n"
"  show ID [--json] [--message]\n"
"        One copy in words (a backup as winnowctl quarantine show does);\n"
"        --message prints the message too.\n"
"  resend ID [--to ADDRESSES]\n"
"        Send the copy downstream ([server] forward) again, from its\n"
"        sender to its recipients or to ADDRESSES (comma separated),\n"
"        marked \"X-Winnow-Info: sent again from backup|the archive (ID)\".\n"
"        A backup records where it went.  An incoming archive file is the\n"
"        message as it arrived, before any filtering.\n"
"  purge [--older-than AGE] [--backup|--archive] [--dry-run]\n"
"        Remove backups received more than [policy] backup_keep ago\n"
"        (30d) and the archive days that ended more than archive_keep\n"
"        ago (90d), or AGE for both (30d, 12w, 36h; a keep of 0 keeps for\n"
"        ever).  winnow-purge.timer runs it daily.\n"
"\n"
"Options (before the command):\n"
"  --dir DIR          this archive directory instead of archive_dir\n"
"  --backup-dir DIR   this backup directory instead of backup_dir\n"
"\n"
"Exit status: 0 done; 64 usage; 66 no such copy; 75 temporary failure\n"
"(downstream or file system: the reason is printed; try again); 77 no\n"
"permission (the message says which user to run as).\n";

/* The two stores. */
struct arch_stores {
	const char	*archive;	/* NULL or "": none */
	const char	*backup;
	int		 which;		/* ARCH_* bits */
};

#define ARCH_BACKUP	0x01
#define ARCH_ARCHIVE	0x02

/* One archive file, as list and show see it. */
struct arch_file {
	char		 id[64];	/* DAY/NAME */
	char		 path[PATH_MAX + 320];
	char		*sender;
	char		**rcpts;
	size_t		 nrcpts;
	size_t		 env_len;	/* bytes of the envelope lines */
	size_t		 size;		/* of the message itself */
	time_t		 time;
	int		 outgoing;
};

/* ctl_archive_usage - a usage error */

static int
ctl_archive_usage(const char *fmt, const char *arg)
{
	(void)fprintf(stderr, "winnowctl archive: ");
	(void)fprintf(stderr, fmt, arg);
	(void)fputs("\nTry winnowctl archive --help.\n", stderr);
	return (EX_USAGE);
}

/* arch_file_free - what arch_file_read allocated */

static void
arch_file_free(struct arch_file *af)
{
	free(af->sender);
	conf_list_free(af->rcpts);
	af->sender = NULL;
	af->rcpts = NULL;
	af->nrcpts = 0;
}

/* arch_env_addr - the address between < and > at p, or NULL */

static char *
arch_env_addr(const char *p, const char *end, const char **next)
{
	const char	*a, *b;

	if ((a = memchr(p, '<', (size_t)(end - p))) == NULL ||
	    (b = memchr(a, '>', (size_t)(end - a))) == NULL)
		return (NULL);
	*next = b + 1;
	return (xstrndup(a + 1, (size_t)(b - a - 1)));
}

/* arch_file_read - an archive file's envelope lines (archive.h) */

static int
arch_file_read(struct arch_file *af, struct buf *why)
{
	struct stat	 st;
	FILE		*fp;
	char		*head, *p, *end, *a, *line;
	const char	*next;
	size_t		 n;

	if ((fp = fopen(af->path, "r")) == NULL) {
		buf_printf(why, "%s: %s", af->path, strerror(errno));
		return (errno == ENOENT ? WN_PERM : WN_TEMP);
	}
	head = xmalloc(ARCH_ENV_MAX + 1);
	n = fread(head, 1, ARCH_ENV_MAX, fp);
	if (fstat(fileno(fp), &st) < 0)
		memset(&st, 0, sizeof(st));
	(void)fclose(fp);
	head[n] = '\0';
	end = head + n;
	af->sender = NULL;
	af->rcpts = xcalloc(1, sizeof(*af->rcpts));
	for (p = head; p < end; p = line + 1) {
		if ((line = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		if (strncasecmp(p, "X-Envelope-From:", 16) == 0)
			af->sender = arch_env_addr(p, line, &next);
		else if (strncasecmp(p, "X-Envelope-To:", 14) != 0 &&
		    !(af->nrcpts > 0 && (*p == ' ' || *p == '\t')))
			break;
		else
			for (next = p; (a = arch_env_addr(next, line, &next))
			    != NULL; ) {
				af->rcpts = xreallocarray(af->rcpts,
				    af->nrcpts + 2, sizeof(*af->rcpts));
				af->rcpts[af->nrcpts++] = a;
				af->rcpts[af->nrcpts] = NULL;
			}
	}
	af->env_len = (size_t)(p - head);
	free(head);
	if (af->sender == NULL) {
		buf_printf(why, "%s: not an archive file (no X-Envelope-From)",
		    af->path);
		arch_file_free(af);
		return (WN_PERM);
	}
	af->size = (size_t)st.st_size > af->env_len ? (size_t)st.st_size -
	    af->env_len : 0;
	af->time = st.st_mtime;
	n = strlen(af->id);
	af->outgoing = strstr(af->id, "-out") != NULL || (n > 3 &&
	    strcmp(af->id + n - 3, "-in") != 0);
	return (WN_OK);
}

/* arch_id_ok - DAY/NAME: eight digits, a slash, letters, digits, '-' */

static int
arch_id_ok(const char *id)
{
	const char	*p;
	int		 i;

	for (i = 0; i < 8; i++)
		if (!isdigit((unsigned char)id[i]))
			return (0);
	if (id[8] != '/' || id[9] == '\0' || strlen(id) > 60)
		return (0);
	for (p = id + 9; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return (0);
	return (1);
}

/* arch_file_open - an archive file by ID */

static int
arch_file_open(const struct arch_stores *s, const char *id,
    struct arch_file *af, struct buf *why)
{
	memset(af, 0, sizeof(*af));
	if (s->archive == NULL || s->archive[0] == '\0') {
		buf_printf(why, "no archive_dir configured");
		return (WN_PERM);
	}
	(void)snprintf(af->id, sizeof(af->id), "%s", id);
	if (snprintf(af->path, sizeof(af->path), "%s/%s.eml", s->archive,
	    id) >= (int)sizeof(af->path)) {
		buf_printf(why, "path too long");
		return (WN_PERM);
	}
	return (arch_file_read(af, why));
}

/* arch_match - an archive file against the filters */

static int
arch_match(const struct ctl_filter *fl, const struct arch_file *af)
{
	time_t	 now = time(NULL);
	size_t	 i;

	if (fl->status != NULL && strcasecmp(fl->status, af->outgoing ?
	    "outgoing" : "incoming") != 0)
		return (0);
	if (fl->sender && !mask_list_match(fl->sender, af->sender, NULL))
		return (0);
	if (fl->rcpt) {
		for (i = 0; i < af->nrcpts; i++)
			if (mask_list_match(fl->rcpt, af->rcpts[i], NULL))
				break;
		if (i == af->nrcpts)
			return (0);
	}
	if (fl->older && af->time > now - fl->older)
		return (0);
	if (fl->newer && af->time < now - fl->newer)
		return (0);
	return (fl->released < 0);
}

/* arch_line - "ID STATUS SIZE DATE IP <SENDER> -> <RCPT>, ..." */

static void
arch_line(const char *id, const char *status, size_t size, time_t t,
    const char *ip, const char *sender, char *const *rcpts, size_t n,
    const char *(*addr_of)(const void *, size_t), const void *v)
{
	struct buf	*b = buf_new(64);
	char		 date[64];
	struct tm	 tm;
	size_t		 i;

	(void)localtime_r(&t, &tm);
	(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	(void)printf("%-24s %-14s %8zu %s %-15s <%s> ->", id, status, size,
	    date, ip != NULL && ip[0] != '\0' ? ip : "-", ctl_safe(b, sender));
	for (i = 0; i < n; i++)
		(void)printf("%s<%s>", i ? ", " : " ", ctl_safe(b,
		    rcpts != NULL ? rcpts[i] : addr_of(v, i)));
	(void)printf("\n");
	buf_free(b);
}

/* arch_backup_rcpt - the address of a backup's recipient i */

static const char *
arch_backup_rcpt(const void *v, size_t i)
{
	return (((const struct quar_info *)v)->rcpts[i].addr);
}

/* arch_backup_status - the distinct statuses of a backup, "," between */

static void
arch_backup_status(const struct quar_info *qi, struct buf *out)
{
	json_error_t	 err;
	json_t		*o, *st;
	size_t		 i;

	if ((o = json_loads(qi->json, 0, &err)) == NULL)
		return;
	st = json_object_get(o, "statuses");
	for (i = 0; i < json_array_size(st); i++)
		buf_printf(out, "%s%s", i ? "," : "",
		    json_string_value(json_array_get(st, i)));
	json_decref(o);
}

/* arch_list_backup - one backup in the list */

static void
arch_list_backup(const struct quar_info *qi, void *arg)
{
	struct ctl_filter *fl = arg;
	struct buf	*st;

	if (!ctl_filter_match(fl, qi))
		return;
	fl->n++;
	if (fl->json) {
		buf_printf(fl->out, "%s%s", buf_len(fl->out) ? ",\n" : "",
		    qi->json);
		return;
	}
	st = buf_new(32);
	arch_backup_status(qi, st);
	arch_line(qi->id, buf_str(st), qi->size, qi->time, qi->client_addr,
	    qi->sender, NULL, qi->nrcpts, arch_backup_rcpt, qi);
	buf_free(st);
}

/* arch_file_json - an archive file as a JSON object */

static void
arch_file_json(const struct arch_file *af, struct buf *out)
{
	json_t	*o = json_object(), *a = json_array();
	char	*text;
	size_t	 i;

	json_object_set_new(o, "id", json_string(af->id));
	json_object_set_new(o, "kind", json_string("archive"));
	json_object_set_new(o, "direction", json_string(af->outgoing ?
	    "outgoing" : "incoming"));
	json_object_set_new(o, "time", json_integer(af->time));
	json_object_set_new(o, "size", json_integer((json_int_t)af->size));
	json_object_set_new(o, "path", json_string(af->path));
	json_object_set_new(o, "sender", json_string(af->sender));
	for (i = 0; i < af->nrcpts; i++)
		json_array_append_new(a, json_string(af->rcpts[i]));
	json_object_set_new(o, "recipients", a);
	if ((text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)) !=
	    NULL) {
		buf_puts(out, text);
		free(text);
	}
	json_decref(o);
}

/* arch_name_cmp - qsort of names */

static int
arch_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* arch_dir_names - the names in a directory, sorted; filter: 1 day
 * directories, 2 *.eml files */

static size_t
arch_dir_names(const char *dir, int filter, char ***v_r)
{
	struct dirent	*de;
	char		**v = NULL;
	size_t		 n = 0, l;
	DIR		*d;

	*v_r = NULL;
	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		if (filter == 1 && (l != 8 || strspn(de->d_name,
		    "0123456789") != 8))
			continue;
		if (filter == 2 && (l < 5 || strcmp(de->d_name + l - 4,
		    ".eml") != 0))
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
		v[n] = NULL;
	}
	(void)closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), arch_name_cmp);
	*v_r = v;
	return (n);
}

/* arch_list_archive - every archive file, day by day */

static void
arch_list_archive(const char *dir, struct ctl_filter *fl, struct buf *why)
{
	struct arch_file af;
	struct buf	*one = buf_new(64);
	char		**days, **files, id[64], path[PATH_MAX];
	size_t		 nd, nf, i, k;

	(void)why;
	nd = arch_dir_names(dir, 1, &days);
	for (i = 0; i < nd; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, days[i]);
		nf = arch_dir_names(path, 2, &files);
		for (k = 0; k < nf; k++) {
			(void)snprintf(id, sizeof(id), "%s/%.*s", days[i],
			    (int)(strlen(files[k]) - 4), files[k]);
			if (!arch_id_ok(id))
				continue;
			memset(&af, 0, sizeof(af));
			(void)snprintf(af.id, sizeof(af.id), "%s", id);
			(void)snprintf(af.path, sizeof(af.path), "%s/%s",
			    path, files[k]);
			buf_reset(one);
			if (arch_file_read(&af, one) != WN_OK)
				continue;	/* not an archive file */
			if (arch_match(fl, &af)) {
				fl->n++;
				if (fl->json) {
					if (buf_len(fl->out) > 0)
						buf_puts(fl->out, ",\n");
					arch_file_json(&af, fl->out);
				} else
					arch_line(af.id, af.outgoing ?
					    "outgoing" : "incoming", af.size,
					    af.time, NULL, af.sender, af.rcpts,
					    af.nrcpts, NULL, NULL);
			}
			arch_file_free(&af);
		}
		conf_list_free(files);
	}
	conf_list_free(days);
	buf_free(one);
}

/* arch_list - archive list */

static int
arch_list(const struct arch_stores *s, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_FILTER_OPTIONS,
		{ "backup", no_argument, NULL, 'b' },
		{ "archive", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_filter fl;
	struct buf	*why = buf_new(128);
	int		 c, which = 0, rc = EX_OK;

	ctl_filter_init(&fl);
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'b' || c == 'a')
			which |= c == 'b' ? ARCH_BACKUP : ARCH_ARCHIVE;
		else if (c == '?' || ctl_filter_opt(&fl, c, optarg,
		    "archive") < 0) {
			rc = ctl_archive_usage("%s", "bad option for list");
			goto out;
		}
	}
	if (optind < argc) {
		rc = ctl_archive_usage("list takes no argument \"%s\"",
		    argv[optind]);
		goto out;
	}
	if (which == 0)
		which = ARCH_BACKUP | ARCH_ARCHIVE;
	if ((which & ARCH_BACKUP) && (rc = ctl_entry_access(s->backup, NULL,
	    0, "archive")) != EX_OK)
		goto out;
	if ((which & ARCH_ARCHIVE) && s->archive != NULL && s->archive[0] &&
	    (rc = ctl_entry_access(s->archive, NULL, 0, "archive")) != EX_OK)
		goto out;
	if ((which & ARCH_BACKUP) && quar_each(s->backup, arch_list_backup,
	    &fl, why) != WN_OK)
		rc = EX_TEMPFAIL;
	if ((which & ARCH_ARCHIVE) && s->archive != NULL && s->archive[0])
		arch_list_archive(s->archive, &fl, why);
	if (buf_len(why) > 0)
		(void)fprintf(stderr, "winnowctl archive: %s%s\n", rc ==
		    EX_OK ? "skipped: " : "", buf_str(why));
	if (fl.json)
		(void)printf("[\n%s\n]\n", buf_str(fl.out));
out:
	ctl_filter_free(&fl);
	buf_free(why);
	return (rc);
}

/* arch_show_file - an archive file in words */

static int
arch_show_file(const struct arch_stores *s, const char *id, int json,
    int message)
{
	struct arch_file af;
	struct buf	*why = buf_new(128), *b = buf_new(64);
	char		 date[64];
	struct tm	 tm;
	FILE		*fp;
	char		 chunk[8192];
	size_t		 i, n;
	int		 rc;

	if ((rc = arch_file_open(s, id, &af, why)) != WN_OK) {
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
		buf_free(why);
		buf_free(b);
		return (rc == WN_PERM ? EX_NOINPUT : EX_TEMPFAIL);
	}
	if (json) {
		buf_reset(b);
		arch_file_json(&af, b);
		(void)printf("%s\n", buf_str(b));
	} else {
		(void)localtime_r(&af.time, &tm);
		(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %z",
		    &tm);
		(void)printf("Entry:      %s (archive, %s)\nFile:       %s\n"
		    "Written:    %s\nFrom:       <%s>\n", af.id, af.outgoing ?
		    "as sent downstream" : "as received", af.path, date,
		    ctl_safe(b, af.sender));
		for (i = 0; i < af.nrcpts; i++)
			(void)printf("%s<%s>\n", i ? "            " :
			    "To:         ", ctl_safe(b, af.rcpts[i]));
		(void)printf("Size:       %zu bytes\n", af.size);
	}
	if (message && (fp = fopen(af.path, "r")) != NULL) {
		(void)printf("\n");
		if (fseek(fp, (long)af.env_len, SEEK_SET) == 0)
			while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
				(void)fwrite(chunk, 1, n, stdout);
		(void)fclose(fp);
	}
	arch_file_free(&af);
	buf_free(why);
	buf_free(b);
	return (EX_OK);
}

/* arch_show - archive show ID [--json] [--message] */

static int
arch_show(const struct arch_stores *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "message", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi;
	struct buf	*why = buf_new(128);
	char		*data;
	size_t		 len;
	int		 c, message = 0, json = 0, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm' || c == 'j')
			*(c == 'm' ? &message : &json) = 1;
		else {
			buf_free(why);
			return (ctl_archive_usage("%s", "bad option for show"));
		}
	}
	if (optind != argc - 1) {
		buf_free(why);
		return (ctl_archive_usage("%s", "show takes one ID"));
	}
	if (arch_id_ok(argv[optind])) {
		buf_free(why);
		return (arch_show_file(s, argv[optind], json, message));
	}
	if ((rc = ctl_entry_access(s->backup, argv[optind], 0, "archive")) !=
	    EX_OK) {
		buf_free(why);
		return (rc);
	}
	if ((rc = quar_read(s->backup, argv[optind], &qi, why)) != WN_OK) {
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
		buf_free(why);
		return (rc == WN_PERM ? EX_NOINPUT : EX_TEMPFAIL);
	}
	if (json)
		(void)printf("%s%s", qi->json, qi->json[0] != '\0' &&
		    qi->json[strlen(qi->json) - 1] == '\n' ? "" : "\n");
	else
		ctl_entry_show(qi, stdout);
	rc = EX_OK;
	if (message) {
		if (quar_message(s->backup, qi->id, &data, &len, why) ==
		    WN_OK) {
			(void)printf("\n");
			(void)fwrite(data, 1, len, stdout);
			free(data);
		} else {
			(void)fprintf(stderr, "winnowctl archive: %s\n",
			    buf_str(why));
			rc = EX_TEMPFAIL;
		}
	}
	quar_info_free(qi);
	buf_free(why);
	return (rc);
}

/* arch_resend_file - an archive file downstream again */

static int
arch_resend_file(const struct arch_stores *s, const char *id, char **to,
    size_t nto)
{
	struct arch_file af;
	struct buf	*why = buf_new(128), *info = buf_new(64);
	const struct iovec *segs;
	struct edit	*e;
	enum fate	*fates;
	char		*data = NULL, *msg;
	size_t		 len = 0, mlen, nsegs, i, ok = 0;
	FILE		*fp;
	int		 rc, eightbit = 0;

	if ((rc = arch_file_open(s, id, &af, why)) != WN_OK) {
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
		buf_free(why);
		buf_free(info);
		return (rc == WN_PERM ? EX_NOINPUT : EX_TEMPFAIL);
	}
	if (to == NULL) {
		to = af.rcpts;
		nto = af.nrcpts;
	}
	if ((fp = fopen(af.path, "r")) != NULL) {
		struct buf *b = buf_new(af.size + af.env_len + 1);
		size_t	 n;

		while ((n = fread(buf_reserve(b, 65536), 1, 65536, fp)) > 0)
			buf_commit(b, n);
		(void)fclose(fp);
		len = buf_len(b);
		data = buf_finish(b);
	}
	if (data == NULL || len < af.env_len || nto == 0) {
		(void)fprintf(stderr, "winnowctl archive: %s: %s\n", af.path,
		    data == NULL ? strerror(errno) : "no recipients");
		free(data);
		arch_file_free(&af);
		buf_free(why);
		buf_free(info);
		return (data == NULL ? EX_TEMPFAIL : EX_DATAERR);
	}
	msg = data + af.env_len;
	mlen = len - af.env_len;
	for (i = 0; i < mlen && !eightbit; i++)
		eightbit = (msg[i] & 0x80) != 0;
	e = edit_new(msg, mlen, mailhdr_len(msg, mlen));
	buf_printf(info, "sent again from the archive (%s)", af.id);
	edit_add_header(e, "X-Winnow-Info", buf_str(info));
	nsegs = edit_segments(e, &segs);
	fates = xcalloc(nto + 1, sizeof(*fates));
	rc = submit_message(strchr(af.id, '/') + 1, af.sender, to, nto, segs,
	    nsegs, eightbit, fates, why);
	for (i = 0; i < nto; i++)
		ok += fates[i] == FATE_DELIVERED;
	if (rc == WN_OK) {
		(void)printf("%s: sent again to %zu recipient(s)\n", af.id, ok);
		log_info("%s: %s to %zu recipient(s)", af.id, buf_str(info),
		    ok);
	} else {
		(void)fprintf(stderr, "winnowctl archive: %s: %zu of %zu "
		    "recipient(s) accepted: %s\n", af.id, ok, nto,
		    buf_str(why));
	}
	free(fates);
	edit_free(e);
	free(data);
	arch_file_free(&af);
	buf_free(why);
	buf_free(info);
	return (rc == WN_OK ? EX_OK : rc == WN_TEMP ? EX_TEMPFAIL :
	    EX_UNAVAILABLE);
}

/* arch_resend - archive resend ID [--to ADDRESSES] */

static int
arch_resend(const struct arch_stores *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct quar_info *qi = NULL;
	struct buf	*why = buf_new(128), *info = buf_new(64);
	const char	*to_arg = NULL;
	char		**to = NULL;
	size_t		 nto = 0, i;
	int		 c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 't') {
			rc = ctl_archive_usage("%s", "bad option for resend");
			goto out;
		}
		to_arg = optarg;
	}
	if (optind != argc - 1) {
		rc = ctl_archive_usage("%s", "resend takes one ID");
		goto out;
	}
	if (to_arg != NULL) {
		nto = conf_list_split(to_arg, &to);
		for (i = 0; i < nto; i++)
			if (strchr(to[i], '@') == NULL ||
			    strpbrk(to[i], "<> \t\r\n") != NULL) {
				rc = ctl_archive_usage("\"%s\" is not an "
				    "address", to[i]);
				goto out;
			}
	}
	if (reinject_init(why) < 0) {
		(void)fprintf(stderr, "winnowctl archive: [server] forward: "
		    "%s\n", buf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if (arch_id_ok(argv[optind])) {
		rc = arch_resend_file(s, argv[optind], to, nto);
		reinject_close_all();
		goto out;
	}
	if ((rc = ctl_entry_access(s->backup, argv[optind], 1, "archive")) !=
	    EX_OK)
		goto out;
	buf_reset(why);
	if ((rc = quar_read(s->backup, argv[optind], &qi, why)) != WN_OK) {
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
		rc = rc == WN_PERM ? EX_NOINPUT : EX_TEMPFAIL;
		goto out;
	}
	if (to == NULL) {
		to = xcalloc(qi->nrcpts + 1, sizeof(*to));
		for (i = 0; i < qi->nrcpts; i++)
			to[nto++] = xstrdup(qi->rcpts[i].addr);
	}
	buf_printf(info, "sent again from backup (%s)", qi->id);
	rc = ctl_entry_send(s->backup, qi, to, nto, buf_str(info), 1,
	    "archive");
	reinject_close_all();
out:
	conf_list_free(to);
	quar_info_free(qi);
	buf_free(why);
	buf_free(info);
	return (rc);
}

/* arch_count_old - purge --dry-run of the backups */

static void
arch_count_old(const struct quar_info *qi, void *arg)
{
	size_t	*n = arg;

	n[0] += qi->time <= (time_t)n[1];
}

/* arch_purge_backups - the backups older than age (-1: keep them) */

static int
arch_purge_backups(const char *dir, long long age, int dry)
{
	struct buf	*why = buf_new(128);
	size_t		 n[2] = { 0, 0 };
	int		 rc = EX_OK;

	if (age < 0) {
		(void)printf("backup_keep = 0: backups are kept for ever\n");
		buf_free(why);
		return (EX_OK);
	}
	if ((rc = ctl_entry_access(dir, NULL, !dry, "archive")) != EX_OK) {
		buf_free(why);
		return (rc);
	}
	n[1] = (size_t)(time(NULL) - (time_t)age);
	if (dry) {
		if (quar_each(dir, arch_count_old, n, why) != WN_OK)
			rc = EX_TEMPFAIL;
		(void)printf("%zu backup entr%s would be removed\n", n[0],
		    n[0] == 1 ? "y" : "ies");
	} else if (quar_purge(dir, (time_t)n[1], &n[0], why) != WN_OK) {
		rc = EX_TEMPFAIL;
	} else {
		(void)printf("%zu backup entr%s removed\n", n[0], n[0] == 1 ?
		    "y" : "ies");
		if (n[0] > 0)
			log_info("backup purge: %zu entries older than %llds "
			    "removed from %s", n[0], age, dir);
	}
	if (buf_len(why) > 0)
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
	buf_free(why);
	return (rc);
}

/* arch_purge_days - the archive days that ended before age (-1: keep
 * them) */

static int
arch_purge_days(const char *dir, long long age, int dry)
{
	struct buf	*why = buf_new(128);
	size_t		 days, files;
	int		 rc = EX_OK;

	if (dir == NULL || *dir == '\0') {
		(void)printf("no archive_dir configured: nothing to purge\n");
		buf_free(why);
		return (EX_OK);
	}
	if (age < 0) {
		(void)printf("archive_keep = 0: the archive is kept for ever\n");
		buf_free(why);
		return (EX_OK);
	}
	if ((rc = ctl_entry_access(dir, NULL, !dry, "archive")) != EX_OK) {
		buf_free(why);
		return (rc);
	}
	if (archive_purge(dir, time(NULL) - (time_t)age, dry, &days, &files,
	    why) != WN_OK)
		rc = EX_TEMPFAIL;
	if (dry)
		(void)printf("%zu day%s would be removed\n", days,
		    days == 1 ? "" : "s");
	else
		(void)printf("%zu day%s (%zu files) removed\n", days,
		    days == 1 ? "" : "s", files);
	if (!dry && days > 0)
		log_info("archive purge: %zu days older than %llds (%zu files) "
		    "removed from %s", days, age, files, dir);
	if (buf_len(why) > 0)
		(void)fprintf(stderr, "winnowctl archive: %s\n", buf_str(why));
	buf_free(why);
	return (rc);
}

/* arch_keep - a retention key as an age, -1 for "keep for ever" (0) */

static long long
arch_keep(const char *key)
{
	long long	 age = policy_age(key);

	return (age <= 0 ? -1 : age);
}

/* arch_purge - archive purge [--older-than AGE] [--backup|--archive]
 * [--dry-run] */

static int
arch_purge(const struct arch_stores *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "backup", no_argument, NULL, 'b' },
		{ "archive", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	long long	 age = -1;
	int		 c, dry = 0, which = 0, rc = EX_OK, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if ((age = policy_age(optarg)) < 0)
				return (ctl_archive_usage("\"%s\" is not an "
				    "age (30d, 12w, 36h)", optarg));
			break;
		case 'n':
			dry = 1;
			break;
		case 'b':
		case 'a':
			which |= c == 'b' ? ARCH_BACKUP : ARCH_ARCHIVE;
			break;
		default:
			return (ctl_archive_usage("%s", "bad option for "
			    "purge"));
		}
	}
	if (optind != argc)
		return (ctl_archive_usage("unexpected argument \"%s\"",
		    argv[optind]));
	if (which == 0)
		which = ARCH_BACKUP | ARCH_ARCHIVE;
	if (which & ARCH_BACKUP)
		rc = arch_purge_backups(s->backup, age >= 0 ? age :
		    arch_keep(policy_conf.backup_keep), dry);
	if ((which & ARCH_ARCHIVE) && (r = arch_purge_days(s->archive,
	    age >= 0 ? age : arch_keep(policy_conf.archive_keep), dry)) !=
	    EX_OK)
		rc = r;
	return (rc);
}

/* ctl_archive_main - winnowctl archive [--dir DIR] [--backup-dir DIR]
 * COMMAND ... */

int
ctl_archive_main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(const struct arch_stores *, int, char **);
	} cmds[] = {
		{ "list", arch_list },
		{ "show", arch_show },
		{ "resend", arch_resend },
		{ "purge", arch_purge },
		{ NULL, NULL }
	};
	struct arch_stores s;
	size_t		 i;
	int		 k;

	s.archive = policy_conf.archive_dir;
	s.backup = policy_conf.backup_dir;
	s.which = 0;
	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) {
			(void)fputs(ctl_archive_help, stdout);
			return (EX_OK);
		}
		if ((strcmp(argv[1], "--dir") == 0 ||
		    strcmp(argv[1], "--backup-dir") == 0) && argc > 2) {
			*(argv[1][2] == 'd' ? &s.archive : &s.backup) =
			    argv[2];
			argv += 2;
			argc -= 2;
			continue;
		}
		return (ctl_archive_usage("unknown option \"%s\"", argv[1]));
	}
	if (argc < 2)
		return (ctl_archive_usage("%s", "say list, show, resend or "
		    "purge"));
	for (i = 0; cmds[i].name != NULL; i++)
		if (strcmp(cmds[i].name, argv[1]) == 0)
			break;
	if (cmds[i].name == NULL)
		return (ctl_archive_usage("unknown command \"%s\"", argv[1]));
	for (k = 2; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0 ||
		    strcmp(argv[k], "-h") == 0) {
			(void)fputs(ctl_archive_help, stdout);
			return (EX_OK);
		}
	return (cmds[i].fn(&s, argc - 1, argv + 1));
}
