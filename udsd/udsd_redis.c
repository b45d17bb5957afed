/*
 * udsd_redis.c - the Redis store: shared by several udsd, or a fleet
 *
 * Keys (PREFIX is [udsd] redis_prefix):
 *	PREFIX r KIND DIGEST	the record (udsd.h), TTL [udsd] ttl
 *	PREFIX n KIND DIGEST	its hit count (INCR), same TTL
 *	PREFIX s SHINGLE	up to max_ids digests, newest first, same TTL
 * every key binary (the kind a byte, the digest 16 bytes, the shingle 8
 * big-endian bytes).  Redis expires them; a report or a hit sets the TTL
 * again (on the record, its hit count and the shingles that matched).
 *
 * A CHECK is one MGET of every item's record and hit count and the text's
 * 32 shingles; only when a text is known by shingles, not exactly, a second
 * MGET reads the best candidates' records.  hiredis pipelines: the
 * requests of a whole batch go out in one write and their answers come
 * back in one read.  Reports (ADD, DELETE, HAM) are Lua scripts, so each
 * item's read-modify-write is atomic however many udsd share the store.
 *
 * Redis away: while the connection is down (refused, closed, or silent
 * past redis_timeout - then it is dropped), checks are answered
 * UDS_ST_UNAVAILABLE ("unknown" for the client, no points) and writes too
 * (winnowctl says the store is unavailable); a reconnection is tried every
 * second, and the first that succeeds makes the store answer again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* external */
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>
#include <uv.h>

/* lib */
#include "buf.h"
#include "endpoint.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* udsd */
#include "udsd.h"

#define REDIS_RETRY_MS	1000
#define REDIS_KEY_MAX	64
#define REDIS_CANDS	3
#define REDIS_MAX_ARGS	(2 * UDS_WIRE_MAX_ITEMS + UDS_SHINGLES + 8)

struct redis_store {
	uv_loop_t	*loop;
	redisAsyncContext *ac;
	int		 up;		/* connected and answering */
	struct endpoint	 ep;
	uv_timer_t	 timer;		/* reconnect, stall watch, DBSIZE */
	uint64_t	 pending;	/* commands without an answer */
	uint64_t	 last_answer_ms;
	uint64_t	 next_try_ms;
	uint64_t	 dbsize;
	int		 warned;
	int		 closing;
};

/* A CHECK between its two MGETs. */
struct redis_check {
	struct redis_store *s;
	struct udsd_job	*job;
	struct udsd_votes votes;
	size_t		 ncand;
	int		 text;		/* index of the item voted on */
	int		 waits;		/* answers still to come */
};

/* A keyed argument: prefix, type letter, bytes. */
struct rkey {
	char		 b[REDIS_KEY_MAX];
	size_t		 len;
};

/* Lua: one item of ADD (KEYS: record, hit count, shingles...; ARGV: flag,
 * weight, now, ttl, digest, max_ids); returns {record, hits}. */
static const char redis_lua_add[] =
"local f, w, now, ttl, d, maxids = tonumber(ARGV[1]), tonumber(ARGV[2]),"
" tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])\n"
"local r = redis.call('GET', KEYS[1])\n"
"local v, fl, z, count, hits, created, touched\n"
"if r and #r == 20 then v, fl, z, count, hits, created, touched ="
" struct.unpack('>BBHIIII', r) end\n"
"if v ~= 1 then fl, count, created = f, 0, now\n"
"elseif f == 1 then fl = 1 end\n"
"count = count + w\n"
"if count > 4294967295 then count = 4294967295 end\n"
"local nr = struct.pack('>BBHIIII', 1, fl, 0, count, 0, created, now)\n"
"redis.call('SET', KEYS[1], nr, 'EX', ttl)\n"
"local h = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
"if h > 0 then redis.call('EXPIRE', KEYS[2], ttl) end\n"
"for i = 3, #KEYS do\n"
"  local old, out = redis.call('GET', KEYS[i]) or '', d\n"
"  for j = 1, #old - 15, 16 do\n"
"    local x = string.sub(old, j, j + 15)\n"
"    if x ~= d and #out < maxids * 16 then out = out .. x end\n"
"  end\n"
"  redis.call('SET', KEYS[i], out, 'EX', ttl)\n"
"end\n"
"return {nr, h}\n";

