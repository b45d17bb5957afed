/* test_timeutil.c - unit tests for lib/timeutil.c */

#include <stdint.h>
#include <time.h>

#include <criterion/criterion.h>

#include "timeutil.h"

/* The wall clock in ms agrees with time(2), and the monotonic clock never
 * goes back. */
Test(timeutil, wall_ms_is_the_epoch_clock)
{
	time_t		 before = time(NULL);
	int64_t		 ms = time_wall_ms();
	time_t		 after = time(NULL);
	uint64_t	 m1 = time_now_ms(), m2 = time_now_ms();

	cr_assert_geq(ms, (int64_t)before * 1000);
	cr_assert_lt(ms, ((int64_t)after + 1) * 1000);
	cr_assert_geq(m2, m1);
}

/* time_left_ms: what is left, 0 once passed, UINT64_MAX for no deadline
 * (0). */
Test(timeutil, left_ms)
{
	uint64_t	 now = time_now_ms();

	cr_assert_eq(time_left_ms(now - 1), 0);
	cr_assert_gt(time_left_ms(now + 60000), 59000);
	cr_assert_leq(time_left_ms(now + 60000), 60000);
	cr_assert_eq(time_left_ms(0), UINT64_MAX);
}
