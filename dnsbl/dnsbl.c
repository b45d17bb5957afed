/*
 * dnsbl.c - one message's network checks: the run and its worker thread
 *
 * dnsbl_start() copies what it needs from the message view, picks the IPs
 * (client, Received: hops) and starts a worker thread with its own
 * resolver (resolver.c) bounded by the message's DNS deadline:
 *	now + [dns] timeout, or the view's overall deadline if sooner.
 * The worker queues every DNSBL and PTR query and sends them, finds the
 * message's URL domains and sends their URI-list queries, then evaluates
 * SPF (libspf2 is synchronous: its lookups drive the same resolver, so
 * every other answer keeps arriving while it waits; see spfc.c), and
 * finally waits for whatever is still outstanding.  The server's thread
 * meanwhile runs the local checks, then dnsbl_finish() joins the worker.
 *
 * Why a thread: the checks of one message run in sequence inside one
 * child, and SPF needs several round trips one after the other.  With the
 * worker, SPF's chain, the retries and the TCP fallbacks all progress
 * while content and AV run, so the DNS stage adds about one round trip to
 * a message, not the sum of them.  The worker blocks every signal (the
 * server's handlers stay on its own thread), touches nothing the server
 * owns but the read-only view bytes, and ends by the deadline: its poll
 * never sleeps past it and every query still pending then completes as a
 * timeout.  dnsbl_finish() still allows it DNSBL_JOIN_GRACE_MS more, then
 * cancels the resolver; a worker still not done after that (a bug) is
 * left to free the run itself and end, and the findings say timeout.
 *
 * Without SPF (no public client, or SPF off) there is no chain: every
 * query is sent by dnsbl_start() on the caller's thread, the answers wait
 * in the socket while the local checks run, and dnsbl_finish() reads them
 * (resolver_run, bounded by the same deadline) - no worker, no hand-over.
 * On corpus mail from a private client that saved 3.8 futex calls and
 * 0.8 context switches per message (bench/syscalls.py).
 *
 * The worker thread is started for a process's first run and then kept,
 * waiting for the next run: a thread per message cost a dozen system
 * calls (clone3, the signal masks around it, rseq, robust list, its
 * stack's madvise, exit), the hand-over at most four futex calls.  A fork
 * leaves the new process without it (pthread_atfork): its first run
 * starts its own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* dnsbl */
#include "dnsbl.h"
#include "dnsbl_private.h"

#define DNSBL_JOIN_GRACE_MS 1000	/* past the deadline, then cancel */

static struct dnscache	*dnsbl_cache;	/* this child's */

/* dnsbl_child_init - this child's empty cache */

void
dnsbl_child_init(void)
{
	dnscache_free(dnsbl_cache);
	dnsbl_cache = dnscache_new(dnsbl_cache_size,
	    dnsbl_cache_max_ttl_ms / 1000, dnsbl_cache_neg_ttl_ms / 1000);
}

/* dnsbl_cache_flush - forget every cached answer */

void
dnsbl_cache_flush(void)
{
	dnscache_flush(dnsbl_cache);
}

/* dnsbl_family_note - count an answer in a family's tallies */

void
dnsbl_family_note(struct family *f, const struct dnsans *a)
{
	f->asked++;
	if (a->status == DNSANS_TIMEOUT)
		f->timeouts++;
	else if (a->status == DNSANS_SERVFAIL)
		f->failures++;
	else if (a->status == DNSANS_LIMIT)
		f->limited++;
}

/* dnsbl_family_state - how far a family got */

static enum check_state
dnsbl_family_state(const struct family *f)
{
	if (f->timeouts > 0)
		return (CHECK_TIMEOUT);
	if (f->failures > 0)
		return (CHECK_ERROR);
	if (f->limited > 0)
		return (CHECK_LIMIT);
	return (CHECK_DONE);
}

/* dnsbl_run_free - release a run (the worker has ended) */

static void
dnsbl_run_free(struct dnsbl_run *run)
{
	size_t	 i;

	resolver_free(run->res);
	for (i = 0; i < run->ndomains; i++)
		free(run->domains[i]);
	free(run->domains);
	free(run->rbl);
	free(run->rblq);
	free(run->surbl);
	free(run->surblq);
	free(run->rdns_st);
	free(run->sender);
	free(run->helo);
	buf_free(run->err);
	free(run);
}

/* dnsbl_spf - evaluate SPF in the worker */