/* Lua: one item of DELETE (KEYS: record, hit count; ARGV: weight);
 * returns {record or '', hits}. */
static const char redis_lua_delete[] =
"local w = tonumber(ARGV[1])\n"
"local r = redis.call('GET', KEYS[1])\n"
"if not r or #r ~= 20 then return {'', 0} end\n"
"local v, fl, z, count, hits, created, touched ="
" struct.unpack('>BBHIIII', r)\n"
"if w == 0 or count <= w then\n"
"  redis.call('DEL', KEYS[1], KEYS[2])\n"
"  return {'', 0}\n"
"end\n"
"local nr = struct.pack('>BBHIIII', 1, fl, 0, count - w, 0, created,"
" touched)\n"
"redis.call('SET', KEYS[1], nr, 'KEEPTTL')\n"
"return {nr, tonumber(redis.call('GET', KEYS[2]) or '0')}\n";

/* Lua: one item of HAM (KEYS: record, hit count, shingles...; ARGV: now,
 * ttl, digest, max_ids, votes, record key prefix); the item and the texts
 * its shingles name votes times or more become ham-confirmed. */
static const char redis_lua_ham[] =
"local now, ttl, d, maxids, need, rp = tonumber(ARGV[1]),"
" tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]),"
" ARGV[6]\n"
"local function mark(k)\n"
"  local r = redis.call('GET', k)\n"
"  local v, fl, z, count, hits, created, touched\n"
"  if r and #r == 20 then v, fl, z, count, hits, created, touched ="
" struct.unpack('>BBHIIII', r) end\n"
"  if v ~= 1 then count, created = 0, now end\n"
"  local nr = struct.pack('>BBHIIII', 1, 1, 0, count, 0, created, now)\n"
"  redis.call('SET', k, nr, 'EX', ttl)\n"
"  return nr\n"
"end\n"
"local tally = {}\n"
"for i = 3, #KEYS do\n"
"  local old = redis.call('GET', KEYS[i]) or ''\n"
"  for j = 1, #old - 15, 16 do\n"
"    local x = string.sub(old, j, j + 15)\n"
"    tally[x] = (tally[x] or 0) + 1\n"
"  end\n"
"end\n"
"for x, n in pairs(tally) do\n"
"  if n >= need and x ~= d and redis.call('EXISTS', rp .. x) == 1 then"
" mark(rp .. x) end\n"
"end\n"
"local nr = mark(KEYS[1])\n"
"for i = 3, #KEYS do\n"
"  local old, out = redis.call('GET', KEYS[i]) or '', d\n"
"  for j = 1, #old - 15, 16 do\n"
"    local x = string.sub(old, j, j + 15)\n"
"    if x ~= d and #out < maxids * 16 then out = out .. x end\n"
"  end\n"
"  redis.call('SET', KEYS[i], out, 'EX', ttl)\n"
"end\n"
"return {nr, 0}\n";

/* rkey_record, rkey_hits, rkey_shingle - the keys of an item */

static void
rkey_make(struct rkey *k, char type, const uint8_t *p, size_t n)
{
	size_t	 pl = strlen(udsd_conf.redis_prefix);

	memcpy(k->b, udsd_conf.redis_prefix, pl);
	k->b[pl] = type;
	memcpy(k->b + pl + 1, p, n);
	k->len = pl + 1 + n;
}

static void
rkey_record(struct rkey *k, char type, unsigned int kind, const uint8_t *d)
{
	uint8_t	 key[UDSD_KEY_LEN];

	udsd_record_key(kind, d, key);
	rkey_make(k, type, key, sizeof(key));
}

static void
rkey_shingle(struct rkey *k, uint64_t v)
{
	uint8_t	 b[8];
	int	 i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	rkey_make(k, 's', b, sizeof(b));
}

