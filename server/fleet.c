/*
 * fleet.c - the fleet process: this node's statistics, verdicts and
 * heartbeat into the fleet's Redis
 *
 * Why a process of its own, like the control process: nothing on the
 * mail path may wait for Redis, or even share a loop with it.  Children
 * count into the live file and the master rolls the counters up into the
 * statistics store as before; this process, started and restarted by the
 * master, reads the store and the live file's verdict ring and sends
 * what Redis does not have yet.  When Redis is away the node loses
 * nothing and slows down not at all: the store and the ring are the
 * buffer, and [stats] dir/fleet/cursor (fleet/fleet_pub.h) says how far
 * Redis has them, so a replay after an outage - or after this process or
 * the whole node restarted - sends exactly what is missing, as absolute
 * values.
 *
 * Redis is spoken through hiredis's async API on a libuv loop: every
 * publish_interval one batch (all the buckets that changed and up to
 * FLEET_HISTORY_BATCH verdicts) goes out pipelined, and the cursor moves
 * when the last answer is in; every heartbeat a SET with a TTL and a ROLE
 * (a primary demoted by a failover says "slave": go and ask the sentinels
 * again).  A connection that does not come up within connect_timeout, or
 * a batch unanswered for FLEET_STALL times that (a hung Redis), is dropped
 * at once (fleet_kill) and tried again after a pause that doubles up to
 * FLEET_RETRY_MAX_MS.  With sentinel:// the
 * sentinels are asked in turn for the primary each time a connection to
 * it is made.
 *
 * The quarantine index (fleet_quar.c) rides the same connection and
 * tick: it reconciles the quarantine directory with the node's hash.
 *
 * Shared learning (fleet_apply.c) runs on a timer of the same loop with
 * a blocking connection of its own: applying examples is CPU work that
 * would hold up the loop whatever the connection, and this process has
 * nothing on the mail path to hold up.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>
#include <uv.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "proctitle.h"
#include "status.h"
#include "timeutil.h"
#include "version.h"
#include "xalloc.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "live.h"
#include "stats_conf.h"

/* fleet */
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_pub.h"

/* server */
#include "server.h"

#define FLEET_HISTORY_BATCH	2000
#define FLEET_STALL		5	/* x connect_timeout: a hung Redis */
#define FLEET_RETRY_MIN_MS	500
#define FLEET_RETRY_MAX_MS	5000

enum { FL_DOWN, FL_SENTINEL, FL_CONNECTING, FL_READY };

static struct fleet {
	uv_loop_t	*loop;
	uv_timer_t	 tick, beat, retry, learn;
	uv_signal_t	 term;
	struct fleet_url url;
	char		*password;
	int		 state;
	int		 stopping;
	redisAsyncContext *ac;		/* the primary (or the one Redis) */
	redisAsyncContext *sac;		/* a sentinel being asked */
	size_t		 sentinel;	/* which one next */
	struct fleet_addr primary;
	uint64_t	 state_ms;	/* when the state was entered */
	unsigned int	 backoff;
	int		 warned;
	char		 why[256];	/* why the last connection failed */
	struct fleet_cursor cur;
	struct fleet_batch batch;
	int		 busy;		/* batch in flight */
	size_t		 left;		/* its answers still to come */
	int		 failed;	/* one of them was an error */
	uint64_t	 sent_ms;
	uint64_t	 rounds;	/* batches sent */
	uint64_t	 commands;	/* commands sent */
	char		 store[4096], cursor[4096];
	char		 beatkey[FLEET_KEY_MAX];
	char		 epochkey[FLEET_KEY_MAX];
	int		 epoch_set;	/* the epoch key is to be written */
	struct fleet_addr last;		/* the primary last written to */
} fl;

static void	 fleet_connect(void);
static void	 fleet_publish(void);
static void	 fleet_on_beat(uv_timer_t *);
static void	 fleet_on_epoch(redisAsyncContext *, void *, void *);

