/*
 * udsd_lmdb.c - the LMDB store: one file on this host, the default
 *
 * Two databases in one environment (MDB_NOSUBDIR: the file and its -lock):
 * "records" (kind + digest -> record) and "shingles" (the 64-bit min-hash,
 * MDB_INTEGERKEY -> digests).  Every key is also in a set in memory
 * (udsd_keyset.c, read at start, kept by every write), so a key the store
 * does not have - most of them - costs no B-tree search; this process must
 * be the file's only writer.  Lookups run in one read transaction that is
 * reset and renewed around each request, so they never wait for a writer
 * (LMDB readers see a snapshot; the one writer is this process).
 *
 * Writes: a report (ADD, DELETE, HAM) is one write transaction; the hit
 * counts and touch times of the records a batch of checks matched are
 * written together after the batch (flush), so a spam wave costs one
 * write per batch, not one per message.  The environment is opened with
 * MDB_NOSYNC and synced every sync_interval: a crash may lose the last
 * interval's reports and hit counts, never the file's consistency.
 *
 * Expiry: a timer walks both databases a slice at a time (sweep_batch
 * entries per sweep_interval, from where the last slice stopped): records
 * untouched for ttl go, and shingle entries drop the digests whose record
 * is gone.  A lookup treats an expired record as missing even before the
 * sweep reaches it, and no slice holds the loop longer than its batch, so
 * expiry never stalls lookups.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* external */
#include <lmdb.h>
#include <uv.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define LMDB_MAX_HITS	4096	/* hit updates pending per batch */
#define LMDB_CANDS	3	/* shingle candidates read at most */

struct lmdb_store {
	MDB_env		*env;
	MDB_dbi		 rec, shg;
	struct udsd_keyset *keys;	/* every key of both, in memory */
	MDB_txn		*rtxn;		/* reset between requests */
	uint8_t		 hit[LMDB_MAX_HITS][UDSD_KEY_LEN];
	size_t		 nhits;
	uv_timer_t	 sweep_timer, sync_timer;
	uint8_t		 sweep_rec[UDSD_KEY_LEN];
	int		 sweep_rec_at;	/* 1: resume after sweep_rec */
	uint64_t	 sweep_shg;
	int		 sweep_shg_at;
};

/* lmdb_fail - a failed LMDB call, for why */

static int
lmdb_fail(struct buf *why, const char *what, int rc)
{
	buf_printf(why, "%s %s: %s", udsd_conf.lmdb_path, what,
	    mdb_strerror(rc));
	return (rc == ENOENT || rc == EACCES ? WN_PERM : WN_TEMP);
}

/* lmdb_reckey - a record key folded to 64 bits for the key set */

static uint64_t
lmdb_reckey(unsigned int kind, const uint8_t *digest)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | digest[i];
	return (v ^ (uint64_t)kind << 56);
}

/* lmdb_read_txn - the read transaction, renewed */

static MDB_txn *
lmdb_read_txn(struct lmdb_store *s)
{
	int	 rc;

	if (s->rtxn == NULL)
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->rtxn);
	else
		rc = mdb_txn_renew(s->rtxn);
	if (rc != 0) {
		log_error("lmdb: read transaction: %s", mdb_strerror(rc));
		s->rtxn = NULL;
		return (NULL);
	}
	return (s->rtxn);
}

/* lmdb_get_record - a live record, or -1 */

static int
lmdb_get_record(struct lmdb_store *s, MDB_txn *txn, unsigned int kind,
    const uint8_t *digest, struct udsd_record *r, uint32_t now)
{
	uint8_t		 key[UDSD_KEY_LEN];
	MDB_val		 k, v;

	if (!udsd_keyset_has(s->keys, lmdb_reckey(kind, digest)))
		return (-1);
	udsd_record_key(kind, digest, key);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if (mdb_get(txn, s->rec, &k, &v) != 0 ||
	    udsd_record_unpack(v.mv_data, v.mv_size, r) < 0 ||
	    !udsd_record_alive(r, now))
		return (-1);
	return (0);
}

