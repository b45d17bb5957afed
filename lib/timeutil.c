/*
 * timeutil.c - clocks and dates
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <time.h>

/* lib */
#include "log.h"
#include "timeutil.h"

/* time_now_ms - monotonic milliseconds */

uint64_t
time_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		log_panic("clock_gettime: CLOCK_MONOTONIC failed");
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* time_wall_ms - wall-clock milliseconds since the epoch */

int64_t
time_wall_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* time_now_us - monotonic microseconds */

uint64_t
time_now_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		log_panic("clock_gettime: CLOCK_MONOTONIC failed");
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* time_left_ms - time remaining before a deadline */

uint64_t
time_left_ms(uint64_t deadline)
{
	uint64_t	 now;

	if (deadline == 0)
		return (UINT64_MAX);
	now = time_now_ms();
	return (now >= deadline ? 0 : deadline - now);
}

/* time_rfc5322 - format a date for a header */

void
time_rfc5322(char *buf, size_t len, time_t t)
{
	static const char *const day[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	struct tm	 tm;
	long		 off;
	int		 n;

	(void)localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, len, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	if (n < 0 || (size_t)n >= len)
		log_panic("time_rfc5322: buffer of %zu bytes too small", len);
}