/* fleet_prepare - in the master's new child, before privileges go: the
 * password file may be readable by root only */

void
fleet_prepare(void)
{
	struct buf	*why = buf_new(128);

	if (fleet_password(&fl.password, why) < 0)
		log_error("fleet: %s; connecting without a password",
		    buf_str(why));
	buf_free(why);
}

/* fleet_wanted - whether the master should run the fleet process */

int
fleet_wanted(void)
{
	return (fleet_conf_on());
}

/* fleet_set_state - enter a state */

static void
fleet_set_state(int state)
{
	fl.state = state;
	fl.state_ms = time_now_ms();
}

/* fleet_down - a connection failed: note why, try again later */

static void
fleet_down(const char *what)
{
	if (fl.stopping)
		return;
	(void)snprintf(fl.why, sizeof(fl.why), "%s", what);
	if (!fl.warned)
		log_warn("fleet: Redis unavailable: %s; the node goes on "
		    "alone and catches up when it is back", what);
	else
		log_debug("fleet: %s", what);
	fl.warned = 1;
	fleet_set_state(FL_DOWN);
	fl.backoff = fl.backoff == 0 ? FLEET_RETRY_MIN_MS :
	    fl.backoff * 2 > FLEET_RETRY_MAX_MS ? FLEET_RETRY_MAX_MS :
	    fl.backoff * 2;
	(void)uv_timer_start(&fl.retry, (uv_timer_cb)fleet_connect,
	    fl.backoff, 0);
}

/* fleet_drop - close the primary's connection (its callbacks run with
 * no answer; the disconnect callback takes it from there) */

static void
fleet_drop(const char *what)
{
	(void)snprintf(fl.why, sizeof(fl.why), "%s", what);
	if (fl.ac != NULL)
		redisAsyncDisconnect(fl.ac);
}

/* fleet_kill - from a timer: free the primary's connection at once, even
 * a half-open one or one whose answers never come (redisAsyncDisconnect
 * waits for them; a stopped Redis never sends them, and a connection not
 * yet up gets no disconnect callback) */

static void
fleet_kill(const char *what)
{
	redisAsyncContext *ac = fl.ac;

	fl.ac = NULL;		/* its callbacks, run now with no answer,
				 * see a context that is not ours */
	fl.busy = 0;
	fleet_quar_lost();
	if (ac != NULL)
		redisAsyncFree(ac);
	fleet_down(what);
}

/* fleet_on_disconnect - hiredis: the primary's connection is gone */

static void
fleet_on_disconnect(const redisAsyncContext *ac, int status)
{
	if (ac != fl.ac)
		return;
	fl.ac = NULL;
	fl.busy = 0;
	fleet_quar_lost();
	fleet_down(status == REDIS_OK && fl.why[0] != '\0' ? fl.why :
	    ac->errstr[0] != '\0' ? ac->errstr : "disconnected");
}

/* fleet_reply_error - whether an answer is no answer or an error */

static int
fleet_reply_error(const redisReply *r, const char *what)
{
	if (r == NULL)
		return (1);
	if (r->type == REDIS_REPLY_ERROR) {
		log_warn("fleet: %s: %.*s", what, (int)r->len, r->str);
		if (r->len >= 8 && strncmp(r->str, "READONLY", 8) == 0)
			fleet_drop("the primary became a replica");
		return (1);
	}
	return (0);
}

/* fleet_on_epoch - does this Redis hold what the cursor says it has? */