/* lmdb_votes - the stored digests of a text item's shingles */

static void
lmdb_votes(struct lmdb_store *s, MDB_txn *txn, const struct uds_item *it,
    struct udsd_votes *vt)
{
	MDB_val		 k, v;
	uint64_t	 key;
	unsigned int	 i;

	vt->n = 0;
	for (i = 0; i < it->nshingles; i++) {
		key = it->shingle[i];
		if (!udsd_keyset_has(s->keys, key))
			continue;
		k.mv_data = &key;
		k.mv_size = sizeof(key);
		if (mdb_get(txn, s->shg, &k, &v) == 0)
			udsd_votes_add(vt, i, v.mv_data, v.mv_size);
	}
}

/* lmdb_hit_later - remember a record to count a hit on after the batch */

static void
lmdb_hit_later(struct lmdb_store *s, unsigned int kind, const uint8_t *d)
{
	if (s->nhits < LMDB_MAX_HITS)
		udsd_record_key(kind, d, s->hit[s->nhits++]);
}

/* lmdb_check_item - one item's answer */

static void
lmdb_check_item(struct lmdb_store *s, MDB_txn *txn, const struct uds_item *it,
    struct uds_res *res, struct udsd_votes *vt, uint32_t now)
{
	struct udsd_record r;
	size_t		 i, n;
	int		 found = -1;

	memset(res, 0, sizeof(*res));
	if (lmdb_get_record(s, txn, it->kind, it->digest, &r, now) == 0) {
		udsd_result(&r, UDS_VOTES_EXACT, res);
		if (res->result == UDS_R_HIT)
			lmdb_hit_later(s, it->kind, it->digest);
		return;
	}
	if (it->nshingles == 0)
		return;
	lmdb_votes(s, txn, it, vt);
	n = udsd_votes_rank(vt, udsd_conf.votes);
	/* the best live candidates; a ham-confirmed one wins */
	for (i = 0; i < n && i < LMDB_CANDS; i++) {
		struct uds_res cr;

		if (lmdb_get_record(s, txn, UDS_KIND_TEXT, vt->c[i].digest, &r,
		    now) < 0)
			continue;
		udsd_result(&r, vt->c[i].votes, &cr);
		if (cr.result == UDS_R_HAM) {
			*res = cr;
			return;
		}
		if (found < 0 || (cr.result == UDS_R_HIT &&
		    res->result != UDS_R_HIT)) {
			*res = cr;
			found = (int)i;
		}
	}
	if (found >= 0 && res->result == UDS_R_HIT)
		lmdb_hit_later(s, UDS_KIND_TEXT, vt->c[found].digest);
}

/* lmdb_check - a CHECK request */

static void
lmdb_check(struct udsd_store *st, struct udsd_job *job)
{
	struct lmdb_store *s = st->priv;
	static struct udsd_votes vt;
	MDB_txn		*txn;
	uint32_t	 now = udsd_now();
	size_t		 i;

	if ((txn = lmdb_read_txn(s)) == NULL) {
		job->reply.status = UDS_ST_UNAVAILABLE;
		job->done(job);
		return;
	}
	job->reply.nitems = job->req.nitems;
	for (i = 0; i < job->req.nitems; i++)
		lmdb_check_item(s, txn, &job->req.item[i],
		    &job->reply.item[i], &vt, now);
	mdb_txn_reset(txn);
	job->done(job);
}

/* lmdb_put_record - write a record */

static int
lmdb_put_record(struct lmdb_store *s, MDB_txn *txn, unsigned int kind,
    const uint8_t *digest, const struct udsd_record *r)
{
	uint8_t		 key[UDSD_KEY_LEN], val[UDSD_RECORD_LEN];
	MDB_val		 k, v;

	udsd_record_key(kind, digest, key);
	udsd_record_pack(r, val);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = val;
	v.mv_size = sizeof(val);
	udsd_keyset_add(s->keys, lmdb_reckey(kind, digest));
	return (mdb_put(txn, s->rec, &k, &v, 0));
}

/* lmdb_del_record - remove a record */

