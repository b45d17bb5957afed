/*
 * fleet_pub.c - batches for the fleet's Redis from the store and the
 * history; the durable cursor
 *
 * Reading the store costs a read of the file (a few megabytes at most,
 * sstore.h) each time it has grown; the buckets are summed in a sorted
 * array, so a full replacement after a compaction is O(n log n).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* lib */
#include "buf.h"
#include "status.h"
#include "xalloc.h"

/* stats */
#include "history.h"
#include "live.h"
#include "sstore.h"
#include "svec.h"

/* fleet */
#include "fleet_key.h"
#include "fleet_pub.h"

#define FLEET_CURSOR_MAGIC	"WNF1"

/* fleet_cursor_load - read the cursor */

int
fleet_cursor_load(const char *path, struct fleet_cursor *c, struct buf *why)
{
	unsigned long long ino, off, hist, epoch;
	long long	 pub, started;
	char		 line[512];
	FILE		*f;
	int		 ok;

	memset(c, 0, sizeof(*c));
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (0);
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (-1);
	}
	ok = fgets(line, sizeof(line), f) != NULL && sscanf(line,
	    FLEET_CURSOR_MAGIC " ino=%llu off=%llu published=%lld "
	    "started=%lld pid=%ld hist=%llu epoch=%llx", &ino, &off, &pub,
	    &started, &c->pid, &hist, &epoch) == 7;
	(void)fclose(f);
	if (!ok) {
		memset(c, 0, sizeof(*c));
		buf_printf(why, "%s: not a fleet cursor; starting over", path);
		return (-1);
	}
	c->ino = ino;
	c->off = off;
	c->published = pub;
	c->started = started;
	c->hist = hist;
	c->epoch = epoch;
	return (0);
}

/* fleet_cursor_save - write the cursor: new file, fsync, rename */

int
fleet_cursor_save(const char *path, const struct fleet_cursor *c,
    struct buf *why)
{
	char	 tmp[4096], line[512];
	int	 fd, n;

	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	n = snprintf(line, sizeof(line), FLEET_CURSOR_MAGIC " ino=%llu "
	    "off=%llu published=%lld started=%lld pid=%ld hist=%llu "
	    "epoch=%llx\n", (unsigned long long)c->ino,
	    (unsigned long long)c->off, (long long)c->published,
	    (long long)c->started, c->pid, (unsigned long long)c->hist,
	    (unsigned long long)c->epoch);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0)
		goto fail;
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0) {
		(void)close(fd);
		(void)unlink(tmp);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		(void)unlink(tmp);
		goto fail;
	}
	return (0);
fail:
	buf_printf(why, "%s: %s", path, strerror(errno));
	return (-1);
}

/* fleet_cursor_restart - all again, under a new epoch */

void
fleet_cursor_restart(struct fleet_cursor *c)
{
	uint64_t	 e = 0;

	while (e == 0 && getrandom(&e, sizeof(e), 0) == sizeof(e))
		;
	if (e == 0)
		e = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	memset(c, 0, sizeof(*c));
	c->epoch = e;
}

/* fleet_batch_init - an empty batch from a cursor */

void
fleet_batch_init(struct fleet_batch *b, const struct fleet_cursor *cur)
{
	memset(b, 0, sizeof(*b));
	b->next = *cur;
}

/* fleet_batch_free - release the commands */

void
fleet_batch_free(struct fleet_batch *b)
{
	size_t	 i;
	int	 k;

	for (i = 0; i < b->n; i++) {
		for (k = 0; k < b->cmd[i].argc; k++)
			free(b->cmd[i].argv[k]);
		free(b->cmd[i].argv);
		free(b->cmd[i].len);
	}
	free(b->cmd);
	b->cmd = NULL;
	b->n = b->cap = 0;
}

/* fleet_batch_add - append a command, copying its arguments */

void
fleet_batch_add(struct fleet_batch *b, int argc, const char *const *argv,
    const size_t *len)
{
	struct fleet_cmd *c;
	int		 k;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->cmd = xreallocarray(b->cmd, b->cap, sizeof(*b->cmd));
	}
	c = &b->cmd[b->n++];
	c->argc = argc;
	c->argv = xcalloc((size_t)argc, sizeof(*c->argv));
	c->len = xcalloc((size_t)argc, sizeof(*c->len));
	for (k = 0; k < argc; k++) {
		c->len[k] = len != NULL && len[k] != 0 ? len[k] :
		    strlen(argv[k]);
		c->argv[k] = xmalloc(c->len[k] + 1);
		memcpy(c->argv[k], argv[k], c->len[k]);
		c->argv[k][c->len[k]] = '\0';
	}
}