static void
fleet_on_epoch(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;
	char		 hex[24];

	(void)arg;
	if (ac != fl.ac || fl.state != FL_CONNECTING ||
	    fleet_reply_error(r, "GET"))
		return;
	(void)snprintf(hex, sizeof(hex), "%llx",
	    (unsigned long long)fl.cur.epoch);
	if (fl.cur.epoch == 0 || r->type != REDIS_REPLY_STRING ||
	    strcmp(r->str, hex) != 0) {
		if (fl.cur.epoch != 0)
			log_notice("fleet: Redis %s:%u lacks this node's "
			    "figures (emptied, or new): sending all again",
			    fl.primary.host, fl.primary.port);
		fleet_cursor_restart(&fl.cur);
		fl.epoch_set = 1;
	}
	/* Replication is asynchronous: a new primary may lack the last
	 * writes the old one took, so the statistics go whole (the same
	 * values again change nothing). */
	if (fl.last.port != 0 && (strcmp(fl.last.host, fl.primary.host) !=
	    0 || fl.last.port != fl.primary.port)) {
		log_notice("fleet: the primary is now %s:%u; sending the "
		    "statistics whole", fl.primary.host, fl.primary.port);
		fl.cur.ino = 0;
	}
	fl.last = fl.primary;
	if (fl.warned)
		log_notice("fleet: Redis %s:%u is back; sending what it "
		    "missed", fl.primary.host, fl.primary.port);
	else
		log_info("fleet: connected to Redis %s:%u as node %s",
		    fl.primary.host, fl.primary.port, fleet_node());
	fl.warned = 0;
	fl.backoff = 0;
	fleet_set_state(FL_READY);
	fleet_on_beat(NULL);
	fleet_publish();
	fleet_quar_lost();
	fleet_quar_tick(fl.ac);
}

/* fleet_on_role - ROLE: only a primary takes our writes */

static void
fleet_on_role(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	(void)arg;
	if (ac != fl.ac || fleet_reply_error(r, "ROLE"))
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "master") != 0) {
		fleet_drop("connected to a replica, not the primary");
		return;
	}
	if (fl.state == FL_CONNECTING)
		(void)redisAsyncCommand(ac, fleet_on_epoch, NULL, "GET %s",
		    fl.epochkey);
}

/* fleet_on_setup - AUTH and SELECT */

static void
fleet_on_setup(redisAsyncContext *ac, void *reply, void *arg)
{
	if (ac == fl.ac && fleet_reply_error(reply, arg))
		fleet_drop(arg);
}

/* fleet_on_connect - hiredis: the primary's connection is up, or not */

static void
fleet_on_connect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	char		 db[16];

	if (ac != fl.ac)
		return;
	if (status != REDIS_OK) {
		fl.ac = NULL;		/* hiredis frees it */
		fleet_down(ac->errstr);
		return;
	}
	if (fl.password != NULL)
		(void)redisAsyncCommand(ac, fleet_on_setup, "AUTH",
		    "AUTH %s", fl.password);
	(void)snprintf(db, sizeof(db), "%u", fl.url.db);
	(void)redisAsyncCommand(ac, fleet_on_setup, "SELECT", "SELECT %s",
	    db);
	(void)redisAsyncCommand(ac, fleet_on_role, NULL, "ROLE");
}

/* fleet_attach - a new async context on the loop, or NULL */

static redisAsyncContext *
fleet_attach(const struct fleet_addr *a, redisConnectCallback *conn,
    redisDisconnectCallback *disc)
{
	redisAsyncContext *ac;
	char		 what[300];

	ac = redisAsyncConnect(a->host, (int)a->port);
	if (ac == NULL || ac->err || redisLibuvAttach(ac, fl.loop) !=
	    REDIS_OK) {
		(void)snprintf(what, sizeof(what), "%s:%u: %s", a->host,
		    a->port, ac && ac->err ? ac->errstr : "cannot connect");
		if (ac != NULL)
			redisAsyncFree(ac);
		fleet_down(what);
		return (NULL);
	}
	(void)redisAsyncSetConnectCallback(ac, conn);
	(void)redisAsyncSetDisconnectCallback(ac, disc);
	return (ac);
}

/* fleet_connect_primary - connect to the primary (or the one Redis) */

static void
fleet_connect_primary(void)
{
	fleet_set_state(FL_CONNECTING);
	fl.why[0] = '\0';
	fl.ac = fleet_attach(&fl.primary, fleet_on_connect,
	    fleet_on_disconnect);
}

