/* test_udsd_match.c - unit tests for udsd/udsd_match.c */

#include <string.h>

#include <criterion/criterion.h>

#include "udsd.h"

static void
setup(void)
{
	memset(&udsd_conf, 0, sizeof(udsd_conf));
	udsd_conf.threshold = 2;
	udsd_conf.ttl_ms = 60000;
}

TestSuite(udsd_match, .init = setup);

Test(udsd_match, records_pack_and_unpack)
{
	struct udsd_record r = { UDS_FLAG_HAM, 7, 9, 1000, 2000 }, s;
	uint8_t		 v[UDSD_RECORD_LEN];

	udsd_record_pack(&r, v);
	cr_assert_eq(udsd_record_unpack(v, sizeof(v), &s), 0);
	cr_assert(s.flag == r.flag && s.count == r.count && s.hits == r.hits &&
	    s.created == r.created && s.touched == r.touched);
	cr_assert_lt(udsd_record_unpack(v, sizeof(v) - 1, &s), 0);
	v[0] = 2;
	cr_assert_lt(udsd_record_unpack(v, sizeof(v), &s), 0, "version");
	v[0] = 1;
	v[1] = 5;
	cr_assert_lt(udsd_record_unpack(v, sizeof(v), &s), 0, "flag");
}

Test(udsd_match, results_and_the_threshold)
{
	struct udsd_record r = { UDS_FLAG_SPAM, 1, 0, 0, 100 };
	struct uds_res	 res;

	udsd_result(&r, 12, &res);
	cr_assert_eq(res.result, UDS_R_BELOW);
	cr_assert_eq(res.votes, 12);
	r.count = 2;
	udsd_result(&r, 12, &res);
	cr_assert_eq(res.result, UDS_R_HIT);
	r.flag = UDS_FLAG_HAM;
	udsd_result(&r, 12, &res);
	cr_assert_eq(res.result, UDS_R_HAM);
	r.count = 0;
	r.flag = UDS_FLAG_SPAM;
	udsd_conf.threshold = 1;
	udsd_result(&r, 12, &res);
	cr_assert_eq(res.result, UDS_R_BELOW, "weight 0 is not a report");
}

Test(udsd_match, expiry)
{
	struct udsd_record r = { 0, 1, 0, 0, 1000 };

	cr_assert(udsd_record_alive(&r, 1059));
	cr_assert_not(udsd_record_alive(&r, 1060));
}

Test(udsd_match, votes_per_text)
{
	struct udsd_votes *v = calloc(1, sizeof(*v));
	uint8_t		 a[16], b[16], val[48];
	unsigned int	 i;

	memset(a, 0xaa, 16);
	memset(b, 0xbb, 16);
	for (i = 0; i < 10; i++) {
		memcpy(val, a, 16);
		memcpy(val + 16, b, 16);
		udsd_votes_add(v, i, val, i < 4 ? 32 : 16);
	}
	/* a shingle counts once per text, however often it names it */
	memcpy(val + 16, a, 16);
	udsd_votes_add(v, 0, val, 32);
	cr_assert_eq(v->n, 2);
	cr_assert_eq(udsd_votes_rank(v, 5), 1);
	cr_assert_eq(memcmp(v->c[0].digest, a, 16), 0);
	cr_assert_eq(v->c[0].votes, 10);
	cr_assert_eq(v->c[1].votes, 4);
	cr_assert_eq(udsd_votes_rank(v, 3), 2);
	free(v);
}

Test(udsd_match, a_shingle_keeps_the_newest_texts)
{
	uint8_t		 d[5][16], val[16 * 16], out[16 * 16];
	size_t		 n = 0, i;

	for (i = 0; i < 5; i++) {
		memset(d[i], (int)i + 1, 16);
		n = udsd_shingle_push(val, n, d[i], 3, out);
		memcpy(val, out, n);
	}
	cr_assert_eq(n, 48);
	cr_assert_eq(val[0], 5);
	cr_assert_eq(val[16], 4);
	cr_assert_eq(val[32], 3);
	/* pushing one already there moves it to the front */
	n = udsd_shingle_push(val, n, d[2], 3, out);
	cr_assert_eq(n, 48);
	cr_assert_eq(out[0], 3);
	cr_assert_eq(out[16], 5);
	cr_assert_eq(out[32], 4);
}

/* keep_odd - a filter */

static int
keep_odd(const uint8_t *d, void *arg)
{
	(void)arg;
	return (d[0] & 1);
}

Test(udsd_match, filter)
{
	uint8_t		 val[64], out[64];
	size_t		 i;

	for (i = 0; i < 4; i++)
		memset(val + 16 * i, (int)i + 1, 16);
	cr_assert_eq(udsd_shingle_filter(val, 64, keep_odd, NULL, out), 32);
	cr_assert_eq(out[0], 1);
	cr_assert_eq(out[16], 3);
}