/* A bucket of the store: every record of (res, ts) summed. */
struct fleet_bucket {
	int		 res;
	int64_t		 ts;
	struct svec	*v;
	int		 dirty;
};

struct fleet_buckets {
	size_t		 n, cap;
	struct fleet_bucket *b;
	int		 dirty;		/* records being read are past off */
};

/* fleet_buckets_record - sstore_fn: a record, kept for sorting */

static void
fleet_buckets_record(int res, int64_t ts, const struct svec *v, void *arg)
{
	struct fleet_buckets *bs = arg;
	struct fleet_bucket *b;

	if (bs->n == bs->cap) {
		bs->cap = bs->cap ? bs->cap * 2 : 256;
		bs->b = xreallocarray(bs->b, bs->cap, sizeof(*bs->b));
	}
	b = &bs->b[bs->n++];
	b->res = res;
	b->ts = ts;
	b->v = svec_new();
	svec_merge(b->v, v);
	b->dirty = bs->dirty;
}

/* fleet_bucket_cmp - by resolution, then start */

static int
fleet_bucket_cmp(const void *a, const void *b)
{
	const struct fleet_bucket *x = a, *y = b;

	if (x->res != y->res)
		return (x->res < y->res ? -1 : 1);
	return (x->ts < y->ts ? -1 : x->ts > y->ts);
}

/* fleet_buckets_merge - sort and sum the records of each bucket */

static void
fleet_buckets_merge(struct fleet_buckets *bs)
{
	size_t	 i, o = 0;

	if (bs->n == 0)
		return;
	qsort(bs->b, bs->n, sizeof(*bs->b), fleet_bucket_cmp);
	for (i = 1; i < bs->n; i++) {
		if (bs->b[i].res == bs->b[o].res &&
		    bs->b[i].ts == bs->b[o].ts) {
			svec_merge(bs->b[o].v, bs->b[i].v);
			bs->b[o].dirty |= bs->b[i].dirty;
			svec_free(bs->b[i].v);
		} else
			bs->b[++o] = bs->b[i];
	}
	bs->n = o + 1;
}

/* fleet_read - a whole file, its inode and size */

static int
fleet_read(const char *path, char **data_r, size_t *len_r, uint64_t *ino_r,
    struct buf *why)
{
	struct stat	 st;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd;