static int
lmdb_del_record(struct lmdb_store *s, MDB_txn *txn, unsigned int kind,
    const uint8_t *digest)
{
	uint8_t		 key[UDSD_KEY_LEN];
	MDB_val		 k;
	int		 rc;

	udsd_record_key(kind, digest, key);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	rc = mdb_del(txn, s->rec, &k, NULL);
	if (rc == 0)
		udsd_keyset_del(s->keys, lmdb_reckey(kind, digest));
	return (rc == MDB_NOTFOUND ? 0 : rc);
}

/* lmdb_push_shingles - a text's shingles name its digest */

static int
lmdb_push_shingles(struct lmdb_store *s, MDB_txn *txn,
    const struct uds_item *it)
{
	uint8_t		 val[UDSD_MAX_IDS * UDS_DIGEST_LEN];
	MDB_val		 k, v;
	uint64_t	 key;
	size_t		 n;
	unsigned int	 i;
	int		 rc;

	for (i = 0; i < it->nshingles; i++) {
		key = it->shingle[i];
		k.mv_data = &key;
		k.mv_size = sizeof(key);
		if ((rc = mdb_get(txn, s->shg, &k, &v)) == 0)
			n = udsd_shingle_push(v.mv_data, v.mv_size,
			    it->digest, udsd_conf.max_ids, val);
		else if (rc == MDB_NOTFOUND)
			n = udsd_shingle_push(NULL, 0, it->digest,
			    udsd_conf.max_ids, val);
		else
			return (rc);
		v.mv_data = val;
		v.mv_size = n;
		udsd_keyset_add(s->keys, key);
		if ((rc = mdb_put(txn, s->shg, &k, &v, 0)) != 0)
			return (rc);
	}
	return (0);
}

/* lmdb_write_item - one item of ADD, DELETE or HAM */

static int
lmdb_write_item(struct lmdb_store *s, MDB_txn *txn, const struct uds_req *q,
    const struct uds_item *it, struct uds_res *res, uint32_t now)
{
	struct udsd_record r;
	struct udsd_votes *vt;
	size_t		 i, n;
	int		 have, rc = 0;

	memset(res, 0, sizeof(*res));
	have = lmdb_get_record(s, txn, it->kind, it->digest, &r, now) == 0;
	if (!have) {
		memset(&r, 0, sizeof(r));
		r.created = now;
	}
	switch (q->op) {
	case UDS_OP_DELETE:
		if (!have)
			return (0);
		if (q->weight == 0 || r.count <= q->weight)
			return (lmdb_del_record(s, txn, it->kind, it->digest));
		r.count -= q->weight;
		break;
	case UDS_OP_HAM:
		r.flag = UDS_FLAG_HAM;
		if (it->nshingles == 0)
			break;
		/* its near matches are ham-confirmed too */
		vt = xmalloc(sizeof(*vt));
		lmdb_votes(s, txn, it, vt);
		n = udsd_votes_rank(vt, udsd_conf.votes);
		for (i = 0; i < n && rc == 0; i++) {
			struct udsd_record cr;

			if (lmdb_get_record(s, txn, UDS_KIND_TEXT,
			    vt->c[i].digest, &cr, now) < 0)
				continue;
			cr.flag = UDS_FLAG_HAM;
			cr.touched = now;
			rc = lmdb_put_record(s, txn, UDS_KIND_TEXT,
			    vt->c[i].digest, &cr);
		}
		free(vt);
		break;
	default:
		if (!have)
			r.flag = q->flag;
		else if (q->flag == UDS_FLAG_HAM)
			r.flag = UDS_FLAG_HAM;
		r.count += q->weight;
		break;
	}
	r.touched = now;
	if (rc == 0)
		rc = lmdb_put_record(s, txn, it->kind, it->digest, &r);
	if (rc == 0 && it->nshingles > 0)
		rc = lmdb_push_shingles(s, txn, it);
	udsd_result(&r, UDS_VOTES_EXACT, res);
	return (rc);
}

