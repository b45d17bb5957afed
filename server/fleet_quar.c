/*
 * fleet_quar.c - the fleet process: this node's quarantine into the
 * fleet's index (fleet/fleet_quar.h)
 *
 * Why a reconciliation and not a cursor: the quarantine directory is
 * itself the truth, small (bounded by [fleet] quarantine_max, the newest
 * entries) and changed by several writers - the children storing, winnowctl
 * and the control API releasing and deleting, the purge timer - none of
 * which may wait for Redis or even know of it.  A log of their changes
 * would be one more durable file each of them must write; instead this
 * process compares the directory with what it knows Redis holds and sends
 * the difference (HSET of new and changed entries, HDEL of gone ones).
 * What it knows Redis holds is kept in memory only, and forgotten with
 * every connection: the first batch on a connection replaces the node's
 * whole hash in one MULTI/EXEC.  So an entry added, released or deleted
 * while Redis was away, or while this process was down or restarting, or
 * lost by a Redis that was emptied or failed over, is in Redis after the
 * first batch on the next connection, and a reader never sees the hash
 * half replaced.  A batch that fails part-way forgets too (the next one
 * replaces the hash whole): an HSET that got through for an entry since
 * gone would otherwise never be deleted.
 *
 * Cost: the directory is read (readdir and a stat per info file) only
 * when its mtime moved - a store, a release's rewrite and a delete all
 * rename or unlink in it - or once a minute; an info file is parsed only
 * when its inode, size or mtime changed.  The difference then costs one
 * pipelined round trip.
 *
 * The heartbeat carries this node's control address (fleet_control_url),
 * which is where the others send show, message, release, delete, learn
 * and explain of its entries.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

/* lib */
#include "buf.h"
#include "endpoint.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "quar.h"

/* policy */
#include "policy.h"

/* stats */
#include "control_conf.h"

/* fleet */
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_pub.h"
#include "fleet_quar.h"

/* server */
#include "server.h"

#define FQ_RESCAN_MS	60000	/* read the directory at least this often */
#define FQ_CHUNK	256	/* entries per HSET or HDEL */

struct fq_ent {
	char		*id;
	char		*value;		/* fleet_qent_format */
	int64_t		 time;
	uint64_t	 ino, size;
	int64_t		 mtime_ns;
};

struct fq_set {
	struct fq_ent	*e;
	size_t		 n, cap;
};

static struct fq {
	int		 known;		/* Redis holds exactly `have` */
	struct fq_set	 have;		/* sorted by id */
	struct fq_set	 want;		/* the batch in flight's result */
	redisAsyncContext *ac;		/* the batch's connection */
	int		 busy, failed;
	size_t		 left;
	int64_t		 dir_mtime_ns;	/* of the last complete scan */
	int64_t		 scanned_ms;
	char		 key[FLEET_KEY_MAX];
} fq;

/* fq_set_free - a set's entries */

static void
fq_set_free(struct fq_set *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		free(s->e[i].id);
		free(s->e[i].value);
	}
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* fq_cmp_id, fq_cmp_time - orders: by id; newest first */

static int
fq_cmp_id(const void *a, const void *b)
{
	return (strcmp(((const struct fq_ent *)a)->id,
	    ((const struct fq_ent *)b)->id));
}

static int
fq_cmp_time(const void *a, const void *b)
{
	const struct fq_ent *x = a, *y = b;

	if (x->time != y->time)
		return (x->time > y->time ? -1 : 1);
	return (strcmp(x->id, y->id));
}

/* fq_find - an id in a set sorted by id, or NULL */

static struct fq_ent *
fq_find(const struct fq_set *s, const char *id)
{
	struct fq_ent	 k;

	k.id = (char *)id;
	return (s->n == 0 ? NULL : bsearch(&k, s->e, s->n, sizeof(*s->e),
	    fq_cmp_id));
}

/* fq_read - an entry's value: from what is known if its file did not
 * change, else from its info file; 0, or -1 (gone, or unreadable) */

static int
fq_read(const char *dir, const char *id, const struct stat *st,
    struct fq_ent *out)
{
	const struct fq_ent *old = fq_find(&fq.have, id);
	struct quar_info *qi = NULL;
	struct fleet_qent e;
	struct buf	*why, *v;
	int64_t		 mt = (int64_t)st->st_mtim.tv_sec * 1000000000 +
			    st->st_mtim.tv_nsec;