static void
dnsbl_spf(struct dnsbl_run *run)
{
	struct spfc_req	 req;
	struct spfc_out	 out;

	memset(&req, 0, sizeof(req));
	req.sender = run->sender;
	req.helo = run->helo;
	req.ip = &run->client;
	req.max_mech = spfc_max_mech;
	req.max_void = spfc_max_void;
	req.max_mx = spfc_max_mx;
	req.max_ptr = spfc_max_ptr;
	req.receiver = spfc_receiver;
	spfc_eval(run->res, &req, &out);
	run->spf = out.result;
	if (out.timeout)
		run->spf_state = CHECK_TIMEOUT;
	else if (out.result == SPF_TEMPERROR)
		run->spf_state = CHECK_ERROR;
	else
		run->spf_state = CHECK_DONE;
	(void)snprintf(run->spf_why, sizeof(run->spf_why), "%s", out.why);
}

/* The kept worker thread and the run handed to it.  Semaphores, not a
 * condition variable: a post with nobody waiting and a wait for what was
 * posted are no system call, and glibc's condition variable costs two
 * more futex calls per hand-over (the woken waiter takes the mutex
 * marked contended). */
static struct {
	pthread_mutex_t	 mu;		/* job, up, and each run's
					 * worker_done and orphaned */
	sem_t		 job_sem;	/* a run was handed over */
	sem_t		 done_sem;	/* the run's worker_done was set */
	struct dnsbl_run *job;		/* handed over, not yet taken */
	int		 up;		/* a worker thread takes jobs */
	int		 init;		/* semaphores and fork handler set */
} dnsbl_w = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* dnsbl_send - send every query that needs no earlier answer */

static void
dnsbl_send(struct dnsbl_run *run)
{
	if ((run->families & DNSBL_F_DNSBL) && run->nips > 0)
		rbl_submit(run);
	if ((run->families & DNSBL_F_RDNS) && run->have_client)
		rdns_submit(run);
	resolver_kick(run->res);
	if (run->families & DNSBL_F_SURBL) {
		surbl_submit(run);
		resolver_kick(run->res);
	}
}

/* dnsbl_has_chain - the run has SPF's round trips one after the other */

static int
dnsbl_has_chain(const struct dnsbl_run *run)
{
	return ((run->families & DNSBL_F_SPF) && run->have_client);
}

/* dnsbl_work - the DNS of one message */

static void
dnsbl_work(struct dnsbl_run *run)
{
	dnsbl_send(run);
	if (dnsbl_has_chain(run))
		dnsbl_spf(run);
	resolver_run(run->res);
	run->done_ms = time_now_ms();
}

/* dnsbl_worker - the worker thread: one run after the other */

static void *
dnsbl_worker(void *arg)
{
	struct dnsbl_run *run;
	int		 orphaned;

	(void)arg;
	for (;;) {
		while (sem_wait(&dnsbl_w.job_sem) < 0)
			;			/* EINTR */
		(void)pthread_mutex_lock(&dnsbl_w.mu);
		run = dnsbl_w.job;
		dnsbl_w.job = NULL;
		(void)pthread_mutex_unlock(&dnsbl_w.mu);

		dnsbl_work(run);

		/* Posted under the mutex: a waiter that gave up and looks
		 * finds either no worker_done or the post to take. */
		(void)pthread_mutex_lock(&dnsbl_w.mu);
		run->worker_done = 1;
		if (!(orphaned = run->orphaned))
			(void)sem_post(&dnsbl_w.done_sem);
		(void)pthread_mutex_unlock(&dnsbl_w.mu);
		if (orphaned) {
			/* Given up on: a new worker took over; end. */
			dnsbl_run_free(run);
			return (NULL);
		}
	}
}

/* dnsbl_atfork_child - the new process has no worker thread */

static void
dnsbl_atfork_child(void)
{
	(void)pthread_mutex_init(&dnsbl_w.mu, NULL);
	(void)sem_init(&dnsbl_w.job_sem, 0, 0);
	(void)sem_init(&dnsbl_w.done_sem, 0, 0);
	dnsbl_w.job = NULL;
	dnsbl_w.up = 0;
}

/* dnsbl_families - what to run, given the request and the configuration */

static unsigned int
dnsbl_families(const struct dnsbl_opts *opts, const struct dnsbl_cfg *cfg)
{
	unsigned int	 f = opts != NULL ? opts->families : DNSBL_F_ALL;

	if (cfg->ndnsbl == 0)
		f &= ~DNSBL_F_DNSBL;
	if (cfg->nsurbl == 0 || dnsbl_max_surbl_domains == 0)
		f &= ~DNSBL_F_SURBL;
	if (!dnsbl_rdns_enable)
		f &= ~DNSBL_F_RDNS;
	if (!spfc_enable)
		f &= ~DNSBL_F_SPF;
	return (f & DNSBL_F_ALL);
}

