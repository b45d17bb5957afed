/* test_udsd_lmdb.c - the LMDB store: reports, lookups, votes, expiry */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "testutil.h"
#include "udsd.h"

static struct udsd_store st;
static uv_loop_t	*loop;
static struct udsd_job	 job;
static int		 done;

/* on_done - the store answered */

static void
on_done(struct udsd_job *j)
{
	(void)j;
	done++;
}

static void
setup(void)
{
	struct buf	*why = buf_new(64);
	char		 conf[512];

	udsd_conf_register();
	(void)snprintf(conf, sizeof(conf), "[udsd]\nlmdb_path = %s/uds.lmdb\n"
	    "lmdb_size = 16M\nsweep_interval = 10ms\n", tu_tmpdir());
	cr_assert_eq(conf_load(tu_write_file("u.conf", conf), why), WN_OK,
	    "%s", buf_str(why));
	loop = uv_default_loop();
	st.ops = &udsd_lmdb_ops;
	cr_assert_eq(st.ops->open(&st, loop, why), WN_OK, "%s", buf_str(why));
	cr_assert(st.ops->up(&st));
	buf_free(why);
}

static void
teardown(void)
{
	st.ops->close(&st);
	conf_reset();
}

TestSuite(udsd_lmdb, .init = setup, .fini = teardown, .timeout = 30);

/* text - a text item: digest d, shingles 1000*d + i, the first same of
 * them replaced by 7000000 + i */

static void
text(struct uds_item *it, int d, int same)
{
	int	 i;

	memset(it, 0, sizeof(*it));
	it->kind = UDS_KIND_TEXT;
	memset(it->digest, d, UDS_DIGEST_LEN);
	it->nshingles = UDS_SHINGLES;
	for (i = 0; i < UDS_SHINGLES; i++)
		it->shingle[i] = i < same ? (uint64_t)(7000000 + i) :
		    (uint64_t)(1000 * d + i);
}

/* run - one request through the store */

static void
run(unsigned int op, unsigned int weight, int n, const struct uds_item *it)
{
	memset(&job, 0, sizeof(job));
	job.req.op = (uint8_t)op;
	job.req.weight = (uint16_t)weight;
	job.req.nitems = (uint8_t)n;
	memcpy(job.req.item, it, (size_t)n * sizeof(*it));
	(void)snprintf(job.req.client, sizeof(job.req.client), "t");
	job.done = on_done;
	done = 0;
	if (op == UDS_OP_CHECK)
		st.ops->check(&st, &job);
	else
		st.ops->write(&st, &job);
	cr_assert_eq(done, 1, "answered at once");
	cr_assert_eq(job.reply.status, UDS_ST_OK);
	st.ops->flush(&st);
}

Test(udsd_lmdb, exact_and_near)
{
	struct uds_item	 it[2];
	uint64_t	 sigs, shg;

	text(&it[0], 1, 32);
	memset(&it[1], 0, sizeof(it[1]));
	it[1].kind = UDS_KIND_IMAGE;
	memset(it[1].digest, 0x55, UDS_DIGEST_LEN);
	run(UDS_OP_CHECK, 0, 2, it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_MISS);
	run(UDS_OP_ADD, 1, 2, it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT);
	st.ops->count(&st, &sigs, &shg);
	cr_assert_eq(sigs, 2);
	cr_assert_eq(shg, 32);
	run(UDS_OP_CHECK, 0, 2, it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT);
	cr_assert_eq(job.reply.item[0].votes, UDS_VOTES_EXACT);
	cr_assert_eq(job.reply.item[1].result, UDS_R_HIT);
	/* another text sharing 20 shingles */
	text(&it[0], 2, 20);
	run(UDS_OP_CHECK, 0, 1, it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT);
	cr_assert_eq(job.reply.item[0].votes, 20);
	cr_assert_eq(job.reply.item[0].hits, 1, "the first check counted");
	/* seven are too few (votes = 8) */
	text(&it[0], 3, 7);
	run(UDS_OP_CHECK, 0, 1, it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_MISS);
	text(&it[0], 3, 8);
	run(UDS_OP_CHECK, 0, 1, it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT);
}

Test(udsd_lmdb, threshold_weight_and_delete)
{
	struct uds_item	 it;

	udsd_conf.threshold = 3;
	text(&it, 4, 0);
	run(UDS_OP_ADD, 1, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_BELOW);
	run(UDS_OP_ADD, 2, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT);
	cr_assert_eq(job.reply.item[0].count, 3);
	run(UDS_OP_DELETE, 1, 1, &it);
	run(UDS_OP_CHECK, 0, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_BELOW);
	cr_assert_eq(job.reply.item[0].count, 2);
	run(UDS_OP_DELETE, 0, 1, &it);
	run(UDS_OP_CHECK, 0, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_MISS);
}

Test(udsd_lmdb, ham_confirms_near_matches)
{
	struct uds_item	 spam, ham;

	text(&spam, 5, 32);
	run(UDS_OP_ADD, 1, 1, &spam);
	/* a receipt that looks like the spam */
	text(&ham, 6, 24);
	run(UDS_OP_HAM, 0, 1, &ham);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HAM);
	run(UDS_OP_CHECK, 0, 1, &spam);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HAM);
	/* a later spam report does not undo it */
	run(UDS_OP_ADD, 5, 1, &spam);
	run(UDS_OP_CHECK, 0, 1, &spam);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HAM);
	/* and what looks like the ham is ham too */
	text(&ham, 7, 16);
	run(UDS_OP_CHECK, 0, 1, &ham);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HAM);
}

/* tick - keep the loop alive while the store's timers run */

static void
tick(uv_timer_t *t)
{
	(void)t;
}

Test(udsd_lmdb, expiry_in_slices)
{
	struct uds_item	 it;
	uv_timer_t	 keep;
	uint64_t	 sigs, shg;
	int		 i;

	udsd_conf.ttl_ms = 1000;
	udsd_conf.sweep_batch = 10;
	for (i = 10; i < 15; i++) {
		text(&it, i, 0);
		run(UDS_OP_ADD, 1, 1, &it);
	}
	st.ops->count(&st, &sigs, &shg);
	cr_assert_eq(sigs, 5);
	cr_assert_eq(shg, 5 * 32);
	sleep(2);
	/* expired: a lookup no longer sees it, before any sweep */
	run(UDS_OP_CHECK, 0, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_MISS);
	(void)uv_timer_init(loop, &keep);
	(void)uv_timer_start(&keep, tick, 5, 5);
	for (i = 0; i < 200; i++)
		(void)uv_run(loop, UV_RUN_ONCE);
	st.ops->count(&st, &sigs, &shg);
	cr_assert_eq(sigs, 0);
	cr_assert_eq(shg, 0);
	cr_assert_eq(udsd_stat[UDS_STAT_EXPIRED], 5);
	uv_close((uv_handle_t *)&keep, NULL);
}

Test(udsd_lmdb, a_hit_refreshes_the_ttl)
{
	struct uds_item	 it;

	udsd_conf.ttl_ms = 2000;
	text(&it, 20, 0);
	run(UDS_OP_ADD, 1, 1, &it);
	sleep(1);
	run(UDS_OP_CHECK, 0, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT);
	sleep(1);
	run(UDS_OP_CHECK, 0, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_HIT, "kept by the hit");
	sleep(3);
	run(UDS_OP_CHECK, 0, 1, &it);
	cr_assert_eq(job.reply.item[0].result, UDS_R_MISS);
}
