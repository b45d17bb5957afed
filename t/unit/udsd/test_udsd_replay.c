/* test_udsd_replay.c - unit tests for udsd/udsd_replay.c */

#include <criterion/criterion.h>
#include <sodium.h>

#include "udsd.h"

Test(udsd_replay, the_same_write_twice)
{
	struct udsd_replay *r;

	cr_assert(sodium_init() >= 0);
	r = udsd_replay_new(100);
	cr_assert_not(udsd_replay_seen(r, "mx1", 7, 1000, 0, 60000));
	cr_assert(udsd_replay_seen(r, "mx1", 7, 1000, 10, 60000));
	cr_assert_not(udsd_replay_seen(r, "mx2", 7, 1000, 10, 60000));
	cr_assert_not(udsd_replay_seen(r, "mx1", 8, 1000, 10, 60000));
	cr_assert_not(udsd_replay_seen(r, "mx1", 7, 1001, 10, 60000));
	/* after twice the window it is forgotten (the clock check refuses
	 * it by then) */
	cr_assert_not(udsd_replay_seen(r, "mx1", 7, 1000, 130000, 60000));
	cr_assert(udsd_replay_seen(r, "mx1", 7, 1000, 130001, 60000));
	udsd_replay_free(r);
}

Test(udsd_replay, a_full_ring_refuses_until_entries_age)
{
	struct udsd_replay *r;
	uint32_t	 i;

	cr_assert(sodium_init() >= 0);
	r = udsd_replay_new(50);
	for (i = 0; i < 50; i++)
		cr_assert_not(udsd_replay_seen(r, "c", i, 1, 0, 1000));
	cr_assert(udsd_replay_seen(r, "c", 999, 1, 100, 1000), "full");
	cr_assert_not(udsd_replay_seen(r, "c", 999, 1, 2000, 1000));
	/* the entries that fell out are forgotten, the rest remembered */
	for (i = 0; i < 5000; i++)
		cr_assert_not(udsd_replay_seen(r, "c", 10000 + i, 1,
		    3000 + (uint64_t)i * 100, 1000));
	cr_assert(udsd_replay_seen(r, "c", 10000 + 4999, 1,
	    3000 + 4999 * 100 + 1, 1000));
	udsd_replay_free(r);
}