	out->ino = (uint64_t)st->st_ino;
	out->size = (uint64_t)st->st_size;
	out->mtime_ns = mt;
	if (old != NULL && old->ino == out->ino && old->size == out->size &&
	    old->mtime_ns == mt) {
		out->id = xstrdup(id);
		out->value = xstrdup(old->value);
		out->time = old->time;
		return (0);
	}
	why = buf_new(64);
	if (quar_read(dir, id, &qi, why) != WN_OK) {
		log_debug("fleet: quarantine index: %s", buf_str(why));
		buf_free(why);
		return (-1);
	}
	if (qi->kind != NULL && strcmp(qi->kind, "quarantine") != 0) {
		quar_info_free(qi);
		buf_free(why);
		return (-1);
	}
	fleet_qent_from_info(qi, &e);
	v = buf_new(256);
	fleet_qent_format(&e, v);
	out->id = xstrdup(id);
	out->value = xstrdup(buf_str(v));
	out->time = e.time;
	fleet_qent_free(&e);
	quar_info_free(qi);
	buf_free(v);
	buf_free(why);
	return (0);
}

/* fq_scan - the directory's entries, the newest quarantine_max, sorted
 * by id; 0, or -1 (the directory cannot be read) */

static int
fq_scan(const char *dir, struct fq_set *s)
{
	struct dirent	*d;
	struct stat	 st;
	struct fq_ent	 e;
	char		 path[4096], id[FLEET_QID_MAX];
	size_t		 n, i;
	DIR		*dp;

	memset(s, 0, sizeof(*s));
	if ((dp = opendir(dir)) == NULL)
		return (errno == ENOENT ? 0 : -1);
	while ((d = readdir(dp)) != NULL) {
		n = strlen(d->d_name);
		if (n <= 5 || n - 5 >= sizeof(id) ||
		    strcmp(d->d_name + n - 5, ".json") != 0)
			continue;
		memcpy(id, d->d_name, n - 5);
		id[n - 5] = '\0';
		if (!quar_id_ok(id))
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		memset(&e, 0, sizeof(e));
		if (fq_read(dir, id, &st, &e) < 0)
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->e = xreallocarray(s->e, s->cap, sizeof(*s->e));
		}
		s->e[s->n++] = e;
	}
	(void)closedir(dp);
	if (s->n > fleet_conf.quarantine_max) {
		qsort(s->e, s->n, sizeof(*s->e), fq_cmp_time);
		for (i = fleet_conf.quarantine_max; i < s->n; i++) {
			free(s->e[i].id);
			free(s->e[i].value);
		}
		s->n = fleet_conf.quarantine_max;
	}
	qsort(s->e, s->n, sizeof(*s->e), fq_cmp_id);
	return (0);
}

/* fq_cmd - one command of the batch */

static void
fq_cmd(struct fleet_batch *b, int argc, const char **argv)
{
	fleet_batch_add(b, argc, argv, NULL);
}

/* fq_flush - an HSET or HDEL of the collected arguments */

static void
fq_flush(struct fleet_batch *b, const char **argv, int *argc, int base)
{
	if (*argc > base)
		fq_cmd(b, *argc, argv);
	*argc = base;
}

/* fq_diff - the commands that make Redis hold want: the whole hash
 * replaced (full), or what changed since have */

static void
fq_diff(struct fleet_batch *b, const struct fq_set *want, int full)
{
	const char	**argv = xcalloc(2 * FQ_CHUNK + 2, sizeof(*argv));
	const struct fq_ent *h;
	size_t		 i;
	int		 argc = 2;

	argv[1] = fq.key;
	if (full) {
		argv[0] = "MULTI";
		fq_cmd(b, 1, argv);
		argv[0] = "DEL";
		fq_cmd(b, 2, argv);
	}
	argv[0] = "HSET";
	for (i = 0; i < want->n; i++) {
		if (!full && (h = fq_find(&fq.have, want->e[i].id)) != NULL &&
		    strcmp(h->value, want->e[i].value) == 0)
			continue;
		argv[argc++] = want->e[i].id;
		argv[argc++] = want->e[i].value;
		if (argc == 2 * FQ_CHUNK + 2)
			fq_flush(b, argv, &argc, 2);
	}
	fq_flush(b, argv, &argc, 2);
	if (!full) {
		argv[0] = "HDEL";
		for (i = 0; i < fq.have.n; i++) {
			if (fq_find(want, fq.have.e[i].id) != NULL)
				continue;
			argv[argc++] = fq.have.e[i].id;
			if (argc == FQ_CHUNK + 2)
				fq_flush(b, argv, &argc, 2);
		}
		fq_flush(b, argv, &argc, 2);
	} else {
		argv[0] = "EXEC";
		fq_cmd(b, 1, argv);
	}
	free(argv);
}

/* fq_on_reply - one answer of the batch; the last makes it known */