/* lmdb_write - ADD, DELETE, HAM in one write transaction */

static void
lmdb_write(struct udsd_store *st, struct udsd_job *job)
{
	struct lmdb_store *s = st->priv;
	MDB_txn		*txn;
	uint32_t	 now = udsd_now();
	size_t		 i;
	int		 rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		log_error("lmdb: write transaction: %s", mdb_strerror(rc));
		job->reply.status = UDS_ST_UNAVAILABLE;
		job->done(job);
		return;
	}
	job->reply.nitems = job->req.nitems;
	for (i = 0; i < job->req.nitems && rc == 0; i++)
		rc = lmdb_write_item(s, txn, &job->req, &job->req.item[i],
		    &job->reply.item[i], now);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc != 0) {
		log_error("lmdb: %s from %s not stored: %s%s",
		    uds_wire_op_name(job->req.op), job->req.client,
		    mdb_strerror(rc), rc == MDB_MAP_FULL ? " (raise [udsd] "
		    "lmdb_size)" : "");
		job->reply.status = UDS_ST_UNAVAILABLE;
		job->reply.nitems = 0;
	}
	job->done(job);
}

/* lmdb_flush - the batch's hit counts and touch times, in one write */

static void
lmdb_flush(struct udsd_store *st)
{
	struct lmdb_store *s = st->priv;
	struct udsd_record r;
	MDB_txn		*txn;
	MDB_val		 k, v;
	uint8_t		 val[UDSD_RECORD_LEN];
	uint32_t	 now;
	size_t		 i;
	int		 rc;

	if (s->nhits == 0)
		return;
	now = udsd_now();
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto out;
	for (i = 0; i < s->nhits && rc == 0; i++) {
		k.mv_data = s->hit[i];
		k.mv_size = UDSD_KEY_LEN;
		if (mdb_get(txn, s->rec, &k, &v) != 0 ||
		    udsd_record_unpack(v.mv_data, v.mv_size, &r) < 0)
			continue;
		r.hits++;
		r.touched = now;	/* TTL refreshed on hit */
		udsd_record_pack(&r, val);
		v.mv_data = val;
		v.mv_size = sizeof(val);
		rc = mdb_put(txn, s->rec, &k, &v, 0);
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
out:
	if (rc != 0)
		log_warn("lmdb: %zu hit counts not written: %s", s->nhits,
		    mdb_strerror(rc));
	s->nhits = 0;
}

/* sweep_keep - whether a shingle's digest still has a live record */

struct sweep_arg {
	struct lmdb_store *s;
	MDB_txn		*txn;
	uint32_t	 now;
};

static int
sweep_keep(const uint8_t *digest, void *arg)
{
	struct sweep_arg *a = arg;
	struct udsd_record r;

	return (lmdb_get_record(a->s, a->txn, UDS_KIND_TEXT, digest, &r,
	    a->now) == 0);
}

/* lmdb_sweep_records - one slice of expired records */

static int
lmdb_sweep_records(struct lmdb_store *s, MDB_txn *txn, uint32_t now)
{
	struct udsd_record r;
	MDB_cursor	*c;
	MDB_val		 k, v;
	unsigned int	 n;
	int		 rc, op;

	if ((rc = mdb_cursor_open(txn, s->rec, &c)) != 0)
		return (rc);
	k.mv_data = s->sweep_rec;
	k.mv_size = UDSD_KEY_LEN;
	op = s->sweep_rec_at ? MDB_SET_RANGE : MDB_FIRST;
	for (n = 0; n < udsd_conf.sweep_batch; n++) {
		if ((rc = mdb_cursor_get(c, &k, &v, op)) != 0)
			break;
		op = MDB_NEXT;
		/* where the next slice starts (a key, not a page pointer) */
		if (k.mv_size == UDSD_KEY_LEN)
			memcpy(s->sweep_rec, k.mv_data, UDSD_KEY_LEN);
		if (udsd_record_unpack(v.mv_data, v.mv_size, &r) < 0 ||
		    !udsd_record_alive(&r, now)) {
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				break;
			udsd_keyset_del(s->keys, lmdb_reckey(s->sweep_rec[0],
			    s->sweep_rec + 1));
			udsd_stat[UDS_STAT_EXPIRED]++;
		}
	}
	/* at the end of the database: start over next time */
	s->sweep_rec_at = rc == 0;
	mdb_cursor_close(c);
	return (rc == MDB_NOTFOUND ? 0 : rc);
}

/* lmdb_sweep_shingles - one slice of shingle entries */

static int
lmdb_sweep_shingles(struct lmdb_store *s, MDB_txn *txn, uint32_t now)
{
	struct sweep_arg a = { s, txn, now };
	uint8_t		 val[UDSD_MAX_IDS * UDS_DIGEST_LEN];
	MDB_cursor	*c;
	MDB_val		 k, v, nv;
	unsigned int	 n;
	size_t		 len;
	int		 rc, op;

	if ((rc = mdb_cursor_open(txn, s->shg, &c)) != 0)
		return (rc);
	k.mv_data = &s->sweep_shg;
	k.mv_size = sizeof(s->sweep_shg);
	op = s->sweep_shg_at ? MDB_SET_RANGE : MDB_FIRST;
	for (n = 0; n < udsd_conf.sweep_batch; n++) {
		if ((rc = mdb_cursor_get(c, &k, &v, op)) != 0)
			break;
		op = MDB_NEXT;
		if (k.mv_size == sizeof(uint64_t))
			memcpy(&s->sweep_shg, k.mv_data, sizeof(uint64_t));
		if (v.mv_size > sizeof(val))
			v.mv_size = sizeof(val);
		len = udsd_shingle_filter(v.mv_data, v.mv_size, sweep_keep, &a,
		    val);
		if (len == v.mv_size)
			continue;
		if (len == 0) {
			rc = mdb_cursor_del(c, 0);
			udsd_keyset_del(s->keys, s->sweep_shg);
		} else {
			nv.mv_data = val;
			nv.mv_size = len;
			rc = mdb_cursor_put(c, &k, &nv, MDB_CURRENT);
		}
		if (rc != 0)
			break;
	}
	s->sweep_shg_at = rc == 0;
	mdb_cursor_close(c);
	return (rc == MDB_NOTFOUND ? 0 : rc);
}

/* lmdb_sweep - the timer: one slice of each database */

static void
lmdb_sweep(uv_timer_t *t)
{
	struct lmdb_store *s = t->data;
	MDB_txn		*txn;
	uint32_t	 now = udsd_now();
	int		 rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		log_warn("lmdb: sweep: %s", mdb_strerror(rc));
		return;
	}
	rc = lmdb_sweep_records(s, txn, now);
	if (rc == 0)
		rc = lmdb_sweep_shingles(s, txn, now);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc != 0)
		log_warn("lmdb: sweep: %s", mdb_strerror(rc));
}