/* fleet_on_sentinel_gone - hiredis: a sentinel's connection closed */

static void
fleet_on_sentinel_gone(const redisAsyncContext *ac, int status)
{
	(void)status;
	if (ac == fl.sac)
		fl.sac = NULL;
}

/* fleet_on_master_addr - a sentinel named the primary, or did not */

static void
fleet_on_master_addr(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;
	struct buf	*why = buf_new(64);
	int		 ok;

	(void)arg;
	if (ac != fl.sac) {
		buf_free(why);
		return;
	}
	ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    fleet_primary_parse(r->element[0]->str, r->element[0]->len,
	    r->element[1]->str, r->element[1]->len, &fl.primary, why) == 0;
	redisAsyncDisconnect(ac);
	fl.sac = NULL;
	if (ok) {
		log_debug("fleet: a sentinel names %s:%u the primary",
		    fl.primary.host, fl.primary.port);
		fleet_connect_primary();
	} else if (fl.sentinel < fl.url.naddr) {
		fleet_connect();	/* the next sentinel */
	} else
		fleet_down("no sentinel named the primary");
	buf_free(why);
}

/* fleet_on_sentinel - hiredis: a sentinel's connection is up, or not */

static void
fleet_on_sentinel(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;

	if (ac != fl.sac)
		return;
	if (status != REDIS_OK) {
		fl.sac = NULL;
		if (fl.sentinel < fl.url.naddr)
			fleet_connect();
		else
			fleet_down("no sentinel answers");
		return;
	}
	(void)redisAsyncCommand(ac, fleet_on_master_addr, NULL,
	    "SENTINEL get-master-addr-by-name %s", fl.url.master);
}

/* fleet_connect - start a connection: a sentinel first, or the Redis */

static void
fleet_connect(void)
{
	if (fl.stopping || fl.ac != NULL)
		return;
	if (!fl.url.sentinel) {
		fl.primary = fl.url.addr[0];
		fleet_connect_primary();
		return;
	}
	if (fl.state != FL_SENTINEL)
		fl.sentinel = 0;
	fleet_set_state(FL_SENTINEL);
	fl.sac = fleet_attach(&fl.url.addr[fl.sentinel++],
	    fleet_on_sentinel, fleet_on_sentinel_gone);
}

/* fleet_on_batch - one answer of the batch; the last moves the cursor */

static void
fleet_on_batch(redisAsyncContext *ac, void *reply, void *arg)
{
	struct buf	*why;

	(void)arg;
	if (ac != fl.ac) {
		/* A connection killed under its batch (fleet_kill). */
		if (fl.left > 0 && --fl.left == 0)
			fleet_batch_free(&fl.batch);
		return;
	}
	if (fleet_reply_error(reply, "publishing"))
		fl.failed = 1;
	if (--fl.left > 0)
		return;
	fl.busy = 0;
	if (fl.failed) {
		fleet_batch_free(&fl.batch);
		return;
	}
	why = buf_new(64);
	if (fleet_cursor_save(fl.cursor, &fl.batch.next, why) < 0)
		log_warn("fleet: %s; Redis will be sent some of it again",
		    buf_str(why));
	fl.cur = fl.batch.next;
	fl.epoch_set = 0;
	log_debug("fleet: published %zu buckets%s, %zu verdicts",
	    fl.batch.buckets, fl.batch.full ? " (all)" : "",
	    fl.batch.verdicts);
	fleet_batch_free(&fl.batch);
	buf_free(why);
	/* More verdicts than one batch holds: go on at once. */
	if (fl.batch.verdicts == FLEET_HISTORY_BATCH)
		fleet_publish();
}

/* fleet_publish - send what Redis lacks, as one pipelined batch */