/* dnsbl_pick_ips - the client and the Received: hops */

static void
dnsbl_pick_ips(struct dnsbl_run *run)
{
	const struct msg_view *v = &run->view;
	struct ipaddr	 ip;

	if (v->client_addr != NULL && ipaddr_parse(v->client_addr,
	    strlen(v->client_addr), &ip) == 0) {
		if (ipaddr_is_public(&ip)) {
			run->client = ip;
			run->have_client = 1;
			run->ips[run->nips++] = ip;
		} else
			log_debug("%s: client %s is not public: no DNSBL, "
			    "rDNS or SPF for it", run->qid, v->client_addr);
	}
	if ((run->families & DNSBL_F_DNSBL) && v->mail != NULL &&
	    dnsbl_received_hops > 0)
		run->nips = rbl_received_mail(v->mail, dnsbl_received_hops,
		    run->ips, run->nips, DNSBL_MAX_IPS);
	else if ((run->families & DNSBL_F_DNSBL) && v->data != NULL &&
	    dnsbl_received_hops > 0)
		run->nips = rbl_received_ips(v->data, v->header_len,
		    dnsbl_received_hops, run->ips, run->nips, DNSBL_MAX_IPS);
}

/* dnsbl_spawn - hand the run to the worker, started (with every signal
 * blocked) if this process has none */

static int
dnsbl_spawn(struct dnsbl_run *run)
{
	pthread_t	 t;
	sigset_t	 all, old;
	int		 rc = 0;

	(void)pthread_mutex_lock(&dnsbl_w.mu);
	if (!dnsbl_w.init) {
		if (sem_init(&dnsbl_w.job_sem, 0, 0) < 0 ||
		    sem_init(&dnsbl_w.done_sem, 0, 0) < 0 ||
		    pthread_atfork(NULL, NULL, dnsbl_atfork_child) != 0) {
			(void)pthread_mutex_unlock(&dnsbl_w.mu);
			buf_printf(run->err, "cannot start the DNS thread: "
			    "sem_init or pthread_atfork failed");
			return (-1);
		}
		dnsbl_w.init = 1;
	}
	if (!dnsbl_w.up) {
		(void)sigfillset(&all);
		(void)pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&t, NULL, dnsbl_worker, NULL);
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == 0) {
			(void)pthread_detach(t);
			dnsbl_w.up = 1;
		}
	}
	if (rc == 0)
		dnsbl_w.job = run;
	(void)pthread_mutex_unlock(&dnsbl_w.mu);
	if (rc != 0) {
		buf_printf(run->err, "cannot start the DNS thread: %s",
		    strerror(rc));
		return (-1);
	}
	(void)sem_post(&dnsbl_w.job_sem);
	run->thread_started = 1;
	return (0);
}

/* dnsbl_start - send every query of one message */

struct dnsbl_run *
dnsbl_start(const struct msg_view *v, const struct dnsbl_opts *opts,
    struct buf *why)
{
	struct dnsbl_run *run;
	unsigned int	 timeout;

	run = xcalloc(1, sizeof(*run));
	run->err = buf_new(64);
	run->worker_done = 1;
	(void)snprintf(run->qid, sizeof(run->qid), "%s",
	    v->queue_id ? v->queue_id : "-");
	run->view = *v;
	run->sender = xstrdup(v->sender ? v->sender : "");
	run->helo = xstrdup(v->helo);
	run->start_ms = time_now_ms();
	if ((run->cfg = dnsbl_cfg) == NULL) {
		buf_printf(run->err, "dnsbl_load() was not called");
		buf_printf(why, "%s", buf_str(run->err));
		return (run);
	}
	if (dnsbl_cache == NULL)
		dnsbl_child_init();
	run->families = dnsbl_families(opts, run->cfg);
	timeout = opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms :
	    dnsbl_timeout_ms;
	run->deadline_ms = run->start_ms + timeout;
	if (v->deadline_ms > 0 && v->deadline_ms < run->deadline_ms)
		run->deadline_ms = v->deadline_ms;
	dnsbl_pick_ips(run);
	run->rbl = xcalloc(run->cfg->ndnsbl + 1, sizeof(*run->rbl));
	run->surbl = xcalloc(run->cfg->nsurbl + 1, sizeof(*run->surbl));
	if (!(((run->families & DNSBL_F_DNSBL) && run->nips > 0) ||
	    ((run->families & (DNSBL_F_RDNS | DNSBL_F_SPF)) &&
	    run->have_client) || (run->families & DNSBL_F_SURBL)))
		return (run);			/* nothing to ask */
	if ((run->res = resolver_new(&run->cfg->res, dnsbl_cache,
	    run->deadline_ms, run->err)) == NULL) {
		buf_printf(why, "%s", buf_str(run->err));
		return (run);
	}
	if (!dnsbl_has_chain(run)) {
		/* Every query goes out now and its answer waits in the
		 * socket while the local checks run: a thread would add
		 * hand-overs and buy no overlap. */
		dnsbl_send(run);
		run->in_caller = 1;
		return (run);
	}
	run->worker_done = 0;
	if (dnsbl_spawn(run) < 0) {
		run->worker_done = 1;
		buf_printf(why, "%s", buf_str(run->err));
	}
	return (run);
}