/* lmdb_sync - the timer: flush the file */

static void
lmdb_sync(uv_timer_t *t)
{
	struct lmdb_store *s = t->data;
	int		 rc;

	if ((rc = mdb_env_sync(s->env, 1)) != 0)
		log_warn("lmdb: sync %s: %s", udsd_conf.lmdb_path,
		    mdb_strerror(rc));
}

/* lmdb_load_keys - every key of both databases into the key set */

static int
lmdb_load_keys(struct lmdb_store *s)
{
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_stat	 st1, st2;
	MDB_val		 k, v;
	uint64_t	 u;
	int		 rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return (rc);
	if ((rc = mdb_stat(txn, s->rec, &st1)) != 0 ||
	    (rc = mdb_stat(txn, s->shg, &st2)) != 0) {
		mdb_txn_abort(txn);
		return (rc);
	}
	s->keys = udsd_keyset_new(st1.ms_entries + st2.ms_entries);
	if ((rc = mdb_cursor_open(txn, s->rec, &c)) == 0) {
		while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
			if (k.mv_size == UDSD_KEY_LEN)
				udsd_keyset_add(s->keys, lmdb_reckey(
				    ((uint8_t *)k.mv_data)[0],
				    (uint8_t *)k.mv_data + 1));
		mdb_cursor_close(c);
	}
	if (rc == 0 && (rc = mdb_cursor_open(txn, s->shg, &c)) == 0) {
		while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
			if (k.mv_size == sizeof(u)) {
				memcpy(&u, k.mv_data, sizeof(u));
				udsd_keyset_add(s->keys, u);
			}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return (rc);
}

/* lmdb_open - the environment, its two databases and timers */

static int
lmdb_open(struct udsd_store *st, uv_loop_t *loop, struct buf *why)
{
	struct lmdb_store *s = xcalloc(1, sizeof(*s));
	MDB_txn		*txn;
	int		 rc;

	st->priv = s;
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, udsd_conf.lmdb_size)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 4)) != 0)
		return (lmdb_fail(why, "create", rc));
	if ((rc = mdb_env_open(s->env, udsd_conf.lmdb_path, MDB_NOSUBDIR |
	    MDB_NOSYNC | MDB_NOTLS, 0600)) != 0)
		return (lmdb_fail(why, "open", rc));
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return (lmdb_fail(why, "begin", rc));
	if ((rc = mdb_dbi_open(txn, "records", MDB_CREATE, &s->rec)) != 0 ||
	    (rc = mdb_dbi_open(txn, "shingles", MDB_CREATE | MDB_INTEGERKEY,
	    &s->shg)) != 0) {
		mdb_txn_abort(txn);
		return (lmdb_fail(why, "open databases", rc));
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return (lmdb_fail(why, "commit", rc));
	if ((rc = lmdb_load_keys(s)) != 0)
		return (lmdb_fail(why, "read keys", rc));
	(void)uv_timer_init(loop, &s->sweep_timer);
	(void)uv_timer_init(loop, &s->sync_timer);
	s->sweep_timer.data = s->sync_timer.data = s;
	(void)uv_timer_start(&s->sweep_timer, lmdb_sweep,
	    udsd_conf.sweep_interval_ms, udsd_conf.sweep_interval_ms);
	(void)uv_timer_start(&s->sync_timer, lmdb_sync,
	    udsd_conf.sync_interval_ms, udsd_conf.sync_interval_ms);
	uv_unref((uv_handle_t *)&s->sweep_timer);
	uv_unref((uv_handle_t *)&s->sync_timer);
	return (WN_OK);
}