	*data_r = NULL;
	*len_r = 0;
	*ino_r = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return (WN_OK);
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (WN_TEMP);
	}
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)SSTORE_RECORD_MAX * 64) {
		buf_printf(why, "%s: %s", path, errno ? strerror(errno) :
		    "too large");
		(void)close(fd);
		return (WN_TEMP);
	}
	*data_r = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size && (r = read(fd, *data_r + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	(void)close(fd);
	*len_r = got;
	*ino_r = (uint64_t)st.st_ino;
	return (WN_OK);
}

/* fleet_pub_hset - one HSET of the chosen buckets of a node */

static void
fleet_pub_hset(struct fleet_batch *b, const char *key,
    const struct fleet_buckets *bs, int all)
{
	const char	**argv;
	size_t		*len, i;
	char		(*field)[FLEET_FIELD_MAX];
	struct buf	**val;
	int		 argc = 2;

	argv = xcalloc(2 + 2 * bs->n, sizeof(*argv));
	len = xcalloc(2 + 2 * bs->n, sizeof(*len));
	field = xcalloc(bs->n + 1, sizeof(*field));
	val = xcalloc(bs->n + 1, sizeof(*val));
	argv[0] = "HSET";
	argv[1] = key;
	for (i = 0; i < bs->n; i++) {
		if (!all && !bs->b[i].dirty)
			continue;
		fleet_field_format(bs->b[i].res, bs->b[i].ts, field[i],
		    sizeof(field[i]));
		val[i] = buf_new(64);
		svec_pack(bs->b[i].v, val[i]);
		argv[argc] = field[i];
		len[argc++] = 0;
		argv[argc] = buf_str(val[i]);
		len[argc++] = buf_len(val[i]);
		b->buckets++;
		if (bs->b[i].res == SRES_MINUTE && bs->b[i].ts >
		    b->next.published)
			b->next.published = bs->b[i].ts;
	}
	if (argc > 2)
		fleet_batch_add(b, argc, argv, len);
	for (i = 0; i < bs->n; i++)
		buf_free(val[i]);
	free(val);
	free(field);
	free(len);
	free(argv);
}

/* fleet_pub_stats - the store's buckets Redis lacks */

int
fleet_pub_stats(struct fleet_batch *b, const char *path, const char *node,
    struct buf *why)
{
	struct fleet_buckets bs = { 0 };
	struct buf	*problems;
	char		*data, key[FLEET_KEY_MAX];
	const char	*cmd[2];
	size_t		 len, i;
	uint64_t	 ino;
	int		 rc;

	if ((rc = fleet_read(path, &data, &len, &ino, why)) != WN_OK)
		return (rc);
	b->full = ino != b->next.ino || len < b->next.off;
	if (!b->full && len == b->next.off) {
		free(data);
		return (WN_OK);
	}
	problems = buf_new(64);
	sstore_parse(path, data, b->full ? 0 : (size_t)b->next.off,
	    fleet_buckets_record, &bs, problems);
	bs.dirty = 1;
	sstore_parse(path, data + (b->full ? 0 : b->next.off), len -
	    (b->full ? 0 : (size_t)b->next.off), fleet_buckets_record, &bs,
	    problems);
	free(data);
	if (buf_len(problems) > 0 && !b->full) {
		/* A record still being written, or damage: wait for the
		 * next look (a compaction sets it right). */
		buf_printf(why, "%s", buf_str(problems));
		rc = WN_TEMP;
		goto out;
	}
	fleet_buckets_merge(&bs);
	fleet_key_stats(node, key, sizeof(key));
	if (b->full) {
		cmd[0] = "MULTI";
		fleet_batch_add(b, 1, cmd, NULL);
		cmd[0] = "DEL";
		cmd[1] = key;
		fleet_batch_add(b, 2, cmd, NULL);
	}
	fleet_pub_hset(b, key, &bs, b->full);
	if (b->full) {
		cmd[0] = "EXEC";
		fleet_batch_add(b, 1, cmd, NULL);
	}
	b->next.ino = ino;
	b->next.off = len;
out:
	for (i = 0; i < bs.n; i++)
		svec_free(bs.b[i].v);
	free(bs.b);
	buf_free(problems);
	return (rc);
}

struct fleet_hist {
	struct fleet_batch *b;
	const char	*node;
	char		 maxlen[24];
	size_t		 max;
	size_t		 n;
};

/* fleet_pub_entry - history_fn: one verdict as an XADD */

static void
fleet_pub_entry(const struct history_entry *e, void *arg)
{
	struct fleet_hist *h = arg;
	struct buf	*text;
	const char	*argv[14];
	char		 seq[24], *js;
	json_t		*j;

	if (h->n == h->max)
		return;
	text = buf_new(512);
	history_render_text(e, text);
	j = history_json(e);
	js = json_dumps(j, JSON_COMPACT);
	(void)snprintf(seq, sizeof(seq), "%" PRIu64, e->seq);
	argv[0] = "XADD";
	argv[1] = FLEET_KEY_HISTORY;
	argv[2] = "MAXLEN";
	argv[3] = "~";
	argv[4] = h->maxlen;
	argv[5] = "*";
	argv[6] = "node";
	argv[7] = h->node;
	argv[8] = "seq";
	argv[9] = seq;
	argv[10] = "text";
	argv[11] = buf_str(text);
	argv[12] = "json";
	argv[13] = js != NULL ? js : "{}";
	fleet_batch_add(h->b, 14, argv, NULL);
	free(js);
	json_decref(j);
	buf_free(text);
	h->b->verdicts++;
	h->b->next.hist = e->seq + 1;
	h->n++;
}

/* fleet_pub_history - the verdicts past the cursor */

void
fleet_pub_history(struct fleet_batch *b, const struct live *l,
    const char *node, unsigned int maxlen, size_t max)
{
	struct fleet_hist h = { b, node, "", max, 0 };
	struct live_info in;
	uint64_t	 next;

	live_info(l, &in);
	if (in.started != b->next.started || in.master_pid != b->next.pid) {
		/* Another master's ring: its numbers start again. */
		b->next.started = in.started;
		b->next.pid = in.master_pid;
		b->next.hist = 0;
	}
	(void)snprintf(h.maxlen, sizeof(h.maxlen), "%u", maxlen);
	next = history_each(l, b->next.hist, NULL, fleet_pub_entry, &h);
	if (h.n < max)
		b->next.hist = next;
}
