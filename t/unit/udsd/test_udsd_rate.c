/* test_udsd_rate.c - unit tests for udsd/udsd_rate.c */

#include <criterion/criterion.h>
#include <sodium.h>

#include "udsd.h"

Test(udsd_rate, a_bucket_refills_at_the_rate)
{
	struct udsd_rate *r;
	int		 i, n = 0;

	cr_assert(sodium_init() >= 0);
	r = udsd_rate_new(1024, 100, 10);
	for (i = 0; i < 50; i++)
		n += udsd_rate_take(r, "a", 1, 1000);
	cr_assert_eq(n, 10, "the burst");
	cr_assert_not(udsd_rate_take(r, "a", 1, 1005));
	cr_assert(udsd_rate_take(r, "a", 1, 1010), "10 ms at 100/s");
	/* others are not touched */
	cr_assert(udsd_rate_take(r, "b", 1, 1010));
	/* a second refills to the burst, not beyond */
	for (n = 0, i = 0; i < 50; i++)
		n += udsd_rate_take(r, "a", 1, 5000);
	cr_assert_eq(n, 10);
	udsd_rate_free(r);
}

Test(udsd_rate, a_flood_keeps_to_its_own_bucket)
{
	struct udsd_rate *r;
	int		 i, mine = 0, theirs = 0;
	uint64_t	 now;

	cr_assert(sodium_init() >= 0);
	r = udsd_rate_new(65536, 1000, 100);
	for (now = 1000; now < 2000; now++) {
		for (i = 0; i < 20; i++)
			mine += udsd_rate_take(r, "flood", 5, now);
		theirs += udsd_rate_take(r, "quiet", 5, now);
	}
	cr_assert_leq(mine, 100 + 1000, "%d", mine);
	cr_assert_eq(theirs, 1000);
	udsd_rate_free(r);
}

Test(udsd_rate, more_keys_than_slots)
{
	struct udsd_rate *r;
	char		 k[8];
	int		 i, n = 0;

	cr_assert(sodium_init() >= 0);
	r = udsd_rate_new(8, 10, 1);
	for (i = 0; i < 1000; i++) {
		k[0] = (char)i;
		k[1] = (char)(i >> 8);
		n += udsd_rate_take(r, k, 2, 1000);
	}
	cr_assert_leq(n, 16, "shared buckets: %d", n);
	udsd_rate_free(r);
}