static void	redis_connect(struct redis_store *);

/* redis_down - the store stopped answering */

static void
redis_down(struct redis_store *s, const char *why)
{
	if (s->up || !s->warned)
		log_error("redis %s: %s; UDS lookups answer unknown and "
		    "reports are refused until it is back", s->ep.text, why);
	s->up = 0;
	s->warned = 1;
	s->next_try_ms = time_now_ms() + REDIS_RETRY_MS;
}

/* redis_on_connect - hiredis: connected, or not */

static void
redis_on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_store *s = ac->data;

	if (status != REDIS_OK) {
		s->ac = NULL;		/* hiredis frees it */
		redis_down(s, ac->errstr);
		return;
	}
	s->up = 1;
	s->warned = 0;
	s->last_answer_ms = time_now_ms();
	log_notice("redis %s: connected; the UDS store answers", s->ep.text);
}

/* redis_on_disconnect - hiredis: the connection is gone */

static void
redis_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_store *s = ac->data;

	s->ac = NULL;
	s->pending = 0;
	if (!s->closing)
		redis_down(s, status == REDIS_OK ? "disconnected" :
		    ac->errstr);
}

/* redis_connect - start a connection (non-blocking) */

static void
redis_connect(struct redis_store *s)
{
	redisAsyncContext *ac;

	if (s->ep.kind == ENDPOINT_UNIX)
		ac = redisAsyncConnectUnix(s->ep.path);
	else
		ac = redisAsyncConnect(s->ep.host, atoi(s->ep.port));
	if (ac == NULL || ac->err) {
		redis_down(s, ac ? ac->errstr : "cannot connect");
		if (ac != NULL)
			redisAsyncFree(ac);
		return;
	}
	ac->data = s;
	if (redisLibuvAttach(ac, s->loop) != REDIS_OK) {
		redis_down(s, "cannot attach to the event loop");
		redisAsyncFree(ac);
		return;
	}
	(void)redisAsyncSetConnectCallback(ac, redis_on_connect);
	(void)redisAsyncSetDisconnectCallback(ac, redis_on_disconnect);
	s->ac = ac;
	s->pending = 0;
	s->last_answer_ms = time_now_ms();
}

/* redis_answered - bookkeeping of one answer */

static int
redis_answered(struct redis_store *s, redisReply *r)
{
	if (s->pending > 0)
		s->pending--;
	s->last_answer_ms = time_now_ms();
	if (r == NULL)
		return (-1);
	if (r->type == REDIS_REPLY_ERROR) {
		log_error("redis %s: %s", s->ep.text, r->str);
		return (-1);
	}
	return (0);
}

/* redis_send - one command; -1 when it cannot go out */

static int
redis_send(struct redis_store *s, redisCallbackFn *fn, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	if (!s->up || s->ac == NULL)
		return (-1);
	if (redisAsyncCommandArgv(s->ac, fn, arg, argc, argv, argvlen) !=
	    REDIS_OK)
		return (-1);
	s->pending++;
	return (0);
}

/* redis_fire - a command whose answer nobody waits for (TTLs, hits) */

static void
redis_fire_cb(redisAsyncContext *ac, void *r, void *arg)
{
	(void)arg;
	(void)redis_answered(ac->data, r);
}

/* redis_record_value - a record from an MGET element */

static int
redis_record_value(const redisReply *e, struct udsd_record *r)
{
	if (e == NULL || e->type != REDIS_REPLY_STRING)
		return (-1);
	return (udsd_record_unpack((const uint8_t *)e->str, (size_t)e->len,
	    r));
}

/* redis_hits_value - a hit count from an MGET element */

static uint32_t
redis_hits_value(const redisReply *e)
{
	if (e == NULL || e->type != REDIS_REPLY_STRING)
		return (0);
	return ((uint32_t)strtoul(e->str, NULL, 10));
}

/* redis_touch - a hit: count it, set the TTLs again */