static void
fq_on_reply(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;
	size_t		 i;
	int		 bad = r == NULL || r->type == REDIS_REPLY_ERROR;

	(void)arg;
	if (ac != fq.ac || !fq.busy)
		return;
	/* EXEC: nil when aborted, or the answers of the queued commands */
	if (r != NULL && !fq.known && fq.left == 1) {
		if (r->type == REDIS_REPLY_NIL)
			bad = 1;
		for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements;
		    i++)
			if (r->element[i]->type == REDIS_REPLY_ERROR)
				bad = 1;
	}
	if (bad) {
		if (r != NULL && r->type == REDIS_REPLY_ERROR)
			log_warn("fleet: quarantine index: %.*s", (int)r->len,
			    r->str);
		fq.failed = 1;
	}
	if (--fq.left > 0)
		return;
	fq.busy = 0;
	if (fq.failed) {
		fq.known = 0;
		fq_set_free(&fq.want);
		return;
	}
	log_debug("fleet: quarantine index: %zu entries in Redis%s",
	    fq.want.n, fq.known ? "" : " (replaced whole)");
	fq_set_free(&fq.have);
	fq.have = fq.want;
	memset(&fq.want, 0, sizeof(fq.want));
	fq.known = 1;
}

/* fleet_quar_lost - the connection is gone: what Redis holds is not
 * known any more (the next connection replaces the hash) */

void
fleet_quar_lost(void)
{
	fq.known = 0;
	fq.busy = 0;
	fq.ac = NULL;
	fq_set_free(&fq.want);
}

/* fleet_quar_tick - send what the index lacks, on ac */

void
fleet_quar_tick(redisAsyncContext *ac)
{
	const char	*dir = policy_conf.quarantine_dir;
	struct fleet_batch b;
	struct fleet_cursor none;
	struct stat	 st;
	struct fq_set	 want;
	int64_t		 mt = -1, now = (int64_t)time_now_ms();
	size_t		 i;

	if (ac != fq.ac) {
		fleet_quar_lost();
		fq.ac = ac;
	}
	if (fq.busy || ac == NULL)
		return;
	if (fq.key[0] == '\0')
		fleet_key_quar(fleet_node(), fq.key, sizeof(fq.key));
	if (stat(dir, &st) == 0)
		mt = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec;
	if (fq.known && mt == fq.dir_mtime_ns &&
	    now - fq.scanned_ms < FQ_RESCAN_MS)
		return;
	if (fq_scan(dir, &want) < 0) {
		log_debug("fleet: quarantine index: %s: %s", dir,
		    strerror(errno));
		return;
	}
	fq.scanned_ms = now;
	/* A change within the file system's clock step of the scan may
	 * leave the mtime as it was: look again next time. */
	fq.dir_mtime_ns = mt / 1000000 + 1000 >= time_wall_ms() ? -1 : mt;
	memset(&none, 0, sizeof(none));
	fleet_batch_init(&b, &none);
	fq_diff(&b, &want, !fq.known);
	if (b.n == 0) {
		fleet_batch_free(&b);
		fq_set_free(&fq.have);
		fq.have = want;
		return;
	}
	fq.want = want;
	fq.busy = 1;
	fq.failed = 0;
	fq.left = b.n;
	for (i = 0; i < b.n; i++)
		if (redisAsyncCommandArgv(ac, fq_on_reply, NULL, b.cmd[i].argc,
		    (const char **)b.cmd[i].argv, b.cmd[i].len) != REDIS_OK) {
			fq.failed = 1;
			fq.left -= b.n - i - 1;
			fq_on_reply(ac, NULL, NULL);
			break;
		}
	fleet_batch_free(&b);
}

/* fleet_control_url - where the others reach this node's control API:
 * [fleet] control_url, or [control] listen when it is a TCP address
 * other than a wildcard; "" nowhere (a static buffer) */

const char *
fleet_control_url(void)
{
	static char	 url[FLEET_CONTROL_MAX];
	struct endpoint	 ep;
	struct buf	*why;

	if (fleet_conf.control_url != NULL && fleet_conf.control_url[0] !=
	    '\0')
		return (fleet_conf.control_url);
	if (url[0] != '\0' || control_conf.listen == NULL ||
	    strncmp(control_conf.listen, "tcp:", 4) != 0)
		return (url);
	why = buf_new(64);
	if (endpoint_parse(control_conf.listen, &ep, 0, why) == 0) {
		if (strcmp(ep.host, "0.0.0.0") != 0 && strcmp(ep.host, "::")
		    != 0 && strcmp(ep.host, "*") != 0 && ep.host[0] != '\0')
			(void)snprintf(url, sizeof(url), strchr(ep.host, ':') ?
			    "http://[%s]:%s" : "http://%s:%s", ep.host,
			    ep.port);
		endpoint_free(&ep);
	}
	buf_free(why);
	return (url);
}
