/*
 * checks.c - the table of checks, and running it for one message
 *
 * Each check is one row: its name, the families of the groups' switches
 * that ask for it (policy_needs), what it does to the process (forks a
 * scan process, starts a thread, provides the decoded text), its life
 * cycle (register, load, child init/exit) and, per message, start /
 * finish / abort.  modules.c walks the same table for the life cycle.
 *
 * Per message the walk has two passes, in table order except that a
 * check whose work runs in another process (CHECK_ELSEWHERE: av) starts
 * first and finishes last, so that work overlaps everything else:
 *
 *   start    av hands the message to its scan process (started if need
 *            be), which scans it on another core from now on; content
 *            parses the message (its decoded text goes into the view, so
 *            SURBL and UDS read it); uds sends the message's signatures
 *            to a UDS server; dnsbl sends every DNS query of the message
 *            at once;
 *   finish   content's rules and classifier (local CPU) while the scan
 *            runs and the UDS and DNS answers arrive; uds takes its
 *            answer (at most until its deadline), dnsbl waits for its
 *            answers, at most until the DNS deadline; av waits for the
 *            scan's findings, at most until max_scan_time + kill_grace;
 *   done     what a check made for the others (the decoded text) is
 *            freed once every check has finished.
 *
 * The table's order is checked once (checks_validate): a check that forks
 * must start before any that starts a thread (a forked child of a threaded
 * process inherits locks held by the other threads), and a check that
 * reads the decoded text after the one that provides it (so never one
 * that starts first).
 *
 * A check that fails records FINDINGS_FAILED_<it> in the findings and the
 * others go on; decide.c applies on_error to the recipients whose groups
 * depend on it.
 *
 * AV passes: groups may scan with their own option sets (avsets.h).  The
 * recipients are put in passes, one per distinct set; the table's av row
 * scans with the first pass's set (overlapped), and once every check has
 * finished, each further pass gets a copy of the findings whose AV part
 * is scanned again with its set (the scan process is already there).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"
#include "timeutil.h"

/* checks */
#include "av.h"
#include "content.h"
#include "dnsbl.h"
#include "uds.h"

/* policy */
#include "findings.h"
#include "policy.h"

/* server */
#include "avsets.h"
#include "checks.h"
#include "pipeline.h"
#include "server.h"

/* content: parse at start (the text is then in the view), analyze at
 * finish */

static void *
checks_content_start(struct msg_view *v, unsigned int need, struct buf *why)
{
	struct content_msg *cm = content_parse(v);

	(void)need;
	(void)why;
	v->text = content_text(cm, &v->text_len);
	return (cm);
}

static int
checks_content_finish(void *h, struct msg_view *v, unsigned int need,
    struct findings *f, struct buf *why)
{
	/* Analysed only when a group wants the spam checks. */
	if (need & POLICY_NEED_SPAM)
		return (content_analyze(h, v, f, why));
	return (WN_OK);
}

static void
checks_content_free(void *h, struct msg_view *v)
{
	v->text = NULL;
	v->text_len = 0;
	content_msg_free(h);
}

/* av: the message handed to the scan process at start, before any thread
 * starts (the scan process may have to be forked); its findings at
 * finish */

/* The option set of the first AV pass (checks_run sets it per message). */
static const struct av_opts *checks_av_first;

/* checks_av_wanted - whether any group of the policy scans for viruses */

static int
checks_av_wanted(void)
{
	size_t	 i;

	if (policy_current == NULL)
		return (1);
	for (i = 0; i < policy_current->ngroups; i++)
		if (policy_needs(policy_current->groups[i]) & POLICY_NEED_AV)
			return (1);
	return (0);
}

/* checks_av_child_init - the child's AV set-up, and its scan process
 * started (and warmed up: avscan.c) now rather than at its first message:
 * the fork and libclamav's first scans are then on no message's path.
 * Before the DNS check's child set-up, which may start a thread.  A
 * failure is only logged: the first message tries again. */

static void
checks_av_child_init(void)
{
	struct buf	*why;

	av_child_init();
	if (!checks_av_wanted())
		return;		/* no group scans: no scan process at all */
	why = buf_new(64);
	if (av_ready(why) < 0)
		log_warn("av: no scan process yet: %s", buf_str(why));
	buf_free(why);
}

/* checks_av_start - the message to the scan process, which scans it from
 * now on; the handle is the scan under way */