/* dnsbl_abs_time - CLOCK_REALTIME of a monotonic deadline plus extra */

static struct timespec
dnsbl_abs_time(uint64_t deadline_ms, uint64_t extra_ms)
{
	struct timespec	 ts;
	uint64_t	 left = time_left_ms(deadline_ms) + extra_ms;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(left / 1000);
	ts.tv_nsec += (long)(left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return (ts);
}

/* dnsbl_wait_done - wait for the worker's post until ts; 0 if it came */

static int
dnsbl_wait_done(const struct timespec *ts)
{
	for (;;) {
		if (sem_timedwait(&dnsbl_w.done_sem, ts) == 0)
			return (0);
		if (errno != EINTR)
			return (-1);
	}
}

/* dnsbl_join - wait for the worker (bounded); -1 if it was left behind */

static int
dnsbl_join(struct dnsbl_run *run)
{
	struct timespec	 ts;
	int		 rc = 0;

	ts = dnsbl_abs_time(run->deadline_ms, DNSBL_JOIN_GRACE_MS);
	if (dnsbl_wait_done(&ts) == 0)
		return (0);
	log_warn("%s: DNS thread still busy %d ms past the deadline; "
	    "cancelling it", run->qid, DNSBL_JOIN_GRACE_MS);
	resolver_cancel(run->res);
	ts = dnsbl_abs_time(time_now_ms(), DNSBL_JOIN_GRACE_MS);
	if (dnsbl_wait_done(&ts) == 0)
		return (0);
	(void)pthread_mutex_lock(&dnsbl_w.mu);
	if (run->worker_done) {
		/* Done just now: its post is there to take. */
		while (sem_wait(&dnsbl_w.done_sem) < 0)
			;
	} else {
		/* The worker frees the run and ends; the next run starts a
		 * new one. */
		run->orphaned = 1;
		dnsbl_w.up = 0;
		rc = -1;
	}
	(void)pthread_mutex_unlock(&dnsbl_w.mu);
	if (rc == 0)
		return (0);
	log_error("%s: DNS thread does not end; left behind", run->qid);
	return (-1);
}

/* dnsbl_note - record the listing zones of a family; their rating sum */

static unsigned int
dnsbl_note(const struct dnsbl_run *run, int uri, struct finding_list *l)
{
	const struct dnsbl_zone *zones = uri ? run->cfg->surbl :
	    run->cfg->dnsbl;
	const struct rbl_result *res = uri ? run->surbl : run->rbl;
	char		 item[DNS_NAME_MAX + 1], cs[16];
	char		 detail[FINDINGS_NAME_MAX];
	unsigned int	 sum = 0;
	size_t		 z, n = uri ? run->cfg->nsurbl : run->cfg->ndnsbl;

	for (z = 0; z < n; z++) {
		if (!res[z].listed)
			continue;
		rbl_item_name(run, uri, res[z].item, item, sizeof(item));
		rbl_code_str(res[z].code, cs, sizeof(cs));
		(void)snprintf(detail, sizeof(detail), "%.78s=%s", item, cs);
		findings_add(l, zones[z].name, detail, (int)zones[z].rating);
		sum += zones[z].rating;
	}
	return (sum);
}

/* dnsbl_worse - the more serious of two states */

static enum check_state
dnsbl_worse(enum check_state a, enum check_state b)
{
	static const int rank[] = {
		[CHECK_NOT_RUN] = 0, [CHECK_DONE] = 1, [CHECK_LIMIT] = 2,
		[CHECK_ERROR] = 3, [CHECK_TIMEOUT] = 4
	};

	return (rank[b] > rank[a] ? b : a);
}

/* dnsbl_fill - the findings of a finished run */

static void
dnsbl_fill(const struct dnsbl_run *run, struct findings *f)
{
	if ((run->families & DNSBL_F_DNSBL) && run->nips > 0) {
		f->dnsbl_state = dnsbl_family_state(&run->f_dnsbl);
		f->dnsbl_rating = dnsbl_note(run, 0, &f->dnsbl);
	}
	if ((run->families & DNSBL_F_RDNS) && run->have_client) {
		f->rdns = run->rdns;
		f->rdns_state = dnsbl_family_state(&run->f_rdns);
		if (f->rdns == RDNS_TEMPERROR && f->rdns_state == CHECK_DONE)
			f->rdns_state = CHECK_ERROR;
	}
	if ((run->families & DNSBL_F_SPF) && run->have_client) {
		f->spf = run->spf;
		f->spf_state = run->spf_state;
	}
	if (run->families & DNSBL_F_SURBL) {
		f->surbl_state = dnsbl_family_state(&run->f_surbl);
		if (run->surbl_limit && f->surbl_state == CHECK_DONE)
			f->surbl_state = CHECK_LIMIT;
		f->surbl_rating = dnsbl_note(run, 1, &f->surbl);
	}
	f->dns_state = dnsbl_worse(dnsbl_worse(f->dnsbl_state, f->rdns_state),
	    dnsbl_worse(f->spf_state, f->surbl_state));
}

/* dnsbl_log - one debug line with the counters, a notice on timeout */

static void
dnsbl_log(const struct dnsbl_run *run, const struct findings *f)
{
	struct resolver_stats st;

	if (run->res == NULL)
		return;
	resolver_get_stats(run->res, &st);
	log_debug("%s: dns: %u queries (%u cached, %u shared, %u sent), "
	    "%u answered, %u timeouts, %u failures, %u ignored, %u tcp, "
	    "%u limited, %llu ms", run->qid, st.queries, st.cached, st.shared,
	    st.sent, st.answered, st.timeouts, st.failures, st.ignored, st.tcp,
	    st.limited, (unsigned long long)(run->done_ms - run->start_ms));
	if (f->dns_state == CHECK_TIMEOUT)
		log_info("%s: DNS checks incomplete: %u of %u queries "
		    "unanswered at the %llu ms deadline (see [dns] timeout)",
		    run->qid, st.timeouts, st.queries,
		    (unsigned long long)(run->deadline_ms - run->start_ms));
	if (st.limited > 0)
		log_info("%s: %u DNS queries not sent (see [dns] max_queries "
		    "= %u)", run->qid, st.limited, dnsbl_max_queries);
	if (run->spf_state != CHECK_NOT_RUN && run->spf_why[0] != '\0')
		log_debug("%s: spf=%s (%s)", run->qid,
		    spfc_result_name(run->spf), run->spf_why);
}

/* dnsbl_finish - collect the answers into the findings */

int
dnsbl_finish(struct dnsbl_run *run, struct findings *f, struct buf *why)
{
	if (buf_len(run->err) > 0) {
		buf_printf(why, "%s", buf_str(run->err));
		f->dns_state = CHECK_ERROR;
		if (run->thread_started && dnsbl_join(run) < 0)
			return (WN_TEMP);
		dnsbl_run_free(run);
		return (WN_TEMP);
	}
	if (run->in_caller) {
		resolver_run(run->res);
		run->done_ms = time_now_ms();
	}
	if (run->thread_started && dnsbl_join(run) < 0) {
		f->dns_state = CHECK_TIMEOUT;
		if (run->families & DNSBL_F_DNSBL)
			f->dnsbl_state = CHECK_TIMEOUT;
		if (run->families & DNSBL_F_RDNS)
			f->rdns_state = CHECK_TIMEOUT;
		if (run->families & DNSBL_F_SPF)
			f->spf_state = CHECK_TIMEOUT;
		if (run->families & DNSBL_F_SURBL)
			f->surbl_state = CHECK_TIMEOUT;
		return (WN_OK);
	}
	if (run->cfg != NULL)
		dnsbl_fill(run, f);
	dnsbl_log(run, f);
	dnsbl_run_free(run);
	return (WN_OK);
}

/* dnsbl_abort - stop a run and free it */

void
dnsbl_abort(struct dnsbl_run *run)
{
	if (run == NULL)
		return;
	if (run->thread_started) {
		resolver_cancel(run->res);
		if (dnsbl_join(run) < 0)
			return;
	}
	dnsbl_run_free(run);
}

/* dnsbl_check - both halves in one call */

int
dnsbl_check(const struct msg_view *v, struct findings *f, struct buf *why)
{
	return (dnsbl_finish(dnsbl_start(v, NULL, why), f, why));
}