/* lmdb_close - sync and close */

static void
lmdb_close(struct udsd_store *st)
{
	struct lmdb_store *s = st->priv;

	if (s == NULL)
		return;
	lmdb_flush(st);
	if (s->rtxn != NULL)
		mdb_txn_abort(s->rtxn);
	if (s->env != NULL) {
		(void)mdb_env_sync(s->env, 1);
		mdb_env_close(s->env);
	}
	(void)uv_timer_stop(&s->sweep_timer);
	(void)uv_timer_stop(&s->sync_timer);
	/* the timers are closed with the loop; s stays until exit */
	s->env = NULL;
}

/* lmdb_up - a local file always answers */

static int
lmdb_up(struct udsd_store *st)
{
	return (((struct lmdb_store *)st->priv)->env != NULL);
}

/* lmdb_count - entries of both databases */

static void
lmdb_count(struct udsd_store *st, uint64_t *sigs, uint64_t *shingles)
{
	struct lmdb_store *s = st->priv;
	MDB_stat	 ms;
	MDB_txn		*txn;

	*sigs = *shingles = 0;
	if ((txn = lmdb_read_txn(s)) == NULL)
		return;
	if (mdb_stat(txn, s->rec, &ms) == 0)
		*sigs = ms.ms_entries;
	if (mdb_stat(txn, s->shg, &ms) == 0)
		*shingles = ms.ms_entries;
	mdb_txn_reset(txn);
}

const struct udsd_store_ops udsd_lmdb_ops = {
	"lmdb", lmdb_open, lmdb_close, lmdb_up, lmdb_check, lmdb_write,
	lmdb_count, lmdb_flush
};