static void *
checks_av_start(struct msg_view *v, unsigned int need, struct buf *why)
{
	(void)need;
	if (av_ready(why) < 0)
		return (NULL);
	return (av_check_start(v, checks_av_first != NULL ? checks_av_first :
	    av_opts_default(), why));
}

/* checks_av_done - what the AV check's outcome means for the findings */

static int
checks_av_done(const struct msg_view *v, int rc, struct findings *f,
    struct buf *why)
{
	if (rc != WN_OK) {
		/* Not scanned: no AV status, whatever was half found. */
		f->av = AV_NOT_SCANNED;
		f->av_state = CHECK_ERROR;
	} else if (f->av == AV_ERROR || f->av == AV_LIMIT) {
		log_warn("%s: virus scan: %s", v->queue_id,
		    buf_len(why) > 0 ? buf_str(why) : "error");
	}
	return (rc);
}

/* checks_av_scan - one AV pass after the first, start to finish */

static int
checks_av_scan(struct msg_view *v, const struct av_opts *o,
    struct findings *f, struct buf *why)
{
	return (checks_av_done(v, av_check_opts(v, o != NULL ? o :
	    av_opts_default(), f, why), f, why));
}

/* checks_av_finish - the scan's findings; frees the handle */

static int
checks_av_finish(void *h, struct msg_view *v, unsigned int need,
    struct findings *f, struct buf *why)
{
	(void)need;
	return (checks_av_done(v, av_check_finish(h, f, why), f, why));
}

/* dnsbl: every query at start, the answers at finish */

static void *
checks_dnsbl_start(struct msg_view *v, unsigned int need, struct buf *why)
{
	struct dnsbl_opts opts;

	memset(&opts, 0, sizeof(opts));
	/* Only the families some group counts. */
	opts.families = DNSBL_F_DNSBL |
	    ((need & POLICY_NEED_RDNS) ? DNSBL_F_RDNS : 0) |
	    ((need & POLICY_NEED_SPF) ? DNSBL_F_SPF : 0) |
	    ((need & POLICY_NEED_SURBL) ? DNSBL_F_SURBL : 0);
	return (dnsbl_start(v, &opts, why));
}

static int
checks_dnsbl_finish(void *h, struct msg_view *v, unsigned int need,
    struct findings *f, struct buf *why)
{
	(void)v;
	(void)need;
	return (dnsbl_finish(h, f, why));
}

/* uds: the request at start (its round trip overlaps the local checks),
 * the answer at finish */

static void *
checks_uds_start(struct msg_view *v, unsigned int need, struct buf *why)
{
	(void)need;
	return (uds_start(v, why));
}

static int
checks_uds_finish(void *h, struct msg_view *v, unsigned int need,
    struct findings *f, struct buf *why)
{
	(void)v;
	(void)need;
	return (uds_finish(h, f, why));
}

/* The table. */
const struct check checks_table[] = {
	/* The decoded text serves SURBL and UDS too: parsed whenever DNS
	 * or UDS is wanted. */
	{ "content", POLICY_NEED_SPAM | POLICY_NEED_DNS | POLICY_NEED_UDS,
	    POLICY_NEED_SPAM,
	    FINDINGS_FAILED_CONTENT, CHECK_TEXT,
	    content_conf_register, content_load, content_child_init, NULL,
	    checks_content_start, checks_content_finish, checks_content_free },
	{ "av", POLICY_NEED_AV, POLICY_NEED_AV, FINDINGS_FAILED_AV,
	    CHECK_FORKS | CHECK_PER_SET | CHECK_ELSEWHERE,
	    av_conf_register, av_load, checks_av_child_init, av_child_exit,
	    checks_av_start, checks_av_finish, NULL },
	{ "uds", POLICY_NEED_UDS, POLICY_NEED_UDS, FINDINGS_FAILED_UDS,
	    CHECK_READS_TEXT,
	    uds_conf_register, uds_load, uds_child_init, NULL,
	    checks_uds_start, checks_uds_finish, NULL },
	{ "dns", POLICY_NEED_DNS, POLICY_NEED_DNS, FINDINGS_FAILED_DNS,
	    CHECK_THREADS | CHECK_READS_TEXT,
	    dnsbl_conf_register, dnsbl_load, dnsbl_child_init, NULL,
	    checks_dnsbl_start, checks_dnsbl_finish, NULL },
	{ NULL }
};

/* checks_validate_order - the process rules, in table order (ordered 0:
 * the child set-up, which may fork too) or in the order the checks start
 * (ordered 1: those whose work runs elsewhere first) */