static void
fleet_publish(void)
{
	struct buf	*why;
	const char	*argv[3];
	char		 hex[24];
	size_t		 i;
	int		 rc;

	if (fl.state != FL_READY || fl.busy || fl.ac == NULL)
		return;
	why = buf_new(128);
	fleet_batch_init(&fl.batch, &fl.cur);
	rc = fleet_pub_stats(&fl.batch, fl.store, fleet_node(), why);
	if (rc != WN_OK)
		log_debug("fleet: statistics: %s; next time", buf_str(why));
	fleet_pub_history(&fl.batch, server_live, fleet_node(),
	    fleet_conf.history_max, FLEET_HISTORY_BATCH);
	buf_free(why);
	if (fl.batch.n == 0 && !fl.epoch_set) {
		/* Nothing to send but maybe a new master's ring. */
		fl.cur = fl.batch.next;
		return;
	}
	if (fl.epoch_set) {
		/* Last: the epoch says the node's keys are whole. */
		(void)snprintf(hex, sizeof(hex), "%llx",
		    (unsigned long long)fl.batch.next.epoch);
		argv[0] = "SET";
		argv[1] = fl.epochkey;
		argv[2] = hex;
		fleet_batch_add(&fl.batch, 3, argv, NULL);
	}
	fl.busy = 1;
	fl.failed = 0;
	fl.left = fl.batch.n;
	fl.sent_ms = time_now_ms();
	fl.rounds++;
	fl.commands += fl.batch.n;
	for (i = 0; i < fl.batch.n; i++)
		if (redisAsyncCommandArgv(fl.ac, fleet_on_batch, NULL,
		    fl.batch.cmd[i].argc, (const char **)fl.batch.cmd[i].argv,
		    fl.batch.cmd[i].len) != REDIS_OK) {
			fl.failed = 1;
			fl.left -= fl.batch.n - i;
			if (fl.left == 0) {
				fl.busy = 0;
				fleet_batch_free(&fl.batch);
			}
			break;
		}
}

/* fleet_on_tick - publish; give up on a connection that hangs */

static void
fleet_on_tick(uv_timer_t *t)
{
	(void)t;
	if ((fl.state == FL_CONNECTING || fl.state == FL_SENTINEL) &&
	    time_now_ms() - fl.state_ms > fleet_conf.connect_timeout) {
		if (fl.sac != NULL) {
			redisAsyncContext *sac = fl.sac;

			fl.sac = NULL;
			redisAsyncFree(sac);
		}
		if (fl.ac != NULL) {
			fleet_kill("connect timed out");
			return;
		}
		if (fl.state == FL_SENTINEL && fl.sentinel < fl.url.naddr)
			fleet_connect();
		else
			fleet_down("connect timed out");
		return;
	}
	if (fl.busy && time_now_ms() - fl.sent_ms >
	    (uint64_t)fleet_conf.connect_timeout * FLEET_STALL) {
		fleet_kill("no answer to a batch");
		return;
	}
	fleet_publish();
	if (fl.state == FL_READY)
		fleet_quar_tick(fl.ac);
}

/* fleet_on_beat_done - the heartbeat's answers */

static void
fleet_on_beat_done(redisAsyncContext *ac, void *reply, void *arg)
{
	(void)ac;
	(void)fleet_reply_error(reply, arg);
}

/* fleet_on_beat - say this node is up, and check the primary's role */