static void
redis_touch(struct redis_store *s, unsigned int kind, const uint8_t *d,
    const struct uds_item *it, uint32_t shingles)
{
	struct rkey	 k, n, sk;
	char		 ttl[16];
	const char	*argv[3];
	size_t		 argvlen[3];
	unsigned int	 i;

	(void)snprintf(ttl, sizeof(ttl), "%u", udsd_conf.ttl_ms / 1000);
	rkey_record(&k, 'r', kind, d);
	rkey_record(&n, 'n', kind, d);
	argv[0] = "INCR";
	argv[1] = n.b;
	argvlen[0] = 4;
	argvlen[1] = n.len;
	(void)redis_send(s, redis_fire_cb, NULL, 2, argv, argvlen);
	argv[0] = "EXPIRE";
	argvlen[0] = 6;
	argv[2] = ttl;
	argvlen[2] = strlen(ttl);
	(void)redis_send(s, redis_fire_cb, NULL, 3, argv, argvlen);
	argv[1] = k.b;
	argvlen[1] = k.len;
	(void)redis_send(s, redis_fire_cb, NULL, 3, argv, argvlen);
	for (i = 0; it != NULL && i < it->nshingles; i++) {
		if (!(shingles & ((uint32_t)1 << i)))
			continue;
		rkey_shingle(&sk, it->shingle[i]);
		argv[1] = sk.b;
		argvlen[1] = sk.len;
		(void)redis_send(s, redis_fire_cb, NULL, 3, argv, argvlen);
	}
}

/* redis_unavailable - answer a job: the store is down */

static void
redis_unavailable(struct udsd_job *job)
{
	job->reply.status = UDS_ST_UNAVAILABLE;
	job->reply.nitems = 0;
	udsd_stat[UDS_STAT_UNAVAILABLE]++;
	job->done(job);
}

/* redis_check_cands - the second MGET's answer: the candidates' records */

static void
redis_check_cands(redisAsyncContext *ac, void *reply, void *arg)
{
	struct redis_check *c = arg;
	struct udsd_job	*job = c->job;
	redisReply	*r = reply;
	struct udsd_record rec;
	struct uds_res	*res = &job->reply.item[c->text], cr;
	size_t		 i;
	int		 found = -1;

	if (redis_answered(ac->data, r) < 0 || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2 * c->ncand) {
		redis_unavailable(job);
		free(c);
		return;
	}
	for (i = 0; i < c->ncand; i++) {
		if (redis_record_value(r->element[2 * i], &rec) < 0)
			continue;
		rec.hits = redis_hits_value(r->element[2 * i + 1]);
		udsd_result(&rec, c->votes.c[i].votes, &cr);
		if (cr.result == UDS_R_HAM) {
			*res = cr;
			found = -1;
			break;
		}
		if (found < 0 || (cr.result == UDS_R_HIT &&
		    res->result != UDS_R_HIT)) {
			*res = cr;
			found = (int)i;
		}
	}
	if (found >= 0 && res->result == UDS_R_HIT) {
		res->hits++;
		redis_touch(c->s, UDS_KIND_TEXT, c->votes.c[found].digest,
		    &job->req.item[c->text], c->votes.c[found].shingles);
	}
	job->done(job);
	free(c);
}

/* redis_check_first - the first MGET's answer */