static void
checks_validate_order(int ordered)
{
	const struct check *k;
	int	 threads = 0, text = 0, sweep;

	for (sweep = 0; sweep < 2; sweep++)
		for (k = checks_table; k->name != NULL; k++) {
			if (ordered ? ((k->flags & CHECK_ELSEWHERE) != 0) !=
			    (sweep == 0) : sweep == 1)
				continue;
			if ((k->flags & CHECK_FORKS) && threads)
				log_panic("checks: %s forks after a check "
				    "started a thread", k->name);
			if ((k->flags & CHECK_READS_TEXT) && !text)
				log_panic("checks: %s reads the text before "
				    "it is made", k->name);
			threads |= (k->flags & CHECK_THREADS) != 0;
			text |= (k->flags & CHECK_TEXT) != 0;
		}
}

/* checks_validate - the table keeps the process rules (a bug if not) */

void
checks_validate(void)
{
	checks_validate_order(0);
	checks_validate_order(1);
}

/* checks_failed_families - what depends on the checks that failed */

unsigned int
checks_failed_families(const struct findings *f, struct buf *names)
{
	const struct check *k;
	unsigned int	 fam = 0;

	for (k = checks_table; k->name != NULL; k++) {
		if (!(f->failed & k->failed))
			continue;
		fam |= k->affects;
		if (names != NULL)
			buf_printf(names, "%s%s", buf_len(names) ? ", " : "",
			    k->name);
	}
	return (fam);
}

/* checks_needs - the check families the filtered recipients' groups want */

static unsigned int
checks_needs(struct pl_ctx *c)
{
	const struct policy_group *g;
	unsigned int	 need = 0;
	size_t		 i;

	for (i = 0; i < c->m->nrcpts; i++) {
		if (c->rc[i].info != INFO_NONE)
			continue;
		g = policy_group_find(policy_current, c->addrs[i],
		    c->m->sender, c->view.client_addr);
		need |= policy_needs(g);
	}
	return (need);
}

/* checks_failed - record that a check could not do its job */

static void
checks_failed(struct pl_ctx *c, const struct check *k, const char *when)
{
	log_warn("%s: %s check failed (%s): %s", c->m->qid, k->name, when,
	    buf_len(c->why) > 0 ? buf_str(c->why) : "no reason given");
	c->f->failed |= k->failed;
}

/* checks_passes - the AV passes: one per option set the filtered
 * recipients' groups scan with, in the order first used */

static void
checks_passes(struct pl_ctx *c)
{
	const struct policy_group *g;
	size_t		 i, k, set;
	int		 any = 0;

	for (i = 0; i < c->m->nrcpts; i++) {
		c->rc[i].pass = 0;
		if (c->rc[i].info != INFO_NONE)
			continue;
		g = policy_group_find(policy_current, c->addrs[i],
		    c->m->sender, c->view.client_addr);
		if (!(policy_needs(g) & POLICY_NEED_AV))
			continue;
		set = avsets_of(g);
		if (!any) {
			c->passes[0].set = set;
			any = 1;
		}
		for (k = 0; k < c->npasses && c->passes[k].set != set; k++)
			;
		if (k == c->npasses) {
			c->passes = xreallocarray(c->passes, c->npasses + 1,
			    sizeof(*c->passes));
			memset(&c->passes[k], 0, sizeof(c->passes[k]));
			c->passes[k].set = set;
			c->npasses++;
		}
		c->rc[i].pass = k;
	}
	checks_av_first = avsets_opts(c->passes[0].set);
}

/* checks_more_passes - the AV passes after the first: a copy of the
 * findings each, its AV part scanned with the pass's set */

static void
checks_more_passes(struct pl_ctx *c, const struct check *k, int started)
{
	struct findings	*f;
	size_t		 i;

	for (i = 1; i < c->npasses; i++) {
		f = findings_new();
		*f = *c->f;
		c->passes[i].f = f;
		if (!started)
			continue;	/* it failed at start: so do these */
		f->failed &= ~k->failed;
		buf_reset(c->why);
		if (checks_av_scan(&c->view, avsets_opts(c->passes[i].set), f,
		    c->why) != WN_OK) {
			log_warn("%s: %s check failed (option set %zu): %s",
			    c->m->qid, k->name, c->passes[i].set,
			    buf_str(c->why));
			f->failed |= k->failed;
		}
	}
}

