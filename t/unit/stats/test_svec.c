/* test_svec.c - unit tests for stats/svec.c */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "policy.h"
#include "status.h"
#include "svec.h"

static struct svec	*v;
static struct buf	*b, *why;

static void
setup(void)
{
	v = svec_new();
	b = buf_new(64);
	why = buf_new(64);
}

static void
teardown(void)
{
	svec_free(v);
	buf_free(b);
	buf_free(why);
}

TestSuite(svec, .init = setup, .fini = teardown);

Test(svec, add_get_and_grow)
{
	uint32_t	 k;

	for (k = 1; k <= 5000; k++)
		svec_add(v, SKEY(SM_REPLY, k >> 8, k & 0xff, 0), k);
	svec_add(v, SKEY(SM_REPLY, 0, 7, 0), 3);
	cr_assert_eq(svec_count(v), 5000);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 0, 7, 0)), 10);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 19, 136, 0)), 5000);
	cr_assert_eq(svec_get(v, SKEY(SM_QUAR, 0, 0, 0)), 0);
}

Test(svec, key_0_is_a_bug, .signal = SIGABRT)
{
	svec_add(v, 0, 1);
}

Test(svec, sum_by_dimension)
{
	unsigned int	 g = svec_group(v, "sales"), all = svec_group(v, "All");

	svec_add(v, SKEY_CELL(SM_MSGS, g, 2, 1, 5), 3);	/* spam, clean */
	svec_add(v, SKEY_CELL(SM_MSGS, all, 2, 2, 6), 4);	/* infected */
	svec_add(v, SKEY_CELL(SM_MSGS, all, 0, 1, 0), 10);
	svec_add(v, SKEY_CELL(SM_RCPTS, all, 0, 1, 0), 99);
	cr_assert_eq(svec_sum(v, SM_MSGS, -1, -1, -1, -1), 17);
	cr_assert_eq(svec_sum(v, SM_MSGS, -1, 2, -1, -1), 7);
	cr_assert_eq(svec_sum(v, SM_MSGS, -1, -1, 2, -1), 4);
	cr_assert_eq(svec_sum(v, SM_MSGS, (int)g, -1, -1, -1), 3);
	cr_assert_eq(svec_sum(v, SM_MSGS, -1, -1, -1, 6), 4);
	svec_add(v, SKEY(SM_CHECK, SCHECK_DNSBL, 2, 0), 5);
	cr_assert_eq(svec_sum(v, SM_CHECK, SCHECK_DNSBL, 2, -1, -1), 5);
	cr_assert_eq(svec_sum(v, SM_CHECK, SCHECK_DNSBL, 1, -1, -1), 0);
}

Test(svec, groups_are_names_and_merge_by_name)
{
	struct svec	*w = svec_new();
	unsigned int	 a, b2;

	a = svec_group(v, "alpha");
	(void)svec_group(w, "zeta");
	b2 = svec_group(w, "alpha");
	cr_assert_neq(a, b2);
	svec_add(v, SKEY_CELL(SM_MSGS, a, 0, 0, 0), 1);
	svec_add(w, SKEY_CELL(SM_MSGS, b2, 0, 0, 0), 2);
	svec_merge(v, w);
	cr_assert_eq(svec_get(v, SKEY_CELL(SM_MSGS, a, 0, 0, 0)), 3);
	cr_assert_str_eq(svec_group_name(v, svec_group(v, "zeta")), "zeta");
	cr_assert_str_eq(svec_group_name(v, 200), "?");
	svec_free(w);
}

Test(svec, past_255_groups_everything_is_other)
{
	char		 name[16];
	unsigned int	 i, last = 0;

	for (i = 0; i < 300; i++) {
		(void)snprintf(name, sizeof(name), "g%u", i);
		last = svec_group(v, name);
	}
	cr_assert_eq(svec_ngroups(v), SVEC_MAX_GROUPS);
	cr_assert_str_eq(svec_group_name(v, last), "other");
	cr_assert_eq(svec_group(v, "g3"), 3);
}