static void
redis_check_first(redisAsyncContext *ac, void *reply, void *arg)
{
	struct redis_check *c = arg;
	struct redis_store *s = ac->data;
	struct udsd_job	*job = c->job;
	redisReply	*r = reply;
	struct udsd_record rec;
	struct rkey	 keys[2 * REDIS_CANDS];
	const char	*argv[1 + 2 * REDIS_CANDS];
	size_t		 argvlen[1 + 2 * REDIS_CANDS], i, j, e = 0;
	const struct uds_item *it;

	if (redis_answered(s, r) < 0 || r->type != REDIS_REPLY_ARRAY) {
		redis_unavailable(job);
		free(c);
		return;
	}
	job->reply.nitems = job->req.nitems;
	c->text = -1;
	for (i = 0; i < job->req.nitems; i++) {
		struct uds_res *res = &job->reply.item[i];

		it = &job->req.item[i];
		memset(res, 0, sizeof(*res));
		if (e + 2 > r->elements)
			break;
		if (redis_record_value(r->element[e], &rec) == 0) {
			rec.hits = redis_hits_value(r->element[e + 1]);
			udsd_result(&rec, UDS_VOTES_EXACT, res);
			if (res->result == UDS_R_HIT) {
				res->hits++;
				redis_touch(s, it->kind, it->digest, NULL, 0);
			}
		} else if (it->nshingles > 0 && c->text < 0) {
			c->text = (int)i;
			c->votes.n = 0;
			for (j = 0; j < it->nshingles && e + 2 + j <
			    r->elements; j++) {
				redisReply *sv = r->element[e + 2 + j];

				if (sv->type == REDIS_REPLY_STRING)
					udsd_votes_add(&c->votes, (unsigned)j,
					    (const uint8_t *)sv->str,
					    (size_t)sv->len);
			}
		}
		e += 2 + it->nshingles;
	}
	if (c->text >= 0)
		c->ncand = udsd_votes_rank(&c->votes, udsd_conf.votes);
	if (c->text < 0 || c->ncand == 0) {
		job->done(job);
		free(c);
		return;
	}
	if (c->ncand > REDIS_CANDS)
		c->ncand = REDIS_CANDS;
	argv[0] = "MGET";
	argvlen[0] = 4;
	for (i = 0; i < c->ncand; i++) {
		rkey_record(&keys[2 * i], 'r', UDS_KIND_TEXT,
		    c->votes.c[i].digest);
		rkey_record(&keys[2 * i + 1], 'n', UDS_KIND_TEXT,
		    c->votes.c[i].digest);
		argv[1 + 2 * i] = keys[2 * i].b;
		argvlen[1 + 2 * i] = keys[2 * i].len;
		argv[2 + 2 * i] = keys[2 * i + 1].b;
		argvlen[2 + 2 * i] = keys[2 * i + 1].len;
	}
	if (redis_send(s, redis_check_cands, c, (int)(1 + 2 * c->ncand), argv,
	    argvlen) < 0) {
		redis_unavailable(job);
		free(c);
	}
}

/* redis_check - a CHECK: one MGET of records, hit counts and shingles */

static void
redis_check(struct udsd_store *st, struct udsd_job *job)
{
	struct redis_store *s = st->priv;
	struct redis_check *c;
	static struct rkey keys[REDIS_MAX_ARGS];
	const char	*argv[REDIS_MAX_ARGS];
	size_t		 argvlen[REDIS_MAX_ARGS], i, j, n = 1;

	if (!s->up) {
		redis_unavailable(job);
		return;
	}
	argv[0] = "MGET";
	argvlen[0] = 4;
	for (i = 0; i < job->req.nitems; i++) {
		const struct uds_item *it = &job->req.item[i];

		if (n + 2 + it->nshingles > REDIS_MAX_ARGS)
			break;	/* cannot happen: one text per request */
		rkey_record(&keys[n], 'r', it->kind, it->digest);
		rkey_record(&keys[n + 1], 'n', it->kind, it->digest);
		n += 2;
		for (j = 0; j < it->nshingles; j++)
			rkey_shingle(&keys[n++], it->shingle[j]);
	}
	for (i = 1; i < n; i++) {
		argv[i] = keys[i].b;
		argvlen[i] = keys[i].len;
	}
	c = xmalloc(sizeof(*c));	/* the tally is set when it is used */
	c->s = s;
	c->job = job;
	c->votes.n = 0;
	c->ncand = 0;
	c->text = -1;
	if (redis_send(s, redis_check_first, c, (int)n, argv, argvlen) < 0) {
		free(c);
		redis_unavailable(job);
	}
}

/* A report between its scripts' answers. */
struct redis_write {
	struct redis_store *s;
	struct udsd_job	*job;
	int		 waits;
	int		 failed;
};

/* redis_write_item_done - one script answered */

