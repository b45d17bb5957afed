/*
 * quar.c - the quarantine store
 *
 * Two files per entry, written in the order that makes the info file the
 * commit record (see quar.h).  The info is JSON (jansson); text that came
 * with the message (sender, Subject, addresses) is made valid UTF-8 first,
 * invalid bytes becoming '?', because a JSON file must be UTF-8 to be read
 * back.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* external */
#include <jansson.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "owner.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "quar.h"
#include "spool.h"

#define QUAR_VERSION	1
#define QUAR_ID_MAX	64
#define QUAR_STALE	3600	/* seconds after which a leftover is removed */

static int	(*quar_trace_fn)(const char *, void *);
static void	*quar_trace_arg;

/* quar_set_trace - watch the file-system steps (tests) */

void
quar_set_trace(int (*fn)(const char *, void *), void *arg)
{
	quar_trace_fn = fn;
	quar_trace_arg = arg;
}

/* quar_trace - report one step; -1 when the hook makes it fail */

static int
quar_trace(const char *step, const char *name)
{
	char	 b[PATH_MAX + 32];

	if (quar_trace_fn == NULL)
		return (0);
	(void)snprintf(b, sizeof(b), "%s %s", step, name);
	return (quar_trace_fn(b, quar_trace_arg));
}

/* quar_id_ok - letters, digits and '-' only, not too long */