Test(svec, pack_unpack_round_trip)
{
	struct svec	*w = svec_new();
	unsigned int	 g = svec_group(v, "sales");

	svec_add(v, SKEY_CELL(SM_BYTES, g, 1, 0, 2), UINT64_MAX);
	svec_add(v, SKEY(SM_RECEIVED, 0, 0, 0), 127);
	svec_add(v, SKEY(SM_RECEIVED_BYTES, 0, 0, 0), 128);
	svec_pack(v, b);
	(void)svec_group(w, "first");	/* indexes differ: names count */
	cr_assert_eq(svec_unpack(w, b->data, buf_len(b), why), WN_OK, "%s",
	    buf_str(why));
	cr_assert_eq(svec_get(w, SKEY_CELL(SM_BYTES, svec_group(w, "sales"),
	    1, 0, 2)), UINT64_MAX);
	cr_assert_eq(svec_get(w, SKEY(SM_RECEIVED, 0, 0, 0)), 127);
	cr_assert_eq(svec_get(w, SKEY(SM_RECEIVED_BYTES, 0, 0, 0)), 128);
	svec_free(w);
}

Test(svec, unpack_refuses_damage)
{
	struct svec	*w;
	size_t		 cut;
	unsigned int	 g = svec_group(v, "sales");

	svec_add(v, SKEY_CELL(SM_MSGS, g, 1, 0, 2), 300);
	svec_pack(v, b);
	for (cut = 0; cut < buf_len(b); cut++) {
		w = svec_new();
		buf_reset(why);
		cr_assert_eq(svec_unpack(w, b->data, cut, why), WN_PERM,
		    "cut at %zu", cut);
		cr_assert(buf_len(why) > 0);
		svec_free(w);
	}
	/* a byte too many, an unknown version, a group out of range */
	buf_putc(b, 0);
	w = svec_new();
	cr_assert_eq(svec_unpack(w, b->data, buf_len(b), why), WN_PERM);
	cr_assert(strstr(buf_str(why), "after the counters") != NULL);
	b->data[0] = 9;
	buf_reset(why);
	cr_assert_eq(svec_unpack(w, b->data, buf_len(b) - 1, why), WN_PERM);
	cr_assert(strstr(buf_str(why), "version") != NULL);
	svec_free(w);
	buf_reset(b);
	buf_append(b, "\x01\x00\x00\x00\x00\x00\x01\x01\x05\x00\x00\x01", 12);
	w = svec_new();
	buf_reset(why);
	cr_assert_eq(svec_unpack(w, b->data, buf_len(b), why), WN_PERM);
	cr_assert(strstr(buf_str(why), "group index") != NULL, "%s",
	    buf_str(why));
	svec_free(w);
}

Test(svec, names)
{
	cr_assert_str_eq(svec_spam_name(2), "spam");
	cr_assert_str_eq(svec_spam_name(SPAM_UNFILTERED), "unfiltered");
	cr_assert_str_eq(svec_av_name(2), "infected");
	cr_assert_str_eq(svec_action_name(5), "quarantine");
	cr_assert_str_eq(svec_action_name(ACTION_NONE), "none");
	cr_assert_str_eq(svec_check_name(SCHECK_DNSBL), "dnsbl");
	cr_assert_str_eq(svec_lat_name(SLAT_DNS), "dns");
	cr_assert_str_eq(svec_spam_name(99), "?");
}

Test(svec, buckets)
{
	cr_assert_eq(svec_bucket(0), 0);
	cr_assert_eq(svec_bucket(5000), 0);
	cr_assert_eq(svec_bucket(5001), 1);
	cr_assert_eq(svec_bucket(1000000), 7);
	cr_assert_eq(svec_bucket(60000001), SLAT_NBUCKETS - 1);
}

Test(svec, action_codes_keep_their_meaning)
{
	cr_assert_eq(svec_action_code(POLICY_QUARANTINE), 5);
	cr_assert_eq(svec_action_code(POLICY_TEMPFAIL), 7);
	cr_assert_eq(svec_action_code(POLICY_RENAME), 9);
	cr_assert_eq(svec_action_code(POLICY_REPLACE), 10);
	cr_assert_str_eq(svec_action_name(9), "rename");
	cr_assert_str_eq(svec_action_name(10), "replace");
	cr_assert_str_eq(svec_action_name(SACTION_N), "?");
}
