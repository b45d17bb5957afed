/*
 * timeutil.h - clocks and dates
 *
 * time_now_ms() is monotonic and is what every timeout and deadline uses;
 * wall-clock time appears only in dates written into headers and logs.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_TIMEUTIL_H
#define WINNOW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds on the monotonic clock. */
uint64_t	time_now_ms(void);

/* Milliseconds since the epoch on the wall clock: for times stored or
 * shared with other hosts (heartbeats, sessions, the fleet), never for
 * timeouts. */
int64_t		time_wall_ms(void);

/* Microseconds on the monotonic clock. */
uint64_t	time_now_us(void);

/* RFC 5322 date ("Sat, 21 Nov 2026 10:00:00 +0100") of t into buf. */
void		time_rfc5322(char *buf, size_t len, time_t t);

/* Milliseconds left until deadline (0 if passed); UINT64_MAX if none. */
uint64_t	time_left_ms(uint64_t deadline);

#endif /* WINNOW_TIMEUTIL_H */
