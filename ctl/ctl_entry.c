/*
 * ctl_entry.c - quarantine-format entries for winnowctl: filters, the
 * list line, the readable view, sending, and permission checks
 *
 * The readable view reads the info file's JSON itself (its findings are
 * kept there as winnowd wrote them), so it shows everything the file
 * says without the caller knowing its layout; --json shows the file.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* spool */
#include "quar.h"

/* policy */
#include "edit.h"
#include "mail.h"
#include "mask.h"
#include "policy.h"

/* smtp */
#include "fate.h"
#include "submit.h"

/* ctl */
#include "ctl.h"
#include "ctl_entry.h"

/* ctl_safe - untrusted text for the terminal */

const char *
ctl_safe(struct buf *b, const char *s)
{
	buf_reset(b);
	buf_append_safe(b, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
	return (buf_str(b));
}

/* ctl_filter_init - no filters */

void
ctl_filter_init(struct ctl_filter *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->released = -1;
	fl->out = buf_new(4096);
}

/* ctl_filter_free - release a filter */

void
ctl_filter_free(struct ctl_filter *fl)
{
	mask_list_free(fl->sender);
	mask_list_free(fl->rcpt);
	buf_free(fl->out);
}

/* ctl_filter_opt - one filter option */

int
ctl_filter_opt(struct ctl_filter *fl, int code, const char *arg,
    const char *who)
{
	struct mask_list **ml;
	struct buf	*why;
	long long	 age;

	switch (code) {
	case 's':
		fl->status = arg;
		return (0);
	case 'f':
	case 'r':
		ml = code == 'f' ? &fl->sender : &fl->rcpt;
		why = buf_new(64);
		mask_list_free(*ml);
		*ml = mask_list_parse(arg, policy_conf.default_domain,
		    MASK_ALLOW_FILE, policy_conf.max_file_size, why);
		if (*ml == NULL)
			(void)fprintf(stderr, "winnowctl %s: bad mask: %s\n",
			    who, buf_str(why));
		buf_free(why);
		return (*ml == NULL ? -1 : 0);
	case 'o':
	case 'n':
		if ((age = policy_age(arg)) < 0) {
			(void)fprintf(stderr, "winnowctl %s: \"%s\" is not an "
			    "age (30d, 12h, 90m)\n", who, arg);
			return (-1);
		}
		if (code == 'o')
			fl->older = (time_t)age;
		else
			fl->newer = (time_t)age;
		return (0);
	case 'R':
	case 'N':
		fl->released = code == 'R';
		return (0);
	case 'j':
		fl->json = 1;
		return (0);
	}
	(void)fprintf(stderr, "winnowctl %s: bad option\n", who);
	return (-1);
}

/* ctl_entry_has_status - whether a recipient has the status */

int
ctl_entry_has_status(const struct quar_info *qi, const char *st)
{
	size_t	 i;

	for (i = 0; i < qi->nrcpts; i++)
		if (strcasecmp(qi->rcpts[i].spam, st) == 0 ||
		    (qi->rcpts[i].av && strcasecmp(qi->rcpts[i].av, st) == 0))
			return (1);
	return (0);
}

/* ctl_filter_match - whether an entry passes the filters */

int
ctl_filter_match(const struct ctl_filter *fl, const struct quar_info *qi)
{
	time_t	 now = time(NULL);
	size_t	 i;

	if (fl->status && !ctl_entry_has_status(qi, fl->status))
		return (0);
	if (fl->sender && !mask_list_match(fl->sender, qi->sender, NULL))
		return (0);
	if (fl->rcpt) {
		for (i = 0; i < qi->nrcpts; i++)
			if (mask_list_match(fl->rcpt, qi->rcpts[i].addr, NULL))
				break;
		if (i == qi->nrcpts)
			return (0);
	}
	if (fl->older && qi->time > now - fl->older)
		return (0);
	if (fl->newer && qi->time < now - fl->newer)
		return (0);
	if (fl->released >= 0 && (qi->nreleases > 0) != fl->released)
		return (0);
	return (1);
}

/* ctl_entry_line - one line of "list" */

void
ctl_entry_line(const struct quar_info *qi, FILE *fp)
{
	struct buf	*b = buf_new(128);
	char		 date[64];
	struct tm	 tm;
	size_t		 i;

	(void)localtime_r(&qi->time, &tm);
	(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	(void)fprintf(fp, "%-18s %s  <%s> ->", qi->id, date,
	    ctl_safe(b, qi->sender));
	for (i = 0; i < qi->nrcpts; i++)
		(void)fprintf(fp, " %s", ctl_safe(b, qi->rcpts[i].addr));
	(void)fprintf(fp, "  [");
	for (i = 0; i < qi->nrcpts; i++) {
		(void)fprintf(fp, "%s%s", i ? " " : "", qi->rcpts[i].spam);
		if (qi->rcpts[i].av)
			(void)fprintf(fp, "/%s", qi->rcpts[i].av);
	}
	(void)fprintf(fp, "]  \"%s\"", ctl_safe(b, qi->subject));
	if (qi->upstream_id != NULL && qi->upstream_id[0] != '\0')
		(void)fprintf(fp, "  upstream=%s", ctl_safe(b, qi->upstream_id));
	(void)fprintf(fp, "%s\n", qi->nreleases ? "  released" : "");
	buf_free(b);
}

/* ctl_show_list - a findings list as "name(detail) weight, ..." */

static void
ctl_show_list(json_t *a, struct buf *out)
{
	struct buf	*b = buf_new(64);
	size_t		 i;
	json_t		*it;
	const char	*d;

	for (i = 0; i < json_array_size(a); i++) {
		it = json_array_get(a, i);
		buf_printf(out, "%s%s", i ? ", " : "", ctl_safe(b,
		    json_string_value(json_object_get(it, "name"))));
		d = json_string_value(json_object_get(it, "detail"));
		if (d != NULL && *d != '\0')
			buf_printf(out, " (%s)", ctl_safe(b, d));
		if (json_integer_value(json_object_get(it, "weight")) != 0)
			buf_printf(out, " %+lld", (long long)json_integer_value(
			    json_object_get(it, "weight")));
	}
	if (json_array_size(a) == 0)
		buf_puts(out, "none");
	buf_free(b);
}

/* ctl_show_findings - the checks' findings, a line each */

static void
ctl_show_findings(json_t *fo, FILE *fp)
{
	struct buf	*l = buf_new(256);
	json_t		*v;
	double		 p;

	if (!json_is_object(fo))
		return;
	(void)fprintf(fp, "Checks:\n");
	if ((v = json_object_get(fo, "spam_score")) != NULL &&
	    (p = json_number_value(v)) >= 0.0)
		(void)fprintf(fp, "  classifier   spam probability %.3f\n", p);
	buf_reset(l);
	ctl_show_list(json_object_get(fo, "rules"), l);
	(void)fprintf(fp, "  rules        %s (%lld points)\n", buf_str(l),
	    (long long)json_integer_value(json_object_get(fo,
	    "rules_score")));
	if (json_is_string(v = json_object_get(fo, "eastern")))
		(void)fprintf(fp, "  eastern      %s\n", json_string_value(v));
	v = json_object_get(fo, "dns");
	if (json_is_string(v) && strcmp(json_string_value(v), "off") != 0) {
		buf_reset(l);
		ctl_show_list(json_object_get(fo, "dnsbl"), l);
		(void)fprintf(fp, "  dnsbl        %s (rating %lld)\n",
		    buf_str(l), (long long)json_integer_value(
		    json_object_get(fo, "dnsbl_rating")));
		buf_reset(l);
		ctl_show_list(json_object_get(fo, "surbl"), l);
		(void)fprintf(fp, "  surbl        %s (rating %lld)\n",
		    buf_str(l), (long long)json_integer_value(
		    json_object_get(fo, "surbl_rating")));
	}
	if (json_is_string(v = json_object_get(fo, "av")) &&
	    strcmp(json_string_value(v), "not-scanned") != 0) {
		buf_reset(l);
		ctl_show_list(json_object_get(fo, "viruses"), l);
		(void)fprintf(fp, "  av           %s: %s\n",
		    json_string_value(v), buf_str(l));
	}
	buf_free(l);
}

/* ctl_show_releases - every release, a line each */

static void
ctl_show_releases(json_t *rel, FILE *fp)
{
	struct buf	*b = buf_new(64);
	char		 date[64];
	struct tm	 tm;
	time_t		 t;
	size_t		 i;

	if (json_array_size(rel) == 0)
		(void)fprintf(fp, "Released:   never\n");
	for (i = 0; i < json_array_size(rel); i++) {
		t = (time_t)json_integer_value(json_object_get(
		    json_array_get(rel, i), "time"));
		(void)localtime_r(&t, &tm);
		(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		(void)fprintf(fp, "%s %s to %s\n", i ? "           " :
		    "Sent:      ", date, ctl_safe(b, json_string_value(
		    json_object_get(json_array_get(rel, i), "to"))));
	}
	buf_free(b);
}

/* ctl_entry_show - the entry for a person */

void
ctl_entry_show(const struct quar_info *qi, FILE *fp)
{
	struct buf	*b = buf_new(128);
	json_error_t	 err;
	json_t		*o;
	char		 date[64];
	struct tm	 tm;
	size_t		 i;

	(void)localtime_r(&qi->time, &tm);
	(void)strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %z", &tm);
	(void)fprintf(fp, "Entry:      %s (%s)\n", qi->id,
	    qi->kind != NULL && qi->kind[0] ? qi->kind : "quarantine");
	(void)fprintf(fp, "Received:   %s, queue id %s", date,
	    ctl_safe(b, qi->queue_id));
	if (qi->upstream_id != NULL && qi->upstream_id[0] != '\0')
		(void)fprintf(fp, ", upstream %s", ctl_safe(b,
		    qi->upstream_id));
	(void)fprintf(fp, "\nClient:     %s", ctl_safe(b,
	    qi->client_name[0] ? qi->client_name : "unknown"));
	(void)fprintf(fp, " [%s]", ctl_safe(b, qi->client_addr[0] ?
	    qi->client_addr : "?"));
	if (qi->helo[0] != '\0')
		(void)fprintf(fp, " HELO %s", ctl_safe(b, qi->helo));
	(void)fprintf(fp, "\nFrom:       <%s>\n", ctl_safe(b, qi->sender));
	(void)fprintf(fp, "Subject:    %s\n", ctl_safe(b, qi->subject));
	(void)fprintf(fp, "Size:       %zu bytes\n", qi->size);
	for (i = 0; i < qi->nrcpts; i++) {
		(void)fprintf(fp, "%s<%s>", i ? "            " : "To:         ",
		    ctl_safe(b, qi->rcpts[i].addr));
		(void)fprintf(fp, " group %s: %s", ctl_safe(b,
		    qi->rcpts[i].group), qi->rcpts[i].spam);
		if (qi->rcpts[i].av != NULL)
			(void)fprintf(fp, ", av %s", qi->rcpts[i].av);
		(void)fprintf(fp, ", action %s\n", qi->rcpts[i].action);
	}
	if ((o = json_loads(qi->json, 0, &err)) != NULL) {
		ctl_show_findings(json_object_get(o, "findings"), fp);
		ctl_show_releases(json_object_get(o, "releases"), fp);
		json_decref(o);
	}
	buf_free(b);
}

/* ctl_entry_send - the message downstream, recorded in the entry */

int
ctl_entry_send(const char *dir, const struct quar_info *qi, char *const *to,
    size_t nto, const char *info, int record, const char *who)
{
	const struct iovec *segs;
	struct edit	*e;
	struct buf	*why = buf_new(256), *got = buf_new(256);
	char		*data;
	size_t		 len, nsegs, i, accepted = 0;
	enum fate	*fates;
	int		 rc, eightbit = 0;

	fates = xcalloc(nto + 1, sizeof(*fates));
	if (quar_message(dir, qi->id, &data, &len, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl %s: %s\n", who, buf_str(why));
		rc = EX_TEMPFAIL;
		goto out;
	}
	for (i = 0; i < len && !eightbit; i++)
		eightbit = (data[i] & 0x80) != 0;
	e = edit_new(data, len, mailhdr_len(data, len));
	edit_remove_prefix(e, "X-Winnow-");
	edit_add_header(e, "X-Winnow-Info", info);
	nsegs = edit_segments(e, &segs);
	rc = submit_message(qi->id, qi->sender, to, nto, segs, nsegs,
	    eightbit, fates, why);
	edit_free(e);
	free(data);
	for (i = 0; i < nto; i++) {
		if (fates[i] != FATE_DELIVERED)
			continue;
		buf_printf(got, "%s%s", accepted ? ", " : "", to[i]);
		accepted++;
	}
	if (accepted > 0) {
		struct buf *rw = buf_new(128);

		/* Record who has it, so that a rerun can tell. */
		if (record && quar_mark_released(dir, qi->id, buf_str(got),
		    rw) != WN_OK)
			(void)fprintf(stderr, "winnowctl %s: sent, but could "
			    "not record it: %s\n", who, buf_str(rw));
		buf_free(rw);
		log_info("%s: %s to %s", qi->id, info, buf_str(got));
	}
	if (rc != WN_OK) {
		(void)fprintf(stderr, "winnowctl %s: %s: %zu of %zu "
		    "recipient(s) accepted%s%s%s: %s\n", who, qi->id, accepted,
		    nto, accepted ? " (" : "", accepted ? buf_str(got) : "",
		    accepted ? ")" : "", buf_str(why));
		rc = rc == WN_TEMP ? EX_TEMPFAIL : EX_UNAVAILABLE;
		goto out;
	}
	(void)printf("%s: %s to %s\n", qi->id, strcmp(who, "quarantine") ==
	    0 ? "released" : "sent again", buf_str(got));
	rc = EX_OK;
out:
	free(fates);
	buf_free(why);
	buf_free(got);
	return (rc);
}

/* ctl_access_hint - why we may not, and as whom to try */

static int
ctl_access_hint(const char *path, const char *who)
{
	struct passwd	*pw;
	struct stat	 st;
	const char	*owner = NULL;
	char		 uid[32];

	if (stat(path, &st) == 0) {
		if ((pw = getpwuid(st.st_uid)) != NULL)
			owner = pw->pw_name;
		else {
			(void)snprintf(uid, sizeof(uid), "uid %lu",
			    (unsigned long)st.st_uid);
			owner = uid;
		}
	}
	(void)fprintf(stderr, "winnowctl %s: %s: %s\n", who, path,
	    strerror(EACCES));
	if (owner != NULL)
		(void)fprintf(stderr, "winnowctl %s: it belongs to %s: run "
		    "winnowctl as %s (sudo -u %s winnowctl ...) or as root\n",
		    who, owner, owner, owner);
	return (EX_NOPERM);
}

/* ctl_entry_access - can we read (and write) the store and the entry? */

int
ctl_entry_access(const char *dir, const char *id, int write,
    const char *who)
{
	char	 path[PATH_MAX];

	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return (EX_OK);			/* nothing stored yet */
	if (access(dir, R_OK | X_OK | (write ? W_OK : 0)) < 0 &&
	    (errno == EACCES || errno == EPERM))
		return (ctl_access_hint(dir, who));
	if (id == NULL || !quar_id_ok(id))
		return (EX_OK);
	(void)snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	if (access(path, R_OK) < 0 && (errno == EACCES || errno == EPERM))
		return (ctl_access_hint(path, who));
	return (EX_OK);
}