static void
fleet_on_beat(uv_timer_t *t)
{
	struct fleet_beat b;
	struct live_info in;
	struct buf	*v;
	char		 px[24];

	(void)t;
	if (fl.state != FL_READY || fl.ac == NULL) {
		fleet_nodes_away(fl.why);
		return;
	}
	memset(&b, 0, sizeof(b));
	live_info(server_live, &in);
	b.time_ms = time_wall_ms();
	b.interval_ms = fleet_conf.heartbeat;
	b.started = in.started;
	b.pid = (long)in.master_pid;
	b.published = fl.cur.published;
	(void)snprintf(b.version, sizeof(b.version), "%s", WINNOW_VERSION);
	(void)snprintf(b.control, sizeof(b.control), "%s",
	    fleet_control_url());
	v = buf_new(128);
	fleet_beat_format(&b, v);
	buf_printf(v, " rounds=%llu commands=%llu",
	    (unsigned long long)fl.rounds, (unsigned long long)fl.commands);
	/* The key outlives the node by a while, so it is shown "down"
	 * before it is gone. */
	(void)snprintf(px, sizeof(px), "%llu", (unsigned long long)
	    fleet_conf.heartbeat * FLEET_BEATS_DOWN * 20);
	(void)redisAsyncCommand(fl.ac, fleet_on_beat_done, "heartbeat",
	    "SET %s %s PX %s", fl.beatkey, buf_str(v), px);
	(void)redisAsyncCommand(fl.ac, fleet_on_beat_done, "SADD", "SADD %s %s",
	    FLEET_KEY_NODES, fleet_node());
	(void)redisAsyncCommand(fl.ac, fleet_on_role, NULL, "ROLE");
	fleet_nodes_beat(fl.ac, px);
	buf_free(v);
}

/* fleet_on_learn - shared learning (fleet_apply.c) */

static void
fleet_on_learn(uv_timer_t *t)
{
	(void)t;
	if (!fl.stopping)
		fleet_apply_tick();
}

/* fleet_on_term - SIGTERM: stop */

static void
fleet_on_term(uv_signal_t *s, int sig)
{
	(void)sig;
	fl.stopping = 1;
	if (fl.ac != NULL)
		redisAsyncDisconnect(fl.ac);
	if (fl.sac != NULL)
		redisAsyncDisconnect(fl.sac);
	fleet_apply_stop();
	uv_stop(s->loop);
}

/* fleet_main - the fleet process */

void
fleet_main(void)
{
	struct buf	*why = buf_new(128);
	const char	*dir = stats_conf_dir(smtp_conf.spool_dir);

	log_init("winnowd/fleet");
	proctitle_set("winnowd: fleet");
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	(void)signal(SIGPIPE, SIG_IGN);
	if (getppid() == 1)
		exit(EX_OK);
	if (fleet_url_parse(fleet_conf.redis, &fl.url, why) < 0)
		log_fatal_code(EX_CONFIG, "fleet: %s", buf_str(why));
	(void)snprintf(fl.store, sizeof(fl.store), "%s/store", dir);
	(void)snprintf(fl.cursor, sizeof(fl.cursor), "%s/fleet/cursor", dir);
	fleet_key_beat(fleet_node(), fl.beatkey, sizeof(fl.beatkey));
	fleet_key_epoch(fleet_node(), fl.epochkey, sizeof(fl.epochkey));
	buf_reset(why);
	if (fleet_cursor_load(fl.cursor, &fl.cur, why) < 0)
		log_warn("fleet: %s", buf_str(why));
	fl.loop = uv_default_loop();
	(void)uv_timer_init(fl.loop, &fl.tick);
	(void)uv_timer_init(fl.loop, &fl.beat);
	(void)uv_timer_init(fl.loop, &fl.retry);
	(void)uv_timer_init(fl.loop, &fl.learn);
	(void)uv_signal_init(fl.loop, &fl.term);
	(void)uv_signal_start(&fl.term, fleet_on_term, SIGTERM);
	(void)uv_timer_start(&fl.tick, fleet_on_tick,
	    fleet_conf.publish_interval, fleet_conf.publish_interval);
	(void)uv_timer_start(&fl.beat, fleet_on_beat, 200,
	    fleet_conf.heartbeat);
	fleet_apply_init(dir);
	(void)uv_timer_start(&fl.learn, fleet_on_learn, 300,
	    fleet_conf.learn_interval);
	log_info("node %s publishes to %s", fleet_node(), fleet_conf.redis);
	fleet_connect();
	(void)uv_run(fl.loop, UV_RUN_DEFAULT);
	buf_free(why);
	exit(EX_OK);
}