static void
redis_write_item_done(redisAsyncContext *ac, void *reply, void *arg)
{
	struct redis_write *w = arg;
	struct udsd_job	*job = w->job;
	redisReply	*r = reply;
	struct udsd_record rec;
	size_t		 i = (size_t)(job->reply.nitems);

	if (redis_answered(ac->data, r) < 0 || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2)
		w->failed = 1;
	else if (i < job->req.nitems) {
		memset(&job->reply.item[i], 0, sizeof(job->reply.item[i]));
		if (redis_record_value(r->element[0], &rec) == 0) {
			rec.hits = r->element[1]->type == REDIS_REPLY_INTEGER ?
			    (uint32_t)r->element[1]->integer : 0;
			udsd_result(&rec, UDS_VOTES_EXACT,
			    &job->reply.item[i]);
		}
	}
	job->reply.nitems++;
	if (--w->waits > 0)
		return;
	if (w->failed)
		redis_unavailable(job);
	else
		job->done(job);
	free(w);
}

/* redis_write - ADD, DELETE, HAM: a script per item */

static void
redis_write(struct udsd_store *st, struct udsd_job *job)
{
	struct redis_store *s = st->priv;
	struct redis_write *w;
	static struct rkey keys[REDIS_MAX_ARGS];
	const char	*argv[REDIS_MAX_ARGS];
	size_t		 argvlen[REDIS_MAX_ARGS], i, j, nk, na;
	char		 nums[6][24];
	const char	*script;
	struct rkey	 rp;
	uint8_t		 text = UDS_KIND_TEXT;

	if (!s->up || job->req.nitems == 0) {
		if (!s->up)
			redis_unavailable(job);
		else
			job->done(job);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->job = job;
	job->reply.nitems = 0;
	rkey_make(&rp, 'r', &text, 1);	/* a text record key, no digest */
	for (i = 0; i < job->req.nitems; i++) {
		const struct uds_item *it = &job->req.item[i];

		script = job->req.op == UDS_OP_ADD ? redis_lua_add :
		    job->req.op == UDS_OP_DELETE ? redis_lua_delete :
		    redis_lua_ham;
		rkey_record(&keys[0], 'r', it->kind, it->digest);
		rkey_record(&keys[1], 'n', it->kind, it->digest);
		nk = 2;
		if (job->req.op != UDS_OP_DELETE)
			for (j = 0; j < it->nshingles; j++)
				rkey_shingle(&keys[nk++], it->shingle[j]);
		argv[0] = "EVAL";
		argvlen[0] = 4;
		argv[1] = script;
		argvlen[1] = strlen(script);
		(void)snprintf(nums[0], sizeof(nums[0]), "%zu", nk);
		argv[2] = nums[0];
		argvlen[2] = strlen(nums[0]);
		for (j = 0; j < nk; j++) {
			argv[3 + j] = keys[j].b;
			argvlen[3 + j] = keys[j].len;
		}
		na = 3 + nk;
		if (job->req.op == UDS_OP_ADD) {
			(void)snprintf(nums[1], 24, "%u", job->req.flag);
			(void)snprintf(nums[2], 24, "%u", job->req.weight);
		} else if (job->req.op == UDS_OP_DELETE)
			(void)snprintf(nums[2], 24, "%u", job->req.weight);
		(void)snprintf(nums[3], 24, "%u", udsd_now());
		(void)snprintf(nums[4], 24, "%u", udsd_conf.ttl_ms / 1000);
		(void)snprintf(nums[5], 24, "%u", udsd_conf.max_ids);
		if (job->req.op == UDS_OP_ADD) {
			argv[na] = nums[1];
			argv[na + 1] = nums[2];
			argv[na + 2] = nums[3];
			argv[na + 3] = nums[4];
			argv[na + 4] = (const char *)it->digest;
			argv[na + 5] = nums[5];
			for (j = 0; j < 6; j++)
				argvlen[na + j] = j == 4 ? UDS_DIGEST_LEN :
				    strlen(argv[na + j]);
			na += 6;
		} else if (job->req.op == UDS_OP_DELETE) {
			argv[na] = nums[2];
			argvlen[na++] = strlen(nums[2]);
		} else {
			(void)snprintf(nums[1], 24, "%u", udsd_conf.votes);
			argv[na] = nums[3];
			argv[na + 1] = nums[4];
			argv[na + 2] = (const char *)it->digest;
			argv[na + 3] = nums[5];
			argv[na + 4] = nums[1];
			argv[na + 5] = rp.b;
			for (j = 0; j < 5; j++)
				argvlen[na + j] = j == 2 ? UDS_DIGEST_LEN :
				    strlen(argv[na + j]);
			argvlen[na + 5] = rp.len;
			na += 6;
		}
		w->waits++;
		if (redis_send(s, redis_write_item_done, w, (int)na, argv,
		    argvlen) < 0) {
			w->waits--;
			w->failed = 1;
			break;
		}
	}
	if (w->waits == 0) {
		redis_unavailable(job);
		free(w);
	}
}

/* redis_dbsize_cb - the key count for STATS */

static void
redis_dbsize_cb(redisAsyncContext *ac, void *reply, void *arg)
{
	struct redis_store *s = ac->data;
	redisReply	*r = reply;

	(void)arg;
	if (redis_answered(s, r) == 0 && r->type == REDIS_REPLY_INTEGER)
		s->dbsize = (uint64_t)r->integer;
}

/* redis_tick - reconnect, drop a silent connection, refresh DBSIZE */

static void
redis_tick(uv_timer_t *t)
{
	struct redis_store *s = t->data;
	uint64_t	 now = time_now_ms();
	const char	*argv[1] = { "DBSIZE" };
	size_t		 argvlen[1] = { 6 };

	if (s->ac == NULL) {
		if (now >= s->next_try_ms)
			redis_connect(s);
		return;
	}
	if (s->up && s->pending > 0 && now - s->last_answer_ms >
	    udsd_conf.redis_timeout_ms) {
		redisAsyncContext *ac = s->ac;

		redis_down(s, "no answer within redis_timeout");
		s->ac = NULL;
		redisAsyncFree(ac);	/* pending jobs: unavailable */
		return;
	}
	if (s->up)
		(void)redis_send(s, redis_dbsize_cb, NULL, 1, argv, argvlen);
}

/* redis_open - parse the address and connect in the background */

static int
redis_open(struct udsd_store *st, uv_loop_t *loop, struct buf *why)
{
	struct redis_store *s = xcalloc(1, sizeof(*s));

	st->priv = s;
	s->loop = loop;
	if (endpoint_parse(udsd_conf.redis, &s->ep, 0, why) < 0)
		return (WN_PERM);
	redis_connect(s);
	(void)uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	(void)uv_timer_start(&s->timer, redis_tick, 250, 250);
	uv_unref((uv_handle_t *)&s->timer);
	return (WN_OK);
}

/* redis_close - disconnect */

static void
redis_close(struct udsd_store *st)
{
	struct redis_store *s = st->priv;

	if (s == NULL)
		return;
	(void)uv_timer_stop(&s->timer);
	s->closing = 1;
	if (s->ac != NULL) {
		redisAsyncContext *ac = s->ac;

		s->ac = NULL;
		redisAsyncFree(ac);
	}
	s->up = 0;
}

/* redis_up - whether Redis answers */

static int
redis_up(struct udsd_store *st)
{
	return (((struct redis_store *)st->priv)->up);
}

/* redis_count - every key of the database (Redis cannot tell apart
 * records and shingles cheaply) */

static void
redis_count(struct udsd_store *st, uint64_t *sigs, uint64_t *shingles)
{
	*sigs = ((struct redis_store *)st->priv)->dbsize;
	*shingles = 0;
}

/* redis_flush - nothing: hiredis writes when the socket is writable */

static void
redis_flush(struct udsd_store *st)
{
	(void)st;
}

const struct udsd_store_ops udsd_redis_ops = {
	"redis", redis_open, redis_close, redis_up, redis_check, redis_write,
	redis_count, redis_flush
};