/* checks_start - start the checks of one sweep (0: those whose work runs
 * elsewhere, 1: the others) */

static void
checks_start(struct pl_ctx *c, unsigned int need, int sweep, void **h,
    unsigned char *started, uint64_t *start_us)
{
	const struct check *k;
	uint64_t	 t;
	size_t		 i;

	for (i = 0, k = checks_table; k->name != NULL; k++, i++) {
		if (!(need & k->needs) ||
		    ((k->flags & CHECK_ELSEWHERE) != 0) != (sweep == 0))
			continue;
		buf_reset(c->why);
		t = time_now_us();
		if ((h[i] = k->start(&c->view, need, c->why)) == NULL)
			checks_failed(c, k, "start");
		started[i] = h[i] != NULL;
		start_us[i] = time_now_us() - t;
		c->check_us[i] += start_us[i];
		c->check_ran[i] = 1;
	}
}

/* checks_finish - finish the started checks of one sweep (0: those that
 * work here, 1: those whose work ran elsewhere meanwhile) */

static void
checks_finish(struct pl_ctx *c, unsigned int need, int sweep, void **h,
    uint64_t *finish_us)
{
	const struct check *k;
	uint64_t	 t;
	size_t		 i;

	for (i = 0, k = checks_table; k->name != NULL; k++, i++) {
		if (h[i] == NULL ||
		    ((k->flags & CHECK_ELSEWHERE) != 0) != (sweep == 1))
			continue;
		buf_reset(c->why);
		t = time_now_us();
		if (k->finish(h[i], &c->view, need, c->f, c->why) != WN_OK)
			checks_failed(c, k, "finish");
		finish_us[i] = time_now_us() - t;
		c->check_us[i] += finish_us[i];
		/* Such a check's finish frees its handle (nothing of it is
		 * left for the others to read). */
		if (k->flags & CHECK_ELSEWHERE)
			h[i] = NULL;
	}
}

/* checks_log_times - where the message's time in the checks went, for
 * an admin looking at a slow message (-v): each check's start and finish
 * (a finish that only waits shows the wait) */

static void
checks_log_times(const struct pl_ctx *c, const uint64_t *start_us,
    const uint64_t *finish_us, uint64_t all_us)
{
	const struct check *k;
	struct buf	*l;
	size_t		 i;

	if (!log_enabled(WN_MODULE, LOG_LV_DEBUG))
		return;
	l = buf_new(160);
	for (i = 0, k = checks_table; k->name != NULL; k++, i++)
		if (c->check_ran[i])
			buf_printf(l, "%s %.1f+%.1f ms, ", k->name,
			    (double)start_us[i] / 1000.0,
			    (double)finish_us[i] / 1000.0);
	log_debug("%s: checks: %s%.1f ms in all (start+finish)", c->m->qid,
	    buf_str(l), (double)all_us / 1000.0);
	buf_free(l);
}

/* checks_run - run every check a group wants */

void
checks_run(struct pl_ctx *c)
{
	const struct check *k;
	unsigned int	 need = checks_needs(c);
	void		*h[CHECKS_MAX];
	unsigned char	 started[CHECKS_MAX];
	uint64_t	 start_us[CHECKS_MAX], finish_us[CHECKS_MAX];
	uint64_t	 t0 = time_now_us();
	size_t		 i;

	checks_passes(c);
	memset(h, 0, sizeof(h));
	memset(started, 0, sizeof(started));
	memset(start_us, 0, sizeof(start_us));
	memset(finish_us, 0, sizeof(finish_us));
	/* Each check's time is its start plus its finish (the statistics'
	 * latency histograms). */
	checks_start(c, need, 0, h, started, start_us);
	checks_start(c, need, 1, h, started, start_us);
	checks_finish(c, need, 0, h, finish_us);
	checks_finish(c, need, 1, h, finish_us);
	for (i = 0, k = checks_table; k->name != NULL; k++, i++)
		if ((k->flags & CHECK_PER_SET) && (need & k->needs))
			checks_more_passes(c, k, started[i]);
	/* Only now: what one check made (the decoded text) may be read by
	 * another until it finishes (the DNS worker extracts URLs). */
	for (i = 0, k = checks_table; k->name != NULL; k++, i++) {
		if (h[i] != NULL && c->peek != NULL)
			c->peek(c, k, h[i]);
		if (h[i] != NULL && k->done != NULL)
			k->done(h[i], &c->view);
	}
	checks_log_times(c, start_us, finish_us, time_now_us() - t0);
}