int
quar_id_ok(const char *id)
{
	const char	*p;

	if (id == NULL || *id == '\0' || strlen(id) > QUAR_ID_MAX)
		return (0);
	for (p = id; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return (0);
	return (1);
}

/* quar_path - DIR/NAME into a buffer; -1 if too long */

static int
quar_path(char *out, size_t len, const char *dir, const char *name)
{
	int	 n = snprintf(out, len, "%s/%s", dir, name);

	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

/* quar_fsync_dir - make renames in a directory durable */

static int
quar_fsync_dir(const char *dir, struct buf *why)
{
	if (quar_trace("fsync-dir", dir) < 0) {
		buf_printf(why, "fsync %s: Input/output error (injected)", dir);
		return (WN_TEMP);
	}
	return (spool_fsync_dir(dir, why));
}

/* quar_mkdir - the directory, made if missing */

static int
quar_mkdir(const char *dir, struct buf *why)
{
	struct stat	 st;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return (WN_OK);
		buf_printf(why, "%s is not a directory", dir);
		return (WN_TEMP);
	}
	if (owner_mkdir(dir, 0700) < 0 && errno != EEXIST) {
		buf_printf(why, "mkdir %s: %s", dir, strerror(errno));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* quar_write_tmp - NAME.tmp written and fsync'd, then renamed to NAME */

static int
quar_write_tmp(const char *dir, const char *name, const struct iovec *iov,
    int iovcnt, int replace, struct buf *why)
{
	char	 tmp[PATH_MAX], final[PATH_MAX], tname[PATH_MAX];
	int	 fd, saved;

	(void)snprintf(tname, sizeof(tname), "%s.tmp", name);
	if (quar_path(tmp, sizeof(tmp), dir, tname) < 0 ||
	    quar_path(final, sizeof(final), dir, name) < 0) {
		buf_printf(why, "%s/%s: path too long", dir, name);
		return (WN_PERM);
	}
	if (!replace && access(final, F_OK) == 0) {
		buf_printf(why, "%s exists", final);
		return (WN_PERM);
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0) {
		buf_printf(why, "create %s: %s", tmp, strerror(errno));
		return (WN_TEMP);
	}
	owner_like_dir(fd, dir);	/* root writing for winnow's tools */
	(void)quar_trace("write", tname);
	if (spool_writev_all(fd, iov, iovcnt) < 0)
		goto fail;
	(void)quar_trace("fsync", tname);
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	(void)quar_trace("rename", name);
	if (rename(tmp, final) < 0) {
		buf_printf(why, "rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return (WN_TEMP);
	}
	return (WN_OK);
fail:
	saved = errno;
	buf_printf(why, "write %s: %s", tmp, strerror(saved));
	if (fd >= 0)
		(void)close(fd);
	(void)unlink(tmp);
	return (WN_TEMP);
}

/* quar_write_file - one durable, exclusive file */

int
quar_write_file(const char *dir, const char *name, const struct iovec *iov,
    int iovcnt, struct buf *why)
{
	int	 rc;

	if ((rc = quar_mkdir(dir, why)) != WN_OK)
		return (rc);
	if ((rc = quar_write_tmp(dir, name, iov, iovcnt, 0, why)) != WN_OK)
		return (rc);
	return (quar_fsync_dir(dir, why));
}

/* quar_jstr - a JSON string from untrusted text */

static json_t *
quar_jstr(const char *s)
{
	char	*u = str_utf8(s);
	json_t	*j = json_string(u);

	free(u);
	return (j);
}

/* quar_jinfo - the info file's JSON */

static json_t *
quar_jinfo(const struct quar_info *qi)
{
	json_t		*o = json_object(), *c, *a, *r, *st;
	char		 date[64];
	size_t		 i, j;

	time_rfc5322(date, sizeof(date), qi->time);
	json_object_set_new(o, "version", json_integer(QUAR_VERSION));
	json_object_set_new(o, "id", json_string(qi->id));
	json_object_set_new(o, "queue_id", quar_jstr(qi->queue_id));
	if (qi->upstream_id != NULL && qi->upstream_id[0] != '\0')
		json_object_set_new(o, "upstream_id",
		    quar_jstr(qi->upstream_id));
	json_object_set_new(o, "time", json_integer(qi->time));
	json_object_set_new(o, "date", json_string(date));
	c = json_object();
	json_object_set_new(c, "addr", quar_jstr(qi->client_addr));
	json_object_set_new(c, "name", quar_jstr(qi->client_name));
	json_object_set_new(c, "helo", quar_jstr(qi->helo));
	json_object_set_new(o, "client", c);
	json_object_set_new(o, "sender", quar_jstr(qi->sender));
	json_object_set_new(o, "subject", quar_jstr(qi->subject));
	json_object_set_new(o, "size", json_integer((json_int_t)qi->size));
	a = json_array();
	st = json_array();
	for (i = 0; i < qi->nrcpts; i++) {
		const struct quar_rcpt *qr = &qi->rcpts[i];

		r = json_object();
		json_object_set_new(r, "address", quar_jstr(qr->addr));
		json_object_set_new(r, "group", quar_jstr(qr->group));
		json_object_set_new(r, "spam", quar_jstr(qr->spam));
		if (qr->av != NULL)
			json_object_set_new(r, "av", quar_jstr(qr->av));
		json_object_set_new(r, "action", quar_jstr(qr->action));
		json_array_append_new(a, r);
		/* The distinct statuses, for quick filtering. */
		for (j = 0; j < 2; j++) {
			const char *s = j == 0 ? qr->spam : qr->av;
			size_t	 k;

			if (s == NULL)
				continue;
			for (k = 0; k < json_array_size(st); k++)
				if (strcmp(json_string_value(json_array_get(st,
				    k)), s) == 0)
					break;
			if (k == json_array_size(st))
				json_array_append_new(st, quar_jstr(s));
		}
	}
	json_object_set_new(o, "recipients", a);
	json_object_set_new(o, "statuses", st);
	json_object_set_new(o, "action", json_string(qi->kind != NULL &&
	    qi->kind[0] != '\0' ? qi->kind : "quarantine"));
	if (qi->findings != NULL)
		json_object_set_new(o, "findings", json_incref(qi->findings));
	json_object_set_new(o, "releases", json_array());
	return (o);
}

/* quar_unlink_entry - take back an entry that was not made durable */

static void
quar_unlink_entry(const char *dir, const char *id)
{
	char	 path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/%s.eml", dir, id);
	(void)unlink(path);
}

/* quar_store - the message, then its info, durably */

int
quar_store(const char *dir, struct quar_info *qi, const char *data,
    size_t len, struct buf *why)
{
	char		 id[QUAR_ID_MAX + 8], name[QUAR_ID_MAX + 16];
	struct iovec	 iov;
	json_t		*j;
	char		*text;
	int		 rc, n;

	if (!quar_id_ok(qi->id))
		log_panic("quar_store: bad id \"%s\"", qi->id);
	if ((rc = quar_mkdir(dir, why)) != WN_OK)
		return (rc);
	for (n = 1; n < 100; n++) {
		if (n == 1)
			(void)snprintf(id, sizeof(id), "%s", qi->id);
		else
			(void)snprintf(id, sizeof(id), "%s-%d", qi->id, n);
		(void)snprintf(name, sizeof(name), "%s.eml", id);
		iov.iov_base = (void *)data;
		iov.iov_len = len;
		buf_reset(why);
		rc = quar_write_tmp(dir, name, &iov, 1, 0, why);
		if (rc != WN_PERM)
			break;
	}
	if (rc != WN_OK)
		return (WN_TEMP);
	free(qi->id);
	qi->id = xstrdup(id);
	qi->size = len;
	j = quar_jinfo(qi);
	text = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text == NULL)
		log_fatal("quar_store: out of memory");
	(void)snprintf(name, sizeof(name), "%s.json", id);
	iov.iov_base = text;
	iov.iov_len = strlen(text);
	rc = quar_write_tmp(dir, name, &iov, 1, 0, why);
	free(text);
	if (rc != WN_OK || quar_fsync_dir(dir, why) != WN_OK) {
		/* Not durable, so not stored: the upstream gets 4xx and sends
		 * the message again, and a second entry must not be left
		 * behind for someone to release twice. */
		quar_unlink_entry(dir, id);
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* quar_jget - a string member, or "" */

static char *
quar_jget(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (xstrdup(s ? s : ""));
}

/* quar_parse - an info struct from the info file's JSON */

static struct quar_info *
quar_parse(const char *text, struct buf *why)
{
	struct quar_info *qi;
	json_error_t	 err;
	json_t		*o, *c, *a, *r, *rel, *last;
	size_t		 i;

	if ((o = json_loads(text, 0, &err)) == NULL || !json_is_object(o)) {
		buf_printf(why, "bad info file (line %d: %s)", err.line,
		    err.text);
		json_decref(o);
		return (NULL);
	}
	qi = xcalloc(1, sizeof(*qi));
	qi->id = quar_jget(o, "id");
	qi->queue_id = quar_jget(o, "queue_id");
	qi->upstream_id = quar_jget(o, "upstream_id");
	qi->kind = quar_jget(o, "action");
	qi->time = (time_t)json_integer_value(json_object_get(o, "time"));
	c = json_object_get(o, "client");
	qi->client_addr = quar_jget(c, "addr");
	qi->client_name = quar_jget(c, "name");
	qi->helo = quar_jget(c, "helo");
	qi->sender = quar_jget(o, "sender");
	qi->subject = quar_jget(o, "subject");
	qi->size = (size_t)json_integer_value(json_object_get(o, "size"));
	a = json_object_get(o, "recipients");
	qi->nrcpts = json_array_size(a);
	qi->rcpts = xcalloc(qi->nrcpts + 1, sizeof(*qi->rcpts));
	for (i = 0; i < qi->nrcpts; i++) {
		r = json_array_get(a, i);
		qi->rcpts[i].addr = quar_jget(r, "address");
		qi->rcpts[i].group = quar_jget(r, "group");
		qi->rcpts[i].spam = quar_jget(r, "spam");
		if (json_object_get(r, "av") != NULL)
			qi->rcpts[i].av = quar_jget(r, "av");
		qi->rcpts[i].action = quar_jget(r, "action");
	}
	rel = json_object_get(o, "releases");
	qi->nreleases = json_array_size(rel);
	if (qi->nreleases > 0) {
		last = json_array_get(rel, qi->nreleases - 1);
		qi->released = (time_t)json_integer_value(json_object_get(last,
		    "time"));
		qi->released_to = quar_jget(last, "to");
	}
	json_decref(o);
	if (!quar_id_ok(qi->id)) {
		buf_printf(why, "bad info file (no valid id)");
		quar_info_free(qi);
		return (NULL);
	}
	return (qi);
}

/* quar_slurp - a whole file into memory */

static int
quar_slurp(const char *path, char **data_r, size_t *len_r, struct buf *why)
{
	struct buf	*b;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (errno == ENOENT ? WN_PERM : WN_TEMP);
	}
	b = buf_new(8192);
	while ((n = read(fd, buf_reserve(b, 65536), 65536)) > 0)
		buf_commit(b, (size_t)n);
	if (n < 0) {
		buf_printf(why, "read %s: %s", path, strerror(errno));
		(void)close(fd);
		buf_free(b);
		return (WN_TEMP);
	}
	(void)close(fd);
	*len_r = buf_len(b);
	*data_r = buf_finish(b);
	return (WN_OK);
}

/* quar_read - an entry's info */

int
quar_read(const char *dir, const char *id, struct quar_info **qi_r,
    struct buf *why)
{
	char	 path[PATH_MAX], name[QUAR_ID_MAX + 16];
	char	*text;
	size_t	 len;
	int	 rc;

	*qi_r = NULL;
	if (!quar_id_ok(id)) {
		buf_printf(why, "\"%s\" is not a quarantine id", id);
		return (WN_PERM);
	}
	(void)snprintf(name, sizeof(name), "%s.json", id);
	if (quar_path(path, sizeof(path), dir, name) < 0) {
		buf_printf(why, "path too long");
		return (WN_PERM);
	}
	if ((rc = quar_slurp(path, &text, &len, why)) != WN_OK)
		return (rc);
	if ((*qi_r = quar_parse(text, why)) == NULL) {
		free(text);
		return (WN_PERM);
	}
	(*qi_r)->json = text;
	return (WN_OK);
}

/* quar_message - an entry's message */

int
quar_message(const char *dir, const char *id, char **data_r, size_t *len_r,
    struct buf *why)
{
	char	 path[PATH_MAX], name[QUAR_ID_MAX + 16];

	if (!quar_id_ok(id)) {
		buf_printf(why, "\"%s\" is not a quarantine id", id);
		return (WN_PERM);
	}
	(void)snprintf(name, sizeof(name), "%s.eml", id);
	if (quar_path(path, sizeof(path), dir, name) < 0) {
		buf_printf(why, "path too long");
		return (WN_PERM);
	}
	return (quar_slurp(path, data_r, len_r, why));
}

/* quar_info_free - release an info */

void
quar_info_free(struct quar_info *qi)
{
	size_t	 i;

	if (qi == NULL)
		return;
	for (i = 0; i < qi->nrcpts; i++) {
		free(qi->rcpts[i].addr);
		free(qi->rcpts[i].group);
		free(qi->rcpts[i].spam);
		free(qi->rcpts[i].av);
		free(qi->rcpts[i].action);
	}
	free(qi->rcpts);
	free(qi->id);
	free(qi->queue_id);
	free(qi->upstream_id);
	free(qi->kind);
	free(qi->client_addr);
	free(qi->client_name);
	free(qi->helo);
	free(qi->sender);
	free(qi->subject);
	free(qi->released_to);
	free(qi->json);
	free(qi);
}

/* quar_cmp_time - oldest first, then by id */

static int
quar_cmp_time(const void *a, const void *b)
{
	const struct quar_info *x = *(struct quar_info *const *)a;
	const struct quar_info *y = *(struct quar_info *const *)b;

	if (x->time != y->time)
		return (x->time < y->time ? -1 : 1);
	return (strcmp(x->id, y->id));
}

/* quar_each - every entry, oldest first */

int
quar_each(const char *dir, quar_each_fn *fn, void *arg, struct buf *why)
{
	struct quar_info **v = NULL, *qi;
	struct dirent	*de;
	struct buf	*one = buf_new(128);
	DIR		*d;
	size_t		 n = 0, i, l;
	char		 id[QUAR_ID_MAX + 1];

	if ((d = opendir(dir)) == NULL) {
		buf_free(one);
		if (errno == ENOENT)
			return (WN_OK);		/* nothing quarantined yet */
		buf_printf(why, "%s: %s", dir, strerror(errno));
		return (WN_TEMP);
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l <= 5 || l - 5 > QUAR_ID_MAX ||
		    strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		memcpy(id, de->d_name, l - 5);
		id[l - 5] = '\0';
		buf_reset(one);
		if (quar_read(dir, id, &qi, one) != WN_OK) {
			buf_printf(why, "%s%s", buf_len(why) ? "; " : "",
			    buf_str(one));
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = qi;
	}
	(void)closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), quar_cmp_time);
	for (i = 0; i < n; i++) {
		fn(v[i], arg);
		quar_info_free(v[i]);
	}
	free(v);
	buf_free(one);
	return (WN_OK);
}

/* quar_lock - exclusive lock on an entry's info file */

int
quar_lock(const char *dir, const char *id, struct buf *why)
{
	char	 path[PATH_MAX], name[QUAR_ID_MAX + 16];
	int	 fd;

	if (!quar_id_ok(id)) {
		buf_printf(why, "\"%s\" is not a quarantine id", id);
		return (-1);
	}
	(void)snprintf(name, sizeof(name), "%s.json", id);
	if (quar_path(path, sizeof(path), dir, name) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (-1);
	}
	/* Our own lock file: the info file is replaced by rename. */
	(void)close(fd);
	(void)snprintf(name, sizeof(name), "%s.lock", id);
	if (quar_path(path, sizeof(path), dir, name) < 0 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (-1);
	}
	owner_like_dir(fd, dir);
	if (flock(fd, LOCK_EX) < 0) {
		buf_printf(why, "flock %s: %s", path, strerror(errno));
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* quar_unlock - release an entry's lock */

void
quar_unlock(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

/* quar_mark_released - add a release to the info, durably */

int
quar_mark_released(const char *dir, const char *id, const char *to,
    struct buf *why)
{
	char		 path[PATH_MAX], name[QUAR_ID_MAX + 16];
	json_error_t	 err;
	json_t		*o, *rel, *r;
	struct iovec	 iov;
	char		*text;
	int		 rc;

	if (!quar_id_ok(id)) {
		buf_printf(why, "\"%s\" is not a quarantine id", id);
		return (WN_PERM);
	}
	(void)snprintf(name, sizeof(name), "%s.json", id);
	if (quar_path(path, sizeof(path), dir, name) < 0)
		return (WN_PERM);
	if ((o = json_load_file(path, 0, &err)) == NULL) {
		buf_printf(why, "%s: %s", path, err.text);
		return (WN_TEMP);
	}
	if (!json_is_array(rel = json_object_get(o, "releases"))) {
		rel = json_array();
		json_object_set_new(o, "releases", rel);
	}
	r = json_object();
	json_object_set_new(r, "time", json_integer(time(NULL)));
	json_object_set_new(r, "to", quar_jstr(to));
	json_array_append_new(rel, r);
	text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		log_fatal("quar_mark_released: out of memory");
	iov.iov_base = text;
	iov.iov_len = strlen(text);
	rc = quar_write_tmp(dir, name, &iov, 1, 1, why);
	free(text);
	if (rc != WN_OK)
		return (rc);
	return (quar_fsync_dir(dir, why));
}

/* quar_unlink - remove DIR/ID.EXT; ENOENT is fine */

static int
quar_unlink(const char *dir, const char *id, const char *ext,
    struct buf *why)
{
	char	 path[PATH_MAX], name[QUAR_ID_MAX + 16];

	(void)snprintf(name, sizeof(name), "%s%s", id, ext);
	if (quar_path(path, sizeof(path), dir, name) < 0)
		return (WN_PERM);
	if (unlink(path) < 0 && errno != ENOENT) {
		buf_printf(why, "unlink %s: %s", path, strerror(errno));
		return (WN_TEMP);
	}
	return (WN_OK);
}

/* quar_delete - remove an entry */

int
quar_delete(const char *dir, const char *id, struct buf *why)
{
	char	 path[PATH_MAX], name[QUAR_ID_MAX + 16];
	int	 rc;

	if (!quar_id_ok(id)) {
		buf_printf(why, "\"%s\" is not a quarantine id", id);
		return (WN_PERM);
	}
	(void)snprintf(name, sizeof(name), "%s.json", id);
	if (quar_path(path, sizeof(path), dir, name) < 0 ||
	    access(path, F_OK) < 0) {
		buf_printf(why, "no quarantine entry %s", id);
		return (WN_PERM);
	}
	if ((rc = quar_unlink(dir, id, ".json", why)) != WN_OK ||
	    (rc = quar_unlink(dir, id, ".eml", why)) != WN_OK ||
	    (rc = quar_unlink(dir, id, ".lock", why)) != WN_OK)
		return (rc);
	return (quar_fsync_dir(dir, why));
}

/* Purge state: the cutoff and what was found. */
struct quar_purge_st {
	const char	*dir;
	time_t		 cutoff;
	size_t		 removed;
	struct buf	*why;
	int		 rc;
};

/* quar_purge_one - remove one entry if it is old enough */

static void
quar_purge_one(const struct quar_info *qi, void *arg)
{
	struct quar_purge_st *ps = arg;

	if (qi->time > ps->cutoff || ps->rc != WN_OK)
		return;
	if ((ps->rc = quar_delete(ps->dir, qi->id, ps->why)) == WN_OK)
		ps->removed++;
}

/* quar_purge_leftovers - *.tmp, *.lock and lone *.eml files, if old */

static void
quar_purge_leftovers(const char *dir, time_t now)
{
	char		 path[PATH_MAX], json[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	size_t		 l;
	int		 lone;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (de->d_name[0] == '.' || quar_path(path, sizeof(path), dir,
		    de->d_name) < 0 || stat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime > now - QUAR_STALE)
			continue;
		lone = 0;
		if (l > 4 && (strcmp(de->d_name + l - 4, ".eml") == 0 ||
		    strcmp(de->d_name + l - 5, ".lock") == 0)) {
			(void)snprintf(json, sizeof(json), "%s/%.*s.json", dir,
			    (int)(l - (de->d_name[l - 1] == 'l' ? 4 : 5)),
			    de->d_name);
			lone = access(json, F_OK) < 0;
		}
		if (lone || (l > 4 && strcmp(de->d_name + l - 4, ".tmp") ==
		    0))
			(void)unlink(path);
	}
	(void)closedir(d);
}

/* quar_purge - remove old entries and old leftovers */

int
quar_purge(const char *dir, time_t cutoff, size_t *removed_r,
    struct buf *why)
{
	struct quar_purge_st ps;
	int		 rc;

	memset(&ps, 0, sizeof(ps));
	ps.dir = dir;
	ps.cutoff = cutoff;
	ps.why = why;
	ps.rc = WN_OK;
	rc = quar_each(dir, quar_purge_one, &ps, why);
	quar_purge_leftovers(dir, time(NULL));
	*removed_r = ps.removed;
	return (rc != WN_OK ? rc : ps.rc);
}
